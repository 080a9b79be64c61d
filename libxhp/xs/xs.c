// SPDX-License-Identifier: LGPL-2.1-or-later
/* The xenstore key contract over the real libxenstore. */
#include <stdio.h>
#include <string.h>

#include "fault.h"
#include "request.h"
#include "sigpipe.h"
#include "util.h"
#include "xs.h"

#define XS_TX_RETRIES 16

/*
 * Why a call failed, for a message: a call that timed out (or that was
 * not made because one timed out before it) says how long xenstore was
 * given; anything else is strerror(@e).
 */
static const char *why(xhp_ctx *ctx, int e)
{
	struct xhp_xs_sock *s = &ctx->xs_sock;

	if (e == ETIMEDOUT && s->dead && s->dead_ms) {
		snprintf(s->why, sizeof(s->why),
			 "%s: xenstore did not answer within %d ms",
			 strerror(e), s->dead_ms);
		return s->why;
	}
	return strerror(e);
}

int xhp_xs_open(xhp_ctx *ctx)
{
	struct xhp_xs_sock *s = &ctx->xs_sock;
	const char *sock;

	/*
	 * After a timeout, a fresh connection, but not within the operation
	 * that timed out (its deadline is gone: it must fail fast).
	 */
	if (s->dead && (!ctx->deadline_us || ctx->deadline_us != s->dead_op))
		xhp_xs_close(ctx);
	if (ctx->xs)
		return 0;
	if (s->dead)
		return xhp_err(ctx, ETIMEDOUT,
			       "xenstore did not accept a connection in time");
	if (xhp_fault(ctx, XHP_FAULT_XS, "xs_open") == 0)
		ctx->xs = xhp_xs_sock_open(ctx);
	if (!ctx->xs) {
		int e0 = errno ? errno : EIO;
		/* Not -ENOENT: callers take that for "key missing". */
		int e = e0 == ENOENT ? ECONNREFUSED : e0;

		if (e0 == ETIMEDOUT) {
			s->dead = true;
			s->dead_op = ctx->deadline_us;
		}
		sock = secure_getenv("XENSTORED_PATH");
		return xhp_err(ctx, e, "cannot connect to xenstore%s%s%s: %s",
			       sock ? " at " : "", sock ? sock : "",
			       sock ? "" : " (is xenstored running?)",
			       strerror(e0));
	}
	return 0;
}

void xhp_xs_close(xhp_ctx *ctx)
{
	if (ctx->xs) {
		xs_close(ctx->xs);
		ctx->xs = NULL;
	}
	xhp_xs_sock_close(ctx);
}

/* Ask the seam about "<call> <path>". */
static int seam(xhp_ctx *ctx, xs_transaction_t t, const char *call,
		const char *path)
{
	char step[XHP_FAULT_STEP_MAX];

	if (__builtin_expect(!ctx->fault, 1))
		return 0;
	snprintf(step, sizeof(step), "%s%s%s", call, path ? " " : "",
		 path ? path : "");
	return xhp_fault_check(
		ctx, t == XBT_NULL ? XHP_FAULT_XS : XHP_FAULT_XS_TX, step);
}

char *xhp_xs_raw_read(xhp_ctx *ctx, xs_transaction_t t, const char *path,
		      unsigned int *len)
{
	uint64_t t0;
	char *v;

	if (seam(ctx, t, "xs_read", path) < 0 || xhp_xs_sock_arm(ctx, &t0) < 0)
		return NULL;
	v = XHP_NO_SIGPIPE(ctx, xs_read(ctx->xs, t, path, len));
	if (!v)
		xhp_xs_sock_failed(ctx, t0);
	return v;
}

bool xhp_xs_raw_write(xhp_ctx *ctx, xs_transaction_t t, const char *path,
		      const char *value, unsigned int len)
{
	uint64_t t0;

	if (seam(ctx, t, "xs_write", path) < 0 || xhp_xs_sock_arm(ctx, &t0) < 0)
		return false;
	if (XHP_NO_SIGPIPE(ctx, xs_write(ctx->xs, t, path, value, len)))
		return true;
	xhp_xs_sock_failed(ctx, t0);
	return false;
}

