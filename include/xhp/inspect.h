/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libxhp: what is plugged, beside what the host has.
 *
 * An inspection reads one backend device: what xenstore says (state,
 * online, hotplug-status, hotplug-error, script and the keys its
 * personality reads) beside what the host has (the link, its name, alias
 * mark, master bridge or Open vSwitch port with tag, trunks and
 * external-ids, up, MTU; the addresses, routes and proxy entries of
 * vif-route; the loop device of a vbd and its backing file), and the
 * list of drifts: each a typed code (enum xhp_drift, and a stable string
 * for scripts) with a message and the link it is about.
 *
 * A vif's emulated NIC (the tap vif<D>.<N>-emu of an HVM guest, plugged
 * by the same personality with type_if=tap) is part of its vif's
 * inspection: when the tap exists, host facts "tap", "tap-up",
 * "tap-mtu", "tap-master" (vif-openvswitch: "tap-ovs-bridge",
 * "tap-ovs-tag" ...) and the same drifts as the vif's (master, up, MTU,
 * Open vSwitch port), with the tap's name in the message and in
 * xhp_inspection_drift_device(). A tap that does not exist is no drift:
 * a PV guest has none, and an HVM guest's exists only while its device
 * model runs. A backend without a script key is inspected as xhp-devd
 * plugs it: a vif as vif-bridge, a vbd as block. Only a device whose hotplug-status is
 * "connected" is expected to be plumbed: another one is described, never
 * said to drift.
 *
 * Cost: per device, a few xenstore reads of its own backend, link
 * lookups by name and index, for vif-route one address dump filtered by
 * the kernel to the vif, for vif-openvswitch one OVSDB transaction of
 * three selects by name. Nothing grows with the number of devices on the
 * host, so a caller may inspect every device (xhp-hotplug status) or one
 * device on an event.
 *
 * For a daemon that heals: on a link or OVSDB event that touches a
 * device, call xhp_device_inspect() for it, and xhp_inspection_repair()
 * when xhp_inspection_repairable() says a re-plug would fix it (a device
 * whose backend has online=0 or is gone is not "connected": nothing to
 * heal). Both are safe to call again at any time.
 *
 * Host leftovers (xhp_leftovers_scan()) are things carrying xhp's marks
 * that no backend owns any more: a link renamed by xhp (its alias is
 * the protocol name vif<D>.<N>[-emu]) whose backend is gone, a loop
 * device whose lo_file_name carries xhp's mark "xhp:<type>/<D>/<N>"
 * whose backend is gone, a hotplug lock file of xhp's (vif-<D>.<N>,
 * block) that no process holds, a guest network policy (the nf_tables
 * chain dev-<ifname> in xhp's table of that name's shard) of a device
 * whose backend is gone: its name vif<D>.<N>[-emu], or that of a link
 * renamed by xhp, with no backend/vif/<D>/<N>, or the name of no link
 * and of no backend's vifname (a netdev chain outlives its device and
 * would attach itself to the next device of that name). Nothing without
 * those marks is listed or removed.
 *
 * Thread-safety: as the context: one thread per context at a time.
 */
#ifndef XHP_INSPECT_H
#define XHP_INSPECT_H

#include <stddef.h>

#include <xhp/common.h>
#include <xhp/ctx.h>
#include <xhp/request.h>
#include <xhp/result.h>

XHP_BEGIN_DECLS

typedef struct xhp_inspection xhp_inspection;
typedef struct xhp_leftovers xhp_leftovers;

/*
 * Kinds of drift. The numbers and the strings (xhp_drift_to_string())
 * are stable: new codes are added at the end.
 */
