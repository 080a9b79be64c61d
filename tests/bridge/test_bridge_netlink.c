// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * link.c: the exact bridge VLAN message layout against uapi
 * linux/if_bridge.h, and every link operation on real links.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "bt.h"
#include "link.h"
#include "testutil.h"

/* The IFLA_BRIDGE_VLAN_INFO entries of a built message. */
struct vi_list {
	unsigned int n;
	struct bridge_vlan_info v[64];
};

static void parse_vlan_msg(const struct nlmsghdr *nlh, uint16_t type,
			   int ifindex, struct vi_list *ret)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a, *i;
	unsigned int n_spec = 0;

	assert_int_equal(nlh->nlmsg_type, type);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST);
	assert_int_equal(ifi->ifi_family, AF_BRIDGE);
	assert_int_equal(ifi->ifi_index, ifindex);
	assert_int_equal(ifi->ifi_flags, 0);
	assert_int_equal(ifi->ifi_change, 0);
	ret->n = 0;
	mnl_attr_for_each(a, nlh, sizeof(*ifi)) {
		/* Exactly one attribute: the nested IFLA_AF_SPEC. */
		assert_int_equal(mnl_attr_get_type(a), IFLA_AF_SPEC);
		assert_true(a->nla_type & NLA_F_NESTED ||
			    (a->nla_type & ~NLA_TYPE_MASK) == 0);
		n_spec++;
		mnl_attr_for_each_nested(i, a) {
			assert_int_equal(mnl_attr_get_type(i),
					 IFLA_BRIDGE_VLAN_INFO);
			assert_int_equal(mnl_attr_get_payload_len(i),
					 sizeof(struct bridge_vlan_info));
			assert_true(ret->n < 64);
			memcpy(&ret->v[ret->n++], mnl_attr_get_payload(i),
			       sizeof(struct bridge_vlan_info));
		}
	}
	assert_int_equal(n_spec, 1);
}

#define P BRIDGE_VLAN_INFO_PVID
#define U BRIDGE_VLAN_INFO_UNTAGGED
#define RB BRIDGE_VLAN_INFO_RANGE_BEGIN
#define RE BRIDGE_VLAN_INFO_RANGE_END

static void expect(const char *text, uint16_t type,
		   const struct bridge_vlan_info *want, unsigned int n)
{
	static char buf[XHP_VLAN_MSG_MAX];
	struct xhp_vlan_spec spec;
	struct nlmsghdr *nlh;
	struct vi_list got;
	const char *why = NULL;
	unsigned int k;

	assert_int_equal(xhp_parse_vlan_spec(text, &spec, &why), 0);
	nlh = xhp_bridge_vlan_msg(buf, sizeof(buf), type, 7, &spec);
	assert_non_null(nlh);
	parse_vlan_msg(nlh, type, 7, &got);
	if (got.n != n)
		fail_msg("%s: %u entries, expected %u", text, got.n, n);
	for (k = 0; k < n; k++) {
		if (got.v[k].vid != want[k].vid ||
		    got.v[k].flags != want[k].flags)
			fail_msg("%s: entry %u is vid %u flags %#x, expected "
				 "vid %u flags %#x",
				 text, k, got.v[k].vid, got.v[k].flags,
				 want[k].vid, want[k].flags);
	}
}

static void test_vlan_uapi_values(void **state)
{
	/* The uapi values the layout relies on (linux/if_bridge.h). */
	assert_int_equal(sizeof(struct bridge_vlan_info), 4);
	assert_int_equal(offsetof(struct bridge_vlan_info, flags), 0);
	assert_int_equal(offsetof(struct bridge_vlan_info, vid), 2);
	assert_int_equal(IFLA_BRIDGE_FLAGS, 0);
	assert_int_equal(IFLA_BRIDGE_VLAN_INFO, 2);
	assert_int_equal(P, 1 << 1);
	assert_int_equal(U, 1 << 2);
	assert_int_equal(RB, 1 << 3);
	assert_int_equal(RE, 1 << 4);
}

static void test_vlan_single(void **state)
{
	const struct bridge_vlan_info w[] = { { P | U, 10 } };

	expect("10", RTM_SETLINK, w, 1);
	expect("10", RTM_DELLINK, w, 1);
}

