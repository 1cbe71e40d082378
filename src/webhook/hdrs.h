/* hdrs: read request headers from a CGI/FastCGI environment (HTTP_* variables), and the selected_headers kept of them (SPEC 2). */
#ifndef HG_HDRS_H
#define HG_HDRS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#include "lib/common.h"

#define HDRS_SLOTS 128			/* a power of two; more headers than half: not indexed */
#define HDRS_NAME_MAX 128		/* bytes of a CGI variable name a lookup builds, NUL included */

/*
 * The request's headers. { envp } alone is valid (every lookup scans the
 * list); hdrs_index builds a table once per request so that each lookup
 * is a hash probe instead of a scan of every FastCGI parameter.
 */
struct hg_hdrs {
	char **envp;			/* NULL-terminated NAME=value list, not owned */
	bool indexed;
	uint32_t hash[HDRS_SLOTS];	/* of the variable name */
	uint16_t entry[HDRS_SLOTS];	/* 1 + its position in envp; 0: empty slot */
};

/* Index h->envp's header variables (HTTP_*, CONTENT_TYPE, CONTENT_LENGTH). */
void hdrs_index(struct hg_hdrs *h);

/*
 * Value of the header called name (any case, e.g. "X-GitHub-Event"), or NULL.
 * Content-Type and Content-Length map to CONTENT_TYPE / CONTENT_LENGTH,
 * every other name to HTTP_<NAME> with '-' as '_'.
 */
const char *hdrs_get(const struct hg_hdrs *h, const char *name);

/* A header name made ready for lookups (hdrs_key): its CGI variable and hash. */
struct hdrs_key {
	char var[HDRS_NAME_MAX];
	size_t len;			/* 0: a name no header can have (empty, too long) */
	uint32_t hash;
};

/*
 * Make k for the header called name, once for a name looked up often;
 * false when no header has that name (k then finds nothing).
 */
bool hdrs_key(const char *name, struct hdrs_key *k);

/* hdrs_get with a key made by hdrs_key. */
const char *hdrs_get_key(const struct hg_hdrs *h, const struct hdrs_key *k);

/*
 * The header value with surrounding blanks trimmed, in place: returns a
 * pointer into the environment and sets *len, or NULL when the header is
 * absent or empty after trimming.
 */
const char *hdrs_get_span(const struct hg_hdrs *h, const char *name, size_t *len);

/* Value of the environment variable name (exact), or NULL. */
const char *env_get(char **envp, const char *name);

/*
 * The selected_headers of a delivery (SPEC 2): the debugging headers that
 * are present (user agent, event and delivery headers, idempotency key), by
 * lower-case name, each cut to 1024 bytes and escaped to UTF-8 as
 * utf8_escape does, and "signature_present": whether any signature header
 * was sent (never its value, never an auth header). A new object; NULL
 * when out of memory.
 */
struct json_object *hdrs_selected(const struct hg_hdrs *h);

/*
 * The headers of a stored selected_headers object, for what is rebuilt
 * from them (a replay's event): every string member becomes the header of
 * that name. out->envp is malloc'd: release it with hdrs_free_selected.
 * False when out of memory (out->envp is then NULL).
 */
bool hdrs_from_selected(struct json_object *selected, struct hg_hdrs *out) HG_MUSTCHECK;

/* Release what hdrs_from_selected built (h->envp NULL: nothing). */
void hdrs_free_selected(struct hg_hdrs *h);

#endif
