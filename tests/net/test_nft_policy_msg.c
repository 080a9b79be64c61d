// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * nft_policy.c's batch, without a kernel: every message parsed back with
 * libmnl and checked against the uapi constants of
 * <linux/netfilter/nf_tables.h> (the layouts of nft_limit, nft_bitwise,
 * nft_counter, nft_lookup of an anonymous set, a jump verdict, nft's
 * comment user data), and the order of the batch: the device's chain
 * gone, the shard's shared chain and its rules, the device's chain made
 * anew and its rules.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <endian.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "nft_policy.h"

#define MAXA 32

static int attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(a);

	assert_true(type < MAXA);
	assert_null(tb[type]);
	tb[type] = a;
	return MNL_CB_OK;
}

static void parse_nest(const struct nlattr *nest, const struct nlattr **tb)
{
	memset(tb, 0, MAXA * sizeof(*tb));
	assert_non_null(nest);
	assert_int_equal(mnl_attr_parse_nested(nest, attr_cb, tb), MNL_CB_OK);
}

static void assert_be32(const struct nlattr *a, uint32_t want)
{
	assert_non_null(a);
	assert_int_equal(mnl_attr_validate(a, MNL_TYPE_U32), 0);
	assert_int_equal(ntohl(mnl_attr_get_u32(a)), want);
}

static void assert_be64(const struct nlattr *a, uint64_t want)
{
	assert_non_null(a);
	assert_int_equal(mnl_attr_validate(a, MNL_TYPE_U64), 0);
	assert_int_equal(be64toh(mnl_attr_get_u64(a)), want);
}

static void assert_value(const struct nlattr *nest, const void *v, size_t n)
{
	const struct nlattr *tb[MAXA];

	parse_nest(nest, tb);
	assert_non_null(tb[NFTA_DATA_VALUE]);
	assert_int_equal(mnl_attr_get_payload_len(tb[NFTA_DATA_VALUE]), n);
	assert_memory_equal(mnl_attr_get_payload(tb[NFTA_DATA_VALUE]), v, n);
}

struct msgs {
	const struct nlmsghdr *m[XHP_NFT_BATCH_MSGS];
	int n;
};

static const struct xhp_ip ips[2] = {
	{ .family = AF_INET,
	  .addr = { 10, 0, 0, 5 },
	  .prefix = 24,
	  .has_prefix = true },
	{ .family = AF_INET6, .addr = { 0xfd, 0, [15] = 5 }, .prefix = 128 },
};
static const struct xhp_nft_policy policy = {
	.antispoof = true,
	.mac = { 0x00, 0x16, 0x3e, 0x12, 0x34, 0x56 },
	.ips = ips,
	.n_ips = 2,
	.rate_bytes = 125000,
	.rate_usecs = 50000,
};

static struct xhp_nft *batch(struct xhp_nl *nl, struct msgs *ms)
{
	struct xhp_nft *nft = calloc(1, sizeof(*nft));
	const struct nlmsghdr *h;
	int len;

	assert_non_null(nft);
	nft->nl = nl;
	xhp_nft_batch_begin(nft);
	assert_int_equal(xhp_nft_policy_put(nft, "vif7.0", &policy), 0);
	len = (int)nft->len;
	ms->n = 0;
	for (h = (const struct nlmsghdr *)nft->out; mnl_nlmsg_ok(h, len);
	     h = mnl_nlmsg_next(h, &len))
		ms->m[ms->n++] = h;
	assert_int_equal(ms->n, (int)nft->n + 1); /* with BEGIN */
	return nft;
}

static void parse_rule(const struct nlmsghdr *h, const struct nlattr **tb)
{
	memset(tb, 0, MAXA * sizeof(*tb));
	assert_int_equal(h->nlmsg_type,
			 NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_NEWRULE);
	assert_int_equal(mnl_attr_parse(h, sizeof(struct nfgenmsg), attr_cb,
					tb),
			 MNL_CB_OK);
}

