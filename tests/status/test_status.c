// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * xhp-hotplug status against real parts: the test xenstored, a bridge
 * and veths in a throwaway network namespace, a private ovsdb-server and
 * ovs-vswitchd (netdev datapath), a loop device attached by the block
 * personality. Each drift is made for real, reported with its code and
 * words (table and --json, parsed back), repaired with --repair, and a
 * second status is clean. Everything is frontend domain 73 and the
 * status calls name it, so loop devices and links of other tests are
 * never looked at; locks go to a private directory.
 */
#include <fcntl.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/loop.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <xhp/xhp.h>

#include "nft.h"
#include "ovs_harness.h"
#include "testutil.h"
#include "xsd_harness.h"

#define DOM "73"
#define BE_BR "/local/domain/0/backend/vif/73/0"
#define BE_OVS "/local/domain/0/backend/vif/73/1"
#define BE_VBD "/local/domain/0/backend/vbd/73/51712"

static struct xsd xsd = XSD_INIT;
static struct ovsd ovs;
static char *dir, *lockdir, *image;
static char node[32];

static void sh(const char *arg0, ...) __attribute__((sentinel));
static void sh(const char *arg0, ...)
{
	const char *head[] = { arg0, NULL };
	char *out = NULL;
	va_list ap;
	int r;

	va_start(ap, arg0);
	r = tu_runv(&out, NULL, 20000, head, ap);
	va_end(ap);
	if (r != 0)
		fprintf(stderr, "# %s failed (%d): %s\n", arg0, r,
			out ? out : "");
	free(out);
	assert_int_equal(r, 0);
}

static void be_write(const char *be, const char *key, const char *value)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", be, key);
	assert_int_equal(tu_xs_write(NULL, path, value), 0);
}

/* Plug @be with our personality, in-process, as libxl would run it. */
static void plug(const char *personality, int kind, const char *be,
		 const char *dev)
{
	xhp_ctx *ctx;
	xhp_request *req;
	int r;

	assert_int_equal(xhp_ctx_new(&ctx), 0);
	assert_int_equal(xhp_ctx_set_lock_dir(ctx, lockdir), 0);
	assert_int_equal(xhp_request_new(ctx,
					 kind == XHP_KIND_VIF ?
						 XHP_ACTION_ONLINE :
						 XHP_ACTION_ADD,
					 kind, be, dev, &req),
			 0);
	r = xhp_device_run(ctx, personality, req, NULL);
	if (r < 0)
		fprintf(stderr, "# plug %s: %s\n", be, xhp_ctx_last_error(ctx));
	assert_int_equal(r, 0);
	xhp_request_free(req);
	xhp_ctx_unref(ctx);
}

/* xhp-hotplug status --lock-dir DIR ARGS... DOM: exit status, output. */
static int status(char **out, ...) __attribute__((sentinel));
static int status(char **out, ...)
{
	const char *argv[16] = { XHP_CLI, "status", "--lock-dir", lockdir };
	const char *a;
	size_t n = 4;
	va_list ap;

	va_start(ap, out);
	while ((a = va_arg(ap, const char *)) && n < 14)
		argv[n++] = a;
	va_end(ap);
	argv[n++] = DOM;
	argv[n] = NULL;
	return tu_run((char *const *)argv, NULL, 60000, out);
}

/* status --json: parsed; the exit status into *ret_exit. */
static json_t *status_json(int *ret_exit, bool repair)
{
	char *out = NULL, *brace;
	json_error_t e;
	json_t *j;

	*ret_exit = repair ? status(&out, "--json", "--repair", NULL) :
			     status(&out, "--json", NULL);
	assert_non_null(out);
	if (getenv("STATUS_VERBOSE"))
		fprintf(stderr, "%s\n", out);
	/* stderr (warnings) comes first; the document starts at '{'. */
	brace = strstr(out, "{\n");
	assert_non_null(brace);
	j = json_loads(brace, JSON_DISABLE_EOF_CHECK, &e);
	if (!j)
		fprintf(stderr, "# bad JSON (%s): %s\n", e.text, out);
	assert_non_null(j);
	free(out);
	assert_int_equal(json_integer_value(json_object_get(j, "version")), 1);
	return j;
}

static json_t *device(json_t *j, const char *backend)
{
	json_t *d;
	size_t i;

	json_array_foreach(json_object_get(j, "devices"), i, d)
		if (!strcmp(json_string_value(json_object_get(d, "backend")),
			    backend))
			return d;
	fail_msg("no device %s in the status", backend);
	return NULL;
}

/* The status says @be drifts by @code only, with @words in its message. */
static void expect_drift(const char *be, const char *code, const char *words)
{
	json_t *j, *d, *drift;
	char *out = NULL;
	int x;

	j = status_json(&x, false);
	assert_int_equal(x, 1);
	assert_false(json_is_true(json_object_get(j, "clean")));
	d = device(j, be);
	drift = json_object_get(d, "drift");
	assert_int_equal(json_array_size(drift), 1);
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(drift, 0), "code")),
			    code);
	assert_non_null(strstr(json_string_value(json_object_get(
				       json_array_get(drift, 0), "message")),
			       words));
	json_decref(j);
	/* The table says the same. */
	assert_int_equal(status(&out, NULL), 1);
	assert_non_null(strstr(out, code));
	assert_non_null(strstr(out, words));
	free(out);
}

static void expect_clean(void)
{
	json_t *j, *d;
	size_t i;
	int x;

	j = status_json(&x, false);
	json_array_foreach(json_object_get(j, "devices"), i, d)
		if (json_array_size(json_object_get(d, "drift")))
			fprintf(stderr, "# drift: %s\n",
				json_dumps(json_object_get(d, "drift"), 0));
	assert_int_equal(x, 0);
	assert_true(json_is_true(json_object_get(j, "clean")));
	assert_int_equal(json_array_size(json_object_get(j, "devices")), 3);
	assert_int_equal(json_array_size(json_object_get(j, "leftovers")), 0);
	json_array_foreach(json_object_get(j, "devices"), i, d) {
		assert_true(json_is_true(json_object_get(d, "connected")));
		assert_int_equal(json_array_size(json_object_get(d, "drift")),
				 0);
	}
	json_decref(j);
}

