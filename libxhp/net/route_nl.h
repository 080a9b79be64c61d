/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Routed plumbing over rtnetlink (on nl.h): a link's addresses (a dump
 * restricted to one ifindex with NETLINK_GET_STRICT_CHK, so the cost does
 * not grow with the links or addresses on the host), addresses, routes,
 * proxy neighbour entries, and the proxy_arp / proxy_ndp sysctls under
 * /proc/sys/net. Link operations are link.h's (on rt->nl).
 *
 * Errors follow net/'s rule (nl.h): every failure sets the context's
 * message naming the step, the device (@dev, the name of @ifindex), the
 * address or route and the kernel's reason with its extended ack
 * ("cannot add route 10.0.0.2/32 dev vif1.0 src 10.0.0.1 metric 2:
 * ..."); only the -ENOENT of an address, route, neighbour or sysctl that
 * is not there comes without one.
 */
#ifndef XHP_ROUTE_NL_H
#define XHP_ROUTE_NL_H

#include <stdbool.h>
#include <stdint.h>

#include "keys.h"
#include "nl.h"

struct xhp_rt {
	xhp_ctx *ctx;
	struct xhp_nl *nl;
};

/* Open the rtnetlink socket with strict dump checking. Caller frees the
 * result with xhp_rt_close() (NULL-safe, returns NULL). */
int xhp_rt_open(xhp_ctx *ctx, struct xhp_rt **ret);
struct xhp_rt *xhp_rt_close(struct xhp_rt *rt);

/* Addresses and prefixes are keys.h's struct xhp_ip. */

/*
 * The first primary (not secondary) IPv4 address of @ifindex, as
 * `ip -4 addr show primary dev X` lists it first. -ENOENT if none.
 */
int xhp_rt_addr_primary4(struct xhp_rt *rt, int ifindex, const char *dev,
			 struct xhp_ip *ret);
/*
 * A global-scope IPv6 address of @ifindex that is not tentative or
 * failed DAD, preferring one that is not deprecated. -ENOENT if none.
 */
int xhp_rt_addr_global6(struct xhp_rt *rt, int ifindex, const char *dev,
			struct xhp_ip *ret);
/* Add @ip to @ifindex: 0 added, 1 it was there already. */
int xhp_rt_addr_add(struct xhp_rt *rt, int ifindex, const char *dev,
		    const struct xhp_ip *ip);
/* Delete @ip from @ifindex: 0 deleted, -ENOENT it was not there. */
int xhp_rt_addr_del(struct xhp_rt *rt, int ifindex, const char *dev,
		    const struct xhp_ip *ip);

/* A unicast route through a device, as vif-route makes them. */
struct xhp_rt_route {
	struct xhp_ip dst; /* dst.prefix is the prefix length */
	int oif;
	struct xhp_ip src; /* preferred source; family 0: none */
	uint32_t metric;
	uint32_t table; /* 0: main */
};

/*
 * Add @r (NLM_F_EXCL) through r->oif, named @dev: 0 added; 1 an identical
 * route (same dst, prefix, device, metric, table and source) was there
 * already; -EEXIST another route to the same destination with the same
 * metric is in the way (the message says so).
 */
int xhp_rt_route_add(struct xhp_rt *rt, const struct xhp_rt_route *r,
		     const char *dev);
/*
 * The fib entry the kernel matches for @dst (out of @oif unless 0) by
 * RTM_F_FIB_MATCH: a lookup, not a dump. -ENOENT if none.
 */
int xhp_rt_route_lookup(struct xhp_rt *rt, const struct xhp_ip *dst, int oif,
			struct xhp_rt_route *ret);
/*
 * Delete the route to r->dst through r->oif (named @dev) with r->metric
 * in r->table (any source): 0 deleted, -ENOENT it was not there.
 */
int xhp_rt_route_del(struct xhp_rt *rt, const struct xhp_rt_route *r,
		     const char *dev);

/* Proxy neighbour (NTF_PROXY) entries for @ip on @ifindex, named @dev. */
/* 1 present, 0 absent. */
int xhp_rt_proxy_has(struct xhp_rt *rt, int ifindex, const char *dev,
		     const struct xhp_ip *ip);
/* 0 added, 1 it was there already. */
int xhp_rt_proxy_add(struct xhp_rt *rt, int ifindex, const char *dev,
		     const struct xhp_ip *ip);
/* 0 deleted, -ENOENT it was not there. */
int xhp_rt_proxy_del(struct xhp_rt *rt, int ifindex, const char *dev,
		     const struct xhp_ip *ip);

/*
 * /proc/sys/net/ipv{4,6}/conf/<dev>/<name> as a small integer (@dev may
 * be "all" or "default"). @family AF_INET or AF_INET6. -ENOENT (no
 * message) when the device (or the family on it) does not exist; other
 * failures say "cannot read net.ipv4.conf.<dev>.<name>" or "cannot set
 * net.ipv4.conf.<dev>.<name>=<value>". Each read and write asks the fault
 * seam first (layer XHP_FAULT_SYSCTL).
 */
int xhp_rt_sysctl_get(xhp_ctx *ctx, int family, const char *dev,
		      const char *name, int *ret);
int xhp_rt_sysctl_set(xhp_ctx *ctx, int family, const char *dev,
		      const char *name, int value);

#endif /* XHP_ROUTE_NL_H */
