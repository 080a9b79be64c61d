// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * vif-bridge end to end: the CLI as libxl runs it, on a real bridge and
 * tap in a throwaway namespace, with the test xenstore daemon. Asserts
 * kernel state and xenstore keys, including after every failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include <cmocka.h>

#include "bt.h"
#include "personality.h"
#include "testutil.h"

static struct bt T;

#define BE "/local/domain/0/backend/vif/1/0"
#define FE_MTU "/local/domain/1/device/vif/0/mtu"

static const uint8_t dummy_mac[6] = { 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t tap_mac[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };

static int setup(void **state)
{
	bt_add_br0_vif();
	assert_int_equal(tu_xs_write(T.xs, BE "/bridge", "br0"), 0);
	assert_int_equal(tu_xs_write(T.xs, BE "/hotplug-status", ""), 0);
	/* libxl makes the frontend directory before it runs the script */
	assert_int_equal(tu_xs_write(T.xs, "/local/domain/1/device/vif/0/state",
				     "1"),
			 0);
	return 0;
}

static int teardown(void **state)
{
	/* Nothing leaks into the next test. */
	tu_links_del_all(NULL);
	tu_xs_rm(T.xs, "/local/domain/0/backend");
	tu_xs_rm(T.xs, "/local/domain/1");
	tu_xs_rm(T.xs, "/local/domain/2");
	tu_xs_rm(T.xs, "/local/domain/3");
	return 0;
}

/* xhp-hotplug vif-bridge <action> type_if=<type> with libxl's env. */
static int cli(const char *action, const char *type, const char *dev,
	       char **out)
{
	const char *argv[] = { XHP_CLI, "vif-bridge", action, NULL, NULL };
	char tif[16], devenv[48];
	const char *env[] = { devenv, "XENBUS_PATH=backend/vif/1/0",
			      "XENBUS_TYPE=vif", NULL };

	snprintf(tif, sizeof(tif), "type_if=%s", type);
	argv[3] = tif;
	snprintf(devenv, sizeof(devenv), "%s=%s",
		 strcmp(type, "tap") ? "vif" : "INTERFACE", dev);
	return bt_run(argv, env, out);
}

static int online(char **out)
{
	return cli("online", "vif", "vif1.0", out);
}

static int offline(char **out)
{
	return cli("offline", "vif", "vif1.0", out);
}

static void assert_plumbed(const char *name, unsigned int mtu)
{
	struct xhp_link l;

	assert_int_equal(bt_link(&T, name, &l), 0);
	assert_string_equal(bt_master(&T, &l), "br0");
	assert_true(l.flags & IFF_UP);
	assert_memory_equal(l.addr, dummy_mac, 6);
	assert_int_equal(l.mtu, mtu);
	assert_int_equal(bt_count_addrs(name), 0);
}

static void assert_released(const char *name)
{
	struct xhp_link l;

	assert_int_equal(bt_link(&T, name, &l), 0);
	assert_int_equal(l.master, 0);
	assert_false(l.flags & IFF_UP);
}

/* The tap exactly as set up: no residue of a failed run. */
static void assert_untouched(void)
{
	struct xhp_link l;

	assert_int_equal(bt_link(&T, "vif1.0", &l), 0);
	assert_int_equal(l.master, 0);
	assert_false(l.flags & IFF_UP);
	assert_memory_equal(l.addr, tap_mac, 6);
	assert_int_equal(l.mtu, 1500);
	assert_int_equal(bt_count_addrs("vif1.0"), 1);
}

static void assert_key(const char *path, const char *want)
{
	char *v = tu_xs_read(T.xs, path);

	if (!want) {
		assert_null(v);
		return;
	}
	assert_non_null(v);
	assert_string_equal(v, want);
	free(v);
}

/* A failed online: exit 1, status error, hotplug-error holds @msg. */
static void assert_failed(int rc, char **outp, const char *msg)
{
	char *e = tu_xs_read(T.xs, BE "/hotplug-error");
	char *out = *outp;

	if (rc != 1 || !e || !strstr(e, msg))
		fail_msg("rc %d, hotplug-error '%s', output '%s'; expected "
			 "'%s'",
			 rc, e ? e : "(none)", out ? out : "", msg);
	assert_non_null(out);
	assert_non_null(strstr(out, msg));
	free(e);
	free(out);
	*outp = NULL;
	assert_key(BE "/hotplug-status", "error");
}

static void test_online_offline(void **state)
{
	char *out = NULL;

	assert_int_equal(online(&out), 0);
	free(out);
	assert_plumbed("vif1.0", 1500);
	assert_key(BE "/hotplug-status", "connected");
	assert_key(FE_MTU, "1500");
	assert_int_equal(offline(NULL), 0);
	assert_released("vif1.0");
	assert_key(BE "/hotplug-status", "connected");
}

static void test_online_twice_offline_twice(void **state)
{
	assert_int_equal(tu_xs_write(T.xs, BE "/mtu", "1400"), 0);
	assert_int_equal(online(NULL), 0);
	assert_int_equal(online(NULL), 0);
	assert_plumbed("vif1.0", 1400);
	assert_key(FE_MTU, "1400");
	assert_int_equal(offline(NULL), 0);
	assert_int_equal(offline(NULL), 0);
	assert_released("vif1.0");
}

static void test_offline_half_done(void **state)
{
	/* An online that stopped after enslaving, before up. */
	bt_sh("ip", "link", "set", "vif1.0", "address", "fe:ff:ff:ff:ff:ff");
	bt_sh("ip", "link", "set", "vif1.0", "master", "br0");
	assert_int_equal(offline(NULL), 0);
	assert_released("vif1.0");
	/* And a device that is gone. */
	bt_sh("ip", "link", "del", "vif1.0");
	assert_int_equal(offline(NULL), 0);
}

static void test_vifname(void **state)
{
	struct xhp_link l;

	assert_int_equal(tu_xs_write(T.xs, BE "/vifname", "guest0"), 0);
	assert_int_equal(online(NULL), 0);
	assert_int_equal(bt_link(&T, "vif1.0", &l), -ENODEV);
	assert_plumbed("guest0", 1500);
	/* The frontend's path, not one made from the name. */
	assert_key(FE_MTU, "1500");
	assert_int_equal(online(NULL), 0);
	assert_plumbed("guest0", 1500);
	assert_int_equal(offline(NULL), 0);
	assert_released("guest0");
	assert_int_equal(offline(NULL), 0);
}

static void test_vifname_clash(void **state)
{
	char *out = NULL;
	struct xhp_link l;
	int links = bt_count_links();

	bt_sh("ip", "tuntap", "add", "guest0", "mode", "tap");
	assert_int_equal(tu_xs_write(T.xs, BE "/vifname", "guest0"), 0);
	assert_failed(online(&out), &out,
		      "An interface with name guest0 "
		      "already exists");
	free(out);
	assert_untouched();
	assert_int_equal(bt_link(&T, "guest0", &l), 0);
	assert_int_equal(l.master, 0);
	assert_int_equal(bt_count_links(), links + 1);
}

/*
 * vif1.0 is gone (netback removed it) and another guest's link has the
 * vifname: that link was not renamed from vif1.0, so it is not ours to
 * plumb, even though an earlier run of ours may rename.
 */
static void test_vifname_foreign_link(void **state)
{
	char *out = NULL;
	struct xhp_link l;

	bt_sh("ip", "link", "del", "vif1.0");
	bt_sh("ip", "tuntap", "add", "guest0", "mode", "tap");
	bt_sh("ip", "link", "set", "guest0", "alias", "vif7.0");
	bt_sh("ip", "link", "set", "guest0", "up");
	assert_int_equal(tu_xs_write(T.xs, BE "/vifname", "guest0"), 0);
	assert_failed(online(&out), &out,
		      "An interface with name guest0 already exists");
	free(out);
	assert_int_equal(bt_link(&T, "guest0", &l), 0);
	assert_int_equal(l.master, 0);
	assert_true(l.flags & IFF_UP);
	assert_string_equal(l.alias, "vif7.0");
	bt_sh("ip", "link", "del", "guest0");
}

static void test_tap_emu(void **state)
{
	struct xhp_link l;

	bt_sh("ip", "tuntap", "add", "vif1.0-emu", "mode", "tap");
	assert_int_equal(tu_xs_write(T.xs, BE "/vifname", "guest0"), 0);
	assert_int_equal(cli("add", "tap", "vif1.0-emu", NULL), 0);
	assert_int_equal(bt_link(&T, "vif1.0-emu", &l), -ENODEV);
	assert_plumbed("guest0-emu", 1500);
	/* Xen writes no status for taps; the vif is untouched. */
	assert_key(BE "/hotplug-status", "");
	assert_untouched();
	assert_int_equal(cli("remove", "tap", "vif1.0-emu", NULL), 0);
	assert_released("guest0-emu");
	assert_int_equal(cli("remove", "tap", "vif1.0-emu", NULL), 0);
	/* Without vifname the name stays. */
	tu_xs_rm(T.xs, BE "/vifname");
	bt_sh("ip", "link", "set", "guest0-emu", "name", "vif1.0-emu");
	assert_int_equal(cli("add", "tap", "vif1.0-emu", NULL), 0);
	assert_plumbed("vif1.0-emu", 1500);
}

static void test_missing_bridge(void **state)
{
	char *out = NULL;

	assert_int_equal(tu_xs_write(T.xs, BE "/bridge", "nobr0"), 0);
	assert_failed(online(&out), &out, "Could not find bridge device nobr0");
	free(out);
	assert_untouched();
	assert_key(FE_MTU, NULL);
}

static void test_default_and_xenbr_bridge(void **state)
{
	bt_sh("ip", "link", "add", "eth7", "type", "bridge");
	assert_int_equal(tu_xs_write(T.xs, BE "/bridge", "xenbr7"), 0);
	assert_int_equal(online(NULL), 0);
	{
		struct xhp_link l;

		assert_int_equal(bt_link(&T, "vif1.0", &l), 0);
		assert_string_equal(bt_master(&T, &l), "eth7");
	}
	assert_int_equal(offline(NULL), 0);
	/* No bridge key: the first bridge by name (br0 < eth7). */
	tu_xs_rm(T.xs, BE "/bridge");
	assert_int_equal(online(NULL), 0);
	assert_plumbed("vif1.0", 1500);
}

static void test_missing_device(void **state)
{
	char *out = NULL;
	int links;

	bt_sh("ip", "link", "del", "vif1.0");
	links = bt_count_links();
	assert_failed(online(&out), &out, "Could not find device vif1.0");
	free(out);
	assert_int_equal(bt_count_links(), links);
}

/* Info lines of an in-process run (LOG_INFO and more urgent). */
static char run_log[4096];

static void run_log_fn(void *userdata, int priority, const char *message)
{
	size_t n = strlen(run_log);

	(void)userdata;
	if (priority <= LOG_INFO)
		snprintf(run_log + n, sizeof(run_log) - n, "%s\n", message);
}

/*
 * vif-bridge in-process for backend/vif/<domid>/0 and device @dev
 * (@action an XHP_ACTION_*: add and remove are the tap's). Returns the
 * run's result; *msg (may be NULL) gets the context's error. The info
 * lines go to run_log.
 */
static int run_be(int action, unsigned int domid, const char *dev, char **msg)
{
	bool tap = action == XHP_ACTION_ADD || action == XHP_ACTION_REMOVE;
	xhp_request *req;
	xhp_ctx *ctx;
	char path[64];
	int r;

	snprintf(path, sizeof(path), "backend/vif/%u/0", domid);
	run_log[0] = '\0';
	assert_int_equal(xhp_ctx_new(&ctx), 0);
	xhp_ctx_set_log_fn(ctx, run_log_fn, NULL);
	xhp_ctx_set_log_priority(ctx, LOG_DEBUG);
	assert_int_equal(xhp_request_new(ctx, action,
					 tap ? XHP_KIND_TAP : XHP_KIND_VIF,
					 path, dev, &req),
			 0);
	r = xhp_device_run(ctx, "vif-bridge", req, NULL);
	if (msg)
		*msg = strdup(xhp_ctx_last_error(ctx));
	xhp_request_free(req);
	xhp_ctx_unref(ctx);
	return r;
}

/* A link's state, to compare before and after. */
struct lsnap {
	struct xhp_link l;
	char master[IFNAMSIZ];
	int n_addrs;
};

static void lsnap(const char *name, struct lsnap *s)
{
	memset(s, 0, sizeof(*s));
	assert_int_equal(bt_link(&T, name, &s->l), 0);
	snprintf(s->master, sizeof(s->master), "%s", bt_master(&T, &s->l));
	s->n_addrs = bt_count_addrs(name);
}

static void assert_lsnap(const char *name, const struct lsnap *was)
{
	struct lsnap now;

	lsnap(name, &now);
	assert_int_equal(now.l.ifindex, was->l.ifindex);
	assert_string_equal(now.l.alias, was->l.alias);
	assert_string_equal(now.master, was->master);
	assert_int_equal(now.l.flags & IFF_UP, was->l.flags & IFF_UP);
	assert_memory_equal(now.l.addr, was->l.addr, 6);
	assert_int_equal(now.l.mtu, was->l.mtu);
	assert_int_equal(now.n_addrs, was->n_addrs);
}

/*
 * The device must be the backend's: vif1.0 (or its vifname). A typo
 * such as vif=eth0 names the uplink, the bridge, lo or another guest's
 * vif: refused before anything is touched, on online and offline, for
 * the vif and for the tap.
 */
static void test_not_our_device(void **state)
{
	static const char *const names[] = { "eth0",   "br0",	     "lo",
					     "vif7.0", "vif1.0-emu", "vif1.1" };
	struct lsnap eth0, br0, vif7, vif1;
	char *msg = NULL, want[160];
	size_t i;

	bt_sh("ip", "link", "add", "eth0", "type", "veth", "peer", "name",
	      "eth0p");
	bt_sh("ip", "addr", "add", "192.0.2.1/24", "dev", "eth0");
	bt_sh("ip", "link", "set", "eth0", "up");
	bt_sh("ip", "tuntap", "add", "vif7.0", "mode", "tap");
	bt_sh("ip", "link", "set", "vif7.0", "master", "br0", "up");
	bt_sh("ip", "tuntap", "add", "vif1.0-emu", "mode", "tap");
	lsnap("eth0", &eth0);
	lsnap("br0", &br0);
	lsnap("vif7.0", &vif7);
	lsnap("vif1.0", &vif1);
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		snprintf(want, sizeof(want),
			 "device %s is not backend/vif/1/0's vif (expected "
			 "vif1.0 or its vifname)",
			 names[i]);
		assert_int_equal(run_be(XHP_ACTION_ONLINE, 1, names[i], &msg),
				 -EINVAL);
		assert_string_equal(msg, want);
		free(msg);
		assert_key(BE "/hotplug-status", "error");
		assert_key(BE "/hotplug-error", want);
		assert_int_equal(tu_xs_write(T.xs, BE "/hotplug-status", ""),
				 0);
		assert_int_equal(run_be(XHP_ACTION_OFFLINE, 1, names[i], &msg),
				 -EINVAL);
		assert_string_equal(msg, want);
		free(msg);
	}
	assert_int_equal(run_be(XHP_ACTION_ADD, 1, "eth0", &msg), -EINVAL);
	assert_string_equal(msg, "device eth0 is not backend/vif/1/0's tap "
				 "(expected vif1.0-emu or its vifname)");
	free(msg);
	/* With a vifname, the device may be named by it; nothing else. */
	assert_int_equal(tu_xs_write(T.xs, BE "/vifname", "guest0"), 0);
	assert_int_equal(run_be(XHP_ACTION_ONLINE, 1, "eth0", &msg), -EINVAL);
	assert_string_equal(msg, "device eth0 is not backend/vif/1/0's vif "
				 "(expected vif1.0 or its vifname)");
	free(msg);
	assert_lsnap("eth0", &eth0);
	assert_lsnap("br0", &br0);
	assert_lsnap("vif7.0", &vif7);
	assert_lsnap("vif1.0", &vif1);
	assert_int_equal(run_be(XHP_ACTION_ONLINE, 1, "guest0", NULL), 0);
	assert_plumbed("guest0", 1500);
	assert_lsnap("eth0", &eth0);
	assert_lsnap("vif7.0", &vif7);
}

