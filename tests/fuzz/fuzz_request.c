/*
 * fuzz_request: what a request's own bytes set (src/http/request.c and the
 * API's paging, src/api/api.c): the routing path (PATH_INFO, else
 * REQUEST_URI without its query, base_path removed), the request id,
 * query parameters, CONTENT_LENGTH, ?limit= and the ?before= cursor.
 * The request is built in CGI form (answers go to /dev/null).
 * Input: base_path, PATH_INFO, REQUEST_URI, QUERY_STRING, CONTENT_LENGTH,
 * X-Request-Id and a parameter name, each ended by a newline, then bytes
 * for a cursor's timestamp and id.
 * Properties: each value is what the rule, written again here, gives; an
 * accepted cursor holds a well-formed timestamp and UUID; a cursor made by
 * api_cursor from any well-formed row reads back to that row; a refused
 * ?limit= or ?before= is a 400 and nothing else.
 */
#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <libpq-fe.h>

#include "fuzz.h"
#include "api/api.h"
#include "http/request.h"
#include "lib/log.h"
#include "lib/util.h"

static char *var(const char *name, const char *value)
{
	char *s = malloc(strlen(name) + strlen(value) + 2);

	if (!s)
		abort();
	sprintf(s, "%s=%s", name, value);
	return s;
}

/* SPEC 1's routing path. */
static void expected_path(const char *info, const char *uri, const char *base, char *out, size_t outlen)
{
	const char *p;
	size_t n, blen = strlen(base);

	if (info && *info) {
		p = info;
		n = strlen(p);
	} else {
		p = uri ? uri : "/";
		n = strcspn(p, "?#");
	}
	if (blen && n >= blen && !strncmp(p, base, blen) && (n == blen || p[blen] == '/')) {
		p += blen;
		n -= blen;
	}
	if (n >= outlen)
		n = outlen - 1;
	snprintf(out, outlen, "%.*s", (int)n, p);
	if (!out[0])
		snprintf(out, outlen, "/");
}

static int hex(int c)
{
	return isdigit(c) ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
}

/*
 * The first parameter called name in q, decoded ('+' a blank, %XX a byte,
 * a bad % kept as it is): 1 with *out set, 0 when absent, -1 when it holds
 * a NUL or does not fit outlen.
 */
static int query_value(const char *q, const char *name, char *out, size_t outlen)
{
	size_t nlen = strlen(name);

	while (q && *q) {
		size_t len = strcspn(q, "&");

		if (len >= nlen && !strncmp(q, name, nlen) && (len == nlen || q[nlen] == '=')) {
			size_t o = 0;

			for (size_t i = nlen + (len > nlen); i < len; i++) {
				int c = (unsigned char)q[i];

				if (c == '%' && len - i >= 3 && hex(q[i + 1]) >= 0 && hex(q[i + 2]) >= 0) {
					c = hex(q[i + 1]) * 16 + hex(q[i + 2]);
					i += 2;
				} else if (c == '+') {
					c = ' ';
				}
				if (c == 0 || o + 1 >= outlen)
					return -1;
				out[o++] = (char)c;
			}
			out[o] = '\0';
			return 1;
		}
		q += len;
		if (*q)
			q++;
	}
	return 0;
}

static long expected_length(const char *v)
{
	unsigned long long n = 0;

	if (!v || !*v)
		return -1;
	for (const char *p = v; *p; p++)
		if (!isdigit((unsigned char)*p))
			return -2;
	for (const char *p = v; *p; p++) {
		if (n > ((unsigned long long)LONG_MAX - (unsigned long long)(*p - '0')) / 10)
			return LONG_MAX;	/* before it wraps */
		n = n * 10 + (unsigned long long)(*p - '0');
	}
	return (long)n;
}

static bool id_acceptable(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > 128)
		return false;
	for (const char *p = id; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("-_.:", *p))
			return false;
	return true;
}

