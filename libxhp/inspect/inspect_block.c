// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The host side of a vbd: the loop device its node key names (block's
 * add writes node for a file it attached) and the file behind it, read
 * from sysfs: detached, about to detach itself (its autoclear flag: a
 * `losetup -d` while blkback holds it), or backing a file that is not
 * params, is drift.
 * A vbd of a block device (no node) has nothing more to check here.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "inspect-internal.h"
#include "loop.h"

/* Whether the sysfs @backing is @params (itself or what it resolves to). */
static bool same_file(const char *backing, const char *params)
{
	char real[PATH_MAX];

	if (!strcmp(backing, params))
		return true;
	return realpath(params, real) && !strcmp(backing, real);
}

int xhp_inspect_block(struct xhp_insp *in)
{
	const char *node = xhp_insp_xs(in, "node");
	const char *params = xhp_insp_xs(in, "params");
	char backing[4096];
	unsigned int idx;
	int r;

	if (!node || xhp_loop_parse_node(node, &idx) < 0)
		return 0;
	r = xhp_loop_backing_file(NULL, idx, backing, sizeof(backing));
	if (r == -ENOENT) {
		if (!in->ins->connected)
			return 0;
		return xhp_insp_drift(
			in, XHP_DRIFT_LOOP_DETACHED,
			"loop device %s is not attached (params %s)", node,
			params ? params : "?");
	}
	if (r < 0)
		return xhp_err(in->ctx, r, "cannot read the backing file of %s",
			       node);
	r = xhp_insp_host(in, "loop", "%s", node);
	if (r >= 0)
		r = xhp_insp_host(in, "backing-file", "%s", backing);
	if (r < 0 || !in->ins->connected)
		return r;
	if (params && !same_file(backing, params))
		return xhp_insp_drift(in, XHP_DRIFT_LOOP_OTHER_FILE,
				      "loop device %s backs %s, not params %s",
				      node, backing, params);
	r = xhp_loop_autoclear(NULL, idx);
	if (r == -ENOENT) /* detached meanwhile */
		return xhp_insp_drift(
			in, XHP_DRIFT_LOOP_DETACHED,
			"loop device %s is not attached (params %s)", node,
			params ? params : "?");
	if (r < 0)
		return xhp_err(in->ctx, r,
			       "cannot read the autoclear flag of %s", node);
	if (!r)
		return 0;
	return xhp_insp_drift(
		in, XHP_DRIFT_LOOP_DETACHING,
		"loop device %s will be detached when its last user closes it (autoclear is set, as losetup -d does to a device in use)",
		node);
}
