// SPDX-License-Identifier: LGPL-2.1-only
/*
 * Message dispatch of the libxhp test xenstored.
 *
 * Argument checks, error codes and reply formats follow xenstored
 * (tools/xenstore/xenstored_core.c of Xen 4.17).  Socket clients are
 * privileged dom0 connections: permissions are stored but not enforced.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "conn.h"
#include "store.h"
#include "watch.h"
#include "util.h"

#define DOMID_SELF 0x7FF0U

struct req {
	struct xsd_server *srv;
	struct xsd_conn *c;
	const struct xsd_sockmsg *hdr;
	const char *payload;
	uint32_t len;
	struct xs_tx *tx;
};

static const char *type_name(uint32_t type)
{
	static const char *const names[XS_TYPE_COUNT] = {
		[XS_CONTROL] = "CONTROL",
		[XS_DIRECTORY] = "DIRECTORY",
		[XS_READ] = "READ",
		[XS_GET_PERMS] = "GET_PERMS",
		[XS_WATCH] = "WATCH",
		[XS_UNWATCH] = "UNWATCH",
		[XS_TRANSACTION_START] = "TRANSACTION_START",
		[XS_TRANSACTION_END] = "TRANSACTION_END",
		[XS_INTRODUCE] = "INTRODUCE",
		[XS_RELEASE] = "RELEASE",
		[XS_GET_DOMAIN_PATH] = "GET_DOMAIN_PATH",
		[XS_WRITE] = "WRITE",
		[XS_MKDIR] = "MKDIR",
		[XS_RM] = "RM",
		[XS_SET_PERMS] = "SET_PERMS",
		[XS_WATCH_EVENT] = "WATCH_EVENT",
		[XS_ERROR] = "ERROR",
		[XS_IS_DOMAIN_INTRODUCED] = "IS_DOMAIN_INTRODUCED",
		[XS_RESUME] = "RESUME",
		[XS_SET_TARGET] = "SET_TARGET",
		[XS_RESET_WATCHES] = "RESET_WATCHES",
		[XS_DIRECTORY_PART] = "DIRECTORY_PART",
	};

	if (type < XS_TYPE_COUNT && names[type])
		return names[type];
	return "UNKNOWN";
}

static void reply(struct req *r, uint32_t type, const void *data, uint32_t len);

static int reply_error(struct req *r, int err)
{
	size_t i;
	const char *name = "EINVAL";

	for (i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++) {
		if (xsd_errors[i].errnum == err) {
			name = xsd_errors[i].errstring;
			break;
		}
	}
	xsd_log("conn %u: %s -> %s", r->c->serial, type_name(r->hdr->type),
		name);
	conn_send(r->c, XS_ERROR, r->hdr->req_id, r->hdr->tx_id, name,
		  strlen(name) + 1);
	return 0;
}

static void reply(struct req *r, uint32_t type, const void *data, uint32_t len)
{
	if (len > XENSTORE_PAYLOAD_MAX) {
		reply_error(r, E2BIG);
		return;
	}
	conn_send(r->c, type, r->hdr->req_id, r->hdr->tx_id, data, len);
}

static int reply_ok(struct req *r)
{
	reply(r, r->hdr->type, "OK", sizeof("OK"));
	return 0;
}

/* Exactly one string, NUL-terminated at the end of the payload. */
static const char *onearg(const struct req *r)
{
	if (!r->len || strlen(r->payload) + 1 != r->len)
		return NULL;
	return r->payload;
}

/* Number of NUL-terminated strings at the start of the payload. */
static unsigned int get_strings(const struct req *r, const char **vec,
				unsigned int num)
{
	uint32_t off = 0;
	unsigned int i = 0;
	size_t len;

	while (off < r->len) {
		len = strnlen(r->payload + off, r->len - off);
		if (off + len == r->len)
			break; /* not terminated */
		if (i < num)
			vec[i] = r->payload + off;
		i++;
		off += len + 1;
	}
	return i;
}

