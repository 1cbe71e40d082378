/* clientip: the client address: REMOTE_ADDR, or X-Forwarded-For read from the right past trusted proxies. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "http/clientip.h"
#include "lib/cidr.h"

/* Longer than any textual IPv4 or IPv6 address (INET6_ADDRSTRLEN is 46). */
#define ADDR_MAX 64

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

/* s[0..len) trimmed into buf (ADDR_MAX bytes) when it is one address. */
static bool item_address(const char *s, size_t len, char buf[ADDR_MAX])
{
	while (len > 0 && blank(*s)) {
		s++;
		len--;
	}
	while (len > 0 && blank(s[len - 1]))
		len--;
	if (len == 0 || len >= ADDR_MAX)
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return ip_valid(buf);
}

/* Whether s[0..len) holds nothing but blanks. */
static bool all_blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!blank(s[i]))
			return false;
	return true;
}

void client_ip_resolve(const char *remote, const char *xff, const char *real_ip,
		       const char *trusted, char *out, size_t outlen)
{
	char addr[ADDR_MAX];
	const char *end;

	snprintf(out, outlen, "%s", remote ? remote : "");
	if (!remote || !trusted || !trusted[0] || !cidr_list_contains(trusted, remote))
		return;
	if (!xff || xff[strspn(xff, " \t,")] == '\0') {
		if (real_ip && item_address(real_ip, strlen(real_ip), addr))
			snprintf(out, outlen, "%s", addr);
		return;
	}
	end = xff + strlen(xff);
	while (end > xff) {
		const char *start = end;

		while (start > xff && start[-1] != ',')
			start--;
		if (!all_blank(start, (size_t)(end - start))) {
			if (!item_address(start, (size_t)(end - start), addr))
				return;		/* not an address: the last one passed stands */
			snprintf(out, outlen, "%s", addr);
			if (!cidr_list_contains(trusted, addr))
				return;		/* the first untrusted hop is the client */
		}
		end = start > xff ? start - 1 : xff;
	}
}
