/*
 * filters_compat: filters_admit gains an error buffer with the ingest-core
 * change (FILTERS_MAX comes with it); the tests call it either way.
 */
#ifndef HG_FILTERS_COMPAT_H
#define HG_FILTERS_COMPAT_H

#include "webhook/filters.h"

#ifdef FILTERS_MAX
#define ADMIT(f, e, p) filters_admit((f), (e), (p), NULL, 0)
#else
#define ADMIT(f, e, p) filters_admit((f), (e), (p))
#endif

#endif
