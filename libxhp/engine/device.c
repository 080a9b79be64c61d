// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Running a personality (personality.h): Xen's combination rules, the
 * deadline, the settings, the undo journal, the report and the result.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "personality.h"
#include "sigpipe.h"
#include "util.h"

static const struct xhp_personality *const personalities[] = {
	&xhp_personality_vif_bridge, &xhp_personality_vif_openvswitch,
	&xhp_personality_vif_route,  &xhp_personality_block,
	&xhp_personality_policy,
};

/* The first version of xhp_device_opts ends with settings. */
#define OPTS_SIZE_V1 (offsetof(xhp_device_opts, settings) + sizeof(void *))
#define OPTS_FLAGS (XHP_DEVICE_DRY_RUN | XHP_DEVICE_NO_REPORT)

XHP_EXPORT const char *xhp_device_personality_at(unsigned int index)
{
	if (index >= ARRAY_SIZE(personalities))
		return NULL;
	return personalities[index]->name;
}

const struct xhp_personality *xhp_personality_find(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(personalities); i++)
		if (!strcmp(personalities[i]->name, name))
			return personalities[i];
	return NULL;
}

const char *const *xhp_personality_remove_settings(const char *name)
{
	const struct xhp_personality *p = xhp_personality_find(name);

	return p ? p->remove_settings : NULL;
}

XHP_EXPORT int xhp_device_uses_setting(const char *personality, const char *key)
{
	const struct xhp_personality *p;
	const char *const *k;

	if (!personality || !key)
		return -EINVAL;
	p = xhp_personality_find(personality);
	if (!p || !xhp_setting_def_find(key, strlen(key)))
		return -EINVAL;
	for (k = p->settings; k && *k; k++)
		if (!strcmp(*k, key))
			return 1;
	return 0;
}

int xhp_op_put(struct xhp_op *op, const char *key, const char *value)
{
	char *v;

	if (op->n_keys >= XHP_OP_KEYS_MAX)
		return -E2BIG;
	v = strdup(value);
	if (!v)
		return -ENOMEM;
	op->key_values[op->n_keys] = v;
	op->keys[op->n_keys].key = key;
	op->keys[op->n_keys].value = v;
	op->n_keys++;
	return 0;
}

int xhp_op_put_side(struct xhp_op *op, const char *base, const char *key,
		    const char *value)
{
	char *v;

	if (op->n_side >= ARRAY_SIZE(op->side_keys))
		return -E2BIG;
	if (op->side_base && strcmp(op->side_base, base))
		return -EINVAL;
	if (!op->side_base) {
		op->side_base = strdup(base);
		if (!op->side_base)
			return -ENOMEM;
	}
	v = strdup(value);
	if (!v)
		return -ENOMEM;
	op->side_values[op->n_side] = v;
	op->side_keys[op->n_side++] = (struct xhp_kv){ key, v };
	return 0;
}

static void op_done(struct xhp_op *op)
{
	size_t i;

	for (i = 0; i < op->n_keys; i++)
		free(op->key_values[i]);
	op->n_keys = 0;
	for (i = 0; i < op->n_side; i++)
		free(op->side_values[i]);
	op->n_side = 0;
	free(op->side_base);
	xhp_op_settings_free(op);
}

/* Let the personality's state go, once nothing in the journal needs it. */
static void release_priv(struct xhp_op *op)
{
	if (op->priv && op->p->release)
		op->p->release(op->priv);
	op->priv = NULL;
}

/*
 * The add and its report; a failure of either replays the journal, but
 * for a report whose commit may have been applied (xenstore may advertise
 * the plumbing: it stays). The lock the add may hold is released after
 * the report, before the undo.
 */
static int add(struct xhp_op *op)
{
	int r;

	r = op->p->add(op);
	if (r >= 0) {
		r = xhp_report_success(op);
		if (r < 0 && xhp_xs_commit_unknown(op->ctx))
			op->report_unknown = true;
	}
	op->lock = xhp_lock_release(op->lock);
	if (r < 0 && !op->report_unknown)
		xhp_journal_replay(&op->journal);
	else
		xhp_journal_forget(&op->journal);
	return r;
}

