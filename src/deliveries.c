/* deliveries: placeholder until the resource is written. */
#include "config.h"

#include "handlers.h"

void deliveries_list(struct hg_request *r)
{
	req_send_error(r, 501, "not implemented");
}

void deliveries_show(struct hg_request *r)
{
	req_send_error(r, 501, "not implemented");
}

void deliveries_replay(struct hg_request *r)
{
	req_send_error(r, 501, "not implemented");
}