bool xhp_xs_raw_rm(xhp_ctx *ctx, xs_transaction_t t, const char *path)
{
	uint64_t t0;

	if (seam(ctx, t, "xs_rm", path) < 0 || xhp_xs_sock_arm(ctx, &t0) < 0)
		return false;
	if (XHP_NO_SIGPIPE(ctx, xs_rm(ctx->xs, t, path)))
		return true;
	xhp_xs_sock_failed(ctx, t0);
	return false;
}

char **xhp_xs_raw_directory(xhp_ctx *ctx, xs_transaction_t t, const char *path,
			    unsigned int *num)
{
	uint64_t t0;
	char **v;

	if (seam(ctx, t, "xs_directory", path) < 0 ||
	    xhp_xs_sock_arm(ctx, &t0) < 0)
		return NULL;
	v = XHP_NO_SIGPIPE(ctx, xs_directory(ctx->xs, t, path, num));
	if (!v)
		xhp_xs_sock_failed(ctx, t0);
	return v;
}

xs_transaction_t xhp_xs_raw_tx_start(xhp_ctx *ctx)
{
	xs_transaction_t t;
	uint64_t t0;

	if (seam(ctx, XBT_NULL, "xs_transaction_start", NULL) < 0 ||
	    xhp_xs_sock_arm(ctx, &t0) < 0)
		return XBT_NULL;
	t = XHP_NO_SIGPIPE(ctx, xs_transaction_start(ctx->xs));
	if (t == XBT_NULL)
		xhp_xs_sock_failed(ctx, t0);
	return t;
}

bool xhp_xs_raw_tx_end(xhp_ctx *ctx, xs_transaction_t t, bool abort)
{
	/* An abort's outcome is never looked at: not a step. */
	uint64_t t0;

	if (!abort && seam(ctx, t, "xs_transaction_end", NULL) < 0)
		return false;
	if (xhp_xs_sock_arm(ctx, &t0) < 0)
		return false;
	if (XHP_NO_SIGPIPE(ctx, xs_transaction_end(ctx->xs, t, abort)))
		return true;
	xhp_xs_sock_failed(ctx, t0);
	return false;
}

int xhp_xs_read(xhp_ctx *ctx, xs_transaction_t t, const char *path, char **ret)
{
	char q[XHP_QUOTE_MAX];
	unsigned int len;
	char *v;
	int r;

	r = xhp_xs_open(ctx);
	if (r < 0)
		return r;
	v = xhp_xs_raw_read(ctx, t, path, &len);
	if (!v) {
		int e = errno ? errno : EIO;

		if (e == ENOENT || e == EAGAIN)
			return -e;
		return xhp_err(ctx, e, "cannot read xenstore %s: %s",
			       xhp_quote(q, path), why(ctx, e));
	}
	if (strlen(v) != len) {
		free(v);
		return xhp_err(ctx, EINVAL, "xenstore %s holds a NUL byte",
			       path);
	}
	*ret = v;
	return 0;
}

int xhp_xs_read_key(xhp_ctx *ctx, const char *backend, const char *key,
		    char **ret)
{
	char path[XENSTORE_ABS_PATH_MAX];
	int n;

	n = snprintf(path, sizeof(path), "%s/%s", backend, key);
	if (n < 0 || (size_t)n >= sizeof(path))
		return xhp_err(ctx, ENAMETOOLONG, "xenstore path too long");
	return xhp_xs_read(ctx, XBT_NULL, path, ret);
}

/*
 * xhp_xs_transact(); with @ret_lost, a commit whose answer did not come
 * in time returns -ETIMEDOUT, no message, and sets *ret_lost.
 */
