/* limits: the HTTP side of the rate limits: 429 answers and the bad-credential budget. */
#include "config.h"

#include <stdio.h>

#include "http/limits.h"
#include "http/metrics.h"

void limit_refuse(struct hg_request *r, enum limit_kind k, long retry_after_s)
{
	char secs[24];

	snprintf(secs, sizeof(secs), "%ld", retry_after_s);
	req_add_header(r, "Retry-After", secs);
	metrics_rate_limited(k);
	req_send_error(r, 429, "rate limit exceeded");
}

bool limit_bad_credentials_spent(struct hg_request *r)
{
	long retry;

	if (limit_take(LIMIT_IP_BAD_CREDENTIALS, r->client_ip, r->settings->ip_bad_credentials,
		       false, &retry))
		return false;
	limit_refuse(r, LIMIT_IP_BAD_CREDENTIALS, retry);
	return true;
}

void limit_charge_bad_credentials(struct hg_request *r)
{
	long ignored;

	(void)limit_take(LIMIT_IP_BAD_CREDENTIALS, r->client_ip,
			 r->settings->ip_bad_credentials, true, &ignored);
}
