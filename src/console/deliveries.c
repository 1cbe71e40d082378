/* deliveries: an autopilot's deliveries in the console: the filtered list, one delivery in full, Replay and bulk replay (SPEC 11, 4.4), over db/delivery and db/run. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/rand.h>

#include "console/auth.h"
#include "console/console.h"
#include "console/page.h"
#include "console/view.h"
#include "db/delivery.h"
#include "db/run.h"
#include "lib/util.h"

/* A console replay's Idempotency-Key: this prefix and the form's random nonce (hex). */
#define REPLAY_KEY_PREFIX "console-"
#define REPLAY_NONCE_BYTES 16

/* A hidden nonce input of a fresh random value (a replay form's); false with p->failed set when there is no randomness. */
static bool nonce_input(struct page *p)
{
	unsigned char raw[REPLAY_NONCE_BYTES];
	char nonce[2 * REPLAY_NONCE_BYTES + 1];

	if (RAND_bytes(raw, sizeof(raw)) != 1) {
		p->failed = true;
		return false;
	}
	hex_encode(raw, sizeof(raw), nonce);
	page_hidden(p, "nonce", nonce);
	return true;
}

/*
 * The Idempotency-Key of the posted form's nonce into key, or NULL when
 * the form has none of the right shape: pressing a replay button twice, or
 * sending its form again, is one replay.
 */
static const char *form_replay_key(const struct hg_request *r, char key[DELIVERY_IDEMPOTENCY_KEY_MAX + 1])
{
	char nonce[2 * REPLAY_NONCE_BYTES + 8], raw_key[sizeof(REPLAY_KEY_PREFIX) + sizeof(nonce)];

	if (!console_form(r, "nonce", nonce, sizeof(nonce)) || strlen(nonce) != 2 * REPLAY_NONCE_BYTES ||
	    strspn(nonce, "0123456789abcdef") != strlen(nonce))
		return NULL;
	snprintf(raw_key, sizeof(raw_key), REPLAY_KEY_PREFIX "%s", nonce);
	return delivery_idempotency_key(raw_key, strlen(raw_key), key) == DELIVERY_KEY_OK ? key : NULL;
}

/* The list's filters as the query gave them. */
struct list_query {
	struct delivery_filter f;
	const char *before;		/* the last id of the previous page, or NULL */
	char status[32], signature[32], event[VIEW_EVENT_MAX + 1], before_buf[STORE_ID_LEN];
};

/* ?status=, ?signature=, ?event=, ?before= into q; false after a 400 page. */
static HG_MUSTCHECK bool list_query(struct hg_request *r, struct list_query *q)
{
	memset(q, 0, sizeof(*q));
	if (!view_choice(r, "status", delivery_statuses, q->status, sizeof(q->status),
			 &q->f.status) ||
	    !view_choice(r, "signature", delivery_signature_statuses, q->signature,
			 sizeof(q->signature), &q->f.signature_status) ||
	    !view_before(r, q->before_buf, &q->before))
		return false;
	if (req_query_has(r, "event")) {
		if (!req_query(r, "event", q->event, sizeof(q->event)) ||
		    !utf8_valid((const unsigned char *)q->event, strlen(q->event))) {
			console_error(r, 400, "event must be UTF-8 text of at most 256 bytes");
			return false;
		}
		if (q->event[0])
			q->f.event = q->event;
	}
	return true;
}

/* The link to the list with the filters of l->ctx (a struct list_query) and before (NULL: the first page). */
static void list_url(struct page *p, const struct view_list *l, const char *before)
{
	const struct list_query *q = l->ctx;
	char path[128];
	bool first = true;

	snprintf(path, sizeof(path), "/console/autopilots/%s/deliveries", l->autopilot_id);
	page_url(p, path);
	view_query_part(p, "status", q->f.status, &first);
	view_query_part(p, "signature", q->f.signature_status, &first);
	view_query_part(p, "event", q->f.event, &first);
	view_query_part(p, "before", before, &first);
}

