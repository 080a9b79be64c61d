// SPDX-License-Identifier: LGPL-2.1-or-later
/* Unit tests of the hotplug environment parser (libxhp/request/request.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "request.h"

/* A NULL-terminated list of strings. */
#define L(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define NONE ((const char *const[]){ NULL })

#define P_VIF "XENBUS_PATH=backend/vif/3/1"
#define P_VBD "XENBUS_PATH=backend/vbd/3/51712"
#define T_VIF "XENBUS_TYPE=vif"

static xhp_ctx *ctx;

static int setup(void **state)
{
	return xhp_ctx_new(&ctx);
}

static int teardown(void **state)
{
	ctx = xhp_ctx_unref(ctx);
	return 0;
}

static int count(const char *const *v)
{
	int n = 0;

	while (v && v[n])
		n++;
	return n;
}

static int parse(const char *const *argv, const char *const *env,
		 xhp_request **ret)
{
	return xhp_request_parse(ctx, count(argv), (char *const *)argv,
				 (char *const *)env, ret);
}

/* Parse, expecting success. The caller frees the request. */
static xhp_request *ok(const char *const *argv, const char *const *env)
{
	xhp_request *req = NULL;
	int r = parse(argv, env, &req);

	if (r < 0)
		fail_msg("refused (%d): %s", r, xhp_ctx_last_error(ctx));
	assert_non_null(req);
	return req;
}

/* Parse, expecting -EINVAL with a message that contains @word. */
#define bad(argv, env, word) bad_at(argv, env, word, __LINE__)
static void bad_at(const char *const *argv, const char *const *env,
		   const char *word, int line)
{
	xhp_request *req = (xhp_request *)1;
	const char *msg;
	int r = parse(argv, env, &req);

	msg = xhp_ctx_last_error(ctx);
	if (r != -EINVAL)
		fail_msg("line %d: got %d, expected -EINVAL", line, r);
	if (req != (xhp_request *)1)
		fail_msg("line %d: ret_req written on failure", line);
	if (!msg || !strstr(msg, word))
		fail_msg("line %d: message '%s' lacks '%s'", line,
			 msg ? msg : "(null)", word);
}

static void test_libxl_vif(void **state)
{
	xhp_request *req;

	req = ok(L("online", "type_if=vif"),
		 L("script=/etc/xen/scripts/vif-bridge", T_VIF, P_VIF,
		   "XENBUS_BASE_PATH=backend", "vif=vif3.1", "netdev=eth0",
		   "PATH=/usr/bin", "NOEQUALS", "JUNK=\x01"));
	assert_int_equal(xhp_request_action(req), XHP_ACTION_ONLINE);
	assert_int_equal(xhp_request_kind(req), XHP_KIND_VIF);
	assert_int_equal(xhp_request_is_noop(req), 0);
	assert_string_equal(xhp_request_backend_path(req), "backend/vif/3/1");
	assert_string_equal(xhp_request_xenbus_type(req), "vif");
	assert_int_equal(xhp_request_domid(req), 3);
	assert_int_equal(xhp_request_devid(req), 1);
	assert_string_equal(xhp_request_device(req), "vif3.1");
	assert_string_equal(xhp_request_setting(req, "script"),
			    "/etc/xen/scripts/vif-bridge");
	assert_string_equal(xhp_request_setting(req, "netdev"), "eth0");
	assert_string_equal(xhp_request_setting(req, "XENBUS_BASE_PATH"),
			    "backend");
	assert_null(xhp_request_setting(req, "PATH"));
	assert_null(xhp_request_setting(req, "JUNK"));
	assert_null(xhp_request_setting(req, "bridge"));
	xhp_request_free(req);

	req = ok(L("offline", "type_if=vif"),
		 L(T_VIF,
		   "XENBUS_PATH=/local/domain/0/backend/vif/32751/"
		   "2147483647",
		   "vif=abcdefghijklmno"));
	assert_int_equal(xhp_request_action(req), XHP_ACTION_OFFLINE);
	assert_string_equal(xhp_request_backend_path(req),
			    "/local/domain/0/backend/vif/32751/2147483647");
	assert_int_equal(xhp_request_domid(req), 32751);
	assert_int_equal(xhp_request_devid(req), 2147483647);
	assert_string_equal(xhp_request_device(req), "abcdefghijklmno");
	xhp_request_free(req);

	/* A driver domain's backend; no XENBUS_TYPE; type_if defaulted. */
	req = ok(L("online"), L("XENBUS_PATH=/local/domain/7/backend/vif/0/0",
				"vif=vif0.0"));
	assert_int_equal(xhp_request_kind(req), XHP_KIND_VIF);
	assert_int_equal(xhp_request_domid(req), 0);
	assert_string_equal(xhp_request_device(req), "vif0.0");
	xhp_request_free(req);
}

