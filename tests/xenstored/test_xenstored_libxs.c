// SPDX-License-Identifier: LGPL-2.1-only
/*
 * Tests xhp-test-xenstored through the real libxenstore (and, for a few
 * protocol corner cases, through raw wire messages).
 */
#include <errno.h>
#include <poll.h>
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
#include <xenstore.h>

#include "xsd_harness.h"

struct fixture {
	struct xsd xsd;
	struct xs_handle *h;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->xsd = (struct xsd)XSD_INIT;
	if (xsd_start(&f->xsd) < 0)
		goto fail;
	f->h = xs_open(0);
	if (!f->h)
		goto fail;
	*state = f;
	return 0;
fail:
	xsd_stop(&f->xsd);
	free(f);
	return -1;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	bool clean;

	if (f->h)
		xs_close(f->h);
	xsd_stop(&f->xsd);
	clean = xsd_exited_cleanly(&f->xsd);
	free(f);
	/* The daemon must exit 0 on SIGTERM (and without ASan reports). */
	return clean ? 0 : -1;
}

static char *rd(struct xs_handle *h, xs_transaction_t t, const char *path,
		unsigned int *len)
{
	unsigned int l;

	return xs_read(h, t, path, len ? len : &l);
}

static void assert_value(struct xs_handle *h, xs_transaction_t t,
			 const char *path, const char *want)
{
	unsigned int len;
	char *v = rd(h, t, path, &len);

	assert_non_null(v);
	assert_int_equal(len, strlen(want));
	assert_string_equal(v, want);
	free(v);
}

static void assert_enoent(struct xs_handle *h, xs_transaction_t t,
			  const char *path)
{
	errno = 0;
	assert_null(rd(h, t, path, NULL));
	assert_int_equal(errno, ENOENT);
}

static bool wr(struct xs_handle *h, xs_transaction_t t, const char *path,
	       const char *val)
{
	return xs_write(h, t, path, val, strlen(val));
}

static void test_read_write(void **state)
{
	struct fixture *f = *state;
	struct xs_handle *h = f->h;
	static const char bin[] = { 'a', 0, 'b', 0, (char)0xff };
	unsigned int len, num;
	char *v, **list;

	/* Initial tree: /local/domain/0 exists. */
	list = xs_directory(h, XBT_NULL, "/local/domain", &num);
	assert_non_null(list);
	assert_int_equal(num, 1);
	assert_string_equal(list[0], "0");
	free(list);

	/* Write creates parents with empty values. */
	assert_true(wr(h, XBT_NULL, "/a/b/c", "hello"));
	assert_value(h, XBT_NULL, "/a/b/c", "hello");
	assert_value(h, XBT_NULL, "/a/b", "");
	assert_value(h, XBT_NULL, "/a", "");

	/* Overwrite, empty value, binary value with NULs. */
	assert_true(wr(h, XBT_NULL, "/a/b/c", "bye"));
	assert_value(h, XBT_NULL, "/a/b/c", "bye");
	assert_true(wr(h, XBT_NULL, "/a/b/c", ""));
	assert_value(h, XBT_NULL, "/a/b/c", "");
	assert_true(xs_write(h, XBT_NULL, "/a/bin", bin, sizeof(bin)));
	v = rd(h, XBT_NULL, "/a/bin", &len);
	assert_non_null(v);
	assert_int_equal(len, sizeof(bin));
	assert_memory_equal(v, bin, sizeof(bin));
	free(v);

	/* Missing nodes. */
	assert_enoent(h, XBT_NULL, "/a/nope");
	assert_enoent(h, XBT_NULL, "/nope/nope");

	/* Directory keeps creation order. */
	assert_true(wr(h, XBT_NULL, "/a/z", "1"));
	assert_true(wr(h, XBT_NULL, "/a/y", "2"));
	list = xs_directory(h, XBT_NULL, "/a", &num);
	assert_non_null(list);
	assert_int_equal(num, 4);
	assert_string_equal(list[0], "b");
	assert_string_equal(list[1], "bin");
	assert_string_equal(list[2], "z");
	assert_string_equal(list[3], "y");
	free(list);
	list = xs_directory(h, XBT_NULL, "/a/z", &num);
	assert_non_null(list);
	assert_int_equal(num, 0);
	free(list);
	errno = 0;
	assert_null(xs_directory(h, XBT_NULL, "/nope", &num));
	assert_int_equal(errno, ENOENT);

	/* Largest value that fits in a message. */
	{
		char big[XENSTORE_PAYLOAD_MAX - sizeof("/big")];

		memset(big, 'x', sizeof(big));
		assert_true(xs_write(h, XBT_NULL, "/big", big, sizeof(big)));
		v = rd(h, XBT_NULL, "/big", &len);
		assert_non_null(v);
		assert_int_equal(len, sizeof(big));
		assert_memory_equal(v, big, sizeof(big));
		free(v);
	}
}

