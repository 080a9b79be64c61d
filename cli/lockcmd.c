// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * xhp-hotplug lock NAME [--timeout SECONDS] -- COMMAND [ARGS...]
 * Run a command while holding a hotplug lock, as chiark-utils'
 * with-lock-ex does, so that operators' scripts interlock with Xen's and
 * ours. The command is exec'd from an argv array; no shell. It inherits a
 * copy of the lock's file (as its fd 3 or above), so that the lock stays
 * held while it runs even if this process is killed; this process unlinks
 * the lock file when the command ends.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "cli.h"

int cli_lock(xhp_ctx *ctx, int argc, char **argv)
{
	const char *name;
	xhp_lock *lock = NULL;
	int i = 1, r, status;
	pid_t pid;

	if (argc < 2) {
		cli_log(LOG_ERR,
			"usage: xhp-hotplug lock NAME [--timeout SECONDS] -- COMMAND [ARGS...]");
		return 2;
	}
	name = argv[i++];
	if (i < argc && !strcmp(argv[i], "--timeout")) {
		if (i + 1 >= argc) {
			cli_log(LOG_ERR, "--timeout needs a value");
			return 2;
		}
		if (cli_set_timeout(ctx, argv[i + 1]) < 0)
			return 2;
		i += 2;
	}
	if (i >= argc || strcmp(argv[i], "--") || i + 1 >= argc) {
		cli_log(LOG_ERR, "lock: expected -- COMMAND [ARGS...]");
		return 2;
	}
	i++;
	r = xhp_lock_acquire(ctx, name, &lock);
	if (r < 0) {
		cli_log(LOG_ERR, "%s", xhp_ctx_last_error(ctx));
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		cli_log(LOG_ERR, "fork: %s", strerror(errno));
		xhp_lock_release(lock);
		return 1;
	}
	if (pid == 0) {
		/* dup() drops close-on-exec: the command holds the lock too. */
		if (dup(xhp_lock_fd(lock)) < 0)
			_exit(127);
		/* Not our SIGPIPE policy: the command gets the default. */
		signal(SIGPIPE, SIG_DFL);
		execvp(argv[i], argv + i);
		fprintf(stderr, "xhp-hotplug lock: %s: %s\n", argv[i],
			strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	xhp_lock_release(lock);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}
