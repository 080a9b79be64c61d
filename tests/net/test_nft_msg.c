// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * nft.c's messages, without a kernel: each is parsed back with libmnl and
 * its header, nfgenmsg and (nested) attributes checked against the uapi
 * constants of <linux/netfilter/nf_tables.h>.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <linux/netfilter.h>
#include <net/if_arp.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "nft.h"

#define MAXA 32

static char buf[XHP_NFT_MSG_MAX] __attribute__((aligned(8)));
static const uint8_t mac[6] = { 0x00, 0x16, 0x3e, 0x12, 0x34, 0x56 };

/* The attributes of a message or nest by type; a type seen twice fails. */
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
	assert_true(mnl_attr_get_type(nest) < MAXA);
	assert_int_equal(mnl_attr_parse_nested(nest, attr_cb, tb), MNL_CB_OK);
}

static size_t count(const struct nlattr **tb)
{
	size_t i, n = 0;

	for (i = 0; i < MAXA; i++)
		n += tb[i] != NULL;
	return n;
}

/* Check the header of an nf_tables message; parse its attributes. */
static void parse_msg(const struct nlmsghdr *nlh, uint16_t type, uint16_t flags,
		      const struct nlattr **tb)
{
	const struct nfgenmsg *g = mnl_nlmsg_get_payload(nlh);

	assert_true(nlh->nlmsg_len <= XHP_NFT_MSG_MAX);
	assert_int_equal(nlh->nlmsg_type, NFNL_SUBSYS_NFTABLES << 8 | type);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | flags);
	assert_true(mnl_nlmsg_get_payload_len(nlh) >= sizeof(*g));
	assert_int_equal(g->nfgen_family, NFPROTO_NETDEV);
	assert_int_equal(g->version, NFNETLINK_V0);
	assert_int_equal(g->res_id, 0);
	memset(tb, 0, MAXA * sizeof(*tb));
	assert_int_equal(mnl_attr_parse(nlh, sizeof(*g), attr_cb, tb),
			 MNL_CB_OK);
}

static void assert_str(const struct nlattr *a, const char *want)
{
	assert_non_null(a);
	assert_int_equal(mnl_attr_validate(a, MNL_TYPE_NUL_STRING), 0);
	assert_string_equal(mnl_attr_get_str(a), want);
}

static void assert_be32(const struct nlattr *a, uint32_t want)
{
	assert_non_null(a);
	assert_int_equal(mnl_attr_validate(a, MNL_TYPE_U32), 0);
	assert_int_equal(ntohl(mnl_attr_get_u32(a)), want);
}

/* The shard of a name: FNV-1a of it, modulo 128 (stable: installed
 * chains are found by it). */
static const char *shard(const char *ifname)
{
	static char name[XHP_NFT_TABLE_NAME_MAX];
	uint32_t h = 2166136261u;

	for (; *ifname; ifname++)
		h = (h ^ (uint8_t)*ifname) * 16777619u;
	snprintf(name, sizeof(name), "xhp-%02x", (unsigned int)(h % 128));
	return name;
}

static void test_table(void **state)
{
	const struct nlattr *tb[MAXA];
	char name[XHP_NFT_TABLE_NAME_MAX];
	struct nlmsghdr *nlh;

	(void)state;
	nlh = xhp_nft_put_table(buf, NFT_MSG_NEWTABLE, NLM_F_CREATE, "vif3.1");
	parse_msg(nlh, NFT_MSG_NEWTABLE, NLM_F_CREATE, tb);
	assert_str(tb[NFTA_TABLE_NAME], shard("vif3.1"));
	assert_be32(tb[NFTA_TABLE_FLAGS], 0);
	assert_int_equal(count(tb), 2);
	/* names spread over the shards; the same name, the same shard */
	assert_string_equal(xhp_nft_table_name(name, "vif3.1"),
			    shard("vif3.1"));
	assert_string_not_equal(shard("vif3.1"), "xhp-00");
	assert_true(xhp_nft_shard("vif1.0") != xhp_nft_shard("vif2.0"));
	assert_int_equal(xhp_nft_shard("vif1.0"), xhp_nft_shard("vif1.0"));
}