/* The expressions of a rule: names into @names, data into @data. */
static int exprs(const struct nlattr *list, const char *names[16],
		 const struct nlattr *data[16])
{
	const struct nlattr *e, *tb[MAXA];
	int n = 0;

	mnl_attr_for_each_nested(e, list) {
		assert_true(n < 16);
		parse_nest(e, tb);
		names[n] = mnl_attr_get_str(tb[NFTA_EXPR_NAME]);
		data[n++] = tb[NFTA_EXPR_DATA];
	}
	return n;
}

/* The rule whose comment is @comment (nft's user data TLV type 0). */
static const struct nlmsghdr *by_comment(const struct msgs *ms,
					 const char *comment)
{
	const struct nlattr *tb[MAXA];
	const uint8_t *ud;
	int i;

	for (i = 1; i < ms->n; i++) {
		if ((ms->m[i]->nlmsg_type & 0xff) != NFT_MSG_NEWRULE)
			continue;
		parse_rule(ms->m[i], tb);
		if (!tb[NFTA_RULE_USERDATA])
			continue;
		ud = mnl_attr_get_payload(tb[NFTA_RULE_USERDATA]);
		assert_int_equal(ud[0], 0);
		assert_int_equal(
			mnl_attr_get_payload_len(tb[NFTA_RULE_USERDATA]),
			2 + ud[1]);
		assert_int_equal(ud[1 + ud[1]], '\0');
		if (!strcmp((const char *)ud + 2, comment))
			return ms->m[i];
	}
	fail_msg("no rule with comment %s", comment);
	return NULL;
}

static void test_order(void **state)
{
	/* the device's chain gone (made sure of, emptied, deleted), the
	 * shard's shared chain made, its 38 rules, the device's chain
	 * made, its 13 rules */
	static const uint8_t want[] = {
		NFT_MSG_NEWTABLE, NFT_MSG_NEWCHAIN, NFT_MSG_DELRULE,
		NFT_MSG_DELCHAIN, NFT_MSG_NEWCHAIN,
	};
	struct xhp_nl nl = { .seq = 7 };
	char fp[XHP_NFT_FP_MAX];
	struct xhp_nft_dev_state st;
	const struct nlattr *tb[MAXA];
	struct msgs ms;
	struct xhp_nft *nft = batch(&nl, &ms);
	size_t i;
	int dev;

	(void)state;
	assert_int_equal(ms.m[0]->nlmsg_type, NFNL_MSG_BATCH_BEGIN);
	for (i = 0; i < sizeof(want); i++)
		assert_int_equal(ms.m[1 + i]->nlmsg_type & 0xff, want[i]);
	/* the shared chain: a regular chain "shared-<16 hex>", made
	 * exclusively (a device's batch must not add its rules twice) */
	assert_int_equal(ms.m[5]->nlmsg_flags,
			 NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL);
	memset(tb, 0, sizeof(tb));
	assert_int_equal(mnl_attr_parse(ms.m[5], sizeof(struct nfgenmsg),
					attr_cb, tb),
			 MNL_CB_OK);
	assert_null(tb[NFTA_CHAIN_HOOK]);
	assert_int_equal(strlen(mnl_attr_get_str(tb[NFTA_CHAIN_NAME])),
			 strlen(XHP_NFT_SHARED_PREFIX) + 16);
	assert_memory_equal(mnl_attr_get_str(tb[NFTA_CHAIN_NAME]),
			    XHP_NFT_SHARED_PREFIX,
			    strlen(XHP_NFT_SHARED_PREFIX));
	for (i = 6; i < 6 + 38; i++)
		assert_int_equal(ms.m[i]->nlmsg_type & 0xff, NFT_MSG_NEWRULE);
	dev = 6 + 38;
	assert_int_equal(ms.m[dev]->nlmsg_type & 0xff, NFT_MSG_NEWCHAIN);
	assert_int_equal(ms.m[dev]->nlmsg_flags,
			 NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL);
	/* the base chain's comment: the policy's fingerprint */
	assert_int_equal(xhp_nft_chain_parse(ms.m[dev], &st), 0);
	assert_int_equal(xhp_nft_policy_fingerprint(&policy, fp), 1);
	assert_int_equal(strlen(fp), 16);
	assert_string_equal(st.fp, fp);
	/* then only rules, each in XHP_NFT_MSG_MAX: rate, MAC, the jump,
	 * ARP sender MAC, probes, ARP sender IP, IPv4 source, DAD, IPv6
	 * source, NA target, 3 ND options */
	for (i = (size_t)dev + 1; i < (size_t)ms.n; i++) {
		assert_int_equal(ms.m[i]->nlmsg_type & 0xff, NFT_MSG_NEWRULE);
		assert_true(ms.m[i]->nlmsg_len <= XHP_NFT_MSG_MAX);
	}
	assert_int_equal(ms.n - 1 - dev, 13);
	free(nft);
}

