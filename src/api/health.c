/* health: /healthz answers without the database; /readyz asks it. */
#include "config.h"

#include "api/handlers.h"
#include "db/store.h"

void health_live(struct hg_request *r)
{
	req_send_field(r, 200, "status", "ok");
}

void health_ready(struct hg_request *r)
{
	switch (store_check_ready()) {
	case STORE_OK:
		req_send_field(r, 200, "status", "ready");
		break;
	case STORE_NOT_FOUND:
		req_send_unavailable_field(r, "status", "migrations pending");
		break;
	default:
		req_send_unavailable_field(r, "status", "database unavailable");
		break;
	}
}
