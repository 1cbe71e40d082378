/*
 * fuzz: what the libFuzzer targets share: the input read in pieces, and
 * PROPERTY, which aborts (libFuzzer then saves the input as a crash) with
 * the property that failed.
 */
#ifndef HG_FUZZ_H
#define HG_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PROPERTY(cond, ...) do {						\
	if (!(cond)) {								\
		fprintf(stderr, "\n*** property failed (%s:%d): %s\n*** ",	\
			__FILE__, __LINE__, #cond);				\
		fprintf(stderr, __VA_ARGS__);					\
		fputc('\n', stderr);						\
		abort();							\
	}									\
} while (0)

/* The input, consumed from the front. */
struct fz {
	const uint8_t *p;
	size_t n;
};

static inline uint8_t fz_byte(struct fz *f)
{
	if (f->n == 0)
		return 0;
	f->n--;
	return *f->p++;
}

/*
 * The next field: the bytes up to (not including) the next byte sep, or
 * the rest. A malloc'd NUL-terminated copy (which ends at an inner NUL
 * when the field is used as a C string); *len gets the field's length.
 */
static inline char *fz_field(struct fz *f, uint8_t sep, size_t *len)
{
	const uint8_t *end = memchr(f->p, sep, f->n);
	size_t n = end ? (size_t)(end - f->p) : f->n;
	char *s = malloc(n + 1);

	if (!s)
		abort();
	memcpy(s, f->p, n);
	s[n] = '\0';
	f->p += n;
	f->n -= n;
	if (end) {
		f->p++;
		f->n--;
	}
	if (len)
		*len = n;
	return s;
}

#endif
