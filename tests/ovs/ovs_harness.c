// SPDX-License-Identifier: LGPL-2.1-or-later
/* A private ovsdb-server + ovs-vswitchd for tests (see ovs_harness.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ovs_harness.h"
#include "testutil.h"

#define SCHEMA "/usr/share/openvswitch/vswitch.ovsschema"

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* fork+exec @argv with stdout/stderr to @log; dies with its parent. */
static pid_t spawn(char *const argv[], const char *log)
{
	pid_t parent = getpid(), pid = fork();
	int fd;

	if (pid != 0)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
	}
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		dup2(fd, 0);
	execvp(argv[0], argv);
	_exit(127);
}

static void stop_pid(pid_t *pid)
{
	int i, status;

	if (*pid <= 0)
		return;
	kill(*pid, SIGTERM);
	for (i = 0; i < 500; i++) {
		if (waitpid(*pid, &status, WNOHANG) == *pid)
			goto done;
		sleep_ms(10);
	}
	kill(*pid, SIGKILL);
	waitpid(*pid, &status, 0);
done:
	*pid = 0;
}

static bool can_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

int ovsd_vsctl(struct ovsd *o, char **out, ...)
{
	const char *head[] = { "ovs-vsctl", o->db_arg, "--timeout=20", NULL };
	va_list ap;
	int r;

	va_start(ap, out);
	r = tu_runv(out, NULL, 30000, head, ap);
	va_end(ap);
	return r;
}

#define DAEMON_PATH_MAX (PATH_MAX + 32)

/*
 * Start the daemon @prog with @args (NULL-terminated, at most 8) and its
 * pid file, log, control socket and stderr in o->dir, named after @prog;
 * @ret_pidfile gets the pid file's path.
 */
static pid_t spawn_daemon(const struct ovsd *o, const char *prog,
			  const char *const args[],
			  char ret_pidfile[DAEMON_PATH_MAX])
{
	char log[DAEMON_PATH_MAX], ctl[DAEMON_PATH_MAX], err[DAEMON_PATH_MAX];
	char pidarg[DAEMON_PATH_MAX + 16], logarg[DAEMON_PATH_MAX + 16];
	char ctlarg[DAEMON_PATH_MAX + 16];
	const char *argv[16];
	int i = 0;

	snprintf(ret_pidfile, DAEMON_PATH_MAX, "%s/%s.pid", o->dir, prog);
	snprintf(log, sizeof(log), "%s/%s.log", o->dir, prog);
	snprintf(ctl, sizeof(ctl), "%s/%s.ctl", o->dir, prog);
	snprintf(err, sizeof(err), "%s/%s.stderr", o->dir, prog);
	snprintf(pidarg, sizeof(pidarg), "--pidfile=%s", ret_pidfile);
	snprintf(logarg, sizeof(logarg), "--log-file=%s", log);
	snprintf(ctlarg, sizeof(ctlarg), "--unixctl=%s", ctl);
	unlink(ret_pidfile);
	argv[i++] = prog;
	while (*args && i < 9)
		argv[i++] = *args++;
	argv[i++] = pidarg;
	argv[i++] = logarg;
	argv[i++] = ctlarg;
	argv[i++] = "--no-chdir";
	argv[i++] = "-vconsole:off";
	argv[i] = NULL;
	return spawn((char *const *)argv, err);
}

int ovsd_start_vswitchd(struct ovsd *o)
{
	char pid[DAEMON_PATH_MAX], remote[PATH_MAX + 8];
	int i;

	snprintf(remote, sizeof(remote), "unix:%s", o->sock);
	o->vs_pid = spawn_daemon(o, "ovs-vswitchd",
				 (const char *const[]){ remote, NULL }, pid);
	if (o->vs_pid < 0)
		return -errno;
	for (i = 0; i < 1000; i++) {
		if (access(pid, F_OK) == 0)
			return 0;
		if (waitpid(o->vs_pid, NULL, WNOHANG) == o->vs_pid) {
			o->vs_pid = 0;
			return -EIO;
		}
		sleep_ms(10);
	}
	return -ETIMEDOUT;
}

void ovsd_stop_vswitchd(struct ovsd *o)
{
	stop_pid(&o->vs_pid);
}

