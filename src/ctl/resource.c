/* resource: what hookgatectl's delivery and run commands share: show by id, an autopilot's lists. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "ctl/ctl.h"

#define LIST_DEFAULT_LIMIT	20
#define LIST_MAX_LIMIT		1000

enum ctl_rc ctl_show(struct ctl *c, int argc, char **argv, const char *arg, const char *thing,
		     ctl_show_fn show)
{
	struct json_object *obj = NULL;
	const char *id, *missing;
	char what[64];

	if (!ctl_id_arg(c, argc, argv, arg, thing, &id))
		return CTL_FAIL;
	snprintf(what, sizeof(what), "cannot read %s '%s'", thing, id);
	return ctl_answer(show(NULL, NULL, id, &obj, &missing), &obj, what, thing, id);
}

/* --limit: a whole number from 1 to LIST_MAX_LIMIT, as text into buf; the default when absent. */
static HG_MUSTCHECK bool limit_parse(const char *s, char *buf, size_t len)
{
	long n = LIST_DEFAULT_LIMIT;

	if (s && !ctl_number("limit", s, 1, LIST_MAX_LIMIT, "", &n))
		return false;
	snprintf(buf, len, "%ld", n);
	return true;
}

/* --status: NULL (all) or one of allowed, else says which are. */
static HG_MUSTCHECK bool status_check(const char *status, const char *const *allowed)
{
	char list[128];

	if (!status)
		return true;
	for (size_t i = 0; allowed[i]; i++)
		if (strcmp(status, allowed[i]) == 0)
			return true;
	ctl_error("invalid --status '%s' (expected %s)", status,
		  ctl_join(allowed, list, sizeof(list)));
	return false;
}

/* --before ID: the created_at of that thing of the autopilot into ts (64 bytes); false after saying why. */
static HG_MUSTCHECK bool cursor_find(const struct model_list *rows, const char *autopilot,
				     const char *before, char *ts)
{
	const char *missing = "autopilot";
	enum store_rc rc = model_list_cursor(rows, autopilot, before, ts, &missing);
	char what[96];

	if (rc == STORE_NOT_FOUND && strcmp(missing, "autopilot") != 0) {
		ctl_error("%s '%s' not found in autopilot '%s'", rows->thing, before, autopilot);
		return false;
	}
	snprintf(what, sizeof(what), "cannot look up %s '%s'", rows->thing, before);
	return ctl_found(rc, "autopilot", autopilot, what);
}

enum ctl_rc ctl_list_of_autopilot(struct ctl *c, int argc, char **argv,
				  const struct model_list *rows, const char *what)
{
	const char *autopilot = NULL, *status = NULL, *limit = NULL, *before = NULL;
	const struct ctl_arg args[] = {
		{ "autopilot", CTL_REQUIRED, &autopilot, NULL },
		{ "status", CTL_OPTIONAL, &status, NULL },
		{ "limit", CTL_OPTIONAL, &limit, NULL },
		{ "before", CTL_OPTIONAL, &before, NULL },
		{ NULL, CTL_FLAG, NULL, NULL },
	};
	char limit_txt[16], ts[64];
	struct model_page page = { limit_txt, NULL, NULL };
	struct json_object *arr = NULL;
	PGresult *res = NULL;
	enum store_rc src;

	ctl_parse_args(argc, argv, args);
	if (!ctl_id_valid("autopilot", autopilot) || !status_check(status, rows->statuses) ||
	    !limit_parse(limit, limit_txt, sizeof(limit_txt)) ||
	    (before && !ctl_id_valid(rows->thing, before)))
		return CTL_FAIL;
	if (!ctl_connect(c) || (before && !cursor_find(rows, autopilot, before, ts)))
		return CTL_FAIL;
	if (before) {
		page.before_ts = ts;
		page.before_id = before;
	}
	src = model_list_page(rows, NULL, autopilot, status, &page, &res);
	if (src == STORE_OK && !(arr = model_rows_json(res, rows->to_json)))
		src = STORE_ERROR;
	PQclear(res);
	return ctl_answer(src, &arr, what, "autopilot", autopilot);
}
