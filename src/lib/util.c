/* util: tokens, hex, base64 and base64url, SHA-256, UUID, RFC 3339 times, UTF-8 and JSON number checks, constant-time equality. */
#include "config.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "lib/util.h"

/* base64 characters for HG_TOKEN_RANDOM_BYTES bytes without padding: ceil(32 * 4 / 3) */
#define TOKEN_B64_CHARS 43

/*
 * EVP_EncodeBlock takes an int length; encode in slices that are a
 * multiple of 3 bytes so the output is the same as in one call.
 */
#define B64_SLICE ((size_t)3 * 1024 * 1024)

/* Standard base64 with padding of len bytes into out (4*ceil(len/3)+1 bytes). */
static size_t b64_std(const unsigned char *in, size_t len, char *out)
{
	size_t done = 0, written = 0;

	out[0] = '\0';
	while (done < len) {
		size_t n = len - done < B64_SLICE ? len - done : B64_SLICE;

		written += (size_t)EVP_EncodeBlock((unsigned char *)out + written, in + done, (int)n);
		done += n;
	}
	return written;
}

void base64url_encode(const unsigned char *in, size_t len, char *out)
{
	size_t n = b64_std(in, len, out);

	while (n > 0 && out[n - 1] == '=')
		n--;
	out[n] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (out[i] == '+')
			out[i] = '-';
		else if (out[i] == '/')
			out[i] = '_';
	}
}

char *base64_encode(const unsigned char *in, size_t len)
{
	size_t quads = len / 3 + (len % 3 != 0);
	char *out;

	if (quads > (SIZE_MAX - 1) / 4)
		return NULL;
	out = malloc(quads * 4 + 1);
	if (!out)
		return NULL;
	b64_std(in, len, out);
	return out;
}

static bool b64_std_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '+' || c == '/';
}

/*
 * EVP_DecodeBlock skips surrounding blanks and always writes 3 bytes per
 * 4 characters, padding included, so the input is checked here first and
 * the last group is decoded into a scratch buffer.
 */
long base64_decode(const char *in, unsigned char *out, size_t outlen)
{
	unsigned char last[3];
	size_t len, pads = 0, quads, full;

	if (!in)
		return -1;
	len = strlen(in);
	if (len % 4 != 0 || len > (size_t)INT_MAX)
		return -1;
	if (len == 0)
		return 0;
	if (in[len - 1] == '=')
		pads = in[len - 2] == '=' ? 2 : 1;
	for (size_t i = 0; i < len - pads; i++)
		if (!b64_std_char(in[i]))
			return -1;
	quads = len / 4;
	if (quads * 3 - pads > outlen)
		return -1;
	full = quads - 1;
	if (full > 0 && EVP_DecodeBlock(out, (const unsigned char *)in, (int)(full * 4)) != (int)(full * 3))
		return -1;
	if (EVP_DecodeBlock(last, (const unsigned char *)in + full * 4, 4) != 3)
		return -1;
	memcpy(out + full * 3, last, 3 - pads);
	OPENSSL_cleanse(last, sizeof(last));
	return (long)(quads * 3 - pads);
}

bool token_generate(const char *prefix, char *out, size_t outlen)
{
	unsigned char raw[HG_TOKEN_RANDOM_BYTES];
	char b64[4 * ((HG_TOKEN_RANDOM_BYTES + 2) / 3) + 1];
	bool ok = false;

	if (!prefix || strlen(prefix) != 4 || !out || outlen < HG_TOKEN_LEN + 1)
		goto fail;
	if (RAND_bytes(raw, sizeof(raw)) != 1)
		goto fail;
	base64url_encode(raw, sizeof(raw), b64);
	if (strlen(b64) != TOKEN_B64_CHARS)
		goto fail;
	memcpy(out, prefix, 4);
	memcpy(out + 4, b64, TOKEN_B64_CHARS + 1);
	ok = true;
fail:
	OPENSSL_cleanse(raw, sizeof(raw));
	OPENSSL_cleanse(b64, sizeof(b64));
	return ok;
}

static bool b64url_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_';
}

bool token_well_formed(const char *prefix, const char *s)
{
	size_t plen;

	if (!prefix || !s)
		return false;
	plen = strlen(prefix);
	if (strncmp(s, prefix, plen) != 0)
		return false;
	for (size_t i = 0; i < TOKEN_B64_CHARS; i++)
		if (!b64url_char(s[plen + i]))
			return false;
	return s[plen + TOKEN_B64_CHARS] == '\0';
}

