// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A guest's policy as nf_tables messages (nft_policy.h): the layouts of
 * the kernel's nft_meta, nft_cmp, nft_payload, nft_exthdr, nft_bitwise,
 * nft_lookup, nft_limit, nft_counter and nft_immediate, of an anonymous
 * set and its elements, made from the plan (nft_plan.h).
 */
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "nft_plan.h"
#include "util.h"

/* --- messages --- */

static void put_data(struct nlmsghdr *nlh, uint16_t attr, const void *v,
		     size_t len)
{
	struct nlattr *n = mnl_attr_nest_start(nlh, attr);

	mnl_attr_put(nlh, NFTA_DATA_VALUE, len, v);
	mnl_attr_nest_end(nlh, n);
}

static void e_meta(struct nlmsghdr *nlh, uint32_t key)
{
	struct nlattr *e, *d;

	e = xhp_nft_expr_start(nlh, "meta", &d);
	mnl_attr_put_u32(nlh, NFTA_META_DREG, htonl(NFT_REG_1));
	mnl_attr_put_u32(nlh, NFTA_META_KEY, htonl(key));
	xhp_nft_expr_end(nlh, e, d);
}

static void e_cmp_reg(struct nlmsghdr *nlh, uint32_t reg, bool neq,
		      const void *v, size_t len)
{
	struct nlattr *e, *d;

	e = xhp_nft_expr_start(nlh, "cmp", &d);
	mnl_attr_put_u32(nlh, NFTA_CMP_SREG, htonl(reg));
	mnl_attr_put_u32(nlh, NFTA_CMP_OP,
			 htonl(neq ? NFT_CMP_NEQ : NFT_CMP_EQ));
	put_data(nlh, NFTA_CMP_DATA, v, len);
	xhp_nft_expr_end(nlh, e, d);
}

static void e_cmp(struct nlmsghdr *nlh, bool neq, const void *v, size_t len)
{
	e_cmp_reg(nlh, NFT_REG_1, neq, v, len);
}

static void e_payload(struct nlmsghdr *nlh, int field)
{
	struct nlattr *e, *d;

	e = xhp_nft_expr_start(nlh, "payload", &d);
	mnl_attr_put_u32(nlh, NFTA_PAYLOAD_DREG, htonl(NFT_REG_1));
	mnl_attr_put_u32(nlh, NFTA_PAYLOAD_BASE,
			 htonl(xhp_nft_fields[field].base));
	mnl_attr_put_u32(nlh, NFTA_PAYLOAD_OFFSET,
			 htonl(xhp_nft_fields[field].off));
	mnl_attr_put_u32(nlh, NFTA_PAYLOAD_LEN,
			 htonl(xhp_nft_fields[field].len));
	xhp_nft_expr_end(nlh, e, d);
}

/* @dreg = reg1 & mask (nft_bitwise: (reg & mask) ^ xor). */
static void e_mask(struct nlmsghdr *nlh, uint32_t dreg, const uint8_t *mask,
		   size_t len)
{
	static const uint8_t zero[16];
	struct nlattr *e, *d;

	e = xhp_nft_expr_start(nlh, "bitwise", &d);
	mnl_attr_put_u32(nlh, NFTA_BITWISE_SREG, htonl(NFT_REG_1));
	mnl_attr_put_u32(nlh, NFTA_BITWISE_DREG, htonl(dreg));
	mnl_attr_put_u32(nlh, NFTA_BITWISE_LEN, htonl((uint32_t)len));
	put_data(nlh, NFTA_BITWISE_MASK, mask, len);
	put_data(nlh, NFTA_BITWISE_XOR, zero, len);
	xhp_nft_expr_end(nlh, e, d);
}

/* reg1 = 1 if the IPv6 header chain has a header of @type, else 0 (nft's
 * "exthdr frag exists": the kernel's ipv6_find_hdr() looks for it) */
static void e_exthdr_present(struct nlmsghdr *nlh, uint8_t type)
{
	struct nlattr *e, *d;

	e = xhp_nft_expr_start(nlh, "exthdr", &d);
	mnl_attr_put_u32(nlh, NFTA_EXTHDR_DREG, htonl(NFT_REG_1));
	mnl_attr_put_u8(nlh, NFTA_EXTHDR_TYPE, type);
	mnl_attr_put_u32(nlh, NFTA_EXTHDR_OFFSET, htonl(0));
	mnl_attr_put_u32(nlh, NFTA_EXTHDR_LEN, htonl(1));
	mnl_attr_put_u32(nlh, NFTA_EXTHDR_FLAGS, htonl(NFT_EXTHDR_F_PRESENT));
	mnl_attr_put_u32(nlh, NFTA_EXTHDR_OP, htonl(NFT_EXTHDR_OP_IPV6));
	xhp_nft_expr_end(nlh, e, d);
}

