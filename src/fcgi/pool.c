/*
 * pool: the supervisor. It owns the listening socket and the workers; it
 * never touches the database, so a worker's connection is always its own.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/cli.h"
#include "lib/log.h"
#include "fcgi/pool.h"
#include "fcgi/serve.h"
#include "http/shm.h"

#define MAX_CHILDREN 512

struct child {
	pid_t pid;
	int generation;
	time_t started;
};

static struct child children[MAX_CHILDREN];
static volatile sig_atomic_t got_term, got_hup, got_chld, got_alrm;
static char unix_path[sizeof(((struct sockaddr_un *)0)->sun_path)];

static void on_signal(int sig)
{
	if (sig == SIGTERM || sig == SIGINT)
		got_term = 1;
	else if (sig == SIGHUP)
		got_hup = 1;
	else if (sig == SIGCHLD)
		got_chld = 1;
	else if (sig == SIGALRM)
		got_alrm = 1;
}

static int listen_unix(const char *path, int mode)
{
	struct sockaddr_un sa;
	struct stat st;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_error("listen: socket path too long: %s", path);
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	/* a socket left by a dead pool is replaced; a live one, or any other file, is not */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			log_error("listen: %s exists and is not a socket", path);
			close(fd);
			return -1;
		}
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			log_error("listen: %s is in use by a running server", path);
			close(fd);
			return -1;
		}
		close(fd);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			goto fail;
		unlink(path);
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		goto fail;
	if (chmod(path, (mode_t)mode) != 0)
		goto fail;
	if (listen(fd, 128) != 0)
		goto fail;
	snprintf(unix_path, sizeof(unix_path), "%s", path);
	return fd;
fail:
	log_error("listen on unix:%s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

static int listen_tcp(const char *hostport)
{
	char host[256];
	const char *colon = strrchr(hostport, ':');
	struct addrinfo hints, *ai = NULL, *p;
	int fd = -1, one = 1, rc;
	size_t hlen;

	if (!colon || colon == hostport || !colon[1]) {
		log_error("listen: expected tcp:HOST:PORT, got tcp:%s", hostport);
		return -1;
	}
	hlen = (size_t)(colon - hostport);
	if (hlen >= sizeof(host))
		hlen = sizeof(host) - 1;
	memcpy(host, hostport, hlen);
	host[hlen] = '\0';
	if (host[0] == '[' && hlen > 2 && host[hlen - 1] == ']') {
		memmove(host, host + 1, hlen - 2);
		host[hlen - 2] = '\0';
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	rc = getaddrinfo(host, colon + 1, &hints, &ai);
	if (rc != 0) {
		log_error("listen on tcp:%s: %s", hostport, gai_strerror(rc));
		return -1;
	}
	for (p = ai; p; p = p->ai_next) {
		fd = socket(p->ai_family, p->ai_socktype | SOCK_CLOEXEC, p->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, p->ai_addr, p->ai_addrlen) == 0 && listen(fd, 128) == 0)
			break;
		close(fd);
		fd = -1;
	}
	if (fd < 0)
		log_error("listen on tcp:%s: %s", hostport, strerror(errno));
	freeaddrinfo(ai);
	return fd;
}

int pool_listen(const char *spec, int socket_mode)
{
	if (strncmp(spec, "unix:", 5) == 0)
		return listen_unix(spec + 5, socket_mode);
	if (strncmp(spec, "tcp:", 4) == 0)
		return listen_tcp(spec + 4);
	log_error("listen: expected unix:PATH or tcp:HOST:PORT, got %s", spec);
	return -1;
}

/*
 * Whether the workers will be able to map the shared segment name: the
 * supervisor maps it once (creating it) and lets go; each worker maps its
 * own after fork. False, logged, when it cannot be (SPEC 5).
 */
static bool shm_check(const char *name)
{
	char err[512];

	if (!shm_attach(name, err, sizeof(err))) {
		log_error("%s", err);
		return false;
	}
	shm_detach();
	return true;
}

static pid_t spawn(int listen_fd, const struct hg_settings *s, int generation)
{
	pid_t parent = getpid();
	int slot = -1;
	pid_t pid;

	for (int i = 0; i < MAX_CHILDREN && slot < 0; i++)
		if (children[i].pid == 0)
			slot = i;
	if (slot < 0) {
		log_error("no room for another worker: %d processes are still running", MAX_CHILDREN);
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		log_error("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		sigset_t none;

		/* the worker stops with its supervisor, however that one ends */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(0);
		serve_signals();
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		_exit(serve_fastcgi(listen_fd, s));
	}
	children[slot] = (struct child){ pid, generation, time(NULL) };
	return pid;
}

/* Live workers of generation (every generation when it is negative). */
static int count_generation(int generation)
{
	int n = 0;

	for (int i = 0; i < MAX_CHILDREN; i++)
		if (children[i].pid && (generation < 0 || children[i].generation == generation))
			n++;
	return n;
}

static void signal_generation(int generation, int sig)
{
	for (int i = 0; i < MAX_CHILDREN; i++)
		if (children[i].pid && (generation < 0 || children[i].generation == generation))
			kill(children[i].pid, sig);
}

/* Reap exited workers; returns how many died within a second of their start. */
static int reap(int generation)
{
	int quick = 0, status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (int i = 0; i < MAX_CHILDREN; i++) {
			if (children[i].pid != pid)
				continue;
			if (children[i].generation == generation && !got_term) {
				if (WIFSIGNALED(status))
					log_warn("worker %ld killed by signal %d; restarting",
						 (long)pid, WTERMSIG(status));
				else
					log_warn("worker %ld exited with status %d; restarting",
						 (long)pid, WEXITSTATUS(status));
				if (time(NULL) - children[i].started < 1)
					quick++;
			}
			children[i].pid = 0;
			break;
		}
	}
	return quick;
}

/* The supervisor's handlers (flags only) and its blocked set; *old gets the mask before. */
static void supervisor_signals(sigset_t *block, sigset_t *old)
{
	static const int handled[] = { SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGALRM };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigemptyset(block);
	for (size_t i = 0; i < HG_ARRAY_LEN(handled); i++) {
		sigaction(handled[i], &sa, NULL);
		sigaddset(block, handled[i]);
	}
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigprocmask(SIG_BLOCK, block, old);
}

/*
 * SIGHUP: read the settings again; on success the workers of this
 * generation finish their request and exit, and the next generation starts.
 * A new shm_name that cannot be mapped refuses the reload (SPEC 5).
 */
static void reload(const struct pool_options *opts, struct hg_settings *s, int *generation)
{
	struct hg_settings fresh;

	if (!cli_reload(&fresh, opts->config_path))
		return;
	if (strcmp(fresh.shm_name, s->shm_name) != 0 && !shm_check(fresh.shm_name)) {
		log_error("reload refused, keeping the running settings");
		settings_free(&fresh);
		return;
	}
	settings_free(s);
	*s = fresh;
	log_set_level(s->log_level);
	signal_generation(*generation, SIGTERM);
	(*generation)++;
	alarm((unsigned)(opts->grace_s > 0 ? opts->grace_s : 1));
	log_info("settings reloaded");
}

/* SIGALRM after a reload: workers of older settings still busy after the grace period. */
static void kill_old_generations(int generation, int grace_s)
{
	for (int i = 0; i < MAX_CHILDREN; i++) {
		if (children[i].pid && children[i].generation < generation) {
			log_warn("killing worker %ld of the old settings, still busy after %d s",
				 (long)children[i].pid, grace_s);
			kill(children[i].pid, SIGKILL);
		}
	}
}

/* SIGTERM every worker, wait up to grace_s for requests in flight, then SIGKILL the rest. */
static void stop_workers(int grace_s)
{
	time_t deadline = time(NULL) + grace_s;

	log_info("stopping: waiting up to %d s for requests in flight", grace_s);
	signal_generation(-1, SIGTERM);
	while (count_generation(-1) > 0) {
		struct timespec tick = { 0, 50 * 1000 * 1000 };
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);

		if (pid > 0) {
			for (int i = 0; i < MAX_CHILDREN; i++)
				if (children[i].pid == pid)
					children[i].pid = 0;
			continue;
		}
		if (pid < 0 && errno == ECHILD)
			break;
		if (time(NULL) >= deadline) {
			log_warn("workers still busy after %d s: killing them", grace_s);
			signal_generation(-1, SIGKILL);
			deadline = time(NULL) + 5;
		}
		nanosleep(&tick, NULL);
	}
}

