// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Routed plumbing over rtnetlink: per-link address dumps (strict, one
 * ifindex), addresses, routes, proxy neighbours and the proxy sysctls.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "fault.h"
#include "route_nl.h"
#include "util.h"

#ifndef NETLINK_GET_STRICT_CHK
#define NETLINK_GET_STRICT_CHK 12
#endif

int xhp_rt_open(xhp_ctx *ctx, struct xhp_rt **ret)
{
	struct xhp_rt *rt;
	int one = 1, r;

	rt = calloc(1, sizeof(*rt));
	if (!rt)
		return xhp_err(ctx, ENOMEM, "out of memory");
	r = xhp_nl_open(ctx, &rt->nl);
	if (r < 0) {
		free(rt);
		return r;
	}
	if (mnl_socket_setsockopt(rt->nl->sock, NETLINK_GET_STRICT_CHK, &one,
				  sizeof(one)) < 0) {
		r = -errno;
		xhp_rt_close(rt);
		return xhp_err(
			ctx, r,
			"cannot enable strict netlink dumps (kernel 4.20 or later needed): %s",
			strerror(-r));
	}
	rt->ctx = ctx;
	*ret = rt;
	return 0;
}

struct xhp_rt *xhp_rt_close(struct xhp_rt *rt)
{
	if (rt) {
		xhp_nl_close(rt->nl);
		free(rt);
	}
	return NULL;
}

static int alen(int family)
{
	return family == AF_INET ? 4 : 16;
}

static int full_len(int family)
{
	return family == AF_INET ? 32 : 128;
}

/* Send and wait; *ext gets the extended-ack text of a failure. */
static int talk(struct xhp_rt *rt, struct nlmsghdr *nlh, mnl_cb_t cb,
		void *data, const char **ext)
{
	return xhp_nl_talk(rt->ctx, rt->nl, nlh, cb, data, ext);
}

/* ---- addresses ---- */

struct addr_scan {
	int family;
	int ifindex;
	/* what to look for */
	enum scan_mode { SCAN_PRIMARY4, SCAN_GLOBAL6 } mode;
	/* result */
	struct xhp_ip found;
	int rank; /* 0: nothing yet; higher is better */
};

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct addr_scan *s = data;
	const struct ifaddrmsg *ifa;
	struct xhp_ifaddr a;
	uint32_t flags;
	const void *p;
	int rank = 0;

	if (xhp_ifaddr_parse(nlh, &a) < 0 || !a.addr)
		return MNL_CB_OK;
	ifa = a.ifa;
	if (ifa->ifa_family != s->family || (int)ifa->ifa_index != s->ifindex)
		return MNL_CB_OK;
	p = a.addr;
	flags = a.flags;
	switch (s->mode) {
	case SCAN_PRIMARY4:
		if (!(flags & IFA_F_SECONDARY) && !s->rank)
			rank = 1;
		break;
	case SCAN_GLOBAL6:
		if (ifa->ifa_scope != RT_SCOPE_UNIVERSE ||
		    (flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED)))
			break;
		rank = flags & IFA_F_DEPRECATED ? 1 : 2;
		break;
	}
	if (rank > s->rank) {
		s->rank = rank;
		s->found.family = s->family;
		memset(s->found.addr, 0, sizeof(s->found.addr));
		memcpy(s->found.addr, p, (size_t)alen(s->family));
		s->found.prefix = ifa->ifa_prefixlen;
	}
	return MNL_CB_OK;
}

/* RTM_GETADDR dump of one link only (strict check: the kernel filters). */
static int addr_dump(struct xhp_rt *rt, struct addr_scan *s, const char *dev)
{
	char q[XHP_QUOTE_MAX];
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	const char *ext;
	int r;

	nlh = xhp_nl_msg(rt->nl, RTM_GETADDR, NLM_F_DUMP);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)s->family;
	ifa->ifa_index = (uint32_t)s->ifindex;
	r = talk(rt, nlh, addr_cb, s, &ext);
	if (r < 0)
		return xhp_nl_fail(rt->ctx, r, ext,
				   "cannot read the addresses of %s",
				   xhp_quote(q, dev));
	return 0;
}

