/* queue - a work queue through one list: P producers LPUSH, C consumers
 * BRPOP, until N messages went through; then checks that every message
 * arrived exactly once. One thread, non-blocking sockets under epoll, so
 * that the client costs less than the server it measures. Works against
 * Synap and Redis alike (RESP2).
 *
 *   queue [-p PRODUCERS] [-c CONSUMERS] [-n MESSAGES] [-k KEY] [-t SECS] PORT
 *
 * Message i (0 <= i < N) is "i:T", T its producer's send time in µs; producer
 * j sends j, j + P, j + 2P, ..., one LPUSH in flight at a time. Each
 * consumer keeps one "BRPOP KEY 0" outstanding and records the ids it gets.
 * The clock stops when every id has arrived (or after SECS without one once
 * the producers are done); then, for 100 ms more, late copies are still
 * counted, the consumers are closed and LLEN KEY gives what was left.
 *
 * Prints one JSON object on stdout: messages, seconds, per_second,
 * delivered, duplicates, missing, left, errors, latency_p50_us,
 * latency_p99_us (send to receipt). Exit status 0 when the run completed
 * (whatever it found: see duplicates and missing), 1 on a connection or
 * protocol failure, 64 on a usage error. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 4096
#define IN_CAP 65536

struct conn {
	int fd;
	int producer;           /* 1: LPUSHes; 0: BRPOPs */
	long next;              /* producer: next id to send */
	int inflight;           /* requests sent and not yet answered */
	size_t in_len;
	char in[IN_CAP];
};

static const char *key = "queue";
static long n_msgs = 1000000, n_prod = 50, n_cons = 50;
static double stall_secs = 10;
static int port;

static uint8_t *seen;           /* per id: times delivered (saturates at 255) */
static uint32_t *lat;           /* per id: µs from send to first receipt */
static long distinct, delivered, errors, acked;

static void fail(const char *what)
{
	fprintf(stderr, "queue: %s: %s\n", what, errno ? strerror(errno) : "protocol error");
	exit(1);
}

static long long now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int dial(int nonblock)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		fail("connect");
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (nonblock)
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

/* The socket buffer takes a short request whole; a partial write would
 * mean a full buffer we never let happen (one request in flight). */
static void send_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			fail("write");
		p += w;
		len -= (size_t)w;
	}
}

static void send_push(struct conn *c)
{
	char val[48], cmd[128];
	int vl = snprintf(val, sizeof(val), "%ld:%lld", c->next, now_us());
	int n = snprintf(cmd, sizeof(cmd), "*3\r\n$5\r\nLPUSH\r\n$%zu\r\n%s\r\n$%d\r\n%s\r\n",
			 strlen(key), key, vl, val);
	send_all(c->fd, cmd, (size_t)n);
	c->next += n_prod;
	c->inflight++;
}

static void send_pop(struct conn *c)
{
	char cmd[128];
	int n = snprintf(cmd, sizeof(cmd), "*3\r\n$5\r\nBRPOP\r\n$%zu\r\n%s\r\n$1\r\n0\r\n", strlen(key), key);
	send_all(c->fd, cmd, (size_t)n);
	c->inflight++;
}

/* One line ending in CRLF at p (len bytes): its length without the CRLF,
 * or -1 while incomplete. */
static long line_len(const char *p, size_t len)
{
	const char *e = memchr(p, '\n', len);
	if (!e)
		return -1;
	if (e == p || e[-1] != '\r')
		fail("reply line without CRLF");
	return e - p - 1;
}

/* Parses one reply at p: a simple line (+, -, :) or an array of bulk
 * strings (BRPOP's [key, value]). Returns the bytes it takes, 0 while
 * incomplete; sets *err for an error reply, *val / *vlen to the array's
 * last element (NULL for a null array or a simple reply). */
static size_t parse_reply(const char *p, size_t len, int *err, const char **val, size_t *vlen)
{
	long l = line_len(p, len);
	*err = 0;
	*val = NULL;
	if (l < 0)
		return 0;
	if (p[0] == '-' || p[0] == '+' || p[0] == ':') {
		*err = p[0] == '-';
		if (*err)
			fprintf(stderr, "queue: error reply: %.*s\n", (int)l - 1, p + 1);
		return (size_t)l + 2;
	}
	if (p[0] != '*')
		fail("unexpected reply type");
	long elems = atol(p + 1);
	size_t off = (size_t)l + 2;
	if (elems < 0)
		return off;
	if (elems > 16)
		fail("array reply too long");
	for (long i = 0; i < elems; i++) {
		if (off >= len)
			return 0;
		l = line_len(p + off, len - off);
		if (l < 0)
			return 0;
		if (p[off] != '$')
			fail("array element not a bulk string");
		long bl = atol(p + off + 1);
		if (bl < 0 || bl > IN_CAP / 2)
			fail("bulk length out of range");
		off += (size_t)l + 2;
		if (len - off < (size_t)bl + 2)
			return 0;
		*val = p + off;
		*vlen = (size_t)bl;
		off += (size_t)bl + 2;
	}
	return off;
}

static void take(const char *v, size_t vl, long long t)
{
	char tmp[48];
	if (vl >= sizeof(tmp))
		fail("message too long");
	memcpy(tmp, v, vl);
	tmp[vl] = '\0';
	char *colon;
	long id = strtol(tmp, &colon, 10);
	if (*colon != ':' || id < 0 || id >= n_msgs)
		fail("message not of this run");
	delivered++;
	if (seen[id] == 0) {
		distinct++;
		long long d = t - atoll(colon + 1);
		lat[id] = d < 0 ? 0 : d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
	}
	if (seen[id] < 255)
		seen[id]++;
}

