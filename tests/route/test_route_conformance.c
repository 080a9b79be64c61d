// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Conformance with Xen's /etc/xen/scripts/vif-route (IPv4; it needs
 * net-tools' ifconfig): the same scenario runs through Xen's script and
 * through ours, each on fresh taps in the same netns against the same
 * test xenstored, and the kernel state and xenstore keys are compared.
 *
 * Known, deliberate differences (asserted as such below):
 * - Xen's `ifconfig A netmask 255.255.255.255` keeps the classful
 *   broadcast address (A's /24 broadcast) on the /32 and with it a
 *   broadcast route in table local; ours adds a plain /32. Local-table
 *   broadcast routes are left out of the comparison.
 * - offline: Xen's script only deletes the routes (its `ifdown` of the
 *   vif fails without ifupdown); ours also removes the address, resets
 *   proxy_arp and brings the link down.
 * - a failing online: Xen's script leaves the address, the up link and
 *   proxy_arp behind; ours undoes everything.
 * - a second online: Xen's `ip route add` fails with "File exists" and
 *   the script reports an error; ours is idempotent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "route_util.h"
#include "testutil.h"

static struct ru_env env;

static int setup_v4(void **state)
{
	(void)state;
	return ru_setup(&env, true, false);
}

static int setup_none(void **state)
{
	(void)state;
	return ru_setup(&env, false, false);
}

static int teardown(void **state)
{
	(void)state;
	ru_teardown(&env);
	return 0;
}

/* New taps (the vif and the emulated NIC), no results in xenstore. */
static void fresh(const char *renamed)
{
	const char *names[] = { RU_VIF, RU_TAP, renamed };
	size_t i;

	for (i = 0; i < 3; i++)
		if (names[i] && ru_link_exists(names[i]))
			assert_int_equal(tu_runl(NULL, "ip", "link", "del",
						 names[i], NULL),
					 0);
	assert_int_equal(ru_tap(RU_VIF), 0);
	assert_int_equal(ru_tap(RU_TAP), 0);
	assert_int_equal(tu_xs_rm(NULL, RU_KEY("hotplug-status")), 0);
	assert_int_equal(tu_xs_rm(NULL, RU_KEY("hotplug-error")), 0);
}

/* ru_state without the local-table broadcast routes (see above). */
static char *state(const char *dev)
{
	char *s = ru_state(dev), *out, *line, *save = NULL;

	assert_non_null(s);
	out = calloc(1, strlen(s) + 1);
	assert_non_null(out);
	for (line = strtok_r(s, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strstr(line, " table local type broadcast "))
			continue;
		strcat(out, line);
		strcat(out, "\n");
	}
	free(s);
	return out;
}