static int transact(xhp_ctx *ctx,
		    int (*fn)(xhp_ctx *ctx, xs_transaction_t t, void *ud),
		    void *ud, bool *ret_lost)
{
	int attempt, e, r;

	r = xhp_xs_open(ctx);
	if (r < 0)
		return r;
	for (attempt = 0; attempt < XS_TX_RETRIES; attempt++) {
		xs_transaction_t t = xhp_xs_raw_tx_start(ctx);

		if (t == XBT_NULL)
			return xhp_err(
				ctx, errno ? errno : EIO,
				"cannot start a xenstore transaction: %s",
				why(ctx, errno ? errno : EIO));
		r = fn(ctx, t, ud);
		if (r < 0) {
			xhp_xs_raw_tx_end(ctx, t, true);
			if (r != -EAGAIN)
				return r;
			continue;
		}
		if (xhp_xs_raw_tx_end(ctx, t, false))
			return 0;
		e = errno ? errno : EIO;
		if (e == ETIMEDOUT && ret_lost) {
			*ret_lost = true;
			return -ETIMEDOUT;
		}
		if (e != EAGAIN)
			return xhp_err(
				ctx, e,
				"cannot commit a xenstore transaction: %s",
				why(ctx, e));
		xhp_debug(ctx, "xenstore transaction conflict, retry %d",
			  attempt + 1);
		if (xhp_deadline_passed(ctx))
			break;
	}
	return xhp_err(ctx, EAGAIN,
		       "xenstore transaction kept conflicting (%d attempts)",
		       attempt);
}

int xhp_xs_transact(xhp_ctx *ctx,
		    int (*fn)(xhp_ctx *ctx, xs_transaction_t t, void *ud),
		    void *ud)
{
	return transact(ctx, fn, ud, NULL);
}

struct write_keys {
	const struct xhp_kv_group *g;
	size_t n;
	const struct xhp_kv *unless; /* NULL, or the guard (xs.h) */
};

/* 1 when @dir exists in @t, 0 when not, or a negative errno. */
static int dir_exists(xhp_ctx *ctx, xs_transaction_t t, const char *dir)
{
	unsigned int len;
	char *v = xhp_xs_raw_read(ctx, t, dir, &len);
	int e;

	if (v) {
		free(v);
		return 1;
	}
	e = errno ? errno : EIO;
	if (e == ENOENT)
		return 0;
	if (e == EAGAIN)
		return -EAGAIN;
	return xhp_err(ctx, e, "cannot read xenstore %s: %s", dir, why(ctx, e));
}

/* The guard of xhp_xs_write_keys_unless: -EALREADY when it holds. */
static int guard_holds(xhp_ctx *ctx, xs_transaction_t t, const char *base,
		       const struct xhp_kv *unless)
{
	char path[XENSTORE_ABS_PATH_MAX];
	unsigned int len;
	char *v;
	int held;

	snprintf(path, sizeof(path), "%s/%s", base, unless->key);
	v = xhp_xs_raw_read(ctx, t, path, &len);
	if (!v) {
		int e = errno ? errno : EIO;

		if (e == ENOENT)
			return 0;
		if (e == EAGAIN)
			return -EAGAIN;
		return xhp_err(ctx, e, "cannot read xenstore %s: %s", path,
			       why(ctx, e));
	}
	held = !strcmp(v, unless->value);
	free(v);
	if (held)
		return xhp_err(ctx, EALREADY, "%s is %s: nothing written", path,
			       unless->value);
	return 0;
}

/* Whether @g removes a key (a NULL value). */
static bool removes(const struct xhp_kv_group *g)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		if (!g->kv[i].value)
			return true;
	return false;
}

/*
 * 1 when @dir exists in @t, 0 when not, or a negative errno. With
 * @ret_names, the names under it (free() them; one allocation): a key
 * to remove that is not there costs no request then.
 */
