// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The vif-bridge personality: Xen's vif-bridge + vif-common.sh +
 * xen-network-common.sh on Linux, through rtnetlink, plus the `vlan` key.
 *
 * online (vif) / add (tap): flush addresses, down, rename to vifname
 * (tap: vifname-emu), MAC fe:ff:ff:ff:ff:ff, MTU (mtu key, else the
 * bridge's), enslave, VLANs, up, frontend mtu key (link_change.h). Every key is read and
 * checked before anything is changed; a failing step undoes the ones
 * before it. offline / remove: down, release; gone already is success.
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
	char want[IFNAMSIZ]; /* the name the device ends up with */
	struct xhp_link dev; /* the device, as it is now */
	struct xhp_link_change lc; /* what this run changed on it */
	struct xhp_link br;
	unsigned int mtu;
	char *vlan_text;
	struct xhp_vlan_spec *vlan;
	struct xhp_bridge_info bi;
	bool fe_mtu_set; /* wrote the frontend's mtu key, which held: */
	char *fe_mtu_old; /* NULL: none */
};

/* In a dry run, log the step and return true: the caller skips it. */
/* A backend key; *ret NULL when missing or empty. */
static int read_key(struct vb *vb, const char *key, char **ret)
{
	char *v = NULL;
	int r;

	r = xhp_xs_read_key(vb->ctx, vb->req->backend_path, key, &v);
	if (r == -ENOENT) {
		*ret = NULL;
		return 0;
	}
	if (r < 0)
		return r;
	if (!v[0]) {
		free(v);
		v = NULL;
	}
	*ret = v;
	return 0;
}

/* want = vifname (tap: vifname-emu) from the backend, else the device. */
static int resolve_name(struct vb *vb)
{
	_cleanup_free_ char *vifname = NULL;
	int r;

	r = read_key(vb, "vifname", &vifname);
	if (r < 0)
		return r;
	return xhp_vifname_resolve(vb->ctx, vb->req->device, vifname, vb->tap,
				   vb->want);
}

/* Find the device to plumb: by its name, or renamed by an earlier run. */
static int find_device(struct vb *vb)
{
	char q[XHP_QUOTE_MAX];
	bool rename;
	int r;

	r = xhp_vifname_find(vb->ctx, vb->nl, vb->req->device, vb->want,
			     &vb->dev, &rename);
	if (r == -ENODEV)
		return xhp_err(vb->ctx, ENODEV, "Could not find device %s",
			       xhp_quote(q, vb->req->device));
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
	if (r < 0)
		return xhp_err(vb->ctx, r, "cannot look up bridge %s: %s", name,
			       strerror(-r));
	return 0;
}

