// SPDX-License-Identifier: LGPL-2.1-or-later
/* The CLI's logging: syslog (daemon facility, as Xen's logging.sh) and
 * stderr. */
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

#include "cli.h"

static const char *log_ident = "xhp-hotplug";
static int dry_run;

static void log_line(void *userdata, int priority, const char *message)
{
	(void)userdata;
	if (dry_run && priority >= LOG_NOTICE) {
		printf("%s\n", message);
		return;
	}
	syslog(priority, "%s", message);
	if (priority <= LOG_WARNING || priority == LOG_DEBUG)
		fprintf(stderr, "%s: %s\n", log_ident, message);
}

void cli_log_dry_run(void)
{
	dry_run = 1;
}

void cli_log_open(xhp_ctx *ctx, const char *ident)
{
	log_ident = ident;
	openlog(ident, LOG_PID, LOG_DAEMON);
	if (ctx)
		xhp_ctx_set_log_fn(ctx, log_line, NULL);
}

void cli_log(int priority, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_line(NULL, priority, buf);
}
