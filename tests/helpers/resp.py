"""resp.py - RESP encoding shared by the Python test helpers (gen_ops.py,
acked.py, ack_writer.py) and the Python the bats files run inline.

A helper run as a script finds this module next to it; inline Python puts
$HELPERS_DIR on sys.path first.
"""


def resp(*args):
    """One command as a RESP array of bulk strings; an argument that is not
    bytes is sent as its str() in UTF-8."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)
