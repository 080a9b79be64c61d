/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * Watches of the libxhp test xenstored.
 */
#ifndef XSD_WATCH_H
#define XSD_WATCH_H

#include <stdbool.h>

struct xsd_conn;
struct xsd_server;

/*
 * Adds a watch on canonical path (or "@special") with token; relative says
 * whether the client gave a relative path (events are then reported
 * relative too).  Returns 0 or EEXIST.
 */
int watch_add(struct xsd_conn *c, const char *path, const char *token,
	      bool relative);
/* Sends the event xenstored fires once when a watch is registered. */
void watch_send_initial(struct xsd_conn *c, const char *path,
			const char *token);
/* Returns 0 or ENOENT. */
int watch_remove(struct xsd_conn *c, const char *path, const char *token);
void watch_remove_all(struct xsd_conn *c);

/*
 * Delivers events for a change of path to all connections: to watches on
 * path or (unless exact) on any of its ancestors.
 */
void watch_fire(struct xsd_server *srv, const char *path, bool exact);

#endif /* XSD_WATCH_H */
