/*
 * router: the dispatcher over the installed route table. It answers 404,
 * 405, 401, 403 and malformed-UUID 400 itself, in JSON, before any handler runs.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/auth.h"
#include "lib/log.h"
#include "http/limits.h"
#include "http/router.h"
#include "lib/util.h"

static const struct route_table *table;

void router_install(const struct route_table *t)
{
	table = t;
}

/*
 * Whether path matches pattern. When r is given, store the captured
 * segments in r->params; when bad_name is given, set it to the first
 * captured id (any parameter but {token}) that is not a UUID.
 */
static bool match(const char *pattern, const char *path, struct hg_request *r,
		  char *bad_name, size_t bad_len)
{
	const char *p = pattern, *s = path;

	while (*p && *s) {
		if (*p == '{') {
			size_t len = strcspn(s, "/");
			const char *close = strchr(p, '}');

			if (!close || len == 0)
				return false;
			if (r) {
				if (r->nparams >= REQ_MAX_PARAMS)
					return false;
				r->params[r->nparams] = strndup(s, len);
				if (!r->params[r->nparams])
					return false;
				if (bad_name && !bad_name[0] && strncmp(p, "{token}", 7) != 0 &&
				    !uuid_valid(r->params[r->nparams]))
					snprintf(bad_name, bad_len, "%.*s", (int)(close - p - 1), p + 1);
				r->nparams++;
			}
			p = close + 1;
			s += len;
			continue;
		}
		if (*p != *s)
			return false;
		p++;
		s++;
	}
	return *p == '\0' && *s == '\0';
}

/* Whether route rt exists for r: console pages only while the console is on. */
static bool present(const struct route *rt, const struct hg_request *r)
{
	return !(rt->flags & ROUTE_CONSOLE) || r->settings->console;
}

/* Whether path is prefix itself or under it (prefix + "/..."). */
static bool under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(path, prefix, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* The number of {parameters} of a pattern. */
static size_t params_of(const char *pattern)
{
	size_t n = 0;

	for (const char *p = pattern; (p = strchr(p, '{')); p++)
		n++;
	return n;
}

/*
 * The fewest parameters of a pattern that path matches: a literal segment
 * wins over a parameter, so that /api/runs/claim is never /api/runs/{run}
 * (for any method). SIZE_MAX when none matches.
 */
static size_t fewest_params(const struct hg_request *r)
{
	size_t best = SIZE_MAX;

	for (size_t i = 0; i < table->count; i++) {
		size_t n = params_of(table->routes[i].pattern);

		if (n < best && present(&table->routes[i], r) &&
		    match(table->routes[i].pattern, r->path, NULL, NULL, 0))
			best = n;
	}
	return best;
}

void router_dispatch(struct hg_request *r)
{
	char allow[64] = "", bad[32] = "";
	const struct route *routes = table->routes, *found = NULL;
	size_t params = fewest_params(r);
	long retry;

	r->routes = table;
	if (table->page_prefix && r->settings->console && under(r->path, table->page_prefix))
		r->error_page = table->page_error;
	for (size_t i = 0; i < table->count; i++) {
		if (params_of(routes[i].pattern) != params || !present(&routes[i], r) ||
		    !match(routes[i].pattern, r->path, NULL, NULL, 0))
			continue;
		if (strcmp(routes[i].method, r->method) == 0) {
			found = &routes[i];
			break;
		}
		if (!r->route)
			r->route = routes[i].pattern;
		if (!strstr(allow, routes[i].method)) {
			size_t used = strlen(allow);
			snprintf(allow + used, sizeof(allow) - used, "%s%s",
				 used ? ", " : "", routes[i].method);
		}
	}
	if (!found && allow[0]) {
		/* a known path with another method: 405 comes first (SPEC 3.1) */
		req_add_header(r, "Allow", allow);
		req_send_error(r, 405, "method not allowed");
		return;
	}
	if (found) {
		r->route = found->pattern;
		r->route_index = (int)(found - routes);
	}
	/* the per-IP ceiling holds for every request but the cheap health probes */
	if (!found || !(found->flags & ROUTE_NO_CEILING)) {
		if (!limit_take(LIMIT_IP_CEILING, r->client_ip, r->settings->ip_ceiling, true, &retry)) {
			limit_refuse(r, LIMIT_IP_CEILING, retry);
			return;
		}
	}
	if (!found && table->unmatched_prefix &&
	    strncmp(r->path, table->unmatched_prefix, strlen(table->unmatched_prefix)) == 0) {
		/* a mangled webhook URL is a bad credential like an unknown token */
		log_debug("no route for %s %s...", r->method, table->unmatched_prefix);
		if (limit_bad_credentials_spent(r))
			return;
		table->unmatched_handler(r);
		return;
	}
	if (!found) {
		log_debug("no route for %s %s", r->method, r->path);
		req_send_error(r, 404, "not found");
		return;
	}
	if ((found->flags & ROUTE_NEEDS_KEY) && !auth_check(r))
		return;
	if ((found->flags & ROUTE_NEEDS_WRITE) && !r->can_write) {
		req_send_error(r, 403, "forbidden: this API key is read-only");
		return;
	}
	if (!match(found->pattern, r->path, r, bad, sizeof(bad))) {
		req_send_error(r, 500, "internal error");
		return;
	}
	if (bad[0]) {
		char msg[64];

		snprintf(msg, sizeof(msg), "invalid %s id", bad);
		req_send_error(r, 400, msg);
		return;
	}
	found->handler(r);
	if (!r->responded)
		req_send_error(r, 500, "internal error");
}

bool router_match(const char *pattern, const char *path, struct hg_request *r,
		  char *bad_name, size_t bad_len)
{
	return match(pattern, path, r, bad_name, bad_len);
}
