/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtnetlink link operations on top of nl.h: up/down, MAC, MTU, rename,
 * master, address flush, the host's first bridge, bridge port VLANs.
 *
 * Every operation addresses the link by index (never a dump of all links,
 * except xhp_link_first_bridge(), which is the fallback when no bridge is
 * configured). Each returns 0 or a negative errno, and on failure sets
 * the context's error to a message naming the step, the link and the
 * kernel's answer (errno text and extended-ack message). Shared by the
 * network personalities (vif-bridge, vif-route, vif-openvswitch).
 */
#ifndef XHP_LINK_H
#define XHP_LINK_H

#include <linux/if_bridge.h>

#include "keys.h"
#include "nl.h"

/* Bring @l up or down (IFF_UP only; other flags untouched). */
int xhp_link_set_up(xhp_ctx *ctx, struct xhp_nl *nl, const struct xhp_link *l,
		    bool up);

int xhp_link_set_mac(xhp_ctx *ctx, struct xhp_nl *nl, const struct xhp_link *l,
		     const uint8_t mac[6]);

int xhp_link_set_mtu(xhp_ctx *ctx, struct xhp_nl *nl, const struct xhp_link *l,
		     unsigned int mtu);

/*
 * Rename @l to @name (the kernel refuses while the link is up), setting
 * its alias to @alias in the same request when @alias is not NULL ("":
 * remove it). A vif renamed to its vifname carries its old name as alias,
 * so that a later run can tell it from another guest's link of that name
 * (vifname.h).
 * @l->name is left as it was: the caller updates it once the rename is
 * kept.
 */
int xhp_link_rename(xhp_ctx *ctx, struct xhp_nl *nl, const struct xhp_link *l,
		    const char *name, const char *alias);

/*
 * Enslave @l to the link with index @master; 0 releases it (nomaster).
 * @master_name (or NULL) names the bridge in the error message.
 */
int xhp_link_set_master(xhp_ctx *ctx, struct xhp_nl *nl,
			const struct xhp_link *l, int master,
			const char *master_name);

/* Addresses taken from a link, as the kernel listed them. */
struct xhp_addr_list {
	size_t n;
	struct {
		uint8_t msg[256]; /* the RTM_NEWADDR message */
	} * a;
};

/*
 * Delete every IPv4 and IPv6 address of @l. The address dumps are
 * filtered by the kernel to @l's index (NETLINK_GET_STRICT_CHK), so the
 * cost does not grow with the links on the host. @save (may be NULL)
 * collects the deleted addresses for xhp_link_restore_addrs(); clear it
 * with xhp_addr_list_clear().
 */
int xhp_link_flush_addrs(xhp_ctx *ctx, struct xhp_nl *nl,
			 const struct xhp_link *l, struct xhp_addr_list *save);
/* Put addresses saved by a flush back on @l (undo). */
int xhp_link_restore_addrs(xhp_ctx *ctx, struct xhp_nl *nl,
			   const struct xhp_link *l,
			   const struct xhp_addr_list *saved);
void xhp_addr_list_clear(struct xhp_addr_list *list);

/*
 * The host's first bridge, as Xen's vif-bridge picks one when none is
 * configured (`brctl show`: bridges sorted by name, the first). One
 * RTM_GETLINK dump filtered by the kernel on kind "bridge". -ENODEV when
 * there is no bridge. Only for that fallback: it costs a dump.
 */
int xhp_link_first_bridge(xhp_ctx *ctx, struct xhp_nl *nl,
			  struct xhp_link *ret);

/*
 * Every link of the namespace, one RTM_GETLINK dump: @fn is called for
 * each (returning < 0 stops the walk with that value). For host-wide
 * scans only (the leftovers of xhp_leftovers_scan()), never per device.
 */
int xhp_link_walk(xhp_ctx *ctx, struct xhp_nl *nl,
		  int (*fn)(const struct xhp_link *l, void *userdata),
		  void *userdata);

/* Delete @l (RTM_DELLINK by index). -ENODEV, without a message, when it
 * is gone already. */
int xhp_link_delete(xhp_ctx *ctx, struct xhp_nl *nl, const struct xhp_link *l);

/* A bridge's VLAN settings (IFLA_INFO_DATA of kind "bridge"). */
struct xhp_bridge_info {
	bool vlan_filtering; /* IFLA_BR_VLAN_FILTERING */
	uint16_t default_pvid; /* IFLA_BR_VLAN_DEFAULT_PVID, 0 if absent */
};

/* Read @br's VLAN settings (-ENODEV if gone, -EINVAL if not a bridge). */
int xhp_bridge_info_get(xhp_ctx *ctx, struct xhp_nl *nl,
			const struct xhp_link *br, struct xhp_bridge_info *ret);

/* At most this many IFLA_BRIDGE_VLAN_INFO entries per message (every
 * VLAN once, plus a split range around the PVID), and a buffer they fit
 * in. */
#define XHP_VLAN_INFO_MAX (XHP_VLAN_MAX + 2)
#define XHP_VLAN_MSG_MAX (64 + 8 * XHP_VLAN_INFO_MAX)

/*
 * Build the AF_BRIDGE message that gives port @ifindex the VLANs of
 * @spec (@type RTM_SETLINK) or takes them away (@type RTM_DELLINK), in
 * @buf (@size bytes, MNL_SOCKET_BUFFER_SIZE is plenty):
 *
 *   nlmsghdr(@type, NLM_F_REQUEST) + ifinfomsg(AF_BRIDGE, @ifindex)
 *   IFLA_AF_SPEC {
 *     IFLA_BRIDGE_VLAN_INFO { flags, vid }   one per VLAN, or a pair
 *                                            RANGE_BEGIN / RANGE_END
 *   }
 *
 * The PVID is a single entry with BRIDGE_VLAN_INFO_PVID (the kernel
 * refuses PVID in a range); a range holding the PVID is split around it.
 * A stride (step > 1) gives one entry per VLAN. BRIDGE_VLAN_INFO_UNTAGGED
 * as each range says. Returns the message, or
 * NULL if it does not fit (@buf too small or too many entries).
 */
struct nlmsghdr *xhp_bridge_vlan_msg(void *buf, size_t size, uint16_t type,
				     int ifindex,
				     const struct xhp_vlan_spec *spec);

/* The same for one VLAN @vid with @flags (BRIDGE_VLAN_INFO_*). */
struct nlmsghdr *xhp_bridge_vlan_msg_one(void *buf, size_t size, uint16_t type,
					 int ifindex, uint16_t vid,
					 uint16_t flags);

/*
 * Give port @l the VLANs of @spec and drop the bridge's default PVID
 * (@default_pvid, 0: none) from it unless @spec names it.
 */
int xhp_bridge_port_set_vlans(xhp_ctx *ctx, struct xhp_nl *nl,
			      const struct xhp_link *l,
			      const struct xhp_vlan_spec *spec,
			      uint16_t default_pvid);

/*
 * Undo xhp_bridge_port_set_vlans() on a port that had the bridge's
 * default VLAN only (as a port has when enslaved): take @spec's VLANs
 * away and give @default_pvid (0: none) back as PVID, untagged.
 */
int xhp_bridge_port_unset_vlans(xhp_ctx *ctx, struct xhp_nl *nl,
				const struct xhp_link *l,
				const struct xhp_vlan_spec *spec,
				uint16_t default_pvid);

#endif /* XHP_LINK_H */
