/* request: CGI/FastCGI variables in, JSON responses out, for one request at a time. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "http/clientip.h"
#include "http/request.h"
#include "lib/util.h"

static const char *status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 303: return "See Other";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default:  return "Unknown";
	}
}

static bool request_id_acceptable(const char *id)
{
	size_t n = 0;

	for (const char *p = id; *p; p++, n++) {
		if (!isalnum((unsigned char)*p) && !strchr("-_.:", *p))
			return false;
	}
	return n > 0 && n <= 128;
}

/* The routing path: PATH_INFO, else REQUEST_URI without its query, minus base_path. */
static void set_path(struct hg_request *r)
{
	const char *p = req_env(r, "PATH_INFO");
	const char *base = r->settings->base_path;
	size_t n, blen = strlen(base);

	if (p && *p) {
		n = strlen(p);
	} else {
		p = req_env(r, "REQUEST_URI");
		if (!p)
			p = "/";
		n = strcspn(p, "?#");
	}
	if (n >= sizeof(r->path))
		n = sizeof(r->path) - 1;
	if (blen && n >= blen && strncmp(p, base, blen) == 0 &&
	    (n == blen || p[blen] == '/')) {
		p += blen;
		n -= blen;
	}
	memcpy(r->path, p, n);
	r->path[n] = '\0';
	if (r->path[0] == '\0')
		snprintf(r->path, sizeof(r->path), "/");
}

/* The client address of SPEC 5 (client_ip_resolve). */
static void set_client_ip(struct hg_request *r)
{
	client_ip_resolve(req_env(r, "REMOTE_ADDR"), hdrs_get(&r->hdrs, "X-Forwarded-For"),
			  hdrs_get(&r->hdrs, "X-Real-IP"), r->settings->trusted_proxies,
			  r->client_ip, sizeof(r->client_ip));
}

void req_init(struct hg_request *r, FCGX_Request *fcgx, char **envp,
	      const struct hg_settings *s)
{
	const char *v;

	memset(r, 0, sizeof(*r));
	r->route_index = -1;
	clock_gettime(CLOCK_MONOTONIC, &r->started);
	r->fcgx = fcgx;
	r->envp = envp;
	r->hdrs.envp = envp;
	hdrs_index(&r->hdrs);
	r->settings = s;
	r->method = req_env(r, "REQUEST_METHOD");
	if (!r->method)
		r->method = "GET";
	set_path(r);

	v = hdrs_get(&r->hdrs, "X-Request-Id");
	if (v && request_id_acceptable(v)) {
		snprintf(r->request_id, sizeof(r->request_id), "%s", v);
	} else {
		unsigned char raw[16];

		if (!id_random(raw, sizeof(raw)))
			memset(raw, 0, sizeof(raw));
		hex_encode(raw, sizeof(raw), r->request_id);
	}
	set_client_ip(r);
	log_set_request_id(r->request_id);
}

void req_cleanup(struct hg_request *r)
{
	for (int i = 0; i < r->nparams; i++)
		free(r->params[i]);
	free(r->body);
	log_set_request_id(NULL);
	memset(r, 0, sizeof(*r));
}

