"""gen_ops.py - RESP command streams for `redis-cli --pipe` in the tests.

  gen_ops.py --mixed N [SEED]        N mixed writes: SET (values of 1 byte to
                                     100 KB), DEL, INCR, EXPIRE; no command
                                     in it can fail
  gen_ops.py --typed N [SEED]        N mixed writes over strings, hashes,
                                     sets, lists and sorted sets: their
                                     write commands (SPOP, SMOVE, LMOVE,
                                     LMPOP, ZINCRBY, SORT STORE and the
                                     *STOREs too), COPY, EXPIRE and PERSIST;
                                     values up to 100 KB; no command in it
                                     can fail
  gen_ops.py --keys PREFIX N SIZE    SET PREFIX:0 .. PREFIX:N-1, each SIZE
                                     random hex characters

The stream goes to stdout; the same SEED gives the same stream.
"""
import os
import random
import sys

from resp import resp


def value(rng, size):
    # random hex, so a snapshot of it does not compress to nothing
    return rng.randbytes((size + 1) // 2).hex()[:size].encode()


def mixed(n, seed):
    rng = random.Random(seed)
    # Strings and counters live in separate key spaces, so INCR never meets
    # a non-integer value.
    strings = ["str:%d" % i for i in range(400)]
    counters = ["ctr:%d" % i for i in range(100)]
    for _ in range(n):
        roll = rng.random()
        if roll < 0.45:
            size = rng.randint(1, 100 * 1024) if rng.random() < 0.1 else rng.randint(1, 300)
            yield resp("SET", rng.choice(strings), value(rng, size))
        elif roll < 0.65:
            yield resp("INCR", rng.choice(counters))
        elif roll < 0.80:
            yield resp("DEL", rng.choice(strings + counters))
        else:
            # TTLs long enough not to fire during a test run
            yield resp("EXPIRE", rng.choice(strings + counters), rng.randint(300, 3000))


def typed(n, seed):
    rng = random.Random(seed)
    # Each type in its own key space, so no command meets a wrong type;
    # integer fields (HINCRBY) and float fields (HINCRBYFLOAT) apart from
    # the rest; small member ranges, so sets meet and empty out.
    strings = ["str:%d" % i for i in range(200)]
    hashes = ["hash:%d" % i for i in range(60)]
    sets = ["set:%d" % i for i in range(60)]
    isets = ["iset:%d" % i for i in range(20)]     # integers only: intsets

    def field():
        return "f%d" % rng.randint(0, 150)    # past 128 fields: a hashtable

    def setspace():
        return isets if rng.random() < 0.3 else sets

    def member(key):
        if key.startswith("iset:"):
            return str(rng.randint(-100000, 100000))
        r = rng.random()
        if r < 0.4:
            return str(rng.randint(-1000, 1000))        # intsets
        if r < 0.9:
            return "m%d" % rng.randint(0, 200)
        return value(rng, rng.randint(65, 300))          # past the listpack's 64 bytes

    def size():
        return rng.randint(1, 100 * 1024) if rng.random() < 0.02 else rng.randint(0, 40)

    lists = ["list:%d" % i for i in range(40)]
    zsets = ["zset:%d" % i for i in range(40)]

    def element():
        return str(rng.randint(0, 50)) if rng.random() < 0.5 else value(rng, size())

    def zmember():
        return "z%d" % rng.randint(0, 150) if rng.random() < 0.9 else value(rng, rng.randint(65, 120))

    def score():
        return "%d" % rng.randint(-50, 50) if rng.random() < 0.5 else "%.6f" % rng.uniform(-1000, 1000)

    def list_or_zset():
        roll = rng.random()
        if roll < 0.22:
            return resp(rng.choice(("RPUSH", "LPUSH")), rng.choice(lists),
                        *[element() for _ in range(rng.randint(1, 10))])
        if roll < 0.30:
            return resp(rng.choice(("LPOP", "RPOP")), rng.choice(lists),
                        *([rng.randint(1, 4)] if rng.random() < 0.5 else []))
        if roll < 0.33:
            return resp("LINSERT", rng.choice(lists), rng.choice(("BEFORE", "AFTER")),
                        str(rng.randint(0, 50)), element())
        if roll < 0.36:
            return resp("LREM", rng.choice(lists), rng.randint(-2, 2), str(rng.randint(0, 50)))
        if roll < 0.39:
            return resp("LTRIM", rng.choice(lists), rng.randint(-5, 3), rng.randint(-3, 30))
        if roll < 0.42:
            src, dst = rng.choice(lists), rng.choice(lists)
            if rng.random() < 0.5:
                return resp("RPOPLPUSH", src, dst)
            return resp("LMOVE", src, dst, rng.choice(("LEFT", "RIGHT")), rng.choice(("LEFT", "RIGHT")))
        if roll < 0.44:
            return resp("LMPOP", 2, *rng.sample(lists, 2), rng.choice(("LEFT", "RIGHT")), "COUNT", rng.randint(1, 3))
        if roll < 0.46:
            return resp("SORT", rng.choice(lists), "ALPHA", "LIMIT", 0, rng.randint(1, 20), "STORE", rng.choice(lists))
        if roll < 0.66:
            args = []
            for _ in range(rng.randint(1, 8)):
                args += [score(), zmember()]
            flags = rng.choice(([], [], ["NX"], ["XX"], ["GT"], ["LT"], ["CH"], ["XX", "GT"]))
            return resp("ZADD", rng.choice(zsets), *flags, *args)
        if roll < 0.72:
            return resp("ZINCRBY", rng.choice(zsets), score(), zmember())
        if roll < 0.80:
            return resp("ZREM", rng.choice(zsets), *[zmember() for _ in range(rng.randint(1, 10))])
        if roll < 0.85:
            return resp(rng.choice(("ZPOPMIN", "ZPOPMAX")), rng.choice(zsets),
                        *([rng.randint(1, 4)] if rng.random() < 0.5 else []))
        if roll < 0.88:
            return resp("ZREMRANGEBYRANK", rng.choice(zsets), rng.randint(0, 3), rng.randint(3, 6))
        if roll < 0.91:
            return resp("ZREMRANGEBYSCORE", rng.choice(zsets), rng.randint(-60, 0), rng.randint(0, 60))
        if roll < 0.96:
            cmd = rng.choice(("ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"))
            srcs = rng.sample(zsets, rng.randint(1, 3))
            return resp(cmd, rng.choice(zsets), len(srcs), *srcs)
        space = rng.choice((lists, zsets))
        if rng.random() < 0.5:
            src, dst = rng.sample(space, 2)
            return resp("COPY", src, dst, "REPLACE")
        return resp("EXPIRE", rng.choice(space), rng.randint(300, 3000))

    for _ in range(n):
        if rng.random() < 0.25:
            yield list_or_zset()
            continue
        roll = rng.random()
        if roll < 0.15:
            yield resp("SET", rng.choice(strings), value(rng, size()))
        elif roll < 0.20:
            yield resp("INCR", "ctr:%d" % rng.randint(0, 20))
        elif roll < 0.32:
            args = []
            for _ in range(rng.randint(1, 6)):
                args += [field(), value(rng, size())]
            yield resp(rng.choice(("HSET", "HMSET")), rng.choice(hashes), *args)
        elif roll < 0.35:
            yield resp("HSETNX", rng.choice(hashes), field(), value(rng, size()))
        elif roll < 0.41:
            yield resp("HDEL", rng.choice(hashes), *[field() for _ in range(rng.randint(1, 30))])
        elif roll < 0.44:
            yield resp("HINCRBY", rng.choice(hashes), "n%d" % rng.randint(0, 3), rng.randint(-1000, 1000))
        elif roll < 0.46:
            yield resp("HINCRBYFLOAT", rng.choice(hashes), "x%d" % rng.randint(0, 3),
                       "%.3f" % rng.uniform(-10, 10))
        elif roll < 0.60:
            key = rng.choice(setspace())
            yield resp("SADD", key, *[member(key) for _ in range(rng.randint(1, 12))])
        elif roll < 0.68:
            key = rng.choice(setspace())
            yield resp("SREM", key, *[member(key) for _ in range(rng.randint(1, 30))])
        elif roll < 0.71:
            yield resp("SPOP", rng.choice(setspace()), *([rng.randint(1, 5)] if rng.random() < 0.5 else []))
        elif roll < 0.74:
            space = setspace()
            src = rng.choice(space)
            yield resp("SMOVE", src, rng.choice(space), member(src))
        elif roll < 0.78:
            space = setspace()
            cmd = rng.choice(("SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"))
            yield resp(cmd, rng.choice(space), *rng.sample(space, rng.randint(1, 3)))
        elif roll < 0.81:
            src, dst = rng.sample(rng.choice((strings, hashes, sets, isets)), 2)
            yield resp("COPY", src, dst, "REPLACE")
        elif roll < 0.86:
            yield resp("DEL", rng.choice(rng.choice((strings, hashes, sets, isets))))
        elif roll < 0.97:
            # TTLs long enough not to fire during a test run
            yield resp("EXPIRE", rng.choice(rng.choice((strings, hashes, sets, isets))), rng.randint(300, 3000))
        else:
            yield resp("PERSIST", rng.choice(rng.choice((strings, hashes, sets, isets))))


def keys(prefix, n, size):
    rng = random.Random(prefix)
    for i in range(n):
        yield resp("SET", "%s:%d" % (prefix, i), value(rng, size))


def main():
    a = sys.argv[1:]
    if a[:1] == ["--mixed"] and len(a) in (2, 3):
        stream = mixed(int(a[1]), int(a[2]) if len(a) == 3 else 1)
    elif a[:1] == ["--typed"] and len(a) in (2, 3):
        stream = typed(int(a[1]), int(a[2]) if len(a) == 3 else 1)
    elif a[:1] == ["--keys"] and len(a) == 4:
        stream = keys(a[1], int(a[2]), int(a[3]))
    else:
        sys.exit(__doc__)
    out = os.fdopen(sys.stdout.fileno(), "wb", closefd=False)
    for cmd in stream:
        out.write(cmd)
    out.flush()


main()