/* Only the main-table routes of a state. */
static char *main_routes(const char *st)
{
	char *s = strdup(st), *out, *line, *save = NULL;

	out = calloc(1, strlen(st) + 1);
	assert_non_null(s);
	assert_non_null(out);
	for (line = strtok_r(s, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		if (strstr(line, " table main ")) {
			strcat(out, line);
			strcat(out, "\n");
		}
	free(s);
	return out;
}

struct outcome {
	int rc; /* of the last action */
	char *status; /* hotplug-status, NULL if absent */
	char *state;
};

static void outcome_free(struct outcome *o)
{
	free(o->status);
	free(o->state);
}

/* Run @actions (NULL-terminated) with Xen's script or ours. */
static void run(bool xen, const char *const actions[], bool tap,
		const char *dev, const char *renamed, struct outcome *o)
{
	size_t i;

	fresh(renamed);
	for (i = 0; actions[i]; i++)
		o->rc = xen ? ru_xen(actions[i], tap, NULL) :
			      ru_ours(actions[i], tap, NULL, NULL);
	o->status = tu_xs_read(NULL, RU_KEY("hotplug-status"));
	o->state = state(dev);
}

static void both(const char *const actions[], bool tap, const char *dev,
		 const char *renamed, struct outcome *xen, struct outcome *ours)
{
	run(true, actions, tap, dev, renamed, xen);
	run(false, actions, tap, dev, renamed, ours);
	if (getenv("RU_VERBOSE"))
		fprintf(stderr, "xen (rc %d, %s):\n%sours (rc %d, %s):\n%s",
			xen->rc, xen->status ? xen->status : "-", xen->state,
			ours->rc, ours->status ? ours->status : "-",
			ours->state);
}

static void same(const char *ip, const char *const actions[], bool tap,
		 const char *dev, const char *renamed, const char *status)
{
	struct outcome x = { 0 }, o = { 0 };

	assert_int_equal(tu_xs_write(NULL, RU_KEY("ip"), ip), 0);
	both(actions, tap, dev, renamed, &x, &o);
	assert_int_equal(x.rc, 0);
	assert_int_equal(o.rc, 0);
	assert_string_equal(x.state, o.state);
	if (status) {
		assert_non_null(x.status);
		assert_non_null(o.status);
		assert_string_equal(x.status, status);
		assert_string_equal(o.status, status);
	} else {
		assert_null(x.status);
		assert_null(o.status);
	}
	outcome_free(&x);
	outcome_free(&o);
}

static const char *const online[] = { "online", NULL };

static void conf_ipv4_single(void **state)
{
	(void)state;
	same("10.0.0.5", online, false, RU_VIF, NULL, "connected");
}

static void conf_ipv4_several(void **state)
{
	(void)state;
	same("10.0.0.5 10.0.0.6 10.1.0.0/24 10.2.0.0/16 172.20.1.1 "
	     "172.20.1.2 10.9.9.9/32 192.0.2.0/28",
	     online, false, RU_VIF, NULL, "connected");
}

static void conf_empty_ip(void **state)
{
	(void)state;
	same("", online, false, RU_VIF, NULL, "connected");
}

/* The emulated NIC: add type_if=tap, metric 1, no hotplug-status. */
static void conf_tap(void **state)
{
	static const char *const add[] = { "add", NULL };

	(void)state;
	same("10.0.0.5 10.1.0.0/24", add, true, RU_TAP, NULL, NULL);
}

static void conf_vifname(void **state)
{
	(void)state;
	assert_int_equal(tu_xs_write(NULL, RU_KEY("vifname"), "guest3"), 0);
	same("10.0.0.5", online, false, "guest3", "guest3", "connected");
}

static void conf_offline(void **state)
{
	static const char *const seq[] = { "online", "offline", NULL };
	struct outcome x = { 0 }, o = { 0 };
	char *xr, * or ;

	(void)state;
	assert_int_equal(
		tu_xs_write(NULL, RU_KEY("ip"), "10.0.0.5 10.1.0.0/24"), 0);
	both(seq, false, RU_VIF, NULL, &x, &o);
	assert_int_equal(x.rc, 0);
	assert_int_equal(o.rc, 0);
	/* the routes are gone in both */
	xr = main_routes(x.state);
	or = main_routes(o.state);
	assert_string_equal(xr, "");
	assert_string_equal(or, "");
	/* Xen keeps the address and the up link; ours does not */
	assert_non_null(strstr(x.state, "addr " RU_GW4 "/32"));
	assert_null(strstr(o.state, "addr "));
	assert_non_null(strstr(o.state, "up 0\n"));
	assert_non_null(strstr(o.state, "proxy_arp 0\n"));
	free(xr);
	free(or);
	outcome_free(&x);
	outcome_free(&o);
}

static void conf_gateway_without_address(void **state)
{
	struct outcome x = { 0 }, o = { 0 };

	(void)state;
	assert_int_equal(tu_xs_write(NULL, RU_KEY("ip"), "10.0.0.5"), 0);
	both(online, false, RU_VIF, NULL, &x, &o);
	assert_int_equal(x.rc, 1);
	assert_int_equal(o.rc, 1);
	assert_string_equal(x.status, "error");
	assert_string_equal(o.status, "error");
	/* neither touched anything */
	assert_string_equal(x.state, o.state);
	assert_null(strstr(o.state, "addr "));
	outcome_free(&x);
	outcome_free(&o);
}

static void conf_malformed(void **state)
{
	struct outcome x = { 0 }, o = { 0 };

	(void)state;
	assert_int_equal(tu_xs_write(NULL, RU_KEY("ip"), "10.0.0.5 10.0.0.300"),
			 0);
	both(online, false, RU_VIF, NULL, &x, &o);
	assert_int_equal(x.rc, 1);
	assert_int_equal(o.rc, 1);
	assert_string_equal(x.status, "error");
	assert_string_equal(o.status, "error");
	/* Xen's leaves its work behind; ours undoes (nothing was done) */
	assert_non_null(strstr(x.state, "addr " RU_GW4 "/32"));
	assert_null(strstr(o.state, "addr "));
	assert_non_null(strstr(o.state, "up 0\n"));
	assert_non_null(strstr(o.state, "proxy_arp 0\n"));
	outcome_free(&x);
	outcome_free(&o);
}

static void conf_double_online(void **state)
{
	static const char *const twice[] = { "online", "online", NULL };
	struct outcome x1 = { 0 }, x = { 0 }, o = { 0 };

	(void)state;
	assert_int_equal(tu_xs_write(NULL, RU_KEY("ip"), "10.0.0.5"), 0);
	run(true, online, false, RU_VIF, NULL, &x1);
	both(twice, false, RU_VIF, NULL, &x, &o);
	/* Xen: "RTNETLINK answers: File exists" -> error */
	assert_int_equal(x.rc, 1);
	assert_string_equal(x.status, "error");
	/* ours: connected, in the state of one online of Xen's */
	assert_int_equal(o.rc, 0);
	assert_string_equal(o.status, "connected");
	assert_string_equal(o.state, x1.state);
	outcome_free(&x1);
	outcome_free(&x);
	outcome_free(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(conf_ipv4_single, setup_v4,
						teardown),
		cmocka_unit_test_setup_teardown(conf_ipv4_several, setup_v4,
						teardown),
		cmocka_unit_test_setup_teardown(conf_empty_ip, setup_v4,
						teardown),
		cmocka_unit_test_setup_teardown(conf_tap, setup_v4, teardown),
		cmocka_unit_test_setup_teardown(conf_vifname, setup_v4,
						teardown),
		cmocka_unit_test_setup_teardown(conf_offline, setup_v4,
						teardown),
		cmocka_unit_test_setup_teardown(conf_gateway_without_address,
						setup_none, teardown),
		cmocka_unit_test_setup_teardown(conf_malformed, setup_v4,
						teardown),
		cmocka_unit_test_setup_teardown(conf_double_online, setup_v4,
						teardown),
	};

	tu_require_root("network namespaces, links, routes");
	if (access(XEN_VIF_ROUTE, X_OK) < 0 ||
	    tu_runl(NULL, "ifconfig", "lo", NULL) != 0) {
		fprintf(stderr,
			"%s or net-tools' ifconfig is missing "
			"(apt-get install xen-utils-common net-tools)\n",
			XEN_VIF_ROUTE);
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
