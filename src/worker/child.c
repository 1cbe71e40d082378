/*
 * child: one command of hookgate-worker. The payload is its stdin (a
 * memfd, so no pipe can fill up), stdout and stderr share one pipe whose
 * last bytes are kept, and the timeout ends the whole process group.
 */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/util.h"
#include "worker/child.h"

static long ms_between(const struct timespec *a, const struct timespec *b)
{
	return (long)((b->tv_sec - a->tv_sec) * 1000 + (b->tv_nsec - a->tv_nsec) / 1000000);
}

/* A file holding input, at offset 0, for the child's stdin; -1 on failure. */
static int input_fd(const char *input, size_t len)
{
	int fd = memfd_create("hookgate-payload", MFD_CLOEXEC);
	size_t done = 0;

	if (fd < 0)
		return -1;
	while (done < len) {
		ssize_t n = write(fd, input + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return -1;
		}
		done += (size_t)n;
	}
	if (lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * The worker's own HOOKGATE_* variables (a database URL with its password,
 * say) are not the command's business: only the run's variables reach it.
 */
static void scrub_environment(void)
{
	extern char **environ;
	char name[256];

	for (size_t i = 0; environ[i];) {
		const char *eq = strchr(environ[i], '=');
		size_t n = eq ? (size_t)(eq - environ[i]) : strlen(environ[i]);

		if (strncmp(environ[i], "HOOKGATE_", 9) != 0 || n >= sizeof(name)) {
			i++;
			continue;
		}
		memcpy(name, environ[i], n);
		name[n] = '\0';
		if (unsetenv(name) != 0)	/* else environ shifts down: look at i again */
			i++;
	}
}

/* In the forked child: become the group, wire the descriptors, exec. Never returns. */
static void exec_child(char *const *argv, char *const *env, int in, int out, pid_t worker)
{
	sigset_t none;

	setpgid(0, 0);
	/*
	 * A worker killed with SIGKILL takes its command with it: its run is
	 * claimed again after the lease, and must not meet a command still at
	 * work. (What the command itself started lives on: see hookgate-worker(8).)
	 */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != worker)
		_exit(126);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(126);
	scrub_environment();
	for (char *const *e = env; e && *e; e++)
		if (putenv(*e) != 0)
			_exit(126);
	execvp(argv[0], argv);
	dprintf(2, "hookgate-worker: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

bool child_start(struct child *c, char *const *argv, char *const *env, const char *input,
		 size_t len, size_t output_max, long timeout_s, char *err, size_t errlen)
{
	int in = -1, pipefd[2] = { -1, -1 };
	pid_t worker;

	memset(c, 0, sizeof(*c));
	c->out_fd = -1;
	c->timeout_s = timeout_s;
	c->ring_cap = output_max > 0 ? output_max : 1;
	c->ring = malloc(c->ring_cap);
	if (!c->ring) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	in = input_fd(input, len);
	if (in < 0 || pipe2(pipefd, O_CLOEXEC) != 0) {
		snprintf(err, errlen, "cannot set up the command's input and output: %s", strerror(errno));
		goto fail;
	}
	clock_gettime(CLOCK_MONOTONIC, &c->started);
	worker = getpid();
	c->pid = fork();
	if (c->pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		c->pid = 0;
		goto fail;
	}
	if (c->pid == 0)
		exec_child(argv, env, in, pipefd[1], worker);
	/* both sides set the group: whichever runs first, signals reach it */
	setpgid(c->pid, c->pid);
	close(in);
	close(pipefd[1]);
	c->out_fd = pipefd[0];
	fcntl(c->out_fd, F_SETFL, fcntl(c->out_fd, F_GETFL) | O_NONBLOCK);
	return true;
fail:
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	if (in >= 0)
		close(in);
	free(c->ring);
	c->ring = NULL;
	return false;
}

/* Keep the last ring_cap bytes of everything appended. */
static void ring_append(struct child *c, const unsigned char *p, size_t n)
{
	if (n >= c->ring_cap) {
		memcpy(c->ring, p + n - c->ring_cap, c->ring_cap);
		c->ring_start = 0;
		c->ring_len = c->ring_cap;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		size_t at = (c->ring_start + c->ring_len) % c->ring_cap;

		c->ring[at] = p[i];
		if (c->ring_len < c->ring_cap)
			c->ring_len++;
		else
			c->ring_start = (c->ring_start + 1) % c->ring_cap;
	}
}

void child_read(struct child *c)
{
	unsigned char buf[16384];

	while (c->out_fd >= 0) {
		ssize_t n = read(c->out_fd, buf, sizeof(buf));

		if (n > 0) {
			ring_append(c, buf, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0) {
			close(c->out_fd);
			c->out_fd = -1;
		}
		return;			/* EAGAIN: nothing more for now */
	}
}

long child_tick(struct child *c, const struct timespec *now)
{
	long since = ms_between(&c->started, now);

	if (!c->pid || c->timeout_s <= 0)
		return -1;
	if (!c->term_sent) {
		if (since < c->timeout_s * 1000)
			return c->timeout_s * 1000 - since;
		c->term_sent = c->timed_out = true;
		c->term_at = *now;
		kill(-c->pid, SIGTERM);
	}
	if (!c->kill_sent) {
		long after = ms_between(&c->term_at, now);

		if (after < CHILD_KILL_AFTER_S * 1000)
			return CHILD_KILL_AFTER_S * 1000 - after;
		c->kill_sent = true;
		kill(-c->pid, SIGKILL);
	}
	return -1;
}

bool child_reap(struct child *c)
{
	pid_t got;

	if (!c->pid)
		return true;
	got = waitpid(c->pid, &c->wait_status, WNOHANG);
	if (got != c->pid)
		return false;
	/* the command is over: what is left of its group goes too */
	kill(-c->pid, c->timed_out ? SIGKILL : SIGTERM);
	c->pid = 0;
	child_read(c);
	if (c->out_fd >= 0) {
		close(c->out_fd);
		c->out_fd = -1;
	}
	return true;
}

void child_kill(struct child *c)
{
	if (!c->pid)
		return;
	kill(-c->pid, SIGKILL);
	while (waitpid(c->pid, &c->wait_status, 0) < 0 && errno == EINTR)
		;
	c->pid = 0;
	if (c->out_fd >= 0) {
		close(c->out_fd);
		c->out_fd = -1;
	}
}

/* The kept output as text jsonb can hold (the ring in order, cut at a character). */
static struct json_object *output_text(const struct child *c)
{
	unsigned char *flat = malloc(c->ring_len + 1);
	struct json_object *o = NULL;
	size_t first, n;
	char *text;

	if (!flat)
		return NULL;
	first = c->ring_len < c->ring_cap ? c->ring_len : c->ring_cap - c->ring_start;
	if (first > c->ring_len)
		first = c->ring_len;
	memcpy(flat, c->ring + c->ring_start, first);
	memcpy(flat + first, c->ring, c->ring_len - first);
	text = utf8_sanitize(flat, c->ring_len, &n);
	free(flat);
	if (text && n <= (size_t)INT32_MAX)
		o = json_object_new_string_len(text, (int)n);
	free(text);
	return o;
}

struct json_object *child_result(const struct child *c, const struct timespec *now,
				 char *reason, size_t reasonlen)
{
	struct json_object *res = json_object_new_object(), *out = output_text(c);
	int st = c->wait_status;
	bool exited = WIFEXITED(st);

	if (!res || !out)
		goto fail;
	if (json_object_object_add(res, "exit_code", exited ? json_object_new_int(WEXITSTATUS(st)) : NULL) ||
	    json_object_object_add(res, "output", out))
		goto fail;
	out = NULL;
	if (json_object_object_add(res, "duration_ms", json_object_new_int64(ms_between(&c->started, now))))
		goto fail;
	if (c->timed_out)
		snprintf(reason, reasonlen, "timed out after %ld s", c->timeout_s);
	else if (exited && WEXITSTATUS(st) != 0)
		snprintf(reason, reasonlen, "exit status %d", WEXITSTATUS(st));
	else if (!exited && WIFSIGNALED(st))
		snprintf(reason, reasonlen, "killed by signal %d", WTERMSIG(st));
	else
		reason[0] = '\0';
	return res;
fail:
	json_object_put(out);
	json_object_put(res);
	return NULL;
}

void child_free(struct child *c)
{
	if (c->out_fd >= 0)
		close(c->out_fd);
	c->out_fd = -1;
	free(c->ring);
	c->ring = NULL;
}
