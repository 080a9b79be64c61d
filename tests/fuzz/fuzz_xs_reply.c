// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer target of xenstored's answers as xhp_xs_read_batch() takes
 * them (xhp_xs_reply_take(), libxhp/xs/xs_batch.c). The input is the
 * byte stream xenstored sends back for four requests: a DIRECTORY, two
 * READs, a DIRECTORY (req_id 1 to 4). Each answer taken must fit the
 * bytes given and be a result of its kind: an errno (ENOENT ...) and
 * nothing else, a NUL-terminated value without a NUL inside, or names
 * that lie in one allocation and are NULL-terminated.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "xs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xhp_xs_op ops[4] = {
		{ .path = "/a", .list = true },
		{ .path = "/a/b" },
		{ .path = "/a/c" },
		{ .path = "/d", .list = true },
	};
	const char *buf = (const char *)data;
	size_t off = 0, used, i, k;
	int r;

	for (i = 0; i < 4; i++) {
		r = xhp_xs_reply_take(buf + off, size - off, (uint32_t)i + 1,
				      &ops[i], &used);
		CHECK(r == 0 || r == 1 || r == -EBADMSG || r == -ENOMEM);
		if (r != 0) {
			CHECK(r != 1 || used > size - off);
			break;
		}
		CHECK(used >= 16 && used <= size - off);
		off += used;
		if (ops[i].err) {
			CHECK(ops[i].err < 0 && !ops[i].value && !ops[i].names);
			continue;
		}
		if (!ops[i].list) {
			CHECK(ops[i].value &&
			      strlen(ops[i].value) + 16 == used);
			continue;
		}
		CHECK(ops[i].names);
		for (k = 0; k < ops[i].n_names; k++)
			CHECK(ops[i].names[k] &&
			      strlen(ops[i].names[k]) < used);
		CHECK(!ops[i].names[ops[i].n_names]);
	}
	xhp_xs_ops_clear(ops, 4);
	return 0;
}
