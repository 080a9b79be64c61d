// SPDX-License-Identifier: LGPL-2.1-only
/*
 * Watches of the libxhp test xenstored.
 */
#include "watch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "proto.h"
#include "util.h"

struct xsd_watch {
	char *node; /* canonical path or "@special" */
	char *token;
	bool relative;
	struct xsd_watch *next;
};

/* Path as reported to the watcher. */
static const char *event_path(const struct xsd_watch *w, const char *path)
{
	size_t plen = strlen(XSD_IMPLICIT_PATH);

	if (!w->relative || strncmp(path, XSD_IMPLICIT_PATH, plen))
		return path;
	path += plen;
	if (*path == '/')
		path++;
	return path;
}

static void send_event(struct xsd_conn *c, const char *path, const char *token)
{
	size_t plen = strlen(path) + 1, tlen = strlen(token) + 1;
	char *buf;

	/* Like xenstored, silently drop events that cannot be sent. */
	if (plen + tlen > XENSTORE_PAYLOAD_MAX)
		return;
	buf = xsd_malloc(plen + tlen);
	memcpy(buf, path, plen);
	memcpy(buf + plen, token, tlen);
	conn_send(c, XS_WATCH_EVENT, 0, 0, buf, plen + tlen);
	free(buf);
}

int watch_add(struct xsd_conn *c, const char *path, const char *token,
	      bool relative)
{
	struct xsd_watch *w, **pp;

	for (pp = &c->watches; *pp; pp = &(*pp)->next) {
		w = *pp;
		if (!strcmp(w->node, path) && !strcmp(w->token, token))
			return EEXIST;
	}
	w = xsd_calloc(1, sizeof(*w));
	w->node = xsd_strdup(path);
	w->token = xsd_strdup(token);
	w->relative = relative;
	*pp = w;
	return 0;
}

static void watch_free(struct xsd_watch *w)
{
	free(w->node);
	free(w->token);
	free(w);
}

int watch_remove(struct xsd_conn *c, const char *path, const char *token)
{
	struct xsd_watch *w, **pp;

	for (pp = &c->watches; *pp; pp = &(*pp)->next) {
		w = *pp;
		if (strcmp(w->node, path) || strcmp(w->token, token))
			continue;
		*pp = w->next;
		watch_free(w);
		return 0;
	}
	return ENOENT;
}

void watch_remove_all(struct xsd_conn *c)
{
	struct xsd_watch *w, *next;

	for (w = c->watches; w; w = next) {
		next = w->next;
		watch_free(w);
	}
	c->watches = NULL;
}

/* Is child equal to parent or below it?  "/" is everyone's parent. */
static bool is_child(const char *child, const char *parent)
{
	size_t len = strlen(parent);

	if (!strcmp(parent, "/"))
		return true;
	if (strncmp(child, parent, len))
		return false;
	return child[len] == '/' || child[len] == '\0';
}

void watch_fire(struct xsd_server *srv, const char *path, bool exact)
{
	struct xsd_conn *c;
	struct xsd_watch *w;

	for (c = srv->conns; c; c = c->next) {
		if (c->dead)
			continue;
		for (w = c->watches; w; w = w->next) {
			if (exact ? strcmp(path, w->node) :
				    !is_child(path, w->node))
				continue;
			send_event(c, event_path(w, path), w->token);
		}
	}
}

void watch_send_initial(struct xsd_conn *c, const char *path, const char *token)
{
	struct xsd_watch *w;

	for (w = c->watches; w; w = w->next)
		if (!strcmp(w->node, path) && !strcmp(w->token, token))
			send_event(c, event_path(w, path), token);
}
