/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * Client connections of the libxhp test xenstored.
 */
#ifndef XSD_CONN_H
#define XSD_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include <errno.h>
#include <xen/io/xs_wire.h>

#include "util.h"

struct xs_store;
struct xs_tx;
struct xsd_watch;

/* A transaction owned by a connection. */
struct xsd_conn_tx {
	uint32_t id;
	struct xs_tx *tx;
	struct xsd_conn_tx *next;
};

struct xsd_conn {
	int fd;
	unsigned int serial; /* for log messages */
	bool dead; /* close after this poll round */
	bool eof; /* peer shut down; close once flushed */

	/* Input state machine: header, then hdr.len payload bytes. */
	struct xsd_sockmsg hdr;
	size_t in_used; /* bytes of header or payload */
	bool in_hdr;
	char payload[XENSTORE_PAYLOAD_MAX + 1]; /* +1: NUL */

	struct xsd_buf out;

	struct xsd_watch *watches;
	struct xsd_conn_tx *txs;
	uint32_t next_tx_id;

	/*
	 * delay-commit (CONTROL): until hold_until (xsd_now_ms(); 0: none)
	 * either a request waits unprocessed (held_payload; no input is
	 * read meanwhile) or the output waits in held (holding).
	 */
	long long hold_until;
	struct xsd_sockmsg held_hdr;
	char *held_payload;
	bool holding;
	struct xsd_buf held;

	struct xsd_conn *next;
};

/* What the CONTROL command delay-commit armed (once). */
enum xsd_delay_mode {
	XSD_DELAY_NONE,
	XSD_DELAY_ANSWER, /* apply the commit, answer after ms */
	XSD_DELAY_APPLY, /* process the commit after ms, then answer */
	XSD_DELAY_STOP, /* apply the commit, then SIGSTOP ourselves */
};

struct xsd_delay {
	enum xsd_delay_mode mode;
	long long ms;
	char *path; /* canonical: the commit of a transaction that wrote it */
};

struct xsd_server {
	struct xs_store *store;
	struct xsd_conn *conns;
	unsigned int next_serial;
	struct xsd_delay delay;
};

struct xsd_conn *conn_new(struct xsd_server *srv, int fd);
/* Aborts transactions, drops watches, closes fd, unlinks and frees. */
void conn_free(struct xsd_server *srv, struct xsd_conn *c);

/* Reads what is available and processes complete messages. */
void conn_handle_input(struct xsd_server *srv, struct xsd_conn *c);
/* Writes as much pending output as the socket takes. */
void conn_flush(struct xsd_conn *c);

/* delay-commit: hold the output, or this request, until @until. */
void conn_hold_output(struct xsd_conn *c, long long until);
void conn_hold_request(struct xsd_conn *c, const struct xsd_sockmsg *hdr,
		       const char *payload, long long until);
/* At hold_until: send what was held, or process the held request. */
void conn_release(struct xsd_server *srv, struct xsd_conn *c);

/* Queues a message (payload length must be <= XENSTORE_PAYLOAD_MAX). */
void conn_send(struct xsd_conn *c, uint32_t type, uint32_t req_id,
	       uint32_t tx_id, const void *data, uint32_t len);

#endif /* XSD_CONN_H */
