/* summary: SIGINT, SIGTERM and SIGHUP stop a headless run between two waits (see stopsig.h). */
#include "cli/stopsig.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <time.h>

/* The one mutable global: a signal handler has no context to write into. */
static volatile sig_atomic_t caught;

static void on_stop(int sig)
{
	caught = sig;
}

static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };

int stopsig_install(void)
{
	struct sigaction sa = { .sa_handler = on_stop };
	sigset_t set;

	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++)
		sigaddset(&set, stop_signals[i]);
	sa.sa_mask = set;
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++)
		if (sigaction(stop_signals[i], &sa, NULL) < 0)
			return -1;
	return 0;
}

int stopsig_poll(struct pollfd *fds, nfds_t n, int timeout_ms)
{
	struct timespec ts = { timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000L };
	sigset_t open;

	if (caught) {
		errno = EINTR;
		return -1;
	}
	sigprocmask(SIG_SETMASK, NULL, &open);
	for (size_t i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++)
		sigdelset(&open, stop_signals[i]);
	return ppoll(fds, n, timeout_ms < 0 ? NULL : &ts, &open);
}

int stopsig_caught(void)
{
	return caught;
}

const char *stopsig_name(int sig)
{
	return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : sig == SIGHUP ? "SIGHUP" :
	       "a signal";
}

int stopsig_drive(void *job, int (*step)(void *job, char *err, size_t errlen),
                  int (*pollfds)(const void *job, struct pollfd *fds, int max, int *timeout_ms),
                  char *err, size_t errlen)
{
	int r;

	while ((r = step(job, err, errlen)) == 1) {
		struct pollfd fds[STOPSIG_MAX_FDS];
		int timeout, n = pollfds(job, fds, STOPSIG_MAX_FDS, &timeout);

		if (stopsig_poll(fds, (nfds_t)n, timeout) < 0 && errno == EINTR && stopsig_caught())
			return 1;
	}
	return r;
}