static void test_libxl_tap(void **state)
{
	xhp_request *req;

	req = ok(L("add", "type_if=tap"),
		 L(T_VIF, P_VIF, "INTERFACE=vif3.1-emu", "vif=vif3.1"));
	assert_int_equal(xhp_request_action(req), XHP_ACTION_ADD);
	assert_int_equal(xhp_request_kind(req), XHP_KIND_TAP);
	assert_int_equal(xhp_request_is_noop(req), 0);
	assert_string_equal(xhp_request_device(req), "vif3.1-emu");
	assert_string_equal(xhp_request_xenbus_type(req), "vif");
	assert_string_equal(xhp_request_backend_path(req), "backend/vif/3/1");
	xhp_request_free(req);

	/* No XENBUS_PATH: derived from vif<domid>.<devid>-emu. */
	req = ok(L("remove", "type_if=tap"), L("INTERFACE=vif32751.9-emu"));
	assert_int_equal(xhp_request_action(req), XHP_ACTION_REMOVE);
	assert_int_equal(xhp_request_kind(req), XHP_KIND_TAP);
	assert_string_equal(xhp_request_backend_path(req),
			    "backend/vif/32751/9");
	assert_int_equal(xhp_request_domid(req), 32751);
	assert_int_equal(xhp_request_devid(req), 9);
	assert_string_equal(xhp_request_xenbus_type(req), "vif");
	xhp_request_free(req);

	/* A renamed tap with XENBUS_PATH is fine. */
	req = ok(L("remove", "type_if=tap"),
		 L("INTERFACE=guest-emu",
		   "XENBUS_PATH=/local/domain/0/backend/vif/3/1"));
	assert_string_equal(xhp_request_device(req), "guest-emu");
	assert_int_equal(xhp_request_devid(req), 1);
	xhp_request_free(req);
}

static void test_udev_form(void **state)
{
	xhp_request *req;

	req = ok(L("online", "vif"),
		 L("ACTION=online", T_VIF, P_VIF, "vif=vif3.1"));
	assert_int_equal(xhp_request_kind(req), XHP_KIND_VIF);
	assert_int_equal(xhp_request_action(req), XHP_ACTION_ONLINE);
	assert_string_equal(xhp_request_device(req), "vif3.1");
	xhp_request_free(req);

	req = ok(L("add", "tap"), L("ACTION=add", "INTERFACE=vif3.1-emu"));
	assert_int_equal(xhp_request_kind(req), XHP_KIND_TAP);
	assert_string_equal(xhp_request_backend_path(req), "backend/vif/3/1");
	xhp_request_free(req);

	/* Positional and type_if may agree. */
	req = ok(L("remove", "tap", "type_if=tap"), L("INTERFACE=vif3.1-emu"));
	assert_int_equal(xhp_request_kind(req), XHP_KIND_TAP);
	xhp_request_free(req);
	req = ok(L("offline", "type_if=vif", "vif"), L(P_VIF, "vif=vif3.1"));
	assert_int_equal(xhp_request_kind(req), XHP_KIND_VIF);
	xhp_request_free(req);
}

static void test_block(void **state)
{
	static const struct {
		const char *cmd, *type, *path;
		int kind, noop;
	} cases[] = {
		{ "add", "vbd", "backend/vbd/3/51712", XHP_KIND_VBD, 0 },
		{ "remove", "vbd", "/local/domain/0/backend/vbd/3/51712",
		  XHP_KIND_VBD, 0 },
		{ "add", "vbd3", "backend/vbd3/3/768", XHP_KIND_VBD3, 0 },
		{ "remove", "vbd3", "backend/vbd3/3/768", XHP_KIND_VBD3, 0 },
		{ "online", "vbd", "backend/vbd/3/51712", XHP_KIND_VBD, 1 },
		{ "offline", "vbd3", "backend/vbd3/3/768", XHP_KIND_VBD3, 1 },
	};
	char type[32], path[64];
	xhp_request *req;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(type, sizeof(type), "XENBUS_TYPE=%s", cases[i].type);
		snprintf(path, sizeof(path), "XENBUS_PATH=%s", cases[i].path);
		req = ok(L(cases[i].cmd), L(type, path, "script=block"));
		assert_int_equal(xhp_request_kind(req), cases[i].kind);
		assert_int_equal(xhp_request_is_noop(req), cases[i].noop);
		assert_null(xhp_request_device(req));
		assert_string_equal(xhp_request_backend_path(req),
				    cases[i].path);
		assert_string_equal(xhp_request_xenbus_type(req),
				    cases[i].type);
		xhp_request_free(req);
	}
	/* The kind from the path alone. */
	req = ok(L("add"), L("XENBUS_PATH=backend/vbd/3/51712"));
	assert_int_equal(xhp_request_kind(req), XHP_KIND_VBD);
	xhp_request_free(req);
}