/* The base chain's comment, as nft's user data: TLV type 0, length, the
 * string and its NUL; and read back by the parser of GETCHAIN's answer. */
static void test_chain_comment(void **state)
{
	static const char want[] = "\0\034xhp policy 0123456789abcdef";
	const struct nlattr *tb[MAXA];
	struct xhp_nft_dev_state st;
	struct nlmsghdr *nlh;

	(void)state;
	nlh = xhp_nft_put_chain(buf, NFT_MSG_NEWCHAIN,
				NLM_F_CREATE | NLM_F_EXCL, "vif3.1");
	xhp_nft_put_comment(nlh, NFTA_CHAIN_USERDATA,
			    "xhp policy 0123456789abcdef");
	parse_msg(nlh, NFT_MSG_NEWCHAIN, NLM_F_CREATE | NLM_F_EXCL, tb);
	assert_non_null(tb[NFTA_CHAIN_USERDATA]);
	assert_int_equal(mnl_attr_get_payload_len(tb[NFTA_CHAIN_USERDATA]),
			 sizeof(want));
	assert_memory_equal(mnl_attr_get_payload(tb[NFTA_CHAIN_USERDATA]), want,
			    sizeof(want));
	assert_int_equal(count(tb), 6);

	/* The kernel's answer has the same layout. */
	assert_int_equal(xhp_nft_chain_parse(nlh, &st), 0);
	assert_true(st.present);
	assert_string_equal(st.fp, "0123456789abcdef");

	/* Another comment (nft's own) is no fingerprint. */
	nlh = xhp_nft_put_chain(buf, NFT_MSG_NEWCHAIN, 0, "vif3.1");
	xhp_nft_put_comment(nlh, NFTA_CHAIN_USERDATA, "made by hand");
	assert_int_equal(xhp_nft_chain_parse(nlh, &st), 0);
	assert_true(st.present);
	assert_string_equal(st.fp, "");

	/* Not a chain: nothing. */
	nlh = xhp_nft_put_table(buf, NFT_MSG_NEWTABLE, 0, "vif3.1");
	assert_int_equal(xhp_nft_chain_parse(nlh, &st), 0);
	assert_false(st.present);
}

static void test_newchain(void **state)
{
	const struct nlattr *tb[MAXA], *hook[MAXA];
	struct nlmsghdr *nlh;

	(void)state;
	nlh = xhp_nft_put_chain(buf, NFT_MSG_NEWCHAIN, NLM_F_CREATE,
				"vif12.0-emu");
	parse_msg(nlh, NFT_MSG_NEWCHAIN, NLM_F_CREATE, tb);
	assert_str(tb[NFTA_CHAIN_TABLE], shard("vif12.0-emu"));
	assert_str(tb[NFTA_CHAIN_NAME], "dev-vif12.0-emu");
	assert_str(tb[NFTA_CHAIN_TYPE], "filter");
	assert_be32(tb[NFTA_CHAIN_POLICY], NF_ACCEPT);
	assert_int_equal(count(tb), 5);
	assert_true(tb[NFTA_CHAIN_HOOK]->nla_type & NLA_F_NESTED);
	parse_nest(tb[NFTA_CHAIN_HOOK], hook);
	assert_be32(hook[NFTA_HOOK_HOOKNUM], NF_NETDEV_INGRESS);
	assert_be32(hook[NFTA_HOOK_PRIORITY], 0);
	assert_str(hook[NFTA_HOOK_DEV], "vif12.0-emu");
	assert_int_equal(count(hook), 3);
}

