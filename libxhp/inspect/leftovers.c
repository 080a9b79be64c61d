// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Host leftovers of xhp (xhp/inspect.h): objects with xhp's marks that
 * no backend owns.
 *   link  a link whose alias is a protocol name vif<D>.<N>[-emu] and
 *         whose name is another (xhp renamed it: vifname.h), with no
 *         backend/vif/<D>/<N>;
 *   loop  a loop device whose lo_file_name is "xhp:<type>/<D>/<N> ..."
 *         (block's mark) with no backend/<type>/<D>/<N>;
 *   lock  a lock file of xhp's names (vif-<D>.<N>, block) in the lock
 *         directory that no process holds (/proc/locks);
 *   policy  a device's nf_tables chain of no backend (leftovers_policy.c).
 * Removal checks the mark and the backend again, just before acting.
 */
#include <dirent.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "inspect-internal.h"
#include "leftovers.h"
#include "link.h"
#include "lockinfo.h"
#include "marks.h"
#include "loop.h"
#include "util.h"

XHP_EXPORT xhp_leftovers *xhp_leftovers_free(xhp_leftovers *l)
{
	size_t i;

	if (!l)
		return NULL;
	for (i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].message);
	}
	free(l);
	return NULL;
}

XHP_EXPORT size_t xhp_leftovers_count(const xhp_leftovers *l)
{
	return l ? l->n : 0;
}

XHP_EXPORT int xhp_leftovers_at(const xhp_leftovers *l, size_t n,
				const char **ret_name, int *ret_domid,
				const char **ret_message)
{
	if (!l)
		return -EINVAL;
	if (n >= l->n)
		return -ENOENT;
	if (ret_name)
		*ret_name = l->v[n].name;
	if (ret_domid)
		*ret_domid = l->v[n].domid;
	if (ret_message)
		*ret_message = l->v[n].message;
	return l->v[n].kind;
}

int xhp_leftovers_add(xhp_ctx *ctx, xhp_leftovers *l, const struct leftover *o,
		      const char *name, const char *fmt, ...)
{
	struct leftover *e;
	va_list ap;
	int n;

	if (l->n >= LEFTOVERS_MAX)
		return 0;
	e = &l->v[l->n];
	*e = *o;
	e->name = strdup(name);
	va_start(ap, fmt);
	n = vasprintf(&e->message, fmt, ap);
	va_end(ap);
	if (n < 0)
		e->message = NULL;
	if (!e->name || !e->message) {
		free(e->name);
		free(e->message);
		return xhp_err(ctx, ENOMEM, "out of memory");
	}
	xhp_one_line(e->message);
	l->n++;
	return 0;
}

/* ---- links ---- */

static int collect_link(const struct xhp_link *l, void *userdata)
{
	struct marked_links *m = userdata;
	unsigned int d, n;
	struct xhp_link *nv;

	if (!xhp_mark_vif_alias(l->alias, &d, &n) || !strcmp(l->alias, l->name))
		return 0;
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 8;
		nv = realloc(m->v, m->cap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		m->v = nv;
	}
	m->v[m->n++] = *l;
	return 0;
}

static int scan_links(xhp_ctx *ctx, struct xhp_nl *nl, xhp_leftovers *l,
		      struct marked_links *m)
{
	struct leftover o;
	unsigned int d, n;
	size_t i;
	int r;

	r = xhp_link_walk(ctx, nl, collect_link, m);
	if (r == -ENOMEM)
		r = xhp_err(ctx, ENOMEM, "out of memory");
	for (i = 0; r >= 0 && i < m->n; i++) {
		xhp_mark_vif_alias(m->v[i].alias, &d, &n);
		r = xhp_backend_exists(ctx, "vif", d, n);
		if (r != 0)
			continue;
		o = (struct leftover){ .kind = XHP_LEFTOVER_LINK,
				       .domid = (int)d,
				       .devid = n,
				       .ifindex = m->v[i].ifindex };
		snprintf(o.type, sizeof(o.type), "vif");
		snprintf(o.mark, sizeof(o.mark), "%s", m->v[i].alias);
		r = xhp_leftovers_add(
			ctx, l, &o, m->v[i].name,
			"link %s was renamed from %s by xhp, and backend/vif/%u/%u is gone",
			m->v[i].name, m->v[i].alias, d, n);
	}
	return r < 0 ? r : 0;
}

/* ---- loop devices ---- */

