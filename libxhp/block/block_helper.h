/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* block-<type> helpers beside the script (see block_helper.c). */
#ifndef XHP_BLOCK_HELPER_H
#define XHP_BLOCK_HELPER_H

#include "internal.h"

/*
 * The executable block-@type: in the directory of the request's `script`
 * setting, else in /etc/xen/scripts. Writes its path into @buf.
 * Returns 0, -ENOENT (none), -EINVAL (@type is not a plain name).
 */
int xhp_block_helper_find(const xhp_request *req, const char *type, char *buf,
			  size_t size);

/*
 * Run @helper @command (argv array; the caller's environment with
 * XENBUS_PATH, XENBUS_TYPE, XENBUS_BASE_PATH from @req; stdin /dev/null;
 * own process group, SIGKILLed at the operation's deadline: xhp_script_run).
 * Returns 0 on exit status 0, else a negative errno with a message.
 */
int xhp_block_helper_run(xhp_ctx *ctx, const xhp_request *req,
			 const char *helper, const char *command);

#endif
