/*
 * loop: hookgate-worker's event loop. One thread: poll() over a signal
 * pipe, the database socket (LISTEN hookgate_run) and the commands' output
 * pipes; claims when notified, every WORKER_POLL_S seconds, and when a
 * deferred run becomes due; extends leases, finishes runs, and stops in
 * two steps (drain, then hand back).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cli.h"
#include "lib/log.h"
#include "worker/child.h"
#include "worker/loop.h"

#define MAX_SLOTS 64
#define BACKOFF_MAX_MS 30000
/*
 * A command is stopped this long before a lease it could not extend runs
 * out; a third of the lease when that is shorter, so that a short lease
 * still leaves a third of it between an extension due and the stop.
 */
#define LEASE_MARGIN_MS 2000

struct slot {
	bool busy;			/* a claimed run: its command runs, or its result waits to be sent */
	bool running;
	struct job job;
	struct child child;
	char *env[7];			/* the HOOKGATE_* of the command; owned */
	struct timespec next_extend, lease_until;
	struct json_object *result;	/* once the command ended: to send */
	char reason[96];
};

struct loop {
	const struct worker_options *o;
	struct hg_settings *s;
	const struct runtime_ref *rt;
	char **argv;			/* the command: o->exec_argv or split worker_command */
	char **split;			/* owned when split from worker_command */
	struct slot slots[MAX_SLOTS];
	unsigned listening_on;		/* store generation LISTEN was sent on */
	bool db_down;
	long backoff_ms;
	struct timespec retry_at, next_poll, next_seen, deferred_at;
	bool deferred, want_claim;
};

static int sig_pipe[2] = { -1, -1 };
static volatile sig_atomic_t stops, hup;

static void on_signal(int sig)
{
	int saved = errno;
	char c = (char)sig;

	if (sig == SIGTERM || sig == SIGINT)
		stops++;
	else if (sig == SIGHUP)
		hup = 1;
	(void)!write(sig_pipe[1], &c, 1);
	errno = saved;
}

static bool install_signals(void)
{
	static const int handled[] = { SIGTERM, SIGINT, SIGHUP, SIGCHLD };
	struct sigaction sa;

	if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
		return false;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;		/* no SA_RESTART: poll() must return */
	for (size_t i = 0; i < HG_ARRAY_LEN(handled); i++)
		sigaction(handled[i], &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	return true;
}

static void now(struct timespec *t)
{
	clock_gettime(CLOCK_MONOTONIC, t);
}

static void add_ms(struct timespec *t, long ms)
{
	t->tv_sec += ms / 1000;
	t->tv_nsec += (ms % 1000) * 1000000L;
	if (t->tv_nsec >= 1000000000L) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000L;
	}
}

/* Milliseconds from a to b (negative when b is earlier). */
static long ms_until(const struct timespec *a, const struct timespec *b)
{
	return (long)((b->tv_sec - a->tv_sec) * 1000 + (b->tv_nsec - a->tv_nsec) / 1000000);
}

static bool due(const struct timespec *t, const struct timespec *at)
{
	return ms_until(t, at) <= 0;
}

static void wait_at_most(long *timeout, const struct timespec *t, const struct timespec *at)
{
	long ms = ms_until(t, at);

	if (ms < 0)
		ms = 0;
	if (*timeout < 0 || ms < *timeout)
		*timeout = ms;
}

char **worker_split_command(const char *command)
{
	size_t n = 0, len = strlen(command);
	char *copy = strdup(command), **argv = calloc(len / 2 + 2, sizeof(char *));
	char *save = NULL;

	if (!copy || !argv) {
		free(copy);
		free(argv);
		return NULL;
	}
	for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
		argv[n++] = w;
	argv[n] = NULL;
	if (n == 0)
		free(copy);
	return argv;
}

static void free_split(char **argv)
{
	if (argv)
		free(argv[0]);
	free(argv);
}

/* Events and ids in a log line: printable ASCII only (a payload chose the event). */
static void loggable(const char *in, char *out, size_t outlen)
{
	size_t i = 0;

	for (; in[i] && i + 1 < outlen; i++)
		out[i] = in[i] >= 0x20 && in[i] < 0x7f ? in[i] : '?';
	out[i] = '\0';
}

