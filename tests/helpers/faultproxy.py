"""faultproxy.py TARGET_PORT STATE_FILE - a TCP fault proxy for the tests.

Listens on a free port of 127.0.0.1 and forwards each connection to
127.0.0.1:TARGET_PORT. A second free port takes control commands, one a line,
each answered with one line ("ok ..." or "error ..."):

  forward      forward normally: clears delay, corrupt, truncate and refuse
  cut          close every current connection now (new ones are still accepted)
  refuse       close new connections at once
  accept       accept new connections again
  delay MS     hold every chunk MS milliseconds before passing it on
  corrupt N    in each connection, flip one byte of the server->client stream
               after N more bytes (counted from the start of a connection
               opened later); stays armed until "forward"
  truncate N   in each connection, close it after N more server->client bytes
               (the same counting); stays armed until "forward"
  stats        "ok c2s=BYTES s2c=BYTES conns=OPEN accepted=TOTAL"
  frames       the frames of Synap's replication protocol (u32 length, u8
               type, ...) passed so far, counted by type in each direction:
               "ok c2s=TYPE:N,TYPE:N... s2c=TYPE:N,..." (meaningless for
               other protocols)

When both ports listen it writes "PID PORT CONTROL_PORT" to STATE_FILE.
It runs until killed (SIGTERM).
"""
import os
import selectors
import socket
import struct
import sys
import time
from collections import deque

HIGH_WATER = 1 << 20            # stop reading a side while this much waits


class Pipe:
    """One direction of a proxied connection."""

    def __init__(self, src, dst, s2c):
        self.src, self.dst, self.s2c = src, dst, s2c
        self.queue = deque()    # [due_monotonic, bytearray]
        self.queued = 0
        self.eof = False
        self.fault = None       # (kind, bytes left before it fires)
        self.head = bytearray() # the start of the next frame's header
        self.skip = 0           # bytes left of the current frame's body

    def count_frames(self, data, counts):
        """Counts by type the replication frames that start in data."""
        i = 0
        while i < len(data):
            if self.skip:
                n = min(self.skip, len(data) - i)
                self.skip -= n
                i += n
                continue
            n = min(5 - len(self.head), len(data) - i)
            self.head += data[i:i + n]
            i += n
            if len(self.head) == 5:
                length, ftype = struct.unpack(">IB", self.head)
                counts[ftype] = counts.get(ftype, 0) + 1
                self.skip = max(0, length - 1)
                self.head.clear()


