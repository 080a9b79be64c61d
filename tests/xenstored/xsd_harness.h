/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * Test harness: runs a private xhp-test-xenstored for a test.
 *
 *	struct xsd x = XSD_INIT;
 *
 *	if (xsd_start(&x) < 0)
 *		fail;
 *	h = xs_open(0);		(XENSTORED_PATH now points at x.socket)
 *	...
 *	xs_close(h);
 *	xsd_stop(&x);		(also fine on failure paths, and twice)
 *
 * xsd_start() creates a temporary directory ($TMPDIR or /tmp), runs the
 * daemon there with --socket <dir>/socket --pidfile <dir>/pid, waits (up
 * to 10 seconds) for the pid file and sets XENSTORED_PATH to the socket.
 * The daemon gets SIGTERM if the test process dies (PR_SET_PDEATHSIG).
 */
#ifndef XSD_HARNESS_H
#define XSD_HARNESS_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

struct xsd {
	char dir[PATH_MAX]; /* temporary directory, "" if none */
	char socket[PATH_MAX]; /* daemon socket */
	char pidfile[PATH_MAX];
	pid_t pid; /* daemon pid, 0 if not running */
	int exit_status; /* wait status after xsd_stop(), -1 before */
};

#define XSD_INIT                                                  \
	{                                                         \
		.dir = "", .socket = "", .pidfile = "", .pid = 0, \
		.exit_status = -1                                 \
	}

/* Returns 0, or -1 with errno set (and everything cleaned up). */
int xsd_start(struct xsd *x);

/*
 * Stops the daemon (SIGTERM, SIGKILL after 5 s), reaps it, removes the
 * temporary directory and unsets XENSTORED_PATH if it is ours.  Idempotent.
 */
void xsd_stop(struct xsd *x);

/* True if xsd_stop() saw the daemon exit with status 0. */
bool xsd_exited_cleanly(const struct xsd *x);

/*
 * A cmocka setup/teardown pair: *state becomes a started struct xsd
 * (allocated); the teardown stops and frees it and fails (-1) unless the
 * daemon exited cleanly.
 */
int xsd_setup(void **state);
int xsd_teardown(void **state);

/* Path of the daemon binary (XHP_TEST_XENSTORED, from the build). */
const char *xsd_daemon_path(void);

#endif /* XSD_HARNESS_H */
