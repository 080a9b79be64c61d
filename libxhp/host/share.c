// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The host's index of vbd/vbd3 backends by physical-device
 * (block/blockdev.h, struct xhp_share_index), so that a block add's
 * sharing check reads the few backends that use its device instead of
 * scanning every backend: what the dispatching thread learns (each
 * examine of a vbd reads its physical-device; a watch event on it makes
 * one) and what a worker's check or attach claims under the block lock.
 * A backend has one entry at most (chained by device and by backend); an
 * entry may be stale (the check reads the backend again), never missing
 * for a backend the host has seen; a failed add's claim goes when its
 * examine finds no physical-device.
 */
#include <stdio.h>
#include <string.h>

#include "blockdev.h"
#include "host-internal.h"

struct hshare_ent {
	struct hshare_ent *next_dev; /* chain of its device's bucket */
	struct hshare_ent *next_key; /* chain of its backend's bucket */
	dev_t dev;
	int cls;
	unsigned int domid, devid;
};

#define SHARE_BUCKETS 1024 /* chains grow past 1024 devices: still short */

static size_t bucket(dev_t dev)
{
	uint64_t x = (uint64_t)dev * 0x9e3779b97f4a7c15ULL;

	return (size_t)(x >> 54) & (SHARE_BUCKETS - 1);
}

static size_t bucket_key(int cls, unsigned int domid, unsigned int devid)
{
	uint64_t x = ((uint64_t)domid << 32 | devid) * 0x9e3779b97f4a7c15ULL;

	return (size_t)((x >> 54) ^ (unsigned int)cls) & (SHARE_BUCKETS - 1);
}

static struct xhp_host *host_of(const struct xhp_share_index *ix)
{
	return (struct xhp_host *)((char *)ix -
				   offsetof(struct xhp_host, share.ix));
}

/* Under the lock: drop the backend's entry (a backend has one at most). */
static void drop(struct hshare *s, int cls, unsigned int domid,
		 unsigned int devid)
{
	struct hshare_ent **p, *e = NULL;

	for (p = &s->k[bucket_key(cls, domid, devid)]; *p; p = &(*p)->next_key)
		if ((*p)->cls == cls && (*p)->domid == domid &&
		    (*p)->devid == devid) {
			e = *p;
			*p = e->next_key;
			break;
		}
	if (!e)
		return;
	for (p = &s->b[bucket(e->dev)]; *p; p = &(*p)->next_dev)
		if (*p == e) {
			*p = e->next_dev;
			break;
		}
	free(e);
}

/* Under the lock: the backend uses @dev (replacing what it used). */
static void add(struct hshare *s, int cls, unsigned int domid,
		unsigned int devid, dev_t dev)
{
	struct hshare_ent *e;
	size_t k = bucket_key(cls, domid, devid);

	for (e = s->k[k]; e; e = e->next_key)
		if (e->cls == cls && e->domid == domid && e->devid == devid)
			break;
	if (e && e->dev == dev)
		return;
	if (e)
		drop(s, cls, domid, devid);
	e = calloc(1, sizeof(*e));
	if (!e) {
		s->lost = true; /* lookups say: scan */
		return;
	}
	e->dev = dev;
	e->cls = cls;
	e->domid = domid;
	e->devid = devid;
	e->next_dev = s->b[bucket(dev)];
	s->b[bucket(dev)] = e;
	e->next_key = s->k[k];
	s->k[k] = e;
}

static int lookup(const struct xhp_share_index *ix, dev_t dev,
		  char (*paths)[XHP_SHARE_PATH_MAX], size_t max)
{
	struct xhp_host *h = host_of(ix);
	struct hshare *s = &h->share;
	struct hshare_ent *e;
	size_t n = 0;
	int r = 0;

	pthread_mutex_lock(&s->mu);
	if (s->lost) /* an entry could not be kept: scan */
		r = -E2BIG;
	for (e = s->b[bucket(dev)]; e && r == 0; e = e->next_dev) {
		if (e->dev != dev)
			continue;
		if (n == max) {
			r = -E2BIG;
			break;
		}
		hdev_path(h, e->cls, e->domid, e->devid, paths[n++],
			  XHP_SHARE_PATH_MAX);
	}
	pthread_mutex_unlock(&s->mu);
	return r < 0 ? r : (int)n;
}

static void claim(const struct xhp_share_index *ix, dev_t dev,
		  const char *backend_path)
{
	struct xhp_host *h = host_of(ix);
	unsigned int domid, devid;
	char type[8];
	int cls;

	if (strncmp(backend_path, h->base, h->base_len) ||
	    sscanf(backend_path + h->base_len, "/%7[a-z0-9]/%u/%u", type,
		   &domid, &devid) != 3)
		return;
	cls = !strcmp(type, "vbd")  ? HCLS_VBD :
	      !strcmp(type, "vbd3") ? HCLS_VBD3 :
				      -1;
	if (cls < 0)
		return;
	pthread_mutex_lock(&h->share.mu);
	add(&h->share, cls, domid, devid, dev);
	pthread_mutex_unlock(&h->share.mu);
}

int hshare_init(struct xhp_host *h)
{
	struct hshare *s = &h->share;

	s->b = calloc(SHARE_BUCKETS, sizeof(*s->b));
	s->k = calloc(SHARE_BUCKETS, sizeof(*s->k));
	if (!s->b || !s->k)
		return -ENOMEM;
	pthread_mutex_init(&s->mu, NULL);
	s->ix.lookup = lookup;
	s->ix.claim = claim;
	return 0;
}

void hshare_free(struct xhp_host *h)
{
	struct hshare *s = &h->share;
	struct hshare_ent *e, *n;
	size_t i;

	if (!s->b) {
		free(s->k);
		return;
	}
	for (i = 0; i < SHARE_BUCKETS; i++)
		for (e = s->b[i]; e; e = n) {
			n = e->next_dev;
			free(e);
		}
	free(s->b);
	free(s->k);
	s->b = s->k = NULL;
	pthread_mutex_destroy(&s->mu);
}

void hshare_set(struct xhp_host *h, struct hdev *d, bool has, dev_t dev)
{
	struct hshare *s = &h->share;

	if (d->cls != HCLS_VBD && d->cls != HCLS_VBD3)
		return;
	pthread_mutex_lock(&s->mu);
	if (has)
		add(s, d->cls, d->domid, d->devid, dev);
	else
		drop(s, d->cls, d->domid, d->devid); /* and any claim */
	pthread_mutex_unlock(&s->mu);
	d->has_pdev = has;
	d->pdev = dev;
}