/* The filter form of the list. */
static void filter_form(struct page *p, const char *autopilot_id, const struct list_query *q)
{
	char path[128];

	snprintf(path, sizeof(path), "/console/autopilots/%s/deliveries", autopilot_id);
	page_raw(p, "<form class=\"filters\" method=\"get\" action=\"");
	page_url(p, path);
	page_raw(p, "\">\n");
	view_select(p, "status", "Status", delivery_statuses, q->f.status);
	view_select(p, "signature", "Signature", delivery_signature_statuses,
		    q->f.signature_status);
	page_raw(p, "<label>Event <input type=\"text\" name=\"event\" maxlength=\"256\" "
		 "placeholder=\"github.push\" value=\"");
	page_text(p, q->f.event);
	page_raw(p, "\"></label>\n<button type=\"submit\">Filter</button> <a href=\"");
	page_url(p, path);
	page_raw(p, "\">Clear</a>\n</form>\n");
}

/* One row of the list (a delivery_find_page row as delivery_rows.to_json gives it). */
static void list_row(struct page *p, const char *autopilot_id, struct json_object *d)
{
	char path[160];

	snprintf(path, sizeof(path), "/console/autopilots/%s/deliveries/%s", autopilot_id,
		 page_json_str(d, "id") ? page_json_str(d, "id") : "");
	page_raw(p, "<tr><td><a href=\"");
	page_url(p, path);
	page_raw(p, "\">");
	page_time(p, page_json_str(d, "received_at"));
	page_raw(p, "</a>");
	if (page_json_str(d, "replayed_from_delivery_id"))
		page_raw(p, " <span class=\"badge b-replay\">replay</span>");
	page_raw(p, "</td>");
	view_cell(p, VIEW_CELL_BADGE, d, "status");
	view_cell(p, VIEW_CELL_BADGE, d, "signature_status");
	view_cell(p, VIEW_CELL_LONG, d, "event");
	view_cell(p, VIEW_CELL_NUM, d, "attempt_count");
	view_cell(p, VIEW_CELL_NUM, d, "response_status");
	view_cell(p, VIEW_CELL_BADGE, d, "run_status");
	page_raw(p, "</tr>\n");
}

/* What a bulk replay's form gives: the window, one status or any, an event or any, a limit. */
struct bulk_query {
	char since[64], until[64], status[32], event[4 * DELIVERY_BULK_EVENT_MAX_CHARS + 1], limit[16];
};

/* The inputs of a bulk replay's form holding b, shown, or hidden (the next page's form). */
static void bulk_inputs(struct page *p, const struct bulk_query *b, bool shown)
{
	if (!shown) {
		page_hidden(p, "since", b->since);
		page_hidden(p, "until", b->until);
		page_hidden(p, "status", b->status);
		page_hidden(p, "event", b->event);
		page_hidden(p, "limit", b->limit);
		return;
	}
	page_raw(p, "<label>Received from <input type=\"text\" name=\"since\" size=\"22\" value=\"");
	page_text(p, b->since);
	page_raw(p, "\"></label>\n<label>up to <input type=\"text\" name=\"until\" size=\"22\" value=\"");
	page_text(p, b->until);
	page_raw(p, "\"></label>\n");
	view_select(p, "status", "Delivery or run status", delivery_bulk_statuses,
		    b->status[0] ? b->status : NULL);
	page_raw(p, "<label>Event <input type=\"text\" name=\"event\" placeholder=\"github.push\" value=\"");
	page_text(p, b->event);
	page_raw(p, "\"></label>\n<label>At most <input type=\"number\" name=\"limit\" min=\"1\" max=\"");
	page_long(p, DELIVERY_BULK_MAX_LIMIT);
	page_raw(p, "\" value=\"");
	page_text(p, b->limit);
	page_raw(p, "\"></label>\n");
}

