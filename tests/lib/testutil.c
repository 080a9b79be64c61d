// SPDX-License-Identifier: LGPL-2.1-or-later
/* Test utilities (see testutil.h). */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>

#include "testutil.h"

extern char **environ;

void tu_require_root(const char *why)
{
	if (geteuid() != 0) {
		fprintf(stderr, "SKIP: needs root (%s)\n", why);
		exit(TU_SKIP);
	}
}

int tu_netns_enter(void)
{
	if (unshare(CLONE_NEWNET) < 0)
		return -errno;
	return tu_runl(NULL, "ip", "link", "set", "lo", "up", NULL) == 0 ? 0 :
									   -EIO;
}

/* The name of the link of an `ip -o link show` line ("2: br0: <..."). */
static bool link_line_name(const char *line, char name[static 64])
{
	return sscanf(line, "%*u: %63[^:@\n]", name) == 1;
}

static bool kept(const char *name, const char *const keep[])
{
	size_t i;

	if (!strcmp(name, "lo"))
		return true;
	for (i = 0; keep && keep[i]; i++)
		if (!strcmp(keep[i], name))
			return true;
	return false;
}

int tu_links_del_all(const char *const keep[])
{
	char *out = NULL, *p, name[64];
	int r;

	r = tu_runl(&out, "ip", "-o", "link", "show", NULL);
	for (p = r == 0 ? out : NULL; p && *p;) {
		char *nl = strchr(p, '\n');

		if (link_line_name(p, name) && !kept(name, keep))
			tu_runl(NULL, "ip", "link", "del", name, NULL);
		p = nl ? nl + 1 : NULL;
	}
	free(out);
	return r;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int tu_run(char *const argv[], char *const envp[], int timeout_ms, char **out)
{
	size_t len = 0, cap = 4096;
	long long deadline = now_ms() + timeout_ms;
	char *buf = malloc(cap);
	int pfd[2], status = 0, devnull;
	pid_t pid;

	if (!buf)
		return -ENOMEM;
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		free(buf);
		return -errno;
	}
	pid = fork();
	if (pid < 0) {
		free(buf);
		return -errno;
	}
	if (pid == 0) {
		devnull = open("/dev/null", O_RDONLY);
		dup2(devnull, 0);
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		setpgid(0, 0);
		if (envp)
			execvpe(argv[0], argv, envp);
		else
			execvp(argv[0], argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		struct pollfd p = { pfd[0], POLLIN, 0 };
		long long left = deadline - now_ms();
		ssize_t n;

		if (left <= 0) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			break;
		}
		if (poll(&p, 1, (int)left) <= 0)
			continue;
		if (len + 1024 > cap) {
			char *nb = realloc(buf, cap * 2);

			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
		n = read(pfd[0], buf + len, cap - len - 1);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(pfd[0]);
	buf[len] = '\0';
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (out)
		*out = buf;
	else
		free(buf);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

int tu_runv(char **out, char *const envp[], int timeout_ms,
	    const char *const head[], va_list ap)
{
	const char *argv[64];
	size_t n = 0;

	while (n < 63 && head[n]) {
		argv[n] = head[n];
		n++;
	}
	while (n < 63 && (argv[n] = va_arg(ap, const char *)))
		n++;
	argv[n] = NULL;
	return tu_run((char *const *)argv, envp, timeout_ms, out);
}

int tu_runl(char **out, const char *arg0, ...)
{
	va_list ap;
	int r;

	va_start(ap, arg0);
	r = tu_runv(out, NULL, 60000, (const char *const[]){ arg0, NULL }, ap);
	va_end(ap);
	return r;
}

char *tu_mkdtemp(const char *tag)
{
	char *p;

	if (asprintf(&p, "/tmp/xhp-%s-XXXXXX", tag) < 0)
		return NULL;
	if (!mkdtemp(p)) {
		free(p);
		return NULL;
	}
	return p;
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void tu_rmtree(const char *path)
{
	if (path)
		nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

char *tu_read_file(const char *path)
{
	char *buf = NULL;
	size_t cap = 0;
	FILE *f = fopen(path, "re");
	ssize_t n;

	if (!f)
		return NULL;
	n = getdelim(&buf, &cap, '\0', f);
	fclose(f);
	if (n < 0) {
		free(buf);
		return strdup("");
	}
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return buf;
}

char **tu_env(char *const base[], const char *const add[])
{
	size_t nb = 0, na = 0, i, j, n = 0;
	char **env;

	if (!base)
		base = environ;
	while (base[nb])
		nb++;
	while (add && add[na])
		na++;
	env = calloc(nb + na + 1, sizeof(*env));
	if (!env)
		return NULL;
	for (i = 0; i < nb; i++) {
		const char *eq = strchr(base[i], '=');
		size_t kl = eq ? (size_t)(eq - base[i]) : strlen(base[i]);
		int overridden = 0;

		for (j = 0; j < na; j++)
			if (!strncmp(add[j], base[i], kl) && add[j][kl] == '=')
				overridden = 1;
		if (!overridden)
			env[n++] = strdup(base[i]);
	}
	for (j = 0; j < na; j++)
		env[n++] = strdup(add[j]);
	return env;
}

void tu_env_free(char **env)
{
	size_t i;

	for (i = 0; env && env[i]; i++)
		free(env[i]);
	free(env);
}

/* The connection to use: @xs, or a new one (*opened) to close after. */
static struct xs_handle *xs_conn(struct xs_handle *xs,
				 struct xs_handle **opened)
{
	*opened = NULL;
	errno = 0;
	if (xs)
		return xs;
	*opened = xs_open(0);
	if (!*opened && !errno)
		errno = ECONNREFUSED;
	return *opened;
}

static void xs_conn_close(struct xs_handle *opened)
{
	int saved = errno;

	if (opened)
		xs_close(opened);
	errno = saved;
}

char *tu_xs_read(struct xs_handle *xs, const char *path)
{
	struct xs_handle *opened, *h = xs_conn(xs, &opened);
	unsigned int len;
	char *v;

	if (!h)
		return NULL;
	v = xs_read(h, XBT_NULL, path, &len);
	xs_conn_close(opened);
	return v;
}

int tu_xs_write_len(struct xs_handle *xs, const char *path, const void *value,
		    size_t len)
{
	struct xs_handle *opened, *h = xs_conn(xs, &opened);
	bool ok;

	if (!h)
		return -errno;
	ok = xs_write(h, XBT_NULL, path, value, (unsigned int)len);
	if (!ok && !errno)
		errno = EIO;
	xs_conn_close(opened);
	return ok ? 0 : -errno;
}

int tu_xs_write(struct xs_handle *xs, const char *path, const char *value)
{
	return tu_xs_write_len(xs, path, value, strlen(value));
}

int tu_xs_rm(struct xs_handle *xs, const char *path)
{
	struct xs_handle *opened, *h = xs_conn(xs, &opened);
	bool ok;

	if (!h)
		return -errno;
	ok = xs_rm(h, XBT_NULL, path) || errno == ENOENT;
	if (!ok && !errno)
		errno = EIO;
	xs_conn_close(opened);
	return ok ? 0 : -errno;
}

void tu_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

int tu_wait_file_has(const char *path, const char *what, int timeout_ms)
{
	char *s;
	bool ok;
	int w;

	for (w = 0; w <= timeout_ms; w += 10) {
		if (w)
			tu_sleep_ms(10);
		s = tu_read_file(path);
		ok = s && strstr(s, what);
		free(s);
		if (ok)
			return 0;
	}
	return -ETIMEDOUT;
}

const char *tu_master_of(const char *dev, char buf[64])
{
	char *out = NULL, *p;

	buf[0] = '\0';
	if (tu_runl(&out, "ip", "-o", "link", "show", "dev", dev, NULL) == 0 &&
	    (p = strstr(out, " master ")))
		sscanf(p + 8, "%63s", buf);
	free(out);
	return buf;
}

int tu_wait_master(const char *dev, const char *want, int timeout_ms)
{
	char m[64];
	int w;

	for (w = 0; w <= timeout_ms; w += 5) {
		if (!strcmp(tu_master_of(dev, m), want))
			return 0;
		tu_sleep_ms(5);
	}
	return -ETIMEDOUT;
}
