// SPDX-License-Identifier: LGPL-2.1-or-later
/* The operation's deadline on the context (deadline.h). */
#include <time.h>

#include "internal.h"

uint64_t xhp_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t xhp_deadline_from(const xhp_ctx *ctx, uint64_t now_us)
{
	uint64_t us = ctx->timeout_ms * 1000u; /* set_timeout bounds it */

	return us > UINT64_MAX - now_us ? UINT64_MAX : now_us + us;
}

void xhp_deadline_start(xhp_ctx *ctx)
{
	ctx->deadline_us = xhp_deadline_from(ctx, xhp_now_us());
}

int xhp_deadline_left_ms(const xhp_ctx *ctx)
{
	uint64_t now;

	if (!ctx->deadline_us)
		return -1;
	if (__atomic_load_n(&ctx->cancelled, __ATOMIC_RELAXED))
		return 0;
	now = xhp_now_us();
	if (now >= ctx->deadline_us)
		return 0;
	if ((ctx->deadline_us - now) / 1000u > INT32_MAX)
		return INT32_MAX;
	return (int)((ctx->deadline_us - now + 999u) / 1000u);
}

bool xhp_deadline_passed(const xhp_ctx *ctx)
{
	return ctx->deadline_us &&
	       (__atomic_load_n(&ctx->cancelled, __ATOMIC_RELAXED) ||
		xhp_now_us() >= ctx->deadline_us);
}
