// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The vif-route personality: what Xen's vif-route does, by netlink.
 *
 * online (vif) / add (tap): the gateway device ("netdev", libxl's
 * gatewaydev; default eth0) lends its primary IPv4 address to the vif as
 * a /32; the vif comes up with proxy_arp=1; each entry of the ip key gets
 * a route through the vif, source the gateway address, metric 2 for a vif
 * and 1 for a tap (so the PV vif wins once the emulated NIC goes away).
 * IPv6 entries (beyond Xen, as Qubes does): a /128 (or the given prefix)
 * route through the vif with the gateway's global IPv6 address as source,
 * proxy_ndp=1 on the vif and a proxy neighbour entry on the gateway.
 *
 * offline / remove: the same objects removed (what is gone is success),
 * the vif's sysctls back to the kernel's defaults and the link down.
 *
 * Every change of an add is journaled and undone in reverse order when a
 * later step fails. Nothing here dumps a whole table: links are looked up
 * by name, addresses by a strict dump of one link.
 *
 * The sysctls, and whose they are. vif-route writes two, both on the vif
 * itself: net.ipv4.conf.<vif>.proxy_arp=1, as Xen's script does, and for
 * IPv6 entries net.ipv6.conf.<vif>.proxy_ndp=1. They are this guest's
 * and die with the vif when netback deletes it. Xen's offline leaves
 * proxy_arp as it is; ours puts both back to net.ipv{4,6}.conf.default.
 * <name>, the value the kernel gave the vif when netback made it (what
 * the add found, unless someone changed the vif in between: the add's
 * own read is gone with its process). An add that fails puts back
 * exactly the value it read (the journal).
 *
 * Nothing on a shared device is ever written: not the gateway's sysctls,
 * not conf/all, not forwarding. Those are the host's routing policy, set
 * once for every guest routed through the gateway (Xen's old
 * network-route script set ip_forward and the uplink's proxy_arp at host
 * start-up; libvirt does so when it starts a routed network): one vif's
 * offline must never reset them under the other guests, and an add
 * cannot tell whether the host wanted the value it would overwrite.
 *
 * proxy_ndp on the gateway: the IPv6 proxy neighbour entries we put on
 * the gateway only answer neighbour solicitations when the gateway has
 * forwarding=1 and proxy_ndp=1 (its own or conf/all's; the kernel's
 * ndisc_recv_ns()). Xen's script has no IPv6 and sets neither. We set
 * neither too and log a warning naming each one that is 0 (gateway_ndp).
 * Setting them ourselves is not what a Xen or libvirt user expects of a
 * per-guest script: IPv6 forwarding on the uplink makes the kernel
 * ignore router advertisements there (accept_ra=1), so the host can lose
 * its own IPv6 default route, and proxy_ndp is of no use without it. They
 * belong in the host's network configuration (sysctl.d), next to the
 * IPv4 ip_forward the routed set-up needs as well; the warning says so.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "keys.h"
#include "link_change.h"
#include "personality.h"
#include "route_nl.h"
#include "util.h"
#include "vifname.h"

#define DEFAULT_GATEWAY "eth0"
#define METRIC_VIF 2
#define METRIC_TAP 1

/* One change made by an add, to undo on failure (the link's own: lc). */
enum undo_kind {
	UNDO_ADDR,
	UNDO_SYSCTL,
	UNDO_ROUTE,
	UNDO_PROXY,
};

struct undo {
	enum undo_kind kind;
	int family; /* UNDO_SYSCTL */
	const char *name; /* UNDO_SYSCTL */
	int old; /* UNDO_SYSCTL */
	size_t entry; /* UNDO_ROUTE, UNDO_PROXY: index in ips */
};

/* What one run works on. */
struct vr {
	struct xhp_op *op;
	xhp_ctx *ctx;
	struct xhp_rt *rt;
	bool add;
	/* the vif */
	char orig[IFNAMSIZ]; /* name given by the toolstack */
	char want[IFNAMSIZ]; /* vifname (+ "-emu"), or orig */
	struct xhp_link vif; /* as found; ifindex 0 and name "" if none */
	struct xhp_link_change lc; /* rename and up of an add */
	uint32_t metric;
	/* the gateway */
	char gw[IFNAMSIZ];
	int gw_index; /* 0 if there is none */
	struct xhp_rt_ip gw4, gw6;
	bool has_gw4, has_gw6;
	/* the ip key */
	char *ip_text;
	struct xhp_ip *ips;
	size_t n_ips, n_v4, n_v6;
	/* the journal */
	struct undo *undo;
	size_t n_undo;
};

