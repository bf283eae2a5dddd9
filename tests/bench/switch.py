#!/usr/bin/env python3
"""Writer for the failover benchmark: SETs to the old master until a write
fails (-READONLY, closed connection), then to the new one. Prints the time
between the last write acknowledged by the old master and the first one
acknowledged by the new master, in milliseconds, then the total writes.

   switch.py OLD_PORT NEW_PORT SECONDS
"""
import socket
import sys
import time

old, new, secs = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])


def connect(port):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s, s.makefile("rb")


s, f = connect(old)
on_new = False
last_old = first_new = None
n = 0
end = time.monotonic() + secs
while time.monotonic() < end:
    n += 1
    key = b"sw:%d" % n
    try:
        s.sendall(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$1\r\nv\r\n" % (len(key), key))
        reply = f.readline()
    except OSError:
        reply = b""
    now = time.monotonic()
    if reply.startswith(b"+OK"):
        if on_new and first_new is None:
            first_new = now
        elif not on_new:
            last_old = now
        continue
    if not on_new:
        on_new = True
        s.close()
        s, f = connect(new)
    else:
        time.sleep(0.0005)   # the new master is not taking writes yet
print("%.2f %d" % (((first_new or now) - (last_old or now)) * 1000, n))
