/* view: pieces shared by the autopilot's pages: its heading and tabs, JSON values, bodies as JSON or hex, the filters of a list. */
#ifndef HG_CONSOLE_VIEW_H
#define HG_CONSOLE_VIEW_H

#include "lib/common.h"

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

#include "console/page.h"
#include "db/model.h"

/* Rows of a list page. */
#define VIEW_PAGE_ROWS 50
/*
 * A body is laid out as JSON up to VIEW_JSON_MAX bytes; beyond, and when it
 * is not JSON, it is a hex dump of its first VIEW_HEX_MAX bytes. A JSON
 * value (a run's result, its payload) shows its first VIEW_JSON_MAX bytes.
 */
#define VIEW_JSON_MAX (1u << 20)
#define VIEW_HEX_MAX (16u << 10)
/* The longest event filter. */
#define VIEW_EVENT_MAX 256

/*
 * The autopilot of the path of r, in the session's workspace, into *out
 * (the caller's to put). False with the answer sent: 404 "autopilot not
 * found" (also another workspace's), 503/500.
 */
bool view_autopilot(struct hg_request *r, struct json_object **out) HG_MUSTCHECK;

/* The heading of an autopilot's page: the way back, the title, the tabs ("deliveries" or "runs" active). */
void view_autopilot_head(struct page *p, struct json_object *autopilot, const char *tab);

/* A JSON value as text: a string as it is, null as a dash, anything else as JSON. */
void view_value(struct page *p, struct json_object *v);

/* How a table cell shows a member of a row's JSON. */
enum view_cell {
	VIEW_CELL_TEXT,		/* as text */
	VIEW_CELL_LONG,		/* as text that may break anywhere (an event name) */
	VIEW_CELL_NUM,		/* a number, to the right */
	VIEW_CELL_TIME,		/* a timestamp (page_time) */
	VIEW_CELL_BADGE,	/* a status word (page_badge) */
};

/* <td> with member key of o shown as kind says. */
void view_cell(struct page *p, enum view_cell kind, struct json_object *o, const char *key);

/* A JSON value laid out on several lines, in <pre>. */
void view_json(struct page *p, struct json_object *v);

/* Bytes in <pre>: laid out when they are JSON (json_indent), else as a hex dump (first VIEW_HEX_MAX bytes). */
void view_bytes(struct page *p, const unsigned char *bytes, size_t len);

/*
 * The query parameter name of r into out when it is one of allowed
 * (NULL-terminated): *value NULL when absent or empty. False after a 400
 * page naming the choices.
 */
bool view_choice(struct hg_request *r, const char *name, const char *const *allowed, char *out,
		 size_t outlen, const char **value) HG_MUSTCHECK;

/*
 * ?before=: the id of the last row of the previous page, *value NULL when
 * absent or empty. False after a 400 page when it is not a UUID.
 */
bool view_before(struct hg_request *r, char *out, const char **value) HG_MUSTCHECK;

/* What a list page of an autopilot's rows (deliveries, runs) knows about them. */
struct view_list {
	const char *autopilot_id;
	const struct model_list *rows;	/* the resource module's: its thing, id column, JSON, cursor */
	/* one <tr> of a row */
	void (*row)(struct page *p, const char *autopilot_id, struct json_object *o);
	/* the list's link from before (NULL: the first page), with the filters in ctx */
	void (*url)(struct page *p, const struct view_list *l, const char *before);
	const void *ctx;
};

/*
 * The page to ask for: VIEW_PAGE_ROWS + 1 rows (into limit, 16 bytes)
 * before the row before (NULL: the first page), whose created_at goes into
 * ts (64 bytes). False after a 400 page (before names no row of the
 * autopilot) or a 5xx one.
 */
bool view_page_query(struct hg_request *r, const struct view_list *l, const char *before,
		     char *limit, char *ts, struct model_page *mp) HG_MUSTCHECK;

/*
 * The rows of res (a page of VIEW_PAGE_ROWS + 1 rows asked for: the last
 * says there is a next one) in a table under head (HTML of its <thead>),
 * or empty (HTML) when there is none; then the links to the newest page
 * (when before is set) and to the next one.
 */
void view_rows(struct page *p, const struct view_list *l, const PGresult *res, const char *head,
	       const char *empty, const char *before);

/* A <select name=name> of the choices (NULL-terminated), with "any" first and current selected. */
void view_select(struct page *p, const char *name, const char *label, const char *const *choices,
		 const char *current);

/*
 * "?name=value" for the first part of a query string being written (*first
 * true), "&name=value" for the next ones, when value is set.
 */
void view_query_part(struct page *p, const char *name, const char *value, bool *first);

#endif
