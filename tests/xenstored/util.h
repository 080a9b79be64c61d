/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * Small helpers for the libxhp test xenstored: allocation that aborts on
 * failure (this is a test daemon; running out of memory is fatal), a
 * growable byte buffer and a string-keyed hash map.
 */
#ifndef XSD_UTIL_H
#define XSD_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void *xsd_malloc(size_t size);
void *xsd_calloc(size_t nmemb, size_t size);
void *xsd_realloc(void *ptr, size_t size);
char *xsd_strdup(const char *s);
void *xsd_memdup(const void *p, size_t len);

/* CLOCK_MONOTONIC in milliseconds. */
long long xsd_now_ms(void);

extern int xsd_verbose;
void xsd_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Growable byte buffer; bytes [off, len) are pending. */
struct xsd_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
	size_t off;
};

void xsd_buf_append(struct xsd_buf *b, const void *p, size_t len);
size_t xsd_buf_pending(const struct xsd_buf *b);
void xsd_buf_consume(struct xsd_buf *b, size_t len);
void xsd_buf_free(struct xsd_buf *b);

/* String-keyed hash map; the map owns a copy of each key. */
struct xsd_hent {
	char *key;
	void *val;
	struct xsd_hent *next;
};

struct xsd_hmap {
	struct xsd_hent **buckets;
	size_t nbuckets;
	size_t count;
};

void xsd_hmap_init(struct xsd_hmap *m);
void *xsd_hmap_get(const struct xsd_hmap *m, const char *key);
/* Insert or replace; returns the previous value or NULL. */
void *xsd_hmap_put(struct xsd_hmap *m, const char *key, void *val);
/* Remove; returns the removed value or NULL. */
void *xsd_hmap_del(struct xsd_hmap *m, const char *key);
/* Calls fn for every entry; fn must not modify the map. */
void xsd_hmap_foreach(const struct xsd_hmap *m,
		      void (*fn)(const char *key, void *val, void *arg),
		      void *arg);
/* Frees the map, calling free_val (if not NULL) on every value. */
void xsd_hmap_clear(struct xsd_hmap *m, void (*free_val)(void *val));

#endif /* XSD_UTIL_H */