static void test_mkdir_rm(void **state)
{
	struct fixture *f = *state;
	struct xs_handle *h = f->h;
	unsigned int num;
	char **list;

	assert_true(xs_mkdir(h, XBT_NULL, "/m/n/o"));
	assert_value(h, XBT_NULL, "/m/n/o", "");
	assert_value(h, XBT_NULL, "/m/n", "");
	/* mkdir of an existing node succeeds and keeps its value. */
	assert_true(wr(h, XBT_NULL, "/m/n", "keep"));
	assert_true(xs_mkdir(h, XBT_NULL, "/m/n"));
	assert_value(h, XBT_NULL, "/m/n", "keep");

	/* rm removes the whole subtree and the parent's child entry. */
	assert_true(wr(h, XBT_NULL, "/m/n/o/p", "1"));
	assert_true(wr(h, XBT_NULL, "/m/q", "2"));
	assert_true(xs_rm(h, XBT_NULL, "/m/n"));
	assert_enoent(h, XBT_NULL, "/m/n");
	assert_enoent(h, XBT_NULL, "/m/n/o");
	assert_enoent(h, XBT_NULL, "/m/n/o/p");
	list = xs_directory(h, XBT_NULL, "/m", &num);
	assert_non_null(list);
	assert_int_equal(num, 1);
	assert_string_equal(list[0], "q");
	free(list);

	/* Missing node: fine if the parent exists, else ENOENT. */
	assert_true(xs_rm(h, XBT_NULL, "/m/gone"));
	errno = 0;
	assert_false(xs_rm(h, XBT_NULL, "/m/gone/deeper"));
	assert_int_equal(errno, ENOENT);

	/* The root cannot be removed. */
	errno = 0;
	assert_false(xs_rm(h, XBT_NULL, "/"));
	assert_int_equal(errno, EINVAL);

	/* Recreate after rm. */
	assert_true(wr(h, XBT_NULL, "/m/n/o", "again"));
	assert_value(h, XBT_NULL, "/m/n/o", "again");
	assert_value(h, XBT_NULL, "/m/n", "");
}

static void test_relative_and_domain(void **state)
{
	struct fixture *f = *state;
	struct xs_handle *h = f->h;
	char *p;

	assert_true(wr(h, XBT_NULL, "rel/x", "1"));
	assert_value(h, XBT_NULL, "/local/domain/0/rel/x", "1");
	assert_value(h, XBT_NULL, "rel/x", "1");
	assert_true(xs_rm(h, XBT_NULL, "rel"));
	assert_enoent(h, XBT_NULL, "/local/domain/0/rel");

	p = xs_get_domain_path(h, 0);
	assert_non_null(p);
	assert_string_equal(p, "/local/domain/0");
	free(p);
	p = xs_get_domain_path(h, 7);
	assert_non_null(p);
	assert_string_equal(p, "/local/domain/7");
	free(p);

	assert_true(xs_is_domain_introduced(h, 0));
	assert_false(xs_is_domain_introduced(h, 3));
}

