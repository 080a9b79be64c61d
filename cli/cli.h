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

/* Room for an argument shown in a message (64 bytes, as \xNN at worst). */
#define CLI_QUOTE_MAX (64 * 4 + 8)

/*
 * --timeout SECONDS (decimal, > 0, up to a day) onto @ctx, rounded up to
 * whole milliseconds. Returns 0, or -EINVAL with the error logged.
 */
int cli_set_timeout(xhp_ctx *ctx, const char *arg);

/* xhp-hotplug lock NAME [--timeout SECONDS] -- COMMAND [ARGS...] */
int cli_lock(xhp_ctx *ctx, int argc, char **argv);

/* xhp-hotplug status [--json] [--repair] [DOMID[.DEVID]] (status.c) */
int cli_status(xhp_ctx *ctx, int argc, char **argv);
/*
 * xhp-hotplug libvirt-hook DRIVER OBJECT OP [SUBOP [EXTRA]] (@argv from
 * OBJECT, @driver one of cli_libvirt_driver()'s): exit status.
 */
int cli_libvirt_hook(xhp_ctx *ctx, const char *driver, int argc, char **argv);
/* @name (@len bytes) as a libvirt hook driver (a static string) or NULL. */
const char *cli_libvirt_driver(const char *name, size_t len);
/*
 * The driver a hook installed at @argv0 is for: .../<driver>.d/NAME or
 * .../hooks/<driver>; NULL otherwise.
 */
const char *cli_libvirt_hook_driver(const char *argv0);

#endif
