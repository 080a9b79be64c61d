// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * bench_nft: one device's chain installed (xhp_nft_dev_replace) and
 * removed (xhp_nft_dev_remove), in-process, with 10, 100 and 1000 other
 * devices' chains (in the 128 shard tables, nft.h), in a throwaway
 * netns (a netdev chain may name a device that does not exist: none is
 * created). Prints the median and 90th percentile of install+remove in
 * milliseconds.
 *
 * The kernel looks a table up by name in the namespace's list of tables
 * for every message (nft_table_lookup), validates the rules of the table
 * a commit touches, and walks every chain of every table at the commit
 * (nf_tables_commit), so some cost grows with what is present whatever
 * the batch holds (nft.h).
 *
 * Usage: bench_nft [reps]   (root; default 500)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench.h"
#include "nft.h"
#include "testutil.h"

static double pct(double *v, int n, double p)
{
	qsort(v, (size_t)n, sizeof(*v), bench_cmp_d);
	return v[(int)(p * (n - 1) + 0.5)];
}

static int fail(xhp_ctx *ctx, const char *what)
{
	fprintf(stderr, "bench_nft: %s: %s\n", what, xhp_ctx_last_error(ctx));
	return 1;
}

int main(int argc, char **argv)
{
	static const int others[] = { 10, 100, 1000 };
	static const uint8_t mac[6] = { 0x00, 0x16, 0x3e, 0, 0, 1 };
	int reps = argc > 1 ? atoi(argv[1]) : 500, have = 0, r = 0;
	struct xhp_nft *nft = NULL;
	xhp_ctx *ctx = NULL;
	double *t;
	size_t k;

	tu_require_root("creates nf_tables chains");
	if (reps < 1 || tu_netns_enter() < 0 || xhp_ctx_new(&ctx) < 0)
		return 1;
	t = calloc((size_t)reps, sizeof(*t));
	if (!t || xhp_nft_open(ctx, &nft) < 0)
		return fail(ctx, "open");
	printf("%-14s %10s %10s\n", "other chains", "median ms", "p90 ms");
	for (k = 0; k < sizeof(others) / sizeof(others[0]) && !r; k++) {
		int i;

		for (; have < others[k]; have++) {
			char name[IFNAMSIZ];

			snprintf(name, sizeof(name), "bn%d", have);
			if (xhp_nft_dev_replace(ctx, nft, name, mac) < 0)
				return fail(ctx, "fill");
		}
		for (i = 0; i < reps; i++) {
			double t0 = bench_now_ms();

			if (xhp_nft_dev_replace(ctx, nft, "probe0", mac) < 0 ||
			    xhp_nft_dev_remove(ctx, nft, "probe0") < 0) {
				r = fail(ctx, "probe0");
				break;
			}
			t[i] = bench_now_ms() - t0;
		}
		if (!r)
			printf("%-14d %10.3f %10.3f\n", others[k],
			       pct(t, reps, 0.5), pct(t, reps, 0.9));
	}
	free(t);
	xhp_nft_close(nft);
	xhp_ctx_unref(ctx);
	return r;
}
