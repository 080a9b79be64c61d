#!/usr/bin/env python3
# Capture real rtnetlink answers for the fuzz-netlink seed corpus: each
# recv() buffer of an RTM_GETLINK dump, of RTM_GETLINK by name (as
# xhp_nl_getlink_msg asks: IFLA_IFNAME + IFLA_EXT_MASK skip stats) and of
# RTM_GETADDR dumps, one file each. Run it as root in a throwaway netns
# with a bridge, a veth enslaved to it, a tap and addresses, e.g.:
#   unshare -n sh -c 'ip link add br0 type bridge; ...;
#     python3 capture/netlink.py OUTDIR br0 vif1.0 tap1.0 lo'
# (the commands used are in tests/fuzz/README.md).
import socket, struct, sys, os
out = sys.argv[1]
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)  # NETLINK_ROUTE
s.bind((0, 0))
seq = [0]
def attr(t, payload):
    l = 4 + len(payload)
    return struct.pack("=HH", l, t) + payload + b"\0" * ((4 - l % 4) % 4)
def req(typ, flags, body):
    seq[0] += 1
    hdr = struct.pack("=IHHII", 16 + len(body), typ, flags | 1, seq[0], 0)
    s.send(hdr + body)
    bufs = []
    while True:
        b = s.recv(65536)
        bufs.append(b)
        t = struct.unpack_from("=IHH", b)[1]
        # stop at DONE/ERROR or a non-multi answer
        done = False
        off = 0
        while off + 16 <= len(b):
            ln, ty, fl = struct.unpack_from("=IHH", b, off)
            if ty in (2, 3) or not (fl & 2):
                done = True
            off += (ln + 3) & ~3
        if done:
            return bufs
RTM_GETLINK, RTM_GETADDR = 18, 22
IFLA_IFNAME, IFLA_EXT_MASK = 3, 29
ifi = struct.pack("=BBHiII", 0, 0, 0, 0, 0, 0)
def save(name, bufs):
    for i, b in enumerate(bufs):
        open(os.path.join(out, "%s-%d" % (name, i)), "wb").write(b)
save("getlink-dump", req(RTM_GETLINK, 0x300, ifi + attr(IFLA_EXT_MASK, struct.pack("=I", 8))))
for n in sys.argv[2:]:
    save("getlink-" + n, req(RTM_GETLINK, 0, ifi + attr(IFLA_IFNAME, n.encode() + b"\0") + attr(IFLA_EXT_MASK, struct.pack("=I", 8))))
for fam, name in ((2, "v4"), (10, "v6")):
    ifa = struct.pack("=BBBBI", fam, 0, 0, 0, 0)
    save("getaddr-dump-" + name, req(RTM_GETADDR, 0x300, ifa))