static void test_noop(void **state)
{
	xhp_request *req;

	/* Xen's rules: these succeed without doing anything. */
	req = ok(L("online", "type_if=tap"), NONE);
	assert_int_equal(xhp_request_kind(req), XHP_KIND_TAP);
	assert_int_equal(xhp_request_is_noop(req), 1);
	assert_null(xhp_request_backend_path(req));
	assert_null(xhp_request_device(req));
	xhp_request_free(req);
	req = ok(L("offline", "tap"), L("INTERFACE=vif3.1-emu"));
	assert_int_equal(xhp_request_is_noop(req), 1);
	assert_string_equal(xhp_request_backend_path(req), "backend/vif/3/1");
	xhp_request_free(req);
	req = ok(L("add", "type_if=vif"), NONE);
	assert_int_equal(xhp_request_kind(req), XHP_KIND_VIF);
	assert_int_equal(xhp_request_is_noop(req), 1);
	xhp_request_free(req);
	req = ok(L("remove", "type_if=vif"), L(T_VIF, P_VIF, "vif=vif3.1"));
	assert_int_equal(xhp_request_is_noop(req), 1);
	assert_string_equal(xhp_request_device(req), "vif3.1");
	xhp_request_free(req);
	req = ok(L("online"), L("XENBUS_TYPE=vbd"));
	assert_int_equal(xhp_request_is_noop(req), 1);
	xhp_request_free(req);
	/* A no-op still refuses malformed input. */
	bad(L("add", "type_if=vif"), L("XENBUS_PATH=backend/vif/3"),
	    "malformed XENBUS_PATH");
	bad(L("online", "type_if=tap"), L("INTERFACE=a b"),
	    "bad device name INTERFACE=");
}

static void test_precedence(void **state)
{
	const char *k, *v;
	xhp_request *req;
	unsigned int i, n_argv = 0;

	req = ok(L("online", "bridge=xenbr1", "XENBUS_PATH=backend/vif/4/2",
		   "vifname=guest0", "mystery=1"),
		 L(P_VIF, "vif=vif4.2", "bridge=xenbr0", "ip=10.0.0.1",
		   "mystery=0"));
	assert_string_equal(xhp_request_setting(req, "bridge"), "xenbr1");
	assert_string_equal(xhp_request_setting(req, "ip"), "10.0.0.1");
	assert_string_equal(xhp_request_setting(req, "vifname"), "guest0");
	assert_string_equal(xhp_request_setting(req, "mystery"), "1");
	assert_string_equal(xhp_request_backend_path(req), "backend/vif/4/2");
	assert_int_equal(xhp_request_domid(req), 4);
	for (i = 0; xhp_request_setting_at(req, i, &k, &v) == 0; i++) {
		if (!strcmp(k, "bridge"))
			assert_string_equal(v, "xenbr1");
		n_argv++;
	}
	/* bridge XENBUS_PATH vifname mystery vif ip: one each. */
	assert_int_equal(n_argv, 6);
	assert_int_equal(xhp_request_setting_at(req, i, &k, &v), -ENOENT);
	assert_int_equal(xhp_request_setting_at(NULL, 0, &k, &v), -EINVAL);
	assert_null(xhp_request_setting(req, NULL));
	assert_null(xhp_request_setting(NULL, "bridge"));
	xhp_request_free(req);
}

static void test_bad_command(void **state)
{
	xhp_request *req = NULL;

	assert_int_equal(xhp_request_parse(ctx, 0, NULL, NULL, &req), -EINVAL);
	assert_non_null(strstr(xhp_ctx_last_error(ctx), "missing command"));
	bad(L(""), L(P_VIF), "missing command");
	bad(L("start"), L(P_VIF), "unknown command 'start'");
	bad(L("ONLINE"), L(P_VIF), "unknown command");
	bad(L("online "), L(P_VIF), "unknown command");
	bad(L("type_if=vif"), L(P_VIF), "unknown command");
	bad(L("\xc3\xa9\n"), NONE, "unknown command '\\xc3\\xa9\\x0a'");
	bad(L("online", "extra"), L(P_VIF), "unexpected argument 'extra'");
	bad(L("online", "online"), L(P_VIF), "unexpected argument");
	bad(L("online", "VIF"), L(P_VIF), "unexpected argument");
}