static void test_vlan_pvid_and_ranges(void **state)
{
	const struct bridge_vlan_info w[] = {
		{ P | U, 10 }, { RB, 20 },     { RE, 30 },
		{ U, 40 },     { U | RB, 50 }, { U | RE, 60 },
	};

	expect("10p/20-30/40u/50-60u", RTM_SETLINK, w, ARRAY_SIZE(w));
}

static void test_vlan_stride(void **state)
{
	const struct bridge_vlan_info w[] = {
		{ 0, 100 },
		{ 0, 110 },
		{ 0, 120 },
		{ P | U, 5 },
	};
	struct xhp_vlan_spec spec;
	const char *why;
	unsigned int n;

	assert_int_equal(xhp_parse_vlan_spec("100+10x2/5p", &spec, &why), 0);
	n = (spec.ranges[0].last - spec.ranges[0].first) / 10 + 1;
	/* The parser decides how many VLANs a stride names. */
	assert_true(n == 2 || n == 3);
	if (n == 3) {
		expect("100+10x2/5p", RTM_SETLINK, w, 4);
	} else {
		const struct bridge_vlan_info w2[] = {
			{ 0, 100 },
			{ 0, 110 },
			{ P | U, 5 },
		};

		expect("100+10x2/5p", RTM_SETLINK, w2, 3);
	}
}

static void test_vlan_pvid_split(void **state)
{
	/* A step-1 range holding the PVID (built by hand: the parser
	 * never makes one) is split around it. */
	static char buf[XHP_VLAN_MSG_MAX];
	struct xhp_vlan_spec spec = { .pvid = 15, .n_ranges = 1 };
	const struct bridge_vlan_info w[] = {
		{ RB, 10 }, { RE, 14 }, { P, 15 }, { RB, 16 }, { RE, 20 },
	};
	struct nlmsghdr *nlh;
	struct vi_list got;
	unsigned int k;

	spec.ranges[0] = (struct xhp_vlan_range){ 10, 20, 1, false };
	nlh = xhp_bridge_vlan_msg(buf, sizeof(buf), RTM_SETLINK, 3, &spec);
	assert_non_null(nlh);
	parse_vlan_msg(nlh, RTM_SETLINK, 3, &got);
	assert_int_equal(got.n, ARRAY_SIZE(w));
	for (k = 0; k < got.n; k++) {
		assert_int_equal(got.v[k].vid, w[k].vid);
		assert_int_equal(got.v[k].flags, w[k].flags);
	}
}

static void test_vlan_one_and_overflow(void **state)
{
	char buf[256], tiny[40];
	struct xhp_vlan_spec spec;
	struct nlmsghdr *nlh;
	struct vi_list got;
	const char *why;

	nlh = xhp_bridge_vlan_msg_one(buf, sizeof(buf), RTM_DELLINK, 9, 1, 0);
	assert_non_null(nlh);
	parse_vlan_msg(nlh, RTM_DELLINK, 9, &got);
	assert_int_equal(got.n, 1);
	assert_int_equal(got.v[0].vid, 1);
	assert_int_equal(got.v[0].flags, 0);
	assert_int_equal(xhp_parse_vlan_spec("10p/20-30", &spec, &why), 0);
	assert_null(
		xhp_bridge_vlan_msg(tiny, sizeof(tiny), RTM_SETLINK, 9, &spec));
}

/* Real links, in this process's namespace. */
static struct bt T;

