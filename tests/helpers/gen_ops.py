"""gen_ops.py - RESP command streams for `redis-cli --pipe` in the tests.

  gen_ops.py --mixed N [SEED]        N mixed writes: SET (values of 1 byte to
                                     100 KB), DEL, INCR, EXPIRE; no command
                                     in it can fail
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


def keys(prefix, n, size):
    rng = random.Random(prefix)
    for i in range(n):
        yield resp("SET", "%s:%d" % (prefix, i), value(rng, size))


def main():
    a = sys.argv[1:]
    if a[:1] == ["--mixed"] and len(a) in (2, 3):
        stream = mixed(int(a[1]), int(a[2]) if len(a) == 3 else 1)
    elif a[:1] == ["--keys"] and len(a) == 4:
        stream = keys(a[1], int(a[2]), int(a[3]))
    else:
        sys.exit(__doc__)
    out = os.fdopen(sys.stdout.fileno(), "wb", closefd=False)
    for cmd in stream:
        out.write(cmd)
    out.flush()


main()
