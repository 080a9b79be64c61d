/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The changes a network personality makes to its vif's link, recorded so
 * that a failed add can put the link back exactly as it was found.
 *
 * Shared by vif-bridge, vif-openvswitch and vif-route: each finds its vif
 * (vifname.h), hands the link to xhp_link_change_init() and then takes the
 * steps it needs:
 *
 *   flush the addresses, down, rename (vifname, with the old name as
 *   alias), MAC, MTU, master, up
 *
 * (xhp_link_change_prepare() is the first four, as Xen's scripts do them
 * before they plug the vif in). Each step changes only what differs,
 * keeps the caller's link up to date and records what it changed.
 * xhp_link_change_undo() reverses exactly that.
 *
 * Dry run: a step that would change something logs "dry run: would ..."
 * at LOG_INFO, updates the caller's link as if done and records nothing,
 * so the undo of a dry run touches nothing.
 */
#ifndef XHP_LINK_CHANGE_H
#define XHP_LINK_CHANGE_H

#include "link.h"

/* Xen's dummy MAC: the numerically largest non-broadcast address. */
extern const uint8_t xhp_link_dummy_mac[6];

struct xhp_link_change {
	xhp_ctx *ctx;
	struct xhp_nl *nl;
	bool dry_run;
	struct xhp_link *dev; /* the caller's link, kept as it is now */
	struct xhp_link orig; /* the link as found */
	/* What this run changed, for the undo. */
	bool downed, renamed, mac_set, mtu_set, enslaved, brought_up;
	struct xhp_addr_list addrs; /* flushed */
};

/*
 * Start recording changes to @dev (borrowed: it must outlive @lc and is
 * updated by every step) as it is now. A zeroed struct xhp_link_change
 * is a valid empty record too: its undo and clear do nothing.
 */
void xhp_link_change_init(struct xhp_link_change *lc, xhp_ctx *ctx,
			  struct xhp_nl *nl, struct xhp_link *dev,
			  bool dry_run);

/* Bring the link down, if it is up. */
int xhp_link_change_down(struct xhp_link_change *lc);

/*
 * Rename the link to @name, unless it is called that already, marking it
 * with its old name as alias (the mark of vifname.h, in the same request;
 * the kernel refuses while the link is up). The undo puts back the name
 * and the alias the link had before.
 */
int xhp_link_change_rename(struct xhp_link_change *lc, const char *name);

/*
 * Set the MAC to @mac, unless it has that one already. The undo can put
 * the old one back only if the link had one (has_addr).
 */
int xhp_link_change_set_mac(struct xhp_link_change *lc, const uint8_t mac[6]);

/* Delete every address of the link, keeping them for the undo. */
int xhp_link_change_flush_addrs(struct xhp_link_change *lc);

/* Set the MTU to @mtu, unless it has that one already. */
int xhp_link_change_set_mtu(struct xhp_link_change *lc, unsigned int mtu);

/*
 * Enslave the link to the bridge @master (an ifindex, named @master_name
 * in messages), unless it is its port already.
 */
int xhp_link_change_set_master(struct xhp_link_change *lc, int master,
			       const char *master_name);

/* Bring the link up, if it is down. */
int xhp_link_change_up(struct xhp_link_change *lc);

/* Ways of xhp_link_change_prepare(). */
enum {
	/* A refused MAC is logged at LOG_DEBUG and passed over, the
	 * context's error left as it was (Xen's vif-openvswitch ignores
	 * it). */
	XHP_LINK_PREPARE_MAC_BEST_EFFORT = 1 << 0,
	/* Send the down also when the link was found down (it may have
	 * come up since); the undo still brings up only what was up. */
	XHP_LINK_PREPARE_ALWAYS_DOWN = 1 << 1,
};

/*
 * Xen's preparation of a vif before it is plugged in: flush the
 * addresses, down, rename to @name, the dummy MAC. (Xen flushes after
 * the down; flushed first, the IPv6 addresses the kernel drops on a down
 * are kept for the undo too.) @flags: XHP_LINK_PREPARE_*.
 */
int xhp_link_change_prepare(struct xhp_link_change *lc, const char *name,
			    unsigned int flags);

/*
 * Reverse what the steps recorded, in reverse order: down (if brought
 * up or renamed), master, MTU, MAC, addresses, name (with the alias the
 * link had, or none), up (if brought down). Keeps going past a failure,
 * logging each at LOG_WARNING
 * as "undo: ..."; the context's last error is left as it was (the first
 * error's message). Afterwards nothing is recorded any more.
 */
void xhp_link_change_undo(struct xhp_link_change *lc);

/* Free what @lc holds (the saved addresses). */
void xhp_link_change_clear(struct xhp_link_change *lc);

#endif /* XHP_LINK_CHANGE_H */