static void test_bad_type(void **state)
{
	bad(L("online", "type_if=eth"), L(P_VIF), "bad type_if 'eth'");
	bad(L("online", "type_if="), L(P_VIF), "bad type_if ''");
	bad(L("online", "type_if=vif "), L(P_VIF), "bad type_if");
	bad(L("online"), L("type_if=tup", P_VIF), "bad type_if 'tup'");
	bad(L("online", "vif", "type_if=tap"), NONE,
	    "interface type given as vif and type_if=tap");
	bad(L("add", "tap"), L("type_if=vif"),
	    "interface type given as tap and type_if=vif");
	bad(L("add", "tap", "vif"), NONE, "interface type given twice");
	bad(L("add", "tap", "tap"), NONE, "interface type given twice");
	bad(L("add"), L("XENBUS_TYPE=vfb", P_VIF), "bad XENBUS_TYPE 'vfb'");
	bad(L("add"), L("XENBUS_TYPE=VBD", P_VIF), "bad XENBUS_TYPE");
	bad(L("add", "type_if=tap"), L("XENBUS_TYPE=vbd"),
	    "type_if=tap with XENBUS_TYPE=vbd");
	bad(L("online", "type_if=vif"), L("XENBUS_TYPE=vbd3"),
	    "type_if=vif with XENBUS_TYPE=vbd3");
	/* XENBUS_TYPE against the path. */
	bad(L("add"), L("XENBUS_TYPE=vbd", P_VIF),
	    "XENBUS_PATH is a vif backend but the device is a vbd");
	bad(L("add"), L("XENBUS_TYPE=vbd3", "XENBUS_PATH=backend/vbd/1/2"),
	    "XENBUS_PATH is a vbd backend but the device is a vbd3");
	bad(L("online", "type_if=vif"),
	    L("XENBUS_PATH=backend/vbd/1/2", "vif=vif1.2"),
	    "XENBUS_PATH is a vbd backend but the device is a vif");
	bad(L("add", "type_if=tap"),
	    L("XENBUS_PATH=backend/vbd3/1/2", "INTERFACE=vif1.2-emu"),
	    "XENBUS_PATH is a vbd3 backend but the device is a tap");
}

static void test_bad_path(void **state)
{
	static const struct {
		const char *path, *word;
	} cases[] = {
		{ "backend/vif/3", "malformed XENBUS_PATH" },
		{ "backend/vif/3/1/", "malformed" },
		{ "backend/vif/3/1/x", "malformed" },
		{ "backend/vif/3/1/x/y/z/w", "malformed" },
		{ "backend/vif", "malformed" },
		{ "backend", "malformed" },
		{ "/", "malformed" },
		{ "//", "malformed" },
		{ "/backend/vif/3/1", "malformed" },
		{ "local/domain/0/backend/vif/3/1", "malformed" },
		{ "/local/domain/0/backend/vif/3/1/", "malformed" },
		{ "/local/domain/0/backend/vif/3", "malformed" },
		{ "/local/domain/0/backend/vif/3/1/0", "malformed" },
		{ "/local/domain/x/backend/vif/3/1", "malformed" },
		{ "/local/domain/00/backend/vif/3/1", "malformed" },
		{ "/local/domain/-0/backend/vif/3/1", "malformed" },
		{ "/local/domain/32752/backend/vif/3/1", "malformed" },
		{ "/local/domain//backend/vif/3/1", "malformed" },
		{ "/local/domain/0/frontend/vif/3/1", "malformed" },
		{ "/local/domains/0/backend/vif/3/1", "malformed" },
		{ "/Local/domain/0/backend/vif/3/1", "malformed" },
		{ "//local/domain/0/backend/vif/3/1", "malformed" },
		{ "/local//domain/0/backend/vif/3/1", "malformed" },
		{ "backends/vif/3/1", "malformed" },
		{ "device/vif/3/1", "malformed" },
		{ " backend/vif/3/1", "malformed" },
		{ "backend//3/1", "malformed" },
		{ "backend/verylong/3/1", "malformed" },
		{ "backend/vfb/3/1", "device type 'vfb'" },
		{ "backend/VIF/3/1", "device type 'VIF'" },
		{ "backend/vif/x/1", "bad domain id" },
		{ "backend/vif//1", "bad domain id" },
		{ "backend/vif/03/1", "bad domain id" },
		{ "backend/vif/+3/1", "bad domain id" },
		{ "backend/vif/-3/1", "bad domain id" },
		{ "backend/vif/32752/1", "bad domain id" },
		{ "backend/vif/99999999999999999999999/1", "bad domain id" },
		{ "backend/vif/3/x", "bad device id" },
		{ "backend/vif/3/01", "bad device id" },
		{ "backend/vif/3/1 ", "bad device id" },
		{ "backend/vif/3/2147483648", "bad device id" },
		{ "backend/vif/3/18446744073709551616", "bad device id" },
		{ "/local/domain/0/backend/vif/3/0x1", "bad device id" },
		{ "backend/vif/3//", "malformed" },
	};
	char path[128];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(path, sizeof(path), "XENBUS_PATH=%s", cases[i].path);
		bad(L("online", "type_if=vif"), L(path, "vif=vif3.1"),
		    cases[i].word);
	}
	bad(L("online", "type_if=vif"), L("vif=vif3.1"), "missing XENBUS_PATH");
	bad(L("online", "type_if=vif"), L("XENBUS_PATH=", "vif=vif3.1"),
	    "missing XENBUS_PATH");
	bad(L("add"), L("XENBUS_TYPE=vbd"), "missing XENBUS_PATH");
	bad(L("remove"), L("XENBUS_TYPE=vbd3", "XENBUS_PATH="),
	    "missing XENBUS_PATH");
	bad(L("add"), NONE, "missing XENBUS_PATH");
	/* The path is quoted in the message. */
	bad(L("add"), L("XENBUS_PATH=backend/vif/\xff/1"),
	    "'backend/vif/\\xff/1'");
	/* So is the type (found by fuzz-request). */
	bad(L("add"), L("XENBUS_PATH=backend/\xf6if/3/1"),
	    "has device type '\\xf6if'");
}

