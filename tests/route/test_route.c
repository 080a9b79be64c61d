// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * vif-route against the kernel: each test in its own network namespace
 * with a veth pair as the gateway device (eth0), taps as the vif
 * (vif3.0) and the emulated NIC (vif3.0-emu), and a private test
 * xenstored. Kernel state is read back with `ip -d -j` and /proc/sys.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <cmocka.h>

#include "route_util.h"
#include "testutil.h"

static struct ru_env env;

static int setup_both(void **state)
{
	(void)state;
	return ru_setup(&env, true, true) == 0 && ru_tap(RU_VIF) == 0 ? 0 : -1;
}

static int setup_v4(void **state)
{
	(void)state;
	return ru_setup(&env, true, false) == 0 && ru_tap(RU_VIF) == 0 ? 0 : -1;
}

static int setup_v6(void **state)
{
	(void)state;
	return ru_setup(&env, false, true) == 0 && ru_tap(RU_VIF) == 0 ? 0 : -1;
}

static int setup_none(void **state)
{
	(void)state;
	return ru_setup(&env, false, false) == 0 && ru_tap(RU_VIF) == 0 ? 0 :
									  -1;
}

static int teardown(void **state)
{
	(void)state;
	ru_teardown(&env);
	return 0;
}

/*
 * vif-route in-process for backend/vif/<domid>/0 and device @dev (a vif).
 * Returns the run's result; *msg (may be NULL) gets the context's error.
 */
static char run_log[4096];

static void run_log_fn(void *userdata, int priority, const char *message)
{
	size_t n = strlen(run_log);

	(void)userdata;
	if (priority <= LOG_INFO)
		snprintf(run_log + n, sizeof(run_log) - n, "%s\n", message);
}

static int run_be(int action, unsigned int domid, const char *dev, char **msg)
{
	xhp_request *req;
	xhp_ctx *ctx;
	char path[64];
	int r;

	snprintf(path, sizeof(path), "backend/vif/%u/0", domid);
	run_log[0] = '\0';
	assert_int_equal(xhp_ctx_new(&ctx), 0);
	xhp_ctx_set_log_fn(ctx, run_log_fn, NULL);
	xhp_ctx_set_log_priority(ctx, LOG_DEBUG);
	assert_int_equal(
		xhp_request_new(ctx, action, XHP_KIND_VIF, path, dev, &req), 0);
	r = xhp_device_run(ctx, "vif-route", req, NULL);
	if (msg)
		*msg = strdup(xhp_ctx_last_error(ctx));
	xhp_request_free(req);
	xhp_ctx_unref(ctx);
	return r;
}

/* Assert one route in table main through @dev. */
static void check_route(const char *dev, const char *dst, const char *src,
			int metric)
{
	json_t *routes = ru_routes(dev), *r;

	assert_non_null(routes);
	r = ru_find_route(routes, dst);
	if (!r)
		fail_msg("no route to %s in table main via %s", dst, dev);
	assert_string_equal(json_string_value(json_object_get(r, "type")),
			    "unicast");
	if (src)
		assert_string_equal(
			json_string_value(json_object_get(r, "prefsrc")), src);
	assert_int_equal(json_integer_value(json_object_get(r, "metric")),
			 metric);
	json_decref(routes);
}

/* Number of main-table routes through @dev (link-local ones aside). */
static int main_routes(const char *dev)
{
	json_t *routes = ru_routes(dev), *r;
	size_t i;
	int n = 0;

	json_array_foreach(routes, i, r) {
		const char *t = json_string_value(json_object_get(r, "table"));
		const char *d = json_string_value(json_object_get(r, "dst"));

		if (t && !strcmp(t, "main") && d && strncmp(d, "fe80:", 5))
			n++;
	}
	json_decref(routes);
	return n;
}

static void check_connected(void)
{
	char *s = tu_xs_read(NULL, RU_KEY("hotplug-status"));

	assert_non_null(s);
	assert_string_equal(s, "connected");
	free(s);
}

/* Nothing of vif-route's left on the vif or the gateway. */
static void check_clean(const char *dev)
{
	assert_int_equal(main_routes(dev), 0);
	assert_int_equal(ru_addr_count(dev, 4), 0);
	assert_false(ru_link_up(dev));
	assert_int_equal(ru_sysctl(4, dev, "proxy_arp"), 0);
	assert_int_equal(ru_sysctl(6, dev, "proxy_ndp"), 0);
	assert_int_equal(ru_proxy_count(RU_GW, NULL), 0);
}

