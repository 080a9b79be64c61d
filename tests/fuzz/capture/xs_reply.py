#!/usr/bin/env python3
# Capture xenstored's answers for the fuzz-xs-reply seed corpus: the
# target's four requests (DIRECTORY /a, READ /a/b, READ /a/c, DIRECTORY
# /d; req_id 1-4) sent back to back on the socket XENSTORED_PATH names,
# with /a/b, /a/c, /d/x present or not as the arguments say
# ("b c d": all of them). Writes the answer bytes to stdout.
import os, socket, struct, sys
XS_DIRECTORY, XS_READ, XS_WRITE, XS_RM = 1, 2, 11, 13
have = sys.argv[1:] if len(sys.argv) > 1 else ["b", "c", "d"]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(os.environ["XENSTORED_PATH"])
def talk(t, rid, payload):
    s.sendall(struct.pack("<IIII", t, rid, 0, len(payload)) + payload)
def answer():
    h = b""
    while len(h) < 16:
        h += s.recv(16 - len(h))
    n = struct.unpack("<IIII", h)[3]
    p = b""
    while len(p) < n:
        p += s.recv(n - len(p))
    return h + p
for k, path, val in (("b", b"/a/b", b"vif-bridge"), ("c", b"/a/c", b"4"),
                     ("d", b"/d/x", b"")):
    if k in have:
        talk(XS_WRITE, 0, path + b"\0" + val)
    else:
        talk(XS_RM, 0, path + b"\0")
    answer()
talk(XS_WRITE, 0, b"/a/z\0")  # /a exists even without b and c
answer()
for rid, (t, p) in enumerate(((XS_DIRECTORY, b"/a"), (XS_READ, b"/a/b"),
                               (XS_READ, b"/a/c"), (XS_DIRECTORY, b"/d")), 1):
    talk(t, rid, p + b"\0")
out = b"".join(answer() for _ in range(4))
sys.stdout.buffer.write(out)