static int dir_state(xhp_ctx *ctx, xs_transaction_t t, const char *dir,
		     char ***ret_names, unsigned int *ret_n)
{
	int e;

	if (!ret_names)
		return dir_exists(ctx, t, dir);
	*ret_names = xhp_xs_raw_directory(ctx, t, dir, ret_n);
	if (*ret_names)
		return 1;
	e = errno ? errno : EIO;
	if (e == ENOENT)
		return 0;
	if (e == EAGAIN)
		return -EAGAIN;
	return xhp_err(ctx, e, "cannot list xenstore %s: %s", dir, why(ctx, e));
}

static bool has_name(char **names, unsigned int n, const char *key)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!strcmp(names[i], key))
			return true;
	return false;
}

static int write_group(xhp_ctx *ctx, xs_transaction_t t,
		       const struct xhp_kv_group *g, char **names,
		       unsigned int n_names)
{
	char path[XENSTORE_ABS_PATH_MAX];
	size_t i;

	for (i = 0; i < g->n; i++) {
		int n = snprintf(path, sizeof(path), "%s/%s", g->base,
				 g->kv[i].key);
		bool ok;

		/* Removing what is not there: nothing to ask. */
		if (!g->kv[i].value && names &&
		    !has_name(names, n_names, g->kv[i].key))
			continue;
		if (n < 0 || (size_t)n >= sizeof(path))
			return xhp_err(ctx, ENAMETOOLONG,
				       "xenstore path too long");
		if (g->kv[i].value)
			ok = xhp_xs_raw_write(
				ctx, t, path, g->kv[i].value,
				(unsigned int)strlen(g->kv[i].value));
		else
			ok = xhp_xs_raw_rm(ctx, t, path) || errno == ENOENT;
		if (!ok) {
			int e = errno ? errno : EIO;

			if (e == EAGAIN)
				return -EAGAIN;
			return xhp_err(ctx, e, "cannot write xenstore %s: %s",
				       path, why(ctx, e));
		}
	}
	return 0;
}

/*
 * A commit whose answer did not come: xenstored got the request and may
 * have applied it (and answered too late), or may still apply it when it
 * gets to it (C xenstored 4.17 drops the unread requests of a connection
 * that hung up, socket_can_process() in tools/xenstore/xenstored_core.c,
 * but one that already read it, or another implementation, goes on).
 * Look on a new connection, with at least the grace per call, in one
 * transaction:
 *
 * - every key holds what the transaction wrote (removed keys absent):
 *   it was applied (or the keys were so already): success;
 * - otherwise rewrite, with the value it holds now, a node the stalled
 *   transaction read: a key it wrote or removed that exists, or else the
 *   nearest existing parent of a key it would create (xenstored reads
 *   every node before writing it, and the parent of a node it creates:
 *   read_node(), get_node() and construct_node() in xenstored_core.c).
 *   Once that commits, the stalled commit fails with EAGAIN if xenstored
 *   ever processes it, as the generation of a node it read changed
 *   (access_node() and finalize_transaction() in
 *   tools/xenstore/xenstored_transaction.c; the test xenstored does the
 *   same). Not applied, for good.
 * - no answer on the new connection either: unknown.
 */
struct settle {
	const struct write_keys *w;
	bool applied;
};

/* Read @path in @t into *ret (NULL: missing); -errno on failure. */
static int settle_read(xhp_ctx *ctx, xs_transaction_t t, const char *path,
		       char **ret, unsigned int *ret_len)
{
	*ret = xhp_xs_raw_read(ctx, t, path, ret_len);
	if (*ret || errno == ENOENT)
		return 0;
	return -(errno ? errno : EIO);
}

