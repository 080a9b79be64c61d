// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The host side of a vif: its link (vifname.h's identity), and what
 * vif-bridge and vif-route plumb on it (Open vSwitch: inspect_ovs.c).
 * Lookups by name and index only; vif-route's address check is one dump
 * filtered by the kernel to the vif's index, each route one fib lookup.
 */
#include <arpa/inet.h>
#include <string.h>

#include "inspect-internal.h"
#include "keys.h"
#include "route_nl.h"
#include "util.h"
#include "vifname.h"

int xhp_insp_vif_link(struct xhp_insp *in, struct xhp_link *ret)
{
	struct xhp_inspection *ins = in->ins;
	struct xhp_link *master = &in->master;
	struct xhp_vifname id;
	int r;

	r = xhp_vifname_init(in->ctx, in->req, xhp_insp_xs(in, "vifname"), &id);
	if (r < 0)
		return r;
	if (!in->nl) {
		r = xhp_nl_open(in->ctx, &in->nl);
		if (r < 0)
			return r;
	}
	r = xhp_vifname_lookup(in->ctx, in->nl, &id, ret);
	if (r == -ENODEV || r == -EEXIST) {
		if (ins->connected)
			r = xhp_insp_drift(
				in, XHP_DRIFT_LINK_MISSING, "%s: %s", id.want,
				r == -EEXIST ?
					in->ctx->err :
					"no such link (netback's vif is gone)");
		xhp_clear_error(in->ctx);
		return r < 0 ? r : -ENODEV;
	}
	if (r < 0)
		return r;
	r = xhp_insp_host(in, "link", "%s", ret->name);
	if (r >= 0 && ret->alias[0])
		r = xhp_insp_host(in, "alias", "%s", ret->alias);
	if (r >= 0)
		r = xhp_insp_host(in, "kind", "%s", ret->kind);
	if (r >= 0)
		r = xhp_insp_host(in, "up", "%d", !!(ret->flags & IFF_UP));
	if (r >= 0)
		r = xhp_insp_host(in, "mtu", "%u", ret->mtu);
	if (r < 0 || !ret->master)
		return r;
	r = xhp_nl_link_get(in->ctx, in->nl, NULL, ret->master, master);
	if (r == -ENODEV) {
		master->ifindex = 0;
		return 0; /* released meanwhile */
	}
	if (r < 0)
		return r;
	return xhp_insp_host(in, "master", "%s", master->name);
}

static int check_up(struct xhp_insp *in, const struct xhp_link *l)
{
	if (l->flags & IFF_UP)
		return 0;
	return xhp_insp_drift(in, XHP_DRIFT_LINK_DOWN, "%s is down", l->name);
}

int xhp_insp_vif_link_up(struct xhp_insp *in, struct xhp_link *ret)
{
	int r = xhp_insp_vif_link(in, ret);

	if (r == -ENODEV || (r >= 0 && !in->ins->connected))
		return 0;
	if (r < 0)
		return r;
	r = check_up(in, ret);
	return r < 0 ? r : 1;
}

/* Which bridge the vif should be on; 0 or -ENODEV (a drift said so). */
static int bridge_of(struct xhp_insp *in, const struct xhp_link *l,
		     const char *want, struct xhp_link *br)
{
	int r;

	/* Its master is the one it should have: no second lookup. */
	if (in->master.ifindex && (!want || !strcmp(in->master.name, want))) {
		*br = in->master;
		return 0;
	}
	if (want) {
		r = xhp_nl_link_get(in->ctx, in->nl, want, 0, br);
		if (r == -ENODEV) {
			r = xhp_insp_drift(in, XHP_DRIFT_BRIDGE_MISSING,
					   "bridge %s of %s does not exist",
					   want, l->name);
			return r < 0 ? r : -ENODEV;
		}
		return r;
	}
	/* No bridge key and no master: Xen would pick the first one. */
	(void)l;
	return -ENODEV;
}

static int check_bridge(struct xhp_insp *in, const struct xhp_link *lp)
{
	const char *want = xhp_insp_xs(in, "bridge"), *mtu_s, *why;
	struct xhp_link l = *lp, br;
	unsigned int mtu;
	int r;

	r = bridge_of(in, &l, want, &br);
	if (r == -ENODEV && !want && !l.master)
		return xhp_insp_drift(
			in, XHP_DRIFT_NOT_ON_BRIDGE,
			"%s is not on a bridge (it has no master)", l.name);
	if (r == -ENODEV)
		return 0;
	if (r < 0)
		return r;
	if (!l.master)
		r = xhp_insp_drift(in, XHP_DRIFT_NOT_ON_BRIDGE,
				   "%s is not on bridge %s (it has no master)",
				   l.name, br.name);
	else if (l.master != br.ifindex)
		r = xhp_insp_drift(
			in, XHP_DRIFT_WRONG_BRIDGE,
			"%s is on %s, not on bridge %s", l.name,
			xhp_inspection_value(in->ins, XHP_INSPECT_HOST, "master") ?:
				"another link",
			br.name);
	if (r < 0)
		return r;
	mtu_s = xhp_insp_xs(in, "mtu");
	mtu = br.mtu;
	if (mtu_s && xhp_parse_mtu(mtu_s, &mtu, &why) < 0)
		return xhp_insp_drift(
			in, XHP_DRIFT_UNCHECKED,
			"the MTU of %s is not checked: bad mtu key: %s", l.name,
			why);
	if (l.mtu != mtu)
		return xhp_insp_drift(in, XHP_DRIFT_MTU,
				      "%s has MTU %u, not %u (%s)", l.name,
				      l.mtu, mtu,
				      mtu_s ? "the mtu key" : "its bridge's");
	return 0;
}

