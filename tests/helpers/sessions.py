"""sessions.py PORT [--timeout S] - several RESP connections driven by a script.

Reads lines from stdin, one step each:
    NAME ARG...      send the command ARG... (shlex-split) on connection NAME
                     (opened at its first use) and read one whole reply
    NAME !read       read one more reply without sending (a push message)
    NAME !close      close connection NAME
    sleep SECONDS    wait
    # ...            a comment
An argument {id:NAME} is connection NAME's client id: a script that names
it has NAME send CLIENT ID (its reply not shown) when it opens.
For each reply, prints "NAME " and the reply's exact bytes with CR LF shown
as "\\r\\n" and other control or non-ASCII bytes as \\xNN, on one line. A
reply is read whole by its RESP2/RESP3 type, so "no reply within the
timeout" prints "NAME (timeout)" and a closed connection "NAME (closed)".
"""
import re
import shlex
import socket
import sys
import time


class Conn:
    def __init__(self, port, timeout):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def fill(self):
        data = self.s.recv(65536)
        if not data:
            raise EOFError
        self.buf += data

    def line(self, pos):
        while True:
            end = self.buf.find(b"\r\n", pos)
            if end >= 0:
                return end
            self.fill()

    def need(self, n):
        while len(self.buf) < n:
            self.fill()

    def reply_end(self, pos):
        """Where the reply starting at pos ends (exclusive)."""
        end = self.line(pos)
        kind, head = self.buf[pos:pos + 1], self.buf[pos + 1:end]
        if kind in b"+-:_,#(":
            return end + 2
        if kind in b"$=!":
            n = int(head)
            if n < 0:
                return end + 2
            self.need(end + 2 + n + 2)
            return end + 2 + n + 2
        if kind in b"*~>%|":
            n = int(head)
            count = n * 2 if kind in b"%|" else n
            pos = end + 2
            for _ in range(max(count, 0)):
                pos = self.reply_end(pos)
            if kind == b"|":        # an attribute comes before the reply it describes
                pos = self.reply_end(pos)
            return pos
        raise ValueError("not a RESP reply: %r" % self.buf[pos:end])

    def read_reply(self):
        end = self.reply_end(0)
        reply, self.buf = self.buf[:end], self.buf[end:]
        return reply

    def send(self, args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            b = a.encode("utf-8", "surrogateescape")
            out += b"$%d\r\n%s\r\n" % (len(b), b)
        self.s.sendall(out)


def show(data):
    out = []
    for c in data:
        if c == 13:
            out.append("\\r")
        elif c == 10:
            out.append("\\n")
        elif 32 <= c < 127 and c != 92:
            out.append(chr(c))
        else:
            out.append("\\x%02x" % c)
    return "".join(out)


def main():
    args = sys.argv[1:]
    port = int(args.pop(0))
    timeout = 5.0
    if args[:1] == ["--timeout"]:
        timeout = float(args[1])
    conns = {}
    script = sys.stdin.read().splitlines()
    wanted = set(re.findall(r"\{id:([^}]+)\}", "\n".join(script)))
    ids = {}

    def conn(name):
        if name not in conns:
            conns[name] = Conn(port, timeout)
            if name in wanted:
                conns[name].send(["CLIENT", "ID"])
                ids[name] = conns[name].read_reply()[1:-2].decode()
        return conns[name]

    for raw in script:
        step = shlex.split(raw)
        if not step or step[0].startswith("#"):
            continue
        if step[0] == "sleep":
            time.sleep(float(step[1]))
            continue
        name, rest = step[0], step[1:]
        if rest == ["!close"]:
            conns.pop(name).s.close()
            continue
        rest = [re.sub(r"\{id:([^}]+)\}", lambda m: ids.get(m.group(1), "0"), a) for a in rest]
        c = conn(name)
        try:
            if rest != ["!read"]:
                c.send(rest)
            print(name, show(c.read_reply()), flush=True)
        except socket.timeout:
            print(name, "(timeout)", flush=True)
        except (EOFError, ConnectionResetError):
            print(name, "(closed)", flush=True)


if __name__ == "__main__":
    main()
