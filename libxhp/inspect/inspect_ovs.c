// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The host side of a vif-openvswitch vif: its link, and its Port in
 * OVSDB, read by ONE transaction of three selects by name (the Port and
 * the Interface of the link's name, the bridge key's Bridge): the Port
 * must be one of the Bridge's ports, with the tag and trunks the bridge
 * and vlan keys give (as vif-openvswitch computes them) and the
 * Interface's external-ids:attached-mac the mac key. An OVSDB that cannot
 * be reached is an "unchecked" drift.
 */
#include <stdio.h>
#include <string.h>

#include "inspect-internal.h"
#include "keys.h"
#include "ovsdb.h"
#include "util.h"

#define OVS_INSPECT_TIMEOUT_MS 5000

/* What vif-openvswitch gives the Port. */
struct want {
	struct xhp_bridge_spec br;
	unsigned int tag;
	char trunks[512]; /* "10,20", ascending */
};

static void trunks_str(const uint8_t *set, char *buf, size_t size)
{
	size_t o = 0;
	unsigned int v;

	buf[0] = '\0';
	for (v = XHP_VLAN_MIN; v <= XHP_VLAN_MAX && o + 8 < size; v++)
		if (set[v / 8] & (1u << (v % 8)))
			o += (size_t)snprintf(buf + o, size - o, "%s%u",
					      o ? "," : "", v);
}

/* The bridge and vlan keys as vif-openvswitch reads them; 1: bad keys
 * (an unchecked drift was added). */
static int want_of(struct xhp_insp *in, struct want *w)
{
	const char *bridge = xhp_insp_xs(in, "bridge");
	const char *vlan = xhp_insp_xs(in, "vlan"), *why;
	static uint8_t set[(XHP_VLAN_MAX + 8) / 8];
	struct xhp_vlan_spec *vs;
	unsigned int i, v;
	int r = 0;

	memset(set, 0, sizeof(set));
	if (!bridge || xhp_parse_bridge_spec(bridge, &w->br, &why) < 0) {
		r = xhp_insp_drift(in, XHP_DRIFT_UNCHECKED,
				   "the Open vSwitch port is not checked: %s",
				   bridge ? "bad bridge key" : "no bridge key");
		return r < 0 ? r : 1;
	}
	w->tag = w->br.tag;
	for (i = 0; i < w->br.n_trunks; i++)
		set[w->br.trunks[i] / 8] |=
			(uint8_t)(1u << (w->br.trunks[i] % 8));
	if (vlan) {
		vs = malloc(sizeof(*vs));
		if (!vs)
			return xhp_err(in->ctx, ENOMEM, "out of memory");
		if (xhp_parse_vlan_spec(vlan, vs, &why) == 0) {
			w->tag = vs->pvid;
			for (i = 0; i < vs->n_ranges; i++)
				for (v = vs->ranges[i].first;
				     v <= vs->ranges[i].last;
				     v += vs->ranges[i].step)
					if (v != vs->pvid)
						set[v / 8] |=
							(uint8_t)(1u
								  << (v % 8));
		}
		free(vs);
	}
	trunks_str(set, w->trunks, sizeof(w->trunks));
	return 0;
}

static json_t *select_by(const char *table, const char *column,
			 const char *value, json_t *columns)
{
	return json_pack("{sssss[[sss]]so}", "op", "select", "table", table,
			 "where", column, "==", value, "columns", columns);
}

static const json_t *row0(json_t *res, size_t i)
{
	return json_array_get(json_object_get(json_array_get(res, i), "rows"),
			      0);
}