static void test_bad_device(void **state)
{
	static const char *const names[] = {
		"abcdefghijklmnop", "vif3/1", "vif3:1", "vif 3",
		"vif3\xa0",	    ".",      "..",	"vif3.1\xc3\xa9",
	};
	char var[64];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(var, sizeof(var), "vif=%s", names[i]);
		bad(L("online", "type_if=vif"), L(P_VIF, var),
		    "bad device name vif=");
		snprintf(var, sizeof(var), "INTERFACE=%s", names[i]);
		bad(L("add", "type_if=tap"), L(P_VIF, var),
		    "bad device name INTERFACE=");
	}
	bad(L("online", "type_if=vif", "vif=vif3.1\t"), L(P_VIF),
	    "control character");
	bad(L("online", "type_if=vif"), L(P_VIF), "missing vif");
	bad(L("online", "type_if=vif"), L(P_VIF, "vif="), "missing vif");
	bad(L("online"), L(P_VIF), "missing vif");
	bad(L("add", "type_if=tap"), L(P_VIF, "vif=vif3.1"),
	    "missing INTERFACE");
	/* Deriving the backend of a tap from its name. */
	bad(L("add", "tap"), L("INTERFACE=tap0"), "cannot derive");
	bad(L("add", "tap"), L("INTERFACE=vif3.1"), "cannot derive");
	bad(L("add", "tap"), L("INTERFACE=vif03.1-emu"), "cannot derive");
	bad(L("add", "tap"), L("INTERFACE=vif3.01-emu"), "cannot derive");
	bad(L("add", "tap"), L("INTERFACE=vifx.1-emu"), "cannot derive");
	bad(L("add", "tap"), L("INTERFACE=vif3-emu"), "cannot derive");
	bad(L("add", "tap"), L("INTERFACE=vif3.-emu"), "cannot derive");
	bad(L("add", "tap"), L("INTERFACE=vif.1-emu"), "cannot derive");
	bad(L("add", "tap"), L("INTERFACE=vif3.1.2-emu"), "cannot derive");
	bad(L("add", "tap"), L("INTERFACE=vif32752.0-emu"), "cannot derive");
	bad(L("add", "tap"), L("INTERFACE=-emu"), "cannot derive");
	bad(L("add", "tap"), L("INTERFACE=vif3.1-EMU"), "cannot derive");
}