static void test_link_ops(void **state)
{
	const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 0x42 };
	struct xhp_link l, br, l2;

	bt_sh("ip", "link", "add", "brn", "type", "bridge");
	bt_sh("ip", "tuntap", "add", "tapn", "mode", "tap");
	assert_int_equal(bt_link(&T, "tapn", &l), 0);
	assert_int_equal(bt_link(&T, "brn", &br), 0);
	assert_string_equal(br.kind, "bridge");

	assert_int_equal(xhp_link_set_up(T.ctx, T.nl, &l, true), 0);
	assert_int_equal(bt_link(&T, "tapn", &l2), 0);
	assert_true(l2.flags & IFF_UP);
	assert_int_equal(xhp_link_set_up(T.ctx, T.nl, &l, false), 0);
	assert_int_equal(bt_link(&T, "tapn", &l2), 0);
	assert_false(l2.flags & IFF_UP);

	assert_int_equal(xhp_link_set_mac(T.ctx, T.nl, &l, mac), 0);
	assert_int_equal(xhp_link_set_mtu(T.ctx, T.nl, &l, 1234), 0);
	assert_int_equal(bt_link(&T, "tapn", &l2), 0);
	assert_memory_equal(l2.addr, mac, 6);
	assert_int_equal(l2.mtu, 1234);
	/* The kernel's refusal comes with its message. */
	assert_int_equal(xhp_link_set_mtu(T.ctx, T.nl, &l, 70000), -EINVAL);
	assert_non_null(strstr(xhp_ctx_last_error(T.ctx), "tapn"));

	assert_int_equal(xhp_link_rename(T.ctx, T.nl, &l, "tapm", "tapn"), 0);
	assert_int_equal(bt_link(&T, "tapn", &l2), -ENODEV);
	assert_int_equal(bt_link(&T, "tapm", &l2), 0);
	assert_int_equal(l2.ifindex, l.ifindex);
	/* The old name rides along as the alias; "" removes it. */
	assert_string_equal(l2.alias, "tapn");
	assert_int_equal(xhp_link_rename(T.ctx, T.nl, &l2, "tapo", ""), 0);
	assert_int_equal(bt_link(&T, "tapo", &l2), 0);
	assert_string_equal(l2.alias, "");
	assert_int_equal(xhp_link_rename(T.ctx, T.nl, &l2, "tapm", NULL), 0);
	assert_int_equal(bt_link(&T, "tapm", &l2), 0);

	assert_int_equal(
		xhp_link_set_master(T.ctx, T.nl, &l2, br.ifindex, NULL), 0);
	assert_int_equal(bt_link(&T, "tapm", &l2), 0);
	assert_int_equal(l2.master, br.ifindex);
	assert_int_equal(xhp_link_set_master(T.ctx, T.nl, &l2, 0, NULL), 0);
	assert_int_equal(bt_link(&T, "tapm", &l2), 0);
	assert_int_equal(l2.master, 0);

	bt_sh("ip", "link", "del", "tapm");
	bt_sh("ip", "link", "del", "brn");
}

static void test_flush_addrs(void **state)
{
	struct xhp_addr_list saved = { 0 };
	struct xhp_link l;

	bt_sh("ip", "tuntap", "add", "tapf", "mode", "tap");
	bt_sh("ip", "tuntap", "add", "tapg", "mode", "tap");
	bt_sh("ip", "addr", "add", "10.9.0.1/24", "dev", "tapf");
	bt_sh("ip", "addr", "add", "10.9.0.2/24", "dev", "tapf");
	bt_sh("ip", "addr", "add", "10.8.0.1/16", "dev", "tapf");
	bt_sh("ip", "addr", "add", "fd00::1/64", "dev", "tapf", "nodad");
	bt_sh("ip", "addr", "add", "10.7.0.1/24", "dev", "tapg");
	assert_int_equal(bt_count_addrs("tapf"), 4);
	assert_int_equal(bt_link(&T, "tapf", &l), 0);
	assert_int_equal(xhp_link_flush_addrs(T.ctx, T.nl, &l, &saved), 0);
	assert_int_equal(bt_count_addrs("tapf"), 0);
	assert_int_equal(saved.n, 4);
	/* Other links keep theirs. */
	assert_int_equal(bt_count_addrs("tapg"), 1);
	/* Nothing to flush is fine. */
	assert_int_equal(xhp_link_flush_addrs(T.ctx, T.nl, &l, NULL), 0);
	/* The undo puts them back. */
	assert_int_equal(xhp_link_restore_addrs(T.ctx, T.nl, &l, &saved), 0);
	assert_int_equal(bt_count_addrs("tapf"), 4);
	xhp_addr_list_clear(&saved);
	bt_sh("ip", "link", "del", "tapf");
	bt_sh("ip", "link", "del", "tapg");
}

