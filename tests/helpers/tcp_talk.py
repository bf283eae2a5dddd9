"""tcp_talk.py PORT [--timeout S] [--bytewise]

Send stdin to 127.0.0.1:PORT without closing our side, then read until the
server closes the connection. Write what the server sent to stdout.

Exit 0: the server closed the connection (within --timeout seconds, default 5).
Exit 3: the connection was still open after the timeout.
--bytewise sends one byte per write (a request split into many TCP segments).
"""
import select
import socket
import sys
import time


def main():
    args = sys.argv[1:]
    port = int(args.pop(0))
    timeout, bytewise = 5.0, False
    while args:
        a = args.pop(0)
        if a == "--timeout":
            timeout = float(args.pop(0))
        elif a == "--bytewise":
            bytewise = True
        else:
            sys.exit("tcp_talk.py: unknown argument " + a)

    data = sys.stdin.buffer.read()
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    got = bytearray()
    closed = False
    try:
        if bytewise:
            for i in range(len(data)):
                s.sendall(data[i:i + 1])
        else:
            s.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        closed = True
    deadline = time.monotonic() + timeout
    while not closed:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        r, _, _ = select.select([s], [], [], left)
        if not r:
            continue
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            closed = True
            break
        if not chunk:
            closed = True
            break
        got += chunk
    sys.stdout.buffer.write(bytes(got))
    sys.stdout.flush()
    sys.exit(0 if closed else 3)


main()
