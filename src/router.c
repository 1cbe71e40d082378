/*
 * router: the route table and the dispatcher. The dispatcher answers 404,
 * 405, 401, 403 and malformed-UUID 400 itself, in JSON, before any handler runs.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "handlers.h"
#include "log.h"
#include "metrics.h"
#include "ratelimit.h"
#include "router.h"
#include "util.h"

#define WEBHOOKS "/api/webhooks/"
#define KEY	ROUTE_NEEDS_KEY
#define WRITE	(ROUTE_NEEDS_KEY | ROUTE_NEEDS_WRITE)

static const struct route routes[] = {
	{ "POST",   "/api/webhooks/autopilots/{token}",			ingress_handle,		0 },
	{ "GET",    "/healthz",						health_live,		0 },
	{ "GET",    "/readyz",						health_ready,		0 },
	{ "GET",    "/metrics",						metrics_handle,		0 },

	{ "GET",    "/api/autopilots",					autopilots_list,	KEY },
	{ "POST",   "/api/autopilots",					autopilots_create,	WRITE },
	{ "GET",    "/api/autopilots/{autopilot}",			autopilots_show,	KEY },
	{ "PATCH",  "/api/autopilots/{autopilot}",			autopilots_update,	WRITE },
	{ "DELETE", "/api/autopilots/{autopilot}",			autopilots_delete,	WRITE },

	{ "GET",    "/api/autopilots/{autopilot}/triggers",		triggers_list,		KEY },
	{ "POST",   "/api/autopilots/{autopilot}/triggers",		triggers_create,	WRITE },
	{ "PATCH",  "/api/autopilots/{autopilot}/triggers/{trigger}",	triggers_update,	WRITE },
	{ "DELETE", "/api/autopilots/{autopilot}/triggers/{trigger}",	triggers_delete,	WRITE },
	{ "POST",   "/api/autopilots/{autopilot}/triggers/{trigger}/rotate-webhook-token",
									triggers_rotate_token,	WRITE },
	{ "PUT",    "/api/autopilots/{autopilot}/triggers/{trigger}/signing-secret",
									triggers_set_secret,	WRITE },

	{ "GET",    "/api/autopilots/{autopilot}/deliveries",		deliveries_list,	KEY },
	{ "GET",    "/api/autopilots/{autopilot}/deliveries/{delivery}", deliveries_show,	KEY },
	{ "POST",   "/api/autopilots/{autopilot}/deliveries/{delivery}/replay",
									deliveries_replay,	WRITE },

	{ "GET",    "/api/autopilots/{autopilot}/runs",			runs_list,		KEY },
	{ "GET",    "/api/autopilots/{autopilot}/runs/{run}",		runs_show,		KEY },
	{ "POST",   "/api/runs/claim",					runs_claim,		WRITE },
	{ "POST",   "/api/runs/{run}/complete",				runs_complete,		WRITE },
	{ "POST",   "/api/runs/{run}/fail",				runs_fail,		WRITE },

	{ "GET",    "/api/runtimes",					runtimes_list,		KEY },
	{ "POST",   "/api/runtimes",					runtimes_create,	WRITE },
	{ "POST",   "/api/runtimes/{runtime}/heartbeat",		runtimes_heartbeat,	WRITE },
};

#define NROUTES (sizeof(routes) / sizeof(routes[0]))

bool router_route(int i, const char **method, const char **pattern)
{
	if (i < 0 || (size_t)i >= NROUTES)
		return false;
	*method = routes[i].method;
	*pattern = routes[i].pattern;
	return true;
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

void router_dispatch(struct hg_request *r)
{
	char allow[64] = "", bad[32] = "";
	const struct route *found = NULL;
	long retry;

	for (size_t i = 0; i < NROUTES; i++) {
		if (!match(routes[i].pattern, r->path, NULL, NULL, 0))
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
	if (!found || (found->handler != health_live && found->handler != health_ready)) {
		if (!limit_take(LIMIT_IP_CEILING, r->client_ip, r->settings->ip_ceiling, true, &retry)) {
			ingress_too_many(r, LIMIT_IP_CEILING, retry);
			return;
		}
	}
	if (!found && strncmp(r->path, WEBHOOKS, strlen(WEBHOOKS)) == 0) {
		/* a mangled webhook URL is a bad credential like an unknown token */
		log_debug("no route for %s %s...", r->method, WEBHOOKS);
		if (!limit_take(LIMIT_IP_BAD_CREDENTIALS, r->client_ip,
				r->settings->ip_bad_credentials, false, &retry))
			ingress_too_many(r, LIMIT_IP_BAD_CREDENTIALS, retry);
		else
			ingress_not_found(r);
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
