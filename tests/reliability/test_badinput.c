// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Hostile input, table-driven, through the CLI as a process with a test
 * xenstored: shell metacharacters, path traversal, overlong names,
 * non-UTF-8, an embedded NUL written through xenstore, huge values,
 * negative and overflowing numbers, in every key the personalities read
 * and in argv and the environment. Each must be refused: exit 1, a
 * message naming the problem (on stderr and, where the backend path is
 * known, in hotplug-error with hotplug-status error), and nothing
 * changed: links, addresses, routes, proxy neighbours, OVS ports, the
 * frontend's keys, loop devices.
 *
 * Every personality's base set-up first succeeds (and is undone), so
 * the refusals are the hostile value's and not a broken set-up.
 */
#include <errno.h>
#include <glob.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <xenstore.h>

#include "ovs_harness.h"
#include "rel.h"
#include "testutil.h"
#include "xsd_harness.h"

#define VIF_BE "backend/vif/1/0"
#define VBD_BE "backend/vbd/1/51712"
#define HOME "/local/domain/0/"

static struct xsd xsd = XSD_INIT;
static struct ovsd ovs;
static struct xs_handle *xs;
static char *dir, *img;
static char rundir[4200], scriptenv[64] = "script=/etc/xen/scripts/block";
static char *huge; /* 4000 bytes: near xenstore's value limit */
static char *hugearg; /* 100000 bytes, through argv */
static int failed;

struct bad {
	const char *pers;
	const char *key; /* backend key, or an absolute path */
	const char *value;
	size_t len; /* 0: strlen(value) */
	const char *arg; /* an extra argument */
	const char *env; /* an extra environment entry */
	const char *want; /* in the message */
	/* A malformed XENBUS_PATH: no backend to report to. Other
	 * refusals of the request are reported to the backend. */
	bool no_backend;
	const char *key2; /* a second key (the first one's context) */
	const char *value2;
};

#define NUL_VIFNAME "guest\0nic"
#define NUL_PARAMS "/etc/passwd\0.img"