/* Reads what arrived on c and answers each reply with the next request. */
static void on_readable(struct conn *c, int resend)
{
	for (;;) {
		ssize_t r = read(c->fd, c->in + c->in_len, IN_CAP - c->in_len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			break;
		if (r <= 0)
			fail(r == 0 ? "connection closed by the server" : "read");
		c->in_len += (size_t)r;
		size_t off = 0, used;
		int err;
		const char *v;
		size_t vl = 0;
		long long t = now_us();
		while (off < c->in_len && (used = parse_reply(c->in + off, c->in_len - off, &err, &v, &vl)) > 0) {
			off += used;
			c->inflight--;
			errors += err;
			if (c->producer) {
				acked += !err;
				if (resend && c->next < n_msgs)
					send_push(c);
			} else {
				if (v)
					take(v, vl, t);
				if (resend)
					send_pop(c);
			}
		}
		memmove(c->in, c->in + off, c->in_len - off);
		c->in_len -= off;
		if (c->in_len == IN_CAP)
			fail("reply larger than the input buffer");
	}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

static long llen(void)
{
	char cmd[128], buf[128];
	int fd = dial(0);
	int n = snprintf(cmd, sizeof(cmd), "*2\r\n$4\r\nLLEN\r\n$%zu\r\n%s\r\n", strlen(key), key);
	send_all(fd, cmd, (size_t)n);
	ssize_t r = read(fd, buf, sizeof(buf) - 1);
	if (r <= 0 || buf[0] != ':')
		fail("LLEN");
	buf[r] = '\0';
	close(fd);
	return atol(buf + 1);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: queue [-p PRODUCERS] [-c CONSUMERS] [-n MESSAGES] [-k KEY] [-t SECS] PORT\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "producers", required_argument, NULL, 'p' },
		{ "consumers", required_argument, NULL, 'c' },
		{ "messages", required_argument, NULL, 'n' },
		{ "key", required_argument, NULL, 'k' },
		{ "stall", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int o;
	while ((o = getopt_long(argc, argv, "p:c:n:k:t:h", opts, NULL)) != -1) {
		switch (o) {
		case 'p': n_prod = atol(optarg); break;
		case 'c': n_cons = atol(optarg); break;
		case 'n': n_msgs = atol(optarg); break;
		case 'k': key = optarg; break;
		case 't': stall_secs = atof(optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 64;
		}
	}
	if (optind != argc - 1 || n_prod < 1 || n_cons < 1 || n_prod + n_cons > MAX_CONNS || n_msgs < 1 ||
	    strlen(key) > 64 || stall_secs <= 0) {
		usage(stderr);
		return 64;
	}
	port = atoi(argv[optind]);
	seen = calloc((size_t)n_msgs, 1);
	lat = calloc((size_t)n_msgs, sizeof(*lat));
	long nc = n_prod + n_cons;
	struct conn *conns = calloc((size_t)nc, sizeof(*conns));
	int ep = epoll_create1(0);
	if (!seen || !lat || !conns || ep < 0)
		fail("out of memory");

	/* Consumers first, so that they wait when the first message comes. */
	for (long i = 0; i < nc; i++) {
		struct conn *c = &conns[i];
		c->producer = i >= n_cons;
		c->next = c->producer ? i - n_cons : 0;
		c->fd = dial(1);
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
		if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) < 0)
			fail("epoll_ctl");
	}
	long long t0 = now_us(), t_end = 0, last = t0;
	for (long i = 0; i < n_cons; i++)
		send_pop(&conns[i]);
	for (long i = n_cons; i < nc; i++)
		if (conns[i].next < n_msgs)
			send_push(&conns[i]);

	struct epoll_event evs[256];
	while (distinct < n_msgs) {
		int k = epoll_wait(ep, evs, 256, 100);
		if (k < 0 && errno != EINTR)
			fail("epoll_wait");
		long before = distinct;
		for (int i = 0; i < k; i++)
			on_readable(evs[i].data.ptr, 1);
		long long t = now_us();
		if (distinct != before)
			last = t;
		else if (acked + errors >= n_msgs && t - last > stall_secs * 1e6)
			break;          /* producers done, nothing arrives: some are lost */
	}
	t_end = now_us();
	/* Late copies: a message delivered twice may come after the last one. */
	while (now_us() - t_end < 100000) {
		int k = epoll_wait(ep, evs, 256, 20);
		for (int i = 0; i < k; i++)
			on_readable(evs[i].data.ptr, 0);
	}
	for (long i = 0; i < nc; i++)
		close(conns[i].fd);
	long left = llen();

	uint32_t *l = malloc(sizeof(*l) * (size_t)(distinct ? distinct : 1));
	long m = 0;
	for (long i = 0; i < n_msgs; i++)
		if (seen[i])
			l[m++] = lat[i];
	qsort(l, (size_t)m, sizeof(*l), cmp_u32);
	double secs = (double)(t_end - t0) / 1e6;
	printf("{\"messages\":%ld,\"producers\":%ld,\"consumers\":%ld,\"seconds\":%.3f,\"per_second\":%.0f,"
	       "\"delivered\":%ld,\"duplicates\":%ld,\"missing\":%ld,\"left\":%ld,\"errors\":%ld,"
	       "\"latency_p50_us\":%u,\"latency_p99_us\":%u}\n",
	       n_msgs, n_prod, n_cons, secs, distinct / secs, delivered, delivered - distinct, n_msgs - distinct,
	       left, errors, m ? l[m / 2] : 0, m ? l[m * 99 / 100] : 0);
	return 0;
}
