"""gen_ops.py - RESP command streams for `redis-cli --pipe` in the tests.

  gen_ops.py --mixed N [SEED]        N mixed writes: SET (values of 1 byte to
                                     100 KB), DEL, INCR, EXPIRE; no command
                                     in it can fail
  gen_ops.py --typed N [SEED]        N mixed writes over strings, hashes and
                                     sets: every write command of the three
                                     types (SPOP, SMOVE and the *STOREs
                                     too), COPY, EXPIRE and PERSIST on all
                                     of them; values up to 100 KB; no
                                     command in it can fail
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

    for _ in range(n):
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