static void e_match(struct nlmsghdr *nlh, const struct match *m)
{
	size_t len = xhp_nft_fields[m->field].len, i;
	uint8_t mask[16], val[16];

	if (m->field == F_FRAG_EXISTS) {
		e_exthdr_present(nlh, 44);
		e_cmp(nlh, m->neq, m->val, 1);
		return;
	}
	if (m->field == F_PROTO || m->field == F_L4PROTO) {
		e_meta(nlh, m->field == F_PROTO ? NFT_META_PROTOCOL :
						  NFT_META_L4PROTO);
		e_cmp(nlh, m->neq, m->val, len);
		return;
	}
	if (m->field == F_ETH_SRC || m->field == F_ETH_DST) {
		/* offsets 0 and 6 are the MACs only on Ethernet */
		uint16_t ether = ARPHRD_ETHER; /* host order, as dev->type */

		e_meta(nlh, NFT_META_IIFTYPE);
		e_cmp(nlh, false, &ether, sizeof(ether));
	}
	e_payload(nlh, m->field);
	memcpy(val, m->val, len);
	if (m->prefix >= 0 && (size_t)m->prefix < len * 8) {
		xhp_nft_prefix_mask(mask, len, m->prefix);
		for (i = 0; i < len; i++)
			val[i] &= mask[i];
		e_mask(nlh, NFT_REG_1, mask, len);
	}
	e_cmp(nlh, m->neq, val, len);
}

/* The exact addresses of @l (a set when more than LIST_CMPS). */
static size_t exact_count(const struct list *l)
{
	size_t i, n = 0;

	for (i = 0; i < l->n; i++)
		n += !xhp_nft_ip_is_prefix(&l->ip[i]);
	return n;
}

/* The anonymous set of a rule: nft's name, the kernel numbers it. */
#define ANON_SET "__set%d"

/* nft's data types of the set's key, for nft to print it */
#define NFT_TYPE_IPADDR 7
#define NFT_TYPE_IP6ADDR 8

/* The field (reg1) is none of @l's addresses: the exact ones compared
 * one by one, or looked up in set @set_id (not found: a match), the
 * prefixes masked into reg2 and compared. */
static void e_not_in(struct nlmsghdr *nlh, int field, const struct list *l,
		     uint32_t set_id)
{
	size_t len = xhp_nft_fields[field].len, i, j;
	uint8_t mask[16], val[16];
	struct nlattr *e, *d;

	if (!l->n)
		return;
	e_payload(nlh, field);
	if (set_id) {
		e = xhp_nft_expr_start(nlh, "lookup", &d);
		mnl_attr_put_strz(nlh, NFTA_LOOKUP_SET, ANON_SET);
		mnl_attr_put_u32(nlh, NFTA_LOOKUP_SET_ID, htonl(set_id));
		mnl_attr_put_u32(nlh, NFTA_LOOKUP_SREG, htonl(NFT_REG_1));
		mnl_attr_put_u32(nlh, NFTA_LOOKUP_FLAGS,
				 htonl(NFT_LOOKUP_F_INV));
		xhp_nft_expr_end(nlh, e, d);
	}
	for (i = 0; i < l->n; i++) {
		const struct xhp_ip *ip = &l->ip[i];

		if (!xhp_nft_ip_is_prefix(ip)) {
			if (!set_id)
				e_cmp(nlh, true, ip->addr, len);
			continue;
		}
		xhp_nft_prefix_mask(mask, len, ip->prefix);
		for (j = 0; j < len; j++)
			val[j] = ip->addr[j] & mask[j];
		e_mask(nlh, NFT_REG_2, mask, len);
		e_cmp_reg(nlh, NFT_REG_2, true, val, len);
	}
}

/* NFT_MSG_NEWSET: the anonymous, constant set @id of @len-byte keys. */
static struct nlmsghdr *put_set(void *buf, const char *ifname, uint32_t id,
				size_t len)
{
	struct nlmsghdr *nlh =
		xhp_nft_put_msg(buf, NFT_MSG_NEWSET, NLM_F_CREATE | NLM_F_EXCL);

	xhp_nft_put_table_attr(nlh, NFTA_SET_TABLE, ifname);
	mnl_attr_put_strz(nlh, NFTA_SET_NAME, ANON_SET);
	mnl_attr_put_u32(nlh, NFTA_SET_FLAGS,
			 htonl(NFT_SET_ANONYMOUS | NFT_SET_CONSTANT));
	mnl_attr_put_u32(nlh, NFTA_SET_KEY_TYPE,
			 htonl(len == 4 ? NFT_TYPE_IPADDR : NFT_TYPE_IP6ADDR));
	mnl_attr_put_u32(nlh, NFTA_SET_KEY_LEN, htonl((uint32_t)len));
	mnl_attr_put_u32(nlh, NFTA_SET_ID, htonl(id));
	return nlh;
}