static const struct bad table[] = {
	/* vif-bridge: bridge, vifname, mtu, vlan */
	{ "vif-bridge", "bridge", "br0; rm -rf /", 0, NULL, NULL,
	  "bad bridge '" },
	{ "vif-bridge", "bridge", "$(reboot)", 0, NULL, NULL,
	  "Could not find bridge device $(reboot)" },
	{ "vif-bridge", "bridge", "../../br0", 0, NULL, NULL, "bad bridge '" },
	{ "vif-bridge", "bridge", "brbrbrbrbrbrbrbr0", 0, NULL, NULL,
	  "bad bridge '" },
	{ "vif-bridge", "bridge", "br\xff\xfe", 0, NULL, NULL, "bad bridge '" },
	{ "vif-bridge", "bridge", "@HUGE", 0, NULL, NULL, "bad bridge '" },
	{ "vif-bridge", "vifname", "../../etc", 0, NULL, NULL, "bad vifname" },
	{ "vif-bridge", "vifname", "a`id`", 0, NULL, NULL, "metacharacter" },
	{ "vif-bridge", "vifname", "$(reboot)", 0, NULL, NULL,
	  "metacharacter" },
	{ "vif-bridge", "vifname", "x;id", 0, NULL, NULL, "metacharacter" },
	{ "vif-bridge", "vifname", "guest nic", 0, NULL, NULL, "bad vifname" },
	{ "vif-bridge", "vifname", "abcdefghijklmnop", 0, NULL, NULL,
	  "bad vifname" },
	{ "vif-bridge", "vifname", "g\xc3\x28", 0, NULL, NULL, "bad vifname" },
	{ "vif-bridge", "vifname", NUL_VIFNAME, sizeof(NUL_VIFNAME) - 1, NULL,
	  NULL, "NUL" },
	{ "vif-bridge", "mtu", "-1", 0, NULL, NULL, "bad mtu" },
	{ "vif-bridge", "mtu", "99999999999999999999999", 0, NULL, NULL,
	  "bad mtu" },
	{ "vif-bridge", "mtu", "4294968796", 0, NULL, NULL, "bad mtu" },
	{ "vif-bridge", "mtu", "1500;reboot", 0, NULL, NULL, "bad mtu" },
	{ "vif-bridge", "mtu", "0x5dc", 0, NULL, NULL, "bad mtu" },
	{ "vif-bridge", "vlan", "-5", 0, NULL, NULL, "bad vlan" },
	{ "vif-bridge", "vlan", "4294967297", 0, NULL, NULL, "bad vlan" },
	{ "vif-bridge", "bridge", "@RM", 0, "bridge=br0|id", NULL,
	  "Could not find bridge device br0|id" },
	{ "vif-bridge", NULL, NULL, 0, "@HUGEARG", NULL, "too long" },
	{ "vif-bridge", "bridge", "@RM", 0, "bridge=br0\xff", NULL,
	  "bad bridge '" },
	{ "vif-bridge", NULL, NULL, 0, NULL, "vif=vif1.0;reboot",
	  "vif1.0;reboot" },
	{ "vif-bridge", NULL, NULL, 0, NULL, "vif=../../../etc/passwd",
	  "../../../etc/passwd" },
	{ "vif-bridge", NULL, NULL, 0, NULL,
	  "XENBUS_PATH=backend/vif/1/0/../../../../tool", "XENBUS_PATH", true },
	{ "vif-bridge", NULL, NULL, 0, NULL, "XENBUS_PATH=backend/vif/-1/0",
	  "XENBUS_PATH", true },
	{ "vif-bridge", NULL, NULL, 0, NULL,
	  "XENBUS_PATH=backend/vif/99999999999999999999/0", "XENBUS_PATH",
	  true },
	{ "vif-bridge", NULL, NULL, 0, NULL, "XENBUS_PATH=backend/vif/1/0;id",
	  "XENBUS_PATH", true },
	{ "vif-bridge", NULL, NULL, 0, NULL, "XENBUS_TYPE=vif$(id)",
	  "XENBUS_TYPE" },
	/* vif-route: ip, vifname, netdev */
	{ "vif-route", "ip", "10.0.0.5; rm -rf /", 0, NULL, NULL, "ip" },
	{ "vif-route", "ip", "10.0.0.300", 0, NULL, NULL, "ip" },
	{ "vif-route", "ip", "-10.0.0.5", 0, NULL, NULL, "ip" },
	{ "vif-route", "ip", "10.0.0.5/4294967329", 0, NULL, NULL, "ip" },
	{ "vif-route", "ip", "10.0.0.5/-1", 0, NULL, NULL, "ip" },
	{ "vif-route", "ip", "@HUGE", 0, NULL, NULL, "ip" },
	{ "vif-route", "vifname", "../x", 0, NULL, NULL, "bad vifname" },
	{ "vif-route", NULL, NULL, 0, NULL, "netdev=../../eth0", "netdev" },
	{ "vif-route", NULL, NULL, 0, NULL, "netdev=eth0;reboot",
	  "gateway device eth0;reboot does not exist" },
	/* vif-openvswitch: bridge spec, vlan, vifname, frontend-id */
	{ "vif-openvswitch", "bridge", "ovsbr.5000", 0, NULL, NULL, "bridge" },
	{ "vif-openvswitch", "bridge", "ovsbr.-1", 0, NULL, NULL, "bridge" },
	{ "vif-openvswitch", "bridge", "ovsbr:3:99999999999", 0, NULL, NULL,
	  "bridge" },
	{ "vif-openvswitch", "bridge", "ovsbr\"]}]", 0, NULL, NULL, "bridge" },
	{ "vif-openvswitch", "bridge", "ovs;br", 0, NULL, NULL, "bridge" },
	{ "vif-openvswitch", "vlan", "1;2", 0, NULL, NULL, "vlan" },
	{ "vif-openvswitch", "vifname", "x/../y", 0, NULL, NULL,
	  "bad vifname" },
	{ "vif-openvswitch", "frontend-id", "-1", 0, NULL, NULL,
	  "frontend-id" },
	{ "vif-openvswitch", "frontend-id", "4294967296", 0, NULL, NULL,
	  "frontend-id" },
	{ "vif-openvswitch", "mac", "00:16:3e:00:00:01\",\"x", 0, NULL, NULL,
	  "bad mac" },
	{ "vif-openvswitch", "mac", "$(reboot)", 0, NULL, NULL, "bad mac" },
	{ "vif-openvswitch", "mac", "00:16:3e:zz:00:01", 0, NULL, NULL,
	  "bad mac" },
	/* block: params, frontend-id, type, state, node */
	{ "block", "params", "/tmp/../etc/passwd", 0, NULL, NULL,
	  "'..' component" },
	{ "block", "params", "@DIR/../../etc/shadow", 0, NULL, NULL,
	  "'..' component" },
	{ "block", "params", "../../etc/passwd", 0, NULL, NULL,
	  "'..' component" },
	{ "block", "params", "$(reboot)", 0, NULL, NULL, "does not exist" },
	{ "block", "params", "/dev/null;reboot", 0, NULL, NULL,
	  "does not exist" },
	{ "block", "params", "/tmp/a\nb", 0, NULL, NULL, "params" },
	{ "block", "params", NUL_PARAMS, sizeof(NUL_PARAMS) - 1, NULL, NULL,
	  "NUL" },
	{ "block", "params", "@HUGE", 0, NULL, NULL, "File name too long" },
	{ "block", "frontend-id", "-1", 0, NULL, NULL, "frontend-id" },
	{ "block", "frontend-id", "99999999999999999999", 0, NULL, NULL,
	  "frontend-id" },
	{ "block", "frontend-id", "1 2", 0, NULL, NULL, "frontend-id" },
	{ "block", "type", "../../../../bin/sh", 0, NULL, NULL,
	  "does not exist", false, "params", "nosuch" },
	{ "block", "type", "x;reboot", 0, NULL, NULL, "does not exist", false,
	  "params", "nosuch" },
	{ "block", "mode", "w;reboot", 0, NULL, NULL, "mode" },
	{ "block", "mode", "$(id)", 0, NULL, NULL, "mode" },
	{ "block", "mode", "@HUGE", 0, NULL, NULL, "mode" },
	{ "block", "state", "2; reboot", 0, NULL, NULL, "state" },
	{ "block", "state", "-2", 0, NULL, NULL, "state" },
	{ "block", NULL, NULL, 0, NULL,
	  "XENBUS_PATH=backend/vbd/1/51712/../../0/1", "XENBUS_PATH", true },
	{ "block", NULL, NULL, 0, NULL, "XENBUS_TYPE=vbd4", "XENBUS_TYPE" },
	{ "block", NULL, NULL, 0, "add2", NULL, "argument" },
};

