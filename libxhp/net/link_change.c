// SPDX-License-Identifier: LGPL-2.1-or-later
/* A vif's link changes and their exact undo (see link_change.h). */
#include <stdio.h>
#include <string.h>

#include "link_change.h"
#include "undo.h"

const uint8_t xhp_link_dummy_mac[6] = { 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff };

void xhp_link_change_init(struct xhp_link_change *lc, xhp_ctx *ctx,
			  struct xhp_nl *nl, struct xhp_link *dev, bool dry_run)
{
	*lc = (struct xhp_link_change){
		.ctx = ctx,
		.nl = nl,
		.dry_run = dry_run,
		.dev = dev,
		.orig = *dev,
	};
}

/* Bring the link up or down; @always: even if it is so already. */
static int set_up(struct xhp_link_change *lc, bool up, bool always)
{
	struct xhp_link *d = lc->dev;
	bool change = !!(d->flags & IFF_UP) != up;
	int r;

	if (!change && !always)
		return 0;
	if (!xhp_dry(lc->ctx, lc->dry_run, "bring %s %s", d->name,
		     up ? "up" : "down")) {
		r = xhp_link_set_up(lc->ctx, lc->nl, d, up);
		if (r < 0)
			return r;
		if (change && up)
			lc->brought_up = true;
		else if (change)
			lc->downed = true;
	}
	if (up)
		d->flags |= IFF_UP;
	else
		d->flags &= ~IFF_UP;
	return 0;
}

int xhp_link_change_down(struct xhp_link_change *lc)
{
	return set_up(lc, false, false);
}

int xhp_link_change_up(struct xhp_link_change *lc)
{
	return set_up(lc, true, false);
}

int xhp_link_change_rename(struct xhp_link_change *lc, const char *name)
{
	struct xhp_link *d = lc->dev;
	int r;

	if (!strcmp(d->name, name))
		return 0;
	if (!xhp_dry(lc->ctx, lc->dry_run, "rename %s to %s", d->name, name)) {
		/* The mark of vifname.h: the name the link had. */
		r = xhp_link_rename(lc->ctx, lc->nl, d, name, d->name);
		if (r < 0)
			return r;
		lc->renamed = true;
	}
	snprintf(d->alias, sizeof(d->alias), "%s", d->name);
	snprintf(d->name, sizeof(d->name), "%s", name);
	return 0;
}

int xhp_link_change_set_mac(struct xhp_link_change *lc, const uint8_t mac[6])
{
	struct xhp_link *d = lc->dev;
	int r;

	if (d->has_addr && !memcmp(d->addr, mac, 6))
		return 0;
	if (!xhp_dry(lc->ctx, lc->dry_run,
		     "set the MAC of %s to %02x:%02x:%02x:%02x:%02x:%02x",
		     d->name, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5])) {
		r = xhp_link_set_mac(lc->ctx, lc->nl, d, mac);
		if (r < 0)
			return r;
		/* Without an address before, there is none to put back. */
		lc->mac_set = lc->orig.has_addr;
	}
	memcpy(d->addr, mac, 6);
	d->has_addr = true;
	return 0;
}

int xhp_link_change_flush_addrs(struct xhp_link_change *lc)
{
	if (xhp_dry(lc->ctx, lc->dry_run, "flush the addresses of %s",
		    lc->dev->name))
		return 0;
	/* A second flush keeps adding to the list: all go back. */
	return xhp_link_flush_addrs(lc->ctx, lc->nl, lc->dev, &lc->addrs);
}

int xhp_link_change_set_mtu(struct xhp_link_change *lc, unsigned int mtu)
{
	struct xhp_link *d = lc->dev;
	int r;

	if (d->mtu == mtu)
		return 0;
	if (!xhp_dry(lc->ctx, lc->dry_run, "set the MTU of %s to %u", d->name,
		     mtu)) {
		r = xhp_link_set_mtu(lc->ctx, lc->nl, d, mtu);
		if (r < 0)
			return r;
		lc->mtu_set = true;
	}
	d->mtu = mtu;
	return 0;
}

