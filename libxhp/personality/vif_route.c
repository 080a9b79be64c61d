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
 * the vif's sysctls back to the kernel's defaults and the link down. A
 * link of the vifname that is not this backend's (vifname.h) is treated
 * as gone: nothing on it is touched.
 *
 * The ip key of an add may not name an address no guest can own
 * (loopback, multicast, broadcast, "this network", reserved, the
 * gateway's own): checked before anything changes.
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

#include "guest_policy.h"
#include "keys.h"
#include "link_change.h"
#include "personality.h"
#include "route_nl.h"
#include "util.h"
#include "vifname.h"

#define DEFAULT_GATEWAY "eth0"
#define METRIC_VIF 2
#define METRIC_TAP 1

struct vr;

/*
 * One change made by an add, recorded in the run's journal (the link's
 * own changes are one entry of their own, lc). The entry's struct vr is
 * the run's state, which the engine keeps until the journal is done.
 */
struct vr_undo {
	struct vr *v;
	int family; /* sysctl */
	const char *name; /* sysctl */
	int old; /* sysctl */
	size_t entry; /* route, proxy: index in ips */
};

/* What one run works on. */
struct vr {
	struct xhp_op *op;
	xhp_ctx *ctx;
	struct xhp_rt *rt;
	/* the vif */
	struct xhp_vifname id; /* its names (vifname.h) */
	struct xhp_link vif; /* as found; ifindex 0 and name "" if none */
	struct xhp_link_change lc; /* rename and up of an add */
	uint32_t metric;
	/* the gateway */
	char gw[IFNAMSIZ];
	int gw_index; /* 0 if there is none */
	struct xhp_ip gw4, gw6;
	int gw4_prefix; /* of gw4's subnet (gw4 itself is a /32) */
	bool has_gw4, has_gw6;
	/* the ip key */
	const char *ip_text; /* the ip setting (the op's) */
	struct xhp_ip *ips;
	size_t n_ips, n_v4, n_v6;
	/* the guest policy (guest_policy.h) */
	struct xhp_guest_policy *gp;
	/* a remove's first failure: the one returned */
	bool failed;
	struct xhp_err_saved first_err;
	bool not_ours; /* the vifname is another device's */
};

static const struct xhp_undo_type undo_addr, undo_sysctl, undo_route, undo_link,
	undo_proxy;

/* Before a change: its journal entry, with room in the journal. */
static int undo_begin(struct vr *v, struct vr_undo **ret)
{
	struct vr_undo *u = calloc(1, sizeof(*u));
	int r;

	if (!u)
		return xhp_err(v->ctx, ENOMEM, "out of memory");
	r = xhp_journal_reserve(&v->op->journal);
	if (r < 0) {
		free(u);
		return r;
	}
	u->v = v;
	*ret = u;
	return 0;
}

/* After it: on record if it was made (@done), else dropped. */
static void undo_end(struct vr *v, struct vr_undo *u,
		     const struct xhp_undo_type *t, bool done)
{
	if (done)
		xhp_journal_push(&v->op->journal, t, u);
	else
		free(u);
}

/* ---- settings ---- */

static void ip_of_entry(const struct xhp_ip *e, struct xhp_ip *ret)
{
	*ret = *e;
}

/* The route's destination: the entry with the host bits cleared. */
static void route_dst(const struct xhp_ip *e, struct xhp_ip *ret)
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
	struct xhp_ip d;

	route_dst(e, &d);
	return memcmp(d.addr, e->addr, sizeof(d.addr)) != 0;
}

/* An online or add (else an offline or remove). */
static bool is_add(const struct vr *v)
{
	return v->op->req->action == XHP_ACTION_ONLINE ||
	       v->op->req->action == XHP_ACTION_ADD;
}

/* The first @bits bits of @a and @b are the same. */
static bool same_bits(const uint8_t *a, const uint8_t *b, int bits)
{
	size_t full = (size_t)bits / 8;
	int rest = bits % 8;

	if (memcmp(a, b, full))
		return false;
	return !rest || !((a[full] ^ b[full]) & (uint8_t)(0xff << (8 - rest)));
}

