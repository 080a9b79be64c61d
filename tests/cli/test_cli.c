// SPDX-License-Identifier: LGPL-2.1-or-later
/* The CLI: help, version, parse output, dispatch by name, exit codes. */
#include <libgen.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"
#include "xsd_harness.h"

static int run(char **out, const char *const add[], const char *arg0, ...)
{
	char **env = tu_env(NULL, add);
	va_list ap;
	int r;

	va_start(ap, arg0);
	r = tu_runv(out, env, 10000, (const char *const[]){ arg0, NULL }, ap);
	va_end(ap);
	tu_env_free(env);
	return r;
}

static const char *const libxl_env[] = {
	"XENBUS_PATH=backend/vif/3/1",
	"XENBUS_TYPE=vif",
	"XENBUS_BASE_PATH=backend",
	"vif=vif3.1",
	"script=/etc/xen/scripts/vif-bridge",
	"XENSTORED_PATH=/nonexistent",
	NULL,
};

static void test_version_help(void **state)
{
	char *out;

	assert_int_equal(run(&out, NULL, XHP_CLI, "--version", NULL), 0);
	assert_true(!strncmp(out, "xhp-hotplug ", 12));
	free(out);
	assert_int_equal(run(&out, NULL, XHP_CLI, "--help", NULL), 0);
	assert_non_null(strstr(out, "vif-bridge vif-openvswitch vif-route "
				    "block"));
	free(out);
	assert_int_equal(run(&out, NULL, XHP_CLI, NULL), 2);
	free(out);
	assert_int_equal(run(&out, NULL, XHP_CLI, "vif-frob", "online", NULL),
			 2);
	assert_non_null(strstr(out, "unknown personality"));
	free(out);
}

static void test_parse_output(void **state)
{
	char *out;

	assert_int_equal(run(&out, libxl_env, XHP_CLI, "parse", "online",
			     "type_if=vif", "bridge=xenbr1", NULL),
			 0);
	assert_non_null(strstr(out, "action=online\nkind=vif\nnoop=0\n"
				    "backend_path=backend/vif/3/1\n"
				    "xenbus_type=vif\ndomid=3\ndevid=1\n"
				    "device=vif3.1\n"));
	assert_non_null(strstr(out, "setting.bridge=xenbr1\n"
				    "setting.bridge.source=arguments\n"
				    "setting.bridge.used_by=vif-bridge "
				    "vif-openvswitch\n"
				    "setting.bridge.not_used_by=vif-route "
				    "block policy\n"));
	free(out);
	/* A setting nobody reads is said so, never dropped silently. */
	assert_int_equal(run(&out, libxl_env, XHP_CLI, "parse", "online",
			     "mtu=1400", "frob=1", NULL),
			 0);
	assert_non_null(strstr(out, "setting.mtu.not_used_by=vif-openvswitch "
				    "vif-route block policy\n"));
	assert_non_null(strstr(out, "setting.frob.note=not a setting of any "
				    "personality: ignored\n"));
	free(out);
	/* Shell syntax is data: nothing is evaluated; as a bridge name it
	 * is refused by the bridge's parser, naming key, source and value. */
	assert_int_equal(run(&out, libxl_env, XHP_CLI, "parse", "online",
			     "iface_id=$(touch /tmp/xhp-pwned)", NULL),
			 0);
	assert_non_null(
		strstr(out, "setting.iface_id=$(touch /tmp/xhp-pwned)"));
	free(out);
	assert_int_equal(run(&out, libxl_env, XHP_CLI, "parse", "online",
			     "bridge=$(touch /tmp/xhp-pwned)", NULL),
			 1);
	assert_non_null(strstr(out, "bad bridge '$(touch /tmp/xhp-pwned)' "
				    "from the arguments"));
	assert_int_equal(access("/tmp/xhp-pwned", F_OK), -1);
	free(out);
	/* Every value is checked whatever its source (mtu: 68..65535). */
	assert_int_equal(run(&out, libxl_env, XHP_CLI, "parse", "online",
			     "mtu=abc", NULL),
			 1);
	assert_non_null(strstr(out, "bad mtu 'abc' from the arguments"));
	free(out);
	assert_int_equal(run(&out, libxl_env, XHP_CLI, "parse", "online",
			     "mac=garbage", NULL),
			 1);
	assert_non_null(strstr(out, "bad mac 'garbage' from the arguments"));
	free(out);
}

