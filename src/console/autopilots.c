/* autopilots: the console's first page: the workspace's autopilots, their triggers and the last day's deliveries, over db/autopilot, db/trigger, db/delivery. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "console/auth.h"
#include "console/chart.h"
#include "console/console.h"
#include "console/page.h"
#include "db/autopilot.h"
#include "db/delivery.h"
#include "db/trigger.h"

/* The page shows at most this many autopilots, the newest first. */
#define HOME_AUTOPILOTS_MAX 100

void console_error_page(struct hg_request *r, int status, const char *message)
{
	console_error(r, status, message);
}

/* ---- GET /console ---- */

void console_root(struct hg_request *r)
{
	console_redirect(r, "/console/");
}

/* ---- GET /console/autopilots/{autopilot} ---- */

void console_autopilot(struct hg_request *r)
{
	char path[128];

	snprintf(path, sizeof(path), "/console/autopilots/%s/deliveries", r->params[0]);
	console_redirect(r, path);
}

/* A JSON member as text ("" when null), escaped. */
static void field_text(struct page *p, struct json_object *o, const char *key)
{
	page_text(p, page_json_str(o, key));
}

/* Whether boolean member key of o is true. */
static bool field_true(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

/* The triggers of an autopilot (trigger JSON array) as a table. */
static void triggers_table(struct page *p, struct json_object *triggers)
{
	size_t n = json_object_array_length(triggers);

	if (n == 0) {
		page_raw(p, "<p class=\"muted\">No trigger yet: <code>hookgatectl trigger create "
			 "--autopilot ID</code> makes one.</p>\n");
		return;
	}
	page_raw(p, "<table class=\"triggers\">\n<thead><tr><th>Provider</th><th>Label</th>"
		 "<th>Token</th><th>Signing secret</th><th>Enabled</th><th>Last fired</th>"
		 "</tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < n; i++) {
		struct json_object *t = json_object_array_get_idx(triggers, i);

		page_raw(p, "<tr><td>");
		field_text(p, t, "provider");
		page_raw(p, "</td><td>");
		field_text(p, t, "label");
		page_raw(p, "</td><td><code>");
		field_text(p, t, "webhook_token_hint");
		page_raw(p, "&#8230;</code></td><td>");
		if (field_true(t, "has_signing_secret")) {
			page_raw(p, "set (&#8230;");
			field_text(p, t, "signing_secret_hint");
			page_raw(p, ")");
		} else {
			page_raw(p, "<span class=\"muted\">none</span>");
		}
		page_raw(p, "</td><td>");
		page_raw(p, field_true(t, "enabled") ? "yes" : "<span class=\"badge b-disabled\">no</span>");
		page_raw(p, "</td><td>");
		page_time(p, page_json_str(t, "last_fired_at"));
		page_raw(p, "</td></tr>\n");
	}
	page_raw(p, "</tbody>\n</table>\n");
}

/* The card of autopilot a (its JSON): false when the store failed (the answer is sent). */
static HG_MUSTCHECK bool autopilot_card(struct page *p, struct json_object *a, int index)
{
	const char *id = page_json_str(a, "id");
	struct json_object *triggers = NULL;
	struct delivery_day day;
	enum store_rc rc;
	char path[128];

	rc = trigger_list(p->r->workspace_id, id, &triggers);
	if (rc == STORE_OK)
		rc = delivery_day(p->r->workspace_id, id, &day);
	if (rc == STORE_NOT_FOUND) {
		json_object_put(triggers);
		return true;		/* deleted meanwhile: not shown */
	}
	if (rc != STORE_OK) {
		json_object_put(triggers);
		console_store_failed(p->r, rc);
		return false;
	}
	snprintf(path, sizeof(path), "/console/autopilots/%s/", id);
	page_raw(p, "<section class=\"card\">\n<h2><a href=\"");
	page_url(p, path);
	page_raw(p, "deliveries\">");
	field_text(p, a, "title");
	page_raw(p, "</a> ");
	page_badge(p, page_json_str(a, "status"));
	page_raw(p, "</h2>\n");
	if (page_json_str(a, "description") && *page_json_str(a, "description")) {
		page_raw(p, "<p class=\"description\">");
		field_text(p, a, "description");
		page_raw(p, "</p>\n");
	}
	page_raw(p, "<p class=\"meta\"><code>");
	page_text(p, id);
	page_raw(p, "</code> &#183; last run ");
	page_time(p, page_json_str(a, "last_run_at"));
	page_raw(p, "</p>\n");
	chart_day(p, &day, index);
	triggers_table(p, triggers);
	page_raw(p, "<p class=\"links\"><a href=\"");
	page_url(p, path);
	page_raw(p, "deliveries\">Deliveries</a> &#183; <a href=\"");
	page_url(p, path);
	page_raw(p, "runs\">Runs</a></p>\n</section>\n");
	json_object_put(triggers);
	return true;
}

/* ---- GET /console/ ---- */

void console_home(struct hg_request *r)
{
	char limit[16];
	struct model_page mp = { limit, NULL, NULL };
	struct session s;
	struct page p;
	PGresult *res = NULL;
	int n;

	if (!console_session(r, &s))
		return;
	snprintf(limit, sizeof(limit), "%d", HOME_AUTOPILOTS_MAX + 1);
	if (!console_store_ok(r, autopilot_page(s.workspace_id, &mp, &res), 0, NULL))
		return;
	page_init(&p, r, &s);
	page_begin(&p, "Autopilots");
	page_raw(&p, "<h1>Autopilots</h1>\n");
	n = PQntuples(res);
	if (n == 0)
		page_raw(&p, "<p class=\"muted\">This workspace has no autopilot yet: "
			 "<code>hookgatectl autopilot create --workspace SLUG --title T</code> "
			 "makes one.</p>\n");
	for (int i = 0; i < n && i < HOME_AUTOPILOTS_MAX; i++) {
		struct json_object *a = autopilot_json(res, i);
		bool ok;

		if (!a) {
			p.failed = true;
			break;
		}
		ok = autopilot_card(&p, a, i);
		json_object_put(a);
		if (!ok) {
			page_free(&p);
			PQclear(res);
			return;
		}
	}
	if (n > HOME_AUTOPILOTS_MAX)
		page_raw(&p, "<p class=\"muted\">The newest 100 autopilots are shown.</p>\n");
	PQclear(res);
	page_end(&p);
	page_send(&p, 200);
}