/* The fingerprint follows the rules: another address, MAC or rate is
 * another fingerprint; no rules, none. */
static void test_fingerprint(void **state)
{
	char a[XHP_NFT_FP_MAX], b[XHP_NFT_FP_MAX];
	struct xhp_nft_policy p = policy;

	(void)state;
	assert_int_equal(xhp_nft_policy_fingerprint(&policy, a), 1);
	assert_int_equal(xhp_nft_policy_fingerprint(&p, b), 1);
	assert_string_equal(a, b);
	p.n_ips = 1;
	xhp_nft_policy_fingerprint(&p, b);
	assert_string_not_equal(a, b);
	p = policy;
	p.mac[5] ^= 1;
	xhp_nft_policy_fingerprint(&p, b);
	assert_string_not_equal(a, b);
	p = policy;
	p.rate_bytes++;
	xhp_nft_policy_fingerprint(&p, b);
	assert_string_not_equal(a, b);
	/* more addresses than a plan holds: refused, nothing read */
	p.n_ips = XHP_NFT_POLICY_IPS_MAX + 1;
	assert_int_equal(xhp_nft_policy_fingerprint(&p, b), -E2BIG);
	p.antispoof = false;
	assert_int_equal(xhp_nft_policy_fingerprint(&p, b), 1);
	p.rate_bytes = 0;
	assert_int_equal(xhp_nft_policy_fingerprint(&p, b), 0);
	assert_string_equal(b, "");
}

static void test_limit(void **state)
{
	struct xhp_nl nl = { .seq = 7 };
	const struct nlattr *tb[MAXA], *d[MAXA], *data[16];
	const char *names[16];
	struct msgs ms;
	struct xhp_nft *nft = batch(&nl, &ms);

	(void)state;
	parse_rule(by_comment(&ms, "xhp: over the rate"), tb);
	assert_int_equal(exprs(tb[NFTA_RULE_EXPRESSIONS], names, data), 3);
	assert_string_equal(names[0], "limit");
	assert_string_equal(names[1], "counter");
	assert_string_equal(names[2], "immediate");
	parse_nest(data[0], d);
	/* 125000 bytes per 50 ms: 2,500,000 bytes per second */
	assert_be64(d[NFTA_LIMIT_RATE], 2500000);
	assert_be64(d[NFTA_LIMIT_UNIT], 1);
	assert_be32(d[NFTA_LIMIT_BURST], 0);
	assert_be32(d[NFTA_LIMIT_TYPE], NFT_LIMIT_PKT_BYTES);
	assert_be32(d[NFTA_LIMIT_FLAGS], NFT_LIMIT_F_INV);
	parse_nest(data[1], d);
	assert_be64(d[NFTA_COUNTER_BYTES], 0);
	assert_be64(d[NFTA_COUNTER_PACKETS], 0);
	free(nft);
}

/* The expressions of the rule with @comment, into @names and @data. */
static int rule_exprs(const struct msgs *ms, const char *comment,
		      const char *names[16], const struct nlattr *data[16])
{
	const struct nlattr *tb[MAXA];

	parse_rule(by_comment(ms, comment), tb);
	return exprs(tb[NFTA_RULE_EXPRESSIONS], names, data);
}

static void assert_payload(const char *name, const struct nlattr *data,
			   uint32_t base, uint32_t off, uint32_t len)
{
	const struct nlattr *d[MAXA];

	assert_string_equal(name, "payload");
	parse_nest(data, d);
	assert_be32(d[NFTA_PAYLOAD_DREG], NFT_REG_1);
	assert_be32(d[NFTA_PAYLOAD_BASE], base);
	assert_be32(d[NFTA_PAYLOAD_OFFSET], off);
	assert_be32(d[NFTA_PAYLOAD_LEN], len);
}