void hex_encode(const unsigned char *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0x0f];
	}
	out[2 * len] = '\0';
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool hex_decode(const char *in, size_t inlen, unsigned char *out, size_t outlen)
{
	if (!in || outlen > SIZE_MAX / 2 || inlen != 2 * outlen)
		return false;
	for (size_t i = 0; i < outlen; i++) {
		int hi = hex_value(in[2 * i]), lo = hex_value(in[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return true;
}

/* On the (unexpected) failure of the digest, out is "" so it matches no stored hash. */
/*
 * SHA-256 fetched once per process, on first use (a hookgate process has
 * one thread): EVP_sha256() is fetched again by every digest it makes,
 * which costs as much as hashing a token. NULL when OpenSSL fails (tried
 * again on the next call).
 */
static EVP_MD *sha256_md(void)
{
	static EVP_MD *md;

	if (!md)
		md = EVP_MD_fetch(NULL, "SHA256", NULL);
	return md;
}

void sha256_hex(const void *data, size_t len, char out[65])
{
	static const unsigned char empty[1];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD *sha256 = sha256_md();

	out[0] = '\0';
	if (!sha256 || EVP_Digest(len ? data : empty, len, md, &mdlen, sha256, NULL) != 1 || mdlen != 32)
		return;
	hex_encode(md, mdlen, out);
}

/*
 * Drawn from RAND_bytes a block at a time: a call costs about as much
 * whatever its size (7k instructions), more than the rest of an id.
 * Refilled after a fork: two processes must never hand out the same bytes.
 */
bool id_random(unsigned char *out, size_t n)
{
	static unsigned char pool[1024];
	static size_t used = sizeof(pool);
	static pid_t owner;
	pid_t me = getpid();

	if (n > ID_RANDOM_MAX)
		return false;
	if (used + n > sizeof(pool) || owner != me) {
		if (RAND_bytes(pool, sizeof(pool)) != 1)
			return false;
		used = 0;
		owner = me;
	}
	memcpy(out, pool + used, n);
	OPENSSL_cleanse(pool + used, n);
	used += n;
	return true;
}

bool uuid7_generate(char out[37])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char b[16];
	struct timespec ts;
	uint64_t ms;
	size_t o = 0;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || !id_random(b + 6, 10))
		return false;
	ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
	for (int i = 0; i < 6; i++)
		b[i] = (unsigned char)(ms >> (40 - 8 * i));
	b[6] = (unsigned char)(0x70 | (b[6] & 0x0f));	/* version 7 */
	b[8] = (unsigned char)(0x80 | (b[8] & 0x3f));	/* variant 10 */
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[b[i] >> 4];
		out[o++] = hex[b[i] & 15];
	}
	out[o] = '\0';
	return true;
}

/* n as exactly width decimal digits at out; the next byte. */
static char *put_digits(char *out, long n, int width)
{
	for (int i = width - 1; i >= 0; i--, n /= 10)
		out[i] = (char)('0' + n % 10);
	return out + width;
}

void utc_ms_text(long long sec, long usec, char out[UTC_MS_TEXT_MAX])
{
	time_t t = (time_t)sec;
	struct tm tm;
	bool known = gmtime_r(&t, &tm) != NULL;
	char *o = out;

	if (!known || tm.tm_year < 1000 - 1900 || tm.tm_year > 9999 - 1900 || usec < 0 || usec > 999999) {
		/* years not of four digits (%Y pads none): as strftime and snprintf write them */
		size_t n = known ? strftime(out, UTC_MS_TEXT_MAX, "%Y-%m-%dT%H:%M:%S", &tm) : 0;

		snprintf(out + n, UTC_MS_TEXT_MAX - n, ".%03ldZ", usec / 1000);
		return;
	}
	o = put_digits(o, tm.tm_year + 1900, 4);
	*o++ = '-';
	o = put_digits(o, tm.tm_mon + 1, 2);
	*o++ = '-';
	o = put_digits(o, tm.tm_mday, 2);
	*o++ = 'T';
	o = put_digits(o, tm.tm_hour, 2);
	*o++ = ':';
	o = put_digits(o, tm.tm_min, 2);
	*o++ = ':';
	o = put_digits(o, tm.tm_sec, 2);
	*o++ = '.';
	o = put_digits(o, usec / 1000, 3);
	*o++ = 'Z';
	*o = '\0';
}

char *text_copy(const char *p, size_t len)
{
	char *s = len < SIZE_MAX ? malloc(len + 1) : NULL;

	if (!s)
		return NULL;
	memcpy(s, p, len);
	s[len] = '\0';
	return s;
}

bool uuid_valid(const char *s)
{
	if (!s)
		return false;
	for (size_t i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (hex_value(s[i]) < 0) {
			return false;
		}
	}
	return s[36] == '\0';
}

