/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The outcome of an operation (private layout). */
#ifndef XHP_RESULT_PRIV_H
#define XHP_RESULT_PRIV_H

#include "internal.h"

struct xhp_result {
	int status;
	char *message;
	char **keys; /* key, value, key, value, ... */
	size_t n_keys;
	int exit_code;
	int signal;
	bool timed_out;
	uint64_t elapsed_us;
	char *stderr_text;
};

xhp_result *xhp_result_new(void);
/* Copy @value in under @key (replacing). Returns 0 or -ENOMEM. */
int xhp_result_put(xhp_result *res, const char *key, const char *value);
int xhp_result_set_message(xhp_result *res, const char *message);

#endif