int ovsd_start(struct ovsd *o, bool vswitchd)
{
	char db[PATH_MAX + 16], pid[DAEMON_PATH_MAX], remote[PATH_MAX + 48];
	int i, r;

	memset(o, 0, sizeof(*o));
	o->dir = tu_mkdtemp("ovs");
	if (!o->dir)
		return -errno;
	snprintf(o->sock, sizeof(o->sock), "%s/db.sock", o->dir);
	snprintf(o->db_arg, sizeof(o->db_arg), "--db=unix:%s", o->sock);
	snprintf(db, sizeof(db), "%s/conf.db", o->dir);
	setenv("OVS_RUNDIR", o->dir, 1);
	setenv("OVS_DBDIR", o->dir, 1);
	setenv("OVS_LOGDIR", o->dir, 1);
	setenv("OVS_SYSCONFDIR", o->dir, 1);
	r = tu_runl(NULL, "ovsdb-tool", "create", db, SCHEMA, NULL);
	if (r != 0) {
		r = -EIO;
		goto fail;
	}
	snprintf(remote, sizeof(remote), "--remote=punix:%s", o->sock);
	o->db_pid = spawn_daemon(o, "ovsdb-server",
				 (const char *const[]){ db, remote, NULL },
				 pid);
	if (o->db_pid < 0) {
		r = -errno;
		o->db_pid = 0;
		goto fail;
	}
	for (i = 0; i < 1000 && !can_connect(o->sock); i++)
		sleep_ms(10);
	if (!can_connect(o->sock)) {
		r = -ETIMEDOUT;
		goto fail;
	}
	if (ovsd_vsctl(o, NULL, "--no-wait", "init", NULL) != 0) {
		r = -EIO;
		goto fail;
	}
	if (vswitchd) {
		r = ovsd_start_vswitchd(o);
		if (r < 0)
			goto fail;
	}
	return 0;
fail:
	fprintf(stderr, "ovsd_start failed: %s (logs in %s)\n", strerror(-r),
		o->dir);
	ovsd_stop(o);
	return r;
}

/* ovsdb-server (started by ovsd_start) on the database file. */
static int start_db(struct ovsd *o, const char *db)
{
	char pid[DAEMON_PATH_MAX], remote[PATH_MAX + 48];
	int i;

	snprintf(remote, sizeof(remote), "--remote=punix:%s", o->sock);
	o->db_pid = spawn_daemon(o, "ovsdb-server",
				 (const char *const[]){ db, remote, NULL },
				 pid);
	if (o->db_pid < 0) {
		o->db_pid = 0;
		return -errno;
	}
	for (i = 0; i < 1000 && !can_connect(o->sock); i++)
		sleep_ms(10);
	return can_connect(o->sock) ? 0 : -ETIMEDOUT;
}

int ovsd_restart_db_empty(struct ovsd *o)
{
	char db[PATH_MAX + 16];
	int r;

	stop_pid(&o->db_pid);
	snprintf(db, sizeof(db), "%s/conf.db", o->dir);
	unlink(db);
	unlink(o->sock);
	if (tu_runl(NULL, "ovsdb-tool", "create", db, SCHEMA, NULL) != 0)
		return -EIO;
	r = start_db(o, db);
	if (r >= 0 && ovsd_vsctl(o, NULL, "--no-wait", "init", NULL) != 0)
		r = -EIO;
	return r;
}

void ovsd_stop(struct ovsd *o)
{
	stop_pid(&o->vs_pid);
	stop_pid(&o->db_pid);
	if (o->dir) {
		if (!getenv("XHP_TEST_KEEP"))
			tu_rmtree(o->dir);
		free(o->dir);
		o->dir = NULL;
	}
}

int ovsd_add_bridge(struct ovsd *o, const char *name)
{
	char dp[64];

	snprintf(dp, sizeof(dp), "datapath_type=netdev");
	return ovsd_vsctl(o, NULL, "add-br", name, "--", "set", "bridge", name,
			  dp, NULL) == 0 ?
		       0 :
		       -EIO;
}

char *ovsd_get(struct ovsd *o, const char *table, const char *record,
	       const char *column)
{
	char *out = NULL;
	size_t n;

	if (ovsd_vsctl(o, &out, "--if-exists", "get", table, record, column,
		       NULL) != 0) {
		free(out);
		return NULL;
	}
	n = strlen(out);
	while (n && (out[n - 1] == '\n' || out[n - 1] == ' '))
		out[--n] = '\0';
	return out;
}