/* ---------------------------------------------------------------- database */

/* An unreachable database: log it once, then retry with growing pauses. */
static void db_failed(struct loop *l, const struct timespec *t)
{
	if (!l->db_down)
		log_warn("database unreachable (%s); retrying with backoff", store_last_error());
	l->db_down = true;
	l->backoff_ms = l->backoff_ms ? l->backoff_ms * 2 : 500;
	if (l->backoff_ms > BACKOFF_MAX_MS)
		l->backoff_ms = BACKOFF_MAX_MS;
	l->retry_at = *t;
	add_ms(&l->retry_at, l->backoff_ms);
}

static void db_ok(struct loop *l)
{
	if (l->db_down)
		log_info("database reachable again");
	l->db_down = false;
	l->backoff_ms = 0;
}

/* Whether rc says the database answered; on UNAVAILABLE the backoff starts. */
static bool answered(struct loop *l, enum store_rc rc, const struct timespec *t)
{
	if (rc == STORE_UNAVAILABLE) {
		db_failed(l, t);
		return false;
	}
	db_ok(l);
	return true;
}

/* LISTEN on every new connection; a notification missed while away is made up by a claim. */
static bool ensure_listening(struct loop *l, const struct timespec *t)
{
	PGconn *conn;
	PGresult *res;
	bool ok;

	if (l->listening_on && l->listening_on == store_generation())
		return true;
	conn = store_connection();
	if (!conn) {
		db_failed(l, t);
		return false;
	}
	res = PQexec(conn, "LISTEN hookgate_run");
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	PQclear(res);
	if (!ok) {
		log_warn("LISTEN hookgate_run failed: %s; polling every %d s", PQerrorMessage(conn),
			 WORKER_POLL_S);
		store_close();
		db_failed(l, t);
		return false;
	}
	l->listening_on = store_generation();
	l->want_claim = true;
	db_ok(l);
	return true;
}

/* Read what the server sent; a notification asks for a claim. */
static void take_notifications(struct loop *l)
{
	PGconn *conn = store_generation() ? store_connection() : NULL;
	PGnotify *n;

	if (!conn)
		return;
	if (!PQconsumeInput(conn)) {
		store_close();
		l->listening_on = 0;
		return;
	}
	while ((n = PQnotifies(conn))) {
		l->want_claim = true;
		PQfreemem(n);
	}
}

/* ---------------------------------------------------------------- runs */

static void slot_clear(struct slot *sl)
{
	child_free(&sl->child);
	job_free(&sl->job);
	for (size_t i = 0; i < HG_ARRAY_LEN(sl->env); i++) {
		free(sl->env[i]);
		sl->env[i] = NULL;
	}
	json_object_put(sl->result);
	sl->result = NULL;
	sl->busy = sl->running = false;
}

static char *env_var(const char *name, const char *value)
{
	size_t n = strlen(name) + strlen(value) + 2;
	char *v = malloc(n);

	if (v)
		snprintf(v, n, "%s=%s", name, value);
	return v;
}

static bool start_command(struct loop *l, struct slot *sl, const struct timespec *t)
{
	char attempt[24], err[256];
	const struct job *j = &sl->job;

	snprintf(attempt, sizeof(attempt), "%ld", j->attempt);
	sl->env[0] = env_var("HOOKGATE_RUN_ID", j->run_id);
	sl->env[1] = env_var("HOOKGATE_DELIVERY_ID", j->delivery_id);
	sl->env[2] = env_var("HOOKGATE_AUTOPILOT_ID", j->autopilot_id);
	sl->env[3] = env_var("HOOKGATE_TRIGGER_ID", j->trigger_id);
	sl->env[4] = env_var("HOOKGATE_EVENT", j->event);
	sl->env[5] = env_var("HOOKGATE_ATTEMPT", attempt);
	sl->env[6] = NULL;
	for (int i = 0; i < 6; i++) {
		if (!sl->env[i]) {
			snprintf(err, sizeof(err), "out of memory");
			goto fail;
		}
	}
	if (!child_start(&sl->child, l->argv, sl->env, j->payload, j->payload_len,
			 (size_t)l->s->worker_output_max_bytes, l->s->worker_timeout_s, err, sizeof(err)))
		goto fail;
	sl->running = true;
	sl->next_extend = *t;
	add_ms(&sl->next_extend, l->s->worker_lease_s * 1000 / 3);
	sl->lease_until = *t;
	add_ms(&sl->lease_until, l->s->worker_lease_s * 1000);
	return true;
fail:
	log_error("run %s: cannot start the command: %s; handing the run back", j->run_id, err);
	return false;
}