enum xhp_drift {
	/* "link-missing": the device's link is gone (or its vifname is
	 * held by a link without this backend's mark). */
	XHP_DRIFT_LINK_MISSING = 1,
	/* "link-down": the link is not up. */
	XHP_DRIFT_LINK_DOWN = 2,
	/* "not-on-bridge": vif-bridge's link has no master. */
	XHP_DRIFT_NOT_ON_BRIDGE = 3,
	/* "wrong-bridge": its master is not the bridge key's bridge. */
	XHP_DRIFT_WRONG_BRIDGE = 4,
	/* "bridge-missing": the bridge key's bridge does not exist (a
	 * Linux bridge, or an Open vSwitch Bridge in OVSDB). */
	XHP_DRIFT_BRIDGE_MISSING = 5,
	/* "mtu-differs": the link's MTU is not the mtu key's (vif-bridge:
	 * else its bridge's). */
	XHP_DRIFT_MTU = 6,
	/* "ovs-port-missing": no Open vSwitch Port of the link's name. */
	XHP_DRIFT_OVS_PORT_MISSING = 7,
	/* "ovs-port-different": the Port is on another bridge, or its tag,
	 * trunks or external-ids:attached-mac are not the backend's. */
	XHP_DRIFT_OVS_PORT_DIFFERENT = 8,
	/* "address-missing": vif-route's vif lacks the gateway's address. */
	XHP_DRIFT_ADDRESS_MISSING = 9,
	/* "route-missing": no route to an ip entry through the vif. */
	XHP_DRIFT_ROUTE_MISSING = 10,
	/* "proxy-missing": no proxy neighbour entry for an IPv6 entry. */
	XHP_DRIFT_PROXY_MISSING = 11,
	/* "loop-detached": the loop device in node is not attached. */
	XHP_DRIFT_LOOP_DETACHED = 12,
	/* "loop-other-file": it is attached to a file that is not params. */
	XHP_DRIFT_LOOP_OTHER_FILE = 13,
	/* "unchecked": something could not be checked (OVSDB unreachable,
	 * an unknown personality); the message says what and why. */
	XHP_DRIFT_UNCHECKED = 14,
	/* "policy-missing": the backend's keys (and xhp.conf) ask for a
	 * guest network policy (vif-bridge, vif-route) and the device has
	 * no nf_tables chain dev-<link>; the device is the vif's link or
	 * its emulated NIC's tap (xhp_inspection_drift_device()). Checked
	 * since 1.1 (reserved before). */
	XHP_DRIFT_POLICY_MISSING = 15,
	/* "loop-detaching": the loop device in node will detach itself
	 * when its last user (blkback) closes it: its autoclear flag is
	 * set (`losetup -d` of a device in use does that). Since: 1.1 */
	XHP_DRIFT_LOOP_DETACHING = 16,
	/* "policy-differs": the device's chains hold another policy than
	 * its keys ask for (the fingerprint on its base chain differs), or
	 * it has chains while the keys ask for none. Since: 1.1 */
	XHP_DRIFT_POLICY_DIFFERS = 17
};

/* Kinds of leftovers (stable, as enum xhp_drift). */
enum xhp_leftover {
	XHP_LEFTOVER_LINK = 1, /* "link" */
	XHP_LEFTOVER_LOOP = 2, /* "loop" */
	XHP_LEFTOVER_LOCK = 3, /* "lock" */
	/* "policy": a device's nf_tables chain dev-<ifname> (its guest
	 * network policy) whose device no backend owns. Since: 1.1 */
	XHP_LEFTOVER_POLICY = 4
};

/* Where a fact of an inspection comes from. */
enum xhp_inspect_side { XHP_INSPECT_XENSTORE = 1, XHP_INSPECT_HOST = 2 };

/*
 * xhp_drift_to_string, xhp_leftover_to_string: "not-on-bridge", "link"
 * ...; NULL for an unknown value (static strings). Since: 1.1
 */
XHP_EXPORT const char *xhp_drift_to_string(int drift);
XHP_EXPORT const char *xhp_leftover_to_string(int kind);

/*
 * xhp_device_inspect: inspect @req's device: a vif (xhp_request_new()
 * with XHP_KIND_VIF, its backend path and its protocol name vifD.N) or a
 * vbd/vbd3 (device NULL). The action of @req is not used. The
 * personality is the basename of the backend's script key ("vif-bridge"
 * for /etc/xen/scripts/vif-bridge); another script's device is described
 * from xenstore with one "unchecked" drift when it is connected.
 * Reads only: nothing is changed, no lock is taken.
 * Returns: 0, -EINVAL (a tap or a request without a backend path),
 *   -ENOENT (no such backend), -ECONNREFUSED (no xenstore), or another
 *   negative errno of a failing read; the message is on @ctx. A check
 *   that fails on the host side (OVSDB unreachable) is an "unchecked"
 *   drift, not a failure.
 * Ownership: the caller owns *ret; free with xhp_inspection_free().
 * Since: 1.1
 */
XHP_EXPORT int xhp_device_inspect(xhp_ctx *ctx, const xhp_request *req,
				  xhp_inspection **ret);