/* Entry @e and the range @ip share addresses. */
static bool overlaps(const struct xhp_ip *e, const struct xhp_ip *ip)
{
	return e->family == ip->family &&
	       same_bits(e->addr, ip->addr,
			 e->prefix < ip->prefix ? e->prefix : ip->prefix);
}

/* How entry @e relates to the range @ip it overlaps. */
static const char *relation(const struct xhp_ip *e, const struct xhp_ip *ip)
{
	if (e->prefix == ip->prefix)
		return "is";
	return e->prefix > ip->prefix ? "is in" : "takes in";
}

/* Addresses that are no guest's: a route through a vif to any of them
 * takes the host's own or everyone's traffic. */
static const struct {
	struct xhp_ip ip;
	const char *what;
} not_a_guest[] = {
	{ { AF_INET, { 255, 255, 255, 255 }, 32, true },
	  "the broadcast address" },
	{ { AF_INET, { 0 }, 8, true }, "\"this network\"" },
	{ { AF_INET, { 127 }, 8, true }, "the loopback range" },
	{ { AF_INET, { 224 }, 4, true }, "the multicast range" },
	{ { AF_INET, { 240 }, 4, true }, "the reserved range" },
	{ { AF_INET6, { 0 }, 128, true }, "the unspecified address" },
	{ { AF_INET6, { [15] = 1 }, 128, true }, "the loopback address" },
	{ { AF_INET6, { 0xff }, 8, true }, "the multicast range" },
};

/*
 * Which of the ranges an entry overlaps to name: the one it lies in,
 * else a range (not a single address) it takes in, else an address.
 */
static int overlap_rank(const struct xhp_ip *e, const struct xhp_ip *n)
{
	if (!overlaps(e, n))
		return 0;
	if (e->prefix >= n->prefix)
		return 3;
	return n->prefix < (n->family == AF_INET ? 32 : 128) ? 2 : 1;
}

/* An entry of an add that overlaps an address no guest can own. */
static int check_not_a_guest(struct vr *v, const struct xhp_ip *e)
{
	char q[XHP_QUOTE_MAX], s[XHP_IP_STR], s2[XHP_IP_STR];
	const struct xhp_ip *n;
	struct xhp_ip ip;
	size_t i, best = 0;
	int rank, best_rank = 0;

	for (i = 0; i < ARRAY_SIZE(not_a_guest); i++) {
		rank = overlap_rank(e, &not_a_guest[i].ip);
		if (rank > best_rank) {
			best_rank = rank;
			best = i;
		}
	}
	if (!best_rank)
		return 0;
	n = &not_a_guest[best].ip;
	ip_of_entry(e, &ip);
	return xhp_err(v->ctx, EINVAL,
		       "bad ip '%s': %s %s %s (%s), never a guest's address",
		       xhp_quote(q, v->ip_text), xhp_ip_str(&ip, true, s),
		       relation(e, n), not_a_guest[best].what,
		       xhp_ip_str(n, true, s2));
}

/*
 * An entry of an add that overlaps the gateway's own address (a route
 * through the vif would hand the guest the host's address) or, for
 * IPv4, the broadcast address of the gateway's subnet.
 */