/* --repair fixes it (the device's repair says "repaired"), then clean. */
static void repair_then_clean(const char *be)
{
	json_t *j, *d;
	int x;

	j = status_json(&x, true);
	d = device(j, be);
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(d, "repair"), "result")),
			    "repaired");
	assert_int_equal(json_array_size(json_object_get(d, "drift")), 0);
	assert_int_equal(x, 0);
	json_decref(j);
	expect_clean();
}

static const char *host(const char *be, const char *key, char *buf, size_t size)
{
	json_t *j;
	int x;

	j = status_json(&x, false);
	snprintf(
		buf, size, "%s",
		json_string_value(json_object_get(json_object_get(device(j, be), "host"), key)) ?:
			"");
	json_decref(j);
	return buf;
}

static void test_clean(void **state)
{
	char buf[64];

	(void)state;
	expect_clean();
	assert_string_equal(host(BE_BR, "master", buf, sizeof(buf)), "br73");
	/* the fingerprint of its table: 16 hex digits */
	assert_int_equal(strlen(host(BE_BR, "policy", buf, sizeof(buf))), 16);
	assert_int_equal(strspn(buf, "0123456789abcdef"), 16);
	assert_string_equal(host(BE_OVS, "ovs-tag", buf, sizeof(buf)), "5");
	assert_string_equal(host(BE_VBD, "loop", buf, sizeof(buf)), node);
}

static void test_nomaster(void **state)
{
	(void)state;
	sh("ip", "link", "set", "vif73.0", "nomaster", NULL);
	expect_drift(BE_BR, "not-on-bridge",
		     "vif73.0 is not on bridge br73 (it has no master)");
	repair_then_clean(BE_BR);
}

static void test_bridge_recreated(void **state)
{
	char buf[64];

	(void)state;
	sh("ip", "link", "del", "br73", NULL);
	sh("ip", "link", "add", "br73", "type", "bridge", NULL);
	sh("ip", "link", "set", "br73", "up", NULL);
	expect_drift(BE_BR, "not-on-bridge",
		     "vif73.0 is not on bridge br73 (it has no master)");
	repair_then_clean(BE_BR);
	assert_string_equal(host(BE_BR, "master", buf, sizeof(buf)), "br73");
}

static void test_bridge_gone(void **state)
{
	(void)state;
	sh("ip", "link", "del", "br73", NULL);
	expect_drift(BE_BR, "bridge-missing",
		     "bridge br73 of vif73.0 does not exist");
	sh("ip", "link", "add", "br73", "type", "bridge", NULL);
	sh("ip", "link", "set", "br73", "up", NULL);
	repair_then_clean(BE_BR);
}

static void test_wrong_bridge(void **state)
{
	(void)state;
	sh("ip", "link", "add", "br73b", "type", "bridge", NULL);
	sh("ip", "link", "set", "vif73.0", "master", "br73b", NULL);
	expect_drift(BE_BR, "wrong-bridge",
		     "vif73.0 is on br73b, not on bridge br73");
	repair_then_clean(BE_BR);
	sh("ip", "link", "del", "br73b", NULL);
}

static void test_mtu(void **state)
{
	(void)state;
	/* The bridge follows its smallest port unless its MTU is set. */
	sh("ip", "link", "set", "vif73.0", "mtu", "1400", NULL);
	sh("ip", "link", "set", "br73", "mtu", "1500", NULL);
	expect_drift(BE_BR, "mtu-differs",
		     "vif73.0 has MTU 1400, not 1500 (its bridge's)");
	repair_then_clean(BE_BR);
}

/* The guest network policy: its chains deleted by hand, then the keys
 * changed under it (another ip, then none): each reported, repaired by a
 * re-plug of the plugged vif, then clean. */
static void test_policy(void **state)
{
	char buf[64], fp[64];

	(void)state;
	host(BE_BR, "policy", fp, sizeof(fp));
	/* vif73.0's chains are in shard 0x2a (nft.h: stable) */
	sh("nft", "delete", "table", "netdev", "xhp-2a", NULL);
	expect_drift(
		BE_BR, "policy-missing",
		"vif73.0 has no guest network policy (no chain dev-vif73.0 in table netdev xhp-2a); its keys ask for one");
	repair_then_clean(BE_BR);
	assert_string_equal(host(BE_BR, "policy", buf, sizeof(buf)), fp);

	be_write(BE_BR, "ip", "10.73.0.2");
	expect_drift(
		BE_BR, "policy-differs",
		"the guest network policy of vif73.0 is not what its keys ask for (chain dev-vif73.0 in table netdev xhp-2a: fingerprint ");
	repair_then_clean(BE_BR);
	assert_string_not_equal(host(BE_BR, "policy", buf, sizeof(buf)), fp);

	assert_int_equal(tu_xs_rm(NULL, BE_BR "/ip"), 0);
	expect_drift(
		BE_BR, "policy-differs",
		"vif73.0 has a chain dev-vif73.0 in table netdev xhp-2a; its keys ask for no guest network policy");
	repair_then_clean(BE_BR);
	assert_string_equal(host(BE_BR, "policy", buf, sizeof(buf)), "");

	be_write(BE_BR, "ip", "10.73.0.1");
	expect_drift(BE_BR, "policy-missing", "vif73.0 has no guest network");
	repair_then_clean(BE_BR);
	assert_string_equal(host(BE_BR, "policy", buf, sizeof(buf)), fp);
}

static void test_down(void **state)
{
	(void)state;
	sh("ip", "link", "set", "vif73.0", "down", NULL);
	expect_drift(BE_BR, "link-down", "vif73.0 is down");
	repair_then_clean(BE_BR);
}

static void test_ovs_port_deleted(void **state)
{
	char *tag;

	(void)state;
	assert_int_equal(ovsd_vsctl(&ovs, NULL, "del-port", "vif73.1", NULL),
			 0);
	expect_drift(BE_OVS, "ovs-port-missing",
		     "Open vSwitch has no port vif73.1 (bridge ovsbr73)");
	repair_then_clean(BE_OVS);
	tag = ovsd_get(&ovs, "Port", "vif73.1", "tag");
	assert_non_null(tag);
	assert_string_equal(tag, "5");
	free(tag);
}

static void test_ovs_tag_changed(void **state)
{
	(void)state;
	assert_int_equal(ovsd_vsctl(&ovs, NULL, "set", "Port", "vif73.1",
				    "tag=9", NULL),
			 0);
	expect_drift(BE_OVS, "ovs-port-different",
		     "Open vSwitch port vif73.1 has tag 9, not 5");
	repair_then_clean(BE_OVS);
}

