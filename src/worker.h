/* worker: serve FastCGI requests on a listening socket, or one CGI request. */
#ifndef HG_WORKER_H
#define HG_WORKER_H

#include "settings.h"

/*
 * Accept and answer FastCGI requests on listen_fd until SIGTERM/SIGINT
 * (the request in flight is finished first). Returns an exit status.
 */
int worker_serve(int listen_fd, const struct hg_settings *s);

/* Answer the one CGI request described by the environment. Returns an exit status. */
int worker_cgi(const struct hg_settings *s);

/* Install the worker's signal handlers (no SA_RESTART; they only set a flag). */
void worker_signals(void);

#endif