static int settle_tx(xhp_ctx *ctx, xs_transaction_t t, void *ud)
{
	struct settle *st = ud;
	const struct write_keys *w = st->w;
	char path[XENSTORE_ABS_PATH_MAX], fence[XENSTORE_ABS_PATH_MAX];
	_cleanup_free_ char *fv = NULL;
	unsigned int len, flen = 0;
	bool all = true;
	size_t gi, i;
	char *v;
	int r;

	fence[0] = '\0';
	for (gi = 0; gi < w->n; gi++) {
		const struct xhp_kv_group *g = &w->g[gi];

		for (i = 0; i < g->n; i++) {
			const char *want = g->kv[i].value;

			snprintf(path, sizeof(path), "%s/%s", g->base,
				 g->kv[i].key);
			r = settle_read(ctx, t, path, &v, &len);
			if (r < 0)
				return r;
			/* A group skipped for want of its directory wrote
			 * nothing: not a sign either way. */
			if (!g->required && !v && want)
				continue;
			if (want ? !v || len != strlen(want) ||
					    memcmp(v, want, len) :
				   v != NULL)
				all = false;
			if (v && !fence[0]) {
				strcpy(fence, path);
				fv = v;
				flen = len;
				v = NULL;
			}
			free(v);
		}
	}
	st->applied = all;
	if (all)
		return 0;
	for (i = 0; !fence[0] && i < w->g[0].n; i++) {
		char *slash;

		if (!w->g[0].kv[i].value)
			continue;
		/* Missing: its nearest existing parent. */
		snprintf(fence, sizeof(fence), "%s/%s", w->g[0].base,
			 w->g[0].kv[i].key);
		while ((slash = strrchr(fence, '/')) && slash != fence) {
			*slash = '\0';
			r = settle_read(ctx, t, fence, &fv, &flen);
			if (r < 0)
				return r;
			if (fv)
				break;
		}
		if (!fv)
			fence[0] = '\0';
	}
	if (!fence[0])
		return -ENOENT;
	if (!xhp_xs_raw_write(ctx, t, fence, fv, flen))
		return -(errno ? errno : EIO);
	return 0;
}

static int settle(xhp_ctx *ctx, const struct write_keys *w)
{
	struct settle st = { .w = w };
	char q[XHP_QUOTE_MAX];
	int r;

	xhp_debug(
		ctx,
		"xenstore: no answer to the commit under %s, looking on a new connection whether it was applied",
		w->g[0].base);
	xhp_xs_close(ctx);
	ctx->xs_sock.grace = true;
	r = xhp_xs_transact(ctx, settle_tx, &st);
	ctx->xs_sock.grace = false;
	if (r >= 0 && st.applied) {
		xhp_info(
			ctx,
			"xenstore did not answer the commit under %s in time, but it was applied",
			w->g[0].base);
		return 0;
	}
	if (r >= 0)
		return xhp_err(
			ctx, ETIMEDOUT,
			"xenstore did not answer the commit under %s in time; it was not applied",
			xhp_quote(q, w->g[0].base));
	ctx->xs_unknown = true;
	return xhp_err(
		ctx, ETIMEDOUT,
		"xenstore did not answer the commit under %s in time, and whether it was applied is unknown (%s)",
		xhp_quote(q, w->g[0].base), strerror(-r));
}

static int write_keys_tx(xhp_ctx *ctx, xs_transaction_t t, void *ud)
{
	const struct write_keys *w = ud;
	bool skip[XHP_KV_GROUPS_MAX] = { false };
	char **names[XHP_KV_GROUPS_MAX] = { NULL };
	unsigned int n_names[XHP_KV_GROUPS_MAX] = { 0 };
	size_t i;
	int r = 0;

	/* Never create a directory: each must exist in this transaction. */
	for (i = 0; i < w->n && r >= 0; i++) {
		r = dir_state(ctx, t, w->g[i].base,
			      removes(&w->g[i]) ? &names[i] : NULL,
			      &n_names[i]);
		if (r == 0 && w->g[i].required)
			r = xhp_err(
				ctx, ENOENT,
				"%s does not exist in xenstore: nothing written",
				w->g[i].base);
		skip[i] = r == 0;
	}
	if (r >= 0 && w->unless)
		r = guard_holds(ctx, t, w->g[0].base, w->unless);
	for (i = 0; i < w->n && r >= 0; i++)
		if (!skip[i])
			r = write_group(ctx, t, &w->g[i], names[i], n_names[i]);
	for (i = 0; i < w->n; i++)
		free(names[i]);
	return r < 0 ? r : 0;
}