/* A vifname that is another backend's protocol name is refused. */
static void test_vifname_other_backend(void **state)
{
	char *msg = NULL;

	assert_int_equal(tu_xs_write(T.xs, BE "/vifname", "vif7.0"), 0);
	assert_int_equal(run_be(XHP_ACTION_ONLINE, 1, "vif1.0", &msg), -EINVAL);
	assert_string_equal(msg, "bad vifname 'vif7.0' for vif1.0: vif7.0 is "
				 "the name netback or the device model gives "
				 "another device");
	free(msg);
	assert_untouched();
	/* Its own tap's name, or a name like none of netback's: fine
	 * unless it is another device's. */
	assert_int_equal(tu_xs_write(T.xs, BE "/vifname", "vif1.0-emu"), 0);
	assert_int_equal(run_be(XHP_ACTION_ONLINE, 1, "vif1.0", &msg), -EINVAL);
	assert_string_equal(msg, "bad vifname 'vif1.0-emu' for vif1.0: "
				 "vif1.0-emu is the name netback or the "
				 "device model gives another device");
	free(msg);
	assert_untouched();
	assert_int_equal(tu_xs_write(T.xs, BE "/vifname", "vif01.0"), 0);
	assert_int_equal(run_be(XHP_ACTION_ONLINE, 1, "vif1.0", NULL), 0);
	assert_plumbed("vif01.0", 1500);
	assert_int_equal(run_be(XHP_ACTION_OFFLINE, 1, "vif1.0", NULL), 0);
	bt_sh("ip", "link", "set", "vif01.0", "name", "vif1.0");
	/* Its own protocol name is no rename at all. */
	assert_int_equal(tu_xs_write(T.xs, BE "/vifname", "vif1.0"), 0);
	assert_int_equal(run_be(XHP_ACTION_ONLINE, 1, "vif1.0", NULL), 0);
	assert_plumbed("vif1.0", 1500);
}

