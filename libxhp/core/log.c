// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Error messages on the context, logging through the caller's callback.
 * An error the library returns is not logged: the caller has it (the
 * return value and xhp_ctx_last_error()) and decides what to say.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

static void emit(xhp_ctx *ctx, int priority, const char *msg)
{
	if (ctx->log_fn && priority <= ctx->log_priority)
		ctx->log_fn(ctx->log_userdata, priority, msg);
}

int xhp_err(xhp_ctx *ctx, int errnum, const char *fmt, ...)
{
	char msg[XHP_ERR_MAX];
	va_list ap;

	if (errnum < 0)
		errnum = -errnum;
	if (errnum == 0)
		errnum = EIO;
	if (!ctx)
		return -errnum;
	/* Through a copy: an argument may be ctx->err itself (an error
	 * that words the one before it). */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	memcpy(ctx->err, msg, sizeof(ctx->err));
	return -errnum;
}

void xhp_log(xhp_ctx *ctx, int priority, const char *fmt, ...)
{
	char buf[XHP_ERR_MAX];
	va_list ap;

	if (!ctx || !ctx->log_fn || priority > ctx->log_priority)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	emit(ctx, priority, buf);
}

bool xhp_dry(xhp_ctx *ctx, bool dry_run, const char *fmt, ...)
{
	static const char prefix[] = "dry run: would ";
	char buf[XHP_ERR_MAX];
	va_list ap;

	if (!dry_run)
		return false;
	if (!ctx || !ctx->log_fn || LOG_INFO > ctx->log_priority)
		return true;
	memcpy(buf, prefix, sizeof(prefix));
	va_start(ap, fmt);
	vsnprintf(buf + sizeof(prefix) - 1, sizeof(buf) - sizeof(prefix) + 1,
		  fmt, ap);
	va_end(ap);
	emit(ctx, LOG_INFO, buf);
	return true;
}

void xhp_clear_error(xhp_ctx *ctx)
{
	ctx->err[0] = '\0';
}
