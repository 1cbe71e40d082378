/* ingress: POST /api/webhooks/autopilots/{token} (SPEC 3). */
#ifndef HG_INGRESS_H
#define HG_INGRESS_H

#include "request.h"

void ingress_handle(struct hg_request *r);

#endif