/* Number of NUL characters in the payload (xs_count_strings()). */
static unsigned int count_nuls(const struct req *r)
{
	unsigned int n = 0;
	uint32_t i;

	for (i = 0; i < r->len; i++)
		n += r->payload[i] == '\0';
	return n;
}

static char *canonicalize(const char *path)
{
	char *p;

	if (path[0] == '/' || path[0] == '@')
		return xsd_strdup(path);
	p = xsd_malloc(strlen(XSD_IMPLICIT_PATH) + strlen(path) + 2);
	sprintf(p, "%s/%s", XSD_IMPLICIT_PATH, path);
	return p;
}

/* Canonical valid node path, or NULL (EINVAL). */
static char *node_path(const char *arg)
{
	char *p;

	if (!arg)
		return NULL;
	p = canonicalize(arg);
	if (xs_path_valid(p))
		return p;
	free(p);
	return NULL;
}

static int do_read(struct req *r)
{
	char *path = node_path(onearg(r));
	const void *data;
	uint32_t len;
	int ret;

	if (!path)
		return EINVAL;
	ret = xs_store_read(r->srv->store, r->tx, path, &data, &len);
	if (!ret)
		reply(r, XS_READ, data, len);
	free(path);
	return ret;
}

static int do_write(struct req *r)
{
	const char *vec[1] = { NULL };
	uint32_t off;
	char *path;
	int ret;

	/* Path, then value: arbitrary bytes up to the end of the payload. */
	if (get_strings(r, vec, 1) < 1)
		return EINVAL;
	path = node_path(vec[0]);
	if (!path)
		return EINVAL;
	off = strlen(vec[0]) + 1;
	ret = xs_store_write(r->srv->store, r->tx, path, r->payload + off,
			     r->len - off);
	if (!ret)
		reply_ok(r);
	free(path);
	return ret;
}

static int do_mkdir(struct req *r)
{
	char *path = node_path(onearg(r));
	int ret;

	if (!path)
		return EINVAL;
	ret = xs_store_mkdir(r->srv->store, r->tx, path);
	if (!ret)
		reply_ok(r);
	free(path);
	return ret;
}

static int do_rm(struct req *r)
{
	char *path = node_path(onearg(r));
	int ret;

	if (!path)
		return EINVAL;
	ret = xs_store_rm(r->srv->store, r->tx, path);
	if (!ret)
		reply_ok(r);
	free(path);
	return ret;
}

static int do_directory(struct req *r)
{
	char *path = node_path(onearg(r));
	const char *children;
	uint32_t len;
	int ret;

	if (!path)
		return EINVAL;
	ret = xs_store_directory(r->srv->store, r->tx, path, &children, &len,
				 NULL);
	if (!ret)
		reply(r, XS_DIRECTORY, children, len);
	free(path);
	return ret;
}

/*
 * Reply: "<generation>\0" followed by as many whole child names as fit;
 * the final chunk of the list ends with an extra empty string.
 */
static int do_directory_part(struct req *r)
{
	uint32_t off, len = 0, maxlen, childlen, genlen, n;
	const char *children, *child;
	char gen[24], *buf = NULL;
	uint64_t generation;
	char *path;
	int ret;

	if (count_nuls(r) != 2)
		return EINVAL;
	path = node_path(r->payload);
	if (!path)
		return EINVAL;
	ret = xs_store_directory(r->srv->store, r->tx, path, &children,
				 &childlen, &generation);
	if (ret)
		goto out;

	off = (uint32_t)atoi(r->payload + strlen(r->payload) + 1);
	genlen = snprintf(gen, sizeof(gen), "%llu",
			  (unsigned long long)generation) +
		 1;
	if (off >= childlen) {
		char empty[sizeof(gen) + 1];

		memcpy(empty, gen, genlen);
		empty[genlen] = '\0';
		reply(r, XS_DIRECTORY_PART, empty, genlen + 1);
		goto out;
	}

	maxlen = XENSTORE_PAYLOAD_MAX - genlen - 1;
	child = children + off;
	while (off + len < childlen) {
		n = strnlen(child, childlen - off - len);
		if (len + n >= maxlen)
			break;
		len += n + 1;
		child += n + 1;
	}

	buf = xsd_malloc(genlen + len + 1);
	memcpy(buf, gen, genlen);
	memcpy(buf + genlen, children + off, len);
	if (off + len == childlen)
		buf[genlen + len++] = '\0';
	reply(r, XS_DIRECTORY_PART, buf, genlen + len);
out:
	free(buf);
	free(path);
	return ret;
}

