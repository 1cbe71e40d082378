/*
 * fuzz_router: the route matcher (src/http/router.c router_match) over the
 * program's own route table (src/fcgi/routes.c) and over patterns from
 * the input. Input: a mode byte, then (mode odd) a pattern and a newline,
 * then the path.
 * Properties: a match captures one non-empty segment without '/' per
 * "{name}", and the pattern with its captures put back is the path; a
 * pattern without captures matches only itself; a malformed id is named
 * exactly when a captured id (not {token}) is not a UUID; and no path
 * matches two routes of the table with the same method.
 */
#include "config.h"

#include "fuzz.h"
#include "fcgi/routes.h"
#include "http/request.h"
#include "http/router.h"
#include "lib/util.h"

static void check(const char *pattern, const char *path)
{
	struct hg_request r;
	char bad[32] = "", rebuilt[4096];
	const char *p = pattern;
	size_t n = 0, captures = 0;
	bool m;

	memset(&r, 0, sizeof(r));
	m = router_match(pattern, path, &r, bad, sizeof(bad));
	PROPERTY(m == router_match(pattern, path, NULL, NULL, 0), "'%s' on '%s': r changes the answer",
		 pattern, path);
	if (!strchr(pattern, '{'))
		PROPERTY(m == (strcmp(pattern, path) == 0), "'%s' on '%s': %d", pattern, path, m);
	if (m) {
		const char *first_bad = NULL;
		size_t first_len = 0;

		for (int i = 0; *p; ) {
			if (*p == '{') {
				const char *close = strchr(p, '}');

				PROPERTY(close && i < r.nparams, "'%s' on '%s': capture %d missing", pattern, path, i);
				PROPERTY(r.params[i][0] && !strchr(r.params[i], '/'), "'%s' on '%s': capture '%s'",
					 pattern, path, r.params[i]);
				if (!first_bad && strncmp(p, "{token}", 7) != 0 && !uuid_valid(r.params[i])) {
					first_bad = p + 1;
					first_len = (size_t)(close - p - 1);
				}
				n += (size_t)snprintf(rebuilt + n, sizeof(rebuilt) - n, "%s", r.params[i]);
				i++;
				captures++;
				p = close + 1;
			} else {
				if (n + 1 < sizeof(rebuilt))
					rebuilt[n++] = *p;
				p++;
			}
			if (n >= sizeof(rebuilt))
				n = sizeof(rebuilt) - 1;
			rebuilt[n] = '\0';
		}
		rebuilt[n] = '\0';
		PROPERTY((int)captures == r.nparams, "'%s' on '%s': %d captures", pattern, path, r.nparams);
		if (strlen(path) < sizeof(rebuilt) - 1)
			PROPERTY(strcmp(rebuilt, path) == 0, "'%s' on '%s' rebuilds '%s'", pattern, path, rebuilt);
		if (first_bad && first_len < sizeof(bad))
			PROPERTY(strlen(bad) == first_len && !strncmp(bad, first_bad, first_len),
				 "'%s' on '%s': bad id named '%s'", pattern, path, bad);
		else if (!first_bad)
			PROPERTY(bad[0] == '\0', "'%s' on '%s': '%s' named though every id is a UUID",
				 pattern, path, bad);
	}
	for (int i = 0; i < r.nparams; i++)
		free(r.params[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };
	uint8_t mode = fz_byte(&f);
	char *pattern = (mode & 1) ? fz_field(&f, '\n', NULL) : NULL, *path = fz_field(&f, '\0', NULL);
	const struct route_table *t = &fcgi_routes;

	if (pattern && strlen(pattern) < 512 && strchr(pattern, '{') == strrchr(pattern, '{'))
		check(pattern, path);		/* at most one capture: REQ_MAX_PARAMS bounds the table's */
	for (size_t i = 0; i < t->count; i++) {
		check(t->routes[i].pattern, path);
		for (size_t j = i + 1; j < t->count; j++)
			PROPERTY(strcmp(t->routes[i].method, t->routes[j].method) ||
				 !router_match(t->routes[i].pattern, path, NULL, NULL, 0) ||
				 !router_match(t->routes[j].pattern, path, NULL, NULL, 0),
				 "'%s' matches %s %s and %s %s", path, t->routes[i].method, t->routes[i].pattern,
				 t->routes[j].method, t->routes[j].pattern);
	}
	free(path);
	free(pattern);
	return 0;
}
