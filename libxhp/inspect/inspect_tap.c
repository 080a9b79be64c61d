// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The emulated NIC's tap of a connected vif (vif<D>.<N>-emu, or its
 * vifname-emu with the backend's mark: vifname.h), checked as the
 * personality that plugged it plumbs it: vif-bridge's master, up, MTU
 * and guest network policy, vif-openvswitch's up and Port, vif-route's
 * up and policy (inspect_policy.c: the tap's has the rate key). libxl
 * (libxl_linux.c, libxl__hotplug_nic) runs the tap's hotplug (a second
 * run, type_if=tap) only for a nic of type vif_ioemu (an HVM guest's),
 * never for a PV guest's (type vif) nor when the guest has a stub domain
 * (its tap is there, not here); the tap exists only while the device
 * model runs: a tap that does not exist is not a drift. Lookups by name
 * and index only.
 */
#include <stdio.h>
#include <string.h>

#include "inspect-internal.h"
#include "keys.h"
#include "util.h"
#include "vifname.h"

/* The tap, its host facts; -ENODEV when there is none (no drift). */
static int tap_link(struct xhp_insp *in, struct xhp_link *l,
		    struct xhp_link *master)
{
	struct xhp_inspection *ins = in->ins;
	xhp_request *req = NULL;
	struct xhp_vifname id;
	char dev[IFNAMSIZ + 8];
	int r;

	snprintf(dev, sizeof(dev), "vif%u.%u-emu", ins->domid, ins->devid);
	r = xhp_request_new(in->ctx, XHP_ACTION_ADD, XHP_KIND_TAP,
			    ins->backend_path, dev, &req);
	if (r >= 0)
		r = xhp_vifname_init(in->ctx, req, xhp_insp_xs(in, "vifname"),
				     &id);
	xhp_request_free(req);
	if (r >= 0 && !in->nl)
		r = xhp_nl_open(in->ctx, &in->nl);
	if (r >= 0)
		r = xhp_vifname_lookup(in->ctx, in->nl, &id, l);
	if (r == -ENODEV || r == -EEXIST) {
		/* none, or its vifname is another link's: not ours */
		xhp_clear_error(in->ctx);
		return -ENODEV;
	}
	if (r < 0)
		return r;
	snprintf(in->tap_name, sizeof(in->tap_name), "%s", l->name);
	r = xhp_insp_host(in, "tap", "%s", l->name);
	if (r >= 0)
		r = xhp_insp_host(in, "tap-up", "%d", !!(l->flags & IFF_UP));
	if (r >= 0)
		r = xhp_insp_host(in, "tap-mtu", "%u", l->mtu);
	master->ifindex = 0;
	if (r < 0 || !l->master)
		return r;
	r = xhp_nl_link_get(in->ctx, in->nl, NULL, l->master, master);
	if (r == -ENODEV) {
		master->ifindex = 0;
		return 0; /* released meanwhile */
	}
	if (r < 0)
		return r;
	return xhp_insp_host(in, "tap-master", "%s", master->name);
}

static int check_up(struct xhp_insp *in, const struct xhp_link *l)
{
	if (l->flags & IFF_UP)
		return 0;
	return xhp_insp_drift(in, XHP_DRIFT_LINK_DOWN, "%s is down", l->name);
}

/* vif-bridge: on the bridge key's bridge (or on one), with its MTU. */
static int check_bridge(struct xhp_insp *in, const struct xhp_link *l,
			const struct xhp_link *master)
{
	const char *want = xhp_insp_xs(in, "bridge"), *mtu_s, *why;
	struct xhp_link br;
	unsigned int mtu;
	int r;

	if (master->ifindex && (!want || !strcmp(master->name, want))) {
		br = *master;
	} else if (want) {
		r = xhp_nl_link_get(in->ctx, in->nl, want, 0, &br);
		if (r == -ENODEV)
			return xhp_insp_drift(in, XHP_DRIFT_BRIDGE_MISSING,
					      "bridge %s of %s does not exist",
					      want, l->name);
		if (r < 0)
			return r;
	} else {
		return xhp_insp_drift(
			in, XHP_DRIFT_NOT_ON_BRIDGE,
			"%s is not on a bridge (it has no master)", l->name);
	}
	if (!l->master)
		return xhp_insp_drift(
			in, XHP_DRIFT_NOT_ON_BRIDGE,
			"%s is not on bridge %s (it has no master)", l->name,
			br.name);
	if (l->master != br.ifindex)
		return xhp_insp_drift(in, XHP_DRIFT_WRONG_BRIDGE,
				      "%s is on %s, not on bridge %s", l->name,
				      master->ifindex ? master->name :
							"another link",
				      br.name);
	mtu_s = xhp_insp_xs(in, "mtu");
	mtu = br.mtu;
	if (mtu_s && xhp_parse_mtu(mtu_s, &mtu, &why) < 0)
		return 0; /* the vif's check said so already */
	if (l->mtu != mtu)
		return xhp_insp_drift(in, XHP_DRIFT_MTU,
				      "%s has MTU %u, not %u (%s)", l->name,
				      l->mtu, mtu,
				      mtu_s ? "the mtu key" : "its bridge's");
	return 0;
}

int xhp_inspect_tap(struct xhp_insp *in)
{
	const char *p = in->ins->personality;
	struct xhp_link l, master;
	int r;

	if (in->ins->kind != XHP_KIND_VIF || !p ||
	    (strcmp(p, "vif-bridge") && strcmp(p, "vif-openvswitch") &&
	     strcmp(p, "vif-route")))
		return 0;
	r = tap_link(in, &l, &master);
	if (r == -ENODEV)
		return 0;
	if (r < 0)
		return r;
	in->tap = true;
	r = check_up(in, &l);
	if (r >= 0 && !strcmp(p, "vif-bridge"))
		r = check_bridge(in, &l, &master);
	else if (r >= 0 && !strcmp(p, "vif-openvswitch"))
		r = xhp_inspect_ovs_port(in, l.name);
	/* the policy, resolved for the bridge the tap is on (as the
	 * personality resolves it), else the one it should be on */
	if (r >= 0 && !strcmp(p, "vif-bridge"))
		r = xhp_inspect_policy(in, &l,
				       master.ifindex ?
					       master.name :
					       xhp_insp_xs(in, "bridge"));
	else if (r >= 0 && !strcmp(p, "vif-route"))
		r = xhp_inspect_policy(in, &l, NULL);
	in->tap = false;
	return r;
}
