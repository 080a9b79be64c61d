// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Deadlines on libxenstore calls: the test xenstored is stopped
 * (SIGSTOP, so it accepts connections but never answers) and every call
 * must come back with -ETIMEDOUT within the context's timeout, a whole
 * vif-bridge online must fail within its deadline without touching the
 * link, and once the daemon runs again the next call (and the next
 * operation) must work on a fresh connection.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>

#include <cmocka.h>

#include "nl.h"
#include "testutil.h"
#include "xs.h"
#include "xsd_harness.h"

#define TIMEOUT_MS 300
#define BACKEND "/local/domain/0/backend/vif/7/0"

static struct xsd xsd = XSD_INIT;

static int setup(void **state)
{
	return xsd_start(&xsd) < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	if (xsd.pid > 0)
		kill(xsd.pid, SIGCONT);
	xsd_stop(&xsd);
	return xsd_exited_cleanly(&xsd) ? 0 : -1;
}

static xhp_ctx *ctx_new(uint64_t timeout_ms)
{
	xhp_ctx *ctx;

	assert_int_equal(xhp_ctx_new(&ctx), 0);
	assert_int_equal(xhp_ctx_set_timeout_ms(ctx, timeout_ms), 0);
	return ctx;
}

static uint64_t ms_since(uint64_t t0)
{
	return (xhp_now_us() - t0) / 1000;
}

static void daemon_stop(void)
{
	assert_int_equal(kill(xsd.pid, SIGSTOP), 0);
}

static void daemon_cont(void)
{
	assert_int_equal(kill(xsd.pid, SIGCONT), 0);
}

/* Single calls outside an operation: bounded by the context timeout. */
static void test_call_times_out_and_recovers(void **state)
{
	static const struct xhp_kv during = { "probe", "during" };
	xhp_ctx *ctx = ctx_new(TIMEOUT_MS);
	char *v = NULL;
	uint64_t t0, ms;

	assert_int_equal(xhp_xs_write(ctx, BACKEND "/probe", "before"), 0);
	daemon_stop();

	t0 = xhp_now_us();
	assert_int_equal(xhp_xs_read(ctx, XBT_NULL, BACKEND "/probe", &v),
			 -ETIMEDOUT);
	ms = ms_since(t0);
	printf("read on a stopped xenstored: -ETIMEDOUT after %llu ms\n",
	       (unsigned long long)ms);
	assert_true(ms >= TIMEOUT_MS - 10 && ms < TIMEOUT_MS + 700);
	assert_non_null(strstr(xhp_ctx_last_error(ctx), "timed out"));

	/*
	 * A transaction times out the same way, at its start: the daemon
	 * drops it with the closed connection, so nothing is written. (A
	 * plain write that timed out may still be applied when the daemon
	 * reads it: like any request whose answer was lost.)
	 */
	t0 = xhp_now_us();
	assert_int_equal(xhp_xs_write_keys(ctx, BACKEND, &during, 1),
			 -ETIMEDOUT);
	assert_string_equal(xhp_ctx_last_error(ctx),
			    "cannot start a xenstore transaction: Connection "
			    "timed out: xenstore did not answer within 300 ms");
	assert_true(ms_since(t0) < TIMEOUT_MS + 700);

	daemon_cont();
	/* A fresh connection; the stalled transaction never happened. */
	assert_int_equal(xhp_xs_read(ctx, XBT_NULL, BACKEND "/probe", &v), 0);
	assert_string_equal(v, "before");
	free(v);
	assert_int_equal(xhp_xs_write(ctx, BACKEND "/probe", "after"), 0);
	assert_int_equal(xhp_xs_read(ctx, XBT_NULL, BACKEND "/probe", &v), 0);
	assert_string_equal(v, "after");
	free(v);
	xhp_ctx_unref(ctx);
}

/* A daemon with descriptor 0 closed: xenstore's socket gets it. */
static void test_stdin_closed(void **state)
{
	xhp_ctx *ctx = ctx_new(TIMEOUT_MS);
	char *v = NULL;
	int saved = dup(0);

	assert_true(saved > 0);
	assert_int_equal(close(0), 0);
	assert_int_equal(xhp_xs_write(ctx, BACKEND "/probe0", "x"), 0);
	daemon_stop();
	assert_int_equal(xhp_xs_read(ctx, XBT_NULL, BACKEND "/probe0", &v),
			 -ETIMEDOUT);
	assert_string_equal(xhp_ctx_last_error(ctx),
			    "cannot read xenstore " BACKEND
			    "/probe0: Connection "
			    "timed out: xenstore did not answer within 300 ms");
	daemon_cont();
	xhp_ctx_unref(ctx);
	assert_int_equal(dup2(saved, 0), 0);
	close(saved);
}