class Proxy:
    def __init__(self, target_port):
        self.target = ("127.0.0.1", target_port)
        self.sel = selectors.DefaultSelector()
        self.conns = []         # (client->server, server->client) Pipe pairs
        self.delay = 0.0
        self.refusing = False
        self.fault = None       # armed for connections opened from now on
        self.c2s = self.s2c = self.accepted = 0
        self.frames = {False: {}, True: {}}     # s2c -> {type: count}
        self.listener = self.listen()
        self.control = self.listen()
        self.sel.register(self.listener, selectors.EVENT_READ, self.on_accept)
        self.sel.register(self.control, selectors.EVENT_READ, self.on_control_accept)

    @staticmethod
    def listen():
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", 0))
        s.listen(64)
        s.setblocking(False)
        return s

    # --- proxied connections ---

    def on_accept(self, _sock, _mask):
        client, _ = self.listener.accept()
        if self.refusing:
            client.close()
            return
        try:
            server = socket.create_connection(self.target, timeout=2)
        except OSError:
            client.close()
            return
        self.accepted += 1
        for s in (client, server):
            s.setblocking(False)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        up, down = Pipe(client, server, False), Pipe(server, client, True)
        down.fault = self.fault
        conn = (up, down)
        self.conns.append(conn)
        self.update(conn)

    def on_ready(self, conn, sock, mask):
        for p in conn:
            if p.src is sock and mask & selectors.EVENT_READ:
                try:
                    data = sock.recv(65536)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                if data:
                    self.take(p, bytearray(data))
                else:
                    p.eof = True
        self.pump(conn)

    def take(self, p, data):
        """Counts the bytes, applies the pipe's fault, queues them."""
        if p.fault:
            kind, left = p.fault
            if left < len(data):
                if kind == "corrupt":
                    data[left] ^= 0xFF
                    p.fault = None
                else:               # truncate: pass `left` bytes, then close
                    data = data[:left]
                    p.eof = True
                    p.fault = None
            else:
                p.fault = (kind, left - len(data))
        if p.s2c:
            self.s2c += len(data)
        else:
            self.c2s += len(data)
        p.count_frames(data, self.frames[p.s2c])
        if data:
            p.queue.append([time.monotonic() + self.delay, data])
            p.queued += len(data)

    def pump(self, conn):
        """Writes what is due; closes the connection when a side is done."""
        now = time.monotonic()
        for p in conn:
            while p.queue and p.queue[0][0] <= now:
                data = p.queue[0][1]
                try:
                    n = p.dst.send(data)
                except BlockingIOError:
                    break
                except OSError:
                    self.close(conn)
                    return
                del data[:n]
                p.queued -= n
                if data:
                    break
                p.queue.popleft()
        if any(p.eof and not p.queue for p in conn):
            self.close(conn)
        else:
            self.update(conn)

    def update(self, conn):
        """Watches each socket for what its two pipes need now."""
        now = time.monotonic()
        for sock in (conn[0].src, conn[1].src):
            mask = 0
            for p in conn:
                if p.src is sock and not p.eof and p.queued < HIGH_WATER:
                    mask |= selectors.EVENT_READ
                if p.dst is sock and p.queue and p.queue[0][0] <= now:
                    mask |= selectors.EVENT_WRITE
            watched = self.watched(sock)
            handler = lambda s, m, c=conn: self.on_ready(c, s, m)
            if mask and watched:
                self.sel.modify(sock, mask, handler)
            elif mask:
                self.sel.register(sock, mask, handler)
            elif watched:
                self.sel.unregister(sock)

    def watched(self, sock):
        try:
            self.sel.get_key(sock)
            return True
        except (KeyError, ValueError):
            return False

    def close(self, conn):
        if conn not in self.conns:
            return
        self.conns.remove(conn)
        for s in (conn[0].src, conn[1].src):
            if self.watched(s):
                self.sel.unregister(s)
            s.close()

    # --- control ---

    def on_control_accept(self, _sock, _mask):
        c, _ = self.control.accept()
        c.setblocking(False)
        buf = bytearray()
        self.sel.register(c, selectors.EVENT_READ, lambda s, m: self.on_control(s, buf))

    def on_control(self, c, pending):
        try:
            data = c.recv(4096)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self.sel.unregister(c)
            c.close()
            return
        pending += data
        while b"\n" in pending:
            line, _, rest = bytes(pending).partition(b"\n")
            pending[:] = rest
            c.setblocking(True)
            c.sendall((self.command(line.decode().split()) + "\n").encode())
            c.setblocking(False)

    def command(self, words):
        verb, args = (words[0], words[1:]) if words else ("", [])
        try:
            if verb == "forward":
                self.delay, self.refusing, self.fault = 0.0, False, None
                for conn in self.conns:
                    conn[1].fault = None
            elif verb == "cut":
                for conn in list(self.conns):
                    self.close(conn)
            elif verb in ("refuse", "accept"):
                self.refusing = verb == "refuse"
            elif verb == "delay":
                self.delay = int(args[0]) / 1000.0
            elif verb in ("corrupt", "truncate"):
                self.fault = (verb, int(args[0]))
                for conn in self.conns:
                    conn[1].fault = self.fault
            elif verb == "stats":
                return "ok c2s=%d s2c=%d conns=%d accepted=%d" % (
                    self.c2s, self.s2c, len(self.conns), self.accepted)
            elif verb == "frames":
                return "ok " + " ".join(
                    "%s=%s" % (name, ",".join("%d:%d" % kv for kv in sorted(self.frames[s2c].items())))
                    for name, s2c in (("c2s", False), ("s2c", True)))
            else:
                return "error unknown command %r" % verb
        except (IndexError, ValueError):
            return "error %s needs a number" % verb
        return "ok"

    def run(self, state_file):
        tmp = state_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d %d %d\n" % (os.getpid(), self.listener.getsockname()[1],
                                    self.control.getsockname()[1]))
        os.rename(tmp, state_file)
        while True:
            due = [p.queue[0][0] for c in self.conns for p in c if p.queue]
            timeout = max(0.0, min(due) - time.monotonic()) if due else None
            for key, mask in self.sel.select(timeout):
                if self.sel.get_map().get(key.fd) is key:   # still as it was
                    key.data(key.fileobj, mask)
            if due:             # delayed chunks that became due
                for conn in list(self.conns):
                    self.pump(conn)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    Proxy(int(sys.argv[1])).run(sys.argv[2])
