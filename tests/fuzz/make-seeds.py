#!/usr/bin/env python3
"""Writes the binary seed inputs of the frame, snapshot (formats 1 and 2)
and pack fuzz targets, built from the format descriptions
(share/snapshot-format.md, lib/proto/frame.h, lib/data/pack.h, lib/data/intset.h)."""
import os
import struct
import zlib

here = os.path.dirname(os.path.abspath(__file__))


def frame(kind, payload):
    return struct.pack(">IB", len(payload) + 1, kind) + payload


def s(b):
    return struct.pack(">I", len(b)) + b


def op_set(ts, key, val, exp):
    body = struct.pack(">BQ", 1, ts) + s(key) + s(val) + struct.pack(">Q", exp)
    return struct.pack(">I", len(body)) + body


def op_del(ts, key):
    body = struct.pack(">BQ", 2, ts) + s(key)
    return struct.pack(">I", len(body)) + body


def op_elems(kind, ts, key, elems):
    """HSET 10, HDEL 11, SADD 12, SREM 13, LPUSH 14, RPUSH 15, LINSERT 19,
    ZADD 21, ZREM 22: version 1, a count, the strings."""
    body = struct.pack(">BQ", kind, ts) + s(key) + struct.pack(">BI", 1, len(elems)) + b"".join(s(e) for e in elems)
    return struct.pack(">I", len(body)) + body


def op_count(kind, ts, key, n, val=None):
    """LPOP 16, RPOP 17 (key, n); LSET 18, LREM 20 (key, element, n)."""
    body = struct.pack(">BQ", kind, ts) + s(key) + (s(val) if val is not None else b"") + struct.pack(">q", n)
    return struct.pack(">I", len(body)) + body


replid = b"a" * 40
hello = frame(1, struct.pack(">H", 3) + replid + struct.pack(">QQ", 5, 0) + s(b"tok") + s(b"id") + s(b"127.0.0.1:5501"))
ops = op_set(1, b"k", b"v", 0) + op_del(2, b"k") + op_set(3, b"t", b"x" * 10, 123)
elem_ops = (op_elems(10, 4, b"h", [b"f", b"v", b"g", b""]) + op_elems(12, 5, b"s", [b"1", b"2", b"x"]) +
            op_elems(13, 6, b"s", [b"1", b"x"]) + op_elems(11, 7, b"h", [b"f", b"g"]) +
            op_elems(12, 8, b"h", [b"m"]))
frames = (hello + frame(5, struct.pack(">QI", 6, 3) + ops) + frame(5, struct.pack(">QI", 9, 5) + elem_ops) +
          frame(6, struct.pack(">QQI", 8, 0, 7)) +
          frame(7, struct.pack(">QQ", 8, 8)) + frame(8, struct.pack(">H", 1) + s(b"bad token")) +
          frame(2, replid + struct.pack(">QQQQ", 8, 0, 1, 0)) + frame(4, replid + struct.pack(">QQ", 8, 0)))


def record(r):
    """(key, value, expire) is a string entry (format 1 and 2); (type, key,
    expire, elements) a collection (format 2): hash elements are (field,
    value) pairs, sorted set elements (member, score)."""
    if isinstance(r[0], bytes):
        k, v, e = r
        return b"\x01" + s(k) + s(v) + struct.pack(">Q", e)
    t, k, e, elems = r
    out = struct.pack(">BB", 2, t) + s(k) + struct.pack(">QQ", e, len(elems))
    for x in elems:
        out += s(x[0]) + s(x[1]) if t == 1 else s(x[0]) + struct.pack(">d", x[1]) if t == 4 else s(x)
    return out


def snapshot(entries, compress, version=1):
    head = b"SYNAPSNP" + struct.pack(">HH", version, 1 if compress else 0) + replid + struct.pack(">QQQ", 9, 0, 0)
    body = b"".join(record(r) for r in entries)
    body += b"\xff" + struct.pack(">Q", len(entries))
    crc = zlib.crc32(head + body)
    body += struct.pack(">I", crc)
    return head + (zlib.compress(body) if compress else body)


entries = [(b"k%d" % i, b"v" * i, 0 if i % 2 else 1000 + i) for i in range(20)]
os.makedirs(os.path.join(here, "corpus", "frame"), exist_ok=True)
os.makedirs(os.path.join(here, "corpus", "snap"), exist_ok=True)
open(os.path.join(here, "corpus", "frame", "session"), "wb").write(frames)
# lists and sorted sets as ops (FRAME_VERSION 3)
list_ops = (op_elems(15, 10, b"l", [b"a", b"b", b"c", b"d"]) + op_elems(14, 11, b"l", [b"z"]) +
            op_count(16, 12, b"l", 1) + op_count(17, 13, b"l", 1) + op_count(18, 14, b"l", 0, b"A") +
            op_elems(19, 15, b"l", [b"b", b"b2", b"a"]) + op_count(20, 16, b"l", -1, b"b") +
            op_elems(21, 17, b"z", [b"m", struct.pack(">d", 1.5), b"n", struct.pack(">d", float("-inf"))]) +
            op_elems(22, 18, b"z", [b"m"]))
