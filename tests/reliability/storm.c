// SPDX-License-Identifier: LGPL-2.1-or-later
/* The storm engine (see storm.h). */
#include <stdio.h>
#include <stdlib.h>

#include "rel.h"
#include "storm.h"

struct job {
	size_t dev;
	bool add;
};

struct run {
	struct storm *s;
	struct job *jobs;
	bool *live;
	int failures;
	uint64_t op_us, max_us;
	unsigned int ops[2][2]; /* [xen][add] */
	uint64_t op_time[2][2];
};

static pid_t step(struct rel_job *j, void *ud)
{
	struct run *r = ud;
	struct job *job = &r->jobs[j->index];

	if (j->step > 0)
		return 0; /* one process per job */
	return r->s->spawn(job->dev, storm_xen(job->dev), job->add);
}

static int done(struct rel_job *j, int status, void *ud)
{
	struct run *r = ud;
	struct job *job = &r->jobs[j->index];
	bool xen = storm_xen(job->dev);
	uint64_t us = rel_now_us() - j->start_us;

	r->ops[xen][job->add]++;
	r->op_time[xen][job->add] += us;
	if (us > r->max_us)
		r->max_us = us;
	r->failures += r->s->check(job->dev, xen, job->add, status);
	r->live[job->dev] = job->add;
	return 0;
}

static int phase(struct run *r, const char *what, struct job *jobs, size_t n)
{
	uint64_t t0 = rel_now_us();
	int e;

	r->jobs = jobs;
	e = rel_pool(n, r->s->conc, step, done, r);
	if (e < 0) {
		fprintf(stderr, "%s: phase %s: %d\n", r->s->name, what, e);
		r->failures++;
	}
	printf("%s: phase %s: %zu operations in %.2f s\n", r->s->name, what, n,
	       (double)(rel_now_us() - t0) / 1e6);
	return 0;
}

void storm_sizes(struct storm *s, size_t ci, size_t full)
{
	const char *n = getenv("XHP_STORM_N"), *c = getenv("XHP_STORM_CONC");

	s->n = rel_full() ? full : ci;
	if (n)
		s->n = (size_t)strtoul(n, NULL, 10);
	if (!s->conc)
		s->conc = 12;
	if (c)
		s->conc = (unsigned int)strtoul(c, NULL, 10);
}

int storm_run(struct storm *s)
{
	size_t half = s->n / 2, i, k;
	struct run r = { .s = s };
	struct job *jobs;
	uint64_t t0;

	jobs = calloc(s->n, sizeof(*jobs));
	r.live = calloc(s->n ? s->n : 1, sizeof(*r.live));
	if (!jobs || !r.live) {
		fprintf(stderr, "out of memory\n");
		return 1;
	}
	printf("%s: %zu devices (half by Xen's script), %u at a time\n",
	       s->name, s->n, s->conc);
	t0 = rel_now_us();
	for (i = 0; i < half; i++)
		jobs[i] = (struct job){ i, true };
	phase(&r, "A (add half)", jobs, half);
	r.failures += s->check_live(r.live, s->n);
	for (i = 0, k = 0; i < half || half + i < s->n; i++) {
		if (i < half)
			jobs[k++] = (struct job){ i, false };
		if (half + i < s->n)
			jobs[k++] = (struct job){ half + i, true };
	}
	phase(&r, "B (remove it, add the rest)", jobs, k);
	r.failures += s->check_live(r.live, s->n);
	for (i = half, k = 0; i < s->n; i++)
		jobs[k++] = (struct job){ i, false };
	phase(&r, "C (remove the rest)", jobs, k);
	r.failures += s->check_final();
	if (rel_count_dir(REL_LOCK_DIR) != 0) {
		fprintf(stderr, "lock files left in " REL_LOCK_DIR "\n");
		r.failures++;
	}
	printf("%s: total %.2f s for %zu adds and %zu removes; mean per "
	       "operation: ours add %.1f ms, remove %.1f ms; Xen's add %.1f "
	       "ms, remove %.1f ms; slowest %.1f ms; %d failures\n",
	       s->name, (double)(rel_now_us() - t0) / 1e6, s->n, s->n,
	       r.ops[0][1] ? r.op_time[0][1] / 1e3 / r.ops[0][1] : 0.0,
	       r.ops[0][0] ? r.op_time[0][0] / 1e3 / r.ops[0][0] : 0.0,
	       r.ops[1][1] ? r.op_time[1][1] / 1e3 / r.ops[1][1] : 0.0,
	       r.ops[1][0] ? r.op_time[1][0] / 1e3 / r.ops[1][0] : 0.0,
	       r.max_us / 1e3, r.failures);
	free(jobs);
	free(r.live);
	return r.failures;
}