/* Remove cases: node names what remove detaches. */
static const struct bad remove_table[] = {
	{ "block", "node", "/dev/sda", 0, NULL, NULL, "not a loop device" },
	{ "block", "node", "/dev/loop0/../sda", 0, NULL, NULL,
	  "not a loop device" },
	{ "block", "node", "/dev/loop99999999999999999999", 0, NULL, NULL,
	  "not a loop device" },
	{ "block", "node", "/dev/loop-1", 0, NULL, NULL, "not a loop device" },
	{ "block", "node", "/dev/loop1;reboot", 0, NULL, NULL,
	  "not a loop device" },
};

static void die(const char *what)
{
	fprintf(stderr, "%s: %s\n", what, strerror(errno));
	ovsd_stop(&ovs);
	xsd_stop(&xsd);
	if (dir)
		tu_rmtree(dir);
	exit(1);
}

static void sh(const char *arg0, ...) __attribute__((sentinel));
static void sh(const char *arg0, ...)
{
	va_list ap;
	int r;

	va_start(ap, arg0);
	r = tu_runv(NULL, NULL, 20000, (const char *const[]){ arg0, NULL }, ap);
	va_end(ap);
	if (r != 0) {
		errno = EIO;
		die(arg0);
	}
}

/* @path relative to dom0's home unless absolute; @len 0: strlen(@value). */
static void put(const char *path, const char *value, size_t len)
{
	char p[256];
	int r;

	snprintf(p, sizeof(p), "%s%s", path[0] == '/' ? "" : HOME, path);
	r = tu_xs_write_len(xs, p, value, len ? len : strlen(value));
	if (r < 0) {
		errno = -r;
		die(p);
	}
}

static bool is_vbd(const char *pers)
{
	return !strcmp(pers, "block");
}

static void reset_kernel(void);