/*
 * The loop device @node (the one the vbd was plugged with) backs the
 * image, read-write as mode "w" asks, carries xhp's mark for the vbd,
 * and will not detach itself.
 */
static void expect_loop_kept(void)
{
	char path[96], backing[4096], real[4096];
	struct loop_info64 li;
	unsigned int idx;
	FILE *f;
	int fd;

	assert_int_equal(sscanf(node, "/dev/loop%u", &idx), 1);
	fd = open(node, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	memset(&li, 0, sizeof(li));
	assert_int_equal(ioctl(fd, LOOP_GET_STATUS64, &li), 0);
	close(fd);
	assert_int_equal(li.lo_flags & LO_FLAGS_AUTOCLEAR, 0);
	assert_int_equal(li.lo_flags & LO_FLAGS_READ_ONLY, 0);
	assert_int_equal(strncmp((const char *)li.lo_file_name,
				 "xhp:vbd/73/51712 ", 17),
			 0);
	snprintf(path, sizeof(path), "/sys/block/loop%u/loop/backing_file",
		 idx);
	f = fopen(path, "re");
	assert_non_null(f);
	assert_non_null(fgets(backing, sizeof(backing), f));
	fclose(f);
	backing[strcspn(backing, "\n")] = '\0';
	assert_non_null(realpath(image, real));
	assert_string_equal(backing, real);
	/* xenstore still names it: the same number blkback holds */
	{
		char *n = tu_xs_read(NULL, BE_VBD "/node");

		assert_non_null(n);
		assert_string_equal(n, node);
		free(n);
	}
}

/*
 * `losetup -d` of a loop device blkback holds (here: the test holds it
 * open) only sets its autoclear flag: it would go when the holder
 * closes it. Reported as loop-detaching, repaired by clearing the flag:
 * the device survives its last close.
 */
static void test_loop_detaching(void **state)
{
	char words[160];
	int held;

	(void)state;
	held = open(node, O_RDONLY | O_CLOEXEC);
	assert_true(held >= 0);
	sh("losetup", "-d", node, NULL);
	snprintf(words, sizeof(words),
		 "loop device %s will be detached when its last user closes it",
		 node);
	expect_drift(BE_VBD, "loop-detaching", words);
	repair_then_clean(BE_VBD);
	close(held);
	expect_loop_kept();
	expect_clean();
}

/*
 * A loop device detached for good (nobody held it) is attached again,
 * to the same number physical-device names, with the same file, mode
 * and mark.
 */
static void test_loop_detached(void **state)
{
	char words[96];

	(void)state;
	sh("losetup", "-d", node, NULL);
	snprintf(words, sizeof(words), "loop device %s is not attached", node);
	expect_drift(BE_VBD, "loop-detached", words);
	repair_then_clean(BE_VBD);
	expect_loop_kept();
}

/*
 * Its number taken by another file meanwhile: reported as
 * loop-other-file, and the repair refuses (the device is someone
 * else's); once it is free again, the repair attaches the image.
 */
static void test_loop_reused(void **state)
{
	char other[512], words[700];
	json_t *j, *d;
	int fd, x;

	(void)state;
	snprintf(other, sizeof(other), "%s/other73.img", dir);
	fd = open(other, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 1 << 20), 0);
	close(fd);
	sh("losetup", "-d", node, NULL);
	sh("losetup", node, other, NULL);
	snprintf(words, sizeof(words), "loop device %s backs %s, not params",
		 node, other);
	expect_drift(BE_VBD, "loop-other-file", words);
	j = status_json(&x, true);
	assert_int_equal(x, 1);
	d = device(j, BE_VBD);
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(d, "repair"), "result")),
			    "not-repairable");
	assert_non_null(
		strstr(json_string_value(json_object_get(
			       json_object_get(d, "repair"), "message")),
		       "its loop device is used by another file now"));
	json_decref(j);
	/* still the other file's */
	{
		char b[4096], path[96];
		unsigned int idx;
		FILE *f;

		assert_int_equal(sscanf(node, "/dev/loop%u", &idx), 1);
		snprintf(path, sizeof(path),
			 "/sys/block/loop%u/loop/backing_file", idx);
		f = fopen(path, "re");
		assert_non_null(f);
		assert_non_null(fgets(b, sizeof(b), f));
		fclose(f);
		assert_non_null(strstr(b, "other73.img"));
	}
	sh("losetup", "-d", node, NULL);
	repair_then_clean(BE_VBD);
	expect_loop_kept();
}

static json_t *leftover(json_t *j, const char *kind, const char *name)
{
	json_t *l;
	size_t i;

	json_array_foreach(json_object_get(j, "leftovers"), i, l)
		if (!strcmp(json_string_value(json_object_get(l, "kind")),
			    kind) &&
		    !strcmp(json_string_value(json_object_get(l, "name")),
			    name))
			return l;
	return NULL;
}

