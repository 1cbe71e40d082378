/* cidr: IPv4 and IPv6 CIDR lists, as used by trusted_proxies and metrics_allow. */
#ifndef HG_CIDR_H
#define HG_CIDR_H

#include <stdbool.h>

/* A list is CIDRs (or bare addresses) separated by commas and/or blanks. */
bool cidr_list_valid(const char *list);

/*
 * Whether addr (textual IPv4 or IPv6) is inside one of the list's ranges.
 * An IPv4-mapped IPv6 address (::ffff:a.b.c.d) also matches IPv4 ranges.
 */
bool cidr_list_contains(const char *list, const char *addr);

/* Whether addr is one textual IPv4 or IPv6 address. */
bool ip_valid(const char *addr);

#endif