/* Transaction conflicts (EAGAIN at once) are not taken for timeouts. */
static void test_conflict_is_not_a_timeout(void **state)
{
	xhp_ctx *ctx = ctx_new(TIMEOUT_MS);
	xs_transaction_t t;
	char *v = NULL;

	assert_int_equal(xhp_xs_write(ctx, BACKEND "/c", "0"), 0);
	assert_int_equal(xhp_xs_open(ctx), 0);
	t = xhp_xs_raw_tx_start(ctx);
	assert_true(t != XBT_NULL);
	assert_true(xhp_xs_raw_write(ctx, t, BACKEND "/c", "1", 1));
	assert_int_equal(tu_xs_write(NULL, BACKEND "/c", "2"), 0);
	assert_false(xhp_xs_raw_tx_end(ctx, t, false));
	assert_int_equal(errno, EAGAIN);
	/* The connection is still good. */
	assert_int_equal(xhp_xs_read(ctx, XBT_NULL, BACKEND "/c", &v), 0);
	assert_string_equal(v, "2");
	free(v);
	xhp_ctx_unref(ctx);
}

static void put(const char *key, const char *value)
{
	char p[256];
	xhp_ctx *ctx = ctx_new(5000);

	snprintf(p, sizeof(p), BACKEND "/%s", key);
	assert_int_equal(xhp_xs_write(ctx, p, value), 0);
	xhp_ctx_unref(ctx);
}

static void link_state(const char *name, unsigned int *flags, int *master)
{
	struct xhp_nl *nl = NULL;
	struct xhp_link l;
	xhp_ctx *ctx = ctx_new(5000);

	assert_int_equal(xhp_nl_open(ctx, &nl), 0);
	assert_int_equal(xhp_nl_link_get(ctx, nl, name, 0, &l), 0);
	*flags = l.flags;
	*master = (int)l.master;
	xhp_nl_close(nl);
	xhp_ctx_unref(ctx);
}

/* A whole online on a stopped xenstored: fails within its deadline. */
static void test_operation_within_deadline(void **state)
{
	xhp_ctx *ctx = ctx_new(TIMEOUT_MS);
	xhp_request *req = NULL;
	xhp_result *res = NULL;
	unsigned int flags;
	char *v = NULL;
	uint64_t t0, ms;
	int master, r;

	tu_require_root("a tap and a bridge in a network namespace");
	assert_int_equal(tu_netns_enter(), 0);
	assert_int_equal(tu_runl(NULL, "ip", "link", "add", "br0", "type",
				 "bridge", NULL),
			 0);
	assert_int_equal(tu_runl(NULL, "ip", "link", "set", "br0", "up", NULL),
			 0);
	assert_int_equal(tu_runl(NULL, "ip", "tuntap", "add", "dev", "vif7.0",
				 "mode", "tap", NULL),
			 0);
	put("bridge", "br0");
	put("frontend-id", "7");
	put("mac", "00:16:3e:00:00:07");
	assert_int_equal(xhp_request_new(ctx, XHP_ACTION_ONLINE, XHP_KIND_VIF,
					 BACKEND, "vif7.0", &req),
			 0);

	daemon_stop();
	t0 = xhp_now_us();
	r = xhp_device_run(ctx, "vif-bridge", req, &res);
	ms = ms_since(t0);
	daemon_cont();
	printf("vif-bridge online on a stopped xenstored: %d after %llu ms\n",
	       r, (unsigned long long)ms);
	assert_int_equal(r, -ETIMEDOUT);
	assert_true(ms < TIMEOUT_MS + 700);
	assert_non_null(strstr(xhp_ctx_last_error(ctx), "timed out"));
	xhp_result_free(res);
	res = NULL;
	/* Nothing was done to the link. */
	link_state("vif7.0", &flags, &master);
	assert_false(flags & IFF_UP);
	assert_int_equal(master, 0);

	/* The daemon is back: the next operation works. */
	assert_int_equal(xhp_ctx_set_timeout_ms(ctx, 5000), 0);
	assert_int_equal(xhp_device_run(ctx, "vif-bridge", req, &res), 0);
	xhp_result_free(res);
	assert_int_equal(
		xhp_xs_read(ctx, XBT_NULL, BACKEND "/hotplug-status", &v), 0);
	assert_string_equal(v, "connected");
	free(v);
	link_state("vif7.0", &flags, &master);
	assert_true(flags & IFF_UP);
	assert_true(master > 0);
	xhp_request_free(req);
	xhp_ctx_unref(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_call_times_out_and_recovers),
		cmocka_unit_test(test_stdin_closed),
		cmocka_unit_test(test_conflict_is_not_a_timeout),
		cmocka_unit_test(test_operation_within_deadline),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