static void test_bad_settings(void **state)
{
	char *big = malloc(4096 + 16);
	xhp_request *req;

	bad(L("online", "bridge=a", "bridge=b"), L(P_VIF, "vif=vif3.1"),
	    "argument bridge= given twice");
	bad(L("online", "type_if=vif", "type_if=vif"), L(P_VIF, "vif=v"),
	    "argument type_if= given twice");
	bad(L("online", "bridge=a", "bridge=a"), L(P_VIF, "vif=vif3.1"),
	    "given twice");
	bad(L("online"), L(P_VIF, "vif=vif3.1", "vif=vif3.2"),
	    "environment variable vif given twice");
	bad(L("online"), L(P_VIF, P_VIF, "vif=vif3.1"),
	    "environment variable XENBUS_PATH given twice");
	bad(L("online", "1bridge=x"), L(P_VIF, "vif=vif3.1"),
	    "malformed argument '1bridge=x'");
	bad(L("online", "=x"), L(P_VIF, "vif=vif3.1"), "malformed argument");
	bad(L("online", "br-idge=x"), L(P_VIF, "vif=v"), "malformed argument");
	bad(L("online", "br idge=x"), L(P_VIF, "vif=v"), "malformed argument");
	bad(L("online", "$(id)=x"), L(P_VIF, "vif=v"), "malformed argument");
	bad(L("online", "\xc3\xa9=x"), L(P_VIF, "vif=v"),
	    "malformed argument '\\xc3\\xa9=x'");
	bad(L("online", "bridge=a\nb"), L(P_VIF, "vif=vif3.1"),
	    "value of bridge contains a control character: 'a\\x0ab'");
	bad(L("online", "bridge=a\x7f"), L(P_VIF, "vif=vif3.1"),
	    "value of bridge contains a control character");
	bad(L("online", "bridge=\t"), L(P_VIF, "vif=vif3.1"),
	    "value of bridge contains a control character");
	bad(L("online"), L(P_VIF, "vif=vif3.1", "ip=10.0.0.1\r"),
	    "value of ip contains a control character");
	bad(L("online"), L("XENBUS_PATH=backend/vif/3/1\n", "vif=v"),
	    "value of XENBUS_PATH contains a control character");

	/* Values up to 4096 bytes; non-ASCII and shell syntax kept as is
	 * where the key is no setting of the table (any key=value may be
	 * passed, as to Xen's scripts)... */
	strcpy(big, "other=");
	memset(big + 6, 'a', 4096);
	big[6 + 4096] = '\0';
	req = ok(L("online", big, "x=$(reboot) `id`;|&", "y=\xc3\xa9"),
		 L(P_VIF, "vif=vif3.1"));
	assert_int_equal(strlen(xhp_request_setting(req, "other")), 4096);
	assert_string_equal(xhp_request_setting(req, "x"), "$(reboot) `id`;|&");
	xhp_request_free(req);
	strcat(big, "a");
	bad(L("online", big), L(P_VIF, "vif=vif3.1"),
	    "value of other is too long (4097 bytes, at most 4096)");
	/* ...and refused by the parser of a key of the settings table,
	 * naming the key, the source and the value. */
	bad(L("online", "ip=$(reboot) `id`;|&"), L(P_VIF, "vif=vif3.1"),
	    "bad ip '$(reboot) `id`;|&' from the arguments");
	bad(L("online"), L(P_VIF, "vif=vif3.1", "mac=\xc3\xa9"),
	    "bad mac '\\xc3\\xa9' from the environment");
	bad(L("online", "mtu=1400x"), L(P_VIF, "vif=vif3.1"),
	    "bad mtu '1400x' from the arguments");
	bad(L("online"), L(P_VIF, "vif=vif3.1", "mtu=abc"),
	    "bad mtu 'abc' from the environment");
	bad(L("online", "bridge=aaaaaaaaaaaaaaaa"), L(P_VIF, "vif=vif3.1"),
	    "bad bridge 'aaaaaaaaaaaaaaaa' from the arguments");
	bad(L("add", "params=/x"), L(P_VBD),
	    "params cannot come from the "
	    "arguments: only xenstore or "
	    "the caller set it");
	free(big);
	/* Empty values are values. */
	req = ok(L("online", "bridge=", "_x9="), L(P_VIF, "vif=vif3.1"));
	assert_string_equal(xhp_request_setting(req, "bridge"), "");
	assert_string_equal(xhp_request_setting(req, "_x9"), "");
	xhp_request_free(req);
}

/* vif-route's gateway device is an interface name, checked at parse time. */
static void test_bad_gateway_dev(void **state)
{
	xhp_request *req;

	bad(L("online", "netdev=eth0/x y"), L(P_VIF, "vif=vif3.1"),
	    "bad netdev 'eth0/x y' from the arguments: expected an "
	    "interface name");
	bad(L("online"), L(P_VIF, "vif=vif3.1", "netdev=a:b"),
	    "bad netdev 'a:b' from the environment");
	bad(L("online", "gatewaydev=0123456789abcdef"), L(P_VIF, "vif=vif3.1"),
	    "bad gatewaydev '0123456789abcdef' from the arguments");
	bad(L("online", "gatewaydev=.."), L(P_VIF, "vif=vif3.1"),
	    "bad gatewaydev '..' from the arguments");
	bad(L("add", "type_if=tap", "netdev=eth 0"),
	    L(P_VIF, "INTERFACE=vif3.1-emu"), "bad netdev 'eth 0'");
	/* A valid one is kept; empty means the default (eth0). */
	req = ok(L("online", "netdev=eth1", "gatewaydev=0123456789abcde"),
		 L(P_VIF, "vif=vif3.1"));
	assert_string_equal(xhp_request_setting(req, "netdev"), "eth1");
	assert_string_equal(xhp_request_setting(req, "gatewaydev"),
			    "0123456789abcde");
	xhp_request_free(req);
	req = ok(L("online", "netdev="), L(P_VIF, "vif=vif3.1"));
	assert_string_equal(xhp_request_setting(req, "netdev"), "");
	/* xhp_request_set checks them the same way. */
	assert_int_equal(xhp_request_set(req, "netdev", "eth0/x"), -EINVAL);
	assert_int_equal(xhp_request_set(req, "gatewaydev", "a b"), -EINVAL);
	/* ... and every key of the settings table by its parser (before,
	 * mtu=abc was taken and then ignored). */
	assert_int_equal(xhp_request_set(req, "mtu", "abc"), -EINVAL);
	assert_int_equal(xhp_request_set(req, "mac", "garbage"), -EINVAL);
	assert_int_equal(xhp_request_set(req, "params", "/x"), -EINVAL);
	assert_null(xhp_request_setting(req, "mtu"));
	assert_int_equal(xhp_request_set(req, "mtu", "1400"), 0);
	assert_string_equal(xhp_request_setting(req, "mtu"), "1400");
	assert_int_equal(xhp_request_setting_source(req, "mtu"),
			 XHP_SOURCE_ARGV);
	assert_string_equal(xhp_request_setting(req, "netdev"), "");
	assert_null(xhp_request_setting(req, "gatewaydev"));
	assert_int_equal(xhp_request_set(req, "gatewaydev", "eth2"), 0);
	assert_string_equal(xhp_request_setting(req, "gatewaydev"), "eth2");
	xhp_request_free(req);
}

