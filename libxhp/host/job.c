// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * One asynchronous device operation (xhp/job.h): xhp_device_run_ext() on
 * a thread with a context of its own, an eventfd that says it ended, a
 * cancellation that makes its deadline pass (core/deadline.c) and then
 * undoes an add that had succeeded. The state is shared by the handle and
 * the thread, and freed by whichever lets it go last.
 */
#include <pthread.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "personality.h"
#include "util.h"

struct xhp_device_job {
	int n_ref; /* the handle and the thread; atomic */
	xhp_ctx *caller;
	xhp_ctx *ctx;
	char *personality;
	xhp_request *req;
	xhp_device_opts opts;
	pthread_t thread;
	bool joined, detached;
	int efd;
	int done; /* atomic */
	int r;
	xhp_result *res;
	uint64_t deadline_us;
	bool delivered, cancelled;
};

static void job_put(struct xhp_device_job *j)
{
	if (__atomic_sub_fetch(&j->n_ref, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	xhp_result_free(j->res);
	xhp_request_free(j->req);
	free(j->personality);
	if (j->efd >= 0)
		close(j->efd);
	xhp_ctx_unref(j->ctx);
	xhp_ctx_unref(j->caller);
	free(j);
}

static void *job_thread(void *arg)
{
	struct xhp_device_job *j = arg;
	uint64_t one = 1;

	j->r = xhp_device_run_ext(j->ctx, j->personality, j->req, &j->opts,
				  &j->res);
	__atomic_store_n(&j->done, 1, __ATOMIC_RELEASE);
	if (write(j->efd, &one, sizeof(one)) < 0) {
		/* an eventfd write fails only on overflow: it is readable */
	}
	job_put(j);
	return NULL;
}

XHP_EXPORT int xhp_device_job_start(xhp_ctx *ctx, const char *personality,
				    const xhp_request *req,
				    const xhp_device_opts *opts,
				    xhp_device_job **ret)
{
	struct xhp_device_job *j;
	uint64_t timeout_ms;
	char q[XHP_QUOTE_MAX];
	int r;

	if (!ctx || !personality || !req || !ret)
		return -EINVAL;
	xhp_clear_error(ctx);
	if (!xhp_personality_remove_settings(personality))
		return xhp_err(ctx, EINVAL, "unknown personality '%s'",
			       xhp_quote(q, personality));
	if (opts && opts->size < sizeof(xhp_device_opts))
		return xhp_err(ctx, EINVAL,
			       "bad xhp_device_opts: size %zu (at least %zu)",
			       opts->size, sizeof(xhp_device_opts));
	j = calloc(1, sizeof(*j));
	if (!j)
		return xhp_err(ctx, ENOMEM, "out of memory");
	j->n_ref = 1;
	j->efd = -1;
	j->caller = xhp_ctx_ref(ctx);
	if (opts)
		j->opts = *opts;
	j->opts.size = sizeof(j->opts);
	r = xhp_ctx_clone(ctx, &j->ctx);
	if (r < 0)
		goto fail;
	j->personality = strdup(personality);
	j->req = xhp_request_copy(req, 0);
	j->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (!j->personality || !j->req || j->efd < 0) {
		r = j->efd < 0 ? -errno : -ENOMEM;
		goto fail;
	}
	timeout_ms = j->opts.timeout_ms ? j->opts.timeout_ms : ctx->timeout_ms;
	j->deadline_us = xhp_now_us() + timeout_ms * 1000u;
	j->n_ref = 2; /* the thread's */
	r = -pthread_create(&j->thread, NULL, job_thread, j);
	if (r < 0) {
		j->n_ref = 1;
		r = -EAGAIN;
		goto fail;
	}
	*ret = j;
	return 0;
fail:
	j->detached = true;
	job_put(j);
	return xhp_err(ctx, r, "cannot start the device job: %s", strerror(-r));
}

XHP_EXPORT int xhp_device_job_fd(const xhp_device_job *j)
{
	return j ? j->efd : -EINVAL;
}

XHP_EXPORT int xhp_device_job_timeout_ms(const xhp_device_job *j)
{
	uint64_t now;

	if (!j)
		return -EINVAL;
	if (__atomic_load_n(&j->done, __ATOMIC_ACQUIRE))
		return 0;
	now = xhp_now_us();
	if (now >= j->deadline_us)
		return 0;
	return (j->deadline_us - now) / 1000u > INT32_MAX ?
		       INT32_MAX :
		       (int)((j->deadline_us - now + 999u) / 1000u);
}

/* The operation's outcome on the caller's context. */
static int outcome(struct xhp_device_job *j, int r)
{
	if (r < 0)
		return xhp_err(j->caller, r, "%s", xhp_ctx_last_error(j->ctx));
	return r;
}

static void join(struct xhp_device_job *j)
{
	if (!j->joined) {
		pthread_join(j->thread, NULL);
		j->joined = true;
	}
}

XHP_EXPORT int xhp_device_job_dispatch(xhp_device_job *j,
				       xhp_result **ret_result)
{
	uint64_t v;

	if (!j)
		return -EINVAL;
	if (!__atomic_load_n(&j->done, __ATOMIC_ACQUIRE))
		return 0;
	if (read(j->efd, &v, sizeof(v)) < 0) {
		/* already read */
	}
	join(j);
	xhp_clear_error(j->caller);
	if (!j->delivered && ret_result) {
		*ret_result = j->res;
		j->res = NULL;
		j->delivered = true;
	}
	return j->r < 0 ? outcome(j, j->r) : 1;
}

XHP_EXPORT int xhp_device_job_cancel(xhp_device_job *j)
{
	const xhp_request *req;
	xhp_request *undo;
	int action, r;

	if (!j)
		return -EINVAL;
	xhp_clear_error(j->caller);
	if (j->cancelled)
		return xhp_err(j->caller, EALREADY,
			       "the job was cancelled before");
	j->cancelled = true;
	__atomic_store_n(&j->ctx->cancelled, 1, __ATOMIC_RELAXED);
	join(j);
	__atomic_store_n(&j->ctx->cancelled, 0, __ATOMIC_RELAXED);
	req = j->req;
	if (j->r < 0 || xhp_request_is_noop(req))
		return 0; /* failed: its journal undid it; or it did nothing */
	action = xhp_request_action(req);
	if (action == XHP_ACTION_ADD)
		action = XHP_ACTION_REMOVE;
	else if (action == XHP_ACTION_ONLINE)
		action = XHP_ACTION_OFFLINE;
	else
		return 0; /* a remove is not undone */
	undo = xhp_request_copy(req, action);
	if (!undo)
		return xhp_err(j->caller, ENOMEM, "out of memory");
	r = xhp_device_run_ext(j->ctx, j->personality, undo, &j->opts, NULL);
	xhp_request_free(undo);
	return outcome(j, r);
}

XHP_EXPORT xhp_device_job *xhp_device_job_free(xhp_device_job *j)
{
	if (!j)
		return NULL;
	if (!j->joined) {
		if (__atomic_load_n(&j->done, __ATOMIC_ACQUIRE))
			join(j);
		else
			pthread_detach(j->thread);
	}
	job_put(j);
	return NULL;
}
