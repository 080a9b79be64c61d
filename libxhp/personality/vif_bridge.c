// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The vif-bridge personality: Xen's vif-bridge + vif-common.sh +
 * xen-network-common.sh on Linux, through rtnetlink, plus the `vlan` key.
 *
 * online (vif) / add (tap): flush addresses, down, rename to vifname
 * (tap: vifname-emu), MAC fe:ff:ff:ff:ff:ff, MTU (mtu key, else the
 * bridge's), enslave, VLANs, up, frontend mtu key (link_change.h). Every key is read and
 * checked before anything is changed; a failing step undoes the ones
 * before it. offline / remove: down, release; gone already is success,
 * and so is a vifname held by a link that is not this backend's (left
 * alone). Which link is the device: vifname.h.
 *
 * Where this differs from Xen's script (on purpose):
 * - the frontend mtu key goes to /local/domain/<domid>/device/vif/<devid>
 *   also when vifname is set (Xen derives the path from the name);
 * - a missing device, a refused MAC, MTU or enslave is an error (Xen
 *   ignores them and reports connected; vif-openvswitch here keeps Xen's
 *   tolerance of the MAC only, as Xen's vif-openvswitch does);
 * - online twice with vifname succeeds (Xen refuses its own rename): a
 *   renamed vif carries its old name as alias, and only such a link is
 *   taken as renamed by an earlier run;
 * - offline does not need the bridge to exist any more;
 * - without a configured bridge the first bridge by name is used, also
 *   when it has no ports yet (brctl's choice; Xen's iproute2 fallback
 *   takes the master of the first bridge port).
 */
#include <stdio.h>
#include <string.h>

#include "guest_policy.h"
#include "keys.h"
#include "link_change.h"
#include "personality.h"
#include "util.h"
#include "vifname.h"

struct vb {
	struct xhp_op *op;
	xhp_ctx *ctx;
	const xhp_request *req;
	struct xhp_nl *nl;
	bool tap;
	struct xhp_vifname id; /* its names; id.want: the name it ends up with */
	struct xhp_link dev; /* the device, as it is now */
	struct xhp_link_change lc; /* what this run changed on it */
	struct xhp_link br;
	unsigned int mtu;
	const char *vlan_text; /* the vlan setting (the op's) */
	struct xhp_vlan_spec *vlan;
	struct xhp_bridge_info bi;
	struct xhp_guest_policy *gp; /* guest_policy.h */
};

/* The device's names (want: vifname, tap: vifname-emu, else the
 * protocol's name), the request's device checked against them. */
static int resolve_name(struct vb *vb)
{
	return xhp_vifname_init(vb->ctx, vb->req,
				xhp_op_setting(vb->op, "vifname"), &vb->id);
}

/* Find the device to plumb: by its name, or renamed by an earlier run. */
static int find_device(struct vb *vb)
{
	char q[XHP_QUOTE_MAX];
	bool rename;
	int r;

	r = xhp_vifname_find(vb->ctx, vb->nl, &vb->id, &vb->dev, &rename);
	if (r == -ENODEV)
		return xhp_err(vb->ctx, ENODEV, "Could not find device %s",
			       xhp_quote(q, vb->id.proto));
	return r;
}

/* Xen: xenbrN that does not exist, and ethN that is a bridge: ethN. */
static int find_bridge_by_name(struct vb *vb, const char *name)
{
	char eth[IFNAMSIZ + 8];
	struct xhp_link l;
	int r;

	r = xhp_nl_link_get(vb->ctx, vb->nl, name, 0, &vb->br);
	if (r == -ENODEV && !strncmp(name, "xenbr", 5)) {
		snprintf(eth, sizeof(eth), "eth%s", name + 5);
		if (xhp_ifname_valid(eth) &&
		    xhp_nl_link_get(vb->ctx, vb->nl, eth, 0, &l) == 0 &&
		    !strcmp(l.kind, "bridge")) {
			xhp_debug(vb->ctx, "bridge %s is %s", name, eth);
			vb->br = l;
			r = 0;
		}
	}
	if (r == -ENODEV)
		return xhp_err(vb->ctx, ENODEV,
			       "Could not find bridge device %s", name);
	return r < 0 ? r : 0; /* any other failure: nl.c said which */
}

static int find_bridge(struct vb *vb)
{
	const char *name = xhp_op_setting(vb->op, "bridge");
	char q[XHP_QUOTE_MAX];
	int r;

	if (!name) {
		r = xhp_link_first_bridge(vb->ctx, vb->nl, &vb->br);
		if (r == -ENODEV)
			return xhp_err(
				vb->ctx, ENODEV,
				"Could not find bridge, and none was specified");
		if (r < 0)
			return r;
		xhp_debug(vb->ctx, "no bridge given: using %s", vb->br.name);
	} else {
		if (!xhp_ifname_valid(name))
			return xhp_err(vb->ctx, EINVAL, "bad bridge name '%s'",
				       xhp_quote(q, name));
		r = find_bridge_by_name(vb, name);
		if (r < 0)
			return r;
	}
	if (strcmp(vb->br.kind, "bridge"))
		return xhp_err(vb->ctx, EINVAL, "%s is not a bridge",
			       vb->br.name);
	return 0;
}

/* mtu setting, else the bridge's MTU (Xen's set_mtu). */
static int resolve_mtu(struct vb *vb)
{
	const char *v = xhp_op_setting(vb->op, "mtu");
	const char *why;

	if (!v) {
		vb->mtu = vb->br.mtu;
		return 0;
	}
	/* Checked by the settings table already. */
	if (xhp_parse_mtu(v, &vb->mtu, &why) < 0)
		return xhp_err(vb->ctx, EINVAL, "bad mtu for %s: %s",
			       vb->req->device, why);
	return 0;
}

/* vlan setting: parsed, and only on a bridge that filters VLANs. */
static int resolve_vlan(struct vb *vb)
{
	char q[XHP_QUOTE_MAX];
	const char *why;
	int r;

	vb->vlan_text = xhp_op_setting(vb->op, "vlan");
	if (!vb->vlan_text)
		return 0;
	vb->vlan = malloc(sizeof(*vb->vlan));
	if (!vb->vlan)
		return xhp_err(vb->ctx, ENOMEM, "out of memory");
	if (xhp_parse_vlan_spec(vb->vlan_text, vb->vlan, &why) < 0)
		return xhp_err(vb->ctx, EINVAL, "bad vlan '%s' for %s: %s",
			       xhp_quote(q, vb->vlan_text), vb->req->device,
			       why);
	r = xhp_bridge_info_get(vb->ctx, vb->nl, &vb->br, &vb->bi);
	if (r < 0)
		return r;
	if (!vb->bi.vlan_filtering)
		return xhp_err(
			vb->ctx, EOPNOTSUPP,
			"cannot give %s the VLANs '%s': bridge %s does not filter VLANs (vlan_filtering is 0)",
			vb->req->device, xhp_quote(q, vb->vlan_text),
			vb->br.name);
	return 0;
}

static int undo_link(xhp_ctx *ctx, void *data)
{
	struct vb *vb = data;

	xhp_link_change_undo(&vb->lc);
	return 0;
}

static const struct xhp_undo_type undo_link_type = {
	.name = "put the vif's link back",
	.undo = undo_link,
};

/* Down, vifname, dummy MAC, no addresses, MTU, bridge, VLANs, up. */
static int plumb(struct vb *vb)
{
	struct xhp_link_change *lc = &vb->lc;
	struct xhp_link *d = &vb->dev;
	int r;

	r = xhp_link_change_prepare(lc, vb->id.want, 0);
	if (r >= 0)
		r = xhp_link_change_set_mtu(lc, vb->mtu);
	if (r >= 0)
		r = xhp_link_change_set_master(lc, vb->br.ifindex, vb->br.name);
	if (r < 0)
		return r;
	/* The rules are in place before the device comes up. */
	r = xhp_guest_policy_apply(vb->gp, vb->id.want);
	if (r >= 0)
		r = xhp_guest_policy_isolate(vb->gp, vb->nl, d);
	if (r < 0)
		return r;
	if (vb->vlan &&
	    !xhp_dry(vb->ctx, vb->op->dry_run, "give %s the VLANs %s", d->name,
		     vb->vlan_text)) {
		r = xhp_bridge_port_set_vlans(vb->ctx, vb->nl, d, vb->vlan,
					      vb->bi.default_pvid);
		if (r < 0)
			return r;
	}
	return xhp_link_change_up(lc);
}

/*
 * The frontend's mtu key, at the device's real path (not the name's), in
 * the report's transaction: written with hotplug-status or not at all,
 * and only if libxl made the frontend's directory (never created).
 */
static int write_frontend_mtu(struct vb *vb)
{
	char dir[96], v[16];
	int r;

	if (vb->tap || !vb->op->report)
		return 0;
	snprintf(dir, sizeof(dir), "/local/domain/%u/device/vif/%u",
		 vb->req->domid, vb->req->devid);
	snprintf(v, sizeof(v), "%u", vb->mtu);
	if (xhp_dry(vb->ctx, vb->op->dry_run, "write %s/mtu = %s", dir, v))
		return 0;
	r = xhp_op_put_side(vb->op, dir, "mtu", v);
	return r < 0 ? xhp_err(vb->ctx, r, "out of memory") : 0;
}

static void vb_free(void *priv)
{
	struct vb *vb = priv;

	if (!vb)
		return;
	xhp_nl_close(vb->nl);
	xhp_link_change_clear(&vb->lc);
	xhp_guest_policy_free(vb->gp);
	free(vb->vlan);
	free(vb);
}

/*
 * Plugged already, as this run would leave it: a second plug of the same
 * device (libxl's and udev's runs of one tap, a repeated online) changes
 * nothing, so it does not take the link down and up under the guest.
 */
static bool plugged(const struct vb *vb)
{
	const struct xhp_link *d = &vb->dev;

	return !vb->vlan && !strcmp(d->name, vb->id.want) &&
	       (d->flags & IFF_UP) && d->master == vb->br.ifindex &&
	       d->mtu == vb->mtu && d->has_addr &&
	       !memcmp(d->addr, xhp_link_dummy_mac, 6);
}

/*
 * The run's state (op->priv, freed by the engine once the journal is
 * done with it), the names and the netlink socket.
 */
static int vb_init(struct xhp_op *op, struct vb **ret)
{
	struct vb *vb;
	int r;

	if (!op->req->device)
		return xhp_err(op->ctx, EINVAL,
			       "vif-bridge needs the device name");
	vb = calloc(1, sizeof(*vb));
	if (!vb)
		return xhp_err(op->ctx, ENOMEM, "out of memory");
	*vb = (struct vb){
		.op = op,
		.ctx = op->ctx,
		.req = op->req,
		.tap = op->req->kind == XHP_KIND_TAP,
	};
	op->priv = vb;
	*ret = vb;
	r = resolve_name(vb);
	if (r < 0)
		return r;
	return xhp_nl_open(vb->ctx, &vb->nl);
}

/*
 * Read and check everything, then change the link, recording every
 * change in the run's journal: the engine undoes them when this or the
 * report fails.
 */
static int vif_bridge_add(struct xhp_op *op)
{
	struct vb *vb;
	int r;

	r = vb_init(op, &vb);
	if (r < 0)
		return r;
	r = find_device(vb);
	if (r < 0)
		return r;
	xhp_link_change_init(&vb->lc, vb->ctx, vb->nl, &vb->dev, op->dry_run);
	r = find_bridge(vb);
	if (r >= 0)
		r = resolve_mtu(vb);
	if (r >= 0)
		r = resolve_vlan(vb);
	if (r >= 0)
		r = xhp_guest_policy_prepare(op, vb->br.name, vb->tap, &vb->gp);
	if (r < 0)
		return r;
	xhp_debug(vb->ctx, "%s: bridge %s, mtu %u", vb->id.want, vb->br.name,
		  vb->mtu);
	if (plugged(vb)) {
		/* The link is left alone, but its policy is checked (and
		 * put back if it went: `status --repair`). */
		xhp_info(vb->ctx, "%s is plugged into %s already", vb->dev.name,
			 vb->br.name);
		r = xhp_guest_policy_apply(vb->gp, vb->id.want);
		if (r >= 0)
			r = xhp_guest_policy_isolate(vb->gp, vb->nl, &vb->dev);
		if (r >= 0)
			r = write_frontend_mtu(vb);
		return r;
	}
	r = xhp_journal_record(&op->journal, &undo_link_type, vb);
	if (r >= 0)
		r = plumb(vb);
	if (r >= 0)
		r = write_frontend_mtu(vb);
	if (r >= 0)
		xhp_debug(vb->ctx,
			  "Successful vif-bridge %s for %s, bridge %s.",
			  xhp_request_action_to_string(vb->req->action),
			  vb->dev.name, vb->br.name);
	return r;
}

static int vif_bridge_remove(struct xhp_op *op)
{
	struct vb *vb;
	int r;

	r = vb_init(op, &vb);
	if (r < 0)
		return r;
	r = xhp_vifname_lookup(vb->ctx, vb->nl, &vb->id, &vb->dev);
	if (r == -ENODEV) {
		/* A chain outlives its device: its name's chains go. */
		xhp_debug(vb->ctx, "%s is gone already", vb->id.want);
		return xhp_guest_policy_remove(op, vb->id.want);
	}
	if (r == -EEXIST) {
		/* Another device holds the vifname: not ours to touch. */
		xhp_info(vb->ctx, "nothing of ours to remove: %s",
			 vb->ctx->err);
		xhp_clear_error(vb->ctx);
		return 0;
	}
	if (r < 0)
		return r;
	xhp_link_change_init(&vb->lc, vb->ctx, vb->nl, &vb->dev, op->dry_run);
	r = xhp_link_change_down(&vb->lc);
	if (r < 0)
		return r;
	if (vb->dev.master &&
	    !xhp_dry(vb->ctx, op->dry_run, "release %s from its bridge",
		     vb->dev.name)) {
		xhp_debug(vb->ctx, "removing %s from its bridge", vb->dev.name);
		r = xhp_link_set_master(vb->ctx, vb->nl, &vb->dev, 0, NULL);
		if (r < 0)
			return r;
	}
	r = xhp_guest_policy_remove(op, vb->dev.name);
	if (r < 0)
		return r;
	xhp_debug(vb->ctx, "Successful vif-bridge %s for %s.",
		  xhp_request_action_to_string(vb->req->action), vb->dev.name);
	return 0;
}

static const char *const vif_bridge_settings[] = {
	"antispoof", "bridge", "ip",	  "isolated", "mac",
	"mtu",	     "rate",   "vifname", "vlan",     NULL,
};
static const char *const vif_bridge_remove_settings[] = { "vifname", NULL };

const struct xhp_personality xhp_personality_vif_bridge = {
	.name = "vif-bridge",
	.kinds = (1u << XHP_KIND_VIF) | (1u << XHP_KIND_TAP),
	.settings = vif_bridge_settings,
	.remove_settings = vif_bridge_remove_settings,
	.add = vif_bridge_add,
	.remove = vif_bridge_remove,
	.release = vb_free,
};