/* Guest @domid's backend: bridge br0, vifname @vifname, its tap. */
static void guest(unsigned int domid, const char *vifname)
{
	char be[64], path[96], dev[16];

	snprintf(be, sizeof(be), "/local/domain/0/backend/vif/%u/0", domid);
	snprintf(path, sizeof(path), "%s/bridge", be);
	assert_int_equal(tu_xs_write(T.xs, path, "br0"), 0);
	snprintf(path, sizeof(path), "%s/hotplug-status", be);
	assert_int_equal(tu_xs_write(T.xs, path, ""), 0);
	snprintf(path, sizeof(path), "%s/vifname", be);
	assert_int_equal(tu_xs_write(T.xs, path, vifname), 0);
	snprintf(dev, sizeof(dev), "vif%u.0", domid);
	bt_sh("ip", "tuntap", "add", dev, "mode", "tap");
}

/*
 * Guest 2 runs with vifname web; guest 3 is given the same vifname. Its
 * online is refused (Xen's rename_vif does so too), and its offline,
 * which libxl runs at teardown, must leave guest 2's web alone: up, in
 * the bridge, marked as guest 2's. Its own vif3.0 is taken down; once
 * netback deleted vif3.0, there is nothing of guest 3's left to remove.
 */
static void test_offline_foreign_vifname(void **state)
{
	struct lsnap web;
	char *msg = NULL;
	struct xhp_link l;

	guest(2, "web");
	guest(3, "web");
	assert_int_equal(run_be(XHP_ACTION_ONLINE, 2, "vif2.0", NULL), 0);
	assert_plumbed("web", 1500);
	lsnap("web", &web);
	assert_string_equal(web.l.alias, "vif2.0");

	assert_int_equal(run_be(XHP_ACTION_ONLINE, 3, "vif3.0", &msg), -EEXIST);
	assert_string_equal(msg, "Cannot rename interface vif3.0. An "
				 "interface with name web already exists.");
	free(msg);
	assert_int_equal(run_be(XHP_ACTION_OFFLINE, 3, "vif3.0", NULL), 0);
	assert_lsnap("web", &web);
	assert_released("vif3.0");

	bt_sh("ip", "link", "del", "vif3.0");
	assert_int_equal(run_be(XHP_ACTION_OFFLINE, 3, "vif3.0", &msg), 0);
	free(msg);
	assert_non_null(strstr(run_log, "nothing of ours to remove: web is not "
					"backend/vif/3/0's vif: its alias is "
					"'vif2.0', not vif3.0"));
	assert_lsnap("web", &web);
	/* Named by its vifname, too. */
	assert_int_equal(run_be(XHP_ACTION_OFFLINE, 3, "web", NULL), 0);
	assert_lsnap("web", &web);
	assert_int_equal(bt_link(&T, "vif3.0", &l), -ENODEV);

	/* A link of the vifname without any alias: not guest 3's either. */
	bt_sh("ip", "tuntap", "add", "web3", "mode", "tap");
	bt_sh("ip", "link", "set", "web3", "master", "br0", "up");
	assert_int_equal(tu_xs_write(T.xs,
				     "/local/domain/0/backend/vif/3/0/vifname",
				     "web3"),
			 0);
	lsnap("web3", &web);
	assert_int_equal(run_be(XHP_ACTION_OFFLINE, 3, "vif3.0", NULL), 0);
	assert_non_null(strstr(run_log, "web3 is not backend/vif/3/0's vif: "
					"it has no alias vif3.0"));
	assert_lsnap("web3", &web);

	/* Guest 2's own offline still finds its link by the mark. */
	assert_int_equal(run_be(XHP_ACTION_OFFLINE, 2, "vif2.0", NULL), 0);
	assert_released("web");
}