/* An OVSDB atom or ["set", [...]] of integers as "a,b", sorted. */
static void int_set_str(const json_t *v, char *buf, size_t size)
{
	static uint8_t set[(XHP_VLAN_MAX + 8) / 8];
	const json_t *a = v;
	size_t i;

	memset(set, 0, sizeof(set));
	if (json_is_array(v) && json_is_string(json_array_get(v, 0)) &&
	    !strcmp(json_string_value(json_array_get(v, 0)), "set"))
		a = json_array_get(v, 1);
	if (json_is_integer(a)) {
		json_int_t x = json_integer_value(a);

		if (x >= XHP_VLAN_MIN && x <= XHP_VLAN_MAX)
			set[x / 8] |= (uint8_t)(1u << (x % 8));
	}
	for (i = 0; json_is_array(a) && i < json_array_size(a); i++) {
		json_int_t x = json_integer_value(json_array_get(a, i));

		if (x >= XHP_VLAN_MIN && x <= XHP_VLAN_MAX)
			set[x / 8] |= (uint8_t)(1u << (x % 8));
	}
	trunks_str(set, buf, size);
}

/* ["map", [[k, v]...]] as "k=v,k=v" (OVSDB sends maps sorted by key);
 * the value of @key into *ret_key_value. */
static void map_str(const json_t *m, char *buf, size_t size, const char *key,
		    const char **ret_key_value)
{
	const json_t *pairs = json_array_get(m, 1);
	size_t i, o = 0;

	buf[0] = '\0';
	*ret_key_value = NULL;
	for (i = 0; json_is_array(pairs) && i < json_array_size(pairs); i++) {
		const char *k = json_string_value(
			json_array_get(json_array_get(pairs, i), 0));
		const char *v = json_string_value(
			json_array_get(json_array_get(pairs, i), 1));

		if (!k || !v)
			continue;
		if (!strcmp(k, key))
			*ret_key_value = v;
		if (o + strlen(k) + strlen(v) + 3 < size)
			o += (size_t)snprintf(buf + o, size - o, "%s%s=%s",
					      o ? "," : "", k, v);
	}
}

static bool set_has_uuid(const json_t *ports, const char *uuid)
{
	const json_t *a = ports;
	size_t i;

	if (!strcmp(json_string_value(json_array_get(ports, 0)) ?: "", "set"))
		a = json_array_get(ports, 1);
	else
		return !strcmp(json_string_value(json_array_get(ports, 1)) ?:
									     "",
			       uuid);
	for (i = 0; i < json_array_size(a); i++)
		if (!strcmp(json_string_value(json_array_get(json_array_get(a, i), 1)) ?:
				    "",
			    uuid))
			return true;
	return false;
}

/* A host fact's key: the tap's are "tap-<key>". */
static const char *fact(const struct xhp_insp *in, const char *key,
			char buf[32])
{
	snprintf(buf, 32, "%s%s", in->tap ? "tap-" : "", key);
	return buf;
}

/* The bridge key's Bridge is not in OVSDB (deleted, a wiped database):
 * bridge-missing, as for a Linux bridge; the port is then missing too. */
static int bridge_missing(struct xhp_insp *in, const struct want *w,
			  const char *dev, const json_t *bridge)
{
	if (bridge)
		return 0;
	return xhp_insp_drift(in, XHP_DRIFT_BRIDGE_MISSING,
			      "Open vSwitch bridge %s of %s does not exist",
			      w->br.name, dev);
}