static int free_slots(const struct loop *l)
{
	int n = 0;

	for (long i = 0; i < l->s->worker_concurrency; i++)
		n += !l->slots[i].busy;
	return n;
}

/* Claim runs while there are free slots and something may be waiting. */
static void claim(struct loop *l, const struct timespec *t)
{
	const char *autopilot = l->s->worker_autopilot[0] ? l->s->worker_autopilot : NULL;
	int free = free_slots(l);

	while (l->want_claim && free > 0 && !stops) {
		struct slot *sl = NULL;
		long next_in_ms = -1;
		enum store_rc rc;

		for (long i = 0; i < l->s->worker_concurrency && !sl; i++)
			if (!l->slots[i].busy)
				sl = &l->slots[i];
		rc = jobs_claim(l->rt, autopilot, l->s->worker_lease_s, l->s->max_run_attempts,
				&sl->job, &next_in_ms);
		if (!answered(l, rc, t))
			return;
		if (rc == STORE_NOT_FOUND) {
			l->want_claim = false;
			l->deferred = next_in_ms >= 0;
			if (l->deferred) {
				l->deferred_at = *t;
				add_ms(&l->deferred_at, next_in_ms);
			}
			return;
		}
		if (rc != STORE_OK) {
			log_error("claim failed: %s", store_last_error());
			l->want_claim = false;
			return;
		}
		sl->busy = true;
		if (!start_command(l, sl, t)) {
			if (jobs_release(l->rt, &sl->job) != STORE_OK)
				log_warn("run %s: could not hand it back; it returns after its lease",
					 sl->job.run_id);
			slot_clear(sl);
			return;
		}
		free--;
	}
}

/* Send a finished run's result; kept for another try while the database is away. */
static void finish(struct loop *l, struct slot *sl, const struct timespec *t)
{
	char event[128], id[40];
	struct json_object *duration = NULL;
	enum store_rc rc;

	rc = jobs_finish(l->rt, &sl->job, sl->result, sl->reason[0] ? sl->reason : NULL);
	if (!answered(l, rc, t))
		return;
	loggable(sl->job.event, event, sizeof(event));
	loggable(sl->job.run_id, id, sizeof(id));
	json_object_object_get_ex(sl->result, "duration_ms", &duration);
	if (rc == STORE_NOT_FOUND)
		log_warn("run %s: no longer held by this runtime (its lease ran out): result dropped", id);
	else if (rc != STORE_OK)
		log_error("run %s: could not record its result: %s", id, store_last_error());
	else
		log_info("run %s event %s %s duration %lld ms", id, event,
			 sl->reason[0] ? sl->reason : "exit status 0",
			 (long long)json_object_get_int64(duration));
	slot_clear(sl);
	l->want_claim = true;		/* a slot is free: more may be waiting */
}