static void assert_cmp(const char *name, const struct nlattr *data, uint32_t op,
		       const void *v, size_t n)
{
	const struct nlattr *d[MAXA];

	assert_string_equal(name, "cmp");
	parse_nest(data, d);
	assert_be32(d[NFTA_CMP_SREG], NFT_REG_1);
	assert_be32(d[NFTA_CMP_OP], op);
	assert_value(d[NFTA_CMP_DATA], v, n);
}

/* meta @key -> reg 1, cmp eq @v */
static void assert_meta_is(const char *names[], const struct nlattr *data[],
			   uint32_t key, const void *v, size_t n)
{
	const struct nlattr *d[MAXA];

	assert_string_equal(names[0], "meta");
	parse_nest(data[0], d);
	assert_be32(d[NFTA_META_DREG], NFT_REG_1);
	assert_be32(d[NFTA_META_KEY], key);
	assert_cmp(names[1], data[1], NFT_CMP_EQ, v, n);
}

/* The IPv4 source none of 0.0.0.0 and 10.0.0.5/24: payload, cmp neq
 * 0.0.0.0 (reg 1), bitwise into reg 2, cmp neq 10.0.0.0 (reg 2); and the
 * jump to the shared chain made in the same batch. */
static void test_prefix_and_jump(void **state)
{
	static const uint8_t mask[4] = { 255, 255, 255, 0 };
	static const uint8_t net[4] = { 10, 0, 0, 0 };
	static const uint8_t zero[4];
	struct xhp_nl nl = { .seq = 7 };
	const struct nlattr *tb[MAXA], *d[MAXA], *v[MAXA], *w[MAXA], *data[16];
	const char *names[16], *shared = NULL;
	struct msgs ms;
	struct xhp_nft *nft = batch(&nl, &ms);
	int i, seen = 0;

	(void)state;
	assert_int_equal(
		rule_exprs(&ms, "xhp: forged IPv4 source", names, data), 8);
	assert_payload(names[2], data[2], NFT_PAYLOAD_NETWORK_HEADER, 12, 4);
	assert_cmp(names[3], data[3], NFT_CMP_NEQ, zero, 4);
	assert_string_equal(names[4], "bitwise");
	parse_nest(data[4], d);
	assert_be32(d[NFTA_BITWISE_SREG], NFT_REG_1);
	assert_be32(d[NFTA_BITWISE_DREG], NFT_REG_2);
	assert_be32(d[NFTA_BITWISE_LEN], 4);
	assert_value(d[NFTA_BITWISE_MASK], mask, 4);
	assert_value(d[NFTA_BITWISE_XOR], zero, 4);
	assert_string_equal(names[5], "cmp");
	parse_nest(data[5], d);
	assert_be32(d[NFTA_CMP_SREG], NFT_REG_2);
	assert_be32(d[NFTA_CMP_OP], NFT_CMP_NEQ);
	assert_value(d[NFTA_CMP_DATA], net, 4);
	assert_string_equal(names[6], "counter");
	for (i = 1; i < ms.n; i++) {
		if ((ms.m[i]->nlmsg_type & 0xff) == NFT_MSG_NEWCHAIN &&
		    !shared) {
			memset(tb, 0, sizeof(tb));
			assert_int_equal(mnl_attr_parse(ms.m[i],
							sizeof(struct nfgenmsg),
							attr_cb, tb),
					 MNL_CB_OK);
			if (!strncmp(mnl_attr_get_str(tb[NFTA_CHAIN_NAME]),
				     XHP_NFT_SHARED_PREFIX,
				     strlen(XHP_NFT_SHARED_PREFIX)))
				shared = mnl_attr_get_str(tb[NFTA_CHAIN_NAME]);
		}
		if ((ms.m[i]->nlmsg_type & 0xff) != NFT_MSG_NEWRULE)
			continue;
		parse_rule(ms.m[i], tb);
		if (strcmp(mnl_attr_get_str(tb[NFTA_RULE_CHAIN]), "dev-vif7.0"))
			continue;
		if (exprs(tb[NFTA_RULE_EXPRESSIONS], names, data) != 1)
			continue;
		/* the jump: an immediate alone, after the chain it names */
		parse_nest(data[0], d);
		parse_nest(d[NFTA_IMMEDIATE_DATA], v);
		parse_nest(v[NFTA_DATA_VERDICT], w);
		assert_be32(w[NFTA_VERDICT_CODE], (uint32_t)NFT_JUMP);
		assert_non_null(shared);
		assert_string_equal(mnl_attr_get_str(w[NFTA_VERDICT_CHAIN]),
				    shared);
		seen++;
	}
	assert_int_equal(seen, 1);
	free(nft);
}

