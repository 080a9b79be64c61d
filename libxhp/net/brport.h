/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A bridge port's isolation flag (IFLA_BRPORT_ISOLATED): isolated ports
 * forward only to ports that are not isolated (the private-VLAN pattern).
 * Read from the port's own RTM_GETLINK (IFLA_INFO_SLAVE_DATA), set with
 * an RTM_SETLINK of family AF_BRIDGE carrying IFLA_PROTINFO, as
 * `bridge link set dev X isolated on` does. No dump.
 */
#ifndef XHP_BRPORT_H
#define XHP_BRPORT_H

#include <stdbool.h>

#include "link.h"

/* Whether bridge port @l is isolated: 0/1, -ENODEV, -EINVAL (@l is not a
 * bridge port), or the kernel's error (message names the port). */
int xhp_bridge_port_isolated(xhp_ctx *ctx, struct xhp_nl *nl,
			     const struct xhp_link *l);

/* Set the isolation flag of bridge port @l (message names the port). */
int xhp_bridge_port_set_isolated(xhp_ctx *ctx, struct xhp_nl *nl,
				 const struct xhp_link *l, bool on);

#endif /* XHP_BRPORT_H */