/* NFT_MSG_NEWSETELEM: the exact addresses of @l into set @id. */
static struct nlmsghdr *put_elems(void *buf, const char *ifname, uint32_t id,
				  const struct list *l, size_t len)
{
	struct nlmsghdr *nlh =
		xhp_nft_put_msg(buf, NFT_MSG_NEWSETELEM, NLM_F_CREATE);
	struct nlattr *list, *el, *key;
	size_t i;

	xhp_nft_put_table_attr(nlh, NFTA_SET_ELEM_LIST_TABLE, ifname);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, ANON_SET);
	mnl_attr_put_u32(nlh, NFTA_SET_ELEM_LIST_SET_ID, htonl(id));
	list = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
	for (i = 0; i < l->n; i++) {
		if (xhp_nft_ip_is_prefix(&l->ip[i]))
			continue;
		el = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
		key = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_KEY);
		mnl_attr_put(nlh, NFTA_DATA_VALUE, len, l->ip[i].addr);
		mnl_attr_nest_end(nlh, key);
		mnl_attr_nest_end(nlh, el);
	}
	mnl_attr_nest_end(nlh, list);
	return nlh;
}

static void e_limit(struct nlmsghdr *nlh, uint64_t rate)
{
	struct nlattr *e, *d;

	e = xhp_nft_expr_start(nlh, "limit", &d);
	mnl_attr_put_u64(nlh, NFTA_LIMIT_RATE, htobe64(rate));
	mnl_attr_put_u64(nlh, NFTA_LIMIT_UNIT, htobe64(1));
	mnl_attr_put_u32(nlh, NFTA_LIMIT_BURST, htonl(0));
	mnl_attr_put_u32(nlh, NFTA_LIMIT_TYPE, htonl(NFT_LIMIT_PKT_BYTES));
	mnl_attr_put_u32(nlh, NFTA_LIMIT_FLAGS, htonl(NFT_LIMIT_F_INV));
	xhp_nft_expr_end(nlh, e, d);
}

static void e_counter(struct nlmsghdr *nlh)
{
	struct nlattr *e, *d;

	e = xhp_nft_expr_start(nlh, "counter", &d);
	mnl_attr_put_u64(nlh, NFTA_COUNTER_BYTES, 0);
	mnl_attr_put_u64(nlh, NFTA_COUNTER_PACKETS, 0);
	xhp_nft_expr_end(nlh, e, d);
}

static void e_verdict(struct nlmsghdr *nlh, int code, const char *chain)
{
	struct nlattr *e, *d, *n1, *n2;

	e = xhp_nft_expr_start(nlh, "immediate", &d);
	mnl_attr_put_u32(nlh, NFTA_IMMEDIATE_DREG, htonl(NFT_REG_VERDICT));
	n1 = mnl_attr_nest_start(nlh, NFTA_IMMEDIATE_DATA);
	n2 = mnl_attr_nest_start(nlh, NFTA_DATA_VERDICT);
	mnl_attr_put_u32(nlh, NFTA_VERDICT_CODE, htonl((uint32_t)code));
	if (code == NFT_JUMP)
		mnl_attr_put_strz(nlh, NFTA_VERDICT_CHAIN, chain);
	mnl_attr_nest_end(nlh, n2);
	mnl_attr_nest_end(nlh, n1);
	xhp_nft_expr_end(nlh, e, d);
}

/* nft's rule comment: user data TLV type 0 (a NUL-terminated string). */
static void put_comment(struct nlmsghdr *nlh, const char *comment)
{
	uint8_t ud[2 + 96];
	size_t n = strlen(comment) + 1;

	if (n > sizeof(ud) - 2)
		n = sizeof(ud) - 2;
	ud[0] = 0; /* NFTNL_UDATA_RULE_COMMENT */
	ud[1] = (uint8_t)n;
	memcpy(ud + 2, comment, n);
	ud[1 + n] = '\0';
	mnl_attr_put(nlh, NFTA_RULE_USERDATA, 2 + n, ud);
}