/*
 * A link renamed by the previous release carries the same mark (its old
 * name as alias): online and offline still take it as theirs.
 */
static void test_previous_release_mark(void **state)
{
	bt_sh("ip", "link", "set", "vif1.0", "name", "guest0");
	bt_sh("ip", "link", "set", "guest0", "alias", "vif1.0");
	bt_sh("ip", "link", "set", "guest0", "master", "br0", "up");
	assert_int_equal(tu_xs_write(T.xs, BE "/vifname", "guest0"), 0);
	assert_int_equal(offline(NULL), 0);
	assert_released("guest0");
	assert_int_equal(online(NULL), 0);
	assert_plumbed("guest0", 1500);
}

/*
 * A failed online that renamed the vif puts its name back with the
 * alias it had, whatever that was (not an empty one).
 */
static void test_undo_restores_alias(void **state)
{
	static const char alias[] = "netback vif of guest 1: a note longer "
				    "than a name";
	char *out = NULL;
	struct xhp_link l;

	bt_sh("ip", "link", "set", "vif1.0", "alias", alias);
	assert_int_equal(tu_xs_write(T.xs, BE "/mtu", "65535"), 0);
	assert_int_equal(tu_xs_write(T.xs, BE "/vifname", "guest0"), 0);
	assert_failed(online(&out), &out, "set MTU 65535 on guest0");
	free(out);
	assert_untouched();
	assert_int_equal(bt_link(&T, "vif1.0", &l), 0);
	assert_string_equal(l.alias, alias);
	assert_int_equal(bt_link(&T, "guest0", &l), -ENODEV);
}

