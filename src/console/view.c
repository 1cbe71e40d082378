/* view: the autopilot's heading and tabs, JSON values and bodies (laid out JSON or hex), and list filters, for the console's pages. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console/view.h"
#include "db/autopilot.h"
#include "lib/json.h"
#include "lib/util.h"

bool view_autopilot(struct hg_request *r, struct json_object **out)
{
	return console_store_ok(r, autopilot_show(r->workspace_id, r->params[0], out), 404,
				"autopilot not found");
}

void view_autopilot_head(struct page *p, struct json_object *autopilot, const char *tab)
{
	static const char *const tabs[] = { "deliveries", "runs" };
	char path[128];

	snprintf(path, sizeof(path), "/console/autopilots/%s/",
		 page_json_str(autopilot, "id") ? page_json_str(autopilot, "id") : "");
	page_raw(p, "<nav class=\"crumbs\"><a href=\"");
	page_url(p, "/console/");
	page_raw(p, "\">Autopilots</a> &#8250;</nav>\n<h1>");
	page_text(p, page_json_str(autopilot, "title"));
	page_raw(p, " ");
	page_badge(p, page_json_str(autopilot, "status"));
	page_raw(p, "</h1>\n<nav class=\"tabs\">");
	for (size_t i = 0; i < HG_ARRAY_LEN(tabs); i++) {
		page_raw(p, "<a href=\"");
		page_url(p, path);
		page_text(p, tabs[i]);
		page_raw(p, strcmp(tabs[i], tab) == 0 ? "\" class=\"active\" aria-current=\"page\">" : "\">");
		page_raw(p, i == 0 ? "Deliveries" : "Runs");
		page_raw(p, "</a>");
	}
	page_raw(p, "</nav>\n");
}

void view_value(struct page *p, struct json_object *v)
{
	if (!v) {
		page_raw(p, "<span class=\"muted\">&#8212;</span>");
		return;
	}
	if (json_object_is_type(v, json_type_string))
		page_textn(p, json_object_get_string(v), (size_t)json_object_get_string_len(v));
	else
		page_text(p, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
							       JSON_C_TO_STRING_NOSLASHESCAPE));
}

void view_cell(struct page *p, enum view_cell kind, struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	page_raw(p, kind == VIEW_CELL_NUM ? "<td class=\"num\">" :
		    kind == VIEW_CELL_LONG ? "<td class=\"event\">" : "<td>");
	switch (kind) {
	case VIEW_CELL_TIME:
		page_time(p, page_json_str(o, key));
		break;
	case VIEW_CELL_BADGE:
		page_badge(p, page_json_str(o, key));
		break;
	case VIEW_CELL_TEXT:
	case VIEW_CELL_LONG:
	case VIEW_CELL_NUM:
		if (v)
			view_value(p, v);
		break;
	}
	page_raw(p, "</td>");
}

void view_json(struct page *p, struct json_object *v)
{
	size_t len;
	const char *text = json_object_to_json_string_length(v, JSON_C_TO_STRING_PRETTY |
							       JSON_C_TO_STRING_NOSLASHESCAPE, &len);

	page_raw(p, "<pre class=\"json\">");
	/* a character cut at the end shows as U+FFFD (html_escape) */
	page_textn(p, text, len < VIEW_JSON_MAX ? len : VIEW_JSON_MAX);
	page_raw(p, "</pre>\n");
	if (len > VIEW_JSON_MAX) {
		page_raw(p, "<p class=\"muted\">The first ");
		page_long(p, (long)VIEW_JSON_MAX);
		page_raw(p, " of ");
		page_long(p, (long)len);
		page_raw(p, " bytes.</p>\n");
	}
}

/* A hex dump: offset, 16 bytes in hex, the same as text (. for what is not printable ASCII). */
static void hex_dump(struct page *p, const unsigned char *bytes, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t shown = len < VIEW_HEX_MAX ? len : VIEW_HEX_MAX;
	char line[96];

	page_raw(p, "<pre class=\"hex\">");
	for (size_t off = 0; off < shown; off += 16) {
		size_t o = (size_t)snprintf(line, sizeof(line), "%08zx  ", off);

		for (size_t i = 0; i < 16; i++) {
			if (off + i < shown) {
				line[o++] = hex[bytes[off + i] >> 4];
				line[o++] = hex[bytes[off + i] & 15];
			} else {
				line[o++] = ' ';
				line[o++] = ' ';
			}
			line[o++] = ' ';
			if (i == 7)
				line[o++] = ' ';
		}
		line[o++] = ' ';
		for (size_t i = 0; i < 16 && off + i < shown; i++) {
			unsigned char c = bytes[off + i];

			line[o++] = c >= 0x20 && c < 0x7F ? (char)c : '.';
		}
		line[o++] = '\n';
		page_textn(p, line, o);
	}
	page_raw(p, "</pre>\n");
	if (shown < len) {
		page_raw(p, "<p class=\"muted\">The first ");
		page_long(p, (long)shown);
		page_raw(p, " of ");
		page_long(p, (long)len);
		page_raw(p, " bytes.</p>\n");
	}
}

