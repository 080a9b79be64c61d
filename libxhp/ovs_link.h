/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The few link operations vif-openvswitch needs (rtnetlink by ifindex):
 * up/down, MAC, address flush, rename. Kept apart from the bridge
 * personality's link.c, written in parallel; to be merged into it.
 */
#ifndef XHP_OVS_LINK_H
#define XHP_OVS_LINK_H

#include <stdbool.h>
#include <stdint.h>

#include "nl.h"

/* Set IFF_UP on or off. Returns 0 or the kernel's negative errno, with a
 * message naming @name. */
int xhp_ovs_link_set_up(xhp_ctx *ctx, struct xhp_nl *nl, int ifindex,
			const char *name, bool up);

/* Set the link's MAC address. Returns 0 or negative errno (no message:
 * the caller decides whether it matters). */
int xhp_ovs_link_set_mac(xhp_ctx *ctx, struct xhp_nl *nl, int ifindex,
			 const uint8_t mac[6]);

/* Remove every IPv4 and IPv6 address of the link. */
int xhp_ovs_link_flush_addrs(xhp_ctx *ctx, struct xhp_nl *nl, int ifindex,
			     const char *name);

/* Rename a (down) link. Returns 0 or negative errno with a message. */
int xhp_ovs_link_rename(xhp_ctx *ctx, struct xhp_nl *nl, int ifindex,
			const char *old_name, const char *new_name);

#endif