static void test_perms(void **state)
{
	struct fixture *f = *state;
	struct xs_handle *h = f->h;
	struct xs_permissions set[2] = {
		{ .id = 5, .perms = XS_PERM_NONE },
		{ .id = 0, .perms = XS_PERM_READ | XS_PERM_WRITE },
	};
	struct xs_permissions *p;
	unsigned int num;

	assert_true(wr(h, XBT_NULL, "/p/q", "v"));
	p = xs_get_permissions(h, XBT_NULL, "/p/q", &num);
	assert_non_null(p);
	assert_int_equal(num, 1);
	assert_int_equal(p[0].id, 0);
	assert_int_equal(p[0].perms, XS_PERM_NONE);
	free(p);

	assert_true(xs_set_permissions(h, XBT_NULL, "/p", set, 2));
	p = xs_get_permissions(h, XBT_NULL, "/p", &num);
	assert_non_null(p);
	assert_int_equal(num, 2);
	assert_int_equal(p[0].id, 5);
	assert_int_equal(p[0].perms, XS_PERM_NONE);
	assert_int_equal(p[1].id, 0);
	assert_int_equal(p[1].perms, XS_PERM_READ | XS_PERM_WRITE);
	free(p);

	/* New children inherit the parent's permissions. */
	assert_true(wr(h, XBT_NULL, "/p/new", "v"));
	p = xs_get_permissions(h, XBT_NULL, "/p/new", &num);
	assert_non_null(p);
	assert_int_equal(num, 2);
	assert_int_equal(p[0].id, 5);
	free(p);

	errno = 0;
	assert_false(xs_set_permissions(h, XBT_NULL, "/nope", set, 2));
	assert_int_equal(errno, ENOENT);
}

static void test_invalid_paths(void **state)
{
	struct fixture *f = *state;
	struct xs_handle *h = f->h;
	static const char *const bad[] = {
		"/a//b", "/a/", "/a b", "/a*", "rel/", "@special",
	};
	char path[XENSTORE_REL_PATH_MAX + 64];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		assert_false(wr(h, XBT_NULL, bad[i], "x"));
		assert_int_equal(errno, EINVAL);
		errno = 0;
		assert_null(rd(h, XBT_NULL, bad[i], NULL));
		assert_int_equal(errno, EINVAL);
	}

	/* Path length limit: XENSTORE_REL_PATH_MAX outside a domain dir. */
	path[0] = '/';
	memset(path + 1, 'a', XENSTORE_REL_PATH_MAX - 1);
	path[XENSTORE_REL_PATH_MAX] = '\0';
	assert_true(wr(h, XBT_NULL, path, "ok"));
	strcat(path, "b");
	errno = 0;
	assert_false(wr(h, XBT_NULL, path, "x"));
	assert_int_equal(errno, EINVAL);

	/* ... and below /local/domain/<id>/ it is relative to that. */
	memset(path, 'c', XENSTORE_REL_PATH_MAX);
	path[XENSTORE_REL_PATH_MAX] = '\0';
	assert_true(wr(h, XBT_NULL, path, "ok"));
	strcat(path, "d");
	errno = 0;
	assert_false(wr(h, XBT_NULL, path, "x"));
	assert_int_equal(errno, EINVAL);

	/* Too large for one message: refused (by libxenstore already). */
	{
		char big[XENSTORE_PAYLOAD_MAX + 1];

		memset(big, 'x', sizeof(big));
		errno = 0;
		assert_false(xs_write(h, XBT_NULL, "/big", big, sizeof(big)));
		assert_int_equal(errno, E2BIG);
	}
}

static void test_directory_part(void **state)
{
	struct fixture *f = *state;
	struct xs_handle *h = f->h;
	char path[64], **list;
	unsigned int i, num, n = 400;

	/* 400 names of 17 bytes: more than one message holds. */
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/many/child-%010u", i);
		assert_true(xs_mkdir(h, XBT_NULL, path));
	}
	/* xs_directory falls back to DIRECTORY_PART on E2BIG. */
	list = xs_directory(h, XBT_NULL, "/many", &num);
	assert_non_null(list);
	assert_int_equal(num, n);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "child-%010u", i);
		assert_string_equal(list[i], path);
	}
	free(list);
}