/* A cursor row from bytes: a timestamp of the lists' shape with a valid date, and a UUID. */
static void make_row(struct fz *f, char ts[64], char id[40])
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y = 1 + (fz_byte(f) << 8 | fz_byte(f)) % 9999, mo = 1 + fz_byte(f) % 12;
	int d = 1 + fz_byte(f) % mdays[mo - 1], frac = fz_byte(f) % 7;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	size_t n;

	if (mo == 2 && d == 29 && !leap)
		d = 28;
	n = (size_t)snprintf(ts, 64, "%04d-%02d-%02dT%02d:%02d:%02d", y, mo, d, fz_byte(f) % 24,
			     fz_byte(f) % 60, fz_byte(f) % 60);
	if (frac) {
		ts[n++] = '.';
		for (int i = 0; i < frac; i++)
			ts[n++] = (char)('0' + fz_byte(f) % 10);
	}
	snprintf(ts + n, 64 - n, "+00:00");
	for (int i = 0, k = 0; i < 36; i++)
		id[i] = (i == 8 || i == 13 || i == 18 || i == 23) ? '-' : "0123456789abcdef"[fz_byte(f) % 16 + 0 * k++];
	id[36] = '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool quiet;
	struct fz f = { data, size };
	char *base = fz_field(&f, '\n', NULL), *info = fz_field(&f, '\n', NULL);
	char *uri = fz_field(&f, '\n', NULL), *query = fz_field(&f, '\n', NULL);
	char *clen = fz_field(&f, '\n', NULL), *rid = fz_field(&f, '\n', NULL), *pname = fz_field(&f, '\n', NULL);
	char *vars[8], *envp[9], want[2048], got[4096], mine[4096];
	struct hg_settings s = { .base_path = "", .trusted_proxies = "127.0.0.0/8", .max_body_bytes = 1024 };
	struct hg_request r;
	const char *names[] = { "limit", "before", "status", pname };
	int nv = 0;

	/* a parameter name as the handlers use them: letters and '_' */
	for (char *c = pname; *c; c++)
		*c = (char)('a' + (unsigned char)*c % 26);
	if (!quiet) {
		quiet = freopen("/dev/null", "w", stdout) != NULL;
		log_set_level("error");
	}
	/* base_path as settings.c leaves it: "" or "/..." without a trailing slash */
	if (base[0] == '/' && base[strlen(base) - 1] != '/' && !strpbrk(base, " \t?#"))
		s.base_path = base;
	vars[nv++] = var("REQUEST_METHOD", "GET");
	vars[nv++] = var("REMOTE_ADDR", "127.0.0.1");
	if (*info)
		vars[nv++] = var("PATH_INFO", info);
	if (*uri)
		vars[nv++] = var("REQUEST_URI", uri);
	vars[nv++] = var("QUERY_STRING", query);
	if (*clen)
		vars[nv++] = var("CONTENT_LENGTH", clen + (clen[0] == '@'));	/* '@': present but empty */
	if (*rid)
		vars[nv++] = var("HTTP_X_REQUEST_ID", rid);
	for (int i = 0; i < nv; i++)
		envp[i] = vars[i];
	envp[nv] = NULL;

	req_init(&r, NULL, envp, &s);
	expected_path(*info ? info : NULL, *uri ? uri : NULL, s.base_path, want, sizeof(r.path));
	PROPERTY(strcmp(r.path, want) == 0, "path '%s', want '%s' (PATH_INFO '%s', REQUEST_URI '%s', "
		 "base '%s')", r.path, want, info, uri, s.base_path);
	if (*rid && id_acceptable(rid))
		PROPERTY(strcmp(r.request_id, rid) == 0, "request id '%s' replaced by '%s'", rid, r.request_id);
	else
		PROPERTY(strlen(r.request_id) == 32 && strspn(r.request_id, "0123456789abcdef") == 32,
			 "request id '%s' for X-Request-Id '%s'", r.request_id, rid);
	PROPERTY(req_content_length(&r) == expected_length(*clen ? clen + (clen[0] == '@') : NULL),
		 "CONTENT_LENGTH '%s': %ld", clen, req_content_length(&r));
	for (size_t i = 0; i < HG_ARRAY_LEN(names); i++) {
		size_t outlen = i == 3 ? 1 + (size_t)(strlen(pname) % 64) : sizeof(got);
		const char *v = req_query(&r, names[i], got, outlen);
		int w = query_value(query, names[i], mine, outlen);

		if (!*names[i])
			continue;
		PROPERTY((v != NULL) == (w == 1) && (!v || strcmp(v, mine) == 0),
			 "?%s in '%s': '%s', want '%s'", names[i], query, v ? v : "(none)", w == 1 ? mine : "(none)");
		PROPERTY(req_query_has(&r, names[i]) == (query_value(query, names[i], mine, sizeof(mine)) != 0),
			 "?%s in '%s': has %d", names[i], query, req_query_has(&r, names[i]));
	}
	{
		struct api_page page;
		bool okp = api_page_args(&r, 20, 100, &page);

		if (okp) {
			PROPERTY(!r.responded && page.limit >= 1 && page.limit <= 100, "limit %d", page.limit);
			if (page.before)
				PROPERTY(uuid_valid(page.id) && strlen(page.ts) >= 25 && page.ts[10] == 'T' &&
					 !strcmp(page.ts + strlen(page.ts) - 6, "+00:00"), "cursor '%s|%s'", page.ts,
					 page.id);
		} else {
			PROPERTY(r.responded && r.status == 400, "a refused page answers %d", r.status);
		}
	}
	req_cleanup(&r);

	/* a cursor made from any well-formed row reads back to that row */
	{
		char ts[64], id[40], cursor[160], q[200], *cenv[3], back_ts[64], back_id[37];
		PGresult *res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
		PGresAttDesc cols[2] = { { .name = "created_at", .format = 0 }, { .name = "id", .format = 0 } };
		bool bad;

		make_row(&f, ts, id);
		if (!res || !PQsetResultAttrs(res, 2, cols) || !PQsetvalue(res, 0, 0, ts, (int)strlen(ts)) ||
		    !PQsetvalue(res, 0, 1, id, (int)strlen(id)))
			abort();
		api_cursor(res, 0, 0, 1, cursor);
		PQclear(res);
		snprintf(q, sizeof(q), "QUERY_STRING=before=%s", cursor);
		cenv[0] = q;
		cenv[1] = "REQUEST_METHOD=GET";
		cenv[2] = NULL;
		req_init(&r, NULL, cenv, &s);
		PROPERTY(api_before(&r, back_ts, back_id, &bad) && !bad, "the cursor of %s|%s is refused", ts, id);
		PROPERTY(!strcmp(back_ts, ts) && !strcmp(back_id, id), "%s|%s read back as %s|%s", ts, id,
			 back_ts, back_id);
		req_cleanup(&r);
	}
	for (int i = 0; i < nv; i++)
		free(vars[i]);
	free(pname);
	free(rid);
	free(clen);
	free(query);
	free(uri);
	free(info);
	free(base);
	return 0;
}
