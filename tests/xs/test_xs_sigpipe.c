// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * No SIGPIPE out of a xenstore call on a connection xenstored closed,
 * whatever the process's disposition.
 *
 * libxenstore ignores SIGPIPE around its write(2) with a process-wide
 * sigaction() save/restore; in a threaded caller another thread's restore
 * can leave SIGPIPE at its default while this thread writes. This test
 * stands in for that other thread deterministically: its sigaction()
 * (found before libc's by the dynamic linker) leaves SIGPIPE at its
 * default when libxenstore asks to ignore it. The call on the dead
 * connection must then fail with EPIPE, not kill the process, and leave
 * the thread's signal mask and pending set as they were.
 */
#include <dlfcn.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "xs.h"
#include "xsd_harness.h"

#define BACKEND "/local/domain/0/backend/vif/7/0"

static volatile int other_thread_restores;

/* Default visibility: the build hides symbols, and this one must be seen. */
__attribute__((visibility("default"))) int
sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	static int (*real)(int, const struct sigaction *, struct sigaction *);

	if (!real)
		real = (int (*)(int, const struct sigaction *,
				struct sigaction *))dlsym(RTLD_NEXT,
							  "sigaction");
	if (other_thread_restores && sig == SIGPIPE && act &&
	    act->sa_handler == SIG_IGN)
		return real(sig, NULL, old); /* stays at its default */
	return real(sig, act, old);
}

/* In a child: the call on the dead connection; exit 0 when all is well. */
static int child(xhp_ctx *ctx)
{
	sigset_t mask, pending;
	int r;

	signal(SIGPIPE, SIG_DFL);
	other_thread_restores = 1;
	r = xhp_xs_write(ctx, BACKEND "/probe", "after");
	if (r != -EPIPE) {
		fprintf(stderr, "xhp_xs_write: %d (%s), want -EPIPE\n", r,
			xhp_ctx_last_error(ctx));
		return 1;
	}
	if (!strstr(xhp_ctx_last_error(ctx), "Broken pipe")) {
		fprintf(stderr, "message: %s\n", xhp_ctx_last_error(ctx));
		return 2;
	}
	if (pthread_sigmask(SIG_SETMASK, NULL, &mask) ||
	    sigismember(&mask, SIGPIPE) || sigpending(&pending) ||
	    sigismember(&pending, SIGPIPE)) {
		fprintf(stderr, "SIGPIPE left blocked or pending\n");
		return 3;
	}
	return 0;
}

static void test_closed_connection_no_sigpipe(void **state)
{
	struct xsd xsd = XSD_INIT;
	xhp_ctx *ctx;
	int status;
	pid_t pid;

	assert_int_equal(xsd_start(&xsd), 0);
	assert_int_equal(xhp_ctx_new(&ctx), 0);
	/* A connection that works, then xenstored goes away (restart). */
	assert_int_equal(xhp_xs_write(ctx, BACKEND "/probe", "before"), 0);
	xsd_stop(&xsd);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(child(ctx));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	xhp_ctx_unref(ctx);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("the call %s %d",
			 WIFSIGNALED(status) ? "was killed by signal" :
					       "exited",
			 WIFSIGNALED(status) ? WTERMSIG(status) :
					       WEXITSTATUS(status));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_closed_connection_no_sigpipe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
