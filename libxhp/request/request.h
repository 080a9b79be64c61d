/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The parsed hotplug request (private layout). */
#ifndef XHP_REQUEST_PRIV_H
#define XHP_REQUEST_PRIV_H

#include "internal.h"

#define XHP_VALUE_MAX 4096

struct xhp_setting {
	char *key;
	char *value;
	int source; /* XHP_SOURCE_ENV or XHP_SOURCE_ARGV */
};

struct xhp_request {
	int action;
	int kind;
	bool noop; /* Xen's combination rules: nothing to do */
	bool no_backend; /* a device with no xenstore backend (1.1) */
	char *backend_path; /* as given, or derived for taps */
	char xenbus_type[8];
	unsigned int domid;
	unsigned int devid;
	char *device;
	struct xhp_setting *settings;
	size_t n_settings;
};

/*
 * Validate a backend path (relative "backend/T/D/N" or absolute
 * "/local/domain/X/backend/T/D/N"); fill type, domid and devid.
 */
int xhp_backend_path_parse(xhp_ctx *ctx, const char *path, char type[8],
			   unsigned int *domid, unsigned int *devid);

/*
 * A deep copy of @req with @action (0: the same; a different one also
 * clears noop: for undoing an add that ran). Returns NULL when out of
 * memory.
 */
xhp_request *xhp_request_copy(const xhp_request *req, int action);

#endif
