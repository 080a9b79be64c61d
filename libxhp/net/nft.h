/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nf_tables over netlink with libmnl and the kernel's uapi headers (no
 * libnftnl/libnftables: they are GPL). A device's chain is a base chain
 * on its ingress hook ("dev-<ifname>", bound to the device by name), in
 * one of XHP_NFT_SHARDS tables, "netdev xhp-00" .. "xhp-7f", chosen by a
 * hash of the name (xhp_nft_shard: stable, it is where installed chains
 * are found). Each change is ONE batch (NFNL_MSG_BATCH_BEGIN .. END),
 * applied by the kernel as a whole or not at all.
 *
 * Why shards, not one table for all nor one per device (bench_policy,
 * install+remove of a full policy with 10 / 1000 other devices present):
 * - a commit that adds rules with a verdict makes the kernel validate the
 *   whole table they are in (nft_table_validate: every base chain and
 *   every rule it reaches), so in ONE table the cost grows with every
 *   rule of every device: 0.45 / 2.5-6.5 ms;
 * - every message of a batch looks its table up by name in a walk of the
 *   namespace's list of tables (nft_table_lookup), so with a table PER
 *   DEVICE it grows with the tables instead, about 25 ns per table and
 *   message, 38 messages: 0.34 / 1.4 ms;
 * - with 128 shards both stay small: a commit validates about N/128
 *   devices' rules and a lookup walks at most 128 tables.
 * What remains is the commit's walk of every chain of the namespace, and
 * the kernel's work per message: so a device's chain holds only the rules
 * that name its addresses, and jumps to a regular chain of its shard's
 * table that holds the rules every device has alike (nft_policy.h).
 *
 * The base chain's comment (nft's user data) is "xhp policy <hex>", the
 * fingerprint of the policy its chains hold: a re-run and `status` read
 * it with one GETCHAIN by name. The shard tables are made when needed
 * and never deleted (empty, they cost nothing; deleting one would race
 * with another device's add).
 */
#ifndef XHP_NFT_H
#define XHP_NFT_H

#include <stdbool.h>
#include <stdint.h>

#include "nl.h"

/* The tables: "xhp-" and the shard's number, 2 hex digits. */
#define XHP_NFT_TABLE_PREFIX "xhp-"
#define XHP_NFT_SHARDS 128
#define XHP_NFT_TABLE_NAME_MAX 32
#define XHP_NFT_CHAIN_PREFIX "dev-"
/* The base chain's comment: this prefix and the policy's fingerprint. */
#define XHP_NFT_FP_PREFIX "xhp policy "
#define XHP_NFT_FP_MAX 48
/* Ingress priority of the device chains (that of nft's "filter"). */
#define XHP_NFT_PRIO 0
/* Room one message of the builders below may take (the largest is a
 * rule of the guest policy checking a source against 8 addresses and 16
 * prefixes: about 3.5 KiB), the messages a batch takes, and its bytes. */
#define XHP_NFT_MSG_MAX 4096
#define XHP_NFT_BATCH_MSGS 320
#define XHP_NFT_BATCH_BYTES (XHP_NFT_BATCH_MSGS * 1024)
/* The regular chain of each shard's table that devices' chains jump to:
 * this prefix and the fingerprint of its rules (nft_policy.h). */
#define XHP_NFT_SHARED_PREFIX "shared-"

#define XHP_NFT_CHAIN_NAME_MAX 32

struct xhp_nft {
	struct xhp_nl *nl; /* NETLINK_NETFILTER; nl->buf receives */
	size_t len; /* bytes of the batch in out */
	unsigned int begin_seq; /* of NFNL_MSG_BATCH_BEGIN */
	unsigned int n; /* messages after BEGIN (END not counted) */
	struct nlmsghdr *last; /* the last of them */
	uint16_t type[XHP_NFT_BATCH_MSGS]; /* NFT_MSG_* of each, to name it */
	/* The shards whose table is known to hold the regular chain named
	 * @shared (made or found by this socket): bit per shard. */
	char shared[XHP_NFT_CHAIN_NAME_MAX];
	uint8_t shared_ok[XHP_NFT_SHARDS / 8];
	char out[XHP_NFT_BATCH_BYTES] __attribute__((aligned(8)));
};

/* The shard of @ifname's chains (FNV-1a of the name, modulo
 * XHP_NFT_SHARDS), and its table's name, "xhp-2a". */
unsigned int xhp_nft_shard(const char *ifname);
/* Returns @buf. */
const char *xhp_nft_table_name(char buf[XHP_NFT_TABLE_NAME_MAX],
			       const char *ifname);
/* The name of the device's chain, "dev-<ifname>". Returns @buf. */
const char *xhp_nft_chain_name(char buf[XHP_NFT_CHAIN_NAME_MAX],
			       const char *ifname);

/* Open the NETLINK_NETFILTER socket (extended acks on). */
int xhp_nft_open(xhp_ctx *ctx, struct xhp_nft **ret);
struct xhp_nft *xhp_nft_close(struct xhp_nft *nft);

/*
 * The context's socket, opened on first use and kept until the context
 * is freed (borrowed: never close it). A NETLINK_NETFILTER socket that
 * committed a batch waits at its close for nf_tables to release the
 * transaction (an RCU grace period, 8-16 ms here), so a daemon's worker
 * or a toolstack's loop pays that once, not per run. A socket belongs to
 * the network namespace it was opened in: when the calling thread is in
 * another one now, a new socket is opened (the namespace is compared by
 * /proc/thread-self/ns/net, one stat). 0 or -errno with the message.
 */
int xhp_nft_get(xhp_ctx *ctx, struct xhp_nft **ret);

/*
 * Message builders: each writes one nf_tables message (family netdev) at
 * @buf (XHP_NFT_MSG_MAX bytes, aligned) and returns it; seq is left 0.
 * @ifname must be a valid interface name (xhp_ifname_valid).
 */
/* NFT_MSG_NEWTABLE of @ifname's shard with @flags (NLM_F_CREATE: kept if
 * present); another type: the name only. */
struct nlmsghdr *xhp_nft_put_table(void *buf, uint16_t type, uint16_t flags,
				   const char *ifname);
/* The table name attribute @attr of @ifname's shard. */
void xhp_nft_put_table_attr(struct nlmsghdr *nlh, uint16_t attr,
			    const char *ifname);
/* nft's comment as user data attribute @attr (NFTA_CHAIN_USERDATA): TLV
 * type 0, its length, the string with its NUL. */
void xhp_nft_put_comment(struct nlmsghdr *nlh, uint16_t attr,
			 const char *comment);
/* NFT_MSG_NEWCHAIN "dev-<ifname>": a filter base chain on the ingress
 * hook of @ifname, policy accept. NFT_MSG_DELCHAIN: the name only. */
struct nlmsghdr *xhp_nft_put_chain(void *buf, uint16_t type, uint16_t flags,
				   const char *ifname);
/* NFT_MSG_DELRULE of every rule of the chain (no handle: a flush). */
struct nlmsghdr *xhp_nft_put_flush(void *buf, const char *ifname);
/* NFT_MSG_NEWCHAIN / DELCHAIN / GETCHAIN of the regular (hookless) chain
 * @name in @ifname's shard. */
struct nlmsghdr *xhp_nft_put_regular_chain(void *buf, uint16_t type,
					   uint16_t flags, const char *ifname,
					   const char *name);
/* The header of an nf_tables message of family netdev (seq 0). */
struct nlmsghdr *xhp_nft_put_msg(void *buf, uint16_t type, uint16_t flags);
/* The chain name attribute @attr of @ifname's chain. */
void xhp_nft_put_chain_name(struct nlmsghdr *nlh, uint16_t attr,
			    const char *ifname);
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
/* Add the message built at xhp_nft_batch_room(): gives it its seq (the
 * last one gets NLM_F_ACK at the commit). */
void xhp_nft_batch_add(struct xhp_nft *nft, struct nlmsghdr *nlh);
/*
 * Close the batch (NFNL_MSG_BATCH_END), send it and read the kernel's
 * answer to every message within the context's deadline. Returns 0 or the
 * negative errno of the first message that failed (-ETIMEDOUT, -ENOSPC if
 * the batch was too big), with a message on @ctx naming that message and
 * carrying the kernel's extended ack.
 */
int xhp_nft_batch_commit(xhp_ctx *ctx, struct xhp_nft *nft);

/* Into the batch: the shard's table made sure of, the chain of @ifname
 * (and its rules) deleted, whether or not there was one. 0 or -ENOSPC. */
int xhp_nft_put_dev_gone(struct xhp_nft *nft, const char *ifname);
/* Into the batch: the shard's table of @ifname made sure of. 0, -ENOSPC. */
int xhp_nft_put_shard(struct xhp_nft *nft, const char *ifname);

/* -EINVAL (message) unless @ifname is a valid interface name. */
int xhp_nft_check_ifname(xhp_ctx *ctx, const char *ifname);

/*
 * In one batch: delete the chains of @ifname if there are any (with
 * their rules), and add its base chain anew with the rule that drops
 * frames whose source MAC is not @mac. Another device's chains are not
 * touched.
 */
int xhp_nft_dev_replace(xhp_ctx *ctx, struct xhp_nft *nft, const char *ifname,
			const uint8_t mac[6]);
/* What a device's base chain says, as GETCHAIN answers. */
struct xhp_nft_dev_state {
	bool present; /* the base chain dev-<ifname> is there */
	char fp[XHP_NFT_FP_MAX]; /* its comment's fingerprint, "": none */
};

/*
 * Parse a GETCHAIN answer (NFT_MSG_NEWCHAIN) into @ret (not present when
 * the message is no chain). 0, or -EINVAL when malformed. The
 * fingerprint is taken only from a comment "xhp policy <hex>" that nft's
 * user data layout (type 0, length, NUL-terminated) holds.
 */
int xhp_nft_chain_parse(const struct nlmsghdr *nlh,
			struct xhp_nft_dev_state *ret);

/*
 * The device's base chain, asked by name (GETCHAIN): *ret says whether
 * it is there and its fingerprint. 0 (also when there is none, or no
 * table), or -errno with the message. A question, not a batch: a
 * NETLINK_NETFILTER socket that committed a batch waits at its close for
 * the kernel to release the transaction (the NETLINK_URELEASE handler
 * flushes nf_tables' destroy work, an RCU grace period: 8-16 ms on this
 * machine), so a device with nothing to delete is asked first instead
 * of being given an "add and delete" batch.
 */
int xhp_nft_dev_state(xhp_ctx *ctx, struct xhp_nft *nft, const char *ifname,
		      struct xhp_nft_dev_state *ret);

/* Whether the device's base chain is there: 1, 0, or -errno with the
 * message (xhp_nft_dev_state()). */
int xhp_nft_dev_present(xhp_ctx *ctx, struct xhp_nft *nft, const char *ifname);

/* In one batch: delete the chain of @ifname and its rules; none is not
 * an error (and sends no batch: xhp_nft_dev_present() first). */
int xhp_nft_dev_remove(xhp_ctx *ctx, struct xhp_nft *nft, const char *ifname);

/*
 * Whether @ifname's shard table holds the regular chain @name: 1 (also
 * when this socket made or found it before: nothing is asked), 0 (asked:
 * there is none), or -errno with the message. xhp_nft_shared_known()
 * records that it is there (after a batch made it), and _forget() that
 * it may not be (a batch that jumps to it failed: someone deleted the
 * table, as "nft flush ruleset" does).
 */
int xhp_nft_shared_present(xhp_ctx *ctx, struct xhp_nft *nft,
			   const char *ifname, const char *name);
void xhp_nft_shared_known(struct xhp_nft *nft, const char *ifname,
			  const char *name, bool there);

#endif /* XHP_NFT_H */