/* xhp_inspection_free: NULL-safe; returns NULL. Since: 1.1 */
XHP_EXPORT xhp_inspection *xhp_inspection_free(xhp_inspection *ins);

/*
 * Accessors. Strings are borrowed, valid while @ins lives. Since: 1.1
 *   backend_path: absolute; personality: the script's basename, or
 *   "vif-bridge" (a vif) / "block" (a vbd) when the backend has no script
 *   key, as xhp-devd plugs it; connected: 1 when
 *   hotplug-status is "connected" (the device should be plumbed), else 0.
 */
XHP_EXPORT const char *xhp_inspection_backend_path(const xhp_inspection *ins);
XHP_EXPORT const char *xhp_inspection_personality(const xhp_inspection *ins);
XHP_EXPORT int xhp_inspection_connected(const xhp_inspection *ins);

/*
 * xhp_inspection_value: the fact @key of @side (enum
 * xhp_inspect_side), NULL when absent. Xenstore facts are the backend's
 * keys by their names ("state", "online", "hotplug-status",
 * "hotplug-error", "script", "bridge", "mtu", "node" ...). Host facts:
 * "link" (its name), "alias", "up" ("1"/"0"), "mtu", "master", "kind";
 * vif-openvswitch: "ovs-bridge", "ovs-tag", "ovs-trunks" ("10,20"),
 * "ovs-external-ids" ("k=v,k=v", sorted by key); vif-route: "gateway",
 * "address", "routes" (the entries found, space-separated); vif-bridge
 * and vif-route: "policy" (the fingerprint of the device's nf_tables
 * chains, when it has some); block: "loop" (/dev/loopN),
 * "backing-file"; the tap of a vif: "tap" (its name), "tap-up",
 * "tap-mtu", "tap-master", "tap-ovs-*" (see the top), "tap-policy" (as
 * "policy", the tap's: vif-bridge, vif-route). Since: 1.1
 */
XHP_EXPORT const char *xhp_inspection_value(const xhp_inspection *ins, int side,
					    const char *key);

/*
 * xhp_inspection_value_at: the @n-th fact of @side, in a stable order
 * (xenstore: as listed; host: as found), for listing them all.
 * Returns: 0, -ENOENT past the end, -EINVAL. Since: 1.1
 */
XHP_EXPORT int xhp_inspection_value_at(const xhp_inspection *ins, int side,
				       size_t n, const char **ret_key,
				       const char **ret_value);

/* xhp_inspection_drift_count: the number of drifts (0: clean). Since: 1.1 */
XHP_EXPORT size_t xhp_inspection_drift_count(const xhp_inspection *ins);

/*
 * xhp_inspection_drift_at: the @n-th drift: its code as a string into
 * *ret_code (xhp_drift_to_string()) and a one-line message into
 * *ret_message ("vif1.0 is not on bridge br0 (it has no master)"); either
 * may be NULL. Borrowed, valid while @ins lives.
 * Returns: the enum xhp_drift value (> 0), -ENOENT past the end,
 *   -EINVAL. Since: 1.1
 */
XHP_EXPORT int xhp_inspection_drift_at(const xhp_inspection *ins, size_t n,
				       const char **ret_code,
				       const char **ret_message);

/*
 * xhp_inspection_drift_device: the link the @n-th drift is about: the
 * vif's ("vif1.0", or its vifname), its emulated NIC's tap ("vif1.0-emu",
 * or its vifname-emu), NULL for a vbd's drift or past the end. Borrowed,
 * valid while @ins lives. Since: 1.1
 */
XHP_EXPORT const char *xhp_inspection_drift_device(const xhp_inspection *ins,
						   size_t n);

/*
 * xhp_inspection_repairable: 1 when the device is connected and every
 * drift is one a re-plug fixes (all but link-missing, loop-other-file,
 * unchecked; block's re-plug of a connected vbd keeps its loop device:
 * loop-detaching clears the autoclear flag, loop-detached attaches
 * params again to the same /dev/loopN, which physical-device still
 * names; the policy drifts are fixed by re-applying the policy), 0
 * otherwise (nothing to repair, or something a re-plug cannot fix).
 * Since: 1.1
 */
XHP_EXPORT int xhp_inspection_repairable(const xhp_inspection *ins);

