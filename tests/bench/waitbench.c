/* waitbench - write throughput when every write waits for a replica:
 * each of T connections loops SET key value; WAIT 1 0 for SECS seconds.
 * Prints the pairs completed per second. Works against Synap and Redis.
 *
 *   waitbench PORT [THREADS] [SECS]
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int port;
static double secs;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Reads until n CRLF-terminated simple replies (":1", "+OK") arrived. */
static int read_replies(int fd, int n)
{
	char buf[256];
	int lines = 0;
	while (lines < n) {
		ssize_t r = read(fd, buf, sizeof(buf));
		if (r <= 0)
			return -1;
		for (ssize_t i = 0; i < r; i++)
			if (buf[i] == '\n')
				lines++;
		if (buf[0] == '-')
			return -1;
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
	char cmd[256];
	while (now() < end) {
		char key[32];
		int kl = snprintf(key, sizeof(key), "w:%ld:%ld", id, done % 100000);
		int n = snprintf(cmd, sizeof(cmd), "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$100\r\n%0100d\r\n"
			       "*3\r\n$4\r\nWAIT\r\n$1\r\n1\r\n$1\r\n0\r\n", kl, key, 7);
		if (write(fd, cmd, (size_t)n) != n || read_replies(fd, 2) < 0) {
			fprintf(stderr, "waitbench: error reply or closed connection\n");
			exit(1);
		}
		done++;
	}
	close(fd);
	return (void *)done;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: waitbench PORT [THREADS] [SECS]\n");
		return 64;
	}
	port = atoi(argv[1]);
	int threads = argc > 2 ? atoi(argv[2]) : 8;
	secs = argc > 3 ? atof(argv[3]) : 5;
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