static void test_transaction_commit(void **state)
{
	struct fixture *f = *state;
	struct xs_handle *h = f->h;
	xs_transaction_t t;

	assert_true(wr(h, XBT_NULL, "/t/old", "1"));
	t = xs_transaction_start(h);
	assert_int_not_equal(t, XBT_NULL);

	assert_true(wr(h, t, "/t/new/deep", "2"));
	assert_true(xs_rm(h, t, "/t/old"));
	/* Visible inside the transaction only. */
	assert_value(h, t, "/t/new/deep", "2");
	assert_enoent(h, t, "/t/old");
	assert_enoent(h, XBT_NULL, "/t/new/deep");
	assert_value(h, XBT_NULL, "/t/old", "1");

	assert_true(xs_transaction_end(h, t, false));
	assert_value(h, XBT_NULL, "/t/new/deep", "2");
	assert_value(h, XBT_NULL, "/t/new", "");
	assert_enoent(h, XBT_NULL, "/t/old");

	/* Ending it twice: the id is gone. */
	errno = 0;
	assert_false(xs_transaction_end(h, t, false));
	assert_int_equal(errno, ENOENT);
}

static void test_transaction_abort(void **state)
{
	struct fixture *f = *state;
	struct xs_handle *h = f->h;
	xs_transaction_t t;

	assert_true(wr(h, XBT_NULL, "/ab/keep", "1"));
	t = xs_transaction_start(h);
	assert_int_not_equal(t, XBT_NULL);
	assert_true(wr(h, t, "/ab/keep", "changed"));
	assert_true(wr(h, t, "/ab/new", "x"));
	assert_true(xs_transaction_end(h, t, true));
	assert_value(h, XBT_NULL, "/ab/keep", "1");
	assert_enoent(h, XBT_NULL, "/ab/new");
}

static void test_transaction_conflict(void **state)
{
	struct fixture *f = *state;
	struct xs_handle *h = f->h, *h2;
	xs_transaction_t t;

	h2 = xs_open(0);
	assert_non_null(h2);

	assert_true(wr(h, XBT_NULL, "/c/counter", "1"));
	t = xs_transaction_start(h);
	assert_int_not_equal(t, XBT_NULL);
	assert_value(h, t, "/c/counter", "1");

	/* Another connection changes what the transaction read. */
	assert_true(wr(h2, XBT_NULL, "/c/counter", "5"));

	assert_true(wr(h, t, "/c/counter", "2"));
	assert_true(wr(h, t, "/c/other", "x"));
	errno = 0;
	assert_false(xs_transaction_end(h, t, false));
	assert_int_equal(errno, EAGAIN);
	assert_value(h, XBT_NULL, "/c/counter", "5");
	assert_enoent(h, XBT_NULL, "/c/other");

	/* Deleting a node the transaction read conflicts too. */
	t = xs_transaction_start(h);
	assert_value(h, t, "/c/counter", "5");
	assert_true(xs_rm(h2, XBT_NULL, "/c/counter"));
	assert_true(wr(h, t, "/c/other", "y"));
	errno = 0;
	assert_false(xs_transaction_end(h, t, false));
	assert_int_equal(errno, EAGAIN);

	/* So does creating a node the transaction found missing. */
	t = xs_transaction_start(h);
	assert_enoent(h, t, "/c/counter");
	assert_true(wr(h2, XBT_NULL, "/c/counter", "7"));
	assert_true(wr(h, t, "/c/other", "z"));
	errno = 0;
	assert_false(xs_transaction_end(h, t, false));
	assert_int_equal(errno, EAGAIN);

	/* Unrelated concurrent writes do not conflict. */
	t = xs_transaction_start(h);
	assert_value(h, t, "/c/counter", "7");
	assert_true(wr(h2, XBT_NULL, "/unrelated", "u"));
	assert_true(wr(h, t, "/c/counter", "8"));
	assert_true(xs_transaction_end(h, t, false));
	assert_value(h2, XBT_NULL, "/c/counter", "8");

	xs_close(h2);
}

