// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The toolstack side: run a device script per the protocol libxl speaks
 * on Linux, with a deadline that kills the whole process group (libxl
 * kills only the script's pid and leaves hung children behind).
 */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "request.h"
#include "result.h"
#include "util.h"
#include "xs.h"

#define STDERR_MAX (64 * 1024)
/* libxl's deadline for a device script, unless the caller set one. */
#define SCRIPT_DEFAULT_TIMEOUT_MS 40000u

extern char **environ;

struct xhp_script {
	xhp_ctx *ctx;
	char *backend_path;
	pid_t pid;
	int pidfd;
	int errfd; /* read end of the script's stderr */
	int epfd;
	uint64_t start_us;
	uint64_t deadline_us;
	bool done;
	bool timed_out;
	int status; /* waitpid status */
	char *err; /* ring of the last STDERR_MAX bytes */
	size_t err_len;
};

static int build_env(const xhp_request *req, const char *path, char ***ret_env)
{
	const char *netdev = xhp_request_setting(req, "netdev");
	const char *own[] = { "script",	     "XENBUS_TYPE",
			      "XENBUS_PATH", "XENBUS_BASE_PATH",
			      "vif",	     "INTERFACE",
			      "netdev" };
	size_t n = 0, i, j, k;
	char **env;

	if (!netdev)
		netdev = xhp_request_setting(req, "gatewaydev");
	while (environ[n])
		n++;
	env = calloc(n + 8, sizeof(*env));
	if (!env)
		return -ENOMEM;
	/* The caller's environment minus what the protocol sets. */
	for (i = 0, k = 0; i < n; i++) {
		bool skip = false;

		for (j = 0; j < ARRAY_SIZE(own); j++) {
			size_t l = strlen(own[j]);

			if (!strncmp(environ[i], own[j], l) &&
			    environ[i][l] == '=')
				skip = true;
		}
		if (!skip)
			env[k++] = environ[i];
	}
	/* Owned strings from here on; the borrowed ones are not freed. */
	i = k;
	if (asprintf(&env[k++], "script=%s", path) < 0 ||
	    asprintf(&env[k++], "XENBUS_TYPE=%s", req->xenbus_type) < 0 ||
	    asprintf(&env[k++], "XENBUS_PATH=%s", req->backend_path) < 0 ||
	    asprintf(&env[k++], "XENBUS_BASE_PATH=backend") < 0)
		goto oom;
	if (req->device &&
	    asprintf(&env[k++], "%s=%s",
		     req->kind == XHP_KIND_TAP ? "INTERFACE" : "vif",
		     req->device) < 0)
		goto oom;
	if (netdev && asprintf(&env[k++], "netdev=%s", netdev) < 0)
		goto oom;
	env[k] = NULL;
	*ret_env = env;
	return (int)i; /* index of the first owned string */
oom:
	env[k - 1] = NULL;
	for (j = i; env[j]; j++)
		free(env[j]);
	free(env);
	return -ENOMEM;
}

static void free_env(char **env, int first_owned)
{
	size_t j;

	for (j = (size_t)first_owned; env[j]; j++)
		free(env[j]);
	free(env);
}

static int spawn(xhp_script *s, const char *path, const xhp_request *req)
{
	char type_if[16];
	char *argv[4] = { (char *)path,
			  (char *)xhp_request_action_to_string(req->action),
			  NULL, NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	int pipefd[2] = { -1, -1 }, r, first;
	char **env;

	if (req->kind == XHP_KIND_VIF || req->kind == XHP_KIND_TAP) {
		snprintf(type_if, sizeof(type_if), "type_if=%s",
			 xhp_request_kind_to_string(req->kind));
		argv[2] = type_if;
	}
	first = build_env(req, path, &env);
	if (first < 0)
		return first;
	/* Only our end is non-blocking: the script's stderr blocks when
	 * full, as any pipe (O_NONBLOCK is shared with the child). */
	if (pipe2(pipefd, O_CLOEXEC) < 0 ||
	    fcntl(pipefd[0], F_SETFL, O_NONBLOCK) < 0) {
		r = -errno;
		if (pipefd[0] >= 0) {
			close(pipefd[0]);
			close(pipefd[1]);
		}
		free_env(env, first);
		return r;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
						POSIX_SPAWN_SETSIGMASK |
						POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setpgroup(&attr, 0);
	{
		sigset_t none, all;

		sigemptyset(&none);
		sigfillset(&all);
		posix_spawnattr_setsigmask(&attr, &none);
		posix_spawnattr_setsigdefault(&attr, &all);
	}
	r = -posix_spawn(&s->pid, path, &fa, &attr, argv, env);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	free_env(env, first);
	if (r < 0) {
		close(pipefd[0]);
		return r;
	}
	s->errfd = pipefd[0];
	return 0;
}

static int watch_fds(xhp_script *s)
{
	struct epoll_event ev = { .events = EPOLLIN };

	/* Without pidfd_open (Linux < 5.3, valgrind) the exit is found by
	 * looking again: see xhp_script_timeout_ms(). */
	s->pidfd = (int)syscall(SYS_pidfd_open, s->pid, 0);
	if (s->pidfd < 0 && errno != ENOSYS)
		return -errno;
	if (s->pidfd >= 0)
		fcntl(s->pidfd, F_SETFD, FD_CLOEXEC);
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0)
		return -errno;
	if ((s->pidfd >= 0 &&
	     epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->pidfd, &ev) < 0) ||
	    epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->errfd, &ev) < 0)
		return -errno;
	return 0;
}

