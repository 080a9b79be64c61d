/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The leftovers list (leftovers.c) as its kinds' files fill it:
 * leftovers.c the links, loop devices and locks, leftovers_policy.c the
 * devices' nf_tables chains.
 */
#ifndef XHP_LEFTOVERS_H
#define XHP_LEFTOVERS_H

#include "inspect-internal.h"
#include "nft.h"

#define LEFTOVERS_MAX 256

struct leftover {
	int kind;
	int domid; /* -1: none */
	unsigned int devid;
	char type[8]; /* the backend type of the mark */
	char *name;
	char *message;
	int ifindex; /* link */
	unsigned int index; /* loop */
	char mark[256]; /* link, policy: the alias; loop: the tag */
	/* policy: the chain's table and device, and how it is judged */
	char table[XHP_NFT_TABLE_NAME_MAX];
	char ifname[IFNAMSIZ];
	int owner; /* enum policy_owner (leftovers_policy.c) */
};

struct xhp_leftovers {
	struct leftover v[LEFTOVERS_MAX];
	size_t n;
};

/* The links with xhp's mark (an alias vif<D>.<N>[-emu] that is not their
 * name), from the scan's one dump. */
struct marked_links {
	struct xhp_link *v;
	size_t n, cap;
};

/* Add a copy of @o named @name with its message (printf format); past
 * LEFTOVERS_MAX, nothing. 0 or -ENOMEM (said). */
int xhp_leftovers_add(xhp_ctx *ctx, xhp_leftovers *l, const struct leftover *o,
		      const char *name, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* The devices' chains of no backend (leftovers_policy.c): one dump of
 * the chains; @links the marked links, @nl for lookups by name. 0 or
 * -errno (said). */
int xhp_leftovers_scan_policy(xhp_ctx *ctx, struct xhp_nl *nl,
			      const struct marked_links *links,
			      xhp_leftovers *l);

/* Remove a policy leftover: 0, 1 (gone already), -EBUSY, -errno. */
int xhp_leftovers_remove_policy(xhp_ctx *ctx, const struct leftover *o);

#endif