/* The personality's working set-up in xenstore, a fresh vif1.0. */
static void base(const char *pers)
{
	reset_kernel();
	tu_xs_rm(xs, HOME VIF_BE);
	tu_xs_rm(xs, HOME VBD_BE);
	tu_xs_rm(xs, "/local/domain/1/device");
	if (is_vbd(pers)) {
		put(VBD_BE "/params", img, 0);
		put(VBD_BE "/mode", "w", 0);
		put(VBD_BE "/frontend-id", "1", 0);
		put(VBD_BE "/state", "2", 0);
		put(VBD_BE "/hotplug-status", "", 0);
		return;
	}
	put(VIF_BE "/frontend-id", "1", 0);
	put(VIF_BE "/mac", "00:16:3e:00:00:01", 0);
	put(VIF_BE "/hotplug-status", "", 0);
	/* libxl makes the frontend directory before it runs the script */
	put("/local/domain/1/device/vif/0/state", "1", 0);
	if (!strcmp(pers, "vif-bridge"))
		put(VIF_BE "/bridge", "br0", 0);
	else if (!strcmp(pers, "vif-openvswitch"))
		put(VIF_BE "/bridge", "ovsbr", 0);
	else
		put(VIF_BE "/ip", "10.0.0.5", 0);
}

static void setup(void)
{
	tu_require_root("namespaces, bridges, loop devices");
	if (rel_enter_namespaces() < 0)
		die("namespaces");
	/* No IPv6 link-local addresses and DAD to change state under us. */
	sh("sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", NULL);
	sh("sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1", NULL);
	dir = tu_mkdtemp("badinput");
	if (!dir || asprintf(&img, "%s/disk.img", dir) < 0)
		die("temp dir");
	sh("truncate", "-s", "4M", img, NULL);
	if (xsd_start(&xsd) < 0)
		die("xsd_start");
	xs = xs_open(0);
	if (!xs)
		die("xs_open");
	if (ovsd_start(&ovs, true) < 0 || ovsd_add_bridge(&ovs, "ovsbr") < 0)
		die("Open vSwitch");
	snprintf(rundir, sizeof(rundir), "OVS_RUNDIR=%s", ovs.dir);
	sh("ip", "link", "add", "br0", "type", "bridge", NULL);
	sh("ip", "link", "set", "br0", "up", NULL);
	sh("ip", "link", "add", "eth0", "type", "veth", "peer", "name", "eth0p",
	   NULL);
	sh("ip", "link", "set", "eth0", "up", NULL);
	sh("ip", "addr", "add", "192.168.5.1/24", "dev", "eth0", NULL);
	sh("ip", "tuntap", "add", "dev", "vif1.0", "mode", "tap", NULL);
	mkdir("/var/log/xen", 0755);
	huge = malloc(4001);
	hugearg = malloc(100001);
	if (!huge || !hugearg)
		die("malloc");
	memset(huge, 'a', 4000);
	huge[4000] = '\0';
	memcpy(hugearg, "bridge=", 7);
	memset(hugearg + 7, 'b', 100000 - 7);
	hugearg[100000] = '\0';
}

/* Attached loop devices backed by anything under the temp dir or /etc. */
static int loops(void)
{
	glob_t g;
	size_t i;
	int n = 0;

	if (glob("/sys/block/loop*/loop/backing_file", 0, NULL, &g) != 0)
		return 0;
	for (i = 0; i < g.gl_pathc; i++) {
		char *b = tu_read_file(g.gl_pathv[i]);

		if (b &&
		    (!strncmp(b, dir, strlen(dir)) || !strncmp(b, "/etc/", 5)))
			n++;
		free(b);
	}
	globfree(&g);
	return n;
}

/* Detach what an accepted case attached (a test failure already). */
static void detach_ours(void)
{
	glob_t g;
	size_t i;

	if (glob("/sys/block/loop*/loop/backing_file", 0, NULL, &g) != 0)
		return;
	for (i = 0; i < g.gl_pathc; i++) {
		char *b = tu_read_file(g.gl_pathv[i]), node[64];
		unsigned int n;

		if (b &&
		    (!strncmp(b, dir, strlen(dir)) ||
		     !strncmp(b, "/etc/", 5)) &&
		    sscanf(g.gl_pathv[i], "/sys/block/loop%u/", &n) == 1) {
			snprintf(node, sizeof(node), "/dev/loop%u", n);
			tu_runl(NULL, "losetup", "-d", node, NULL);
		}
		free(b);
	}
	globfree(&g);
}

/* Links other than the set-up's go; vif1.0 is made afresh. */
static void reset_kernel(void)
{
	static const char *const keep[] = { "ovs-netdev", "ovsbr", "br0",
					    "eth0",	  "eth0p", NULL };

	tu_links_del_all(keep);
	sh("ip", "tuntap", "add", "dev", "vif1.0", "mode", "tap", NULL);
	detach_ours();
}