/* The start of a bulk replay's form: its action, the CSRF token and a fresh nonce. */
static bool bulk_form_begin(struct page *p, const char *autopilot_id)
{
	char path[160];

	snprintf(path, sizeof(path), "/console/autopilots/%s/deliveries/replay", autopilot_id);
	page_raw(p, "<form class=\"bulk\" method=\"post\" action=\"");
	page_url(p, path);
	page_raw(p, "\">");
	page_csrf(p);
	return nonce_input(p);
}

/*
 * The bulk-replay form of a write session (SPEC 4.4, "replay everything
 * that failed last night"), folded under the filters: the last 24 hours,
 * the list's status and event, 100 at a time.
 */
static void bulk_form(struct page *p, const char *autopilot_id, const struct list_query *q)
{
	struct bulk_query b = { .status = "" };
	/* until is excluded and whole seconds: the next second takes in this one's deliveries */
	time_t now = time(NULL) + 1, day_ago = now - 24 * 3600;
	struct tm tm;

	if (!p->s || !p->s->can_write)
		return;
	strftime(b.since, sizeof(b.since), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&day_ago, &tm));
	strftime(b.until, sizeof(b.until), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	snprintf(b.status, sizeof(b.status), "%s", q->f.status ? q->f.status : "");
	snprintf(b.event, sizeof(b.event), "%s", q->f.event ? q->f.event : "");
	snprintf(b.limit, sizeof(b.limit), "%d", DELIVERY_BULK_DEFAULT_LIMIT);
	page_raw(p, "<details class=\"bulk\"><summary>Replay in bulk</summary>\n");
	if (!bulk_form_begin(p, autopilot_id))
		return;
	bulk_inputs(p, &b, true);
	page_raw(p, "<button type=\"submit\" class=\"primary\">Replay these</button>\n<p class=\"muted\">"
		 "The original deliveries (not replays) received in the window (RFC 3339 times, "
		 "from included, up to excluded) whose own status or whose run's matches, oldest "
		 "first: each becomes a new delivery and a new run from its stored body.</p>\n"
		 "</form>\n</details>\n");
}

/* ---- GET /console/autopilots/{autopilot}/deliveries ---- */

void console_deliveries(struct hg_request *r)
{
	char limit[16], ts[64];
	struct model_page mp;
	struct json_object *autopilot = NULL;
	struct list_query q;
	struct view_list l = {
		.autopilot_id = r->params[0], .rows = &delivery_rows, .row = list_row,
		.url = list_url, .ctx = &q,
	};
	struct session s;
	struct page p;
	PGresult *res = NULL;

	if (!console_session(r, &s) || !view_autopilot(r, &autopilot))
		return;
	if (!list_query(r, &q) || !view_page_query(r, &l, q.before, limit, ts, &mp) ||
	    !console_store_ok(r, delivery_find_page(s.workspace_id, l.autopilot_id, &q.f, &mp, &res),
			      404, "autopilot not found"))
		goto out;
	page_init(&p, r, &s);
	page_begin(&p, "Deliveries");
	view_autopilot_head(&p, autopilot, "deliveries");
	filter_form(&p, l.autopilot_id, &q);
	bulk_form(&p, l.autopilot_id, &q);
	view_rows(&p, &l, res,
		  "<table class=\"deliveries\">\n<thead><tr><th>Received</th><th>Status</th>"
		  "<th>Signature</th><th>Event</th><th>Attempts</th><th>Answer</th>"
		  "<th>Run</th></tr></thead>\n",
		  q.f.status || q.f.signature_status || q.f.event || q.before ?
		  "<p class=\"muted\">No delivery matches.</p>\n" :
		  "<p class=\"muted\">No delivery yet: webhooks sent to this autopilot's "
		  "triggers show up here.</p>\n", q.before);
	page_end(&p);
	page_send(&p, 200);
out:
	PQclear(res);
	json_object_put(autopilot);
}

/* ---- GET /console/autopilots/{autopilot}/deliveries/{delivery} ---- */

