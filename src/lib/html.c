/* html: HTML text escaping, the only way a value reaches a console page, and percent-encoding for the values of its links. */
#include "config.h"

#include <string.h>

#include "lib/html.h"
#include "lib/util.h"

/* U+FFFD REPLACEMENT CHARACTER, for what cannot be shown as it is */
static const char replacement[] = "\xEF\xBF\xBD";

size_t html_escape(const char *in, size_t len, char *out)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, o = 0;

	while (i < len) {
		unsigned char c = s[i];
		const char *entity = NULL;
		size_t k;

		switch (c) {
		case '&': entity = "&amp;"; break;
		case '<': entity = "&lt;"; break;
		case '>': entity = "&gt;"; break;
		case '"': entity = "&quot;"; break;
		case '\'': entity = "&#39;"; break;
		default: break;
		}
		if (entity) {
			size_t n = strlen(entity);

			memcpy(out + o, entity, n);
			o += n;
			i++;
			continue;
		}
		if (c < 0x80) {
			if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) {
				memcpy(out + o, replacement, 3);
				o += 3;
			} else {
				out[o++] = (char)c;
			}
			i++;
			continue;
		}
		k = utf8_char_len(s + i, len - i);
		/* C1 controls (U+0080..U+009F) are C2 80..C2 9F */
		if (k == 0 || (k == 2 && c == 0xC2 && s[i + 1] < 0xA0)) {
			memcpy(out + o, replacement, 3);
			o += 3;
			i += k ? k : 1;
			continue;
		}
		memcpy(out + o, s + i, k);
		o += k;
		i += k;
	}
	out[o] = '\0';
	return o;
}

size_t url_escape(const char *in, size_t len, char *out)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return o;
}
