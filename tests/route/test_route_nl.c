// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * net/'s error rule (nl.h) on route_nl.h and xhp_nl_link_get, against the
 * kernel in a throwaway netns: a failed request sets the context's
 * message naming the step, the object and the kernel's reason (with its
 * extended ack); the expected "not found" answers (-ENODEV of a link
 * lookup, -ENOENT of an address, route, neighbour or sysctl that is not
 * there) come without one.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "route_nl.h"
#include "route_util.h"
#include "testutil.h"

static struct ru_env env;
static xhp_ctx *ctx;
static struct xhp_rt *rt;
static struct xhp_link vif;

static struct xhp_ip ip4(const char *s, int prefix)
{
	struct xhp_ip ip = { .family = AF_INET, .prefix = prefix };

	assert_int_equal(inet_pton(AF_INET, s, ip.addr), 1);
	return ip;
}

static struct xhp_ip ip6(const char *s)
{
	struct xhp_ip ip = { .family = AF_INET6, .prefix = 128 };

	assert_int_equal(inet_pton(AF_INET6, s, ip.addr), 1);
	return ip;
}

static struct xhp_rt_route route(const char *dst, const char *src)
{
	struct xhp_rt_route r = { .oif = vif.ifindex, .metric = 2 };

	r.dst = ip4(dst, 32);
	if (src)
		r.src = ip4(src, 32);
	return r;
}

/* Set a message that only a call which words its failure replaces. */
static void mark(void)
{
	xhp_err(ctx, EPERM, "untouched");
}

static void assert_untouched(void)
{
	assert_string_equal(ctx->err, "untouched");
}

/*
 * The context's message is @want, then the kernel's extended ack as
 * " (kernel: ...)" (its words vary with the kernel's version): required
 * if @ext, else optional.
 */
static void assert_msg(const char *want, bool ext)
{
	size_t n = strlen(want);
	const char *rest = ctx->err + n;

	if (strncmp(ctx->err, want, n))
		fail_msg("message '%s' is not '%s...'", ctx->err, want);
	if (!*rest && !ext)
		return;
	if (strncmp(rest, " (kernel: ", 10) || strlen(rest) < 12 ||
	    rest[strlen(rest) - 1] != ')')
		fail_msg("message '%s': no kernel reason after '%s'", ctx->err,
			 want);
}

/* A route through a link that is down: the kernel's errno and extended
 * ack, and the step, the route and the device from route_nl. */
static void test_route_add_failure_named(void **state)
{
	struct xhp_rt_route r = route("10.9.0.2", RU_GW4);

	(void)state;
	assert_int_equal(xhp_rt_route_add(rt, &r, RU_VIF), -ENETDOWN);
	assert_msg("cannot add route 10.9.0.2/32 dev " RU_VIF " src " RU_GW4
		   " metric 2: Network is down",
		   true);
}

/* Another route to the same destination and metric: vif-route's words. */
static void test_route_in_the_way(void **state)
{
	struct xhp_rt_route r = route("10.9.0.3", NULL), other = r;

	(void)state;
	assert_int_equal(tu_runl(NULL, "ip", "link", "set", RU_VIF, "up", NULL),
			 0);
	other.src = ip4(RU_GW4, 32);
	assert_int_equal(xhp_rt_route_add(rt, &r, RU_VIF), 0);
	mark();
	assert_int_equal(xhp_rt_route_add(rt, &r, RU_VIF), 1);
	assert_untouched();
	assert_int_equal(xhp_rt_route_add(rt, &other, RU_VIF), -EEXIST);
	assert_string_equal(
		ctx->err,
		"cannot add route 10.9.0.3/32 dev " RU_VIF
		" metric 2: another route to 10.9.0.3/32 with metric 2 is in the way (is the address used by another guest?)");
	assert_int_equal(xhp_rt_route_del(rt, &r, RU_VIF), 0);
	assert_int_equal(
		tu_runl(NULL, "ip", "link", "set", RU_VIF, "down", NULL), 0);
}