static int find_bridge(struct vb *vb)
{
	_cleanup_free_ char *name = NULL;
	char q[XHP_QUOTE_MAX];
	int r;

	r = xhp_xs_setting(vb->ctx, vb->req, "bridge", &name);
	if (r < 0 && r != -ENOENT)
		return r;
	if (r == -ENOENT || !name[0]) {
		r = xhp_link_first_bridge(vb->ctx, vb->nl, &vb->br);
		if (r == -ENODEV)
			return xhp_err(vb->ctx, ENODEV,
				       "Could not find "
				       "bridge, and none was specified");
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

/* mtu key, else the bridge's MTU (Xen's set_mtu). */
static int resolve_mtu(struct vb *vb)
{
	_cleanup_free_ char *v = NULL;
	char q[XHP_QUOTE_MAX];
	const char *why;
	int r;

	r = read_key(vb, "mtu", &v);
	if (r < 0)
		return r;
	if (!v) {
		vb->mtu = vb->br.mtu;
		return 0;
	}
	if (xhp_parse_mtu(v, &vb->mtu, &why) < 0)
		return xhp_err(vb->ctx, EINVAL, "bad mtu '%s' for %s: %s",
			       xhp_quote(q, v), vb->req->device, why);
	return 0;
}

/* vlan key: parsed, and only on a bridge that filters VLANs. */
static int resolve_vlan(struct vb *vb)
{
	char q[XHP_QUOTE_MAX];
	const char *why;
	int r;

	r = read_key(vb, "vlan", &vb->vlan_text);
	if (r < 0 || !vb->vlan_text)
		return r;
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
		return xhp_err(vb->ctx, EOPNOTSUPP,
			       "cannot give %s the VLANs '%s': bridge %s does "
			       "not filter VLANs (vlan_filtering is 0)",
			       vb->req->device, xhp_quote(q, vb->vlan_text),
			       vb->br.name);
	return 0;
}

/* Undo what this run did, in reverse; keep the first error's message. */
static void undo(struct vb *vb)
{
	char saved[XHP_ERR_MAX];
	xhp_ctx *ctx = vb->ctx;

	if (vb->fe_mtu_set) {
		struct xhp_kv kv = { "mtu", vb->fe_mtu_old };
		char dir[96];

		memcpy(saved, ctx->err, sizeof(saved));
		snprintf(dir, sizeof(dir), "/local/domain/%u/device/vif/%u",
			 vb->req->domid, vb->req->devid);
		if (xhp_xs_write_keys(ctx, dir, &kv, 1) < 0)
			xhp_log(ctx, LOG_ERR, "undo: %s", ctx->err);
		memcpy(ctx->err, saved, sizeof(saved));
	}
	xhp_link_change_undo(&vb->lc);
}

/* Down, vifname, dummy MAC, no addresses, MTU, bridge, VLANs, up. */
static int plumb(struct vb *vb)
{
	struct xhp_link_change *lc = &vb->lc;
	struct xhp_link *d = &vb->dev;
	int r;

	r = xhp_link_change_prepare(lc, vb->want, 0);
	if (r >= 0)
		r = xhp_link_change_set_mtu(lc, vb->mtu);
	if (r >= 0)
		r = xhp_link_change_set_master(lc, vb->br.ifindex, vb->br.name);
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

/* The frontend's mtu key, at the device's real path (not the name's);
 * its old value is kept for the undo. */
static int write_frontend_mtu(struct vb *vb)
{
	char path[96], v[16];
	int r;

	if (vb->tap)
		return 0;
	snprintf(path, sizeof(path), "/local/domain/%u/device/vif/%u/mtu",
		 vb->req->domid, vb->req->devid);
	snprintf(v, sizeof(v), "%u", vb->mtu);
	if (xhp_dry(vb->ctx, vb->op->dry_run, "write %s = %s", path, v))
		return 0;
	r = xhp_xs_read(vb->ctx, XBT_NULL, path, &vb->fe_mtu_old);
	if (r < 0 && r != -ENOENT)
		return r;
	r = xhp_xs_write(vb->ctx, path, v);
	if (r == 0)
		vb->fe_mtu_set = true;
	return r;
}

static void vb_done(struct vb *vb)
{
	xhp_nl_close(vb->nl);
	xhp_link_change_clear(&vb->lc);
	free(vb->fe_mtu_old);
	free(vb->vlan_text);
	free(vb->vlan);
}

/* The names and the netlink socket; vb_done() undoes it, also on failure. */
static int vb_init(struct vb *vb, struct xhp_op *op)
{
	int r;

	*vb = (struct vb){
		.op = op,
		.ctx = op->ctx,
		.req = op->req,
		.tap = op->req->kind == XHP_KIND_TAP,
	};
	if (!op->req->device || !op->req->backend_path)
		return xhp_err(op->ctx, EINVAL,
			       "vif-bridge needs the device "
			       "name and XENBUS_PATH");
	/* Connect first: a missing key and a missing xenstore differ. */
	r = xhp_xs_open(op->ctx);
	if (r < 0)
		return r;
	r = resolve_name(vb);
	if (r < 0)
		return r;
	return xhp_nl_open(vb->ctx, &vb->nl);
}

static int vif_bridge_add(struct xhp_op *op)
{
	struct vb vb;
	int r;

	/* Read and check everything before changing anything. */
	r = vb_init(&vb, op);
	if (r < 0)
		goto out;
	r = find_device(&vb);
	if (r < 0)
		goto out;
	xhp_link_change_init(&vb.lc, vb.ctx, vb.nl, &vb.dev, op->dry_run);
	r = find_bridge(&vb);
	if (r < 0)
		goto out;
	r = resolve_mtu(&vb);
	if (r < 0)
		goto out;
	r = resolve_vlan(&vb);
	if (r < 0)
		goto out;
	xhp_debug(vb.ctx, "%s: bridge %s, mtu %u", vb.want, vb.br.name, vb.mtu);
	r = plumb(&vb);
	if (r >= 0)
		r = write_frontend_mtu(&vb);
	if (r >= 0 && !vb.tap)
		op->status = XHP_STATUS_CONNECTED;
	/* The report is the last step: its failure is undone here too. */
	if (r >= 0)
		r = xhp_op_report(op);
	if (r < 0) {
		if (xhp_op_may_undo(op))
			undo(&vb);
		goto out;
	}
	xhp_debug(vb.ctx, "Successful vif-bridge %s for %s, bridge %s.",
		  xhp_request_action_to_string(vb.req->action), vb.dev.name,
		  vb.br.name);
out:
	vb_done(&vb);
	return r;
}

static int vif_bridge_remove(struct xhp_op *op)
{
	struct vb vb;
	int r;

	r = vb_init(&vb, op);
	if (r < 0)
		goto out;
	r = xhp_vifname_lookup(vb.ctx, vb.nl, vb.req->device, vb.want, &vb.dev);
	if (r == -ENODEV) {
		xhp_debug(vb.ctx, "%s is gone already", vb.want);
		r = 0;
		goto out;
	}
	if (r < 0)
		goto out;
	xhp_link_change_init(&vb.lc, vb.ctx, vb.nl, &vb.dev, op->dry_run);
	r = xhp_link_change_down(&vb.lc);
	if (r < 0)
		goto out;
	if (vb.dev.master &&
	    !xhp_dry(vb.ctx, vb.op->dry_run, "release %s from its bridge",
		     vb.dev.name)) {
		xhp_debug(vb.ctx, "removing %s from its bridge", vb.dev.name);
		r = xhp_link_set_master(vb.ctx, vb.nl, &vb.dev, 0, NULL);
		if (r < 0)
			goto out;
	}
	xhp_debug(vb.ctx, "Successful vif-bridge %s for %s.",
		  xhp_request_action_to_string(vb.req->action), vb.dev.name);
out:
	vb_done(&vb);
	return r;
}

const struct xhp_personality xhp_personality_vif_bridge = {
	.name = "vif-bridge",
	.kinds = (1u << XHP_KIND_VIF) | (1u << XHP_KIND_TAP),
	.add = vif_bridge_add,
	.remove = vif_bridge_remove,
};
