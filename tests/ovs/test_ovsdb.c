// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The OVSDB client's protocol handling against a scripted fake server on
 * a unix socket: framing of messages split at every byte and glued
 * together, brackets inside strings, the server's echo requests,
 * notifications, error replies, a closed connection, a silent server,
 * and the socket path's precedence. No root needed.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "ovsdb.h"
#include "testutil.h"

struct fake {
	char dir[80];
	char path[100];
	int lfd;
	pthread_t thread;
	/* What the server does after reading one request. */
	const char *const *script; /* messages to send; "%ID%" = its id */
	bool byte_by_byte;
	bool close_after;
	char got[8192]; /* everything the client sent */
	size_t n_got;
	/* The client: a context and a connection to the fake server. */
	xhp_ctx *ctx;
	struct xhp_ovsdb *db;
};

static void send_str(int fd, const char *s, bool bytewise)
{
	size_t i, n = strlen(s);

	if (!bytewise) {
		assert_int_equal(write(fd, s, n), (ssize_t)n);
		return;
	}
	for (i = 0; i < n; i++) {
		assert_int_equal(write(fd, s + i, 1), 1);
		if (i % 7 == 0)
			usleep(100);
	}
}

/* Read until a whole request came (crudely: a '}' ends a read). */
static void read_some(struct fake *f, int fd)
{
	ssize_t n;

	do {
		n = read(fd, f->got + f->n_got, sizeof(f->got) - 1 - f->n_got);
		if (n <= 0)
			return;
		f->n_got += (size_t)n;
		f->got[f->n_got] = '\0';
	} while (f->got[f->n_got - 1] != '}');
}

static void *serve(void *arg)
{
	struct fake *f = arg;
	const char *const *m;
	int fd = accept(f->lfd, NULL, NULL);

	if (fd < 0)
		return NULL;
	read_some(f, fd);
	for (m = f->script; m && *m; m++) {
		if (!strcmp(*m, "READ")) {
			read_some(f, fd);
			continue;
		}
		send_str(fd, *m, f->byte_by_byte);
	}
	if (f->close_after) {
		close(fd);
		return NULL;
	}
	/* Keep what the client sends until it hangs up. */
	for (;;) {
		ssize_t n = read(fd, f->got + f->n_got,
				 sizeof(f->got) - 1 - f->n_got);

		if (n <= 0)
			break;
		f->n_got += (size_t)n;
		f->got[f->n_got] = '\0';
	}
	close(fd);
	return NULL;
}

static void fake_start(struct fake *f, const char *const *script)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *dir = tu_mkdtemp("ovsdb");

	assert_non_null(dir);
	snprintf(f->dir, sizeof(f->dir), "%s", dir);
	free(dir);
	snprintf(f->path, sizeof(f->path), "%s/db.sock", f->dir);
	memcpy(sa.sun_path, f->path, strlen(f->path) + 1);
	f->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(f->lfd >= 0);
	assert_int_equal(bind(f->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(f->lfd, 1), 0);
	f->script = script;
	assert_int_equal(pthread_create(&f->thread, NULL, serve, f), 0);
	assert_int_equal(xhp_ctx_new(&f->ctx), 0);
	assert_int_equal(xhp_ovsdb_open(f->ctx, f->path, &f->db), 0);
}

/* Hang up, wait for the server; f->got stays for the checks. */
static void fake_stop(struct fake *f)
{
	xhp_ovsdb_close(f->db);
	pthread_join(f->thread, NULL);
	close(f->lfd);
	tu_rmtree(f->dir);
	xhp_ctx_unref(f->ctx);
}

static xhp_ctx *new_ctx(void)
{
	xhp_ctx *ctx;

	assert_int_equal(xhp_ctx_new(&ctx), 0);
	return ctx;
}

static void t_framing_and_echo(void **state)
{
	static const char *const script[] = {
		/* an echo request, a notification, then the reply, with
		 * brackets and escaped quotes inside strings */
		"{\"method\":\"echo\",\"params\":[\"x}{]\"],\"id\":\"e1\"}",
		"  \n{\"method\":\"update\",\"params\":[null,{}],\"id\":null}",
		"{\"id\":1,\"error\":null,\"result\":[{\"rows\":[{\"name\":"
		"\"a\\\"}]b\"}]}]}",
		NULL,
	};
	struct fake f = { .byte_by_byte = true };
	json_t *res = NULL;

	(void)state;
	fake_start(&f, script);
	xhp_ovsdb_set_timeout(f.db, 5000);
	assert_int_equal(xhp_ovsdb_transact(f.ctx, f.db,
					    json_pack("[{ss}]", "op", "select"),
					    "test", &res),
			 0);
	assert_string_equal(
		json_string_value(json_object_get(
			json_array_get(json_object_get(json_array_get(res, 0),
						       "rows"),
				       0),
			"name")),
		"a\"}]b");
	json_decref(res);
	fake_stop(&f);
	/* The client answered the echo with its params and id. */
	assert_non_null(strstr(f.got, "\"id\":\"e1\""));
	assert_non_null(strstr(f.got, "\"result\":[\"x}{]\"]"));
	assert_non_null(strstr(f.got, "\"method\":\"transact\""));
}