static const char *why(const struct vr *v, int r, char *buf, size_t size)
{
	if (v->rt && v->rt->ext[0])
		snprintf(buf, size, "%s: %s", strerror(-r), v->rt->ext);
	else
		snprintf(buf, size, "%s", strerror(-r));
	return buf;
}

static void journal(struct vr *v, struct undo u)
{
	v->undo[v->n_undo++] = u;
}

/* ---- settings ---- */

static void ip_of_entry(const struct xhp_ip *e, struct xhp_rt_ip *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->family = e->family;
	memcpy(ret->addr, e->addr, sizeof(ret->addr));
	ret->prefix = e->prefix;
}

/* The route's destination: the entry with the host bits cleared. */
static void route_dst(const struct xhp_ip *e, struct xhp_rt_ip *ret)
{
	int i, bytes = e->family == AF_INET ? 4 : 16;

	ip_of_entry(e, ret);
	for (i = 0; i < bytes; i++) {
		int keep = e->prefix - 8 * i;

		if (keep <= 0)
			ret->addr[i] = 0;
		else if (keep < 8)
			ret->addr[i] &= (uint8_t)(0xff << (8 - keep));
	}
}

static bool host_bits_set(const struct xhp_ip *e)
{
	struct xhp_rt_ip d;

	route_dst(e, &d);
	return memcmp(d.addr, e->addr, sizeof(d.addr)) != 0;
}

static int load_ip(struct vr *v)
{
	char q[XHP_QUOTE_MAX], s[XHP_RT_IP_STR];
	const char *w = "";
	size_t i;
	int r;

	r = xhp_xs_setting(v->ctx, v->op->req, "ip", &v->ip_text);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	r = xhp_parse_ip_list(v->ip_text, &v->ips, &v->n_ips, &w);
	if (r == -ENOMEM)
		return xhp_err(v->ctx, r, "out of memory");
	if (r < 0)
		return xhp_err(v->ctx, r, "bad ip '%s': %s",
			       xhp_quote(q, v->ip_text), w);
	for (i = 0; i < v->n_ips; i++) {
		const struct xhp_ip *e = &v->ips[i];
		struct xhp_rt_ip ip;

		ip_of_entry(e, &ip);
		if (e->prefix == 0)
			return xhp_err(v->ctx, EINVAL,
				       "bad ip entry %s: a /0 route would send "
				       "all traffic to the guest",
				       xhp_rt_ip_str(&ip, true, s));
		if (e->family == AF_INET && host_bits_set(e))
			return xhp_err(v->ctx, EINVAL,
				       "bad ip entry %s: host bits set under "
				       "the /%d prefix",
				       xhp_rt_ip_str(&ip, true, s), e->prefix);
		if (e->family == AF_INET)
			v->n_v4++;
		else
			v->n_v6++;
	}
	return 0;
}

static int load_names(struct vr *v)
{
	const xhp_request *req = v->op->req;
	_cleanup_free_ char *vifname = NULL;
	bool tap = req->kind == XHP_KIND_TAP;
	char q[XHP_QUOTE_MAX];
	const char *gw;
	int r;

	gw = xhp_request_setting(req, "netdev");
	if (!gw || !gw[0])
		gw = xhp_request_setting(req, "gatewaydev");
	if (!gw || !gw[0])
		gw = DEFAULT_GATEWAY;
	if (!xhp_ifname_valid(gw))
		return xhp_err(v->ctx, EINVAL,
			       "bad gateway device netdev='%s': not an "
			       "interface name",
			       xhp_quote(q, gw));
	snprintf(v->gw, sizeof(v->gw), "%s", gw);
	if (!req->device)
		return xhp_err(v->ctx, EINVAL,
			       "vif-route needs the device "
			       "name (vif or INTERFACE)");
	snprintf(v->orig, sizeof(v->orig), "%s", req->device);
	v->metric = tap ? METRIC_TAP : METRIC_VIF;

	/* vif-common.sh: <backend>/vifname, with "-emu" for the tap. */
	r = xhp_xs_read_key(v->ctx, req->backend_path, "vifname", &vifname);
	if (r < 0 && r != -ENOENT)
		return r;
	return xhp_vifname_resolve(v->ctx, req->device, vifname, tap, v->want);
}

