// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Interruption, vifs: `xhp-hotplug <personality> online` is SIGKILLed
 * (the process only, as libxl does) at a random moment within the typical
 * time of an online, then `offline` runs; the host must end as clean as
 * after an uninterrupted online + offline. One group per personality:
 *   test-interrupt-net bridge|route|ovs
 *
 * What a killed online can leave, and how offline clears it:
 * - vif-bridge (online: flush addresses, down, rename to vifname, MAC,
 *   MTU, enslave, up, frontend mtu key): the device down or up, under
 *   its old name or vifname, with or without the dummy MAC and MTU, in
 *   the bridge or not. offline looks it up under vifname, else its own
 *   name, brings it down and releases it from whatever bridge it is in.
 *   The name, MAC and MTU stay as an uninterrupted cycle leaves them
 *   (Xen's offline does not restore them either: netback deletes the
 *   device), so they are not compared.
 * - vif-route (online: address of the gateway, up, proxy_arp, routes
 *   and proxy neighbours per ip): any prefix of those steps. offline
 *   removes each object that is there (missing ones are success) and
 *   puts the vif's sysctls back to conf/default.
 * - vif-openvswitch (online: rename, one OVSDB transaction adding the
 *   port, wait for ovs-vswitchd, up): the port in the database or not
 *   (the transaction is atomic), the device renamed or not. offline
 *   deletes the port under either name.
 * None of them takes a lock (no lock file can be left); the test checks
 * the lock directory anyway.
 */
#include <errno.h>
#include <stdarg.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <xenstore.h>

#include "ovs_harness.h"
#include "rel.h"
#include "testutil.h"
#include "xsd_harness.h"

#define BE "/local/domain/0/backend/vif/1/0"
#define RUNS_DEFAULT 30

static struct xsd xsd = XSD_INIT;
static struct ovsd ovs;
static bool have_ovs;
static struct xs_handle *xs;
static const char *group;
static char rundir[4200];

static void die(const char *what)
{
	fprintf(stderr, "%s: %s\n", what, strerror(errno));
	if (have_ovs)
		ovsd_stop(&ovs);
	xsd_stop(&xsd);
	exit(1);
}

static void sh(const char *arg0, ...) __attribute__((sentinel));
static void sh(const char *arg0, ...)
{
	char *out = NULL;
	va_list ap;
	int r;

	va_start(ap, arg0);
	r = tu_runv(&out, NULL, 20000, (const char *const[]){ arg0, NULL }, ap);
	va_end(ap);
	if (r != 0) {
		fprintf(stderr, "%s ... failed: %s\n", arg0, out ? out : "");
		free(out);
		errno = EIO;
		die(arg0);
	}
	free(out);
}

static void put(const char *key, const char *value)
{
	char p[256];

	snprintf(p, sizeof(p), BE "/%s", key);
	if (!value)
		tu_xs_rm(xs, p);
	else if (tu_xs_write(xs, p, value) < 0)
		die("xs_write");
}

static void setup(void)
{
	tu_require_root("network namespaces, taps and mounts");
	if (tu_netns_enter() < 0)
		die("network namespace");
	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("sysfs", "/sys", "sysfs", 0, NULL) < 0)
		die("mount namespace with a fresh /sys");
	if (rel_private_lock_dir() < 0)
		die("tmpfs on " REL_LOCK_DIR);
	if (xsd_start(&xsd) < 0)
		die("xsd_start");
	xs = xs_open(0);
	if (!xs)
		die("xs_open");
	if (!strcmp(group, "ovs")) {
		if (ovsd_start(&ovs, true) < 0)
			die("ovsd_start");
		have_ovs = true;
		if (ovsd_add_bridge(&ovs, "br0") < 0)
			die("ovs bridge br0");
		snprintf(rundir, sizeof(rundir), "OVS_RUNDIR=%s", ovs.dir);
	} else if (!strcmp(group, "bridge")) {
		sh("ip", "link", "add", "br0", "type", "bridge", NULL);
		sh("ip", "link", "set", "br0", "up", NULL);
	} else {
		sh("ip", "link", "add", "eth0", "type", "veth", "peer", "name",
		   "eth0p", NULL);
		sh("ip", "link", "set", "eth0", "up", NULL);
		sh("ip", "addr", "add", "192.168.5.1/24", "dev", "eth0", NULL);
		mkdir("/var/log/xen", 0755);
	}
	put("frontend-id", "1");
	put("mac", "00:16:3e:00:00:01");
	if (strcmp(group, "route"))
		put("bridge", "br0");
	else
		put("ip", "10.0.0.5");
	if (tu_xs_write(xs, "/local/domain/1/vm", "/vm/u1") < 0)
		die("xs_write");
}

