/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The settings table: every key a personality reads, its parser and the
 * sources it may come from (xhp/settings.h has the precedence). Pure: no
 * I/O. The engine resolves a personality's keys through it
 * (engine/settings_resolve.c), the request parser checks argv and the
 * environment with it, xhp_settings checks the caller's keys with it.
 */
#ifndef XHP_SETTINGS_PRIV_H
#define XHP_SETTINGS_PRIV_H

#include <stdbool.h>

#include "internal.h"

#define XHP_SRC(s) (1u << (s))
#define XHP_SRC_USER                                          \
	(XHP_SRC(XHP_SOURCE_ENV) | XHP_SRC(XHP_SOURCE_ARGV) | \
	 XHP_SRC(XHP_SOURCE_CALLER))
#define XHP_SRC_ALL (XHP_SRC_USER | XHP_SRC(XHP_SOURCE_XENSTORE))

struct xhp_setting_def {
	const char *key;
	/* 0, or -EINVAL with *why a static phrase; never called on "". */
	int (*check)(const char *value, const char **why);
	unsigned int sources; /* XHP_SRC() bits */
};

/* The table entry of @key (@len bytes), or NULL. */
const struct xhp_setting_def *xhp_setting_def_find(const char *key, size_t len);

/*
 * Check @value of @def from @source: allowed from there, and parsed.
 * @where: for xenstore, the key's path (else NULL). An empty value is
 * always accepted (it counts as absent). Returns 0, or -EINVAL with a
 * message naming the key, the source and the value.
 */
int xhp_setting_check(xhp_ctx *ctx, const struct xhp_setting_def *def,
		      int source, const char *where, const char *value);

/* "the environment", "the arguments", "the caller", "xenstore". */
const char *xhp_source_phrase(int source);

/* A caller's set (xhp/settings.h). */
struct xhp_settings_entry {
	const struct xhp_setting_def *def;
	char *value;
};
struct xhp_settings {
	xhp_ctx *ctx;
	struct xhp_settings_entry *v;
	size_t n;
};

#endif /* XHP_SETTINGS_PRIV_H */