void view_bytes(struct page *p, const unsigned char *bytes, size_t len)
{
	char *laid;
	size_t n;

	if (len > 0 && len <= VIEW_JSON_MAX && json_storable(bytes, len) != JSON_SYNTAX) {
		laid = json_indent((const char *)bytes, len, &n);
		if (!laid) {
			p->failed = true;
			return;
		}
		page_raw(p, "<pre class=\"json\">");
		page_textn(p, laid, n);
		page_raw(p, "</pre>\n");
		free(laid);
		return;
	}
	if (len == 0) {
		page_raw(p, "<p class=\"muted\">(empty)</p>\n");
		return;
	}
	hex_dump(p, bytes, len);
}

bool view_choice(struct hg_request *r, const char *name, const char *const *allowed, char *out,
		 size_t outlen, const char **value)
{
	char msg[256];
	size_t used;

	*value = NULL;
	if (!req_query_has(r, name))
		return true;
	if (req_query(r, name, out, outlen)) {
		if (!out[0])
			return true;
		for (size_t i = 0; allowed[i]; i++) {
			if (strcmp(out, allowed[i]) == 0) {
				*value = allowed[i];
				return true;
			}
		}
	}
	used = (size_t)snprintf(msg, sizeof(msg), "%s must be one of", name);
	for (size_t i = 0; allowed[i] && used < sizeof(msg); i++)
		used += (size_t)snprintf(msg + used, sizeof(msg) - used, "%s %s", i ? "," : "",
					 allowed[i]);
	console_error(r, 400, msg);
	return false;
}

bool view_before(struct hg_request *r, char *out, const char **value)
{
	*value = NULL;
	if (!req_query_has(r, "before"))
		return true;
	if (req_query(r, "before", out, STORE_ID_LEN)) {
		if (!out[0])
			return true;
		if (uuid_valid(out)) {
			*value = out;
			return true;
		}
	}
	console_error(r, 400, "before must be the id of a row of the previous page");
	return false;
}

void view_select(struct page *p, const char *name, const char *label, const char *const *choices,
		 const char *current)
{
	page_raw(p, "<label>");
	page_text(p, label);
	page_raw(p, " <select name=\"");
	page_text(p, name);
	page_raw(p, "\"><option value=\"\">any</option>");
	for (size_t i = 0; choices[i]; i++) {
		page_raw(p, "<option");
		if (current && strcmp(current, choices[i]) == 0)
			page_raw(p, " selected");
		page_raw(p, ">");
		page_text(p, choices[i]);
		page_raw(p, "</option>");
	}
	page_raw(p, "</select></label>\n");
}

void view_query_part(struct page *p, const char *name, const char *value, bool *first)
{
	if (!value)
		return;
	page_raw(p, *first ? "?" : "&amp;");
	*first = false;
	page_text(p, name);
	page_raw(p, "=");
	page_qvalue(p, value);
}

bool view_page_query(struct hg_request *r, const struct view_list *l, const char *before,
		     char *limit, char *ts, struct model_page *mp)
{
	const char *missing = l->rows->thing;
	enum store_rc rc;
	char msg[64];

	snprintf(limit, 16, "%d", VIEW_PAGE_ROWS + 1);
	*mp = (struct model_page){ limit, NULL, NULL };
	if (!before)
		return true;
	rc = model_list_cursor(l->rows, l->autopilot_id, before, ts, &missing);
	snprintf(msg, sizeof(msg), "before names no %s of this autopilot", l->rows->thing);
	if (!console_store_ok(r, rc, 400, msg))
		return false;
	mp->before_ts = ts;
	mp->before_id = before;
	return true;
}

void view_rows(struct page *p, const struct view_list *l, const PGresult *res, const char *head,
	       const char *empty, const char *before)
{
	int n = PQntuples(res);

	/* a page joined from its autopilot is one row of NULLs when empty */
	if (n > 0 && PQgetisnull(res, 0, l->rows->id_col))
		n = 0;
	if (n == 0) {
		page_raw(p, empty);
	} else {
		page_raw(p, head);
		page_raw(p, "<tbody>\n");
		for (int i = 0; i < n && i < VIEW_PAGE_ROWS; i++) {
			struct json_object *o = l->rows->to_json(res, i);

			if (!o) {
				p->failed = true;
				break;
			}
			l->row(p, l->autopilot_id, o);
			json_object_put(o);
		}
		page_raw(p, "</tbody>\n</table>\n");
	}
	page_raw(p, "<nav class=\"pager\">");
	if (before) {
		page_raw(p, "<a href=\"");
		l->url(p, l, NULL);
		page_raw(p, "\">&#8676; Newest</a> ");
	}
	if (n > VIEW_PAGE_ROWS) {
		page_raw(p, "<a rel=\"next\" href=\"");
		l->url(p, l, PQgetvalue(res, VIEW_PAGE_ROWS - 1, l->rows->id_col));
		page_raw(p, "\">Older &#8594;</a>");
	}
	page_raw(p, "</nav>\n");
}