/*
 * One run of a network device at a time, whatever its personality: libxl
 * and udev (or xl devd) may run the same vif or tap at once, and a rename
 * must not interleave with the other run's lookups. The vif and the tap
 * of one backend share "vif-<domid>.<devid>" in the context's lock
 * directory. Not in a dry run (it only reads), nor for a device without a
 * backend (its caller serializes its own runs).
 */
static int lock_device(struct xhp_op *op)
{
	const xhp_request *req = op->req;
	char name[48];

	if (op->dry_run || !req->backend_path ||
	    (req->kind != XHP_KIND_VIF && req->kind != XHP_KIND_TAP))
		return 0;
	snprintf(name, sizeof(name), "vif-%u.%u", req->domid, req->devid);
	return xhp_lock_acquire(op->ctx, name, &op->device_lock);
}

/* xhp_device_rerun(): is the device still connected, now? */
static int still_connected(struct xhp_op *op)
{
	const char *bp = op->req->backend_path;
	char *state = NULL, *online = NULL, *hs = NULL;
	uint64_t st = 0;
	int r;

	r = xhp_xs_read_key(op->ctx, bp, "state", &state);
	if (r == -ENOENT)
		r = xhp_err(op->ctx, ENOENT, "%s is gone: not re-plugged", bp);
	if (r >= 0) {
		r = xhp_xs_read_key(op->ctx, bp, "online", &online);
		if (r == -ENOENT)
			r = 0;
	}
	if (r >= 0) {
		r = xhp_xs_read_key(op->ctx, bp, "hotplug-status", &hs);
		if (r == -ENOENT)
			r = 0;
	}
	if (r < 0)
		goto out;
	if (xhp_parse_uint(state, 8, &st) < 0 || st >= 5 ||
	    (online && !strcmp(online, "0")) || !hs || strcmp(hs, "connected"))
		r = xhp_err(
			op->ctx, ESTALE,
			"%s is no longer connected (state %s, online %s, hotplug-status %s): not re-plugged",
			bp, state, online ? online : "(none)",
			hs ? hs : "(none)");
out:
	free(state);
	free(online);
	free(hs);
	return r;
}

static int run(struct xhp_op *op)
{
	const xhp_request *req = op->req;
	bool is_add = req->action == XHP_ACTION_ADD ||
		      req->action == XHP_ACTION_ONLINE;
	xhp_result *res = op->res;
	int r;

	xhp_info(op->ctx, "%s %s %s (%s)", op->p->name,
		 xhp_request_action_to_string(req->action),
		 req->device ? req->device :
			       xhp_request_kind_to_string(req->kind),
		 req->backend_path ? req->backend_path : "no backend");
	r = lock_device(op);
	if (r >= 0 && op->recheck && !op->dry_run)
		r = still_connected(op);
	if (r >= 0)
		r = xhp_op_resolve_settings(op);
	if (r >= 0)
		r = is_add ? add(op) : op->p->remove(op);
	op->lock = xhp_lock_release(op->lock);
	xhp_journal_forget(&op->journal); /* a remove records nothing */
	release_priv(op);
	op->device_lock = xhp_lock_release(op->device_lock);
	if (r >= 0) {
		res->status =
			is_add && xhp_report_connects(req->kind, req->action) ?
				XHP_STATUS_CONNECTED :
				XHP_STATUS_NONE;
		return 0;
	}
	res->status = op->fail_status ? op->fail_status : XHP_STATUS_ERROR;
	if (!op->ctx->err[0])
		xhp_err(op->ctx, r, "%s %s failed: %s", op->p->name,
			xhp_request_action_to_string(req->action),
			strerror(-r));
	xhp_result_set_message(res, op->ctx->err);
	if (!op->dry_run && op->report) {
		struct xhp_err_saved saved;

		/* The run's error stays the context's; a report that could
		 * not be written (a backend that is gone) is logged. */
		xhp_err_save(op->ctx, &saved);
		if (xhp_report_failure(op->ctx, req->backend_path, res->status,
				       saved.msg) < 0)
			xhp_log(op->ctx, LOG_WARNING,
				"could not report the failure to xenstore: %s",
				op->ctx->err);
		xhp_err_restore(op->ctx, &saved);
	}
	return r;
}

