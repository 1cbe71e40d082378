/* util: tokens, hex, base64url, SHA-256, UUID, RFC 3339 times, UTF-8 and JSON number checks shared by every part. */
#ifndef HG_UTIL_H
#define HG_UTIL_H

#include "lib/common.h"

#include <stdbool.h>
#include <stddef.h>

#define HG_TOKEN_RANDOM_BYTES 32
/* prefix (4 chars: "awt_" or "hgk_") + 43 base64url characters, no padding */
#define HG_TOKEN_LEN 47

/*
 * out (at least HG_TOKEN_LEN + 1 bytes) receives prefix followed by
 * base64url of 32 random bytes from RAND_bytes, without padding.
 * prefix must be 4 characters.
 */
bool token_generate(const char *prefix, char *out, size_t outlen) HG_MUSTCHECK;

/* Whether s is prefix + exactly 43 base64url characters (no padding). */
bool token_well_formed(const char *prefix, const char *s);

/* base64url without padding of len bytes; out needs 4*ceil(len/3)+1 bytes. */
void base64url_encode(const unsigned char *in, size_t len, char *out);

/* Standard base64 with padding; the result is malloc'd, the caller frees it. */
char *base64_encode(const unsigned char *in, size_t len);

/*
 * Decode standard base64 (padding required when the length is not a
 * multiple of 4, no whitespace). Returns the number of bytes written to
 * out, or -1 on bad input or when out (outlen bytes) is too small.
 */
long base64_decode(const char *in, unsigned char *out, size_t outlen);

/* Lower-case hex of len bytes; out needs 2*len+1 bytes. */
void hex_encode(const unsigned char *in, size_t len, char *out);

/* Decode exactly 2*outlen hex digits (either case). */
bool hex_decode(const char *in, size_t inlen, unsigned char *out, size_t outlen);

/* SHA-256 of data as 64 lower-case hex digits plus NUL. */
void sha256_hex(const void *data, size_t len, char out[65]);

/* Bytes id_random hands out at a time. */
#define ID_RANDOM_MAX 64

/*
 * n (at most ID_RANDOM_MAX) random bytes for identifiers (UUIDs, request
 * ids), never for a secret: from RAND_bytes, through a per-process pool.
 */
bool id_random(unsigned char *out, size_t n) HG_MUSTCHECK;

/*
 * A new time-ordered UUID (RFC 9562 version 7: the 48-bit Unix time in
 * milliseconds first, then 74 random bits from id_random), so that rows
 * keyed by it land at the right edge of every index. out: 37 bytes.
 */
bool uuid7_generate(char out[37]) HG_MUSTCHECK;

/* Room for utc_ms_text's time and its NUL: 2026-11-30T02:13:35.123Z. */
#define UTC_MS_TEXT_MAX 32

/*
 * The time sec (Unix seconds) and usec (microseconds, 0 to 999999) as
 * RFC 3339 UTC with milliseconds, the form of log lines and of a receivedAt,
 * into out (UTC_MS_TEXT_MAX bytes). Written digit by digit: strftime and
 * snprintf cost twenty times more.
 */
void utc_ms_text(long long sec, long usec, char out[UTC_MS_TEXT_MAX]);

/*
 * A malloc'd, NUL-terminated copy of p[0..len), which need not be
 * terminated (a bytea from PQunescapeBytea, a span of a body): strndup may
 * look for a NUL past len. NULL when out of memory.
 */
char *text_copy(const char *p, size_t len);

/* Canonical textual UUID: 8-4-4-4-12 hex digits, either case. */
bool uuid_valid(const char *s);

/*
 * An RFC 3339 date-time (section 5.6: 2026-01-31T22:00:00Z,
 * 2026-02-01T00:00:00.5+02:00; T or t, Z or z; seconds up to 60; years
 * from 0001, which PostgreSQL's timestamptz reads) as seconds since the
 * Unix epoch in UTC and the nanoseconds of its fraction (digits past nine
 * ignored). False when s is not one, or names a day its month lacks.
 */
bool rfc3339_parse(const char *s, long long *seconds, long *nanoseconds) HG_MUSTCHECK;
/* The length of the valid UTF-8 character at s (n > 0 bytes left), or 0 when it is invalid. */
size_t utf8_char_len(const unsigned char *s, size_t n);

/* Whether s[0..len) is valid UTF-8 (no overlongs, no surrogates). */
bool utf8_valid(const unsigned char *s, size_t len);

/* The number of characters (code points) of the valid UTF-8 text s[0..len). */
size_t utf8_chars(const unsigned char *s, size_t len);

/*
 * Whether s is the text of an RFC 8259 number:
 * -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
 * (json-c also takes NaN, Infinity and "1.", which are not JSON).
 */
bool json_number_text(const char *s);

/*
 * A copy of the NUL-terminated in where every byte that is not part of a
 * valid UTF-8 sequence is written as the four characters \xHH, cut at a
 * character boundary to at most max bytes. Distinct inputs stay distinct
 * (but for inputs already holding such escapes). malloc'd; NULL when out
 * of memory.
 */
char *utf8_escape(const char *in, size_t max);

/*
 * s[0..len) as text that jsonb can hold: leading continuation bytes (a
 * character cut at the start) dropped, every invalid byte and every NUL
 * replaced by U+FFFD. malloc'd and NUL-terminated, its length in *outlen;
 * NULL when out of memory.
 */
char *utf8_sanitize(const unsigned char *s, size_t len, size_t *outlen);

#endif
