// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Interlock with Xen's own locking.sh: bash workers that source it and
 * libxhp workers (in-process, and through `xhp-hotplug lock`) all take
 * the lock "block" and append a start and an end line to one file under
 * it. Any interleaving, lost line or leftover lock file fails the test.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "internal.h"
#include "testutil.h"

#define LOCKING_SH "/etc/xen/scripts/locking.sh"
#define WORKERS 4 /* of each kind */
#define ROUNDS 40

static const char bash_worker[] = ". " LOCKING_SH "\n"
				  "LOCK_BASEDIR=$1; out=$2; n=$3; me=xen$$\n"
				  "for ((i = 0; i < n; i++)); do\n"
				  "  claim_lock block\n"
				  "  echo \"$me start\" >> \"$out\"\n"
				  "  echo \"$me end\" >> \"$out\"\n"
				  "  release_lock block\n"
				  "done\n";

static void append(const char *out, const char *line)
{
	int fd = open(out, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0 || write(fd, line, strlen(line)) < 0)
		_exit(3);
	close(fd);
}

static void xhp_worker(const char *dir, const char *out)
{
	char start[64], end[64];
	xhp_ctx *ctx;
	int i;

	snprintf(start, sizeof(start), "xhp%d start\n", (int)getpid());
	snprintf(end, sizeof(end), "xhp%d end\n", (int)getpid());
	if (xhp_ctx_new(&ctx) < 0 || xhp_ctx_set_lock_dir(ctx, dir) < 0)
		_exit(1);
	for (i = 0; i < ROUNDS; i++) {
		xhp_lock *l;

		if (xhp_lock_acquire(ctx, "block", &l) < 0)
			_exit(2);
		append(out, start);
		usleep(300);
		append(out, end);
		xhp_lock_release(l);
	}
	xhp_ctx_unref(ctx);
	_exit(0);
}

static void test_interlock(void **state)
{
	char *dir = tu_mkdtemp("interlock"), out[1024], lockdir[512], n[16];
	pid_t pids[2 * WORKERS];
	char *text, *line, *save, owner[64] = "";
	unsigned int lines = 0, starts = 0;
	struct stat st;
	int i, s;

	assert_non_null(dir);
	snprintf(out, sizeof(out), "%s/log", dir);
	snprintf(lockdir, sizeof(lockdir), "%s/locks", dir);
	snprintf(n, sizeof(n), "%d", ROUNDS);
	mkdir(lockdir, 0755);
	for (i = 0; i < 2 * WORKERS; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] > 0)
			continue;
		if (i % 2)
			xhp_worker(lockdir, out);
		execlp("bash", "bash", "-c", bash_worker, "worker", lockdir,
		       out, n, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 2 * WORKERS; i++) {
		assert_int_equal(waitpid(pids[i], &s, 0), pids[i]);
		assert_true(WIFEXITED(s));
		assert_int_equal(WEXITSTATUS(s), 0);
	}
	/* Every start is followed by the same owner's end. */
	text = tu_read_file(out);
	assert_non_null(text);
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char who[64], what[16];

		lines++;
		assert_int_equal(sscanf(line, "%63s %15s", who, what), 2);
		if (!strcmp(what, "start")) {
			assert_string_equal(owner, "");
			snprintf(owner, sizeof(owner), "%s", who);
			starts++;
		} else {
			assert_string_equal(what, "end");
			assert_string_equal(owner, who);
			owner[0] = '\0';
		}
	}
	free(text);
	assert_int_equal(lines, 2 * 2 * WORKERS * ROUNDS);
	assert_int_equal(starts, 2 * WORKERS * ROUNDS);
	/* No lock file left behind. */
	snprintf(out, sizeof(out), "%s/block", lockdir);
	assert_int_equal(stat(out, &st), -1);
	print_message("interlock: %u critical sections by %d locking.sh and "
		      "%d libxhp workers, none interleaved\n",
		      starts, WORKERS, WORKERS);
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interlock),
	};

	if (access(LOCKING_SH, R_OK) < 0) {
		fprintf(stderr,
			"%s missing: apt-get install "
			"xen-utils-common\n",
			LOCKING_SH);
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