/* ---- the vif and the gateway ---- */

static int find_link(struct vr *v, const char *name, struct xhp_link *l)
{
	char b[320];
	int r;

	v->rt->ext[0] = '\0';
	r = xhp_nl_link_get(v->ctx, v->rt->nl, name, 0, l);

	if (r < 0 && r != -ENODEV)
		return xhp_err(v->ctx, r, "cannot look up device %s: %s", name,
			       why(v, r, b, sizeof(b)));
	return r;
}

/* online/add: find the vif, renamed to vifname as vif-common.sh does. */
static int vif_prepare(struct vr *v)
{
	bool rename;
	int r;

	r = xhp_vifname_find(v->ctx, v->rt->nl, v->orig, v->want, &v->vif,
			     &rename);
	if (r == -ENODEV)
		return xhp_err(v->ctx, ENODEV, "device %s does not exist",
			       v->orig);
	if (r < 0)
		return r;
	xhp_link_change_init(&v->lc, v->ctx, v->rt->nl, &v->vif,
			     v->op->dry_run);
	return xhp_link_change_rename(&v->lc, v->want);
}

/* offline/remove: the vif under its new name, else its old one. */
static int vif_find(struct vr *v)
{
	struct xhp_link l;
	int r;

	r = xhp_vifname_lookup(v->ctx, v->rt->nl, v->orig, v->want, &l);
	if (r == 0)
		v->vif = l;
	return r == -ENODEV ? 0 : r;
}

/* The gateway and its addresses; @required: say why it cannot serve. */
static int gateway_find(struct vr *v, bool required)
{
	struct xhp_link l;
	char b[320];
	int r;

	r = find_link(v, v->gw, &l);
	if (r == -ENODEV) {
		if (!required)
			return 0;
		return xhp_err(v->ctx, ENODEV,
			       "gateway device %s does not "
			       "exist; set gatewaydev= in the vif spec",
			       v->gw);
	}
	if (r < 0)
		return r;
	v->gw_index = l.ifindex;
	r = xhp_rt_addr_primary4(v->rt, v->gw_index, &v->gw4);
	if (r < 0 && r != -ENOENT)
		return xhp_err(v->ctx, r,
			       "cannot read the addresses of %s: "
			       "%s",
			       v->gw, why(v, r, b, sizeof(b)));
	v->has_gw4 = r == 0;
	v->gw4.prefix = 32;
	/* IPv4 is needed, unless ip lists IPv6 entries only. */
	if (required && !v->has_gw4 && (v->n_v4 || !v->n_v6))
		return xhp_err(v->ctx, EADDRNOTAVAIL,
			       "gateway device %s has "
			       "no IPv4 address; set gatewaydev= in the vif "
			       "spec",
			       v->gw);
	if (!v->n_v6)
		return 0;
	r = xhp_rt_addr_global6(v->rt, v->gw_index, &v->gw6);
	if (r < 0 && r != -ENOENT)
		return xhp_err(v->ctx, r,
			       "cannot read the addresses of %s: "
			       "%s",
			       v->gw, why(v, r, b, sizeof(b)));
	v->has_gw6 = r == 0;
	if (required && !v->has_gw6)
		return xhp_err(v->ctx, EADDRNOTAVAIL,
			       "gateway device %s has "
			       "no global IPv6 address for the IPv6 entries "
			       "of ip; add one or set gatewaydev= in the vif "
			       "spec",
			       v->gw);
	return 0;
}

/* ---- steps of an add ---- */

static void route_of(const struct vr *v, size_t i, struct xhp_rt_route *rt)
{
	const struct xhp_ip *e = &v->ips[i];

	memset(rt, 0, sizeof(*rt));
	route_dst(e, &rt->dst);
	rt->oif = v->vif.ifindex;
	rt->metric = v->metric;
	rt->table = RT_TABLE_MAIN;
	if (e->family == AF_INET && v->has_gw4)
		rt->src = v->gw4;
	else if (e->family == AF_INET6 && v->has_gw6)
		rt->src = v->gw6;
}

/* The proxy entry of an IPv6 entry: its address, unless it is the bare
 * network address of a prefix (nothing to answer for then). */
