// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer target of the hotplug environment parser. The input is a list
 * of NUL-separated strings: argv entries, then an empty string, then
 * environment entries, e.g. "online\0type_if=vif\0\0vif=vif1.0\0...".
 * Accepted requests are checked against the parser's promises, refusals
 * must be -EINVAL with a printable message.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "request.h"
#include "util.h"

#define ENTRIES_MAX 64

static void check_request(xhp_request *req)
{
	int kind = xhp_request_kind(req), action = xhp_request_action(req);
	const char *dev = xhp_request_device(req);
	const char *path = xhp_request_backend_path(req);
	const char *type = xhp_request_xenbus_type(req);
	const char *k, *v;
	unsigned int i;
	char t[8];
	unsigned int domid, devid;

	CHECK(xhp_request_kind_to_string(kind) &&
	      xhp_request_action_to_string(action));
	CHECK(!dev || xhp_ifname_valid(dev));
	CHECK(!dev || kind == XHP_KIND_VIF || kind == XHP_KIND_TAP);
	CHECK((path == NULL) == (type == NULL));
	if (!xhp_request_is_noop(req)) {
		CHECK(path);
		CHECK(dev || (kind != XHP_KIND_VIF && kind != XHP_KIND_TAP));
	}
	if (path) {
		CHECK(xhp_backend_path_parse(NULL, path, t, &domid, &devid) ==
		      0);
		CHECK(!strcmp(t, type) && domid == xhp_request_domid(req) &&
		      devid == xhp_request_devid(req));
		CHECK(!strcmp(type, kind == XHP_KIND_TAP ?
					    "vif" :
					    xhp_request_kind_to_string(kind)));
	}
	for (i = 0; xhp_request_setting_at(req, i, &k, &v) == 0; i++) {
		CHECK(xhp_varname_valid(k, strlen(k)));
		CHECK(xhp_request_setting(req, k) == v);
	}
	CHECK(xhp_request_set(req, "fuzz_key", "v") == 0);
	CHECK(!strcmp(xhp_request_setting(req, "fuzz_key"), "v"));
}

static void check_message(const char *msg)
{
	size_t i;

	CHECK(msg && msg[0]);
	for (i = 0; msg[i]; i++)
		CHECK((unsigned char)msg[i] >= 0x20 &&
		      (unsigned char)msg[i] < 0x7f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[ENTRIES_MAX + 1], *envp[ENTRIES_MAX + 1];
	static xhp_ctx *ctx;
	xhp_request *req = NULL;
	int argc = 0, envc = 0, r;
	bool in_env = false;
	char *buf, *p, *end;

	if (size > 65536)
		return 0;
	if (!ctx && xhp_ctx_new(&ctx) < 0)
		abort();
	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	for (p = buf, end = buf + size; p <= end; p += strlen(p) + 1) {
		if (!in_env && !*p && p < end) {
			in_env = true;
			continue;
		}
		if (p == end && !*p)
			break;
		if (!in_env && argc < ENTRIES_MAX)
			argv[argc++] = p;
		else if (in_env && envc < ENTRIES_MAX)
			envp[envc++] = p;
	}
	argv[argc] = NULL;
	envp[envc] = NULL;
	r = xhp_request_parse(ctx, argc, argv, envp, &req);
	if (r == 0) {
		CHECK(req);
		check_request(req);
		xhp_request_free(req);
	} else {
		CHECK(r == -EINVAL || r == -ENOMEM);
		CHECK(req == NULL);
		check_message(xhp_ctx_last_error(ctx));
	}
	free(buf);
	return 0;
}