static void test_parse_errors(void **state)
{
	char *out;

	assert_int_equal(run(&out, libxl_env, XHP_CLI, "parse", "frob", NULL),
			 1);
	assert_non_null(strstr(out, "unknown command 'frob'"));
	free(out);
	assert_int_equal(run(&out, libxl_env, XHP_CLI, "parse", "online",
			     "a-b=1", NULL),
			 1);
	assert_non_null(strstr(out, "malformed argument"));
	free(out);
	/* vif-route's gateway device must be an interface name. */
	assert_int_equal(run(&out, libxl_env, XHP_CLI, "parse", "online",
			     "netdev=eth0/x y", NULL),
			 1);
	assert_non_null(strstr(out, "bad netdev 'eth0/x y' from the "
				    "arguments: expected an interface name"));
	free(out);
	assert_int_equal(run(&out, libxl_env, XHP_CLI, "parse", "online",
			     "gatewaydev=a:b", NULL),
			 1);
	assert_non_null(strstr(out, "bad gatewaydev 'a:b' from the "
				    "arguments: expected an interface name"));
	free(out);
}

static void test_dispatch_by_name_and_noop(void **state)
{
	char dir[4096], path[4200], *out;

	snprintf(dir, sizeof(dir), "%s", XHP_CLI);
	dirname(dir);
	snprintf(path, sizeof(path), "%s/vif-bridge", dir);
	/* online of a tap: Xen's rules say nothing to do, so no xenstore */
	assert_int_equal(run(&out, libxl_env, path, "online", "type_if=tap",
			     "INTERFACE=vif3.1-emu", NULL),
			 0);
	free(out);
	/* a real run needs xenstore: a clear error and exit 1 */
	assert_int_equal(
		run(&out, libxl_env, path, "online", "type_if=vif", NULL), 1);
	assert_non_null(strstr(out, "xenstore"));
	free(out);
	/* block does not serve vif devices */
	snprintf(path, sizeof(path), "%s/block", dir);
	assert_int_equal(run(&out, libxl_env, path, "add", NULL), 1);
	assert_non_null(strstr(out, "block does not handle vif devices"));
	free(out);
}

/*
 * A run whose arguments do not parse still reports to its backend (which
 * libxl made, with hotplug-status ""); one that does not exist is never
 * created.
 */
static void test_parse_failure_is_reported(void **state)
{
	static const char *const env[] = { "XENBUS_PATH=backend/vif/3/1",
					   "XENBUS_TYPE=vif", NULL };
	struct xsd xsd = XSD_INIT;
	char *out, *v;

	assert_int_equal(xsd_start(&xsd), 0);
	/* A backend that does not exist is never created. */
	assert_int_equal(run(&out, env, XHP_CLI, "vif-bridge", "online",
			     "type_if=vif", NULL),
			 1);
	assert_non_null(strstr(out, "missing vif"));
	free(out);
	assert_null(tu_xs_read(NULL, "backend/vif/3/1"));
	/* One that exists gets the error. */
	assert_int_equal(
		tu_xs_write(NULL, "backend/vif/3/1/hotplug-status", ""), 0);
	assert_int_equal(run(&out, env, XHP_CLI, "vif-bridge", "online",
			     "type_if=vif", NULL),
			 1);
	free(out);
	v = tu_xs_read(NULL, "backend/vif/3/1/hotplug-status");
	assert_string_equal(v, "error");
	free(v);
	v = tu_xs_read(NULL, "backend/vif/3/1/hotplug-error");
	assert_non_null(strstr(v, "missing vif"));
	free(v);
	/* A connected device is left alone: an argument error says nothing
	 * about it (checked in the write's transaction). */
	assert_int_equal(tu_xs_write(NULL, "backend/vif/3/1/hotplug-status",
				     "connected"),
			 0);
	assert_int_equal(tu_xs_write(NULL, "backend/vif/3/1/hotplug-error", ""),
			 0);
	assert_int_equal(run(&out, env, XHP_CLI, "vif-bridge", "online",
			     "type_if=vif", NULL),
			 1);
	assert_non_null(strstr(out, "missing vif"));
	free(out);
	v = tu_xs_read(NULL, "backend/vif/3/1/hotplug-status");
	assert_string_equal(v, "connected");
	free(v);
	v = tu_xs_read(NULL, "backend/vif/3/1/hotplug-error");
	assert_string_equal(v, "");
	free(v);
	xsd_stop(&xsd);
	assert_true(xsd_exited_cleanly(&xsd));
}

