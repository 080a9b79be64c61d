/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * Message dispatch of the libxhp test xenstored.
 */
#ifndef XSD_PROTO_H
#define XSD_PROTO_H

#include <errno.h>
#include <stdint.h>
#include <xen/io/xs_wire.h>

struct xsd_conn;
struct xsd_server;

/* Socket clients are dom0: relative paths resolve below this. */
#define XSD_IMPLICIT_PATH "/local/domain/0"

/*
 * Handles one complete request; payload holds hdr->len bytes followed by
 * an extra NUL.  Replies (and watch events) are queued on connections.
 */
void proto_handle(struct xsd_server *srv, struct xsd_conn *c,
		  const struct xsd_sockmsg *hdr, const char *payload);

/* Frees all transactions of a connection (aborting them). */
void proto_abort_transactions(struct xsd_server *srv, struct xsd_conn *c);

#endif /* XSD_PROTO_H */
