"""replstream.py PORT [--hello LINE]... [--wait S] [--replies] - SYNC's stream.

Opens connection A and sends it each --hello LINE (default: one "SYNC"),
raw, with CR LF; reads what A is sent until the stream's commands begin,
then runs each line of stdin (shlex-split) as a command on connection B,
reading its reply; a line "sleep S" waits S seconds instead. Then waits
--wait seconds (default 0.3) and prints, one line each:
    head <the bytes A got before the first command, repr()>
    <each command of the stream: its arguments joined by spaces>
    (closed)   when the server closed A
and with --replies, then, B's reply to each command: "reply <repr>".
Commands are RESP arrays of bulk strings; anything else is printed as
"junk <repr>" and ends the reading.
"""
import shlex
import socket
import sys
import time


def resp_command(args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a.encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def read_reply(f):
    """One whole reply's bytes."""
    line = f.readline()
    if not line:
        raise EOFError
    kind, rest, out = line[:1], line[1:-2], line
    if kind in b"*%~>":
        n = int(rest)
        for _ in range(max(n, 0) * (2 if kind == b"%" else 1)):
            out += read_reply(f)
    elif kind == b"$" and int(rest) >= 0:
        out += f.read(int(rest) + 2)
    return out


def parse_commands(data):
    """The commands in data, and what is left over (an incomplete one)."""
    cmds, pos = [], 0
    while pos < len(data):
        if data[pos:pos + 1] != b"*":
            return cmds, None, data[pos:]
        end = data.find(b"\r\n", pos)
        if end < 0:
            break
        n, p, args = int(data[pos + 1:end]), end + 2, []
        for _ in range(n):
            e = data.find(b"\r\n", p)
            if e < 0 or data[p:p + 1] != b"$":
                return cmds, data[pos:], None
            ln = int(data[p + 1:e])
            if len(data) < e + 2 + ln + 2:
                return cmds, data[pos:], None
            args.append(data[e + 2:e + 2 + ln].decode("utf-8", "backslashreplace"))
            p = e + 2 + ln + 2
        cmds.append(args)
        pos = p
    return cmds, data[pos:], None


def main():
    port = int(sys.argv[1])
    hellos, wait, show, i = [], 0.3, False, 2
    while i < len(sys.argv):
        if sys.argv[i] == "--replies":
            show, i = True, i + 1
            continue
        if sys.argv[i] == "--hello":
            hellos.append(sys.argv[i + 1])
        elif sys.argv[i] == "--wait":
            wait = float(sys.argv[i + 1])
        i += 2
    a = socket.create_connection(("127.0.0.1", port), timeout=5)
    for h in hellos or ["SYNC"]:
        a.sendall(h.encode() + b"\r\n")
    # the head: whatever comes before the commands (read for a moment)
    a.settimeout(0.3)
    head = b""
    try:
        while True:
            chunk = a.recv(65536)
            if not chunk:
                break
            head += chunk
    except socket.timeout:
        pass
    b = socket.create_connection(("127.0.0.1", port), timeout=5)
    bf = b.makefile("rb")
    replies = []
    for line in sys.stdin:
        words = shlex.split(line)
        if not words:
            continue
        if words[0] == "sleep":
            time.sleep(float(words[1]))
            continue
        b.sendall(resp_command(words))
        replies.append(read_reply(bf))
    time.sleep(wait)
    data, closed = b"", False
    a.settimeout(0.2)
    try:
        while True:
            chunk = a.recv(65536)
            if not chunk:
                closed = True
                break
            data += chunk
    except socket.timeout:
        pass
    except ConnectionResetError:
        closed = True
    print("head", repr(head))
    cmds, _, junk = parse_commands(data)
    for c in cmds:
        print(" ".join(c))
    if junk:
        print("junk", repr(junk[:200]))
    if closed:
        print("(closed)")
    for r in replies if show else []:
        print("reply", repr(r))


main()
