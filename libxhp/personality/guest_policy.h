/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The guest network policy of one device, shared by vif-bridge,
 * vif-route and the `policy` personality: what to enforce (the device's
 * settings mac, ip, rate, antispoof, isolated, over the host
 * configuration xhp.conf: its [bridge] policy, then its global
 * antispoof), installed as nf_tables rules (net/nft_policy.h) and the
 * bridge port's isolation flag (net/brport.h), each recorded in the run's
 * journal.
 *
 * Which setting wins: the `antispoof` and `isolated` settings (arguments
 * or caller) over the policy of the device's [bridge] section over the
 * global antispoof (auto by default). `rate` only for taps (an HVM
 * guest's emulated NIC): for a PV vif netback enforces it already.
 */
#ifndef XHP_GUEST_POLICY_H
#define XHP_GUEST_POLICY_H

#include "brport.h"
#include "conf.h"
#include "nft_policy.h"
#include "personality.h"

struct xhp_guest_policy {
	struct xhp_op *op;
	xhp_ctx *ctx;
	int mode; /* enum xhp_antispoof, as resolved */
	int isolated; /* -1: leave the port as it is; 0, 1 */
	struct xhp_nft_policy nft;
	struct xhp_ip *ips; /* owned; nft.ips points here */
	struct xhp_nft *sock; /* the context's (xhp_nft_get), borrowed */
	char ifname[16]; /* the chains installed (undo) */
	/* The port whose isolation this run changed (undo). */
	struct xhp_nl *nl; /* borrowed from the personality */
	struct xhp_link port;
	bool was_isolated;
};

/*
 * Resolve the device's policy: @bridge the bridge it is plugged into
 * (NULL: routed), @tap whether it is an emulated NIC's tap. Every value
 * is checked here, before anything is changed. Returns 0, -EINVAL
 * (message names the key and the source, or the file and line of
 * xhp.conf), -ENOMEM. Caller owns *ret (xhp_guest_policy_free), which
 * must live until the journal is replayed or forgotten.
 */
int xhp_guest_policy_prepare(struct xhp_op *op, const char *bridge, bool tap,
			     struct xhp_guest_policy **ret);
void xhp_guest_policy_free(struct xhp_guest_policy *gp);

/*
 * Whether @dev may carry a guest's policy: never a device that has ports
 * (bridge, openvswitch, bond, team: the policy would police the host's
 * traffic), and for a tap (@tap: the request's kind) only what a
 * toolstack makes for a guest, a tun/tap, macvtap or veth: not a
 * physical NIC, loopback, a VLAN or the bridge that a libvirt domain
 * XML's <target dev> may name. 0, or -EINVAL with the error said.
 */
int xhp_guest_policy_check_dev(xhp_ctx *ctx, const struct xhp_link *dev,
			       bool tap);

/*
 * Install the rules on @ifname in one batch (its old chains go in the
 * same batch, also when nothing is to be enforced). The device's base
 * chain is asked first (one GETCHAIN): when its fingerprint is this very
 * policy's (a re-run of online) nothing is sent, and nothing recorded.
 * Otherwise, when the device had no chains, the journal's undo deletes
 * the new ones; when it had chains with another policy, the undo leaves
 * the new ones in place (the old rules cannot be read back cheaply, and
 * deleting would leave a guest that is plugged with no policy at all;
 * the new one is what its keys ask for). A dry run logs each rule.
 */
int xhp_guest_policy_apply(struct xhp_guest_policy *gp, const char *ifname);

/*
 * Set the isolation flag of bridge port @port if the policy says so and
 * it differs, recorded in the journal (the undo puts it back).
 */
int xhp_guest_policy_isolate(struct xhp_guest_policy *gp, struct xhp_nl *nl,
			     const struct xhp_link *port);

/* Delete the chains of @ifname (none is not an error). */
int xhp_guest_policy_remove(struct xhp_op *op, const char *ifname);

#endif /* XHP_GUEST_POLICY_H */