static char *capture(const char *arg0, ...) __attribute__((sentinel));
static char *capture(const char *arg0, ...)
{
	char *out = NULL;
	va_list ap;

	va_start(ap, arg0);
	tu_runv(&out, NULL, 20000, (const char *const[]){ arg0, NULL }, ap);
	va_end(ap);
	return out ? out : strdup("");
}

/* Carrier and operational state follow the bridge's ports late. */
static void strip_carrier(char *s)
{
	static const char *const noise[] = { "NO-CARRIER,", ",LOWER_UP",
					     ",M-DOWN", NULL };
	size_t i, n;
	char *p;

	for (i = 0; noise[i]; i++)
		while ((p = strstr(s, noise[i])))
			memmove(p, p + strlen(noise[i]),
				strlen(p + strlen(noise[i])) + 1);
	for (p = s; (p = strstr(p, " state "));) {
		n = strcspn(p + 7, " ");
		memmove(p + 1, p + 7 + n + 1, strlen(p + 7 + n + 1) + 1);
	}
}

/* Everything the personalities could touch, as text. */
static char *state(void)
{
	char *parts[8], *s = NULL, *mtu;
	size_t i;

	parts[0] = capture("ip", "-o", "link", "show", NULL);
	strip_carrier(parts[0]);
	parts[1] = capture("ip", "-o", "addr", "show", NULL);
	parts[2] = capture("ip", "route", "show", "table", "all", NULL);
	parts[3] = capture("ip", "neigh", "show", "proxy", NULL);
	parts[4] =
		capture("sysctl", "-n", "net.ipv4.conf.vif1/0.proxy_arp", NULL);
	parts[5] = NULL;
	ovsd_vsctl(&ovs, &parts[5], "list-ports", "ovsbr", NULL);
	mtu = tu_xs_read(xs, "/local/domain/1/device/vif/0/mtu");
	if (asprintf(&s, "%s%s%s%s%s%s\nloops %d\nfrontend mtu %s\n", parts[0],
		     parts[1], parts[2], parts[3], parts[4],
		     parts[5] ? parts[5] : "", loops(), mtu ? mtu : "-") < 0)
		s = NULL;
	for (i = 0; i < 6; i++)
		free(parts[i]);
	free(mtu);
	return s;
}

static const char *subst(const char *v)
{
	static char buf[4200];

	if (!v)
		return NULL;
	if (!strcmp(v, "@HUGE"))
		return huge;
	if (!strcmp(v, "@HUGEARG"))
		return hugearg;
	if (!strncmp(v, "@DIR", 4)) {
		snprintf(buf, sizeof(buf), "%s%s", dir, v + 4);
		return buf;
	}
	return v;
}

static int run(const char *pers, const char *action, const struct bad *b,
	       char **out)
{
	const char *argv[8], *env[16];
	char **e;
	size_t a = 0, n = 0;
	bool vbd = is_vbd(pers);
	int r;

	argv[a++] = XHP_CLI;
	argv[a++] = pers;
	argv[a++] = action;
	if (!vbd)
		argv[a++] = "type_if=vif";
	if (b && b->arg)
		argv[a++] = subst(b->arg);
	argv[a] = NULL;
	env[n++] = vbd ? "XENBUS_PATH=" VBD_BE : "XENBUS_PATH=" VIF_BE;
	env[n++] = vbd ? "XENBUS_TYPE=vbd" : "XENBUS_TYPE=vif";
	env[n++] = "XENBUS_BASE_PATH=backend";
	env[n++] = "vif=vif1.0";
	env[n++] = "netdev=eth0";
	env[n++] = rundir;
	env[n++] = scriptenv;
	if (b && b->env) {
		/* Instead of the entry of the same name. */
		size_t k = strcspn(b->env, "=") + 1, i;

		for (i = 0; i < n; i++)
			if (!strncmp(env[i], b->env, k))
				env[i] = b->env;
	}
	env[n] = NULL;
	e = tu_env(NULL, env);
	if (!e)
		die("tu_env");
	r = tu_run((char **)argv, e, 30000, out);
	tu_env_free(e);
	return r;
}

