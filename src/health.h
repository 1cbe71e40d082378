/* health: liveness and readiness probes (SPEC 5). */
#ifndef HG_HEALTH_H
#define HG_HEALTH_H

#include "request.h"

void health_live(struct hg_request *r);
void health_ready(struct hg_request *r);

#endif