/* The members of the detail shown in their own sections, not in the list of fields. */
static bool shown_apart(const char *key)
{
	static const char *const apart[] = {
		"raw_body", "raw_body_encoding", "selected_headers", "response_body", NULL
	};

	for (size_t i = 0; apart[i]; i++)
		if (strcmp(apart[i], key) == 0)
			return true;
	return false;
}

/* The link to delivery id of the autopilot, showing text. */
static void delivery_link(struct page *p, const char *autopilot_id, const char *id)
{
	char path[160];

	snprintf(path, sizeof(path), "/console/autopilots/%s/deliveries/%s", autopilot_id, id);
	page_raw(p, "<a href=\"");
	page_url(p, path);
	page_raw(p, "\"><code>");
	page_text(p, id);
	page_raw(p, "</code></a>");
}

/* Every field of the detail, as a definition list. */
static void fields(struct page *p, const char *autopilot_id, struct json_object *d)
{
	page_raw(p, "<dl class=\"fields\">\n");
	json_object_object_foreach(d, key, v) {
		if (shown_apart(key))
			continue;
		page_raw(p, "<dt>");
		page_text(p, key);
		page_raw(p, "</dt><dd>");
		if (v && strcmp(key, "replayed_from_delivery_id") == 0)
			delivery_link(p, autopilot_id, json_object_get_string(v));
		else if (v && strcmp(key, "autopilot_run_id") == 0) {
			page_raw(p, "<a href=\"#run\"><code>");
			view_value(p, v);
			page_raw(p, "</code></a>");
		} else if (v && (strcmp(key, "status") == 0 || strcmp(key, "signature_status") == 0))
			page_badge(p, json_object_get_string(v));
		else
			view_value(p, v);
		page_raw(p, "</dd>\n");
	}
	page_raw(p, "</dl>\n");
}

/* The selected headers (an object of name: value). */
static void headers(struct page *p, struct json_object *d)
{
	struct json_object *h;

	page_raw(p, "<h2>Headers</h2>\n<p class=\"muted\">The debugging headers kept at ingress; "
		 "never a signature or credential.</p>\n");
	if (!json_object_object_get_ex(d, "selected_headers", &h) ||
	    !json_object_is_type(h, json_type_object) || json_object_object_length(h) == 0) {
		page_raw(p, "<p class=\"muted\">None.</p>\n");
		return;
	}
	page_raw(p, "<table class=\"headers\">\n<tbody>\n");
	json_object_object_foreach(h, name, value) {
		page_raw(p, "<tr><th>");
		page_text(p, name);
		page_raw(p, "</th><td>");
		view_value(p, value);
		page_raw(p, "</td></tr>\n");
	}
	page_raw(p, "</tbody>\n</table>\n");
}

/* The raw body: laid out JSON, or hex (also when the API gives it as base64). */
static void body(struct page *p, struct json_object *d)
{
	const char *text = page_json_str(d, "raw_body"), *encoding = page_json_str(d, "raw_body_encoding");
	struct json_object *v;
	unsigned char *bytes;
	long n;

	page_raw(p, "<h2>Body</h2>\n");
	if (!text) {
		page_raw(p, "<p class=\"muted\">The body has been pruned (retention).</p>\n");
		return;
	}
	json_object_object_get_ex(d, "raw_body", &v);
	page_raw(p, "<p class=\"muted\">");
	page_long(p, (long)json_object_get_string_len(v));
	page_raw(p, encoding && strcmp(encoding, "base64") == 0 ? " characters of base64" : " bytes");
	page_raw(p, ", as received");
	if (page_json_str(d, "content_type")) {
		page_raw(p, " with Content-Type <code>");
		page_text(p, page_json_str(d, "content_type"));
		page_raw(p, "</code>");
	}
	page_raw(p, ".</p>\n");
	if (!encoding || strcmp(encoding, "base64") != 0) {
		view_bytes(p, (const unsigned char *)text, (size_t)json_object_get_string_len(v));
		return;
	}
	bytes = malloc(strlen(text) / 4 * 3 + 3);
	if (!bytes) {
		p->failed = true;
		return;
	}
	n = base64_decode(text, bytes, strlen(text) / 4 * 3 + 3);
	if (n < 0)
		page_raw(p, "<p class=\"muted\">(cannot be decoded)</p>\n");
	else
		view_bytes(p, bytes, (size_t)n);
	free(bytes);
}

