// SPDX-License-Identifier: LGPL-2.1-or-later
/* The devices' chains of xhp, listed by one GETCHAIN dump (nft_list.h). */
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdio.h>
#include <string.h>

#include "nft_list.h"
#include "util.h"

#define DUMP_TRIES 3

struct names {
	const char *table, *chain;
};

static int attr_cb(const struct nlattr *a, void *data)
{
	struct names *n = data;
	uint16_t type = mnl_attr_get_type(a);

	if (type != NFTA_CHAIN_TABLE && type != NFTA_CHAIN_NAME)
		return MNL_CB_OK;
	if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
		return MNL_CB_ERROR;
	if (type == NFTA_CHAIN_TABLE)
		n->table = mnl_attr_get_str(a);
	else
		n->chain = mnl_attr_get_str(a);
	return MNL_CB_OK;
}

int xhp_nft_dev_chain_parse(const struct nlmsghdr *nlh,
			    struct xhp_nft_dev_chain *ret)
{
	static const char pre[] = XHP_NFT_CHAIN_PREFIX;
	char shard[XHP_NFT_TABLE_NAME_MAX];
	struct xhp_nft_dev_state st;
	struct names n = { 0 };
	const struct nfgenmsg *g;
	const char *ifname;

	if (nlh->nlmsg_type != (NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_NEWCHAIN))
		return 0;
	if (nlh->nlmsg_len <
	    MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct nfgenmsg)))
		return -EINVAL;
	if (mnl_attr_parse(nlh, sizeof(*g), attr_cb, &n) < MNL_CB_STOP)
		return -EINVAL;
	if (!n.table || !n.chain)
		return -EINVAL;
	g = mnl_nlmsg_get_payload(nlh);
	if (g->nfgen_family != NFPROTO_NETDEV ||
	    strncmp(n.chain, pre, sizeof(pre) - 1))
		return 0;
	ifname = n.chain + sizeof(pre) - 1;
	if (!xhp_ifname_valid(ifname) ||
	    strcmp(n.table, xhp_nft_table_name(shard, ifname)))
		return 0;
	if (xhp_nft_chain_parse(nlh, &st) < 0)
		return -EINVAL;
	memcpy(ret->table, shard, sizeof(ret->table));
	snprintf(ret->ifname, sizeof(ret->ifname), "%s", ifname);
	memcpy(ret->fp, st.fp, sizeof(ret->fp));
	return 1;
}

struct list {
	struct xhp_nft_dev_chain *v;
	size_t n, cap;
	bool intr; /* the kernel says the dump was interrupted */
};

static int list_cb(const struct nlmsghdr *nlh, void *data)
{
	struct list *l = data;
	struct xhp_nft_dev_chain c, *nv;
	int r;

	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		l->intr = true;
	r = xhp_nft_dev_chain_parse(nlh, &c);
	if (r < 0) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (r == 0)
		return MNL_CB_OK;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		nv = realloc(l->v, l->cap * sizeof(*nv));
		if (!nv) {
			errno = ENOMEM;
			return MNL_CB_ERROR;
		}
		l->v = nv;
	}
	l->v[l->n++] = c;
	return MNL_CB_OK;
}

int xhp_nft_dev_chains(xhp_ctx *ctx, struct xhp_nft *nft,
		       struct xhp_nft_dev_chain **ret)
{
	struct list l = { 0 };
	struct nlmsghdr *nlh;
	const char *ext;
	int r, tries;

	for (tries = 0; tries < DUMP_TRIES; tries++) {
		l.n = 0;
		l.intr = false;
		nlh = xhp_nft_put_msg(nft->nl->buf, NFT_MSG_GETCHAIN,
				      NLM_F_DUMP);
		nlh->nlmsg_seq = ++nft->nl->seq;
		r = xhp_nl_talk(ctx, nft->nl, nlh, list_cb, &l, &ext);
		if (r == -ENOMEM) {
			free(l.v);
			return xhp_err(ctx, ENOMEM, "out of memory");
		}
		if (r < 0) {
			free(l.v);
			return xhp_nl_fail(ctx, r, ext,
					   "cannot list the nf_tables chains");
		}
		if (!l.intr)
			break;
	}
	if (l.intr) {
		free(l.v);
		return xhp_err(
			ctx, EAGAIN,
			"cannot list the nf_tables chains: the ruleset changed during each of %d dumps",
			DUMP_TRIES);
	}
	if (!l.n) {
		free(l.v);
		l.v = NULL;
	}
	*ret = l.v;
	return (int)l.n;
}