static int scan_loops(xhp_ctx *ctx, xhp_leftovers *l)
{
	struct xhp_loop_info info;
	struct leftover o;
	struct dirent *de;
	unsigned int idx, d, n;
	char type[8], tag[64], node[32];
	int r = 0, len;
	DIR *dir;

	dir = opendir("/sys/block");
	if (!dir)
		return xhp_err(ctx, errno, "cannot list /sys/block: %s",
			       strerror(errno));
	while (r >= 0 && (de = readdir(dir))) {
		len = 0;
		if (sscanf(de->d_name, "loop%u%n", &idx, &len) != 1 ||
		    de->d_name[len])
			continue;
		/* Only attached ones have a backing file: no open else. */
		if (xhp_loop_backing_file(NULL, idx, info.backing,
					  sizeof(info.backing)) < 0)
			continue;
		r = xhp_loop_info_get(ctx, idx, &info);
		if (r != 0) {
			r = r < 0 ? r : 0;
			continue;
		}
		if (!xhp_mark_loop(info.name, type, &d, &n, tag, sizeof(tag)))
			continue;
		r = xhp_backend_exists(ctx, type, d, n);
		if (r != 0)
			continue;
		o = (struct leftover){ .kind = XHP_LEFTOVER_LOOP,
				       .domid = (int)d,
				       .devid = n,
				       .index = idx };
		memcpy(o.type, type, sizeof(o.type));
		snprintf(o.mark, sizeof(o.mark), "%s", tag);
		snprintf(node, sizeof(node), "/dev/loop%u", idx);
		r = xhp_leftovers_add(
			ctx, l, &o, node,
			"loop device %s of %s carries xhp's mark %s, and backend/%s/%u/%u is gone",
			node, info.backing, tag, type, d, n);
	}
	closedir(dir);
	return r < 0 ? r : 0;
}

/* ---- lock files ---- */

static const char *lock_dir(const xhp_ctx *ctx)
{
	return ctx->lock_dir ? ctx->lock_dir : XHP_DEFAULT_LOCK_DIR;
}

/* Whether /proc/locks has a granted flock on (@st's device, inode). */
static bool held(const struct stat *st)
{
	unsigned long pid, ino;
	unsigned int maj, min;
	char line[256];
	bool found = false;
	FILE *f;

	f = fopen("/proc/locks", "re");
	if (!f)
		return true; /* cannot tell: not a leftover */
	while (!found && fgets(line, sizeof(line), f))
		found = xhp_locks_parse_line(line, &pid, &maj, &min, &ino) &&
			ino == st->st_ino && maj == major(st->st_dev) &&
			min == minor(st->st_dev);
	fclose(f);
	return found;
}

static int scan_locks(xhp_ctx *ctx, xhp_leftovers *l)
{
	const char *dir = lock_dir(ctx);
	struct leftover o;
	struct dirent *de;
	char path[4096];
	struct stat st;
	int r = 0, domid;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return errno == ENOENT ?
			       0 :
			       xhp_err(ctx, errno, "cannot list %s: %s", dir,
				       strerror(errno));
	while (r >= 0 && (de = readdir(d))) {
		if (!xhp_mark_lock(de->d_name, &domid))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode) || held(&st))
			continue;
		o = (struct leftover){ .kind = XHP_LEFTOVER_LOCK,
				       .domid = domid };
		r = xhp_leftovers_add(
			ctx, l, &o, path,
			"lock file %s is held by no process (left by a run that was killed)",
			path);
	}
	closedir(d);
	return r;
}

XHP_EXPORT int xhp_leftovers_scan(xhp_ctx *ctx, xhp_leftovers **ret)
{
	struct marked_links m = { 0 };
	struct xhp_nl *nl = NULL;
	xhp_leftovers *l;
	int r;

	if (!ctx || !ret)
		return -EINVAL;
	xhp_clear_error(ctx);
	l = calloc(1, sizeof(*l));
	if (!l)
		return xhp_err(ctx, ENOMEM, "out of memory");
	xhp_deadline_start(ctx);
	r = xhp_nl_open(ctx, &nl);
	if (r >= 0)
		r = scan_links(ctx, nl, l, &m);
	if (r >= 0)
		r = xhp_leftovers_scan_policy(ctx, nl, &m, l);
	if (r >= 0)
		r = scan_loops(ctx, l);
	if (r >= 0)
		r = scan_locks(ctx, l);
	ctx->deadline_us = 0;
	xhp_nl_close(nl);
	free(m.v);
	if (r < 0) {
		xhp_leftovers_free(l);
		return r;
	}
	*ret = l;
	return 0;
}

