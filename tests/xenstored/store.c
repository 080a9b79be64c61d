// SPDX-License-Identifier: LGPL-2.1-only
/*
 * Node store of the libxhp test xenstored; see store.h.
 */
#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xen/io/xs_wire.h>

#include "util.h"

#define NO_GENERATION UINT64_MAX

struct node {
	char *path;
	uint8_t *data;
	uint32_t datalen;
	char *children; /* child names, each NUL-terminated */
	uint32_t childlen;
	char *perms; /* NUL-terminated permission strings */
	uint32_t permslen;
	uint64_t generation;
};

/* A node accessed in a transaction. */
struct txent {
	struct node *node; /* private copy, NULL if absent */
	uint64_t generation; /* main store generation at first read */
	bool check_gen; /* first access was a read */
	bool modified;
};

struct txevent {
	char *path;
	bool exact;
};

struct xs_tx {
	struct xsd_hmap acc; /* path -> struct txent */
	struct txevent *events;
	size_t nevents;
};

struct xs_store {
	struct xsd_hmap nodes; /* path -> struct node */
	uint64_t generation;
	xs_fire_fn fire;
	void *opaque;
};

static void node_free(void *p)
{
	struct node *n = p;

	if (!n)
		return;
	free(n->path);
	free(n->data);
	free(n->children);
	free(n->perms);
	free(n);
}

static struct node *node_new(const char *path, const void *data,
			     uint32_t datalen, const char *perms,
			     uint32_t permslen)
{
	struct node *n = xsd_calloc(1, sizeof(*n));

	n->path = xsd_strdup(path);
	n->data = xsd_memdup(data, datalen);
	n->datalen = datalen;
	n->children = xsd_malloc(1);
	n->perms = xsd_memdup(perms, permslen);
	n->permslen = permslen;
	return n;
}

static struct node *node_dup(const struct node *o)
{
	struct node *n =
		node_new(o->path, o->data, o->datalen, o->perms, o->permslen);

	free(n->children);
	n->children = xsd_memdup(o->children, o->childlen);
	n->childlen = o->childlen;
	n->generation = o->generation;
	return n;
}

static void txent_free(void *p)
{
	struct txent *e = p;

	node_free(e->node);
	free(e);
}

bool xs_path_valid(const char *path)
{
	static const char ok[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				 "abcdefghijklmnopqrstuvwxyz"
				 "0123456789-/_@";
	size_t len = strlen(path);
	unsigned int domid;
	int local_off = 0;

	if (path[0] != '/')
		return false;
	if (len > 1 && path[len - 1] == '/')
		return false;
	if (strstr(path, "//"))
		return false;
	if (len > XENSTORE_ABS_PATH_MAX)
		return false;
	if (sscanf(path, "/local/domain/%5u/%n", &domid, &local_off) != 1)
		local_off = 0;
	if (len > (size_t)local_off + XENSTORE_REL_PATH_MAX)
		return false;
	return strspn(path, ok) == len;
}

/* Parent path of a valid path other than "/"; caller frees. */
static char *parent_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t len = slash == path ? 1 : (size_t)(slash - path);
	char *p = xsd_malloc(len + 1);

	memcpy(p, path, len);
	p[len] = '\0';
	return p;
}

static const char *base_of(const char *path)
{
	return strrchr(path, '/') + 1;
}

/*
 * Node lookup through the transaction overlay.  A first access inside a
 * transaction records the main store generation for conflict checking.
 */
static struct node *get(struct xs_store *s, struct xs_tx *tx, const char *path)
{
	struct node *n;
	struct txent *e;

	if (!tx)
		return xsd_hmap_get(&s->nodes, path);

	e = xsd_hmap_get(&tx->acc, path);
	if (e)
		return e->node;

	n = xsd_hmap_get(&s->nodes, path);
	e = xsd_calloc(1, sizeof(*e));
	e->node = n ? node_dup(n) : NULL;
	e->generation = n ? n->generation : NO_GENERATION;
	e->check_gen = true;
	xsd_hmap_put(&tx->acc, path, e);
	return e->node;
}

/* Marks n (possibly new, then owned by the store) as written. */
static void put(struct xs_store *s, struct xs_tx *tx, struct node *n)
{
	struct txent *e;

	n->generation = ++s->generation;
	if (!tx) {
		struct node *old = xsd_hmap_get(&s->nodes, n->path);

		if (old != n)
			node_free(xsd_hmap_put(&s->nodes, n->path, n));
		return;
	}

	e = xsd_hmap_get(&tx->acc, n->path);
	if (!e) {
		e = xsd_calloc(1, sizeof(*e));
		xsd_hmap_put(&tx->acc, n->path, e);
	}
	if (e->node != n) {
		node_free(e->node);
		e->node = n;
	}
	e->modified = true;
}