static void test_delchain(void **state)
{
	const struct nlattr *tb[MAXA];
	struct nlmsghdr *nlh;

	(void)state;
	nlh = xhp_nft_put_chain(buf, NFT_MSG_DELCHAIN, 0, "eth0");
	parse_msg(nlh, NFT_MSG_DELCHAIN, 0, tb);
	assert_str(tb[NFTA_CHAIN_TABLE], shard("eth0"));
	assert_str(tb[NFTA_CHAIN_NAME], "dev-eth0");
	/* No hook: with one, the kernel would delete only its devices. */
	assert_int_equal(count(tb), 2);
}

static void test_flush(void **state)
{
	const struct nlattr *tb[MAXA];
	struct nlmsghdr *nlh;

	(void)state;
	nlh = xhp_nft_put_flush(buf, "eth0");
	parse_msg(nlh, NFT_MSG_DELRULE, 0, tb);
	assert_str(tb[NFTA_RULE_TABLE], shard("eth0"));
	assert_str(tb[NFTA_RULE_CHAIN], "dev-eth0");
	/* No handle: every rule of the chain. */
	assert_int_equal(count(tb), 2);
}

/* The n-th NFTA_LIST_ELEM of @list: check its name, parse its data. */
static void parse_expr(const struct nlattr *list, int n, const char *name,
		       const struct nlattr **data)
{
	const struct nlattr *e, *tb[MAXA];
	int i = 0;

	mnl_attr_for_each_nested(e, list) {
		assert_int_equal(mnl_attr_get_type(e), NFTA_LIST_ELEM);
		if (i++ != n)
			continue;
		parse_nest(e, tb);
		assert_str(tb[NFTA_EXPR_NAME], name);
		assert_int_equal(count(tb), 2);
		parse_nest(tb[NFTA_EXPR_DATA], data);
		return;
	}
	fail_msg("no expression %d", n);
}

static void test_rule_src_mac(void **state)
{
	const struct nlattr *tb[MAXA], *d[MAXA], *v[MAXA], *w[MAXA], *e;
	struct nlmsghdr *nlh;
	int n = 0;

	(void)state;
	nlh = xhp_nft_put_rule_src_mac(buf, "vif3.1", mac);
	parse_msg(nlh, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, tb);
	assert_str(tb[NFTA_RULE_TABLE], shard("vif3.1"));
	assert_str(tb[NFTA_RULE_CHAIN], "dev-vif3.1");
	assert_int_equal(count(tb), 3);
	mnl_attr_for_each_nested(e, tb[NFTA_RULE_EXPRESSIONS])
		n++;
	assert_int_equal(n, 5);

	parse_expr(tb[NFTA_RULE_EXPRESSIONS], 0, "meta", d);
	assert_be32(d[NFTA_META_DREG], NFT_REG_1);
	assert_be32(d[NFTA_META_KEY], NFT_META_IIFTYPE);
	assert_int_equal(count(d), 2);

	parse_expr(tb[NFTA_RULE_EXPRESSIONS], 1, "cmp", d);
	assert_be32(d[NFTA_CMP_SREG], NFT_REG_1);
	assert_be32(d[NFTA_CMP_OP], NFT_CMP_EQ);
	assert_int_equal(count(d), 3);
	parse_nest(d[NFTA_CMP_DATA], v);
	assert_int_equal(count(v), 1);
	/* dev->type, a u16 in host order as the kernel stores it */
	assert_int_equal(mnl_attr_validate(v[NFTA_DATA_VALUE], MNL_TYPE_U16),
			 0);
	assert_int_equal(mnl_attr_get_u16(v[NFTA_DATA_VALUE]), ARPHRD_ETHER);

	parse_expr(tb[NFTA_RULE_EXPRESSIONS], 2, "payload", d);
	assert_be32(d[NFTA_PAYLOAD_DREG], NFT_REG_1);
	assert_be32(d[NFTA_PAYLOAD_BASE], NFT_PAYLOAD_LL_HEADER);
	assert_be32(d[NFTA_PAYLOAD_OFFSET], 6);
	assert_be32(d[NFTA_PAYLOAD_LEN], 6);
	assert_int_equal(count(d), 4);

	parse_expr(tb[NFTA_RULE_EXPRESSIONS], 3, "cmp", d);
	assert_be32(d[NFTA_CMP_SREG], NFT_REG_1);
	assert_be32(d[NFTA_CMP_OP], NFT_CMP_NEQ);
	assert_int_equal(count(d), 3);
	parse_nest(d[NFTA_CMP_DATA], v);
	assert_int_equal(count(v), 1);
	assert_non_null(v[NFTA_DATA_VALUE]);
	assert_int_equal(mnl_attr_get_payload_len(v[NFTA_DATA_VALUE]), 6);
	assert_memory_equal(mnl_attr_get_payload(v[NFTA_DATA_VALUE]), mac, 6);

	parse_expr(tb[NFTA_RULE_EXPRESSIONS], 4, "immediate", d);
	assert_be32(d[NFTA_IMMEDIATE_DREG], NFT_REG_VERDICT);
	assert_int_equal(count(d), 2);
	parse_nest(d[NFTA_IMMEDIATE_DATA], v);
	assert_int_equal(count(v), 1);
	parse_nest(v[NFTA_DATA_VERDICT], w);
	assert_be32(w[NFTA_VERDICT_CODE], NF_DROP);
	assert_int_equal(count(w), 1);
}

