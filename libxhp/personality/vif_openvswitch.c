// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The vif-openvswitch personality: what Xen's vif-openvswitch does,
 * without forking ovs-vsctl.
 *
 * online / add: flush the link's addresses, take it down, rename it
 * after vifname, give it the dummy MAC fe:ff:ff:ff:ff:ff (link_change.h),
 * then ONE OVSDB transaction that
 * drops any Port of that name from whatever bridge holds it and adds a
 * Port + Interface to the bridge (tag, trunks, Xen's external-ids plus
 * iface-id and iface-status, other_config:transient=true), bumps next_cfg
 * and reads it back; wait until ovs-vswitchd has applied it, check the
 * Interface's ofport/error, bring the link up.
 * offline / remove: delete the Port of this backend's link if present
 * (with no link left, the vifname's Port, as Xen does), take the link
 * down; a link of the vifname that is another's keeps its Port
 * (vifname.h).
 *
 * Settings (argv key=value or the backend's xenstore key):
 *   bridge         br[.tag][:trunk[:trunk...]] (Xen's syntax; required)
 *   vlan           libxl's VLAN spec: PVID -> tag, other VLANs -> trunks
 *   ovsdb_socket   the OVSDB socket ("/path" or "unix:/path"); default
 *                  $OVS_RUNDIR/db.sock, else /var/run/openvswitch/db.sock
 *   ovsdb_timeout  seconds to wait for ovs-vswitchd (1..3600; default 10)
 *   iface_id       Interface external_ids:iface-id; default
 *                  <vm uuid>-<devid>, or the device name without a VM
 */
#include <string.h>

#include "keys.h"
#include "link_change.h"
#include "ovs_vlan.h"
#include "personality.h"
#include "util.h"
#include "vifname.h"

#define OVS_WAIT_DEFAULT_S 10
#define OVS_WAIT_MAX_S 3600
#define OVS_TX_RETRIES 8
#define OVS_UNDO_MS 5000

/* Everything one run decided before touching anything. */
struct plan {
	struct xhp_vifname id; /* the device's names (vifname.h) */
	char dev[IFNAMSIZ]; /* id.want: the link's and the port's name */
	bool rename; /* to do */
	struct xhp_bridge_spec br;
	struct xhp_ovs_vlan vl; /* the port's tag, trunks, vlan_mode */
	char *vm_name, *vm_uuid, *mac;
	char *iface_id;
	char sock[108];
	unsigned int wait_s;
};

static void plan_free(struct plan *p)
{
	if (!p)
		return;
	free(p->vm_name);
	free(p->vm_uuid);
	free(p->mac);
	free(p->iface_id);
	free(p);
}

/* A setting's value, or NULL when no source has it. */
static int setting(struct xhp_op *op, const char *key, char **ret)
{
	const char *v = xhp_op_setting(op, key);

	*ret = v ? strdup(v) : NULL;
	if (v && !*ret)
		return xhp_err(op->ctx, ENOMEM, "out of memory");
	return 0;
}

/* bridge and vlan: the port's tag, trunks and vlan_mode (ovs_vlan.h). */
static int plan_vlans(struct xhp_op *op, struct plan *p)
{
	xhp_ctx *ctx = op->ctx;
	_cleanup_free_ char *bridge = NULL, *vlan = NULL;
	char q[XHP_QUOTE_MAX];
	const char *why;
	unsigned int i;
	int r;

	r = setting(op, "bridge", &bridge);
	if (r < 0)
		return r;
	if (!bridge)
		return xhp_err(
			ctx, EINVAL,
			"No valid bridge was specified: no bridge key for %s",
			p->dev);
	if (xhp_parse_bridge_spec(bridge, &p->br, &why) < 0)
		return xhp_err(
			ctx, EINVAL,
			"No valid bridge was specified: bad bridge '%s': %s",
			xhp_quote(q, bridge), why);
	p->vl.tag = p->br.tag;
	for (i = 0; i < p->br.n_trunks; i++)
		xhp_ovs_vlan_trunk_add(&p->vl, p->br.trunks[i]);
	r = setting(op, "vlan", &vlan);
	if (r < 0 || !vlan)
		return r;
	return xhp_ovs_vlan_add_spec(ctx, &p->vl, vlan);
}

/* The device name, after vifname (Xen's rename_vif). */
static int plan_dev(struct xhp_op *op, struct plan *p)
{
	const xhp_request *req = op->req;
	_cleanup_free_ char *vifname = NULL;
	char q[XHP_QUOTE_MAX];
	int r;

	if (!req->device || !xhp_ifname_valid(req->device))
		return xhp_err(op->ctx, EINVAL, "bad device name '%s'",
			       xhp_quote(q, req->device ? req->device : ""));
	r = setting(op, "vifname", &vifname);
	if (r < 0)
		return r;
	r = xhp_vifname_init(op->ctx, req, vifname, &p->id);
	if (r < 0)
		return r;
	memcpy(p->dev, p->id.want, sizeof(p->dev));
	p->rename = strcmp(p->id.want, p->id.proto) != 0;
	return 0;
}

static int plan_db(struct xhp_op *op, struct plan *p)
{
	_cleanup_free_ char *sock = NULL, *tmo = NULL;
	char q[XHP_QUOTE_MAX];
	uint64_t s = OVS_WAIT_DEFAULT_S;
	int r;

	r = setting(op, "ovsdb_socket", &sock);
	if (r < 0)
		return r;
	r = xhp_ovsdb_socket_path(op->ctx, sock, p->sock, sizeof(p->sock));
	if (r < 0)
		return r;
	r = setting(op, "ovsdb_timeout", &tmo);
	if (r < 0)
		return r;
	if (tmo && (xhp_parse_uint(tmo, OVS_WAIT_MAX_S, &s) < 0 || s == 0))
		return xhp_err(
			op->ctx, EINVAL,
			"bad ovsdb_timeout '%s': expected seconds, 1..%u",
			xhp_quote(q, tmo), OVS_WAIT_MAX_S);
	p->wait_s = (unsigned int)s;
	return 0;
}

/* OVSDB stores UTF-8 only (ovs-vsctl refuses the rest as well). */
static int check_utf8(xhp_ctx *ctx, const struct plan *p)
{
	const char *const what[] = { "VM name", "VM uuid", "mac", "iface_id" };
	const char *const val[] = { p->vm_name, p->vm_uuid, p->mac,
				    p->iface_id };
	char q[XHP_QUOTE_MAX];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(val); i++)
		if (val[i] && !xhp_ovsdb_utf8_valid(val[i]))
			return xhp_err(
				ctx, EINVAL,
				"%s '%s' is not valid UTF-8: OVSDB cannot store it in external_ids",
				what[i], xhp_quote(q, val[i]));
	return 0;
}

/*
 * The guest's MAC goes into external-ids:attached-mac, which SDN
 * controllers match on: a well-formed MAC or nothing (an empty key is
 * treated as absent; Xen's script writes whatever the key holds).
 */
static int check_mac(xhp_ctx *ctx, struct plan *p)
{
	char q[XHP_QUOTE_MAX];
	const char *why;
	uint8_t mac[6];

	if (p->mac && !p->mac[0]) {
		free(p->mac);
		p->mac = NULL;
	}
	if (p->mac && xhp_parse_mac(p->mac, mac, &why) < 0)
		return xhp_err(ctx, EINVAL, "bad mac '%s': %s",
			       xhp_quote(q, p->mac), why);
	return 0;
}

/* Xen's external-ids: the VM's name and uuid, the guest's MAC. */
static int plan_ids(struct xhp_op *op, struct plan *p)
{
	const xhp_request *req = op->req;
	_cleanup_free_ char *fe = NULL;
	unsigned int domid = req->domid;
	char q[XHP_QUOTE_MAX];
	const char *why;
	int r;

	/* The VM's name and uuid: only where xenstore is the source. */
	r = op->xenstore ? xhp_xs_read_key(op->ctx, req->backend_path,
					   "frontend-id", &fe) :
			   -ENOENT;
	if (r < 0 && r != -ENOENT)
		return r;
	if (r == 0 && xhp_parse_domid(fe, &domid, &why) < 0)
		return xhp_err(op->ctx, EINVAL, "bad frontend-id '%s': %s",
			       xhp_quote(q, fe), why);
	r = op->xenstore ?
		    xhp_xs_vm_info(op->ctx, domid, &p->vm_name, &p->vm_uuid) :
		    0;
	if (r < 0)
		return r;
	r = setting(op, "mac", &p->mac);
	if (r < 0)
		return r;
	r = check_mac(op->ctx, p);
	if (r < 0)
		return r;
	r = setting(op, "iface_id", &p->iface_id);
	if (r < 0)
		return r;
	/* As libvirt and OpenStack set theirs: an id SDN controllers can
	 * map to the guest's NIC, stable across reboots of the VM. */
	if (!p->iface_id) {
		if (p->vm_uuid && p->vm_uuid[0])
			r = asprintf(&p->iface_id, "%s-%u", p->vm_uuid,
				     req->devid);
		else
			r = asprintf(&p->iface_id, "%s", p->dev);
		if (r < 0) {
			p->iface_id = NULL;
			return xhp_err(op->ctx, ENOMEM, "out of memory");
		}
	}
	return check_utf8(op->ctx, p);
}

/* First round trip: the bridge's and any old port's uuids. */
static int read_state(xhp_ctx *ctx, struct xhp_ovsdb *db, const struct plan *p,
		      char **ret_bridge, char **ret_port)
{
	json_t *ops, *res = NULL, *rows;
	const char *b, *port;
	char q[XHP_QUOTE_MAX], q2[XHP_QUOTE_MAX];
	int r;

	ops = json_pack("[{sssssos[s]}{sssssos[s]}]", "op", "select", "table",
			"Bridge", "where",
			xhp_ovsdb_where_eq("name", json_string(p->br.name)),
			"columns", "_uuid", "op", "select", "table", "Port",
			"where",
			xhp_ovsdb_where_eq("name", json_string(p->dev)),
			"columns", "_uuid");
	r = xhp_ovsdb_transact(ctx, db, ops, "look up the bridge", &res);
	if (r < 0)
		return r == -EAGAIN ?
			       xhp_err(ctx, EPROTO,
				       "OVSDB: unexpected wait failure") :
			       r;
	rows = json_object_get(json_array_get(res, 0), "rows");
	b = json_string_value(json_array_get(
		json_object_get(json_array_get(rows, 0), "_uuid"), 1));
	if (!b) {
		r = xhp_err(ctx, ENODEV,
			    "bridge '%s' not found in OVSDB at '%s'",
			    xhp_quote(q, p->br.name), xhp_quote(q2, p->sock));
		goto out;
	}
	rows = json_object_get(json_array_get(res, 1), "rows");
	port = json_string_value(json_array_get(
		json_object_get(json_array_get(rows, 0), "_uuid"), 1));
	*ret_bridge = strdup(b);
	*ret_port = port ? strdup(port) : NULL;
	r = *ret_bridge && (!port || *ret_port) ?
		    0 :
		    xhp_err(ctx, ENOMEM, "out of memory");
out:
	json_decref(res);
	return r;
}

/* Operations that detach the port @port (if any) named @dev. */
static int add_port_removal(json_t *ops, const char *dev, const char *port)
{
	json_t *rows = port ? json_pack("[{s[ss]}]", "_uuid", "uuid", port) :
			      json_array();

	if (json_array_append_new(
		    ops, json_pack("{sssisssos[s]sssO}", "op", "wait",
				   "timeout", 0, "table", "Port", "where",
				   xhp_ovsdb_where_eq("name", json_string(dev)),
				   "columns", "_uuid", "until", "==", "rows",
				   rows)) < 0) {
		json_decref(rows);
		return -ENOMEM;
	}
	json_decref(rows);
	if (!port)
		return 0;
	if (json_array_append_new(ops, json_pack("{sssss[[sso]]s[[sso]]}", "op",
						 "mutate", "table", "Bridge",
						 "where", "ports", "includes",
						 xhp_ovsdb_uuid(port),
						 "mutations", "ports", "delete",
						 xhp_ovsdb_uuid(port))) < 0)
		return -ENOMEM;
	if (json_array_append_new(
		    ops, json_pack("{ssssso}", "op", "delete", "table", "Port",
				   "where",
				   xhp_ovsdb_where_eq(
					   "_uuid", xhp_ovsdb_uuid(port)))) < 0)
		return -ENOMEM;
	return 0;
}

static json_t *port_row(const struct plan *p)
{
	json_t *row, *oc = xhp_ovsdb_map();

	row = json_pack("{sss[ss]so}", "name", p->dev, "interfaces",
			"named-uuid", "xhp_iface", "other_config", oc);
	if (!row || !oc || xhp_ovsdb_map_put(oc, "transient", "true") < 0)
		goto fail;
	if (xhp_ovs_vlan_put(row, &p->vl, false) < 0)
		goto fail;
	return row;
fail:
	json_decref(row);
	return NULL;
}

static json_t *iface_row(const struct xhp_op *op, const struct plan *p)
{
	json_t *ids = xhp_ovsdb_map(), *oc = xhp_ovsdb_map();
	json_t *row;

	row = json_pack("{ssso so}", "name", p->dev, "external_ids", ids,
			"other_config", oc);
	if (!row || !ids || !oc ||
	    xhp_ovsdb_map_put(ids, "xen-vm-name",
			      p->vm_name ? p->vm_name : "") < 0 ||
	    xhp_ovsdb_map_put(ids, "xen-vm-uuid",
			      p->vm_uuid ? p->vm_uuid : "") < 0 ||
	    xhp_ovsdb_map_put(ids, "attached-mac", p->mac ? p->mac : "") < 0 ||
	    xhp_ovsdb_map_put(ids, "iface-id", p->iface_id) < 0 ||
	    xhp_ovsdb_map_put(ids, "iface-status", "active") < 0 ||
	    xhp_ovsdb_map_put(oc, "transient", "true") < 0) {
		json_decref(row);
		return NULL;
	}
	return row;
}

/* The one transaction of an add. Results: the new rows and next_cfg. */
static int add_txn(struct xhp_op *op, struct xhp_ovsdb *db,
		   const struct plan *p, char *bridge0, char *old0,
		   char **ret_port, char **ret_iface, int64_t *ret_next_cfg)
{
	xhp_ctx *ctx = op->ctx;
	char comment[128];
	int attempt, r = 0;

	snprintf(comment, sizeof(comment), "xhp-hotplug: vif-openvswitch %s %s",
		 xhp_request_action_to_string(op->req->action), p->dev);
	for (attempt = 0; attempt < OVS_TX_RETRIES; attempt++) {
		_cleanup_free_ char *bridge = TAKE_PTR(bridge0);
		_cleanup_free_ char *old = TAKE_PTR(old0);
		json_t *ops = json_array(), *res = NULL;
		size_t i_port, i_iface;

		/* The first attempt uses the caller's reading. */
		if (!bridge)
			r = read_state(ctx, db, p, &bridge, &old);
		if (r < 0) {
			json_decref(ops);
			return r;
		}
		r = -ENOMEM;
		if (!ops || json_array_append_new(
				    ops, json_pack("{ssss}", "op", "comment",
						   "comment", comment)) < 0)
			goto oom;
		if (json_array_append_new(
			    ops,
			    json_pack("{sssisssos[s]sss[{ss}]}", "op", "wait",
				      "timeout", 0, "table", "Bridge", "where",
				      xhp_ovsdb_where_eq(
					      "_uuid", xhp_ovsdb_uuid(bridge)),
				      "columns", "name", "until", "==", "rows",
				      "name", p->br.name)) < 0)
			goto oom;
		if (add_port_removal(ops, p->dev, old) < 0)
			goto oom;
		i_iface = json_array_size(ops);
		if (json_array_append_new(
			    ops,
			    json_pack("{sssssoss}", "op", "insert", "table",
				      "Interface", "row", iface_row(op, p),
				      "uuid-name", "xhp_iface")) < 0)
			goto oom;
		i_port = json_array_size(ops);
		if (json_array_append_new(
			    ops, json_pack("{sssssoss}", "op", "insert",
					   "table", "Port", "row", port_row(p),
					   "uuid-name", "xhp_port")) < 0)
			goto oom;
		if (json_array_append_new(
			    ops,
			    json_pack("{sssssos[[sso]]}", "op", "mutate",
				      "table", "Bridge", "where",
				      xhp_ovsdb_where_eq(
					      "_uuid", xhp_ovsdb_uuid(bridge)),
				      "mutations", "ports", "insert",
				      xhp_ovsdb_named_uuid("xhp_port"))) < 0)
			goto oom;
		if (xhp_ovsdb_add_cfg_bump(ops) < 0)
			goto oom;
		r = xhp_ovsdb_transact(ctx, db, ops, "add the port", &res);
		if (r == -EAGAIN) {
			xhp_debug(ctx, "OVSDB changed under us; again");
			continue;
		}
		if (r < 0)
			return r;
		r = -EBADMSG;
		{
			json_t *nc = json_array_get(
				json_object_get(
					json_array_get(
						res, json_array_size(res) - 1),
					"rows"),
				0);
			const char *pu = json_string_value(json_array_get(
				json_object_get(json_array_get(res, i_port),
						"uuid"),
				1));
			const char *iu = json_string_value(json_array_get(
				json_object_get(json_array_get(res, i_iface),
						"uuid"),
				1));
			json_t *ncv = json_object_get(nc, "next_cfg");

			if (pu && iu && json_is_integer(ncv)) {
				*ret_port = strdup(pu);
				*ret_iface = strdup(iu);
				*ret_next_cfg = json_integer_value(ncv);
				r = 0;
			}
		}
		json_decref(res);
		if (r < 0)
			return xhp_err(
				ctx, EBADMSG,
				"OVSDB: malformed result of the transaction");
		if (!*ret_port || !*ret_iface)
			return xhp_err(ctx, ENOMEM, "out of memory");
		return 0;
oom:
		json_decref(ops);
		return xhp_err(ctx, ENOMEM, "out of memory");
	}
	return xhp_err(
		ctx, EBUSY,
		"OVSDB kept changing under us: gave up adding %s after %d attempts",
		p->dev, OVS_TX_RETRIES);
}

/* ovs-vsctl's check: a new Interface without an ofport failed. */
static int check_iface(xhp_ctx *ctx, struct xhp_ovsdb *db, const struct plan *p,
		       const char *iface)
{
	json_t *ops, *res = NULL, *row, *ofport;
	const char *err;
	int r;

	ops = json_pack("[{sssssos[ss]}]", "op", "select", "table", "Interface",
			"where",
			xhp_ovsdb_where_eq("_uuid", xhp_ovsdb_uuid(iface)),
			"columns", "ofport", "error");
	r = xhp_ovsdb_transact(ctx, db, ops, "check the interface", &res);
	if (r < 0)
		return r == -EAGAIN ? -EPROTO : r;
	row = json_array_get(json_object_get(json_array_get(res, 0), "rows"),
			     0);
	ofport = json_object_get(row, "ofport");
	err = json_string_value(json_object_get(row, "error"));
	if (!row)
		r = xhp_err(
			ctx, EIO,
			"Error detected while setting up '%s': the Interface is gone",
			p->dev);
	else if (!json_is_integer(ofport) || json_integer_value(ofport) == -1)
		r = err ? xhp_err(ctx, EIO,
				  "Error detected while setting up '%s': %s.  See ovs-vswitchd log for details.",
				  p->dev, err) :
			  xhp_err(ctx, EIO,
				  "Error detected while setting up '%s'.  See ovs-vswitchd log for details.",
				  p->dev);
	else
		xhp_debug(ctx, "%s is OpenFlow port %lld", p->dev,
			  (long long)json_integer_value(ofport));
	json_decref(res);
	return r;
}

/*
 * Remove the port named @dev. With @only_uuid, only if it is still that
 * row (an undo must not remove a port someone else added since).
 * *ret_next_cfg: the bumped next_cfg, or -1 when there was no port.
 */
static int del_txn(xhp_ctx *ctx, struct xhp_ovsdb *db, const char *dev,
		   const char *action, const char *only_uuid,
		   int64_t *ret_next_cfg)
{
	char comment[128];
	int attempt, r;

	snprintf(comment, sizeof(comment), "xhp-hotplug: vif-openvswitch %s %s",
		 action, dev);
	*ret_next_cfg = -1;
	for (attempt = 0; attempt < OVS_TX_RETRIES; attempt++) {
		json_t *ops, *res = NULL;
		const char *port;
		char *copy;

		ops = json_pack("[{sssssos[s]}]", "op", "select", "table",
				"Port", "where",
				xhp_ovsdb_where_eq("name", json_string(dev)),
				"columns", "_uuid");
		r = xhp_ovsdb_transact(ctx, db, ops, "look up the port", &res);
		if (r < 0)
			return r == -EAGAIN ? -EPROTO : r;
		port = json_string_value(json_array_get(
			json_object_get(
				json_array_get(
					json_object_get(json_array_get(res, 0),
							"rows"),
					0),
				"_uuid"),
			1));
		copy = port ? strdup(port) : NULL;
		json_decref(res);
		if (!port)
			return 0;
		if (!copy)
			return xhp_err(ctx, ENOMEM, "out of memory");
		if (only_uuid && strcmp(copy, only_uuid)) {
			free(copy);
			return 0;
		}
		ops = json_pack("[{ssss}]", "op", "comment", "comment",
				comment);
		if (!ops || add_port_removal(ops, dev, copy) < 0 ||
		    xhp_ovsdb_add_cfg_bump(ops) < 0) {
			free(copy);
			json_decref(ops);
			return xhp_err(ctx, ENOMEM, "out of memory");
		}
		free(copy);
		res = NULL;
		r = xhp_ovsdb_transact(ctx, db, ops, "delete the port", &res);
		if (r == -EAGAIN)
			continue;
		if (r < 0)
			return r;
		*ret_next_cfg = xhp_ovsdb_result_next_cfg(res);
		json_decref(res);
		return 0;
	}
	return xhp_err(
		ctx, EBUSY,
		"OVSDB kept changing under us: gave up removing %s after %d attempts",
		dev, OVS_TX_RETRIES);
}

/* Undo of a failed add: remove our port again (the journal keeps the
 * add's error and logs this one's). */
static int undo_port(xhp_ctx *ctx, struct xhp_ovsdb *db, const struct plan *p,
		     const char *port)
{
	int64_t nc;
	int r;

	xhp_ovsdb_set_timeout(db, OVS_UNDO_MS);
	r = del_txn(ctx, db, p->dev, "undo", port, &nc);
	/* As ovs-vsctl del-port: until ovs-vswitchd let go of the link. */
	if (r >= 0 && nc >= 0)
		r = xhp_ovsdb_wait_cur_cfg(ctx, db, nc);
	return r;
}

/*
 * The add's transaction failed without a definite answer (the connection
 * broke, the answer never came): it may have been committed. On a fresh
 * connection, remove a port named after the device unless it is the one
 * that was there before (@old).
 */
static int undo_maybe_port(xhp_ctx *ctx, const struct plan *p, const char *old)
{
	_cleanup_free_ char *bridge = NULL, *now = NULL;
	struct xhp_ovsdb *db = NULL;
	int r;

	r = xhp_ovsdb_open(ctx, p->sock, &db);
	if (r >= 0) {
		xhp_ovsdb_set_timeout(db, OVS_UNDO_MS);
		r = read_state(ctx, db, p, &bridge, &now);
	}
	if (r < 0)
		xhp_err(ctx, r, "cannot check for port %s: %s", p->dev,
			ctx->err);
	else if (now && (!old || strcmp(now, old)))
		r = undo_port(ctx, db, p, now);
	xhp_ovsdb_close(db);
	return r;
}

/* The vif (read only): the link to rename, or renamed already. */
static int find_link(xhp_ctx *ctx, struct xhp_nl *nl, struct plan *p,
		     struct xhp_link *l)
{
	char q[XHP_QUOTE_MAX];
	int r;

	r = xhp_vifname_find(ctx, nl, &p->id, l, &p->rename);
	if (r == -ENODEV)
		return xhp_err(ctx, ENODEV, "device '%s' does not exist",
			       xhp_quote(q, p->dev));
	return r;
}

/* The link, renamed after vifname if asked (Xen's rename_vif), down,
 * with the dummy MAC if it takes it (as Xen) and no addresses. */
static int prepare_link(xhp_ctx *ctx, struct xhp_nl *nl, struct plan *p,
			struct xhp_link *l, struct xhp_link_change *lc)
{
	int r;

	r = find_link(ctx, nl, p, l);
	if (r < 0)
		return r;
	xhp_link_change_init(lc, ctx, nl, l, false);
	return xhp_link_change_prepare(lc, p->dev,
				       XHP_LINK_PREPARE_MAC_BEST_EFFORT |
					       XHP_LINK_PREPARE_ALWAYS_DOWN);
}

/* Read and check the settings of an add (@add) or a remove; caller frees
 * the plan with plan_free(). */
static int plan_make(struct xhp_op *op, bool add, struct plan **ret)
{
	struct plan *p = calloc(1, sizeof(*p));
	int r;

	if (!p)
		return xhp_err(op->ctx, ENOMEM, "out of memory");
	r = plan_dev(op, p);
	if (r >= 0 && add)
		r = plan_vlans(op, p);
	if (r >= 0)
		r = plan_db(op, p);
	if (r >= 0 && add)
		r = plan_ids(op, p);
	if (r < 0) {
		plan_free(p);
		return r;
	}
	*ret = p;
	return 0;
}

static void log_plan(struct xhp_op *op, const struct plan *p)
{
	unsigned int v, n = 0;
	char trunks[64] = "", q[XHP_QUOTE_MAX];

	for (v = XHP_VLAN_MIN; v <= XHP_VLAN_MAX && n < 8; v++)
		if (xhp_ovs_vlan_trunk_has(&p->vl, v))
			n += (unsigned int)snprintf(
				     trunks + strlen(trunks),
				     sizeof(trunks) - strlen(trunks), "%s%u",
				     n ? "," : "", v) > 0;
	xhp_info(op->ctx,
		 "%sport %s%s on bridge %s tag %u trunks [%s%s] via %s",
		 op->dry_run ? "dry run: would add " : "", p->dev,
		 p->rename ? " (renamed)" : "", p->br.name, p->vl.tag, trunks,
		 p->vl.n_trunks > n ? ",..." : "", xhp_quote(q, p->sock));
}

/*
 * The rest of a dry run's add, once OVSDB has answered for the bridge
 * and the port (read_state, a select only): the link as the add would
 * find it, then what it would do. No transaction that writes, no change
 * to the link.
 */
static int dry_run_add(struct xhp_op *op, struct xhp_nl *nl, struct plan *p,
		       const char *old)
{
	struct xhp_link l = { 0 };
	int r;

	r = find_link(op->ctx, nl, p, &l);
	if (r < 0)
		return r;
	log_plan(op, p);
	if (old)
		xhp_dry(op->ctx, true, "replace the existing port %s (%s)",
			p->dev, old);
	return 0;
}

/* An add's state: op->priv, kept until the journal is done with it. */
struct ovs_run {
	struct plan *p;
	struct xhp_nl *nl;
	struct xhp_ovsdb *db;
	struct xhp_link l;
	struct xhp_link_change lc;
	char *port; /* the port's uuid, once added */
	char *was; /* the port of that name before the add, if any */
};

static void ovs_run_free(void *priv)
{
	struct ovs_run *o = priv;

	if (!o)
		return;
	xhp_link_change_clear(&o->lc);
	xhp_nl_close(o->nl);
	xhp_ovsdb_close(o->db);
	plan_free(o->p);
	free(o->port);
	free(o->was);
	free(o);
}

static int undo_link_fn(xhp_ctx *ctx, void *data)
{
	struct ovs_run *o = data;

	xhp_link_change_undo(&o->lc);
	return 0;
}

static int undo_port_fn(xhp_ctx *ctx, void *data)
{
	struct ovs_run *o = data;

	return undo_port(ctx, o->db, o->p, o->port);
}

static int undo_maybe_port_fn(xhp_ctx *ctx, void *data)
{
	struct ovs_run *o = data;

	return undo_maybe_port(ctx, o->p, o->was);
}

static const struct xhp_undo_type undo_link = {
	.name = "put the vif's link back",
	.undo = undo_link_fn,
};
static const struct xhp_undo_type undo_port_type = {
	.name = "remove the port the add made",
	.undo = undo_port_fn,
};
static const struct xhp_undo_type undo_maybe_port_type = {
	.name = "remove the port the add may have made",
	.undo = undo_maybe_port_fn,
};

/*
 * The port's transaction. A definite refusal (an OVSDB error reply,
 * -EPROTO, or every attempt's wait failing, -EBUSY) did nothing; any
 * other failure (no answer, an unreadable one, no memory for it) may
 * follow a commit: the undo looks on a fresh connection.
 */
static int add_port(struct xhp_op *op, struct ovs_run *o, char *bridge,
		    char *old, int64_t *next_cfg)
{
	_cleanup_free_ char *iface = NULL;
	int r;

	o->was = old ? strdup(old) : NULL;
	if (old && !o->was) {
		free(bridge);
		free(old);
		return xhp_err(op->ctx, ENOMEM, "out of memory");
	}
	r = xhp_journal_reserve(&op->journal);
	if (r < 0) {
		free(bridge);
		free(old);
		return r;
	}
	r = add_txn(op, o->db, o->p, bridge, old, &o->port, &iface, next_cfg);
	if (r >= 0)
		xhp_journal_push(&op->journal, &undo_port_type, o);
	else if (r != -EPROTO && r != -EBUSY)
		xhp_journal_push(&op->journal, &undo_maybe_port_type, o);
	if (r < 0)
		return r;
	xhp_ovsdb_set_timeout(o->db, o->p->wait_s * 1000);
	r = xhp_ovsdb_wait_cur_cfg(op->ctx, o->db, *next_cfg);
	if (r >= 0)
		r = check_iface(op->ctx, o->db, o->p, iface);
	return r;
}

/* Every change is recorded in the run's journal: the engine undoes them
 * when a step or the report fails. */
static int ovs_add(struct xhp_op *op)
{
	xhp_ctx *ctx = op->ctx;
	char *bridge = NULL, *old = NULL;
	struct ovs_run *o;
	int64_t next_cfg = 0;
	int r;

	o = calloc(1, sizeof(*o));
	if (!o)
		return xhp_err(ctx, ENOMEM, "out of memory");
	op->priv = o;
	r = plan_make(op, true, &o->p);
	if (r < 0)
		return r;
	if (!op->dry_run)
		log_plan(op, o->p);
	/* Connect first: a missing OVSDB leaves the link untouched. */
	r = xhp_ovsdb_open(ctx, o->p->sock, &o->db);
	if (r < 0)
		return r;
	xhp_ovsdb_set_timeout(o->db, o->p->wait_s * 1000);
	r = xhp_nl_open(ctx, &o->nl);
	if (r < 0)
		return r;
	/* A missing bridge, too: check before touching the link. */
	r = read_state(ctx, o->db, o->p, &bridge, &old);
	if (r >= 0 && op->dry_run)
		r = dry_run_add(op, o->nl, o->p, old);
	if (r < 0 || op->dry_run) {
		free(bridge);
		free(old);
		return r;
	}
	r = xhp_journal_record(&op->journal, &undo_link, o);
	if (r >= 0)
		r = prepare_link(ctx, o->nl, o->p, &o->l, &o->lc);
	if (r < 0) {
		free(bridge);
		free(old);
		return r;
	}
	r = add_port(op, o, bridge, old, &next_cfg);
	if (r >= 0)
		r = xhp_link_change_up(&o->lc);
	return r;
}

/*
 * Which port a remove takes away: the one named after this backend's
 * link (*ret_link, found = true); with no link under either name, the
 * port of the vifname as Xen's script does (netback deleted the vif and
 * left the port behind). Returns 1 when a link of the vifname is not
 * this backend's: nothing is ours to remove.
 */
static int remove_target(xhp_ctx *ctx, struct xhp_nl *nl, const struct plan *p,
			 struct xhp_link *ret_link, bool *ret_found)
{
	int r = xhp_vifname_lookup(ctx, nl, &p->id, ret_link);

	*ret_found = r == 0;
	if (r == -ENODEV) {
		xhp_debug(ctx, "link %s is gone already", p->dev);
		return 0;
	}
	if (r == -EEXIST) {
		xhp_info(ctx, "nothing of ours to remove: %s", ctx->err);
		xhp_clear_error(ctx);
		return 1;
	}
	return r;
}

/* Xen: `ovs-vsctl -- --if-exists del-port` and `ip link set down`, both
 * without error. A missing OVSDB is reported but not fatal, as there. */
static void remove_port(xhp_ctx *ctx, struct xhp_op *op, const struct plan *p,
			const char *port)
{
	struct xhp_ovsdb *db = NULL;
	int64_t next_cfg;

	if (xhp_ovsdb_open(ctx, p->sock, &db) < 0) {
		xhp_log(ctx, LOG_WARNING, "cannot remove port %s: %s", port,
			ctx->err);
	} else if (del_txn(ctx, db, port,
			   xhp_request_action_to_string(op->req->action), NULL,
			   &next_cfg) < 0) {
		xhp_log(ctx, LOG_WARNING, "cannot remove port %s: %s", port,
			ctx->err);
	} else if (next_cfg >= 0) {
		xhp_ovsdb_set_timeout(db, p->wait_s * 1000);
		if (xhp_ovsdb_wait_cur_cfg(ctx, db, next_cfg) < 0)
			xhp_log(ctx, LOG_WARNING,
				"port %s removed from OVSDB but %s", port,
				ctx->err);
	}
	xhp_ovsdb_close(db);
	xhp_clear_error(ctx);
}

static int ovs_remove(struct xhp_op *op)
{
	xhp_ctx *ctx = op->ctx;
	struct plan *p;
	struct xhp_nl *nl = NULL;
	struct xhp_link l;
	char q[XHP_QUOTE_MAX];
	bool found;
	int r;

	r = plan_make(op, false, &p);
	if (r < 0)
		return r;
	if (op->dry_run) {
		xhp_dry(ctx, true, "remove port %s via %s", p->dev,
			xhp_quote(q, p->sock));
		goto free_plan;
	}
	/* Whose the link is decides which port goes, if any. */
	r = xhp_nl_open(ctx, &nl);
	if (r < 0)
		goto free_plan;
	r = remove_target(ctx, nl, p, &l, &found);
	if (r != 0) {
		r = r > 0 ? 0 : r;
		goto close_nl;
	}
	remove_port(ctx, op, p, found ? l.name : p->dev);
	if (found)
		r = xhp_link_set_up(ctx, nl, &l, false);
	if (r < 0) {
		/* Gone meanwhile, as netback removes it: fine. */
		xhp_debug(ctx, "link %s: %s", l.name, strerror(-r));
		xhp_clear_error(ctx);
		r = 0;
	}
close_nl:
	xhp_nl_close(nl);
free_plan:
	plan_free(p);
	return r;
}

static const char *const vif_openvswitch_settings[] = {
	"bridge",	 "iface_id", "mac",  "ovsdb_socket",
	"ovsdb_timeout", "vifname",  "vlan", NULL,
};
static const char *const vif_openvswitch_remove_settings[] = {
	"ovsdb_socket",
	"ovsdb_timeout",
	"vifname",
	NULL,
};

const struct xhp_personality xhp_personality_vif_openvswitch = {
	.name = "vif-openvswitch",
	.settings = vif_openvswitch_settings,
	.remove_settings = vif_openvswitch_remove_settings,
	.kinds = (1u << XHP_KIND_VIF) | (1u << XHP_KIND_TAP),
	.add = ovs_add,
	.remove = ovs_remove,
	.release = ovs_run_free,
};
