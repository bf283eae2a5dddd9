"""zset_ops.py - RESP command streams of sorted-set writes for `redis-cli
--pipe` in tests/zset.bats.

  zset_ops.py --members KEY N         ZADD KEY 0 m:0 1 m:1 ... N-1 m:N-1,
                                      1000 members a command
  zset_ops.py --random N SEED         N random sorted-set writes on 45 keys:
                                      ZADD with its options, ZINCRBY, ZREM,
                                      ZPOPMIN ZPOPMAX ZMPOP, ZREMRANGEBY*
                                      (BYLEX on 5 keys of score 0 only),
                                      the STOREs, ZRANGESTORE (members up to
                                      100 bytes and sets up to ~300 members,
                                      so some leave the listpack; scores
                                      with fractions, zeros of both signs,
                                      infinities); no command in it can fail

The stream goes to stdout; the same SEED gives the same stream.
"""
import random
import sys

from resp import resp


def members(key, n):
    for start in range(0, n, 1000):
        args = []
        for i in range(start, min(n, start + 1000)):
            args += [str(i), b"m:%d" % i]
        yield resp("ZADD", key, *args)


def score(rng):
    roll = rng.random()
    if roll < 0.03:
        return rng.choice(["inf", "-inf", "+inf", "-0", "0"])
    if roll < 0.5:
        return str(rng.randint(-50, 50))
    return "%.3f" % rng.uniform(-100, 100)


def rand(n, seed):
    rng = random.Random(seed)
    keys = ["z:%d" % i for i in range(40)]
    lkeys = ["l:%d" % i for i in range(5)]
    names = ["m%d" % i for i in range(300)]

    def member():
        if rng.random() < 0.02:
            return "long-" + "x" * rng.randint(60, 100)
        return rng.choice(names)

    for _ in range(n):
        key = rng.choice(keys)
        roll = rng.random()
        if roll < 0.40:
            opts = rng.choice([[], [], ["NX"], ["XX"], ["GT"], ["LT"], ["CH"], ["XX", "GT", "CH"], ["NX", "CH"]])
            args = []
            for _ in range(rng.randint(1, 12)):
                args += [score(rng), member()]
            yield resp("ZADD", key, *opts, *args)
        elif roll < 0.48:
            # an increment that cannot make NaN: finite
            yield resp("ZINCRBY", key, "%.2f" % rng.uniform(-10, 10), member())
        elif roll < 0.52:
            yield resp("ZADD", key, rng.choice(["XX", "NX", "GT", "LT", "CH"]), "INCR", str(rng.randint(-5, 5)), member())
        elif roll < 0.62:
            yield resp("ZREM", key, *[member() for _ in range(rng.randint(1, 10))])
        elif roll < 0.66:
            yield resp(rng.choice(["ZPOPMIN", "ZPOPMAX"]), key, str(rng.randint(0, 5)))
        elif roll < 0.69:
            yield resp("ZMPOP", "2", key, rng.choice(keys), rng.choice(["MIN", "MAX"]), "COUNT", str(rng.randint(1, 4)))
        elif roll < 0.73:
            lo = rng.randint(-60, 40)
            yield resp("ZREMRANGEBYSCORE", key, "(%d" % lo if rng.random() < 0.5 else str(lo), str(lo + rng.randint(0, 8)))
        elif roll < 0.76:
            yield resp("ZREMRANGEBYRANK", key, str(rng.randint(-10, 10)), str(rng.randint(-10, 10)))
        elif roll < 0.78:
            # lex ranges only on sets whose scores are all 0 (otherwise
            # what Redis does is unspecified)
            lkey = rng.choice(lkeys)
            if rng.random() < 0.6:
                yield resp("ZADD", lkey, *[x for _ in range(rng.randint(1, 20)) for x in ("0", member())])
            else:
                a, b = sorted(rng.sample(names, 2))
                yield resp("ZREMRANGEBYLEX", lkey, "[" + a, "(" + b)
        elif roll < 0.82:
            srcs = rng.sample(keys, rng.randint(1, 3))
            cmd = rng.choice(["ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"])
            extra = []
            if cmd != "ZDIFFSTORE" and rng.random() < 0.5:
                extra = ["WEIGHTS"] + [str(rng.randint(-3, 3)) for _ in srcs]
            if cmd != "ZDIFFSTORE" and rng.random() < 0.5:
                extra += ["AGGREGATE", rng.choice(["SUM", "MIN", "MAX"])]
            yield resp(cmd, key, str(len(srcs)), *srcs, *extra)
        elif roll < 0.85:
            src = rng.choice(keys)
            form = rng.random()
            if form < 0.4:
                yield resp("ZRANGESTORE", key, src, str(rng.randint(-20, 20)), str(rng.randint(-20, 20)))
            elif form < 0.8:
                yield resp("ZRANGESTORE", key, src, "(%d" % rng.randint(-60, 0), str(rng.randint(0, 60)), "BYSCORE",
                           "LIMIT", str(rng.randint(0, 5)), str(rng.randint(-1, 50)))
            else:
                a, b = sorted(rng.sample(names, 2))
                yield resp("ZRANGESTORE", key, rng.choice(lkeys), "(" + b, "[" + a, "BYLEX", "REV", "LIMIT", "1", "30")
        elif roll < 0.87:
            yield resp("DEL", key)
        else:
            # a big one: past the listpack's entries
            args = []
            for _ in range(rng.randint(100, 200)):
                args += [score(rng), rng.choice(names)]
            yield resp("ZADD", key, *args)


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--members":
        gen = members(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) == 4 and sys.argv[1] == "--random":
        gen = rand(int(sys.argv[2]), int(sys.argv[3]))
    else:
        sys.stderr.write(__doc__)
        return 64
    out = sys.stdout.buffer
    for cmd in gen:
        out.write(cmd)
    return 0


if __name__ == "__main__":
    sys.exit(main())
