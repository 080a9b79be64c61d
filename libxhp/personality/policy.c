// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The `policy` personality: only the guest network policy
 * (guest_policy.h), on a device that exists and is plumbed by someone
 * else (libvirt's tap, found by the libvirt hook), from the caller's
 * settings (mac, ip, vifname, antispoof, isolated, rate); no backend is
 * needed (xhp_device_run_ext() with caller settings).
 *
 * add / online: on the device named by `vifname` (else the request's
 * device), in this order, each recorded in the run's journal so that a
 * failure undoes the ones before it:
 *   1. `vlan` (libxl's syntax, keys.h), when set: on a Linux bridge port
 *      the bridge's VLANs of the port (as vif-bridge gives them: the
 *      bridge must filter VLANs, else EOPNOTSUPP before anything is
 *      changed); on any other device the VLAN columns of the Open vSwitch
 *      Port of that name (ovs_vlan.h: PVID -> tag, other VLANs ->
 *      trunks), one OVSDB transaction, then the wait for ovs-vswitchd
 *      (`ovsdb_socket`, `ovsdb_timeout` as for vif-openvswitch); no such
 *      Port is ENODEV;
 *   2. the rules (nf_tables);
 *   3. when `isolated` (or the [bridge] policy of its bridge) says so,
 *      its bridge port's isolation.
 * remove / offline: delete the device's chains (gone already is success;
 * the device itself may be gone). The VLANs are left alone: the port
 * goes with the device (libvirt deletes the tap and its OVS Port when
 * the guest stops), and a device that stays keeps what it was given.
 */
#include <string.h>

#include "guest_policy.h"
#include "ovs_vlan.h"
#include "util.h"

#define POL_OVS_WAIT_DEFAULT_S 10
#define POL_OVS_WAIT_MAX_S 3600
#define POL_OVS_UNDO_MS 5000

struct pol {
	struct xhp_op *op;
	struct xhp_nl *nl;
	struct xhp_guest_policy *gp;
	struct xhp_link dev;
	/* The vlan setting, when set. */
	const char *vlan;
	bool on_bridge; /* a Linux bridge port: br, bi, spec */
	struct xhp_link br;
	struct xhp_bridge_info bi;
	struct xhp_vlan_spec *spec;
	struct xhp_ovs_vlan ovs; /* else an Open vSwitch Port */
	char sock[108];
	unsigned int wait_s;
	struct xhp_ovs_port_vlan pv; /* the Port's columns before (undo) */
};

static void pol_free(void *priv)
{
	struct pol *p = priv;

	if (!p)
		return;
	xhp_guest_policy_free(p->gp);
	xhp_nl_close(p->nl);
	xhp_ovs_port_vlan_clear(&p->pv);
	free(p->spec);
	free(p);
}

static const char *device_name(struct xhp_op *op)
{
	const char *v = xhp_op_setting(op, "vifname");

	return v ? v : op->req->device;
}

static int check_name(struct xhp_op *op, const char *name)
{
	char q[XHP_QUOTE_MAX];

	if (!name)
		return xhp_err(
			op->ctx, EINVAL,
			"policy needs the device: vifname or the request's device");
	if (!xhp_ifname_valid(name))
		return xhp_err(op->ctx, EINVAL, "bad device name '%s'",
			       xhp_quote(q, name));
	return 0;
}

/* The Linux bridge's VLANs of the port: it must filter VLANs. */
static int vlan_check_bridge(struct xhp_op *op, struct pol *p)
{
	char q[XHP_QUOTE_MAX];
	const char *why;
	int r;

	p->spec = malloc(sizeof(*p->spec));
	if (!p->spec)
		return xhp_err(op->ctx, ENOMEM, "out of memory");
	/* Checked by the settings table already. */
	if (xhp_parse_vlan_spec(p->vlan, p->spec, &why) < 0)
		return xhp_err(op->ctx, EINVAL, "bad vlan '%s' for %s: %s",
			       xhp_quote(q, p->vlan), p->dev.name, why);
	r = xhp_bridge_info_get(op->ctx, p->nl, &p->br, &p->bi);
	if (r < 0)
		return r;
	if (!p->bi.vlan_filtering)
		return xhp_err(
			op->ctx, EOPNOTSUPP,
			"cannot give %s the VLANs '%s': bridge %s does not filter VLANs (vlan_filtering is 0)",
			p->dev.name, xhp_quote(q, p->vlan), p->br.name);
	return 0;
}

