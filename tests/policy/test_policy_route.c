// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The guest policy on a routed vif, with real frames: vif-route plugs
 * vif3.0 (a veth whose peer is the guest's eth0) with caller settings
 * (ip, mac, netdev: the gateway rtr1, a veth to the "router" namespace);
 * the test's namespace forwards. The guest sends UDP to the router from
 * its own address, from a forged address and with a forged MAC: with
 * antispoof=off everything is routed (the test sees a missing rule);
 * with the policy (auto: mac and ip) only its own traffic is, the forged
 * ones are counted by their rules and never reach the router; offline
 * removes the chains.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pt.h"
#include "testutil.h"

#define N 3
#define MAC "00:16:3e:00:79:11"
#define IP "10.79.0.11"

static const uint8_t forged_mac[6] = { 0x00, 0x16, 0x3e, 0x00, 0x79, 0x99 };

static struct {
	struct pt_ns g, rtr;
	xhp_ctx *ctx;
	uint8_t vif_mac[6];
} T;

static void route(int action, const char *antispoof)
{
	xhp_device_opts opts = { .size = sizeof(opts) };
	xhp_request *req = NULL;
	xhp_settings *s = NULL;

	assert_int_equal(xhp_settings_new(T.ctx, &s), 0);
	assert_int_equal(xhp_settings_set(s, "ip", IP), 0);
	assert_int_equal(xhp_settings_set(s, "mac", MAC), 0);
	assert_int_equal(xhp_settings_set(s, "netdev", "rtr1"), 0);
	assert_int_equal(xhp_settings_set(s, "antispoof", antispoof), 0);
	assert_int_equal(xhp_request_new(T.ctx, action, XHP_KIND_VIF, NULL,
					 "vif3.0", &req),
			 0);
	opts.settings = s;
	if (xhp_device_run_ext(T.ctx, "vif-route", req, &opts, NULL) < 0)
		fail_msg("vif-route: %s", xhp_ctx_last_error(T.ctx));
	xhp_request_free(req);
	xhp_settings_free(s);
}

static int send_udp(const uint8_t smac[6], const char *sip)
{
	struct pt_frame f;
	uint32_t tag;

	pt_udp4(&f, smac, T.vif_mac, sip, "10.79.1.1", 6000, 6000, 0);
	tag = pt_send(&T.g, &f, N);
	return pt_count(&T.rtr, tag);
}

static int setup(void **state)
{
	static const char *const ag[] = { IP "/32", NULL };
	static const char *const ar[] = { "10.79.1.1/24", NULL };

	(void)state;
	pt_init();
	setenv("XHP_CONFIG", "/dev/null", 1);
	assert_int_equal(xhp_ctx_new(&T.ctx), 0);
	pt_ns_new(&T.g);
	pt_ns_new(&T.rtr);
	pt_run(NULL, "sysctl", "-qw", "net.ipv4.ip_forward=1", NULL);
	pt_veth("rtr1", &T.rtr, NULL, ar);
	pt_run(NULL, "ip", "addr", "add", "10.79.1.254/24", "dev", "rtr1",
	       NULL);
	pt_run(&T.rtr, "ip", "route", "add", "10.79.0.0/24", "via",
	       "10.79.1.254", NULL);
	pt_veth("vif3.0", &T.g, MAC, ag);
	pt_run(&T.g, "ip", "route", "add", "default", "dev", "eth0", NULL);
	/* the vif's own MAC: where the guest sends its frames */
	pt_link_mac("vif3.0", T.vif_mac);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_runl(NULL, "nft", "flush", "ruleset", "netdev", NULL);
	pt_ns_free(&T.g);
	pt_ns_free(&T.rtr);
	xhp_ctx_unref(T.ctx);
	return 0;
}

/* Without a policy forged sources are routed: what the rules stop. */
static void test_off_routes_forged(void **state)
{
	(void)state;
	route(XHP_ACTION_ONLINE, "off");
	assert_int_equal(pt_chains(), 0);
	assert_int_equal(send_udp(T.g.mac, IP), N);
	assert_int_equal(send_udp(T.g.mac, "10.79.0.99"), N);
	assert_int_equal(send_udp(forged_mac, IP), N);
	route(XHP_ACTION_OFFLINE, "off");
}

static void test_policy_stops_forged(void **state)
{
	(void)state;
	route(XHP_ACTION_ONLINE, "auto");
	assert_int_equal(pt_chains(), 1);
	assert_int_equal(send_udp(T.g.mac, IP), N);
	assert_int_equal(send_udp(T.g.mac, "10.79.0.99"), 0);
	assert_int_equal(pt_counter("dev-vif3.0", "xhp: forged IPv4 source"),
			 N);
	assert_int_equal(send_udp(forged_mac, IP), 0);
	assert_int_equal(pt_counter("dev-vif3.0", "xhp: forged source MAC"), N);
	route(XHP_ACTION_OFFLINE, "auto");
	assert_int_equal(pt_chains(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_off_routes_forged),
		cmocka_unit_test(test_policy_stops_forged),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