static void test_bad_mtu(void **state)
{
	char *out = NULL;

	assert_int_equal(tu_xs_write(T.xs, BE "/mtu", "abc"), 0);
	assert_failed(online(&out), &out,
		      "bad mtu 'abc' from xenstore "
		      "backend/vif/1/0/mtu: expected a decimal number "
		      "68..65535");
	free(out);
	assert_untouched();
	/* Valid for the parser, refused by the kernel (tap max 65521), with
	 * a rename before it: everything is undone. */
	assert_int_equal(tu_xs_write(T.xs, BE "/mtu", "65535"), 0);
	assert_int_equal(tu_xs_write(T.xs, BE "/vifname", "guest0"), 0);
	assert_failed(online(&out), &out, "set MTU 65535 on guest0");
	free(out);
	assert_untouched();
	{
		struct xhp_link l;

		assert_int_equal(bt_link(&T, "guest0", &l), -ENODEV);
	}
}

static void test_bad_vlan(void **state)
{
	char *out = NULL;

	assert_int_equal(tu_xs_write(T.xs, BE "/vlan", "10p/20p"), 0);
	assert_failed(online(&out), &out,
		      "bad vlan '10p/20p' from xenstore "
		      "backend/vif/1/0/vlan: more than one PVID");
	free(out);
	assert_untouched();
}