/* An Open vSwitch Port's tag and trunks, and where OVSDB is. */
static int vlan_check_ovs(struct xhp_op *op, struct pol *p)
{
	const char *tmo = xhp_op_setting(op, "ovsdb_timeout");
	uint64_t sec = POL_OVS_WAIT_DEFAULT_S;
	char q[XHP_QUOTE_MAX];
	int r;

	r = xhp_ovs_vlan_add_spec(op->ctx, &p->ovs, p->vlan);
	if (r < 0)
		return r;
	r = xhp_ovsdb_socket_path(op->ctx, xhp_op_setting(op, "ovsdb_socket"),
				  p->sock, sizeof(p->sock));
	if (r < 0)
		return r;
	if (tmo &&
	    (xhp_parse_uint(tmo, POL_OVS_WAIT_MAX_S, &sec) < 0 || sec == 0))
		return xhp_err(
			op->ctx, EINVAL,
			"bad ovsdb_timeout '%s': expected seconds, 1..%u",
			xhp_quote(q, tmo), POL_OVS_WAIT_MAX_S);
	p->wait_s = (unsigned int)sec;
	return 0;
}

static int undo_bridge_vlans(xhp_ctx *ctx, void *data)
{
	struct pol *p = data;

	return xhp_bridge_port_unset_vlans(ctx, p->nl, &p->dev, p->spec,
					   p->bi.default_pvid);
}

static const struct xhp_undo_type undo_bridge_vlans_type = {
	.name = "take the VLANs away from the bridge port",
	.undo = undo_bridge_vlans,
};

/* On a fresh connection: the add's may be what broke. */
static int undo_ovs_vlans(xhp_ctx *ctx, void *data)
{
	struct pol *p = data;
	struct xhp_ovsdb *db = NULL;
	char comment[64];
	int64_t nc;
	int r;

	snprintf(comment, sizeof(comment), "xhp-hotplug: policy undo %s",
		 p->dev.name);
	r = xhp_ovsdb_open(ctx, p->sock, &db);
	if (r < 0)
		return r;
	xhp_ovsdb_set_timeout(db, POL_OVS_UNDO_MS);
	r = xhp_ovs_port_vlan_restore(ctx, db, &p->pv, comment, &nc);
	if (r >= 0 && nc >= 0)
		r = xhp_ovsdb_wait_cur_cfg(ctx, db, nc);
	xhp_ovsdb_close(db);
	return r;
}

static const struct xhp_undo_type undo_ovs_vlans_type = {
	.name = "put the VLANs of the Open vSwitch port back",
	.undo = undo_ovs_vlans,
};

static int vlan_apply_ovs(struct xhp_op *op, struct pol *p)
{
	xhp_ctx *ctx = op->ctx;
	char comment[64], q[XHP_QUOTE_MAX], q2[XHP_QUOTE_MAX];
	struct xhp_err_saved why;
	struct xhp_ovsdb *db = NULL;
	int64_t nc;
	int r;

	snprintf(comment, sizeof(comment), "xhp-hotplug: policy %s %s",
		 xhp_request_action_to_string(op->req->action), p->dev.name);
	r = xhp_ovsdb_open(ctx, p->sock, &db);
	if (r < 0) {
		xhp_err_save(ctx, &why);
		return xhp_err(
			ctx, -r,
			"cannot give %s the VLANs '%s': it is not on a Linux bridge, and Open vSwitch is not there: %s",
			p->dev.name, xhp_quote(q, p->vlan), why.msg);
	}
	xhp_ovsdb_set_timeout(db, p->wait_s * 1000);
	r = xhp_journal_reserve(&op->journal);
	if (r >= 0)
		r = xhp_ovs_port_set_vlan(ctx, db, p->dev.name, &p->ovs,
					  comment, op->dry_run, &p->pv, &nc);
	if (r == -ENODEV) {
		r = xhp_err(
			ctx, ENODEV,
			"cannot give %s the VLANs '%s': it is neither a Linux bridge port nor a port of the Open vSwitch at '%s'",
			p->dev.name, xhp_quote(q, p->vlan),
			xhp_quote(q2, p->sock));
		goto out;
	}
	/* A definite refusal did nothing; otherwise it may be done. */
	if (p->pv.now && r != -EPROTO && r != -EBUSY)
		xhp_journal_push(&op->journal, &undo_ovs_vlans_type, p);
	if (r < 0)
		goto out;
	if (xhp_dry(ctx, op->dry_run,
		    "set tag %u and %u trunks on Open vSwitch port %s",
		    p->ovs.tag, p->ovs.n_trunks, p->dev.name))
		goto out;
	r = xhp_ovsdb_wait_cur_cfg(ctx, db, nc);
out:
	xhp_ovsdb_close(db);
	return r;
}

