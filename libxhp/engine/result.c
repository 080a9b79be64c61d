// SPDX-License-Identifier: LGPL-2.1-or-later
/* The outcome of a hotplug operation. */
#include <string.h>

#include "result.h"

static const char *const status_names[] = {
	[XHP_STATUS_NONE] = "",
	[XHP_STATUS_CONNECTED] = "connected",
	[XHP_STATUS_ERROR] = "error",
	[XHP_STATUS_BUSY] = "busy",
};

XHP_EXPORT const char *xhp_result_status_to_string(int status)
{
	if (status < XHP_STATUS_NONE || status > XHP_STATUS_BUSY)
		return NULL;
	return status_names[status];
}

xhp_result *xhp_result_new(void)
{
	return calloc(1, sizeof(struct xhp_result));
}

int xhp_result_put(xhp_result *res, const char *key, const char *value)
{
	char **n, *k, *v;
	size_t i;

	v = strdup(value);
	if (!v)
		return -ENOMEM;
	for (i = 0; i < res->n_keys; i += 2)
		if (!strcmp(res->keys[i], key)) {
			free(res->keys[i + 1]);
			res->keys[i + 1] = v;
			return 0;
		}
	k = strdup(key);
	n = k ? reallocarray(res->keys, res->n_keys + 2, sizeof(*n)) : NULL;
	if (!n) {
		free(k);
		free(v);
		return -ENOMEM;
	}
	res->keys = n;
	n[res->n_keys++] = k;
	n[res->n_keys++] = v;
	return 0;
}

int xhp_result_set_message(xhp_result *res, const char *message)
{
	char *m = message ? strdup(message) : NULL;

	if (message && !m)
		return -ENOMEM;
	free(res->message);
	res->message = m;
	return 0;
}

XHP_EXPORT int xhp_result_status(const xhp_result *res)
{
	return res ? res->status : -EINVAL;
}

XHP_EXPORT const char *xhp_result_message(const xhp_result *res)
{
	return res ? res->message : NULL;
}

XHP_EXPORT const char *xhp_result_value(const xhp_result *res, const char *key)
{
	size_t i;

	if (!res || !key)
		return NULL;
	for (i = 0; i < res->n_keys; i += 2)
		if (!strcmp(res->keys[i], key))
			return res->keys[i + 1];
	return NULL;
}

XHP_EXPORT int xhp_result_exit_code(const xhp_result *res)
{
	return res ? res->exit_code : -EINVAL;
}

XHP_EXPORT int xhp_result_signal(const xhp_result *res)
{
	return res ? res->signal : -EINVAL;
}

XHP_EXPORT int xhp_result_timed_out(const xhp_result *res)
{
	return res ? res->timed_out : -EINVAL;
}

XHP_EXPORT uint64_t xhp_result_elapsed_us(const xhp_result *res)
{
	return res ? res->elapsed_us : 0;
}

XHP_EXPORT const char *xhp_result_stderr(const xhp_result *res)
{
	return res ? res->stderr_text : NULL;
}

XHP_EXPORT xhp_result *xhp_result_free(xhp_result *res)
{
	size_t i;

	if (!res)
		return NULL;
	for (i = 0; i < res->n_keys; i++)
		free(res->keys[i]);
	free(res->keys);
	free(res->message);
	free(res->stderr_text);
	free(res);
	return NULL;
}
