// SPDX-License-Identifier: LGPL-2.1-or-later
/* The block personality: not implemented yet (placeholder). */
#include "personality.h"

static int not_implemented(struct xhp_op *op)
{
	return xhp_err(op->ctx, ENOSYS, "block is not implemented yet");
}

const struct xhp_personality xhp_personality_block = {
	.name = "block",
	.kinds = (1u << XHP_KIND_VBD) | (1u << XHP_KIND_VBD3),
	.add = not_implemented,
	.remove = not_implemented,
};
