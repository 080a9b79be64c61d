// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Storm, block: file-backed vbds added and removed, 12 at a time, half
 * through Xen's /etc/xen/scripts/block and half through our CLI, all
 * under the one "block" lock (a private lock directory). Frontend D =
 * i + 1 has backend/vbd/D/51712; by i % 6:
 *   3: its mode w on a file that a holder backend (domain 999, added
 *      first) has read-write: refused, hotplug-status busy, no node, no
 *      loop device of its own;
 *   5: mode r on one file that all of these share: every one connects,
 *      each with a read-only loop device of its own;
 *   else: mode w on a file of its own: connects.
 * After each add: the node is a loop device backed by the right file,
 * physical-device its major:minor; at each pause no loop device is named
 * by two backends and each live backend's loop backs its file; at the
 * end no loop device of ours and no lock file is left.
 * CI: 12 vbds; XHP_STORM_FULL=1: 100.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blocktest.h"
#include "rel.h"
#include "storm.h"
#include "testutil.h"

#define DEVID 51712
#define HOLDER 999

static char **files; /* each vbd's file */
static char *shared; /* the mode r file */
static char *held; /* the holder's file */
static char holder_bp[64];
/* Xen's add lost the race between `losetup -f` and `losetup DEV FILE`
 * (no lock excludes other loop users, such as concurrent tests). */
static bool *lost;
static unsigned int xen_races;

static int category(size_t i)
{
	return i % 6 == 3 ? 'b' : i % 6 == 5 ? 'r' : 'w';
}

static void bp_of(size_t i, char *bp, size_t size)
{
	snprintf(bp, size, "backend/vbd/%zu/%u", i + 1, DEVID);
}

static pid_t spawn(size_t i, bool xen, bool add)
{
	char xp[128];
	const char *cmd = add ? "add" : "remove";
	const char *xargv[] = { XEN_BLOCK, cmd, NULL };
	const char *oargv[] = { XHP_CLI, "block", cmd, NULL };
	const char *env[] = { xp, "XENBUS_TYPE=vbd", "XENBUS_BASE_PATH=backend",
			      "script=" XEN_BLOCK, NULL };

	snprintf(xp, sizeof(xp), "XENBUS_PATH=backend/vbd/%zu/%u", i + 1,
		 DEVID);
	return rel_spawn(xen ? xargv : oargv, env, NULL);
}

/* The node of a live backend, checked: backs @file, right numbers. */
static char *live_node(size_t i, const char *bp, int *bad)
{
	char *node = bt_read(bp, "node"), *pd = bt_read(bp, "physical-device");
	char *back = node ? bt_loop_backing(node) : NULL;
	char *mm = node ? bt_majmin(node) : NULL;

	if (!node || !pd || !back || strcmp(back, files[i]) || !mm ||
	    strcmp(mm, pd)) {
		fprintf(stderr,
			"%s: node %s backs %s (want %s), physical-device %s "
			"(node is %s)\n",
			bp, node ? node : "-", back ? back : "-", files[i],
			pd ? pd : "-", mm ? mm : "-");
		(*bad)++;
	}
	free(pd);
	free(back);
	free(mm);
	return node;
}

static int check(size_t i, bool xen, bool add, int rc)
{
	char bp[64], *st, *node;
	int bad = 0, c = category(i);

	bp_of(i, bp, sizeof(bp));
	st = bt_read(bp, "hotplug-status");
	if (add && c == 'b') {
		node = bt_read(bp, "node");
		if (rc != 1 || !st || strcmp(st, "busy") || node) {
			fprintf(stderr,
				"%s: %s add of a held file: exit %d, "
				"hotplug-status %s, node %s\n",
				bp, xen ? "Xen's" : "our", rc, st ? st : "-",
				node ? node : "-");
			bad++;
		}
		free(node);
	} else if (add) {
		char *e = bt_read(bp, "hotplug-error");

		if (xen && rc == 1 && e &&
		    !strncmp(e, "losetup /dev/loop", 17) &&
		    strstr(e, " failed")) {
			printf("%s: Xen's script lost the loop device race: "
			       "%s\n",
			       bp, e);
			xen_races++;
			lost[i] = true;
		} else if (rc != 0 || !st || strcmp(st, "connected")) {
			fprintf(stderr,
				"%s: %s add: exit %d, hotplug-status "
				"%s: %s\n",
				bp, xen ? "Xen's" : "our", rc, st ? st : "-",
				e ? e : "");
			bad++;
		}
		free(e);
		if (!lost[i])
			free(live_node(i, bp, &bad));
	} else {
		if (rc != 0 && !lost[i]) {
			fprintf(stderr, "%s: %s remove: exit %d\n", bp,
				xen ? "Xen's" : "our", rc);
			bad++;
		}
		if (c == 'w' && bt_wait_loops(files[i], 0) != 0) {
			fprintf(stderr, "%s: %s remove left %d loop devices\n",
				bp, xen ? "Xen's" : "our",
				bt_loops_of(files[i]));
			bad++;
		}
		/* As libxl does once the script has run. */
		tu_xs_rm(bt_xs(), bp);
	}
	free(st);
	return bad;
}

