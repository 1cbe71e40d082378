/* loop: hookgate-worker's event loop: LISTEN, poll, claim, run, extend, finish, stop. */
#ifndef HG_WORKER_LOOP_H
#define HG_WORKER_LOOP_H

#include "lib/settings.h"
#include "worker/jobs.h"

struct worker_options {
	const char *config_path;	/* -c FILE, or NULL: for SIGHUP */
	char **exec_argv;		/* --exec COMMAND ARG..., or NULL: worker_command */
	const char *runtime;		/* --runtime, or NULL: worker_runtime */
};

/* How often the worker claims without a notification (SPEC 10). */
#define WORKER_POLL_S 30

/*
 * Run until SIGTERM/SIGINT (finish what runs, then return 0) or a second
 * such signal (hand the runs back, return 0). s is the loaded settings, and
 * is replaced on SIGHUP. Returns an exit status.
 */
int worker_loop(const struct worker_options *o, struct hg_settings *s, const struct runtime_ref *rt);

/* Split a worker_command value on blanks into a NULL-terminated argv (malloc'd; free both). */
char **worker_split_command(const char *command);

#endif
