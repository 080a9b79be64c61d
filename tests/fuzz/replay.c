// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Replay driver: feeds every file of the given corpus directories (or the
 * given files) to LLVMFuzzerTestOneInput, so that any compiler builds the
 * fuzz targets as plain programs and CTest replays the checked-in corpus.
 * Exits 1 if an argument cannot be read or no input was found.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

#define INPUT_MAX (1 << 20)

static int replay_file(int dirfd, const char *name)
{
	uint8_t *buf;
	ssize_t n;
	size_t len = 0;
	int fd;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "replay: %s: %s\n", name, strerror(errno));
		return -1;
	}
	buf = malloc(INPUT_MAX);
	if (!buf) {
		close(fd);
		return -1;
	}
	while ((n = read(fd, buf + len, INPUT_MAX - len)) > 0)
		len += (size_t)n;
	close(fd);
	if (n < 0) {
		fprintf(stderr, "replay: %s: %s\n", name, strerror(errno));
		free(buf);
		return -1;
	}
	/* Exactly the file's bytes: ASan catches reads past the end. */
	buf = realloc(buf, len ? len : 1);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

/* Replays a directory's regular files; returns how many, or -1. */
static long replay_dir(const char *path)
{
	struct dirent *de;
	long count = 0;
	DIR *d;

	d = opendir(path);
	if (!d) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		struct stat st;

		if (de->d_name[0] == '.' ||
		    fstatat(dirfd(d), de->d_name, &st, 0) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (replay_file(dirfd(d), de->d_name) < 0) {
			closedir(d);
			return -1;
		}
		count++;
	}
	closedir(d);
	return count;
}

int main(int argc, char *argv[])
{
	long total = 0, n;
	struct stat st;
	int i;

	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i],
				strerror(errno));
			return 1;
		}
		if (S_ISDIR(st.st_mode))
			n = replay_dir(argv[i]);
		else
			n = replay_file(AT_FDCWD, argv[i]) < 0 ? -1 : 1;
		if (n < 0)
			return 1;
		total += n;
	}
	printf("replayed %ld inputs\n", total);
	return total > 0 ? 0 : 1;
}
