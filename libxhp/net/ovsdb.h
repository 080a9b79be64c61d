/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A small OVSDB client (RFC 7047 JSON-RPC) over the server's unix socket:
 * non-blocking I/O bounded by the context's deadline and the handle's own
 * timeout, incremental framing of the JSON stream, answers to the
 * server's "echo", and "transact" with per-operation error reporting.
 *
 * The socket, in order of precedence:
 *   1. the `ovsdb_socket` setting (argv key=value or the backend's
 *      xenstore key): "/path" or "unix:/path";
 *   2. $OVS_RUNDIR/db.sock, as OVS's own tools do;
 *   3. /var/run/openvswitch/db.sock.
 */
#ifndef XHP_OVSDB_H
#define XHP_OVSDB_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "internal.h"

#define XHP_OVSDB_DEFAULT_RUNDIR "/var/run/openvswitch"
#define XHP_OVSDB_DB "Open_vSwitch"

struct xhp_ovsdb;

/*
 * Resolve the socket path from @override (the setting, may be NULL) and
 * the environment into @buf. Returns 0, or -EINVAL (bad override) or
 * -ENAMETOOLONG, with a message.
 */
int xhp_ovsdb_socket_path(xhp_ctx *ctx, const char *override, char *buf,
			  size_t len);

/*
 * Connect to the server at @path. Returns 0 with *ret (free with
 * xhp_ovsdb_close), -ENOENT when the socket is missing, -ECONNREFUSED when
 * no server listens, other negative errno, each with a message.
 */
int xhp_ovsdb_open(xhp_ctx *ctx, const char *path, struct xhp_ovsdb **ret);
struct xhp_ovsdb *xhp_ovsdb_close(struct xhp_ovsdb *db);

/*
 * An extra bound on every wait of this handle, @ms from now (0: none).
 * The context's operation deadline applies as well; the earlier wins.
 */
void xhp_ovsdb_set_timeout(struct xhp_ovsdb *db, unsigned int ms);

/*
 * Call @method with @params (reference stolen) and wait for the answer.
 * Meanwhile echo requests are answered, other requests get an error
 * reply, updates of the cur_cfg monitor are noted and other
 * notifications are dropped (there is no notification hook). Returns 0
 * with *ret_result (caller json_decref()s; may be NULL to discard),
 * -ETIMEDOUT, -ECONNRESET, -EPROTO (an error reply: the server refused
 * the request), -EBADMSG (an answer that cannot be read: the request may
 * have been carried out), each with a message.
 */
int xhp_ovsdb_call(xhp_ctx *ctx, struct xhp_ovsdb *db, const char *method,
		   json_t *params, json_t **ret_result);

/*
 * Run one "transact" of @ops (a JSON array, reference stolen) on the
 * Open_vSwitch database. An operation's error fails the whole call with
 * -EPROTO (nothing was committed) and a message naming @what and the
 * operation; a malformed result gives -EBADMSG (it may have been
 * committed); a "wait" that timed out (the rows changed under us) gives
 * -EAGAIN without a message, so that the caller can read again and
 * retry. Returns 0 with *ret_results, the array of per-operation results
 * (caller json_decref()s; may be NULL).
 */
int xhp_ovsdb_transact(xhp_ctx *ctx, struct xhp_ovsdb *db, json_t *ops,
		       const char *what, json_t **ret_results);

/*
 * Wait until ovs-vswitchd reports Open_vSwitch cur_cfg >= @next_cfg
 * (a "monitor" of that column). Returns 0, or -ETIMEDOUT with a message
 * saying ovs-vswitchd did not apply the change.
 */
int xhp_ovsdb_wait_cur_cfg(xhp_ctx *ctx, struct xhp_ovsdb *db,
			   int64_t next_cfg);

/* JSON helpers for building operations: ["uuid", s], ["named-uuid", s],
 * ["set", [...]], ["map", [[k, v]...]]. Each returns a new reference
 * or NULL on allocation failure. */
