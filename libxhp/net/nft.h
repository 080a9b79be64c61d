/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nf_tables over netlink with libmnl and the kernel's uapi headers (no
 * libnftnl/libnftables: they are GPL). One table, "netdev xhp", holds a
 * base chain per device on its ingress hook ("dev-<ifname>", bound to the
 * device by name); each change is ONE batch (NFNL_MSG_BATCH_BEGIN ..
 * END), applied by the kernel as a whole or not at all.
 */
#ifndef XHP_NFT_H
#define XHP_NFT_H

#include <stdbool.h>
#include <stdint.h>

#include "nl.h"

#define XHP_NFT_TABLE "xhp"
#define XHP_NFT_CHAIN_PREFIX "dev-"
/* Ingress priority of the device chains (that of nft's "filter"). */
#define XHP_NFT_PRIO 0
/* Room one message of the builders below may take (the largest is a
 * rule of the guest policy with four matches: about 780 bytes). */
#define XHP_NFT_MSG_MAX 1024
#define XHP_NFT_BATCH_MSGS 320

/* A device's chains: "dev-<ifname>" on its ingress hook, and the regular
 * chains its rules jump to, "dev-<ifname>/arp" ... */
enum {
	XHP_NFT_CH_BASE,
	XHP_NFT_CH_ARP, /* ARP sender address allowed: return, else drop */
	XHP_NFT_CH_IP4, /* IPv4 source allowed: return, else drop */
	XHP_NFT_CH_IP6, /* IPv6 source allowed: return, else drop */
	XHP_NFT_CH_ND, /* neighbour advertisement target allowed */
	XHP_NFT_CHAINS
};
#define XHP_NFT_CHAIN_NAME_MAX 32

struct xhp_nft {
	struct xhp_nl *nl; /* NETLINK_NETFILTER; nl->buf receives */
	size_t len; /* bytes of the batch in out */
	unsigned int begin_seq; /* of NFNL_MSG_BATCH_BEGIN */
	unsigned int n; /* messages after BEGIN (END not counted) */
	uint16_t type[XHP_NFT_BATCH_MSGS]; /* NFT_MSG_* of each, to name it */
	char out[XHP_NFT_BATCH_MSGS * XHP_NFT_MSG_MAX]
		__attribute__((aligned(8)));
};

/* The name of the device's chain @chain (XHP_NFT_CH_*). Returns @buf. */
const char *xhp_nft_chain_name(char buf[XHP_NFT_CHAIN_NAME_MAX],
			       const char *ifname, int chain);

/* Open the NETLINK_NETFILTER socket (extended acks on). */
int xhp_nft_open(xhp_ctx *ctx, struct xhp_nft **ret);
struct xhp_nft *xhp_nft_close(struct xhp_nft *nft);

/*
 * Message builders: each writes one nf_tables message (family netdev) at
 * @buf (XHP_NFT_MSG_MAX bytes, aligned) and returns it; seq is left 0.
 * @ifname must be a valid interface name (xhp_ifname_valid).
 */
/* NFT_MSG_NEWTABLE "xhp" with @flags (NLM_F_CREATE: kept if present). */
struct nlmsghdr *xhp_nft_put_table(void *buf, uint16_t type, uint16_t flags);
/* NFT_MSG_NEWCHAIN "dev-<ifname>": a filter base chain on the ingress
 * hook of @ifname, policy accept. NFT_MSG_DELCHAIN: the name only. */
struct nlmsghdr *xhp_nft_put_chain(void *buf, uint16_t type, uint16_t flags,
				   const char *ifname);
/* NFT_MSG_DELRULE of every rule of the chain (no handle: a flush). */
struct nlmsghdr *xhp_nft_put_flush(void *buf, const char *ifname);
struct nlmsghdr *xhp_nft_put_flush_chain(void *buf, const char *ifname,
					 int chain);
/* NFT_MSG_NEWCHAIN / DELCHAIN of a regular (hookless) chain. */
struct nlmsghdr *xhp_nft_put_regular_chain(void *buf, uint16_t type,
					   uint16_t flags, const char *ifname,
					   int chain);