int xhp_xs_write_groups(xhp_ctx *ctx, const struct xhp_kv_group *g, size_t n,
			const struct xhp_kv *unless)
{
	struct write_keys w = { g, n, unless };
	bool lost = false;
	int r;

	if (n == 0 || n > XHP_KV_GROUPS_MAX)
		return xhp_err(ctx, EINVAL, "bad number of key groups: %zu", n);
	ctx->xs_unknown = false;
	r = transact(ctx, write_keys_tx, &w, &lost);
	if (r < 0 && lost)
		return settle(ctx, &w);
	return r;
}

bool xhp_xs_commit_unknown(const xhp_ctx *ctx)
{
	return ctx->xs_unknown;
}

int xhp_xs_write_keys(xhp_ctx *ctx, const char *base, const struct xhp_kv *kv,
		      size_t n)
{
	struct xhp_kv_group g = { base, kv, n, true };

	return xhp_xs_write_groups(ctx, &g, 1, NULL);
}

int xhp_xs_write_keys_unless(xhp_ctx *ctx, const char *base,
			     const struct xhp_kv *kv, size_t n,
			     const struct xhp_kv *unless)
{
	struct xhp_kv_group g = { base, kv, n, true };

	return xhp_xs_write_groups(ctx, &g, 1, unless);
}

int xhp_xs_list(xhp_ctx *ctx, const char *dir, char ***ret, unsigned int *ret_n)
{
	char q[XHP_QUOTE_MAX];
	unsigned int n;
	char **v;
	int r;

	r = xhp_xs_open(ctx);
	if (r < 0)
		return r;
	v = xhp_xs_raw_directory(ctx, XBT_NULL, dir, &n);
	if (!v) {
		int e = errno ? errno : EIO;

		if (e == ENOENT)
			return -ENOENT;
		return xhp_err(ctx, e, "cannot list xenstore %s: %s",
			       xhp_quote(q, dir), why(ctx, e));
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

int xhp_xs_write(xhp_ctx *ctx, const char *path, const char *value)
{
	int r = xhp_xs_open(ctx);

	if (r < 0)
		return r;
	if (!xhp_xs_raw_write(ctx, XBT_NULL, path, value,
			      (unsigned int)strlen(value)))
		return xhp_err(ctx, errno ? errno : EIO,
			       "cannot write xenstore %s: %s", path,
			       why(ctx, errno ? errno : EIO));
	return 0;
}

int xhp_xs_vm_info(xhp_ctx *ctx, unsigned int domid, char **ret_name,
		   char **ret_uuid)
{
	char path[XENSTORE_ABS_PATH_MAX];
	_cleanup_free_ char *vm = NULL;
	char *name = NULL, *uuid = NULL;
	int r;

	snprintf(path, sizeof(path), "/local/domain/%u/vm", domid);
	r = xhp_xs_read(ctx, XBT_NULL, path, &vm);
	if (r == 0 && vm[0] == '/' && strlen(vm) + 6 >= sizeof(path))
		return xhp_err(
			ctx, ENAMETOOLONG,
			"/local/domain/%u/vm names a path that is too long",
			domid);
	if (r == 0 && vm[0] == '/') {
		snprintf(path, sizeof(path), "%s/name", vm);
		r = xhp_xs_read(ctx, XBT_NULL, path, &name);
		if (r < 0 && r != -ENOENT)
			return r;
		snprintf(path, sizeof(path), "%s/uuid", vm);
		r = xhp_xs_read(ctx, XBT_NULL, path, &uuid);
		if (r < 0 && r != -ENOENT) {
			free(name);
			return r;
		}
	} else if (r < 0 && r != -ENOENT) {
		return r;
	}
	*ret_name = name;
	*ret_uuid = uuid;
	return 0;
}