static void test_vlan_not_filtering(void **state)
{
	char *out = NULL;

	assert_int_equal(tu_xs_write(T.xs, BE "/vlan", "10"), 0);
	assert_failed(online(&out), &out, "bridge br0 does not filter VLANs");
	free(out);
	assert_untouched();
	assert_key(FE_MTU, NULL);
}

static void test_xenstore_down(void **state)
{
	const char *argv[] = { XHP_CLI, "vif-bridge", "online", "type_if=vif",
			       NULL };
	const char *env[] = { "vif=vif1.0", "XENBUS_PATH=backend/vif/1/0",
			      "XENSTORED_PATH=/nonexistent/xenstored", NULL };
	char *out = NULL;

	assert_int_equal(bt_run(argv, env, &out), 1);
	assert_non_null(strstr(out, "cannot connect to xenstore"));
	free(out);
	assert_untouched();
}

static void test_dry_run(void **state)
{
	xhp_request *req;
	xhp_result *res = NULL;

	assert_int_equal(tu_xs_write(T.xs, BE "/vifname", "guest0"), 0);
	assert_int_equal(xhp_request_new(T.ctx, XHP_ACTION_ONLINE, XHP_KIND_VIF,
					 "backend/vif/1/0", "vif1.0", &req),
			 0);
	assert_int_equal(xhp_ctx_set_dry_run(T.ctx, 1), 0);
	assert_int_equal(xhp_device_run(T.ctx, "vif-bridge", req, &res), 0);
	assert_int_equal(xhp_ctx_set_dry_run(T.ctx, 0), 0);
	xhp_result_free(res);
	xhp_request_free(req);
	assert_untouched();
	assert_key(BE "/hotplug-status", "");
	assert_key(FE_MTU, NULL);
}

