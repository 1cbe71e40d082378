/* router: match method and path against the route table; answer 404 and 405 here. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "health.h"
#include "ingress.h"
#include "log.h"
#include "router.h"

static const struct route routes[] = {
	{ "POST", "/api/webhooks/autopilots/{token}",	ingress_handle,	0 },
	{ "GET",  "/healthz",				health_live,	0 },
	{ "GET",  "/readyz",				health_ready,	0 },
};

#define NROUTES (sizeof(routes) / sizeof(routes[0]))

/*
 * Whether path matches pattern; when r is given, store the captured
 * segments in r->params.
 */
static bool match(const char *pattern, const char *path, struct hg_request *r)
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

void router_dispatch(struct hg_request *r)
{
	char allow[64] = "";
	const struct route *found = NULL;

	for (size_t i = 0; i < NROUTES; i++) {
		if (!match(routes[i].pattern, r->path, NULL))
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
	if (!found) {
		log_debug("no route for %s %s", r->method, r->path);
		if (allow[0]) {
			req_add_header(r, "Allow", allow);
			req_send_error(r, 405, "method not allowed");
		} else {
			req_send_error(r, 404, "not found");
		}
		return;
	}
	r->route = found->pattern;
	if (!match(found->pattern, r->path, r)) {
		req_send_error(r, 500, "internal error");
		return;
	}
	found->handler(r);
	if (!r->responded)
		req_send_error(r, 500, "internal error");
}
