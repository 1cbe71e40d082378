/* triggers: placeholder until the resource is written. */
#include "config.h"

#include "handlers.h"

void triggers_list(struct hg_request *r)
{
	req_send_error(r, 501, "not implemented");
}

void triggers_create(struct hg_request *r)
{
	req_send_error(r, 501, "not implemented");
}

void triggers_update(struct hg_request *r)
{
	req_send_error(r, 501, "not implemented");
}

void triggers_delete(struct hg_request *r)
{
	req_send_error(r, 501, "not implemented");
}

void triggers_rotate_token(struct hg_request *r)
{
	req_send_error(r, 501, "not implemented");
}

void triggers_set_secret(struct hg_request *r)
{
	req_send_error(r, 501, "not implemented");
}
