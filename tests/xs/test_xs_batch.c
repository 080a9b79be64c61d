// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * xhp_xs_read_batch(): reads and directory listings answered in one
 * round trip on libxenstore's socket (xs_batch.c), against the test
 * xenstored: every answer lands on its op (values, missing keys, a
 * value with a NUL byte, listings, more ops than one chunk), the
 * connection stays in step for libxenstore's own calls afterwards, the
 * fault seam still sees each read (one by one), and a stopped xenstored
 * makes the batch fail with -ETIMEDOUT, after which a fresh connection
 * works.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fault.h"
#include "testutil.h"
#include "xs.h"
#include "xsd_harness.h"

#define BASE "/local/domain/0/backend/vif/9"
#define TIMEOUT_MS 300

static struct xsd xsd = XSD_INIT;

static int setup(void **state)
{
	(void)state;
	return xsd_start(&xsd) < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	if (xsd.pid > 0)
		kill(xsd.pid, SIGCONT);
	xsd_stop(&xsd);
	return xsd_exited_cleanly(&xsd) ? 0 : -1;
}

static xhp_ctx *ctx_new(void)
{
	xhp_ctx *ctx;

	assert_int_equal(xhp_ctx_new(&ctx), 0);
	assert_int_equal(xhp_ctx_set_timeout_ms(ctx, TIMEOUT_MS), 0);
	return ctx;
}

/* 40 devices 0..39 with key "n" = their number; device 7 lacks it. */
static void populate(xhp_ctx *ctx)
{
	char path[128], v[16];
	int i;

	for (i = 0; i < 40; i++) {
		snprintf(path, sizeof(path), BASE "/%d/%s", i,
			 i == 7 ? "other" : "n");
		snprintf(v, sizeof(v), "%d", i);
		assert_int_equal(xhp_xs_write(ctx, path, v), 0);
	}
	/* A value with a NUL byte inside, written raw. */
	assert_true(xhp_xs_raw_write(ctx, XBT_NULL, BASE "/0/nul", "a\0b", 3));
}

/* ops: list BASE/0, then "n" of 0..39, then a missing directory. */
static void check_batch(xhp_ctx *ctx)
{
	struct xhp_xs_op ops[43];
	char paths[43][128], v[16];
	unsigned int i, j;
	bool seen_n = false, seen_nul = false;

	snprintf(paths[0], sizeof(paths[0]), BASE "/0");
	ops[0] = (struct xhp_xs_op){ .path = paths[0], .list = true };
	for (i = 0; i < 40; i++) {
		snprintf(paths[i + 1], sizeof(paths[i + 1]), BASE "/%u/n", i);
		ops[i + 1] = (struct xhp_xs_op){ .path = paths[i + 1] };
	}
	ops[41] = (struct xhp_xs_op){ .path = BASE "/0/nul" };
	ops[42] = (struct xhp_xs_op){ .path = BASE "/none", .list = true };
	assert_int_equal(xhp_xs_read_batch(ctx, ops, 43), 0);

	assert_int_equal(ops[0].err, 0);
	assert_int_equal(ops[0].n_names, 2);
	for (j = 0; j < ops[0].n_names; j++) {
		seen_n |= !strcmp(ops[0].names[j], "n");
		seen_nul |= !strcmp(ops[0].names[j], "nul");
	}
	assert_true(seen_n && seen_nul);
	assert_null(ops[0].names[2]);
	for (i = 0; i < 40; i++) {
		if (i == 7) {
			assert_int_equal(ops[i + 1].err, -ENOENT);
			assert_null(ops[i + 1].value);
			continue;
		}
		snprintf(v, sizeof(v), "%u", i);
		assert_int_equal(ops[i + 1].err, 0);
		assert_string_equal(ops[i + 1].value, v);
	}
	assert_int_equal(ops[41].err, -EINVAL);
	assert_null(ops[41].value);
	assert_int_equal(ops[42].err, -ENOENT);
	assert_null(ops[42].names);
	xhp_xs_ops_clear(ops, 43);
}

