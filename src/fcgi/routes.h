/* routes: hookgate-fcgi's route table. */
#ifndef HG_ROUTES_H
#define HG_ROUTES_H

#include "http/router.h"

extern const struct route_table fcgi_routes;

#endif
