"""geo_ops.py - a random script of GEO commands for reply_compare.py, in
tests/geo.bats: the same SEED gives the same script.

  geo_ops.py N SEED
  geo_ops.py --ties SEED

N searches over a few geo sets filled first by GEOADD: points spread over
the whole map, crowded around a few centres (so that small searches find
some), on the antimeridian, near the poles and at the range's ends; some
sets big enough to leave the listpack. Each search is GEOSEARCH (from a
point or a member, by radius or box), GEORADIUS, GEORADIUSBYMEMBER or a
_RO form, in any unit, with WITH* options, ASC/DESC, COUNT [ANY]; some
are STOREs (GEOSEARCHSTORE, STORE, STOREDIST) read back with ZRANGE
WITHSCORES; a few GEODIST, GEOPOS, GEOHASH and GEOADD NX/XX/CH between.
Every reply is exact: a search without ASC or DESC comes in the order the
cells are scanned, which must be Redis's too.

With --ties: sets of 5 to 300 points on a few spots only, so that many
are at the same distance, searched with COUNT: Redis sorts then only the
points it replies (a partial quicksort), and equal ones come out in the
order that sort leaves them.
"""
import random
import sys

UNITS = {"m": 1.0, "km": 1000.0, "mi": 1609.34, "ft": 0.3048}
LAT_MAX = 85.05112878


def point(rng, centres):
    roll = rng.random()
    if roll < 0.5:
        lon, lat = rng.choice(centres)
        spread = rng.choice([0.01, 0.1, 1, 5])
        lon = max(-180, min(180, lon + rng.uniform(-spread, spread)))
        lat = max(-LAT_MAX, min(LAT_MAX, lat + rng.uniform(-spread, spread)))
        return lon, lat
    if roll < 0.55:
        return rng.choice([180, -180, 179.9999, -179.9999]), rng.uniform(-70, 70)
    if roll < 0.6:
        return rng.uniform(-180, 180), rng.choice([LAT_MAX, -LAT_MAX, 85, -85, 84.9, 0])
    return rng.uniform(-180, 180), rng.uniform(-LAT_MAX, LAT_MAX)


def fmt(v):
    return repr(round(v, rng_digits)) if isinstance(v, float) else str(v)


rng_digits = 9


def ties(seed):
    rng = random.Random(seed)
    out = []
    for k in range(30):
        n = rng.choice([5, 10, 30, 45, 100, 300])
        spots = [(rng.uniform(-1, 1), rng.uniform(-1, 1)) for _ in range(rng.randint(1, 6))]
        args = []
        for i in range(n):
            lon, lat = rng.choice(spots)
            args += ["%.6f" % lon, "%.6f" % lat, "m%d" % i]
        out.append("geoadd t%d %s" % (k, " ".join(args)))
        for _ in range(8):
            c = rng.randint(1, n)
            o = rng.choice(["asc", "desc", ""])
            out.append("geosearch t%d fromlonlat %.6f %.6f byradius 500 km count %d %s withdist"
                       % (k, rng.uniform(-1, 1), rng.uniform(-1, 1), c, o))
            out.append("georadiusbymember t%d m%d 500 km count %d %s" % (k, rng.randrange(n), c, o))
    print("\n".join(out))


def main():
    if sys.argv[1] == "--ties":
        ties(int(sys.argv[2]))
        return
    n, seed = int(sys.argv[1]), int(sys.argv[2])
    rng = random.Random(seed)
    centres = [(rng.uniform(-170, 170), rng.uniform(-80, 80)) for _ in range(6)]
    centres += [(179.5, 10), (-179.5, -10), (0, 84.5), (13.36, 38.11)]
    keys = {"g:a": 40, "g:b": 300, "g:c": 1200}
    out = []
    names = {}
    for key, size in keys.items():
        names[key] = []
        args = []
        for i in range(size):
            lon, lat = point(rng, centres)
            name = "p%d" % i
            names[key].append(name)
            args += [fmt(lon), fmt(lat), name]
            if len(args) >= 300:
                out.append("geoadd %s %s" % (key, " ".join(args)))
                args = []
        if args:
            out.append("geoadd %s %s" % (key, " ".join(args)))
    for _ in range(n):
        key = rng.choice(list(keys))
        roll = rng.random()
        if roll < 0.04:
            a, b = rng.choice(names[key]), rng.choice(names[key] + ["nope"])
            out.append("geodist %s %s %s %s" % (key, a, b, rng.choice(list(UNITS))))
            continue
        if roll < 0.08:
            out.append("geopos %s %s" % (key, " ".join(rng.sample(names[key], 3) + ["nope"])))
            out.append("geohash %s %s" % (key, " ".join(rng.sample(names[key], 3) + ["nope"])))
            continue
        if roll < 0.1:
            lon, lat = point(rng, centres)
            opts = rng.choice(["", "nx", "xx", "ch", "xx ch", "nx ch"])
            out.append("geoadd %s %s %s %s %s" % (key, opts, fmt(lon), fmt(lat), rng.choice(names[key] + ["new"])))
            continue
        unit = rng.choice(list(UNITS))
        size_m = rng.choice([100, 1000, 10000, 50000, 200000, 1000000, 5000000, 20000000])
        size_m *= rng.uniform(0.2, 1.5)
        size = fmt(size_m / UNITS[unit])
        box = rng.random() < 0.4
        shape = ("bybox %s %s %s" % (size, fmt(size_m * rng.uniform(0.1, 3) / UNITS[unit]), unit)) if box \
            else ("byradius %s %s" % (size, unit))
        opts = []
        for o in ("withdist", "withcoord", "withhash"):
            if rng.random() < 0.3:
                opts.append(o)
        if rng.random() < 0.5:
            opts.append(rng.choice(["asc", "desc"]))
        if rng.random() < 0.4:
            opts.append("count %d" % rng.randint(1, 20))
            if rng.random() < 0.4:
                opts.append("any")
        rng.shuffle(opts)
        store = rng.random() < 0.15
        if store:
            opts = [o for o in opts if not o.startswith("with")]
        from_member = rng.random() < 0.3
        lon, lat = point(rng, centres)
        member = rng.choice(names[key])
        kind = rng.choice(["search", "radius", "radius_ro"]) if not box else "search"
        if kind == "search":
            frm = ("frommember %s" % member) if from_member else ("fromlonlat %s %s" % (fmt(lon), fmt(lat)))
            if store:
                opts.append(rng.choice(["", "storedist"]))
                out.append("geosearchstore dst %s %s %s %s" % (key, frm, shape, " ".join(opts)))
            else:
                out.append("geosearch %s %s %s %s" % (key, frm, shape, " ".join(opts)))
        else:
            cmd = "georadiusbymember" if from_member else "georadius"
            where = member if from_member else "%s %s" % (fmt(lon), fmt(lat))
            if kind == "radius_ro" and not store:
                cmd += "_ro"
            if store:
                opts.append(rng.choice(["store", "storedist"]) + " dst")
            out.append("%s %s %s %s %s" % (cmd, key, where, shape[len("byradius "):], " ".join(opts)))
        if store:
            out.append("zrange dst 0 -1 withscores")
    print("\n".join(out))


if __name__ == "__main__":
    main()
