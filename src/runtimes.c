/* runtimes: placeholder until the resource is written. */
#include "config.h"

#include "handlers.h"

void runtimes_list(struct hg_request *r)
{
	req_send_error(r, 501, "not implemented");
}

void runtimes_create(struct hg_request *r)
{
	req_send_error(r, 501, "not implemented");
}

void runtimes_heartbeat(struct hg_request *r)
{
	req_send_error(r, 501, "not implemented");
}
