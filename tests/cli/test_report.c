// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * xhp_device_report(), which the CLI uses for arguments that do not
 * parse: a message is one line (its header says -EINVAL otherwise), and
 * a failure whose text comes from elsewhere (a block helper's own
 * hotplug-error) still reaches the backend, on one line.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <xenstore.h>

#include "testutil.h"
#include "xsd_harness.h"

#include <xhp/xhp.h>

#define BE "backend/vif/1/0"
#define VBD "backend/vbd/1/51712"

static struct xs_handle *xs;

static int setup(void **state)
{
	if (xsd_setup(state) < 0)
		return -1;
	xs = xs_open(0);
	return xs ? 0 : -1;
}

static int teardown(void **state)
{
	xs_close(xs);
	return xsd_teardown(state);
}

static void test_message_with_control_character_refused(void **state)
{
	static const char *const bad[] = {
		"cannot plug vif1.0\nvif-bridge: forged line",
		"carriage\rreturn",
		"\x1b[31mred",
		"tab\there",
		"del\x7f",
	};
	xhp_ctx *ctx;
	char *v;
	size_t i;

	assert_int_equal(xhp_ctx_new(&ctx), 0);
	assert_int_equal(tu_xs_write(xs, BE "/hotplug-status", ""), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(xhp_device_report(ctx, BE, XHP_STATUS_ERROR,
						   bad[i]),
				 -EINVAL);
		assert_non_null(strstr(xhp_ctx_last_error(ctx),
				       "hotplug-error message holds a control "
				       "character"));
		assert_int_equal(xhp_device_report(ctx, BE, XHP_STATUS_BUSY,
						   bad[i]),
				 -EINVAL);
	}
	/* Nothing written. */
	v = tu_xs_read(xs, BE "/hotplug-status");
	assert_non_null(v);
	assert_string_equal(v, "");
	free(v);
	assert_null(tu_xs_read(xs, BE "/hotplug-error"));
	/* One line is fine. */
	assert_int_equal(xhp_device_report(ctx, BE, XHP_STATUS_ERROR,
					   "one line: 'quoted' \\x0a"),
			 0);
	v = tu_xs_read(xs, BE "/hotplug-error");
	assert_string_equal(v, "one line: 'quoted' \\x0a");
	free(v);
	v = tu_xs_read(xs, BE "/hotplug-status");
	assert_string_equal(v, "error");
	free(v);
	xhp_ctx_unref(ctx);
}

/*
 * A block helper that fails with a two-line hotplug-error of its own: the
 * run still reports error, with the helper's text on one line.
 */
static void test_helper_message_reported_on_one_line(void **state)
{
	char *dir = tu_mkdtemp("report"), helper[512], script[512];
	char env_script[600], *out = NULL, *v;
	const char *add[] = { env_script, "XENBUS_PATH=" VBD, "XENBUS_TYPE=vbd",
			      NULL };
	char **env;
	FILE *f;
	int r;

	assert_non_null(dir);
	snprintf(helper, sizeof(helper), "%s/block-xhptest", dir);
	snprintf(script, sizeof(script), "%s/block", dir);
	snprintf(env_script, sizeof(env_script), "script=%s", script);
	f = fopen(helper, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n"
		   "xenstore-write \"$XENBUS_PATH/hotplug-error\" "
		   "\"first line\nsecond line\"\n"
		   "exit 1\n");
	fclose(f);
	assert_int_equal(chmod(helper, 0755), 0);
	assert_int_equal(tu_xs_write(xs, VBD "/params", "iqn.x:target"), 0);
	assert_int_equal(tu_xs_write(xs, VBD "/mode", "w"), 0);
	assert_int_equal(tu_xs_write(xs, VBD "/type", "xhptest"), 0);
	assert_int_equal(tu_xs_write(xs, VBD "/frontend-id", "1"), 0);
	assert_int_equal(tu_xs_write(xs, VBD "/state", "2"), 0);
	env = tu_env(NULL, add);
	assert_non_null(env);
	r = tu_run((char *const[]){ XHP_CLI, "block", "add", NULL }, env, 30000,
		   &out);
	tu_env_free(env);
	tu_rmtree(dir);
	free(dir);
	if (r != 1 || !strstr(out, "first line"))
		fail_msg("exit %d: %s", r, out);
	free(out);
	v = tu_xs_read(xs, VBD "/hotplug-status");
	assert_non_null(v);
	assert_string_equal(v, "error");
	free(v);
	v = tu_xs_read(xs, VBD "/hotplug-error");
	assert_non_null(v);
	if (!strstr(v, "exited with status 1: first line?second line"))
		fail_msg("hotplug-error '%s'", v);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_message_with_control_character_refused, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_helper_message_reported_on_one_line, setup,
			teardown),
	};

	tu_require_root("the block lock in /var/run/xen-hotplug");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
