// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The rate policer of an emulated NIC, measured: a veth named
 * vif5.0-emu stands in for qemu's tap (a tap passes traffic only while a
 * process holds it), plugged by vif-bridge as a tap with the rate
 * setting; the "guest" behind it sends UDP at about twice the rate, and
 * the router counts the IP bytes that arrive in a window after the
 * policer's one-second bucket is spent: within 15 % of the rate. The same
 * without a rate arrives at about the sending rate (the measurement
 * would see a missing policer). A PV vif (type vif) with the same rate
 * gets no policer: netback enforces it.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <poll.h>
#include <unistd.h>

#include <cmocka.h>

#include "pt.h"
#include "testutil.h"

/* 50000 bytes per 25 ms: 2,000,000 bytes/second */
#define RATE "50000,25000"
#define RATE_BPS 2000000.0
#define PAYLOAD 1400
#define WARMUP_S 2.0
#define RUN_S 4.5

static struct {
	struct pt_ns g, rtr;
	xhp_ctx *ctx;
	volatile int stop;
	struct pt_frame f;
	uint32_t tag;
} T;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int run(int action, int kind, const char *dev, const char *rate)
{
	xhp_device_opts opts = { .size = sizeof(opts) };
	xhp_request *req = NULL;
	xhp_settings *s = NULL;
	int r;

	assert_int_equal(xhp_settings_new(T.ctx, &s), 0);
	assert_int_equal(xhp_settings_set(s, "bridge", "xprb0"), 0);
	assert_int_equal(xhp_settings_set(s, "rate", rate), 0);
	assert_int_equal(xhp_request_new(T.ctx, action, kind, NULL, dev, &req),
			 0);
	opts.settings = s;
	r = xhp_device_run_ext(T.ctx, "vif-bridge", req, &opts, NULL);
	if (r < 0)
		fail_msg("vif-bridge: %s", xhp_ctx_last_error(T.ctx));
	xhp_request_free(req);
	xhp_settings_free(s);
	return r;
}

/* About 2 x the rate: 28 frames of ~1432 IP bytes every 10 ms. */
static void *sender(void *arg)
{
	struct timespec d = { 0, 10 * 1000 * 1000 };
	int i;

	(void)arg;
	while (!T.stop) {
		for (i = 0; i < 28; i++)
			if (send(T.g.tx, T.f.b, T.f.len, 0) < 0)
				break;
		nanosleep(&d, NULL);
	}
	return NULL;
}

/* IP bytes per second that reach the router after the warm-up. */
static double measure(void)
{
	double start, t, bytes = 0;
	uint8_t in[2048];
	pthread_t th;

	T.stop = 0;
	T.tag = pt_send(&T.g, &T.f, 1); /* tags T.f */
	T.f.len += 4;
	while (T.f.len < 60)
		T.f.b[T.f.len++] = 0;
	pt_count(&T.rtr, 0); /* drain */
	start = now_s();
	assert_int_equal(pthread_create(&th, NULL, sender, NULL), 0);
	while ((t = now_s() - start) < RUN_S) {
		struct pollfd p = { T.rtr.tx, POLLIN, 0 };
		ssize_t n;

		if (poll(&p, 1, 100) <= 0)
			continue;
		n = recv(T.rtr.tx, in, sizeof(in), 0);
		if (n > 14 && t >= WARMUP_S &&
		    memmem(in, (size_t)n, &T.tag, sizeof(T.tag)))
			bytes += (double)(n - 14);
	}
	T.stop = 1;
	pthread_join(th, NULL);
	T.f.len -= 4;
	return bytes / (RUN_S - WARMUP_S);
}

static int setup(void **state)
{
	static const char *const ag[] = { "10.78.0.11/24", NULL };
	static const char *const ar[] = { "10.78.0.1/24", NULL };
	int sz = 4 << 20;

	(void)state;
	pt_init();
	setenv("XHP_CONFIG", "/dev/null", 1);
	assert_int_equal(xhp_ctx_new(&T.ctx), 0);
	pt_ns_new(&T.g);
	pt_ns_new(&T.rtr);
	pt_run(NULL, "ip", "link", "add", "xprb0", "type", "bridge", NULL);
	pt_run(NULL, "ip", "link", "set", "xprb0", "up", NULL);
	pt_veth("vif5.0-emu", &T.g, NULL, ag);
	pt_veth("rrtr0", &T.rtr, NULL, ar);
	pt_run(NULL, "ip", "link", "set", "rrtr0", "master", "xprb0", NULL);
	pt_wait_port(NULL, "rrtr0");
	setsockopt(T.rtr.tx, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz));
	pt_udp4(&T.f, T.g.mac, T.rtr.mac, "10.78.0.11", "10.78.0.1", 5000, 5000,
		PAYLOAD);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_runl(NULL, "nft", "flush", "ruleset", "netdev", NULL);
	pt_ns_free(&T.g);
	pt_ns_free(&T.rtr);
	xhp_ctx_unref(T.ctx);
	return 0;
}

static void test_no_rate_passes_all(void **state)
{
	double bps;

	(void)state;
	/* a PV vif with a rate: netback's to enforce, no policer here */
	run(XHP_ACTION_ONLINE, XHP_KIND_VIF, "vif5.0-emu", RATE);
	assert_int_equal(pt_chains(), 0);
	pt_wait_port(NULL, "vif5.0-emu");
	bps = measure();
	printf("without a policer: %.0f bytes/s (rate %.0f)\n", bps, RATE_BPS);
	assert_true(bps > 1.6 * RATE_BPS);
	run(XHP_ACTION_OFFLINE, XHP_KIND_VIF, "vif5.0-emu", "");
}

static void test_rate_policed(void **state)
{
	double bps;
	char *out;

	(void)state;
	run(XHP_ACTION_ADD, XHP_KIND_TAP, "vif5.0-emu", RATE);
	out = pt_nft_list();
	assert_non_null(out);
	assert_non_null(strstr(out, "limit rate over 2000000 bytes/second"));
	free(out);
	pt_wait_port(NULL, "vif5.0-emu");
	bps = measure();
	printf("policed: %.0f bytes/s (rate %.0f, %+.1f %%)\n", bps, RATE_BPS,
	       (bps / RATE_BPS - 1) * 100);
	assert_true(bps > 0.85 * RATE_BPS && bps < 1.15 * RATE_BPS);
	assert_true(pt_dev_counter("vif5.0-emu", "xhp: over the rate") > 0);
	run(XHP_ACTION_REMOVE, XHP_KIND_TAP, "vif5.0-emu", "");
	assert_int_equal(pt_chains(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_rate_passes_all),
		cmocka_unit_test(test_rate_policed),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
