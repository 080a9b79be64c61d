// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * vif-openvswitch against a real ovsdb-server and ovs-vswitchd (netdev
 * datapath) and the test xenstored, in a throwaway network namespace.
 *
 *   test-ovs GROUP    GROUP: online, errors, vswitchd, conformance
 *
 * Each group runs in its own process (one CTest test each), so in its own
 * namespace with its own daemons.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>
#include <xenstore.h>

#include "nl.h"
#include "ovs_harness.h"
#include "personality.h"
#include "testutil.h"
#include "xsd_harness.h"

#define BE "/local/domain/0/backend/vif/1/0"
#define XEN_SCRIPT "/etc/xen/scripts/vif-openvswitch"
#define VM_UUID "4b1c2f5e-0d7a-4e4c-9a35-8d1f0c2b7e11"
#define GUEST_MAC "00:16:3e:12:34:56"

static struct xsd xsd = XSD_INIT;
static struct ovsd ovs;
static struct xs_handle *xs;

static void assert_be(const char *key, const char *want)
{
	char path[256], *v;

	snprintf(path, sizeof(path), BE "/%s", key);
	v = tu_xs_read(xs, path);

	if (!want) {
		assert_null(v);
		return;
	}
	assert_non_null(v);
	assert_string_equal(v, want);
	free(v);
}

/* A fresh tap vif1.0 with an address for the flush to remove. */
static int tap_setup(void **state)
{
	(void)state;
	tu_runl(NULL, "ip", "link", "del", "vif1.0", NULL);
	tu_runl(NULL, "ip", "link", "del", "guestnic", NULL);
	assert_int_equal(tu_runl(NULL, "ip", "tuntap", "add", "dev", "vif1.0",
				 "mode", "tap", NULL),
			 0);
	assert_int_equal(tu_runl(NULL, "ip", "addr", "add", "192.0.2.7/24",
				 "dev", "vif1.0", NULL),
			 0);
	assert_int_equal(tu_xs_write(xs, BE "/bridge", "br0"), 0);
	tu_xs_rm(xs, BE "/vlan");
	tu_xs_rm(xs, BE "/vifname");
	assert_int_equal(tu_xs_write(xs, BE "/hotplug-status", ""), 0);
	tu_xs_rm(xs, BE "/hotplug-error");
	ovsd_vsctl(&ovs, NULL, "--if-exists", "del-port", "vif1.0", NULL);
	ovsd_vsctl(&ovs, NULL, "--if-exists", "del-port", "guestnic", NULL);
	return 0;
}

static int tap_teardown(void **state)
{
	(void)state;
	tu_runl(NULL, "ip", "link", "del", "vif1.0", NULL);
	tu_runl(NULL, "ip", "link", "del", "guestnic", NULL);
	/* Guest 2's, of the identity tests. */
	tu_runl(NULL, "ip", "link", "del", "vif2.0", NULL);
	ovsd_vsctl(&ovs, NULL, "--if-exists", "del-port", "guestnic", NULL);
	tu_xs_rm(xs, "/local/domain/0/backend/vif/2");
	return 0;
}

/* Run our personality in-process; returns its result code. */
static int ours_v(int action, const char *dev, bool dry_run, char **ret_msg,
		  va_list ap)
{
	xhp_ctx *ctx;
	xhp_request *req;
	xhp_result *res = NULL;
	const char *k;
	int r;

	assert_int_equal(xhp_ctx_new(&ctx), 0);
	assert_int_equal(xhp_request_new(ctx, action, XHP_KIND_VIF,
					 "backend/vif/1/0", dev, &req),
			 0);
	while ((k = va_arg(ap, const char *)))
		assert_int_equal(
			xhp_request_set(req, k, va_arg(ap, const char *)), 0);
	xhp_ctx_set_dry_run(ctx, dry_run);
	r = xhp_device_run(ctx, "vif-openvswitch", req, &res);
	xhp_ctx_set_dry_run(ctx, 0);
	if (r < 0)
		fprintf(stderr, "# ours: %s\n", xhp_ctx_last_error(ctx));
	if (ret_msg)
		*ret_msg = strdup(xhp_ctx_last_error(ctx));
	xhp_result_free(res);
	xhp_request_free(req);
	xhp_ctx_unref(ctx);
	return r;
}

static int ours(int action, char **ret_msg, ...) __attribute__((sentinel));
static int ours(int action, char **ret_msg, ...)
{
	va_list ap;
	int r;

	va_start(ap, ret_msg);
	r = ours_v(action, "vif1.0", false, ret_msg, ap);
	va_end(ap);
	return r;
}

static char *get(const char *table, const char *rec, const char *col)
{
	return ovsd_get(&ovs, table, rec, col);
}

static void assert_col(const char *table, const char *rec, const char *col,
		       const char *want)
{
	char *v = get(table, rec, col);

	if (!v)
		fail_msg("no %s %s %s", table, rec, col);
	if (strcmp(v, want))
		fail_msg("%s %s %s: got '%s', want '%s'", table, rec, col, v,
			 want);
	free(v);
}

/* The bridge holding port @dev, or NULL. */
static char *port_bridge(const char *dev)
{
	char *out = NULL;
	size_t n;

	if (ovsd_vsctl(&ovs, &out, "port-to-br", dev, NULL) != 0) {
		free(out);
		return NULL;
	}
	n = strlen(out);
	while (n && out[n - 1] == '\n')
		out[--n] = '\0';
	return out;
}

static void assert_port_on(const char *dev, const char *bridge)
{
	char *b = port_bridge(dev);

	if (!bridge) {
		if (b)
			fail_msg("port %s still on %s", dev, b);
		return;
	}
	if (!b)
		fail_msg("port %s on no bridge", dev);
	assert_string_equal(b, bridge);
	free(b);
}

