/*
 * ratelimit: GCRA, one timestamp per key, in a fixed table of cells shared
 * by every process. Lock-free: each cell is two atomics, so a worker killed
 * at any instruction leaves nothing locked. A flood of distinct keys evicts
 * the stalest cells; memory never grows.
 */
#include "config.h"

#include <string.h>
#include <time.h>

#include "lib/common.h"
#include "http/ratelimit.h"
#include "http/shm.h"

#define NS_PER_S 1000000000ull

const char *limit_name(enum limit_kind k)
{
	static const char *const names[] = {
		"ip_ceiling", "ip_bad_credentials", "token_rate", "token_ceiling",
	};

	_Static_assert(HG_ARRAY_LEN(names) == LIMIT_KINDS, "a name per limit");
	_Static_assert(SHM_LIMITS == LIMIT_KINDS, "a metrics counter per limit");

	return k < LIMIT_KINDS ? names[k] : "unknown";
}

bool gcra_step(uint64_t *tat, uint64_t now, long per_minute, bool charge, uint64_t *retry_ns)
{
	uint64_t interval, tau, t;

	*retry_ns = 0;
	if (per_minute <= 0)
		return true;
	interval = 60 * NS_PER_S / (uint64_t)per_minute;
	tau = interval * (uint64_t)(per_minute - 1);
	t = *tat > now ? *tat : now;
	/* a clock that went backwards: never wait longer than the whole window */
	if (t - now > tau + interval)
		t = now + tau + interval;
	if (t - now > tau) {
		*retry_ns = t - now - tau;
		if (charge)
			*tat = t;
		return false;
	}
	if (charge)
		*tat = t + interval;
	return true;
}

uint64_t gcra_defer(uint64_t *tat, uint64_t now, long per_minute)
{
	uint64_t interval, tau, t;

	if (per_minute <= 0)
		return 0;
	interval = 60 * NS_PER_S / (uint64_t)per_minute;
	tau = interval * (uint64_t)(per_minute - 1);
	t = *tat > now ? *tat : now;
	*tat = t + interval;
	return t - now > tau ? t - now - tau : 0;
}

long retry_after_seconds(uint64_t retry_ns)
{
	uint64_t s = (retry_ns + NS_PER_S - 1) / NS_PER_S;

	return s < 1 ? 1 : (long)s;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC is one clock for every process on the machine */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

/* FNV-1a over the kind and key, keyed with the segment's random seed. */
static uint64_t cell_key(uint64_t seed, enum limit_kind k, const char *key)
{
	uint64_t h = 0xcbf29ce484222325ull ^ seed;

	h = (h ^ (uint64_t)k) * 0x100000001b3ull;
	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		h = (h ^ *p) * 0x100000001b3ull;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 32;
	return h ? h : 1;
}

/* The cell for key: found, an empty one claimed, or the stalest one taken over. */
static struct shm_cell *find_cell(struct shm_segment *seg, uint64_t key)
{
	size_t start = (size_t)(key & (SHM_CELLS - 1));

	for (int round = 0; round < 4; round++) {
		struct shm_cell *victim = NULL;
		uint64_t victim_tat = UINT64_MAX;

		for (size_t i = 0; i < SHM_PROBE; i++) {
			struct shm_cell *c = &seg->cells[(start + i) & (SHM_CELLS - 1)];
			uint64_t k = atomic_load(&c->key), t;

			if (k == key)
				return c;
			if (k == 0) {
				uint64_t empty = 0;

				if (atomic_compare_exchange_strong(&c->key, &empty, key)) {
					atomic_store(&c->tat, 0);
					return c;
				}
				if (empty == key)
					return c;
				continue;
			}
			t = atomic_load(&c->tat);
			if (t < victim_tat) {
				victim = c;
				victim_tat = t;
			}
		}
		if (victim) {
			uint64_t old = atomic_load(&victim->key);

			if (old != key && atomic_compare_exchange_strong(&victim->key, &old, key)) {
				atomic_store(&victim->tat, 0);
				return victim;
			}
		}
	}
	return NULL;
}

bool limit_take(enum limit_kind k, const char *key, long per_minute, bool charge,
		long *retry_after_s)
{
	struct shm_segment *seg;
	struct shm_cell *c;
	uint64_t tat, next, retry;
	bool allowed;

	*retry_after_s = 0;
	if (per_minute <= 0 || !key || !*key)
		return true;
	seg = shm_get();
	if (!seg)
		return true;
	c = find_cell(seg, cell_key(atomic_load(&seg->seed), k, key));
	if (!c)
		return true;
	tat = atomic_load(&c->tat);
	for (;;) {
		next = tat;
		allowed = gcra_step(&next, now_ns(), per_minute, charge, &retry);
		if (!charge || next == tat ||
		    atomic_compare_exchange_weak(&c->tat, &tat, next))
			break;
	}
	if (!allowed)
		*retry_after_s = retry_after_seconds(retry);
	return allowed;
}

void limit_defer(enum limit_kind k, const char *key, long per_minute, uint64_t *delay_ns)
{
	struct shm_segment *seg;
	struct shm_cell *c;
	uint64_t tat, next;

	*delay_ns = 0;
	if (per_minute <= 0 || !key || !*key || !(seg = shm_get()))
		return;
	c = find_cell(seg, cell_key(atomic_load(&seg->seed), k, key));
	if (!c)
		return;
	tat = atomic_load(&c->tat);
	do {
		next = tat;
		*delay_ns = gcra_defer(&next, now_ns(), per_minute);
	} while (!atomic_compare_exchange_weak(&c->tat, &tat, next));
}
