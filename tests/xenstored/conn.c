// SPDX-License-Identifier: LGPL-2.1-only
/*
 * Client connections of the libxhp test xenstored: non-blocking input
 * state machine and output queue.
 */
#include "conn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proto.h"
#include "watch.h"

struct xsd_conn *conn_new(struct xsd_server *srv, int fd)
{
	struct xsd_conn *c = xsd_calloc(1, sizeof(*c));

	c->fd = fd;
	c->serial = ++srv->next_serial;
	c->in_hdr = true;
	c->next_tx_id = 1;
	c->next = srv->conns;
	srv->conns = c;
	xsd_log("conn %u: connected", c->serial);
	return c;
}

void conn_free(struct xsd_server *srv, struct xsd_conn *c)
{
	struct xsd_conn **pp;

	for (pp = &srv->conns; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	xsd_log("conn %u: closed", c->serial);
	proto_abort_transactions(srv, c);
	watch_remove_all(c);
	xsd_buf_free(&c->out);
	xsd_buf_free(&c->held);
	free(c->held_payload);
	close(c->fd);
	free(c);
}

void conn_send(struct xsd_conn *c, uint32_t type, uint32_t req_id,
	       uint32_t tx_id, const void *data, uint32_t len)
{
	struct xsd_sockmsg hdr = {
		.type = type,
		.req_id = req_id,
		.tx_id = tx_id,
		.len = len,
	};

	struct xsd_buf *b = c->holding ? &c->held : &c->out;

	xsd_buf_append(b, &hdr, sizeof(hdr));
	xsd_buf_append(b, data, len);
}

void conn_hold_output(struct xsd_conn *c, long long until)
{
	c->holding = true;
	c->hold_until = until;
}

void conn_hold_request(struct xsd_conn *c, const struct xsd_sockmsg *hdr,
		       const char *payload, long long until)
{
	c->held_hdr = *hdr;
	c->held_payload = xsd_memdup(payload, hdr->len + 1);
	c->hold_until = until;
}

void conn_release(struct xsd_server *srv, struct xsd_conn *c)
{
	char *payload = c->held_payload;

	xsd_log("conn %u: releasing what delay-commit held", c->serial);
	c->hold_until = 0;
	if (c->holding) {
		c->holding = false;
		if (xsd_buf_pending(&c->held))
			xsd_buf_append(&c->out, c->held.data + c->held.off,
				       xsd_buf_pending(&c->held));
		xsd_buf_free(&c->held);
	}
	if (payload) {
		c->held_payload = NULL;
		proto_handle(srv, c, &c->held_hdr, payload);
		free(payload);
	}
}

/* Feeds received bytes into the message state machine. */
static void conn_feed(struct xsd_server *srv, struct xsd_conn *c,
		      const uint8_t *p, size_t n)
{
	size_t want, take;

	while (n && !c->dead) {
		if (c->in_hdr) {
			want = sizeof(c->hdr) - c->in_used;
			take = n < want ? n : want;
			memcpy((uint8_t *)&c->hdr + c->in_used, p, take);
			c->in_used += take;
			p += take;
			n -= take;
			if (c->in_used < sizeof(c->hdr))
				return;
			if (c->hdr.len > XENSTORE_PAYLOAD_MAX) {
				/* xenstored drops such clients. */
				xsd_log("conn %u: payload of %u bytes",
					c->serial, c->hdr.len);
				c->dead = true;
				return;
			}
			c->in_hdr = false;
			c->in_used = 0;
		} else {
			want = c->hdr.len - c->in_used;
			take = n < want ? n : want;
			memcpy(c->payload + c->in_used, p, take);
			c->in_used += take;
			p += take;
			n -= take;
		}
		if (!c->in_hdr && c->in_used == c->hdr.len) {
			c->payload[c->hdr.len] = '\0';
			proto_handle(srv, c, &c->hdr, c->payload);
			c->in_hdr = true;
			c->in_used = 0;
		}
		if (n && c->held_payload) {
			/* libxenstore sends nothing before an answer. */
			xsd_log("conn %u: input while a request is held",
				c->serial);
			c->dead = true;
		}
	}
}

void conn_handle_input(struct xsd_server *srv, struct xsd_conn *c)
{
	uint8_t buf[16384];
	ssize_t n;

	for (;;) {
		n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0) {
			conn_feed(srv, c, buf, n);
			if (c->dead || (size_t)n < sizeof(buf))
				return;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		/* EOF: replies still queued are sent, then we close. */
		if (n == 0)
			c->eof = true;
		else
			c->dead = true;
		return;
	}
}

void conn_flush(struct xsd_conn *c)
{
	ssize_t n;

	while (!c->dead && xsd_buf_pending(&c->out)) {
		n = send(c->fd, c->out.data + c->out.off,
			 xsd_buf_pending(&c->out), MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0) {
			xsd_buf_consume(&c->out, n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		c->dead = true;
	}
}
