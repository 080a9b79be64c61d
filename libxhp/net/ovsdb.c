// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * OVSDB client (RFC 7047): JSON-RPC 1.0 over a unix stream socket.
 *
 * The stream is a sequence of JSON objects with no delimiter, so the
 * reader counts brackets (outside strings) to find where one ends and
 * hands exactly that slice to jansson. Every wait is a poll() bounded by
 * the earlier of the context's deadline and the handle's own timeout.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fault.h"
#include "ovsdb.h"
#include "util.h"

#define RBUF_MIN 4096
#define MSG_MAX (64u << 20) /* refuse absurd messages */
#define NO_DEADLINE_MS 10000 /* neither the context nor we set one */

struct xhp_ovsdb {
	int fd;
	char *path;
	uint64_t deadline_us; /* 0: none of our own */
	json_int_t next_id;
	/* Input not yet parsed, and the bracket scanner's state over it. */
	char *rbuf;
	size_t rlen, rcap;
	size_t scan; /* bytes of rbuf already scanned */
	size_t start; /* where the message under scan starts */
	unsigned int depth;
	bool in_str, esc;
	/* The cur_cfg monitor. */
	char mon_id[32];
	int64_t cur_cfg;
	bool have_cur_cfg;
	/* What the request under way is for ("add the port"), or NULL:
	 * the I/O errors say which step they failed. */
	const char *doing;
};

/* "[cannot add the port: ]cannot write to OVSDB at '...': errno text" */
static int io_err(xhp_ctx *ctx, const struct xhp_ovsdb *db, int e,
		  const char *io)
{
	char q[XHP_QUOTE_MAX];

	if (e < 0)
		e = -e;
	return xhp_err(ctx, e, "%s%s%scannot %s OVSDB at '%s': %s",
		       db->doing ? "cannot " : "", db->doing ? db->doing : "",
		       db->doing ? ": " : "", io, xhp_quote(q, db->path),
		       strerror(e));
}

