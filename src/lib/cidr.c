/* cidr: parse CIDR lists and test addresses against them. */
#include "config.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cidr.h"

struct net {
	unsigned char addr[16];		/* IPv4 kept as IPv4-mapped IPv6 */
	int prefix;			/* in bits of the 128-bit form */
};

static const unsigned char v4mapped[12] = { 0,0,0,0, 0,0,0,0, 0,0,0xff,0xff };

static bool parse_addr(const char *s, unsigned char out[16], bool *is_v4)
{
	struct in_addr a4;

	if (inet_pton(AF_INET, s, &a4) == 1) {
		memcpy(out, v4mapped, 12);
		memcpy(out + 12, &a4, 4);
		*is_v4 = true;
		return true;
	}
	*is_v4 = false;
	return inet_pton(AF_INET6, s, out) == 1;
}

static bool parse_net(const char *s, size_t len, struct net *n)
{
	char buf[64];
	char *slash, *end;
	bool is_v4;
	long bits;

	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (!parse_addr(buf, n->addr, &is_v4))
		return false;
	if (!slash) {
		n->prefix = 128;
		return true;
	}
	if (slash[1] < '0' || slash[1] > '9')
		return false;
	bits = strtol(slash + 1, &end, 10);
	if (*end != '\0' || bits < 0 || bits > (is_v4 ? 32 : 128))
		return false;
	n->prefix = (int)bits + (is_v4 ? 96 : 0);
	return true;
}

static bool in_net(const struct net *n, const unsigned char a[16])
{
	int full = n->prefix / 8, rest = n->prefix % 8;

	if (memcmp(n->addr, a, (size_t)full) != 0)
		return false;
	if (rest) {
		unsigned char mask = (unsigned char)(0xff << (8 - rest));
		if ((n->addr[full] & mask) != (a[full] & mask))
			return false;
	}
	return true;
}

/* Calls fn for each item of list; stops and returns false at the first bad item. */
static bool each_net(const char *list, bool (*fn)(const struct net *, void *), void *arg)
{
	const char *p = list;

	while (*p) {
		struct net n;
		size_t len;

		p += strspn(p, ", \t");
		len = strcspn(p, ", \t");
		if (len == 0)
			break;
		if (!parse_net(p, len, &n))
			return false;
		if (fn && !fn(&n, arg))
			return true;
		p += len;
	}
	return true;
}

bool cidr_list_valid(const char *list)
{
	return each_net(list, NULL, NULL);
}

struct probe {
	unsigned char addr[16];
	bool found;
};

static bool probe_one(const struct net *n, void *arg)
{
	struct probe *pr = arg;

	if (in_net(n, pr->addr)) {
		pr->found = true;
		return false;
	}
	return true;
}

bool cidr_list_contains(const char *list, const char *addr)
{
	struct probe pr = { .found = false };
	bool is_v4;

	if (!list || !addr || !parse_addr(addr, pr.addr, &is_v4))
		return false;
	if (!each_net(list, probe_one, &pr))
		return false;
	return pr.found;
}

bool ip_valid(const char *addr)
{
	unsigned char a[16];
	bool is_v4;

	return addr && parse_addr(addr, a, &is_v4);
}
