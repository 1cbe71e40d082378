/* clientip: the client address of a request, behind trusted proxies or not (SPEC 5). */
#ifndef HG_CLIENTIP_H
#define HG_CLIENTIP_H

#include <stddef.h>

/*
 * The client address into out (outlen bytes; at least 1): remote
 * (REMOTE_ADDR, "" when NULL), unless remote is inside the CIDR list
 * trusted. Then the X-Forwarded-For value xff is read from the right,
 * skipping the addresses inside trusted: the first one that is not is the
 * client (each proxy appends the peer it saw, so only what trusted
 * proxies wrote is believed; a client cannot choose its address by
 * sending the header itself). When every address is trusted, the leftmost
 * is the client; an item that is not an address stops the walk at the
 * last address passed. Empty items are skipped. X-Real-IP (real_ip) only
 * when there is no X-Forwarded-For (absent or blank), and only when it is
 * one address.
 */
void client_ip_resolve(const char *remote, const char *xff, const char *real_ip,
		       const char *trusted, char *out, size_t outlen);

#endif