static void test_library_in_process(void **state)
{
	xhp_request *req;

	assert_int_equal(xhp_request_new(T.ctx, XHP_ACTION_ONLINE, XHP_KIND_VIF,
					 "backend/vif/1/0", "vif1.0", &req),
			 0);
	assert_int_equal(xhp_device_run(T.ctx, "vif-bridge", req, NULL), 0);
	xhp_request_free(req);
	assert_plumbed("vif1.0", 1500);
	assert_key(BE "/hotplug-status", "connected");
}

/* A setting from argv is applied (it was read, then ignored, before
 * the settings table), and env < argv < xenstore for it. */
static void test_mtu_from_argv(void **state)
{
	const char *argv[] = { XHP_CLI,	      "vif-bridge", "online",
			       "type_if=vif", "mtu=1400",   NULL };
	const char *env[] = { "vif=vif1.0", "XENBUS_PATH=backend/vif/1/0",
			      "XENBUS_TYPE=vif", "mtu=1300", NULL };
	char *out = NULL;

	assert_int_equal(bt_run(argv, env, &out), 0);
	free(out);
	assert_plumbed("vif1.0", 1400);
	assert_key(FE_MTU, "1400");
	/* xenstore wins over argv */
	assert_int_equal(tu_xs_write(T.xs, BE "/mtu", "1280"), 0);
	assert_int_equal(bt_run(argv, env, &out), 0);
	free(out);
	assert_plumbed("vif1.0", 1280);
}

