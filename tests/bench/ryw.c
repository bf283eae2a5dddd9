/* ryw - read-your-write through replication, N rounds of a write on the
 * master and a read of it on a replica, in one of three modes:
 *
 *   poll    SET on the master, then GET on the replica until it answers
 *           the value (works against Redis too)
 *   token   SET and SYNAP.TOKEN on the master (one round trip), then
 *           SYNAP.WAITTOKEN token 5000 and GET on the replica (one round
 *           trip): the GET must answer the value
 *   nowait  SET on the master, then one GET on the replica, whatever it
 *           answers
 *
 * Each round writes the round's number to one of 16 keys, so a stale read
 * is an older value as well as a missing one. Prints
 * "p50 p99 max stale" (microseconds from the write to the read that
 * counts; reads that did not answer the round's value). Exit 1 when a
 * connection fails or a poll waits more than 5 s.
 *
 *   ryw MASTER_PORT REPLICA_PORT [N] [poll|token|nowait]
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
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

static void die(const char *msg)
{
	fprintf(stderr, "ryw: %s\n", msg);
	exit(1);
}

/* A connection and what it read but did not hand out yet. */
struct conn {
	int fd;
	char buf[8192];
	size_t len;
};

static void dial(struct conn *c, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int one = 1;

	c->len = 0;
	c->fd = socket(AF_INET, SOCK_STREAM, 0);
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("ryw: connect");
		exit(1);
	}
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static void send_all(struct conn *c, const char *p, size_t len)
{
	while (len) {
		ssize_t w = write(c->fd, p, len);
		if (w <= 0)
			die("write failed");
		p += w;
		len -= (size_t)w;
	}
}

/* The length of the whole reply at the start of c->buf (simple strings,
 * errors, integers and bulk strings), 0 when more must be read. */
static size_t whole(const struct conn *c)
{
	const char *crlf = memchr(c->buf, '\n', c->len);
	if (!crlf)
		return 0;
	size_t head = (size_t)(crlf - c->buf) + 1;
	if (c->buf[0] != '$' || c->buf[1] == '-')
		return head;
	size_t n = (size_t)atol(c->buf + 1);
	return c->len >= head + n + 2 ? head + n + 2 : 0;
}

/* Reads one reply into out (NUL-terminated, at most cap - 1 bytes kept). */
static void reply(struct conn *c, char *out, size_t cap)
{
	size_t n;
	while ((n = whole(c)) == 0) {
		if (c->len == sizeof(c->buf))
			die("reply too long");
		ssize_t r = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
		if (r <= 0)
			die("connection closed");
		c->len += (size_t)r;
	}
	size_t keep = n < cap ? n : cap - 1;
	memcpy(out, c->buf, keep);
	out[keep] = '\0';
	memmove(c->buf, c->buf + n, c->len - n);
	c->len -= n;
}

/* Appends a command of argc strings to out (RESP multibulk). */
static int command(char *out, size_t cap, int argc, const char *const *argv)
{
	int n = snprintf(out, cap, "*%d\r\n", argc);
	for (int i = 0; i < argc; i++)
		n += snprintf(out + n, cap - (size_t)n, "$%zu\r\n%s\r\n", strlen(argv[i]), argv[i]);
	return n;
}

/* A GET reply holding exactly val. */
static bool holds(const char *rep, const char *val)
{
	char want[96];
	snprintf(want, sizeof(want), "$%zu\r\n%s\r\n", strlen(val), val);
	return strcmp(rep, want) == 0;
}

static int cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: ryw MASTER_PORT REPLICA_PORT [N] [poll|token|nowait]\n");
		return 64;
	}
	struct conn m, r;
	dial(&m, atoi(argv[1]));
	dial(&r, atoi(argv[2]));
	int n = argc > 3 ? atoi(argv[3]) : 10000;
	const char *mode = argc > 4 ? argv[4] : "poll";
	bool token = strcmp(mode, "token") == 0, nowait = strcmp(mode, "nowait") == 0;
	if (n < 1 || (!token && !nowait && strcmp(mode, "poll") != 0)) {
		fprintf(stderr, "usage: ryw MASTER_PORT REPLICA_PORT [N] [poll|token|nowait]\n");
		return 64;
	}
	long long *lat = malloc(sizeof(*lat) * (size_t)n);
	long long tag = now_us(), stale = 0;
	char cmd[1024], rep[256], tok[128];

	for (int i = 0; i < n; i++) {
		char key[64], val[64];
		snprintf(key, sizeof(key), "ryw:%lld:%d", tag, i % 16);
		snprintf(val, sizeof(val), "v%d", i);
		const char *set[] = { "SET", key, val }, *get[] = { "GET", key };
		int cl = command(cmd, sizeof(cmd), 3, set);
		if (token) {
			const char *t[] = { "SYNAP.TOKEN" };
			cl += command(cmd + cl, sizeof(cmd) - (size_t)cl, 1, t);
		}
		long long t0 = now_us();
		send_all(&m, cmd, (size_t)cl);
		reply(&m, rep, sizeof(rep));
		if (rep[0] != '+')
			die("SET failed");
		if (token) {
			reply(&m, rep, sizeof(rep));
			char *crlf = strstr(rep, "\r\n");
			if (rep[0] != '$' || !crlf || strlen(crlf + 2) < 3 || strlen(crlf + 2) - 2 >= sizeof(tok))
				die("SYNAP.TOKEN failed");
			snprintf(tok, sizeof(tok), "%.*s", (int)strlen(crlf + 2) - 2, crlf + 2);
			const char *w[] = { "SYNAP.WAITTOKEN", tok, "5000" };
			cl = command(cmd, sizeof(cmd), 3, w);
			cl += command(cmd + cl, sizeof(cmd) - (size_t)cl, 2, get);
			send_all(&r, cmd, (size_t)cl);
			reply(&r, rep, sizeof(rep));
			if (strcmp(rep, ":1\r\n") != 0) {
				fprintf(stderr, "ryw: SYNAP.WAITTOKEN %s answered %s", tok, rep);
				return 1;
			}
			reply(&r, rep, sizeof(rep));
			stale += !holds(rep, val);
		} else {
			cl = command(cmd, sizeof(cmd), 2, get);
			for (;;) {
				send_all(&r, cmd, (size_t)cl);
				reply(&r, rep, sizeof(rep));
				if (holds(rep, val))
					break;
				if (nowait) {
					stale++;
					break;
				}
				if (now_us() - t0 > 5000000) {
					fprintf(stderr, "ryw: %s=%s not on the replica after 5 s\n", key, val);
					return 1;
				}
			}
		}
		lat[i] = now_us() - t0;
	}
	qsort(lat, (size_t)n, sizeof(*lat), cmp);
	printf("%lld %lld %lld %lld\n", lat[n / 2], lat[n * 99 / 100], lat[n - 1], stale);
	return 0;
}
