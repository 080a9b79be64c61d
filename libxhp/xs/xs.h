/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The xenstore key contract over the real libxenstore.
 *
 * Trust: only the backend directory (written by the toolstack in the
 * driver domain, not writable by the guest) and the /local/domain/<id>/vm
 * pointer chain (written by libxl, read-only to the guest) are read for
 * decisions. Nothing under /local/domain/<guest>/device is read for a
 * decision: vif-bridge writes the frontend mtu key and reads its old value
 * only to put it back on undo.
 */
#ifndef XHP_XS_H
#define XHP_XS_H

#include <xenstore.h>

#include "internal.h"

/* Connect through xs_open(0) (honours XENSTORED_PATH) on first use. */
int xhp_xs_open(xhp_ctx *ctx);
void xhp_xs_close(xhp_ctx *ctx);

/*
 * Read @path in transaction @t (XBT_NULL: none). *ret is a NUL-terminated
 * copy, caller frees. Returns -ENOENT when the node is missing, -EINVAL if
 * the value holds a NUL byte, or another negative errno (with a message).
 */
int xhp_xs_read(xhp_ctx *ctx, xs_transaction_t t, const char *path, char **ret);

/* Read <backend>/<key>; -ENOENT when missing. */
int xhp_xs_read_key(xhp_ctx *ctx, const char *backend, const char *key,
		    char **ret);

/* One key=value written under the backend path (value NULL: remove). */
struct xhp_kv {
	const char *key;
	const char *value;
};

/*
 * Write the keys in ONE transaction, retried on EAGAIN (bounded), that
 * first checks that @base exists: a missing @base is -ENOENT with a
 * message, and nothing is written (a backend or frontend directory is
 * never created).
 * @base: directory the keys are relative to.
 *
 * A commit whose answer does not come in time may still have been
 * applied (xenstored answers after applying it). Then the keys are read
 * back on a new connection, within a short grace: returns 0 if they
 * hold what the transaction wrote (it was applied); -ETIMEDOUT if not,
 * after making sure it never will be (a write that makes the late
 * commit conflict); or -ETIMEDOUT with xhp_xs_commit_unknown() true
 * when that cannot be found out: xenstore may or may not advertise the
 * keys, so a caller must not undo what they describe.
 */
int xhp_xs_write_keys(xhp_ctx *ctx, const char *base, const struct xhp_kv *kv,
		      size_t n);

/*
 * xhp_xs_write_keys, unless <base>/<unless->key> holds unless->value in
 * the same transaction: then -EALREADY with a message, nothing written.
 */
int xhp_xs_write_keys_unless(xhp_ctx *ctx, const char *base,
			     const struct xhp_kv *kv, size_t n,
			     const struct xhp_kv *unless);

/*
 * Keys under several directories, written in ONE transaction (the report
 * and, for vif-bridge, the frontend's mtu). A @required group's base
 * missing is -ENOENT and nothing at all is written; a group that is not
 * required is skipped when its base is missing. @unless (may be NULL) is
 * checked under the first group's base as in xhp_xs_write_keys_unless.
 */
#define XHP_KV_GROUPS_MAX 4
struct xhp_kv_group {
	const char *base;
	const struct xhp_kv *kv;
	size_t n;
	bool required;
};
int xhp_xs_write_groups(xhp_ctx *ctx, const struct xhp_kv_group *g, size_t n,
			const struct xhp_kv *unless);

/* After a failed xhp_xs_write_keys(): whether its outcome is unknown. */
bool xhp_xs_commit_unknown(const xhp_ctx *ctx);

/*
 * The names under @dir (outside any transaction): *ret is an array of
 * *ret_n names in one allocation, libxenstore's (free() it).
 * Returns 0, -ENOENT when @dir does not exist, or another negative errno
 * with a message.
 */
int xhp_xs_list(xhp_ctx *ctx, const char *dir, char ***ret,
		unsigned int *ret_n);

/*
 * Reads outside any transaction, answered in ONE round trip when the
 * connection allows (xs_batch.c), else one by one. Each op: an absolute
 * @path, read (XS_READ) or, with @list, listed (XS_DIRECTORY). Results:
 * @err 0 with @value (NUL-terminated) or @names/@n_names (libxenstore's
 * xs_directory() shape, one allocation); or @err -ENOENT (missing),
 * -EACCES, or -EINVAL (a value with a NUL byte), no message. Free the
 * results with xhp_xs_ops_clear().
 * Returns 0 (each op has its @err), or a negative errno with a message
 * when the connection failed (nothing is kept then).
 */
struct xhp_xs_op {
	const char *path;
	bool list;
	int err;
	char *value;
	char **names;
	unsigned int n_names;
};
int xhp_xs_read_batch(xhp_ctx *ctx, struct xhp_xs_op *ops, size_t n);