static int check_live(const bool *live, size_t n)
{
	char **nodes = calloc(n, sizeof(*nodes)), bp[64];
	int bad = 0, want = 1; /* the holder's */
	size_t i, j;

	for (i = 0; i < n; i++) {
		if (!live[i] || category(i) == 'b' || lost[i])
			continue;
		want++;
		bp_of(i, bp, sizeof(bp));
		nodes[i] = live_node(i, bp, &bad);
		for (j = 0; j < i && nodes[i]; j++)
			if (nodes[j] && !strcmp(nodes[i], nodes[j])) {
				fprintf(stderr,
					"%s attached twice: vbds %zu "
					"and %zu\n",
					nodes[i], j + 1, i + 1);
				bad++;
			}
	}
	if (bt_our_loops() != want) {
		fprintf(stderr, "%d loop devices for %d live vbds\n",
			bt_our_loops(), want);
		bad++;
	}
	for (i = 0; i < n; i++)
		free(nodes[i]);
	free(nodes);
	return bad;
}

static int check_final(void)
{
	int bad = 0;

	if (bt_cli("remove", holder_bp) != 0) {
		fprintf(stderr, "holder remove failed\n");
		bad++;
	}
	if (bt_wait_our_loops(0) != 0) {
		fprintf(stderr, "%d loop devices left\n", bt_our_loops());
		bad++;
	}
	return bad;
}

int main(void)
{
	struct storm s = {
		.name = "block storm",
		.spawn = spawn,
		.check = check,
		.check_live = check_live,
		.check_final = check_final,
	};
	char name[32], bp[64];
	int failures;
	size_t i;

	storm_sizes(&s, 12, 100);
	bt_init("storm");
	if (rel_private_lock_dir() < 0) {
		perror("tmpfs on " REL_LOCK_DIR);
		return 1;
	}
	files = calloc(s.n, sizeof(*files));
	lost = calloc(s.n, sizeof(*lost));
	shared = bt_image("shared.img", 1, NULL, NULL);
	held = bt_image("held.img", 1, NULL, NULL);
	bt_backend(holder_bp, sizeof(holder_bp), HOLDER, DEVID, held, "w", NULL,
		   NULL);
	if (bt_cli("add", holder_bp) != 0) {
		fprintf(stderr, "holder add failed\n");
		return 1;
	}
	for (i = 0; i < s.n; i++) {
		switch (category(i)) {
		case 'b':
			files[i] = strdup(held);
			break;
		case 'r':
			files[i] = strdup(shared);
			break;
		default:
			snprintf(name, sizeof(name), "disk%zu.img", i + 1);
			files[i] = bt_image(name, 1, NULL, NULL);
		}
		bt_backend(bp, sizeof(bp), (unsigned int)i + 1, DEVID, files[i],
			   category(i) == 'r' ? "r" : "w", NULL, NULL);
	}
	failures = storm_run(&s);
	printf("block storm: Xen's script lost %u loop device races\n",
	       xen_races);
	for (i = 0; i < s.n; i++)
		free(files[i]);
	free(files);
	free(lost);
	free(shared);
	free(held);
	bt_fini();
	return failures ? 1 : 0;
}