static void del(struct xs_store *s, struct xs_tx *tx, const char *path)
{
	struct txent *e;

	s->generation++;
	if (!tx) {
		node_free(xsd_hmap_del(&s->nodes, path));
		return;
	}

	e = xsd_hmap_get(&tx->acc, path);
	if (!e) {
		e = xsd_calloc(1, sizeof(*e));
		xsd_hmap_put(&tx->acc, path, e);
	}
	node_free(e->node);
	e->node = NULL;
	e->modified = true;
}

static void fire(struct xs_store *s, struct xs_tx *tx, const char *path,
		 bool exact)
{
	size_t i;

	if (!tx) {
		if (s->fire)
			s->fire(s->opaque, path, exact);
		return;
	}

	/* Queue for commit; a non-exact event replaces an exact one. */
	for (i = 0; i < tx->nevents; i++) {
		if (!strcmp(tx->events[i].path, path)) {
			tx->events[i].exact &= exact;
			return;
		}
	}
	tx->events = xsd_realloc(tx->events,
				 (tx->nevents + 1) * sizeof(*tx->events));
	tx->events[tx->nevents].path = xsd_strdup(path);
	tx->events[tx->nevents].exact = exact;
	tx->nevents++;
}

static void add_child(struct node *parent, const char *name)
{
	uint32_t len = strlen(name) + 1;

	parent->children =
		xsd_realloc(parent->children, parent->childlen + len);
	memcpy(parent->children + parent->childlen, name, len);
	parent->childlen += len;
}

static void remove_child(struct node *parent, const char *name)
{
	uint32_t off, len;

	for (off = 0; off < parent->childlen; off += len) {
		len = strlen(parent->children + off) + 1;
		if (strcmp(parent->children + off, name))
			continue;
		memmove(parent->children + off, parent->children + off + len,
			parent->childlen - off - len);
		parent->childlen -= len;
		return;
	}
}

/* Creates path and any missing ancestors; new nodes inherit perms. */
static struct node *construct(struct xs_store *s, struct xs_tx *tx,
			      const char *path, const void *data, uint32_t len)
{
	char *ppath = parent_of(path);
	struct node *parent, *n;

	parent = get(s, tx, ppath);
	if (!parent)
		parent = construct(s, tx, ppath, NULL, 0);
	n = node_new(path, data, len, parent->perms, parent->permslen);
	add_child(parent, base_of(path));
	put(s, tx, parent);
	put(s, tx, n);
	free(ppath);
	return n;
}

struct xs_store *xs_store_new(xs_fire_fn fire_fn, void *opaque)
{
	static const char perms[] = "n0";
	struct xs_store *s = xsd_calloc(1, sizeof(*s));
	struct node *root;

	xsd_hmap_init(&s->nodes);
	s->fire = fire_fn;
	s->opaque = opaque;
	root = node_new("/", NULL, 0, perms, sizeof(perms));
	put(s, NULL, root);
	return s;
}

void xs_store_free(struct xs_store *s)
{
	if (!s)
		return;
	xsd_hmap_clear(&s->nodes, node_free);
	free(s);
}

struct xs_tx *xs_tx_start(struct xs_store *s)
{
	struct xs_tx *tx = xsd_calloc(1, sizeof(*tx));

	s->generation++;
	xsd_hmap_init(&tx->acc);
	return tx;
}

struct commit_ctx {
	struct xs_store *s;
	bool conflict;
};

static void check_one(const char *path, void *val, void *arg)
{
	struct commit_ctx *c = arg;
	struct txent *e = val;
	struct node *n;

	if (!e->check_gen)
		return;
	n = xsd_hmap_get(&c->s->nodes, path);
	if ((n ? n->generation : NO_GENERATION) != e->generation)
		c->conflict = true;
}

static void apply_one(const char *path, void *val, void *arg)
{
	struct commit_ctx *c = arg;
	struct txent *e = val;

	if (!e->modified)
		return;
	if (e->node) {
		put(c->s, NULL, e->node);
		e->node = NULL; /* now owned by the main store */
	} else {
		del(c->s, NULL, path);
	}
}

bool xs_tx_modified(const struct xs_tx *tx, const char *path)
{
	const struct txent *e = xsd_hmap_get(&tx->acc, path);

	return e && e->modified;
}

