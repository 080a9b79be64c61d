// SPDX-License-Identifier: LGPL-2.1-only
/*
 * Concurrency test of xhp-test-xenstored: NPROC processes increment one
 * counter NITER times each in transactions, retrying on EAGAIN.  The final
 * count must be exact, i.e. conflicting commits must really fail.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <xenstore.h>

#include "xsd_harness.h"

#define NPROC 4
#define NITER 100
#define COUNTER "/conc/counter"

/*
 * One increment, retried until it commits.  Returns the number of EAGAIN
 * retries, or -1 on any other error.
 */
static int increment(struct xs_handle *h, const char *path)
{
	unsigned int len;
	int retries = 0;
	char *v, buf[32];
	xs_transaction_t t;

	for (;;) {
		t = xs_transaction_start(h);
		if (t == XBT_NULL)
			return -1;
		v = xs_read(h, t, path, &len);
		if (!v) {
			xs_transaction_end(h, t, true);
			return -1;
		}
		snprintf(buf, sizeof(buf), "%ld", strtol(v, NULL, 10) + 1);
		free(v);
		if (!xs_write(h, t, path, buf, strlen(buf))) {
			xs_transaction_end(h, t, true);
			return -1;
		}
		if (xs_transaction_end(h, t, false))
			return retries;
		if (errno != EAGAIN)
			return -1;
		retries++;
	}
}

/* Child: exit code 0 on success; retries reported through the pipe. */
static void worker(int fd)
{
	struct xs_handle *h = xs_open(0);
	long total = 0;
	int i, r;

	if (!h)
		_exit(2);
	for (i = 0; i < NITER; i++) {
		r = increment(h, COUNTER);
		if (r < 0)
			_exit(3);
		total += r;
	}
	xs_close(h);
	if (write(fd, &total, sizeof(total)) != sizeof(total))
		_exit(4);
	_exit(0);
}

static void test_counter(void **state)
{
	struct xs_handle *h = xs_open(0);
	pid_t pids[NPROC];
	long retries = 0, r;
	unsigned int len;
	int fds[2], i, status;
	char *v;

	(void)state;
	assert_non_null(h);
	assert_true(xs_write(h, XBT_NULL, COUNTER, "0", 1));
	assert_int_equal(pipe(fds), 0);

	fflush(NULL);
	for (i = 0; i < NPROC; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			close(fds[0]);
			worker(fds[1]);
		}
	}
	close(fds[1]);

	for (i = 0; i < NPROC; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	while (read(fds[0], &r, sizeof(r)) == sizeof(r))
		retries += r;
	close(fds[0]);

	v = xs_read(h, XBT_NULL, COUNTER, &len);
	assert_non_null(v);
	assert_int_equal(strtol(v, NULL, 10), NPROC * NITER);
	free(v);
	xs_close(h);
	printf("# %d increments by %d processes, %ld EAGAIN retries\n",
	       NPROC * NITER, NPROC, retries);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_counter, xsd_setup,
						xsd_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
