// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The xenstore key contract through the real libxenstore against the
 * test daemon: one-transaction writes (all or nothing when any of their
 * calls fails), EAGAIN retry provoked by a
 * concurrent writer, precedence env < argv < xenstore, NUL bytes, vm
 * info, and a missing daemon.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fault.h"
#include "request.h"
#include "testutil.h"
#include "personality.h"
#include "xs.h"
#include "xsd_harness.h"

static struct xsd xsd = XSD_INIT;

static int setup(void **state)
{
	return xsd_start(&xsd) < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	xsd_stop(&xsd);
	return xsd_exited_cleanly(&xsd) ? 0 : -1;
}

static xhp_ctx *ctx_new(void)
{
	xhp_ctx *ctx;

	assert_int_equal(xhp_ctx_new(&ctx), 0);
	return ctx;
}

static void test_write_keys_one_transaction(void **state)
{
	static const struct xhp_kv kv[] = {
		{ "physical-device", "7:3" },
		{ "physical-device-path", "/dev/loop3" },
		{ "hotplug-status", "connected" },
		{ "hotplug-error", NULL }, /* removed */
	};
	xhp_ctx *ctx = ctx_new();
	char *v;

	assert_int_equal(xhp_xs_write(ctx, "backend/vbd/1/51712/hotplug-error",
				      "old"),
			 0);
	assert_int_equal(xhp_xs_write_keys(ctx, "backend/vbd/1/51712", kv, 4),
			 0);
	v = tu_xs_read(NULL,
		       "/local/domain/0/backend/vbd/1/51712/physical-device");
	assert_string_equal(v, "7:3");
	free(v);
	v = tu_xs_read(NULL, "backend/vbd/1/51712/hotplug-status");
	assert_string_equal(v, "connected");
	free(v);
	assert_null(tu_xs_read(NULL, "backend/vbd/1/51712/hotplug-error"));
	xhp_ctx_unref(ctx);
}

#define ATOMIC_BASE "backend/vbd/1/51713"

/* Before: an old hotplug-error, none of the keys the write adds. */
static void atomic_reset(struct xs_handle *xs)
{
	tu_xs_rm(xs, ATOMIC_BASE);
	assert_int_equal(tu_xs_write(xs, ATOMIC_BASE "/hotplug-error", "old"),
			 0);
}

/* 1: all four changes made, 0: none, -1: some (a torn write). */
static int atomic_state(void)
{
	static const char *const added[] = { "physical-device",
					     "physical-device-path",
					     "hotplug-status" };
	unsigned int i, done = 0;
	char *v;

	for (i = 0; i < 3; i++) {
		char path[128];

		snprintf(path, sizeof(path), ATOMIC_BASE "/%s", added[i]);
		v = tu_xs_read(NULL, path);
		done += v != NULL;
		free(v);
	}
	v = tu_xs_read(NULL, ATOMIC_BASE "/hotplug-error");
	done += v == NULL;
	free(v);
	return done == 4 ? 1 : done == 0 ? 0 : -1;
}

/*
 * All or nothing: fail each xenstore call of xhp_xs_write_keys in turn
 * (the seam of fault.h); whatever call fails, none of the changes may be
 * left, as they would be by writes outside one transaction.
 */
static void test_write_keys_all_or_nothing(void **state)
{
	static const struct xhp_kv kv[] = {
		{ "physical-device", "7:3" },
		{ "physical-device-path", "/dev/loop3" },
		{ "hotplug-status", "connected" },
		{ "hotplug-error", NULL },
	};
	struct xs_handle *xs = xs_open(0);
	unsigned int k, calls, key_steps = 0;

	assert_non_null(xs);
	/* Count the calls of a clean run (no failure planned). */
	{
		struct xhp_fault plan = { 0 };
		xhp_ctx *ctx = ctx_new();

		atomic_reset(xs);
		ctx->fault = &plan;
		assert_int_equal(xhp_xs_write_keys(ctx, ATOMIC_BASE, kv, 4), 0);
		calls = plan.calls;
		xhp_ctx_unref(ctx);
		assert_int_equal(atomic_state(), 1);
	}
	/* xs_open, start, 3 writes, 1 rm, end */
	assert_true(calls >= 6);
	for (k = 1; k <= calls; k++) {
		struct xhp_fault plan = { .fail_at = k };
		xhp_ctx *ctx = ctx_new();
		int r, st;

		atomic_reset(xs);
		ctx->fault = &plan;
		r = xhp_xs_write_keys(ctx, ATOMIC_BASE, kv, 4);
		assert_int_equal(plan.hits, 1);
		st = atomic_state();
		if (st < 0 || r != -EIO)
			fail_msg("call %u (%s) failed: returned %d, %s", k,
				 plan.step, r,
				 st < 0 ? "some keys written" :
				 r >= 0 ? "success claimed" :
					  "not the planned -EIO");
		assert_int_equal(st, 0);
		/* The failed call, with the system's reason. */
		if (!strstr(xhp_ctx_last_error(ctx), "xenstore") ||
		    !strstr(xhp_ctx_last_error(ctx), strerror(EIO)))
			fail_msg("call %u (%s): message '%s'", k, plan.step,
				 xhp_ctx_last_error(ctx));
		xhp_ctx_unref(ctx);
		if (!strncmp(plan.step, "xs_write ", 9) ||
		    !strncmp(plan.step, "xs_rm ", 6))
			key_steps++;
	}
	/* Each of the four key changes was failed once. */
	assert_int_equal(key_steps, 4);
	print_message("write_keys: %u calls, each failed in turn, "
		      "never a torn write\n",
		      calls);
	tu_xs_rm(xs, ATOMIC_BASE);
	xs_close(xs);
}

