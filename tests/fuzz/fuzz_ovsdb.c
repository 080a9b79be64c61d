// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer target of the OVSDB client's reading side (ovsdb.c): the
 * framing of the JSON stream into messages (frame/read_msg), the
 * handling of the server's requests and notifications (echo, update of
 * the cur_cfg monitor) and the checks of replies (xhp_ovsdb_call) and
 * of transaction results (xhp_ovsdb_transact).
 *
 * The input plays the server: the first byte picks what the client does
 * ('c' a call, 't' a transact of two operations - a wait, then an
 * insert -, 'w' xhp_ovsdb_wait_cur_cfg(5); other bytes modulo 3), the
 * rest is everything the server sends, written at once on a real unix
 * socket that then closes. The client's request ids start at 1 and the
 * monitor's id is "xhp-cfg-1". Nothing is read from the client: inputs
 * are capped so that its answers fit in the socket buffer.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fuzz.h"
#include "ovsdb.h"

#define INPUT_MAX 32768

static xhp_ctx *ctx;
static int listen_fd = -1;
static char sock_dir[] = "/tmp/xhp-fuzz-ovsdb-XXXXXX";
static char sock_path[108];

static void cleanup(void)
{
	unlink(sock_path);
	rmdir(sock_dir);
}

static void setup(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (!mkdtemp(sock_dir) || xhp_ctx_new(&ctx) < 0)
		abort();
	snprintf(sock_path, sizeof(sock_path), "%s/db.sock", sock_dir);
	atexit(cleanup);
	memcpy(sa.sun_path, sock_path, strlen(sock_path) + 1);
	listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (listen_fd < 0 ||
	    bind(listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(listen_fd, 4) < 0)
		abort();
}

/* The server's side: every byte of the input, then end of stream. */
static int serve(struct xhp_ovsdb **ret_db, const uint8_t *data, size_t size)
{
	struct xhp_ovsdb *db;
	int fd;

	if (xhp_ovsdb_open(ctx, sock_path, &db) < 0)
		abort();
	fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		abort();
	while (size > 0) {
		ssize_t n = send(fd, data, size, MSG_NOSIGNAL);

		if (n <= 0)
			abort();
		data += n;
		size -= (size_t)n;
	}
	shutdown(fd, SHUT_WR);
	/* A bound in case a bug made the client wait for more. */
	xhp_ovsdb_set_timeout(db, 5000);
	*ret_db = db;
	return fd;
}

/* XHP_FUZZ_VERBOSE=1: say what each input gave (to check the seeds). */
static void report(const char *what, int r)
{
	if (getenv("XHP_FUZZ_VERBOSE"))
		fprintf(stderr, "%s: %d %s\n", what, r,
			r < 0 && r != -EAGAIN ? xhp_ctx_last_error(ctx) : "");
}

static void check_error(int r)
{
	const char *msg = xhp_ctx_last_error(ctx);

	CHECK(r == -EPROTO || r == -EBADMSG || r == -ECONNRESET ||
	      r == -EMSGSIZE || r == -ENOMEM);
	CHECK(msg && msg[0]);
}

static void do_call(struct xhp_ovsdb *db)
{
	json_t *res = NULL;
	int r;

	r = xhp_ovsdb_call(ctx, db, "list_dbs", json_array(), &res);
	report("call", r);
	if (r < 0) {
		CHECK(res == NULL);
		check_error(r);
		return;
	}
	CHECK(res);
	json_decref(res);
}

static void do_transact(struct xhp_ovsdb *db)
{
	json_t *ops, *res = NULL;
	int r;

	ops = json_pack("[{sssss[]s[s]sss[]si}{sssss{ss}}]", "op", "wait",
			"table", "Port", "where", "columns", "name", "until",
			"==", "rows", "timeout", 0, "op", "insert", "table",
			"Port", "row", "name", "vif1.0");
	if (!ops)
		abort();
	r = xhp_ovsdb_transact(ctx, db, ops, "fuzz", &res);
	report("transact", r);
	if (r == -EAGAIN) {
		CHECK(res == NULL);
		return;
	}
	if (r < 0) {
		CHECK(res == NULL);
		check_error(r);
		return;
	}
	CHECK(json_is_array(res) && json_array_size(res) >= 2);
	json_decref(res);
}

static void do_wait(struct xhp_ovsdb *db)
{
	int r = xhp_ovsdb_wait_cur_cfg(ctx, db, 5);

	report("wait", r);
	if (r < 0)
		check_error(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static void (*const modes[])(struct xhp_ovsdb *) = {
		do_call,
		do_transact,
		do_wait,
	};
	struct xhp_ovsdb *db;
	unsigned int pick;
	int fd;

	if (size < 1 || size > INPUT_MAX)
		return 0;
	if (listen_fd < 0)
		setup();
	pick = data[0] == 'c' ? 0 :
	       data[0] == 't' ? 1 :
	       data[0] == 'w' ? 2 :
				data[0] % 3u;
	fd = serve(&db, data + 1, size - 1);
	modes[pick](db);
	xhp_ovsdb_close(db);
	close(fd);
	return 0;
}
