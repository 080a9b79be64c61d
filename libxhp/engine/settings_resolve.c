// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A run's settings: for each key the personality reads, the value of the
 * highest source that has it (xhp/settings.h: environment < arguments <
 * caller < xenstore), checked by the key's parser whatever the source.
 * Everything is read and checked before the personality changes
 * anything. A key given by the user that the personality does not read
 * is said so at LOG_INFO, never silently dropped.
 */
#include <stdio.h>
#include <string.h>

#include "personality.h"
#include "util.h"

const char *xhp_op_setting(const struct xhp_op *op, const char *key)
{
	size_t i;

	for (i = 0; i < op->n_settings; i++)
		if (!strcmp(op->settings[i].def->key, key))
			return op->settings[i].value;
	xhp_debug(op->ctx, "%s %s does not read the setting %s", op->p->name,
		  xhp_request_action_to_string(op->req->action), key);
	return NULL;
}

int xhp_op_setting_source(const struct xhp_op *op, const char *key)
{
	size_t i;

	for (i = 0; i < op->n_settings; i++)
		if (!strcmp(op->settings[i].def->key, key))
			return op->settings[i].source;
	return 0;
}

void xhp_op_settings_free(struct xhp_op *op)
{
	size_t i;

	for (i = 0; i < op->n_settings; i++)
		free(op->settings[i].value);
	free(op->settings);
	op->settings = NULL;
	op->n_settings = 0;
}

static bool is_add(const struct xhp_op *op)
{
	return op->req->action == XHP_ACTION_ADD ||
	       op->req->action == XHP_ACTION_ONLINE;
}

/* The backend's key, checked; *ret NULL when missing or empty. */
static int from_xenstore(struct xhp_op *op, const struct xhp_setting_def *def,
			 char **ret)
{
	char path[XENSTORE_ABS_PATH_MAX];
	char *v = NULL;
	int r;

	r = xhp_xs_read_key(op->ctx, op->req->backend_path, def->key, &v);
	if (r == -ENOENT) {
		*ret = NULL;
		return 0;
	}
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "%s/%s", op->req->backend_path, def->key);
	r = xhp_setting_check(op->ctx, def, XHP_SOURCE_XENSTORE, path, v);
	if (r < 0 && !is_add(op)) {
		/* A teardown is not held up by a key it may not even need. */
		xhp_info(op->ctx, "%s (ignored: %s)", op->ctx->err,
			 xhp_request_action_to_string(op->req->action));
		xhp_clear_error(op->ctx);
		r = 0;
		v[0] = '\0';
	}
	if (r < 0 || !v[0]) {
		free(v);
		v = NULL;
	}
	*ret = v;
	return r;
}

/* The backend's keys, listed once: a key not there is not read. */
struct listing {
	char **names; /* one allocation (libxenstore's), NULL: none */
	unsigned int n;
};

static bool listed(const struct listing *l, const char *key)
{
	unsigned int i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->names[i], key))
			return true;
	return false;
}

static int resolve_one(struct xhp_op *op, struct xhp_op_setting *s,
		       const struct listing *names)
{
	const struct xhp_setting_def *def = s->def;
	const char *v = NULL;
	int src = 0, r;

	if (op->xenstore && (def->sources & XHP_SRC(XHP_SOURCE_XENSTORE)) &&
	    listed(names, def->key)) {
		r = from_xenstore(op, def, &s->value);
		if (r < 0)
			return r;
		if (s->value) {
			s->source = XHP_SOURCE_XENSTORE;
			return 0;
		}
	}
	/* The caller's, argv and the environment were checked when set. */
	if (op->caller) {
		v = xhp_settings_get(op->caller, def->key);
		src = XHP_SOURCE_CALLER;
	}
	if (!v || !v[0]) {
		v = xhp_request_setting(op->req, def->key);
		src = xhp_request_setting_source(op->req, def->key);
	}
	if (!v || !v[0])
		return 0;
	s->value = strdup(v);
	if (!s->value)
		return xhp_err(op->ctx, ENOMEM, "out of memory");
	s->source = src;
	return 0;
}

static bool declared(const struct xhp_personality *p, const char *key)
{
	const char *const *k;

	for (k = p->settings; k && *k; k++)
		if (!strcmp(*k, key))
			return true;
	return false;
}

/* Keys handed over that this personality does not read: said so. */
static void log_unused(struct xhp_op *op)
{
	const char *k, *v;
	unsigned int i;
	size_t j;

	if (!is_add(op))
		return; /* a teardown reads fewer: no noise about the rest */
	for (i = 0; xhp_request_setting_at(op->req, i, &k, &v) == 0; i++)
		if (xhp_setting_def_find(k, strlen(k)) && v[0] &&
		    !declared(op->p, k))
			xhp_info(op->ctx, "%s=%s from %s is not used by %s", k,
				 v,
				 xhp_source_phrase(xhp_request_setting_source(
					 op->req, k)),
				 op->p->name);
	for (j = 0; op->caller && j < op->caller->n; j++)
		if (!declared(op->p, op->caller->v[j].def->key))
			xhp_info(op->ctx, "%s=%s from %s is not used by %s",
				 op->caller->v[j].def->key,
				 op->caller->v[j].value,
				 xhp_source_phrase(XHP_SOURCE_CALLER),
				 op->p->name);
}

/*
 * The backend's keys, listed once: only those there are read. A backend
 * that does not exist fails an add before anything is changed (it would
 * never be reported to); a teardown goes on without its keys.
 */
static int list_backend(struct xhp_op *op, struct listing *ret)
{
	int r;

	if (!op->xenstore)
		return 0;
	r = xhp_xs_list(op->ctx, op->req->backend_path, &ret->names, &ret->n);
	if (r == -ENOENT && is_add(op))
		return xhp_err(op->ctx, ENOENT,
			       "%s does not exist in xenstore: nothing done",
			       op->req->backend_path);
	return r == -ENOENT ? 0 : r;
}

static int resolve_all(struct xhp_op *op, const char *const *keys, size_t n,
		       const struct listing *names)
{
	const char *const *k;
	int r;

	op->settings = calloc(n ? n : 1, sizeof(*op->settings));
	if (!op->settings)
		return xhp_err(op->ctx, ENOMEM, "out of memory");
	for (k = keys; k && *k; k++) {
		struct xhp_op_setting *s = &op->settings[op->n_settings++];

		s->def = xhp_setting_def_find(*k, strlen(*k));
		if (!s->def)
			return xhp_err(
				op->ctx, EINVAL,
				"%s reads %s, which is not in the settings table",
				op->p->name, *k);
		r = resolve_one(op, s, names);
		if (r < 0)
			return r;
	}
	return 0;
}

int xhp_op_resolve_settings(struct xhp_op *op)
{
	const char *const *keys = is_add(op) ? op->p->settings :
					       op->p->remove_settings;
	struct listing names = { NULL, 0 };
	const char *const *k;
	size_t n = 0;
	int r;

	for (k = keys; k && *k; k++)
		n++;
	r = n ? list_backend(op, &names) : 0;
	if (r >= 0)
		r = resolve_all(op, keys, n, &names);
	free(names.names);
	if (r >= 0)
		log_unused(op);
	return r;
}