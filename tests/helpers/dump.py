"""dump.py [--hex] PORT ARG... - one command whose arguments may be DUMP
payloads, for tests/dump.bats.

Sends ARG... as one command on a new connection and prints the reply as
sessions.py shows it (exact bytes, CR LF as "\\r\\n"); with --hex, a bulk
reply's bytes in hex, "(nil)" for a null. An ARG may be:
    hex:HH...           those bytes
    payload:HH...[:V]   those bytes as a DUMP payload's body: the footer
                        added, RDB version V (default 10) then the CRC64
    dump:PORT:KEY       the payload DUMP KEY answers on PORT
    lzf-run:N           the payload of a string of N 'a' as LZF makes it:
                        one literal, then references of 264 bytes
    anything else       itself
The CRC64 is written here from its definition (bit by bit), apart from
the C code it checks.
"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sessions import Conn, show  # noqa: E402

POLY = 0x95AC9329AC4BC9B5   # the Jones polynomial, reflected


def crc64(data):
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ POLY if crc & 1 else crc >> 1
    return crc


def payload(body, version=10):
    body += struct.pack("<H", version)
    return body + struct.pack("<Q", crc64(body))


def rdb_len(n):
    if n < 64:
        return bytes([n])
    if n < 16384:
        return bytes([0x40 | n >> 8, n & 0xFF])
    return b"\x80" + struct.pack(">I", n)


def lzf_run(n):
    """n 'a' (n >= 1) in LZF: a literal 'a', whole 264-byte references
    one back, a shorter one for the rest (at least 3 bytes each)."""
    data, made = bytearray(b"\x00a"), 1
    while n - made >= 3:
        k = min(264, n - made)
        if n - made - k in (1, 2):
            k -= 3
        if k - 2 >= 7:
            data += bytes([0xE0, k - 2 - 7, 0])
        else:
            data += bytes([(k - 2) << 5, 0])
        made += k
    if made < n:
        data += bytes([n - made - 1]) + b"a" * (n - made)
    return payload(b"\x00\xc3" + rdb_len(len(data)) + rdb_len(n) + bytes(data))


def arg(a):
    if a.startswith("hex:"):
        return bytes.fromhex(a[4:])
    if a.startswith("payload:"):
        parts = a[8:].split(":")
        return payload(bytes.fromhex(parts[0]), int(parts[1]) if len(parts) > 1 else 10)
    if a.startswith("dump:"):
        _, port, key = a.split(":", 2)
        return bulk(request(int(port), [b"DUMP", key.encode()]))
    if a.startswith("lzf-run:"):
        return lzf_run(int(a[8:]))
    return a.encode("utf-8", "surrogateescape")


def request(port, args):
    c = Conn(port, 10.0)
    out = b"*%d\r\n" % len(args)
    for a in args:
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    c.s.sendall(out)
    reply = c.read_reply()
    c.s.close()
    return reply


def bulk(reply):
    """The bytes of a bulk reply; None for a null; exits on anything else."""
    if reply in (b"$-1\r\n", b"_\r\n"):
        return None
    if not reply.startswith(b"$"):
        sys.exit("dump.py: not a bulk reply: " + show(reply))
    return reply[reply.index(b"\r\n") + 2:-2]


def main():
    args = sys.argv[1:]
    as_hex = args[:1] == ["--hex"]
    if as_hex:
        args.pop(0)
    port = int(args.pop(0))
    reply = request(port, [arg(a) for a in args])
    if as_hex:
        b = bulk(reply)
        print("(nil)" if b is None else b.hex())
    else:
        print(show(reply))


if __name__ == "__main__":
    main()
