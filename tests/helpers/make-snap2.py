#!/usr/bin/env python3
"""make-snap2.py OUT [--compress] [--big N] [--version V]: writes a small
snapshot in format 2 (share/snapshot-format.md), built from the format
description rather than by Synap's writer, so the bats tests can run
synap-snapshot on one before the store holds typed values.

It holds, in this order: the string "greeting"; the hash "user:1" (with an
empty value, and an expiry); the set "tags" (a member that is not UTF-8);
the list "queue" (a repeated element); the sorted set "board" (scores
1.5, -inf, 0.1, inf, 3, -0.0). --big N adds the set "big" of N members
m0 .. m(N-1) and the hash "bighash" of N fields f0 .. with 1 KB values.
--version 1 writes the same records in a version 1 header (invalid: a
version 1 snapshot holds no collections)."""
import argparse
import struct
import zlib

HASH, SET, LIST, ZSET = 1, 2, 3, 4
EXPIRE = 4102444800123


def s(b):
    return struct.pack(">I", len(b)) + b


def string(key, val, exp=0):
    return b"\x01" + s(key) + s(val) + struct.pack(">Q", exp)


def coll(kind, key, elems, exp=0):
    out = struct.pack(">BB", 2, kind) + s(key) + struct.pack(">QQ", exp, len(elems))
    for e in elems:
        if kind == HASH:
            out += s(e[0]) + s(e[1])
        elif kind == ZSET:
            out += s(e[0]) + struct.pack(">d", e[1])
        else:
            out += s(e)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--compress", action="store_true")
    ap.add_argument("--big", type=int, default=0)
    ap.add_argument("--version", type=int, default=2)
    a = ap.parse_args()

    recs = [
        string(b"greeting", b"hello"),
        coll(HASH, b"user:1", [(b"name", b"Ada"), (b"empty", b""), (b"lang", b"C")], EXPIRE),
        coll(SET, b"tags", [b"a", b"\xff\xfe", b"c d"]),
        coll(LIST, b"queue", [b"x", b"y", b"x"]),
        coll(ZSET, b"board", [(b"alice", 1.5), (b"bob", float("-inf")), (b"carol", 0.1),
                              (b"dave", float("inf")), (b"eve", 3.0), (b"zero", -0.0)]),
    ]
    if a.big:
        recs.append(coll(SET, b"big", [b"m%d" % i for i in range(a.big)]))
        recs.append(coll(HASH, b"bighash", [(b"f%d" % i, b"v" * 1024) for i in range(a.big)]))
    replid = b"0123456789abcdef0123456789abcdef01234567"
    head = b"SYNAPSNP" + struct.pack(">HH", a.version, 1 if a.compress else 0) + replid
    head += struct.pack(">QQQ", 1234, 7, 1700000000000)
    body = b"".join(recs) + b"\xff" + struct.pack(">Q", len(recs))
    body += struct.pack(">I", zlib.crc32(head + body))
    with open(a.out, "wb") as f:
        f.write(head + (zlib.compress(body) if a.compress else body))


main()
