/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The VLANs of an Open vSwitch Port (its tag, trunks and vlan_mode
 * columns), from Xen's bridge syntax and libxl's vlan setting, shared by
 * vif-openvswitch (a new Port's row) and the `policy` personality (the
 * Port someone else made: libvirt's tap).
 *
 * The vlan setting (keys.h) maps as vif-openvswitch does: the PVID is
 * the tag, every other VLAN a trunk (tagged); with trunks vlan_mode is
 * native-untagged (the PVID untagged, the rest tagged), else OVS's
 * default (an access port of the tag). OVS sends only the PVID
 * untagged: another VLAN marked 'u' is refused.
 */
#ifndef XHP_OVS_VLAN_H
#define XHP_OVS_VLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "keys.h"
#include "ovsdb.h"

struct xhp_ovs_vlan {
	unsigned int tag; /* 0: none */
	uint8_t trunks[(XHP_VLAN_MAX + 8) / 8]; /* bitmap */
	unsigned int n_trunks;
	const char *vlan_mode; /* NULL: OVS's default; static */
};

void xhp_ovs_vlan_trunk_add(struct xhp_ovs_vlan *v, unsigned int vid);
bool xhp_ovs_vlan_trunk_has(const struct xhp_ovs_vlan *v, unsigned int vid);

/*
 * Add the vlan setting @text to @v (empty, or holding a bridge spec's
 * tag and trunks). Returns 0, or -EINVAL with a message naming the value
 * ("bad vlan '...': ..." or "bridge tag T and vlan PVID P disagree").
 */
int xhp_ovs_vlan_add_spec(xhp_ctx *ctx, struct xhp_ovs_vlan *v,
			  const char *text);

/*
 * Put @v into the Port row @row: with @all, all three columns (what @v
 * lacks as an empty set: an update clears it), else only those @v has
 * (an insert). 0 or -ENOMEM.
 */
int xhp_ovs_vlan_put(json_t *row, const struct xhp_ovs_vlan *v, bool all);

/* A Port's VLAN columns before a change, to put them back. */
struct xhp_ovs_port_vlan {
	char *uuid; /* the Port's row */
	json_t *old; /* {tag, trunks, vlan_mode} as they were */
	json_t *now; /* ... as the change set them */
};

void xhp_ovs_port_vlan_clear(struct xhp_ovs_port_vlan *pv);

/*
 * Give the Port named @name the VLANs @v: one transaction (@comment
 * shown by ovsdb-tool) that checks the columns are still as read, sets
 * them and bumps next_cfg (*ret_next_cfg, for xhp_ovsdb_wait_cur_cfg);
 * retried when the Port changed under us. @pv receives the row and its
 * old and new columns once they are read (also on a failure after
 * that: the transaction may have been committed), for
 * xhp_ovs_port_vlan_restore(). With @dry, only the Port is looked up.
 * Returns 0; -ENODEV (no message) when OVSDB has no Port @name; the
 * errors of xhp_ovsdb_transact (-EPROTO: refused, nothing done; -EBUSY:
 * kept changing, nothing done; others: maybe committed), -ENOMEM.
 */
int xhp_ovs_port_set_vlan(xhp_ctx *ctx, struct xhp_ovsdb *db, const char *name,
			  const struct xhp_ovs_vlan *v, const char *comment,
			  bool dry, struct xhp_ovs_port_vlan *pv,
			  int64_t *ret_next_cfg);

/*
 * Put back the columns @pv recorded, if the row is still there and holds
 * what the change set (a Port deleted or changed since is left alone),
 * and bump next_cfg (*ret_next_cfg, -1 when nothing was written).
 */
int xhp_ovs_port_vlan_restore(xhp_ctx *ctx, struct xhp_ovsdb *db,
			      const struct xhp_ovs_port_vlan *pv,
			      const char *comment, int64_t *ret_next_cfg);

#endif /* XHP_OVS_VLAN_H */
