/* summary: headless commands stop cleanly on SIGINT, SIGTERM and SIGHUP: caught only while waiting in poll. */
#ifndef TCPLAB_CLI_STOPSIG_H
#define TCPLAB_CLI_STOPSIG_H

#include <poll.h>

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

#endif