struct race {
	int attempts;
};

/* Reads a node, then a second connection writes it: commit conflicts. */
static int racy_tx(xhp_ctx *ctx, xs_transaction_t t, void *ud)
{
	struct race *race = ud;
	char *v = NULL;
	int r;

	race->attempts++;
	r = xhp_xs_read(ctx, t, "race/counter", &v);
	if (r < 0 && r != -ENOENT)
		return r;
	free(v);
	if (race->attempts == 1) {
		assert_int_equal(tu_xs_write(NULL, "race/counter", "9"), 0);
	}
	if (!xs_write(ctx->xs, t, "race/counter", "10", 2))
		return -errno;
	return 0;
}

static void test_eagain_retry(void **state)
{
	struct race race = { 0 };
	xhp_ctx *ctx = ctx_new();
	char *v;

	assert_int_equal(xhp_xs_transact(ctx, racy_tx, &race), 0);
	assert_int_equal(race.attempts, 2);
	v = tu_xs_read(NULL, "race/counter");
	assert_string_equal(v, "10");
	free(v);
	xhp_ctx_unref(ctx);
}

static int always_conflicts(xhp_ctx *ctx, xs_transaction_t t, void *ud)
{
	int *n = ud;

	(*n)++;
	return -EAGAIN;
}

static void test_eagain_bounded(void **state)
{
	xhp_ctx *ctx = ctx_new();
	int n = 0;

	assert_int_equal(xhp_xs_transact(ctx, always_conflicts, &n), -EAGAIN);
	assert_int_equal(n, 16);
	assert_non_null(strstr(xhp_ctx_last_error(ctx), "conflicting"));
	xhp_ctx_unref(ctx);
}

/*
 * A write never creates its directory, checked in the write's own
 * transaction: a missing backend is -ENOENT and nothing is written; a
 * group that need not exist (the frontend's) is skipped when it does not.
 */
static void test_write_never_creates(void **state)
{
	static const struct xhp_kv kv[] = { { "hotplug-status", "error" } };
	static const struct xhp_kv fe[] = { { "mtu", "1400" } };
	xhp_ctx *ctx = ctx_new();
	struct xhp_kv_group g[2] = {
		{ "/local/domain/0/backend/vif/77/0", kv, 1, true },
		{ "/local/domain/77/device/vif/0", fe, 1, false },
	};
	char *v;

	assert_int_equal(xhp_xs_write_keys(ctx, g[0].base, kv, 1), -ENOENT);
	assert_string_equal(
		xhp_ctx_last_error(ctx),
		"/local/domain/0/backend/vif/77/0 does not exist in "
		"xenstore: nothing written");
	assert_null(tu_xs_read(NULL, "/local/domain/0/backend/vif/77/0"));
	assert_int_equal(xhp_xs_write(ctx,
				      "/local/domain/0/backend/vif/77/0/"
				      "state",
				      "2"),
			 0);
	assert_int_equal(xhp_xs_write_groups(ctx, g, 2, NULL), 0);
	v = tu_xs_read(NULL, "/local/domain/0/backend/vif/77/0/hotplug-status");
	assert_string_equal(v, "error");
	free(v);
	assert_null(tu_xs_read(NULL, "/local/domain/77/device/vif/0"));
	xhp_ctx_unref(ctx);
}