static void online_ok(const char *ip)
{
	char *msg = NULL;

	if (ip)
		assert_int_equal(tu_xs_write(NULL, RU_KEY("ip"), ip), 0);
	if (ru_ours("online", false, NULL, &msg) != 0)
		fail_msg("online failed: %s", msg);
	free(msg);
}

static void test_ipv4_only(void **state)
{
	(void)state;
	online_ok("10.0.0.5 10.1.0.0/24");
	check_connected();
	assert_true(ru_has_addr(RU_VIF, RU_GW4, 32));
	assert_int_equal(ru_addr_count(RU_VIF, 4), 1);
	assert_true(ru_link_up(RU_VIF));
	assert_int_equal(ru_sysctl(4, RU_VIF, "proxy_arp"), 1);
	assert_int_equal(ru_sysctl(6, RU_VIF, "proxy_ndp"), 0);
	check_route(RU_VIF, "10.0.0.5", RU_GW4, 2);
	check_route(RU_VIF, "10.1.0.0/24", RU_GW4, 2);
	assert_int_equal(main_routes(RU_VIF), 2);
	assert_int_equal(ru_proxy_count(RU_GW, NULL), 0);
}

static void test_ipv6_only(void **state)
{
	(void)state;
	online_ok("2001:db8:1::5 2001:db8:2::/64 2001:db8:3::7/64");
	check_connected();
	check_route(RU_VIF, "2001:db8:1::5", RU_GW6, 2);
	check_route(RU_VIF, "2001:db8:2::/64", RU_GW6, 2);
	/* host bits under an IPv6 prefix: the route is the prefix */
	check_route(RU_VIF, "2001:db8:3::/64", RU_GW6, 2);
	assert_int_equal(main_routes(RU_VIF), 3);
	assert_int_equal(ru_sysctl(6, RU_VIF, "proxy_ndp"), 1);
	/* proxies for addresses, not for bare prefixes */
	assert_int_equal(ru_proxy_count(RU_GW, "2001:db8:1::5"), 1);
	assert_int_equal(ru_proxy_count(RU_GW, "2001:db8:3::7"), 1);
	assert_int_equal(ru_proxy_count(RU_GW, NULL), 2);
	/* the gateway has IPv4 too: the vif gets it, as Xen does */
	assert_true(ru_has_addr(RU_VIF, RU_GW4, 32));
	assert_int_equal(ru_sysctl(4, RU_VIF, "proxy_arp"), 1);
}

/* An IPv6-only gateway serves IPv6-only ip lists. */
static void test_ipv6_only_gateway(void **state)
{
	(void)state;
	online_ok("2001:db8:1::5");
	check_connected();
	check_route(RU_VIF, "2001:db8:1::5", RU_GW6, 2);
	assert_int_equal(ru_addr_count(RU_VIF, 4), 0);
	assert_int_equal(ru_sysctl(4, RU_VIF, "proxy_arp"), 0);
	assert_int_equal(ru_proxy_count(RU_GW, "2001:db8:1::5"), 1);
	assert_true(ru_link_up(RU_VIF));
	assert_int_equal(ru_ours("offline", false, NULL, NULL), 0);
	check_clean(RU_VIF);
}

static void test_mixed(void **state)
{
	(void)state;
	online_ok("10.0.0.5 2001:db8:1::5 10.2.0.0/16 2001:db8:2::/48");
	check_connected();
	check_route(RU_VIF, "10.0.0.5", RU_GW4, 2);
	check_route(RU_VIF, "10.2.0.0/16", RU_GW4, 2);
	check_route(RU_VIF, "2001:db8:1::5", RU_GW6, 2);
	check_route(RU_VIF, "2001:db8:2::/48", RU_GW6, 2);
	assert_int_equal(main_routes(RU_VIF), 4);
	assert_int_equal(ru_sysctl(4, RU_VIF, "proxy_arp"), 1);
	assert_int_equal(ru_sysctl(6, RU_VIF, "proxy_ndp"), 1);
	assert_int_equal(ru_proxy_count(RU_GW, NULL), 1);
}

static void test_several(void **state)
{
	char ip[4096] = "", dst[64];
	int i;

	(void)state;
	for (i = 1; i <= 40; i++) {
		snprintf(dst, sizeof(dst), "%s10.0.%d.%d", i > 1 ? " " : "",
			 i / 8, i);
		strcat(ip, dst);
	}
	for (i = 1; i <= 24; i++) {
		snprintf(dst, sizeof(dst), " 2001:db8:5::%x", i);
		strcat(ip, dst);
	}
	online_ok(ip);
	check_connected();
	assert_int_equal(main_routes(RU_VIF), 64);
	check_route(RU_VIF, "10.0.5.40", RU_GW4, 2);
	check_route(RU_VIF, "2001:db8:5::18", RU_GW6, 2);
	assert_int_equal(ru_proxy_count(RU_GW, NULL), 24);
	assert_int_equal(ru_ours("offline", false, NULL, NULL), 0);
	check_clean(RU_VIF);
}