/* Next watch event within timeout_ms, or NULL. */
static char **next_event(struct xs_handle *h, int timeout_ms)
{
	struct pollfd pfd = { .fd = xs_fileno(h), .events = POLLIN };
	char **ev;

	ev = xs_check_watch(h);
	if (ev)
		return ev;
	if (poll(&pfd, 1, timeout_ms) <= 0)
		return NULL;
	return xs_check_watch(h);
}

static void expect_event(struct xs_handle *h, const char *path,
			 const char *token)
{
	char **ev = next_event(h, 2000);

	assert_non_null(ev);
	assert_string_equal(ev[XS_WATCH_PATH], path);
	assert_string_equal(ev[XS_WATCH_TOKEN], token);
	free(ev);
}

static void expect_no_event(struct xs_handle *h)
{
	char **ev = next_event(h, 100);

	if (ev)
		fail_msg("unexpected event %s %s", ev[XS_WATCH_PATH],
			 ev[XS_WATCH_TOKEN]);
}

static void test_watches(void **state)
{
	struct fixture *f = *state;
	struct xs_handle *h = f->h, *w;
	xs_transaction_t t;

	w = xs_open(0);
	assert_non_null(w);

	/* Registration fires once, even for a missing node. */
	assert_true(xs_watch(w, "/w", "tok"));
	expect_event(w, "/w", "tok");
	expect_no_event(w);

	errno = 0;
	assert_false(xs_watch(w, "/w", "tok"));
	assert_int_equal(errno, EEXIST);

	/* The node and everything below it. */
	assert_true(wr(h, XBT_NULL, "/w", "1"));
	expect_event(w, "/w", "tok");
	assert_true(wr(h, XBT_NULL, "/w/a/b", "2"));
	expect_event(w, "/w/a/b", "tok");
	assert_true(wr(h, XBT_NULL, "/wx", "no"));
	assert_true(wr(h, XBT_NULL, "/other", "no"));
	expect_no_event(w);

	/* mkdir fires only when it creates. */
	assert_true(xs_mkdir(h, XBT_NULL, "/w/m"));
	expect_event(w, "/w/m", "tok");
	assert_true(xs_mkdir(h, XBT_NULL, "/w/m"));
	expect_no_event(w);

	/* rm: watches on removed descendants fire as well. */
	assert_true(xs_watch(w, "/w/a/b", "deep"));
	expect_event(w, "/w/a/b", "deep");
	assert_true(xs_rm(h, XBT_NULL, "/w/a"));
	{
		/* Order: descendants first ("/w/a/b" deep), then "/w/a". */
		expect_event(w, "/w/a/b", "deep");
		expect_event(w, "/w/a", "tok");
	}
	expect_no_event(w);

	/* Transactions: events on commit, none on abort. */
	t = xs_transaction_start(h);
	assert_true(wr(h, t, "/w/tx", "1"));
	expect_no_event(w);
	assert_true(xs_transaction_end(h, t, false));
	expect_event(w, "/w/tx", "tok");
	t = xs_transaction_start(h);
	assert_true(wr(h, t, "/w/tx", "2"));
	assert_true(xs_transaction_end(h, t, true));
	expect_no_event(w);

	/* Relative watches report relative paths. */
	assert_true(xs_watch(w, "relw", "rel"));
	expect_event(w, "relw", "rel");
	assert_true(wr(h, XBT_NULL, "/local/domain/0/relw/x", "1"));
	expect_event(w, "relw/x", "rel");

	/* Special watches register (and fire once). */
	assert_true(xs_watch(w, "@releaseDomain", "rd"));
	expect_event(w, "@releaseDomain", "rd");

	/* Unwatch. */
	assert_true(xs_unwatch(w, "/w", "tok"));
	errno = 0;
	assert_false(xs_unwatch(w, "/w", "tok"));
	assert_int_equal(errno, ENOENT);
	assert_true(wr(h, XBT_NULL, "/w", "after"));
	expect_no_event(w);

	xs_close(w);
}

