// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Storm, vif-openvswitch: vifs (taps vif<D>.0) onlined and offlined on
 * one OVS bridge of private ovsdb-server and ovs-vswitchd daemons
 * (userspace datapath), 12 at a time, half by Xen's
 * /etc/xen/scripts/vif-openvswitch (ovs-vsctl) and half by our CLI
 * (OVSDB transactions). Each online must leave its port in br0, the vif
 * up and hotplug-status connected; each offline the port gone; at each
 * pause br0's ports are exactly the live vifs; at the end none.
 * CI: 12 vifs; XHP_STORM_FULL=1: 200.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "nl.h"
#include "ovs_harness.h"
#include "rel.h"
#include "storm.h"
#include "storm_vif.h"
#include "testutil.h"
#include "xsd_harness.h"

#define XEN_VIF_OVS "/etc/xen/scripts/vif-openvswitch"

static struct xsd xsd = XSD_INIT;
static struct ovsd ovs;
static struct xs_handle *xs;
static xhp_ctx *ctx;
static struct xhp_nl *nl;
static char rundir[4200];
static struct storm_vif vifs = { .xen_script = XEN_VIF_OVS,
				 .personality = "vif-openvswitch" };

static void die(const char *what)
{
	fprintf(stderr, "%s: %s\n", what, strerror(errno));
	ovsd_stop(&ovs);
	xsd_stop(&xsd);
	exit(1);
}

static void setup(size_t n)
{
	tu_require_root("network namespaces, taps and Open vSwitch");
	if (rel_enter_namespaces() < 0)
		die("namespaces");
	if (xsd_start(&xsd) < 0)
		die("xsd_start");
	xs = xs_open(0);
	if (!xs || xhp_ctx_new(&ctx) < 0 || xhp_nl_open(ctx, &nl) < 0)
		die("xenstore/netlink");
	if (ovsd_start(&ovs, true) < 0 || ovsd_add_bridge(&ovs, "br0") < 0)
		die("Open vSwitch");
	snprintf(rundir, sizeof(rundir), "OVS_RUNDIR=%s", ovs.dir);
	vifs.xs = xs;
	vifs.extra_env = rundir;
	if (storm_vif_setup(&vifs, n) < 0)
		die("vifs");
}

static pid_t spawn(size_t i, bool xen, bool add)
{
	return storm_vif_spawn(&vifs, i, xen, add);
}

/* br0's ports, as " a b c " (caller frees). */
static char *ports(void)
{
	char *out = NULL, *s, *p;

	if (ovsd_vsctl(&ovs, &out, "list-ports", "br0", NULL) != 0) {
		free(out);
		return NULL;
	}
	s = malloc(strlen(out ? out : "") + 3);
	if (!s)
		return NULL;
	sprintf(s, " %s ", out ? out : "");
	for (p = s; *p; p++)
		if (*p == '\n')
			*p = ' ';
	free(out);
	return s;
}

static bool has_port(const char *all, size_t i)
{
	char want[40];

	snprintf(want, sizeof(want), " vif%zu.0 ", i + 1);
	return all && strstr(all, want);
}

static int link_up(size_t i)
{
	char dev[32];
	struct xhp_link l;

	snprintf(dev, sizeof(dev), "vif%zu.0", i + 1);
	if (xhp_nl_link_get(ctx, nl, dev, 0, &l) < 0)
		return -1;
	return !!(l.flags & IFF_UP);
}

static int check(size_t i, bool xen, bool add, int rc)
{
	char *st = add ? storm_vif_get(&vifs, i, "hotplug-status") : NULL;
	char *all = ports();
	int bad = 0;

	if (rc != 0 || has_port(all, i) != add || link_up(i) != add ||
	    (add && (!st || strcmp(st, "connected")))) {
		fprintf(stderr,
			"vif%zu.0: %s %s: exit %d, port %d, up %d, "
			"hotplug-status %s\n",
			i + 1, xen ? "Xen's" : "our",
			add ? "online" : "offline", rc, has_port(all, i),
			link_up(i), st ? st : "(none)");
		bad = 1;
	}
	free(all);
	free(st);
	return bad;
}

static int check_live(const bool *live, size_t n)
{
	char *all = ports();
	int bad = 0, count = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		count += live[i];
		if (has_port(all, i) != live[i]) {
			fprintf(stderr, "vif%zu.0: port %d, expected %d\n",
				i + 1, has_port(all, i), live[i]);
			bad++;
		}
	}
	if (!bad && all) {
		int words = 0;
		char *p;

		for (p = all; *p; p++)
			words += p[0] == ' ' && p[1] && p[1] != ' ';
		if (words != count) {
			fprintf(stderr,
				"br0 has %d ports for %d live vifs: "
				"%s\n",
				words, count, all);
			bad++;
		}
	}
	free(all);
	return bad;
}

static int check_final(void)
{
	char *all = ports();
	int bad = 0;

	if (!all || strspn(all, " ") != strlen(all)) {
		fprintf(stderr, "br0 still has ports: %s\n", all ? all : "?");
		bad++;
	}
	free(all);
	return bad;
}

int main(void)
{
	struct storm s = {
		.name = "vif-openvswitch storm",
		.spawn = spawn,
		.check = check,
		.check_live = check_live,
		.check_final = check_final,
	};
	int failures;

	storm_sizes(&s, 12, 200);
	setup(s.n);
	failures = storm_run(&s);
	xhp_nl_close(nl);
	xhp_ctx_unref(ctx);
	xs_close(xs);
	ovsd_stop(&ovs);
	xsd_stop(&xsd);
	return failures ? 1 : 0;
}