/* A failed online, then a good one: no stale hotplug-error is left. */
static void test_stale_error_cleared(void **state)
{
	char *out = NULL;

	assert_int_equal(tu_xs_write(T.xs, BE "/bridge", "nobr0"), 0);
	assert_failed(online(&out), &out, "Could not find bridge device nobr0");
	free(out);
	assert_int_equal(tu_xs_write(T.xs, BE "/bridge", "br0"), 0);
	assert_int_equal(online(&out), 0);
	free(out);
	assert_key(BE "/hotplug-status", "connected");
	assert_key(BE "/hotplug-error", NULL);
}

/* A backend that does not exist (never made, or removed by the toolstack
 * already) is never created: not on success, not on failure. */
static void test_ghost_backend(void **state)
{
	const char *argv[] = { XHP_CLI, "vif-bridge", "online", "type_if=vif",
			       NULL };
	const char *env[] = { "vif=vif999.0", "XENBUS_PATH=backend/vif/999/0",
			      "XENBUS_TYPE=vif", "bridge=nobr0", NULL };
	char *out = NULL;
	struct lsnap vif;

	/* The device must be that backend's (vifname.h). */
	bt_sh("ip", "tuntap", "add", "vif999.0", "mode", "tap");
	lsnap("vif999.0", &vif);
	/* Found before anything is done (the settings' listing of the
	 * backend), whatever else is wrong... */
	assert_int_equal(bt_run(argv, env, &out), 1);
	assert_non_null(strstr(out, "backend/vif/999/0 does not exist in "
				    "xenstore: nothing done"));
	free(out);
	assert_key("/local/domain/0/backend/vif/999", NULL);
	/* ...or right. */
	env[3] = "bridge=br0";
	assert_int_equal(bt_run(argv, env, &out), 1);
	assert_non_null(strstr(out, "backend/vif/999/0 does not exist in "
				    "xenstore: nothing done"));
	free(out);
	assert_key("/local/domain/0/backend/vif/999", NULL);
	assert_lsnap("vif999.0", &vif);
	assert_untouched();
}

#define T_(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T_(test_online_offline),
		T_(test_online_twice_offline_twice),
		T_(test_offline_half_done),
		T_(test_vifname),
		T_(test_vifname_clash),
		T_(test_vifname_foreign_link),
		T_(test_tap_emu),
		T_(test_missing_bridge),
		T_(test_default_and_xenbr_bridge),
		T_(test_missing_device),
		T_(test_not_our_device),
		T_(test_vifname_other_backend),
		T_(test_offline_foreign_vifname),
		T_(test_previous_release_mark),
		T_(test_undo_restores_alias),
		T_(test_bad_mtu),
		T_(test_bad_vlan),
		T_(test_vlan_not_filtering),
		T_(test_xenstore_down),
		T_(test_dry_run),
		T_(test_library_in_process),
		T_(test_mtu_from_argv),
		T_(test_stale_error_cleared),
		T_(test_ghost_backend),
	};
	int r;

	bt_init(&T);
	r = cmocka_run_group_tests(tests, NULL, NULL);
	bt_fini(&T);
	return r;
}
