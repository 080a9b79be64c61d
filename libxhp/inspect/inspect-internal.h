/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The inspection (xhp/inspect.h): its layout, and the checks of each
 * personality (inspect_net.c: vif-bridge, vif-openvswitch, vif-route;
 * inspect_block.c: block). A check adds host facts and drifts; a lookup
 * that fails for another reason than the object being absent fails the
 * inspection (a negative errno with the message on the context), except
 * OVSDB, whose absence is an "unchecked" drift.
 */
#ifndef XHP_INSPECT_INTERNAL_H
#define XHP_INSPECT_INTERNAL_H

#include <jansson.h>

#include "internal.h"
#include "nl.h"
#include "request.h"

#define XHP_INSPECT_FACTS_MAX 32
#define XHP_INSPECT_DRIFTS_MAX 16

struct xhp_fact {
	char *key;
	char *value;
};

struct xhp_facts {
	struct xhp_fact v[XHP_INSPECT_FACTS_MAX];
	size_t n;
};

struct xhp_drift_entry {
	int code;
	char *message;
	bool tap; /* about the emulated NIC's tap (inspect_tap.c) */
	char device[IFNAMSIZ]; /* the link it is about, "": none */
};

struct xhp_inspection {
	char *backend_path; /* absolute */
	char *personality; /* the script's basename, NULL: none */
	int kind;
	unsigned int domid, devid;
	bool connected;
	struct xhp_facts xs, host;
	struct xhp_drift_entry drift[XHP_INSPECT_DRIFTS_MAX];
	size_t n_drift;
};

/* One inspection under way. */
struct xhp_insp {
	xhp_ctx *ctx;
	const xhp_request *req;
	struct xhp_inspection *ins;
	struct xhp_nl *nl; /* opened by the network checks */
	struct xhp_link master; /* the vif's master, ifindex 0: none */
	/* inspect_tap.c: the tap under check (drifts are the tap's) */
	bool tap;
	char tap_name[IFNAMSIZ];
	/*
	 * The key cache: the backend's directory (what exists), and the
	 * keys read, as the inspection's xenstore facts (ins->xs). Read up
	 * front, in two round trips (inspect.c): "state", "online",
	 * "hotplug-status", "hotplug-error", "script"; a vbd's "node" and
	 * "physical-device"; the personality's settings (its ops table).
	 * A check that needs another key asks xhp_insp_xs_need().
	 */
	char **names;
	unsigned int n_names;
};

/* At most this many keys are read in one round trip. */
#define INSPECT_BATCH_MAX 24

/* Add a xenstore fact (@value is taken, NULL: out of memory). */
int xhp_insp_xs_put(struct xhp_insp *in, const char *key, char *value);

/* A xenstore fact of the backend (NULL: absent or empty). */
const char *xhp_insp_xs(const struct xhp_insp *in, const char *key);

/*
 * A key of the backend that the up-front reads may have skipped: from
 * the cache, else read (one round trip) when the directory lists it.
 * NULL: absent or empty, or a failure (*ret: 0 or a negative errno,
 * said).
 */
const char *xhp_insp_xs_need(struct xhp_insp *in, const char *key, int *ret);

/* Add a host fact (copied; printf format). 0 or -ENOMEM (said). */
int xhp_insp_host(struct xhp_insp *in, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Add a drift with a message (printf format). 0 or -ENOMEM (said). */
int xhp_insp_drift(struct xhp_insp *in, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The checks, for a connected device (and the facts of any). */
int xhp_inspect_vif_bridge(struct xhp_insp *in);
int xhp_inspect_vif_openvswitch(struct xhp_insp *in);
int xhp_inspect_vif_route(struct xhp_insp *in);
int xhp_inspect_block(struct xhp_insp *in);

/*
 * The guest network policy of the vif @l, or of the tap @l while
 * in->tap (inspect_tap.c), (inspect_policy.c): what the backend's keys
 * ask for (on bridge @bridge, NULL: routed) beside the device's table: a
 * policy-missing or policy-differs drift, or an unchecked one when the
 * keys are bad; the host fact "policy" (the tap's: "tap-policy").
 */
int xhp_inspect_policy(struct xhp_insp *in, const struct xhp_link *l,
		       const char *bridge);

/*
 * Compare the result of the OVSDB transaction of an inspection
 * (selects of Port, Interface and Bridge, in that order) with what the
 * backend's bridge, vlan and mac keys ask for, adding facts and drifts.
 * @res comes from the server: any shape is handled.
 */
int xhp_inspect_ovs_reply(struct xhp_insp *in, const char *dev, json_t *res);

/*
 * The vif's link (vifname.h's rule: its protocol name, or its vifname
 * with this backend's mark) with its host facts (link, alias, up, mtu,
 * kind, master); -ENODEV when there is none (a link-missing drift is
 * added when the device is connected). Opens in->nl.
 */
int xhp_insp_vif_link(struct xhp_insp *in, struct xhp_link *ret);

/*
 * xhp_insp_vif_link() for a check of a connected vif's plumbing, with
 * the link-down drift added when it is down: 1 when there is a link to
 * check further, 0 when there is nothing to check (no link, or the
 * device is not connected), or a negative errno.
 */
int xhp_insp_vif_link_up(struct xhp_insp *in, struct xhp_link *ret);

/*
 * The emulated NIC's tap of a connected vif (inspect_tap.c): when it
 * exists (vifname.h's rule, "-emu"), its host facts ("tap", "tap-up",
 * "tap-mtu", "tap-master", "tap-policy"...) and the checks of the
 * personality that plugged it (vif-bridge: master, up, MTU, guest
 * network policy; vif-openvswitch: up and its Port; vif-route: up and
 * policy), its drifts marked as the tap's. A tap that does
 * not exist is no drift (no device model runs, or a PV guest). Opens
 * in->nl if needed.
 */
int xhp_inspect_tap(struct xhp_insp *in);

/* inspect_ovs.c: check the Port of @dev (the tap) as a vif's; 0 or a
 * negative errno (an OVSDB that cannot be reached: an unchecked drift). */
int xhp_inspect_ovs_port(struct xhp_insp *in, const char *dev);

/*
 * Repair one part of a connected vif (inspect.c): its vif (@tap false,
 * online) or its tap (@tap true, add), as xhp_inspection_repair() does;
 * xhp_inspection_repairable_part(): whether that part has drifts and
 * each is one a re-plug fixes. For the host's healing, which keeps the
 * vif and its tap as two devices.
 */
int xhp_inspection_repair_part(xhp_ctx *ctx, const xhp_inspection *ins,
			       bool tap, xhp_result **ret_result);
int xhp_inspection_repairable_part(const xhp_inspection *ins, bool tap);
/* Whether the @n-th drift is about the tap (false past the end). */
bool xhp_inspection_drift_is_tap(const xhp_inspection *ins, size_t n);

/* This domain's id: xenstore "domid" of the home, 0 when absent. */
int xhp_self_domid(xhp_ctx *ctx, unsigned int *ret);

/* Whether /local/domain/<self>/backend/<type>/<domid>/<devid> exists:
 * 1, 0, or a negative errno (said). */
int xhp_backend_exists(xhp_ctx *ctx, const char *type, unsigned int domid,
		       unsigned int devid);

#endif
