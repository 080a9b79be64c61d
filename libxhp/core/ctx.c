// SPDX-License-Identifier: LGPL-2.1-or-later
/* The library context: reference counting, settings, last error. */
#include <string.h>

#include <xenstore.h>

#include "internal.h"

XHP_EXPORT int xhp_ctx_new(xhp_ctx **ret_ctx)
{
	xhp_ctx *ctx;
	const char *dbg;

	if (!ret_ctx)
		return -EINVAL;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	ctx->n_ref = 1;
	ctx->log_priority = LOG_INFO;
	ctx->timeout_ms = XHP_DEFAULT_TIMEOUT_MS;
	ctx->xs_sock.fd = -1;
	dbg = secure_getenv("XHP_DEBUG");
	if (dbg && strcmp(dbg, "0") != 0 && dbg[0] != '\0')
		ctx->log_priority = LOG_DEBUG;
	*ret_ctx = ctx;
	return 0;
}

int xhp_ctx_clone(const xhp_ctx *ctx, xhp_ctx **ret)
{
	xhp_ctx *c;
	int r;

	r = xhp_ctx_new(&c);
	if (r < 0)
		return r;
	c->log_fn = ctx->log_fn;
	c->log_userdata = ctx->log_userdata;
	c->log_priority = ctx->log_priority;
	c->timeout_ms = ctx->timeout_ms;
	c->timeout_set = ctx->timeout_set;
	c->dry_run = ctx->dry_run;
	if (ctx->lock_dir) {
		c->lock_dir = strdup(ctx->lock_dir);
		if (!c->lock_dir) {
			xhp_ctx_unref(c);
			return -ENOMEM;
		}
	}
	*ret = c;
	return 0;
}

XHP_EXPORT xhp_ctx *xhp_ctx_ref(xhp_ctx *ctx)
{
	if (ctx)
		ctx->n_ref++;
	return ctx;
}

XHP_EXPORT xhp_ctx *xhp_ctx_unref(xhp_ctx *ctx)
{
	if (!ctx || --ctx->n_ref > 0)
		return NULL;
	if (ctx->xs)
		xs_close(ctx->xs); /* xs/ is above core/ */
	if (ctx->nft_free)
		ctx->nft_free(ctx->nft);
	free(ctx->lock_dir);
	free(ctx);
	return NULL;
}

XHP_EXPORT const char *xhp_ctx_last_error(const xhp_ctx *ctx)
{
	return ctx ? ctx->err : "";
}

XHP_EXPORT int xhp_ctx_set_log_fn(xhp_ctx *ctx, xhp_log_fn fn, void *userdata)
{
	if (!ctx)
		return -EINVAL;
	ctx->log_fn = fn;
	ctx->log_userdata = userdata;
	return 0;
}

XHP_EXPORT int xhp_ctx_set_log_priority(xhp_ctx *ctx, int priority)
{
	if (!ctx || priority < LOG_EMERG || priority > LOG_DEBUG)
		return -EINVAL;
	ctx->log_priority = priority;
	return 0;
}

XHP_EXPORT int xhp_ctx_set_timeout_ms(xhp_ctx *ctx, uint64_t ms)
{
	if (!ctx || ms == 0 || ms > UINT64_MAX / 1000)
		return -EINVAL;
	ctx->timeout_ms = ms;
	ctx->timeout_set = true;
	return 0;
}

XHP_EXPORT int xhp_ctx_set_lock_dir(xhp_ctx *ctx, const char *dir)
{
	char *copy;

	if (!ctx || !dir || dir[0] != '/')
		return -EINVAL;
	copy = strdup(dir);
	if (!copy)
		return -ENOMEM;
	free(ctx->lock_dir);
	ctx->lock_dir = copy;
	return 0;
}

XHP_EXPORT int xhp_ctx_set_dry_run(xhp_ctx *ctx, int dry_run)
{
	if (!ctx)
		return -EINVAL;
	ctx->dry_run = dry_run != 0;
	return 0;
}
