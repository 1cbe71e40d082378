/* serve: FastCGI requests on a listening socket, or one CGI request. */
#ifndef HG_SERVE_H
#define HG_SERVE_H

#include "lib/settings.h"

/*
 * Accept and answer FastCGI requests on listen_fd until SIGTERM/SIGINT
 * (the request in flight is finished first). Returns an exit status.
 */
int serve_fastcgi(int listen_fd, const struct hg_settings *s);

/* Answer the one CGI request described by the environment. Returns an exit status. */
int serve_cgi(const struct hg_settings *s);

/* Install a serving process's signal handlers (no SA_RESTART; they only set a flag). */
void serve_signals(void);

#endif
