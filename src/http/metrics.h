/* metrics: counters in shared memory, summed over the pool, and GET /metrics. */
#ifndef HG_METRICS_H
#define HG_METRICS_H

#include <stdint.h>

#include "http/ratelimit.h"
#include "http/request.h"

/* Count a finished request: route, status code and duration. */
void metrics_request(const struct hg_request *r);

/* Count a delivery outcome: accepted, skipped, ignored, duplicate, rejected, failed. */
void metrics_delivery(const char *outcome);

/* Count a 429 answered for limit k. */
void metrics_rate_limited(enum limit_kind k);

/* Count a database error (unreachable or failed statement). */
void metrics_db_error(void);

/* GET /metrics: Prometheus text format, allowed from metrics_allow only. */
void metrics_handle(struct hg_request *r);

#endif