/* Raw protocol: connect and exchange one message. */
static int raw_connect(const struct fixture *f)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	strcpy(sun.sun_path, f->xsd.socket);
	assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	return fd;
}

static void raw_send(int fd, uint32_t type, uint32_t req_id, uint32_t tx_id,
		     const void *p, uint32_t len)
{
	struct xsd_sockmsg m = { type, req_id, tx_id, len };
	const uint8_t *b = (const uint8_t *)&m;
	size_t i;

	/* One byte at a time: exercises partial reads in the daemon. */
	for (i = 0; i < sizeof(m); i++)
		assert_int_equal(write(fd, b + i, 1), 1);
	if (p && len)
		assert_int_equal(write(fd, p, len), (ssize_t)len);
}

static bool read_full(int fd, void *p, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = read(fd, (char *)p + got, len - got);
		if (n <= 0)
			return false;
		got += n;
	}
	return true;
}

static void raw_expect(int fd, uint32_t type, uint32_t req_id, const void *p,
		       uint32_t len)
{
	struct xsd_sockmsg m;
	char buf[XENSTORE_PAYLOAD_MAX];

	assert_true(read_full(fd, &m, sizeof(m)));
	assert_int_equal(m.type, type);
	assert_int_equal(m.req_id, req_id);
	assert_int_equal(m.len, len);
	assert_true(read_full(fd, buf, m.len));
	assert_memory_equal(buf, p, len);
}

static void test_raw_protocol(void **state)
{
	struct fixture *f = *state;
	int fd = raw_connect(f);
	char buf[64];

	/* Replies echo req_id; errors are errno names. */
	raw_send(fd, XS_READ, 42, 0, "/nope", 6);
	raw_expect(fd, XS_ERROR, 42, "ENOENT", 7);
	raw_send(fd, XS_READ, 43, 0, "/nope", 5); /* no NUL */
	raw_expect(fd, XS_ERROR, 43, "EINVAL", 7);
	raw_send(fd, XS_WRITE, 44, 0, "/x\0v\0w", 6); /* value "v\0w" */
	raw_expect(fd, XS_WRITE, 44, "OK", 3);
	raw_send(fd, XS_READ, 45, 0, "/x", 3);
	raw_expect(fd, XS_READ, 45, "v\0w", 3);

	/* Unknown types and client-sent replies: ENOSYS, as xenstored. */
	raw_send(fd, 999, 46, 0, "", 0);
	raw_expect(fd, XS_ERROR, 46, "ENOSYS", 7);
	raw_send(fd, XS_WATCH_EVENT, 47, 0, "", 0);
	raw_expect(fd, XS_ERROR, 47, "ENOSYS", 7);

	/* Unknown transaction id. */
	raw_send(fd, XS_READ, 48, 77, "/x", 3);
	raw_expect(fd, XS_ERROR, 48, "ENOENT", 7);

	/* Transaction ids; no nesting; T/F only. */
	raw_send(fd, XS_TRANSACTION_START, 49, 0, "", 1);
	raw_expect(fd, XS_TRANSACTION_START, 49, "1", 2);
	raw_send(fd, XS_TRANSACTION_START, 50, 1, "", 1);
	raw_expect(fd, XS_ERROR, 50, "EBUSY", 6);
	raw_send(fd, XS_TRANSACTION_END, 51, 1, "X", 2);
	raw_expect(fd, XS_ERROR, 51, "EINVAL", 7);
	raw_send(fd, XS_TRANSACTION_END, 52, 0, "T", 2);
	raw_expect(fd, XS_ERROR, 52, "ENOENT", 7);
	raw_send(fd, XS_TRANSACTION_END, 53, 1, "F", 2);
	raw_expect(fd, XS_TRANSACTION_END, 53, "OK", 3);

	/* DIRECTORY_PART: generation, names, empty string at the end. */
	raw_send(fd, XS_MKDIR, 54, 0, "/d/e", 5);
	raw_expect(fd, XS_MKDIR, 54, "OK", 3);
	raw_send(fd, XS_DIRECTORY_PART, 55, 0,
		 "/d\0"
		 "0",
		 5);
	{
		struct xsd_sockmsg m;
		size_t glen;

		assert_true(read_full(fd, &m, sizeof(m)));
		assert_int_equal(m.type, XS_DIRECTORY_PART);
		assert_true(m.len < sizeof(buf));
		assert_true(read_full(fd, buf, m.len));
		glen = strlen(buf) + 1;
		assert_true(glen > 1 && strspn(buf, "0123456789") == glen - 1);
		assert_int_equal(m.len, glen + 3);
		assert_memory_equal(buf + glen, "e\0", 3);
	}

	/* CONTROL print is accepted. */
	raw_send(fd, XS_CONTROL, 56, 0, "print\0hello from test", 22);
	raw_expect(fd, XS_CONTROL, 56, "OK", 3);

	/* Oversized payload: xenstored drops the connection. */
	raw_send(fd, XS_READ, 57, 0, NULL, XENSTORE_PAYLOAD_MAX + 1);
	assert_int_equal(read(fd, buf, sizeof(buf)), 0);
	close(fd);

	/* The daemon is fine afterwards. */
	{
		unsigned int len;
		char *v = rd(f->h, XBT_NULL, "/x", &len);

		assert_non_null(v);
		assert_int_equal(len, 3);
		assert_memory_equal(v, "v\0w", 3);
		free(v);
	}
}

