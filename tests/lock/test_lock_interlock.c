// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Interlock with Xen's own locking.sh: bash workers that source it,
 * libxhp workers in-process, and workers that run a command through
 * `xhp-hotplug lock NAME -- lock_append ...` all take one lock and append
 * a start and an end line to one file under it. Any interleaving, lost
 * line or leftover lock file fails the test. The CLI knows only the lock
 * directory of Xen's scripts, /var/run/xen-hotplug, so all take a lock
 * of a name of their own there ("interlock-<pid>"), not "block" which
 * other tests running at the same time take.
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
#define LOCK_DIR "/var/run/xen-hotplug"
#define WORKERS 4 /* of each kind */
#define KINDS 3
#define ROUNDS 40

static const char bash_worker[] = ". " LOCKING_SH "\n"
				  "LOCK_BASEDIR=$1; out=$2; n=$3; lock=$4\n"
				  "me=xen$$\n"
				  "for ((i = 0; i < n; i++)); do\n"
				  "  claim_lock \"$lock\"\n"
				  "  echo \"$me start\" >> \"$out\"\n"
				  "  echo \"$me end\" >> \"$out\"\n"
				  "  release_lock \"$lock\"\n"
				  "done\n";
static char lock_name[32];

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

		if (xhp_lock_acquire(ctx, lock_name, &l) < 0)
			_exit(2);
		append(out, start);
		usleep(300);
		append(out, end);
		xhp_lock_release(l);
	}
	xhp_ctx_unref(ctx);
	_exit(0);
}

/* ROUNDS of `xhp-hotplug lock NAME -- lock_append OUT cli<pid>`. */
static void cli_worker(const char *out)
{
	char tag[32];
	int i, s;

	snprintf(tag, sizeof(tag), "cli%d", (int)getpid());
	for (i = 0; i < ROUNDS; i++) {
		pid_t pid = fork();

		if (pid < 0)
			_exit(1);
		if (pid == 0) {
			execl(XHP_CLI, XHP_CLI, "lock", lock_name, "--",
			      LOCK_APPEND, out, tag, (char *)NULL);
			_exit(127);
		}
		if (waitpid(pid, &s, 0) != pid || !WIFEXITED(s) ||
		    WEXITSTATUS(s) != 0)
			_exit(2);
	}
	_exit(0);
}

static void test_interlock(void **state)
{
	char *dir = tu_mkdtemp("interlock"), out[1024], lockfile[512], n[16];
	pid_t pids[KINDS * WORKERS];
	char *text, *line, *save, owner[64] = "";
	unsigned int lines = 0, starts = 0, by_kind[KINDS] = { 0 };
	struct stat st;
	int i, s;

	assert_non_null(dir);
	snprintf(out, sizeof(out), "%s/log", dir);
	snprintf(lock_name, sizeof(lock_name), "interlock-%d", (int)getpid());
	snprintf(lockfile, sizeof(lockfile), "%s/%s", LOCK_DIR, lock_name);
	snprintf(n, sizeof(n), "%d", ROUNDS);
	mkdir(LOCK_DIR, 0755);
	for (i = 0; i < KINDS * WORKERS; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] > 0)
			continue;
		if (i % KINDS == 1)
			xhp_worker(LOCK_DIR, out);
		if (i % KINDS == 2)
			cli_worker(out);
		execlp("bash", "bash", "-c", bash_worker, "worker", LOCK_DIR,
		       out, n, lock_name, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < KINDS * WORKERS; i++) {
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
			by_kind[!strncmp(who, "xen", 3) ? 0 :
				!strncmp(who, "xhp", 3) ? 1 :
							  2]++;
		} else {
			assert_string_equal(what, "end");
			assert_string_equal(owner, who);
			owner[0] = '\0';
		}
	}
	free(text);
	assert_string_equal(owner, "");
	assert_int_equal(lines, 2 * KINDS * WORKERS * ROUNDS);
	assert_int_equal(starts, KINDS * WORKERS * ROUNDS);
	/* Each kind did all its rounds (the CLI's lines are "cli<pid>"). */
	for (i = 0; i < KINDS; i++)
		assert_int_equal(by_kind[i], WORKERS * ROUNDS);
	/* No lock file left behind. */
	assert_int_equal(stat(lockfile, &st), -1);
	assert_int_equal(errno, ENOENT);
	print_message("interlock: %u critical sections by %d locking.sh, "
		      "%d libxhp and %d xhp-hotplug lock workers, none "
		      "interleaved\n",
		      starts, WORKERS, WORKERS, WORKERS);
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