static void test_batch_answers_in_step(void **state)
{
	xhp_ctx *ctx = ctx_new();
	char *v = NULL;

	(void)state;
	populate(ctx);
	/* the socket is ours to batch on (else it reads one by one) */
	assert_true(ctx->xs_sock.fd >= 0 && !ctx->xs_sock.watching);
	check_batch(ctx);
	/* libxenstore's next calls read their own answers. */
	assert_int_equal(xhp_xs_read(ctx, XBT_NULL, BASE "/3/n", &v), 0);
	assert_string_equal(v, "3");
	free(v);
	assert_int_equal(xhp_xs_write(ctx, BASE "/3/n", "33"), 0);
	assert_int_equal(xhp_xs_read(ctx, XBT_NULL, BASE "/3/n", &v), 0);
	assert_string_equal(v, "33");
	free(v);
	assert_int_equal(xhp_xs_write(ctx, BASE "/3/n", "3"), 0);
	check_batch(ctx);
	xhp_ctx_unref(ctx);
}

/* With a fault plan, every read is a seam call of its own. */
static void test_batch_through_the_seam(void **state)
{
	struct xhp_fault plan = { .fail_at = 3,
				  .err = { [XHP_FAULT_XS] = EIO } };
	struct xhp_xs_op ops[4] = {
		{ .path = BASE "/1/n" },
		{ .path = BASE "/2/n" },
		{ .path = BASE "/3/n" },
		{ .path = BASE "/4/n" },
	};
	xhp_ctx *ctx = ctx_new();

	(void)state;
	assert_int_equal(xhp_xs_open(ctx), 0);
	ctx->fault = &plan;
	assert_int_equal(xhp_xs_read_batch(ctx, ops, 4), -EIO);
	assert_string_equal(xhp_ctx_last_error(ctx),
			    "cannot read xenstore " BASE
			    "/3/n: Input/output error");
	assert_string_equal(plan.step, "xs_read " BASE "/3/n");
	assert_null(ops[0].value); /* nothing kept on failure */
	ctx->fault = NULL;
	plan = (struct xhp_fault){ .fail_at = 0 };
	ctx->fault = &plan;
	assert_int_equal(xhp_xs_read_batch(ctx, ops, 4), 0);
	assert_int_equal(plan.calls, 4);
	assert_string_equal(ops[3].value, "4");
	xhp_xs_ops_clear(ops, 4);
	ctx->fault = NULL;
	xhp_ctx_unref(ctx);
}

static void test_batch_times_out_and_recovers(void **state)
{
	struct xhp_xs_op ops[2] = { { .path = BASE "/5/n" },
				    { .path = BASE "/6", .list = true } };
	xhp_ctx *ctx = ctx_new();
	uint64_t t0, ms;

	(void)state;
	assert_int_equal(xhp_xs_open(ctx), 0);
	assert_int_equal(kill(xsd.pid, SIGSTOP), 0);
	t0 = xhp_now_us();
	assert_int_equal(xhp_xs_read_batch(ctx, ops, 2), -ETIMEDOUT);
	ms = (xhp_now_us() - t0) / 1000;
	assert_true(ms >= TIMEOUT_MS - 10 && ms < TIMEOUT_MS + 700);
	assert_string_equal(xhp_ctx_last_error(ctx),
			    "cannot read xenstore " BASE
			    "/5/n: Connection timed out: xenstore did not "
			    "answer within 300 ms");
	assert_null(ops[0].value);
	assert_int_equal(kill(xsd.pid, SIGCONT), 0);
	/* A fresh connection: the late answers are not read as ours. */
	check_batch(ctx);
	xhp_ctx_unref(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batch_answers_in_step),
		cmocka_unit_test(test_batch_through_the_seam),
		cmocka_unit_test(test_batch_times_out_and_recovers),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