/* "exthdr frag exists meta l4proto ipv6-icmp": nft_exthdr's attributes
 * as nft sends them (an IPv6 extension header, type 44, its presence
 * as one byte into reg 1), then cmp eq 1. */
static void test_fragment_rules(void **state)
{
	static const uint16_t ip6 = 0xdd86; /* htons(ETH_P_IPV6) */
	static const uint8_t icmpv6 = IPPROTO_ICMPV6, one = 1, frag = 44;
	struct xhp_nl nl = { .seq = 7 };
	const struct nlattr *d[MAXA], *data[16];
	const char *names[16];
	struct msgs ms;
	struct xhp_nft *nft = batch(&nl, &ms);

	(void)state;
	assert_int_equal(rule_exprs(&ms, "xhp: fragmented ICMPv6", names, data),
			 8);
	assert_meta_is(names, data, NFT_META_PROTOCOL, &ip6, 2);
	assert_meta_is(names + 2, data + 2, NFT_META_L4PROTO, &icmpv6, 1);
	assert_string_equal(names[4], "exthdr");
	parse_nest(data[4], d);
	assert_be32(d[NFTA_EXTHDR_DREG], NFT_REG_1);
	assert_non_null(d[NFTA_EXTHDR_TYPE]);
	assert_int_equal(mnl_attr_validate(d[NFTA_EXTHDR_TYPE], MNL_TYPE_U8),
			 0);
	assert_int_equal(mnl_attr_get_u8(d[NFTA_EXTHDR_TYPE]), 44);
	assert_be32(d[NFTA_EXTHDR_OFFSET], 0);
	assert_be32(d[NFTA_EXTHDR_LEN], 1);
	assert_be32(d[NFTA_EXTHDR_FLAGS], NFT_EXTHDR_F_PRESENT);
	assert_be32(d[NFTA_EXTHDR_OP], NFT_EXTHDR_OP_IPV6);
	assert_cmp(names[5], data[5], NFT_CMP_EQ, &one, 1);
	assert_string_equal(names[6], "counter");
	assert_string_equal(names[7], "immediate");
	/* ip6 nexthdr 44 @nh,320,8 60: the header after the fragment
	 * header, at its fixed place (5 rules, the last is 60) */
	assert_int_equal(rule_exprs(&ms,
				    "xhp: extension header after an IPv6 "
				    "fragment header",
				    names, data),
			 8);
	assert_payload(names[2], data[2], NFT_PAYLOAD_NETWORK_HEADER, 6, 1);
	assert_cmp(names[3], data[3], NFT_CMP_EQ, &frag, 1);
	assert_payload(names[4], data[4], NFT_PAYLOAD_NETWORK_HEADER, 40, 1);
	assert_cmp(names[5], data[5], NFT_CMP_EQ, (const uint8_t[]){ 0 }, 1);
	free(nft);
}

/* A neighbour solicitation of 32 bytes (one option) whose option is
 * neither the vif's SLLA nor a nonce: type at th 0, payload length at nh
 * 4, the option's 8 bytes at th 24, its first 2 at th 24. */