static void t_glued(void **state)
{
	static const char *const script[] = {
		"{\"id\":99,\"result\":[],\"error\":null}{\"id\":1,\"error\":"
		"null,\"result\":[{}]}",
		NULL,
	};
	struct fake f = { 0 };
	json_t *res = NULL;

	(void)state;
	fake_start(&f, script);
	assert_int_equal(
		xhp_ovsdb_call(f.ctx, f.db, "list_dbs", json_array(), &res), 0);
	assert_true(json_is_array(res));
	json_decref(res);
	fake_stop(&f);
}

static void t_op_error(void **state)
{
	static const char *const script[] = {
		"{\"id\":1,\"error\":null,\"result\":[{},{\"error\":"
		"\"constraint violation\",\"details\":\"dup name\\n"
		"\\u001b[2Jforged\"}]}",
		NULL,
	};
	struct fake f = { 0 };

	(void)state;
	fake_start(&f, script);
	assert_int_equal(xhp_ovsdb_transact(f.ctx, f.db,
					    json_pack("[{ss}{ssss}]", "op",
						      "comment", "op", "insert",
						      "table", "Port"),
					    "add", NULL),
			 -EPROTO);
	assert_non_null(strstr(xhp_ctx_last_error(f.ctx),
			       "insert on Port: "
			       "constraint violation: dup name??[2Jforged"));
	fake_stop(&f);
}

static void t_wait_timed_out(void **state)
{
	static const char *const script[] = {
		"{\"id\":1,\"error\":null,\"result\":[{\"error\":\"timed out"
		"\"}]}",
		NULL,
	};
	struct fake f = { 0 };

	(void)state;
	fake_start(&f, script);
	assert_int_equal(xhp_ovsdb_transact(f.ctx, f.db,
					    json_pack("[{ssss}]", "op", "wait",
						      "table", "Port"),
					    "w", NULL),
			 -EAGAIN);
	fake_stop(&f);
}

static void t_closed(void **state)
{
	static const char *const script[] = { "{\"id\":1,", NULL };
	struct fake f = { .close_after = true };

	(void)state;
	fake_start(&f, script);
	assert_int_equal(xhp_ovsdb_call(f.ctx, f.db, "list_dbs", json_array(),
					NULL),
			 -ECONNRESET);
	assert_non_null(strstr(xhp_ctx_last_error(f.ctx), "closed"));
	fake_stop(&f);
}

static void t_silent(void **state)
{
	struct fake f = { 0 };

	(void)state;
	fake_start(&f, NULL);
	xhp_ovsdb_set_timeout(f.db, 200);
	assert_int_equal(xhp_ovsdb_call(f.ctx, f.db, "list_dbs", json_array(),
					NULL),
			 -ETIMEDOUT);
	assert_non_null(strstr(xhp_ctx_last_error(f.ctx), "did not answer"));
	fake_stop(&f);
}

static void t_not_json(void **state)
{
	static const char *const script[] = { "hello\n", NULL };
	struct fake f = { 0 };

	(void)state;
	fake_start(&f, script);
	/* Not an error reply: a garbled answer (it may follow a commit). */
	assert_int_equal(xhp_ovsdb_call(f.ctx, f.db, "list_dbs", json_array(),
					NULL),
			 -EBADMSG);
	fake_stop(&f);
}

/*
 * A transaction whose answer cannot be read may have been committed:
 * -EBADMSG, apart from -EPROTO (the server refused it), so that the
 * caller knows to check.
 */
static void t_malformed_result(void **state)
{
	static const char *const no_result[] = { "{\"id\":1,\"error\":null}",
						 NULL };
	static const char *const short_result[] = {
		"{\"id\":1,\"error\":null,\"result\":{}}",
		NULL,
	};
	struct fake f = { 0 }, g = { 0 };

	(void)state;
	fake_start(&f, no_result);
	assert_int_equal(xhp_ovsdb_call(f.ctx, f.db, "list_dbs", json_array(),
					NULL),
			 -EBADMSG);
	fake_stop(&f);
	fake_start(&g, short_result);
	assert_int_equal(xhp_ovsdb_transact(g.ctx, g.db,
					    json_pack("[{ss}]", "op", "select"),
					    "test", NULL),
			 -EBADMSG);
	fake_stop(&g);
}

