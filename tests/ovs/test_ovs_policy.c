// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The `policy` personality's vlan (issue 16) against a real ovsdb-server
 * and ovs-vswitchd (netdev datapath), in a throwaway network namespace:
 *
 *   test-ovs-policy GROUP    GROUP: personality, hook
 *
 * personality: caller settings (no xenstore) on a veth that is an OVS
 * port give its Port the tag and trunks; every failing step of the add
 * in turn (the fault seam) leaves the Port's VLAN columns and the
 * nf_tables chains as they were, also when the failure comes after the
 * OVS transaction (the rules' batch); the remove leaves the VLANs alone;
 * a device that is no OVS port, and a Linux bridge without
 * vlan_filtering, are refused with their exact messages, nothing
 * changed.
 * hook: xhp-hotplug libvirt-hook with an OVS portgroup whose policy
 * carries vlan, end to end at the CLI (XML on stdin, $XHP_CONFIG,
 * $OVS_RUNDIR); an interface with its own <vlan> keeps libvirt's tag.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "fault.h"
#include "internal.h"
#include "ovs_harness.h"
#include "testutil.h"

#define PORT "vpol0" /* the OVS port (veth end) */
#define PEER "vpol0p"
#define LONE "vpol1" /* a veth on no switch */
#define BRP "vpol2" /* a Linux bridge port */
#define LBR "vpolbr0"

static struct ovsd ovs;
static char *dir;

static void veth(const char *a, const char *b)
{
	assert_int_equal(tu_runl(NULL, "ip", "link", "add", a, "type", "veth",
				 "peer", "name", b, NULL),
			 0);
	assert_int_equal(tu_runl(NULL, "ip", "link", "set", a, "up", NULL), 0);
}

/* Run the policy personality (@action) with caller settings k, v, ...
 * and @plan (may be NULL); *ret_msg: the error (caller frees). */
static int run_policy(int action, struct xhp_fault *plan, char **ret_msg, ...)
	__attribute__((sentinel));
static int run_policy(int action, struct xhp_fault *plan, char **ret_msg, ...)
{
	xhp_device_opts opts = { .size = sizeof(opts) };
	xhp_settings *s;
	xhp_request *req;
	xhp_result *res = NULL;
	xhp_ctx *ctx;
	const char *k;
	va_list ap;
	int r;

	assert_int_equal(xhp_ctx_new(&ctx), 0);
	assert_int_equal(xhp_settings_new(ctx, &s), 0);
	va_start(ap, ret_msg);
	while ((k = va_arg(ap, const char *)))
		assert_int_equal(
			xhp_settings_set(s, k, va_arg(ap, const char *)), 0);
	va_end(ap);
	assert_int_equal(xhp_request_new(ctx, action, XHP_KIND_TAP, NULL,
					 xhp_settings_get(s, "vifname"), &req),
			 0);
	opts.settings = s;
	ctx->fault = plan;
	r = xhp_device_run_ext(ctx, "policy", req, &opts, &res);
	ctx->fault = NULL;
	if (ret_msg)
		*ret_msg = strdup(xhp_ctx_last_error(ctx));
	xhp_result_free(res);
	xhp_request_free(req);
	xhp_settings_free(s);
	xhp_ctx_unref(ctx);
	return r;
}

static void assert_col(const char *rec, const char *col, const char *want)
{
	char *v = ovsd_get(&ovs, "Port", rec, col);

	assert_non_null(v);
	if (strcmp(v, want))
		fail_msg("Port %s %s is '%s', not '%s'", rec, col, v, want);
	free(v);
}

/* The netdev chains that name @dev ("" when none). */
static char *chains_of(const char *dev)
{
	char *out = NULL, *line, *save = NULL, *res = calloc(1, 4096);

	assert_non_null(res);
	tu_runl(&out, "nft", "list", "chains", "netdev", NULL);
	for (line = out ? strtok_r(out, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save))
		if (strstr(line, "chain") && strstr(line, dev) &&
		    strlen(res) + strlen(line) + 2 < 4096) {
			strcat(res, line);
			strcat(res, "\n");
		}
	free(out);
	return res;
}

/* What the add may touch: the Port's VLAN columns and the chains. */
static char *snapshot(void)
{
	char *tag = ovsd_get(&ovs, "Port", PORT, "tag");
	char *trunks = ovsd_get(&ovs, "Port", PORT, "trunks");
	char *mode = ovsd_get(&ovs, "Port", PORT, "vlan_mode");
	char *ch = chains_of(PORT), *s = NULL;

	assert_true(asprintf(&s, "tag=%s trunks=%s vlan_mode=%s\n%s",
			     tag ? tag : "?", trunks ? trunks : "?",
			     mode ? mode : "?", ch) > 0);
	free(tag);
	free(trunks);
	free(mode);
	free(ch);
	return s;
}

static int port_setup(void **state)
{
	(void)state;
	veth(PORT, PEER);
	assert_int_equal(ovsd_vsctl(&ovs, NULL, "add-port", "br0", PORT, NULL),
			 0);
	return 0;
}

static int port_teardown(void **state)
{
	(void)state;
	ovsd_vsctl(&ovs, NULL, "--if-exists", "del-port", PORT, NULL);
	tu_runl(NULL, "ip", "link", "del", PORT, NULL);
	tu_runl(NULL, "ip", "link", "del", LONE, NULL);
	tu_runl(NULL, "ip", "link", "del", BRP, NULL);
	tu_runl(NULL, "ip", "link", "del", LBR, NULL);
	tu_runl(NULL, "nft", "flush", "ruleset", "netdev", NULL);
	return 0;
}

static void t_tag_trunks(void **state)
{
	char *msg = NULL, *ch;

	(void)state;
	assert_int_equal(run_policy(XHP_ACTION_ADD, NULL, &msg, "vifname", PORT,
				    "vlan", "10", "antispoof", "off", NULL),
			 0);
	free(msg);
	assert_col(PORT, "tag", "10");
	assert_col(PORT, "trunks", "[]");
	assert_col(PORT, "vlan_mode", "[]");
	/* Again with trunks: the PVID untagged, the others tagged. */
	assert_int_equal(run_policy(XHP_ACTION_ADD, NULL, NULL, "vifname", PORT,
				    "vlan", "10p/20-22/30", "mac",
				    "52:54:00:00:00:10", "antispoof", "strict",
				    NULL),
			 0);
	assert_col(PORT, "tag", "10");
	assert_col(PORT, "trunks", "[20, 21, 22, 30]");
	assert_col(PORT, "vlan_mode", "native-untagged");
	ch = chains_of(PORT);
	assert_non_null(strstr(ch, PORT));
	free(ch);
	/* Remove: the rules go, the Port's VLANs stay (libvirt deletes
	 * the port with the tap). */
	assert_int_equal(run_policy(XHP_ACTION_REMOVE, NULL, NULL, "vifname",
				    PORT, NULL),
			 0);
	ch = chains_of(PORT);
	assert_string_equal(ch, "");
	free(ch);
	assert_col(PORT, "tag", "10");
	assert_col(PORT, "trunks", "[20, 21, 22, 30]");
}

/* An untagged VLAN besides the PVID: OVS cannot, nothing changed. */
static void t_bad_vlan(void **state)
{
	char *msg = NULL, *before = snapshot(), *after;

	(void)state;
	assert_int_equal(run_policy(XHP_ACTION_ADD, NULL, &msg, "vifname", PORT,
				    "vlan", "10p/20u", NULL),
			 -EINVAL);
	assert_string_equal(
		msg,
		"bad vlan '10p/20u': Open vSwitch sends only the PVID untagged, not VLAN 20");
	after = snapshot();
	assert_string_equal(after, before);
	free(msg);
	free(before);
	free(after);
}

/*
 * Seam call 1, 2, ... of the add fails in turn until the add succeeds:
 * each failure leaves the Port's VLAN columns and the chains as they
 * were. Among them the rules' batch, after the OVS change was made and
 * applied by ovs-vswitchd: its undo puts tag 5 and trunks 7 back.
 */
static void t_undo_sweep(void **state)
{
	bool batch = false, wait = false, txn = false;
	char *before, *after, *msg;
	unsigned int n;
	int r;

	(void)state;
	assert_int_equal(ovsd_vsctl(&ovs, NULL, "set", "Port", PORT, "tag=5",
				    "trunks=7", NULL),
			 0);
	before = snapshot();
	for (n = 1; n < 200; n++) {
		struct xhp_fault plan = { .fail_at = n };

		plan.err[XHP_FAULT_NL] = ENOBUFS;
		plan.err[XHP_FAULT_OVSDB] = ECONNRESET;
		msg = NULL;
		r = run_policy(XHP_ACTION_ADD, &plan, &msg, "vifname", PORT,
			       "vlan", "10p/20", "mac", "52:54:00:00:00:10",
			       "antispoof", "strict", NULL);
		if (!plan.hits) {
			assert_int_equal(r, 0);
			free(msg);
			break;
		}
		if (r >= 0)
			fail_msg("step %u (%s) failed, the add succeeded", n,
				 plan.step);
		/* The message says what failed and the system's reason. */
		if (!strstr(msg, strerror(plan.hit_err)))
			fail_msg("step %s: '%s' lacks '%s'", plan.step, msg,
				 strerror(plan.hit_err));
		after = snapshot();
		if (strcmp(after, before))
			fail_msg("step %u (%s): before\n%safter\n%s", n,
				 plan.step, before, after);
		batch |= !strcmp(plan.step, "nf_tables batch");
		wait |= !strcmp(plan.step, "ovsdb recv update");
		txn |= !strcmp(plan.step,
			       "ovsdb recv set the VLANs of the port");
		free(after);
		free(msg);
	}
	assert_true(n > 1 && n < 200);
	assert_true(batch); /* a failure after the OVS change */
	assert_true(wait); /* ovs-vswitchd's answer lost */
	assert_true(txn); /* the transaction's answer lost */
	assert_col(PORT, "tag", "10");
	assert_col(PORT, "trunks", "[20]");
	assert_col(PORT, "vlan_mode", "native-untagged");
	free(before);
}

static void t_not_a_port(void **state)
{
	char *msg = NULL, *ch, want[4608];

	(void)state;
	veth(LONE, LONE "p");
	assert_int_equal(run_policy(XHP_ACTION_ADD, NULL, &msg, "vifname", LONE,
				    "vlan", "10", NULL),
			 -ENODEV);
	snprintf(
		want, sizeof(want),
		"cannot give " LONE
		" the VLANs '10': it is neither a Linux bridge port nor a port of the Open vSwitch at '%s'",
		ovs.sock);
	assert_string_equal(msg, want);
	ch = chains_of(LONE);
	assert_string_equal(ch, "");
	free(ch);
	free(msg);
}

/* This kernel has no bridge VLAN filtering: the refusal, before any
 * change (no chains, the port not isolated). */
static void t_bridge_no_filtering(void **state)
{
	char *msg = NULL, *ch, *out = NULL;

	(void)state;
	assert_int_equal(tu_runl(NULL, "ip", "link", "add", LBR, "type",
				 "bridge", NULL),
			 0);
	veth(BRP, BRP "p");
	assert_int_equal(tu_runl(NULL, "ip", "link", "set", BRP, "master", LBR,
				 NULL),
			 0);
	assert_int_equal(run_policy(XHP_ACTION_ADD, NULL, &msg, "vifname", BRP,
				    "vlan", "10", "isolated", "yes", NULL),
			 -EOPNOTSUPP);
	assert_string_equal(msg,
			    "cannot give " BRP " the VLANs '10': bridge " LBR
			    " does not filter VLANs (vlan_filtering is 0)");
	ch = chains_of(BRP);
	assert_string_equal(ch, "");
	free(ch);
	assert_int_equal(tu_runl(&out, "bridge", "-d", "link", "show", "dev",
				 BRP, NULL),
			 0);
	assert_non_null(strstr(out, "isolated off"));
	free(out);
	free(msg);
}

/* ---- the hook, end to end at the CLI ---- */

static char conf[600];

struct out {
	int status;
	char *err;
};

/* xhp-hotplug libvirt-hook qemu vm1 @op begin - with @xml on stdin. */
static struct out hook(const char *op, const char *xml)
{
	char in_path[700], err_path[700], env_conf[700], env_run[700];
	struct out o = { 0 };
	int in, fe, st;
	pid_t pid;
	FILE *f;

	snprintf(in_path, sizeof(in_path), "%s/stdin", dir);
	snprintf(err_path, sizeof(err_path), "%s/stderr", dir);
	snprintf(env_conf, sizeof(env_conf), "XHP_CONFIG=%s", conf);
	snprintf(env_run, sizeof(env_run), "OVS_RUNDIR=%s", ovs.dir);
	f = fopen(in_path, "w");
	assert_non_null(f);
	fputs(xml, f);
	assert_int_equal(fclose(f), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		in = open(in_path, O_RDONLY);
		fe = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (in < 0 || fe < 0 || dup2(in, 0) < 0 || dup2(fe, 2) < 0)
			_exit(127);
		execve(XHP_CLI,
		       (char *[]){ XHP_CLI, "libvirt-hook", "qemu", "vm1",
				   (char *)op, "begin", "-", NULL },
		       (char *[]){ env_conf, env_run, NULL });
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	o.status = WEXITSTATUS(st);
	o.err = tu_read_file(err_path);
	assert_non_null(o.err);
	return o;
}

static void expect(struct out o, int status, const char *err)
{
	if (o.status != status || strcmp(o.err, err))
		fail_msg("exit %d, stderr '%s'; wanted %d, '%s'", o.status,
			 o.err, status, err);
	free(o.err);
}

#define IFACE(vlan)                                                         \
	"<domain type='qemu'><name>vm1</name><devices>"                     \
	"<interface type='network'><mac address='52:54:00:00:00:20'/>"      \
	"<source network='ovsnet' portgroup='pg10' bridge='br0'/>"          \
	"<virtualport type='openvswitch'/>" vlan "<target dev='" PORT "'/>" \
	"</interface></devices></domain>"

static void t_hook_portgroup_vlan(void **state)
{
	static const char xml[] = IFACE("");
	char *ch;

	(void)state;
	expect(hook("started", xml), 0, "");
	assert_col(PORT, "tag", "10");
	assert_col(PORT, "trunks", "[20]");
	assert_col(PORT, "vlan_mode", "native-untagged");
	ch = chains_of(PORT);
	assert_non_null(strstr(ch, PORT));
	free(ch);
	/* libvirtd restarted: the same again, no change. */
	expect(hook("reconnect", xml), 0, "");
	assert_col(PORT, "tag", "10");
	expect(hook("stopped", xml), 0, "");
	ch = chains_of(PORT);
	assert_string_equal(ch, "");
	free(ch);
	assert_col(PORT, "tag", "10");
}

/* libvirt applied the interface's own <vlan> (ovs-vsctl add-port ...
 * tag=42): the policy's vlan is not applied over it. */
static void t_hook_xml_vlan_wins(void **state)
{
	static const char xml[] = IFACE("<vlan><tag id='42'/></vlan>");

	(void)state;
	assert_int_equal(
		ovsd_vsctl(&ovs, NULL, "set", "Port", PORT, "tag=42", NULL), 0);
	expect(hook("started", xml), 0, "");
	assert_col(PORT, "tag", "42");
	expect(hook("stopped", xml), 0, "");
}

/* The port is not in OVS: the start fails with one line. */
static void t_hook_not_a_port(void **state)
{
	static const char xml[] = IFACE("");
	char want[4800];

	(void)state;
	assert_int_equal(ovsd_vsctl(&ovs, NULL, "del-port", PORT, NULL), 0);
	snprintf(
		want, sizeof(want),
		"xhp-hotplug: libvirt-hook qemu vm1 started: interface " PORT
		": cannot give " PORT
		" the VLANs '10p/20': it is neither a Linux bridge port nor a port of the Open vSwitch at '%s'",
		ovs.sock);
	expect(hook("started", xml), 1, want);
}

static int group_setup(void **state)
{
	FILE *f;

	(void)state;
	if (tu_netns_enter() < 0) {
		fprintf(stderr, "cannot enter a network namespace\n");
		return -1;
	}
	if (ovsd_start(&ovs, true) < 0 || ovsd_add_bridge(&ovs, "br0") < 0)
		return -1;
	dir = tu_mkdtemp("ovs-policy");
	snprintf(conf, sizeof(conf), "%s/xhp.conf", dir);
	f = fopen(conf, "w");
	if (!f)
		return -1;
	fputs("[policy v10]\nvlan = 10p/20\nantispoof = on\n"
	      "[portgroup ovsnet/pg10]\npolicy = v10\n",
	      f);
	return fclose(f) ? -1 : 0;
}

static int group_teardown(void **state)
{
	(void)state;
	ovsd_stop(&ovs);
	if (dir)
		tu_rmtree(dir);
	free(dir);
	return 0;
}

#define T(f) cmocka_unit_test_setup_teardown(f, port_setup, port_teardown)

int main(int argc, char **argv)
{
	static const struct CMUnitTest personality[] = {
		T(t_tag_trunks),	  T(t_bad_vlan),
		T(t_undo_sweep),	  T(t_not_a_port),
		T(t_bridge_no_filtering),
	};
	static const struct CMUnitTest hook_tests[] = {
		T(t_hook_portgroup_vlan),
		T(t_hook_xml_vlan_wins),
		T(t_hook_not_a_port),
	};
	const char *g = argc > 1 ? argv[1] : "personality";

	tu_require_root("network namespaces, veths and Open vSwitch daemons");
	if (!strcmp(g, "personality"))
		return cmocka_run_group_tests_name("ovs-policy", personality,
						   group_setup, group_teardown);
	if (!strcmp(g, "hook"))
		return cmocka_run_group_tests_name("ovs-policy-hook",
						   hook_tests, group_setup,
						   group_teardown);
	fprintf(stderr, "unknown group %s\n", g);
	return 2;
}