const char *req_env(const struct hg_request *r, const char *name)
{
	return env_get(r->envp, name);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

const char *req_param(const char *params, const char *name, char *out, size_t outlen)
{
	const char *q = params;
	size_t nlen = strlen(name);

	while (q && *q) {
		const char *end = q + strcspn(q, "&");

		if ((size_t)(end - q) >= nlen && strncmp(q, name, nlen) == 0 &&
		    (q[nlen] == '=' || q + nlen == end)) {
			const char *v = q + nlen + (q[nlen] == '=');
			size_t n = 0;

			while (v < end) {
				int c = (unsigned char)*v;

				if (c == '%' && end - v >= 3 && hexval(v[1]) >= 0 && hexval(v[2]) >= 0) {
					c = hexval(v[1]) * 16 + hexval(v[2]);
					v += 3;
				} else {
					if (c == '+')
						c = ' ';
					v++;
				}
				if (n + 1 >= outlen || c == 0)
					return NULL;
				out[n++] = (char)c;
			}
			out[n] = '\0';
			return out;
		}
		q = *end ? end + 1 : end;
	}
	return NULL;
}

bool req_param_has(const char *params, const char *name)
{
	const char *q = params;
	size_t n = strlen(name);

	while (q && *q) {
		if (strncmp(q, name, n) == 0 && (q[n] == '=' || q[n] == '&' || q[n] == '\0'))
			return true;
		q = strchr(q, '&');
		if (q)
			q++;
	}
	return false;
}

const char *req_query(const struct hg_request *r, const char *name, char *out, size_t outlen)
{
	return req_param(req_env(r, "QUERY_STRING"), name, out, outlen);
}

bool req_query_has(const struct hg_request *r, const char *name)
{
	return req_param_has(req_env(r, "QUERY_STRING"), name);
}

long req_content_length(const struct hg_request *r)
{
	const char *v = req_env(r, "CONTENT_LENGTH");
	char *end;
	long n;

	if (!v || !*v)
		return -1;
	if (!isdigit((unsigned char)*v))
		return -2;
	errno = 0;
	n = strtol(v, &end, 10);
	if (*end != '\0')
		return -2;
	if (errno == ERANGE)
		return LONG_MAX;
	return n;
}

/* Read up to n bytes; returns the count, or -1 on error. */
static long read_some(struct hg_request *r, unsigned char *buf, size_t n)
{
	if (r->fcgx) {
		int got = FCGX_GetStr((char *)buf, n > INT_MAX ? INT_MAX : (int)n, r->fcgx->in);
		if (got < 0 || FCGX_GetError(r->fcgx->in) != 0)
			return -1;
		return got;
	} else {
		size_t got = fread(buf, 1, n, stdin);
		if (got < n && ferror(stdin))
			return -1;
		return (long)got;
	}
}

enum body_result req_read_body(struct hg_request *r, long max)
{
	long declared = req_content_length(r);
	size_t cap = (size_t)max + 1, len = 0, size;
	unsigned char *buf;

	if (declared > max)
		return BODY_TOO_LARGE;
	if (declared == 0) {
		/* nothing to read, and a CGI server may keep stdin open */
		r->body = calloc(1, 1);
		r->body_len = 0;
		return r->body ? BODY_OK : BODY_ERROR;
	}
	/* a declared length sizes the buffer; otherwise grow up to cap */
	size = declared >= 0 ? (size_t)declared + 1 : 16384;
	if (size > cap + 1)
		size = cap + 1;
	buf = malloc(size);
	if (!buf)
		return BODY_ERROR;
	for (;;) {
		long got;

		if (len + 1 >= size) {
			unsigned char *nb;
			size_t nsize = size * 2 > cap + 1 ? cap + 1 : size * 2;

			if (nsize <= size)
				break;
			nb = realloc(buf, nsize);
			if (!nb)
				goto fail;
			buf = nb;
			size = nsize;
		}
		got = read_some(r, buf + len, size - 1 - len);
		if (got < 0)
			goto fail;
		if (got == 0)
			break;
		len += (size_t)got;
		if (len > (size_t)max)
			break;
		if (declared >= 0 && len >= (size_t)declared)
			break;
	}
	if (len > (size_t)max) {
		free(buf);
		return BODY_TOO_LARGE;
	}
	buf[len] = '\0';
	r->body = buf;
	r->body_len = len;
	return BODY_OK;
fail:
	free(buf);
	return BODY_ERROR;
}

bool req_take_body(struct hg_request *r)
{
	switch (req_read_body(r, r->settings->max_body_bytes)) {
	case BODY_OK:
		return true;
	case BODY_TOO_LARGE:
		req_send_error(r, 413, "payload too large");
		return false;
	default:
		req_send_error(r, 400, "could not read request body");
		return false;
	}
}

bool req_add_header(struct hg_request *r, const char *name, const char *value)
{
	size_t used = strlen(r->extra_headers);
	int n;

	if (strpbrk(name, "\r\n:") || strpbrk(value, "\r\n"))
		return false;
	n = snprintf(r->extra_headers + used, sizeof(r->extra_headers) - used,
		     "%s: %s\r\n", name, value);
	if (n < 0 || (size_t)n >= sizeof(r->extra_headers) - used) {
		r->extra_headers[used] = '\0';
		return false;
	}
	return true;
}

static void write_out(struct hg_request *r, const char *data, size_t len)
{
	if (len == 0)
		return;
	if (r->fcgx)
		FCGX_PutStr(data, (int)len, r->fcgx->out);
	else
		fwrite(data, 1, len, stdout);
}

void req_send_body(struct hg_request *r, int status, const char *content_type,
		   const char *body, size_t len)
{
	char head[REQ_EXTRA_HEADERS_MAX + 512];
	int n;

	if (r->responded)
		return;
	r->responded = true;
	r->status = status;
	n = snprintf(head, sizeof(head),
		     "Status: %d %s\r\n"
		     "Content-Type: %s\r\n"
		     "X-Request-Id: %s\r\n"
		     "Cache-Control: no-store\r\n"
		     "%s\r\n",
		     status, status_text(status), content_type, r->request_id, r->extra_headers);
	if (n < 0 || (size_t)n >= sizeof(head))
		return;
	write_out(r, head, (size_t)n);
	/* the body exactly as given: ingress answers must equal the stored response_body */
	if (status != 204 && body)
		write_out(r, body, len);
	if (!r->fcgx)
		fflush(stdout);
}

void req_send_raw(struct hg_request *r, int status, const char *json_text)
{
	req_send_body(r, status, "application/json", json_text, json_text ? strlen(json_text) : 0);
}

void req_send_json(struct hg_request *r, int status, struct json_object *obj)
{
	req_send_raw(r, status, json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

void req_send_field(struct hg_request *r, int status, const char *key, const char *value)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, key, json_object_new_string(value));
	req_send_json(r, status, o);
	json_object_put(o);
}

void req_send_error(struct hg_request *r, int status, const char *message)
{
	if (r->error_page)
		r->error_page(r, status, message);
	else
		req_send_field(r, status, "error", message);
}

void req_send_unavailable_field(struct hg_request *r, const char *name, const char *value)
{
	req_add_header(r, "Retry-After", REQ_RETRY_AFTER_UNAVAILABLE);
	req_send_field(r, 503, name, value);
}

void req_send_store_failed(struct hg_request *r, enum store_rc rc)
{
	if (rc == STORE_UNAVAILABLE)
		req_send_unavailable(r);
	else
		req_send_error(r, 500, "internal error");
}

void req_send_unavailable(struct hg_request *r)
{
	req_send_unavailable_field(r, "error", "service unavailable");
}

void req_log(const struct hg_request *r)
{
	struct timespec now;
	double ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (double)(now.tv_sec - r->started.tv_sec) * 1000.0 +
	     (double)(now.tv_nsec - r->started.tv_nsec) / 1e6;
	log_info("%s %s %d %.1fms ip=%s token=%s delivery=%s", r->method,
		 r->route ? r->route : "-", r->status, ms,
		 r->client_ip[0] ? r->client_ip : "-",
		 r->token_hint[0] ? r->token_hint : "-",
		 r->delivery_id[0] ? r->delivery_id : "-");
}
