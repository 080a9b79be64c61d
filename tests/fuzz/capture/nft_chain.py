#!/usr/bin/env python3
# Capture the kernel's answers to GETCHAIN by name (as xhp_nft_dev_state
# asks for a device's base chain in its shard's table) for the
# fuzz-netlink seed corpus: a base chain with xhp's comment, one with
# another comment, one with none, and the error of a chain that is not
# there. Run it as root in a throwaway netns, e.g.:
#   unshare -n sh -c 'nft add table netdev xhp-1f;
#     nft add table netdev xhp-6e; nft add table netdev xhp-55;
#     nft add chain netdev xhp-1f dev-vif1.0 "{ type filter hook ingress
#       device vif1.0 priority 0; comment \"xhp policy 0123456789abcdef\"; }";
#     nft add chain netdev xhp-6e dev-vif2.0 "{ comment \"mine\"; }";
#     nft add chain netdev xhp-55 dev-vif3.0;
#     python3 capture/nft_chain.py OUTDIR vif1.0 vif2.0 vif3.0 vif4.0'
# (xhp-1f, 6e, 55: the shards of vif1.0, vif2.0, vif3.0)
import socket, struct, sys, os
out = sys.argv[1]
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12)  # NETFILTER
s.bind((0, 0))
NFT_MSG_GETCHAIN, NFTA_CHAIN_TABLE, NFTA_CHAIN_NAME = 4, 1, 3
NFPROTO_NETDEV = 5
def shard(name):  # nft.c: xhp_nft_shard
    h = 2166136261
    for c in name.encode():
        h = ((h ^ c) * 16777619) & 0xffffffff
    return "xhp-%02x" % (h % 128)
def attr(t, payload):
    l = 4 + len(payload)
    return struct.pack("=HH", l, t) + payload + b"\0" * ((4 - l % 4) % 4)
for i, dev in enumerate(sys.argv[2:]):
    body = struct.pack("=BBH", NFPROTO_NETDEV, 0, 0)
    body += attr(NFTA_CHAIN_TABLE, shard(dev).encode() + b"\0")
    body += attr(NFTA_CHAIN_NAME, b"dev-" + dev.encode() + b"\0")
    typ = 10 << 8 | NFT_MSG_GETCHAIN
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
    with open(os.path.join(out, "nft-getchain-" + dev), "wb") as f:
        f.write(buf)
