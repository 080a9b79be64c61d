/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A device personality: what one of Xen's scripts does, as a const ops
 * table, and the run (struct xhp_op) the engine hands it.
 *
 * The engine (device.c) does what is the same for every personality:
 * Xen's combination rules, the deadline, the settings (resolved with one
 * precedence and checked before the personality runs, settings_resolve.c),
 * the undo journal (replayed when the add or its report fails), the
 * report policy (report.c) and the result. A personality checks
 * everything, then changes the host, recording each change in
 * op->journal; it never reports nor undoes by itself.
 */
#ifndef XHP_PERSONALITY_H
#define XHP_PERSONALITY_H

#include "internal.h"
#include "request.h"
#include "result.h"
#include "settings.h"
#include "undo.h"
#include "xs.h"

#define XHP_OP_KEYS_MAX 8

/* A setting as the engine resolved it for this run. */
struct xhp_op_setting {
	const struct xhp_setting_def *def;
	char *value; /* NULL: no source has it (or only empty values) */
	int source; /* XHP_SOURCE_*, 0 when absent */
};

/* One run of a personality. */
struct xhp_op {
	xhp_ctx *ctx;
	const xhp_request *req;
	const struct xhp_personality *p;
	bool dry_run; /* log the steps, touch nothing */
	/* Results go to xenstore (hotplug-status, hotplug-error and the
	 * keys below) under req->backend_path; false: the result only. */
	bool report;
	/* Settings: read from xenstore (else only the caller's, argv and
	 * the environment). */
	bool xenstore;
	/* A re-plug of a connected device (xhp_device_rerun()): check,
	 * under the device lock, that it is still connected. */
	bool recheck;
	const xhp_settings *caller; /* may be NULL */
	struct xhp_op_setting *settings; /* one per p->settings key */
	size_t n_settings;
	/* Keys the add reports besides hotplug-status (block: node ...). */
	struct xhp_kv keys[XHP_OP_KEYS_MAX];
	char *key_values[XHP_OP_KEYS_MAX]; /* owned copies of values */
	size_t n_keys;
	/* Keys under one other directory (vif-bridge: the frontend's mtu),
	 * written in the report's transaction when that directory exists. */
	char *side_base;
	struct xhp_kv side_keys[2];
	char *side_values[2];
	size_t n_side;
	/* Set by a failing step: the status to report (ERROR or BUSY). */
	int fail_status;
	struct xhp_journal journal; /* what the run changed */
	/* The personality's state, kept until the journal is replayed or
	 * forgotten (its entries may point into it); freed by
	 * p->release. */
	void *priv;
	/*
	 * A lock the add still holds when it returns (block: "block", held
	 * across the report as Xen's script holds it across write_dev).
	 * The engine releases it once the report is written, before any
	 * undo.
	 */
	xhp_lock *lock;
	/* The device's own lock (vif and tap: "vif-<domid>.<devid>"), held
	 * for the whole run, undo included (device.c). */
	xhp_lock *device_lock;
	xhp_result *res; /* the run's result */
	/* The add found its work done by an earlier run (block:
	 * physical-device is written): nothing is reported, as Xen's
	 * script exits 0 then. */
	bool unchanged;
	/*
	 * The report's commit went unanswered and what became of it could
	 * not be found out (xs.h: xhp_xs_commit_unknown): xenstore may
	 * advertise this run's plumbing (hotplug-status, the loop device in
	 * node), so the journal is not replayed.
	 */
	bool report_unknown;
};

/*
 * A resolved setting's value (NULL when absent). @key must be one of the
 * personality's settings (else NULL, and a debug line says so).
 */
const char *xhp_op_setting(const struct xhp_op *op, const char *key);

/* Where @key came from: XHP_SOURCE_*, or 0 when absent. */
int xhp_op_setting_source(const struct xhp_op *op, const char *key);

/*
 * Add a key to the op's report (the value is copied).
 * Returns 0 or -ENOMEM/-E2BIG.
 */
int xhp_op_put(struct xhp_op *op, const char *key, const char *value);

/*
 * Add a key under @base (not the backend: the frontend's directory),
 * written in the report's transaction if @base exists then, never
 * creating it (all copied; one @base per op). Returns 0 or
 * -ENOMEM/-E2BIG/-EINVAL.
 */
int xhp_op_put_side(struct xhp_op *op, const char *base, const char *key,
		    const char *value);

struct xhp_personality {
	const char *name;
	/* Bit mask of (1 << XHP_KIND_*) this personality serves. */
	unsigned int kinds;
	/* The settings its add reads, and its remove (a subset: a teardown
	 * reads only what it needs), NULL-terminated (settings.h's
	 * table). */
	const char *const *settings;
	const char *const *remove_settings;
	/* online (vif) / add (tap, block): plumb, recording every change
	 * in op->journal. */
	int (*add)(struct xhp_op *op);
	/* offline / remove: unplumb; what is already gone is success. */
	int (*remove)(struct xhp_op *op);
	/* Free op->priv (after the journal is replayed or forgotten). */
	void (*release)(void *priv);
};

extern const struct xhp_personality xhp_personality_vif_bridge;
extern const struct xhp_personality xhp_personality_vif_openvswitch;
extern const struct xhp_personality xhp_personality_vif_route;
extern const struct xhp_personality xhp_personality_block;
extern const struct xhp_personality xhp_personality_policy;

/* The personality called @name, or NULL (device.c). */
const struct xhp_personality *xhp_personality_find(const char *name);

/*
 * The settings @name's remove reads (NULL-terminated; NULL for an unknown
 * personality): what a caller keeps to unplug once the backend is gone.
 */
const char *const *xhp_personality_remove_settings(const char *name);

/* Report policy (report.c). */
/* Whether a successful @action of a @kind device writes connected. */
bool xhp_report_connects(int kind, int action);
/* The success of an add: the op's keys, hotplug-status=connected when
 * xhp_report_connects, hotplug-error removed; one transaction. */
int xhp_report_success(struct xhp_op *op);
/* A failure: hotplug-error and hotplug-status (error or busy). */
int xhp_report_failure(xhp_ctx *ctx, const char *backend_path, int status,
		       const char *message);

/* Resolve the personality's settings (settings_resolve.c). */
int xhp_op_resolve_settings(struct xhp_op *op);

/*
 * xhp_device_rerun: xhp_device_run_ext() for a device that should be
 * connected (a repair, a heal): once the device lock is held, the
 * backend is read again and nothing is done unless its hotplug-status is
 * "connected", its state below 5 (Closing) and its online not "0".
 * Returns: as xhp_device_run_ext(), or -ESTALE (no longer connected:
 *   nothing done), -ENOENT (the backend is gone); message on @ctx.
 */
int xhp_device_rerun(xhp_ctx *ctx, const char *personality,
		     const xhp_request *req, const xhp_device_opts *opts,
		     xhp_result **ret_result);
void xhp_op_settings_free(struct xhp_op *op);

#endif