static void test_nd_rules(void **state)
{
	static const uint8_t own[8] = {
		1, 1, 0x00, 0x16, 0x3e, 0x12, 0x34, 0x56
	};
	static const uint8_t ns = 135, rs = 133, nonce[2] = { 14, 1 };
	static const uint8_t len32[2] = { 0, 32 };
	static const uint8_t len8[2] = { 0, 8 }, len16[2] = { 0, 16 };
	struct xhp_nl nl = { .seq = 7 };
	const struct nlattr *data[16];
	const char *names[16];
	struct msgs ms;
	struct xhp_nft *nft = batch(&nl, &ms);

	(void)state;
	assert_int_equal(
		rule_exprs(&ms,
			   "xhp: neighbour solicitation with another option "
			   "than its MAC",
			   names, data),
		14);
	assert_payload(names[4], data[4], NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1);
	assert_cmp(names[5], data[5], NFT_CMP_EQ, &ns, 1);
	assert_payload(names[6], data[6], NFT_PAYLOAD_NETWORK_HEADER, 4, 2);
	assert_cmp(names[7], data[7], NFT_CMP_EQ, len32, 2);
	assert_payload(names[8], data[8], NFT_PAYLOAD_TRANSPORT_HEADER, 24, 8);
	assert_cmp(names[9], data[9], NFT_CMP_NEQ, own, 8);
	assert_payload(names[10], data[10], NFT_PAYLOAD_TRANSPORT_HEADER, 24,
		       2);
	assert_cmp(names[11], data[11], NFT_CMP_NEQ, nonce, 2);
	/* the first rule of that comment is RS's: 8 or 16 bytes */
	assert_int_equal(rule_exprs(&ms,
				    "xhp: neighbour discovery with more "
				    "than one option",
				    names, data),
			 12);
	assert_cmp(names[5], data[5], NFT_CMP_EQ, &rs, 1);
	assert_payload(names[6], data[6], NFT_PAYLOAD_NETWORK_HEADER, 4, 2);
	assert_cmp(names[7], data[7], NFT_CMP_NEQ, len8, 2);
	assert_cmp(names[9], data[9], NFT_CMP_NEQ, len16, 2);
	free(nft);
}

/* The DHCP client's return in the IPv4 chain: 0.0.0.0 to the broadcast
 * address, ports 68 -> 67; and the IEEE 802.1 group: ether daddr &
 * ff:ff:ff:ff:ff:f0 == 01:80:c2:00:00:00. */
static void test_dhcp_and_group(void **state)
{
	static const uint8_t zero[4], bcast[4] = { 255, 255, 255, 255 };
	static const uint8_t group[6] = { 0x01, 0x80, 0xc2 };
	static const uint8_t mask[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xf0 };
	static const uint8_t zero6[6];
	struct xhp_nl nl = { .seq = 7 };
	const struct nlattr *d[MAXA], *data[16];
	const char *names[16];
	struct msgs ms;
	struct xhp_nft *nft = batch(&nl, &ms);

	(void)state;
	/* meta protocol ip, then the two matches: from 0.0.0.0, to
	 * another than the broadcast address */
	assert_int_equal(rule_exprs(&ms, "xhp: IPv4 from 0.0.0.0 but DHCP",
				    names, data),
			 8);
	assert_payload(names[2], data[2], NFT_PAYLOAD_NETWORK_HEADER, 12, 4);
	assert_cmp(names[3], data[3], NFT_CMP_EQ, zero, 4);
	assert_payload(names[4], data[4], NFT_PAYLOAD_NETWORK_HEADER, 16, 4);
	assert_cmp(names[5], data[5], NFT_CMP_NEQ, bcast, 4);
	/* meta l4proto igmp, th 0 (its type) == 0x11 */
	assert_int_equal(
		rule_exprs(&ms, "xhp: IGMP membership query", names, data), 8);
	assert_meta_is(names + 2, data + 2, NFT_META_L4PROTO,
		       (const uint8_t[]){ IPPROTO_IGMP }, 1);
	assert_payload(names[4], data[4], NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1);
	assert_cmp(names[5], data[5], NFT_CMP_EQ, (const uint8_t[]){ 0x11 }, 1);
	assert_int_equal(rule_exprs(&ms, "xhp: IEEE 802.1 link-local frame",
				    names, data),
			 7);
	assert_payload(names[2], data[2], NFT_PAYLOAD_LL_HEADER, 0, 6);
	assert_string_equal(names[3], "bitwise");
	parse_nest(data[3], d);
	assert_be32(d[NFTA_BITWISE_LEN], 6);
	assert_value(d[NFTA_BITWISE_MASK], mask, 6);
	assert_value(d[NFTA_BITWISE_XOR], zero6, 6);
	assert_cmp(names[4], data[4], NFT_CMP_EQ, group, 6);
	free(nft);
}