/* A fresh tap vif1.0 (the stand-in for netback's vif). */
static void fresh(void)
{
	tu_runl(NULL, "ip", "link", "del", "vif1.0", NULL);
	tu_runl(NULL, "ip", "link", "del", "guestnic", NULL);
	sh("ip", "tuntap", "add", "dev", "vif1.0", "mode", "tap", NULL);
	sh("ip", "link", "set", "vif1.0", "address", "02:00:00:00:00:01", NULL);
	put("vifname", strcmp(group, "route") ? "guestnic" : NULL);
	put("hotplug-status", "");
	put("hotplug-error", NULL);
}

static const char *personality(void)
{
	if (!strcmp(group, "bridge"))
		return "vif-bridge";
	if (!strcmp(group, "ovs"))
		return "vif-openvswitch";
	return "vif-route";
}

static const char *const *cli_env(void)
{
	static const char *env[8];
	size_t n = 0;

	env[n++] = "XENBUS_PATH=backend/vif/1/0";
	env[n++] = "XENBUS_TYPE=vif";
	env[n++] = "XENBUS_BASE_PATH=backend";
	env[n++] = "vif=vif1.0";
	env[n++] = "netdev=eth0";
	if (have_ovs)
		env[n++] = rundir;
	env[n] = NULL;
	return env;
}

static int cli(const char *action)
{
	const char *argv[] = { XHP_CLI, personality(), action, "type_if=vif",
			       NULL };
	pid_t pid = rel_spawn(argv, cli_env(), NULL);

	return pid < 0 ? (int)pid : rel_wait(pid);
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; s && *s; s++)
		n += *s == '\n';
	return n;
}

static int lines(const char *arg0, ...) __attribute__((sentinel));
static int lines(const char *arg0, ...)
{
	char *out = NULL;
	va_list ap;
	int n, r;

	va_start(ap, arg0);
	r = tu_runv(&out, NULL, 20000, (const char *const[]){ arg0, NULL }, ap);
	va_end(ap);
	n = r == 0 ? count_lines(out) : -1;
	free(out);
	return n;
}

static int sysctl(const char *dev, const char *name)
{
	char p[256], *v;
	int r;

	snprintf(p, sizeof(p), "/proc/sys/net/ipv4/conf/%s/%s", dev, name);
	v = tu_read_file(p);
	r = v ? atoi(v) : -1;
	free(v);
	return r;
}

/*
 * What must be clean, as text: the vif (under whichever name) up or
 * down, its master, its IPv4 addresses, routes and proxy neighbours
 * through it, its proxy_arp, the links in the namespace, the OVS ports,
 * the lock files.
 */
