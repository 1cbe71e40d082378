/* autopilots: placeholder until the resource is written. */
#include "config.h"

#include "handlers.h"

void autopilots_list(struct hg_request *r)
{
	req_send_error(r, 501, "not implemented");
}

void autopilots_create(struct hg_request *r)
{
	req_send_error(r, 501, "not implemented");
}

void autopilots_show(struct hg_request *r)
{
	req_send_error(r, 501, "not implemented");
}

void autopilots_update(struct hg_request *r)
{
	req_send_error(r, 501, "not implemented");
}

void autopilots_delete(struct hg_request *r)
{
	req_send_error(r, 501, "not implemented");
}
