/* runs: an autopilot's runs in the console, newest first, filtered by status, over db/run. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "console/auth.h"
#include "console/console.h"
#include "console/page.h"
#include "console/view.h"
#include "db/run.h"

/* One row of the list (a page of run_rows, as its to_json gives it). */
static void run_row(struct page *p, const char *autopilot_id, struct json_object *run)
{
	const char *delivery = page_json_str(run, "webhook_delivery_id");
	char path[160];

	page_raw(p, "<tr>");
	view_cell(p, VIEW_CELL_TIME, run, "created_at");
	view_cell(p, VIEW_CELL_BADGE, run, "status");
	view_cell(p, VIEW_CELL_TEXT, run, "source");
	view_cell(p, VIEW_CELL_NUM, run, "attempts");
	page_raw(p, "<td>");
	if (delivery) {
		snprintf(path, sizeof(path), "/console/autopilots/%s/deliveries/%s", autopilot_id,
			 delivery);
		page_raw(p, "<a href=\"");
		page_url(p, path);
		page_raw(p, "#run\">delivery</a>");
	} else {
		page_raw(p, "<span class=\"muted\">&#8212;</span>");
	}
	page_raw(p, "</td>");
	view_cell(p, VIEW_CELL_TIME, run, "completed_at");
	view_cell(p, VIEW_CELL_TEXT, run, "failure_reason");
	page_raw(p, "</tr>\n");
}

/* The link to the list of status l->ctx (NULL: any) from before (NULL: the first page). */
static void list_url(struct page *p, const struct view_list *l, const char *before)
{
	char path[128];
	bool first = true;

	snprintf(path, sizeof(path), "/console/autopilots/%s/runs", l->autopilot_id);
	page_url(p, path);
	view_query_part(p, "status", l->ctx, &first);
	view_query_part(p, "before", before, &first);
}

/* ---- GET /console/autopilots/{autopilot}/runs ---- */

void console_runs(struct hg_request *r)
{
	const char *status, *before;
	char limit[16], ts[64], status_buf[32], before_buf[STORE_ID_LEN], path[128];
	struct model_page mp;
	struct json_object *autopilot = NULL;
	struct view_list l = {
		.autopilot_id = r->params[0], .rows = &run_rows, .row = run_row, .url = list_url,
	};
	struct session s;
	struct page p;
	PGresult *res = NULL;

	if (!console_session(r, &s) || !view_autopilot(r, &autopilot))
		return;
	if (!view_choice(r, "status", run_statuses, status_buf, sizeof(status_buf), &status) ||
	    !view_before(r, before_buf, &before) ||
	    !view_page_query(r, &l, before, limit, ts, &mp) ||
	    !console_store_ok(r, model_list_page(&run_rows, s.workspace_id, l.autopilot_id, status, &mp, &res), 404,
			      "autopilot not found"))
		goto out;
	l.ctx = status;
	page_init(&p, r, &s);
	page_begin(&p, "Runs");
	view_autopilot_head(&p, autopilot, "runs");
	snprintf(path, sizeof(path), "/console/autopilots/%s/runs", l.autopilot_id);
	page_raw(&p, "<form class=\"filters\" method=\"get\" action=\"");
	page_url(&p, path);
	page_raw(&p, "\">\n");
	view_select(&p, "status", "Status", run_statuses, status);
	page_raw(&p, "<button type=\"submit\">Filter</button> <a href=\"");
	page_url(&p, path);
	page_raw(&p, "\">Clear</a>\n</form>\n");
	view_rows(&p, &l, res,
		  "<table class=\"runs\">\n<thead><tr><th>Created</th><th>Status</th>"
		  "<th>Source</th><th>Attempts</th><th>From</th><th>Finished</th>"
		  "<th>Failure</th></tr></thead>\n",
		  "<p class=\"muted\">No run.</p>\n", before);
	page_end(&p);
	page_send(&p, 200);
out:
	PQclear(res);
	json_object_put(autopilot);
}
