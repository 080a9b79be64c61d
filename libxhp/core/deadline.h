/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The deadline of the operation under way on a context: started by the
 * engine (and the script runner, the lock) from the context's timeout,
 * read by every call that can wait (xenstore, netlink, OVSDB, locks).
 */
#ifndef XHP_DEADLINE_H
#define XHP_DEADLINE_H

#include <stdbool.h>
#include <stdint.h>

#include <xhp/ctx.h>

/* Monotonic clock in microseconds. */
uint64_t xhp_now_us(void);
/* The context's timeout from @now_us (saturating, never wrapping). */
uint64_t xhp_deadline_from(const xhp_ctx *ctx, uint64_t now_us);
/* Start an operation's deadline from the context's timeout. */
void xhp_deadline_start(xhp_ctx *ctx);
/* Milliseconds left (>= 0), or -1 when no operation deadline is set. */
int xhp_deadline_left_ms(const xhp_ctx *ctx);
bool xhp_deadline_passed(const xhp_ctx *ctx);

#endif /* XHP_DEADLINE_H */