/* @set_id: of the anonymous set of the rule's list, 0: none. */
static struct nlmsghdr *put_rule(void *buf, const char *ifname,
				 const struct plan *pl, const struct rule *r,
				 uint32_t set_id)
{
	struct nlmsghdr *nlh = xhp_nft_put_msg(buf, NFT_MSG_NEWRULE,
					       NLM_F_CREATE | NLM_F_APPEND);
	struct nlattr *list;
	size_t i;

	xhp_nft_put_table_attr(nlh, NFTA_RULE_TABLE, ifname);
	if (r->chain == CH_SHARED)
		mnl_attr_put_strz(nlh, NFTA_RULE_CHAIN, pl->shared_name);
	else
		xhp_nft_put_chain_name(nlh, NFTA_RULE_CHAIN, ifname);
	list = mnl_attr_nest_start(nlh, NFTA_RULE_EXPRESSIONS);
	if (r->proto) {
		uint16_t be = htons(r->proto);

		e_meta(nlh, NFT_META_PROTOCOL);
		e_cmp(nlh, false, &be, sizeof(be));
	}
	if (r->l4) {
		e_meta(nlh, NFT_META_L4PROTO);
		e_cmp(nlh, false, &r->l4, 1);
	}
	for (i = 0; i < ARRAY_SIZE(r->m); i++)
		if (r->m[i].field)
			e_match(nlh, &r->m[i]);
	if (r->not_in_field)
		e_not_in(nlh, r->not_in_field, &pl->l[r->not_in], set_id);
	if (r->rate)
		e_limit(nlh, r->rate);
	if (r->comment)
		e_counter(nlh);
	e_verdict(nlh, r->verdict, pl->shared_name);
	mnl_attr_nest_end(nlh, list);
	if (r->comment)
		put_comment(nlh, r->comment);
	return nlh;
}

static int check_ips(xhp_ctx *ctx, const char *ifname,
		     const struct xhp_nft_policy *p)
{
	size_t n4, n6;

	if (!xhp_nft_plan_too_many(p, &n4, &n6))
		return 0;
	if (n4 || n6)
		return xhp_err(
			ctx, EINVAL,
			"cannot enforce the addresses of %s: ip has %zu %s prefixes, anti-spoofing takes at most %d",
			ifname, n4 ? n4 : n6, n4 ? "IPv4" : "IPv6",
			LIST_PREFIXES);
	return xhp_err(
		ctx, EINVAL,
		"cannot enforce the addresses of %s: ip has %zu addresses, anti-spoofing takes at most %d",
		ifname, p->n_ips, XHP_NFT_POLICY_IPS_MAX);
}

#define PUT(nft, m, put)                                                      \
	(((m) = xhp_nft_batch_room(nft)) ? (xhp_nft_batch_add(nft, put), 0) : \
					   -ENOSPC)

/* Into the batch: @pl's rules of @chain (with the sets they use). */
static int put_rules(struct xhp_nft *nft, const char *ifname,
		     const struct plan *pl, int chain)
{
	size_t i;
	void *m;
	int r = 0;

	for (i = 0; r >= 0 && i < pl->n; i++) {
		const struct rule *ru = &pl->r[i];
		uint32_t id = 0;

		if (ru->chain != chain)
			continue;
		if (ru->not_in_field &&
		    exact_count(&pl->l[ru->not_in]) > LIST_CMPS) {
			size_t len = xhp_nft_fields[ru->not_in_field].len;

			id = (uint32_t)i + 1;
			r = PUT(nft, m, put_set(m, ifname, id, len));
			if (r >= 0)
				r = PUT(nft, m,
					put_elems(m, ifname, id,
						  &pl->l[ru->not_in], len));
		}
		if (r >= 0)
			r = PUT(nft, m, put_rule(m, ifname, pl, ru, id));
	}
	return r;
}

/* Into the batch: the shared chain @pl names, and its rules. */
static int put_shared(struct xhp_nft *nft, const char *ifname, struct plan *pl)
{
	void *m;
	int r;

	xhp_nft_plan_shared(pl);
	r = PUT(nft, m,
		xhp_nft_put_regular_chain(m, NFT_MSG_NEWCHAIN,
					  NLM_F_CREATE | NLM_F_EXCL, ifname,
					  pl->shared_name));
	if (r >= 0)
		r = put_rules(nft, ifname, pl, CH_SHARED);
	return r;
}

/* @had: the device has a chain (1), none (0: only the shard's table is
 * made sure of), or not known (-1). @shared: the shared chain is made. */
