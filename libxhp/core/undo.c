// SPDX-License-Identifier: LGPL-2.1-or-later
/* The undo journal (undo.h). */
#include <string.h>

#include "undo.h"

void xhp_err_save(const xhp_ctx *ctx, struct xhp_err_saved *s)
{
	memcpy(s->msg, ctx->err, sizeof(s->msg));
}

void xhp_err_restore(xhp_ctx *ctx, const struct xhp_err_saved *s)
{
	memcpy(ctx->err, s->msg, sizeof(s->msg));
}

void xhp_journal_init(struct xhp_journal *j, xhp_ctx *ctx, bool dry_run)
{
	*j = (struct xhp_journal){ .ctx = ctx, .dry_run = dry_run };
}

int xhp_journal_reserve(struct xhp_journal *j)
{
	struct xhp_undo_entry *v;
	size_t cap;

	if (j->n < j->cap)
		return 0;
	cap = j->cap ? 2 * j->cap : 8;
	v = reallocarray(j->v, cap, sizeof(*v));
	if (!v)
		return xhp_err(j->ctx, ENOMEM,
			       "out of memory recording a change");
	j->v = v;
	j->cap = cap;
	return 0;
}

static void release(const struct xhp_undo_type *t, void *data)
{
	if (t->release)
		t->release(data);
}

void xhp_journal_push(struct xhp_journal *j, const struct xhp_undo_type *t,
		      void *data)
{
	if (j->dry_run) {
		release(t, data);
		return;
	}
	if (j->n >= j->cap && xhp_journal_reserve(j) < 0) {
		/* Pushed without reserving, and no memory: undo the change
		 * now rather than lose it. */
		t->undo(j->ctx, data);
		release(t, data);
		return;
	}
	j->v[j->n++] = (struct xhp_undo_entry){ t, data };
}

int xhp_journal_record(struct xhp_journal *j, const struct xhp_undo_type *t,
		       void *data)
{
	int r = j->dry_run ? 0 : xhp_journal_reserve(j);

	if (r < 0) {
		release(t, data);
		return r;
	}
	xhp_journal_push(j, t, data);
	return 0;
}

unsigned int xhp_journal_replay(struct xhp_journal *j)
{
	struct xhp_err_saved saved;
	unsigned int failed = 0;

	xhp_err_save(j->ctx, &saved);
	while (j->n > 0) {
		struct xhp_undo_entry *e = &j->v[--j->n];

		xhp_clear_error(j->ctx);
		if (e->type->undo(j->ctx, e->data) < 0) {
			failed++;
			xhp_log(j->ctx, LOG_WARNING, "undo: %s: %s",
				e->type->name, j->ctx->err);
		}
		release(e->type, e->data);
	}
	xhp_err_restore(j->ctx, &saved);
	free(j->v);
	j->v = NULL;
	j->cap = 0;
	return failed;
}

void xhp_journal_forget(struct xhp_journal *j)
{
	while (j->n > 0) {
		struct xhp_undo_entry *e = &j->v[--j->n];

		release(e->type, e->data);
	}
	free(j->v);
	j->v = NULL;
	j->cap = 0;
}
