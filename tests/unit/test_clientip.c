/* test_clientip: REMOTE_ADDR, or X-Forwarded-For read from the right past trusted proxies (SPEC 5). */
#include "config.h"

#include <string.h>

#include "http/clientip.h"
#include "tap.h"

#define TRUSTED "127.0.0.0/8, 10.0.0.0/8, 2001:db8:ffff::/48"

static void check(const char *remote, const char *xff, const char *real_ip, const char *trusted,
		  const char *want)
{
	char out[64];

	memset(out, 'x', sizeof(out));
	client_ip_resolve(remote, xff, real_ip, trusted, out, sizeof(out));
	is_str(out, want, "remote %s, XFF '%s', X-Real-IP '%s', trusted '%s' -> %s",
	       remote ? remote : "(none)", xff ? xff : "(none)", real_ip ? real_ip : "(none)",
	       trusted, want);
}

int main(void)
{
	/* an untrusted peer is the client, whatever it sends */
	check("203.0.113.9", "198.51.100.1", "198.51.100.2", TRUSTED, "203.0.113.9");
	check("203.0.113.9", NULL, NULL, "", "203.0.113.9");
	check("127.0.0.1", "198.51.100.1", NULL, "", "127.0.0.1");	/* nothing trusted */
	check(NULL, "198.51.100.1", NULL, TRUSTED, "");

	/* from the right: the first address that is not a trusted proxy */
	check("127.0.0.1", "198.51.100.1", NULL, TRUSTED, "198.51.100.1");
	check("127.0.0.1", "198.51.100.1, 10.1.2.3", NULL, TRUSTED, "198.51.100.1");
	check("127.0.0.1", "203.0.113.5, 10.1.2.3, 127.0.0.1", NULL, TRUSTED, "203.0.113.5");
	/* a client that sends its own header cannot choose its address */
	check("127.0.0.1", "6.6.6.6, 198.51.100.1", NULL, TRUSTED, "198.51.100.1");
	check("127.0.0.1", "6.6.6.6, 198.51.100.1, 10.9.9.9", NULL, TRUSTED, "198.51.100.1");
	check("127.0.0.1", "10.0.0.1, 6.6.6.6, 198.51.100.1", NULL, TRUSTED, "198.51.100.1");
	/* trusted-only chains: the leftmost */
	check("127.0.0.1", "10.1.1.1, 10.2.2.2", NULL, TRUSTED, "10.1.1.1");
	check("127.0.0.1", "127.0.0.1", NULL, TRUSTED, "127.0.0.1");
	/* IPv6, blanks and empty items */
	check("::1", "2001:db8::7", NULL, "::1/128", "2001:db8::7");
	check("127.0.0.1", "  2001:db8::7 ,\t2001:db8:ffff::1  ", NULL, TRUSTED, "2001:db8::7");
	check("127.0.0.1", "198.51.100.1,, ,10.1.2.3,", NULL, TRUSTED, "198.51.100.1");
	/* an item that is not an address stops the walk at the last one passed */
	check("127.0.0.1", "not-an-ip", NULL, TRUSTED, "127.0.0.1");
	check("127.0.0.1", "198.51.100.1, unknown, 10.1.2.3", NULL, TRUSTED, "10.1.2.3");
	check("127.0.0.1", "198.51.100.1, 10.1.2.3:4711", NULL, TRUSTED, "127.0.0.1");
	check("127.0.0.1", "198.51.100.1, [2001:db8::1]", NULL, TRUSTED, "127.0.0.1");
	check("127.0.0.1", "1.2.3.4, 11111111111111111111111111111111111111111111111111111111111111111",
	      NULL, TRUSTED, "127.0.0.1");
	/* X-Real-IP only without X-Forwarded-For */
	check("127.0.0.1", NULL, "2001:db8::7", TRUSTED, "2001:db8::7");
	check("127.0.0.1", " , ", " 198.51.100.3 ", TRUSTED, "198.51.100.3");
	check("127.0.0.1", "198.51.100.1", "198.51.100.3", TRUSTED, "198.51.100.1");
	check("127.0.0.1", NULL, "198.51.100.3, 1.1.1.1", TRUSTED, "127.0.0.1");
	check("127.0.0.1", NULL, "garbage", TRUSTED, "127.0.0.1");
	/* an IPv4-mapped peer is inside IPv4 ranges */
	check("::ffff:127.0.0.1", "198.51.100.1", NULL, TRUSTED, "198.51.100.1");

	/* the answer never overflows out */
	{
		char small[8];

		client_ip_resolve("127.0.0.1", "2001:db8:1234:5678::9", NULL, TRUSTED, small,
				  sizeof(small));
		is_str(small, "2001:db", "cut to the buffer");
	}
	return done_testing();
}