static void control(const char *pers)
{
	bool vbd = is_vbd(pers);
	char *before, *after, *out = NULL;
	int r;

	base(pers);
	before = state();
	r = run(pers, vbd ? "add" : "online", NULL, &out);
	if (r != 0) {
		fprintf(stderr, "control: %s add/online exited %d: %s\n", pers,
			r, out);
		failed++;
	}
	free(out);
	out = NULL;
	r = run(pers, vbd ? "remove" : "offline", NULL, &out);
	if (r != 0) {
		fprintf(stderr, "control: %s remove/offline: %d: %s\n", pers, r,
			out);
		failed++;
	}
	free(out);
	after = state();
	if (loops() != 0) {
		fprintf(stderr, "control: %s left a loop device\n", pers);
		failed++;
	}
	free(before);
	free(after);
}

static void one(const struct bad *b, const char *action, size_t i)
{
	char *before, *after, *out = NULL, *st, *err;
	const char *v = subst(b->value);
	char label[120];
	int r;

	base(b->pers);
	if (b->key2) {
		char k[64];

		snprintf(k, sizeof(k), "%s/%s",
			 is_vbd(b->pers) ? VBD_BE : VIF_BE, b->key2);
		put(k, b->value2, 0);
	}
	if (b->key) {
		char k[64];

		snprintf(k, sizeof(k), "%s/%s",
			 is_vbd(b->pers) ? VBD_BE : VIF_BE, b->key);
		if (!strcmp(b->value, "@RM")) {
			char p[128];

			snprintf(p, sizeof(p), HOME "%s", k);
			tu_xs_rm(xs, p);
		} else {
			put(k, v, b->len);
		}
	}
	snprintf(label, sizeof(label), "#%zu %s %s %s%s%.40s", i, b->pers,
		 action,
		 b->key ? b->key :
		 b->arg ? "argv" :
			  "env",
		 b->key ? "=" : " ",
		 b->key ? v :
		 b->arg ? subst(b->arg) :
			  b->env);
	for (char *c = label; *c; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
			*c = '?';
	before = state();
	r = run(b->pers, action, b, &out);
	after = state();
	st = tu_xs_read(xs, is_vbd(b->pers) ? HOME VBD_BE "/hotplug-status" :
					      HOME VIF_BE "/hotplug-status");
	err = tu_xs_read(xs, is_vbd(b->pers) ? HOME VBD_BE "/hotplug-error" :
					       HOME VIF_BE "/hotplug-error");
	if (r != 1 || !out || !strstr(out, b->want)) {
		fprintf(stderr, "FAIL %s: exit %d, want '%s' in: %s\n", label,
			r, b->want, out ? out : "");
		failed++;
	} else if (!b->no_backend && (!st || strcmp(st, "error") || !err ||
				      !strstr(err, b->want))) {
		fprintf(stderr,
			"FAIL %s: hotplug-status %s, hotplug-error "
			"%s\n",
			label, st ? st : "-", err ? err : "-");
		failed++;
	} else if (b->no_backend && st && st[0]) {
		fprintf(stderr,
			"FAIL %s: hotplug-status %s without a backend"
			"\n",
			label, st);
		failed++;
	} else if (strcmp(before, after)) {
		fprintf(stderr,
			"FAIL %s: state changed:\n--- before\n%s--- "
			"after\n%s",
			label, before, after);
		failed++;
	} else {
		char *nl = strchr(out, '\n');

		printf("ok %s: %.*s\n", label, nl ? (int)(nl - out) : 200, out);
	}
	free(out);
	free(st);
	free(err);
	free(before);
	free(after);
}

int main(void)
{
	static const char *const pers[] = { "vif-bridge", "vif-route",
					    "vif-openvswitch", "block" };
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	setup();
	for (i = 0; i < 4; i++)
		control(pers[i]);
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		one(&table[i], is_vbd(table[i].pers) ? "add" : "online", i);
	for (i = 0; i < sizeof(remove_table) / sizeof(remove_table[0]); i++)
		one(&remove_table[i], "remove", i);
	printf("%zu hostile inputs, %d failures\n",
	       sizeof(table) / sizeof(table[0]) +
		       sizeof(remove_table) / sizeof(remove_table[0]),
	       failed);
	ovsd_stop(&ovs);
	xs_close(xs);
	xsd_stop(&xsd);
	tu_rmtree(dir);
	return failed ? 1 : 0;
}
