/* summary: headless commands stop cleanly on SIGINT, SIGTERM and SIGHUP: caught only while waiting in poll. */
#ifndef TCPLAB_CLI_STOPSIG_H
#define TCPLAB_CLI_STOPSIG_H

#include <poll.h>
#include <stddef.h>

/*
 * Contract: stopsig_install() blocks SIGINT, SIGTERM and SIGHUP and installs a handler
 * that only records which one came. They are delivered only inside stopsig_poll(), which
 * unblocks them atomically for its wait (ppoll), so a signal can never slip in between the
 * check and the wait: stopsig_poll() returns -1 with errno EINTR, and stopsig_caught()
 * says which signal (0 while none came). The caller then stops its run (programs killed,
 * namespaces gone, partial capture saved), says so, and exits with 128 + the signal.
 * Programs started afterwards get an empty mask (proc.h); a compiler spawned with
 * posix_spawn inherits the blocked set and is stopped by its caller.
 */
int stopsig_install(void);
int stopsig_poll(struct pollfd *fds, nfds_t n, int timeout_ms);
int stopsig_caught(void);
const char *stopsig_name(int sig);     /* "SIGINT" */

/*
 * Drive an incremental job (a lab run, a grading) to its end: step() until it returns 0
 * (done) or -1 (failed, err says why), waiting in stopsig_poll() on what pollfds() names.
 * Returns 0, -1, or 1 when a stop signal came first (the caller then cancels the job).
 */
#define STOPSIG_MAX_FDS 16
int stopsig_drive(void *job, int (*step)(void *job, char *err, size_t errlen),
                  int (*pollfds)(const void *job, struct pollfd *fds, int max, int *timeout_ms),
                  char *err, size_t errlen);

#endif