/*
 * xhp_inspection_repair: re-plug the device @ins describes, as its
 * personality's online runs (and, when drifts are about its tap, the
 * tap as its add runs, after the vif; @ret_result is then the tap's) (xhp_device_run_ext() with
 * XHP_DEVICE_NO_REPORT: hotplug-status stays "connected" whatever
 * happens; a failed re-plug undoes what it did). Idempotent: running
 * it on a clean device changes nothing that matters. Inspect again to
 * see the outcome. The backend is read again under the device lock (the
 * one every run of the vif takes) and nothing is done unless it is still
 * connected: hotplug-status "connected", state below 5, online not "0"
 * (a repair never fights an unplug that began after the inspection).
 * @ret_result: may be NULL; as xhp_device_run_ext()'s.
 * Returns: 0 (re-plugged), -EALREADY (no drift: nothing done),
 *   -EOPNOTSUPP (not repairable, see xhp_inspection_repairable(): nothing
 *   done), -ESTALE (no longer connected: nothing done), -ENOENT (the
 *   backend is gone), or the failure of the re-plug; the message is on
 *   @ctx.
 * Since: 1.1
 */
XHP_EXPORT int xhp_inspection_repair(xhp_ctx *ctx, const xhp_inspection *ins,
				     xhp_result **ret_result);

/*
 * xhp_backend_list: the backend devices of this domain (its id is the
 * xenstore key "domid" of the connection's home, 0 when absent) of
 * @type ("vif", "vbd", "vbd3"), optionally of one frontend @domid (-1:
 * all), as absolute backend paths sorted by domid then devid.
 * Returns: the number of paths (>= 0), -EINVAL, -ECONNREFUSED, or the
 *   errno of a failing xenstore call (message on @ctx).
 * Ownership: the caller owns *ret (a NULL-terminated array), free it with
 *   xhp_backend_list_free().
 * Since: 1.1
 */
XHP_EXPORT int xhp_backend_list(xhp_ctx *ctx, const char *type, int domid,
				char ***ret);
/* NULL-safe; returns NULL. Since: 1.1 */
XHP_EXPORT char **xhp_backend_list_free(char **list);

/*
 * xhp_leftovers_scan: the host's leftovers of xhp (see the top). Lists
 * the links once (one dump), the nf_tables chains of family netdev once
 * (one dump), /sys/block's loop devices, and the lock directory
 * (xhp_ctx_set_lock_dir()); a backend is looked up only for a marked
 * object (the vifname keys of all vif backends only when a chain is
 * named after no link and no protocol name). Reads only.
 * Returns: 0, or a negative errno with the message on @ctx.
 * Ownership: the caller owns *ret; free with xhp_leftovers_free().
 * Since: 1.1
 */
XHP_EXPORT int xhp_leftovers_scan(xhp_ctx *ctx, xhp_leftovers **ret);
XHP_EXPORT xhp_leftovers *xhp_leftovers_free(xhp_leftovers *l);
XHP_EXPORT size_t xhp_leftovers_count(const xhp_leftovers *l);

/*
 * xhp_leftovers_at: the @n-th leftover: its name (the link's name,
 * "/dev/loopN", the lock file's path, the chain's name "dev-<ifname>"),
 * the frontend domid its mark names (-1 for a lock without one, such as
 * "block", and for a chain of a name that is no protocol name nor a
 * renamed link's) and a one-line message;
 * each out-parameter may be NULL. Borrowed, valid while @l lives.
 * Returns: the enum xhp_leftover value (> 0), -ENOENT past the end,
 *   -EINVAL. Since: 1.1
 */
XHP_EXPORT int xhp_leftovers_at(const xhp_leftovers *l, size_t n,
				const char **ret_name, int *ret_domid,
				const char **ret_message);

/*
 * xhp_leftovers_remove: remove the @n-th leftover, after checking again
 * that it still carries xhp's mark and has no backend: a link is
 * deleted, a loop device detached (under the "block" lock), a lock file
 * unlinked as its releaser would (flock without waiting, then unlink), a
 * policy's chains flushed and deleted in one nf_tables batch (under the
 * device's hotplug lock vif-<D>.<N> when its domid is known).
 * Returns: 0 removed, 1 gone already, -EBUSY (now owned or held: left
 *   alone), or another negative errno; the message is on @ctx.
 * Since: 1.1
 */
XHP_EXPORT int xhp_leftovers_remove(xhp_ctx *ctx, const xhp_leftovers *l,
				    size_t n);

XHP_END_DECLS

#endif /* XHP_INSPECT_H */
