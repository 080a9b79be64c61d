// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * bench_leftovers: the cost of the leftovers scan (xhp_leftovers_scan:
 * one link dump, one nf_tables chain dump, a backend read per marked
 * object, the loop devices, the lock directory) with 10 and 1000
 * devices' chains (vif<D>.0, each with its backend in the test
 * xenstored: none is a leftover, each is judged), in-process, in a
 * throwaway netns; and the chain dump alone (xhp_nft_dev_chains). A
 * netdev chain may name a device that does not exist: no link is made.
 * Prints the median of the runs, in ms and per chain.
 *
 * Usage: bench_leftovers [runs]   (root; default 21)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "nft_list.h"
#include "testutil.h"
#include "xsd_harness.h"

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), bench_cmp_d);
	return v[n / 2];
}

static void fail(xhp_ctx *ctx, const char *what)
{
	fprintf(stderr, "bench_leftovers: %s: %s\n", what,
		xhp_ctx_last_error(ctx));
	exit(1);
}

int main(int argc, char **argv)
{
	static const unsigned int sizes[] = { 10, 1000 };
	static const uint8_t mac[6] = { 0x00, 0x16, 0x3e, 0, 0, 1 };
	int runs = argc > 1 ? atoi(argv[1]) : 21, i, n;
	double scan[64], dump[64], t, ms[2], dms[2];
	struct xhp_nft_dev_chain *c;
	struct xsd x = XSD_INIT;
	unsigned int have = 0;
	struct xhp_nft *nft;
	xhp_leftovers *l;
	char name[IFNAMSIZ], path[96];
	xhp_ctx *ctx;
	size_t s;

	if (runs < 1 || runs > 64)
		runs = 21;
	tu_require_root("creates nf_tables chains");
	if (tu_netns_enter() < 0 || xsd_start(&x) < 0)
		bench_die("namespace or xenstored");
	if (xhp_ctx_new(&ctx) < 0 ||
	    xhp_ctx_set_lock_dir(ctx, "/nonexistent") < 0)
		bench_die("context");
	if (xhp_nft_get(ctx, &nft) < 0)
		fail(ctx, "nf_tables socket");
	printf("%8s %14s %12s %14s %12s\n", "chains", "scan ms", "us / chain",
	       "dump ms", "us / chain");
	for (s = 0; s < 2; s++) {
		for (; have < sizes[s]; have++) {
			snprintf(name, sizeof(name), "vif%u.0", have + 1);
			if (xhp_nft_dev_replace(ctx, nft, name, mac) < 0)
				fail(ctx, "fill");
			snprintf(path, sizeof(path),
				 "/local/domain/0/backend/vif/%u/0/state",
				 have + 1);
			if (tu_xs_write(NULL, path, "4") < 0)
				bench_die("xenstore write");
		}
		for (i = 0; i < runs; i++) {
			t = bench_now_ms();
			if (xhp_leftovers_scan(ctx, &l) < 0)
				fail(ctx, "scan");
			scan[i] = bench_now_ms() - t;
			if (xhp_leftovers_count(l) != 0)
				bench_die("a scan with no leftovers");
			xhp_leftovers_free(l);
			t = bench_now_ms();
			n = xhp_nft_dev_chains(ctx, nft, &c);
			dump[i] = bench_now_ms() - t;
			if (n != (int)sizes[s])
				fail(ctx, "dump");
			free(c);
		}
		ms[s] = median(scan, runs);
		dms[s] = median(dump, runs);
		printf("%8u %14.2f %12.1f %14.2f %12.1f\n", sizes[s], ms[s],
		       ms[s] * 1000.0 / sizes[s], dms[s],
		       dms[s] * 1000.0 / sizes[s]);
	}
	xhp_ctx_unref(ctx);
	xsd_stop(&x);
	return 0;
}
