/* log: leveled lines on stderr; each carries the time, program, pid and request id. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/util.h"

static enum log_level threshold = LOG_INFO;
static const char *program = "hookgate";
static const char *request_id;

void log_set_level(const char *name)
{
	if (!name)
		return;
	if (strcmp(name, "off") == 0)
		threshold = LOG_OFF;
	else if (strcmp(name, "error") == 0)
		threshold = LOG_ERROR;
	else if (strcmp(name, "warn") == 0)
		threshold = LOG_WARN;
	else if (strcmp(name, "debug") == 0)
		threshold = LOG_DEBUG;
	else
		threshold = LOG_INFO;
}

void log_set_program(const char *name)
{
	program = name;
}

void log_set_request_id(const char *id)
{
	request_id = id;
}

static void log_line(enum log_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
static void log_line(enum log_level level, const char *fmt, va_list ap)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };
	char stamp[UTC_MS_TEXT_MAX], msg[2048];
	struct timeval tv;

	if (level > threshold)
		return;
	gettimeofday(&tv, NULL);
	utc_ms_text(tv.tv_sec, tv.tv_usec, stamp);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* one write per line keeps lines whole when several workers share stderr */
	fprintf(stderr, "%s %s[%ld] %s req=%s %s\n", stamp, program, (long)getpid(), names[level],
		request_id ? request_id : "-", msg);
	fflush(stderr);
}

#define LOG_FN(fn, level)					\
	void fn(const char *fmt, ...)				\
	{							\
		va_list ap;					\
		va_start(ap, fmt);				\
		log_line(level, fmt, ap);			\
		va_end(ap);					\
	}

LOG_FN(log_error, LOG_ERROR)
LOG_FN(log_warn, LOG_WARN)
LOG_FN(log_info, LOG_INFO)
LOG_FN(log_debug, LOG_DEBUG)

const char *log_redact_token(const char *token, char *out, unsigned outlen)
{
	if (token && strncmp(token, "awt_", 4) == 0 && strlen(token) >= 8)
		snprintf(out, outlen, "awt_%.4s...", token + 4);
	else
		snprintf(out, outlen, "-");
	return out;
}