/*
 * Under a personality's name, --help and --version print and exit 0; they
 * are no command, and nothing is reported to the backend in xenstore.
 */
struct personality_fixture {
	struct xsd xsd;
	char *dir; /* holds the vif-bridge symlink */
};

static int personality_setup(void **state)
{
	static struct personality_fixture f = { XSD_INIT, NULL };

	f.xsd = (struct xsd)XSD_INIT;
	f.dir = tu_mkdtemp("cli");
	if (!f.dir)
		return -1;
	*state = &f;
	return xsd_start(&f.xsd) < 0 ? -1 : 0;
}

/* Also after a failed assertion: no daemon or directory left. */
static int personality_teardown(void **state)
{
	struct personality_fixture *f = *state;
	bool clean;

	xsd_stop(&f->xsd);
	clean = xsd_exited_cleanly(&f->xsd);
	tu_rmtree(f->dir);
	free(f->dir);
	return clean ? 0 : -1;
}

static void test_personality_help_version(void **state)
{
	static const char *const env[] = { "XENBUS_PATH=backend/vif/3/1",
					   "XENBUS_TYPE=vif", "vif=vif3.1",
					   NULL };
	struct personality_fixture *f = *state;
	char link[4200], *out, *v;
	int i;

	snprintf(link, sizeof(link), "%s/vif-bridge", f->dir);
	assert_int_equal(symlink(XHP_CLI, link), 0);
	for (i = 0; i < 2; i++) {
		const char *opt = i ? "-h" : "--help";

		assert_int_equal(run(&out, env, link, opt, NULL), 0);
		assert_non_null(strstr(out, "Usage: vif-bridge [OPTIONS] "
					    "COMMAND"));
		assert_non_null(strstr(out, "-n, --dry-run"));
		assert_non_null(strstr(out, "--timeout SECONDS"));
		assert_null(strstr(out, "unknown command"));
		free(out);
	}
	assert_int_equal(run(&out, env, link, "--version", NULL), 0);
	assert_true(!strncmp(out, "vif-bridge (xhp-hotplug) ", 25));
	free(out);
	/* The same through xhp-hotplug PERSONALITY. */
	assert_int_equal(run(&out, env, XHP_CLI, "vif-route", "--help", NULL),
			 0);
	assert_non_null(strstr(out, "Usage: vif-route [OPTIONS] COMMAND"));
	free(out);
	assert_int_equal(
		run(&out, env, XHP_CLI, "vif-route", "--version", NULL), 0);
	assert_true(!strncmp(out, "vif-route (xhp-hotplug) ", 24));
	free(out);
	v = tu_xs_read(NULL, "backend/vif/3/1/hotplug-status");
	assert_null(v);
	v = tu_xs_read(NULL, "backend/vif/3/1/hotplug-error");
	assert_null(v);
	/* The xenstore reads above were real: a bad command is reported. */
	assert_int_equal(
		tu_xs_write(NULL, "backend/vif/3/1/hotplug-status", ""), 0);
	assert_int_equal(run(&out, env, link, "frob", NULL), 1);
	assert_non_null(strstr(out, "unknown command 'frob'"));
	free(out);
	v = tu_xs_read(NULL, "backend/vif/3/1/hotplug-status");
	assert_string_equal(v, "error");
	free(v);
}