/* vif: metric 2; the emulated NIC's tap: metric 1 (Xen's priorities). */
static void test_tap_vs_vif(void **state)
{
	char *msg = NULL;

	(void)state;
	assert_int_equal(ru_tap(RU_TAP), 0);
	assert_int_equal(
		tu_xs_write(NULL, RU_KEY("ip"), "10.0.0.5 2001:db8:1::5"), 0);
	if (ru_ours("add", true, NULL, &msg) != 0)
		fail_msg("tap add failed: %s", msg);
	free(msg);
	/* no hotplug-status for a tap: Xen's script calls success only
	 * for vif online */
	assert_null(tu_xs_read(NULL, RU_KEY("hotplug-status")));
	online_ok(NULL);
	check_route(RU_TAP, "10.0.0.5", RU_GW4, 1);
	check_route(RU_TAP, "2001:db8:1::5", RU_GW6, 1);
	check_route(RU_VIF, "10.0.0.5", RU_GW4, 2);
	check_route(RU_VIF, "2001:db8:1::5", RU_GW6, 2);
	assert_true(ru_has_addr(RU_TAP, RU_GW4, 32));
	/* the emulated NIC unplugged: the vif's routes stay */
	assert_int_equal(ru_ours("remove", true, NULL, NULL), 0);
	assert_int_equal(main_routes(RU_TAP), 0);
	check_route(RU_VIF, "10.0.0.5", RU_GW4, 2);
	/* and so does the proxy entry the vif still needs */
	assert_int_equal(ru_proxy_count(RU_GW, "2001:db8:1::5"), 1);
	assert_int_equal(ru_ours("offline", false, NULL, NULL), 0);
	check_clean(RU_VIF);
	check_clean(RU_TAP);
	/* the tap's online and the vif's add are no-ops */
	assert_int_equal(ru_ours("online", true, NULL, NULL), 0);
	assert_int_equal(ru_ours("add", false, NULL, NULL), 0);
	check_clean(RU_TAP);
	check_clean(RU_VIF);
}

static void test_offline(void **state)
{
	(void)state;
	online_ok("10.0.0.5 10.1.0.0/24 2001:db8:1::5");
	assert_int_equal(ru_ours("offline", false, NULL, NULL), 0);
	check_clean(RU_VIF);
	/* the gateway is untouched */
	assert_true(ru_has_addr(RU_GW, RU_GW4, 24));
	assert_true(ru_link_up(RU_GW));
	/* again: what is gone is success */
	assert_int_equal(ru_ours("offline", false, NULL, NULL), 0);
	check_clean(RU_VIF);
}

/* The guest destroyed first: the vif is gone, the gateway's proxy entries
 * (which would outlive it) still go. */
static void test_offline_vif_gone(void **state)
{
	(void)state;
	online_ok("10.0.0.5 2001:db8:1::5");
	assert_int_equal(ru_proxy_count(RU_GW, NULL), 1);
	assert_int_equal(tu_runl(NULL, "ip", "link", "del", RU_VIF, NULL), 0);
	assert_int_equal(ru_ours("offline", false, NULL, NULL), 0);
	assert_int_equal(ru_proxy_count(RU_GW, NULL), 0);
}

static void test_double_online(void **state)
{
	char *before, *after;

	(void)state;
	online_ok("10.0.0.5 10.1.0.0/24 2001:db8:1::5");
	before = ru_state(RU_VIF);
	assert_int_equal(tu_xs_write(NULL, RU_KEY("hotplug-status"), ""), 0);
	online_ok(NULL);
	check_connected();
	after = ru_state(RU_VIF);
	assert_string_equal(before, after);
	assert_int_equal(main_routes(RU_VIF), 3);
	assert_int_equal(ru_proxy_count(RU_GW, NULL), 1);
	free(before);
	free(after);
	/* one offline undoes it all */
	assert_int_equal(ru_ours("offline", false, NULL, NULL), 0);
	check_clean(RU_VIF);
}

