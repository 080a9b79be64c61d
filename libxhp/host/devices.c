// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The host's table of devices: a hash by (kind, domid, devid), grown as
 * devices come, so that finding one costs the same with 10 or 10,000;
 * and the timer lists (netdev waits, retries): each kind of timer has
 * one fixed delay, so appending keeps a list ordered by due time.
 */
#include <string.h>

#include "host-internal.h"

const char *hcls_type(int cls)
{
	static const char *const t[] = { "vif", "vbd", "vbd3", "vif" };

	return cls >= 0 && cls < HCLS_N ? t[cls] : NULL;
}

int hcls_kind(int cls)
{
	static const int k[] = { XHP_KIND_VIF, XHP_KIND_VBD, XHP_KIND_VBD3,
				 XHP_KIND_TAP };

	return cls >= 0 && cls < HCLS_N ? k[cls] : 0;
}

static size_t hash(int cls, unsigned int domid, unsigned int devid)
{
	uint64_t x = ((uint64_t)domid << 32) ^ ((uint64_t)devid << 2) ^
		     (uint64_t)cls;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return (size_t)x;
}

int hdev_table_init(struct xhp_host *h)
{
	h->n_buckets = 64;
	h->buckets = calloc(h->n_buckets, sizeof(*h->buckets));
	return h->buckets ? 0 : -ENOMEM;
}

static void hdev_free(struct hdev *d)
{
	free(d->personality);
	free(d->bridge);
	free(d->heal_times);
	xhp_settings_free(d->snap);
	free(d);
}

void hdev_table_free(struct xhp_host *h)
{
	size_t i;
	struct hdev *d, *n;

	for (i = 0; h->buckets && i < h->n_buckets; i++)
		for (d = h->buckets[i]; d; d = n) {
			n = d->hnext;
			hdev_free(d);
		}
	free(h->buckets);
	h->buckets = NULL;
	h->n_devs = 0;
}

struct hdev *hdev_find(struct xhp_host *h, int cls, unsigned int domid,
		       unsigned int devid)
{
	struct hdev *d;

	d = h->buckets[hash(cls, domid, devid) & (h->n_buckets - 1)];
	for (; d; d = d->hnext)
		if (d->cls == cls && d->domid == domid && d->devid == devid)
			return d;
	return NULL;
}

static void grow(struct xhp_host *h)
{
	size_t n = h->n_buckets * 2, i;
	struct hdev **b, *d, *next;

	b = calloc(n, sizeof(*b));
	if (!b)
		return; /* longer chains, still right */
	for (i = 0; i < h->n_buckets; i++)
		for (d = h->buckets[i]; d; d = next) {
			size_t k = hash(d->cls, d->domid, d->devid) & (n - 1);

			next = d->hnext;
			d->hnext = b[k];
			b[k] = d;
		}
	free(h->buckets);
	h->buckets = b;
	h->n_buckets = n;
}

struct hdev *hdev_get(struct xhp_host *h, int cls, unsigned int domid,
		      unsigned int devid)
{
	struct hdev *d = hdev_find(h, cls, domid, devid);
	size_t k;

	if (d)
		return d;
	if (h->n_devs >= h->n_buckets)
		grow(h);
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->cls = cls;
	d->domid = domid;
	d->devid = devid;
	k = hash(cls, domid, devid) & (h->n_buckets - 1);
	d->hnext = h->buckets[k];
	h->buckets[k] = d;
	h->n_devs++;
	return d;
}

void hdev_forget(struct xhp_host *h, struct hdev *d)
{
	struct hdev **p;

	if (d->busy || d->plugged || d->timer || d->in_replay ||
	    d->link_present || d->has_pdev)
		return;
	p = &h->buckets[hash(d->cls, d->domid, d->devid) & (h->n_buckets - 1)];
	for (; *p; p = &(*p)->hnext)
		if (*p == d) {
			*p = d->hnext;
			h->n_devs--;
			hdev_free(d);
			return;
		}
}

void hdev_each(struct xhp_host *h, int cls, long domid,
	       void (*fn)(struct xhp_host *h, struct hdev *d))
{
	struct hdev *d, *next;
	size_t i;

	for (i = 0; i < h->n_buckets; i++)
		for (d = h->buckets[i]; d; d = next) {
			next = d->hnext; /* @fn may forget @d */
			if ((cls < 0 || d->cls == cls) &&
			    (domid < 0 || d->domid == (unsigned long)domid))
				fn(h, d);
		}
}

void htimer_add(struct htimers *t, struct hdev *d, int kind, uint64_t due)
{
	d->timer = kind;
	d->due_us = due;
	d->tnext = NULL;
	d->tprev = t->tail;
	if (t->tail)
		t->tail->tnext = d;
	else
		t->head = d;
	t->tail = d;
}

void htimer_del(struct htimers *t, struct hdev *d)
{
	if (!d->timer)
		return;
	if (d->tprev)
		d->tprev->tnext = d->tnext;
	else
		t->head = d->tnext;
	if (d->tnext)
		d->tnext->tprev = d->tprev;
	else
		t->tail = d->tprev;
	d->tprev = d->tnext = NULL;
	d->timer = 0;
}