/* More than 8 exact addresses: an anonymous constant set, its
 * elements, and a lookup of it (inverted) by its id in the batch. */
static void test_set(void **state)
{
	struct xhp_ip many[9];
	struct xhp_nft_policy p = policy;
	struct xhp_nl nl = { .seq = 7 };
	struct xhp_nft *nft = calloc(1, sizeof(*nft));
	const struct nlattr *tb[MAXA], *d[MAXA], *data[16], *e, *k[MAXA];
	const struct nlmsghdr *h, *set = NULL, *elems = NULL, *rule = NULL;
	const char *names[16];
	uint32_t id = 0;
	int len, n = 0;
	size_t i;

	(void)state;
	for (i = 0; i < 9; i++)
		many[i] = (struct xhp_ip){ .family = AF_INET,
					   .addr = { 10, 0, 1, (uint8_t)i },
					   .prefix = 32 };
	p.ips = many;
	p.n_ips = 9;
	assert_non_null(nft);
	nft->nl = &nl;
	xhp_nft_batch_begin(nft);
	assert_int_equal(xhp_nft_policy_put(nft, "vif7.0", &p), 0);
	len = (int)nft->len;
	for (h = (const struct nlmsghdr *)nft->out; mnl_nlmsg_ok(h, len);
	     h = mnl_nlmsg_next(h, &len)) {
		if ((h->nlmsg_type & 0xff) == NFT_MSG_NEWSET && !set)
			set = h;
		else if ((h->nlmsg_type & 0xff) == NFT_MSG_NEWSETELEM && !elems)
			elems = h;
		else if ((h->nlmsg_type & 0xff) == NFT_MSG_NEWRULE && elems &&
			 !rule)
			rule = h;
	}
	assert_non_null(rule);
	memset(tb, 0, sizeof(tb));
	assert_int_equal(mnl_attr_parse(set, sizeof(struct nfgenmsg), attr_cb,
					tb),
			 MNL_CB_OK);
	assert_string_equal(mnl_attr_get_str(tb[NFTA_SET_NAME]), "__set%d");
	assert_be32(tb[NFTA_SET_FLAGS], NFT_SET_ANONYMOUS | NFT_SET_CONSTANT);
	assert_be32(tb[NFTA_SET_KEY_LEN], 4);
	id = ntohl(mnl_attr_get_u32(tb[NFTA_SET_ID]));
	assert_true(id != 0);
	memset(tb, 0, sizeof(tb));
	assert_int_equal(mnl_attr_parse(elems, sizeof(struct nfgenmsg), attr_cb,
					tb),
			 MNL_CB_OK);
	assert_be32(tb[NFTA_SET_ELEM_LIST_SET_ID], id);
	/* the ARP probe's targets: the 9 addresses, nothing else */
	mnl_attr_for_each_nested(e, tb[NFTA_SET_ELEM_LIST_ELEMENTS]) {
		parse_nest(e, d);
		parse_nest(d[NFTA_SET_ELEM_KEY], k);
		assert_int_equal(mnl_attr_get_payload_len(k[NFTA_DATA_VALUE]),
				 4);
		assert_memory_equal(mnl_attr_get_payload(k[NFTA_DATA_VALUE]),
				    many[n].addr, 4);
		n++;
	}
	assert_int_equal(n, 9);
	parse_rule(rule, tb);
	assert_int_equal(exprs(tb[NFTA_RULE_EXPRESSIONS], names, data), 8);
	assert_payload(names[4], data[4], NFT_PAYLOAD_NETWORK_HEADER, 24, 4);
	assert_string_equal(names[5], "lookup");
	parse_nest(data[5], d);
	assert_be32(d[NFTA_LOOKUP_SET_ID], id);
	assert_be32(d[NFTA_LOOKUP_SREG], NFT_REG_1);
	assert_be32(d[NFTA_LOOKUP_FLAGS], NFT_LOOKUP_F_INV);
	free(nft);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_fingerprint),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_prefix_and_jump),
		cmocka_unit_test(test_fragment_rules),
		cmocka_unit_test(test_nd_rules),
		cmocka_unit_test(test_dhcp_and_group),
		cmocka_unit_test(test_set),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
