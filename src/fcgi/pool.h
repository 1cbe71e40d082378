/* pool: a supervisor that pre-forks FastCGI workers on one listening socket. */
#ifndef HG_POOL_H
#define HG_POOL_H

#include "lib/settings.h"

struct pool_options {
	const char *listen;		/* "unix:PATH" or "tcp:HOST:PORT"; NULL: inherited fd */
	int listen_fd;			/* used when listen is NULL */
	int workers;
	int socket_mode;		/* for unix sockets, e.g. 0660 */
	int grace_s;			/* how long SIGTERM waits for in-flight requests */
	const char *config_path;	/* re-read on SIGHUP (NULL: default lookup) */
};

/* Open the listening socket named by spec; -1 with a message logged on failure. */
int pool_listen(const char *spec, int socket_mode);

/*
 * Run the supervisor until SIGTERM/SIGINT: keep opts->workers workers
 * alive, restart dead ones, forward SIGTERM and wait for them, reload the
 * settings on SIGHUP (new workers with the new settings, old ones finish
 * their requests). s is replaced on reload. Returns an exit status.
 */
int pool_run(const struct pool_options *opts, struct hg_settings *s);

#endif