static void link_state(const char *dev, struct xhp_link *l)
{
	xhp_ctx *ctx;
	struct xhp_nl *nl;

	assert_int_equal(xhp_ctx_new(&ctx), 0);
	assert_int_equal(xhp_nl_open(ctx, &nl), 0);
	assert_int_equal(xhp_nl_link_get(ctx, nl, dev, 0, l), 0);
	xhp_nl_close(nl);
	xhp_ctx_unref(ctx);
}

static bool has_ipv4(const char *dev)
{
	char *out = NULL;
	bool has;

	assert_int_equal(tu_runl(&out, "ip", "-4", "-o", "addr", "show", "dev",
				 dev, NULL),
			 0);
	has = strstr(out, "inet ") != NULL;
	free(out);
	return has;
}

static void assert_plumbed(const char *dev)
{
	static const uint8_t dummy[6] = { 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct xhp_link l;

	link_state(dev, &l);
	assert_true(l.flags & IFF_UP);
	assert_memory_equal(l.addr, dummy, 6);
	assert_false(has_ipv4(dev));
}

/* ---- online group ---- */

static void t_online_basic(void **state)
{
	char *ofport;

	(void)state;
	assert_int_equal(ours(XHP_ACTION_ONLINE, NULL, NULL), 0);
	assert_be("hotplug-status", "connected");
	assert_port_on("vif1.0", "br0");
	assert_col("Port", "vif1.0", "tag", "[]");
	assert_col("Port", "vif1.0", "trunks", "[]");
	assert_col("Port", "vif1.0", "other_config", "{transient=\"true\"}");
	assert_col("Interface", "vif1.0", "other_config",
		   "{transient=\"true\"}");
	assert_col("Interface", "vif1.0", "external_ids",
		   "{attached-mac=\"" GUEST_MAC "\", iface-id=\"" VM_UUID
		   "-0\", iface-status=active, xen-vm-name=guest1, "
		   "xen-vm-uuid=\"" VM_UUID "\"}");
	assert_col("Interface", "vif1.0", "error", "[]");
	ofport = get("Interface", "vif1.0", "ofport");
	assert_non_null(ofport);
	assert_true(atoi(ofport) > 0);
	free(ofport);
	assert_plumbed("vif1.0");
}

static void t_tag_trunks(void **state)
{
	(void)state;
	assert_int_equal(tu_xs_write(xs, BE "/bridge", "br1.10:30:20"), 0);
	assert_int_equal(ours(XHP_ACTION_ONLINE, NULL, NULL), 0);
	assert_port_on("vif1.0", "br1");
	assert_col("Port", "vif1.0", "tag", "10");
	assert_col("Port", "vif1.0", "trunks", "[20, 30]");
	assert_col("Port", "vif1.0", "vlan_mode", "[]");
}

static void t_vlan_key(void **state)
{
	(void)state;
	assert_int_equal(tu_xs_write(xs, BE "/vlan", "10p/20-22"), 0);
	assert_int_equal(ours(XHP_ACTION_ONLINE, NULL, NULL), 0);
	assert_col("Port", "vif1.0", "tag", "10");
	assert_col("Port", "vif1.0", "trunks", "[20, 21, 22]");
	assert_col("Port", "vif1.0", "vlan_mode", "native-untagged");
}

static void t_argv_bridge(void **state)
{
	(void)state;
	/* xenstore wins over argv, as in Xen; without the key argv counts */
	tu_xs_rm(xs, BE "/bridge");
	assert_int_equal(ours(XHP_ACTION_ONLINE, NULL, "bridge", "br1.7", NULL),
			 0);
	assert_port_on("vif1.0", "br1");
	assert_col("Port", "vif1.0", "tag", "7");
}

static void t_move(void **state)
{
	char *out = NULL;

	(void)state;
	assert_int_equal(ours(XHP_ACTION_ONLINE, NULL, NULL), 0);
	assert_port_on("vif1.0", "br0");
	assert_int_equal(tu_xs_write(xs, BE "/bridge", "br1.5"), 0);
	assert_int_equal(ours(XHP_ACTION_ONLINE, NULL, NULL), 0);
	assert_port_on("vif1.0", "br1");
	assert_col("Port", "vif1.0", "tag", "5");
	assert_int_equal(ovsd_vsctl(&ovs, &out, "list-ports", "br0", NULL), 0);
	assert_null(strstr(out, "vif1.0"));
	free(out);
	assert_plumbed("vif1.0");
}

static void t_idempotent(void **state)
{
	char *out = NULL;

	(void)state;
	assert_int_equal(ours(XHP_ACTION_ONLINE, NULL, NULL), 0);
	assert_int_equal(ours(XHP_ACTION_ONLINE, NULL, NULL), 0);
	assert_int_equal(ovsd_vsctl(&ovs, &out, "list-ports", "br0", NULL), 0);
	assert_string_equal(out, "vif1.0\n");
	free(out);
	assert_plumbed("vif1.0");
	assert_int_equal(ours(XHP_ACTION_OFFLINE, NULL, NULL), 0);
	assert_int_equal(ours(XHP_ACTION_OFFLINE, NULL, NULL), 0);
	assert_port_on("vif1.0", NULL);
}

static void t_offline(void **state)
{
	struct xhp_link l;

	(void)state;
	assert_int_equal(ours(XHP_ACTION_ONLINE, NULL, NULL), 0);
	assert_int_equal(ours(XHP_ACTION_OFFLINE, NULL, NULL), 0);
	assert_port_on("vif1.0", NULL);
	link_state("vif1.0", &l);
	assert_false(l.flags & IFF_UP);
	/* The link gone (netback removed it) is fine too. */
	assert_int_equal(ours(XHP_ACTION_ONLINE, NULL, NULL), 0);
	tu_runl(NULL, "ip", "link", "del", "vif1.0", NULL);
	assert_int_equal(ours(XHP_ACTION_OFFLINE, NULL, NULL), 0);
	assert_port_on("vif1.0", NULL);
}

static void t_vifname(void **state)
{
	(void)state;
	assert_int_equal(tu_xs_write(xs, BE "/vifname", "guestnic"), 0);
	assert_int_equal(ours(XHP_ACTION_ONLINE, NULL, NULL), 0);
	assert_port_on("guestnic", "br0");
	assert_plumbed("guestnic");
	assert_int_equal(ours(XHP_ACTION_OFFLINE, NULL, NULL), 0);
	assert_port_on("guestnic", NULL);
}

/*
 * Offline with a vifname the link never took (an online that failed
 * and renamed it back): the link under its own name goes down, as
 * vif-bridge and vif-route do it.
 */
static void t_offline_not_renamed(void **state)
{
	struct xhp_link l;

	(void)state;
	assert_int_equal(tu_xs_write(xs, BE "/vifname", "guestnic"), 0);
	assert_int_equal(
		tu_runl(NULL, "ip", "link", "set", "vif1.0", "up", NULL), 0);
	assert_int_equal(ours(XHP_ACTION_OFFLINE, NULL, NULL), 0);
	link_state("vif1.0", &l);
	assert_false(l.flags & IFF_UP);
}

static void t_others_untouched(void **state)
{
	char *out = NULL;

	(void)state;
	/* 20 other ports on the bridge survive an online and an offline. */
	for (int i = 0; i < 20; i++) {
		char name[16];

		snprintf(name, sizeof(name), "other%d", i);
		assert_int_equal(ovsd_vsctl(&ovs, NULL, "--no-wait", "add-port",
					    "br0", name, "--", "set",
					    "interface", name, "type=internal",
					    NULL),
				 0);
	}
	assert_int_equal(ours(XHP_ACTION_ONLINE, NULL, NULL), 0);
	assert_int_equal(ours(XHP_ACTION_OFFLINE, NULL, NULL), 0);
	assert_int_equal(ovsd_vsctl(&ovs, &out, "list-ports", "br0", NULL), 0);
	for (int i = 0; i < 20; i++) {
		char name[16];

		snprintf(name, sizeof(name), "other%d\n", i);
		assert_non_null(strstr(out, name));
	}
	free(out);
	for (int i = 0; i < 20; i++) {
		char name[16];

		snprintf(name, sizeof(name), "other%d", i);
		ovsd_vsctl(&ovs, NULL, "--no-wait", "del-port", name, NULL);
	}
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

/* Our personality in-process for backend/vif/<domid>/0, device @dev. */
static int ours_at(int action, unsigned int domid, const char *dev,
		   char **ret_msg)
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
	r = xhp_device_run(ctx, "vif-openvswitch", req, NULL);
	if (ret_msg)
		*ret_msg = strdup(xhp_ctx_last_error(ctx));
	xhp_request_free(req);
	xhp_ctx_unref(ctx);
	return r;
}

/*
 * Guest 2 runs with vifname guestnic; guest 1 is given the same
 * vifname. Its online is refused, and its offline (at teardown) must not
 * delete guest 2's port or take its link down, whether guest 1's vif1.0
 * is still there (it goes down) or netback deleted it already.
 */
static void t_offline_foreign_vifname(void **state)
{
	struct xhp_link l;
	char *msg = NULL;

	(void)state;
	assert_int_equal(tu_runl(NULL, "ip", "tuntap", "add", "dev", "vif2.0",
				 "mode", "tap", NULL),
			 0);
	assert_int_equal(tu_xs_write(xs,
				     "/local/domain/0/backend/vif/2/0/bridge",
				     "br0"),
			 0);
	assert_int_equal(tu_xs_write(xs,
				     "/local/domain/0/backend/vif/2/0/vifname",
				     "guestnic"),
			 0);
	assert_int_equal(ours_at(XHP_ACTION_ONLINE, 2, "vif2.0", NULL), 0);
	assert_port_on("guestnic", "br0");
	assert_plumbed("guestnic");

	assert_int_equal(tu_xs_write(xs, BE "/vifname", "guestnic"), 0);
	assert_int_equal(ours_at(XHP_ACTION_ONLINE, 1, "vif1.0", &msg),
			 -EEXIST);
	assert_string_equal(msg, "Cannot rename interface vif1.0. An "
				 "interface with name guestnic already "
				 "exists.");
	free(msg);
	assert_int_equal(
		tu_runl(NULL, "ip", "link", "set", "vif1.0", "up", NULL), 0);
	assert_int_equal(ours_at(XHP_ACTION_OFFLINE, 1, "vif1.0", NULL), 0);
	assert_port_on("guestnic", "br0");
	assert_plumbed("guestnic");
	link_state("vif1.0", &l);
	assert_false(l.flags & IFF_UP);

	tu_runl(NULL, "ip", "link", "del", "vif1.0", NULL);
	assert_int_equal(ours_at(XHP_ACTION_OFFLINE, 1, "vif1.0", NULL), 0);
	assert_port_on("guestnic", "br0");
	assert_plumbed("guestnic");
	assert_non_null(strstr(run_log, "nothing of ours to remove: guestnic "
					"is not backend/vif/1/0's vif: its "
					"alias is 'vif2.0', not vif1.0"));

	/* Guest 2's own offline still removes its port. */
	assert_int_equal(ours_at(XHP_ACTION_OFFLINE, 2, "vif2.0", NULL), 0);
	assert_port_on("guestnic", NULL);
	link_state("guestnic", &l);
	assert_false(l.flags & IFF_UP);
}

/*
 * vifname = the OVS bridge (br0): the offline of a guest whose vif is
 * gone must not delete the bridge's local port, nor take its link down;
 * vif=br0 (a typo) is refused before anything.
 */
static void t_offline_vifname_bridge(void **state)
{
	struct xhp_link l;
	char *msg = NULL, *name;

	(void)state;
	assert_int_equal(tu_runl(NULL, "ip", "link", "set", "br0", "up", NULL),
			 0);
	assert_int_equal(tu_xs_write(xs, BE "/vifname", "br0"), 0);
	assert_int_equal(ours_at(XHP_ACTION_ONLINE, 1, "vif1.0", &msg),
			 -EEXIST);
	assert_string_equal(msg, "Cannot rename interface vif1.0. An "
				 "interface with name br0 already exists.");
	free(msg);
	tu_runl(NULL, "ip", "link", "del", "vif1.0", NULL);
	assert_int_equal(ours_at(XHP_ACTION_OFFLINE, 1, "vif1.0", NULL), 0);
	name = get("Port", "br0", "name");
	assert_non_null(name);
	assert_string_equal(name, "br0");
	free(name);
	link_state("br0", &l);
	assert_true(l.flags & IFF_UP);
	assert_non_null(strstr(run_log, "nothing of ours to remove: br0 is "
					"not backend/vif/1/0's vif: it has no "
					"alias vif1.0"));

	tu_xs_rm(xs, BE "/vifname");
	assert_int_equal(ours_at(XHP_ACTION_ONLINE, 1, "br0", &msg), -EINVAL);
	assert_string_equal(msg, "device br0 is not backend/vif/1/0's vif "
				 "(expected vif1.0 or its vifname)");
	free(msg);
	assert_int_equal(ours_at(XHP_ACTION_OFFLINE, 1, "br0", &msg), -EINVAL);
	free(msg);
	name = get("Port", "br0", "name");
	assert_non_null(name);
	free(name);
	link_state("br0", &l);
	assert_true(l.flags & IFF_UP);
}

/* ---- errors group ---- */

static void assert_failed(const char *msg, const char *part)
{
	char *err = tu_xs_read(xs, BE "/hotplug-error");

	assert_be("hotplug-status", "error");
	assert_non_null(err);
	if (!strstr(err, part) || !strstr(msg, part))
		fail_msg("message '%s' lacks '%s'", err, part);
	free(err);
}

static void t_err_no_bridge(void **state)
{
	char *msg = NULL;
	struct xhp_link l;

	(void)state;
	assert_int_equal(tu_xs_write(xs, BE "/bridge", "nosuchbr"), 0);
	assert_int_equal(ours(XHP_ACTION_ONLINE, &msg, NULL), -ENODEV);
	assert_failed(msg, "bridge 'nosuchbr' not found in OVSDB");
	assert_port_on("vif1.0", NULL);
	/* Checked before the link was touched. */
	assert_true(has_ipv4("vif1.0"));
	link_state("vif1.0", &l);
	free(msg);
}

static void t_err_bad_spec(void **state)
{
	static const char *const bad[] = { "br0.5000", "br0.",	 "br0:x",
					   ".10",      "br0..1", "" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *msg = NULL;

		assert_int_equal(tu_xs_write(xs, BE "/bridge", bad[i]), 0);
		assert_int_equal(ours(XHP_ACTION_ONLINE, &msg, NULL), -EINVAL);
		/* Not even an interface name: the settings table refuses
		 * it; the rest, vif-openvswitch's own parser. */
		assert_failed(msg, i == 2 ? "bad bridge 'br0:x' from xenstore "
					    "backend/vif/1/0/bridge" :
					    "No valid bridge was specified");
		free(msg);
		assert_true(has_ipv4("vif1.0"));
	}
	assert_port_on("vif1.0", NULL);
}

static void t_err_bad_vlan(void **state)
{
	char *msg = NULL;

	(void)state;
	assert_int_equal(tu_xs_write(xs, BE "/bridge", "br0.10"), 0);
	assert_int_equal(tu_xs_write(xs, BE "/vlan", "20"), 0);
	assert_int_equal(ours(XHP_ACTION_ONLINE, &msg, NULL), -EINVAL);
	assert_failed(msg, "bridge tag 10 and vlan PVID 20 disagree");
	free(msg);
	assert_int_equal(tu_xs_write(xs, BE "/bridge", "br0"), 0);
	assert_int_equal(tu_xs_write(xs, BE "/vlan", "10p/20u"), 0);
	assert_int_equal(ours(XHP_ACTION_ONLINE, &msg, NULL), -EINVAL);
	assert_failed(msg, "sends only the PVID untagged");
	free(msg);
	assert_port_on("vif1.0", NULL);
}

static void t_err_no_socket(void **state)
{
	char *msg = NULL;

	(void)state;
	assert_true(ours(XHP_ACTION_ONLINE, &msg, "ovsdb_socket",
			 "unix:/nonexistent/db.sock", NULL) < 0);
	assert_failed(msg, "OVSDB socket '/nonexistent/db.sock' does not "
			   "exist");
	free(msg);
	assert_true(has_ipv4("vif1.0"));
	/* Offline without a database: as Xen, not an error. */
	assert_int_equal(ours(XHP_ACTION_OFFLINE, NULL, "ovsdb_socket",
			      "/nonexistent/db.sock", NULL),
			 0);
}

static void t_err_no_device(void **state)
{
	char *msg = NULL;

	(void)state;
	tu_runl(NULL, "ip", "link", "del", "vif1.0", NULL);
	assert_int_equal(ours(XHP_ACTION_ONLINE, &msg, NULL), -ENODEV);
	assert_failed(msg, "device 'vif1.0' does not exist");
	free(msg);
	assert_port_on("vif1.0", NULL);
}

/*
 * OVSDB strings are UTF-8 (RFC 7047); a VM name in another encoding
 * cannot be stored (ovs-vsctl fails on it as well). Say so, not "out of
 * memory", and leave the link alone.
 */
static void t_err_vm_name_utf8(void **state)
{
	char path[128], *msg = NULL;

	(void)state;
	snprintf(path, sizeof(path), "/vm/%s/name", VM_UUID);
	assert_int_equal(tu_xs_write(xs, path, "caf\xe9"), 0);
	assert_int_equal(ours(XHP_ACTION_ONLINE, &msg, NULL), -EINVAL);
	assert_int_equal(tu_xs_write(xs, path, "guest1"), 0);
	assert_failed(msg, "not valid UTF-8");
	assert_failed(msg, "caf\\xe9");
	assert_port_on("vif1.0", NULL);
	assert_true(has_ipv4("vif1.0"));
	free(msg);
}

/*
 * The backend's ovsdb_socket key is any string: messages show it
 * quoted, here through a link whose name holds a newline.
 */
static void t_err_sock_quoted(void **state)
{
	char link[PATH_MAX + 8], *msg = NULL;

	(void)state;
	snprintf(link, sizeof(link), "%s/a\nb", ovs.dir);
	assert_int_equal(symlink(ovs.sock, link), 0);
	assert_int_equal(tu_xs_write(xs, BE "/bridge", "nosuchbr"), 0);
	assert_int_equal(tu_xs_write(xs, BE "/ovsdb_socket", link), 0);
	assert_int_equal(ours(XHP_ACTION_ONLINE, &msg, NULL), -ENODEV);
	tu_xs_rm(xs, BE "/ovsdb_socket");
	unlink(link);
	assert_failed(msg, "not found in OVSDB");
	assert_failed(msg, "/a\\x0ab'");
	assert_null(strchr(msg, '\n'));
	free(msg);
}

static char last_dry_msg[1024];

/* A dry run in-process; its message (if any) in last_dry_msg. */
static int ours_dry(int action, ...)
{
	char *msg = NULL;
	va_list ap;
	int r;

	va_start(ap, action);
	r = ours_v(action, "vif1.0", true, &msg, ap);
	va_end(ap);
	snprintf(last_dry_msg, sizeof(last_dry_msg), "%s", msg ? msg : "");
	free(msg);
	return r;
}

static void t_dry_run(void **state)
{
	(void)state;
	assert_int_equal(ours_dry(XHP_ACTION_ONLINE, NULL), 0);
	assert_port_on("vif1.0", NULL);
	assert_true(has_ipv4("vif1.0"));
	assert_be("hotplug-status", "");
	assert_int_equal(ours(XHP_ACTION_ONLINE, NULL, NULL), 0);
	assert_int_equal(ours_dry(XHP_ACTION_OFFLINE, NULL), 0);
	assert_port_on("vif1.0", "br0");
}

/* ---- dry runs: every read-only check, no change ---- */

static void dump_into(FILE *f, const char *path)
{
	unsigned int n, i;
	char **kids, sub[512], *v = tu_xs_read(xs, path);

	fprintf(f, "%s=%s\n", path, v ? v : "(unreadable)");
	free(v);
	kids = xs_directory(xs, XBT_NULL, path, &n);
	for (i = 0; kids && i < n; i++) {
		snprintf(sub, sizeof(sub), "%s/%s", path, kids[i]);
		dump_into(f, sub);
	}
	free(kids);
}

/* Each command's output (which must succeed and say something). */
static void snap_cmd(FILE *f, const char *const argv[])
{
	char *out = NULL;
	int r;

	if (!strcmp(argv[0], "ovs-vsctl"))
		r = ovsd_vsctl(&ovs, &out, argv[1], argv[2], argv[3], argv[4],
			       argv[5], NULL);
	else
		r = tu_runl(&out, argv[0], argv[1], argv[2], argv[3], argv[4],
			    argv[5], NULL);
	/* (the only one that may be empty: no IPv4 address at all) */
	if (r != 0 || !out || (!out[0] && strcmp(argv[1], "-4")))
		fail_msg("snapshot %s %s: exit %d: %s", argv[0], argv[1], r,
			 out ? out : "");
	fprintf(f, "%s\n", out);
	free(out);
}

/*
 * What an online may change: the OVS rows (bridges, ports, interfaces,
 * next_cfg), the links of the namespace (names, flags, MACs), the IPv4
 * addresses (the vif's, which an online flushes), and the backend's keys.
 */
static char *world(void)
{
	static const char *const cmds[][7] = {
		{ "ovs-vsctl", "--columns=_uuid,name,ports", "list", "Bridge",
		  NULL },
		{ "ovs-vsctl",
		  "--columns=_uuid,name,interfaces,tag,trunks,vlan_mode,"
		  "external_ids,other_config",
		  "list", "Port", NULL },
		{ "ovs-vsctl",
		  "--columns=_uuid,name,type,external_ids,other_config", "list",
		  "Interface", NULL },
		{ "ovs-vsctl", "get", "Open_vSwitch", ".", "next_cfg", NULL },
		{ "ip", "-o", "link", "show", NULL },
		{ "ip", "-4", "-o", "addr", "show", NULL },
	};
	char *buf = NULL;
	size_t size = 0, i;
	FILE *f = open_memstream(&buf, &size);

	assert_non_null(f);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		snap_cmd(f, cmds[i]);
	dump_into(f, BE);
	fclose(f);
	return buf;
}

/*
 * A dry-run online of vif1.0, in-process and through the CLI: both
 * must agree, change
 * nothing, and the CLI must print the in-process message when failing.
 * Returns the in-process result, the message into *ret_msg.
 */
static int dry_online(char **ret_msg)
{
	char rundir[4200], *out = NULL, **env, *before, *after;
	const char *add[] = { "XENBUS_PATH=backend/vif/1/0", "vif=vif1.0",
			      rundir, NULL };
	char *argv[] = { XHP_CLI,  "vif-openvswitch", "--dry-run",
			 "online", "type_if=vif",     NULL };
	int r, cli;

	snprintf(rundir, sizeof(rundir), "OVS_RUNDIR=%s", ovs.dir);
	before = world();
	r = ours_dry(XHP_ACTION_ONLINE, NULL);
	*ret_msg = strdup(last_dry_msg);
	env = tu_env(NULL, add);
	cli = tu_run(argv, env, 30000, &out);
	tu_env_free(env);
	after = world();
	assert_string_equal(after, before);
	print_message("  dry run: %d: %s", cli, out ? out : "\n");
	assert_int_equal(cli, r < 0 ? 1 : 0);
	if (r < 0)
		assert_non_null(strstr(out, *ret_msg));
	else
		assert_non_null(strstr(out, "dry run: would add port "));
	free(out);
	free(after);
	free(before);
	return r;
}

/* A dry run refused with @want_r as @part, then the real online, with
 * the same result and message, which only the real one reports. */
static void dry_refused(int want_r, const char *part)
{
	char *dry = NULL, *msg = NULL;

	assert_int_equal(dry_online(&dry), want_r);
	assert_non_null(strstr(dry, part));
	assert_int_equal(ours(XHP_ACTION_ONLINE, &msg, NULL), want_r);
	assert_string_equal(msg, dry);
	assert_failed(msg, part);
	free(msg);
	free(dry);
}

static void t_dry_ok(void **state)
{
	char *msg = NULL;

	(void)state;
	assert_int_equal(tu_xs_write(xs, BE "/bridge", "br1.10:20"), 0);
	assert_int_equal(dry_online(&msg), 0);
	free(msg);
	/* a rename to do: not done */
	assert_int_equal(tu_xs_write(xs, BE "/vifname", "guestnic"), 0);
	assert_int_equal(dry_online(&msg), 0);
	free(msg);
	tu_xs_rm(xs, BE "/vifname");
	/* a port to replace (moved to another bridge): left as it is */
	assert_int_equal(tu_xs_write(xs, BE "/bridge", "br0"), 0);
	assert_int_equal(ours(XHP_ACTION_ONLINE, NULL, NULL), 0);
	assert_int_equal(tu_xs_write(xs, BE "/bridge", "br1.10:20"), 0);
	assert_int_equal(dry_online(&msg), 0);
	free(msg);
	assert_port_on("vif1.0", "br0");
}

static void t_dry_no_bridge(void **state)
{
	(void)state;
	assert_int_equal(tu_xs_write(xs, BE "/bridge", "nosuchbr"), 0);
	dry_refused(-ENODEV, "bridge 'nosuchbr' not found in OVSDB");
	assert_true(has_ipv4("vif1.0"));
}

static void t_dry_no_socket(void **state)
{
	(void)state;
	assert_int_equal(tu_xs_write(xs, BE "/ovsdb_socket",
				     "unix:/nonexistent/db.sock"),
			 0);
	dry_refused(-ENOENT,
		    "OVSDB socket '/nonexistent/db.sock' does not exist");
	tu_xs_rm(xs, BE "/ovsdb_socket");
}

/* A socket file nothing listens on: ovsdb-server is down. */
static void t_dry_server_down(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *msg = NULL;
	int fd;

	(void)state;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/dead.sock", ovs.dir);
	unlink(sa.sun_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	assert_int_equal(tu_xs_write(xs, BE "/ovsdb_socket", sa.sun_path), 0);
	assert_int_equal(dry_online(&msg), -ECONNREFUSED);
	assert_non_null(strstr(msg, "dead.sock': connection refused: is "
				    "ovsdb-server running?"));
	free(msg);
	tu_xs_rm(xs, BE "/ovsdb_socket");
	unlink(sa.sun_path);
}

static void t_dry_no_device(void **state)
{
	(void)state;
	tu_runl(NULL, "ip", "link", "del", "vif1.0", NULL);
	dry_refused(-ENODEV, "device 'vif1.0' does not exist");
}

static void t_err_vifname_taken(void **state)
{
	char *msg = NULL;

	(void)state;
	assert_int_equal(tu_runl(NULL, "ip", "tuntap", "add", "dev", "guestnic",
				 "mode", "tap", NULL),
			 0);
	assert_int_equal(tu_xs_write(xs, BE "/vifname", "guestnic"), 0);
	assert_int_equal(ours(XHP_ACTION_ONLINE, &msg, NULL), -EEXIST);
	assert_failed(msg, "Cannot rename interface vif1.0. An interface "
			   "with name guestnic already exists.");
	free(msg);
	/* Both links as they were. */
	assert_true(has_ipv4("vif1.0"));
	assert_port_on("vif1.0", NULL);
	assert_port_on("guestnic", NULL);
}

static void t_cli(void **state)
{
	char *out = NULL, **env;
	char rundir[4200];
	const char *add[] = { "XENBUS_PATH=backend/vif/1/0", "vif=vif1.0",
			      rundir, NULL };
	char *argv[] = { XHP_CLI, "vif-openvswitch", "online", "type_if=vif",
			 NULL };
	int r;

	(void)state;
	snprintf(rundir, sizeof(rundir), "OVS_RUNDIR=%s", ovs.dir);
	env = tu_env(NULL, add);
	assert_int_equal(tu_xs_write(xs, BE "/bridge", "nosuchbr"), 0);
	r = tu_run(argv, env, 30000, &out);
	assert_int_equal(r, 1);
	assert_failed("bridge 'nosuchbr' not found", "bridge 'nosuchbr' not "
						     "found");
	free(out);
	assert_int_equal(tu_xs_write(xs, BE "/bridge", "br0.3"), 0);
	r = tu_run(argv, env, 30000, &out);
	if (r != 0)
		fail_msg("CLI online: %d: %s", r, out);
	free(out);
	assert_be("hotplug-status", "connected");
	assert_port_on("vif1.0", "br0");
	assert_col("Port", "vif1.0", "tag", "3");
	tu_env_free(env);
}

/* ---- vswitchd group: ovs-vswitchd not running ---- */

static void t_err_no_vswitchd(void **state)
{
	char *msg = NULL;

	(void)state;
	ovsd_stop_vswitchd(&ovs);
	assert_true(ours(XHP_ACTION_ONLINE, &msg, "ovsdb_timeout", "1", NULL) <
		    0);
	assert_failed(msg, "ovs-vswitchd did not apply the configuration");
	free(msg);
	/* Undone: no port left in the database. */
	assert_port_on("vif1.0", NULL);
	assert_int_equal(ovsd_start_vswitchd(&ovs), 0);
	assert_int_equal(ours(XHP_ACTION_ONLINE, NULL, NULL), 0);
	assert_port_on("vif1.0", "br0");
}

/* ---- conformance group: Xen's script on the same scenarios ---- */

/* The columns both implementations set, ours with our documented
 * additions removed first. */
static char *snapshot(const char *dev, bool strip_ours)
{
	static const char *const cols[][2] = {
		{ "Port", "tag" },
		{ "Port", "trunks" },
		{ "Port", "vlan_mode" },
		{ "Port", "other_config" },
		{ "Port", "external_ids" },
		{ "Interface", "type" },
		{ "Interface", "options" },
		{ "Interface", "external_ids" },
		{ "Interface", "other_config" },
		{ "Interface", "error" },
	};
	char *snap = NULL, *br;
	size_t i;

	if (strip_ours)
		assert_int_equal(
			ovsd_vsctl(&ovs, NULL, "--", "remove", "Interface", dev,
				   "external_ids", "iface-id", "--", "remove",
				   "Interface", dev, "external_ids",
				   "iface-status", "--", "remove", "Interface",
				   dev, "other_config", "transient", "--",
				   "remove", "Port", dev, "other_config",
				   "transient", NULL),
			0);
	br = port_bridge(dev);
	if (asprintf(&snap, "bridge=%s\n", br ? br : "(none)") < 0)
		fail();
	free(br);
	for (i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
		char *v = get(cols[i][0], dev, cols[i][1]), *n = NULL;

		if (asprintf(&n, "%s%s.%s=%s\n", snap, cols[i][0], cols[i][1],
			     v ? v : "(none)") < 0)
			fail();
		free(snap);
		free(v);
		snap = n;
	}
	return snap;
}

static int xen(const char *command)
{
	char *out = NULL, **env;
	char rundir[4200];
	const char *add[] = { "XENBUS_PATH=backend/vif/1/0", "vif=vif1.0",
			      rundir, NULL };
	char *argv[] = { "bash", XEN_SCRIPT, (char *)command, "type_if=vif",
			 NULL };
	int r;

	snprintf(rundir, sizeof(rundir), "OVS_RUNDIR=%s", ovs.dir);
	env = tu_env(NULL, add);
	r = tu_run(argv, env, 60000, &out);
	if (r != 0)
		fprintf(stderr, "# Xen's script %s: %d: %s\n", command, r, out);
	free(out);
	tu_env_free(env);
	return r;
}

static void conform(const char *spec, const char *first)
{
	char *theirs, *mine;
	struct xhp_link l;

	/* Xen's script. */
	if (first) {
		assert_int_equal(tu_xs_write(xs, BE "/bridge", first), 0);
		assert_int_equal(xen("online"), 0);
	}
	assert_int_equal(tu_xs_write(xs, BE "/bridge", spec), 0);
	assert_int_equal(tu_xs_write(xs, BE "/hotplug-status", ""), 0);
	assert_int_equal(xen("online"), 0);
	assert_be("hotplug-status", "connected");
	assert_plumbed("vif1.0");
	theirs = snapshot("vif1.0", false);
	assert_int_equal(xen("offline"), 0);
	assert_port_on("vif1.0", NULL);
	link_state("vif1.0", &l);
	assert_false(l.flags & IFF_UP);

	/* Ours on a fresh tap. */
	tap_setup(NULL);
	if (first) {
		assert_int_equal(tu_xs_write(xs, BE "/bridge", first), 0);
		assert_int_equal(ours(XHP_ACTION_ONLINE, NULL, NULL), 0);
	}
	assert_int_equal(tu_xs_write(xs, BE "/bridge", spec), 0);
	assert_int_equal(ours(XHP_ACTION_ONLINE, NULL, NULL), 0);
	assert_be("hotplug-status", "connected");
	assert_plumbed("vif1.0");
	mine = snapshot("vif1.0", true);
	if (getenv("XHP_TEST_VERBOSE"))
		fprintf(stderr, "# Xen's:\n%s# ours:\n%s", theirs, mine);
	assert_string_equal(mine, theirs);
	assert_int_equal(ours(XHP_ACTION_OFFLINE, NULL, NULL), 0);
	assert_port_on("vif1.0", NULL);
	link_state("vif1.0", &l);
	assert_false(l.flags & IFF_UP);
	free(theirs);
	free(mine);
}

static void t_conf_plain(void **state)
{
	(void)state;
	conform("br0", NULL);
}

static void t_conf_tag(void **state)
{
	(void)state;
	conform("br0.10", NULL);
}

static void t_conf_tag_trunks(void **state)
{
	(void)state;
	conform("br1.10:20:30", NULL);
}

static void t_conf_trunks(void **state)
{
	(void)state;
	conform("br1:5:6", NULL);
}

static void t_conf_move(void **state)
{
	(void)state;
	conform("br1.4", "br0");
}

static void t_conf_bad(void **state)
{
	char *msg = NULL;

	(void)state;
	assert_int_equal(tu_xs_write(xs, BE "/bridge", "br0.x"), 0);
	assert_int_equal(xen("online"), 1);
	assert_be("hotplug-status", "error");
	assert_int_equal(tu_xs_write(xs, BE "/hotplug-status", ""), 0);
	assert_int_equal(ours(XHP_ACTION_ONLINE, &msg, NULL), -EINVAL);
	assert_failed(msg,
		      "bad bridge 'br0.x': bad VLAN tag: expected 1..4094");
	free(msg);
	assert_port_on("vif1.0", NULL);
}

/* ---- fixture ---- */

static int group_setup(void **state)
{
	char path[128];

	(void)state;
	if (tu_netns_enter() < 0) {
		fprintf(stderr, "cannot enter a network namespace\n");
		return -1;
	}
	if (xsd_start(&xsd) < 0)
		return -1;
	if (ovsd_start(&ovs, true) < 0)
		return -1;
	if (ovsd_add_bridge(&ovs, "br0") < 0 ||
	    ovsd_add_bridge(&ovs, "br1") < 0)
		return -1;
	xs = xs_open(0);
	if (!xs)
		return -1;
	snprintf(path, sizeof(path), "/vm/%s", VM_UUID);
	assert_int_equal(tu_xs_write(xs, "/local/domain/1/vm", path), 0);
	snprintf(path, sizeof(path), "/vm/%s/name", VM_UUID);
	assert_int_equal(tu_xs_write(xs, path, "guest1"), 0);
	snprintf(path, sizeof(path), "/vm/%s/uuid", VM_UUID);
	assert_int_equal(tu_xs_write(xs, path, VM_UUID), 0);
	assert_int_equal(tu_xs_write(xs, BE "/frontend-id", "1"), 0);
	assert_int_equal(tu_xs_write(xs, BE "/mac", GUEST_MAC), 0);
	assert_int_equal(tu_xs_write(xs, BE "/online", "1"), 0);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	if (xs)
		xs_close(xs);
	xs = NULL;
	ovsd_stop(&ovs);
	xsd_stop(&xsd);
	return 0;
}

#define T(f) cmocka_unit_test_setup_teardown(f, tap_setup, tap_teardown)

int main(int argc, char **argv)
{
	static const struct CMUnitTest online[] = {
		T(t_online_basic),
		T(t_tag_trunks),
		T(t_vlan_key),
		T(t_argv_bridge),
		T(t_move),
		T(t_idempotent),
		T(t_offline),
		T(t_vifname),
		T(t_others_untouched),
		T(t_offline_not_renamed),
		T(t_offline_foreign_vifname),
		T(t_offline_vifname_bridge),
	};
	static const struct CMUnitTest errors[] = {
		T(t_err_no_bridge),    T(t_err_bad_spec),
		T(t_err_bad_vlan),     T(t_err_no_socket),
		T(t_err_no_device),    T(t_cli),
		T(t_dry_run),	       T(t_err_vifname_taken),
		T(t_err_vm_name_utf8), T(t_err_sock_quoted),
		T(t_dry_ok),	       T(t_dry_no_bridge),
		T(t_dry_no_socket),    T(t_dry_server_down),
		T(t_dry_no_device),
	};
	static const struct CMUnitTest vswitchd[] = {
		T(t_err_no_vswitchd),
	};
	static const struct CMUnitTest conformance[] = {
		T(t_conf_plain),  T(t_conf_tag),  T(t_conf_tag_trunks),
		T(t_conf_trunks), T(t_conf_move), T(t_conf_bad),
	};
	const char *g = argc > 1 ? argv[1] : "online";

	tu_require_root("network namespaces, taps and Open vSwitch daemons");
	if (!strcmp(g, "online"))
		return cmocka_run_group_tests_name("ovs-online", online,
						   group_setup, group_teardown);
	if (!strcmp(g, "errors"))
		return cmocka_run_group_tests_name("ovs-errors", errors,
						   group_setup, group_teardown);
	if (!strcmp(g, "vswitchd"))
		return cmocka_run_group_tests_name("ovs-vswitchd", vswitchd,
						   group_setup, group_teardown);
	if (!strcmp(g, "conformance"))
		return cmocka_run_group_tests_name("ovs-conformance",
						   conformance, group_setup,
						   group_teardown);
	fprintf(stderr, "unknown group %s\n", g);
	return 2;
}