static void expect_failure(const char *ip, const char *const extra[],
			   const char *want)
{
	char *msg = NULL, *s;

	if (ip)
		assert_int_equal(tu_xs_write(NULL, RU_KEY("ip"), ip), 0);
	assert_int_equal(ru_ours("online", false, extra, &msg), 1);
	assert_non_null(msg);
	if (!strstr(msg, want))
		fail_msg("message '%s' lacks '%s'", msg, want);
	s = tu_xs_read(NULL, RU_KEY("hotplug-status"));
	assert_non_null(s);
	assert_string_equal(s, "error");
	free(s);
	s = tu_xs_read(NULL, RU_KEY("hotplug-error"));
	assert_non_null(s);
	assert_string_equal(s, msg);
	free(s);
	free(msg);
	check_clean(RU_VIF);
}

static void test_gateway_without_address(void **state)
{
	(void)state;
	expect_failure("10.0.0.5", NULL,
		       "gateway device eth0 has no IPv4 address; set "
		       "gatewaydev= in the vif spec");
	/* an empty ip list needs the IPv4 address too */
	expect_failure("", NULL, "gateway device eth0 has no IPv4 address");
	expect_failure("10.0.0.5",
		       (const char *const[]){ "netdev=nosuch0", NULL },
		       "gateway device nosuch0 does not exist; set "
		       "gatewaydev= in the vif spec");
}

/* IPv6 entries and a gateway with IPv4 only. */
static void test_gateway_without_ipv6(void **state)
{
	(void)state;
	expect_failure("10.0.0.5 2001:db8:1::5", NULL,
		       "gateway device eth0 has no global IPv6 address");
}

