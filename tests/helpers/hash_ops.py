"""hash_ops.py - RESP command streams of hash writes for `redis-cli --pipe`
in tests/hash.bats.

  hash_ops.py --fields KEY N          HSET KEY f:0 v:0 ... f:N-1 v:N-1, 1000
                                      fields a command
  hash_ops.py --random N SEED         N random hash writes on 50 keys: HSET
                                      HMSET HSETNX (values up to 200 bytes,
                                      so some hashes leave the listpack),
                                      HDEL (some of every field: the key
                                      goes), HINCRBY HINCRBYFLOAT on their
                                      own fields; no command in it can fail

The stream goes to stdout; the same SEED gives the same stream.
"""
import random
import sys

from resp import resp


def fields(key, n):
    for start in range(0, n, 1000):
        args = []
        for i in range(start, min(n, start + 1000)):
            args += [b"f:%d" % i, b"v:%d" % i]
        yield resp("HSET", key, *args)


def rand(n, seed):
    rng = random.Random(seed)
    keys = ["h:%d" % i for i in range(50)]
    names = ["f%d" % i for i in range(200)]
    for _ in range(n):
        key = rng.choice(keys)
        roll = rng.random()
        if roll < 0.35:
            args = []
            for _ in range(rng.randint(1, 8)):
                size = rng.randint(65, 200) if rng.random() < 0.03 else rng.randint(0, 20)
                args += [rng.choice(names), rng.randbytes(size // 2 + 1).hex()[:size]]
            yield resp(rng.choice(["HSET", "HMSET"]), key, *args)
        elif roll < 0.45:
            yield resp("HSETNX", key, rng.choice(names), str(rng.randint(0, 99)))
        elif roll < 0.60:
            yield resp("HDEL", key, *rng.sample(names, rng.randint(1, 10)))
        elif roll < 0.63:
            # every field a hash can have: it goes
            yield resp("HDEL", key, *names, "int", "float")
        elif roll < 0.80:
            yield resp("HINCRBY", key, "int", str(rng.randint(-1000, 1000)))
        else:
            yield resp("HINCRBYFLOAT", key, "float", "%.6f" % rng.uniform(-100, 100))


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--fields":
        gen = fields(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) == 4 and sys.argv[1] == "--random":
        gen = rand(int(sys.argv[2]), int(sys.argv[3]))
    else:
        sys.exit(__doc__)
    out = sys.stdout.buffer
    for cmd in gen:
        out.write(cmd)


if __name__ == "__main__":
    main()