/*
 * Well-formed UTF-8 as in RFC 3629 table 3-7 (Unicode): the second byte's
 * range depends on the first, which rules out overlongs (C0, C1, E0 80-9F,
 * F0 80-8F), surrogates (ED A0-BF) and code points above U+10FFFF.
 */
size_t utf8_char_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xBF;
	size_t need;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		need = 1;
	else if (c >= 0xE0 && c <= 0xEF)
		need = 2;
	else if (c >= 0xF0 && c <= 0xF4)
		need = 3;
	else
		return 0;
	if (c == 0xE0)
		lo = 0xA0;
	else if (c == 0xED)
		hi = 0x9F;
	else if (c == 0xF0)
		lo = 0x90;
	else if (c == 0xF4)
		hi = 0x8F;
	if (n - 1 < need || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t k = 2; k <= need; k++)
		if (s[k] < 0x80 || s[k] > 0xBF)
			return 0;
	return need + 1;
}

bool utf8_valid(const unsigned char *s, size_t len)
{
	size_t i = 0;

	if (!s)
		return len == 0;
	while (i < len) {
		size_t k;

		/* ASCII fast path: eight bytes at a time while none has its high bit set */
		while (len - i >= 8) {
			uint64_t w;

			memcpy(&w, s + i, 8);
			if (w & UINT64_C(0x8080808080808080))
				break;
			i += 8;
		}
		if (i == len)
			break;
		k = utf8_char_len(s + i, len - i);
		if (k == 0)
			return false;
		i += k;
	}
	return true;
}

char *utf8_escape(const char *in, size_t max)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t len = strlen(in), i = 0, o = 0;
	char *out = malloc(4 * len + 1);

	if (!out)
		return NULL;
	while (i < len) {
		size_t k = utf8_char_len(s + i, len - i);

		if (k == 0) {
			if (o + 4 > max)
				break;
			snprintf(out + o, 5, "\\x%02X", s[i]);
			o += 4;
			i++;
			continue;
		}
		if (o + k > max)
			break;		/* cut only between characters */
		memcpy(out + o, s + i, k);
		o += k;
		i += k;
	}
	out[o] = '\0';
	return out;
}

char *utf8_sanitize(const unsigned char *s, size_t len, size_t *outlen)
{
	static const char replacement[] = "\xEF\xBF\xBD";	/* U+FFFD */
	size_t i = 0, o = 0;
	char *out = malloc(3 * len + 1);

	if (!out)
		return NULL;
	/* a cut in the middle of a character: its continuation bytes go */
	while (i < len && i < 3 && (s[i] & 0xC0) == 0x80)
		i++;
	while (i < len) {
		size_t k = s[i] ? utf8_char_len(s + i, len - i) : 0;

		if (k == 0) {
			memcpy(out + o, replacement, 3);
			o += 3;
			i++;
			continue;
		}
		memcpy(out + o, s + i, k);
		o += k;
		i += k;
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

bool json_number_text(const char *s)
{
	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		s += strspn(s, "0123456789");
	else
		return false;
	if (*s == '.') {
		if (s[1] < '0' || s[1] > '9')
			return false;
		s += 1 + strspn(s + 1, "0123456789");
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (*s < '0' || *s > '9')
			return false;
		s += strspn(s, "0123456789");
	}
	return *s == '\0';
}

size_t utf8_chars(const unsigned char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		if ((s[i] & 0xC0) != 0x80)
			n++;
	return n;
}

/* n digits of s as a number into *out; false unless all are digits. */
static bool digits(const char *s, int n, int *out)
{
	*out = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*out = *out * 10 + (s[i] - '0');
	}
	return true;
}

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar. */
static long long days_from_civil(int y, int m, int d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

bool rfc3339_parse(const char *s, long long *seconds, long *nanoseconds)
{
	static const int month_days[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	long ns = 0;
	const char *p;

	if (!s || strlen(s) < 20 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
	    s[7] != '-' || !digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') ||
	    !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' ||
	    !digits(s + 17, 2, &sec))
		return false;
	if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > month_days[mo - 1] || h > 23 || mi > 59 ||
	    sec > 60)
		return false;
	if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return false;
	p = s + 19;
	if (*p == '.') {
		int n = 0;

		for (p++; *p >= '0' && *p <= '9'; p++, n++)
			if (n < 9)
				ns = ns * 10 + (*p - '0');
		if (n == 0)
			return false;
		for (; n < 9; n++)
			ns *= 10;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '+' ? 1 : -1;
		if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om) || oh > 23 ||
		    om > 59)
			return false;
		p += 6;
	} else {
		return false;
	}
	if (*p != '\0')
		return false;
	*seconds = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
		   sign * (oh * 3600 + om * 60);
	*nanoseconds = ns;
	return true;
}
