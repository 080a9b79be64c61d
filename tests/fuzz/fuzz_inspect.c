// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer target of what the inspection reads from outside: the marks
 * of the leftovers scan (marks.h) and the OVSDB reply of a port's
 * inspection (xhp_inspect_ovs_reply). The first byte chooses:
 *   even  the rest, as a string, to the three mark parsers;
 *   odd   the rest, as JSON, as the transaction's result, compared with
 *         a backend of bridge=br0.5:10:20 and mac=00:16:3e:00:00:01.
 */
#include <string.h>

#include "fuzz.h"
#include "inspect-internal.h"
#include "marks.h"

static void marks(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), type[8], tag[64];
	unsigned int d, n;
	int dom;

	if (!s)
		return;
	memcpy(s, data, size);
	s[size] = '\0';
	if (xhp_mark_vif_alias(s, &d, &n))
		CHECK(!strncmp(s, "vif", 3) && strlen(s) < 32);
	if (xhp_mark_loop(s, type, &d, &n, tag, sizeof(tag)))
		CHECK(!strncmp(s, tag, strlen(tag)) &&
		      !strncmp(tag, "xhp:", 4));
	if (xhp_mark_lock(s, &dom))
		CHECK(!strcmp(s, "block") ? dom == -1 : dom >= 0);
	free(s);
}

static void reply(const uint8_t *data, size_t size)
{
	struct xhp_inspection ins = { .connected = true };
	struct xhp_insp in = { .ins = &ins };
	json_t *res;
	size_t i;

	res = json_loadb((const char *)data, size, 0, NULL);
	if (!res || xhp_ctx_new(&in.ctx) < 0) {
		json_decref(res);
		return;
	}
	if (xhp_insp_xs_put(&in, "bridge", strdup("br0.5:10:20")) == 0 &&
	    xhp_insp_xs_put(&in, "mac", strdup("00:16:3e:00:00:01")) == 0)
		xhp_inspect_ovs_reply(&in, "vif1.0", res);
	for (i = 0; i < ins.n_drift; i++)
		CHECK(ins.drift[i].code > 0 && ins.drift[i].message);
	ins.backend_path = NULL;
	for (i = 0; i < ins.n_drift; i++)
		free(ins.drift[i].message);
	ins.n_drift = 0;
	for (i = 0; i < ins.xs.n; i++) {
		free(ins.xs.v[i].key);
		free(ins.xs.v[i].value);
	}
	for (i = 0; i < ins.host.n; i++) {
		free(ins.host.v[i].key);
		free(ins.host.v[i].value);
	}
	xhp_ctx_unref(in.ctx);
	json_decref(res);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0 || size > 65536)
		return 0;
	if (data[0] & 1)
		reply(data + 1, size - 1);
	else
		marks(data + 1, size - 1);
	return 0;
}
