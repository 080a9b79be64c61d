// SPDX-License-Identifier: LGPL-2.1-or-later
/* The context: references, settings, last error, log callback, version. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <cmocka.h>

#include <xhp/xhp.h>

#include "internal.h"

struct seen {
	int n;
	int last_priority;
	char last[256];
};

static void log_fn(void *userdata, int priority, const char *message)
{
	struct seen *s = userdata;

	s->n++;
	s->last_priority = priority;
	strncpy(s->last, message, sizeof(s->last) - 1);
}

static void test_refs_and_args(void **state)
{
	xhp_ctx *ctx = NULL;

	assert_int_equal(xhp_ctx_new(NULL), -EINVAL);
	assert_int_equal(xhp_ctx_new(&ctx), 0);
	assert_ptr_equal(xhp_ctx_ref(ctx), ctx);
	assert_null(xhp_ctx_unref(ctx)); /* one reference left */
	assert_string_equal(xhp_ctx_last_error(ctx), "");
	assert_int_equal(xhp_ctx_set_timeout_ms(ctx, 0), -EINVAL);
	assert_int_equal(xhp_ctx_set_timeout_ms(ctx, 40000), 0);
	assert_int_equal(xhp_ctx_set_log_priority(ctx, 8), -EINVAL);
	assert_int_equal(xhp_ctx_set_log_priority(ctx, -1), -EINVAL);
	assert_int_equal(xhp_ctx_set_lock_dir(ctx, "relative/dir"), -EINVAL);
	assert_int_equal(xhp_ctx_set_lock_dir(ctx, NULL), -EINVAL);
	assert_int_equal(xhp_ctx_set_dry_run(NULL, 1), -EINVAL);
	assert_int_equal(xhp_ctx_set_log_fn(NULL, log_fn, NULL), -EINVAL);
	assert_null(xhp_ctx_unref(ctx));
	/* NULL-safe destructors and accessors. */
	assert_null(xhp_ctx_unref(NULL));
	assert_null(xhp_ctx_ref(NULL));
	assert_string_equal(xhp_ctx_last_error(NULL), "");
}

/* A noop run (add of a vif) logs one debug line and touches nothing. */
static void noop_run(xhp_ctx *ctx)
{
	xhp_request *req = NULL;

	assert_int_equal(xhp_request_new(ctx, XHP_ACTION_ADD, XHP_KIND_VIF,
					 "backend/vif/2/0", "vif2.0", &req),
			 0);
	assert_int_equal(xhp_device_run(ctx, "vif-bridge", req, NULL), 0);
	xhp_request_free(req);
}

/*
 * An error the library returns is on the context, not in the log: the
 * caller decides what to say (systemd's rule for libraries).
 */
static void test_errors_are_not_logged(void **state)
{
	char *argv[] = { "frob", NULL };
	struct seen seen = { 0 };
	xhp_request *req = NULL;
	xhp_ctx *ctx;
	int n;

	assert_int_equal(xhp_ctx_new(&ctx), 0);
	assert_int_equal(xhp_ctx_set_log_fn(ctx, log_fn, &seen), 0);
	assert_int_equal(xhp_ctx_set_log_priority(ctx, LOG_DEBUG), 0);
	assert_int_equal(xhp_request_parse(ctx, 1, argv, NULL, &req), -EINVAL);
	assert_null(req);
	assert_non_null(
		strstr(xhp_ctx_last_error(ctx), "unknown command 'frob'"));
	assert_int_equal(seen.n, 0);
	/* What it does is logged... */
	noop_run(ctx);
	assert_true(seen.n >= 1);
	assert_int_equal(seen.last_priority, LOG_DEBUG);
	/* ...up to the priority threshold. */
	n = seen.n;
	assert_int_equal(xhp_ctx_set_log_priority(ctx, LOG_EMERG), 0);
	noop_run(ctx);
	assert_int_equal(seen.n, n);
	/* A NULL function silences the library. */
	assert_int_equal(xhp_ctx_set_log_priority(ctx, LOG_DEBUG), 0);
	assert_int_equal(xhp_ctx_set_log_fn(ctx, NULL, NULL), 0);
	noop_run(ctx);
	assert_int_equal(seen.n, n);
	xhp_ctx_unref(ctx);
}

/* An error that words the one before it: ctx->err as an argument. */
static void test_error_words_the_last(void **state)
{
	xhp_ctx *ctx;

	(void)state;
	assert_int_equal(xhp_ctx_new(&ctx), 0);
	assert_int_equal(xhp_err(ctx, ENOENT, "no port %s", "vif1.0"), -ENOENT);
	assert_int_equal(
		xhp_err(ctx, -EIO, "cannot check: %s (%d)", ctx->err, 7), -EIO);
	assert_string_equal(xhp_ctx_last_error(ctx),
			    "cannot check: no port vif1.0 (7)");
	xhp_ctx_unref(ctx);
}

static void test_debug_env(void **state)
{
	struct seen seen = { 0 };
	xhp_request *req = NULL;
	xhp_result *res = NULL;
	xhp_ctx *ctx;

	/* XHP_DEBUG=1 raises the priority to LOG_DEBUG: a no-op run (add of
	 * a vif: Xen's rules act on online/offline) logs at debug only. */
	setenv("XHP_DEBUG", "1", 1);
	assert_int_equal(xhp_ctx_new(&ctx), 0);
	unsetenv("XHP_DEBUG");
	assert_int_equal(xhp_ctx_set_log_fn(ctx, log_fn, &seen), 0);
	assert_int_equal(xhp_request_new(ctx, XHP_ACTION_ADD, XHP_KIND_VIF,
					 "backend/vif/2/0", "vif2.0", &req),
			 0);
	assert_int_equal(xhp_request_is_noop(req), 1);
	assert_int_equal(xhp_device_run(ctx, "vif-bridge", req, &res), 0);
	assert_int_equal(xhp_result_status(res), XHP_STATUS_NONE);
	assert_int_equal(seen.last_priority, LOG_DEBUG);
	assert_true(seen.n >= 1);
	xhp_result_free(res);
	xhp_request_free(req);
	xhp_ctx_unref(ctx);
}

static void test_version(void **state)
{
	assert_string_equal(xhp_version(), XHP_VERSION_STRING);
#if XHP_VERSION_MAJOR < 0 || XHP_VERSION_MINOR < 0
#error bad version macros
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refs_and_args),
		cmocka_unit_test(test_errors_are_not_logged),
		cmocka_unit_test(test_error_words_the_last),
		cmocka_unit_test(test_debug_env),
		cmocka_unit_test(test_version),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
