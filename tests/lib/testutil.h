/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Test utilities: root checks, a throwaway network namespace, running
 * programs from argv arrays (no shell) with their output captured,
 * xenstore keys through libxenstore.
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
 * Delete every link of the current network namespace (`ip -o link show`,
 * then `ip link del` each) but lo and those named in @keep (NULL-terminated,
 * may be NULL). Best effort: a link that is already gone (a veth's peer) is
 * fine. Returns 0, or the failure of listing the links (-errno or the exit
 * status of ip).
 */
int tu_links_del_all(const char *const keep[]);

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

/* Sleep @ms milliseconds. */
void tu_sleep_ms(int ms);

/* Wait up to @timeout_ms until file @path holds @what: 0, -ETIMEDOUT. */
int tu_wait_file_has(const char *path, const char *what, int timeout_ms);

/* The master of link @dev (`ip -o link show`), "" when none; in @buf. */
const char *tu_master_of(const char *dev, char buf[64]);

/* Wait up to @timeout_ms until @dev's master is @want: 0, -ETIMEDOUT. */
int tu_wait_master(const char *dev, const char *want, int timeout_ms);

/* Build an environment: @base (NULL: environ) plus "K=V" overrides in
 * @add (NULL-terminated). Free with tu_env_free. */
char **tu_env(char *const base[], const char *const add[]);
void tu_env_free(char **env);

/*
 * xenstore through libxenstore, on the connection @xs or, when @xs is NULL,
 * on one opened (xs_open(0), XENSTORED_PATH) for this call and closed.
 */
struct xs_handle;

/*
 * The value at @path, NUL-terminated; caller frees. NULL with errno set
 * when it cannot be read (ENOENT: no such key).
 */
char *tu_xs_read(struct xs_handle *xs, const char *path);

/* Write @value (a string) at @path. Returns 0 or -errno. */
int tu_xs_write(struct xs_handle *xs, const char *path, const char *value);

/* Write the @len bytes at @value (NULs included). Returns 0 or -errno. */
int tu_xs_write_len(struct xs_handle *xs, const char *path, const void *value,
		    size_t len);

/*
 * Remove @path and everything under it; a missing key is no error.
 * Returns 0 or -errno.
 */
int tu_xs_rm(struct xs_handle *xs, const char *path);

#endif