int pool_run(const struct pool_options *opts, struct hg_settings *s)
{
	sigset_t block, old;
	int fd = opts->listen_fd, generation = 0;

	if (opts->workers < 1 || opts->workers > MAX_CHILDREN / 2) {
		log_error("--workers must be between 1 and %d", MAX_CHILDREN / 2);
		return 2;
	}
	/* a segment the workers could not map is a startup error, before any fork */
	if (!shm_check(s->shm_name))
		return 1;
	if (opts->listen) {
		fd = pool_listen(opts->listen, opts->socket_mode);
		if (fd < 0)
			return 1;
	}
	/* workers inherit the socket; only the supervisor closes it */
	fcntl(fd, F_SETFD, 0);
	supervisor_signals(&block, &old);

	log_info("pool started: %d workers on %s", opts->workers,
		 opts->listen ? opts->listen : "inherited socket");
	while (!got_term) {
		if (got_chld) {
			got_chld = 0;
			if (reap(generation) > 0) {
				/* crashing at start: do not fork in a tight loop */
				sigprocmask(SIG_SETMASK, &old, NULL);
				sleep(1);
				sigprocmask(SIG_BLOCK, &block, NULL);
			}
			/* signals that came during the pause are handled before waiting again */
			continue;
		}
		if (got_hup) {
			got_hup = 0;
			reload(opts, s, &generation);
			continue;
		}
		if (got_alrm) {
			got_alrm = 0;
			kill_old_generations(generation, opts->grace_s);
			continue;
		}
		while (count_generation(generation) < opts->workers && !got_term)
			if (spawn(fd, s, generation) < 0)
				break;
		sigsuspend(&old);
	}

	sigprocmask(SIG_SETMASK, &old, NULL);
	stop_workers(opts->grace_s);
	if (unix_path[0])
		unlink(unix_path);
	close(fd);
	/* the pool owns its counters and cells: a new pool starts from zero */
	if (shm_unlink(s->shm_name) != 0 && errno != ENOENT)
		log_warn("shm_unlink %s: %s", s->shm_name, strerror(errno));
	log_info("pool stopped");
	return 0;
}
