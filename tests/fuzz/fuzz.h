/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What every fuzz target shares: the entry point and CHECK(). */
#ifndef XHP_FUZZ_H
#define XHP_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A promise of the parser under test: abort (a finding) if broken. */
#define CHECK(cond)                                                     \
	do {                                                            \
		if (!(cond)) {                                          \
			fprintf(stderr, "broken promise: %s\n", #cond); \
			abort();                                        \
		}                                                       \
	} while (0)

#endif /* XHP_FUZZ_H */
