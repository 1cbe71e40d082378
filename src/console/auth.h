/* auth: the console's session cookie, its POST checks (CSRF, write scope) and form fields. */
#ifndef HG_CONSOLE_AUTH_H
#define HG_CONSOLE_AUTH_H

#include "lib/common.h"

#include <stdbool.h>
#include <stddef.h>

#include "db/session.h"
#include "http/request.h"

/* The session cookie (SPEC 11). */
#define CONSOLE_COOKIE "hg_session"
/* The largest console form body; more is a 413 page. */
#define CONSOLE_FORM_MAX 16384

/*
 * The live session of r's cookie into s. Otherwise false, with the answer
 * sent: a GET goes to the login page (303), a POST is 403, and a failing
 * database a 503 page. A cookie of an ended session is cleared.
 */
bool console_session(struct hg_request *r, struct session *s) HG_MUSTCHECK;

/*
 * The checks of every POST of a logged-in session s: the form body read
 * (at most CONSOLE_FORM_MAX bytes), its csrf field the session's token,
 * and with need_write a write session. False with a 403 (413, 400) page sent.
 */
bool console_post(struct hg_request *r, const struct session *s, bool need_write) HG_MUSTCHECK;

/* Field name of the form body (read by console_post or the login), decoded into out; NULL when absent. */
const char *console_form(const struct hg_request *r, const char *name, char *out, size_t outlen);

#endif
