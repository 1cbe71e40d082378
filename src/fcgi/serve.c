/* serve: the FastCGI accept loop and the CGI one-shot, both around router_dispatch. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <fcgiapp.h>

#include "lib/log.h"
#include "http/metrics.h"
#include "http/shm.h"
#include "http/request.h"
#include "http/router.h"
#include "db/store.h"
#include "fcgi/routes.h"
#include "fcgi/serve.h"

/* An ASan build (gcc says so with a macro, clang through __has_feature). */
#if defined(__SANITIZE_ADDRESS__)
#define HG_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HG_ASAN 1
#endif
#endif
#ifdef HG_ASAN
#include <sanitizer/lsan_interface.h>
#endif

static volatile sig_atomic_t stopping;

static void on_stop(int sig)
{
	(void)sig;
	stopping = 1;
	FCGX_ShutdownPending();
}

void serve_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;		/* no SA_RESTART: accept() must return */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static void handle(FCGX_Request *fcgx, char **envp, const struct hg_settings *s)
{
	struct hg_request r;

	req_init(&r, fcgx, envp, s);
	router_dispatch(&r);
	metrics_request(&r);
	req_log(&r);
	req_cleanup(&r);
}

/*
 * What a serving process sets up once, before its first request. False
 * (logged) when the shared memory cannot be mapped: limits never switch
 * off by themselves (SPEC 5), so the process does not serve.
 */
static bool setup(const struct hg_settings *s)
{
	char err[512];

	store_init(s, "hookgate-fcgi");
	store_set_error_hook(metrics_db_error);
	router_install(&fcgi_routes);
	/* mapped (and populated) now, not during a request */
	if (!shm_attach(s->shm_name, err, sizeof(err))) {
		log_error("%s", err);
		return false;
	}
	return true;
}

int serve_fastcgi(int listen_fd, const struct hg_settings *s)
{
	FCGX_Request fcgx;
	sigset_t stops;

	if (FCGX_Init() != 0) {
		log_error("FCGX_Init failed");
		return 1;
	}
	if (FCGX_InitRequest(&fcgx, listen_fd, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
		log_error("FCGX_InitRequest failed");
		return 1;
	}
	if (!setup(s)) {
		FCGX_Free(&fcgx, 0);
		return 1;
	}
	sigemptyset(&stops);
	sigaddset(&stops, SIGTERM);
	sigaddset(&stops, SIGINT);
	log_debug("worker ready");
	while (!stopping) {
		if (FCGX_Accept_r(&fcgx) < 0) {
			if (stopping)
				break;
			if (errno == EINTR)
				continue;
			log_error("accept: %s", strerror(errno));
			break;
		}
		/*
		 * A stop signal only interrupts the wait for a request: during
		 * one, it would make libfcgi's reads and writes fail with EINTR
		 * (a body cut short, an answer lost after COMMIT). It waits,
		 * blocked, until the request is finished.
		 */
		sigprocmask(SIG_BLOCK, &stops, NULL);
		handle(&fcgx, fcgx.envp, s);
		FCGX_Finish_r(&fcgx);
		sigprocmask(SIG_UNBLOCK, &stops, NULL);
	}
	FCGX_Free(&fcgx, 0);
	store_close();
	log_debug("worker stopped");
#ifdef HG_ASAN
	/* a pool worker leaves by _exit, which skips LeakSanitizer's check at exit */
	__lsan_do_leak_check();
#endif
	return 0;
}

/*
 * Read and drop what is left of a CGI request body: a web server still
 * writing it (after an early 413, say) would otherwise see a broken pipe
 * and drop the answer. Bounded in bytes and in time.
 */
static void drain_stdin(void)
{
	char buf[65536];
	size_t total = 0;
	struct pollfd pfd = { .fd = 0, .events = POLLIN };

	while (total < 64u * 1024 * 1024 && poll(&pfd, 1, 2000) > 0) {
		ssize_t n = read(0, buf, sizeof(buf));

		if (n <= 0)
			break;
		total += (size_t)n;
	}
}

int serve_cgi(const struct hg_settings *s)
{
	extern char **environ;

	if (!setup(s))
		return 1;
	handle(NULL, environ, s);
	store_close();
	/* the answer is complete once stdout closes; only then wait for the rest of the body */
	fclose(stdout);
	drain_stdin();
	return 0;
}
