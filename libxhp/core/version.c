// SPDX-License-Identifier: LGPL-2.1-or-later
#include "internal.h"

XHP_EXPORT const char *xhp_version(void)
{
	return XHP_VERSION_STRING;
}
