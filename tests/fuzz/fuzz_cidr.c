/*
 * fuzz_cidr: CIDR lists (trusted_proxies, metrics_allow) and addresses,
 * against a second reading of the same rules written here: items split on
 * commas and blanks, "ADDR" or "ADDR/BITS" (decimal digits only, at most
 * 32 or 128; an item of 64 bytes or more is refused, as no address with
 * its prefix is that long), and an address inside a range when its first BITS bits,
 * compared one bit at a time, are the range's (IPv4 as IPv4-mapped IPv6).
 * Input: the list, a newline, the address.
 */
#include "config.h"

#include <arpa/inet.h>

#include "fuzz.h"
#include "lib/cidr.h"

/* The 128-bit form of s: IPv4 mapped into IPv6. */
static bool addr16(const char *s, unsigned char out[16], bool *v4)
{
	unsigned char a4[4];

	*v4 = inet_pton(AF_INET, s, a4) == 1;
	if (*v4) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, a4, 4);
		return true;
	}
	return inet_pton(AF_INET6, s, out) == 1;
}

static int bit(const unsigned char *a, int i)
{
	return (a[i / 8] >> (7 - i % 8)) & 1;
}

/* -1: the item is malformed; else whether addr is inside it. */
static int item_contains(const char *item, size_t len, const unsigned char addr[16])
{
	char buf[128];
	unsigned char net[16];
	char *slash;
	long bits;
	bool v4;

	if (len >= 64)
		return -1;
	memcpy(buf, item, len);
	buf[len] = '\0';
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	if (!addr16(buf, net, &v4))
		return -1;
	if (!slash) {
		bits = 128;
	} else {
		if (!*slash)
			return -1;
		bits = 0;
		for (const char *d = slash; *d; d++) {
			if (*d < '0' || *d > '9')
				return -1;
			bits = bits * 10 + (*d - '0');
			if (bits > 128)
				return -1;
		}
		if (bits > (v4 ? 32 : 128))
			return -1;
		if (v4)
			bits += 96;
	}
	if (!addr)
		return 0;
	for (int i = 0; i < bits; i++)
		if (bit(net, i) != bit(addr, i))
			return 0;
	return 1;
}

/* -1: the list is malformed; else whether addr (NULL: none) is in it. */
static int list_contains(const char *list, const unsigned char *addr)
{
	const char *p = list;
	int found = 0;

	for (;;) {
		size_t len;
		int in;

		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		if (!*p)
			return found;
		len = strcspn(p, ", \t");
		in = item_contains(p, len, addr);
		if (in < 0)
			return found ? 1 : -1;	/* cidr_list_contains stops at the first match */
		found |= in;
		p += len;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };
	char *list = fz_field(&f, '\n', NULL), *addr = fz_field(&f, '\n', NULL);
	unsigned char a[16];
	bool v4, valid = cidr_list_valid(list), addr_ok = addr16(addr, a, &v4);
	int want = list_contains(list, addr_ok ? a : NULL);
	bool in = cidr_list_contains(list, addr);

	/* valid exactly when every item is (a list that matched early still had to be read whole) */
	PROPERTY(valid == (list_contains(list, NULL) >= 0), "list '%s': valid %d", list, valid);
	PROPERTY(ip_valid(addr) == addr_ok, "address '%s'", addr);
	if (!addr_ok) {
		PROPERTY(!in, "'%s' is no address but is in '%s'", addr, list);
	} else if (valid) {
		PROPERTY(in == (want == 1), "'%s' in '%s': %d, want %d", addr, list, in, want);
		/* an address is inside its own /32 or /128 */
		PROPERTY(cidr_list_contains(addr, addr), "'%s' not in itself", addr);
		if (v4) {
			char mapped[64];

			snprintf(mapped, sizeof(mapped), "::ffff:%s", addr);
			PROPERTY(cidr_list_contains(list, mapped) == in,
				 "'%s' and '%s' differ for '%s'", addr, mapped, list);
		}
	} else {
		/* a malformed list may still answer a match found before the bad item */
		PROPERTY(!in || want == 1, "'%s' in malformed '%s'", addr, list);
	}
	free(addr);
	free(list);
	return 0;
}
