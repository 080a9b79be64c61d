// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer target of the /proc/locks line parser (lockinfo.c). The input
 * is a /proc/locks file, read with fgets() into a 256-byte buffer as
 * xhp_lock_holder reads it (so long lines come in pieces); each piece goes
 * to xhp_locks_parse_line. An accepted line is a FLOCK that is not a
 * waiter ("->").
 */
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "lockinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned long pid, ino;
	unsigned int maj, min;
	char line[256];
	FILE *f;

	if (size == 0 || size > 65536)
		return 0;
	f = fmemopen((void *)data, size, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (!xhp_locks_parse_line(line, &pid, &maj, &min, &ino))
			continue;
		CHECK(strstr(line, "FLOCK") && !strstr(line, "->"));
	}
	fclose(f);
	return 0;
}
