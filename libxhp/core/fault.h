/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fault injection seam (tests only; never installed, not ABI).
 *
 * Every call the plumbing makes into the system at the lowest layers -
 * a netlink request, a xenstore call, a loop device open or ioctl, OVSDB
 * socket I/O, a sysctl read or write under /proc/sys - first asks xhp_fault(ctx, layer, step). Unused (no plan
 * on the context) that is one NULL test. A test hangs a plan on the
 * context (ctx->fault = &plan): the plan counts the seam calls and makes
 * the @fail_at'th one fail with the plan's errno for its layer, as if the
 * system had refused it. The call site then takes its ordinary error
 * path. The plan records which step it failed, for the report.
 *
 * @sticky_xs: after the planned failure of a xenstore call, every later
 * xenstore call fails too (xenstored went away), so even the report of
 * the failure cannot be written.
 */
#ifndef XHP_FAULT_H
#define XHP_FAULT_H

#include "internal.h"

/* The longest step name kept (longer ones are cut). */
#define XHP_FAULT_STEP_MAX 128

enum xhp_fault_layer {
	XHP_FAULT_NL, /* rtnetlink socket and requests */
	XHP_FAULT_XS, /* xenstore calls outside a transaction */
	XHP_FAULT_XS_TX, /* xenstore calls in a transaction and its end */
	XHP_FAULT_LOOP, /* loop device opens and ioctls */
	XHP_FAULT_OVSDB, /* OVSDB socket connect, send, recv */
	XHP_FAULT_SYSCTL, /* /proc/sys/net reads and writes */
	XHP_FAULT_LAYERS
};

struct xhp_fault {
	/* Set by the test: */
	unsigned int fail_at; /* 1-based seam call to fail; 0: none */
	int err[XHP_FAULT_LAYERS]; /* positive errno per layer */
	bool sticky_xs;
	/* After the planned failure, also fail every call of this step
	 * (e.g. "LOOP_CLR_FD": the undo of the failed add fails too). */
	const char *also_step;
	/* Kept by the seam: */
	unsigned int calls; /* seam calls seen */
	unsigned int hits; /* failures injected */
	enum xhp_fault_layer hit_layer; /* of the planned failure */
	int hit_err;
	char step[XHP_FAULT_STEP_MAX]; /* its step name */
	/* The step of the next failure (@sticky_xs, @also_step): what the
	 * error names when the planned one was tolerated. */
	char next_step[XHP_FAULT_STEP_MAX];
};

int xhp_fault_check(xhp_ctx *ctx, enum xhp_fault_layer layer, const char *step);

/*
 * Ask the seam before a system call: 0 to go ahead, or a negative errno
 * to fail with (errno is set to it as well). @step is a short name
 * that says which call it is and what for ("RTM_SETLINK mtu",
 * "xs_write backend/vif/1/0/hotplug-status", "LOOP_CONFIGURE",
 * "ovsdb send add the port", "sysctl write ipv4/vif1.0/proxy_arp"):
 * the fault sweeps check that the error names it (tests/faults).
 */
static inline int xhp_fault(xhp_ctx *ctx, enum xhp_fault_layer layer,
			    const char *step)
{
	if (__builtin_expect(!ctx || !ctx->fault, 1))
		return 0;
	return xhp_fault_check(ctx, layer, step);
}

#endif
