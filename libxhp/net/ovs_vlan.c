// SPDX-License-Identifier: LGPL-2.1-or-later
/* The VLANs of an Open vSwitch Port (ovs_vlan.h). */
#include <stdlib.h>
#include <string.h>

#include "ovs_vlan.h"
#include "util.h"

#define OVS_VLAN_RETRIES 8

void xhp_ovs_vlan_trunk_add(struct xhp_ovs_vlan *v, unsigned int vid)
{
	if (!xhp_ovs_vlan_trunk_has(v, vid)) {
		v->trunks[vid / 8] |= (uint8_t)(1u << (vid % 8));
		v->n_trunks++;
	}
}

bool xhp_ovs_vlan_trunk_has(const struct xhp_ovs_vlan *v, unsigned int vid)
{
	return v->trunks[vid / 8] & (1u << (vid % 8));
}

int xhp_ovs_vlan_add_spec(xhp_ctx *ctx, struct xhp_ovs_vlan *v,
			  const char *text)
{
	_cleanup_free_ struct xhp_vlan_spec *vs = malloc(sizeof(*vs));
	char q[XHP_QUOTE_MAX];
	const char *why;
	unsigned int i, vid;

	if (!vs)
		return xhp_err(ctx, ENOMEM, "out of memory");
	if (xhp_parse_vlan_spec(text, vs, &why) < 0)
		return xhp_err(ctx, EINVAL, "bad vlan '%s': %s",
			       xhp_quote(q, text), why);
	if (v->tag && v->tag != vs->pvid)
		return xhp_err(ctx, EINVAL,
			       "bridge tag %u and vlan PVID %u disagree",
			       v->tag, vs->pvid);
	for (i = 0; i < vs->n_ranges; i++) {
		const struct xhp_vlan_range *rg = &vs->ranges[i];

		for (vid = rg->first; vid <= rg->last; vid += rg->step)
			if (vid != vs->pvid && rg->untagged)
				return xhp_err(
					ctx, EINVAL,
					"bad vlan '%s': Open vSwitch sends only the PVID untagged, not VLAN %u",
					xhp_quote(q, text), vid);
	}
	v->tag = vs->pvid;
	for (i = 0; i < vs->n_ranges; i++) {
		const struct xhp_vlan_range *rg = &vs->ranges[i];

		for (vid = rg->first; vid <= rg->last; vid += rg->step)
			if (vid != vs->pvid)
				xhp_ovs_vlan_trunk_add(v, vid);
	}
	/* The PVID untagged, the other VLANs tagged. */
	if (v->n_trunks)
		v->vlan_mode = "native-untagged";
	return 0;
}

static json_t *empty_set(void)
{
	return xhp_ovsdb_set(json_array());
}

int xhp_ovs_vlan_put(json_t *row, const struct xhp_ovs_vlan *v, bool all)
{
	json_t *trunks;
	unsigned int vid;

	if (v->tag || all) {
		if (json_object_set_new(row, "tag",
					v->tag ? json_integer(v->tag) :
						 empty_set()) < 0)
			return -ENOMEM;
	}
	if (v->vlan_mode || all) {
		if (json_object_set_new(row, "vlan_mode",
					v->vlan_mode ?
						json_string(v->vlan_mode) :
						empty_set()) < 0)
			return -ENOMEM;
	}
	if (!v->n_trunks && !all)
		return 0;
	trunks = json_array();
	for (vid = XHP_VLAN_MIN; trunks && vid <= XHP_VLAN_MAX; vid++)
		if (xhp_ovs_vlan_trunk_has(v, vid) &&
		    json_array_append_new(trunks, json_integer(vid)) < 0) {
			json_decref(trunks);
			return -ENOMEM;
		}
	if (!trunks ||
	    json_object_set_new(row, "trunks", xhp_ovsdb_set(trunks)) < 0)
		return -ENOMEM;
	return 0;
}

void xhp_ovs_port_vlan_clear(struct xhp_ovs_port_vlan *pv)
{
	free(pv->uuid);
	json_decref(pv->old);
	json_decref(pv->now);
	*pv = (struct xhp_ovs_port_vlan){ 0 };
}

static const char *const vlan_columns[] = { "tag", "trunks", "vlan_mode" };

/* The Port named @name: its uuid and VLAN columns into @pv (old). */
static int read_port(xhp_ctx *ctx, struct xhp_ovsdb *db, const char *name,
		     struct xhp_ovs_port_vlan *pv)
{
	json_t *ops, *res = NULL, *row;
	const char *uuid;
	size_t i;
	int r;

