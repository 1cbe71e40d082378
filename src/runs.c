/* runs: placeholder until the resource is written. */
#include "config.h"

#include "handlers.h"

void runs_list(struct hg_request *r)
{
	req_send_error(r, 501, "not implemented");
}

void runs_show(struct hg_request *r)
{
	req_send_error(r, 501, "not implemented");
}

void runs_claim(struct hg_request *r)
{
	req_send_error(r, 501, "not implemented");
}

void runs_complete(struct hg_request *r)
{
	req_send_error(r, 501, "not implemented");
}

void runs_fail(struct hg_request *r)
{
	req_send_error(r, 501, "not implemented");
}