static void test_first_bridge_and_info(void **state)
{
	struct xhp_link br, tap;
	struct xhp_bridge_info bi;

	assert_int_equal(xhp_link_first_bridge(T.ctx, T.nl, &br), -ENODEV);
	bt_sh("ip", "link", "add", "zbr", "type", "bridge");
	bt_sh("ip", "link", "add", "abr", "type", "bridge");
	bt_sh("ip", "tuntap", "add", "aaa", "mode", "tap");
	assert_int_equal(xhp_link_first_bridge(T.ctx, T.nl, &br), 0);
	assert_string_equal(br.name, "abr");
	assert_string_equal(br.kind, "bridge");
	/* The dump's view is the whole link, as a lookup by name gives it. */
	assert_int_equal(bt_link(&T, "abr", &tap), 0);
	assert_int_equal(br.ifindex, tap.ifindex);
	assert_int_equal(br.flags, tap.flags);
	assert_int_equal(br.mtu, tap.mtu);
	assert_int_equal(br.master, tap.master);
	assert_true(br.has_addr && tap.has_addr);
	assert_memory_equal(br.addr, tap.addr, 6);

	assert_int_equal(xhp_bridge_info_get(T.ctx, T.nl, &br, &bi), 0);
	assert_false(bi.vlan_filtering);
	assert_int_equal(bt_link(&T, "aaa", &tap), 0);
	assert_int_equal(xhp_bridge_info_get(T.ctx, T.nl, &tap, &bi), -EINVAL);
	assert_string_equal(xhp_ctx_last_error(T.ctx), "aaa is not a bridge");
	bt_sh("ip", "link", "del", "zbr");
	bt_sh("ip", "link", "del", "abr");
	bt_sh("ip", "link", "del", "aaa");
}

/*
 * An acknowledgement another process sends to our port (any local user
 * can unicast to a netlink port id) must not pass for the kernel's.
 */
static void test_spoofed_ack(void **state)
{
	struct mnl_socket *evil = mnl_socket_open(NETLINK_ROUTE);
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct sockaddr_nl to = { .nl_family = AF_NETLINK };
	struct xhp_link l = { .ifindex = 0x7ffffff0, .name = "nosuch" };
	struct nlmsghdr *nlh;
	struct nlmsgerr *err;

	(void)state;
	assert_non_null(evil);
	assert_int_equal(mnl_socket_bind(evil, 0, MNL_SOCKET_AUTOPID), 0);
	/* "Success" for the next request of T.nl, queued before it. */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_seq = T.nl->seq + 1;
	nlh->nlmsg_pid = T.nl->portid;
	err = mnl_nlmsg_put_extra_header(nlh, sizeof(*err));
	err->error = 0;
	err->msg.nlmsg_len = sizeof(struct nlmsghdr);
	err->msg.nlmsg_type = RTM_SETLINK;
	err->msg.nlmsg_seq = nlh->nlmsg_seq;
	to.nl_pid = T.nl->portid;
	assert_int_equal(sendto(mnl_socket_get_fd(evil), nlh, nlh->nlmsg_len, 0,
				(struct sockaddr *)&to, sizeof(to)),
			 (ssize_t)nlh->nlmsg_len);
	/* The link does not exist: the kernel says so, not the spoofer. */
	assert_int_equal(xhp_link_set_up(T.ctx, T.nl, &l, true), -ENODEV);
	assert_string_equal(xhp_ctx_last_error(T.ctx),
			    "cannot bring up nosuch: No such device");
	mnl_socket_close(evil);
}

/*
 * A dump the kernel fails reports the error in NLMSG_DONE's payload:
 * here the link is gone between its lookup and the flush of its
 * addresses. That is an error, not "no addresses".
 */
static void test_dump_error(void **state)
{
	struct xhp_link l = { .ifindex = 0x7ffffff0, .name = "gone" };

	(void)state;
	assert_int_equal(xhp_link_flush_addrs(T.ctx, T.nl, &l, NULL), -ENODEV);
	assert_non_null(strstr(xhp_ctx_last_error(T.ctx), "gone"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vlan_uapi_values),
		cmocka_unit_test(test_vlan_single),
		cmocka_unit_test(test_vlan_pvid_and_ranges),
		cmocka_unit_test(test_vlan_stride),
		cmocka_unit_test(test_vlan_pvid_split),
		cmocka_unit_test(test_vlan_one_and_overflow),
		cmocka_unit_test(test_link_ops),
		cmocka_unit_test(test_flush_addrs),
		cmocka_unit_test(test_first_bridge_and_info),
		cmocka_unit_test(test_spoofed_ack),
		cmocka_unit_test(test_dump_error),
	};
	int r;

	bt_init(&T);
	r = cmocka_run_group_tests(tests, NULL, NULL);
	bt_fini(&T);
	return r;
}
