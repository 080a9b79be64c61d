// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Many devices, and names reused: 1000 devices' policies installed, every
 * other one removed, then the rest: `nft list ruleset netdev` holds
 * exactly the chains (in the shards' tables) of the devices present at
 * each point. A name reused
 * by another guest gets only its own rules (none of the old guest's MAC
 * or addresses), and a name whose new guest has nothing to enforce keeps
 * no chain at all.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nft_policy.h"
#include "pt.h"
#include "testutil.h"

#define NDEV 1000

static struct {
	xhp_ctx *ctx;
	struct xhp_nft *nft;
} T;

static void apply(const char *name, const char *mac, const char *ip,
		  bool antispoof)
{
	struct xhp_nft_policy p = { .antispoof = antispoof };
	struct xhp_ip *ips = NULL;
	const char *why;
	size_t n = 0;

	assert_int_equal(xhp_parse_mac(mac, p.mac, &why), 0);
	assert_int_equal(xhp_parse_ip_list(ip, &ips, &n, &why), 0);
	p.ips = ips;
	p.n_ips = n;
	if (xhp_nft_dev_apply(T.ctx, T.nft, name, &p) < 0)
		fail_msg("%s: %s", name, xhp_ctx_last_error(T.ctx));
	free(ips);
}

/* Exactly the chains of devices sc<i> with present[i]. */
static void check_chains(const bool present[NDEV])
{
	char *out = NULL, want[64];
	const char *s;
	int i, n = 0;

	/* the chains only: `nft list ruleset` of 1000 tables with their
	 * rules outlasted the 60 s a command gets here (nftables 1.0.6) */
	assert_int_equal(tu_runl(&out, "nft", "list", "chains", "netdev", NULL),
			 0);
	assert_non_null(out);
	for (s = out; (s = strstr(s, "\tchain dev-")); s++)
		n++;
	for (i = 0; i < NDEV; i++) {
		snprintf(want, sizeof(want), "\tchain dev-sc%d {\n", i);
		if ((strstr(out, want) != NULL) != present[i])
			fail_msg("chain dev-sc%d %s", i,
				 present[i] ? "missing" : "left over");
		if (present[i])
			n--;
	}
	free(out);
	assert_int_equal(n, 0);
}

static void test_thousand(void **state)
{
	static bool present[NDEV];
	char name[16], mac[18], ip[40];
	int i;

	(void)state;
	for (i = 0; i < NDEV; i++) {
		snprintf(name, sizeof(name), "sc%d", i);
		snprintf(mac, sizeof(mac), "00:16:3e:00:%02x:%02x", i >> 8,
			 i & 0xff);
		snprintf(ip, sizeof(ip), "10.%d.%d.1 fd00::%x", i >> 8,
			 i & 0xff, i);
		apply(name, mac, ip, true);
		present[i] = true;
	}
	check_chains(present);
	for (i = 0; i < NDEV; i += 2) {
		snprintf(name, sizeof(name), "sc%d", i);
		assert_int_equal(xhp_nft_dev_remove(T.ctx, T.nft, name), 0);
		present[i] = false;
	}
	check_chains(present);
	/* removing again is not an error */
	assert_int_equal(xhp_nft_dev_remove(T.ctx, T.nft, "sc0"), 0);
	for (i = 1; i < NDEV; i += 2) {
		snprintf(name, sizeof(name), "sc%d", i);
		assert_int_equal(xhp_nft_dev_remove(T.ctx, T.nft, name), 0);
		present[i] = false;
	}
	check_chains(present);
	assert_int_equal(pt_chains(), 0);
}

static void test_name_reuse(void **state)
{
	char *out;

	(void)state;
	apply("reuse0", "00:16:3e:aa:aa:aa", "10.1.1.1 fd01::1", true);
	apply("reuse1", "00:16:3e:cc:cc:cc", "10.3.3.3", true);
	/* another guest on the same name: only its own rules */
	apply("reuse0", "00:16:3e:bb:bb:bb", "10.2.2.2", true);
	out = pt_nft_list();
	assert_non_null(out);
	assert_non_null(strstr(out, "00:16:3e:bb:bb:bb"));
	assert_null(strstr(out, "00:16:3e:aa:aa:aa"));
	assert_null(strstr(out, "10.1.1.1"));
	assert_null(strstr(out, "fd01::1"));
	assert_non_null(strstr(out, "10.2.2.2"));
	/* the neighbour's are untouched */
	assert_non_null(strstr(out, "00:16:3e:cc:cc:cc"));
	free(out);
	assert_int_equal(pt_chains(), 2);
	/* a guest with nothing to enforce: the old chains go, none come */
	apply("reuse0", "00:16:3e:dd:dd:dd", "", false);
	assert_int_equal(pt_chains(), 1);
	out = pt_nft_list();
	assert_null(strstr(out, "dev-reuse0"));
	free(out);
	assert_int_equal(xhp_nft_dev_remove(T.ctx, T.nft, "reuse1"), 0);
	assert_int_equal(pt_chains(), 0);
}

/* xhp_nft_dev_apply of anti-spoofing with the first @n addresses of
 * @ip on @name. */
static int try_apply(const char *name, const char *ip, size_t n)
{
	struct xhp_nft_policy p = { .antispoof = true };
	struct xhp_ip *ips = NULL;
	const char *why;
	size_t got = 0;
	int r;

	assert_int_equal(xhp_parse_ip_list(ip, &ips, &got, &why), 0);
	p.ips = ips;
	p.n_ips = got < n ? got : n;
	r = xhp_nft_dev_apply(T.ctx, T.nft, name, &p);
	free(ips);
	return r;
}

/* More addresses than the batch takes: refused before anything. */
static void test_too_many_addresses(void **state)
{
	char ip[64 * 16 + 64] = "";
	size_t i;

	(void)state;
	for (i = 0; i <= XHP_NFT_POLICY_IPS_MAX; i++)
		snprintf(ip + strlen(ip), sizeof(ip) - strlen(ip),
			 "10.9.%zu.1 ", i);
	assert_int_equal(try_apply("many0", ip, SIZE_MAX), -EINVAL);
	assert_string_equal(
		xhp_ctx_last_error(T.ctx),
		"cannot enforce the addresses of many0: ip has 65 addresses, anti-spoofing takes at most 64");
	/* the most it takes fits one batch (and a set: more than 8) */
	assert_int_equal(try_apply("many0", ip, XHP_NFT_POLICY_IPS_MAX), 0);
	/* prefixes: 16 of each family fit in their rules, 17 do not */
	ip[0] = '\0';
	for (i = 0; i < XHP_NFT_POLICY_PREFIXES_MAX; i++)
		snprintf(ip + strlen(ip), sizeof(ip) - strlen(ip),
			 "10.8.%zu.0/24 fd08:%zx::/64 ", i, i);
	if (try_apply("many0", ip, SIZE_MAX) < 0)
		fail_msg("%s", xhp_ctx_last_error(T.ctx));
	snprintf(ip + strlen(ip), sizeof(ip) - strlen(ip), "10.8.99.0/24");
	assert_int_equal(try_apply("many0", ip, SIZE_MAX), -EINVAL);
	assert_string_equal(
		xhp_ctx_last_error(T.ctx),
		"cannot enforce the addresses of many0: ip has 17 IPv4 prefixes, anti-spoofing takes at most 16");
	assert_int_equal(xhp_nft_dev_remove(T.ctx, T.nft, "many0"), 0);
}

/* The ruleset flushed behind the socket's back ("nft flush ruleset", as a
 * firewall's reload does): the socket's knowledge of the shared chain is
 * stale, the batch that jumps to it fails (ENOENT), and the apply asks
 * again and makes it anew. */
static void test_ruleset_flushed(void **state)
{
	char *out;

	(void)state;
	apply("flush0", "00:16:3e:ee:ee:ee", "10.4.4.4", true);
	assert_int_equal(tu_runl(NULL, "nft", "flush", "ruleset", NULL), 0);
	assert_int_equal(pt_chains(), 0);
	apply("flush0", "00:16:3e:ee:ee:ee", "10.4.4.4", true);
	out = pt_nft_list();
	assert_non_null(out);
	assert_non_null(strstr(out, "\tchain dev-flush0 {"));
	assert_non_null(strstr(out, "\tchain " XHP_NFT_SHARED_PREFIX));
	assert_non_null(strstr(out, "jump " XHP_NFT_SHARED_PREFIX));
	free(out);
	assert_int_equal(xhp_nft_dev_remove(T.ctx, T.nft, "flush0"), 0);
	assert_int_equal(pt_chains(), 0);
}

static int setup(void **state)
{
	(void)state;
	pt_init();
	assert_int_equal(xhp_ctx_new(&T.ctx), 0);
	assert_int_equal(xhp_nft_open(T.ctx, &T.nft), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_runl(NULL, "nft", "flush", "ruleset", "netdev", NULL);
	xhp_nft_close(T.nft);
	xhp_ctx_unref(T.ctx);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_reuse),
		cmocka_unit_test(test_too_many_addresses),
		cmocka_unit_test(test_ruleset_flushed),
		cmocka_unit_test(test_thousand),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
