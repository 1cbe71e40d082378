/* ratelimit: GCRA limits kept in the pool's shared memory (SPEC 5). */
#ifndef HG_RATELIMIT_H
#define HG_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

enum limit_kind {
	LIMIT_IP_CEILING,
	LIMIT_IP_BAD_CREDENTIALS,
	LIMIT_TOKEN_RATE,		/* defers runs, never refuses (SPEC 3.6) */
	LIMIT_TOKEN_CEILING,
	LIMIT_KINDS,
};

/* "ip_ceiling", "ip_bad_credentials", "token_rate", "token_ceiling". */
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

/*
 * The GCRA as a schedule rather than a gate (token_rate, SPEC 3.6): every
 * arrival is charged, and the result is how long after now it may start
 * (0 within the rate: per_minute at once, then one per 60 s / per_minute).
 * per_minute 0: always 0, nothing charged.
 */
uint64_t gcra_defer(uint64_t *tat, uint64_t now, long per_minute);

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

/*
 * Charge one run to key's schedule in the shared table; *delay_ns is how
 * long after now the run may start (0: at once). Never refuses. Without
 * shared memory, or with per_minute 0, the delay is 0.
 */
void limit_defer(enum limit_kind k, const char *key, long per_minute, uint64_t *delay_ns);

#endif
