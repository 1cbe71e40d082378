/* routes: hookgate-fcgi's route table, naming every handler; the router (src/http) runs it. */
#include "config.h"

#include "api/handlers.h"
#include "console/console.h"
#include "fcgi/routes.h"
#include "http/metrics.h"
#include "http/shm.h"
#include "lib/common.h"

#define KEY	ROUTE_NEEDS_KEY
#define WRITE	(ROUTE_NEEDS_KEY | ROUTE_NEEDS_WRITE)
#define NOCEIL	ROUTE_NO_CEILING
#define PAGE	ROUTE_CONSOLE

static const struct route routes[] = {
	{ "POST",   "/api/webhooks/autopilots/{token}",			ingress_handle,		0 },
	{ "GET",    "/healthz",						health_live,		NOCEIL },
	{ "GET",    "/readyz",						health_ready,		NOCEIL },
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
	{ "POST",   "/api/autopilots/{autopilot}/deliveries/replay",	deliveries_bulk_replay,	WRITE },

	{ "GET",    "/api/autopilots/{autopilot}/runs",			runs_list,		KEY },
	{ "GET",    "/api/autopilots/{autopilot}/runs/{run}",		runs_show,		KEY },
	{ "POST",   "/api/runs/claim",					runs_claim,		WRITE },
	{ "GET",    "/api/runs/{run}",					runs_get,		KEY },
	{ "POST",   "/api/runs/{run}/heartbeat",			runs_heartbeat,		WRITE },
	{ "POST",   "/api/runs/{run}/complete",				runs_complete,		WRITE },
	{ "POST",   "/api/runs/{run}/fail",				runs_fail,		WRITE },

	{ "GET",    "/api/runtimes",					runtimes_list,		KEY },
	{ "POST",   "/api/runtimes",					runtimes_create,	WRITE },
	{ "POST",   "/api/runtimes/{runtime}/heartbeat",		runtimes_heartbeat,	WRITE },

	/* the console (SPEC 11): each page checks its session itself (src/console/auth.c) */
	{ "GET",    "/console",						console_root,		PAGE },
	{ "GET",    "/console/",					console_home,		PAGE },
	{ "GET",    "/console/login",					console_login_form,	PAGE },
	{ "POST",   "/console/login",					console_login,		PAGE },
	{ "POST",   "/console/logout",					console_logout,		PAGE },
	{ "GET",    "/console/static/console.css",			console_stylesheet,	PAGE },
	{ "GET",    "/console/autopilots/{autopilot}",			console_autopilot,	PAGE },
	{ "GET",    "/console/autopilots/{autopilot}/deliveries",	console_deliveries,	PAGE },
	{ "GET",    "/console/autopilots/{autopilot}/deliveries/{delivery}",
									console_delivery,	PAGE },
	{ "POST",   "/console/autopilots/{autopilot}/deliveries/{delivery}/replay",
									console_replay,		PAGE },
	{ "POST",   "/console/autopilots/{autopilot}/deliveries/replay",
									console_bulk_replay,	PAGE },
	{ "GET",    "/console/autopilots/{autopilot}/runs",		console_runs,		PAGE },
};

/* the metrics keep one slot per route and one for "no route" */
_Static_assert(HG_ARRAY_LEN(routes) < SHM_ROUTES, "SHM_ROUTES must exceed the number of routes");

const struct route_table fcgi_routes = {
	.routes = routes,
	.count = HG_ARRAY_LEN(routes),
	.unmatched_prefix = "/api/webhooks/",
	.unmatched_handler = ingress_not_found,
	.page_prefix = "/console",
	.page_error = console_error_page,
};
