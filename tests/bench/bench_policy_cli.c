// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * bench_policy_cli: what a Xen user pays for the guest network policy.
 *
 * vif-bridge online of a first plug, as libxl runs a hotplug script: a
 * process per plug (the vif-bridge personality link of xhp-hotplug,
 * argv "online type_if=vif", libxl's environment: script, XENBUS_TYPE,
 * XENBUS_PATH, XENBUS_BASE_PATH, vif, netdev), posix_spawn'd with a 40 s
 * deadline; a tap stands in for netback's vif, on a Linux bridge, in a
 * throwaway network namespace, the backend in the test xenstore daemon
 * holding mac and ip (and what else libxl writes). Side by side,
 * interleaved rep by rep:
 *   A. with the policy: XHP_CONFIG names a file "antispoof = auto"
 *      (the backend has ip: anti-spoofing applies);
 *   B. without: a file "antispoof = off";
 *   F. xhp-hotplug --version: the floor of a process of this binary
 *      (exec, dynamic linking), nothing read or written;
 *   X. Xen's /etc/xen/scripts/vif-bridge, for scale (no policy: Debian
 *      disables its handle_iptable), when it runs in this set-up.
 * Each online follows an offline by the same program and hotplug-status
 * pre-written "" (as libxl does), neither timed; each must end with
 * hotplug-status connected. Prints medians and 90th percentiles in
 * milliseconds, and A/B (the goal of issue 15: <= 1.2).
 *
 * Usage: bench_policy_cli [reps] [--no-xen] [--abba]   (root; 200 reps)
 *   --no-xen: A, B and F only, without Xen's script in between;
 *   --abba: B before A in every other rep (A, B, F, X; B, A, F, X; ...),
 *           which evens out what running first or second in a rep costs
 *           (the default is A before B in every rep).
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <xenstore.h>

#include "bench.h"
#include "testutil.h"
#include "xsd_harness.h"

#define DOMID "7315"
#define VIF "vif" DOMID ".0"
#define BRIDGE "bpcli7315"
#define BACKEND "backend/vif/" DOMID "/0"
#define FRONTEND "/local/domain/" DOMID "/device/vif/0"
#define XEN_SCRIPT "/etc/xen/scripts/vif-bridge"
#define OUR_SCRIPT XHP_PERSONALITY_DIR "/vif-bridge"
#define OUR_CLI XHP_PERSONALITY_DIR "/xhp-hotplug"
#define DEADLINE_MS 40000 /* libxl's */

enum { WITH, WITHOUT, FLOOR, XEN, N_WAYS };
static const char *const way_names[N_WAYS] = { "with (antispoof auto)",
					       "without (antispoof off)",
					       "xhp-hotplug --version",
					       "Xen vif-bridge (none)" };

/* Everything to undo at exit, whatever the path to it. */
static struct {
	struct xsd xsd;
	struct xs_handle *xs;
	char *dir; /* config files and the children's stderr */
	char **env[N_WAYS];
} g = { .xsd = XSD_INIT };

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void cleanup(void)
{
	int i;

	for (i = 0; i < N_WAYS; i++)
		tu_env_free(g.env[i]);
	if (g.xs)
		xs_close(g.xs);
	g.xs = NULL;
	xsd_stop(&g.xsd);
	tu_rmtree(g.dir);
	free(g.dir);
	g.dir = NULL;
}

static char *in_dir(const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", g.dir, name) < 0)
		bench_die("asprintf");
	return p;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		bench_die(path);
}

/* libxl's environment for the script @script, plus XHP_CONFIG=@conf. */
static char **libxl_env(const char *script, const char *conf)
{
	char s[256], c[256];
	const char *add[] = { s,
			      "XENBUS_TYPE=vif",
			      "XENBUS_PATH=" BACKEND,
			      "XENBUS_BASE_PATH=backend",
			      "vif=" VIF,
			      "netdev=",
			      conf ? c : NULL,
			      NULL };
	char **env;

	snprintf(s, sizeof(s), "script=%s", script);
	snprintf(c, sizeof(c), "XHP_CONFIG=%s", conf ? conf : "");
	env = tu_env(NULL, add);
	if (!env)
		bench_die("tu_env");
	return env;
}

