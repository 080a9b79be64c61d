// SPDX-License-Identifier: LGPL-2.1-or-later
/* The vif-bridge personality: not implemented yet (placeholder). */
#include "personality.h"

static int not_implemented(struct xhp_op *op)
{
	return xhp_err(op->ctx, ENOSYS, "vif-bridge is not implemented yet");
}

const struct xhp_personality xhp_personality_vif_bridge = {
	.name = "vif-bridge",
	.kinds = (1u << XHP_KIND_VIF) | (1u << XHP_KIND_TAP),
	.add = not_implemented,
	.remove = not_implemented,
};