/* The engine's one precedence: env < argv < xenstore, every key. */
static void test_precedence(void **state)
{
	char *argv[] = { "online", "type_if=vif", "bridge=br-argv",
			 "vifname=v-argv", NULL };
	char *envp[] = { "XENBUS_PATH=backend/vif/4/0",
			 "vif=vif4.0",
			 "bridge=br-env",
			 "mtu=1400",
			 "vlan=10",
			 NULL };
	xhp_ctx *ctx = ctx_new();
	struct xhp_op op = { .ctx = ctx,
			     .p = &xhp_personality_vif_bridge,
			     .xenstore = true };
	xhp_request *req;

	assert_int_equal(xhp_request_parse(ctx, 4, argv, envp, &req), 0);
	op.req = req;
	assert_int_equal(xhp_xs_write(ctx, "backend/vif/4/0/vlan", "20"), 0);
	assert_int_equal(xhp_xs_write(ctx, "backend/vif/4/0/vifname", ""), 0);
	assert_int_equal(xhp_op_resolve_settings(&op), 0);
	/* argv beats env */
	assert_string_equal(xhp_op_setting(&op, "bridge"), "br-argv");
	assert_int_equal(xhp_op_setting_source(&op, "bridge"), XHP_SOURCE_ARGV);
	/* env when nothing else */
	assert_string_equal(xhp_op_setting(&op, "mtu"), "1400");
	assert_int_equal(xhp_op_setting_source(&op, "mtu"), XHP_SOURCE_ENV);
	/* xenstore beats both; an empty xenstore key counts as absent */
	assert_string_equal(xhp_op_setting(&op, "vlan"), "20");
	assert_int_equal(xhp_op_setting_source(&op, "vlan"),
			 XHP_SOURCE_XENSTORE);
	assert_string_equal(xhp_op_setting(&op, "vifname"), "v-argv");
	xhp_op_settings_free(&op);
	/* A bad xenstore value is refused naming key, source and path. */
	assert_int_equal(xhp_xs_write(ctx, "backend/vif/4/0/mtu", "9x"), 0);
	assert_int_equal(xhp_op_resolve_settings(&op), -EINVAL);
	assert_string_equal(xhp_ctx_last_error(ctx),
			    "bad mtu '9x' from xenstore backend/vif/4/0/mtu: "
			    "expected a decimal number 68..65535");
	xhp_op_settings_free(&op);
	xhp_request_free(req);
	xhp_ctx_unref(ctx);
}

static void test_nul_byte_refused(void **state)
{
	xhp_ctx *ctx = ctx_new();
	char *v = NULL;

	assert_int_equal(tu_xs_write_len(NULL, "backend/vif/5/0/bridge",
					 "br0\0evil", 8),
			 0);
	assert_int_equal(xhp_xs_read_key(ctx, "backend/vif/5/0", "bridge", &v),
			 -EINVAL);
	assert_null(v);
	assert_non_null(strstr(xhp_ctx_last_error(ctx), "NUL"));
	assert_int_equal(xhp_xs_read_key(ctx, "backend/vif/5/0", "nothing", &v),
			 -ENOENT);
	xhp_ctx_unref(ctx);
}

static void test_vm_info(void **state)
{
	xhp_ctx *ctx = ctx_new();
	char *name, *uuid;

	assert_int_equal(xhp_xs_write(ctx, "/local/domain/7/vm", "/vm/abcd"),
			 0);
	assert_int_equal(xhp_xs_write(ctx, "/vm/abcd/name", "guest7"), 0);
	assert_int_equal(xhp_xs_write(ctx, "/vm/abcd/uuid",
				      "6d3a4a0c-1b1d-4f5e-9a3b-0c2f6c1d2e3f"),
			 0);
	assert_int_equal(xhp_xs_vm_info(ctx, 7, &name, &uuid), 0);
	assert_string_equal(name, "guest7");
	assert_string_equal(uuid, "6d3a4a0c-1b1d-4f5e-9a3b-0c2f6c1d2e3f");
	free(name);
	free(uuid);
	assert_int_equal(xhp_xs_vm_info(ctx, 8, &name, &uuid), 0);
	assert_null(name);
	assert_null(uuid);
	xhp_ctx_unref(ctx);
}

static void test_daemon_missing(void **state)
{
	const char *saved = getenv("XENSTORED_PATH");
	char *copy = strdup(saved);
	xhp_ctx *ctx = ctx_new();
	char *v;

	setenv("XENSTORED_PATH", "/nonexistent/xhp/socket", 1);
	assert_int_equal(xhp_xs_read_key(ctx, "backend/vif/1/0", "bridge", &v),
			 -ECONNREFUSED);
	assert_non_null(strstr(xhp_ctx_last_error(ctx),
			       "cannot connect to xenstore at "
			       "/nonexistent/xhp/socket"));
	setenv("XENSTORED_PATH", copy, 1);
	free(copy);
	xhp_ctx_unref(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_keys_one_transaction),
		cmocka_unit_test(test_write_never_creates),
		cmocka_unit_test(test_write_keys_all_or_nothing),
		cmocka_unit_test(test_eagain_retry),
		cmocka_unit_test(test_eagain_bounded),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_nul_byte_refused),
		cmocka_unit_test(test_vm_info),
		cmocka_unit_test(test_daemon_missing),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