static void t_socket_path(void **state)
{
	xhp_ctx *ctx = new_ctx();
	char buf[108];

	(void)state;
	unsetenv("OVS_RUNDIR");
	assert_int_equal(xhp_ovsdb_socket_path(ctx, NULL, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/var/run/openvswitch/db.sock");
	setenv("OVS_RUNDIR", "/tmp/x", 1);
	assert_int_equal(xhp_ovsdb_socket_path(ctx, NULL, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/tmp/x/db.sock");
	assert_int_equal(xhp_ovsdb_socket_path(ctx, "unix:/a/b.sock", buf,
					       sizeof(buf)),
			 0);
	assert_string_equal(buf, "/a/b.sock");
	assert_int_equal(
		xhp_ovsdb_socket_path(ctx, "/c.sock", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/c.sock");
	assert_int_equal(xhp_ovsdb_socket_path(ctx, "tcp:1.2.3.4:6640", buf,
					       sizeof(buf)),
			 -EINVAL);
	assert_int_equal(xhp_ovsdb_socket_path(ctx, "rel.sock", buf,
					       sizeof(buf)),
			 -EINVAL);
	unsetenv("OVS_RUNDIR");
	/* Missing socket: the specific message. */
	assert_int_equal(xhp_ovsdb_open(ctx, "/nonexistent/db.sock",
					&(struct xhp_ovsdb *){ NULL }),
			 -ENOENT);
	assert_non_null(strstr(xhp_ctx_last_error(ctx), "does not exist"));
	xhp_ctx_unref(ctx);
}

/*
 * A server whose listen queue is full: connect() on a unix socket says
 * EAGAIN and connects nothing (there is no connection in progress to
 * wait for). Open must not hand back an unconnected socket; it tries
 * again until the deadline, and succeeds once the queue has room.
 */
static void t_backlog_full(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct xhp_ovsdb *db = NULL;
	int lfd, c[16], n = 0, fd;
	char *dir = tu_mkdtemp("ovsdb");
	xhp_ctx *ctx = new_ctx();

	(void)state;
	assert_non_null(dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/db.sock", dir);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	assert_true(lfd >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 0), 0);
	for (;;) {
		assert_true(n < 16);
		c[n] = socket(AF_UNIX,
			      SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		assert_true(c[n] >= 0);
		if (connect(c[n], (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			assert_int_equal(errno, EAGAIN);
			close(c[n]);
			break;
		}
		n++;
	}
	xhp_ctx_set_timeout_ms(ctx, 300);
	xhp_deadline_start(ctx);
	assert_int_equal(xhp_ovsdb_open(ctx, sa.sun_path, &db), -ETIMEDOUT);
	assert_null(db);
	assert_non_null(strstr(xhp_ctx_last_error(ctx), "db.sock"));
	/* Room in the queue again: the same open connects. */
	while ((fd = accept(lfd, NULL, NULL)) >= 0)
		close(fd);
	xhp_deadline_start(ctx);
	assert_int_equal(xhp_ovsdb_open(ctx, sa.sun_path, &db), 0);
	xhp_ovsdb_close(db);
	while (n > 0)
		close(c[--n]);
	close(lfd);
	tu_rmtree(dir);
	free(dir);
	xhp_ctx_unref(ctx);
}

/* JSON strings are UTF-8: a value that is not is refused as such. */
static void t_map_utf8(void **state)
{
	json_t *map = xhp_ovsdb_map();

	(void)state;
	assert_non_null(map);
	assert_int_equal(xhp_ovsdb_map_put(map, "k", "caf\xc3\xa9"), 0);
	assert_int_equal(xhp_ovsdb_map_put(map, "k", "caf\xe9"), -EINVAL);
	assert_int_equal(xhp_ovsdb_map_put(map, "\xc0\xaf", "v"), -EINVAL);
	assert_true(xhp_ovsdb_utf8_valid("\xf0\x9f\x98\x80"));
	assert_false(xhp_ovsdb_utf8_valid("\xed\xa0\x80")); /* surrogate */
	assert_false(xhp_ovsdb_utf8_valid("\xf4\x90\x80\x80")); /* > 10ffff */
	assert_false(xhp_ovsdb_utf8_valid("\xe2\x82")); /* cut short */
	json_decref(map);
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_framing_and_echo),
		cmocka_unit_test(t_glued),
		cmocka_unit_test(t_op_error),
		cmocka_unit_test(t_wait_timed_out),
		cmocka_unit_test(t_closed),
		cmocka_unit_test(t_silent),
		cmocka_unit_test(t_not_json),
		cmocka_unit_test(t_malformed_result),
		cmocka_unit_test(t_socket_path),
		cmocka_unit_test(t_backlog_full),
		cmocka_unit_test(t_map_utf8),
	};

	return cmocka_run_group_tests_name("ovsdb", tests, NULL, NULL);
}
