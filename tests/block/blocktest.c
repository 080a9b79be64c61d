// SPDX-License-Identifier: LGPL-2.1-or-later
/* Block test fixtures (see blocktest.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <xenstore.h>
#include <xhp/xhp.h>

#include "blocktest.h"
#include "testutil.h"
#include "xsd_harness.h"

static struct xsd xsd = XSD_INIT;
int bt_dry_run;
static char *dir;
static pid_t owner;

const char *bt_dir(void)
{
	return dir;
}

static void die(const char *what)
{
	fprintf(stderr, "block test set-up: %s: %s\n", what, strerror(errno));
	bt_fini();
	exit(1);
}

static void at_exit(void)
{
	if (getpid() == owner)
		bt_fini();
}

void bt_require_xen_block(void)
{
	if (access(XEN_BLOCK, X_OK) < 0) {
		fprintf(stderr,
			"%s missing: apt-get install xen-utils-common\n",
			XEN_BLOCK);
		exit(1);
	}
}

void bt_init(const char *tag)
{
	tu_require_root("loop devices and mounts");
	/* Mounts made by the tests die with this process. */
	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		die("private mount namespace");
	owner = getpid();
	atexit(at_exit);
	dir = tu_mkdtemp(tag);
	if (!dir)
		die("temporary directory");
	if (xsd_start(&xsd) < 0)
		die("test xenstored");
	mkdir("/var/log/xen", 0755);
	mkdir("/var/run/xen-hotplug", 0755);
}

/* Unmount what the tests mounted under the temp dir. */
static void umount_ours(void)
{
	char *line = NULL, point[4096];
	size_t cap = 0;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (!f)
		return;
	while (getline(&line, &cap, f) > 0)
		if (sscanf(line, "%*s %*s %*s %*s %4095s", point) == 1 &&
		    !strncmp(point, dir, strlen(dir)))
			umount2(point, MNT_DETACH);
	free(line);
	fclose(f);
}

static char *backing_of(unsigned int idx)
{
	char p[128];

	snprintf(p, sizeof(p), "/sys/block/loop%u/loop/backing_file", idx);
	return tu_read_file(p);
}

/* Call @fn for each attached loop device backed by a file under dir. */
static int each_ours(void (*fn)(unsigned int idx))
{
	struct dirent *de;
	unsigned int idx;
	int n = 0;
	DIR *d;

	if (!dir)
		return 0;
	d = opendir("/sys/block");
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char *b;

		if (sscanf(de->d_name, "loop%u", &idx) != 1)
			continue;
		b = backing_of(idx);
		if (b && !strncmp(b, dir, strlen(dir)) &&
		    b[strlen(dir)] == '/') {
			n++;
			if (fn)
				fn(idx);
		}
		free(b);
	}
	closedir(d);
	return n;
}

static void clr(unsigned int idx)
{
	struct loop_info64 info;
	char p[32], *b;
	bool ours;
	int fd;

	snprintf(p, sizeof(p), "/dev/loop%u", idx);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	/*
	 * Re-check right before the detach: the device may have been
	 * released meanwhile and taken by another test (or test suite).
	 */
	b = backing_of(idx);
	ours = b && !strncmp(b, dir, strlen(dir)) && b[strlen(dir)] == '/';
	free(b);
	if (ioctl(fd, LOOP_GET_STATUS64, &info) < 0 || !ours) {
		close(fd);
		return;
	}
	if (ioctl(fd, LOOP_CLR_FD, 0) < 0 && errno != ENXIO)
		fprintf(stderr, "cleanup: cannot detach %s: %s\n", p,
			strerror(errno));
	close(fd);
}

void bt_detach_all(void)
{
	int i;

	if (!dir)
		return;
	umount_ours();
	each_ours(clr);
	/*
	 * A device someone else has open (another test probing loop
	 * devices, libblkid) is only detached when they close it.
	 */
	for (i = 0; i < 1000 && each_ours(NULL) > 0; i++)
		usleep(5000);
	if (each_ours(NULL) > 0)
		fprintf(stderr, "cleanup: loop devices still attached\n");
}