/* The best address of @ifindex for @mode, -ENOENT if none fits. */
static int addr_best(struct xhp_rt *rt, int ifindex, const char *dev,
		     int family, enum scan_mode mode, struct xhp_ip *ret)
{
	struct addr_scan s = { .family = family,
			       .ifindex = ifindex,
			       .mode = mode };
	int r = addr_dump(rt, &s, dev);

	if (r < 0)
		return r;
	if (!s.rank)
		return -ENOENT;
	*ret = s.found;
	return 0;
}

int xhp_rt_addr_primary4(struct xhp_rt *rt, int ifindex, const char *dev,
			 struct xhp_ip *ret)
{
	return addr_best(rt, ifindex, dev, AF_INET, SCAN_PRIMARY4, ret);
}

int xhp_rt_addr_global6(struct xhp_rt *rt, int ifindex, const char *dev,
			struct xhp_ip *ret)
{
	return addr_best(rt, ifindex, dev, AF_INET6, SCAN_GLOBAL6, ret);
}

static struct nlmsghdr *addr_msg(struct xhp_rt *rt, uint16_t type,
				 uint16_t flags, int ifindex,
				 const struct xhp_ip *ip)
{
	struct nlmsghdr *nlh = xhp_nl_msg(rt->nl, type, flags);
	struct ifaddrmsg *ifa;
	size_t l = (size_t)alen(ip->family);

	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)ip->family;
	ifa->ifa_prefixlen = (uint8_t)ip->prefix;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (uint32_t)ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, l, ip->addr);
	mnl_attr_put(nlh, IFA_ADDRESS, l, ip->addr);
	return nlh;
}

int xhp_rt_addr_add(struct xhp_rt *rt, int ifindex, const char *dev,
		    const struct xhp_ip *ip)
{
	struct nlmsghdr *nlh = addr_msg(rt, RTM_NEWADDR,
					NLM_F_CREATE | NLM_F_EXCL, ifindex, ip);
	char q[XHP_QUOTE_MAX], a[XHP_IP_STR];
	const char *ext;
	int r = talk(rt, nlh, NULL, NULL, &ext);

	if (r == -EEXIST)
		return 1;
	if (r < 0)
		return xhp_nl_fail(rt->ctx, r, ext,
				   "cannot add address %s to %s",
				   xhp_ip_str(ip, true, a), xhp_quote(q, dev));
	return 0;
}

int xhp_rt_addr_del(struct xhp_rt *rt, int ifindex, const char *dev,
		    const struct xhp_ip *ip)
{
	struct nlmsghdr *nlh = addr_msg(rt, RTM_DELADDR, 0, ifindex, ip);
	char q[XHP_QUOTE_MAX], a[XHP_IP_STR];
	const char *ext;
	int r = talk(rt, nlh, NULL, NULL, &ext);

	if (r == -EADDRNOTAVAIL || r == -ENODEV)
		return -ENOENT;
	if (r < 0)
		return xhp_nl_fail(rt->ctx, r, ext,
				   "cannot delete address %s from %s",
				   xhp_ip_str(ip, true, a), xhp_quote(q, dev));
	return 0;
}

/* ---- routes ---- */

static struct nlmsghdr *route_msg(struct xhp_rt *rt, uint16_t type,
				  uint16_t flags, const struct xhp_rt_route *r,
				  bool add)
{
	struct nlmsghdr *nlh = xhp_nl_msg(rt->nl, type, flags);
	uint32_t table = r->table ? r->table : RT_TABLE_MAIN;
	int family = r->dst.family;
	struct rtmsg *rtm;

	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)family;
	rtm->rtm_dst_len = (uint8_t)r->dst.prefix;
	rtm->rtm_table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
	rtm->rtm_type = RTN_UNICAST;
	if (add) {
		/* As `ip route add X dev D` makes them. */
		rtm->rtm_protocol = RTPROT_BOOT;
		rtm->rtm_scope = family == AF_INET ? RT_SCOPE_LINK :
						     RT_SCOPE_UNIVERSE;
	} else {
		rtm->rtm_scope = RT_SCOPE_NOWHERE;
	}
	mnl_attr_put(nlh, RTA_DST, (size_t)alen(family), r->dst.addr);
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)r->oif);
	mnl_attr_put_u32(nlh, RTA_PRIORITY, r->metric);
	mnl_attr_put_u32(nlh, RTA_TABLE, table);
	if (add && r->src.family == family)
		mnl_attr_put(nlh, RTA_PREFSRC, (size_t)alen(family),
			     r->src.addr);
	return nlh;
}