static void test_bad_api(void **state)
{
	char *argv[] = { "online", NULL, "bridge=a", NULL };
	char *one[] = { "online", NULL };
	xhp_request *req = (xhp_request *)1;

	assert_int_equal(xhp_request_parse(ctx, 3, argv, NULL, &req), -EINVAL);
	assert_string_equal(xhp_ctx_last_error(ctx), "argument 1 is NULL");
	assert_int_equal(xhp_request_parse(NULL, 1, one, NULL, &req), -EINVAL);
	assert_int_equal(xhp_request_parse(ctx, 1, one, NULL, NULL), -EINVAL);
	assert_int_equal(xhp_request_parse(ctx, -1, one, NULL, &req), -EINVAL);
	assert_int_equal(xhp_request_parse(ctx, 1, NULL, NULL, &req), -EINVAL);
	assert_ptr_equal(req, (xhp_request *)1);
	assert_null(xhp_request_free(NULL));
	assert_int_equal(xhp_request_action(NULL), -EINVAL);
	assert_int_equal(xhp_request_kind(NULL), -EINVAL);
	assert_int_equal(xhp_request_is_noop(NULL), -EINVAL);
	assert_null(xhp_request_backend_path(NULL));
	assert_null(xhp_request_xenbus_type(NULL));
	assert_null(xhp_request_device(NULL));
	assert_int_equal(xhp_request_domid(NULL), 0);
	assert_int_equal(xhp_request_devid(NULL), 0);
}

static void test_names(void **state)
{
	assert_string_equal(xhp_request_action_to_string(XHP_ACTION_ADD),
			    "add");
	assert_string_equal(xhp_request_action_to_string(XHP_ACTION_OFFLINE),
			    "offline");
	assert_null(xhp_request_action_to_string(0));
	assert_null(xhp_request_action_to_string(5));
	assert_string_equal(xhp_request_kind_to_string(XHP_KIND_TAP), "tap");
	assert_string_equal(xhp_request_kind_to_string(XHP_KIND_VBD3), "vbd3");
	assert_null(xhp_request_kind_to_string(0));
	assert_null(xhp_request_kind_to_string(5));
}

