// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The worker pool: a queue of work items, a few threads each with its
 * own context (and so its own xenstore connection and netlink socket),
 * a queue of finished items and an eventfd that tells the dispatching
 * thread about them.
 */
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "host-internal.h"
#include "xs.h"

struct hwork *hwork_free(struct hwork *w)
{
	if (!w)
		return NULL;
	free(w->personality);
	xhp_settings_free(w->snap);
	free(w->message);
	free(w->bridge);
	free(w->found);
	free(w);
	return NULL;
}

static void push(struct hwork **head, struct hwork **tail, struct hwork *w)
{
	w->next = NULL;
	if (*tail)
		(*tail)->next = w;
	else
		*head = w;
	*tail = w;
}

static void signal_done(struct hpool *p)
{
	uint64_t one = 1;
	ssize_t n;

	do
		n = write(p->efd, &one, sizeof(one));
	while (n < 0 && errno == EINTR);
}

/*
 * After a failure the worker's connection is not trusted again (a
 * libxenstore handle is unusable after any I/O error, whatever errno it
 * gave): the next call opens a fresh one. Cheap, and only on failures.
 */
static void drop_broken_connection(xhp_ctx *ctx, const struct hwork *w)
{
	if (w->outcome == HO_RETRY || w->outcome == HO_FAILED)
		xhp_xs_close(ctx);
}

static void *worker(void *arg)
{
	struct hworker *me = arg;
	struct hpool *p = me->p;
	struct hwork *w;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->qhead && !p->stopping)
			pthread_cond_wait(&p->cv, &p->mu);
		if (!p->qhead)
			break;
		w = p->qhead;
		p->qhead = w->next;
		if (!p->qhead)
			p->qtail = NULL;
		p->queued--;
		p->running++;
		pthread_mutex_unlock(&p->mu);
		hwork_run(p->host, me->ctx, w);
		drop_broken_connection(me->ctx, w);
		pthread_mutex_lock(&p->mu);
		p->running--;
		push(&p->dhead, &p->dtail, w);
		signal_done(p);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

int hpool_start(struct xhp_host *h, const xhp_ctx *ctx, unsigned int n)
{
	struct hpool *p = &h->pool;
	sigset_t all, old;
	int r = 0;

	p->host = h;
	p->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (p->efd < 0)
		return xhp_err(h->ctx, errno, "cannot create an eventfd: %s",
			       strerror(errno));
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	/* The workers take no signals: the application's thread does. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	while (p->n_threads < n) {
		struct hworker *me = &p->w[p->n_threads];

		me->p = p;
		r = xhp_ctx_clone(ctx, &me->ctx);
		if (r < 0)
			break;
		me->ctx->share_index = &h->share.ix;
		r = -pthread_create(&me->thread, NULL, worker, me);
		if (r < 0) {
			me->ctx = xhp_ctx_unref(me->ctx);
			break;
		}
		p->n_threads++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r < 0)
		return xhp_err(h->ctx, r, "cannot start a worker thread: %s",
			       strerror(-r));
	return 0;
}

void hpool_submit(struct hpool *p, struct hwork *w)
{
	pthread_mutex_lock(&p->mu);
	if (p->stopping) {
		w->outcome = HO_DROPPED;
		push(&p->dhead, &p->dtail, w);
		signal_done(p);
	} else {
		push(&p->qhead, &p->qtail, w);
		p->queued++;
		pthread_cond_signal(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
}

struct hwork *hpool_take_done(struct hpool *p)
{
	struct hwork *w;
	uint64_t v;

	if (read(p->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return NULL;
	pthread_mutex_lock(&p->mu);
	w = p->dhead;
	p->dhead = p->dtail = NULL;
	pthread_mutex_unlock(&p->mu);
	return w;
}

void hpool_drop_queued(struct hpool *p)
{
	struct hwork *w;

	pthread_mutex_lock(&p->mu);
	while ((w = p->qhead)) {
		p->qhead = w->next;
		w->outcome = HO_DROPPED;
		push(&p->dhead, &p->dtail, w);
	}
	p->qtail = NULL;
	p->queued = 0;
	signal_done(p);
	pthread_mutex_unlock(&p->mu);
}

void hpool_stop(struct hpool *p)
{
	unsigned int i;
	struct hwork *w;

	if (!p->host)
		return;
	hpool_drop_queued(p);
	pthread_mutex_lock(&p->mu);
	p->stopping = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (i = 0; i < p->n_threads; i++) {
		pthread_join(p->w[i].thread, NULL);
		p->w[i].ctx = xhp_ctx_unref(p->w[i].ctx);
	}
	p->n_threads = 0;
	while ((w = p->dhead)) {
		p->dhead = w->next;
		hwork_free(w);
	}
	p->dtail = NULL;
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	close(p->efd);
	p->host = NULL;
}
