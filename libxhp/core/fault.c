// SPDX-License-Identifier: LGPL-2.1-or-later
/* The fault injection seam: see fault.h. */
#include <stdio.h>
#include <string.h>

#include "fault.h"

int xhp_fault_check(xhp_ctx *ctx, enum xhp_fault_layer layer, const char *step)
{
	struct xhp_fault *f = ctx->fault;
	bool xs = layer == XHP_FAULT_XS || layer == XHP_FAULT_XS_TX;
	int e;

	f->calls++;
	if (f->fail_at && f->calls == f->fail_at) {
		e = f->err[layer] ? f->err[layer] : EIO;
		f->hit_layer = layer;
		f->hit_err = e;
		snprintf(f->step, sizeof(f->step), "%s", step);
	} else if (f->sticky_xs && xs && f->hits &&
		   (f->hit_layer == XHP_FAULT_XS ||
		    f->hit_layer == XHP_FAULT_XS_TX)) {
		e = f->hit_err;
	} else if (f->also_step && f->hits && !strcmp(step, f->also_step)) {
		e = f->err[layer] ? f->err[layer] : EIO;
	} else {
		return 0;
	}
	if (f->hits == 1)
		snprintf(f->next_step, sizeof(f->next_step), "%s", step);
	f->hits++;
	xhp_debug(ctx, "fault injected: call %u, %s: %s", f->calls, step,
		  strerror(e));
	errno = e;
	return -e;
}