/* The header of an nf_tables message of family netdev (seq 0). */
struct nlmsghdr *xhp_nft_put_msg(void *buf, uint16_t type, uint16_t flags);
/* The chain name attribute @attr of @ifname's chain @chain. */
void xhp_nft_put_chain_name(struct nlmsghdr *nlh, uint16_t attr,
			    const char *ifname, int chain);
/* NFTA_LIST_ELEM { NFTA_EXPR_NAME @name, NFTA_EXPR_DATA { ... } }: the
 * caller fills the data and closes both with xhp_nft_expr_end(). */
struct nlattr *xhp_nft_expr_start(struct nlmsghdr *nlh, const char *name,
				  struct nlattr **data);
void xhp_nft_expr_end(struct nlmsghdr *nlh, struct nlattr *elem,
		      struct nlattr *data);
/* NFT_MSG_NEWRULE (appended): drop an Ethernet frame whose source is not
 * @mac (meta iiftype -> reg 1; cmp eq ARPHRD_ETHER; payload ll 6/6 ->
 * reg 1; cmp neq @mac; immediate drop), nft's "ether saddr != @mac drop". */
struct nlmsghdr *xhp_nft_put_rule_src_mac(void *buf, const char *ifname,
					  const uint8_t mac[6]);

/* Start a batch (discarding one not committed). */
void xhp_nft_batch_begin(struct xhp_nft *nft);
/* Where the next message goes, or NULL if the batch is full. */
void *xhp_nft_batch_room(struct xhp_nft *nft);
/* Add the message built at xhp_nft_batch_room(): gives it its seq and
 * NLM_F_ACK. */
void xhp_nft_batch_add(struct xhp_nft *nft, struct nlmsghdr *nlh);
/*
 * Close the batch (NFNL_MSG_BATCH_END), send it and read the kernel's
 * answer to every message within the context's deadline. Returns 0 or the
 * negative errno of the first message that failed (-ETIMEDOUT, -ENOSPC if
 * the batch was too big), with a message on @ctx naming that message and
 * carrying the kernel's extended ack.
 */
int xhp_nft_batch_commit(xhp_ctx *ctx, struct xhp_nft *nft);

/* Into the batch: the table made sure of, every chain of @ifname (and
 * its rules) deleted, whether or not there were any. 0 or -ENOSPC. */
int xhp_nft_put_dev_gone(struct xhp_nft *nft, const char *ifname);

/* -EINVAL (message) unless @ifname is a valid interface name. */
int xhp_nft_check_ifname(xhp_ctx *ctx, const char *ifname);

/*
 * In one batch: make sure the table is there, delete the chain of @ifname
 * if there is one (with its rules), and add it anew with the rule that
 * drops frames whose source MAC is not @mac. Another device's chain is not
 * touched.
 */
int xhp_nft_dev_replace(xhp_ctx *ctx, struct xhp_nft *nft, const char *ifname,
			const uint8_t mac[6]);
/*
 * Whether the device's base chain is in table netdev xhp: 1, 0 (no such
 * chain, or no table), or -errno with the message. A question (GETCHAIN),
 * not a batch: a NETLINK_NETFILTER socket that committed a batch waits
 * at its close for the kernel to release the transaction (the NETLINK_
 * URELEASE handler flushes nf_tables' destroy work, an RCU grace period:
 * 8-16 ms on this machine), so a device with nothing to delete is asked
 * first instead of being given an "add and delete" batch.
 */
int xhp_nft_dev_present(xhp_ctx *ctx, struct xhp_nft *nft, const char *ifname);

/* In one batch: delete the chain of @ifname and its rules; no chain is
 * not an error (and sends no batch: xhp_nft_dev_present() first). */
int xhp_nft_dev_remove(xhp_ctx *ctx, struct xhp_nft *nft, const char *ifname);

#endif /* XHP_NFT_H */