XHP_EXPORT int xhp_script_spawn(xhp_ctx *ctx, const char *path,
				const xhp_request *req, xhp_script **ret_script)
{
	char q[XHP_QUOTE_MAX];
	uint64_t budget_us;
	xhp_script *s;
	int r;

	if (!ctx || !path || !req || !ret_script)
		return -EINVAL;
	xhp_clear_error(ctx);
	if (!req->backend_path)
		return xhp_err(ctx, EINVAL, "the request has no backend path");
	if (req->noop)
		return xhp_err(ctx, EINVAL, "%s of a %s device runs no script",
			       xhp_request_action_to_string(req->action),
			       xhp_request_kind_to_string(req->kind));
	s = calloc(1, sizeof(*s));
	if (!s)
		return xhp_err(ctx, ENOMEM, "out of memory");
	s->pidfd = s->errfd = s->epfd = -1;
	s->ctx = xhp_ctx_ref(ctx);
	s->backend_path = strdup(req->backend_path);
	s->err = malloc(STDERR_MAX + 1);
	if (!s->backend_path || !s->err) {
		xhp_script_free(s);
		return xhp_err(ctx, ENOMEM, "out of memory");
	}
	s->start_us = xhp_now_us();
	/* 40 s as libxl, not the 30 s of in-process operations, unless the
	 * caller chose a timeout (bounded by xhp_ctx_set_timeout_ms). */
	budget_us = 1000u * (ctx->timeout_set ? ctx->timeout_ms :
						SCRIPT_DEFAULT_TIMEOUT_MS);
	s->deadline_us = budget_us > UINT64_MAX - s->start_us ?
				 UINT64_MAX :
				 s->start_us + budget_us;
	/* Run from inside an operation: what is left of its deadline. */
	if (ctx->deadline_us && ctx->deadline_us < s->deadline_us)
		s->deadline_us = ctx->deadline_us;
	r = spawn(s, path, req);
	if (r < 0) {
		xhp_script_free(s);
		return xhp_err(ctx, r, "cannot run %s: %s", xhp_quote(q, path),
			       strerror(-r));
	}
	r = watch_fds(s);
	if (r < 0) {
		xhp_script_free(s);
		return xhp_err(ctx, r, "cannot watch %s: %s",
			       xhp_quote(q, path), strerror(-r));
	}
	xhp_debug(ctx, "ran %s %s (pid %d)", path,
		  xhp_request_action_to_string(req->action), (int)s->pid);
	*ret_script = s;
	return 0;
}

XHP_EXPORT int xhp_script_fd(const xhp_script *s)
{
	return s ? s->epfd : -EINVAL;
}

XHP_EXPORT int xhp_script_timeout_ms(const xhp_script *s)
{
	uint64_t now = xhp_now_us();
	int left;

	if (!s)
		return -EINVAL;
	if (s->done)
		return 0;
	if (now >= s->deadline_us)
		left = 0;
	else if ((s->deadline_us - now) / 1000 >= INT_MAX)
		left = INT_MAX;
	else
		left = (int)((s->deadline_us - now + 999) / 1000);
	/* No pidfd: nothing wakes the caller at the exit; look often. */
	if (s->pidfd < 0 && left > 20)
		left = 20;
	return left;
}

/* Keep the last STDERR_MAX bytes. */
static void drain_stderr(xhp_script *s)
{
	char buf[4096]; /* smaller than STDERR_MAX */
	ssize_t n;

	while (s->errfd >= 0 && (n = read(s->errfd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN) {
				close(s->errfd);
				s->errfd = -1;
			}
			return;
		}
		if (s->err_len + (size_t)n > STDERR_MAX) {
			size_t drop = s->err_len + (size_t)n - STDERR_MAX;

			memmove(s->err, s->err + drop, s->err_len - drop);
			s->err_len -= drop;
		}
		memcpy(s->err + s->err_len, buf, (size_t)n);
		s->err_len += (size_t)n;
	}
	/* EOF: every holder of the pipe (also hung children) closed it. */
	if (s->errfd >= 0) {
		epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->errfd, NULL);
		close(s->errfd);
		s->errfd = -1;
	}
}

static void kill_group(xhp_script *s)
{
	kill(-s->pid, SIGKILL);
	kill(s->pid, SIGKILL);
}