/* The backend and frontend directories as libxl writes them. */
static void write_backend(void)
{
	static const char *const kv[][2] = {
		{ BACKEND "/frontend", FRONTEND },
		{ BACKEND "/frontend-id", DOMID },
		{ BACKEND "/online", "1" },
		{ BACKEND "/state", "2" },
		{ BACKEND "/script", XEN_SCRIPT },
		{ BACKEND "/mac", "00:16:3e:73:15:01" },
		{ BACKEND "/ip", "10.73.15.2 fd00:7315::2" },
		{ BACKEND "/bridge", BRIDGE },
		{ BACKEND "/handle", "0" },
		{ BACKEND "/type", "vif" },
		{ FRONTEND "/backend", "/local/domain/0/" BACKEND },
		{ FRONTEND "/backend-id", "0" },
		{ FRONTEND "/handle", "0" },
		{ FRONTEND "/mac", "00:16:3e:73:15:01" },
	};
	size_t i;

	for (i = 0; i < sizeof(kv) / sizeof(kv[0]); i++)
		if (tu_xs_write(g.xs, kv[i][0], kv[i][1]) < 0)
			bench_die("xenstore");
}

/*
 * Run @way's script with @action; online is timed (wall[0], and the
 * CPU time, user and system, of the process and its children in cpu[0])
 * and must leave hotplug-status connected. Returns 0, or -1 with a
 * message on stderr.
 */
static int run(int way, const char *action, double *wall, double *cpu)
{
	char *argv[] = { way == XEN ? XEN_SCRIPT : OUR_SCRIPT, (char *)action,
			 "type_if=vif", NULL };
	char *floor[] = { OUR_CLI, "--version", NULL };
	char *err = in_dir("stderr"), *out = NULL, *st = NULL;
	struct rusage ru;
	bool online = way != FLOOR && !strcmp(action, "online");
	double t0;
	int r;

	if (online && tu_xs_write(g.xs, BACKEND "/hotplug-status", "") < 0)
		bench_die("xenstore");
	t0 = bench_now_ms();
	r = bench_spawn(way == FLOOR ? floor : argv, g.env[way], err,
			DEADLINE_MS, &ru);
	if (wall)
		*wall = bench_now_ms() - t0;
	if (cpu)
		*cpu = ru.ru_utime.tv_sec * 1e3 + ru.ru_utime.tv_usec / 1e3 +
		       ru.ru_stime.tv_sec * 1e3 + ru.ru_stime.tv_usec / 1e3;
	if (r == 0 && online)
		st = tu_xs_read(g.xs, BACKEND "/hotplug-status");
	if (r != 0 || (online && (!st || strcmp(st, "connected")))) {
		char why[64];

		if (r < 0)
			snprintf(why, sizeof(why), "%s", strerror(-r));
		else
			snprintf(why, sizeof(why), "exit status %d", r);
		out = tu_read_file(err);
		fprintf(stderr, "%s %s: %s, hotplug-status '%s': %s\n",
			way_names[way], action, why, st ? st : "(none)",
			out ? out : "");
		r = -1;
	}
	free(out);
	free(st);
	free(err);
	return r;
}

/* The chains of the vif in the kernel's ruleset: does it have any? */
static bool has_chain(void)
{
	char *out = NULL;
	bool yes;

	if (tu_runl(&out, "nft", "list", "ruleset", NULL) != 0)
		bench_die("nft list ruleset");
	yes = strstr(out, "dev-" VIF) != NULL;
	free(out);
	return yes;
}

/*
 * One online+offline of each way first (not timed): A must install the
 * vif's chains and B none, or the comparison is not the one intended;
 * Xen's script is left out (false) when it cannot run here or @no_xen.
 */
static bool warm_up(bool no_xen)
{
	bool chain[2];
	int w;

	for (w = WITH; w <= WITHOUT; w++) {
		if (run(w, "online", NULL, NULL) < 0)
			bench_die("online");
		chain[w] = has_chain();
		if (run(w, "offline", NULL, NULL) < 0)
			bench_die("offline");
	}
	if (!chain[WITH] || chain[WITHOUT] || has_chain()) {
		fprintf(stderr, "the policy chain: with %d, without %d\n",
			chain[WITH], chain[WITHOUT]);
		bench_die("checking the policy");
	}
	if (no_xen)
		return false;
	if (access(XEN_SCRIPT, X_OK) < 0) {
		printf("Xen's %s: not run (%s)\n\n", XEN_SCRIPT,
		       strerror(errno));
		return false;
	}
	if (run(XEN, "online", NULL, NULL) < 0 ||
	    run(XEN, "offline", NULL, NULL) < 0) {
		printf("Xen's %s: not run (it fails here, above)\n\n",
		       XEN_SCRIPT);
		return false;
	}
	return true;
}

/* Median and p90 of the wall times @v, median of the CPU times @c. */
static void row(const char *name, double *v, double *c, int n, double *med,
		double *cmed)
{
	double p50 = bench_pct(v, n, 0.5), p90 = bench_pct(v, n, 0.9);

	*med = p50;
	*cmed = bench_pct(c, n, 0.5);
	printf("%-26s %10.3f %10.3f %10.3f\n", name, p50, p90, *cmed);
}

