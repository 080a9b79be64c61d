/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Block test fixtures: a private mount namespace, a test xenstored, image
 * files in a temporary directory, loop devices made with losetup (the
 * test's own tool, independent of the library) and a cleanup that
 * detaches every loop device backed by a file of the temporary directory,
 * at the end of each test and at exit, whatever happened.
 */
#ifndef XHP_BLOCKTEST_H
#define XHP_BLOCKTEST_H

#include <stdbool.h>
#include <stddef.h>

#define XEN_BLOCK "/etc/xen/scripts/block"

/* Exit 1 with a hint when Xen's block script is not installed. */
void bt_require_xen_block(void);
/* Start: root check, mount namespace, xenstored, temp dir, atexit. */
void bt_init(const char *tag);
/* Detach our loop devices, stop xenstored, remove the temp dir. */
void bt_fini(void);
/* Detach every loop device backed by a file under the temp dir. */
void bt_detach_all(void);

const char *bt_dir(void);

/* A sparse image <dir>/<name> of @mb MiB; ext4 with @label (and @uuid)
 * when @label is not NULL. Returns a static-lifetime path (free()). */
char *bt_image(const char *name, unsigned int mb, const char *label,
	       const char *uuid);
/* losetup --find --show [-r] @file: "/dev/loopN" (free()). */
char *bt_losetup(const char *file, bool ro);
/* Loop devices whose sysfs backing_file is @file. */
int bt_loops_of(const char *file);
/*
 * The same, polled for up to 2 s until it is @want: a detach is deferred
 * while another process (a concurrent test, libblkid) has the device open.
 */
int bt_wait_loops(const char *file, int want);
int bt_wait_our_loops(int want);
/* Total attached loop devices backed by files under the temp dir. */
int bt_our_loops(void);
/* /sys/block/loopN/ro of "/dev/loopN": 1, 0, or -1. */
int bt_loop_ro(const char *node);
/* sysfs backing_file of "/dev/loopN" (free()), NULL when detached. */
char *bt_loop_backing(const char *node);
/* "%x:%x" of a block device node (free()). */
char *bt_majmin(const char *node);

/* The default vm uuid of a frontend domain (Xen strips a "-1" suffix). */
#define BT_VM_FMT "00000000-0000-4000-8000-%012u"

/*
 * A vbd backend backend/vbd/@fe/@devid (relative path, into @bp) with
 * params, mode, type (NULL: none), frontend-id, state 2, and the
 * frontend's /local/domain/@fe/vm = /vm/@vm (NULL: BT_VM_FMT of @fe).
 */
void bt_backend(char *bp, size_t size, unsigned int fe, unsigned int devid,
		const char *params, const char *mode, const char *type,
		const char *vm);
struct xs_handle;
/* The tests' libxenstore connection (opened on first use), for tu_xs_*(). */
struct xs_handle *bt_xs(void);
/* @bp/@key: read (NULL when missing; free()), write (exits on failure). */
char *bt_read(const char *bp, const char *key);
void bt_write(const char *bp, const char *key, const char *value);

/* Non-zero: bt_ours() runs with xhp_ctx_set_dry_run(). */
extern int bt_dry_run;

/* Run ours in-process: returns the xhp_device_run() value; *status and
 * *msg (free()) from the result when not NULL. */
int bt_ours(const char *cmd, const char *bp, int *status, char **msg);
/* Run our CLI (xhp-hotplug block CMD) or Xen's script as a process:
 * the exit status. */
int bt_cli(const char *cmd, const char *bp);
int bt_xen(const char *cmd, const char *bp);
/* xhp-hotplug block --dry-run CMD: the exit status; stdout and stderr
 * into *out (free()) when @out is not NULL. */
int bt_cli_dry(const char *cmd, const char *bp, char **out);
/* Every key under @path (itself included), "path=value" lines (free()). */
char *bt_dump(const char *path);

#endif
