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

	struct xsd_conn *next;
};

struct xsd_server {
	struct xs_store *store;
	struct xsd_conn *conns;
	unsigned int next_serial;
};

struct xsd_conn *conn_new(struct xsd_server *srv, int fd);
/* Aborts transactions, drops watches, closes fd, unlinks and frees. */
void conn_free(struct xsd_server *srv, struct xsd_conn *c);

/* Reads what is available and processes complete messages. */
void conn_handle_input(struct xsd_server *srv, struct xsd_conn *c);
/* Writes as much pending output as the socket takes. */
void conn_flush(struct xsd_conn *c);

/* Queues a message (payload length must be <= XENSTORE_PAYLOAD_MAX). */
void conn_send(struct xsd_conn *c, uint32_t type, uint32_t req_id,
	       uint32_t tx_id, const void *data, uint32_t len);

#endif /* XSD_CONN_H */
