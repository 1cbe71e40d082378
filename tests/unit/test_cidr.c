/* test_cidr: IPv4 and IPv6 CIDR lists for trusted_proxies and metrics_allow. */
#include "config.h"

#include "lib/cidr.h"
#include "tap.h"

#define IN(list, addr) ok(cidr_list_contains((list), (addr)), "%s is in %s", (addr), (list))
#define OUT(list, addr) ok(!cidr_list_contains((list), (addr)), "%s is not in %s", (addr), (list))
#define VALID(list) ok(cidr_list_valid(list), "valid: '%s'", (list))
#define INVALID(list) ok(!cidr_list_valid(list), "invalid: '%s'", (list))

static void test_ipv4(void)
{
	IN("10.0.0.0/8", "10.1.2.3");
	IN("10.0.0.0/8", "10.0.0.0");
	IN("10.0.0.0/8", "10.255.255.255");
	OUT("10.0.0.0/8", "11.0.0.0");
	OUT("10.0.0.0/8", "9.255.255.255");
	IN("192.168.1.128/25", "192.168.1.200");
	OUT("192.168.1.128/25", "192.168.1.127");
	IN("172.16.0.0/12", "172.31.255.255");
	OUT("172.16.0.0/12", "172.32.0.0");
	IN("10.1.2.3/8", "10.200.0.1");		/* host bits in the network are ignored */
	IN("127.0.0.1", "127.0.0.1");		/* a bare address is a /32 */
	OUT("127.0.0.1", "127.0.0.2");
}

static void test_ipv6(void)
{
	IN("2001:db8::/32", "2001:db8::1");
	IN("2001:db8::/32", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
	OUT("2001:db8::/32", "2001:db9::1");
	IN("fe80::/10", "febf::1");
	OUT("fe80::/10", "fec0::1");
	IN("2001:DB8::/32", "2001:db8::abcd");	/* hex in either case */
	IN("::1", "::1");			/* a bare address is a /128 */
	OUT("::1", "::2");
	OUT("2001:db8::/32", "10.0.0.1");
	OUT("10.0.0.0/8", "2001:db8::1");
}

static void test_mapped(void)
{
	IN("10.0.0.0/8", "::ffff:10.1.2.3");
	IN("10.0.0.0/8", "::FFFF:10.1.2.3");
	OUT("10.0.0.0/8", "::ffff:11.1.2.3");
	IN("127.0.0.0/8, ::1/128", "::ffff:127.0.0.1");
	IN("::ffff:10.0.0.0/104", "10.9.8.7");	/* and an IPv4 address in a mapped range */
	OUT("10.0.0.0/8", "::10.1.2.3");	/* the deprecated IPv4-compatible form is not mapped */
}

static void test_edges(void)
{
	IN("0.0.0.0/0", "1.2.3.4");
	IN("0.0.0.0/0", "255.255.255.255");
	IN("0.0.0.0/0", "::ffff:8.8.8.8");
	OUT("0.0.0.0/0", "2001:db8::1");	/* /0 of IPv4 is every IPv4 address, no IPv6 */
	IN("::/0", "2001:db8::1");
	IN("::/0", "10.0.0.1");		/* every address, IPv4 ones included */
	IN("192.168.1.1/32", "192.168.1.1");
	OUT("192.168.1.1/32", "192.168.1.0");
	OUT("192.168.1.1/32", "192.168.1.2");
	IN("192.168.1.0/31", "192.168.1.1");
	OUT("192.168.1.0/31", "192.168.1.2");
	IN("2001:db8::5/128", "2001:db8::5");
	OUT("2001:db8::5/128", "2001:db8::4");
	OUT("2001:db8::5/128", "2001:db8::6");
	IN("2001:db8::/127", "2001:db8::");
	IN("2001:db8::/127", "2001:db8::1");
	OUT("2001:db8::/127", "2001:db8::2");
	IN("2001:db8::/1", "7fff::1");
	OUT("2001:db8::/1", "8000::1");
}

static void test_lists(void)
{
	const char *def = "127.0.0.0/8, ::1/128";
	const char *mixed = "10.0.0.0/8,192.168.0.0/16  2001:db8::/32\t::1";

	IN(def, "127.0.0.1");
	IN(def, "::1");
	OUT(def, "10.0.0.1");
	IN(mixed, "192.168.44.1");
	IN(mixed, "2001:db8::7");
	IN(mixed, "::1");
	IN(mixed, "10.0.0.1");
	OUT(mixed, "172.16.0.1");
	OUT("", "127.0.0.1");
	OUT(" , ,", "127.0.0.1");
}

static void test_bad(void)
{
	VALID("");
	VALID("10.0.0.0/8");
	VALID("10.0.0.0/8, ::1/128");
	VALID(" 10.0.0.0/8 ,, ::/0 ");
	VALID("0.0.0.0/0");
	VALID("1.2.3.4/32");
	VALID("::/128");
	INVALID("10.0.0.0/33");
	INVALID("::/129");
	INVALID("10.0.0.0/");
	INVALID("10.0.0.0/-1");
	INVALID("10.0.0.0/+8");
	INVALID("10.0.0.0/8x");
	INVALID("10.0.0.0/08.5");
	INVALID("10.0.0.256/8");
	INVALID("10.0.0/8");
	INVALID("localhost");
	INVALID("10.0.0.0/8, bogus");
	INVALID("10.0.0.0/8;192.168.0.0/16");
	INVALID("2001:db8:::1/64");
	INVALID("fe80::1%eth0");
	INVALID("/8");

	OUT("10.0.0.0/8", "not-an-address");
	OUT("10.0.0.0/8", "");
	OUT("10.0.0.0/8", "10.1.2.3/32");
	OUT("10.0.0.0/8", " 10.1.2.3");
	OUT("10.0.0.0/8", "10.1.2");
	OUT("bogus, 10.0.0.0/8", "10.1.2.3");	/* a bad list matches nothing past the bad item */
	ok(!cidr_list_contains(NULL, "10.1.2.3"), "a NULL list matches nothing");
	ok(!cidr_list_contains("10.0.0.0/8", NULL), "a NULL address is in nothing");
}

int main(void)
{
	test_ipv4();
	test_ipv6();
	test_mapped();
	test_edges();
	test_lists();
	test_bad();
	return done_testing();
}
