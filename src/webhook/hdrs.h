/* hdrs: read request headers from a CGI/FastCGI environment (HTTP_* variables). */
#ifndef HG_HDRS_H
#define HG_HDRS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HDRS_SLOTS 128			/* a power of two; more headers than half: not indexed */

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

/*
 * Copy of the header value with surrounding blanks trimmed, into out
 * (outlen bytes). Returns NULL when the header is absent, empty after
 * trimming, or longer than outlen - 1.
 */
const char *hdrs_get_trimmed(const struct hg_hdrs *h, const char *name, char *out, size_t outlen);

/*
 * The header value with surrounding blanks trimmed, in place: returns a
 * pointer into the environment and sets *len, or NULL when the header is
 * absent or empty after trimming. Unlike hdrs_get_trimmed there is no
 * length limit, so a caller can tell "absent" from "too long".
 */
const char *hdrs_get_span(const struct hg_hdrs *h, const char *name, size_t *len);

/* Value of the environment variable name (exact), or NULL. */
const char *env_get(char **envp, const char *name);

#endif
