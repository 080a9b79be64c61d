/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * An index of xhp.conf's sections by name (conf.h): an open-addressing
 * hash table of entry numbers, so that a file of many sections is read
 * in linear time (its duplicates found as they come) and a device's
 * lookup does not walk every section. The caller keeps the names and
 * compares them: the index hands out the entries whose hash matches.
 */
#ifndef XHP_CONF_INDEX_H
#define XHP_CONF_INDEX_H

#include <stddef.h>
#include <stdint.h>

struct xhp_conf_slot {
	uint64_t hash;
	size_t entry; /* + 1; 0: empty */
};

struct xhp_conf_index {
	struct xhp_conf_slot *slot;
	size_t cap; /* a power of two, or 0 */
	size_t n;
};

/* The hash of a section: its kind, @a, and "/" @b when @b is not NULL
 * (a portgroup's "NETWORK/PORTGROUP" from its two halves). */
uint64_t xhp_conf_hash(int kind, const char *a, const char *b);

/* Add @entry under @hash. 0 or -ENOMEM. */
int xhp_conf_index_add(struct xhp_conf_index *ix, uint64_t hash, size_t entry);

/*
 * The entries under @hash, one per call: start with *@pos = 0; returns
 * the next entry + 1, or 0 when there is none.
 */
size_t xhp_conf_index_next(const struct xhp_conf_index *ix, uint64_t hash,
			   size_t *pos);

void xhp_conf_index_clear(struct xhp_conf_index *ix);

#endif /* XHP_CONF_INDEX_H */