static char *state(void)
{
	char *s = NULL, *link = NULL, *ports = NULL;
	const char *dev = "vif1.0";
	char *p;

	if (tu_runl(&link, "ip", "-o", "link", "show", "dev", dev, NULL)) {
		free(link);
		link = NULL;
		dev = "guestnic";
		if (tu_runl(&link, "ip", "-o", "link", "show", "dev", dev,
			    NULL)) {
			free(link);
			return strdup("vif gone");
		}
	}
	if (have_ovs) {
		ovsd_vsctl(&ovs, &ports, "list-ports", "br0", NULL);
		for (p = ports; p && *p; p++)
			if (*p == '\n')
				*p = ' ';
	}
	if (asprintf(&s,
		     "up=%d master=%s addrs=%d routes=%d proxies=%d "
		     "proxy_arp=%d links=%d ovs_ports=[%s] locks=%d",
		     strstr(link, "state UP") || strstr(link, ",UP") ? 1 : 0,
		     strstr(link, " master ") ? "yes" : "no",
		     lines("ip", "-o", "-4", "addr", "show", "dev", dev, NULL),
		     lines("ip", "-4", "route", "show", "table", "all", "dev",
			   dev, NULL),
		     lines("ip", "neigh", "show", "proxy", NULL),
		     sysctl(dev, "proxy_arp"),
		     lines("ip", "-o", "link", "show", NULL),
		     ports ? ports : "", rel_count_dir(REL_LOCK_DIR)) < 0)
		s = NULL;
	free(link);
	free(ports);
	return s;
}

int main(int argc, char **argv)
{
	unsigned int runs = RUNS_DEFAULT, i, killed = 0, completed = 0;
	unsigned int dirty = 0, delay;
	char *ref, *now, *after_kill;
	uint64_t t0, typical;
	int failed = 0, r, st;
	const char *const *env;
	const char *kargv[5];

	group = argc > 1 ? argv[1] : "bridge";
	if (strcmp(group, "bridge") && strcmp(group, "route") &&
	    strcmp(group, "ovs")) {
		fprintf(stderr, "usage: %s bridge|route|ovs\n", argv[0]);
		return 2;
	}
	if (getenv("XHP_INTERRUPT_RUNS"))
		runs = (unsigned int)atoi(getenv("XHP_INTERRUPT_RUNS"));
	setup();
	printf("%s: seed %u (XHP_SEED to replay)\n", group, rel_seed());

	/* The reference: an uninterrupted online + offline. */
	fresh();
	t0 = rel_now_us();
	r = cli("online");
	typical = rel_now_us() - t0;
	if (r != 0) {
		fprintf(stderr, "reference online exited %d\n", r);
		failed++;
	}
	r = cli("offline");
	if (r != 0) {
		fprintf(stderr, "reference offline exited %d\n", r);
		failed++;
	}
	ref = state();
	printf("typical online: %llu us; clean: %s\n",
	       (unsigned long long)typical, ref);

	env = cli_env();
	kargv[0] = XHP_CLI;
	kargv[1] = personality();
	kargv[2] = "online";
	kargv[3] = "type_if=vif";
	kargv[4] = NULL;
	for (i = 0; i < runs; i++) {
		fresh();
		delay = rel_rand((unsigned int)typical + 1);
		r = rel_kill_after(kargv, env, delay, &st);
		if (r < 0) {
			fprintf(stderr, "run %u: cannot run the CLI\n", i);
			failed++;
			continue;
		}
		killed += r == 1;
		completed += r == 0 && st == 0;
		after_kill = state();
		dirty += strcmp(after_kill, ref) != 0;
		r = cli("offline");
		now = state();
		if (r != 0 || strcmp(now, ref)) {
			fprintf(stderr,
				"run %u (kill at %u us): offline exited %d\n"
				"  after the kill:    %s\n"
				"  after the offline: %s\n"
				"  expected:          %s\n",
				i, delay, r, after_kill, now, ref);
			failed++;
		}
		free(after_kill);
		free(now);
	}
	printf("%s: %u runs, %u killed, %u completed before the kill, %u "
	       "left state behind: all cleared by offline%s\n",
	       personality(), runs, killed, completed, dirty,
	       failed ? " (NOT: see above)" : "");
	free(ref);
	xs_close(xs);
	if (have_ovs)
		ovsd_stop(&ovs);
	xsd_stop(&xsd);
	return failed ? 1 : 0;
}