int xhp_link_change_set_master(struct xhp_link_change *lc, int master,
			       const char *master_name)
{
	struct xhp_link *d = lc->dev;
	int r;

	if (d->master == master)
		return 0;
	if (!xhp_dry(lc->ctx, lc->dry_run, "add %s to bridge %s", d->name,
		     master_name)) {
		xhp_debug(lc->ctx, "adding %s to bridge %s", d->name,
			  master_name);
		r = xhp_link_set_master(lc->ctx, lc->nl, d, master,
					master_name);
		/* The kernel releases the link from its master before it
		 * looks for the new one: a refusal may have released it. */
		if (r == 0 || d->master)
			lc->enslaved = true;
		if (r < 0)
			return r;
	}
	d->master = master;
	return 0;
}

int xhp_link_change_prepare(struct xhp_link_change *lc, const char *name,
			    unsigned int flags)
{
	struct xhp_err_saved saved;
	int r;

	/* Flushed while up: a down drops the IPv6 addresses (unless
	 * keep_addr_on_down), and the undo could not put them back. */
	r = xhp_link_change_flush_addrs(lc);
	if (r < 0)
		return r;
	r = set_up(lc, false, flags & XHP_LINK_PREPARE_ALWAYS_DOWN);
	if (r < 0)
		return r;
	r = xhp_link_change_rename(lc, name);
	if (r < 0)
		return r;
	xhp_err_save(lc->ctx, &saved);
	r = xhp_link_change_set_mac(lc, xhp_link_dummy_mac);
	if (r < 0 && (flags & XHP_LINK_PREPARE_MAC_BEST_EFFORT)) {
		xhp_debug(lc->ctx, "%s (as Xen, carrying on)", lc->ctx->err);
		xhp_err_restore(lc->ctx, &saved);
		r = 0;
	}
	return r;
}

/* One undo step's result: a failure is logged and the undo carries on. */
static bool undone(xhp_ctx *ctx, int r)
{
	if (r < 0)
		xhp_log(ctx, LOG_WARNING, "undo: %s", ctx->err);
	return r >= 0;
}

static bool recorded(const struct xhp_link_change *lc)
{
	return lc->downed || lc->renamed || lc->mac_set || lc->mtu_set ||
	       lc->enslaved || lc->brought_up || lc->addrs.n;
}

void xhp_link_change_undo(struct xhp_link_change *lc)
{
	const struct xhp_link *o = &lc->orig;
	struct xhp_link *d = lc->dev;
	struct xhp_err_saved saved;
	xhp_ctx *ctx = lc->ctx;
	struct xhp_nl *nl = lc->nl;

	if (!recorded(lc))
		return;
	xhp_err_save(ctx, &saved);
	/* Down first: the kernel renames only a link that is down. */
	if ((lc->brought_up || lc->renamed) &&
	    undone(ctx, xhp_link_set_up(ctx, nl, d, false)))
		d->flags &= ~IFF_UP;
	if (lc->enslaved &&
	    undone(ctx, xhp_link_set_master(ctx, nl, d, o->master, NULL)))
		d->master = o->master;
	if (lc->mtu_set && undone(ctx, xhp_link_set_mtu(ctx, nl, d, o->mtu)))
		d->mtu = o->mtu;
	if (lc->mac_set && undone(ctx, xhp_link_set_mac(ctx, nl, d, o->addr)))
		memcpy(d->addr, o->addr, 6);
	if (lc->addrs.n)
		undone(ctx, xhp_link_restore_addrs(ctx, nl, d, &lc->addrs));
	/* The alias the link had ("" removes the mark), in the same
	 * request: the name and the mark go back together. */
	if (lc->renamed &&
	    undone(ctx, xhp_link_rename(ctx, nl, d, o->name, o->alias))) {
		memcpy(d->name, o->name, IFNAMSIZ);
		memcpy(d->alias, o->alias, sizeof(d->alias));
	}
	if (lc->downed && undone(ctx, xhp_link_set_up(ctx, nl, d, true)))
		d->flags |= IFF_UP;
	lc->downed = lc->renamed = lc->mac_set = lc->mtu_set = false;
	lc->enslaved = lc->brought_up = false;
	xhp_addr_list_clear(&lc->addrs);
	xhp_err_restore(ctx, &saved);
}

void xhp_link_change_clear(struct xhp_link_change *lc)
{
	xhp_addr_list_clear(&lc->addrs);
}
