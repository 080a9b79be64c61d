// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The guest policy with real frames, bridged: a bridge xpbr0 in the
 * test's namespace with a "router" (rtr0, never policed), guest 1 plugged
 * by vif-bridge (vif1.0, caller settings mac and ip: anti-spoofing by
 * auto) and guest 2 plugged by hand and policed by the `policy`
 * personality. Guest 1 sends forged frames (source MAC, IPv4 and IPv6
 * source, gratuitous ARP for another IP, a neighbour advertisement for
 * another address, a router advertisement, a DHCP offer): none reaches
 * the router or guest 2, and the drop rule's counter counts each; its own
 * IPv4 and IPv6, a DHCP discover, DAD and its own ARP pass. Then the
 * ports are isolated (the isolated setting): the guests no longer reach
 * each other, both still reach the router.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <cmocka.h>

#include "brport.h"
#include "pt.h"
#include "testutil.h"

#define N 3
#define MAC1 "00:16:3e:00:77:11"
#define MAC2 "00:16:3e:00:77:12"
#define IP1 "10.77.0.11"
#define IP6_1 "fd77::11"
#define LL1 "fe80::216:3eff:fe00:7711"

static const uint8_t forged_mac[6] = { 0x00, 0x16, 0x3e, 0x00, 0x77, 0x99 };
static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t all_nodes[6] = { 0x33, 0x33, 0, 0, 0, 1 };

static struct {
	struct pt_ns g1, g2, rtr;
	xhp_ctx *ctx;
} T;

/* Run @personality @action on @dev with caller settings (key, value ...,
 * NULL), no backend. Returns its result. */
static int run(const char *personality, int action, int kind, const char *dev,
	       ...) __attribute__((sentinel));
static int run(const char *personality, int action, int kind, const char *dev,
	       ...)
{
	xhp_device_opts opts = { .size = sizeof(opts) };
	xhp_request *req = NULL;
	xhp_settings *s = NULL;
	const char *k, *v;
	va_list ap;
	int r;

	assert_int_equal(xhp_settings_new(T.ctx, &s), 0);
	va_start(ap, dev);
	while ((k = va_arg(ap, const char *))) {
		v = va_arg(ap, const char *);
		if (xhp_settings_set(s, k, v) < 0)
			fail_msg("%s", xhp_ctx_last_error(T.ctx));
	}
	va_end(ap);
	assert_int_equal(xhp_request_new(T.ctx, action, kind, NULL, dev, &req),
			 0);
	opts.settings = s;
	r = xhp_device_run_ext(T.ctx, personality, req, &opts, NULL);
	xhp_request_free(req);
	xhp_settings_free(s);
	return r;
}

static char dry_log[16384];

static void log_fn(void *userdata, int priority, const char *message)
{
	(void)userdata;
	(void)priority;
	snprintf(dry_log + strlen(dry_log), sizeof(dry_log) - strlen(dry_log),
		 "%s\n", message);
}

/* A dry run prints the rules it would install and installs none. */
static void test_dry_run(void **state)
{
	xhp_device_opts opts = { .size = sizeof(opts),
				 .flags = XHP_DEVICE_DRY_RUN };
	xhp_request *req = NULL;
	xhp_settings *s = NULL;
	char *before = pt_nft_list(), *after;

	(void)state;
	dry_log[0] = '\0';
	xhp_ctx_set_log_fn(T.ctx, log_fn, NULL);
	xhp_ctx_set_log_priority(T.ctx, LOG_INFO);
	assert_int_equal(xhp_settings_new(T.ctx, &s), 0);
	assert_int_equal(xhp_settings_set(s, "mac", "00:16:3e:00:77:21"), 0);
	assert_int_equal(xhp_settings_set(s, "ip", "10.77.0.21"), 0);
	assert_int_equal(xhp_settings_set(s, "rate", "1000000,1000000"), 0);
	assert_int_equal(xhp_request_new(T.ctx, XHP_ACTION_ADD, XHP_KIND_TAP,
					 NULL, "vif2.0", &req),
			 0);
	opts.settings = s;
	assert_int_equal(xhp_device_run_ext(T.ctx, "policy", req, &opts, NULL),
			 0);
	xhp_ctx_set_log_fn(T.ctx, NULL, NULL);
	/* vif2.0's chains are in shard 0x6e (nft.h: stable) */
	xhp_request_free(req);
	xhp_settings_free(s);
	assert_non_null(strstr(
		dry_log,
		"dry run: would install in table netdev xhp-6e: dev-vif2.0: limit rate over 1000000 bytes/second counter drop comment \"xhp: over the rate\"\n"));
	assert_non_null(strstr(
		dry_log,
		"dry run: would install in table netdev xhp-6e: dev-vif2.0: ether saddr != 00:16:3e:00:77:21 counter drop comment \"xhp: forged source MAC\"\n"));
	assert_non_null(strstr(
		dry_log,
		"dry run: would install in table netdev xhp-6e: dev-vif2.0/ip4: ip saddr 10.77.0.21 return\n"));
	after = pt_nft_list();
	assert_string_equal(before, after);
	free(before);
	free(after);
}

