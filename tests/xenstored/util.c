// SPDX-License-Identifier: LGPL-2.1-only
/*
 * Small helpers for the libxhp test xenstored.
 */
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int xsd_verbose;

long long xsd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void oom(void)
{
	fputs("xhp-test-xenstored: out of memory\n", stderr);
	abort();
}

void *xsd_malloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (!p)
		oom();
	return p;
}

void *xsd_calloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (!p)
		oom();
	return p;
}

void *xsd_realloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size ? size : 1);

	if (!p)
		oom();
	return p;
}

char *xsd_strdup(const char *s)
{
	return xsd_memdup(s, strlen(s) + 1);
}

void *xsd_memdup(const void *p, size_t len)
{
	void *q = xsd_malloc(len);

	if (len)
		memcpy(q, p, len);
	return q;
}

void xsd_log(const char *fmt, ...)
{
	va_list ap;

	if (!xsd_verbose)
		return;
	va_start(ap, fmt);
	fputs("xhp-test-xenstored: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void xsd_buf_append(struct xsd_buf *b, const void *p, size_t len)
{
	size_t need;

	if (!len)
		return;
	if (b->off && b->off == b->len) {
		b->off = 0;
		b->len = 0;
	}
	need = b->len + len;
	if (need > b->cap) {
		size_t cap = b->cap ? b->cap : 256;

		while (cap < need)
			cap *= 2;
		b->data = xsd_realloc(b->data, cap);
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, len);
	b->len += len;
}

size_t xsd_buf_pending(const struct xsd_buf *b)
{
	return b->len - b->off;
}

void xsd_buf_consume(struct xsd_buf *b, size_t len)
{
	b->off += len;
	if (b->off < b->len)
		return;
	b->off = 0;
	b->len = 0;
}

void xsd_buf_free(struct xsd_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

static size_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return (size_t)h;
}

void xsd_hmap_init(struct xsd_hmap *m)
{
	m->nbuckets = 64;
	m->count = 0;
	m->buckets = xsd_calloc(m->nbuckets, sizeof(*m->buckets));
}

static struct xsd_hent **find_slot(const struct xsd_hmap *m, const char *key)
{
	struct xsd_hent **pp = &m->buckets[hash_str(key) % m->nbuckets];

	while (*pp && strcmp((*pp)->key, key))
		pp = &(*pp)->next;
	return pp;
}

void *xsd_hmap_get(const struct xsd_hmap *m, const char *key)
{
	struct xsd_hent *e = *find_slot(m, key);

	return e ? e->val : NULL;
}

static void grow(struct xsd_hmap *m)
{
	size_t i, nb = m->nbuckets * 2;
	struct xsd_hent **nbk = xsd_calloc(nb, sizeof(*nbk));

	for (i = 0; i < m->nbuckets; i++) {
		struct xsd_hent *e = m->buckets[i], *next;

		for (; e; e = next) {
			size_t h = hash_str(e->key) % nb;

			next = e->next;
			e->next = nbk[h];
			nbk[h] = e;
		}
	}
	free(m->buckets);
	m->buckets = nbk;
	m->nbuckets = nb;
}

void *xsd_hmap_put(struct xsd_hmap *m, const char *key, void *val)
{
	struct xsd_hent **pp = find_slot(m, key);
	struct xsd_hent *e = *pp;
	void *old;

	if (e) {
		old = e->val;
		e->val = val;
		return old;
	}
	e = xsd_malloc(sizeof(*e));
	e->key = xsd_strdup(key);
	e->val = val;
	e->next = NULL;
	*pp = e;
	if (++m->count > m->nbuckets * 2)
		grow(m);
	return NULL;
}

void *xsd_hmap_del(struct xsd_hmap *m, const char *key)
{
	struct xsd_hent **pp = find_slot(m, key);
	struct xsd_hent *e = *pp;
	void *val;

	if (!e)
		return NULL;
	*pp = e->next;
	val = e->val;
	free(e->key);
	free(e);
	m->count--;
	return val;
}

void xsd_hmap_foreach(const struct xsd_hmap *m,
		      void (*fn)(const char *key, void *val, void *arg),
		      void *arg)
{
	size_t i;
	struct xsd_hent *e;

	for (i = 0; i < m->nbuckets; i++)
		for (e = m->buckets[i]; e; e = e->next)
			fn(e->key, e->val, arg);
}

void xsd_hmap_clear(struct xsd_hmap *m, void (*free_val)(void *val))
{
	size_t i;
	struct xsd_hent *e, *next;

	for (i = 0; i < m->nbuckets; i++) {
		for (e = m->buckets[i]; e; e = next) {
			next = e->next;
			if (free_val)
				free_val(e->val);
			free(e->key);
			free(e);
		}
	}
	free(m->buckets);
	memset(m, 0, sizeof(*m));
}
