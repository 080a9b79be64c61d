/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Small macros: cleanup attributes, pointer hand-over, array sizes. */
#ifndef XHP_MACROS_H
#define XHP_MACROS_H

#include <stdlib.h>

/* Cleanup helpers for __attribute__((cleanup)). */
static inline void xhp_freep(void *p)
{
	free(*(void **)p);
}
#define _cleanup_free_ __attribute__((cleanup(xhp_freep)))

/* Hand a pointer over: return it and clear the variable. */
#define TAKE_PTR(p)                       \
	({                                \
		__typeof__(p) _tp_ = (p); \
		(p) = NULL;               \
		_tp_;                     \
	})

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif /* XHP_MACROS_H */