static int do_get_perms(struct req *r)
{
	char *path = node_path(onearg(r));
	const char *perms;
	uint32_t len;
	int ret;

	if (!path)
		return EINVAL;
	ret = xs_store_get_perms(r->srv->store, r->tx, path, &perms, &len);
	if (!ret)
		reply(r, XS_GET_PERMS, perms, len);
	free(path);
	return ret;
}

/*
 * "path\0perm\0perm\0...": each perm is one of n/r/w/b followed by a
 * domain id.  Stored normalised ("%c%u") like xenstored does.
 */
static int do_set_perms(struct req *r)
{
	unsigned int i, num = count_nuls(r);
	const char *p;
	char *path = NULL, *perms = NULL;
	size_t plen = 0;
	int ret = EINVAL;

	if (num < 2)
		return EINVAL;
	num--;
	perms = xsd_malloc((size_t)num * 16);
	p = r->payload + strlen(r->payload) + 1;
	for (i = 0; i < num; i++, p += strlen(p) + 1) {
		if (!strchr("nrwb", p[0]) || !p[0])
			goto out;
		plen += sprintf(perms + plen, "%c%u", p[0],
				(unsigned int)strtol(p + 1, NULL, 0)) +
			1;
	}

	if (r->payload[0] == '@') {
		/* Special watch nodes: accepted, nothing to store. */
		if (strcmp(r->payload, "@introduceDomain") &&
		    strcmp(r->payload, "@releaseDomain"))
			goto out;
		ret = reply_ok(r);
		goto out;
	}

	path = node_path(r->payload);
	if (!path)
		goto out;
	ret = xs_store_set_perms(r->srv->store, r->tx, path, perms, plen);
	if (!ret)
		reply_ok(r);
out:
	free(perms);
	free(path);
	return ret;
}

static int do_watch(struct req *r)
{
	const char *vec[2] = { NULL, NULL };
	bool relative = false;
	char *path;
	int ret;

	if (get_strings(r, vec, 2) != 2)
		return EINVAL;
	if (vec[0][0] == '@') {
		if (strlen(vec[0]) > XENSTORE_REL_PATH_MAX)
			return EINVAL;
		path = xsd_strdup(vec[0]);
	} else {
		relative = vec[0][0] != '/';
		path = node_path(vec[0]);
		if (!path)
			return EINVAL;
	}
	ret = watch_add(r->c, path, vec[1], relative);
	if (!ret) {
		reply_ok(r);
		/* xenstored fires every new watch once, after the ack. */
		watch_send_initial(r->c, path, vec[1]);
	}
	free(path);
	return ret;
}

static int do_unwatch(struct req *r)
{
	const char *vec[2] = { NULL, NULL };
	char *path;
	int ret;

	if (get_strings(r, vec, 2) != 2)
		return EINVAL;
	path = canonicalize(vec[0]);
	ret = watch_remove(r->c, path, vec[1]);
	if (!ret)
		reply_ok(r);
	free(path);
	return ret;
}

static struct xsd_conn_tx *tx_lookup(struct xsd_conn *c, uint32_t id)
{
	struct xsd_conn_tx *t;

	for (t = c->txs; t; t = t->next)
		if (t->id == id)
			return t;
	return NULL;
}

