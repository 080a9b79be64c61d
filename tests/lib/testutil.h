/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Test utilities: root checks, a throwaway network namespace, running
 * programs from argv arrays (no shell) with their output captured.
 */
#ifndef XHP_TESTUTIL_H
#define XHP_TESTUTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#define TU_SKIP 77

/* Exit 77 (skipped) with a message unless running as root. */
void tu_require_root(const char *why);

/*
 * Move this process into a new network namespace (and bring lo up):
 * every link the test makes there is gone when the process exits.
 * Returns 0 or -errno.
 */
int tu_netns_enter(void);

/*
 * Run argv (argv[0] looked up in PATH) with @envp (NULL: inherit), stdin
 * /dev/null, stdout+stderr captured into *out (malloc'd, NUL-terminated;
 * may be NULL to discard), killed after @timeout_ms. Returns the exit
 * status (0..255), 128+signal, or -errno if it could not run.
 */
int tu_run(char *const argv[], char *const envp[], int timeout_ms, char **out);

/* tu_run with a NULL-terminated list; output discarded unless @out. */
int tu_runl(char **out, const char *arg0, ...) __attribute__((sentinel));

/*
 * tu_run of the words of @head (NULL-terminated) followed by those of @ap
 * (up to a NULL), 63 at most: for helpers taking a NULL-terminated list.
 */
int tu_runv(char **out, char *const envp[], int timeout_ms,
	    const char *const head[], va_list ap);

/* Make a fresh directory under /tmp; caller frees the path. */
char *tu_mkdtemp(const char *tag);
/* Remove a directory tree (best effort). */
void tu_rmtree(const char *path);

/* Read a whole small file into a malloc'd string, trailing newline cut. */
char *tu_read_file(const char *path);

/* Build an environment: @base (NULL: environ) plus "K=V" overrides in
 * @add (NULL-terminated). Free with tu_env_free. */
char **tu_env(char *const base[], const char *const add[]);
void tu_env_free(char **env);

#endif