int xs_tx_end(struct xs_store *s, struct xs_tx *tx, bool commit)
{
	struct commit_ctx c = { .s = s, .conflict = false };
	size_t i;
	int ret = 0;

	if (!commit)
		goto out;

	xsd_hmap_foreach(&tx->acc, check_one, &c);
	if (c.conflict) {
		ret = EAGAIN;
		goto out;
	}
	xsd_hmap_foreach(&tx->acc, apply_one, &c);
	for (i = 0; i < tx->nevents; i++)
		fire(s, NULL, tx->events[i].path, tx->events[i].exact);

out:
	for (i = 0; i < tx->nevents; i++)
		free(tx->events[i].path);
	free(tx->events);
	xsd_hmap_clear(&tx->acc, txent_free);
	free(tx);
	return ret;
}

int xs_store_read(struct xs_store *s, struct xs_tx *tx, const char *path,
		  const void **data, uint32_t *len)
{
	struct node *n = get(s, tx, path);

	if (!n)
		return ENOENT;
	*data = n->data;
	*len = n->datalen;
	return 0;
}

int xs_store_write(struct xs_store *s, struct xs_tx *tx, const char *path,
		   const void *data, uint32_t len)
{
	struct node *n = get(s, tx, path);

	if (n) {
		free(n->data);
		n->data = xsd_memdup(data, len);
		n->datalen = len;
		put(s, tx, n);
	} else {
		construct(s, tx, path, data, len);
	}
	fire(s, tx, path, false);
	return 0;
}

int xs_store_mkdir(struct xs_store *s, struct xs_tx *tx, const char *path)
{
	if (get(s, tx, path))
		return 0;
	construct(s, tx, path, NULL, 0);
	fire(s, tx, path, false);
	return 0;
}

/* Deletes the subtree at path, children first, firing watches as we go. */
static void rm_tree(struct xs_store *s, struct xs_tx *tx, const char *path,
		    const char *root)
{
	struct node *n = get(s, tx, path);
	char *children, *child, *cpath;
	uint32_t off, childlen;
	size_t plen = strlen(path);

	if (!n)
		return;
	children = xsd_memdup(n->children, n->childlen);
	childlen = n->childlen;
	for (off = 0; off < childlen; off += strlen(child) + 1) {
		child = children + off;
		cpath = xsd_malloc(plen + strlen(child) + 2);
		sprintf(cpath, "%s/%s", strcmp(path, "/") ? path : "", child);
		rm_tree(s, tx, cpath, root);
		free(cpath);
	}
	free(children);

	/* Exact events for the descendants, recursive one for the root. */
	fire(s, tx, path, strcmp(path, root) != 0);
	del(s, tx, path);
}

int xs_store_rm(struct xs_store *s, struct xs_tx *tx, const char *path)
{
	struct node *parent;
	char *ppath;

	if (!get(s, tx, path)) {
		/* Not there: fine if the parent exists. */
		if (!strcmp(path, "/"))
			return ENOENT;
		ppath = parent_of(path);
		parent = get(s, tx, ppath);
		free(ppath);
		return parent ? 0 : ENOENT;
	}
	if (!strcmp(path, "/"))
		return EINVAL;

	rm_tree(s, tx, path, path);
	ppath = parent_of(path);
	parent = get(s, tx, ppath);
	free(ppath);
	remove_child(parent, base_of(path));
	put(s, tx, parent);
	return 0;
}

int xs_store_directory(struct xs_store *s, struct xs_tx *tx, const char *path,
		       const char **children, uint32_t *len,
		       uint64_t *generation)
{
	struct node *n = get(s, tx, path);

	if (!n)
		return ENOENT;
	*children = n->children;
	*len = n->childlen;
	if (generation)
		*generation = n->generation;
	return 0;
}

int xs_store_get_perms(struct xs_store *s, struct xs_tx *tx, const char *path,
		       const char **perms, uint32_t *len)
{
	struct node *n = get(s, tx, path);

	if (!n)
		return ENOENT;
	*perms = n->perms;
	*len = n->permslen;
	return 0;
}

int xs_store_set_perms(struct xs_store *s, struct xs_tx *tx, const char *path,
		       const char *perms, uint32_t len)
{
	struct node *n = get(s, tx, path);

	if (!n)
		return ENOENT;
	free(n->perms);
	n->perms = xsd_memdup(perms, len);
	n->permslen = len;
	put(s, tx, n);
	fire(s, tx, path, false);
	return 0;
}
