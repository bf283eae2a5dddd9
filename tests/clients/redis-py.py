#!/usr/bin/env python3
"""redis-py (Debian's python3-redis) at its default settings against Synap.

    redis-py.py CHECK MASTER_PORT REPLICA_PORT [SPARE_PORT]

Only the address is given: the client speaks RESP2 (redis-py 4 knows no
other), answers bytes (decode_responses is off) and sends nothing before the
first command. Like the Node.js scripts (common.js), it runs one CHECK and
prints a transcript, one line per step: a label, then repr() of what the
client returned, or "!ErrorClass message" when it raised. Exits 0 when the
check ran to its end, 1 when it raised where no error was expected, 2 when
redis cannot be imported, 3 after DEADLINE_S, 64 on a usage error.
"""
import signal
import sys
import time

try:
    import redis
except ImportError as e:
    sys.stderr.write("cannot import redis: %s\n" % e)
    sys.exit(2)

DEADLINE_S = 20
POLL_TRIES = 200        # polls of a replica or for messages, POLL_S apart
POLL_S = 0.025


def err_text(e):
    return "!%s %s" % (type(e).__name__, str(e).rstrip().replace("\n", "\\n"))


def show(label, value):
    text = err_text(value) if isinstance(value, Exception) else repr(value)
    print(("%s %s" % (label, text)).rstrip(), flush=True)


def attempt(label, fn, *args, **kwargs):
    """Shows what fn(*args, **kwargs) returns or raises; returns the value."""
    try:
        v = fn(*args, **kwargs)
    except redis.RedisError as e:
        show(label, e)
        return None
    show(label, v)
    return v


def poll(fn, want):
    """Calls fn until it returns want, at most POLL_TRIES times."""
    v = None
    for _ in range(POLL_TRIES):
        v = fn()
        if v == want:
            break
        time.sleep(POLL_S)
    return v


def ttl_shown(t):
    """A TTL just set to 100 s: "99..100" (a second may have begun)."""
    return "99..100" if t in (99, 100) else t


def connect(port):
    return redis.Redis(host="127.0.0.1", port=port)


def hello_shown(hello):
    """HELLO's reply (a flat list of names and values) less the connection
    id and the server's version, which change."""
    drop = (b"id", b"version")
    return [x for i, x in enumerate(hello) if hello[i - i % 2] not in drop]


def check_connect(ctx):
    """The protocol the connection speaks (HELLO without arguments says)."""
    m, r = connect(ctx.master), connect(ctx.replica)
    attempt("master: PING", m.ping)
    show("master: HELLO", hello_shown(m.execute_command("HELLO")))
    show("replica: HELLO", hello_shown(r.execute_command("HELLO")))
    m.close()
    r.close()


def check_basic(ctx):
    c, p = connect(ctx.master), ctx.prefix
    attempt("SET k", c.set, p + "k", "v1")
    attempt("GET k", c.get, p + "k")
    attempt("GET missing", c.get, p + "missing")
    attempt("INCR n", c.incr, p + "n")
    attempt("INCR n", c.incr, p + "n")
    attempt("INCR k", c.incr, p + "k")
    attempt("TTL k", c.ttl, p + "k")
    attempt("EXPIRE k 100", c.expire, p + "k", 100)
    show("TTL k", ttl_shown(c.ttl(p + "k")))
    attempt("TTL missing", c.ttl, p + "missing")
    attempt("DEL k n missing", c.delete, p + "k", p + "n", p + "missing")
    attempt("EXISTS k", c.exists, p + "k")
    c.close()


def check_pipeline(ctx):
    c, p = connect(ctx.master), ctx.prefix
    pipe = c.pipeline(transaction=False)
    pipe.set(p + "a", "1").incr(p + "a").get(p + "a")
    attempt("pipeline SET a, INCR a, GET a", pipe.execute)
    # a failed command: the first error is raised (raise_on_error, the
    # default) after every command ran, or stands in its place
    pipe.set(p + "s", "x").incr(p + "s").set(p + "t", "y")
    attempt("pipeline SET s, INCR s, SET t", pipe.execute)
    attempt("GET t", c.get, p + "t")
    pipe.set(p + "s", "x").incr(p + "s").set(p + "t", "z")
    attempt("pipeline SET s, INCR s, SET t, raise_on_error=False", pipe.execute, raise_on_error=False)
    for _ in range(100):
        pipe.incr(p + "c")
    show("100 INCR c, the last", pipe.execute()[99])
    attempt("GET c", c.get, p + "c")
    c.close()


def check_multi(ctx):
    c, p = connect(ctx.master), ctx.prefix
    pipe = c.pipeline(transaction=True)
    pipe.set(p + "a", "10").incr(p + "a").get(p + "a")
    attempt("MULTI SET INCR GET EXEC", pipe.execute)
    # a command failing inside EXEC: raised, the others done
    pipe.set(p + "s", "x").incr(p + "s").get(p + "s")
    attempt("MULTI SET INCR(string) GET EXEC", pipe.execute)
    pipe.set(p + "s", "x").incr(p + "s").get(p + "s")
    attempt("MULTI SET INCR(string) GET EXEC, raise_on_error=False", pipe.execute, raise_on_error=False)
    # a command refused while queued: EXEC is refused (EXECABORT)
    pipe.set(p + "q", "1").execute_command("NOSUCHCMD")
    attempt("MULTI SET NOSUCH EXEC", pipe.execute)
    attempt("EXISTS q", c.exists, p + "q")
    attempt("GET s", c.get, p + "s")
    c.close()


