// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The index of xhp.conf's sections (conf_index.h): FNV-1a hashes, linear
 * probing, grown to keep at most half of the slots used.
 */
#include <errno.h>
#include <stdlib.h>

#include "conf_index.h"

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

static uint64_t fnv(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * FNV_PRIME;
	return h;
}

uint64_t xhp_conf_hash(int kind, const char *a, const char *b)
{
	uint64_t h = (FNV_OFFSET ^ (unsigned char)kind) * FNV_PRIME;

	h = fnv(h, a);
	if (b)
		h = fnv(fnv(h, "/"), b);
	return h;
}

static void put(struct xhp_conf_slot *slot, size_t cap, uint64_t hash,
		size_t entry1)
{
	size_t i = (size_t)hash & (cap - 1);

	while (slot[i].entry)
		i = (i + 1) & (cap - 1);
	slot[i].hash = hash;
	slot[i].entry = entry1;
}

int xhp_conf_index_add(struct xhp_conf_index *ix, uint64_t hash, size_t entry)
{
	if (2 * (ix->n + 1) > ix->cap) {
		size_t cap = ix->cap ? 2 * ix->cap : 16, i;
		struct xhp_conf_slot *s = calloc(cap, sizeof(*s));

		if (!s)
			return -ENOMEM;
		for (i = 0; i < ix->cap; i++)
			if (ix->slot[i].entry)
				put(s, cap, ix->slot[i].hash,
				    ix->slot[i].entry);
		free(ix->slot);
		ix->slot = s;
		ix->cap = cap;
	}
	put(ix->slot, ix->cap, hash, entry + 1);
	ix->n++;
	return 0;
}

size_t xhp_conf_index_next(const struct xhp_conf_index *ix, uint64_t hash,
			   size_t *pos)
{
	size_t i;

	if (!ix->cap)
		return 0;
	/* *pos: the probes done so far. */
	for (i = ((size_t)hash + *pos) & (ix->cap - 1); ix->slot[i].entry;
	     i = (i + 1) & (ix->cap - 1)) {
		++*pos;
		if (ix->slot[i].hash == hash)
			return ix->slot[i].entry;
	}
	return 0;
}

void xhp_conf_index_clear(struct xhp_conf_index *ix)
{
	free(ix->slot);
	*ix = (struct xhp_conf_index){ 0 };
}