/* Check @opts and apply it to @op. */
static int apply_opts(xhp_ctx *ctx, struct xhp_op *op,
		      const xhp_device_opts *opts, uint64_t *timeout_ms)
{
	if (!opts)
		return 0;
	if (opts->size < OPTS_SIZE_V1 || (opts->flags & ~OPTS_FLAGS))
		return xhp_err(
			ctx, EINVAL,
			"bad xhp_device_opts: size %zu (at least %zu), flags 0x%x",
			opts->size, (size_t)OPTS_SIZE_V1, opts->flags);
	if (opts->flags & XHP_DEVICE_DRY_RUN)
		op->dry_run = true;
	if (opts->flags & XHP_DEVICE_NO_REPORT)
		op->report = false;
	if (opts->timeout_ms > UINT64_MAX / 1000)
		return xhp_err(ctx, EINVAL, "timeout too large");
	if (opts->timeout_ms)
		*timeout_ms = opts->timeout_ms;
	if (opts->settings) {
		op->caller = opts->settings;
		op->xenstore = false;
	}
	return 0;
}

static int run_ext(xhp_ctx *ctx, const char *personality,
		   const xhp_request *req, const xhp_device_opts *opts,
		   bool recheck, xhp_result **ret_result)
{
	struct xhp_op op = { .ctx = ctx, .req = req, .recheck = recheck };
	uint64_t start, timeout_ms, saved_timeout;
	struct xhp_sigpipe sp;
	char q[XHP_QUOTE_MAX];
	int r;

	if (!ctx || !personality || !req)
		return -EINVAL;
	xhp_clear_error(ctx);
	start = xhp_now_us();
	op.p = xhp_personality_find(personality);
	if (!op.p)
		return xhp_err(ctx, EINVAL, "unknown personality '%s'",
			       xhp_quote(q, personality));
	if (!(op.p->kinds & (1u << req->kind)))
		return xhp_err(ctx, EINVAL, "%s does not handle %s devices",
			       op.p->name,
			       xhp_request_kind_to_string(req->kind));
	op.dry_run = ctx->dry_run;
	op.report = req->backend_path != NULL;
	op.xenstore = req->backend_path != NULL;
	timeout_ms = ctx->timeout_ms;
	r = apply_opts(ctx, &op, opts, &timeout_ms);
	if (r < 0)
		return r;
	if (!req->backend_path && !op.caller)
		return xhp_err(
			ctx, EINVAL,
			"%s: a request without a backend path needs the caller's settings (xhp_device_opts)",
			op.p->name);
	op.res = xhp_result_new();
	if (!op.res)
		return xhp_err(ctx, ENOMEM, "out of memory");
	xhp_journal_init(&op.journal, ctx, op.dry_run);
	if (req->noop) {
		xhp_debug(ctx, "%s: nothing to do for %s of a %s device",
			  op.p->name, xhp_request_action_to_string(req->action),
			  xhp_request_kind_to_string(req->kind));
		r = 0;
	} else {
		saved_timeout = ctx->timeout_ms;
		ctx->timeout_ms = timeout_ms;
		xhp_deadline_start(ctx);
		/* Once for the run, not around each xenstore call. */
		xhp_sigpipe_block(&sp);
		ctx->sigpipe_held = true;
		r = run(&op);
		ctx->sigpipe_held = false;
		xhp_sigpipe_restore(&sp);
		ctx->deadline_us = 0;
		ctx->timeout_ms = saved_timeout;
	}
	op_done(&op);
	op.res->exit_code = r < 0 ? 1 : 0;
	op.res->elapsed_us = xhp_now_us() - start;
	if (ret_result)
		*ret_result = op.res;
	else
		xhp_result_free(op.res);
	return r;
}

XHP_EXPORT int xhp_device_run_ext(xhp_ctx *ctx, const char *personality,
				  const xhp_request *req,
				  const xhp_device_opts *opts,
				  xhp_result **ret_result)
{
	return run_ext(ctx, personality, req, opts, false, ret_result);
}

int xhp_device_rerun(xhp_ctx *ctx, const char *personality,
		     const xhp_request *req, const xhp_device_opts *opts,
		     xhp_result **ret_result)
{
	if (!req || !req->backend_path)
		return -EINVAL;
	return run_ext(ctx, personality, req, opts, true, ret_result);
}

XHP_EXPORT int xhp_device_run(xhp_ctx *ctx, const char *personality,
			      const xhp_request *req, xhp_result **ret_result)
{
	return xhp_device_run_ext(ctx, personality, req, NULL, ret_result);
}
