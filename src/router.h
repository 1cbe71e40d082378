/* router: the route table and the dispatcher that runs the shared checks. */
#ifndef HG_ROUTER_H
#define HG_ROUTER_H

#include <stdbool.h>

#include "request.h"

enum route_flags {
	ROUTE_NEEDS_KEY = 1 << 0,	/* Authorization: Bearer hgk_... */
	ROUTE_NEEDS_WRITE = 1 << 1,	/* a key with write scope */
};

typedef void (*route_handler)(struct hg_request *r);

struct route {
	const char *method;
	const char *pattern;		/* "/api/x/{id}": {..} captures one segment */
	route_handler handler;
	unsigned flags;
};

/*
 * Find the route for r->method and r->path and run it. Answers 404 for an
 * unknown path and 405 (with Allow) for a known path with another method.
 */
void router_dispatch(struct hg_request *r);

/* Method and pattern of route i of the table; false past its end. */
bool router_route(int i, const char **method, const char **pattern);

#endif