/* A device that is gone: the address, the name and the reason. */
static void test_addr_add_failure_named(void **state)
{
	struct xhp_ip a = ip4("10.9.0.1", 32);

	(void)state;
	assert_int_equal(xhp_rt_addr_add(rt, 99999, "gone0", &a), -ENODEV);
	assert_msg("cannot add address 10.9.0.1/32 to gone0: No such device",
		   false);
	a = ip6("2001:db8::5");
	assert_int_equal(xhp_rt_proxy_add(rt, 99999, "gone0", &a), -ENODEV);
	assert_msg("cannot look up proxy neighbour 2001:db8::5 on gone0: No "
		   "such device",
		   false);
}

/* What is not there: -ENOENT or -ENODEV, the context's message as it
 * was (the caller's to phrase). */
static void test_not_found_without_message(void **state)
{
	struct xhp_rt_route r = route("10.9.0.4", NULL), f;
	struct xhp_ip a = ip4("10.9.0.1", 32), p = ip6("2001:db8::5");
	struct xhp_link l;
	int v;

	(void)state;
	mark();
	assert_int_equal(xhp_rt_route_del(rt, &r, RU_VIF), -ENOENT);
	assert_untouched();
	assert_int_equal(xhp_rt_addr_del(rt, vif.ifindex, RU_VIF, &a), -ENOENT);
	assert_untouched();
	assert_int_equal(xhp_rt_proxy_del(rt, vif.ifindex, RU_VIF, &p),
			 -ENOENT);
	assert_untouched();
	assert_int_equal(xhp_rt_proxy_has(rt, vif.ifindex, RU_VIF, &p), 0);
	assert_untouched();
	assert_int_equal(xhp_rt_addr_primary4(rt, vif.ifindex, RU_VIF, &a),
			 -ENOENT);
	assert_untouched();
	assert_int_equal(xhp_rt_route_lookup(rt, &r.dst, vif.ifindex, &f),
			 -ENOENT);
	assert_untouched();
	assert_int_equal(xhp_rt_sysctl_get(ctx, AF_INET, "gone0", "proxy_arp",
					   &v),
			 -ENOENT);
	assert_untouched();
	assert_int_equal(xhp_rt_sysctl_set(ctx, AF_INET, "gone0", "proxy_arp",
					   1),
			 -ENOENT);
	assert_untouched();
	assert_int_equal(xhp_nl_link_get(ctx, rt->nl, "gone0", 0, &l), -ENODEV);
	assert_untouched();
	assert_int_equal(xhp_nl_link_get(ctx, rt->nl, NULL, 99999, &l),
			 -ENODEV);
	assert_untouched();
}

/* A lookup the kernel refuses: the device's name and the reason. */
static void test_link_get_failure_named(void **state)
{
	struct xhp_link l;

	(void)state;
	assert_int_equal(xhp_nl_link_get(ctx, rt->nl, "aaaaaaaaaaaaaaaaaaaa", 0,
					 &l),
			 -ERANGE);
	assert_msg("cannot look up device aaaaaaaaaaaaaaaaaaaa: Numerical "
		   "result out of range",
		   true);
}

/* A sysctl that cannot be: refused before /proc/sys is touched. */
static void test_sysctl_failure_named(void **state)
{
	(void)state;
	assert_int_equal(xhp_rt_sysctl_set(ctx, AF_INET, "a/b", "proxy_arp", 1),
			 -EINVAL);
	assert_string_equal(ctx->err, "bad sysctl net.ipv4.conf.a/b.proxy_arp");
}

static int setup(void **state)
{
	(void)state;
	if (ru_setup(&env, true, false) < 0 || ru_tap(RU_VIF) < 0 ||
	    xhp_ctx_new(&ctx) < 0 || xhp_rt_open(ctx, &rt) < 0 ||
	    xhp_nl_link_get(ctx, rt->nl, RU_VIF, 0, &vif) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rt = xhp_rt_close(rt);
	xhp_ctx_unref(ctx);
	ru_teardown(&env);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route_add_failure_named),
		cmocka_unit_test(test_route_in_the_way),
		cmocka_unit_test(test_addr_add_failure_named),
		cmocka_unit_test(test_not_found_without_message),
		cmocka_unit_test(test_link_get_failure_named),
		cmocka_unit_test(test_sysctl_failure_named),
	};

	tu_require_root("network namespaces, taps and routes");
	return cmocka_run_group_tests(tests, setup, teardown);
}
