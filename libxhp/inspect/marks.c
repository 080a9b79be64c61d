// SPDX-License-Identifier: LGPL-2.1-or-later
/* xhp's marks on host objects (marks.h). Pure: no I/O. */
#include <stdio.h>
#include <string.h>

#include "marks.h"

/* "vif<D>.<N>" or "vif<D>.<N>-emu", numbers as %u prints them. */
bool xhp_mark_vif_alias(const char *s, unsigned int *domid, unsigned int *devid)
{
	char canon[32];
	unsigned int d, n;
	int len = 0;

	if (sscanf(s, "vif%u.%u%n", &d, &n, &len) != 2)
		return false;
	if (s[len] && strcmp(s + len, "-emu"))
		return false;
	snprintf(canon, sizeof(canon), "vif%u.%u%s", d, n, s + len);
	if (strcmp(canon, s))
		return false;
	*domid = d;
	*devid = n;
	return true;
}

/* "xhp:<type>/<D>/<N>" at the start of @name, then ' ' or the end. */
bool xhp_mark_loop(const char *name, char type[8], unsigned int *domid,
		   unsigned int *devid, char *tag, size_t size)
{
	char t[8], canon[64];
	unsigned int d, n;
	int len = 0;

	if (sscanf(name, "xhp:%7[a-z0-9]/%u/%u%n", t, &d, &n, &len) != 3 ||
	    (name[len] != ' ' && name[len] != '\0'))
		return false;
	snprintf(canon, sizeof(canon), "xhp:%s/%u/%u", t, d, n);
	if (strncmp(canon, name, (size_t)len) || (size_t)len != strlen(canon))
		return false;
	memcpy(type, t, 8);
	*domid = d;
	*devid = n;
	snprintf(tag, size, "%s", canon);
	return true;
}

/* xhp's lock names: vif-<D>.<N> (the engine's), block. */
bool xhp_mark_lock(const char *name, int *domid)
{
	char canon[32];
	unsigned int d, n;
	int len = 0;

	*domid = -1;
	if (!strcmp(name, "block"))
		return true;
	if (sscanf(name, "vif-%u.%u%n", &d, &n, &len) != 2 || name[len])
		return false;
	snprintf(canon, sizeof(canon), "vif-%u.%u", d, n);
	*domid = (int)d;
	return !strcmp(canon, name);
}
