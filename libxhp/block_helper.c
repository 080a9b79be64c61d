// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A vbd whose type is neither phy nor file: run the executable
 * block-<type> found beside the script (the directory of the `script`
 * setting, else /etc/xen/scripts), as Xen's block script does, with an
 * argv array, the caller's environment plus the protocol's variables,
 * stdin /dev/null, in its own process group, killed at the deadline.
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "block_helper.h"
#include "request.h"
#include "util.h"

#define XEN_SCRIPT_DIR "/etc/xen/scripts"

extern char **environ;

static bool type_valid(const char *t)
{
	size_t i;

	if (!t[0] || strlen(t) > 64)
		return false;
	for (i = 0; t[i]; i++)
		if (!((t[i] >= 'a' && t[i] <= 'z') ||
		      (t[i] >= 'A' && t[i] <= 'Z') ||
		      (t[i] >= '0' && t[i] <= '9') || t[i] == '_' ||
		      t[i] == '-' || t[i] == '.'))
			return false;
	return t[0] != '.';
}

int xhp_block_helper_find(const xhp_request *req, const char *type,
			  char *buf, size_t size)
{
	const char *script = xhp_request_setting(req, "script");
	const char *slash;

	if (!type_valid(type))
		return -EINVAL;
	if (script && script[0] == '/' && (slash = strrchr(script, '/'))) {
		snprintf(buf, size, "%.*s/block-%s", (int)(slash - script),
			 script, type);
		if (access(buf, X_OK) == 0)
			return 0;
	}
	snprintf(buf, size, "%s/block-%s", XEN_SCRIPT_DIR, type);
	return access(buf, X_OK) == 0 ? 0 : -ENOENT;
}

/* environ with the protocol's variables set from @req. */
static char **helper_env(const xhp_request *req, char *own[4])
{
	static const char *const names[] = { "XENBUS_PATH=", "XENBUS_TYPE=",
					     "XENBUS_BASE_PATH=" };
	size_t n = 0, i, k, m = 0;
	char **env;

	while (environ && environ[n])
		n++;
	env = calloc(n + ARRAY_SIZE(names) + 1, sizeof(*env));
	if (!env)
		return NULL;
	if (asprintf(&own[0], "XENBUS_PATH=%s", req->backend_path) < 0 ||
	    asprintf(&own[1], "XENBUS_TYPE=%s", req->xenbus_type) < 0 ||
	    asprintf(&own[2], "XENBUS_BASE_PATH=backend") < 0) {
		free(env);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		for (k = 0; k < ARRAY_SIZE(names); k++)
			if (!strncmp(environ[i], names[k], strlen(names[k])))
				break;
		if (k == ARRAY_SIZE(names))
			env[m++] = environ[i];
	}
	for (k = 0; k < ARRAY_SIZE(names); k++)
		env[m++] = own[k];
	return env;
}

/* Wait for @pid until @left_ms; at the deadline kill its group. */
static int wait_child(pid_t pid, int left_ms, int *status, bool *killed)
{
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	uint64_t end = xhp_now_us() + (uint64_t)left_ms * 1000u;

	*killed = false;
	for (;;) {
		pid_t w = waitpid(pid, status, WNOHANG);
		uint64_t now;

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			if (pfd >= 0)
				close(pfd);
			return -errno;
		}
		now = xhp_now_us();
		if (now >= end && !*killed) {
			kill(-pid, SIGKILL);
			*killed = true;
		}
		if (pfd >= 0) {
			struct pollfd p = { .fd = pfd, .events = POLLIN };

			poll(&p, 1, *killed ? -1
					    : (int)((end - now + 999) / 1000));
		} else {
			poll(NULL, 0, 5);
		}
	}
	if (pfd >= 0)
		close(pfd);
	return 0;
}

int xhp_block_helper_run(xhp_ctx *ctx, const xhp_request *req,
			 const char *helper, const char *command)
{
	char *own[4] = { NULL, NULL, NULL, NULL };
	char *argv[3] = { (char *)helper, (char *)command, NULL };
	int status = 0, left, r, devnull;
	bool killed;
	char **env;
	pid_t pid;

	env = helper_env(req, own);
	if (!env) {
		r = xhp_err(ctx, ENOMEM, "out of memory");
		goto free_own;
	}
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull < 0) {
		r = xhp_err(ctx, errno, "cannot open /dev/null: %s",
			    strerror(errno));
		goto free_env;
	}
	left = xhp_deadline_left_ms(ctx);
	if (left < 0)
		left = (int)ctx->timeout_ms;
	xhp_info(ctx, "running %s %s", helper, command);
	pid = fork();
	if (pid < 0) {
		r = xhp_err(ctx, errno, "cannot fork for %s: %s", helper,
			    strerror(errno));
		goto close_null;
	}
	if (pid == 0) {
		/* Only async-signal-safe calls from here on. */
		setpgid(0, 0);
		if (dup2(devnull, STDIN_FILENO) < 0)
			_exit(127);
		execve(helper, argv, env);
		_exit(127);
	}
	setpgid(pid, pid); /* either side may win the race; both agree */
	r = wait_child(pid, left, &status, &killed);
	if (r < 0) {
		r = xhp_err(ctx, r, "waiting for %s: %s", helper,
			    strerror(-r));
	} else if (killed) {
		r = xhp_err(ctx, ETIMEDOUT, "%s %s did not finish in %d ms: "
			    "killed", helper, command, left);
	} else if (WIFSIGNALED(status)) {
		r = xhp_err(ctx, EIO, "%s %s was killed by signal %d", helper,
			    command, WTERMSIG(status));
	} else if (WEXITSTATUS(status) != 0) {
		r = xhp_err(ctx, EIO, "%s %s exited with status %d", helper,
			    command, WEXITSTATUS(status));
	} else {
		r = 0;
	}
close_null:
	close(devnull);
free_env:
	free(env);
free_own:
	free(own[0]);
	free(own[1]);
	free(own[2]);
	return r;
}