/* The answer the sender got. */
static void answer(struct page *p, struct json_object *d)
{
	struct json_object *v = NULL;
	const char *text = page_json_str(d, "response_body");

	page_raw(p, "<h2>Answer sent</h2>\n<p>HTTP ");
	view_value(p, json_object_object_get_ex(d, "response_status", &v) ? v : NULL);
	page_raw(p, "</p>\n");
	if (text)
		view_bytes(p, (const unsigned char *)text, strlen(text));
}

/* The delivery's run and its result, when it has one. */
static void run_section(struct page *p, struct json_object *run)
{
	static const char *const shown[] = {
		"id", "status", "source", "attempts", "claimed_by", "available_at",
		"lease_expires_at", "completed_at", "failure_reason", "created_at", NULL
	};
	struct json_object *v;

	page_raw(p, "<h2 id=\"run\">Run</h2>\n");
	if (!run) {
		page_raw(p, "<p class=\"muted\">No run: the delivery was not dispatched (or its run was "
			 "deleted).</p>\n");
		return;
	}
	page_raw(p, "<dl class=\"fields\">\n");
	for (size_t i = 0; shown[i]; i++) {
		if (!json_object_object_get_ex(run, shown[i], &v))
			continue;
		page_raw(p, "<dt>");
		page_text(p, shown[i]);
		page_raw(p, "</dt><dd>");
		if (v && strcmp(shown[i], "status") == 0)
			page_badge(p, json_object_get_string(v));
		else
			view_value(p, v);
		page_raw(p, "</dd>\n");
	}
	page_raw(p, "</dl>\n<h3>Result</h3>\n");
	if (json_object_object_get_ex(run, "result", &v) && v)
		view_json(p, v);
	else
		page_raw(p, "<p class=\"muted\">None yet.</p>\n");
	if (json_object_object_get_ex(run, "trigger_payload", &v) && v) {
		page_raw(p, "<details><summary>trigger_payload (what the worker got)</summary>\n");
		view_json(p, v);
		page_raw(p, "</details>\n");
	}
}

/* The replay chain, both ways (delivery_chain's array). */
static void chain_section(struct page *p, const char *autopilot_id, struct json_object *chain)
{
	size_t n = json_object_array_length(chain);
	bool from = false, to = false;

	page_raw(p, "<h2>Replay chain</h2>\n");
	if (n == 0) {
		page_raw(p, "<p class=\"muted\">Not a replay, and not replayed.</p>\n");
		return;
	}
	page_raw(p, "<ul class=\"chain\">\n");
	for (size_t i = 0; i < n; i++) {
		struct json_object *c = json_object_array_get_idx(chain, i);
		const char *dir = page_json_str(c, "direction"), *id = page_json_str(c, "id");

		if (!dir || !id)
			continue;
		page_raw(p, "<li>");
		if (strcmp(dir, "from") == 0) {
			page_raw(p, from ? "which was a replay of " : "a replay of ");
			from = true;
		} else {
			page_raw(p, to ? "and again as " : "replayed as ");
			to = true;
		}
		delivery_link(p, autopilot_id, id);
		page_raw(p, " ");
		page_badge(p, page_json_str(c, "status"));
		page_raw(p, " ");
		page_time(p, page_json_str(c, "received_at"));
		page_raw(p, "</li>\n");
	}
	page_raw(p, "</ul>\n");
}

