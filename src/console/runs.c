/* runs: an autopilot's runs in the console, newest first, filtered by status, over db/run. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "console/auth.h"
#include "console/console.h"
#include "console/page.h"
#include "console/view.h"
#include "db/run.h"

/* One row of the list (run_json of a run_page row). */
static void run_row(struct page *p, const char *autopilot_id, struct json_object *run)
{
	const char *delivery = page_json_str(run, "webhook_delivery_id");
	struct json_object *v;
	char path[160];

	page_raw(p, "<tr><td>");
	page_time(p, page_json_str(run, "created_at"));
	page_raw(p, "</td><td>");
	page_badge(p, page_json_str(run, "status"));
	page_raw(p, "</td><td>");
	page_text(p, page_json_str(run, "source"));
	page_raw(p, "</td><td class=\"num\">");
	view_value(p, json_object_object_get_ex(run, "attempts", &v) ? v : NULL);
	page_raw(p, "</td><td>");
	if (delivery) {
		snprintf(path, sizeof(path), "/console/autopilots/%s/deliveries/%s", autopilot_id,
			 delivery);
		page_raw(p, "<a href=\"");
		page_url(p, path);
		page_raw(p, "#run\">delivery</a>");
	} else {
		page_raw(p, "<span class=\"muted\">&#8212;</span>");
	}
	page_raw(p, "</td><td>");
	page_time(p, page_json_str(run, "completed_at"));
	page_raw(p, "</td><td>");
	page_text(p, page_json_str(run, "failure_reason"));
	page_raw(p, "</td></tr>\n");
}

/* The link to the list of status (NULL: any) from before (NULL: the first page). */
static void list_url(struct page *p, const char *autopilot_id, const char *status,
		     const char *before)
{
	char path[128];
	bool first = true;

	snprintf(path, sizeof(path), "/console/autopilots/%s/runs", autopilot_id);
	page_url(p, path);
	view_query_part(p, "status", status, &first);
	view_query_part(p, "before", before, &first);
}

/* ---- GET /console/autopilots/{autopilot}/runs ---- */

void console_runs(struct hg_request *r)
{
	const char *autopilot_id = r->params[0], *status, *before, *missing = "run";
	char limit[16], ts[64], status_buf[32], before_buf[STORE_ID_LEN], path[128];
	struct model_page mp = { limit, NULL, NULL };
	struct json_object *autopilot = NULL;
	struct session s;
	struct page p;
	PGresult *res = NULL;
	enum store_rc rc;
	int n;

	if (!console_session(r, &s) || !view_autopilot(r, &autopilot))
		return;
	if (!view_choice(r, "status", run_statuses, status_buf, sizeof(status_buf), &status) ||
	    !view_before(r, before_buf, &before))
		goto out;
	if (before) {
		rc = run_cursor(autopilot_id, before, ts, &missing);
		if (rc == STORE_NOT_FOUND) {
			console_error(r, 400, "before names no run of this autopilot");
			goto out;
		}
		if (rc != STORE_OK) {
			console_store_failed(r, rc);
			goto out;
		}
		mp.before_ts = ts;
		mp.before_id = before;
	}
	snprintf(limit, sizeof(limit), "%d", VIEW_PAGE_ROWS + 1);
	rc = run_page(s.workspace_id, autopilot_id, status, &mp, &res);
	if (rc == STORE_NOT_FOUND) {
		console_error(r, 404, "autopilot not found");
		goto out;
	}
	if (rc != STORE_OK) {
		console_store_failed(r, rc);
		goto out;
	}
	n = PQntuples(res);
	if (n > 0 && PQgetisnull(res, 0, RUN_COL_ID))
		n = 0;
	page_init(&p, r, &s);
	page_begin(&p, "Runs");
	view_autopilot_head(&p, autopilot, "runs");
	snprintf(path, sizeof(path), "/console/autopilots/%s/runs", autopilot_id);
	page_raw(&p, "<form class=\"filters\" method=\"get\" action=\"");
	page_url(&p, path);
	page_raw(&p, "\">\n");
	view_select(&p, "status", "Status", run_statuses, status);
	page_raw(&p, "<button type=\"submit\">Filter</button> <a href=\"");
	page_url(&p, path);
	page_raw(&p, "\">Clear</a>\n</form>\n");
	if (n == 0) {
		page_raw(&p, "<p class=\"muted\">No run.</p>\n");
	} else {
		page_raw(&p, "<table class=\"runs\">\n<thead><tr><th>Created</th><th>Status</th>"
			 "<th>Source</th><th>Attempts</th><th>From</th><th>Finished</th>"
			 "<th>Failure</th></tr></thead>\n<tbody>\n");
		for (int i = 0; i < n && i < VIEW_PAGE_ROWS; i++) {
			struct json_object *run = run_json(res, i);

			if (!run) {
				p.failed = true;
				break;
			}
			run_row(&p, autopilot_id, run);
			json_object_put(run);
		}
		page_raw(&p, "</tbody>\n</table>\n");
	}
	page_raw(&p, "<nav class=\"pager\">");
	if (before) {
		page_raw(&p, "<a href=\"");
		list_url(&p, autopilot_id, status, NULL);
		page_raw(&p, "\">&#8676; Newest</a> ");
	}
	if (n > VIEW_PAGE_ROWS) {
		page_raw(&p, "<a rel=\"next\" href=\"");
		list_url(&p, autopilot_id, status, PQgetvalue(res, VIEW_PAGE_ROWS - 1, RUN_COL_ID));
		page_raw(&p, "\">Older &#8594;</a>");
	}
	page_raw(&p, "</nav>\n");
	page_end(&p);
	page_send(&p, 200);
out:
	PQclear(res);
	json_object_put(autopilot);
}