/* Step 1: the vlan setting, checked already (vlan_check_*). */
static int vlan_apply(struct xhp_op *op, struct pol *p)
{
	int r;

	if (!p->vlan)
		return 0;
	if (!p->on_bridge)
		return vlan_apply_ovs(op, p);
	if (xhp_dry(op->ctx, op->dry_run, "give %s the VLANs %s", p->dev.name,
		    p->vlan))
		return 0;
	r = xhp_journal_record(&op->journal, &undo_bridge_vlans_type, p);
	if (r < 0)
		return r;
	return xhp_bridge_port_set_vlans(op->ctx, p->nl, &p->dev, p->spec,
					 p->bi.default_pvid);
}

static int policy_add(struct xhp_op *op)
{
	const char *name = device_name(op);
	const char *bridge = NULL;
	char q[XHP_QUOTE_MAX];
	struct pol *p;
	int r;

	r = check_name(op, name);
	if (r < 0)
		return r;
	p = calloc(1, sizeof(*p));
	if (!p)
		return xhp_err(op->ctx, ENOMEM, "out of memory");
	op->priv = p;
	p->op = op;
	r = xhp_nl_open(op->ctx, &p->nl);
	if (r < 0)
		return r;
	r = xhp_nl_link_get(op->ctx, p->nl, name, 0, &p->dev);
	if (r == -ENODEV)
		return xhp_err(op->ctx, ENODEV, "Could not find device %s",
			       xhp_quote(q, name));
	if (r >= 0)
		r = xhp_guest_policy_check_dev(op->ctx, &p->dev,
					       op->req->kind == XHP_KIND_TAP);
	if (r < 0)
		return r;
	if (p->dev.master &&
	    xhp_nl_link_get(op->ctx, p->nl, NULL, p->dev.master, &p->br) == 0 &&
	    !strcmp(p->br.kind, "bridge"))
		bridge = p->br.name;
	p->on_bridge = bridge != NULL;
	xhp_clear_error(op->ctx);
	r = xhp_guest_policy_prepare(op, bridge, op->req->kind == XHP_KIND_TAP,
				     &p->gp);
	if (r < 0)
		return r;
	if (p->gp->isolated >= 0 && !bridge)
		return xhp_err(
			op->ctx, EINVAL,
			"cannot set isolated on %s: it is not a bridge port",
			p->dev.name);
	p->vlan = xhp_op_setting(op, "vlan");
	if (p->vlan)
		r = bridge ? vlan_check_bridge(op, p) : vlan_check_ovs(op, p);
	if (r >= 0)
		r = vlan_apply(op, p);
	if (r >= 0)
		r = xhp_guest_policy_apply(p->gp, p->dev.name);
	if (r >= 0 && bridge)
		r = xhp_guest_policy_isolate(p->gp, p->nl, &p->dev);
	return r;
}

static int policy_remove(struct xhp_op *op)
{
	const char *name = device_name(op);
	int r;

	r = check_name(op, name);
	if (r < 0)
		return r;
	return xhp_guest_policy_remove(op, name);
}

static const char *const policy_settings[] = {
	"antispoof",	 "ip",	 "isolated", "mac",  "ovsdb_socket",
	"ovsdb_timeout", "rate", "vifname",  "vlan", NULL,
};
static const char *const policy_remove_settings[] = { "vifname", NULL };

const struct xhp_personality xhp_personality_policy = {
	.name = "policy",
	.kinds = (1u << XHP_KIND_VIF) | (1u << XHP_KIND_TAP),
	.settings = policy_settings,
	.remove_settings = policy_remove_settings,
	.add = policy_add,
	.remove = policy_remove,
	.release = pol_free,
};