/* Parse the fib entry of an RTM_NEWROUTE answer into a route. */
static int route_parse_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct xhp_rt_route *r = data;
	size_t l = (size_t)alen(rtm->rtm_family);
	const struct nlattr *a;

	if (nlh->nlmsg_type != RTM_NEWROUTE ||
	    (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6))
		return MNL_CB_OK;
	memset(r, 0, sizeof(*r));
	r->dst.family = rtm->rtm_family;
	r->dst.prefix = rtm->rtm_dst_len;
	r->table = rtm->rtm_table;
	mnl_attr_for_each(a, nlh, sizeof(*rtm)) {
		switch (mnl_attr_get_type(a)) {
		case RTA_DST:
			if (mnl_attr_get_payload_len(a) == l)
				memcpy(r->dst.addr, mnl_attr_get_payload(a), l);
			break;
		case RTA_PREFSRC:
			if (mnl_attr_get_payload_len(a) == l) {
				r->src.family = rtm->rtm_family;
				r->src.prefix = full_len(rtm->rtm_family);
				memcpy(r->src.addr, mnl_attr_get_payload(a), l);
			}
			break;
		case RTA_OIF:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				r->oif = (int)mnl_attr_get_u32(a);
			break;
		case RTA_PRIORITY:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				r->metric = mnl_attr_get_u32(a);
			break;
		case RTA_TABLE:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				r->table = mnl_attr_get_u32(a);
			break;
		}
	}
	return MNL_CB_OK;
}

int xhp_rt_route_lookup(struct xhp_rt *rt, const struct xhp_ip *dst, int oif,
			struct xhp_rt_route *ret)
{
	struct xhp_rt_route found = { 0 };
	int family = dst->family;
	char a[XHP_IP_STR];
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	const char *ext;
	int e;

	nlh = xhp_nl_msg(rt->nl, RTM_GETROUTE, 0);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)family;
	rtm->rtm_dst_len = (uint8_t)full_len(family);
	rtm->rtm_flags = RTM_F_FIB_MATCH;
	mnl_attr_put(nlh, RTA_DST, (size_t)alen(family), dst->addr);
	if (oif)
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)oif);
	e = talk(rt, nlh, route_parse_cb, &found, &ext);
	if (e == -ENETUNREACH || e == -EHOSTUNREACH || e == -ENOENT ||
	    e == -ESRCH || (e == 0 && !found.dst.family))
		return -ENOENT;
	if (e < 0)
		return xhp_nl_fail(rt->ctx, e, ext,
				   "cannot look up the route to %s",
				   xhp_ip_str(dst, false, a));
	*ret = found;
	return 0;
}

/* Is exactly @r (dst, prefix, device, metric, table, source) there? */
static int route_is_there(struct xhp_rt *rt, const struct xhp_rt_route *r)
{
	size_t l = (size_t)alen(r->dst.family);
	struct xhp_rt_route f;
	int e;

	e = xhp_rt_route_lookup(rt, &r->dst, r->oif, &f);
	if (e == -ENOENT)
		return 0;
	if (e < 0)
		return e;
	return f.dst.family == r->dst.family && f.dst.prefix == r->dst.prefix &&
	       !memcmp(f.dst.addr, r->dst.addr, l) && f.oif == r->oif &&
	       f.metric == r->metric &&
	       f.table == (r->table ? r->table : RT_TABLE_MAIN) &&
	       (r->src.family != r->dst.family ||
		(f.src.family && !memcmp(f.src.addr, r->src.addr, l)));
}

