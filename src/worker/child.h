/* child: one command of hookgate-worker: started in its own process group, watched, timed out, summed up. */
#ifndef HG_WORKER_CHILD_H
#define HG_WORKER_CHILD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>
#include <json-c/json.h>

#include "lib/common.h"

/* After SIGTERM at the timeout, SIGKILL follows this much later (SPEC 10). */
#define CHILD_KILL_AFTER_S 10

struct child {
	pid_t pid;			/* also its process group; 0 once reaped */
	int out_fd;			/* read end of stdout + stderr; -1 once closed */
	unsigned char *ring;		/* the last output_max bytes of output */
	size_t ring_cap, ring_len, ring_start;
	struct timespec started;	/* CLOCK_MONOTONIC */
	long timeout_s;			/* 0: none */
	bool term_sent, kill_sent, timed_out;
	struct timespec term_at;
	int wait_status;		/* waitpid's, once reaped */
};

/*
 * Start argv[0] (execvp, no shell) in a new process group with stdin the
 * bytes input[0..len), stdout and stderr into one pipe, and env (a
 * NULL-terminated list of "NAME=value") added to the environment, from
 * which every other HOOKGATE_* variable is removed. Keeps
 * the last output_max bytes of output. False with err filled when it could
 * not start (the command not found is an exit status 127, not an error).
 */
bool child_start(struct child *c, char *const *argv, char *const *env, const char *input,
		 size_t len, size_t output_max, long timeout_s, char *err, size_t errlen) HG_MUSTCHECK;

/* Read what output is there, without blocking. */
void child_read(struct child *c);

/*
 * The timeout: SIGTERM to the whole group once timeout_s has passed, SIGKILL
 * CHILD_KILL_AFTER_S later. Returns the milliseconds until the next of
 * these is due (-1: none), for poll().
 */
long child_tick(struct child *c, const struct timespec *now);

/*
 * Reap the process when it has exited (then the rest of its output is
 * read and the pipe closed; the group's stragglers are killed). True once
 * it has been reaped.
 */
bool child_reap(struct child *c);

/* SIGKILL the whole group (a second stop signal), then reap it. */
void child_kill(struct child *c);

/*
 * The run's result {"exit_code","output","duration_ms"} (exit_code null when
 * a signal ended it) and, when it failed, its reason into reason ("" on
 * success): "exit status 3", "killed by signal 9", "timed out after 600 s".
 * A new object; NULL when out of memory.
 */
struct json_object *child_result(const struct child *c, const struct timespec *now,
				 char *reason, size_t reasonlen);

/* Release what c holds (the process must have been reaped or killed). */
void child_free(struct child *c);

#endif