json_t *xhp_ovsdb_uuid(const char *uuid);
json_t *xhp_ovsdb_named_uuid(const char *name);
json_t *xhp_ovsdb_set(json_t *array);
json_t *xhp_ovsdb_map(void);
/* [[column, "==", value]] (a where clause; @value stolen). */
json_t *xhp_ovsdb_where_eq(const char *column, json_t *value);

/*
 * Append to @ops the two operations that ask ovs-vswitchd to apply the
 * transaction: next_cfg += 1 and a select of it, which stays the last
 * operation, read back with xhp_ovsdb_result_next_cfg(). 0 or -ENOMEM.
 */
int xhp_ovsdb_add_cfg_bump(json_t *ops);

/* The next_cfg of the results of a transaction that ends with
 * xhp_ovsdb_add_cfg_bump()'s select, or -1 when it cannot be read. */
int64_t xhp_ovsdb_result_next_cfg(json_t *results);

/* Add k=v to a map made by xhp_ovsdb_map(). Returns 0, -EINVAL when
 * either is not UTF-8, or -ENOMEM. */
int xhp_ovsdb_map_put(json_t *map, const char *key, const char *value);

/*
 * Whether @s is UTF-8 (RFC 3629: no overlong forms, no surrogates, at
 * most U+10FFFF), as every OVSDB and JSON string must be; jansson
 * refuses other strings with no reason given.
 */
bool xhp_ovsdb_utf8_valid(const char *s);

/*
 * A long-lived monitor (RFC 7047 4.1.5) for a caller's event loop: the
 * connection's descriptor to poll, and the next "update" notification
 * of monitor @mon_id without waiting: 1 with *ret_updates (its
 * table-updates object; caller json_decref()s), 0 when no whole message
 * is there, or a negative errno (-ECONNRESET: the server went) with a
 * message. The server's echo requests are answered meanwhile.
 */
int xhp_ovsdb_fd(const struct xhp_ovsdb *db);
int xhp_ovsdb_next_update(xhp_ctx *ctx, struct xhp_ovsdb *db,
			  const char *mon_id, json_t **ret_updates);

/*
 * A call for a caller's event loop: xhp_ovsdb_call_send() sends @method
 * with @params (reference stolen; the send is bounded by the handle's
 * timeout and the context's deadline) and gives its id;
 * xhp_ovsdb_next_reply() reads what has come without waiting: 1 with
 * *ret_result (caller json_decref()s; may be NULL) when the reply to
 * @id is there, 0 when it is not yet, -EPROTO (an error reply, the
 * server's text in the message naming @method), -EBADMSG, -ECONNRESET
 * or another negative errno, with a message. The server's requests are
 * answered meanwhile; its notifications before the reply are dropped.
 */
int xhp_ovsdb_call_send(xhp_ctx *ctx, struct xhp_ovsdb *db, const char *method,
			json_t *params, int64_t *ret_id);
int xhp_ovsdb_next_reply(xhp_ctx *ctx, struct xhp_ovsdb *db, int64_t id,
			 const char *method, json_t **ret_result);

/* ovsdb_monitor.c: the names of Bridge and Port rows, for healing. */
enum { XHP_OVSDB_BRIDGE = 1, XHP_OVSDB_PORT = 2 };

/*
 * The "monitor" params [Open_vSwitch, @mon_id, {Bridge: {columns:
 * [name]}, Port: {columns: [name]}}] (new reference, NULL: no memory).
 */
json_t *xhp_ovsdb_monitor_names_params(const char *mon_id);

/*
 * Walk a table-updates object of that monitor (pure; fuzzed): @fn for
 * every Bridge or Port row that appeared (@is_new, a "new" without
 * "old", or a renamed row's new name) or went (an "old" without "new",
 * or a renamed row's old name), with the table (XHP_OVSDB_BRIDGE,
 * XHP_OVSDB_PORT) and its name. Other tables are ignored.
 * Returns: the number of calls, or -EBADMSG (not table-updates, a row
 * that is not an object, a name that is not a string); the calls made
 * before a malformed row stand.
 */
int xhp_ovsdb_names_each(json_t *updates,
			 void (*fn)(void *ud, int table, const char *name,
				    bool is_new),
			 void *ud);

#endif /* XHP_OVSDB_H */
