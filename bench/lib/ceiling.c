/* ceiling: the web ceiling of bench/run, a trivial FastCGI responder that reads the body and answers 200 (built by bench/run, not by the main build). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcgiapp.h>

#define MAX_WORKERS 64

static volatile sig_atomic_t stopping;

static void on_term(int sig)
{
	(void)sig;
	stopping = 1;
}

/* One worker: accept, drain the body, answer; SIGTERM ends it at once. */
static int serve(int fd)
{
	FCGX_Request req;
	char buf[16384];

	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	if (FCGX_InitRequest(&req, fd, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&req) >= 0) {
		while (FCGX_GetStr(buf, sizeof(buf), req.in) > 0)
			;
		FCGX_PutS("Status: 200 OK\r\nContent-Type: application/json\r\n\r\n"
			  "{\"status\":\"ok\"}\n", req.out);
		FCGX_Finish_r(&req);
	}
	return 0;
}

/* ceiling SOCKET_PATH WORKERS: listen on a unix socket, fork WORKERS processes, reap them on SIGTERM. */
int main(int argc, char **argv)
{
	pid_t pids[MAX_WORKERS];
	struct sigaction sa;
	int fd, n, i;

	if (argc != 3 || (n = atoi(argv[2])) < 1 || n > MAX_WORKERS) {
		fprintf(stderr, "usage: ceiling SOCKET_PATH WORKERS (1 to %d)\n", MAX_WORKERS);
		return 2;
	}
	if (FCGX_Init() != 0 || (fd = FCGX_OpenSocket(argv[1], 128)) < 0) {
		fprintf(stderr, "ceiling: cannot listen on %s\n", argv[1]);
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;		/* no SA_RESTART: pause returns */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	for (i = 0; i < n; i++) {
		pid_t p = fork();

		if (p == 0)
			return serve(fd);
		if (p < 0) {
			fprintf(stderr, "ceiling: fork: %s\n", strerror(errno));
			break;
		}
		pids[i] = p;
	}
	n = i;
	while (!stopping)
		pause();
	for (i = 0; i < n; i++)
		kill(pids[i], SIGTERM);
	for (i = 0; i < n; i++)
		while (waitpid(pids[i], NULL, 0) < 0 && errno == EINTR)
			;
	return 0;
}
