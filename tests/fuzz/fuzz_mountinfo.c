// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer target of the /proc/self/mountinfo line parser (mounts.c).
 * The input is a mountinfo file; each line (with its '\n', as getline()
 * returns it, cut at a NUL as a C string is) goes to
 * xhp_mountinfo_parse_line. An accepted line must give a mount point and
 * a source inside the line and the device of its third field.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "fuzz.h"
#include "mounts.h"

static bool inside(const char *p, const char *buf, size_t len)
{
	return p >= buf && p < buf + len && strlen(p) < (size_t)(buf + len - p);
}

static void one_line(const uint8_t *data, size_t len)
{
	struct xhp_mount_line m;
	unsigned int ma, mi;
	char *line, *copy, *f3, *save = NULL;

	line = malloc(len + 1);
	copy = malloc(len + 1);
	if (!line || !copy)
		goto out;
	memcpy(line, data, len);
	line[len] = '\0';
	memcpy(copy, line, len + 1);
	memset(&m, 0, sizeof(m));
	if (!xhp_mountinfo_parse_line(line, &m))
		goto out;
	CHECK(inside(m.point, line, len + 1) &&
	      inside(m.source, line, len + 1));
	CHECK(m.point != m.source);
	/* Unescaping only shortens. */
	CHECK(strlen(m.point) <= strlen(copy) &&
	      strlen(m.source) <= strlen(copy));
	CHECK(!m.ro || strstr(copy, "ro"));
	/* The device is the third field's major:minor (fields are split
	 * at runs of spaces). */
	f3 = strtok_r(copy, " ", &save);
	f3 = f3 ? strtok_r(NULL, " ", &save) : NULL;
	f3 = f3 ? strtok_r(NULL, " ", &save) : NULL;
	CHECK(f3 && sscanf(f3, "%u:%u", &ma, &mi) == 2);
	CHECK(m.dev == makedev(ma, mi));
out:
	free(copy);
	free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size, *nl;

	if (size > 65536)
		return 0;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		nl = nl ? nl + 1 : end;
		one_line(p, (size_t)(nl - p));
		p = nl;
	}
	return 0;
}
