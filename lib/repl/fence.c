/* fence.c - telling a deposed master of the new epoch (fence.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/conn.h"
#include "core/log.h"
#include "core/net.h"
#include "proto/frame.h"
#include "repl/fence.h"

#define RETRY_MS 1000
#define ANSWER_TIMEOUT_MS 2000  /* a master that says nothing: tried again */

struct fence {
	struct repl *r;
	char *addr, *host;
	int port;
	uint64_t epoch;                 /* the epoch told */
	int64_t give_up_ms;
	int64_t sent_ms;                /* the HELLO went at (0: not yet) */
	struct conn conn;
	long long timer;
	int attempts;
};

static void fence_event(struct loop *l, int fd, void *arg, int mask);
static int64_t fence_timer(struct loop *l, void *arg);

static void fence_free(struct fence *f)
{
	if (f->timer)
		loop_timer_del(f->r->loop, f->timer);
	conn_close(&f->conn);
	f->r->fence = NULL;
	free(f->addr);
	free(f->host);
	free(f);
}

/* This attempt failed (why): another in a second, until give_up_ms. */
static void attempt_failed(struct fence *f, const char *why)
{
	conn_close(&f->conn);
	f->sent_ms = 0;
	if (mono_ms() + RETRY_MS > f->give_up_ms) {
		log_warn("fencing %s: gave up after %d attempts over %d s: %s (it may still take writes until "
			 "a replica of epoch %llu reaches it)", f->addr, f->attempts, FENCE_RETRY_SECS, why,
			 (unsigned long long)f->epoch);
		f->r->st.fence_failures++;
		fence_free(f);
		return;
	}
	if (f->attempts == 1)
		log_notice("fencing %s: %s; trying again every %d ms for %d s", f->addr, why, RETRY_MS,
			   FENCE_RETRY_SECS);
}

static void attempt(struct fence *f)
{
	char err[NET_ERR_LEN];

	f->attempts++;
	int fd = net_tcp_connect(f->host, f->port, err);
	if (fd < 0) {
		attempt_failed(f, err);
		return;
	}
	if (conn_open(&f->conn, f->r->loop, fd, LOOP_WRITE, fence_event, f) < 0) {
		close(fd);
		attempt_failed(f, strerror(errno));
	}
}

static int64_t fence_timer(struct loop *l, void *arg)
{
	struct fence *f = arg;
	struct repl *r = f->r;
	UNUSED(l);

	if (f->conn.fd < 0) {
		attempt(f);
	} else if (f->sent_ms && mono_ms() - f->sent_ms > ANSWER_TIMEOUT_MS) {
		attempt_failed(f, "no answer to the handshake");
	}
	/* f is gone when it gave up, and its timer with it. */
	return r->fence ? RETRY_MS : -1;
}

/* The handshake: who this node is now, with its new epoch. */
static void send_hello(struct fence *f)
{
	repl_write_hello(f->r, &f->conn.out, repl_offset(f->r), f->epoch);
	f->sent_ms = mono_ms();
	conn_set_reading(&f->conn, true);
	if (conn_flush(&f->conn) < 0)
		attempt_failed(f, strerror(errno));
}

/* The master's answer: a refusal for the epoch is the fence taken. */
static void read_answer(struct fence *f)
{
	ssize_t got = conn_read(&f->conn, 4096);
	if (got == 0)
		return;
	if (got < 0) {
		attempt_failed(f, errno ? strerror(errno) : "the master closed the connection without an answer");
		return;
	}
	struct frame fr;
	size_t used;
	int rc = frame_next((unsigned char *)f->conn.in.data, f->conn.in.len, 64 * 1024, &fr, &used);
	if (rc == 0)
		return;
	uint16_t code = 0;
	char text[256] = "";
	if (rc > 0 && fr.type == FRAME_ERROR)
		frame_parse_error(&fr, &code, text, sizeof(text));
	if (rc > 0 && fr.type == FRAME_ERROR && code == FERR_EPOCH) {
		log_notice("fenced %s: it knows now of epoch %llu and refuses writes (%s)", f->addr,
			   (unsigned long long)f->epoch, text);
		f->r->st.fences_sent++;
	} else if (rc > 0 && fr.type == FRAME_ERROR) {
		log_warn("fencing %s: refused: %s", f->addr, text);
		f->r->st.fence_failures++;
	} else {
		/* It took the handshake: its epoch is not older than ours. */
		log_warn("fencing %s: it accepted epoch %llu as a replica's, so it is no older master; "
			 "nothing to fence", f->addr, (unsigned long long)f->epoch);
	}
	fence_free(f);
}

static void fence_event(struct loop *l, int fd, void *arg, int mask)
{
	struct fence *f = arg;
	char err[NET_ERR_LEN];
	UNUSED(l); UNUSED(fd);

	if (!f->sent_ms) {
		if (net_connect_result(f->conn.fd, err) < 0) {
			attempt_failed(f, err);
			return;
		}
		send_hello(f);
		return;
	}
	if ((mask & LOOP_WRITE) && conn_flush(&f->conn) < 0) {
		attempt_failed(f, strerror(errno));
		return;
	}
	if (mask & LOOP_READ)
		read_answer(f);
}

void fence_notify(struct repl *r, const char *addr)
{
	char *host = NULL;
	int port;

	fence_stop(r);
	if (addr_split(addr, &host, &port) < 0 || port == 0) {
		log_warn("fencing: '%s' is no host:port; the old master is not told", addr);
		free(host);
		return;
	}
	struct fence *f = xcalloc(1, sizeof(*f));
	f->r = r;
	f->addr = xstrdup(addr);
	f->host = host;
	f->port = port;
	f->epoch = r->id.epoch;
	f->conn.fd = -1;
	f->give_up_ms = mono_ms() + FENCE_RETRY_SECS * 1000;
	r->fence = f;
	f->timer = loop_timer_add(r->loop, RETRY_MS, fence_timer, f);
	log_notice("fencing %s: telling it of epoch %llu", addr, (unsigned long long)f->epoch);
	attempt(f);
}

void fence_stop(struct repl *r)
{
	if (r->fence)
		fence_free(r->fence);
}