XHP_EXPORT int xhp_script_dispatch(xhp_script *s)
{
	pid_t p;

	if (!s)
		return -EINVAL;
	if (s->done)
		return 1;
	drain_stderr(s);
	p = waitpid(s->pid, &s->status, WNOHANG);
	if (p == s->pid) {
		s->done = true;
		drain_stderr(s);
		return 1;
	}
	if (p < 0 && errno != EINTR)
		return -errno;
	if (xhp_now_us() >= s->deadline_us) {
		xhp_log(s->ctx, LOG_WARNING,
			"script pid %d ran past its deadline: killing its process group",
			(int)s->pid);
		s->timed_out = true;
		kill_group(s);
		while (waitpid(s->pid, &s->status, 0) < 0 && errno == EINTR)
			;
		s->done = true;
		drain_stderr(s);
		return 1;
	}
	return 0;
}

static int read_back(xhp_script *s, xhp_result *res)
{
	static const char *const names[] = { "", "connected", "error", "busy" };
	char *v = NULL;
	int r, i;

	r = xhp_xs_read_key(s->ctx, s->backend_path, "hotplug-status", &v);
	if (r == 0) {
		for (i = 1; i < 4; i++)
			if (!strcmp(v, names[i]))
				res->status = i;
		r = xhp_result_put(res, "hotplug-status", v);
		free(v);
		if (r < 0)
			return r;
	} else if (r != -ENOENT) {
		return r;
	}
	r = xhp_xs_read_key(s->ctx, s->backend_path, "hotplug-error", &v);
	if (r == 0) {
		r = xhp_result_set_message(res, v);
		free(v);
		return r;
	}
	return r == -ENOENT ? 0 : r;
}

/* The return of xhp_script_wait() for @res, with its message. */
static int outcome(xhp_script *s, const xhp_result *res)
{
	uint64_t budget_us =
		s->deadline_us > s->start_us ? s->deadline_us - s->start_us : 0;

	if (s->timed_out)
		return xhp_err(
			s->ctx, ETIMEDOUT,
			"script timed out after %llu ms and was killed with its process group",
			(unsigned long long)(budget_us / 1000u));
	if (res->signal)
		return xhp_err(s->ctx, EIO, "script killed by signal %d",
			       res->signal);
	if (res->exit_code != 0)
		return xhp_err(s->ctx, EIO, "script failed (exit %d)%s%s",
			       res->exit_code, res->message ? ": " : "",
			       res->message ? res->message : "");
	return 0;
}

XHP_EXPORT int xhp_script_wait(xhp_script *s, xhp_result **ret_result)
{
	xhp_result *res;
	int r;

	if (!s)
		return -EINVAL;
	while ((r = xhp_script_dispatch(s)) == 0) {
		struct epoll_event ev;
		int left = xhp_script_timeout_ms(s);

		/* Wake at least every 100 ms: a pidfd with a reaped child
		 * and a drained pipe would otherwise stay quiet. */
		epoll_wait(s->epfd, &ev, 1, left > 100 ? 100 : left);
	}
	if (r < 0)
		return xhp_err(s->ctx, r, "waiting for script pid %d: %s",
			       (int)s->pid, strerror(-r));
	res = xhp_result_new();
	if (!res)
		return xhp_err(s->ctx, ENOMEM, "out of memory");
	res->elapsed_us = xhp_now_us() - s->start_us;
	res->timed_out = s->timed_out;
	if (WIFEXITED(s->status)) {
		res->exit_code = WEXITSTATUS(s->status);
	} else {
		res->exit_code = -1;
		res->signal = WTERMSIG(s->status);
	}
	s->err[s->err_len] = '\0';
	res->stderr_text = strndup(s->err, s->err_len);
	r = res->stderr_text ? read_back(s, res) : -ENOMEM;
	if (r == -ENOMEM) {
		/* A result without the script's status would be wrong. */
		xhp_result_free(res);
		return xhp_err(
			s->ctx, ENOMEM,
			"out of memory reading back the report of script pid %d",
			(int)s->pid);
	}
	if (r < 0)
		xhp_log(s->ctx, LOG_WARNING,
			"cannot read the script's report: %s", s->ctx->err);
	r = outcome(s, res);
	if (ret_result)
		*ret_result = res;
	else
		xhp_result_free(res);
	return r;
}

XHP_EXPORT xhp_script *xhp_script_free(xhp_script *s)
{
	if (!s)
		return NULL;
	if (s->pid > 0 && !s->done) {
		kill_group(s);
		while (waitpid(s->pid, &s->status, 0) < 0 && errno == EINTR)
			;
	}
	if (s->epfd >= 0)
		close(s->epfd);
	if (s->pidfd >= 0)
		close(s->pidfd);
	if (s->errfd >= 0)
		close(s->errfd);
	free(s->err);
	free(s->backend_path);
	xhp_ctx_unref(s->ctx);
	free(s);
	return NULL;
}

XHP_EXPORT int xhp_script_run(xhp_ctx *ctx, const char *path,
			      const xhp_request *req, xhp_result **ret_result)
{
	xhp_script *s;
	int r;

	r = xhp_script_spawn(ctx, path, req, &s);
	if (r < 0)
		return r;
	r = xhp_script_wait(s, ret_result);
	xhp_script_free(s);
	return r;
}
