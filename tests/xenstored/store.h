/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * Node store of the libxhp test xenstored.
 *
 * Modelled on xenstored's data base: a flat map from canonical absolute path
 * to a node record (value, permissions, NUL-separated child names and a
 * generation count).  Transactions keep a private overlay of every node they
 * access; a commit fails with EAGAIN if a node first read inside the
 * transaction has a different generation in the main store (it was written,
 * created or deleted by somebody else meanwhile).  Watch events of a
 * transaction are queued and delivered on successful commit.
 *
 * All paths given to the store must be canonical and valid (see
 * xs_path_valid()).  Functions return 0 or a positive errno value.
 */
#ifndef XSD_STORE_H
#define XSD_STORE_H

#include <stdbool.h>
#include <stdint.h>

struct xs_store;
struct xs_tx;

/* Called for every change outside a transaction, and on commit. */
typedef void (*xs_fire_fn)(void *opaque, const char *path, bool exact);

struct xs_store *xs_store_new(xs_fire_fn fire, void *opaque);
void xs_store_free(struct xs_store *s);

/* Path checks of xenstored's is_valid_nodename(). */
bool xs_path_valid(const char *path);

struct xs_tx *xs_tx_start(struct xs_store *s);
/* Whether tx wrote, created or deleted the node at path. */
bool xs_tx_modified(const struct xs_tx *tx, const char *path);
/* Ends (and frees) tx; on commit returns EAGAIN on conflict. */
int xs_tx_end(struct xs_store *s, struct xs_tx *tx, bool commit);

/* Pointers returned stay valid until the next modifying call. */
int xs_store_read(struct xs_store *s, struct xs_tx *tx, const char *path,
		  const void **data, uint32_t *len);
int xs_store_write(struct xs_store *s, struct xs_tx *tx, const char *path,
		   const void *data, uint32_t len);
int xs_store_mkdir(struct xs_store *s, struct xs_tx *tx, const char *path);
int xs_store_rm(struct xs_store *s, struct xs_tx *tx, const char *path);
int xs_store_directory(struct xs_store *s, struct xs_tx *tx, const char *path,
		       const char **children, uint32_t *len,
		       uint64_t *generation);
int xs_store_get_perms(struct xs_store *s, struct xs_tx *tx, const char *path,
		       const char **perms, uint32_t *len);
/* perms: NUL-terminated permission strings ("n0\0r5\0"), count >= 1. */
int xs_store_set_perms(struct xs_store *s, struct xs_tx *tx, const char *path,
		       const char *perms, uint32_t len);

#endif /* XSD_STORE_H */