/* The Replay button of a write session, its form carrying the CSRF token and a fresh nonce. */
static void replay_form(struct page *p, const char *autopilot_id, const char *delivery_id)
{
	char path[192];

	if (!p->s || !p->s->can_write)
		return;
	snprintf(path, sizeof(path), "/console/autopilots/%s/deliveries/%s/replay", autopilot_id,
		 delivery_id);
	page_raw(p, "<form class=\"replay\" method=\"post\" action=\"");
	page_url(p, path);
	page_raw(p, "\">");
	page_csrf(p);
	if (!nonce_input(p))
		return;
	page_raw(p, "<button type=\"submit\" class=\"primary\">Replay</button> "
		 "<span class=\"muted\">a new delivery and a new run from this body</span></form>\n");
}

void console_delivery(struct hg_request *r)
{
	const char *autopilot_id = r->params[0], *delivery_id = r->params[1], *missing = "delivery";
	const char *run_id, *missing_run;
	struct json_object *autopilot = NULL, *d = NULL, *run = NULL, *chain = NULL;
	struct session s;
	struct page p;
	enum store_rc rc;

	if (!console_session(r, &s) || !view_autopilot(r, &autopilot))
		return;
	rc = delivery_show(s.workspace_id, autopilot_id, delivery_id, &d, &missing);
	if (rc == STORE_OK && (run_id = page_json_str(d, "autopilot_run_id"))) {
		rc = run_show(s.workspace_id, autopilot_id, run_id, &run, &missing_run);
		if (rc == STORE_NOT_FOUND)
			rc = STORE_OK;		/* the run went (a cascade): none */
	}
	if (rc == STORE_OK)
		rc = delivery_chain(s.workspace_id, autopilot_id, delivery_id, &chain);
	if (!console_store_ok(r, rc, 404, strcmp(missing, "autopilot") == 0 ?
			      "autopilot not found" : "delivery not found"))
		goto out;
	snprintf(r->delivery_id, sizeof(r->delivery_id), "%s", delivery_id);
	page_init(&p, r, &s);
	page_begin(&p, "Delivery");
	view_autopilot_head(&p, autopilot, "deliveries");
	page_raw(&p, "<h2 class=\"delivery\">Delivery <code>");
	page_text(&p, delivery_id);
	page_raw(&p, "</code> ");
	page_badge(&p, page_json_str(d, "status"));
	page_raw(&p, "</h2>\n");
	replay_form(&p, autopilot_id, delivery_id);
	fields(&p, autopilot_id, d);
	headers(&p, d);
	body(&p, d);
	answer(&p, d);
	run_section(&p, run);
	chain_section(&p, autopilot_id, chain);
	page_end(&p);
	page_send(&p, 200);
out:
	json_object_put(chain);
	json_object_put(run);
	json_object_put(d);
	json_object_put(autopilot);
}

/* ---- POST /console/autopilots/{autopilot}/deliveries/{delivery}/replay ---- */

void console_replay(struct hg_request *r)
{
	char key[DELIVERY_IDEMPOTENCY_KEY_MAX + 1], path[192];
	struct delivery_replay_args a = {
		.autopilot_id = r->params[0],
		.delivery_id = r->params[1],
		.offline_after_s = r->settings->runtime_offline_after,
	};
	struct delivery_replay_result out = { .answer = NULL };
	struct session s;

	if (!console_session(r, &s) || !console_post(r, &s, true))
		return;
	a.workspace_id = s.workspace_id;
	a.idempotency_key = form_replay_key(r, key);
	if (!console_store_ok(r, delivery_replay(&a, &out), 0, NULL))
		goto out;
	switch (out.outcome) {
	case REPLAY_CREATED:
	case REPLAY_REPEATED:
		snprintf(r->delivery_id, sizeof(r->delivery_id), "%s", out.delivery_id);
		snprintf(path, sizeof(path), "/console/autopilots/%s/deliveries/%s", a.autopilot_id,
			 out.delivery_id);
		console_redirect(r, path);
		break;
	case REPLAY_NOT_FOUND:
		console_error(r, 404, out.message);
		break;
	case REPLAY_REFUSED:
		console_error(r, 400, out.message);
		break;
	}
out:
	json_object_put(out.answer);
}

