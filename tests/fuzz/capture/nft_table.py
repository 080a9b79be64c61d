#!/usr/bin/env python3
# Capture the kernel's answers to GETTABLE by name (as xhp_nft_dev_state
# asks) for the fuzz-netlink seed corpus: a device's table with xhp's
# comment and its chains, one with another comment, one with none, and
# the error of a table that is not there. Run it as root in a throwaway
# netns, e.g.:
#   unshare -n sh -c 'nft add table netdev xhp-vif1.0 "{ comment \"xhp
#     policy 0123456789abcdef\"; }"; nft add chain netdev xhp-vif1.0
#     dev-vif1.0; nft add table netdev xhp-vif2.0 "{ comment \"mine\"; }";
#     nft add table netdev xhp-vif3.0;
#     python3 capture/nft_table.py OUTDIR vif1.0 vif2.0 vif3.0 vif4.0'
import socket, struct, sys, os
out = sys.argv[1]
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12)  # NETFILTER
s.bind((0, 0))
NFT_MSG_GETTABLE, NFTA_TABLE_NAME, NFPROTO_NETDEV = 1, 1, 5
def attr(t, payload):
    l = 4 + len(payload)
    return struct.pack("=HH", l, t) + payload + b"\0" * ((4 - l % 4) % 4)
for i, dev in enumerate(sys.argv[2:]):
    body = struct.pack("=BBH", NFPROTO_NETDEV, 0, 0)
    body += attr(NFTA_TABLE_NAME, b"xhp-" + dev.encode() + b"\0")
    typ = 10 << 8 | NFT_MSG_GETTABLE
    # NLM_F_REQUEST | NLM_F_ACK
    s.send(struct.pack("=IHHII", 16 + len(body), typ, 1 | 4, i + 1, 0) + body)
    buf = s.recv(65536)
    while True:  # the answer and its ack may come in two reads
        off, done = 0, False
        while off + 16 <= len(buf):
            ln, ty = struct.unpack_from("=IH", buf, off)
            done = done or ty == 2
            off += (ln + 3) & ~3
        if done:
            break
        buf += s.recv(65536)
    with open(os.path.join(out, "nft-gettable-" + dev), "wb") as f:
        f.write(buf)
