"""fake_master.py STATE_FILE FILE... - a replication listener that answers a
replica's HELLO with the bytes of each FILE, for the limit tests.

Listens on a free port of 127.0.0.1 and writes the port to STATE_FILE. For
each FILE in turn it accepts one connection, reads the replica's HELLO frame,
sends FILE's bytes, then reads what the replica sends until it closes the
connection (10 s at most) and stores those bytes in FILE.reply, and writes
"closed" or "open" (the replica kept the connection) to FILE.status. Exit 0
when all FILEs are done; 1 when a replica does not come within 20 s.
"""
import os
import socket
import struct
import sys
import time


def read_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("closed")
        buf += chunk
    return buf


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    state, files = sys.argv[1], sys.argv[2:]
    lsock = socket.socket()
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(8)
    lsock.settimeout(20)
    with open(state + ".tmp", "w") as f:
        f.write("%d\n" % lsock.getsockname()[1])
    os.rename(state + ".tmp", state)
    for path in files:
        try:
            conn, _ = lsock.accept()
        except socket.timeout:
            sys.exit(1)
        conn.settimeout(10)
        (length,) = struct.unpack(">I", read_exact(conn, 4))
        read_exact(conn, length)                    # the HELLO
        try:
            conn.sendall(open(path, "rb").read())
        except OSError:
            pass                                    # closed while we sent
        reply, status = b"", "open"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                chunk = conn.recv(65536)
            except socket.timeout:
                break
            except OSError:
                status = "closed"
                break
            if not chunk:
                status = "closed"
                break
            reply += chunk
        conn.close()
        with open(path + ".reply", "wb") as f:
            f.write(reply)
        with open(path + ".status", "w") as f:
            f.write(status + "\n")


main()
