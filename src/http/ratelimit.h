/* ratelimit: GCRA limits kept in the pool's shared memory (SPEC 5). */
#ifndef HG_RATELIMIT_H
#define HG_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

enum limit_kind {
	LIMIT_IP_CEILING,
	LIMIT_IP_BAD_CREDENTIALS,
	LIMIT_TOKEN_RATE,
	LIMIT_KINDS,
};

/* "ip_ceiling", "ip_bad_credentials", "token_rate". */
const char *limit_name(enum limit_kind k);

/*
 * The GCRA step, pure arithmetic (nanoseconds). *tat is the theoretical
 * arrival time of the key (0: never seen). A limit of per_minute requests
 * has interval 60 s / per_minute and tolerance (per_minute - 1) * interval,
 * so per_minute requests may come at once, then one per interval.
 * charge false only asks whether one more request would be allowed.
 * On refusal *retry_ns is how long until one would be.
 * A clock that went backwards never makes the wait longer than the window.
 */
bool gcra_step(uint64_t *tat, uint64_t now, long per_minute, bool charge, uint64_t *retry_ns);

/* Whole seconds for Retry-After: at least 1, rounded up. */
long retry_after_seconds(uint64_t retry_ns);

/*
 * Ask the shared table: true when allowed (and, with charge, counted).
 * per_minute 0 disables the limit (always allowed). A serving process has
 * mapped the shared memory at start (shm_attach) or does not serve; only a
 * process that never mapped it (a unit test) is always allowed.
 */
bool limit_take(enum limit_kind k, const char *key, long per_minute, bool charge,
		long *retry_after_s);

#endif
