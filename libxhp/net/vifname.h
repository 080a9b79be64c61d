/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The vif's identity, the one place where the network personalities
 * (vif-bridge, vif-openvswitch, vif-route) decide which link is the
 * backend's device.
 *
 * The backend backend/vif/<domid>/<devid> owns exactly two names:
 *
 *   - its protocol name: vif<domid>.<devid> (netback's vif), or
 *     vif<domid>.<devid>-emu (the emulated NIC's tap), and
 *   - its vifname: the backend's vifname key as Xen's vif-common.sh gives
 *     it (with "-emu" for the tap), but only on a link that carries this
 *     backend's mark.
 *
 * The mark. A link renamed to its vifname carries its protocol name as
 * alias (IFLA_IFALIAS, set in the same request as the new name: see
 * xhp_link_change_rename()). The protocol name is one backend's and
 * one only (domid and devid make it, "-emu" tells the tap from the vif),
 * so an alias equal to it says "renamed from this backend's device" as
 * well as a longer tag would, and it is what the releases before this
 * one wrote: their renamed links stay recognised. A link of the vifname
 * without the mark (another guest's, the uplink, a bridge, a link
 * renamed by Xen's own scripts, which set no alias) is never taken.
 *
 * Anything else (eth0, a bridge, lo, another guest's vif) is not the
 * backend's device: a request that names it is refused before anything
 * is touched (xhp_vifname_init), and a run never acts on it.
 *
 * Runs of the same device are serialized by a per-device hotplug lock
 * the engine takes (engine/device.c), so that two runs (libxl and udev,
 * or xl devd) do not interleave a rename and its lookups; the lookups themselves compare
 * ifindex and mark, never two names read at different times.
 */
#ifndef XHP_VIFNAME_H
#define XHP_VIFNAME_H

#include <stdbool.h>

#include <xhp/lock.h>

#include "nl.h"
#include "request.h"

struct xhp_vifname {
	bool tap; /* the emulated NIC's tap (else netback's vif) */
	bool no_backend; /* a caller's device with no xenstore backend */
	/* For messages: "backend/vif/1/0's vif", "the caller's tap tap0" */
	char owner[IFNAMSIZ + 48];
	/* vif<domid>.<devid>[-emu] (no backend: the device's name); also
	 * the mark */
	char proto[IFNAMSIZ];
	char want[IFNAMSIZ]; /* vifname[-emu], or proto */
	unsigned int domid, devid;
};

/*
 * The names of @req's device (a vif or tap request with its backend's
 * domid and devid): @vifname (the vifname key, NULL or "" for none)
 * checked with xhp_parse_vifname, and the check that the request's
 * device is the protocol's name or that vifname. Pure: no I/O.
 * Returns 0; -EINVAL with a message naming the device and the backend
 * ("device eth0 is not backend/vif/1/0's vif (expected vif1.0 or its
 * vifname)"), or the bad vifname. A request without a backend
 * (xhp_request_new with none) names the caller's own device: that name
 * stands in for the protocol's, and is not checked against anything.
 */
int xhp_vifname_init(xhp_ctx *ctx, const xhp_request *req, const char *vifname,
		     struct xhp_vifname *ret);

/*
 * online/add: the link to plumb. Either *ret is the link of the protocol
 * name and *ret_rename says whether it is still to be renamed to
 * id->want, or *ret is the link id->want, marked as this backend's, with
 * *ret_rename false (an earlier run renamed it). Returns 0; -EEXIST with
 * Xen's message ("Cannot rename interface vif1.0. An interface with name
 * guest0 already exists.") when another link holds the vifname; -ENODEV
 * without a message (the caller names the device its own way) when there
 * is neither; another negative errno, with a message, when a lookup
 * fails.
 */
int xhp_vifname_find(xhp_ctx *ctx, struct xhp_nl *nl,
		     const struct xhp_vifname *id, struct xhp_link *ret,
		     bool *ret_rename);

/*
 * offline/remove: this backend's link, to take down. The link of the
 * protocol name if there is one (not renamed, or a failed online undid
 * the rename), else the link id->want if it carries the mark. Returns 0;
 * -ENODEV without a message when there is neither; -EEXIST, with a
 * message saying whose the link seems to be, when a link holds the
 * vifname without this backend's mark (the caller leaves it alone and
 * says so: nothing of ours to remove); another negative errno, with a
 * message, when a lookup fails.
 */
int xhp_vifname_lookup(xhp_ctx *ctx, struct xhp_nl *nl,
		       const struct xhp_vifname *id, struct xhp_link *ret);

#endif /* XHP_VIFNAME_H */
