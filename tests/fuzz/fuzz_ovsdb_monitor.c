// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer target of the reading of the healing monitor's updates
 * (libxhp/net/ovsdb_monitor.c, xhp_ovsdb_names_each): the input is the
 * params[1] of an "update" notification, a table-updates object, as the
 * server sends it (JSON text). Promises: every name handed out is a
 * string of a Bridge or Port row, the count returned is the number of
 * calls, and a malformed object is -EBADMSG.
 */
#include <errno.h>
#include <jansson.h>
#include <string.h>

#include "fuzz.h"
#include "ovsdb.h"

static void on_name(void *ud, int table, const char *name, bool is_new)
{
	int *calls = ud;

	(void)is_new;
	CHECK(table == XHP_OVSDB_BRIDGE || table == XHP_OVSDB_PORT);
	CHECK(name != NULL);
	(*calls)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *u;
	int calls = 0, r;

	if (size > 65536)
		return 0;
	u = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	if (!u)
		return 0;
	r = xhp_ovsdb_names_each(u, on_name, &calls);
	CHECK(r == -EBADMSG || r == calls);
	if (r == -EBADMSG)
		CHECK(!json_is_object(u) || calls >= 0);
	json_decref(u);
	return 0;
}