static void test_new(void **state)
{
	xhp_request *req = NULL;

	assert_int_equal(xhp_request_new(ctx, XHP_ACTION_ONLINE, XHP_KIND_VIF,
					 "backend/vif/1/0", "vif1.0", &req),
			 0);
	assert_int_equal(xhp_request_is_noop(req), 0);
	assert_int_equal(xhp_request_domid(req), 1);
	assert_string_equal(xhp_request_device(req), "vif1.0");
	assert_string_equal(xhp_request_setting(req, "vif"), "vif1.0");
	req = xhp_request_free(req);

	assert_int_equal(xhp_request_new(ctx, XHP_ACTION_ADD, XHP_KIND_TAP,
					 "/local/domain/0/backend/vif/1/0",
					 "vif1.0-emu", &req),
			 0);
	assert_int_equal(xhp_request_kind(req), XHP_KIND_TAP);
	assert_string_equal(xhp_request_setting(req, "INTERFACE"),
			    "vif1.0-emu");
	req = xhp_request_free(req);

	assert_int_equal(xhp_request_new(ctx, XHP_ACTION_ADD, XHP_KIND_VBD,
					 "backend/vbd/1/51712", NULL, &req),
			 0);
	assert_null(xhp_request_device(req));
	req = xhp_request_free(req);

	req = (xhp_request *)1;
	assert_int_equal(xhp_request_new(ctx, 0, XHP_KIND_VIF,
					 "backend/vif/1/0", "v", &req),
			 -EINVAL);
	assert_int_equal(xhp_request_new(ctx, XHP_ACTION_ADD, 9,
					 "backend/vif/1/0", "v", &req),
			 -EINVAL);
	assert_int_equal(xhp_request_new(ctx, XHP_ACTION_ADD, XHP_KIND_VBD,
					 NULL, NULL, &req),
			 -EINVAL);
	assert_int_equal(xhp_request_new(NULL, XHP_ACTION_ADD, XHP_KIND_VBD,
					 "backend/vbd/1/1", NULL, &req),
			 -EINVAL);
	assert_int_equal(xhp_request_new(ctx, XHP_ACTION_ADD, XHP_KIND_VBD,
					 "backend/vif/1/0", NULL, &req),
			 -EINVAL);
	assert_non_null(strstr(xhp_ctx_last_error(ctx), "vif backend"));
	assert_int_equal(xhp_request_new(ctx, XHP_ACTION_ONLINE, XHP_KIND_VIF,
					 "backend/vif/1/0", "a/b", &req),
			 -EINVAL);
	assert_non_null(strstr(xhp_ctx_last_error(ctx), "bad device name"));
	assert_int_equal(xhp_request_new(ctx, XHP_ACTION_ONLINE, XHP_KIND_VIF,
					 "backend/vif/1/0", NULL, &req),
			 -EINVAL);
	assert_non_null(strstr(xhp_ctx_last_error(ctx), "missing vif"));
	assert_int_equal(xhp_request_new(ctx, XHP_ACTION_ONLINE, XHP_KIND_VIF,
					 "backend/vif/1", "vif1.0", &req),
			 -EINVAL);
	assert_non_null(strstr(xhp_ctx_last_error(ctx), "malformed"));
	assert_ptr_equal(req, (xhp_request *)1);
}

static void test_set(void **state)
{
	xhp_request *req;

	req = ok(L("online", "bridge=a"), L(P_VIF, "vif=vif3.1", "ip=1.2.3.4"));
	assert_int_equal(xhp_request_set(req, "bridge", "b"), 0);
	assert_string_equal(xhp_request_setting(req, "bridge"), "b");
	assert_int_equal(xhp_request_set(req, "ip", "5.6.7.8"), 0);
	assert_string_equal(xhp_request_setting(req, "ip"), "5.6.7.8");
	assert_int_equal(xhp_request_set(req, "new_key", ""), 0);
	assert_string_equal(xhp_request_setting(req, "new_key"), "");
	assert_int_equal(xhp_request_set(req, "new_key", "again"), 0);
	assert_string_equal(xhp_request_setting(req, "new_key"), "again");
	assert_int_equal(xhp_request_set(req, "1x", "v"), -EINVAL);
	assert_int_equal(xhp_request_set(req, "", "v"), -EINVAL);
	assert_int_equal(xhp_request_set(req, "a-b", "v"), -EINVAL);
	assert_int_equal(xhp_request_set(req, "k", NULL), -EINVAL);
	assert_int_equal(xhp_request_set(req, NULL, "v"), -EINVAL);
	assert_int_equal(xhp_request_set(NULL, "k", "v"), -EINVAL);
	assert_int_equal(xhp_request_set(req, "bridge", "x\ny"), -EINVAL);
	assert_string_equal(xhp_request_setting(req, "bridge"), "b");
	/*
	 * What the parse turned into the request's identity cannot be
	 * changed behind it: the accessors and the script environment would
	 * disagree with the settings.
	 */
	assert_int_equal(xhp_request_set(req, "XENBUS_PATH", "backend/vif/9/9"),
			 -EINVAL);
	assert_int_equal(xhp_request_set(req, "vif", "vif9.9"), -EINVAL);
	assert_int_equal(xhp_request_set(req, "INTERFACE", "x"), -EINVAL);
	assert_int_equal(xhp_request_set(req, "XENBUS_TYPE", "vbd"), -EINVAL);
	assert_int_equal(xhp_request_set(req, "type_if", "tap"), -EINVAL);
	assert_string_equal(xhp_request_setting(req, "vif"), "vif3.1");
	assert_string_equal(xhp_request_device(req), "vif3.1");
	xhp_request_free(req);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_libxl_vif),
		cmocka_unit_test(test_libxl_tap),
		cmocka_unit_test(test_udev_form),
		cmocka_unit_test(test_block),
		cmocka_unit_test(test_noop),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_bad_command),
		cmocka_unit_test(test_bad_type),
		cmocka_unit_test(test_bad_path),
		cmocka_unit_test(test_bad_device),
		cmocka_unit_test(test_bad_settings),
		cmocka_unit_test(test_bad_gateway_dev),
		cmocka_unit_test(test_bad_api),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_new),
		cmocka_unit_test(test_set),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