static void test_malformed_ip(void **state)
{
	static const struct {
		const char *ip, *why;
	} bad[] = {
		{ "10.0.0.300", "bad ip '10.0.0.300'" },
		{ "10.0.0.5/33", "bad ip '10.0.0.5/33'" },
		{ "10.0.0.5 nonsense", "bad ip '10.0.0.5 nonsense'" },
		{ "2001:db8::1/129", "bad ip" },
		{ "10.0.0.5/24", "host bits set" },
		{ "0.0.0.0/0", "a /0 route" },
		{ "10.0.0.5,10.0.0.6", "bad ip" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_failure(bad[i].ip, NULL, bad[i].why);
}

/* A route in the way half-way through: everything this run did is
 * undone, what was there before stays. */
static void test_rollback(void **state)
{
	(void)state;
	assert_int_equal(tu_runl(NULL, "ip", "route", "add", "10.0.0.7", "dev",
				 RU_GW, "metric", "2", NULL),
			 0);
	expect_failure("10.0.0.5 2001:db8:1::5 10.0.0.7", NULL,
		       "another route to 10.0.0.7/32 with metric 2 is in "
		       "the way");
	check_route(RU_GW, "10.0.0.7", NULL, 2);
	/* and a vifname rename is undone too */
	assert_int_equal(tu_xs_write(NULL, RU_KEY("vifname"), "guest3"), 0);
	expect_failure(NULL, NULL, "is in the way");
	assert_true(ru_link_exists(RU_VIF));
	assert_false(ru_link_exists("guest3"));
}

static void test_vifname(void **state)
{
	(void)state;
	assert_int_equal(tu_xs_write(NULL, RU_KEY("vifname"), "guest3"), 0);
	online_ok("10.0.0.5");
	assert_false(ru_link_exists(RU_VIF));
	check_route("guest3", "10.0.0.5", RU_GW4, 2);
	assert_int_equal(ru_sysctl(4, "guest3", "proxy_arp"), 1);
	online_ok(NULL); /* already renamed: still fine */
	assert_int_equal(ru_ours("offline", false, NULL, NULL), 0);
	check_clean("guest3");
}

#define BE2 "/local/domain/0/backend/vif/2/0"

/*
 * Guest 2 runs with vifname web; guest 3 is given the same vifname: its
 * online is refused, and its offline (libxl runs it at teardown) leaves
 * guest 2's web as it was: up, its /32, proxy_arp and route.
 */
static void test_offline_foreign_vifname(void **state)
{
	char *before, *msg = NULL;

	(void)state;
	assert_int_equal(ru_tap("vif2.0"), 0);
	assert_int_equal(tu_xs_write(NULL, BE2 "/vifname", "web"), 0);
	assert_int_equal(tu_xs_write(NULL, BE2 "/ip", "10.0.0.2"), 0);
	assert_int_equal(run_be(XHP_ACTION_ONLINE, 2, "vif2.0", NULL), 0);
	check_route("web", "10.0.0.2", RU_GW4, 2);
	before = ru_state("web");

	assert_int_equal(tu_xs_write(NULL, RU_KEY("vifname"), "web"), 0);
	assert_int_equal(tu_xs_write(NULL, RU_KEY("ip"), "10.0.0.3"), 0);
	assert_int_equal(run_be(XHP_ACTION_ONLINE, RU_DOMID, RU_VIF, &msg),
			 -EEXIST);
	assert_string_equal(msg, "Cannot rename interface vif3.0. An "
				 "interface with name web already exists.");
	free(msg);
	check_clean(RU_VIF);
	assert_int_equal(run_be(XHP_ACTION_OFFLINE, RU_DOMID, RU_VIF, NULL), 0);
	{
		char *after = ru_state("web");

		assert_string_equal(before, after);
		free(after);
	}
	/* netback deleted vif3.0: nothing of guest 3's is left. */
	assert_int_equal(tu_runl(NULL, "ip", "link", "del", RU_VIF, NULL), 0);
	assert_int_equal(run_be(XHP_ACTION_OFFLINE, RU_DOMID, RU_VIF, NULL), 0);
	{
		char *after = ru_state("web");

		assert_string_equal(before, after);
		free(after);
	}
	assert_non_null(strstr(run_log, "nothing of ours to remove on web: "
					"web is not backend/vif/3/0's vif: "
					"its alias is 'vif2.0', not vif3.0"));
	assert_true(ru_link_up("web"));
	assert_int_equal(ru_sysctl(4, "web", "proxy_arp"), 1);
	check_route("web", "10.0.0.2", RU_GW4, 2);
	free(before);
	/* Guest 2's own offline still finds it. */
	assert_int_equal(run_be(XHP_ACTION_OFFLINE, 2, "vif2.0", NULL), 0);
	check_clean("web");
}

/*
 * vifname=eth0, the uplink (a typo, or a copied config): the offline of
 * the guest whose vif is gone must not take the uplink down or reset the
 * host's proxy_arp on it.
 */
static void test_offline_vifname_uplink(void **state)
{
	char *msg = NULL;

	(void)state;
	assert_int_equal(ru_sysctl_set(4, RU_GW, "proxy_arp", 1), 0);
	assert_int_equal(tu_xs_write(NULL, RU_KEY("vifname"), RU_GW), 0);
	assert_int_equal(tu_xs_write(NULL, RU_KEY("ip"), "10.0.0.5"), 0);
	assert_int_equal(run_be(XHP_ACTION_ONLINE, RU_DOMID, RU_VIF, &msg),
			 -EEXIST);
	assert_string_equal(msg, "Cannot rename interface vif3.0. An "
				 "interface with name eth0 already exists.");
	free(msg);
	assert_int_equal(tu_runl(NULL, "ip", "link", "del", RU_VIF, NULL), 0);
	assert_int_equal(run_be(XHP_ACTION_OFFLINE, RU_DOMID, RU_VIF, NULL), 0);
	assert_true(ru_link_up(RU_GW));
	assert_int_equal(ru_sysctl(4, RU_GW, "proxy_arp"), 1);
	assert_true(ru_has_addr(RU_GW, RU_GW4, 24));
	assert_non_null(strstr(run_log, "eth0 is not backend/vif/3/0's vif: "
					"it has no alias vif3.0"));
	/* And vif=eth0 itself (a typo) is refused before anything. */
	assert_int_equal(tu_xs_write(NULL, RU_KEY("vifname"), ""), 0);
	assert_int_equal(run_be(XHP_ACTION_ONLINE, RU_DOMID, RU_GW, &msg),
			 -EINVAL);
	assert_string_equal(msg, "device eth0 is not backend/vif/3/0's vif "
				 "(expected vif3.0 or its vifname)");
	free(msg);
	assert_int_equal(run_be(XHP_ACTION_OFFLINE, RU_DOMID, RU_GW, NULL),
			 -EINVAL);
	assert_true(ru_link_up(RU_GW));
	assert_int_equal(ru_sysctl(4, RU_GW, "proxy_arp"), 1);
	assert_int_equal(ru_addr_count(RU_GW, 4), 1);
}

/* The gateway named by netdev (libxl's gatewaydev), or gatewaydev. */
static void test_netdev(void **state)
{
	(void)state;
	assert_int_equal(tu_runl(NULL, "ip", "link", "add", "uplink0", "type",
				 "veth", "peer", "name", "uplink0p", NULL),
			 0);
	assert_int_equal(tu_runl(NULL, "ip", "addr", "add", "172.16.0.1/16",
				 "dev", "uplink0", NULL),
			 0);
	assert_int_equal(tu_xs_write(NULL, RU_KEY("ip"), "10.0.0.5"), 0);
	assert_int_equal(
		ru_ours("online", false,
			(const char *const[]){ "netdev=uplink0", NULL }, NULL),
		0);
	check_route(RU_VIF, "10.0.0.5", "172.16.0.1", 2);
	assert_true(ru_has_addr(RU_VIF, "172.16.0.1", 32));
	assert_int_equal(
		ru_ours("offline", false,
			(const char *const[]){ "gatewaydev=uplink0", NULL },
			NULL),
		0);
	check_clean(RU_VIF);
}

static void test_dry_run(void **state)
{
	char *before, *after;

	(void)state;
	assert_int_equal(
		tu_xs_write(NULL, RU_KEY("ip"), "10.0.0.5 2001:db8:1::5"), 0);
	before = ru_state(RU_VIF);
	assert_int_equal(ru_ours_dry("online", false, NULL), 0);
	after = ru_state(RU_VIF);
	assert_string_equal(before, after);
	assert_null(tu_xs_read(NULL, RU_KEY("hotplug-status")));
	free(after);
	online_ok(NULL);
	after = ru_state(RU_VIF);
	assert_int_equal(ru_ours_dry("offline", false, NULL), 0);
	free(before);
	before = ru_state(RU_VIF);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

/*
 * The vif's sysctls go back to what a new device gets (conf/default),
 * not to 0; the shared devices' are never written.
 */
static const struct {
	int family;
	const char *dev, *name;
} shared[] = {
	{ 4, RU_GW, "proxy_arp" },     { 4, RU_GW, "forwarding" },
	{ 6, RU_GW, "proxy_ndp" },     { 6, RU_GW, "forwarding" },
	{ 4, "all", "proxy_arp" },     { 4, "all", "forwarding" },
	{ 6, "all", "proxy_ndp" },     { 6, "all", "forwarding" },
	{ 4, "default", "proxy_arp" }, { 6, "default", "proxy_ndp" },
};
#define N_SHARED (sizeof(shared) / sizeof(shared[0]))

static void shared_read(int v[N_SHARED])
{
	for (size_t i = 0; i < N_SHARED; i++) {
		v[i] = ru_sysctl(shared[i].family, shared[i].dev,
				 shared[i].name);
		assert_true(v[i] >= 0);
	}
}

static void shared_same(const int v[N_SHARED])
{
	for (size_t i = 0; i < N_SHARED; i++)
		if (ru_sysctl(shared[i].family, shared[i].dev,
			      shared[i].name) != v[i])
			fail_msg("net.ipv%d.conf.%s.%s changed from %d",
				 shared[i].family, shared[i].dev,
				 shared[i].name, v[i]);
}

static void test_offline_sysctls(void **state)
{
	int before[N_SHARED];

	(void)state;
	/* A host whose new devices get proxy_arp=1, and an IPv6 router
	 * with proxy NDP: other guests rely on these. */
	assert_int_equal(ru_sysctl_set(4, "default", "proxy_arp", 1), 0);
	assert_int_equal(ru_sysctl_set(6, RU_GW, "proxy_ndp", 1), 0);
	assert_int_equal(ru_sysctl_set(6, RU_GW, "forwarding", 1), 0);
	assert_int_equal(ru_sysctl_set(4, "all", "forwarding", 1), 0);
	/* netback's fresh vif, made under those defaults */
	assert_int_equal(tu_runl(NULL, "ip", "link", "del", RU_VIF, NULL), 0);
	assert_int_equal(ru_tap(RU_VIF), 0);
	assert_int_equal(ru_sysctl(4, RU_VIF, "proxy_arp"), 1);
	assert_int_equal(ru_sysctl(6, RU_VIF, "proxy_ndp"), 0);
	shared_read(before);

	online_ok("10.0.0.5 2001:db8:1::5");
	assert_int_equal(ru_sysctl(4, RU_VIF, "proxy_arp"), 1);
	assert_int_equal(ru_sysctl(6, RU_VIF, "proxy_ndp"), 1);
	shared_same(before);
	assert_int_equal(ru_ours("offline", false, NULL, NULL), 0);
	/* as the vif was made, not 0 */
	assert_int_equal(ru_sysctl(4, RU_VIF, "proxy_arp"), 1);
	assert_int_equal(ru_sysctl(6, RU_VIF, "proxy_ndp"), 0);
	shared_same(before);
	assert_int_equal(main_routes(RU_VIF), 0);
	assert_int_equal(ru_proxy_count(RU_GW, NULL), 0);
}

/* A failed add puts back exactly the values it found. */
static void test_rollback_sysctls(void **state)
{
	int before[N_SHARED];

	(void)state;
	assert_int_equal(ru_sysctl_set(4, RU_VIF, "proxy_arp", 2), 0);
	assert_int_equal(ru_sysctl_set(6, RU_VIF, "proxy_ndp", 0), 0);
	shared_read(before);
	assert_int_equal(tu_runl(NULL, "ip", "route", "add", "10.0.0.7", "dev",
				 RU_GW, "metric", "2", NULL),
			 0);
	assert_int_equal(
		tu_xs_write(NULL, RU_KEY("ip"), "2001:db8:1::5 10.0.0.7"), 0);
	assert_int_equal(ru_ours("online", false, NULL, NULL), 1);
	assert_int_equal(ru_sysctl(4, RU_VIF, "proxy_arp"), 2);
	assert_int_equal(ru_sysctl(6, RU_VIF, "proxy_ndp"), 0);
	shared_same(before);
}

struct logged {
	char *lines;
};

static void log_cb(void *userdata, int priority, const char *message)
{
	struct logged *l = userdata;
	size_t old = l->lines ? strlen(l->lines) : 0;
	char *n;

	if (priority > LOG_WARNING)
		return;
	n = realloc(l->lines, old + strlen(message) + 2);
	assert_non_null(n);
	sprintf(n + old, "%s\n", message);
	l->lines = n;
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; p && (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/*
 * The gateway's proxy_ndp and forwarding are the host's: each 0 is
 * warned about, none is changed; with them set, no warning.
 */
static void test_gateway_ndp(void **state)
{
	struct logged l = { 0 };
	int before[N_SHARED];

	(void)state;
	assert_int_equal(
		tu_xs_write(NULL, RU_KEY("ip"), "10.0.0.5 2001:db8:1::5"), 0);
	shared_read(before);
	assert_int_equal(ru_ours_log("online", false, NULL, log_cb, &l), 0);
	assert_int_equal(count(l.lines, "net.ipv6.conf.eth0.forwarding=0: "),
			 1);
	assert_int_equal(count(l.lines, "net.ipv6.conf.eth0.proxy_ndp=0 "), 1);
	assert_int_equal(count(l.lines, "2001:db8:1::5"), 2);
	shared_same(before);
	assert_int_equal(ru_ours("offline", false, NULL, NULL), 0);
	shared_same(before);
	free(l.lines);

	/* proxy_ndp on all counts as well */
	l.lines = NULL;
	assert_int_equal(ru_sysctl_set(6, RU_GW, "forwarding", 1), 0);
	assert_int_equal(ru_sysctl_set(6, "all", "proxy_ndp", 1), 0);
	shared_read(before);
	assert_int_equal(ru_ours_log("online", false, NULL, log_cb, &l), 0);
	assert_null(l.lines);
	shared_same(before);
	assert_int_equal(ru_ours("offline", false, NULL, NULL), 0);
	shared_same(before);

	/* no proxy entries (IPv4 only): nothing to say */
	assert_int_equal(ru_sysctl_set(6, RU_GW, "forwarding", 0), 0);
	assert_int_equal(tu_xs_write(NULL, RU_KEY("ip"), "10.0.0.5"), 0);
	assert_int_equal(ru_ours_log("online", false, NULL, log_cb, &l), 0);
	assert_null(l.lines);
	assert_int_equal(ru_ours("offline", false, NULL, NULL), 0);
}

/*
 * Addresses no guest can own, and the gateway's own, refused in the ip
 * key before anything changes (the exact errno, the key, the value and
 * why).
 */
static void test_not_a_guest_ip(void **state)
{
	static const struct {
		const char *ip, *why;
	} bad[] = {
		{ "0.0.0.0/1", "0.0.0.0/1 takes in \"this network\" "
			       "(0.0.0.0/8), never a guest's address" },
		{ "128.0.0.0/1", "128.0.0.0/1 takes in the multicast range "
				 "(224.0.0.0/4), never a guest's address" },
		{ "10.0.0.5 127.0.0.1", "127.0.0.1/32 is in the loopback "
					"range (127.0.0.0/8)" },
		{ "224.0.0.5", "224.0.0.5/32 is in the multicast range "
			       "(224.0.0.0/4)" },
		{ "239.255.0.0/16",
		  "239.255.0.0/16 is in the multicast range" },
		{ "255.255.255.255", "255.255.255.255/32 is the broadcast "
				     "address (255.255.255.255/32)" },
		{ "240.0.0.1", "240.0.0.1/32 is in the reserved range "
			       "(240.0.0.0/4)" },
		{ "0.0.0.0", "0.0.0.0/32 is in \"this network\"" },
		{ "::1", "::1/128 is the loopback address (::1/128)" },
		{ "::", "::/128 is the unspecified address (::/128)" },
		{ "ff02::1", "ff02::1/128 is in the multicast range "
			     "(ff00::/8)" },
		{ "::/1", "::/1 takes in the unspecified address" },
		{ "8000::/1", "8000::/1 takes in the multicast range" },
		{ RU_GW4, RU_GW4 "/32 is the address of the gateway eth0 "
				 "(" RU_GW4 "), not a guest's" },
		{ "192.168.0.0/16", "192.168.0.0/16 takes in the address of "
				    "the gateway eth0 (" RU_GW4 ")" },
		{ "192.168.5.255", "192.168.5.255/32 is the broadcast address "
				   "of the gateway eth0's subnet "
				   "(192.168.5.255), not a guest's" },
		{ "10.0.0.5 " RU_GW6, RU_GW6 "/128 is the address of the "
					     "gateway eth0 (" RU_GW6 ")" },
	};
	char want[256], *msg = NULL;
	size_t i;
	int r;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(want, sizeof(want), "bad ip '%s': %s", bad[i].ip,
			 bad[i].why);
		expect_failure(bad[i].ip, NULL, want);
	}
	/* The errno of the library. */
	assert_int_equal(
		tu_xs_write(NULL, RU_KEY("ip"), "0.0.0.0/1 128.0.0.0/1"), 0);
	r = run_be(XHP_ACTION_ONLINE, RU_DOMID, RU_VIF, &msg);
	assert_int_equal(r, -EINVAL);
	assert_string_equal(msg, "bad ip '0.0.0.0/1 128.0.0.0/1': 0.0.0.0/1 "
				 "takes in \"this network\" (0.0.0.0/8), "
				 "never a guest's address");
	free(msg);
	check_clean(RU_VIF);
	/* Next to them, fine: a /31 and other guests' neighbours. */
	online_ok("192.168.6.0/31 10.0.0.5 2001:db8:1::5");
	check_route(RU_VIF, "192.168.6.0/31", RU_GW4, 2);
}

/* The CLI binary end to end. */
static void test_cli(void **state)
{
	(void)state;
	assert_int_equal(
		tu_xs_write(NULL, RU_KEY("ip"), "10.0.0.5 2001:db8:1::5"), 0);
	assert_int_equal(ru_ours_cli("online", false, NULL), 0);
	check_connected();
	check_route(RU_VIF, "10.0.0.5", RU_GW4, 2);
	assert_int_equal(ru_ours_cli("offline", false, NULL), 0);
	check_clean(RU_VIF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ipv4_only, setup_both,
						teardown),
		cmocka_unit_test_setup_teardown(test_ipv6_only, setup_both,
						teardown),
		cmocka_unit_test_setup_teardown(test_ipv6_only_gateway,
						setup_v6, teardown),
		cmocka_unit_test_setup_teardown(test_mixed, setup_both,
						teardown),
		cmocka_unit_test_setup_teardown(test_several, setup_both,
						teardown),
		cmocka_unit_test_setup_teardown(test_tap_vs_vif, setup_both,
						teardown),
		cmocka_unit_test_setup_teardown(test_offline, setup_both,
						teardown),
		cmocka_unit_test_setup_teardown(test_offline_vif_gone,
						setup_both, teardown),
		cmocka_unit_test_setup_teardown(test_double_online, setup_both,
						teardown),
		cmocka_unit_test_setup_teardown(test_gateway_without_address,
						setup_none, teardown),
		cmocka_unit_test_setup_teardown(test_gateway_without_ipv6,
						setup_v4, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_ip, setup_both,
						teardown),
		cmocka_unit_test_setup_teardown(test_rollback, setup_both,
						teardown),
		cmocka_unit_test_setup_teardown(test_vifname, setup_both,
						teardown),
		cmocka_unit_test_setup_teardown(test_netdev, setup_both,
						teardown),
		cmocka_unit_test_setup_teardown(test_offline_foreign_vifname,
						setup_both, teardown),
		cmocka_unit_test_setup_teardown(test_offline_vifname_uplink,
						setup_both, teardown),
		cmocka_unit_test_setup_teardown(test_not_a_guest_ip, setup_both,
						teardown),
		cmocka_unit_test_setup_teardown(test_dry_run, setup_both,
						teardown),
		cmocka_unit_test_setup_teardown(test_cli, setup_both, teardown),
		cmocka_unit_test_setup_teardown(test_offline_sysctls,
						setup_both, teardown),
		cmocka_unit_test_setup_teardown(test_rollback_sysctls,
						setup_both, teardown),
		cmocka_unit_test_setup_teardown(test_gateway_ndp, setup_both,
						teardown),
	};

	tu_require_root("network namespaces, links, routes");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