	ops = json_pack("[{sssssos[ssss]}]", "op", "select", "table", "Port",
			"where", xhp_ovsdb_where_eq("name", json_string(name)),
			"columns", "_uuid", "tag", "trunks", "vlan_mode");
	r = xhp_ovsdb_transact(ctx, db, ops, "look up the port", &res);
	if (r < 0)
		return r == -EAGAIN ?
			       xhp_err(ctx, EPROTO,
				       "OVSDB: unexpected wait failure") :
			       r;
	row = json_array_get(json_object_get(json_array_get(res, 0), "rows"),
			     0);
	if (!row) {
		json_decref(res);
		return -ENODEV;
	}
	uuid = json_string_value(
		json_array_get(json_object_get(row, "_uuid"), 1));
	pv->uuid = uuid ? strdup(uuid) : NULL;
	pv->old = json_object();
	r = pv->uuid && pv->old ? 0 : -ENOMEM;
	for (i = 0; r == 0 && i < ARRAY_SIZE(vlan_columns); i++) {
		json_t *c = json_object_get(row, vlan_columns[i]);

		if (!c)
			r = -EBADMSG;
		else if (json_object_set(pv->old, vlan_columns[i], c) < 0)
			r = -ENOMEM;
	}
	json_decref(res);
	if (!uuid || r == -EBADMSG)
		return xhp_err(ctx, EBADMSG,
			       "OVSDB: malformed answer about port %s", name);
	return r < 0 ? xhp_err(ctx, ENOMEM, "out of memory") : 0;
}

/*
 * The transaction that changes the row @uuid's VLAN columns from @from
 * to @to, checked by a wait, with a next_cfg bump. NULL: no memory.
 */
static json_t *change_ops(const char *comment, const char *uuid, json_t *from,
			  json_t *to)
{
	json_t *ops =
		json_pack("[{ssss}]", "op", "comment", "comment", comment);

	if (!ops ||
	    json_array_append_new(
		    ops,
		    json_pack("{sssisssos[sss]sss[O]}", "op", "wait", "timeout",
			      0, "table", "Port", "where",
			      xhp_ovsdb_where_eq("_uuid", xhp_ovsdb_uuid(uuid)),
			      "columns", "tag", "trunks", "vlan_mode", "until",
			      "==", "rows", from)) < 0 ||
	    json_array_append_new(
		    ops,
		    json_pack("{sssssosO}", "op", "update", "table", "Port",
			      "where",
			      xhp_ovsdb_where_eq("_uuid", xhp_ovsdb_uuid(uuid)),
			      "row", to)) < 0 ||
	    xhp_ovsdb_add_cfg_bump(ops) < 0) {
		json_decref(ops);
		return NULL;
	}
	return ops;
}

/* Run @ops (stolen); *ret_next_cfg from its result. */
static int run_change(xhp_ctx *ctx, struct xhp_ovsdb *db, json_t *ops,
		      const char *what, int64_t *ret_next_cfg)
{
	json_t *res = NULL;
	int r;

	r = xhp_ovsdb_transact(ctx, db, ops, what, &res);
	if (r < 0)
		return r;
	*ret_next_cfg = xhp_ovsdb_result_next_cfg(res);
	json_decref(res);
	if (*ret_next_cfg < 0)
		return xhp_err(ctx, EBADMSG,
			       "OVSDB: malformed result of the transaction");
	return 0;
}

int xhp_ovs_port_set_vlan(xhp_ctx *ctx, struct xhp_ovsdb *db, const char *name,
			  const struct xhp_ovs_vlan *v, const char *comment,
			  bool dry, struct xhp_ovs_port_vlan *pv,
			  int64_t *ret_next_cfg)
{
	int attempt, r;

	for (attempt = 0; attempt < OVS_VLAN_RETRIES; attempt++) {
		json_t *ops;

		xhp_ovs_port_vlan_clear(pv);
		r = read_port(ctx, db, name, pv);
		if (r < 0 || dry)
			return r;
		pv->now = json_object();
		if (!pv->now || xhp_ovs_vlan_put(pv->now, v, true) < 0)
			return xhp_err(ctx, ENOMEM, "out of memory");
		ops = change_ops(comment, pv->uuid, pv->old, pv->now);
		if (!ops)
			return xhp_err(ctx, ENOMEM, "out of memory");
		r = run_change(ctx, db, ops, "set the VLANs of the port",
			       ret_next_cfg);
		if (r != -EAGAIN)
			return r;
		xhp_debug(ctx, "port %s changed under us; again", name);
	}
	xhp_ovs_port_vlan_clear(pv);
	return xhp_err(
		ctx, EBUSY,
		"OVSDB kept changing under us: gave up setting the VLANs of %s after %d attempts",
		name, OVS_VLAN_RETRIES);
}

int xhp_ovs_port_vlan_restore(xhp_ctx *ctx, struct xhp_ovsdb *db,
			      const struct xhp_ovs_port_vlan *pv,
			      const char *comment, int64_t *ret_next_cfg)
{
	json_t *ops;
	int r;

	*ret_next_cfg = -1;
	ops = change_ops(comment, pv->uuid, pv->now, pv->old);
	if (!ops)
		return xhp_err(ctx, ENOMEM, "out of memory");
	r = run_change(ctx, db, ops, "put the VLANs of the port back",
		       ret_next_cfg);
	if (r == -EAGAIN) {
		/* Deleted (libvirt's stop) or changed since: not ours. */
		xhp_debug(ctx, "port %s changed since: VLANs left alone",
			  pv->uuid);
		*ret_next_cfg = -1;
		return 0;
	}
	return r;
}
