// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lock_append OUT TAG: append "TAG start" and, a little later, "TAG end"
 * to OUT. The command test-lock-interlock runs under `xhp-hotplug lock`.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int append(const char *out, const char *tag, const char *what)
{
	char line[128];
	int fd, n, r = 0;

	n = snprintf(line, sizeof(line), "%s %s\n", tag, what);
	if (n < 0 || (size_t)n >= sizeof(line))
		return -1;
	fd = open(out, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	if (write(fd, line, (size_t)n) != n)
		r = -1;
	if (close(fd) < 0)
		r = -1;
	return r;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: lock_append OUT TAG\n");
		return 2;
	}
	if (append(argv[1], argv[2], "start") < 0)
		return 1;
	usleep(300);
	return append(argv[1], argv[2], "end") < 0 ? 1 : 0;
}