/*
 * An argument with a leading '-' anywhere but between the personality and
 * the command is a usage error: exit 2, a message, and nothing written to
 * xenstore: a connected vif stays connected (issue 12).
 */
static void test_misplaced_option_is_usage_error(void **state)
{
	static const char *const env[] = { "XENBUS_PATH=backend/vif/1/0",
					   "XENBUS_TYPE=vif", "vif=vif1.0",
					   NULL };
	static const struct {
		const char *argv[8]; /* after the program */
		const char *msg;
	} cases[] = {
		{ { "online", "--dry-run", "type_if=vif" },
		  "unexpected argument '--dry-run' after the command: options "
		  "go between vif-bridge and the command" },
		{ { "online", "type_if=vif", "-n" },
		  "unexpected argument '-n' after the command" },
		{ { "online", "type_if=vif", "-x\nforged" },
		  "unexpected argument '-x\\x0aforged'" },
		{ { "--frob", "online", "type_if=vif" },
		  "unknown option '--frob' (see vif-bridge --help)" },
		{ { "-n" }, "missing COMMAND (see vif-bridge --help)" },
		{ { NULL }, "missing COMMAND (see vif-bridge --help)" },
		{ { "--timeout" }, "--timeout needs a value" },
		{ { "--timeout", "0", "online", "type_if=vif" },
		  "bad --timeout '0' (seconds, up to 86400)" },
		{ { "--timeout", "-1", "online", "type_if=vif" },
		  "bad --timeout '-1'" },
		{ { "--timeout", "5s", "online", "type_if=vif" },
		  "bad --timeout '5s'" },
		{ { "--timeout", "nan", "online", "type_if=vif" },
		  "bad --timeout 'nan'" },
		{ { "--timeout", "86401", "online", "type_if=vif" },
		  "bad --timeout '86401'" },
	};
	struct personality_fixture *f = *state;
	char link[4200], *out, *v;
	const char *argv[12];
	size_t i, j, k;

	snprintf(link, sizeof(link), "%s/vif-bridge", f->dir);
	assert_int_equal(symlink(XHP_CLI, link), 0);
	assert_int_equal(tu_xs_write(NULL, "backend/vif/1/0/hotplug-status",
				     "connected"),
			 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* As vif-bridge, then as xhp-hotplug vif-bridge. */
		for (k = 0; k < 2; k++) {
			char **e;
			int r;

			j = 0;
			argv[j++] = k ? XHP_CLI : link;
			if (k)
				argv[j++] = "vif-bridge";
			for (size_t a = 0; cases[i].argv[a]; a++)
				argv[j++] = cases[i].argv[a];
			argv[j] = NULL;
			e = tu_env(NULL, env);
			r = tu_run((char *const *)argv, e, 10000, &out);
			tu_env_free(e);
			if (r != 2 || !strstr(out, cases[i].msg))
				fail_msg("case %zu/%zu: exit %d, output '%s', "
					 "expected 2 and '%s'",
					 i, k, r, out, cases[i].msg);
			free(out);
		}
	}
	/* Before the personality: only xhp-hotplug's own --help/--version. */
	assert_int_equal(run(&out, env, XHP_CLI, "-n", "vif-bridge", "online",
			     "type_if=vif", NULL),
			 2);
	assert_non_null(strstr(out, "unknown option '-n': options go after "
				    "the personality"));
	free(out);
	assert_int_equal(run(&out, env, XHP_CLI, "--dry-run", "vif-bridge",
			     "online", "type_if=vif", NULL),
			 2);
	free(out);
	v = tu_xs_read(NULL, "backend/vif/1/0/hotplug-status");
	assert_string_equal(v, "connected");
	free(v);
	assert_null(tu_xs_read(NULL, "backend/vif/1/0/hotplug-error"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version_help),
		cmocka_unit_test(test_parse_output),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_dispatch_by_name_and_noop),
		cmocka_unit_test(test_parse_failure_is_reported),
		cmocka_unit_test_setup_teardown(test_personality_help_version,
						personality_setup,
						personality_teardown),
		cmocka_unit_test_setup_teardown(
			test_misplaced_option_is_usage_error, personality_setup,
			personality_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
