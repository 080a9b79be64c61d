/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The vif's name, as Xen's vif-common.sh gives it to every network
 * personality: the backend's vifname key (with "-emu" for the emulated
 * NIC of an HVM guest), and rename_vif's check that no other link has
 * that name before the rename.
 */
#ifndef XHP_VIFNAME_H
#define XHP_VIFNAME_H

#include <stdbool.h>

#include "nl.h"

/*
 * The name the vif @device ends up with: @vifname (the vifname key; NULL
 * or "" for none) checked with xhp_parse_vifname, plus "-emu" when @tap;
 * else @device. Returns 0, or -EINVAL with a message naming @device.
 */
int xhp_vifname_resolve(xhp_ctx *ctx, const char *device, const char *vifname,
			bool tap, char ret[IFNAMSIZ]);

/*
 * Find the vif @device that is to be called @want. Either *ret is the
 * link @device and *ret_rename says whether it still is to be renamed,
 * or *ret is the link @want with *ret_rename false (an earlier run
 * renamed it: its alias is @device). Returns 0; -EEXIST, with Xen's
 * message, when another link is called @want already (@device present,
 * or @want not marked as renamed from @device); -ENODEV,
 * without a message (the caller names the device its own way), when
 * there is neither; another negative errno, with a message, when a
 * lookup fails.
 */
int xhp_vifname_find(xhp_ctx *ctx, struct xhp_nl *nl, const char *device,
		     const char *want, struct xhp_link *ret, bool *ret_rename);

/*
 * The vif @device to take down again: the link @want, else the link
 * @device (not renamed, or a failed online undid the rename). -ENODEV,
 * without a message, when there is neither; another negative errno, with
 * a message, when a lookup fails.
 */
int xhp_vifname_lookup(xhp_ctx *ctx, struct xhp_nl *nl, const char *device,
		       const char *want, struct xhp_link *ret);

#endif /* XHP_VIFNAME_H */
