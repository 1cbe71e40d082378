/* metrics: Prometheus counters kept in the pool's shared memory (and prune's, in the database), rendered on GET /metrics. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/retention.h"
#include "lib/cidr.h"
#include "http/metrics.h"
#include "http/route.h"
#include "http/shm.h"

static const int codes[SHM_CODES - 1] = {
	200, 201, 204, 400, 401, 403, 404, 405, 409, 413, 422, 429, 500, 501, 503,
};

static const double bucket_le[SHM_BUCKETS - 1] = {
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
};

static const char *const outcomes[SHM_OUTCOMES] = {
	"accepted", "skipped", "ignored", "duplicate", "rejected", "failed",
};

static int code_slot(int code)
{
	for (int i = 0; i < SHM_CODES - 1; i++)
		if (codes[i] == code)
			return i;
	return SHM_CODES - 1;
}

static int route_slot(int index)
{
	return index >= 0 && index < SHM_ROUTES - 1 ? index : SHM_ROUTES - 1;
}

void metrics_request(const struct hg_request *r)
{
	struct shm_segment *seg = shm_get();
	struct timespec now;
	double secs;
	int route, b;

	if (!seg)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	secs = (double)(now.tv_sec - r->started.tv_sec) +
	       (double)(now.tv_nsec - r->started.tv_nsec) / 1e9;
	route = route_slot(r->route_index);
	for (b = 0; b < SHM_BUCKETS - 1 && secs > bucket_le[b]; b++)
		;
	atomic_fetch_add(&seg->metrics.requests[route][code_slot(r->status)], 1);
	atomic_fetch_add(&seg->metrics.duration_bucket[route][b], 1);
	atomic_fetch_add(&seg->metrics.duration_sum_us[route], (uint64_t)(secs * 1e6));
}

void metrics_delivery(const char *outcome)
{
	struct shm_segment *seg = shm_get();

	for (int i = 0; seg && outcome && i < SHM_OUTCOMES; i++)
		if (strcmp(outcomes[i], outcome) == 0)
			atomic_fetch_add(&seg->metrics.deliveries[i], 1);
}

void metrics_rate_limited(enum limit_kind k)
{
	struct shm_segment *seg = shm_get();

	if (seg && k < SHM_LIMITS)
		atomic_fetch_add(&seg->metrics.rate_limited[k], 1);
}

void metrics_db_error(void)
{
	struct shm_segment *seg = shm_get();

	if (seg)
		atomic_fetch_add(&seg->metrics.db_errors, 1);
}

/* The label of route slot i of t: "METHOD /pattern", or "unmatched". */
static void route_label(const struct route_table *t, int i, char *out, size_t len)
{
	if (t && i < SHM_ROUTES - 1 && (size_t)i < t->count)
		snprintf(out, len, "%s %s", t->routes[i].method, t->routes[i].pattern);
	else
		snprintf(out, len, "unmatched");
}

/*
 * hookgate_pruned_total: what hookgatectl prune removed, read from the
 * database (prune runs outside the pool, and the count belongs to the
 * database, not to one host: every host shows the same value). Left out
 * when the database does not answer; the error is counted.
 */
static void render_pruned(FILE *f)
{
	long long totals[RETENTION_KINDS];

	if (retention_totals(totals) != STORE_OK)
		return;
	fputs("# HELP hookgate_pruned_total Rows removed by hookgatectl prune, by kind, in the whole database.\n"
	      "# TYPE hookgate_pruned_total counter\n", f);
	for (int k = 0; k < RETENTION_KINDS; k++)
		fprintf(f, "hookgate_pruned_total{kind=\"%s\"} %lld\n", retention_kinds[k], totals[k]);
}

static void render(FILE *f, const struct shm_metrics *m, const struct route_table *t)
{
	char label[160];

	fputs("# HELP hookgate_http_requests_total HTTP requests answered, by route and status code.\n"
	      "# TYPE hookgate_http_requests_total counter\n", f);
	for (int i = 0; i < SHM_ROUTES; i++) {
		route_label(t, i, label, sizeof(label));
		for (int c = 0; c < SHM_CODES; c++) {
			uint64_t v = atomic_load(&m->requests[i][c]);
			char code[8];

			if (!v)
				continue;
			if (c < SHM_CODES - 1)
				snprintf(code, sizeof(code), "%d", codes[c]);
			else
				snprintf(code, sizeof(code), "other");
			fprintf(f, "hookgate_http_requests_total{route=\"%s\",code=\"%s\"} %llu\n",
				label, code, (unsigned long long)v);
		}
	}

	fputs("# HELP hookgate_http_request_duration_seconds Time from request start to answer.\n"
	      "# TYPE hookgate_http_request_duration_seconds histogram\n", f);
	for (int i = 0; i < SHM_ROUTES; i++) {
		uint64_t cum = 0;

		for (int b = 0; b < SHM_BUCKETS; b++)
			cum += atomic_load(&m->duration_bucket[i][b]);
		if (!cum)
			continue;
		route_label(t, i, label, sizeof(label));
		cum = 0;
		for (int b = 0; b < SHM_BUCKETS; b++) {
			cum += atomic_load(&m->duration_bucket[i][b]);
			if (b < SHM_BUCKETS - 1)
				fprintf(f, "hookgate_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
					label, bucket_le[b], (unsigned long long)cum);
			else
				fprintf(f, "hookgate_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
					label, (unsigned long long)cum);
		}
		fprintf(f, "hookgate_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n", label,
			(double)atomic_load(&m->duration_sum_us[i]) / 1e6);
		fprintf(f, "hookgate_http_request_duration_seconds_count{route=\"%s\"} %llu\n", label,
			(unsigned long long)cum);
	}

	fputs("# HELP hookgate_deliveries_total Webhook deliveries, by outcome.\n"
	      "# TYPE hookgate_deliveries_total counter\n", f);
	for (int i = 0; i < SHM_OUTCOMES; i++)
		fprintf(f, "hookgate_deliveries_total{outcome=\"%s\"} %llu\n", outcomes[i],
			(unsigned long long)atomic_load(&m->deliveries[i]));

	fputs("# HELP hookgate_rate_limited_total Requests refused with 429, by limit.\n"
	      "# TYPE hookgate_rate_limited_total counter\n", f);
	for (int i = 0; i < SHM_LIMITS; i++)
		fprintf(f, "hookgate_rate_limited_total{limit=\"%s\"} %llu\n",
			limit_name((enum limit_kind)i),
			(unsigned long long)atomic_load(&m->rate_limited[i]));

	fputs("# HELP hookgate_database_errors_total Database calls that failed or found the database unreachable.\n"
	      "# TYPE hookgate_database_errors_total counter\n", f);
	fprintf(f, "hookgate_database_errors_total %llu\n",
		(unsigned long long)atomic_load(&m->db_errors));
}

void metrics_handle(struct hg_request *r)
{
	struct shm_segment *seg;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if (!cidr_list_contains(r->settings->metrics_allow, r->client_ip)) {
		req_send_error(r, 403, "forbidden");
		return;
	}
	seg = shm_get();
	if (!seg) {
		req_send_error(r, 503, "metrics unavailable: no shared memory");
		return;
	}
	f = open_memstream(&text, &len);
	if (!f) {
		req_send_error(r, 500, "internal error");
		return;
	}
	/* first: a database error it meets is counted in the shared counters rendered next */
	render_pruned(f);
	render(f, &seg->metrics, r->routes);
	if (fclose(f) != 0) {
		free(text);
		req_send_error(r, 500, "internal error");
		return;
	}
	req_send_body(r, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
	free(text);
}
