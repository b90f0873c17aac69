/* summary: the few socket helpers every lab program shares, so no lab carries its own copy. */
#ifndef TCPLAB_LABS_PEER_H
#define TCPLAB_LABS_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * Lab programs are read by students, so these stay plain POSIX: no wrappers around errors
 * they should see. Each helper prints "PROG: what failed: strerror" to stderr and returns
 * -1; the program decides whether to exit.
 */

/* The program's name for messages; set once from argv[0] by peer_init(). */
void peer_init(const char *argv0);

/* socket + SO_REUSEADDR + bind(addr:port) + listen(backlog). Returns the listening fd. */
int peer_listen(const char *addr, int port, int backlog);

/* socket + connect(host:port), IPv4 or IPv6 literal. Returns the connected fd. */
int peer_connect(const char *host, int port);

/*
 * peer_connect() for a client that may come while nothing listens (a server between its
 * kill and its new listen()): a refused connect is tried again 10, 20, 40 ... ms later,
 * while less than max_ms has been waited, and once after the last wait. Nothing can tell
 * a client when another program will listen: trying again is all it can do. Says nothing;
 * the fd, or -1 with errno from the last connect().
 */
int peer_connect_retry(const char *host, int port, long max_ms);

/* A UDP socket connected to host:port: its errors (an ICMP port unreachable: ECONNREFUSED)
 * come back on it. Returns the fd. */
int peer_connect_udp(const char *host, int port);

/* send() until all len bytes are gone: send() may take fewer than asked. */
ssize_t peer_send_all(int fd, const void *buf, size_t len);

/* recv() until exactly len bytes arrived or the peer closed; returns the count received. */
ssize_t peer_recv_n(int fd, void *buf, size_t len);

/* Value of "--name VALUE" in argv, or def when absent. */
const char *peer_opt(int argc, char **argv, const char *name, const char *def);

/* Whether the flag "--name" (no value) is in argv. */
bool peer_flag(int argc, char **argv, const char *name);

#endif