/* ---- removal ---- */

static int remove_link(xhp_ctx *ctx, const struct leftover *o)
{
	struct xhp_nl *nl = NULL;
	struct xhp_link k;
	int r;

	r = xhp_nl_open(ctx, &nl);
	if (r >= 0)
		r = xhp_nl_link_get(ctx, nl, NULL, o->ifindex, &k);
	if (r == -ENODEV) {
		r = 1;
	} else if (r >= 0 &&
		   (strcmp(k.alias, o->mark) || strcmp(k.name, o->name))) {
		r = xhp_err(
			ctx, EBUSY,
			"link %s changed since the scan (now %s, alias '%s'): left alone",
			o->name, k.name, k.alias);
	} else if (r >= 0) {
		r = xhp_backend_exists(ctx, o->type, (unsigned int)o->domid,
				       o->devid);
		if (r > 0)
			r = xhp_err(
				ctx, EBUSY,
				"backend/vif/%d/%u exists again: %s left alone",
				o->domid, o->devid, o->name);
		else if (r == 0)
			r = xhp_link_delete(ctx, nl, &k);
		if (r == -ENODEV)
			r = 1;
	}
	xhp_nl_close(nl);
	return r;
}

static int judge_loop(xhp_ctx *ctx, const struct xhp_loop_info *info,
		      void *userdata, char *why, size_t why_size)
{
	const struct leftover *o = userdata;
	int r;

	if (!xhp_loop_tagged(info->name, o->mark)) {
		snprintf(why, why_size, "it no longer carries the mark %s",
			 o->mark);
		return 0;
	}
	r = xhp_backend_exists(ctx, o->type, (unsigned int)o->domid, o->devid);
	if (r > 0)
		snprintf(why, why_size, "backend/%s/%d/%u exists again",
			 o->type, o->domid, o->devid);
	return r < 0 ? r : !r;
}

static int remove_loop(xhp_ctx *ctx, const struct leftover *o)
{
	xhp_lock *lock = NULL;
	char why[256];
	int r;

	/* Block's add holds it from its attach until its keys exist. */
	r = xhp_lock_acquire(ctx, "block", &lock);
	if (r < 0)
		return r;
	r = xhp_loop_detach_if(ctx, o->index, judge_loop, (void *)o, why,
			       sizeof(why));
	xhp_lock_release(lock);
	if (r == 2)
		return xhp_err(ctx, EBUSY, "%s left alone: %s", o->name, why);
	return r;
}

static int remove_lock(xhp_ctx *ctx, const struct leftover *o)
{
	struct stat fst, pst;
	int fd, r = 0;

	fd = open(o->name, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ?
			       1 :
			       xhp_err(ctx, errno, "cannot open %s: %s",
				       o->name, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) < 0)
		r = xhp_err(ctx, EBUSY, "lock %s is held now: left alone",
			    o->name);
	else if (fstat(fd, &fst) < 0 || stat(o->name, &pst) < 0 ||
		 fst.st_dev != pst.st_dev || fst.st_ino != pst.st_ino)
		r = 1; /* released and replaced meanwhile */
	else if (unlink(o->name) < 0)
		r = xhp_err(ctx, errno, "cannot remove %s: %s", o->name,
			    strerror(errno));
	close(fd);
	return r;
}

XHP_EXPORT int xhp_leftovers_remove(xhp_ctx *ctx, const xhp_leftovers *l,
				    size_t n)
{
	const struct leftover *o;
	int r;

	if (!ctx || !l)
		return -EINVAL;
	if (n >= l->n)
		return -ENOENT;
	xhp_clear_error(ctx);
	o = &l->v[n];
	xhp_deadline_start(ctx);
	switch (o->kind) {
	case XHP_LEFTOVER_LINK:
		r = remove_link(ctx, o);
		break;
	case XHP_LEFTOVER_LOOP:
		r = remove_loop(ctx, o);
		break;
	case XHP_LEFTOVER_POLICY:
		r = xhp_leftovers_remove_policy(ctx, o);
		break;
	default:
		r = remove_lock(ctx, o);
		break;
	}
	ctx->deadline_us = 0;
	return r;
}