open(os.path.join(here, "corpus", "frame", "session-lists"), "wb").write(
    hello + frame(5, struct.pack(">QI", 6, 9) + list_ops))
# The snapshot target reads its chunk size from the first byte.
open(os.path.join(here, "corpus", "snap", "plain"), "wb").write(b"\x03" + snapshot(entries, False))
open(os.path.join(here, "corpus", "snap", "zlib"), "wb").write(b"\x10" + snapshot(entries, True))
open(os.path.join(here, "corpus", "snap", "empty"), "wb").write(b"\x00" + snapshot([], False))


# Packs and intsets (lib/data/pack.h, lib/data/intset.h): the pack target
# offers every input to both validators.
def varint(v):
    out = b""
    while v >= 128:
        out += bytes([v & 127 | 128])
        v >>= 7
    return out + bytes([v])


def backvarint(v):
    groups = [v & 127]
    v >>= 7
    while v:
        groups.insert(0, v & 127)
        v >>= 7
    return bytes(g | (128 if i else 0) for i, g in enumerate(groups))


def pack(items):
    body = b""
    for it in items:
        head = varint(len(it)) + it
        body += head + backvarint(len(head))
    return struct.pack(">II", 8 + len(body), len(items)) + body


def intset(width, values):
    fmt = {2: ">h", 4: ">i", 8: ">q"}[width]
    return struct.pack(">II", width, len(values)) + b"".join(struct.pack(fmt, v) for v in values)


os.makedirs(os.path.join(here, "corpus", "pack"), exist_ok=True)
pack_seeds = {
    "pack-empty": pack([]),
    "pack-small": pack([b"a", b"", b"hello", b"-12345"]),
    "pack-hash": pack([b"field1", b"v1", b"f2", b"value two", b"n", b"9223372036854775807"]),
    "pack-boundaries": pack([b"x" * 127, b"y" * 128, b"z" * 300]),
    "pack-zset": pack([b"b", b"-inf", b"", b"-0", b"a", b"0", b"a\x00", b"0", b"m", b"1.5",
                       b"z", b"1e+300", b"top", b"inf"]),
    "intset-16": intset(2, [-32768, -1, 0, 7, 32767]),
    "intset-32": intset(4, [-2147483648, -40000, 3, 40000]),
    "intset-64": intset(8, [-(1 << 63), -1, 1 << 40, (1 << 63) - 1]),
    "intset-empty": intset(2, []),
}
for name, data in pack_seeds.items():
    open(os.path.join(here, "corpus", "pack", name), "wb").write(data)

# Format 2: every collection type between strings.
typed = [
    (b"s", b"v", 0),
    (1, b"h", 0, [(b"f%d" % i, b"v" * i) for i in range(5)] + [(b"", b"")]),
    (2, b"set", 777, [b"m%d" % i for i in range(7)] + [b"\xff\x00"]),
    (b"t", b"x" * 10, 123),
    (3, b"", 0, [b"a", b"a", b""]),
    (4, b"z", 0, [(b"a", 1.5), (b"b", float("-inf")), (b"c", float("inf")), (b"d", -0.0), (b"e", 0.1)]),
]
open(os.path.join(here, "corpus", "snap", "typed"), "wb").write(b"\x02" + snapshot(typed, False, 2))
open(os.path.join(here, "corpus", "snap", "typed-zlib"), "wb").write(b"\x00" + snapshot(typed, True, 2))
open(os.path.join(here, "corpus", "snap", "typed-big"), "wb").write(
    b"\x30" + snapshot([(2, b"big", 0, [b"%d" % i for i in range(3000)])], True, 2))

# DUMP payloads of sets, hashes and lists (lib/proto/dump.h), as bodies: the
# target's first byte 0x15 (odd: add the footer, RDB version 10).
def lp_hash(pairs):
    entries = b""
    for x in pairs:
        if isinstance(x, int):
            entries += bytes([x, 1])                       # 7-bit uint, backlen 1
        else:
            entries += bytes([0x80 | len(x)]) + x + bytes([len(x) + 1])
    return struct.pack("<IH", 6 + len(entries) + 1, len(pairs)) + entries + b"\xff"


lp = lp_hash([b"a", 1, b"bb", 2])
dump_seeds = {
    "set": b"\x02\x03\x01a\x01b\xc0\x05",
    "hash": b"\x04\x02\x01a\x011\x01b\x012",
    "intset": b"\x0b\x0e" + struct.pack("<IIhhh", 2, 3, -7, 0, 300),
    "hash-listpack": b"\x10" + bytes([len(lp)]) + lp,
    "list": b"\x01\x03\x01a\x00\xc0\x05",
    "zset": b"\x05\x02\x01a" + struct.pack("<d", 1.5) + b"\x01b" + struct.pack("<d", float("-inf")),
    "zset-listpack": b"\x11" + bytes([len(lp)]) + lp,
    # a quicklist: a packed node (a listpack) and a plain one
    "list-quicklist": b"\x12\x02\x02" + bytes([len(lp)]) + lp + b"\x01\x03xyz",
}
for name, body in dump_seeds.items():
    open(os.path.join(here, "corpus", "dump", name), "wb").write(b"\x15" + body)
