/* ryw - read-your-write latency through replication: SET a fresh key on
 * the master, then poll GET on a replica until it answers the value. Prints
 * p50, p99 and max in microseconds over N writes. Works against Synap and
 * Redis alike (RESP only).
 *
 *   ryw MASTER_PORT REPLICA_PORT [N]
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long long now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int dial(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("ryw: connect");
		exit(1);
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/* Sends cmd and reads one reply into buf; returns its length. */
static size_t call(int fd, const char *cmd, size_t len, char *buf, size_t cap)
{
	if (write(fd, cmd, len) != (ssize_t)len) {
		perror("ryw: write");
		exit(1);
	}
	size_t got = 0;
	for (;;) {
		ssize_t r = read(fd, buf + got, cap - got - 1);
		if (r <= 0) {
			fprintf(stderr, "ryw: connection closed\n");
			exit(1);
		}
		got += (size_t)r;
		buf[got] = '\0';
		/* Replies here are "+OK", "$-1" or "$N\r\n<N bytes>": done when whole. */
		char *crlf = strstr(buf, "\r\n");
		if (!crlf)
			continue;
		if (buf[0] != '$' || buf[1] == '-')
			return got;
		size_t n = (size_t)atol(buf + 1);
		if (got >= (size_t)(crlf - buf) + 2 + n + 2)
			return got;
	}
}

static int cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: ryw MASTER_PORT REPLICA_PORT [N]\n");
		return 64;
	}
	int m = dial(atoi(argv[1])), r = dial(atoi(argv[2]));
	int n = argc > 3 ? atoi(argv[3]) : 10000;
	long long *lat = malloc(sizeof(*lat) * (size_t)n);
	char cmd[256], buf[4096];
	long long tag = now_us();

	for (int i = 0; i < n; i++) {
		char key[64], val[64];
		int kl = snprintf(key, sizeof(key), "ryw:%lld:%d", tag, i);
		int vl = snprintf(val, sizeof(val), "v%d", i);
		int cl = snprintf(cmd, sizeof(cmd), "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", kl, key, vl, val);
		long long t0 = now_us();
		call(m, cmd, (size_t)cl, buf, sizeof(buf));
		cl = snprintf(cmd, sizeof(cmd), "*2\r\n$3\r\nGET\r\n$%d\r\n%s\r\n", kl, key);
		for (long long polls = 0;; polls++) {
			call(r, cmd, (size_t)cl, buf, sizeof(buf));
			if (buf[0] == '$' && buf[1] != '-')
				break;
			if (now_us() - t0 > 5000000) {
				fprintf(stderr, "ryw: key %s not on the replica after 5 s\n", key);
				return 1;
			}
		}
		lat[i] = now_us() - t0;
	}
	qsort(lat, (size_t)n, sizeof(*lat), cmp);
	printf("%lld %lld %lld\n", lat[n / 2], lat[n * 99 / 100], lat[n - 1]);
	return 0;
}