def check_watch(ctx):
    """r.transaction(func, key): WATCH, func reads, another connection
    writes, EXEC answers null, redis-py raises WatchError inside and calls
    func again."""
    c, other, p = connect(ctx.master), connect(ctx.master), ctx.prefix
    k = p + "counter"
    c.set(k, "10")
    calls = []

    def incr_counter(pipe):
        v = int(pipe.get(k))        # immediate mode: between WATCH and MULTI
        calls.append(v)
        if len(calls) == 1:
            attempt("other connection: SET counter 100", other.set, k, "100")
        elif len(calls) > 5:
            raise RuntimeError("retried more than 5 times")
        pipe.multi()
        pipe.set(k, v + 1)

    attempt("transaction(incr_counter, counter)", c.transaction, incr_counter, k)
    show("values read by incr_counter's calls", calls)
    attempt("GET counter", c.get, k)
    c.close()
    other.close()


def check_pubsub(ctx):
    pub, p = connect(ctx.master), ctx.prefix
    sub = pub.pubsub()
    got = []

    def collect(n):
        """Up to n more messages, each waited for at most POLL_TRIES polls."""
        for _ in range(n):
            for _ in range(POLL_TRIES):
                m = sub.get_message(timeout=POLL_S)
                if m is not None:
                    got.append(m)
                    break

    attempt("SUBSCRIBE chan", sub.subscribe, p + "chan")
    attempt("PSUBSCRIBE news.*", sub.psubscribe, p + "news.*")
    collect(2)
    attempt("PUBLISH chan", pub.publish, p + "chan", "hello")
    attempt("PUBLISH news.sport", pub.publish, p + "news.sport", "goal")
    collect(2)
    attempt("UNSUBSCRIBE chan", sub.unsubscribe, p + "chan")
    attempt("PUNSUBSCRIBE news.*", sub.punsubscribe, p + "news.*")
    collect(2)
    attempt("PUBLISH chan", pub.publish, p + "chan", "nobody")
    for m in got:
        show("received", m)
    sub.close()
    pub.close()


def check_scan(ctx):
    c, p = connect(ctx.master), ctx.prefix
    want = {("%s%d" % (p, i)).encode() for i in range(1000)}
    pipe = c.pipeline(transaction=False)
    for k in want:
        pipe.set(k, "v")
    show("SET 1000 keys, True", pipe.execute().count(True))
    # every key present for the whole scan at least once (a rehash may
    # bring one twice)
    seen = set(c.scan_iter(match=p + "*"))
    show("scan_iter MATCH: distinct keys", len(seen))
    show("scan_iter MATCH: keys not written", len(seen - want))
    cursor, pages = 0, 0
    while True:
        cursor, _ = c.scan(cursor, match=p + "*")
        pages += 1
        if cursor == 0 or pages >= 5000:
            break
    show("SCAN MATCH: more than one page", pages > 1)
    c.close()


def check_replica(ctx):
    m, r, p = connect(ctx.master), connect(ctx.replica), ctx.prefix
    attempt("master: SET k", m.set, p + "k", "from-master")
    attempt("master: INCR n", m.incr, p + "n")
    show("replica: GET k (polled)", poll(lambda: r.get(p + "k"), b"from-master"))
    attempt("replica: GET n", r.get, p + "n")
    attempt("replica: SET k", r.set, p + "k", "x")
    attempt("replica: INCR n", r.incr, p + "n")
    attempt("replica: GET k", r.get, p + "k")
    m.close()
    r.close()


CHECKS = {name[len("check_"):]: fn for name, fn in globals().items() if name.startswith("check_")}


class Ctx:
    """What a check is given: the ports (spare, a standalone master, 0
    when not given; no check here needs it) and the prefix of its keys."""
    def __init__(self, check, master, replica, spare="0"):
        self.master, self.replica, self.spare = int(master), int(replica), int(spare)
        self.prefix = "redis-py:%s:" % check


def main(argv):
    if (len(argv) not in (4, 5) or argv[1] not in CHECKS or
            not all(a.isdigit() for a in argv[2:])):
        sys.stderr.write("usage: redis-py.py %s MASTER_PORT REPLICA_PORT [SPARE_PORT]\n" % "|".join(CHECKS))
        return 64

    def timeout(signum, frame):
        print("timeout: %s did not end within %d s" % (argv[1], DEADLINE_S), flush=True)
        sys.exit(3)

    signal.signal(signal.SIGALRM, timeout)
    signal.alarm(DEADLINE_S)
    try:
        CHECKS[argv[1]](Ctx(*argv[1:]))
    except Exception as e:
        print("unexpected " + err_text(e), flush=True)
        raise
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except Exception:
        import traceback
        traceback.print_exc()
        sys.exit(1)