int xhp_rt_route_add(struct xhp_rt *rt, const struct xhp_rt_route *r,
		     const char *dev)
{
	struct nlmsghdr *nlh =
		route_msg(rt, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, r, true);
	char q[XHP_QUOTE_MAX], d[XHP_IP_STR], s[XHP_IP_STR];
	const char *ext;
	int e = talk(rt, nlh, NULL, NULL, &ext), same;

	if (e == 0)
		return 0;
	xhp_ip_str(&r->dst, true, d);
	xhp_quote(q, dev);
	if (e == -EEXIST) {
		same = route_is_there(rt, r);
		if (same < 0)
			return same;
		if (same)
			return 1;
		return xhp_err(
			rt->ctx, EEXIST,
			"cannot add route %s dev %s metric %u: another route to %s with metric %u is in the way (is the address used by another guest?)",
			d, q, r->metric, d, r->metric);
	}
	if (r->src.family)
		xhp_ip_str(&r->src, false, s);
	else
		snprintf(s, sizeof(s), "none");
	return xhp_nl_fail(rt->ctx, e, ext,
			   "cannot add route %s dev %s src %s metric %u", d, q,
			   s, r->metric);
}

int xhp_rt_route_del(struct xhp_rt *rt, const struct xhp_rt_route *r,
		     const char *dev)
{
	struct nlmsghdr *nlh = route_msg(rt, RTM_DELROUTE, 0, r, false);
	char q[XHP_QUOTE_MAX], d[XHP_IP_STR];
	const char *ext;
	int e = talk(rt, nlh, NULL, NULL, &ext);

	if (e == -ESRCH || e == -ENODEV)
		return -ENOENT;
	if (e < 0)
		return xhp_nl_fail(rt->ctx, e, ext,
				   "cannot delete route %s dev %s metric %u",
				   xhp_ip_str(&r->dst, true, d),
				   xhp_quote(q, dev), r->metric);
	return 0;
}

/* ---- proxy neighbours ---- */

static struct nlmsghdr *proxy_msg(struct xhp_rt *rt, uint16_t type,
				  uint16_t flags, int ifindex,
				  const struct xhp_ip *ip)
{
	struct nlmsghdr *nlh = xhp_nl_msg(rt->nl, type, flags);
	struct ndmsg *ndm;

	ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	ndm->ndm_family = (uint8_t)ip->family;
	ndm->ndm_ifindex = ifindex;
	ndm->ndm_flags = NTF_PROXY;
	if (type == RTM_NEWNEIGH)
		ndm->ndm_state = NUD_PERMANENT;
	mnl_attr_put(nlh, NDA_DST, (size_t)alen(ip->family), ip->addr);
	return nlh;
}

/* "cannot <verb> proxy neighbour <ip> on <dev>: <reason>" */
static int proxy_fail(struct xhp_rt *rt, int e, const char *ext,
		      const char *verb, const char *dev,
		      const struct xhp_ip *ip)
{
	char q[XHP_QUOTE_MAX], a[XHP_IP_STR];

	return xhp_nl_fail(rt->ctx, e, ext,
			   "cannot %s proxy neighbour %s on %s", verb,
			   xhp_ip_str(ip, false, a), xhp_quote(q, dev));
}

int xhp_rt_proxy_has(struct xhp_rt *rt, int ifindex, const char *dev,
		     const struct xhp_ip *ip)
{
	struct nlmsghdr *nlh = proxy_msg(rt, RTM_GETNEIGH, 0, ifindex, ip);
	const char *ext;
	int e = talk(rt, nlh, NULL, NULL, &ext);

	if (e == -ENOENT)
		return 0;
	if (e < 0)
		return proxy_fail(rt, e, ext, "look up", dev, ip);
	return 1;
}

int xhp_rt_proxy_add(struct xhp_rt *rt, int ifindex, const char *dev,
		     const struct xhp_ip *ip)
{
	struct nlmsghdr *nlh;
	const char *ext;
	int e = xhp_rt_proxy_has(rt, ifindex, dev, ip);

	if (e != 0)
		return e;
	nlh = proxy_msg(rt, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_EXCL, ifindex,
			ip);
	e = talk(rt, nlh, NULL, NULL, &ext);
	return e < 0 ? proxy_fail(rt, e, ext, "add", dev, ip) : 0;
}

int xhp_rt_proxy_del(struct xhp_rt *rt, int ifindex, const char *dev,
		     const struct xhp_ip *ip)
{
	struct nlmsghdr *nlh = proxy_msg(rt, RTM_DELNEIGH, 0, ifindex, ip);
	const char *ext;
	int e = talk(rt, nlh, NULL, NULL, &ext);

	if (e == -ENOENT || e == -ENODEV)
		return -ENOENT;
	return e < 0 ? proxy_fail(rt, e, ext, "delete", dev, ip) : 0;
}

