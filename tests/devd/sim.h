/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A netback/libxl simulator for the daemon's tests and benchmarks: writes
 * backends as libxl writes them (one transaction, state 1), walks state
 * 1 -> 2 as netback does, waits for hotplug-status, goes to 4; unplugs
 * with online 0, state 5 -> 6 and removes the backend directory as
 * libxl__device_destroy does. And the daemon as a process.
 */
#ifndef XHP_SIM_H
#define XHP_SIM_H

#include <stdbool.h>
#include <sys/types.h>

struct xs_handle;

#define SIM_BE "/local/domain/0/backend"

/* Write backend vif/<domid>/<devid> (and its frontend dir) at state 1.
 * @script: NULL for none. Returns 0 or -errno. */
int sim_vif_create(struct xs_handle *xs, unsigned int domid, unsigned int devid,
		   const char *bridge, const char *script);
/* Backend vbd/<domid>/<devid> for @params (a file), mode w. */
int sim_vbd_create(struct xs_handle *xs, unsigned int domid, unsigned int devid,
		   const char *params);
/* Write <backend>/state. @type "vif" or "vbd". */
int sim_state(struct xs_handle *xs, const char *type, unsigned int domid,
	      unsigned int devid, int state);
/* online 0, state 5, state 6, then remove the backend and frontend. */
int sim_destroy(struct xs_handle *xs, const char *type, unsigned int domid,
		unsigned int devid);
/*
 * Wait until <backend>/<key> reads @want (NULL: until it is missing),
 * polling every 5 ms, at most @timeout_ms. Returns 0 or -ETIMEDOUT.
 */
int sim_wait(struct xs_handle *xs, const char *type, unsigned int domid,
	     unsigned int devid, const char *key, const char *want,
	     int timeout_ms);
/* malloc'd value of <backend>/<key>, or NULL. */
char *sim_read(struct xs_handle *xs, const char *type, unsigned int domid,
	       unsigned int devid, const char *key);

/* Run the daemon: xhp-devd --foreground --lock-dir @lock_dir
 * --state-file @lock_dir/devd-state.json [@extra...] (NULL-terminated),
 * stderr to @log. Returns the pid or -errno. */
pid_t sim_devd_start(const char *devd, const char *lock_dir, const char *log,
		     const char *const extra[]);
/* SIGTERM, then wait up to @timeout_ms (then SIGKILL). Returns the exit
 * status (0..255), 128+signal, or -errno. */
int sim_devd_stop(pid_t pid, int timeout_ms);
/* Wait for @pid to exit by itself, up to @timeout_ms: as sim_devd_stop. */
int sim_wait_exit(pid_t pid, int timeout_ms);
/* Wait for a file to exist, up to @timeout_ms: 0 or -ETIMEDOUT. */
int sim_wait_file(const char *path, int timeout_ms);

#endif