int bt_our_loops(void)
{
	return each_ours(NULL);
}

int bt_wait_our_loops(int want)
{
	int i, n = each_ours(NULL);

	for (i = 0; i < 400 && n != want; i++) {
		usleep(5000);
		n = each_ours(NULL);
	}
	return n;
}

void bt_fini(void)
{
	bt_detach_all();
	xsd_stop(&xsd);
	if (dir) {
		tu_rmtree(dir);
		free(dir);
		dir = NULL;
	}
}

char *bt_image(const char *name, unsigned int mb, const char *label,
	       const char *uuid)
{
	char *path;
	int fd;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		die("asprintf");
	unlink(path);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || ftruncate(fd, (off_t)mb << 20) < 0)
		die(path);
	close(fd);
	if (label) {
		int r = uuid ? tu_runl(NULL, "mkfs.ext4", "-q", "-F", "-L",
				       label, "-U", uuid, path, NULL) :
			       tu_runl(NULL, "mkfs.ext4", "-q", "-F", "-L",
				       label, path, NULL);

		if (r != 0) {
			errno = EIO;
			die("mkfs.ext4");
		}
	}
	return path;
}

char *bt_losetup(const char *file, bool ro)
{
	xhp_lock *lock = NULL;
	char *out = NULL;
	xhp_ctx *ctx;
	int r;

	/*
	 * Under the "block" lock: Xen's script finds a free device and
	 * attaches it in two steps, trusting the lock to keep others out.
	 */
	if (xhp_ctx_new(&ctx) < 0 || xhp_lock_acquire(ctx, "block", &lock) < 0)
		die("block lock");
	r = ro ? tu_runl(&out, "losetup", "--find", "--show", "-r", file,
			 NULL) :
		 tu_runl(&out, "losetup", "--find", "--show", file, NULL);
	xhp_lock_release(lock);
	xhp_ctx_unref(ctx);
	if (r != 0) {
		fprintf(stderr, "losetup: %s\n", out ? out : "");
		errno = EIO;
		die("losetup");
	}
	out[strcspn(out, "\n")] = '\0';
	return out;
}

int bt_loops_of(const char *file)
{
	struct dirent *de;
	unsigned int idx;
	int n = 0;
	DIR *d = opendir("/sys/block");

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char *b;

		if (sscanf(de->d_name, "loop%u", &idx) != 1)
			continue;
		b = backing_of(idx);
		if (b && !strcmp(b, file))
			n++;
		free(b);
	}
	closedir(d);
	return n;
}

int bt_wait_loops(const char *file, int want)
{
	int i, n = bt_loops_of(file);

	for (i = 0; i < 400 && n != want; i++) {
		usleep(5000);
		n = bt_loops_of(file);
	}
	return n;
}

char *bt_loop_backing(const char *node)
{
	unsigned int idx;

	if (sscanf(node, "/dev/loop%u", &idx) != 1)
		return NULL;
	return backing_of(idx);
}

int bt_loop_ro(const char *node)
{
	unsigned int idx;
	char p[64], *v;
	int r;

	if (sscanf(node, "/dev/loop%u", &idx) != 1)
		return -1;
	snprintf(p, sizeof(p), "/sys/block/loop%u/ro", idx);
	v = tu_read_file(p);
	r = v ? atoi(v) : -1;
	free(v);
	return r;
}

char *bt_majmin(const char *node)
{
	struct stat st;
	char *s;

	if (stat(node, &st) < 0 ||
	    asprintf(&s, "%x:%x", major(st.st_rdev), minor(st.st_rdev)) < 0)
		return NULL;
	return s;
}

struct xs_handle *bt_xs(void)
{
	static struct xs_handle *h;

	if (!h)
		h = xs_open(0);
	if (!h)
		die("xs_open");
	return h;
}

void bt_write(const char *bp, const char *key, const char *value)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", bp, key);
	if (tu_xs_write(bt_xs(), p, value) < 0)
		die(p);
}

char *bt_read(const char *bp, const char *key)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", bp, key);
	return tu_xs_read(bt_xs(), p);
}

