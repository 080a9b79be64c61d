/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef XHP_CLI_H
#define XHP_CLI_H

#include <xhp/xhp.h>

/* Log to syslog (facility daemon, tag @ident) and to stderr. */
void cli_log_open(xhp_ctx *ctx, const char *ident);
/* Dry run: steps (info and notice lines) go to stdout, not syslog. */
void cli_log_dry_run(void);
void cli_log(int priority, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* xhp-hotplug lock NAME [--timeout SECONDS] -- COMMAND [ARGS...] */
int cli_lock(xhp_ctx *ctx, int argc, char **argv);

#endif