static int compare(struct xhp_insp *in, const struct want *w, const char *dev,
		   json_t *res)
{
	const json_t *port = row0(res, 0), *iface = row0(res, 1);
	const json_t *bridge = row0(res, 2);
	const char *uuid, *mac = xhp_insp_xs(in, "mac"), *have_mac;
	char trunks[512], ids[1024], kb[32];
	json_int_t tag;
	int r;

	r = bridge_missing(in, w, dev, bridge);
	if (r < 0)
		return r;
	if (!port)
		return xhp_insp_drift(in, XHP_DRIFT_OVS_PORT_MISSING,
				      "Open vSwitch has no port %s (bridge %s)",
				      dev, w->br.name);
	uuid = json_string_value(
		json_array_get(json_object_get(port, "_uuid"), 1));
	tag = json_integer_value(json_object_get(port, "tag"));
	int_set_str(json_object_get(port, "trunks"), trunks, sizeof(trunks));
	r = xhp_insp_host(in, fact(in, "ovs-tag", kb), "%lld", (long long)tag);
	if (r >= 0)
		r = xhp_insp_host(in, fact(in, "ovs-trunks", kb), "%s", trunks);
	map_str(json_object_get(iface, "external_ids"), ids, sizeof(ids),
		"attached-mac", &have_mac);
	if (r >= 0 && iface)
		r = xhp_insp_host(in, fact(in, "ovs-external-ids", kb), "%s",
				  ids);
	if (r < 0 || !bridge)
		return r;
	if (!uuid || !set_has_uuid(json_object_get(bridge, "ports"), uuid))
		return xhp_insp_drift(
			in, XHP_DRIFT_OVS_PORT_DIFFERENT,
			"Open vSwitch port %s is not on bridge %s", dev,
			w->br.name);
	r = xhp_insp_host(in, fact(in, "ovs-bridge", kb), "%s", w->br.name);
	if (r >= 0 && (unsigned int)tag != w->tag)
		r = xhp_insp_drift(in, XHP_DRIFT_OVS_PORT_DIFFERENT,
				   "Open vSwitch port %s has tag %lld, not %u",
				   dev, (long long)tag, w->tag);
	if (r >= 0 && strcmp(trunks, w->trunks))
		r = xhp_insp_drift(
			in, XHP_DRIFT_OVS_PORT_DIFFERENT,
			"Open vSwitch port %s has trunks '%s', not '%s'", dev,
			trunks, w->trunks);
	if (r >= 0 && mac && (!have_mac || strcasecmp(have_mac, mac)))
		r = xhp_insp_drift(
			in, XHP_DRIFT_OVS_PORT_DIFFERENT,
			"Open vSwitch interface %s has attached-mac '%s', not %s",
			dev, have_mac ? have_mac : "", mac);
	return r;
}

int xhp_inspect_ovs_reply(struct xhp_insp *in, const char *dev, json_t *res)
{
	struct want w = { 0 };
	int r;

	r = want_of(in, &w);
	if (r != 0)
		return r < 0 ? r : 0;
	return compare(in, &w, dev, res);
}

static int unchecked(struct xhp_insp *in, const char *dev)
{
	int r = xhp_insp_drift(in, XHP_DRIFT_UNCHECKED,
			       "the Open vSwitch port %s is not checked: %s",
			       dev, in->ctx->err);

	xhp_clear_error(in->ctx);
	return r;
}

int xhp_inspect_vif_openvswitch(struct xhp_insp *in)
{
	struct xhp_link l;
	int r;

	r = xhp_insp_vif_link_up(in, &l);
	if (r <= 0)
		return r;
	return xhp_inspect_ovs_port(in, l.name);
}

int xhp_inspect_ovs_port(struct xhp_insp *in, const char *dev)
{
	struct xhp_ovsdb *db = NULL;
	json_t *ops, *res = NULL;
	struct want w = { 0 };
	char sock[108];
	int r;

	r = want_of(in, &w);
	if (r != 0)
		return r < 0 ? r : 0;
	if (xhp_ovsdb_socket_path(in->ctx, xhp_insp_xs(in, "ovsdb_socket"),
				  sock, sizeof(sock)) < 0 ||
	    xhp_ovsdb_open(in->ctx, sock, &db) < 0)
		return unchecked(in, dev);
	xhp_ovsdb_set_timeout(db, OVS_INSPECT_TIMEOUT_MS);
	ops = json_pack("[ooo]",
			select_by("Port", "name", dev,
				  json_pack("[ssss]", "_uuid", "tag", "trunks",
					    "name")),
			select_by("Interface", "name", dev,
				  json_pack("[s]", "external_ids")),
			select_by("Bridge", "name", w.br.name,
				  json_pack("[s]", "ports")));
	if (!ops) {
		xhp_ovsdb_close(db);
		return xhp_err(in->ctx, ENOMEM, "out of memory");
	}
	r = xhp_ovsdb_transact(in->ctx, db, ops, "inspect the port", &res);
	xhp_ovsdb_close(db);
	if (r < 0)
		return unchecked(in, dev);
	r = compare(in, &w, dev, res);
	json_decref(res);
	return r;
}
