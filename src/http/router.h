/* router: the dispatcher over the route table that the program installs at start-up. */
#ifndef HG_ROUTER_H
#define HG_ROUTER_H

#include <stdbool.h>

#include "http/request.h"
#include "http/route.h"

/* Use t (not copied) for every request of this process. */
void router_install(const struct route_table *t);

/*
 * Find the route for r->method and r->path and run it. Answers 404 for an
 * unknown path and 405 (with Allow) for a known path with another method.
 */
void router_dispatch(struct hg_request *r);

/*
 * Whether path matches pattern ("{name}" matches one non-empty segment).
 * When r is given, store the captured segments in r->params (owned by r);
 * when bad_name is given, set it to the name of the first captured id
 * (any parameter but {token}) that is not a UUID. Exposed for the tests.
 */
bool router_match(const char *pattern, const char *path, struct hg_request *r,
		  char *bad_name, size_t bad_len);


#endif
