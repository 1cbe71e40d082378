/* shm: the fixed-size shared memory of the pool: rate-limit cells and metric counters. */
#ifndef HG_SHM_H
#define HG_SHM_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/common.h"

#define SHM_LAYOUT_VERSION	3
#define SHM_CELLS		32768	/* a power of two */
#define SHM_PROBE		8	/* slots looked at per key before evicting */
#define SHM_ROUTES		64	/* route-table entries, the last for "no route" */
#define SHM_CODES		16	/* tracked HTTP codes, the last for "other" */
#define SHM_BUCKETS		12	/* duration histogram buckets, the last +Inf */
#define SHM_OUTCOMES		6
#define SHM_LIMITS		4

struct shm_cell {
	_Atomic uint64_t key;		/* keyed hash of (limit, key); 0: empty */
	_Atomic uint64_t tat;		/* GCRA theoretical arrival time, ns */
};

struct shm_metrics {
	_Atomic uint64_t requests[SHM_ROUTES][SHM_CODES];
	_Atomic uint64_t duration_bucket[SHM_ROUTES][SHM_BUCKETS];
	_Atomic uint64_t duration_sum_us[SHM_ROUTES];
	_Atomic uint64_t deliveries[SHM_OUTCOMES];
	_Atomic uint64_t rate_limited[SHM_LIMITS];
	_Atomic uint64_t db_errors;
};

/*
 * All-zero is a valid empty state, so whichever process maps the segment
 * first needs no initialisation step that a crash could leave half done.
 */
struct shm_segment {
	_Atomic uint32_t version;	/* SHM_LAYOUT_VERSION once claimed */
	_Atomic uint64_t seed;		/* hash key, random, set once */
	struct shm_metrics metrics;
	struct shm_cell cells[SHM_CELLS];
};

/*
 * Map the segment called name (created by whichever process comes first)
 * as this process's segment, replacing any mapped before. False when it
 * cannot be created or opened, belongs to another user, is open to others
 * or has another layout: err then names it and says why, and the caller
 * stops (a startup error: limits never switch off by themselves, SPEC 5).
 */
bool shm_attach(const char *name, char *err, size_t errlen) HG_MUSTCHECK;

/* The segment shm_attach mapped; NULL before (limits then allow, metrics count nothing). */
struct shm_segment *shm_get(void);

/* Unmap it (a supervisor that only checks, a worker that maps its own). */
void shm_detach(void);

#endif