/*
 * The answer to @op, sent as request @req_id, at the start of @buf
 * (@len bytes, from xenstored): 0 when it is taken into @op (*ret_used
 * bytes; @op's results as xhp_xs_read_batch() gives them), 1 when more
 * bytes are needed (*ret_used: how many from @buf on), -EBADMSG when it
 * is not that answer (another id or type, a payload over the protocol's
 * maximum), -ENOMEM. Pure: xs_batch.c's parser (tests/fuzz: xs-reply).
 */
int xhp_xs_reply_take(const char *buf, size_t len, uint32_t req_id,
		      struct xhp_xs_op *op, size_t *ret_used);
void xhp_xs_ops_clear(struct xhp_xs_op *ops, size_t n);

/* Write one node (outside any transaction). */
int xhp_xs_write(xhp_ctx *ctx, const char *path, const char *value);

/*
 * Run @fn inside a transaction, committing at the end; on EAGAIN start
 * over (at most 16 times, within the deadline). @fn returns < 0 to abort.
 */
int xhp_xs_transact(xhp_ctx *ctx,
		    int (*fn)(xhp_ctx *ctx, xs_transaction_t t, void *ud),
		    void *ud);

/*
 * The raw libxenstore calls on the context's connection (open first),
 * through the fault seam (fault.h); same results as xs_read() etc.:
 * NULL/false/XBT_NULL with errno set. Use these, never xs_*() directly.
 */
char *xhp_xs_raw_read(xhp_ctx *ctx, xs_transaction_t t, const char *path,
		      unsigned int *len);
bool xhp_xs_raw_write(xhp_ctx *ctx, xs_transaction_t t, const char *path,
		      const char *value, unsigned int len);
bool xhp_xs_raw_rm(xhp_ctx *ctx, xs_transaction_t t, const char *path);
char **xhp_xs_raw_directory(xhp_ctx *ctx, xs_transaction_t t, const char *path,
			    unsigned int *num);
xs_transaction_t xhp_xs_raw_tx_start(xhp_ctx *ctx);
bool xhp_xs_raw_tx_end(xhp_ctx *ctx, xs_transaction_t t, bool abort);

/*
 * Deadlines for the calls on the connection (xs_sock.c).
 * xhp_xs_sock_open(): xs_open(0) with libxenstore's socket found without
 * guessing (our own descriptor of it in ctx->xs_sock); NULL with errno
 * when xs_open() fails. xhp_xs_sock_close(): after xs_close(), lets our
 * descriptor go. Around each call: xhp_xs_sock_arm() (-1 with errno
 * ETIMEDOUT when an earlier call timed out: make no call), and on
 * failure xhp_xs_sock_failed() (turns errno into ETIMEDOUT when the call
 * timed out).
 */
struct xs_handle *xhp_xs_sock_open(xhp_ctx *ctx);
void xhp_xs_sock_close(xhp_ctx *ctx);
int xhp_xs_sock_arm(xhp_ctx *ctx, uint64_t *ret_start);
/* The per-call timeout now: what is left of the operation (with the
 * grace after it), or the context's timeout outside one. */
int xhp_xs_sock_wanted_ms(const xhp_ctx *ctx);
void xhp_xs_sock_failed(xhp_ctx *ctx, uint64_t start_us);

/*
 * A watch connection (xs_watch.c), on a context used for nothing else.
 *
 * libxenstore reads a watching connection from its own reader thread,
 * which dies on the first failed read: a receive timeout on its socket
 * would kill an idle connection. So the socket has the operation's
 * deadline while the watch is set up (connect, domid, XS_WATCH), then
 * none: a later call on this context waits as long as xenstored takes.
 * And when xenstored goes away the reader thread closes the socket
 * without a word on the watch pipe: xhp_xs_watch_open() hands back a
 * second descriptor of the socket, which reports the hang-up (EPOLLRDHUP)
 * to the caller's loop.
 *
 * xhp_xs_watch_open: connect within the context's timeout, read @self_key
 * (may be NULL; e.g. "domid") into *ret_self (NULL when missing), and
 * watch @path with @token. *ret_fd: the watch pipe (POLLIN: events);
 * *ret_hup_fd: the socket's duplicate (-1 through /dev/xen/xenbus), the
 * caller's to close. Returns 0 or a negative errno with a message.
 */
int xhp_xs_watch_open(xhp_ctx *ctx, const char *path, const char *token,
		      const char *self_key, char **ret_self, int *ret_fd,
		      int *ret_hup_fd);
/*
 * The next event's path (malloc'd, *ret_path): 1; 0 when none is
 * pending; -ECONNRESET when the connection is gone (the context must be
 * closed with xhp_xs_close()).
 */
int xhp_xs_watch_next(xhp_ctx *ctx, char **ret_path);

/* /local/domain/<domid>/vm -> <vm>/name and <vm>/uuid (NULL if absent). */
int xhp_xs_vm_info(xhp_ctx *ctx, unsigned int domid, char **ret_name,
		   char **ret_uuid);

#endif /* XHP_XS_H */