int xhp_inspect_vif_bridge(struct xhp_insp *in)
{
	const char *want = xhp_insp_xs(in, "bridge");
	struct xhp_link l;
	int r;

	r = xhp_insp_vif_link_up(in, &l);
	if (r <= 0)
		return r;
	r = check_bridge(in, &l);
	/* the policy is resolved for the bridge the vif is on (as the
	 * personality resolves it), else the one it should be on */
	if (r >= 0)
		r = xhp_inspect_policy(
			in, &l, in->master.ifindex ? in->master.name : want);
	return r;
}

/* vif-route: the gateway's address on the vif, a route per ip entry
 * through the vif, a proxy entry on the gateway per IPv6 entry. */
static void mask(const struct xhp_ip *e, struct xhp_ip *ret)
{
	int i, bytes = e->family == AF_INET ? 4 : 16;

	*ret = *e;
	for (i = 0; i < bytes; i++) {
		int keep = e->prefix - 8 * i;

		if (keep <= 0)
			ret->addr[i] = 0;
		else if (keep < 8)
			ret->addr[i] &= (uint8_t)(0xff << (8 - keep));
	}
}

static int check_routes(struct xhp_insp *in, struct xhp_rt *rt,
			const struct xhp_link *l, int gw_index, const char *gw)
{
	const char *ip = xhp_insp_xs(in, "ip"), *why;
	_cleanup_free_ struct xhp_ip *ips = NULL;
	char s[XHP_IP_STR], found[512] = "";
	struct xhp_rt_route got;
	struct xhp_ip d;
	size_t n = 0, i;
	int r = 0;

	if (ip && xhp_parse_ip_list(ip, &ips, &n, &why) < 0)
		return xhp_insp_drift(
			in, XHP_DRIFT_UNCHECKED,
			"the routes of %s are not checked: bad ip key: %s",
			l->name, why);
	for (i = 0; r >= 0 && i < n; i++) {
		mask(&ips[i], &d);
		xhp_ip_str(&d, true, s);
		r = xhp_rt_route_lookup(rt, &d, l->ifindex, &got);
		if (r == 0 && got.oif == l->ifindex &&
		    got.dst.prefix == d.prefix) {
			if (strlen(found) + strlen(s) + 2 < sizeof(found))
				snprintf(found + strlen(found),
					 sizeof(found) - strlen(found), "%s%s",
					 found[0] ? " " : "", s);
		} else if (r == 0 || r == -ENOENT) {
			xhp_clear_error(in->ctx);
			r = xhp_insp_drift(in, XHP_DRIFT_ROUTE_MISSING,
					   "no route to %s through %s", s,
					   l->name);
		}
		if (r >= 0 && ips[i].family == AF_INET6 && gw_index &&
		    (ips[i].prefix == 128 || !ips[i].has_prefix)) {
			d = ips[i];
			d.prefix = 128;
			r = xhp_rt_proxy_has(rt, gw_index, gw, &d);
			if (r == 0)
				r = xhp_insp_drift(
					in, XHP_DRIFT_PROXY_MISSING,
					"no proxy neighbour entry for %s on %s",
					xhp_ip_str(&d, false, s), gw);
		}
	}
	if (r >= 0 && found[0])
		r = xhp_insp_host(in, "routes", "%s", found);
	return r < 0 ? r : 0;
}

static int check_address(struct xhp_insp *in, struct xhp_rt *rt,
			 const struct xhp_link *l, const char *gw,
			 int *gw_index)
{
	struct xhp_ip gw4, have;
	struct xhp_link g;
	char s[XHP_IP_STR];
	int r;

	r = xhp_nl_link_get(in->ctx, rt->nl, gw, 0, &g);
	if (r == -ENODEV)
		return xhp_insp_drift(
			in, XHP_DRIFT_UNCHECKED,
			"the address of %s is not checked: gateway device %s does not exist",
			l->name, gw);
	if (r < 0)
		return r;
	*gw_index = g.ifindex;
	r = xhp_insp_host(in, "gateway", "%s", gw);
	if (r < 0)
		return r;
	r = xhp_rt_addr_primary4(rt, g.ifindex, gw, &gw4);
	if (r == -ENOENT)
		return 0; /* vif-route lends none then */
	if (r < 0)
		return r;
	gw4.prefix = 32;
	xhp_ip_str(&gw4, true, s);
	r = xhp_rt_addr_primary4(rt, l->ifindex, l->name, &have);
	if (r == 0 && have.family == AF_INET && !memcmp(have.addr, gw4.addr, 4))
		return xhp_insp_host(in, "address", "%s", s);
	if (r < 0 && r != -ENOENT)
		return r;
	return xhp_insp_drift(in, XHP_DRIFT_ADDRESS_MISSING,
			      "%s lacks the gateway's address %s", l->name, s);
}

int xhp_inspect_vif_route(struct xhp_insp *in)
{
	const char *gw = xhp_insp_xs(in, "netdev");
	struct xhp_rt *rt = NULL;
	struct xhp_link l;
	int r, gw_index = 0;

	if (!gw)
		gw = xhp_insp_xs(in, "gatewaydev");
	if (!gw || !xhp_ifname_valid(gw))
		gw = "eth0";
	r = xhp_insp_vif_link_up(in, &l);
	if (r <= 0)
		return r;
	r = xhp_rt_open(in->ctx, &rt);
	if (r >= 0)
		r = check_address(in, rt, &l, gw, &gw_index);
	if (r >= 0)
		r = check_routes(in, rt, &l, gw_index, gw);
	xhp_rt_close(rt);
	if (r >= 0)
		r = xhp_inspect_policy(in, &l, NULL);
	return r;
}