/*
 * A watcher that does not read while ~800 KiB of events pile up: the
 * daemon must queue them, keep serving others and deliver every byte.
 */
static void test_slow_watcher(void **state)
{
	struct fixture *f = *state;
	char token[3000], payload[3200], path[32];
	struct xsd_sockmsg m;
	unsigned int i, n = 256;
	size_t plen;
	int fd = raw_connect(f);

	memset(token, 't', sizeof(token) - 1);
	token[sizeof(token) - 1] = '\0';
	plen = snprintf(payload, sizeof(payload), "/slow%c%s", 0, token) + 1;
	raw_send(fd, XS_WATCH, 1, 0, payload, plen);
	raw_expect(fd, XS_WATCH, 1, "OK", 3);

	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/slow/%u", i);
		assert_true(wr(f->h, XBT_NULL, path, "v"));
	}

	/* Initial event, then one per write, in order. */
	for (i = 0; i <= n; i++) {
		assert_true(read_full(fd, &m, sizeof(m)));
		assert_int_equal(m.type, XS_WATCH_EVENT);
		assert_true(m.len <= sizeof(payload));
		assert_true(read_full(fd, payload, m.len));
		if (i == 0)
			snprintf(path, sizeof(path), "/slow");
		else
			snprintf(path, sizeof(path), "/slow/%u", i - 1);
		assert_string_equal(payload, path);
		assert_string_equal(payload + strlen(path) + 1, token);
	}
	close(fd);
}

static void test_many_clients(void **state)
{
	struct fixture *f = *state;
	struct xs_handle *hs[32];
	char path[32], val[16];
	size_t i;

	for (i = 0; i < 32; i++) {
		hs[i] = xs_open(0);
		assert_non_null(hs[i]);
	}
	for (i = 0; i < 32; i++) {
		snprintf(path, sizeof(path), "/mc/%zu", i);
		snprintf(val, sizeof(val), "%zu", i * 3);
		assert_true(wr(hs[i], XBT_NULL, path, val));
	}
	for (i = 0; i < 32; i++) {
		snprintf(path, sizeof(path), "/mc/%zu", 31 - i);
		snprintf(val, sizeof(val), "%zu", (31 - i) * 3);
		assert_value(hs[i], XBT_NULL, path, val);
		xs_close(hs[i]);
	}
	assert_value(f->h, XBT_NULL, "/mc/7", "21");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_read_write),	      T(test_mkdir_rm),
		T(test_relative_and_domain),  T(test_perms),
		T(test_invalid_paths),	      T(test_directory_part),
		T(test_transaction_commit),   T(test_transaction_abort),
		T(test_transaction_conflict), T(test_watches),
		T(test_raw_protocol),	      T(test_slow_watcher),
		T(test_many_clients),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