/* ---- POST /console/autopilots/{autopilot}/deliveries/replay ---- */

/* Form field name into out ("" when absent or empty); false after a 400 page when it is there but too long. */
static HG_MUSTCHECK bool bulk_field(struct hg_request *r, const char *name, char *out, size_t outlen)
{
	char msg[96];

	out[0] = '\0';
	if (console_form(r, name, out, outlen) || !req_param_has((const char *)r->body, name))
		return true;
	snprintf(msg, sizeof(msg), "%s is too long", name);
	console_error(r, 400, msg);
	return false;
}

/* The posted form into b and a; false after a 400 page naming what is wrong. */
static HG_MUSTCHECK bool bulk_query(struct hg_request *r, struct bulk_query *b, struct delivery_bulk_args *a)
{
	char msg[256], *end;

	if (!bulk_field(r, "since", b->since, sizeof(b->since)) ||
	    !bulk_field(r, "until", b->until, sizeof(b->until)) ||
	    !bulk_field(r, "status", b->status, sizeof(b->status)) ||
	    !bulk_field(r, "event", b->event, sizeof(b->event)) ||
	    !bulk_field(r, "limit", b->limit, sizeof(b->limit)))
		return false;
	a->since = b->since;
	a->until = b->until;
	a->statuses[0] = b->status[0] ? b->status : NULL;
	a->event = b->event[0] ? b->event : NULL;
	if (b->limit[0]) {
		a->limit = strtol(b->limit, &end, 10);
		if (*end || end == b->limit)
			a->limit = 0;	/* delivery_bulk_check names the range */
	}
	if (!delivery_bulk_check(a, msg, sizeof(msg))) {
		console_error(r, 400, msg);
		return false;
	}
	return true;
}

/* A column of a bulk answer's table: its heading and the member of the entries it shows. */
struct bulk_column {
	const char *heading, *key;
	bool link;		/* a delivery's id, linked to its page; else as text */
};

/* The entries of an array of a bulk answer in a table of class cls, a column each of cols (ended by a NULL heading). */
static void bulk_table(struct page *p, const char *autopilot_id, const char *cls,
		       const struct bulk_column *cols, struct json_object *entries)
{
	size_t n = json_object_array_length(entries);

	page_raw(p, "<table class=\"");
	page_raw(p, cls);
	page_raw(p, "\">\n<thead><tr>");
	for (const struct bulk_column *c = cols; c->heading; c++) {
		page_raw(p, "<th>");
		page_raw(p, c->heading);
		page_raw(p, "</th>");
	}
	page_raw(p, "</tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(entries, i);

		page_raw(p, "<tr>");
		for (const struct bulk_column *c = cols; c->heading; c++) {
			if (!c->link) {
				view_cell(p, VIEW_CELL_TEXT, e, c->key);
				continue;
			}
			page_raw(p, "<td>");
			delivery_link(p, autopilot_id, page_json_str(e, c->key) ? page_json_str(e, c->key) : "");
			page_raw(p, "</td>");
		}
		page_raw(p, "</tr>\n");
	}
	page_raw(p, "</tbody>\n</table>\n");
}

/* The replays of a bulk answer (its "replayed" array): where each came from, the new delivery, its run. */
static void bulk_replayed(struct page *p, const char *autopilot_id, struct json_object *replayed)
{
	static const struct bulk_column cols[] = {
		{ "From", "from", true },
		{ "New delivery", "delivery_id", true },
		{ "Run", "run_id", false },
		{ NULL, NULL, false },
	};

	page_raw(p, "<h2>Replayed</h2>\n");
	if (json_object_array_length(replayed) == 0)
		page_raw(p, "<p class=\"muted\">No delivery in the window matches.</p>\n");
	else
		bulk_table(p, autopilot_id, "replayed", cols, replayed);
}

