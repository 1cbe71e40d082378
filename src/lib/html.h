/* html: the console's escapings, pure functions (text in, text out) that a fuzz target can link alone: HTML text and URL query values. */
#ifndef HG_HTML_H
#define HG_HTML_H

#include <stddef.h>

/* The most bytes html_escape writes for len bytes of input, its NUL not counted. */
#define HTML_ESCAPE_MAX(len) ((len) * 6)

/*
 * Write in[0..len) to out as HTML text, safe both between tags and inside a
 * double- or single-quoted attribute value: & < > " ' become &amp; &lt; &gt;
 * &quot; &#39;; every byte that is not part of valid UTF-8, and every
 * control character but tab, line feed and carriage return (C0, DEL, C1),
 * becomes U+FFFD, so that the page stays valid UTF-8 whatever the input.
 * out must hold HTML_ESCAPE_MAX(len) + 1 bytes; it is NUL-terminated.
 * Returns the bytes written, the NUL not counted.
 */
size_t html_escape(const char *in, size_t len, char *out);

/* The most bytes url_escape writes for len bytes of input, its NUL not counted. */
#define URL_ESCAPE_MAX(len) ((len) * 3)

/*
 * Write in[0..len) to out percent-encoded for a URL's query value or path
 * segment: every byte but the unreserved A-Z a-z 0-9 - . _ ~ becomes %XX.
 * out must hold URL_ESCAPE_MAX(len) + 1 bytes; it is NUL-terminated.
 * Returns the bytes written, the NUL not counted.
 */
size_t url_escape(const char *in, size_t len, char *out);

#endif