int xhp_ovsdb_socket_path(xhp_ctx *ctx, const char *override, char *buf,
			  size_t len)
{
	char q[XHP_QUOTE_MAX];
	const char *dir;
	int n;

	if (override) {
		const char *p = override;

		if (!strncmp(p, "unix:", 5))
			p += 5;
		if (p[0] != '/')
			return xhp_err(
				ctx, EINVAL,
				"bad ovsdb_socket '%s': expected an absolute path or unix:<absolute path>",
				xhp_quote(q, override));
		n = snprintf(buf, len, "%s", p);
	} else {
		dir = secure_getenv("OVS_RUNDIR");
		if (!dir || !dir[0])
			dir = XHP_OVSDB_DEFAULT_RUNDIR;
		n = snprintf(buf, len, "%s/db.sock", dir);
	}
	if (n < 0 || (size_t)n >= len ||
	    (size_t)n >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return xhp_err(ctx, ENAMETOOLONG,
			       "OVSDB socket path too long: '%s'",
			       xhp_quote(q, buf));
	return 0;
}

void xhp_ovsdb_set_timeout(struct xhp_ovsdb *db, unsigned int ms)
{
	db->deadline_us = ms ? xhp_now_us() + (uint64_t)ms * 1000 : 0;
}

/* Milliseconds left for a wait: the earlier of both deadlines. */
static int left_ms(xhp_ctx *ctx, const struct xhp_ovsdb *db)
{
	int left = xhp_deadline_left_ms(ctx);

	if (db->deadline_us) {
		uint64_t now = xhp_now_us();
		int own = now >= db->deadline_us ?
				  0 :
				  (int)((db->deadline_us - now + 999) / 1000);

		if (left < 0 || own < left)
			left = own;
	}
	return left < 0 ? NO_DEADLINE_MS : left;
}

/* poll() one event on the socket. 0, -ETIMEDOUT or -errno. */
static int wait_fd(xhp_ctx *ctx, struct xhp_ovsdb *db, short events)
{
	for (;;) {
		struct pollfd p = { db->fd, events, 0 };
		int left = left_ms(ctx, db), r;

		if (left == 0)
			return -ETIMEDOUT;
		r = poll(&p, 1, left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ETIMEDOUT;
		return 0;
	}
}

/*
 * connect() a unix stream socket: it connects at once or not at all.
 * EAGAIN (the server's listen queue is full) leaves nothing in progress
 * to poll for, so try again every few milliseconds until the deadline.
 * Returns 0, -ETIMEDOUT or the connect errno.
 */
static int connect_unix(xhp_ctx *ctx, struct xhp_ovsdb *db,
			const struct sockaddr_un *sa)
{
	for (;;) {
		int left;

		if (xhp_fault(ctx, XHP_FAULT_OVSDB, "ovsdb connect") < 0)
			return -errno;
		if (connect(db->fd, (const struct sockaddr *)sa, sizeof(*sa)) ==
		    0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -errno;
		left = left_ms(ctx, db);
		if (left == 0)
			return -ETIMEDOUT;
		poll(NULL, 0, left < 10 ? left : 10);
	}
}

int xhp_ovsdb_open(xhp_ctx *ctx, const char *path, struct xhp_ovsdb **ret)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char q[XHP_QUOTE_MAX];
	struct xhp_ovsdb *db;
	int r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return xhp_err(ctx, ENAMETOOLONG,
			       "OVSDB socket path too long: '%s'",
			       xhp_quote(q, path));
	memcpy(sa.sun_path, path, strlen(path) + 1);
	db = calloc(1, sizeof(*db));
	if (!db)
		return xhp_err(ctx, ENOMEM, "out of memory");
	db->next_id = 1;
	db->path = strdup(path);
	if (!db->path) {
		r = xhp_err(ctx, ENOMEM, "out of memory");
		goto free_db;
	}
	db->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (db->fd < 0) {
		r = xhp_err(ctx, errno, "cannot make a unix socket: %s",
			    strerror(errno));
		goto free_db;
	}
	r = connect_unix(ctx, db, &sa);
	if (r == -ENOENT) {
		r = xhp_err(
			ctx, ENOENT,
			"OVSDB socket '%s' does not exist: is ovsdb-server running?",
			xhp_quote(q, path));
		goto close_fd;
	}
	if (r == -ECONNREFUSED) {
		r = xhp_err(
			ctx, ECONNREFUSED,
			"OVSDB socket '%s': connection refused: is ovsdb-server running?",
			xhp_quote(q, path));
		goto close_fd;
	}
	if (r == -ETIMEDOUT) {
		r = xhp_err(
			ctx, ETIMEDOUT,
			"OVSDB at '%s' accepted no connection in time (its listen queue stayed full)",
			xhp_quote(q, path));
		goto close_fd;
	}
	if (r < 0) {
		r = xhp_err(ctx, r, "cannot connect to OVSDB at '%s': %s",
			    xhp_quote(q, path), strerror(-r));
		goto close_fd;
	}
	*ret = db;
	return 0;

close_fd:
	close(db->fd);
free_db:
	free(db->path);
	free(db);
	return r;
}

struct xhp_ovsdb *xhp_ovsdb_close(struct xhp_ovsdb *db)
{
	if (db) {
		close(db->fd);
		free(db->path);
		free(db->rbuf);
		free(db);
	}
	return NULL;
}

static int send_all(xhp_ctx *ctx, struct xhp_ovsdb *db, const char *buf,
		    size_t len)
{
	char q[XHP_QUOTE_MAX];
	int r;

	while (len > 0) {
		ssize_t n = send(db->fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			r = wait_fd(ctx, db, POLLOUT);
			if (r == -ETIMEDOUT)
				return xhp_err(
					ctx, ETIMEDOUT,
					"timed out writing to OVSDB at '%s'",
					xhp_quote(q, db->path));
			if (r < 0)
				return xhp_err(ctx, r, "poll: %s",
					       strerror(-r));
			continue;
		}
		if (n < 0)
			return io_err(ctx, db, errno, "write to");
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int send_json(xhp_ctx *ctx, struct xhp_ovsdb *db, json_t *msg)
{
	char *s = json_dumps(msg, JSON_COMPACT);
	int r;

	if (!s)
		return xhp_err(ctx, ENOMEM, "out of memory");
	xhp_debug(ctx, "ovsdb send: %.900s", s);
	r = send_all(ctx, db, s, strlen(s));
	free(s);
	return r;
}

/*
 * Scan new input for the end of one top-level JSON value. Returns the
 * length of the message at db->start (> 0), 0 if incomplete, -EBADMSG if
 * the stream is not a sequence of objects/arrays.
 */
static ssize_t frame(struct xhp_ovsdb *db)
{
	for (; db->scan < db->rlen; db->scan++) {
		char c = db->rbuf[db->scan];

		if (db->depth == 0) {
			if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
				db->start = db->scan + 1;
				continue;
			}
			if (c != '{' && c != '[')
				return -EBADMSG;
		}
		if (db->in_str) {
			if (db->esc)
				db->esc = false;
			else if (c == '\\')
				db->esc = true;
			else if (c == '"')
				db->in_str = false;
			continue;
		}
		if (c == '"') {
			db->in_str = true;
		} else if (c == '{' || c == '[') {
			db->depth++;
		} else if (c == '}' || c == ']') {
			if (--db->depth == 0) {
				db->scan++;
				return (ssize_t)(db->scan - db->start);
			}
		}
	}
	return 0;
}

/* Drop the message just framed (and what precedes it) from the buffer. */
static void consume(struct xhp_ovsdb *db)
{
	memmove(db->rbuf, db->rbuf + db->scan, db->rlen - db->scan);
	db->rlen -= db->scan;
	db->scan = 0;
	db->start = 0;
}

/* Read the next whole message; @nowait: -EAGAIN when none is whole. */
static int read_msg_ext(xhp_ctx *ctx, struct xhp_ovsdb *db, json_t **ret,
			bool nowait)
{
	char q[XHP_QUOTE_MAX];
	json_error_t jerr;
	ssize_t len, n;
	json_t *msg;
	int r;

	for (;;) {
		len = frame(db);
		if (len < 0)
			return xhp_err(
				ctx, EBADMSG,
				"OVSDB at '%s' sent something that is not JSON-RPC",
				xhp_quote(q, db->path));
		if (len > 0)
			break;
		if (db->rlen - db->start > MSG_MAX)
			return xhp_err(ctx, EMSGSIZE,
				       "OVSDB message over %u bytes", MSG_MAX);
		if (db->rcap - db->rlen < RBUF_MIN) {
			size_t cap = db->rcap ? db->rcap * 2 : 4 * RBUF_MIN;
			char *b = realloc(db->rbuf, cap);

			if (!b)
				return xhp_err(ctx, ENOMEM, "out of memory");
			db->rbuf = b;
			db->rcap = cap;
		}
		n = recv(db->fd, db->rbuf + db->rlen, db->rcap - db->rlen, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN && nowait)
			return -EAGAIN;
		if (n < 0 && errno == EAGAIN) {
			r = wait_fd(ctx, db, POLLIN);
			if (r < 0)
				return r == -ETIMEDOUT ?
					       r :
					       xhp_err(ctx, r, "poll: %s",
						       strerror(-r));
			continue;
		}
		if (n < 0)
			return io_err(ctx, db, errno, "read from");
		if (n == 0)
			return xhp_err(
				ctx, ECONNRESET,
				"%s%s%sOVSDB at '%s' closed the connection",
				db->doing ? "cannot " : "",
				db->doing ? db->doing : "",
				db->doing ? ": " : "", xhp_quote(q, db->path));
		db->rlen += (size_t)n;
	}
	msg = json_loadb(db->rbuf + db->start, (size_t)len, 0, &jerr);
	consume(db);
	if (!msg)
		return xhp_err(ctx, EBADMSG, "bad JSON from OVSDB: %s",
			       jerr.text);
	*ret = msg;
	return 0;
}

static int read_msg(xhp_ctx *ctx, struct xhp_ovsdb *db, json_t **ret)
{
	return read_msg_ext(ctx, db, ret, false);
}

/* A table-updates object for our monitor: pick up cur_cfg. */
static void note_cfg(struct xhp_ovsdb *db, json_t *updates)
{
	json_t *rows = json_object_get(updates, "Open_vSwitch"), *row;
	const char *uuid;

	json_object_foreach(rows, uuid, row) {
		json_t *v =
			json_object_get(json_object_get(row, "new"), "cur_cfg");

		if (json_is_integer(v)) {
			db->cur_cfg = (int64_t)json_integer_value(v);
			db->have_cur_cfg = true;
		}
	}
}

/* A request or notification from the server. */
static int on_request(xhp_ctx *ctx, struct xhp_ovsdb *db, json_t *msg)
{
	const char *method = json_string_value(json_object_get(msg, "method"));
	json_t *params = json_object_get(msg, "params");
	json_t *id = json_object_get(msg, "id");
	json_t *reply;
	int r;

	if (!strcmp(method, "update") && json_is_array(params) &&
	    json_is_string(json_array_get(params, 0)) &&
	    !strcmp(json_string_value(json_array_get(params, 0)), db->mon_id)) {
		note_cfg(db, json_array_get(params, 1));
		return 0;
	}
	if (!id || json_is_null(id))
		return 0; /* another notification: nothing to answer */
	if (!strcmp(method, "echo"))
		reply = json_pack("{sOsOsn}", "id", id, "result",
				  params ? params : json_null(), "error");
	else
		reply = json_pack("{sOsnss}", "id", id, "result", "error",
				  "unknown method");
	if (!reply)
		return xhp_err(ctx, ENOMEM, "out of memory");
	r = send_json(ctx, db, reply);
	json_decref(reply);
	return r;
}

/* Read until the reply to @id comes; serve the server's requests. */
static int await_reply(xhp_ctx *ctx, struct xhp_ovsdb *db, json_int_t id,
		       json_t **ret)
{
	json_t *msg;
	int r;

	for (;;) {
		r = read_msg(ctx, db, &msg);
		if (r < 0)
			return r;
		if (json_is_string(json_object_get(msg, "method"))) {
			r = on_request(ctx, db, msg);
			json_decref(msg);
			if (r < 0)
				return r;
			continue;
		}
		if (json_integer_value(json_object_get(msg, "id")) == id &&
		    json_is_integer(json_object_get(msg, "id"))) {
			*ret = msg;
			return 0;
		}
		json_decref(msg); /* a stale reply */
	}
}

/* The server's error text, control characters shown as '?' (it goes
 * into hotplug-error and the log). */
static const char *error_text(json_t *err, char *buf, size_t len)
{
	const char *e = json_string_value(err);
	const char *d = NULL;

	if (!e) {
		e = json_string_value(json_object_get(err, "error"));
		d = json_string_value(json_object_get(err, "details"));
	}
	if (!e)
		e = "malformed error";
	snprintf(buf, len, d ? "%s: %s" : "%s", e, d);
	return xhp_one_line(buf);
}

/* The seam step "ovsdb send <what the request is for>". */
static int call_fault(xhp_ctx *ctx, const struct xhp_ovsdb *db, const char *io,
		      const char *method)
{
	char step[XHP_FAULT_STEP_MAX];

	if (__builtin_expect(!ctx->fault, 1))
		return 0;
	snprintf(step, sizeof(step), "ovsdb %s %s", io,
		 db->doing ? db->doing : method);
	return xhp_fault_check(ctx, XHP_FAULT_OVSDB, step);
}

int xhp_ovsdb_call(xhp_ctx *ctx, struct xhp_ovsdb *db, const char *method,
		   json_t *params, json_t **ret_result)
{
	char q[XHP_QUOTE_MAX], ebuf[512];
	json_t *reply = NULL, *err, *result;
	int64_t id;
	int r;

	/* The seam: once before the request (in xhp_ovsdb_call_send) and
	 * once before its answer (not per message: how many come depends
	 * on timing). */
	r = xhp_ovsdb_call_send(ctx, db, method, params, &id);
	if (r < 0)
		return r;
	r = call_fault(ctx, db, "recv", method);
	if (r < 0)
		return io_err(ctx, db, r, "read from");
	r = await_reply(ctx, db, (json_int_t)id, &reply);
	if (r == -ETIMEDOUT)
		return xhp_err(ctx, ETIMEDOUT,
			       "OVSDB at '%s' did not answer '%s' in time",
			       xhp_quote(q, db->path), method);
	if (r < 0)
		return r;
	err = json_object_get(reply, "error");
	if (err && !json_is_null(err)) {
		r = xhp_err(ctx, EPROTO, "OVSDB %s failed: %s", method,
			    error_text(err, ebuf, sizeof(ebuf)));
		goto out;
	}
	result = json_object_get(reply, "result");
	if (!result) {
		r = xhp_err(ctx, EBADMSG, "OVSDB reply to %s has no result",
			    method);
		goto out;
	}
	if (ret_result)
		*ret_result = json_incref(result);
	r = 0;
out:
	json_decref(reply);
	return r;
}

int xhp_ovsdb_transact(xhp_ctx *ctx, struct xhp_ovsdb *db, json_t *ops,
		       const char *what, json_t **ret_results)
{
	char ebuf[512];
	json_t *params, *res = NULL;
	size_t i, n_ops;
	int r;

	if (!json_is_array(ops)) {
		json_decref(ops);
		return xhp_err(ctx, EINVAL,
			       "OVSDB transaction (%s): no operations", what);
	}
	n_ops = json_array_size(ops);
	params = json_pack("[s]", XHP_OVSDB_DB);
	if (!params || json_array_extend(params, ops) < 0) {
		json_decref(params);
		json_decref(ops);
		return xhp_err(ctx, ENOMEM, "out of memory");
	}
	db->doing = what;
	r = xhp_ovsdb_call(ctx, db, "transact", params, &res);
	db->doing = NULL;
	if (r < 0)
		goto out;
	if (!json_is_array(res) || json_array_size(res) < n_ops) {
		r = xhp_err(ctx, EBADMSG,
			    "OVSDB transaction (%s): malformed result", what);
		goto out;
	}
	/* RFC 7047 4.1.3: an error in operation i, or one more element
	 * after the operations' results for a failed commit. */
	for (i = 0; i < json_array_size(res); i++) {
		json_t *whole = json_array_get(res, i);
		json_t *e = json_object_get(whole, "error");
		json_t *op = json_array_get(ops, i);
		const char *o, *t;

		if (!e || json_is_null(e))
			continue;
		o = json_string_value(json_object_get(op, "op"));
		t = json_string_value(json_object_get(op, "table"));
		if (i < n_ops && o && !strcmp(o, "wait") &&
		    !strcmp(json_string_value(e) ? json_string_value(e) : "",
			    "timed out")) {
			r = -EAGAIN; /* the database changed under us */
			xhp_debug(ctx,
				  "OVSDB transaction (%s): a wait on %s failed",
				  what, t ? t : "?");
			goto out;
		}
		if (i < n_ops)
			r = xhp_err(
				ctx, EPROTO,
				"OVSDB transaction (%s) failed at %s on %s: %s",
				what, o ? o : "?", t ? t : "?",
				error_text(whole, ebuf, sizeof(ebuf)));
		else
			r = xhp_err(
				ctx, EPROTO,
				"OVSDB transaction (%s) failed to commit: %s",
				what, error_text(whole, ebuf, sizeof(ebuf)));
		goto out;
	}
	if (ret_results)
		*ret_results = json_incref(res);
	r = 0;
out:
	json_decref(res);
	json_decref(ops);
	return r;
}

int xhp_ovsdb_wait_cur_cfg(xhp_ctx *ctx, struct xhp_ovsdb *db, int64_t next_cfg)
{
	json_t *params, *initial = NULL, *msg;
	uint64_t t0 = xhp_now_us();
	int r;

	snprintf(db->mon_id, sizeof(db->mon_id),
		 "xhp-cfg-%" JSON_INTEGER_FORMAT, db->next_id);
	db->have_cur_cfg = false;
	params = json_pack("[ss{s{s[s]}}]", XHP_OVSDB_DB, db->mon_id,
			   "Open_vSwitch", "columns", "cur_cfg");
	if (!params)
		return xhp_err(ctx, ENOMEM, "out of memory");
	db->doing = "wait for ovs-vswitchd";
	r = xhp_ovsdb_call(ctx, db, "monitor", params, &initial);
	if (r < 0)
		goto out;
	note_cfg(db, initial);
	json_decref(initial);
	r = xhp_fault(ctx, XHP_FAULT_OVSDB, "ovsdb recv update");
	if (r < 0) {
		r = io_err(ctx, db, r, "read from");
		goto out;
	}
	while (!db->have_cur_cfg || db->cur_cfg < next_cfg) {
		r = read_msg(ctx, db, &msg);
		if (r == -ETIMEDOUT) {
			r = xhp_err(
				ctx, ETIMEDOUT,
				"ovs-vswitchd did not apply the configuration within %" PRIu64
				" ms (cur_cfg %" PRId64 " < next_cfg %" PRId64
				"): is ovs-vswitchd running?",
				(xhp_now_us() - t0) / 1000, db->cur_cfg,
				next_cfg);
			goto out;
		}
		if (r < 0)
			goto out;
		if (json_is_string(json_object_get(msg, "method")))
			r = on_request(ctx, db, msg);
		json_decref(msg);
		if (r < 0)
			goto out;
	}
	xhp_debug(ctx,
		  "ovs-vswitchd reached cur_cfg %" PRId64 " in %" PRIu64 " us",
		  db->cur_cfg, xhp_now_us() - t0);
	r = 0;
out:
	/* Not the step of whatever the connection does next. */
	db->doing = NULL;
	return r;
}

json_t *xhp_ovsdb_uuid(const char *uuid)
{
	return json_pack("[ss]", "uuid", uuid);
}

json_t *xhp_ovsdb_named_uuid(const char *name)
{
	return json_pack("[ss]", "named-uuid", name);
}

json_t *xhp_ovsdb_set(json_t *array)
{
	return json_pack("[so]", "set", array);
}

json_t *xhp_ovsdb_where_eq(const char *column, json_t *value)
{
	return json_pack("[[sso]]", column, "==", value);
}

int xhp_ovsdb_add_cfg_bump(json_t *ops)
{
	if (json_array_append_new(
		    ops, json_pack("{sssss[]s[[ssi]]}", "op", "mutate", "table",
				   "Open_vSwitch", "where", "mutations",
				   "next_cfg", "+=", 1)) < 0)
		return -ENOMEM;
	if (json_array_append_new(ops,
				  json_pack("{sssss[]s[s]}", "op", "select",
					    "table", "Open_vSwitch", "where",
					    "columns", "next_cfg")) < 0)
		return -ENOMEM;
	return 0;
}

int64_t xhp_ovsdb_result_next_cfg(json_t *results)
{
	json_t *row, *nc;

	row = json_array_get(
		json_object_get(json_array_get(results,
					       json_array_size(results) - 1),
				"rows"),
		0);
	nc = json_object_get(row, "next_cfg");
	return json_is_integer(nc) ? json_integer_value(nc) : -1;
}

json_t *xhp_ovsdb_map(void)
{
	return json_pack("[s[]]", "map");
}

bool xhp_ovsdb_utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		unsigned int c = *p, n, i;
		uint32_t cp;

		if (c < 0x80) {
			p++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3, cp = c & 0x07;
		else
			return false;
		for (i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false; /* also the terminating NUL */
			cp = cp << 6 | (p[i] & 0x3f);
		}
		/* Overlong forms, surrogates, beyond U+10FFFF. */
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return false;
		p += n + 1;
	}
	return true;
}

int xhp_ovsdb_map_put(json_t *map, const char *key, const char *value)
{
	json_t *pair;

	if (!xhp_ovsdb_utf8_valid(key) || !xhp_ovsdb_utf8_valid(value))
		return -EINVAL;
	pair = json_pack("[ss]", key, value);

	if (!pair || json_array_append_new(json_array_get(map, 1), pair) < 0)
		return -ENOMEM;
	return 0;
}

int xhp_ovsdb_fd(const struct xhp_ovsdb *db)
{
	return db->fd;
}

int xhp_ovsdb_next_update(xhp_ctx *ctx, struct xhp_ovsdb *db,
			  const char *mon_id, json_t **ret_updates)
{
	json_t *msg, *params;
	const char *method;
	int r;

	for (;;) {
		r = read_msg_ext(ctx, db, &msg, true);
		if (r == -EAGAIN)
			return 0;
		if (r < 0)
			return r;
		method = json_string_value(json_object_get(msg, "method"));
		params = json_object_get(msg, "params");
		if (method && !strcmp(method, "update") &&
		    json_is_array(params) &&
		    json_is_string(json_array_get(params, 0)) &&
		    !strcmp(json_string_value(json_array_get(params, 0)),
			    mon_id)) {
			*ret_updates = json_incref(json_array_get(params, 1));
			json_decref(msg);
			return *ret_updates ? 1 : 0;
		}
		r = method ? on_request(ctx, db, msg) : 0;
		json_decref(msg); /* a stale reply, or answered */
		if (r < 0)
			return r;
	}
}

int xhp_ovsdb_call_send(xhp_ctx *ctx, struct xhp_ovsdb *db, const char *method,
			json_t *params, int64_t *ret_id)
{
	json_int_t id = db->next_id++;
	json_t *req;
	int r;

	req = json_pack("{sssosI}", "method", method, "params", params, "id",
			id);
	if (!req)
		return xhp_err(ctx, ENOMEM, "out of memory");
	r = call_fault(ctx, db, "send", method);
	if (r < 0)
		r = io_err(ctx, db, r, "write to");
	else
		r = send_json(ctx, db, req);
	json_decref(req);
	if (r >= 0)
		*ret_id = (int64_t)id;
	return r;
}

int xhp_ovsdb_next_reply(xhp_ctx *ctx, struct xhp_ovsdb *db, int64_t id,
			 const char *method, json_t **ret_result)
{
	json_t *msg, *err, *result;
	char ebuf[512];
	int r;

	for (;;) {
		r = read_msg_ext(ctx, db, &msg, true);
		if (r == -EAGAIN)
			return 0;
		if (r < 0)
			return r;
		if (json_is_string(json_object_get(msg, "method"))) {
			r = on_request(ctx, db, msg);
			json_decref(msg);
			if (r < 0)
				return r;
			continue;
		}
		if (!json_is_integer(json_object_get(msg, "id")) ||
		    json_integer_value(json_object_get(msg, "id")) != id) {
			json_decref(msg); /* a stale reply */
			continue;
		}
		break;
	}
	err = json_object_get(msg, "error");
	result = json_object_get(msg, "result");
	if (err && !json_is_null(err))
		r = xhp_err(ctx, EPROTO, "OVSDB %s failed: %s", method,
			    error_text(err, ebuf, sizeof(ebuf)));
	else if (!result)
		r = xhp_err(ctx, EBADMSG, "OVSDB reply to %s has no result",
			    method);
	else
		r = 1;
	if (r > 0 && ret_result)
		*ret_result = json_incref(result);
	json_decref(msg);
	return r;
}
