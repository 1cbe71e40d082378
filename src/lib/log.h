/* log: one line per event on stderr, with the request id when there is one. */
#ifndef HG_LOG_H
#define HG_LOG_H

#include <stdbool.h>

enum log_level { LOG_OFF = -1, LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/*
 * Set the threshold from "error", "warn", "info" or "debug"; "off" logs
 * nothing (hookgatectl, which says what failed in its own words).
 */
void log_set_level(const char *name);
/* Prefix every line with this program name (not copied). */
void log_set_program(const char *name);
/* The current request id, shown on each line until cleared with NULL (not copied). */
void log_set_request_id(const char *id);

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Write the webhook token in a loggable form: "awt_" + its first 4
 * characters + "...", into out. Anything that is not a token is shown as "-".
 */
const char *log_redact_token(const char *token, char *out, unsigned outlen);

#endif
