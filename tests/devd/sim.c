// SPDX-License-Identifier: LGPL-2.1-or-later
/* The netback/libxl simulator (sim.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <xenstore.h>

#include "sim.h"

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int put(struct xs_handle *xs, xs_transaction_t t, const char *dir,
	       const char *key, const char *value)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	return xs_write(xs, t, path, value, strlen(value)) ? 0 : -errno;
}

static int create(struct xs_handle *xs, const char *type, unsigned int domid,
		  unsigned int devid, const char *const kv[])
{
	char be[128], fe[128], v[64];
	xs_transaction_t t;
	int r, tries;
	size_t i;

	snprintf(be, sizeof(be), SIM_BE "/%s/%u/%u", type, domid, devid);
	snprintf(fe, sizeof(fe), "/local/domain/%u/device/%s/%u", domid, type,
		 devid);
	for (tries = 0; tries < 16; tries++) {
		t = xs_transaction_start(xs);
		if (t == XBT_NULL)
			return -errno;
		r = put(xs, t, fe, "backend", be);
		r = r ?: put(xs, t, fe, "backend-id", "0");
		r = r ?: put(xs, t, fe, "state", "1");
		r = r ?: put(xs, t, be, "frontend", fe);
		snprintf(v, sizeof(v), "%u", domid);
		r = r ?: put(xs, t, be, "frontend-id", v);
		r = r ?: put(xs, t, be, "online", "1");
		r = r ?: put(xs, t, be, "state", "1");
		r = r ?: put(xs, t, be, "hotplug-status", "");
		for (i = 0; !r && kv[i]; i += 2)
			r = put(xs, t, be, kv[i], kv[i + 1]);
		if (r) {
			xs_transaction_end(xs, t, true);
			return r;
		}
		if (xs_transaction_end(xs, t, false))
			return 0;
		if (errno != EAGAIN)
			return -errno;
	}
	return -EAGAIN;
}

int sim_vif_create(struct xs_handle *xs, unsigned int domid, unsigned int devid,
		   const char *bridge, const char *script)
{
	char mac[32], handle[16];
	const char *kv[16] = { "bridge", bridge, "mac",	 mac,
			       "handle", handle, "type", "vif" };
	size_t n = 8;

	snprintf(mac, sizeof(mac), "00:16:3e:%02x:%02x:%02x",
		 (domid >> 8) & 0xff, domid & 0xff, devid & 0xff);
	snprintf(handle, sizeof(handle), "%u", devid);
	if (script) {
		kv[n++] = "script";
		kv[n++] = script;
	}
	kv[n] = NULL;
	return create(xs, "vif", domid, devid, kv);
}

int sim_vbd_create(struct xs_handle *xs, unsigned int domid, unsigned int devid,
		   const char *params)
{
	const char *kv[] = { "params",	    params,   "mode",
			     "w",	    "type",   "file",
			     "device-type", "disk",   "removable",
			     "0",	    "script", "/etc/xen/scripts/block",
			     NULL };

	return create(xs, "vbd", domid, devid, kv);
}

static void be_path(char *buf, size_t size, const char *type,
		    unsigned int domid, unsigned int devid, const char *key)
{
	snprintf(buf, size, SIM_BE "/%s/%u/%u%s%s", type, domid, devid,
		 key ? "/" : "", key ? key : "");
}

int sim_state(struct xs_handle *xs, const char *type, unsigned int domid,
	      unsigned int devid, int state)
{
	char path[160], v[8];

	be_path(path, sizeof(path), type, domid, devid, "state");
	snprintf(v, sizeof(v), "%d", state);
	return xs_write(xs, XBT_NULL, path, v, strlen(v)) ? 0 : -errno;
}

int sim_destroy(struct xs_handle *xs, const char *type, unsigned int domid,
		unsigned int devid)
{
	char path[160];
	int r;

	be_path(path, sizeof(path), type, domid, devid, "online");
	if (!xs_write(xs, XBT_NULL, path, "0", 1))
		return -errno;
	r = sim_state(xs, type, domid, devid, 5);
	r = r ?: sim_state(xs, type, domid, devid, 6);
	if (r)
		return r;
	be_path(path, sizeof(path), type, domid, devid, NULL);
	if (!xs_rm(xs, XBT_NULL, path))
		return -errno;
	snprintf(path, sizeof(path), "/local/domain/%u/device/%s/%u", domid,
		 type, devid);
	xs_rm(xs, XBT_NULL, path);
	return 0;
}

char *sim_read(struct xs_handle *xs, const char *type, unsigned int domid,
	       unsigned int devid, const char *key)
{
	char path[160];
	unsigned int len;

	be_path(path, sizeof(path), type, domid, devid, key);
	return xs_read(xs, XBT_NULL, path, &len);
}

int sim_wait(struct xs_handle *xs, const char *type, unsigned int domid,
	     unsigned int devid, const char *key, const char *want,
	     int timeout_ms)
{
	int waited;

	for (waited = 0; waited <= timeout_ms; waited += 5) {
		char *v = sim_read(xs, type, domid, devid, key);
		bool ok = want ? v && !strcmp(v, want) : !v;

		free(v);
		if (ok)
			return 0;
		sleep_ms(5);
	}
	return -ETIMEDOUT;
}

pid_t sim_devd_start(const char *devd, const char *lock_dir, const char *log,
		     const char *const extra[])
{
	const char *argv[32] = { devd, "--foreground", "--lock-dir", lock_dir,
				 "--state-file" };
	char state[4096];
	size_t n = 6, i;
	pid_t pid;

	/* the heal counters next to the locks, not in the host's /run */
	snprintf(state, sizeof(state), "%s/devd-state.json", lock_dir);
	argv[5] = state;

	for (i = 0; extra && extra[i] && n < 31; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
			      0644);
		int null = open("/dev/null", O_RDONLY);

		if (fd < 0 || null < 0 || dup2(fd, 2) < 0 || dup2(null, 0) < 0)
			_exit(127);
		execv(devd, (char *const *)argv);
		_exit(127);
	}
	return pid;
}

int sim_wait_exit(pid_t pid, int timeout_ms)
{
	int status, waited;
	pid_t r;

	for (waited = 0;; waited += 5) {
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		if (r < 0)
			return -errno;
		if (waited >= timeout_ms)
			return -ETIMEDOUT;
		sleep_ms(5);
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

int sim_devd_stop(pid_t pid, int timeout_ms)
{
	int r;

	if (pid <= 0)
		return -EINVAL;
	kill(pid, SIGTERM);
	r = sim_wait_exit(pid, timeout_ms);
	if (r == -ETIMEDOUT) {
		kill(pid, SIGKILL);
		r = sim_wait_exit(pid, 5000);
		return r < 0 ? r : -ETIMEDOUT;
	}
	return r;
}

int sim_wait_file(const char *path, int timeout_ms)
{
	struct stat st;
	int waited;

	for (waited = 0; waited <= timeout_ms; waited += 5) {
		if (stat(path, &st) == 0)
			return 0;
		sleep_ms(5);
	}
	return -ETIMEDOUT;
}