static int setup(void **state)
{
	static const char *const a1[] = { IP1 "/24", IP6_1 "/64", NULL };
	static const char *const a2[] = { "10.77.0.12/24", "fd77::12/64",
					  NULL };
	static const char *const ar[] = { "10.77.0.1/24", "fd77::1/64", NULL };

	(void)state;
	pt_init();
	setenv("XHP_CONFIG", "/dev/null", 1);
	setenv("XENSTORED_PATH", "/nonexistent/xhp-no-xenstore", 1);
	assert_int_equal(xhp_ctx_new(&T.ctx), 0);
	pt_ns_new(&T.g1);
	pt_ns_new(&T.g2);
	pt_ns_new(&T.rtr);
	pt_run(NULL, "ip", "link", "add", "xpbr0", "type", "bridge", NULL);
	pt_run(NULL, "ip", "link", "set", "xpbr0", "up", NULL);
	pt_veth("vif1.0", &T.g1, MAC1, a1);
	pt_veth("vif2.0", &T.g2, MAC2, a2);
	pt_veth("rtr0", &T.rtr, NULL, ar);
	pt_run(NULL, "ip", "link", "set", "rtr0", "master", "xpbr0", NULL);
	pt_run(NULL, "ip", "link", "set", "vif2.0", "master", "xpbr0", NULL);
	if (run("vif-bridge", XHP_ACTION_ONLINE, XHP_KIND_VIF, "vif1.0",
		"bridge", "xpbr0", "mac", MAC1, "ip", IP1 " " IP6_1, NULL) < 0)
		fail_msg("vif-bridge online: %s", xhp_ctx_last_error(T.ctx));
	if (run("policy", XHP_ACTION_ADD, XHP_KIND_TAP, "vif2.0", "mac", MAC2,
		"ip", "10.77.0.12 fd77::12", NULL) < 0)
		fail_msg("policy add: %s", xhp_ctx_last_error(T.ctx));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_runl(NULL, "nft", "flush", "ruleset", "netdev", NULL);
	pt_ns_free(&T.g1);
	pt_ns_free(&T.g2);
	pt_ns_free(&T.rtr);
	xhp_ctx_unref(T.ctx);
	return 0;
}

/* Send @f N times from guest 1: how many reach the router and guest 2.
 * A failure names the line of the call. */
#define expect(...) expect_at(__LINE__, __VA_ARGS__)
static void expect_at(int line, struct pt_frame *f, int want, const char *chain,
		      const char *comment)
{
	long before = chain ? pt_counter(chain, comment) : 0;
	uint32_t tag = pt_send(&T.g1, f, N);
	int at_rtr = pt_count(&T.rtr, tag), at_g2 = pt_count(&T.g2, tag);

	if (at_rtr != want || at_g2 != want)
		fail_msg(
			"line %d: %d frames reached the router, %d guest 2, not %d",
			line, at_rtr, at_g2, want);
	if (chain && pt_counter(chain, comment) != before + N)
		fail_msg("line %d: counter %s of %s: %ld, not %ld", line,
			 comment, chain, pt_counter(chain, comment),
			 before + N);
}