/* Keep the lease while the command runs; stop the command before a lease it could not keep runs out. */
static void extend(struct loop *l, struct slot *sl, const struct timespec *t)
{
	struct timespec last_safe = sl->lease_until;
	long margin_ms = l->s->worker_lease_s * 1000 / 3;
	enum store_rc rc;

	add_ms(&last_safe, -(margin_ms < LEASE_MARGIN_MS ? margin_ms : LEASE_MARGIN_MS));
	if (due(t, &last_safe)) {
		log_warn("run %s: its lease could not be extended (database unreachable): command stopped; "
			 "the run will be claimed again", sl->job.run_id);
		child_kill(&sl->child);
		slot_clear(sl);
		return;
	}
	if (!due(t, &sl->next_extend) || l->db_down)
		return;
	rc = jobs_extend(l->rt, &sl->job, l->s->worker_lease_s);
	if (!answered(l, rc, t))
		return;
	if (rc == STORE_NOT_FOUND) {
		log_warn("run %s: the lease is no longer ours: command stopped", sl->job.run_id);
		child_kill(&sl->child);
		slot_clear(sl);
		return;
	}
	sl->next_extend = *t;
	add_ms(&sl->next_extend, l->s->worker_lease_s * 1000 / 3);
	if (rc == STORE_OK) {
		sl->lease_until = *t;
		add_ms(&sl->lease_until, l->s->worker_lease_s * 1000);
	}
}

/* Watch one busy slot: output, timeout, exit, lease, result; *timeout shrinks to what it waits for. */
static void tend(struct loop *l, struct slot *sl, const struct timespec *t, long *timeout)
{
	if (sl->running) {
		long tick;

		child_read(&sl->child);
		tick = child_tick(&sl->child, t);
		if (tick >= 0 && (*timeout < 0 || tick < *timeout))
			*timeout = tick;
		if (child_reap(&sl->child)) {
			sl->running = false;
			sl->result = child_result(&sl->child, t, sl->reason, sizeof(sl->reason));
			if (!sl->result) {
				log_error("run %s: out of memory for its result", sl->job.run_id);
				slot_clear(sl);
				return;
			}
		} else {
			extend(l, sl, t);
			if (sl->busy)
				wait_at_most(timeout, t, &sl->next_extend);
			return;
		}
	}
	if (sl->busy && !l->db_down)
		finish(l, sl, t);
}

/* ---------------------------------------------------------------- settings */

static void use_command(struct loop *l)
{
	free_split(l->split);
	l->split = NULL;
	if (l->o->exec_argv) {
		l->argv = l->o->exec_argv;
		return;
	}
	l->split = worker_split_command(l->s->worker_command);
	l->argv = l->split;
}

static void reload(struct loop *l)
{
	struct hg_settings fresh;
	bool new_db;

	if (!cli_reload(&fresh, l->o->config_path))
		return;
	if (!l->o->exec_argv && !fresh.worker_command[0]) {
		log_error("reload refused: worker_command is empty");
		settings_free(&fresh);
		return;
	}
	if (strcmp(fresh.worker_runtime, l->s->worker_runtime) != 0 && !l->o->runtime)
		log_warn("worker_runtime changed: it takes effect at the next start");
	new_db = strcmp(fresh.database_url, l->s->database_url) != 0;
	settings_free(l->s);
	*l->s = fresh;
	if (l->s->worker_concurrency < 1)
		l->s->worker_concurrency = 1;
	log_set_level(l->s->log_level);
	use_command(l);
	if (new_db) {
		store_close();
		l->listening_on = 0;
	}
	log_info("settings reloaded");
}

/* ---------------------------------------------------------------- the loop */

static int busy_count(const struct loop *l)
{
	int n = 0;

	for (int i = 0; i < MAX_SLOTS; i++)
		n += l->slots[i].busy;
	return n;
}

static int running_count(const struct loop *l)
{
	int n = 0;

	for (int i = 0; i < MAX_SLOTS; i++)
		n += l->slots[i].running;
	return n;
}

/* The second stop signal: every command ends now and its run goes back to pending. */
static void hand_back(struct loop *l)
{
	for (int i = 0; i < MAX_SLOTS; i++) {
		struct slot *sl = &l->slots[i];

		if (!sl->busy)
			continue;
		if (sl->running)
			child_kill(&sl->child);
		if (jobs_release(l->rt, &sl->job) == STORE_OK)
			log_info("run %s handed back", sl->job.run_id);
		else
			log_warn("run %s: could not hand it back; it returns after its lease",
				 sl->job.run_id);
		slot_clear(sl);
	}
}