/* The deliveries of a bulk answer that were not replayed (its "skipped" array), with why. */
static void bulk_skipped(struct page *p, const char *autopilot_id, struct json_object *skipped)
{
	static const struct bulk_column cols[] = {
		{ "Delivery", "from", true },
		{ "Why", "reason", false },
		{ NULL, NULL, false },
	};

	if (json_object_array_length(skipped) == 0)
		return;
	page_raw(p, "<h2>Not replayed</h2>\n");
	bulk_table(p, autopilot_id, "skipped", cols, skipped);
}

/* The page of a bulk replay's answer, with the form of the next page when more are left. */
static void bulk_page(struct hg_request *r, const struct session *s, struct json_object *autopilot,
		      struct bulk_query *b, struct json_object *answer)
{
	struct json_object *replayed = NULL, *skipped = NULL;
	const char *next = page_json_str(answer, "next_since");
	const char *autopilot_id = r->params[0];
	struct page p;

	json_object_object_get_ex(answer, "replayed", &replayed);
	json_object_object_get_ex(answer, "skipped", &skipped);
	page_init(&p, r, s);
	page_begin(&p, "Bulk replay");
	view_autopilot_head(&p, autopilot, "deliveries");
	page_raw(&p, "<p>Deliveries received from <code>");
	page_text(&p, b->since);
	page_raw(&p, "</code> up to <code>");
	page_text(&p, b->until);
	page_raw(&p, "</code>");
	if (b->status[0]) {
		page_raw(&p, ", status ");
		page_badge(&p, b->status);
	}
	if (b->event[0]) {
		page_raw(&p, ", event <code>");
		page_text(&p, b->event);
		page_raw(&p, "</code>");
	}
	page_raw(&p, ".</p>\n");
	bulk_replayed(&p, autopilot_id, replayed);
	bulk_skipped(&p, autopilot_id, skipped);
	if (next) {
		snprintf(b->since, sizeof(b->since), "%s", next);
		page_raw(&p, "<p>More are left, received from <code>");
		page_text(&p, next);
		page_raw(&p, "</code> on.</p>\n");
		if (bulk_form_begin(&p, autopilot_id)) {
			bulk_inputs(&p, b, false);
			page_raw(&p, "<button type=\"submit\" class=\"primary\">Replay the next ones</button>"
				 "</form>\n");
		}
	} else
		page_raw(&p, "<p class=\"muted\">That was every match in the window.</p>\n");
	page_end(&p);
	page_send(&p, 200);
}

void console_bulk_replay(struct hg_request *r)
{
	char key[DELIVERY_IDEMPOTENCY_KEY_MAX + 1];
	struct delivery_bulk_args a = {
		.autopilot_id = r->params[0],
		.limit = DELIVERY_BULK_DEFAULT_LIMIT,
		.offline_after_s = r->settings->runtime_offline_after,
	};
	struct delivery_bulk_result out = { .answer = NULL };
	struct json_object *autopilot = NULL;
	struct bulk_query b;
	struct session s;

	if (!console_session(r, &s) || !console_post(r, &s, true) || !view_autopilot(r, &autopilot))
		return;
	a.workspace_id = s.workspace_id;
	a.idempotency_key = form_replay_key(r, key);
	if (!bulk_query(r, &b, &a))
		goto out;
	if (!console_store_ok(r, delivery_bulk_replay(&a, &out), 0, NULL))
		goto out;
	switch (out.outcome) {
	case BULK_DONE:
		bulk_page(r, &s, autopilot, &b, out.answer);
		break;
	case BULK_NOT_FOUND:
		console_error(r, 404, "autopilot not found");
		break;
	case BULK_KEY_REUSED:
		console_error(r, 409, "This form was already sent with other values: open the deliveries "
			      "page again to replay anew.");
		break;
	}
out:
	json_object_put(out.answer);
	json_object_put(autopilot);
}