static void test_own_traffic_passes(void **state)
{
	struct pt_frame f;

	(void)state;
	pt_udp4(&f, T.g1.mac, T.rtr.mac, IP1, "10.77.0.1", 4000, 4000, 0);
	/* unicast to the router: guest 2 sees it only while the bridge
	 * floods; send broadcast so both count */
	pt_udp4(&f, T.g1.mac, bcast, IP1, "10.77.0.255", 4000, 4000, 0);
	expect(&f, N, NULL, NULL);
	pt_udp6(&f, T.g1.mac, all_nodes, IP6_1, "ff02::1", 4000, 4000);
	expect(&f, N, NULL, NULL);
	pt_udp6(&f, T.g1.mac, all_nodes, LL1, "ff02::1", 4000, 4000);
	expect(&f, N, NULL, NULL);
	/* DHCP discover, DAD, its own ARP, NA for its own address */
	pt_udp4(&f, T.g1.mac, bcast, "0.0.0.0", "255.255.255.255", 68, 67, 0);
	expect(&f, N, NULL, NULL);
	pt_icmp6(&f, T.g1.mac, all_nodes, "::", "ff02::1", 135, "fd77::42");
	expect(&f, N, NULL, NULL);
	pt_arp(&f, T.g1.mac, IP1, "10.77.0.1", 1);
	expect(&f, N, NULL, NULL);
	pt_arp(&f, T.g1.mac, "0.0.0.0", "10.77.0.42", 1);
	expect(&f, N, NULL, NULL);
	pt_icmp6(&f, T.g1.mac, all_nodes, LL1, "ff02::1", 136, IP6_1);
	expect(&f, N, NULL, NULL);
	/* with its own MAC as the option; DAD with a nonce (RFC 7527) */
	pt_icmp6(&f, T.g1.mac, all_nodes, LL1, "ff02::1", 136, IP6_1);
	pt_nd_opt(&f, 2, T.g1.mac);
	expect(&f, N, NULL, NULL);
	pt_icmp6(&f, T.g1.mac, all_nodes, LL1, "ff02::1", 135, "fd77::1");
	pt_nd_opt(&f, 1, T.g1.mac);
	expect(&f, N, NULL, NULL);
	pt_icmp6(&f, T.g1.mac, all_nodes, "::", "ff02::1", 135, "fd77::43");
	pt_nd_opt(&f, 14, forged_mac);
	expect(&f, N, NULL, NULL);
	/* one 802.1Q tag: the kernel takes it off before the rules, which
	 * see the frame inside */
	pt_udp4(&f, T.g1.mac, bcast, IP1, "10.77.0.255", 4000, 4000, 0);
	pt_vlan(&f, 0x8100, 7);
	expect(&f, N, NULL, NULL);
}

/*
 * What hides a forged address from the rules: a second VLAN tag (the
 * kernel takes one off before the ingress hook, the rules matched the
 * ether type under it), an ARP whose lengths put the sender elsewhere,
 * a neighbour discovery link-layer option with another MAC.
 */
static void test_forged_hidden(void **state)
{
	struct pt_frame f;

	(void)state;
	/* one tag: the frame inside is checked */
	pt_udp4(&f, T.g1.mac, bcast, "10.77.0.99", "10.77.0.255", 4000, 4000,
		0);
	pt_vlan(&f, 0x8100, 7);
	expect(&f, 0, "dev-vif1.0/ip4", "xhp: forged IPv4 source");
	/* two (QinQ, and 802.1Q in 802.1Q) */
	pt_udp4(&f, T.g1.mac, bcast, "10.77.0.99", "10.77.0.255", 4000, 4000,
		0);
	pt_vlan(&f, 0x8100, 7);
	pt_vlan(&f, 0x88a8, 8);
	expect(&f, 0, "dev-vif1.0", "xhp: stacked VLAN tags");
	pt_arp(&f, T.g1.mac, "10.77.0.99", "10.77.0.99", 2);
	pt_vlan(&f, 0x8100, 7);
	pt_vlan(&f, 0x8100, 8);
	expect(&f, 0, "dev-vif1.0", "xhp: stacked VLAN tags");
	/* ARP with a hardware address length of 8 */
	pt_arp(&f, T.g1.mac, IP1, IP1, 2);
	f.b[18] = 8;
	expect(&f, 0, "dev-vif1.0", "xhp: ARP other than Ethernet/IPv4");
	/* NA for its own address, NS, with another MAC as the option */
	pt_icmp6(&f, T.g1.mac, all_nodes, LL1, "ff02::1", 136, IP6_1);
	pt_nd_opt(&f, 2, forged_mac);
	expect(&f, 0, "dev-vif1.0",
	       "xhp: neighbour advertisement of another MAC");
	pt_icmp6(&f, T.g1.mac, all_nodes, LL1, "ff02::1", 135, "fd77::1");
	pt_nd_opt(&f, 1, forged_mac);
	expect(&f, 0, "dev-vif1.0",
	       "xhp: neighbour solicitation from another MAC");
	pt_icmp6(&f, T.g1.mac, all_nodes, LL1, "ff02::1", 135, "fd77::1");
	pt_nd_opt(&f, 1, T.g1.mac);
	pt_nd_opt(&f, 1, forged_mac);
	expect(&f, 0, "dev-vif1.0",
	       "xhp: neighbour solicitation with two source MACs");
	/* its own first, another after it */
	pt_icmp6(&f, T.g1.mac, all_nodes, LL1, "ff02::1", 136, IP6_1);
	pt_nd_opt(&f, 2, T.g1.mac);
	pt_nd_opt(&f, 2, forged_mac);
	expect(&f, 0, "dev-vif1.0",
	       "xhp: neighbour advertisement with two target MACs");
}