/* A batch: BEGIN (res_id the nf_tables subsystem, in network order), then
 * the messages with rising sequence numbers, each asking for an ack. */
static void test_batch(void **state)
{
	struct xhp_nl nl = { .seq = 100 };
	struct xhp_nft *nft = calloc(1, sizeof(*nft));
	const struct nlmsghdr *h;
	const struct nfgenmsg *g;
	int len, i = 0;

	(void)state;
	assert_non_null(nft);
	nft->nl = &nl;
	xhp_nft_batch_begin(nft);
	xhp_nft_batch_add(nft, xhp_nft_put_table(xhp_nft_batch_room(nft),
						 NFT_MSG_NEWTABLE, NLM_F_CREATE,
						 "eth0"));
	xhp_nft_batch_add(nft,
			  xhp_nft_put_flush(xhp_nft_batch_room(nft), "eth0"));
	assert_int_equal(nft->n, 2);
	len = (int)nft->len;
	for (h = (const struct nlmsghdr *)nft->out; mnl_nlmsg_ok(h, len);
	     h = mnl_nlmsg_next(h, &len), i++) {
		g = mnl_nlmsg_get_payload(h);
		assert_int_equal(h->nlmsg_seq, 101 + i);
		if (i == 0) {
			assert_int_equal(h->nlmsg_type, NFNL_MSG_BATCH_BEGIN);
			assert_int_equal(h->nlmsg_flags, NLM_F_REQUEST);
			assert_int_equal(g->nfgen_family, AF_UNSPEC);
			assert_int_equal(ntohs(g->res_id),
					 NFNL_SUBSYS_NFTABLES);
			continue;
		}
		/* acks are asked for at the commit (the last only) */
		assert_false(h->nlmsg_flags & NLM_F_ACK);
		assert_int_equal(h->nlmsg_type & 0xff,
				 i == 1 ? NFT_MSG_NEWTABLE : NFT_MSG_DELRULE);
	}
	assert_int_equal(i, 3);
	assert_int_equal(len, 0);

	/* Full: no room is handed out past the last slot (END's). */
	for (i = 0; xhp_nft_batch_room(nft); i++)
		xhp_nft_batch_add(
			nft, xhp_nft_put_flush(xhp_nft_batch_room(nft), "x"));
	assert_int_equal(nft->n, XHP_NFT_BATCH_MSGS - 1);
	assert_true(nft->len + XHP_NFT_MSG_MAX <= sizeof(nft->out));
	free(nft);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_chain_comment),
		cmocka_unit_test(test_newchain),
		cmocka_unit_test(test_delchain),
		cmocka_unit_test(test_flush),
		cmocka_unit_test(test_rule_src_mac),
		cmocka_unit_test(test_batch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
