/* route: the types of a route table (the table itself is the program's: src/fcgi/routes.c). */
#ifndef HG_ROUTE_H
#define HG_ROUTE_H

#include <stddef.h>

struct hg_request;

enum route_flags {
	ROUTE_NEEDS_KEY = 1 << 0,	/* Authorization: Bearer hgk_... */
	ROUTE_NEEDS_WRITE = 1 << 1,	/* a key with write scope */
	ROUTE_NO_CEILING = 1 << 2,	/* not charged to the per-IP ceiling (health probes) */
	ROUTE_CONSOLE = 1 << 3,		/* a console page: absent when the settings' console is off */
};

typedef void (*route_handler)(struct hg_request *r);

struct route {
	const char *method;
	const char *pattern;		/* "/api/x/{id}": {..} captures one segment */
	route_handler handler;
	unsigned flags;
};

struct route_table {
	const struct route *routes;
	size_t count;
	/*
	 * A path under this prefix that matches no route (a mangled webhook
	 * URL) is answered by unmatched_handler after the bad-credential
	 * budget is checked, like an unknown token.
	 */
	const char *unmatched_prefix;
	route_handler unmatched_handler;
	/*
	 * The path page_prefix and those under it ("/console", "/console/...")
	 * get their errors (404, 405, 400, 429, ...) from page_error rather
	 * than as JSON, while the console is on (request.h's error_page).
	 */
	const char *page_prefix;
	void (*page_error)(struct hg_request *r, int status, const char *message);
};

#endif