/*
 * @t: per way @reps wall times, then per way @reps CPU times, then the
 * @reps pairwise ratios A_i/B_i of the wall times. @abba: B before A in
 * the odd reps.
 */
static int measure(int reps, bool xen, bool abba, double *t)
{
	double *cpu = t + N_WAYS * (size_t)reps;
	double *ratio = cpu + N_WAYS * (size_t)reps;
	double med[N_WAYS] = { 0 }, cmed[N_WAYS] = { 0 };
	int i, j, w, n = 0;

	for (i = 0; i < reps && !interrupted; i++, n++) {
		for (j = WITH; j < (xen ? N_WAYS : XEN); j++) {
			size_t k;

			w = abba && (i & 1) && j <= WITHOUT ? WITHOUT - j : j;
			k = w * (size_t)reps + i;
			if (run(w, "online", &t[k], &cpu[k]) < 0 ||
			    (w != FLOOR && run(w, "offline", NULL, NULL) < 0))
				return -1;
		}
		ratio[i] = t[i] / t[reps + i];
	}
	if (n < 2)
		return -1;
	printf("vif-bridge online of " VIF " on " BRIDGE
	       ", a process per plug as libxl runs it,\nfirst plug (offline "
	       "between, not timed), backend with mac and ip;\n%d reps, "
	       "interleaved: A B F%s%s\n",
	       n, xen ? " X" : "",
	       abba ? (xen ? ", then B A F X" : ", then B A F") : " each rep");
	printf("%-26s %10s %10s %10s\n", "policy", "median ms", "p90 ms",
	       "CPU ms");
	for (w = WITH; w < (xen ? N_WAYS : XEN); w++)
		row(way_names[w], t + w * (size_t)reps, cpu + w * (size_t)reps,
		    n, &med[w], &cmed[w]);
	printf("with/without: %.2fx (goal <= 1.2x); median of the %d "
	       "pairwise ratios: %.2fx, p90 %.2fx\n",
	       med[WITH] / med[WITHOUT], n, bench_pct(ratio, n, 0.5),
	       bench_pct(ratio, n, 0.9));
	printf("with - without: %.3f ms (medians); over the floor: with "
	       "%.3f ms, without %.3f ms\n",
	       med[WITH] - med[WITHOUT], med[WITH] - med[FLOOR],
	       med[WITHOUT] - med[FLOOR]);
	printf("CPU (user+system of the process): with/without %.2fx, "
	       "with - without %.3f ms\n",
	       cmed[WITH] / cmed[WITHOUT], cmed[WITH] - cmed[WITHOUT]);
	if (xen)
		printf("Xen/without: %.1fx, Xen/with: %.1fx\n",
		       med[XEN] / med[WITHOUT], med[XEN] / med[WITH]);
	return interrupted ? -1 : 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	bool no_xen = false, abba = false, xen;
	int reps = 200, i, r;
	char *conf[2];
	double *t;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--no-xen"))
			no_xen = true;
		else if (!strcmp(argv[i], "--abba"))
			abba = true;
		else if (i == 1 && atoi(argv[i]) >= 2)
			reps = atoi(argv[i]);
		else {
			fprintf(stderr, "usage: bench_policy_cli [reps >= 2] "
					"[--no-xen] [--abba]\n");
			return 2;
		}
	}
	bench_xen_ns_enter();
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	atexit(cleanup);
	g.dir = tu_mkdtemp("bench-policy-cli");
	if (!g.dir || xsd_start(&g.xsd) < 0 || !(g.xs = xs_open(0)))
		bench_die("set-up");
	conf[WITH] = in_dir("with.conf");
	conf[WITHOUT] = in_dir("without.conf");
	write_file(conf[WITH], "antispoof = auto\n");
	write_file(conf[WITHOUT], "antispoof = off\n");
	g.env[WITH] = libxl_env(OUR_SCRIPT, conf[WITH]);
	g.env[WITHOUT] = libxl_env(OUR_SCRIPT, conf[WITHOUT]);
	g.env[FLOOR] = libxl_env(OUR_SCRIPT, NULL);
	g.env[XEN] = libxl_env(XEN_SCRIPT, NULL);
	free(conf[WITH]);
	free(conf[WITHOUT]);
	write_backend();
	bench_sh("ip", "link", "add", BRIDGE, "type", "bridge", NULL);
	bench_sh("ip", "link", "set", BRIDGE, "up", NULL);
	bench_sh("ip", "tuntap", "add", "dev", VIF, "mode", "tap", NULL);
	xen = warm_up(no_xen);
	t = calloc((2 * N_WAYS + 1) * (size_t)reps, sizeof(*t));
	if (!t)
		bench_die("calloc");
	r = measure(reps, xen, abba, t);
	free(t);
	return r < 0 ? 1 : 0;
}