static bool proxy_of(const struct vr *v, size_t i, struct xhp_rt_ip *ip)
{
	const struct xhp_ip *e = &v->ips[i];

	if (e->family != AF_INET6 || (e->prefix < 128 && !host_bits_set(e)))
		return false;
	ip_of_entry(e, ip);
	ip->prefix = 128;
	return true;
}

static int set_sysctl(struct vr *v, int family, const char *name)
{
	int old, r;

	if (v->op->dry_run) {
		xhp_info(v->ctx, "would set net.ipv%c.conf.%s.%s=1",
			 family == AF_INET ? '4' : '6', v->vif.name, name);
		return 0;
	}
	r = xhp_rt_sysctl_get(v->ctx, family, v->vif.name, name, &old);
	if (r < 0)
		return xhp_err(v->ctx, r,
			       "cannot read net.ipv%c.conf.%s.%s: %s",
			       family == AF_INET ? '4' : '6', v->vif.name, name,
			       strerror(-r));
	if (old == 1)
		return 0;
	r = xhp_rt_sysctl_set(v->ctx, family, v->vif.name, name, 1);
	if (r < 0)
		return xhp_err(v->ctx, r,
			       "cannot set net.ipv%c.conf.%s.%s=1: "
			       "%s",
			       family == AF_INET ? '4' : '6', v->vif.name, name,
			       strerror(-r));
	journal(v, (struct undo){ .kind = UNDO_SYSCTL,
				  .family = family,
				  .name = name,
				  .old = old });
	return 0;
}

static int add_address(struct vr *v)
{
	char s[XHP_RT_IP_STR], b[320];
	int r;

	if (!v->has_gw4)
		return 0;
	xhp_rt_ip_str(&v->gw4, true, s);
	if (v->op->dry_run) {
		xhp_info(v->ctx, "would add address %s to %s", s, v->vif.name);
		return 0;
	}
	r = xhp_rt_addr_add(v->rt, v->vif.ifindex, &v->gw4);
	if (r < 0)
		return xhp_err(v->ctx, r,
			       "cannot add address %s (of %s) to "
			       "%s: %s",
			       s, v->gw, v->vif.name, why(v, r, b, sizeof(b)));
	if (r == 0)
		journal(v, (struct undo){ .kind = UNDO_ADDR });
	return 0;
}

static int add_route(struct vr *v, size_t i)
{
	char d[XHP_RT_IP_STR], s[XHP_RT_IP_STR], b[320];
	struct xhp_rt_route rt;
	int r;

	route_of(v, i, &rt);
	xhp_rt_ip_str(&rt.dst, true, d);
	if (rt.src.family)
		xhp_rt_ip_str(&rt.src, false, s);
	else
		snprintf(s, sizeof(s), "none");
	if (v->op->dry_run) {
		xhp_info(v->ctx, "would add route %s dev %s src %s metric %u",
			 d, v->vif.name, s, rt.metric);
		return 0;
	}
	r = xhp_rt_route_add(v->rt, &rt);
	if (r == -EEXIST)
		return xhp_err(v->ctx, r,
			       "cannot add route %s dev %s metric "
			       "%u: another route to %s with metric %u is in "
			       "the way (is the address used by another "
			       "guest?)",
			       d, v->vif.name, rt.metric, d, rt.metric);
	if (r < 0)
		return xhp_err(v->ctx, r,
			       "cannot add route %s dev %s src %s "
			       "metric %u: %s",
			       d, v->vif.name, s, rt.metric,
			       why(v, r, b, sizeof(b)));
	if (r == 0)
		journal(v, (struct undo){ .kind = UNDO_ROUTE, .entry = i });
	return 0;
}

static int add_proxy(struct vr *v, size_t i)
{
	char a[XHP_RT_IP_STR], b[320];
	struct xhp_rt_ip ip;
	int r;

	if (!proxy_of(v, i, &ip))
		return 0;
	xhp_rt_ip_str(&ip, false, a);
	if (v->op->dry_run) {
		xhp_info(v->ctx, "would add proxy neighbour %s on %s", a,
			 v->gw);
		return 0;
	}
	r = xhp_rt_proxy_add(v->rt, v->gw_index, &ip);
	if (r < 0)
		return xhp_err(v->ctx, r,
			       "cannot add proxy neighbour %s on "
			       "%s: %s",
			       a, v->gw, why(v, r, b, sizeof(b)));
	if (r == 0)
		journal(v, (struct undo){ .kind = UNDO_PROXY, .entry = i });
	return 0;
}

