/* resource: what hookgatectl's commands over the db modules share: id arguments, store errors, an autopilot's lists. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"
#include "db/store.h"

#define LIST_DEFAULT_LIMIT	20
#define LIST_MAX_LIMIT		1000

void ctl_store_error(const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	ctl_error("%s: %s", what, store_last_error());
}

enum ctl_rc ctl_show(struct ctl *c, int argc, char **argv, const char *arg, const char *thing,
		     ctl_get_fn get)
{
	struct json_object *obj = NULL;
	enum model_found found;
	const char *id;
	enum ctl_rc rc = ctl_id_arg(c, argc, argv, arg, thing, &id);

	if (rc != CTL_OK)
		return rc;
	if (get(NULL, NULL, id, &found, &obj) != STORE_OK) {
		ctl_store_error("cannot read %s '%s'", thing, id);
		return CTL_FAIL;
	}
	if (found != MODEL_FOUND) {
		ctl_error("%s '%s' not found", thing, id);
		return CTL_FAIL;
	}
	return ctl_print(obj) ? CTL_OK : CTL_FAIL;
}

/* --limit: a whole number from 1 to LIST_MAX_LIMIT; the default when absent. */
static HG_MUSTCHECK bool limit_parse(const char *s, int *out)
{
	long n = LIST_DEFAULT_LIMIT;
	char *end = NULL;

	if (s) {
		errno = 0;
		if (isdigit((unsigned char)s[0]))
			n = strtol(s, &end, 10);
		if (!end || errno != 0 || *end != '\0' || n < 1 || n > LIST_MAX_LIMIT) {
			ctl_error("invalid --limit '%s' (a whole number from 1 to %d)", s,
				  LIST_MAX_LIMIT);
			return false;
		}
	}
	*out = (int)n;
	return true;
}

/* --status: NULL (all) or one of allowed, else says which are. */
static HG_MUSTCHECK bool status_check(const char *status, const char *const *allowed)
{
	char list[128] = "";
	size_t used = 0;

	if (!status)
		return true;
	for (size_t i = 0; allowed[i]; i++)
		if (strcmp(status, allowed[i]) == 0)
			return true;
	for (size_t i = 0; allowed[i] && used < sizeof(list); i++) {
		int n = snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "", allowed[i]);

		if (n < 0)
			break;
		used += (size_t)n;
	}
	ctl_error("invalid --status '%s' (expected %s)", status, list);
	return false;
}

/* --before ID: the created_at of that thing of the autopilot into ts (64 bytes); false after saying why. */
static HG_MUSTCHECK bool cursor_find(const struct ctl_list *l, const char *autopilot,
				     const char *before, char *ts)
{
	enum model_found found;

	if (l->cursor(autopilot, before, ts, &found) != STORE_OK) {
		ctl_store_error("cannot look up %s '%s'", l->thing, before);
		return false;
	}
	if (found == MODEL_NO_OWNER)
		ctl_error("autopilot '%s' not found", autopilot);
	else if (found == MODEL_NO_ROW)
		ctl_error("%s '%s' not found in autopilot '%s'", l->thing, before, autopilot);
	return found == MODEL_FOUND;
}

/* Print the rows of a list scoped by its autopilot: no row means no autopilot. */
static enum ctl_rc print_rows(const struct ctl_list *l, const PGresult *res, const char *autopilot)
{
	struct json_object *arr;
	int n;

	if (PQntuples(res) == 0) {
		ctl_error("autopilot '%s' not found", autopilot);
		return CTL_FAIL;
	}
	arr = json_object_new_array();
	/* one row of NULLs: an empty list */
	n = arr && !PQgetisnull(res, 0, 0) ? PQntuples(res) : 0;
	for (int i = 0; i < n; i++) {
		struct json_object *row = l->row_json(res, i);

		if (!row || json_object_array_add(arr, row) != 0) {
			json_object_put(row);
			json_object_put(arr);
			arr = NULL;
			break;
		}
	}
	/* NULL: out of memory, said by ctl_print */
	return ctl_print(arr) ? CTL_OK : CTL_FAIL;
}

enum ctl_rc ctl_autopilot_list(struct ctl *c, int argc, char **argv, const struct ctl_list *l)
{
	const char *autopilot = NULL, *status = NULL, *limit = NULL, *before = NULL;
	const struct ctl_arg args[] = {
		{ "autopilot", CTL_REQUIRED, &autopilot, NULL },
		{ "status", CTL_OPTIONAL, &status, NULL },
		{ "limit", CTL_OPTIONAL, &limit, NULL },
		{ "before", CTL_OPTIONAL, &before, NULL },
		{ NULL, CTL_FLAG, NULL, NULL },
	};
	struct model_page q = { .workspace_id = NULL };
	PGresult *res = NULL;
	char ts[64];
	enum ctl_rc rc;

	rc = ctl_parse_args(argc, argv, args);
	if (rc != CTL_OK)
		return rc;
	if (!ctl_id_valid("autopilot", autopilot) || !status_check(status, l->statuses) ||
	    !limit_parse(limit, &q.limit) || (before && !ctl_id_valid(l->thing, before)))
		return CTL_FAIL;
	if (!ctl_connect(c) || (before && !cursor_find(l, autopilot, before, ts)))
		return CTL_FAIL;
	q.owner_id = autopilot;
	q.status = status;
	q.before_ts = before ? ts : NULL;
	q.before_id = before;
	if (l->list(&q, &res) != STORE_OK) {
		ctl_store_error("%s", l->what);
		return CTL_FAIL;
	}
	rc = print_rows(l, res, autopilot);
	PQclear(res);
	return rc;
}
