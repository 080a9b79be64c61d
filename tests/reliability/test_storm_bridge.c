// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Storm, vif-bridge: vifs (taps vif<D>.0, domain D = 1..n) onlined and
 * offlined on one bridge, 12 at a time, half by Xen's
 * /etc/xen/scripts/vif-bridge and half by our CLI. Each online must
 * leave its vif up in br0 with hotplug-status connected, each offline
 * down and out of it; at each pause exactly the live vifs are br0's
 * ports. Neither vif-bridge takes a lock (Xen's only locks for iptables,
 * which is not installed), so there is no lock to violate; the lock
 * directory must stay empty. CI: 24 vifs; XHP_STORM_FULL=1: 200.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "nl.h"
#include "rel.h"
#include "storm.h"
#include "storm_vif.h"
#include "testutil.h"
#include "xsd_harness.h"

#define XEN_VIF_BRIDGE "/etc/xen/scripts/vif-bridge"

static struct xsd xsd = XSD_INIT;
static struct xs_handle *xs;
static xhp_ctx *ctx;
static struct xhp_nl *nl;
static int br_index;
static struct storm_vif vifs = { .xen_script = XEN_VIF_BRIDGE,
				 .personality = "vif-bridge" };

static void die(const char *what)
{
	fprintf(stderr, "%s: %s\n", what, strerror(errno));
	xsd_stop(&xsd);
	exit(1);
}

static void setup(size_t n)
{
	struct xhp_link l;

	tu_require_root("network namespaces, bridges and taps");
	if (rel_enter_namespaces() < 0)
		die("namespaces");
	if (xsd_start(&xsd) < 0)
		die("xsd_start");
	xs = xs_open(0);
	if (!xs || xhp_ctx_new(&ctx) < 0 || xhp_nl_open(ctx, &nl) < 0)
		die("xenstore/netlink");
	if (tu_runl(NULL, "ip", "link", "add", "br0", "type", "bridge", NULL) ||
	    tu_runl(NULL, "ip", "link", "set", "br0", "up", NULL))
		die("bridge br0");
	if (xhp_nl_link_get(ctx, nl, "br0", 0, &l) < 0)
		die("br0");
	br_index = l.ifindex;
	vifs.xs = xs;
	if (storm_vif_setup(&vifs, n) < 0)
		die("vifs");
}

static pid_t spawn(size_t i, bool xen, bool add)
{
	return storm_vif_spawn(&vifs, i, xen, add);
}

/* 1: in br0 and up, 0: out of any bridge and down, -1: anything else. */
static int vif_state(size_t i)
{
	char dev[32];
	struct xhp_link l;

	snprintf(dev, sizeof(dev), "vif%zu.0", i + 1);
	if (xhp_nl_link_get(ctx, nl, dev, 0, &l) < 0)
		return -1;
	if ((int)l.master == br_index && (l.flags & IFF_UP))
		return 1;
	if (!l.master && !(l.flags & IFF_UP))
		return 0;
	return -1;
}

static int check(size_t i, bool xen, bool add, int rc)
{
	char *st = add ? storm_vif_get(&vifs, i, "hotplug-status") : NULL;
	int s = vif_state(i), bad = 0;

	if (rc != 0 || s != (add ? 1 : 0) ||
	    (add && (!st || strcmp(st, "connected")))) {
		fprintf(stderr,
			"vif%zu.0: %s %s: exit %d, state %d, hotplug-status "
			"%s\n",
			i + 1, xen ? "Xen's" : "our",
			add ? "online" : "offline", rc, s, st ? st : "(none)");
		bad = 1;
	}
	free(st);
	return bad;
}

static int check_live(const bool *live, size_t n)
{
	int bad = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (vif_state(i) != (live[i] ? 1 : 0)) {
			fprintf(stderr, "vif%zu.0: state %d, expected %d\n",
				i + 1, vif_state(i), live[i]);
			bad++;
		}
	return bad;
}

static int check_final(void)
{
	char *out = NULL;
	int bad = 0;

	tu_runl(&out, "ip", "-o", "link", "show", "master", "br0", NULL);
	if (out && out[0]) {
		fprintf(stderr, "br0 still has ports:\n%s", out);
		bad++;
	}
	free(out);
	return bad;
}

int main(void)
{
	struct storm s = {
		.name = "vif-bridge storm",
		.spawn = spawn,
		.check = check,
		.check_live = check_live,
		.check_final = check_final,
	};
	int failures;

	storm_sizes(&s, 24, 200);
	setup(s.n);
	failures = storm_run(&s);
	xhp_nl_close(nl);
	xhp_ctx_unref(ctx);
	xs_close(xs);
	xsd_stop(&xsd);
	return failures ? 1 : 0;
}
