// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Mounts in this domain that conflict with a vbd's mode, from
 * /proc/self/mountinfo (Xen's check_sharing reads /proc/mounts).
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "blockdev.h"
#include "mounts.h"

/* Undo mountinfo's octal escapes (\040 ...) in place. */
static void unescape(char *s)
{
	char *w = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*w++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
				      (s[3] - '0'));
			s += 4;
		} else {
			*w++ = *s++;
		}
	}
	*w = '\0';
}

static bool opts_ro(const char *opts)
{
	return !strncmp(opts, "ro", 2) && (opts[2] == ',' || !opts[2]);
}

static bool in_set(dev_t d, const dev_t *devs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (devs[i] == d)
			return true;
	return false;
}

/* Split one mountinfo line; false when it is malformed. */
bool xhp_mountinfo_parse_line(char *line, struct xhp_mount_line *m)
{
	char *f[7], *save = NULL, *tok, *opts, *sep, *super;
	unsigned int ma, mi;
	int i;

	for (i = 0; i < 6; i++) {
		tok = strtok_r(i ? NULL : line, " ", &save);
		if (!tok)
			return false;
		f[i] = tok;
	}
	if (sscanf(f[2], "%u:%u", &ma, &mi) != 2)
		return false;
	opts = f[5];
	sep = strstr(save ? save : "", "- ");
	if (!sep)
		return false;
	/* after "- ": fstype source superopts */
	tok = strtok_r(sep + 2, " ", &save); /* fstype */
	m->source = tok ? strtok_r(NULL, " ", &save) : NULL;
	super = m->source ? strtok_r(NULL, " \n", &save) : NULL;
	if (!m->source)
		return false;
	m->dev = makedev(ma, mi);
	m->point = f[4];
	m->ro = opts_ro(opts) || (super && opts_ro(super));
	unescape(m->point);
	unescape(m->source);
	return true;
}

int xhp_mount_conflict(xhp_ctx *ctx, const char *proc_root, const dev_t *devs,
		       size_t n, char mode, dev_t *ret_dev, char *where,
		       size_t where_size, bool *ret_ro)
{
	char path[4096], *line = NULL;
	struct xhp_mount_line m;
	size_t cap = 0;
	struct stat st;
	int r = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/self/mountinfo",
		 proc_root ? proc_root : "/proc");
	f = fopen(path, "re");
	if (!f)
		return xhp_err(ctx, errno, "cannot read %s: %s", path,
			       strerror(errno));
	while (getline(&line, &cap, f) > 0) {
		dev_t d;

		if (!xhp_mountinfo_parse_line(line, &m))
			continue;
		if (mode != 'w' && m.ro)
			continue;
		if (in_set(m.dev, devs, n))
			d = m.dev;
		else if (!strncmp(m.source, "/dev/", 5) &&
			 stat(m.source, &st) == 0 && S_ISBLK(st.st_mode) &&
			 in_set(st.st_rdev, devs, n))
			d = st.st_rdev;
		else
			continue;
		*ret_dev = d;
		snprintf(where, where_size, "%s", m.point);
		*ret_ro = m.ro;
		r = 1;
		break;
	}
	free(line);
	fclose(f);
	return r;
}