static void periodic(struct loop *l, const struct timespec *t)
{
	long seen_ms = l->s->runtime_offline_after * 1000 / 3;

	if (due(t, &l->next_seen)) {
		if (answered(l, jobs_runtime_seen(l->rt), t)) {
			l->next_seen = *t;
			add_ms(&l->next_seen, seen_ms > 1000 ? seen_ms : 1000);
		}
	}
	if (due(t, &l->next_poll)) {
		l->want_claim = true;
		l->next_poll = *t;
		add_ms(&l->next_poll, WORKER_POLL_S * 1000L);
	}
	if (l->deferred && due(t, &l->deferred_at)) {
		l->deferred = false;
		l->want_claim = true;
	}
}

static void drain_sig_pipe(void)
{
	char buf[64];

	while (read(sig_pipe[0], buf, sizeof(buf)) > 0)
		;
}

int worker_loop(const struct worker_options *o, struct hg_settings *s, const struct runtime_ref *rt)
{
	struct loop l = { .o = o, .s = s, .rt = rt };
	bool said_stopping = false;
	struct timespec t, stop_at = { 0, 0 };

	if (!install_signals()) {
		log_error("cannot set up signal handling: %s", strerror(errno));
		return 1;
	}
	use_command(&l);
	if (!l.argv || !l.argv[0]) {
		log_error("no command: give --exec COMMAND or set worker_command");
		free_split(l.split);
		return 2;
	}
	for (int i = 0; i < MAX_SLOTS; i++)
		l.slots[i].child.out_fd = -1;
	now(&t);
	l.next_poll = l.next_seen = t;
	log_info("worker started: runtime %s, %ld at once, command %s", rt->id,
		 s->worker_concurrency, l.argv[0]);
	for (;;) {
		struct pollfd fds[2 + MAX_SLOTS];
		int nfds = 0;
		long timeout = 5000;

		now(&t);
		if (stops >= 2) {
			hand_back(&l);
			break;
		}
		if (stops == 1 && !said_stopping) {
			said_stopping = true;
			stop_at = t;
			log_info("stopping: no new claims; waiting for %d running command(s)", busy_count(&l));
		}
		if (hup) {
			hup = 0;
			reload(&l);
		}
		if (stops && busy_count(&l) == 0)
			break;
		if (stops && l.db_down && running_count(&l) == 0 &&
		    ms_until(&stop_at, &t) > l.s->worker_lease_s * 1000) {
			log_warn("stopping with results unsent (database unreachable): their runs "
				 "will be claimed again after their lease");
			break;
		}
		if (!l.db_down || due(&t, &l.retry_at)) {
			if (ensure_listening(&l, &t)) {
				take_notifications(&l);
				periodic(&l, &t);
				if (!stops)
					claim(&l, &t);
			}
		}
		for (int i = 0; i < MAX_SLOTS; i++)
			if (l.slots[i].busy)
				tend(&l, &l.slots[i], &t, &timeout);

		fds[nfds++] = (struct pollfd){ .fd = sig_pipe[0], .events = POLLIN };
		if (store_generation() && store_connection())
			fds[nfds++] = (struct pollfd){ .fd = PQsocket(store_connection()), .events = POLLIN };
		for (int i = 0; i < MAX_SLOTS; i++)
			if (l.slots[i].running && l.slots[i].child.out_fd >= 0)
				fds[nfds++] = (struct pollfd){ .fd = l.slots[i].child.out_fd, .events = POLLIN };
		if (l.want_claim && !stops && !l.db_down && free_slots(&l) > 0)
			timeout = 0;
		wait_at_most(&timeout, &t, &l.next_poll);
		wait_at_most(&timeout, &t, &l.next_seen);
		if (l.deferred)
			wait_at_most(&timeout, &t, &l.deferred_at);
		if (l.db_down)
			wait_at_most(&timeout, &t, &l.retry_at);
		if (poll(fds, (nfds_t)nfds, (int)timeout) < 0 && errno != EINTR) {
			log_error("poll: %s", strerror(errno));
			break;
		}
		drain_sig_pipe();
	}
	for (int i = 0; i < MAX_SLOTS; i++)
		slot_clear(&l.slots[i]);
	free_split(l.split);
	log_info("worker stopped");
	return 0;
}