void bt_backend(char *bp, size_t size, unsigned int fe, unsigned int devid,
		const char *params, const char *mode, const char *type,
		const char *vm)
{
	char dom[64], v[64], id[16];

	snprintf(bp, size, "backend/vbd/%u/%u", fe, devid);
	tu_xs_rm(bt_xs(), bp);
	snprintf(id, sizeof(id), "%u", fe);
	if (params)
		bt_write(bp, "params", params);
	if (mode)
		bt_write(bp, "mode", mode);
	if (type)
		bt_write(bp, "type", type);
	bt_write(bp, "frontend-id", id);
	bt_write(bp, "state", "2");
	snprintf(dom, sizeof(dom), "/local/domain/%u", fe);
	if (vm)
		snprintf(v, sizeof(v), "/vm/%s", vm);
	else
		snprintf(v, sizeof(v), "/vm/" BT_VM_FMT, fe);
	bt_write(dom, "vm", v);
}

int bt_ours(const char *cmd, const char *bp, int *status, char **msg)
{
	xhp_request *req = NULL;
	xhp_result *res = NULL;
	xhp_ctx *ctx;
	int r;

	if (xhp_ctx_new(&ctx) < 0)
		die("xhp_ctx_new");
	xhp_ctx_set_dry_run(ctx, bt_dry_run);
	r = xhp_request_new(
		ctx, !strcmp(cmd, "add") ? XHP_ACTION_ADD : XHP_ACTION_REMOVE,
		XHP_KIND_VBD, bp, NULL, &req);
	if (r == 0)
		r = xhp_device_run(ctx, "block", req, &res);
	if (status)
		*status = res ? xhp_result_status(res) : -1;
	if (msg)
		*msg = res && xhp_result_message(res) ?
			       strdup(xhp_result_message(res)) :
			       NULL;
	xhp_result_free(res);
	xhp_request_free(req);
	xhp_ctx_unref(ctx);
	return r;
}

static int run_script(const char *prog, const char *personality,
		      const char *cmd, const char *bp, bool dry, char **out)
{
	char xp[512], sc[512];
	const char *add[] = { xp, "XENBUS_TYPE=vbd", "XENBUS_BASE_PATH=backend",
			      sc, NULL };
	char *argv[5], **env;
	int r, i = 0;

	snprintf(xp, sizeof(xp), "XENBUS_PATH=%s", bp);
	snprintf(sc, sizeof(sc), "script=%s",
		 getenv("script") ? getenv("script") : XEN_BLOCK);
	argv[i++] = (char *)prog;
	if (personality)
		argv[i++] = (char *)personality;
	if (dry)
		argv[i++] = "--dry-run";
	argv[i++] = (char *)cmd;
	argv[i] = NULL;
	env = tu_env(NULL, add);
	r = tu_run(argv, env, 60000, out);
	tu_env_free(env);
	return r;
}

int bt_cli(const char *cmd, const char *bp)
{
	return run_script(XHP_CLI, "block", cmd, bp, false, NULL);
}

int bt_cli_dry(const char *cmd, const char *bp, char **out)
{
	return run_script(XHP_CLI, "block", cmd, bp, true, out);
}

int bt_xen(const char *cmd, const char *bp)
{
	return run_script(XEN_BLOCK, NULL, cmd, bp, false, NULL);
}

static void dump_into(FILE *f, const char *path)
{
	unsigned int n, i;
	char **kids, sub[1024];
	char *v = tu_xs_read(bt_xs(), path);

	fprintf(f, "%s=%s\n", path, v ? v : "(unreadable)");
	free(v);
	kids = xs_directory(bt_xs(), XBT_NULL, path, &n);
	for (i = 0; kids && i < n; i++) {
		snprintf(sub, sizeof(sub), "%s/%s", path, kids[i]);
		dump_into(f, sub);
	}
	free(kids);
}

char *bt_dump(const char *path)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	if (!f)
		die("open_memstream");
	dump_into(f, path);
	fclose(f);
	return buf;
}
