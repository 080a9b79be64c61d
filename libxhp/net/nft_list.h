/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The devices' chains of xhp on the whole host, as one GETCHAIN dump of
 * family netdev lists them: for the leftovers scan (a whole-host walk),
 * never for a run of one device (nft.h asks by name).
 *
 * A device's chain is a chain named "dev-<ifname>" (XHP_NFT_CHAIN_PREFIX
 * and a valid interface name: no '/') in the shard table of <ifname>
 * (xhp_nft_table_name). Every other chain of the shard tables (the
 * regular chains "dev-<ifname>/arp" ..., shared chains, a chain someone
 * put in a table that is not its shard's) and every other table is
 * skipped.
 */
#ifndef XHP_NFT_LIST_H
#define XHP_NFT_LIST_H

#include <net/if.h>
#include <stddef.h>

#include "nft.h"

struct xhp_nft_dev_chain {
	char table[XHP_NFT_TABLE_NAME_MAX]; /* "xhp-2a" */
	char ifname[IFNAMSIZ]; /* the device the chain is named after */
	char fp[XHP_NFT_FP_MAX]; /* its comment's fingerprint, "": none */
};

/*
 * One message of the dump: 1 with *ret when it is a device's chain
 * (see the top), 0 when it is another message (the dump's end, another
 * family) or another chain, -EINVAL when a NEWCHAIN is malformed (no
 * nfgenmsg, bad attributes). *ret is written only when 1 is returned.
 */
int xhp_nft_dev_chain_parse(const struct nlmsghdr *nlh,
			    struct xhp_nft_dev_chain *ret);

/*
 * Every device's chain of the namespace, in one dump (again, up to 3
 * times, when the ruleset changed during it: NLM_F_DUMP_INTR). Returns
 * the number of chains (*ret: caller owns, free(); NULL when none), or
 * -errno with the message on @ctx.
 */
int xhp_nft_dev_chains(xhp_ctx *ctx, struct xhp_nft *nft,
		       struct xhp_nft_dev_chain **ret);

#endif /* XHP_NFT_LIST_H */
