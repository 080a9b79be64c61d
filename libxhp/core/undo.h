/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The undo journal: the one way a run records what it changed, so that a
 * failure puts everything back exactly in reverse.
 *
 * Every layer records into it (net's link changes, a personality's
 * routes and sysctls, block's loop device), so it lives in core/; the
 * engine (engine/device.c) owns one per run, replays it when the run
 * fails (also when the report fails after the plumbing succeeded) and
 * forgets it on success.
 *
 * An entry is typed: a const xhp_undo_type (a name for messages and the
 * function that reverses the change) and its data. Whatever the data
 * points to (a netlink socket, a personality's state) must live until the
 * journal is replayed or forgotten: the engine keeps a run's state until
 * then. To never lose an entry after a change was made, reserve first,
 * then change, then push (which cannot fail):
 *
 *	r = xhp_journal_reserve(j);       // -ENOMEM: nothing changed yet
 *	r = change(...);                  // fails: nothing to record
 *	xhp_journal_push(j, &type, data); // the change is on record
 */
#ifndef XHP_UNDO_H
#define XHP_UNDO_H

#include "internal.h"

struct xhp_undo_type {
	const char *name; /* "restore the MTU of the link", for messages */
	/* Put back what the step changed: 0, or a negative errno with a
	 * message on @ctx (logged as a warning; the replay goes on). */
	int (*undo)(xhp_ctx *ctx, void *data);
	/* Free @data once replayed or forgotten; NULL: nothing to free. */
	void (*release)(void *data);
};

struct xhp_undo_entry {
	const struct xhp_undo_type *type;
	void *data;
};

struct xhp_journal {
	xhp_ctx *ctx;
	bool dry_run; /* a dry run records nothing */
	struct xhp_undo_entry *v;
	size_t n, cap;
};

void xhp_journal_init(struct xhp_journal *j, xhp_ctx *ctx, bool dry_run);

/* Room for one more entry. Returns 0 or -ENOMEM (message on the ctx). */
int xhp_journal_reserve(struct xhp_journal *j);

/*
 * Record a change whose room was reserved (nothing in a dry run: then
 * @data is released at once). Never fails.
 */
void xhp_journal_push(struct xhp_journal *j, const struct xhp_undo_type *t,
		      void *data);

/* Reserve and push; on -ENOMEM @data is released. */
int xhp_journal_record(struct xhp_journal *j, const struct xhp_undo_type *t,
		       void *data);

/*
 * Undo every entry, last first; a failing entry is logged at LOG_WARNING
 * ("undo: <name>: <message>") and the replay goes on. The context's last
 * error is kept (the failure being undone). Empties the journal. Returns
 * the number of entries that could not be undone.
 */
unsigned int xhp_journal_replay(struct xhp_journal *j);

/* Success: drop every entry (released, not undone). */
void xhp_journal_forget(struct xhp_journal *j);

/* The context's last error, kept across steps that may overwrite it. */
struct xhp_err_saved {
	char msg[XHP_ERR_MAX];
};
void xhp_err_save(const xhp_ctx *ctx, struct xhp_err_saved *s);
void xhp_err_restore(xhp_ctx *ctx, const struct xhp_err_saved *s);

#endif /* XHP_UNDO_H */