static int policy_put(struct xhp_nft *nft, const char *ifname,
		      const struct xhp_nft_policy *p, int had, bool shared)
{
	char fp[XHP_NFT_FP_MAX], comment[XHP_NFT_FP_MAX + 16];
	struct nlmsghdr *nlh;
	struct plan *pl;
	void *m;
	int r;

	pl = malloc(sizeof(*pl));
	if (!pl)
		return -ENOMEM;
	if (had < 0)
		r = xhp_nft_put_dev_gone(nft, ifname);
	else if (had) {
		r = PUT(nft, m, xhp_nft_put_flush(m, ifname));
		if (r >= 0)
			r = PUT(nft, m,
				xhp_nft_put_chain(m, NFT_MSG_DELCHAIN, 0,
						  ifname));
	} else
		r = xhp_nft_put_shard(nft, ifname);
	if (r >= 0 && shared)
		r = put_shared(nft, ifname, pl);
	xhp_nft_plan_make(p, pl);
	xhp_nft_plan_fingerprint(pl, fp);
	snprintf(comment, sizeof(comment), "%s%s", XHP_NFT_FP_PREFIX, fp);
	if (r >= 0 && pl->n) {
		m = xhp_nft_batch_room(nft);
		if (!m)
			r = -ENOSPC;
	}
	if (r >= 0 && pl->n) {
		nlh = xhp_nft_put_chain(m, NFT_MSG_NEWCHAIN,
					NLM_F_CREATE | NLM_F_EXCL, ifname);
		/* the fingerprint of what the chain holds */
		xhp_nft_put_comment(nlh, NFTA_CHAIN_USERDATA, comment);
		xhp_nft_batch_add(nft, nlh);
		r = put_rules(nft, ifname, pl, CH_DEV);
	}
	free(pl);
	return r;
}

int xhp_nft_policy_put(struct xhp_nft *nft, const char *ifname,
		       const struct xhp_nft_policy *p)
{
	return policy_put(nft, ifname, p, -1, p->antispoof);
}

int xhp_nft_dev_apply(xhp_ctx *ctx, struct xhp_nft *nft, const char *ifname,
		      const struct xhp_nft_policy *p)
{
	int r;

	r = xhp_nft_check_ifname(ctx, ifname);
	if (r >= 0)
		r = xhp_nft_dev_present(ctx, nft, ifname);
	return r < 0 ? r : xhp_nft_dev_apply_known(ctx, nft, ifname, p, r);
}

static int apply(xhp_ctx *ctx, struct xhp_nft *nft, const char *ifname,
		 const struct xhp_nft_policy *p, bool had, bool shared)
{
	int r;

	xhp_nft_batch_begin(nft);
	r = policy_put(nft, ifname, p, had, shared);
	if (r == -ENOMEM)
		return xhp_err(ctx, ENOMEM, "out of memory");
	if (r < 0)
		return xhp_err(ctx, -r, "nf_tables batch too big");
	return xhp_nft_batch_commit(ctx, nft);
}

int xhp_nft_dev_apply_known(xhp_ctx *ctx, struct xhp_nft *nft,
			    const char *ifname, const struct xhp_nft_policy *p,
			    bool had)
{
	const char *name = xhp_nft_shared_name();
	int r, there = 1;

	r = xhp_nft_check_ifname(ctx, ifname);
	if (r >= 0)
		r = check_ips(ctx, ifname, p);
	if (r < 0)
		return r;
	/* No rules to install: only whatever the name had goes, if any. */
	if (xhp_nft_policy_empty(p))
		return had ? xhp_nft_dev_remove(ctx, nft, ifname) : 0;
	if (p->antispoof) {
		there = xhp_nft_shared_present(ctx, nft, ifname, name);
		if (there < 0)
			return there;
	}
	r = apply(ctx, nft, ifname, p, had, !there);
	if (r >= 0) {
		if (p->antispoof)
			xhp_nft_shared_known(nft, ifname, name, true);
		return 0;
	}
	if (r != -EEXIST && r != -ENOENT)
		return r;
	/*
	 * Another run changed the table meanwhile: made the shared chain
	 * (EEXIST) or deleted the device's (ENOENT), or the shared chain is
	 * gone though this socket saw it (ENOENT: its table deleted, as "nft
	 * flush ruleset" does). Asked again, and once more.
	 */
	xhp_clear_error(ctx);
	if (p->antispoof) {
		xhp_nft_shared_known(nft, ifname, name, false);
		there = xhp_nft_shared_present(ctx, nft, ifname, name);
		if (there < 0)
			return there;
	}
	r = xhp_nft_dev_present(ctx, nft, ifname);
	if (r < 0)
		return r;
	r = apply(ctx, nft, ifname, p, r, !there);
	if (r >= 0 && p->antispoof)
		xhp_nft_shared_known(nft, ifname, name, true);
	return r;
}