static void test_leftovers(void **state)
{
	char lockpath[512], foreign[512], words[600];
	json_t *j, *l;
	char *out = NULL;
	int x, fd;

	(void)state;
	/* A link xhp renamed (alias vif73.9) whose backend is gone, and
	 * one of the same shape that is not ours (no such alias). */
	sh("ip", "link", "add", "guest73x", "type", "veth", "peer", "name",
	   "p73x", NULL);
	sh("ip", "link", "set", "guest73x", "alias", "vif73.9", NULL);
	sh("ip", "link", "add", "other73", "type", "veth", "peer", "name",
	   "p73o", NULL);
	sh("ip", "link", "set", "other73", "alias", "uplink of vif73.9", NULL);
	/* A lock file of xhp's that no process holds, and one that is not
	 * xhp's name. */
	snprintf(lockpath, sizeof(lockpath), "%s/vif-73.5", lockdir);
	fd = open(lockpath, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	close(fd);
	snprintf(foreign, sizeof(foreign), "%s/vif-73.5.keep", lockdir);
	fd = open(foreign, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	close(fd);

	j = status_json(&x, false);
	assert_int_equal(x, 1);
	assert_int_equal(json_array_size(json_object_get(j, "leftovers")), 2);
	l = leftover(j, "link", "guest73x");
	assert_non_null(l);
	assert_int_equal(json_integer_value(json_object_get(l, "domid")), 73);
	assert_string_equal(
		json_string_value(json_object_get(l, "message")),
		"link guest73x was renamed from vif73.9 by xhp, and backend/vif/73/9 is gone");
	l = leftover(j, "lock", lockpath);
	assert_non_null(l);
	snprintf(words, sizeof(words), "lock file %s is held by no process",
		 lockpath);
	assert_non_null(strstr(json_string_value(json_object_get(l, "message")),
			       words));
	json_decref(j);
	assert_int_equal(status(&out, NULL), 1);
	assert_non_null(strstr(
		out, "leftover link guest73x: link guest73x was renamed"));
	free(out);

	j = status_json(&x, true);
	assert_int_equal(x, 0);
	assert_true(json_is_true(
		json_object_get(leftover(j, "link", "guest73x"), "removed")));
	assert_true(json_is_true(
		json_object_get(leftover(j, "lock", lockpath), "removed")));
	json_decref(j);
	expect_clean();
	/* Only what carries xhp's marks went. */
	assert_int_not_equal(
		tu_runl(NULL, "ip", "link", "show", "guest73x", NULL), 0);
	assert_int_equal(tu_runl(NULL, "ip", "link", "show", "other73", NULL),
			 0);
	assert_int_not_equal(access(lockpath, F_OK), 0);
	assert_int_equal(access(foreign, F_OK), 0);
	unlink(foreign);
	sh("ip", "link", "del", "other73", NULL);
}

/* A guest network policy on @dev by the `policy` personality, as a
 * caller with no backend applies it (its settings: @mac, @ip). */
static void policy_on(const char *dev, const char *mac, const char *ip)
{
	xhp_device_opts opts = { .size = sizeof(opts) };
	xhp_settings *s = NULL;
	xhp_request *req = NULL;
	xhp_ctx *ctx;
	int r;

	assert_int_equal(xhp_ctx_new(&ctx), 0);
	assert_int_equal(xhp_ctx_set_lock_dir(ctx, lockdir), 0);
	assert_int_equal(xhp_settings_new(ctx, &s), 0);
	assert_int_equal(xhp_settings_set(s, "mac", mac), 0);
	assert_int_equal(xhp_settings_set(s, "ip", ip), 0);
	assert_int_equal(xhp_request_new(ctx, XHP_ACTION_ADD, XHP_KIND_TAP,
					 NULL, dev, &req),
			 0);
	opts.settings = s;
	r = xhp_device_run_ext(ctx, "policy", req, &opts, NULL);
	if (r < 0)
		fprintf(stderr, "# policy on %s: %s\n", dev,
			xhp_ctx_last_error(ctx));
	assert_int_equal(r, 0);
	xhp_request_free(req);
	xhp_settings_free(s);
	xhp_ctx_unref(ctx);
}

/* Whether the chain dev-@dev is in its shard's table (nft reads it). */
static bool chain_present(const char *dev)
{
	char table[XHP_NFT_TABLE_NAME_MAX], chain[64];

	snprintf(chain, sizeof(chain), "dev-%s", dev);
	return tu_runl(NULL, "nft", "list", "chain", "netdev",
		       xhp_nft_table_name(table, dev), chain, NULL) == 0;
}

static void expect_leftover(json_t *j, const char *kind, const char *name,
			    int domid, const char *message)
{
	json_t *l = leftover(j, kind, name);

	if (!l)
		fail_msg("no leftover %s %s in %s", kind, name,
			 json_dumps(json_object_get(j, "leftovers"), 0));
	assert_int_equal(json_integer_value(json_object_get(l, "domid")),
			 domid);
	assert_string_equal(json_string_value(json_object_get(l, "message")),
			    message);
}

/*
 * Guest network policies whose device no backend owns: one of a
 * protocol name (vif73.7, no backend/vif/73/7; its link deleted, the
 * chain outlives it) and one of a link xhp renamed (guest73p, alias
 * vif73.8, no backend/vif/73/8). Listed with the table and chain,
 * removed by --repair; vif73.0's (its backend is there) is neither.
 */
static void test_policy_leftovers(void **state)
{
	char t7[XHP_NFT_TABLE_NAME_MAX], tp[XHP_NFT_TABLE_NAME_MAX];
	char m7[256], mp[256], line[300];
	char *out = NULL;
	json_t *j;
	int x;

	(void)state;
	xhp_nft_table_name(t7, "vif73.7");
	xhp_nft_table_name(tp, "guest73p");
	sh("ip", "link", "add", "vif73.7", "type", "veth", "peer", "name",
	   "p73.7", NULL);
	policy_on("vif73.7", "00:16:3e:73:00:07", "10.73.0.7");
	sh("ip", "link", "del", "vif73.7", NULL);
	sh("ip", "link", "add", "guest73p", "type", "veth", "peer", "name",
	   "p73p", NULL);
	sh("ip", "link", "set", "guest73p", "alias", "vif73.8", NULL);
	policy_on("guest73p", "00:16:3e:73:00:08", "10.73.0.8");
	assert_true(chain_present("vif73.7"));
	assert_true(chain_present("guest73p"));
	assert_true(chain_present("vif73.0"));

	snprintf(
		m7, sizeof(m7),
		"chain dev-vif73.7 in table netdev %s is the guest network policy of vif73.7, and backend/vif/73/7 is gone",
		t7);
	snprintf(
		mp, sizeof(mp),
		"chain dev-guest73p in table netdev %s is the guest network policy of guest73p (renamed from vif73.8 by xhp), and backend/vif/73/8 is gone",
		tp);
	j = status_json(&x, false);
	assert_int_equal(x, 1);
	assert_int_equal(json_array_size(json_object_get(j, "leftovers")), 3);
	expect_leftover(j, "policy", "dev-vif73.7", 73, m7);
	expect_leftover(j, "policy", "dev-guest73p", 73, mp);
	assert_non_null(leftover(j, "link", "guest73p"));
	assert_null(leftover(j, "policy", "dev-vif73.0"));
	json_decref(j);
	assert_int_equal(status(&out, NULL), 1);
	snprintf(line, sizeof(line), "leftover policy dev-vif73.7: %s\n", m7);
	assert_non_null(strstr(out, line));
	free(out);

	j = status_json(&x, true);
	assert_int_equal(x, 0);
	assert_true(json_is_true(json_object_get(
		leftover(j, "policy", "dev-vif73.7"), "removed")));
	assert_true(json_is_true(json_object_get(
		leftover(j, "policy", "dev-guest73p"), "removed")));
	assert_true(json_is_true(
		json_object_get(leftover(j, "link", "guest73p"), "removed")));
	json_decref(j);
	expect_clean();
	assert_false(chain_present("vif73.7"));
	assert_false(chain_present("guest73p"));
	assert_true(chain_present("vif73.0"));
}

/* Whatever test_policy_leftovers* made, also when one failed: the links
 * (a veth goes with its peer), the chains (nft: the kernel's), the
 * backend. */
static int policy_leftovers_teardown(void **state)
{
	static const char *const devs[] = { "vif73.7", "guest73p", "gone73n",
					    "vif73.6" };
	char table[XHP_NFT_TABLE_NAME_MAX], chain[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
		tu_runl(NULL, "ip", "link", "del", devs[i], NULL);
		snprintf(chain, sizeof(chain), "dev-%s", devs[i]);
		if (chain_present(devs[i]))
			tu_runl(NULL, "nft", "delete", "chain", "netdev",
				xhp_nft_table_name(table, devs[i]), chain,
				NULL);
	}
	tu_xs_rm(NULL, "/local/domain/0/backend/vif/74");
	tu_xs_rm(NULL, "/local/domain/0/backend/vif/73/6");
	return 0;
}

/* The policy leftovers of an in-process scan: their count, and the
 * index of the one named @name (-1: none). */
static int scan_policy(xhp_ctx *ctx, xhp_leftovers **l, const char *name,
		       size_t *count)
{
	const char *n;
	size_t i;
	int k, at = -1;

	xhp_leftovers_free(*l);
	*l = NULL;
	assert_int_equal(xhp_leftovers_scan(ctx, l), 0);
	*count = 0;
	for (i = 0; (k = xhp_leftovers_at(*l, i, &n, NULL, NULL)) > 0; i++) {
		if (strcmp(xhp_leftover_to_string(k), "policy"))
			continue;
		(*count)++;
		if (!strcmp(n, name))
			at = (int)i;
	}
	return at;
}

/*
 * The policy of a name that is no protocol name and no link's (gone73n:
 * its link deleted): a backend's vifname owns it (backend/vif/74/0 with
 * vifname gone73n); with none, it is a leftover of no domain, which the
 * library lists and removes (the CLI shows it when no domain is named).
 */
static void test_policy_leftover_unowned(void **state)
{
	char t[XHP_NFT_TABLE_NAME_MAX], m[256];
	xhp_leftovers *l = NULL;
	const char *msg;
	xhp_ctx *ctx;
	size_t n;
	int at, domid;

	(void)state;
	xhp_nft_table_name(t, "gone73n");
	sh("ip", "link", "add", "gone73n", "type", "veth", "peer", "name",
	   "p73n", NULL);
	policy_on("gone73n", "00:16:3e:73:00:09", "10.73.0.9");
	sh("ip", "link", "del", "gone73n", NULL);
	assert_true(chain_present("gone73n"));
	assert_int_equal(xhp_ctx_new(&ctx), 0);
	assert_int_equal(xhp_ctx_set_lock_dir(ctx, lockdir), 0);

	be_write("/local/domain/0/backend/vif/74/0", "vifname", "gone73n");
	assert_int_equal(scan_policy(ctx, &l, "dev-gone73n", &n), -1);
	assert_int_equal(n, 0);
	assert_int_equal(tu_xs_rm(NULL, "/local/domain/0/backend/vif/74"), 0);

	at = scan_policy(ctx, &l, "dev-gone73n", &n);
	assert_int_equal(n, 1);
	assert_true(at >= 0);
	assert_string_equal(xhp_leftover_to_string(xhp_leftovers_at(
				    l, (size_t)at, NULL, &domid, &msg)),
			    "policy");
	assert_int_equal(domid, -1);
	snprintf(
		m, sizeof(m),
		"chain dev-gone73n in table netdev %s is a guest network policy of gone73n, and no link gone73n exists nor has a backend the vifname gone73n",
		t);
	assert_string_equal(msg, m);
	/* checked again before acting: a link of that name is back */
	sh("ip", "link", "add", "gone73n", "type", "veth", "peer", "name",
	   "p73n", NULL);
	assert_int_equal(xhp_leftovers_remove(ctx, l, (size_t)at), -EBUSY);
	assert_string_equal(
		xhp_ctx_last_error(ctx),
		"link gone73n exists now: chain dev-gone73n left alone");
	assert_true(chain_present("gone73n"));
	sh("ip", "link", "del", "gone73n", NULL);
	assert_int_equal(xhp_leftovers_remove(ctx, l, (size_t)at), 0);
	assert_false(chain_present("gone73n"));
	assert_int_equal(xhp_leftovers_remove(ctx, l, (size_t)at), 1);
	xhp_leftovers_free(l);
	xhp_ctx_unref(ctx);
}

/* A policy leftover is judged again just before it is removed: its
 * backend back (backend/vif/73/6 made after the scan), it stays. */
static void test_policy_leftover_owned_again(void **state)
{
	xhp_leftovers *l = NULL;
	xhp_ctx *ctx;
	size_t n;
	int at;

	(void)state;
	sh("ip", "link", "add", "vif73.6", "type", "veth", "peer", "name",
	   "p73.6", NULL);
	policy_on("vif73.6", "00:16:3e:73:00:06", "10.73.0.6");
	sh("ip", "link", "del", "vif73.6", NULL);
	assert_int_equal(xhp_ctx_new(&ctx), 0);
	assert_int_equal(xhp_ctx_set_lock_dir(ctx, lockdir), 0);
	at = scan_policy(ctx, &l, "dev-vif73.6", &n);
	assert_int_equal(n, 1);
	assert_true(at >= 0);
	be_write("/local/domain/0/backend/vif/73/6", "state", "2");
	assert_int_equal(xhp_leftovers_remove(ctx, l, (size_t)at), -EBUSY);
	assert_string_equal(
		xhp_ctx_last_error(ctx),
		"backend/vif/73/6 exists again: chain dev-vif73.6 left alone");
	assert_true(chain_present("vif73.6"));
	assert_int_equal(tu_xs_rm(NULL, "/local/domain/0/backend/vif/73/6"), 0);
	assert_int_equal(xhp_leftovers_remove(ctx, l, (size_t)at), 0);
	assert_false(chain_present("vif73.6"));
	xhp_leftovers_free(l);
	xhp_ctx_unref(ctx);
}

/* A lock held by a live process is not a leftover. */
static void test_held_lock(void **state)
{
	xhp_ctx *ctx;
	xhp_lock *lock;

	(void)state;
	assert_int_equal(xhp_ctx_new(&ctx), 0);
	assert_int_equal(xhp_ctx_set_lock_dir(ctx, lockdir), 0);
	assert_int_equal(xhp_lock_acquire(ctx, "vif-73.6", &lock), 0);
	expect_clean();
	xhp_lock_release(lock);
	xhp_ctx_unref(ctx);
}

/* A value that is no UTF-8 (jansson refuses it) is still shown. */
static void test_hostile_value(void **state)
{
	json_t *j;
	int x;

	(void)state;
	be_write(BE_BR, "ip", "10.0.0.9\xff\x01");
	j = status_json(&x, false);
	assert_string_equal(
		json_string_value(json_object_get(
			json_object_get(device(j, BE_BR), "xenstore"), "ip")),
		"10.0.0.9?\x01");
	json_decref(j);
	be_write(BE_BR, "ip", "10.73.0.1"); /* the policy's, as set up */
}

static void test_usage(void **state)
{
	const char *a1[] = { XHP_CLI, "status", "--bogus", NULL };
	const char *a2[] = { XHP_CLI, "status", "73.x", NULL };
	const char *a3[] = { XHP_CLI, "status", "73", "74", NULL };
	char *out = NULL;

	(void)state;
	assert_int_equal(tu_run((char *const *)a1, NULL, 10000, &out), 2);
	assert_non_null(strstr(out, "status: bad argument '--bogus'"));
	free(out);
	assert_int_equal(tu_run((char *const *)a2, NULL, 10000, &out), 2);
	assert_non_null(strstr(out, "status: bad argument '73.x'"));
	free(out);
	assert_int_equal(tu_run((char *const *)a3, NULL, 10000, NULL), 2);
}

/* The @n-th drift of @be: code, device, message (NULL: no such drift). */
static void expect_drift_at(json_t *j, const char *be, size_t n,
			    const char *code, const char *dev,
			    const char *message)
{
	json_t *d = json_array_get(json_object_get(device(j, be), "drift"), n);

	assert_non_null(d);
	assert_string_equal(json_string_value(json_object_get(d, "code")),
			    code);
	assert_string_equal(json_string_value(json_object_get(d, "device")),
			    dev);
	assert_string_equal(json_string_value(json_object_get(d, "message")),
			    message);
}

static size_t drift_count(json_t *j, const char *be)
{
	return json_array_size(json_object_get(device(j, be), "drift"));
}

/* An HVM guest's emulated NIC: its tap, plugged as libxl does (add,
 * type_if=tap) by the vif's personality. */
static void tap_add(const char *personality, const char *be, const char *tap)
{
	sh("ip", "tuntap", "add", "dev", tap, "mode", "tap", NULL);
	plug(personality, XHP_KIND_TAP, be, tap);
}

static int tap_teardown(void **state)
{
	(void)state;
	tu_runl(NULL, "ip", "link", "del", "vif73.0-emu", NULL);
	tu_runl(NULL, "ip", "link", "del", "vif73.1-emu", NULL);
	ovsd_vsctl(&ovs, NULL, "--if-exists", "del-port", "vif73.1-emu", NULL);
	tu_xs_rm(NULL, BE_BR "/rate"); /* test_tap_policy's, if it failed */
	return 0;
}

/*
 * vif-bridge's tap: listed (host facts, a line in the table), released
 * from its bridge: not-on-bridge about the tap, repaired by its add; the
 * bridge re-created: the vif and the tap drift, both repaired; the tap
 * gone (the device model stopped): no drift.
 */
static void test_tap_bridge(void **state)
{
	char buf[64], *out = NULL;
	json_t *j;
	int x;

	(void)state;
	tap_add("vif-bridge", BE_BR, "vif73.0-emu");
	expect_clean();
	assert_string_equal(host(BE_BR, "tap", buf, sizeof(buf)),
			    "vif73.0-emu");
	assert_string_equal(host(BE_BR, "tap-master", buf, sizeof(buf)),
			    "br73");
	assert_int_equal(status(&out, NULL), 0);
	assert_non_null(
		strstr(out, "\n      tap vif73.0-emu up mtu 1500 on br73\n"));
	free(out);

	sh("ip", "link", "set", "vif73.0-emu", "nomaster", NULL);
	expect_drift(BE_BR, "not-on-bridge",
		     "vif73.0-emu is not on bridge br73 (it has no master)");
	j = status_json(&x, false);
	expect_drift_at(j, BE_BR, 0, "not-on-bridge", "vif73.0-emu",
			"vif73.0-emu is not on bridge br73 (it has no master)");
	json_decref(j);
	repair_then_clean(BE_BR);
	assert_string_equal(host(BE_BR, "tap-master", buf, sizeof(buf)),
			    "br73");

	sh("ip", "link", "set", "vif73.0-emu", "down", NULL);
	expect_drift(BE_BR, "link-down", "vif73.0-emu is down");
	repair_then_clean(BE_BR);

	sh("ip", "link", "del", "br73", NULL);
	sh("ip", "link", "add", "br73", "type", "bridge", NULL);
	sh("ip", "link", "set", "br73", "up", NULL);
	j = status_json(&x, false);
	assert_int_equal(x, 1);
	assert_int_equal(drift_count(j, BE_BR), 2);
	expect_drift_at(j, BE_BR, 0, "not-on-bridge", "vif73.0",
			"vif73.0 is not on bridge br73 (it has no master)");
	expect_drift_at(j, BE_BR, 1, "not-on-bridge", "vif73.0-emu",
			"vif73.0-emu is not on bridge br73 (it has no master)");
	json_decref(j);
	repair_then_clean(BE_BR);
	assert_string_equal(host(BE_BR, "tap-master", buf, sizeof(buf)),
			    "br73");
	assert_string_equal(host(BE_BR, "master", buf, sizeof(buf)), "br73");

	sh("ip", "link", "del", "vif73.0-emu", NULL);
	expect_clean();
	assert_string_equal(host(BE_BR, "tap", buf, sizeof(buf)), "");
}

/*
 * vif-bridge's tap has the guest network policy too (with the rate key,
 * which a PV vif's has not): its chain deleted by hand is policy-missing
 * about the tap, a rate key makes the tap's policy differ (the vif's is
 * the same), each repaired by the tap's add.
 */
static void test_tap_policy(void **state)
{
	char t[XHP_NFT_TABLE_NAME_MAX], tv[XHP_NFT_TABLE_NAME_MAX];
	char fp[64], vfp[64], buf[64], m[256];
	json_t *j, *d;
	int x;

	(void)state;
	xhp_nft_table_name(t, "vif73.0-emu");
	/* its own shard: deleting the table touches no other device */
	assert_string_not_equal(t, xhp_nft_table_name(tv, "vif73.0"));
	tap_add("vif-bridge", BE_BR, "vif73.0-emu");
	expect_clean();
	host(BE_BR, "policy", vfp, sizeof(vfp));
	host(BE_BR, "tap-policy", fp, sizeof(fp));
	assert_int_equal(strlen(fp), 16);
	assert_int_equal(strspn(fp, "0123456789abcdef"), 16);

	sh("nft", "delete", "table", "netdev", t, NULL);
	assert_false(chain_present("vif73.0-emu"));
	snprintf(
		m, sizeof(m),
		"vif73.0-emu has no guest network policy (no chain dev-vif73.0-emu in table netdev %s); its keys ask for one",
		t);
	expect_drift(BE_BR, "policy-missing", m);
	j = status_json(&x, false);
	expect_drift_at(j, BE_BR, 0, "policy-missing", "vif73.0-emu", m);
	json_decref(j);
	repair_then_clean(BE_BR);
	assert_true(chain_present("vif73.0-emu"));
	assert_string_equal(host(BE_BR, "tap-policy", buf, sizeof(buf)), fp);

	be_write(BE_BR, "rate", "1000000,1000000");
	j = status_json(&x, false);
	assert_int_equal(x, 1);
	assert_int_equal(drift_count(j, BE_BR), 1);
	snprintf(
		m, sizeof(m),
		"the guest network policy of vif73.0-emu is not what its keys ask for (chain dev-vif73.0-emu in table netdev %s: fingerprint %s, expected ",
		t, fp);
	d = json_array_get(json_object_get(device(j, BE_BR), "drift"), 0);
	assert_string_equal(json_string_value(json_object_get(d, "code")),
			    "policy-differs");
	assert_string_equal(json_string_value(json_object_get(d, "device")),
			    "vif73.0-emu");
	assert_non_null(
		strstr(json_string_value(json_object_get(d, "message")), m));
	json_decref(j);
	repair_then_clean(BE_BR);
	assert_string_not_equal(host(BE_BR, "tap-policy", buf, sizeof(buf)),
				fp);
	assert_string_equal(host(BE_BR, "policy", buf, sizeof(buf)), vfp);

	assert_int_equal(tu_xs_rm(NULL, BE_BR "/rate"), 0);
	expect_drift(BE_BR, "policy-differs",
		     "the guest network policy of vif73.0-emu");
	repair_then_clean(BE_BR);
	assert_string_equal(host(BE_BR, "tap-policy", buf, sizeof(buf)), fp);
}

/* vif-openvswitch's tap: its Port deleted, then re-added with its tag. */
static void test_tap_ovs(void **state)
{
	char buf[64], *tag;

	(void)state;
	tap_add("vif-openvswitch", BE_OVS, "vif73.1-emu");
	expect_clean();
	assert_string_equal(host(BE_OVS, "tap-ovs-tag", buf, sizeof(buf)), "5");
	assert_int_equal(
		ovsd_vsctl(&ovs, NULL, "del-port", "vif73.1-emu", NULL), 0);
	expect_drift(BE_OVS, "ovs-port-missing",
		     "Open vSwitch has no port vif73.1-emu (bridge ovsbr73)");
	repair_then_clean(BE_OVS);
	tag = ovsd_get(&ovs, "Port", "vif73.1-emu", "tag");
	assert_non_null(tag);
	assert_string_equal(tag, "5");
	free(tag);
}

static int script_teardown(void **state)
{
	(void)state;
	be_write(BE_BR, "script", "/etc/xen/scripts/vif-bridge");
	return 0;
}

/* No script key (xhp-devd plugs it with vif-bridge): inspected as
 * vif-bridge, not "unchecked". */
static void test_no_script(void **state)
{
	json_t *j;
	int x;

	(void)state;
	assert_int_equal(tu_xs_rm(NULL, BE_BR "/script"), 0);
	expect_clean();
	j = status_json(&x, false);
	assert_string_equal(json_string_value(json_object_get(device(j, BE_BR),
							      "personality")),
			    "vif-bridge");
	json_decref(j);
	sh("ip", "link", "set", "vif73.0", "nomaster", NULL);
	expect_drift(BE_BR, "not-on-bridge",
		     "vif73.0 is not on bridge br73 (it has no master)");
	repair_then_clean(BE_BR);
}

static int ovs_bridge_teardown(void **state)
{
	(void)state;
	if (ovsd_vsctl(&ovs, NULL, "br-exists", "ovsbr73", NULL) != 0) {
		ovsd_add_bridge(&ovs, "ovsbr73");
		plug("vif-openvswitch", XHP_KIND_VIF, BE_OVS, "vif73.1");
	}
	return 0;
}

/* The Open vSwitch bridge deleted: bridge-missing (and its port). */
static void test_ovs_bridge_gone(void **state)
{
	json_t *j;
	int x;

	(void)state;
	assert_int_equal(ovsd_vsctl(&ovs, NULL, "del-br", "ovsbr73", NULL), 0);
	j = status_json(&x, false);
	assert_int_equal(x, 1);
	assert_int_equal(drift_count(j, BE_OVS), 2);
	expect_drift_at(
		j, BE_OVS, 0, "bridge-missing", "vif73.1",
		"Open vSwitch bridge ovsbr73 of vif73.1 does not exist");
	expect_drift_at(j, BE_OVS, 1, "ovs-port-missing", "vif73.1",
			"Open vSwitch has no port vif73.1 (bridge ovsbr73)");
	json_decref(j);
	assert_int_equal(ovsd_add_bridge(&ovs, "ovsbr73"), 0);
	expect_drift(BE_OVS, "ovs-port-missing",
		     "Open vSwitch has no port vif73.1 (bridge ovsbr73)");
	repair_then_clean(BE_OVS);
}

static void cleanup(void)
{
	if (node[0])
		tu_runl(NULL, "losetup", "-d", node, NULL);
	node[0] = '\0';
	ovsd_stop(&ovs);
	xsd_stop(&xsd);
	if (dir)
		tu_rmtree(dir);
	free(dir);
	free(lockdir);
	free(image);
	dir = lockdir = image = NULL;
}

static void setup_xenstore(void)
{
	char sock[4200];

	be_write("/local/domain/73", "vm", "/vm/73");
	be_write("/vm/73", "name", "guest73");
	be_write("/vm/73", "uuid", "73737373-0000-4000-8000-000000000073");
	/* vif-bridge on br73 */
	be_write(BE_BR, "script", "/etc/xen/scripts/vif-bridge");
	be_write(BE_BR, "bridge", "br73");
	/* mac and ip: a guest network policy (antispoof auto) */
	be_write(BE_BR, "mac", "00:16:3e:73:00:00");
	be_write(BE_BR, "ip", "10.73.0.1");
	be_write(BE_BR, "frontend-id", "73");
	be_write(BE_BR, "online", "1");
	be_write(BE_BR, "state", "4");
	be_write(BE_BR, "hotplug-status", "");
	/* vif-openvswitch on ovsbr73, tag 5 */
	snprintf(sock, sizeof(sock), "unix:%s", ovs.sock);
	be_write(BE_OVS, "script", "/etc/xen/scripts/vif-openvswitch");
	be_write(BE_OVS, "bridge", "ovsbr73.5");
	be_write(BE_OVS, "ovsdb_socket", sock);
	be_write(BE_OVS, "mac", "00:16:3e:73:00:01");
	be_write(BE_OVS, "frontend-id", "73");
	be_write(BE_OVS, "online", "1");
	be_write(BE_OVS, "state", "4");
	be_write(BE_OVS, "hotplug-status", "");
	/* block: a file on a loop device */
	be_write(BE_VBD, "script", "/etc/xen/scripts/block");
	be_write(BE_VBD, "params", image);
	be_write(BE_VBD, "mode", "w");
	be_write(BE_VBD, "type", "file");
	be_write(BE_VBD, "frontend-id", "73");
	be_write(BE_VBD, "online", "1");
	be_write(BE_VBD, "state", "2");
	be_write(BE_VBD, "hotplug-status", "");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_nomaster),
		cmocka_unit_test(test_bridge_recreated),
		cmocka_unit_test(test_bridge_gone),
		cmocka_unit_test(test_wrong_bridge),
		cmocka_unit_test(test_mtu),
		cmocka_unit_test(test_down),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_ovs_port_deleted),
		cmocka_unit_test(test_ovs_tag_changed),
		cmocka_unit_test(test_loop_detaching),
		cmocka_unit_test(test_loop_detached),
		cmocka_unit_test(test_loop_reused),
		cmocka_unit_test(test_leftovers),
		cmocka_unit_test(test_held_lock),
		cmocka_unit_test_teardown(test_policy_leftovers,
					  policy_leftovers_teardown),
		cmocka_unit_test_teardown(test_policy_leftover_unowned,
					  policy_leftovers_teardown),
		cmocka_unit_test_teardown(test_policy_leftover_owned_again,
					  policy_leftovers_teardown),
		cmocka_unit_test(test_hostile_value),
		cmocka_unit_test(test_usage),
		cmocka_unit_test_teardown(test_tap_bridge, tap_teardown),
		cmocka_unit_test_teardown(test_tap_policy, tap_teardown),
		cmocka_unit_test_teardown(test_tap_ovs, tap_teardown),
		cmocka_unit_test_teardown(test_no_script, script_teardown),
		cmocka_unit_test_teardown(test_ovs_bridge_gone,
					  ovs_bridge_teardown),
	};
	char path[512], *n;
	int fd, r;

	(void)argc;
	(void)argv;
	tu_require_root("status makes links, loop devices and OVS daemons");
	/* the policy of the host configuration: none (the defaults) */
	setenv("XHP_CONFIG", "/dev/null", 1);
	if (tu_netns_enter() < 0 || xsd_start(&xsd) < 0) {
		fprintf(stderr, "cannot set up the namespace or xenstored\n");
		return 1;
	}
	atexit(cleanup);
	dir = tu_mkdtemp("xhp-status");
	if (asprintf(&lockdir, "%s/locks", dir) < 0 ||
	    asprintf(&image, "%s/disk73.img", dir) < 0 ||
	    mkdir(lockdir, 0755) < 0)
		return 1;
	fd = open(image, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0 || ftruncate(fd, 8 << 20) < 0)
		return 1;
	close(fd);
	if (ovsd_start(&ovs, true) < 0 ||
	    ovsd_add_bridge(&ovs, "ovsbr73") < 0) {
		fprintf(stderr, "cannot start Open vSwitch\n");
		return 1;
	}
	r = tu_runl(NULL, "ip", "link", "add", "br73", "type", "bridge",
		    NULL) ||
	    tu_runl(NULL, "ip", "link", "set", "br73", "up", NULL) ||
	    tu_runl(NULL, "ip", "link", "add", "vif73.0", "type", "veth",
		    "peer", "name", "g73.0", NULL) ||
	    tu_runl(NULL, "ip", "tuntap", "add", "dev", "vif73.1", "mode",
		    "tap", NULL);
	if (r) {
		fprintf(stderr, "cannot make the links\n");
		return 1;
	}
	setup_xenstore();
	/* The devices, plugged by our personalities. */
	plug("vif-bridge", XHP_KIND_VIF, BE_BR, "vif73.0");
	plug("vif-openvswitch", XHP_KIND_VIF, BE_OVS, "vif73.1");
	plug("block", XHP_KIND_VBD, BE_VBD, NULL);
	snprintf(path, sizeof(path), "%s/node", BE_VBD);
	n = tu_xs_read(NULL, path);
	if (!n)
		return 1;
	snprintf(node, sizeof(node), "%s", n);
	free(n);
	r = cmocka_run_group_tests(tests, NULL, NULL);
	cleanup();
	return r;
}