/* Read a gateway sysctl for gateway_ndp: -1 if it cannot be read. */
static int gw_sysctl(struct vr *v, const char *dev, const char *name)
{
	int val, r;

	r = xhp_rt_sysctl_get(v->ctx, AF_INET6, dev, name, &val);
	if (r < 0) {
		xhp_debug(v->ctx, "cannot read net.ipv6.conf.%s.%s: %s", dev,
			  name, strerror(-r));
		return -1;
	}
	return val;
}

/*
 * The proxy neighbour entries answer only with forwarding=1 and
 * proxy_ndp=1 on the gateway (or proxy_ndp=1 on all): warn about each
 * one that is 0, change nothing (see the top of the file). Only read:
 * a failure to read says nothing either way and is no reason to fail.
 */
static void gateway_ndp(struct vr *v)
{
	char a[XHP_RT_IP_STR];
	struct xhp_rt_ip ip;
	int fwd, ndp;
	size_t i;

	for (i = 0; i < v->n_ips && !proxy_of(v, i, &ip); i++)
		;
	if (i == v->n_ips)
		return;
	xhp_rt_ip_str(&ip, false, a);
	fwd = gw_sysctl(v, v->gw, "forwarding");
	ndp = gw_sysctl(v, v->gw, "proxy_ndp");
	if (ndp == 0 && gw_sysctl(v, "all", "proxy_ndp") != 0)
		ndp = -1; /* 1 on all, or unknown: no warning */
	if (fwd == 0)
		xhp_log(v->ctx, LOG_WARNING,
			"net.ipv6.conf.%s.forwarding=0: IPv6 is not routed "
			"to the guest and the gateway does not answer "
			"neighbour solicitations for %s; set it to 1 in the "
			"host's network configuration",
			v->gw, a);
	if (ndp == 0)
		xhp_log(v->ctx, LOG_WARNING,
			"net.ipv6.conf.%s.proxy_ndp=0 (and all.proxy_ndp=0): "
			"the gateway does not answer neighbour solicitations "
			"for %s; set it to 1 in the host's network "
			"configuration",
			v->gw, a);
}

/* Undo one journaled change; failures are logged, not returned. */
static void undo_one(struct vr *v, const struct undo *u)
{
	struct xhp_rt_route rt;
	struct xhp_rt_ip ip;
	int r = 0;

	switch (u->kind) {
	case UNDO_ADDR:
		r = xhp_rt_addr_del(v->rt, v->vif.ifindex, &v->gw4);
		break;
	case UNDO_SYSCTL:
		r = xhp_rt_sysctl_set(v->ctx, u->family, v->vif.name, u->name,
				      u->old);
		break;
	case UNDO_ROUTE:
		route_of(v, u->entry, &rt);
		r = xhp_rt_route_del(v->rt, &rt);
		break;
	case UNDO_PROXY:
		if (proxy_of(v, u->entry, &ip))
			r = xhp_rt_proxy_del(v->rt, v->gw_index, &ip);
		break;
	}
	if (r < 0 && r != -ENOENT)
		xhp_log(v->ctx, LOG_ERR, "undo on %s (step %d) failed: %s",
			v->vif.name, (int)u->kind, strerror(-r));
}

static void rollback(struct vr *v)
{
	char saved[XHP_ERR_MAX];

	memcpy(saved, v->ctx->err, sizeof(saved));
	while (v->n_undo > 0)
		undo_one(v, &v->undo[--v->n_undo]);
	memcpy(v->ctx->err, saved, sizeof(saved));
	xhp_link_change_undo(&v->lc);
}

