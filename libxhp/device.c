// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Running a personality: Xen's combination rules, the deadline, and the
 * report to xenstore (hotplug-status, hotplug-error and the personality's
 * keys in one transaction).
 */
#include <string.h>

#include "personality.h"
#include "util.h"

static const struct xhp_personality *const personalities[] = {
	&xhp_personality_vif_bridge,
	&xhp_personality_vif_openvswitch,
	&xhp_personality_vif_route,
	&xhp_personality_block,
};

XHP_EXPORT const char *xhp_device_personality_at(unsigned int index)
{
	if (index >= ARRAY_SIZE(personalities))
		return NULL;
	return personalities[index]->name;
}

static const struct xhp_personality *find(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(personalities); i++)
		if (!strcmp(personalities[i]->name, name))
			return personalities[i];
	return NULL;
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

static void op_done(struct xhp_op *op)
{
	size_t i;

	for (i = 0; i < op->n_keys; i++)
		free(op->key_values[i]);
	op->n_keys = 0;
}

/* Success of an add: the personality's keys and hotplug-status at once. */
static int report_success(struct xhp_op *op, xhp_result *res)
{
	struct xhp_kv kv[XHP_OP_KEYS_MAX + 1];
	size_t i, n = 0;
	int r;

	for (i = 0; i < op->n_keys; i++) {
		kv[n++] = op->keys[i];
		r = xhp_result_put(res, op->keys[i].key, op->keys[i].value);
		if (r < 0)
			return xhp_err(op->ctx, r, "out of memory");
	}
	if (op->status == XHP_STATUS_CONNECTED)
		kv[n++] = (struct xhp_kv){ "hotplug-status", "connected" };
	if (n == 0)
		return 0;
	r = xhp_xs_write_keys(op->ctx, op->req->backend_path, kv, n);
	if (r < 0 && xhp_xs_commit_unknown(op->ctx))
		op->report_unknown = true;
	return r;
}

int xhp_op_report(struct xhp_op *op)
{
	int r;

	if (op->dry_run || op->reported)
		return 0;
	r = report_success(op, op->res);
	if (r >= 0)
		op->reported = true;
	return r;
}

/* Failure: hotplug-error and hotplug-status in one transaction. */
static void report_failure(xhp_ctx *ctx, const xhp_request *req, int status,
			   const char *message)
{
	char saved[XHP_ERR_MAX];

	if (!req->backend_path)
		return;
	memcpy(saved, ctx->err, sizeof(saved));
	if (xhp_device_report(ctx, req->backend_path, status, message) < 0)
		xhp_log(ctx, LOG_ERR,
			"could not report the failure to "
			"xenstore: %s",
			ctx->err);
	memcpy(ctx->err, saved, sizeof(saved));
}

static int run(const struct xhp_personality *p, struct xhp_op *op,
	       xhp_result *res)
{
	const xhp_request *req = op->req;
	bool add = req->action == XHP_ACTION_ADD ||
		   req->action == XHP_ACTION_ONLINE;
	int r, u;

	xhp_info(op->ctx, "%s %s %s (%s)", p->name,
		 xhp_request_action_to_string(req->action),
		 req->device ? req->device :
			       xhp_request_kind_to_string(req->kind),
		 req->backend_path);
	op->res = res;
	r = add ? p->add(op) : p->remove(op);
	if (r >= 0 && add && !op->dry_run && !op->reported) {
		r = report_success(op, res);
		op->lock = xhp_lock_release(op->lock);
		if (r < 0 && xhp_op_may_undo(op)) {
			/* Nothing may stay half-done: undo the plumbing. */
			char saved[XHP_ERR_MAX];

			memcpy(saved, op->ctx->err, sizeof(saved));
			u = p->remove(op);
			if (u < 0)
				xhp_log(op->ctx, LOG_ERR, "undo failed: %s",
					op->ctx->err);
			memcpy(op->ctx->err, saved, sizeof(saved));
		}
	}
	op->lock = xhp_lock_release(op->lock);
	if (r >= 0) {
		res->status = add ? op->status : XHP_STATUS_NONE;
		return 0;
	}
	res->status = op->fail_status ? op->fail_status : XHP_STATUS_ERROR;
	if (!op->ctx->err[0])
		xhp_err(op->ctx, r, "%s %s failed: %s", p->name,
			xhp_request_action_to_string(req->action),
			strerror(-r));
	xhp_result_set_message(res, op->ctx->err);
	if (!op->dry_run)
		report_failure(op->ctx, req, res->status, op->ctx->err);
	return r;
}

XHP_EXPORT int xhp_device_run(xhp_ctx *ctx, const char *personality,
			      const xhp_request *req, xhp_result **ret_result)
{
	const struct xhp_personality *p;
	struct xhp_op op = { .ctx = ctx, .req = req };
	char q[XHP_QUOTE_MAX];
	xhp_result *res;
	uint64_t start;
	int r;

	if (!ctx || !personality || !req)
		return -EINVAL;
	xhp_clear_error(ctx);
	op.dry_run = ctx->dry_run;
	start = xhp_now_us();
	p = find(personality);
	if (!p)
		return xhp_err(ctx, EINVAL, "unknown personality '%s'",
			       xhp_quote(q, personality));
	if (!(p->kinds & (1u << req->kind)))
		return xhp_err(ctx, EINVAL, "%s does not handle %s devices",
			       p->name, xhp_request_kind_to_string(req->kind));
	res = xhp_result_new();
	if (!res)
		return xhp_err(ctx, ENOMEM, "out of memory");
	if (req->noop) {
		xhp_debug(ctx, "%s: nothing to do for %s of a %s device",
			  p->name, xhp_request_action_to_string(req->action),
			  xhp_request_kind_to_string(req->kind));
		r = 0;
	} else {
		xhp_deadline_start(ctx);
		r = run(p, &op, res);
		ctx->deadline_us = 0;
	}
	op_done(&op);
	res->exit_code = r < 0 ? 1 : 0;
	res->elapsed_us = xhp_now_us() - start;
	if (ret_result)
		*ret_result = res;
	else
		xhp_result_free(res);
	return r;
}
