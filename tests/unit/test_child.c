/* test_child: hookgate-worker's commands as real processes: input, output, environment, exit, timeout. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "worker/child.h"
#include "tap.h"

struct outcome {
	char output[4096];
	char reason[64];
	int exit_code;			/* -1: null */
	long duration_ms;
};

/* Run argv to its end (bounded: 30 s) and sum it up. */
static bool run(char *const *argv, char *const *env, const char *input, size_t output_max,
		long timeout_s, struct outcome *o)
{
	struct child c;
	struct json_object *res, *v;
	char err[256];
	struct timespec now, end;
	bool ok = false;

	memset(o, 0, sizeof(*o));
	if (!child_start(&c, argv, env, input, strlen(input), output_max, timeout_s, err, sizeof(err))) {
		diag("child_start: %s", err);
		return false;
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += 30;
	for (;;) {
		struct pollfd p = { .fd = c.out_fd, .events = POLLIN };
		long wait;

		clock_gettime(CLOCK_MONOTONIC, &now);
		wait = child_tick(&c, &now);
		child_read(&c);
		if (child_reap(&c))
			break;
		if (now.tv_sec > end.tv_sec) {
			child_kill(&c);
			diag("still running after 30 s");
			goto out;
		}
		(void)poll(&p, c.out_fd >= 0 ? 1 : 0, wait < 0 || wait > 50 ? 50 : (int)wait);
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	res = child_result(&c, &now, o->reason, sizeof(o->reason));
	if (!res)
		goto out;
	json_object_object_get_ex(res, "output", &v);
	snprintf(o->output, sizeof(o->output), "%s", json_object_get_string(v));
	json_object_object_get_ex(res, "exit_code", &v);
	o->exit_code = v ? json_object_get_int(v) : -1;
	json_object_object_get_ex(res, "duration_ms", &v);
	o->duration_ms = (long)json_object_get_int64(v);
	json_object_put(res);
	ok = true;
out:
	child_free(&c);
	return ok;
}

static void test_exit_and_output(void)
{
	char *const argv[] = { "sh", "-c", "cat; echo; echo out; echo err >&2; exit 3", NULL };
	struct outcome o;

	ok(run(argv, NULL, "{\"event\":\"x\"}", 4096, 0, &o), "a command runs");
	is_str(o.output, "{\"event\":\"x\"}\nout\nerr\n", "stdin is the payload; stdout and stderr are kept");
	is_int(o.exit_code, 3, "exit_code");
	is_str(o.reason, "exit status 3", "a non-zero exit is a failure with its status");
	ok(o.duration_ms >= 0 && o.duration_ms < 30000, "duration_ms");
}

static void test_success_and_env(void)
{
	char *env[] = { "HOOKGATE_RUN_ID=run-1", "HOOKGATE_EVENT=github.push", NULL };
	char *const argv[] = { "sh", "-c", "printf '%s %s' \"$HOOKGATE_RUN_ID\" \"$HOOKGATE_EVENT\"", NULL };
	struct outcome o;

	ok(run(argv, env, "", 4096, 5, &o), "a command with environment runs");
	is_str(o.output, "run-1 github.push", "the environment reaches the command");
	is_int(o.exit_code, 0, "exit 0");
	is_str(o.reason, "", "exit 0 is a success: no reason");
}

static void test_output_tail(void)
{
	char *const argv[] = { "sh", "-c", "head -c 100000 /dev/zero | tr '\\000' a; printf END", NULL };
	char *const bad[] = { "sh", "-c", "printf '\\377ok\\000x'", NULL };
	struct outcome o;

	ok(run(argv, NULL, "", 10, 0, &o), "a chatty command runs");
	is_str(o.output, "aaaaaaaEND", "only the last output_max bytes are kept");
	ok(run(bad, NULL, "", 100, 0, &o), "a command writing bytes that are not text runs");
	is_str(o.output, "\xEF\xBF\xBDok\xEF\xBF\xBDx", "invalid bytes and NUL become U+FFFD");
}

static void test_not_found(void)
{
	char *const argv[] = { "/nonexistent/hookgate-test-command", NULL };
	struct outcome o;

	ok(run(argv, NULL, "", 4096, 0, &o), "a missing command still gives a result");
	is_int(o.exit_code, 127, "a missing command exits 127");
	ok(strstr(o.output, "cannot run") != NULL, "and says why in its output");
}

/* Whether pid has ended: no such process, or a zombie that its new parent has not reaped yet. */
static bool gone(pid_t pid)
{
	char path[64], stat[256];
	FILE *f;
	char *close_paren;
	bool zombie = false;

	if (kill(pid, 0) != 0 && errno == ESRCH)
		return true;
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	f = fopen(path, "r");
	if (!f)
		return true;
	if (fgets(stat, sizeof(stat), f) && (close_paren = strrchr(stat, ')')))
		zombie = close_paren[1] == ' ' && close_paren[2] == 'Z';
	fclose(f);
	return zombie;
}

static void test_timeout_kills_the_group(void)
{
	char *const argv[] = { "sh", "-c", "sleep 60 & echo $!; wait", NULL };
	struct outcome o;
	long grandchild;

	ok(run(argv, NULL, "", 4096, 1, &o), "a command past its timeout ends");
	is_str(o.reason, "timed out after 1 s", "the reason names the timeout");
	is_int(o.exit_code, -1, "a command ended by a signal has a null exit_code");
	grandchild = strtol(o.output, NULL, 10);
	ok(grandchild > 1, "the command started a grandchild (%ld)", grandchild);
	usleep(200 * 1000);
	ok(grandchild > 1 && gone((pid_t)grandchild), "the grandchild is gone too");
}

static void test_signal(void)
{
	char *const argv[] = { "sh", "-c", "kill -9 $$", NULL };
	struct outcome o;

	ok(run(argv, NULL, "", 4096, 0, &o), "a command that kills itself");
	is_str(o.reason, "killed by signal 9", "a signal is a failure naming it");
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	test_exit_and_output();
	test_success_and_env();
	test_output_tail();
	test_not_found();
	test_timeout_kills_the_group();
	test_signal();
	return done_testing();
}