static int check_gateway_entry(struct vr *v, const struct xhp_ip *e)
{
	char q[XHP_QUOTE_MAX], s[XHP_IP_STR], s2[XHP_IP_STR];
	bool has = e->family == AF_INET ? v->has_gw4 : v->has_gw6;
	struct xhp_ip ip, gw, bcast;
	int i;

	if (!has)
		return 0;
	/* The gateway's address alone (gw6 holds its prefix). */
	gw = e->family == AF_INET ? v->gw4 : v->gw6;
	gw.prefix = e->family == AF_INET ? 32 : 128;
	ip_of_entry(e, &ip);
	if (overlaps(e, &gw))
		return xhp_err(
			v->ctx, EINVAL,
			"bad ip '%s': %s %s the address of the gateway %s (%s), not a guest's",
			xhp_quote(q, v->ip_text), xhp_ip_str(&ip, true, s),
			relation(e, &gw), v->gw, xhp_ip_str(&gw, false, s2));
	if (e->family != AF_INET || v->gw4_prefix > 30)
		return 0;
	bcast = v->gw4;
	for (i = v->gw4_prefix; i < 32; i++)
		bcast.addr[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	if (!overlaps(e, &bcast))
		return 0;
	return xhp_err(
		v->ctx, EINVAL,
		"bad ip '%s': %s %s the broadcast address of the gateway %s's subnet (%s), not a guest's",
		xhp_quote(q, v->ip_text), xhp_ip_str(&ip, true, s),
		relation(e, &bcast), v->gw, xhp_ip_str(&bcast, false, s2));
}

/* Every entry of an add against the gateway found by gateway_find(). */
static int check_gateway_entries(struct vr *v)
{
	size_t i;
	int r;

	for (i = 0; i < v->n_ips; i++) {
		r = check_gateway_entry(v, &v->ips[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static int load_ip(struct vr *v)
{
	char q[XHP_QUOTE_MAX], s[XHP_IP_STR];
	const char *w = "";
	size_t i;
	int r;

	v->ip_text = xhp_op_setting(v->op, "ip");
	if (!v->ip_text)
		return 0;
	r = xhp_parse_ip_list(v->ip_text, &v->ips, &v->n_ips, &w);
	if (r == -ENOMEM)
		return xhp_err(v->ctx, r, "out of memory");
	if (r < 0)
		return xhp_err(v->ctx, r, "bad ip '%s': %s",
			       xhp_quote(q, v->ip_text), w);
	for (i = 0; i < v->n_ips; i++) {
		const struct xhp_ip *e = &v->ips[i];
		struct xhp_ip ip;

		ip_of_entry(e, &ip);
		if (e->prefix == 0)
			return xhp_err(
				v->ctx, EINVAL,
				"bad ip entry %s: a /0 route would send all traffic to the guest",
				xhp_ip_str(&ip, true, s));
		if (e->family == AF_INET && host_bits_set(e))
			return xhp_err(
				v->ctx, EINVAL,
				"bad ip entry %s: host bits set under the /%d prefix",
				xhp_ip_str(&ip, true, s), e->prefix);
		/* A remove still takes away what an older release added. */
		r = is_add(v) ? check_not_a_guest(v, e) : 0;
		if (r < 0)
			return r;
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
	bool tap = req->kind == XHP_KIND_TAP;
	char q[XHP_QUOTE_MAX];
	const char *gw;

	gw = xhp_op_setting(v->op, "netdev");
	if (!gw)
		gw = xhp_op_setting(v->op, "gatewaydev");
	if (!gw || !gw[0])
		gw = DEFAULT_GATEWAY;
	if (!xhp_ifname_valid(gw))
		return xhp_err(
			v->ctx, EINVAL,
			"bad gateway device netdev='%s': not an interface name",
			xhp_quote(q, gw));
	snprintf(v->gw, sizeof(v->gw), "%s", gw);
	if (!req->device)
		return xhp_err(
			v->ctx, EINVAL,
			"vif-route needs the device name (vif or INTERFACE)");
	v->metric = tap ? METRIC_TAP : METRIC_VIF;

	/* vif-common.sh: <backend>/vifname, with "-emu" for the tap. */
	return xhp_vifname_init(v->ctx, req, xhp_op_setting(v->op, "vifname"),
				&v->id);
}

/* ---- the vif and the gateway ---- */

/* online/add: find the vif, renamed to vifname as vif-common.sh does. */
static int vif_prepare(struct vr *v)
{
	bool rename;
	int r;

	r = xhp_vifname_find(v->ctx, v->rt->nl, &v->id, &v->vif, &rename);
	if (r == -ENODEV)
		return xhp_err(v->ctx, ENODEV, "device %s does not exist",
			       v->id.proto);
	if (r < 0)
		return r;
	xhp_link_change_init(&v->lc, v->ctx, v->rt->nl, &v->vif,
			     v->op->dry_run);
	r = xhp_journal_record(&v->op->journal, &undo_link, v);
	if (r < 0)
		return r;
	return xhp_link_change_rename(&v->lc, v->id.want);
}

/*
 * offline/remove: the vif under its own name, else under its vifname if
 * it carries this backend's mark. A link of the vifname without it is
 * another's: as if the vif were gone (nothing on it is touched).
 */
static int vif_find(struct vr *v)
{
	struct xhp_link l;
	int r;

	r = xhp_vifname_lookup(v->ctx, v->rt->nl, &v->id, &l);
	if (r == 0)
		v->vif = l;
	if (r == -EEXIST) {
		xhp_info(v->ctx, "nothing of ours to remove on %s: %s",
			 v->id.want, v->ctx->err);
		xhp_clear_error(v->ctx);
		v->not_ours = true;
	}
	return r == -ENODEV || r == -EEXIST ? 0 : r;
}

/* The gateway and its addresses; @required: say why it cannot serve. */
static int gateway_find(struct vr *v, bool required)
{
	struct xhp_link l;
	int r;

	/* The messages of failures are route_nl's (nl.h's rule). */
	r = xhp_nl_link_get(v->ctx, v->rt->nl, v->gw, 0, &l);
	if (r == -ENODEV) {
		if (!required)
			return 0;
		return xhp_err(
			v->ctx, ENODEV,
			"gateway device %s does not exist; set gatewaydev= in the vif spec",
			v->gw);
	}
	if (r < 0)
		return r;
	v->gw_index = l.ifindex;
	r = xhp_rt_addr_primary4(v->rt, v->gw_index, v->gw, &v->gw4);
	if (r < 0 && r != -ENOENT)
		return r;
	v->has_gw4 = r == 0;
	v->gw4_prefix = v->gw4.prefix;
	v->gw4.prefix = 32;
	/* IPv4 is needed, unless ip lists IPv6 entries only. */
	if (required && !v->has_gw4 && (v->n_v4 || !v->n_v6))
		return xhp_err(
			v->ctx, EADDRNOTAVAIL,
			"gateway device %s has no IPv4 address; set gatewaydev= in the vif spec",
			v->gw);
	if (!v->n_v6)
		return 0;
	r = xhp_rt_addr_global6(v->rt, v->gw_index, v->gw, &v->gw6);
	if (r < 0 && r != -ENOENT)
		return r;
	v->has_gw6 = r == 0;
	if (required && !v->has_gw6)
		return xhp_err(
			v->ctx, EADDRNOTAVAIL,
			"gateway device %s has no global IPv6 address for the IPv6 entries of ip; add one or set gatewaydev= in the vif spec",
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
static bool proxy_of(const struct vr *v, size_t i, struct xhp_ip *ip)
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
	struct vr_undo *u;
	int old, r;

	if (xhp_dry(v->ctx, v->op->dry_run, "set net.ipv%c.conf.%s.%s=1",
		    family == AF_INET ? '4' : '6', v->vif.name, name))
		return 0;
	/* -ENOENT comes without a message: the vif was just there. */
	r = xhp_rt_sysctl_get(v->ctx, family, v->vif.name, name, &old);
	if (r == -ENOENT)
		return xhp_err(v->ctx, r,
			       "cannot read net.ipv%c.conf.%s.%s: %s",
			       family == AF_INET ? '4' : '6', v->vif.name, name,
			       strerror(-r));
	if (r < 0)
		return r;
	if (old == 1)
		return 0;
	r = undo_begin(v, &u);
	if (r < 0)
		return r;
	r = xhp_rt_sysctl_set(v->ctx, family, v->vif.name, name, 1);
	*u = (struct vr_undo){
		.v = v, .family = family, .name = name, .old = old
	};
	undo_end(v, u, &undo_sysctl, r >= 0);
	if (r == -ENOENT)
		return xhp_err(v->ctx, r,
			       "cannot set net.ipv%c.conf.%s.%s=1: %s",
			       family == AF_INET ? '4' : '6', v->vif.name, name,
			       strerror(-r));
	return r < 0 ? r : 0;
}

static int add_address(struct vr *v)
{
	char s[XHP_IP_STR];
	struct vr_undo *u;
	int r;

	if (!v->has_gw4)
		return 0;
	xhp_ip_str(&v->gw4, true, s);
	if (xhp_dry(v->ctx, v->op->dry_run, "add address %s to %s", s,
		    v->vif.name))
		return 0;
	r = undo_begin(v, &u);
	if (r < 0)
		return r;
	r = xhp_rt_addr_add(v->rt, v->vif.ifindex, v->vif.name, &v->gw4);
	undo_end(v, u, &undo_addr, r == 0); /* > 0: there already */
	return r < 0 ? r : 0;
}

static int add_route(struct vr *v, size_t i)
{
	char d[XHP_IP_STR], s[XHP_IP_STR];
	struct xhp_rt_route rt;
	struct vr_undo *u;
	int r;

	route_of(v, i, &rt);
	xhp_ip_str(&rt.dst, true, d);
	if (rt.src.family)
		xhp_ip_str(&rt.src, false, s);
	else
		snprintf(s, sizeof(s), "none");
	if (xhp_dry(v->ctx, v->op->dry_run,
		    "add route %s dev %s src %s metric %u", d, v->vif.name, s,
		    rt.metric))
		return 0;
	r = undo_begin(v, &u);
	if (r < 0)
		return r;
	r = xhp_rt_route_add(v->rt, &rt, v->vif.name);
	u->entry = i;
	undo_end(v, u, &undo_route, r == 0);
	return r < 0 ? r : 0;
}

static int add_proxy(struct vr *v, size_t i)
{
	char a[XHP_IP_STR];
	struct vr_undo *u;
	struct xhp_ip ip;
	int r;

	if (!proxy_of(v, i, &ip))
		return 0;
	xhp_ip_str(&ip, false, a);
	if (xhp_dry(v->ctx, v->op->dry_run, "add proxy neighbour %s on %s", a,
		    v->gw))
		return 0;
	r = undo_begin(v, &u);
	if (r < 0)
		return r;
	r = xhp_rt_proxy_add(v->rt, v->gw_index, v->gw, &ip);
	u->entry = i;
	undo_end(v, u, &undo_proxy, r == 0);
	return r < 0 ? r : 0;
}

/* Read a gateway sysctl for gateway_ndp: -1 if it cannot be read (the
 * context's message stays as it was). */
static int gw_sysctl(struct vr *v, const char *dev, const char *name)
{
	struct xhp_err_saved saved;
	int val, r;

	xhp_err_save(v->ctx, &saved);
	r = xhp_rt_sysctl_get(v->ctx, AF_INET6, dev, name, &val);
	if (r < 0)
		xhp_debug(v->ctx, "cannot read net.ipv6.conf.%s.%s: %s", dev,
			  name, strerror(-r));
	xhp_err_restore(v->ctx, &saved);
	return r < 0 ? -1 : val;
}

/*
 * The proxy neighbour entries answer only with forwarding=1 and
 * proxy_ndp=1 on the gateway (or proxy_ndp=1 on all): warn about each
 * one that is 0, change nothing (see the top of the file). Only read:
 * a failure to read says nothing either way and is no reason to fail.
 */
static void gateway_ndp(struct vr *v)
{
	char a[XHP_IP_STR];
	struct xhp_ip ip;
	int fwd, ndp;
	size_t i;

	for (i = 0; i < v->n_ips && !proxy_of(v, i, &ip); i++)
		;
	if (i == v->n_ips)
		return;
	xhp_ip_str(&ip, false, a);
	fwd = gw_sysctl(v, v->gw, "forwarding");
	ndp = gw_sysctl(v, v->gw, "proxy_ndp");
	if (ndp == 0 && gw_sysctl(v, "all", "proxy_ndp") != 0)
		ndp = -1; /* 1 on all, or unknown: no warning */
	if (fwd == 0)
		xhp_log(v->ctx, LOG_WARNING,
			"net.ipv6.conf.%s.forwarding=0: IPv6 is not routed to the guest and the gateway does not answer neighbour solicitations for %s; set it to 1 in the host's network configuration",
			v->gw, a);
	if (ndp == 0)
		xhp_log(v->ctx, LOG_WARNING,
			"net.ipv6.conf.%s.proxy_ndp=0 (and all.proxy_ndp=0): the gateway does not answer neighbour solicitations for %s; set it to 1 in the host's network configuration",
			v->gw, a);
}

/* The undo of each kind of change; what is gone already is success
 * (any other failure: route_nl said which). */
static int undone(int r)
{
	return r >= 0 || r == -ENOENT ? 0 : r;
}

static int undo_addr_fn(xhp_ctx *ctx, void *data)
{
	struct vr_undo *u = data;
	struct vr *v = u->v;

	return undone(
		xhp_rt_addr_del(v->rt, v->vif.ifindex, v->vif.name, &v->gw4));
}

static int undo_sysctl_fn(xhp_ctx *ctx, void *data)
{
	struct vr_undo *u = data;
	struct vr *v = u->v;

	return undone(xhp_rt_sysctl_set(ctx, u->family, v->vif.name, u->name,
					u->old));
}

static int undo_route_fn(xhp_ctx *ctx, void *data)
{
	struct vr_undo *u = data;
	struct xhp_rt_route rt;

	route_of(u->v, u->entry, &rt);
	return undone(xhp_rt_route_del(u->v->rt, &rt, u->v->vif.name));
}

static int undo_proxy_fn(xhp_ctx *ctx, void *data)
{
	struct vr_undo *u = data;
	struct xhp_ip ip;

	if (!proxy_of(u->v, u->entry, &ip))
		return 0;
	return undone(
		xhp_rt_proxy_del(u->v->rt, u->v->gw_index, u->v->gw, &ip));
}

static const struct xhp_undo_type undo_addr = {
	.name = "delete the gateway's address from the vif",
	.undo = undo_addr_fn,
	.release = free,
};
static const struct xhp_undo_type undo_sysctl = {
	.name = "put a sysctl of the vif back",
	.undo = undo_sysctl_fn,
	.release = free,
};
static const struct xhp_undo_type undo_route = {
	.name = "delete a route through the vif",
	.undo = undo_route_fn,
	.release = free,
};
static const struct xhp_undo_type undo_proxy = {
	.name = "delete a proxy neighbour entry",
	.undo = undo_proxy_fn,
	.release = free,
};

static int undo_link_fn(xhp_ctx *ctx, void *data)
{
	struct vr *v = data;

	xhp_link_change_undo(&v->lc);
	return 0;
}

static const struct xhp_undo_type undo_link = {
	.name = "put the vif's link back",
	.undo = undo_link_fn,
};

static int plumb(struct vr *v)
{
	size_t i;
	int r;

	r = add_address(v);
	if (r < 0)
		return r;
	/* The rules are in place before the vif comes up. */
	r = xhp_guest_policy_apply(v->gp, v->id.want);
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

/*
 * After a step that failed with @r (its message on the context): the
 * first failure is the one returned, errno and message; a later one,
 * which the caller would never see, is logged as a warning (the library
 * does not log what it returns).
 */
static void keep_first(struct vr *v, int *first, int r)
{
	if (r >= 0 || r == -ENOENT)
		return;
	if (!v->failed) {
		v->failed = true;
		xhp_err_save(v->ctx, &v->first_err);
	} else if (strcmp(v->ctx->err, v->first_err.msg)) {
		xhp_log(v->ctx, LOG_WARNING, "%s", v->ctx->err);
		xhp_err_restore(v->ctx, &v->first_err);
	}
	if (*first == 0)
		*first = r;
}

/*
 * A sysctl of the vif back to what a new device gets (conf/default): see
 * the top of the file. Only the vif's own; -ENOENT: gone with the vif.
 */
static int reset_sysctl(struct vr *v, int family, const char *name)
{
	int def, cur, r;

	r = xhp_rt_sysctl_get(v->ctx, family, "default", name, &def);
	if (r == 0)
		r = xhp_rt_sysctl_get(v->ctx, family, v->vif.name, name, &cur);
	if (r == 0 && cur != def)
		r = xhp_rt_sysctl_set(v->ctx, family, v->vif.name, name, def);
	return r;
}

/*
 * Another device (the tap of the same guest, say) still routes the
 * entry's address with a vif-route metric: its proxy entry stays.
 */
static bool still_routed(struct vr *v, size_t i, const struct xhp_ip *ip)
{
	struct xhp_rt_route want, f;
	struct xhp_err_saved saved;
	int r;

	route_of(v, i, &want);
	/* A failed lookup says nothing either way: the message of the
	 * remove's first failure stays on the context. */
	xhp_err_save(v->ctx, &saved);
	r = xhp_rt_route_lookup(v->rt, ip, 0, &f);
	xhp_err_restore(v->ctx, &saved);
	if (r < 0)
		return false;
	return f.oif && f.oif != v->gw_index && f.oif != v->vif.ifindex &&
	       f.dst.prefix == want.dst.prefix &&
	       !memcmp(f.dst.addr, want.dst.addr, sizeof(f.dst.addr)) &&
	       (f.metric == METRIC_VIF || f.metric == METRIC_TAP);
}

static int remove_proxies(struct vr *v)
{
	char a[XHP_IP_STR];
	struct xhp_ip ip;
	int first = 0, r;
	size_t i;

	for (i = 0; v->gw_index && i < v->n_ips; i++) {
		if (!proxy_of(v, i, &ip))
			continue;
		xhp_ip_str(&ip, false, a);
		if (still_routed(v, i, &ip)) {
			xhp_debug(
				v->ctx,
				"proxy neighbour %s on %s stays: another device routes it",
				a, v->gw);
			continue;
		}
		if (xhp_dry(v->ctx, v->op->dry_run,
			    "delete proxy neighbour %s on %s", a, v->gw))
			continue;
		r = xhp_rt_proxy_del(v->rt, v->gw_index, v->gw, &ip);
		keep_first(v, &first, r);
	}
	return first;
}

static int remove_routes(struct vr *v)
{
	char a[XHP_IP_STR];
	struct xhp_rt_route rt;
	int first = 0, r;
	size_t i;

	for (i = 0; i < v->n_ips; i++) {
		route_of(v, i, &rt);
		xhp_ip_str(&rt.dst, true, a);
		if (xhp_dry(v->ctx, v->op->dry_run,
			    "delete route %s dev %s metric %u", a, v->vif.name,
			    rt.metric))
			continue;
		r = xhp_rt_route_del(v->rt, &rt, v->vif.name);
		keep_first(v, &first, r);
	}
	if (!v->has_gw4)
		return first;
	xhp_ip_str(&v->gw4, true, a);
	if (xhp_dry(v->ctx, v->op->dry_run, "delete address %s from %s", a,
		    v->vif.name))
		return first;
	r = xhp_rt_addr_del(v->rt, v->vif.ifindex, v->vif.name, &v->gw4);
	keep_first(v, &first, r);
	return first;
}

static int link_down(struct vr *v)
{
	struct xhp_err_saved saved;
	int first = 0, r;

	if (xhp_dry(v->ctx, v->op->dry_run,
		    "reset proxy_arp/proxy_ndp of %s to the defaults and bring it down",
		    v->vif.name))
		return 0;
	/* The device may vanish under us: a missing sysctl is success. */
	keep_first(v, &first, reset_sysctl(v, AF_INET, "proxy_arp"));
	if (v->n_v6)
		keep_first(v, &first, reset_sysctl(v, AF_INET6, "proxy_ndp"));
	if (!(v->vif.flags & IFF_UP))
		return first;
	xhp_err_save(v->ctx, &saved);
	r = xhp_link_set_up(v->ctx, v->rt->nl, &v->vif, false);
	if (r == -ENODEV) {
		/* Gone with the device: not an error. */
		xhp_err_restore(v->ctx, &saved);
		r = 0;
	}
	keep_first(v, &first, r);
	return first;
}

/* Routes and address first, then the proxies nobody routes any more. */
static int unplumb(struct vr *v)
{
	int first = 0;

	if (v->vif.ifindex)
		keep_first(v, &first, remove_routes(v));
	else
		xhp_debug(v->ctx, "%s is gone with its routes", v->id.want);
	keep_first(v, &first, remove_proxies(v));
	if (v->vif.ifindex)
		keep_first(v, &first, link_down(v));
	/* A chain outlives its device: gone or not, its name's chains go,
	 * unless another device holds the name. */
	if (!v->not_ours)
		keep_first(v, &first,
			   xhp_guest_policy_remove(v->op, v->id.want));
	return first;
}

/* ---- the personality ---- */

static void vr_free(void *priv)
{
	struct vr *v = priv;

	if (!v)
		return;
	xhp_link_change_clear(&v->lc);
	xhp_rt_close(v->rt);
	xhp_guest_policy_free(v->gp);
	/* Held until the engine is done with the journal (its undo). */
	free(v->ips);
	free(v);
}

/* The run's state (op->priv: the journal's entries point into it). */
static int vr_init(struct xhp_op *op, struct vr **ret)
{
	struct vr *v;
	int r;

	v = calloc(1, sizeof(*v));
	if (!v)
		return xhp_err(op->ctx, ENOMEM, "out of memory");
	op->priv = v;
	*ret = v;
	v->op = op;
	v->ctx = op->ctx;
	r = load_names(v);
	if (r < 0)
		return r;
	r = load_ip(v);
	if (r < 0)
		return r;
	return xhp_rt_open(v->ctx, &v->rt);
}

/* Every change is recorded in the run's journal: the engine undoes them
 * when a step or the report fails. */
static int route_add(struct xhp_op *op)
{
	struct vr *v;
	int r;

	r = vr_init(op, &v);
	if (r >= 0)
		r = gateway_find(v, true);
	if (r >= 0)
		r = check_gateway_entries(v);
	if (r >= 0)
		r = xhp_guest_policy_prepare(
			op, NULL, op->req->kind == XHP_KIND_TAP, &v->gp);
	if (r >= 0)
		r = vif_prepare(v);
	if (r < 0)
		return r;
	gateway_ndp(v);
	r = plumb(v);
	if (r >= 0)
		xhp_debug(v->ctx,
			  "vif-route %s of %s done: %zu route(s) through %s",
			  xhp_request_action_to_string(op->req->action),
			  v->vif.name, v->n_ips, v->gw);
	return r;
}

static int route_remove(struct xhp_op *op)
{
	struct vr *v;
	int r;

	r = vr_init(op, &v);
	if (r >= 0)
		r = gateway_find(v, false);
	if (r >= 0)
		r = vif_find(v);
	if (r >= 0)
		r = unplumb(v);
	return r;
}

static const char *const vif_route_settings[] = {
	"antispoof", "gatewaydev", "ip",      "mac",
	"netdev",    "rate",	   "vifname", NULL,
};
static const char *const vif_route_remove_settings[] = {
	"gatewaydev", "ip", "netdev", "vifname", NULL,
};

const struct xhp_personality xhp_personality_vif_route = {
	.name = "vif-route",
	.kinds = (1u << XHP_KIND_VIF) | (1u << XHP_KIND_TAP),
	.settings = vif_route_settings,
	.remove_settings = vif_route_remove_settings,
	.add = route_add,
	.remove = route_remove,
	.release = vr_free,
};
