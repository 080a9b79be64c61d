// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The OVSDB monitor of Bridge and Port names (RFC 7047 4.1.5, 4.1.6):
 * its request and the reading of its table-updates, for the host's
 * healing of vif-openvswitch ports (a port deleted, a bridge re-created,
 * a database wiped). Pure: no I/O; fuzzed (tests/fuzz/fuzz_ovsdb_monitor).
 */
#include <string.h>

#include "ovsdb.h"

json_t *xhp_ovsdb_monitor_names_params(const char *mon_id)
{
	return json_pack("[ss{s{s[s]}s{s[s]}}]", XHP_OVSDB_DB, mon_id, "Bridge",
			 "columns", "name", "Port", "columns", "name");
}

/* The name of a row-update's "old" or "new" row: NULL when absent. */
static int row_name(json_t *row, const char *which, const char **ret)
{
	json_t *r = json_object_get(row, which), *n;

	*ret = NULL;
	if (!r)
		return 0;
	if (!json_is_object(r))
		return -EBADMSG;
	n = json_object_get(r, "name");
	if (!n)
		return 0; /* a modification of another column */
	if (!json_is_string(n))
		return -EBADMSG;
	*ret = json_string_value(n);
	return 0;
}

int xhp_ovsdb_names_each(json_t *updates,
			 void (*fn)(void *ud, int table, const char *name,
				    bool is_new),
			 void *ud)
{
	static const struct {
		const char *name;
		int table;
	} tables[] = { { "Bridge", XHP_OVSDB_BRIDGE },
		       { "Port", XHP_OVSDB_PORT } };
	const char *uuid, *o, *n;
	json_t *rows, *row;
	int calls = 0;
	size_t t;

	if (!json_is_object(updates))
		return -EBADMSG;
	for (t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		rows = json_object_get(updates, tables[t].name);
		if (!rows)
			continue;
		if (!json_is_object(rows))
			return -EBADMSG;
		json_object_foreach(rows, uuid, row) {
			bool had_old, has_new;

			if (!json_is_object(row) ||
			    row_name(row, "old", &o) < 0 ||
			    row_name(row, "new", &n) < 0)
				return -EBADMSG;
			had_old = json_object_get(row, "old") != NULL;
			has_new = json_object_get(row, "new") != NULL;
			if (had_old && !has_new && o) {
				fn(ud, tables[t].table, o, false);
				calls++;
			} else if (!had_old && has_new && n) {
				fn(ud, tables[t].table, n, true);
				calls++;
			} else if (o && n && strcmp(o, n)) {
				fn(ud, tables[t].table, o, false);
				fn(ud, tables[t].table, n, true);
				calls += 2;
			}
		}
	}
	return calls;
}