static void test_forged_dropped(void **state)
{
	struct pt_frame f;

	(void)state;
	pt_udp4(&f, forged_mac, bcast, IP1, "10.77.0.255", 4000, 4000, 0);
	expect(&f, 0, "dev-vif1.0", "xhp: forged source MAC");
	pt_udp4(&f, T.g1.mac, bcast, "10.77.0.99", "10.77.0.255", 4000, 4000,
		0);
	expect(&f, 0, "dev-vif1.0/ip4", "xhp: forged IPv4 source");
	pt_udp6(&f, T.g1.mac, all_nodes, "fd77::99", "ff02::1", 4000, 4000);
	expect(&f, 0, "dev-vif1.0/ip6", "xhp: forged IPv6 source");
	/* gratuitous ARP for another IP */
	pt_arp(&f, T.g1.mac, "10.77.0.99", "10.77.0.99", 2);
	expect(&f, 0, "dev-vif1.0/arp", "xhp: forged ARP sender IP");
	/* ARP whose sender MAC is not the frame's */
	pt_arp(&f, T.g1.mac, IP1, IP1, 2);
	memcpy(f.b + 22, forged_mac, 6);
	expect(&f, 0, "dev-vif1.0", "xhp: forged ARP sender MAC");
	pt_icmp6(&f, T.g1.mac, all_nodes, LL1, "ff02::1", 136, "fd77::99");
	expect(&f, 0, "dev-vif1.0/nd",
	       "xhp: neighbour advertisement for another address");
	pt_icmp6(&f, T.g1.mac, all_nodes, LL1, "ff02::1", 134, NULL);
	expect(&f, 0, "dev-vif1.0", "xhp: router advertisement");
	pt_icmp6(&f, T.g1.mac, all_nodes, LL1, "ff02::1", 137, "fd77::1");
	expect(&f, 0, "dev-vif1.0", "xhp: ICMPv6 redirect");
	/* a DHCP offer from the guest's own address */
	pt_udp4(&f, T.g1.mac, bcast, IP1, "255.255.255.255", 67, 68, 0);
	expect(&f, 0, "dev-vif1.0", "xhp: DHCP server reply");
	pt_udp6(&f, T.g1.mac, all_nodes, LL1, "ff02::1", 547, 546);
	expect(&f, 0, "dev-vif1.0", "xhp: DHCPv6 server reply");
}

/* Guest 2, policed by the `policy` personality, is held to its own. */
static void test_policy_personality(void **state)
{
	struct pt_frame f;
	uint32_t tag;

	(void)state;
	pt_udp4(&f, T.g2.mac, bcast, "10.77.0.12", "10.77.0.255", 1, 1, 0);
	tag = pt_send(&T.g2, &f, N);
	assert_int_equal(pt_count(&T.rtr, tag), N);
	pt_udp4(&f, T.g2.mac, bcast, IP1, "10.77.0.255", 1, 1, 0);
	tag = pt_send(&T.g2, &f, N);
	assert_int_equal(pt_count(&T.rtr, tag), 0);
	assert_int_equal(
		pt_counter("dev-vif2.0/ip4", "xhp: forged IPv4 source"), N);
}

static void test_isolated(void **state)
{
	struct pt_frame f;
	uint32_t tag;

	(void)state;
	/* without isolation guest 1 reaches guest 2 (checked above); now
	 * both ports isolated */
	assert_int_equal(run("policy", XHP_ACTION_ONLINE, XHP_KIND_VIF,
			     "vif1.0", "mac", MAC1, "ip", IP1 " " IP6_1,
			     "isolated", "yes", NULL),
			 0);
	assert_int_equal(run("policy", XHP_ACTION_ONLINE, XHP_KIND_VIF,
			     "vif2.0", "mac", MAC2, "ip", "10.77.0.12",
			     "isolated", "yes", NULL),
			 0);
	pt_udp4(&f, T.g1.mac, bcast, IP1, "10.77.0.255", 4000, 4000, 0);
	tag = pt_send(&T.g1, &f, N);
	assert_int_equal(pt_count(&T.rtr, tag), N);
	assert_int_equal(pt_count(&T.g2, tag), 0);
	pt_udp4(&f, T.g2.mac, bcast, "10.77.0.12", "10.77.0.255", 1, 1, 0);
	tag = pt_send(&T.g2, &f, N);
	assert_int_equal(pt_count(&T.rtr, tag), N);
	assert_int_equal(pt_count(&T.g1, tag), 0);
	/* the router (not isolated) reaches both */
	pt_udp4(&f, T.rtr.mac, bcast, "10.77.0.1", "10.77.0.255", 1, 1, 0);
	tag = pt_send(&T.rtr, &f, N);
	assert_int_equal(pt_count(&T.g1, tag), N);
	assert_int_equal(pt_count(&T.g2, tag), N);
	/* isolated = no ends it (guest 2 reaches guest 1 again) */
	assert_int_equal(run("policy", XHP_ACTION_ONLINE, XHP_KIND_VIF,
			     "vif1.0", "mac", MAC1, "ip", IP1 " " IP6_1,
			     "isolated", "no", NULL),
			 0);
	pt_udp4(&f, T.g2.mac, bcast, "10.77.0.12", "10.77.0.255", 1, 1, 0);
	tag = pt_send(&T.g2, &f, N);
	assert_int_equal(pt_count(&T.g1, tag), N);
}

