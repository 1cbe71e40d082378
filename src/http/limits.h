/* limits: the HTTP side of the rate limits: 429 answers and the bad-credential budget. */
#ifndef HG_LIMITS_H
#define HG_LIMITS_H

#include <stdbool.h>

#include "http/ratelimit.h"
#include "http/request.h"

/* 429 {"error":"rate limit exceeded"} with Retry-After, counted in the metrics; touches no row. */
void limit_refuse(struct hg_request *r, enum limit_kind k, long retry_after_s);

/*
 * Whether the client's bad-credential budget is already spent (SPEC 3.1
 * step 3): then the 429 has been sent. Charges nothing.
 */
bool limit_bad_credentials_spent(struct hg_request *r);

/* Charge the client's bad-credential budget (404 and 401 only). */
void limit_charge_bad_credentials(struct hg_request *r);

#endif
