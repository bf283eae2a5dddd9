/* waitbench - write throughput when every write waits for a replica:
 * each of T connections loops SET key value; WAIT 1 0 for SECS seconds,
 * PIPELINE such pairs at a time (default 1). Prints the SETs completed per
 * second. Works against Synap and Redis. With the mode "set" it sends the
 * SETs alone (a master with sync_replicas makes each wait by itself).
 *
 *   waitbench PORT [THREADS] [SECS] [PIPELINE] [wait|set]
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int port, pipeline = 1;
static bool with_wait = true;
static double secs;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Reads until n CRLF-terminated simple replies (":1", "+OK") arrived; -1 on
 * an error reply or a closed connection. */
static int read_replies(int fd, int n)
{
	char buf[4096];
	int lines = 0;
	bool line_start = true;
	while (lines < n) {
		ssize_t r = read(fd, buf, sizeof(buf));
		if (r <= 0)
			return -1;
		for (ssize_t i = 0; i < r; i++) {
			if (line_start && buf[i] == '-')
				return -1;
			line_start = buf[i] == '\n';
			lines += line_start;
		}
	}
	return 0;
}

static void *worker(void *arg)
{
	long id = (long)arg, done = 0;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("waitbench: connect");
		exit(1);
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	double end = now() + secs;
	char cmd[256 * 64];
	while (now() < end) {
		int n = 0;
		for (int i = 0; i < pipeline; i++) {
			char key[32];
			int kl = snprintf(key, sizeof(key), "w:%ld:%ld", id, (done + i) % 100000);
			n += snprintf(cmd + n, sizeof(cmd) - (size_t)n, "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$100\r\n%0100d\r\n%s",
				      kl, key, 7, with_wait ? "*3\r\n$4\r\nWAIT\r\n$1\r\n1\r\n$1\r\n0\r\n" : "");
		}
		if (write(fd, cmd, (size_t)n) != n || read_replies(fd, pipeline * (with_wait ? 2 : 1)) < 0) {
			fprintf(stderr, "waitbench: error reply or closed connection\n");
			exit(1);
		}
		done += pipeline;
	}
	close(fd);
	return (void *)done;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: waitbench PORT [THREADS] [SECS] [PIPELINE] [wait|set]\n");
		return 64;
	}
	port = atoi(argv[1]);
	int threads = argc > 2 ? atoi(argv[2]) : 8;
	secs = argc > 3 ? atof(argv[3]) : 5;
	pipeline = argc > 4 ? atoi(argv[4]) : 1;
	with_wait = argc <= 5 || strcmp(argv[5], "set") != 0;
	if (pipeline < 1 || pipeline > 64) {
		fprintf(stderr, "waitbench: PIPELINE is 1 to 64\n");
		return 64;
	}
	pthread_t th[256];
	long total = 0;
	for (long i = 0; i < threads && i < 256; i++)
		pthread_create(&th[i], NULL, worker, (void *)i);
	for (int i = 0; i < threads && i < 256; i++) {
		void *r;
		pthread_join(th[i], &r);
		total += (long)r;
	}
	printf("%.0f\n", total / secs);
	return 0;
}
