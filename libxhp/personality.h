/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A device personality: what one of Xen's scripts does, as a const ops
 * table. device.c runs it and reports the outcome to xenstore.
 */
#ifndef XHP_PERSONALITY_H
#define XHP_PERSONALITY_H

#include "internal.h"
#include "request.h"
#include "result.h"
#include "xs.h"

#define XHP_OP_KEYS_MAX 8

/* One run of a personality. */
struct xhp_op {
	xhp_ctx *ctx;
	const xhp_request *req;
	/* Set by the personality's add on success: */
	int status; /* XHP_STATUS_CONNECTED or NONE */
	struct xhp_kv keys[XHP_OP_KEYS_MAX]; /* more keys for the report */
	char *key_values[XHP_OP_KEYS_MAX]; /* owned copies of values */
	size_t n_keys;
	/* Set by a failing step: the status to report (ERROR or BUSY). */
	int fail_status;
	bool dry_run; /* from the context: log the steps, touch nothing */
	/*
	 * A lock the add still holds when it returns (block: "block", held
	 * across the report as Xen's script holds it across write_dev).
	 * device.c releases it once the report is written, before any undo.
	 */
	xhp_lock *lock;
	xhp_result *res; /* the run's result (device.c) */
	bool reported; /* xhp_op_report() wrote the outcome */
	/*
	 * The report's commit went unanswered and what became of it could
	 * not be found out: xenstore may advertise this run's plumbing
	 * (hotplug-status, the loop device in node), so it is kept.
	 */
	bool report_unknown;
};

/*
 * Whether a failed add may undo its plumbing: not when xenstore may
 * advertise it (op->report_unknown).
 */
static inline bool xhp_op_may_undo(const struct xhp_op *op)
{
	return !op->report_unknown;
}

/*
 * Add a key to the op's report (the value is copied).
 * Returns 0 or -ENOMEM/-E2BIG.
 */
int xhp_op_put(struct xhp_op *op, const char *key, const char *value);

/*
 * Report a successful add from inside the add, as its last step: the
 * op's keys and, when op->status is XHP_STATUS_CONNECTED,
 * hotplug-status=connected, in one transaction. A failure to write them
 * is then a failure of the add, undone by the add's own undo, which
 * knows exactly what this run changed (a remove afterwards would have to
 * guess it from keys that were never written: the renamed device, the
 * loop device's node), unless xhp_op_may_undo() says no: the commit's
 * answer did not come and whether it was applied is unknown. Nothing in
 * a dry run.
 * Returns 0 or a negative errno (message on the context).
 */
int xhp_op_report(struct xhp_op *op);

struct xhp_personality {
	const char *name;
	/* Bit mask of (1 << XHP_KIND_*) this personality serves. */
	unsigned int kinds;
	/* online (vif) / add (tap, block): plumb; undo all on failure. */
	int (*add)(struct xhp_op *op);
	/* offline / remove: unplumb; what is already gone is success. */
	int (*remove)(struct xhp_op *op);
};

extern const struct xhp_personality xhp_personality_vif_bridge;
extern const struct xhp_personality xhp_personality_vif_openvswitch;
extern const struct xhp_personality xhp_personality_vif_route;
extern const struct xhp_personality xhp_personality_block;

#endif
