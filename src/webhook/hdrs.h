/* hdrs: read request headers from a CGI/FastCGI environment (HTTP_* variables). */
#ifndef HG_HDRS_H
#define HG_HDRS_H

#include <stddef.h>

struct hg_hdrs {
	char **envp;			/* NULL-terminated NAME=value list, not owned */
};

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
