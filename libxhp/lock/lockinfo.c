// SPDX-License-Identifier: LGPL-2.1-or-later
/* Who holds a flock: /proc/locks, matched by device and inode. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "lockinfo.h"

static void comm_of(unsigned long pid, char *buf, size_t size)
{
	char path[64];
	FILE *f;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%lu/comm", pid);
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(buf, (int)size, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

bool xhp_locks_parse_line(const char *line, unsigned long *pid,
			  unsigned int *maj, unsigned int *min,
			  unsigned long *ino)
{
	/* "1: FLOCK  ADVISORY  WRITE 1234 fd:01:5678 0 EOF" */
	if (!strstr(line, "FLOCK") || strstr(line, "->"))
		return false;
	return sscanf(line, "%*d: FLOCK %*s %*s %lu %x:%x:%lu", pid, maj, min,
		      ino) == 4;
}

void xhp_lock_holder(int fd, char *buf, size_t size)
{
	char line[256], comm[32];
	unsigned long pid, ino;
	unsigned int maj, min;
	struct stat st;
	FILE *f;

	snprintf(buf, size, "an unknown process");
	if (fstat(fd, &st) < 0)
		return;
	f = fopen("/proc/locks", "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (!xhp_locks_parse_line(line, &pid, &maj, &min, &ino))
			continue;
		if (ino != st.st_ino || maj != major(st.st_dev) ||
		    min != minor(st.st_dev))
			continue;
		comm_of(pid, comm, sizeof(comm));
		snprintf(buf, size, "pid %lu%s%s%s", pid, comm[0] ? " (" : "",
			 comm, comm[0] ? ")" : "");
		break;
	}
	fclose(f);
}
