/* request: one HTTP request's context, rebuilt per request and freed by req_cleanup. */
#ifndef HG_REQUEST_H
#define HG_REQUEST_H

#include "lib/common.h"

struct route_table;

#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include <fcgiapp.h>
#include <json-c/json.h>

#include "db/store.h"
#include "webhook/hdrs.h"
#include "lib/settings.h"

#define REQ_MAX_PARAMS 4
/* Room for the headers added to an answer (a Location, a Set-Cookie, the console's security headers). */
#define REQ_EXTRA_HEADERS_MAX 4096

struct hg_request {
	FCGX_Request *fcgx;		/* NULL in CGI mode (stdin/stdout) */
	char **envp;			/* not owned */
	struct hg_hdrs hdrs;
	const struct hg_settings *settings;	/* not owned */

	const char *method;
	char path[2048];		/* routing path, base_path removed */
	char request_id[129];
	char client_ip[64];
	struct timespec started;

	const char *route;		/* matched pattern, for logs and metrics */
	int route_index;		/* in the route table; -1 when none matched */
	const struct route_table *routes;	/* the table it was dispatched on */
	char *params[REQ_MAX_PARAMS];	/* path parameters, owned */
	int nparams;

	unsigned char *body;		/* owned, NUL-terminated for convenience */
	size_t body_len;

	/* the API key's identity, set by the router for ROUTE_NEEDS_KEY routes */
	char key_id[37];
	char workspace_id[37];
	bool can_write;

	/*
	 * When set (by the router, for the paths of a table's page_prefix),
	 * req_send_error answers with it instead of {"error": message}: the
	 * console's errors are HTML pages.
	 */
	void (*error_page)(struct hg_request *r, int status, const char *message);

	/* response */
	int status;
	char extra_headers[REQ_EXTRA_HEADERS_MAX];
	bool responded;
	char delivery_id[40];		/* for the log line, "" when none */
	char token_hint[16];		/* "awt_" + 4 characters, for the log line */
};

enum body_result { BODY_OK, BODY_TOO_LARGE, BODY_ERROR };

/* Fill r for the request in envp; fcgx NULL means CGI. */
void req_init(struct hg_request *r, FCGX_Request *fcgx, char **envp,
	      const struct hg_settings *s);

/* Release everything r owns. */
void req_cleanup(struct hg_request *r);

/*
 * The query-string parameter name, percent-decoded into out (outlen bytes),
 * or NULL when absent or too long.
 */
const char *req_query(const struct hg_request *r, const char *name, char *out, size_t outlen);

/* Whether the query string names the parameter at all (even empty or too long to read). */
bool req_query_has(const struct hg_request *r, const char *name);

/*
 * The same two over any "a=1&b=2" text (NUL-terminated; NULL is empty): a
 * form body, application/x-www-form-urlencoded.
 */
const char *req_param(const char *params, const char *name, char *out, size_t outlen);
bool req_param_has(const char *params, const char *name);

/* A CGI variable of the request (e.g. "REQUEST_METHOD"), or NULL. */
const char *req_env(const struct hg_request *r, const char *name);

/*
 * The declared CONTENT_LENGTH: -1 when absent or empty, -2 when malformed,
 * else the value (capped at LONG_MAX).
 */
long req_content_length(const struct hg_request *r);

/* Read the body, at most max bytes: more is BODY_TOO_LARGE. */
enum body_result req_read_body(struct hg_request *r, long max) HG_MUSTCHECK;

/*
 * Read the body, at most max_body_bytes; false after answering 413 (too
 * large) or 400 (could not be read).
 */
bool req_take_body(struct hg_request *r) HG_MUSTCHECK;

/* Add a response header; refuses names or values holding CR, LF or NUL. */
bool req_add_header(struct hg_request *r, const char *name, const char *value);

/* Send status with a body of any type. Only the first send of a request counts. */
void req_send_body(struct hg_request *r, int status, const char *content_type,
		   const char *body, size_t len);

/* Send status with body (JSON text, sent as is). */
void req_send_raw(struct hg_request *r, int status, const char *json_text);

/* Send obj serialised (obj stays the caller's). */
void req_send_json(struct hg_request *r, int status, struct json_object *obj);

/* Send {key: value}. */
void req_send_field(struct hg_request *r, int status, const char *key, const char *value);

/* Send {"error": message}, or r->error_page's answer when set. */
void req_send_error(struct hg_request *r, int status, const char *message);

/* Retry-After of every 503 that the database's absence causes, in seconds. */
#define REQ_RETRY_AFTER_UNAVAILABLE "5"

/* 503 {"error":"service unavailable"} with Retry-After. */
void req_send_unavailable(struct hg_request *r);

/* Answer a failed store call: 503 when unavailable, else 500. */
void req_send_store_failed(struct hg_request *r, enum store_rc rc);

/* 503 {name: value} with Retry-After (/readyz). */
void req_send_unavailable_field(struct hg_request *r, const char *name, const char *value);

/* The one log line of a finished request. */
void req_log(const struct hg_request *r);

#endif
