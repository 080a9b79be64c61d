// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A vif-route offline keeps going past failures: the first one is
 * returned (errno and message), and each later one, which the caller
 * would otherwise never see now that the library does not log the errors
 * it returns, reaches the log as a warning. Both route deletions fail
 * here through the fault seam (fault.h), on real routes in a throwaway
 * network namespace.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <cmocka.h>

#include "fault.h"
#include "route_util.h"
#include "testutil.h"

static struct ru_env env;

struct seen {
	char warnings[4096];
};

static void log_fn(void *userdata, int priority, const char *message)
{
	struct seen *s = userdata;
	size_t n = strlen(s->warnings);

	if (priority == LOG_WARNING)
		snprintf(s->warnings + n, sizeof(s->warnings) - n, "%s\n",
			 message);
}

/* An offline in-process with @plan on the context. */
static int offline(struct xhp_fault *plan, struct seen *seen, char *msg,
		   size_t size)
{
	xhp_request *req = NULL;
	xhp_ctx *ctx;
	int r;

	assert_int_equal(xhp_ctx_new(&ctx), 0);
	xhp_ctx_set_log_fn(ctx, log_fn, seen);
	assert_int_equal(xhp_request_new(ctx, XHP_ACTION_OFFLINE, XHP_KIND_VIF,
					 RU_BACKEND, RU_VIF, &req),
			 0);
	ctx->fault = plan;
	r = xhp_device_run(ctx, "vif-route", req, NULL);
	ctx->fault = NULL;
	snprintf(msg, size, "%s", xhp_ctx_last_error(ctx));
	xhp_request_free(req);
	xhp_ctx_unref(ctx);
	return r;
}

static void test_first_failure_returned_later_ones_warned(void **state)
{
	struct xhp_fault plan;
	struct seen seen;
	char msg[1024];
	unsigned int at;
	int r = 0;

	assert_int_equal(tu_xs_write(NULL, RU_KEY("ip"), "10.9.0.2 10.9.1.2"),
			 0);
	/* Find the seam call of the first route deletion. */
	for (at = 1; at < 200; at++) {
		assert_int_equal(ru_ours("online", false, NULL, NULL), 0);
		memset(&plan, 0, sizeof(plan));
		memset(&seen, 0, sizeof(seen));
		plan.fail_at = at;
		plan.err[XHP_FAULT_NL] = EPERM;
		plan.also_step = "RTM_DELROUTE";
		r = offline(&plan, &seen, msg, sizeof(msg));
		if (!strcmp(plan.step, "RTM_DELROUTE"))
			break;
	}
	assert_true(at < 200);
	assert_int_equal(r, -EPERM);
	assert_int_equal(plan.hits, 2);
	if (!strstr(msg, "cannot delete route 10.9.0.2/32 dev " RU_VIF))
		fail_msg("returned '%s'", msg);
	if (!strstr(seen.warnings,
		    "cannot delete route 10.9.1.2/32 dev " RU_VIF) ||
	    strstr(seen.warnings, "10.9.0.2"))
		fail_msg("warnings '%s'", seen.warnings);
	/* Without the faults, the offline finishes the job. */
	assert_int_equal(ru_ours("offline", false, NULL, NULL), 0);
}

static int setup(void **state)
{
	(void)state;
	return ru_setup(&env, true, false) == 0 && ru_tap(RU_VIF) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	ru_teardown(&env);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_first_failure_returned_later_ones_warned, setup,
			teardown),
	};

	tu_require_root("network namespaces, taps and routes");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