/* ---- sysctls ---- */

static char fam_digit(int family)
{
	return family == AF_INET ? '4' : '6';
}

static int sysctl_path(xhp_ctx *ctx, int family, const char *dev,
		       const char *name, char *buf, size_t size)
{
	char q[XHP_QUOTE_MAX];
	int n;

	if (!dev[0] || strchr(dev, '/') || !strcmp(dev, ".") ||
	    !strcmp(dev, "..") || strchr(name, '/'))
		return xhp_err(ctx, EINVAL, "bad sysctl net.ipv%c.conf.%s.%s",
			       fam_digit(family), xhp_quote(q, dev), name);
	n = snprintf(buf, size, "/proc/sys/net/ipv%c/conf/%s/%s",
		     fam_digit(family), dev, name);
	if (n < 0 || (size_t)n >= size)
		return xhp_err(ctx, ENAMETOOLONG,
			       "bad sysctl net.ipv%c.conf.%s.%s: name too long",
			       fam_digit(family), xhp_quote(q, dev), name);
	return 0;
}

/* Ask the fault seam before touching /proc/sys ("sysctl write
 * ipv4/vif1.0/proxy_arp"). */
static int sysctl_fault(xhp_ctx *ctx, const char *verb, int family,
			const char *dev, const char *name)
{
	char step[XHP_FAULT_STEP_MAX];

	if (__builtin_expect(!ctx || !ctx->fault, 1))
		return 0;
	snprintf(step, sizeof(step), "sysctl %s ipv%c/%s/%s", verb,
		 fam_digit(family), dev, name);
	return xhp_fault(ctx, XHP_FAULT_SYSCTL, step);
}

/* Read the integer at @path: 0 or a negative errno (no message). */
static int sysctl_read(xhp_ctx *ctx, int family, const char *dev,
		       const char *name, const char *path, int *ret)
{
	char buf[32];
	ssize_t n;
	char *end;
	long v;
	int fd, r;

	r = sysctl_fault(ctx, "read", family, dev, name);
	if (r < 0)
		return r;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	r = n < 0 ? -errno : 0;
	close(fd);
	if (r < 0)
		return r;
	buf[n] = '\0';
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n') || v < INT32_MIN ||
	    v > INT32_MAX)
		return -EIO;
	*ret = (int)v;
	return 0;
}

int xhp_rt_sysctl_get(xhp_ctx *ctx, int family, const char *dev,
		      const char *name, int *ret)
{
	char path[128], q[XHP_QUOTE_MAX];
	int r;

	r = sysctl_path(ctx, family, dev, name, path, sizeof(path));
	if (r < 0)
		return r;
	r = sysctl_read(ctx, family, dev, name, path, ret);
	if (r < 0 && r != -ENOENT)
		return xhp_nl_fail(ctx, r, NULL,
				   "cannot read net.ipv%c.conf.%s.%s",
				   fam_digit(family), xhp_quote(q, dev), name);
	return r;
}

/* Write @value to @path: 0 or a negative errno (no message). */
static int sysctl_write(xhp_ctx *ctx, int family, const char *dev,
			const char *name, const char *path, int value)
{
	char buf[16];
	ssize_t n;
	int fd, r, len;

	r = sysctl_fault(ctx, "write", family, dev, name);
	if (r < 0)
		return r;
	len = snprintf(buf, sizeof(buf), "%d\n", value);
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	n = write(fd, buf, (size_t)len);
	r = n < 0 ? -errno : n != len ? -EIO : 0;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}

int xhp_rt_sysctl_set(xhp_ctx *ctx, int family, const char *dev,
		      const char *name, int value)
{
	char path[128], q[XHP_QUOTE_MAX];
	int r;

	r = sysctl_path(ctx, family, dev, name, path, sizeof(path));
	if (r < 0)
		return r;
	r = sysctl_write(ctx, family, dev, name, path, value);
	if (r < 0 && r != -ENOENT)
		return xhp_nl_fail(ctx, r, NULL,
				   "cannot set net.ipv%c.conf.%s.%s=%d",
				   fam_digit(family), xhp_quote(q, dev), name,
				   value);
	return r;
}
