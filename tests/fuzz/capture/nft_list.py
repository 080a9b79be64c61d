#!/usr/bin/env python3
# Capture the kernel's answer to a GETCHAIN dump (as xhp_nft_dev_chains
# lists the devices' chains) for the fuzz-nft-list seed corpus: every
# datagram up to NLMSG_DONE, one after another, once for family netdev
# and once for all families. Run it as root in a throwaway netns with
# this ruleset (nft -f FILE; xhp-1f and xhp-6e are the shards of vif1.0
# and vif2.0):
#   table netdev xhp-1f {
#     chain dev-vif1.0 {
#       type filter hook ingress device vif1.0 priority 0;
#       comment "xhp policy 0123456789abcdef";
#       jump dev-vif1.0/arp;
#     }
#     chain dev-vif1.0/arp {
#       return;
#     }
#     chain common-1f {
#       return;
#     }
#     chain dev-vif2.0 {
#       comment "not its shard";
#     }
#   }
#   table netdev xhp-6e {
#     chain dev-vif2.0 {
#       comment "mine";
#     }
#   }
#   table netdev other {
#     chain dev-vif3.0 {
#     }
#   }
#   table inet filter {
#     chain input {
#       type filter hook input priority 0;
#     }
#   }
# e.g. unshare -n sh -c 'nft -f FILE && python3 capture/nft_list.py OUTDIR'
import os, socket, struct, sys
out = sys.argv[1]
NFT_MSG_GETCHAIN = 4
NLM_F_REQUEST, NLM_F_DUMP = 1, 0x300
for i, (fam, name) in enumerate(((5, "netdev"), (0, "all"))):
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12)  # NETFILTER
    s.bind((0, 0))
    body = struct.pack("=BBH", fam, 0, 0)
    typ = 10 << 8 | NFT_MSG_GETCHAIN
    s.send(struct.pack("=IHHII", 16 + len(body), typ,
                       NLM_F_REQUEST | NLM_F_DUMP, i + 1, 0) + body)
    buf = b""
    while True:
        d = s.recv(65536)
        buf += d
        off, done = 0, False
        while off + 16 <= len(d):
            ln, ty = struct.unpack_from("=IH", d, off)
            done = done or ty == 3  # NLMSG_DONE
            off += (ln + 3) & ~3
        if done:
            break
    with open(os.path.join(out, "nft-getchain-dump-" + name), "wb") as f:
        f.write(buf)
    s.close()