static int do_transaction_start(struct req *r)
{
	struct xsd_conn *c = r->c;
	struct xsd_conn_tx *t;
	char id[16];

	/* No nested transactions. */
	if (r->tx)
		return EBUSY;

	t = xsd_calloc(1, sizeof(*t));
	do {
		t->id = c->next_tx_id++;
	} while (!t->id || tx_lookup(c, t->id));
	t->tx = xs_tx_start(r->srv->store);
	t->next = c->txs;
	c->txs = t;

	snprintf(id, sizeof(id), "%u", t->id);
	reply(r, XS_TRANSACTION_START, id, strlen(id) + 1);
	return 0;
}

static int do_transaction_end(struct req *r)
{
	const char *arg = onearg(r);
	struct xsd_conn_tx *t, **pp;
	int ret;

	if (!arg || (strcmp(arg, "T") && strcmp(arg, "F")))
		return EINVAL;
	if (!r->tx)
		return ENOENT;

	for (pp = &r->c->txs; *pp && (*pp)->tx != r->tx; pp = &(*pp)->next)
		;
	t = *pp;
	*pp = t->next;
	free(t);

	ret = xs_tx_end(r->srv->store, r->tx, !strcmp(arg, "T"));
	r->tx = NULL;
	if (!ret)
		reply_ok(r);
	return ret;
}

static int do_get_domain_path(struct req *r)
{
	const char *arg = onearg(r);
	char path[48];

	if (!arg)
		return EINVAL;
	snprintf(path, sizeof(path), "/local/domain/%u",
		 (unsigned int)atoi(arg));
	reply(r, XS_GET_DOMAIN_PATH, path, strlen(path) + 1);
	return 0;
}

static int do_is_domain_introduced(struct req *r)
{
	const char *arg = onearg(r);
	unsigned int domid;

	if (!arg)
		return EINVAL;
	/* Only dom0 exists here. */
	domid = (unsigned int)atoi(arg);
	reply(r, XS_IS_DOMAIN_INTRODUCED,
	      domid == 0 || domid == DOMID_SELF ? "T" : "F", 2);
	return 0;
}

static int do_reset_watches(struct req *r)
{
	watch_remove_all(r->c);
	proto_abort_transactions(r->srv, r->c);
	r->tx = NULL;
	return reply_ok(r);
}

/*
 * delay-commit MODE MS PATH (tests): the next successful commit of a
 * transaction that wrote PATH is applied and answered MS ms late
 * (answer), processed MS ms late (apply: it may then conflict), or
 * applied and followed by a SIGSTOP of the daemon (stop: the test sends
 * SIGCONT).
 */
static int do_delay_commit(struct req *r, const char *const *vec,
			   unsigned int n)
{
	static const char *const modes[] = {
		[XSD_DELAY_ANSWER] = "answer",
		[XSD_DELAY_APPLY] = "apply",
		[XSD_DELAY_STOP] = "stop",
	};
	struct xsd_delay *d = &r->srv->delay;
	char *path, *end;
	long long ms;
	unsigned int m;

	if (n != 4)
		return EINVAL;
	for (m = XSD_DELAY_ANSWER; m <= XSD_DELAY_STOP; m++)
		if (!strcmp(vec[1], modes[m]))
			break;
	ms = strtoll(vec[2], &end, 10);
	path = node_path(vec[3]);
	if (m > XSD_DELAY_STOP || *end || end == vec[2] || ms < 0 || !path) {
		free(path);
		return EINVAL;
	}
	free(d->path);
	*d = (struct xsd_delay){ .mode = m, .ms = ms, .path = path };
	xsd_log("delay-commit %s %lld ms for %s", vec[1], ms, path);
	return reply_ok(r);
}

static int do_control(struct req *r)
{
	const char *vec[4] = { NULL, NULL, NULL, NULL };
	unsigned int n = get_strings(r, vec, 4);

	if (n >= 1 && !strcmp(vec[0], "print")) {
		if (n < 2)
			return EINVAL;
		fprintf(stderr, "xhp-test-xenstored: %s\n", vec[1]);
		return reply_ok(r);
	}
	if (n >= 1 && !strcmp(vec[0], "delay-commit"))
		return do_delay_commit(r, vec, n);
	return ENOSYS;
}