static int plumb(struct vr *v)
{
	size_t i;
	int r;

	r = add_address(v);
	if (r < 0)
		return r;
	r = xhp_link_change_up(&v->lc);
	if (r < 0)
		return r;
	if (v->has_gw4) {
		r = set_sysctl(v, AF_INET, "proxy_arp");
		if (r < 0)
			return r;
	}
	if (v->n_v6) {
		r = set_sysctl(v, AF_INET6, "proxy_ndp");
		if (r < 0)
			return r;
	}
	for (i = 0; i < v->n_ips; i++) {
		r = add_route(v, i);
		if (r < 0)
			return r;
	}
	for (i = 0; i < v->n_ips; i++) {
		r = add_proxy(v, i);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- steps of a remove: best effort, first failure reported ---- */

static void keep_first(int *first, int r)
{
	if (r < 0 && r != -ENOENT && *first == 0)
		*first = r;
}

/*
 * A sysctl of the vif back to what a new device gets (conf/default): see
 * the top of the file. Only the vif's own; -ENOENT: gone with the vif.
 */
static int reset_sysctl(struct vr *v, int family, const char *name)
{
	char f = family == AF_INET ? '4' : '6';
	int def, cur, r;

	r = xhp_rt_sysctl_get(v->ctx, family, "default", name, &def);
	if (r == 0)
		r = xhp_rt_sysctl_get(v->ctx, family, v->vif.name, name, &cur);
	if (r == 0 && cur != def)
		r = xhp_rt_sysctl_set(v->ctx, family, v->vif.name, name, def);
	if (r < 0 && r != -ENOENT)
		xhp_err(v->ctx, r,
			"cannot reset net.ipv%c.conf.%s.%s to "
			"net.ipv%c.conf.default.%s: %s",
			f, v->vif.name, name, f, name, strerror(-r));
	return r;
}

/*
 * Another device (the tap of the same guest, say) still routes the
 * entry's address with a vif-route metric: its proxy entry stays.
 */
static bool still_routed(struct vr *v, size_t i, const struct xhp_rt_ip *ip)
{
	struct xhp_rt_route want, f;

	route_of(v, i, &want);
	if (xhp_rt_route_lookup(v->rt, ip, 0, &f) < 0)
		return false;
	return f.oif && f.oif != v->gw_index && f.oif != v->vif.ifindex &&
	       f.dst.prefix == want.dst.prefix &&
	       !memcmp(f.dst.addr, want.dst.addr, sizeof(f.dst.addr)) &&
	       (f.metric == METRIC_VIF || f.metric == METRIC_TAP);
}

static int remove_proxies(struct vr *v)
{
	char a[XHP_RT_IP_STR], b[320];
	struct xhp_rt_ip ip;
	int first = 0, r;
	size_t i;

	for (i = 0; v->gw_index && i < v->n_ips; i++) {
		if (!proxy_of(v, i, &ip))
			continue;
		xhp_rt_ip_str(&ip, false, a);
		if (still_routed(v, i, &ip)) {
			xhp_debug(v->ctx,
				  "proxy neighbour %s on %s stays: "
				  "another device routes it",
				  a, v->gw);
			continue;
		}
		if (v->op->dry_run) {
			xhp_info(v->ctx,
				 "would delete proxy neighbour %s "
				 "on %s",
				 a, v->gw);
			continue;
		}
		r = xhp_rt_proxy_del(v->rt, v->gw_index, &ip);
		if (r < 0 && r != -ENOENT)
			xhp_err(v->ctx, r,
				"cannot delete proxy neighbour %s "
				"on %s: %s",
				a, v->gw, why(v, r, b, sizeof(b)));
		keep_first(&first, r);
	}
	return first;
}

static int remove_routes(struct vr *v)
{
	char a[XHP_RT_IP_STR], b[320];
	struct xhp_rt_route rt;
	int first = 0, r;
	size_t i;

	for (i = 0; i < v->n_ips; i++) {
		route_of(v, i, &rt);
		xhp_rt_ip_str(&rt.dst, true, a);
		if (v->op->dry_run) {
			xhp_info(v->ctx,
				 "would delete route %s dev %s "
				 "metric %u",
				 a, v->vif.name, rt.metric);
			continue;
		}
		r = xhp_rt_route_del(v->rt, &rt);
		if (r < 0 && r != -ENOENT)
			xhp_err(v->ctx, r,
				"cannot delete route %s dev %s "
				"metric %u: %s",
				a, v->vif.name, rt.metric,
				why(v, r, b, sizeof(b)));
		keep_first(&first, r);
	}
	if (!v->has_gw4)
		return first;
	xhp_rt_ip_str(&v->gw4, true, a);
	if (v->op->dry_run) {
		xhp_info(v->ctx, "would delete address %s from %s", a,
			 v->vif.name);
		return first;
	}
	r = xhp_rt_addr_del(v->rt, v->vif.ifindex, &v->gw4);
	if (r < 0 && r != -ENOENT)
		xhp_err(v->ctx, r, "cannot delete address %s from %s: %s", a,
			v->vif.name, why(v, r, b, sizeof(b)));
	keep_first(&first, r);
	return first;
}

static int link_down(struct vr *v)
{
	char saved[XHP_ERR_MAX];
	int first = 0, r;

	if (v->op->dry_run) {
		xhp_info(v->ctx,
			 "would reset proxy_arp/proxy_ndp of %s to the "
			 "defaults and bring it down",
			 v->vif.name);
		return 0;
	}
	/* The device may vanish under us: a missing sysctl is success. */
	keep_first(&first, reset_sysctl(v, AF_INET, "proxy_arp"));
	if (v->n_v6)
		keep_first(&first, reset_sysctl(v, AF_INET6, "proxy_ndp"));
	if (!(v->vif.flags & IFF_UP))
		return first;
	memcpy(saved, v->ctx->err, sizeof(saved));
	r = xhp_link_set_up(v->ctx, v->rt->nl, &v->vif, false);
	if (r == -ENODEV) {
		/* Gone with the device: not an error. */
		memcpy(v->ctx->err, saved, sizeof(saved));
		r = 0;
	}
	keep_first(&first, r);
	return first;
}

/* Routes and address first, then the proxies nobody routes any more. */
static int unplumb(struct vr *v)
{
	int first = 0;

	if (v->vif.ifindex)
		keep_first(&first, remove_routes(v));
	else
		xhp_debug(v->ctx, "%s is gone with its routes", v->want);
	keep_first(&first, remove_proxies(v));
	if (v->vif.ifindex)
		keep_first(&first, link_down(v));
	return first;
}

/* ---- the personality ---- */

static int vr_init(struct vr *v, struct xhp_op *op, bool add)
{
	int r;

	memset(v, 0, sizeof(*v));
	v->op = op;
	v->ctx = op->ctx;
	v->add = add;
	r = load_names(v);
	if (r < 0)
		return r;
	r = load_ip(v);
	if (r < 0)
		return r;
	/* address, 2 sysctls, a route and a proxy per entry */
	v->undo = calloc(3 + 2 * v->n_ips, sizeof(*v->undo));
	if (!v->undo)
		return xhp_err(v->ctx, ENOMEM, "out of memory");
	return xhp_rt_open(v->ctx, &v->rt);
}

static void vr_done(struct vr *v)
{
	xhp_rt_close(v->rt);
	free(v->undo);
	free(v->ips);
	free(v->ip_text);
}

static int route_add(struct xhp_op *op)
{
	struct vr v;
	int r;

	r = vr_init(&v, op, true);
	if (r < 0)
		goto out;
	r = gateway_find(&v, true);
	if (r < 0)
		goto out;
	r = vif_prepare(&v);
	if (r < 0)
		goto out;
	gateway_ndp(&v);
	r = plumb(&v);
	if (r < 0)
		goto out;
	if (op->req->action == XHP_ACTION_ONLINE)
		op->status = XHP_STATUS_CONNECTED;
	/* The report is the last step: its failure is rolled back too. */
	r = xhp_op_report(op);
	if (r < 0)
		goto out;
	xhp_debug(v.ctx, "vif-route %s of %s done: %zu route(s) through %s",
		  xhp_request_action_to_string(op->req->action), v.vif.name,
		  v.n_ips, v.gw);
out:
	if (r < 0 && xhp_op_may_undo(op))
		rollback(&v);
	vr_done(&v);
	return r;
}

static int route_remove(struct xhp_op *op)
{
	struct vr v;
	int r;

	r = vr_init(&v, op, false);
	if (r < 0)
		goto out;
	r = gateway_find(&v, false);
	if (r < 0)
		goto out;
	r = vif_find(&v);
	if (r < 0)
		goto out;
	r = unplumb(&v);
out:
	vr_done(&v);
	return r;
}

const struct xhp_personality xhp_personality_vif_route = {
	.name = "vif-route",
	.kinds = (1u << XHP_KIND_VIF) | (1u << XHP_KIND_TAP),
	.add = route_add,
	.remove = route_remove,
};