static void test_settings_refused(void **state)
{
	(void)state;
	assert_int_equal(run("policy", XHP_ACTION_ONLINE, XHP_KIND_VIF,
			     "vif1.0", "antispoof", "strict", NULL),
			 -EINVAL);
	assert_string_equal(
		xhp_ctx_last_error(T.ctx),
		"anti-spoofing (strict) needs the guest's mac: none given");
	assert_int_equal(run("policy", XHP_ACTION_ONLINE, XHP_KIND_VIF,
			     "nosuch0", "antispoof", "off", NULL),
			 -ENODEV);
	assert_string_equal(xhp_ctx_last_error(T.ctx),
			    "Could not find device nosuch0");
	/* a device that is no bridge port cannot be isolated */
	assert_int_equal(run("policy", XHP_ACTION_ONLINE, XHP_KIND_VIF, "lo",
			     "isolated", "yes", NULL),
			 -EINVAL);
	assert_string_equal(
		xhp_ctx_last_error(T.ctx),
		"cannot set isolated on lo: it is not a bridge port");
	/* the bridge, loopback: no guest's devices (a libvirt <target dev>
	 * may name anything) */
	assert_int_equal(run("policy", XHP_ACTION_ADD, XHP_KIND_TAP, "xpbr0",
			     "mac", MAC1, "antispoof", "strict", NULL),
			 -EINVAL);
	assert_string_equal(
		xhp_ctx_last_error(T.ctx),
		"refusing a guest network policy on xpbr0: it is a bridge, not a guest's device");
	assert_int_equal(run("policy", XHP_ACTION_ONLINE, XHP_KIND_VIF, "xpbr0",
			     "mac", MAC1, "antispoof", "strict", NULL),
			 -EINVAL);
	assert_string_equal(
		xhp_ctx_last_error(T.ctx),
		"refusing a guest network policy on xpbr0: it is a bridge, not a guest's device");
	assert_int_equal(run("policy", XHP_ACTION_ADD, XHP_KIND_TAP, "lo",
			     "mac", MAC1, "antispoof", "strict", NULL),
			 -EINVAL);
	assert_string_equal(
		xhp_ctx_last_error(T.ctx),
		"refusing a guest network policy on lo: it is no tun/tap, macvtap or veth (link kind none)");
	/* the refusals changed nothing: both devices keep their 5 chains */
	assert_int_equal(pt_chains(), 10);
}

/* offline removes every chain of the device; the other's stay. */
static void test_offline_removes(void **state)
{
	char *out;

	(void)state;
	if (run("vif-bridge", XHP_ACTION_OFFLINE, XHP_KIND_VIF, "vif1.0",
		NULL) < 0)
		fail_msg("offline: %s", xhp_ctx_last_error(T.ctx));
	out = pt_nft_list();
	assert_non_null(out);
	assert_null(strstr(out, "dev-vif1.0"));
	assert_non_null(strstr(out, "chain dev-vif2.0 {"));
	free(out);
	assert_int_equal(run("policy", XHP_ACTION_REMOVE, XHP_KIND_TAP,
			     "vif2.0", NULL),
			 0);
	assert_int_equal(pt_chains(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_own_traffic_passes),
		cmocka_unit_test(test_forged_dropped),
		cmocka_unit_test(test_forged_hidden),
		cmocka_unit_test(test_policy_personality),
		cmocka_unit_test(test_isolated),
		cmocka_unit_test(test_settings_refused),
		cmocka_unit_test(test_dry_run),
		cmocka_unit_test(test_offline_removes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