/* The commit delay-commit waits for: disarms it and returns its mode. */
static enum xsd_delay_mode delayed(struct req *r)
{
	struct xsd_delay *d = &r->srv->delay;
	const char *arg = onearg(r);
	enum xsd_delay_mode m = d->mode;

	if (!m || r->hdr->type != XS_TRANSACTION_END || !r->tx || !arg ||
	    strcmp(arg, "T") || !xs_tx_modified(r->tx, d->path))
		return XSD_DELAY_NONE;
	d->mode = XSD_DELAY_NONE;
	xsd_log("conn %u: delaying this commit", r->c->serial);
	return m;
}

typedef int (*handler_fn)(struct req *r);

static const struct {
	handler_fn fn;
	bool notid; /* ignores the transaction id */
} handlers[XS_TYPE_COUNT] = {
	[XS_CONTROL] = { do_control, false },
	[XS_DIRECTORY] = { do_directory, false },
	[XS_READ] = { do_read, false },
	[XS_GET_PERMS] = { do_get_perms, false },
	[XS_WATCH] = { do_watch, true },
	[XS_UNWATCH] = { do_unwatch, true },
	[XS_TRANSACTION_START] = { do_transaction_start, false },
	[XS_TRANSACTION_END] = { do_transaction_end, false },
	[XS_GET_DOMAIN_PATH] = { do_get_domain_path, false },
	[XS_WRITE] = { do_write, false },
	[XS_MKDIR] = { do_mkdir, false },
	[XS_RM] = { do_rm, false },
	[XS_SET_PERMS] = { do_set_perms, false },
	[XS_IS_DOMAIN_INTRODUCED] = { do_is_domain_introduced, false },
	[XS_RESET_WATCHES] = { do_reset_watches, false },
	[XS_DIRECTORY_PART] = { do_directory_part, false },
};

void proto_handle(struct xsd_server *srv, struct xsd_conn *c,
		  const struct xsd_sockmsg *hdr, const char *payload)
{
	struct req r = {
		.srv = srv,
		.c = c,
		.hdr = hdr,
		.payload = payload,
		.len = hdr->len,
		.tx = NULL,
	};
	struct xsd_conn_tx *t;
	int ret;

	xsd_log("conn %u: %s tx %u len %u", c->serial, type_name(hdr->type),
		hdr->tx_id, hdr->len);

	/* Unknown, unsupported or reply-only types: ENOSYS, as xenstored. */
	if (hdr->type >= XS_TYPE_COUNT || !handlers[hdr->type].fn) {
		reply_error(&r, ENOSYS);
		return;
	}

	if (!handlers[hdr->type].notid && hdr->tx_id) {
		t = tx_lookup(c, hdr->tx_id);
		if (!t) {
			reply_error(&r, ENOENT);
			return;
		}
		r.tx = t->tx;
	}

	switch (delayed(&r)) {
	case XSD_DELAY_APPLY:
		conn_hold_request(c, hdr, payload,
				  xsd_now_ms() + srv->delay.ms);
		return;
	case XSD_DELAY_ANSWER:
		conn_hold_output(c, xsd_now_ms() + srv->delay.ms);
		break;
	case XSD_DELAY_STOP:
		ret = handlers[hdr->type].fn(&r);
		if (ret)
			reply_error(&r, ret);
		raise(SIGSTOP);
		return;
	default:
		break;
	}
	ret = handlers[hdr->type].fn(&r);
	if (ret)
		reply_error(&r, ret);
}

void proto_abort_transactions(struct xsd_server *srv, struct xsd_conn *c)
{
	struct xsd_conn_tx *t, *next;

	for (t = c->txs; t; t = next) {
		next = t->next;
		xs_tx_end(srv->store, t->tx, false);
		free(t);
	}
	c->txs = NULL;
}
