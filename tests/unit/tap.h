/* tap: a tiny TAP producer for the unit tests: plan, ok, is_str, is_int, diag, done_testing. */
#ifndef HG_TAP_H
#define HG_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/*
 * Usage: ok(cond, "name %d", i); is_str(got, want, "name"); ...;
 * return done_testing(); which prints the plan when none was given and
 * returns the exit status: 0 when every test ran and passed, 1 otherwise.
 * One test program includes this once (the state below is per program).
 */

static struct {
	int planned;			/* -1: no plan given */
	int run;
	int failed;
} tap = { -1, 0, 0 };

static inline void plan(int n)
{
	tap.planned = n;
	printf("1..%d\n", n);
}

static inline void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
}

static inline bool tap_vresult(bool pass, const char *file, int line, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));
static inline bool tap_vresult(bool pass, const char *file, int line, const char *fmt, va_list ap)
{
	tap.run++;
	if (!pass)
		tap.failed++;
	printf("%sok %d - ", pass ? "" : "not ", tap.run);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	if (!pass)
		printf("#   Failed test at %s line %d.\n", file, line);
	fflush(stdout);
	return pass;
}

static inline bool tap_ok(bool pass, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static inline bool tap_ok(bool pass, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	bool r;

	va_start(ap, fmt);
	r = tap_vresult(pass, file, line, fmt, ap);
	va_end(ap);
	return r;
}

static inline bool tap_is_str(const char *got, const char *want, const char *file, int line,
			      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static inline bool tap_is_str(const char *got, const char *want, const char *file, int line,
			      const char *fmt, ...)
{
	bool pass = (got == NULL && want == NULL) ||
		    (got != NULL && want != NULL && strcmp(got, want) == 0);
	va_list ap;

	va_start(ap, fmt);
	tap_vresult(pass, file, line, fmt, ap);
	va_end(ap);
	if (!pass) {
		printf("#          got: %s%s%s\n", got ? "'" : "", got ? got : "NULL", got ? "'" : "");
		printf("#     expected: %s%s%s\n", want ? "'" : "", want ? want : "NULL", want ? "'" : "");
	}
	return pass;
}

static inline bool tap_is_int(long long got, long long want, const char *file, int line,
			      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static inline bool tap_is_int(long long got, long long want, const char *file, int line,
			      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vresult(got == want, file, line, fmt, ap);
	va_end(ap);
	if (got != want) {
		printf("#          got: %lld\n", got);
		printf("#     expected: %lld\n", want);
	}
	return got == want;
}

#define ok(cond, ...) tap_ok((cond) ? true : false, __FILE__, __LINE__, __VA_ARGS__)
#define is_str(got, want, ...) tap_is_str((got), (want), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...) tap_is_int((long long)(got), (long long)(want), __FILE__, __LINE__, __VA_ARGS__)

/* Exit status for main: 0 when all planned tests ran and passed. */
static inline int done_testing(void)
{
	if (tap.planned < 0)
		printf("1..%d\n", tap.run);
	else if (tap.run != tap.planned)
		printf("# Planned %d tests but ran %d.\n", tap.planned, tap.run);
	if (tap.failed)
		printf("# Failed %d of %d tests.\n", tap.failed, tap.run);
	fflush(stdout);
	return (tap.failed == 0 && (tap.planned < 0 || tap.run == tap.planned) && tap.run > 0) ? 0 : 1;
}

#endif
