/* summary: the trace line format: the contract between the preloaded tracer and the engine's parser. */
#ifndef TCPLAB_ENGINE_TRACE_WIRE_H
#define TCPLAB_ENGINE_TRACE_WIRE_H

#include <errno.h>
#include <string.h>

/*
 * How a program is traced. The engine creates a pipe, lets the child inherit its write end,
 * puts that fd's number in the environment as TRACE_WIRE_ENV_FD and preloads
 * libtcplab-trace.so. The tracer's constructor checks the fd is a writable pipe (anything
 * else, or the variable unset or malformed: the program runs untraced), moves it to a high
 * number (>= TRACE_WIRE_FD_BASE when the fd limit allows) so the program's own fds are
 * numbered as without tracing, makes it non-blocking, and rewrites the variable so that
 * programs exec'd later find it. close(), dup2(), dup3(), close_range() and closefrom()
 * on it are made harmless.
 *
 * One event is one line, written with one write() of at most TRACE_LINE_MAX bytes (below
 * PIPE_BUF, so lines of concurrent processes and threads never interleave). When the pipe
 * is full the event is dropped, never waited for; drops are counted and reported in the
 * exit line. Line, fields separated by one space:
 *
 *   tcplab-trace 1 PID NAME FD ARG RET ERR T_ENTER T_EXIT [KEY=VALUE]...\n
 *
 *   PID      decimal, the calling process (getpid() at the call: forked children differ)
 *   NAME     the function as the program called it: [a-z0-9_]{1,15} ("write", "accept4"),
 *            or an event: "start" (constructor), "fork" (child side of fork()), "exit"
 *   FD       decimal, the fd argument of the call; -1 when the call has none (socket, start)
 *   ARG      decimal, what matters of the arguments, by call:
 *              send/sendto/sendmsg/write/writev, recv/recvfrom/recvmsg/read/readv:
 *                requested bytes (sum of the iovec lengths; -1 when unreadable)
 *              listen: backlog;  shutdown: how;  socket: protocol
 *              setsockopt/getsockopt: the value as an int (SO_LINGER: l_onoff; -1 unknown)
 *              start, fork: parent pid;  exit: exit status (-1 when unknown)
 *              others: 0
 *   RET      decimal return value (accept: the new fd); exit: number of dropped events
 *   ERR      errno name when the call failed ("ECONNREFUSED"), "E<number>" for a name not
 *            in the table below, "-" when it did not fail
 *   T_ENTER, T_EXIT  nanoseconds since the Unix epoch, CLOCK_REALTIME (the clock libpcap
 *            stamps packets with on Linux), taken right before and after the real call
 *   KEY=VALUE  KEY is [a-z0-9_]+. VALUE is escaped: every byte outside '!'..'~' and '%'
 *            itself is written %XX (two uppercase hex digits). Keys, in this order when
 *            present:
 *              domain, type     socket():          AF_INET  SOCK_STREAM|SOCK_NONBLOCK
 *              addr             bind(), connect(): the address given, "10.99.0.2:8000"
 *              flags            send/recv flags, accept4 flags: MSG_MORE|MSG_NOSIGNAL
 *              how              shutdown():        SHUT_RD, SHUT_WR, SHUT_RDWR
 *              level, opt, val  set/getsockopt():  SOL_SOCKET  SO_LINGER  {1,0}
 *              argv0            start
 *              status, drops    exit
 *              local, peer      the socket's addresses when known: "10.99.0.1:41234",
 *                               "[::1]:8000", "unix:/path", "unix:@abstract", "unix:"
 *            A reader ignores keys it does not know (later versions may add some).
 *
 * Addresses: IPv4 "a.b.c.d:port", IPv6 "[addr]:port" (RFC 5952 text), AF_UNIX as above.
 * Only sockets are reported: read(), write(), readv(), writev() and close() on anything
 * that is not a socket are passed through silently.
 */

#define TRACE_WIRE_MAGIC   "tcplab-trace"
#define TRACE_WIRE_VERSION 1
#define TRACE_WIRE_ENV_FD  "TCPLAB_TRACE_FD"
#define TRACE_WIRE_FD_BASE 900
#define TRACE_LINE_MAX     512   /* bytes, newline included; < PIPE_BUF (4096) */

/* The errno names a trace line may carry; the table is shared so both sides agree. */
#define TRACE_WIRE_ERRNOS(X) \
	X(EPERM) X(ENOENT) X(EINTR) X(EIO) X(EBADF) X(EAGAIN) X(ENOMEM) X(EACCES) \
	X(EFAULT) X(EBUSY) X(EEXIST) X(EINVAL) X(ENFILE) X(EMFILE) X(ENOSPC) X(EPIPE) \
	X(ENOTSOCK) X(EDESTADDRREQ) X(EMSGSIZE) X(EPROTOTYPE) X(ENOPROTOOPT) \
	X(EPROTONOSUPPORT) X(ESOCKTNOSUPPORT) X(EOPNOTSUPP) X(EPFNOSUPPORT) \
	X(EAFNOSUPPORT) X(EADDRINUSE) X(EADDRNOTAVAIL) X(ENETDOWN) X(ENETUNREACH) \
	X(ENETRESET) X(ECONNABORTED) X(ECONNRESET) X(ENOBUFS) X(EISCONN) X(ENOTCONN) \
	X(ESHUTDOWN) X(ETIMEDOUT) X(ECONNREFUSED) X(EHOSTDOWN) X(EHOSTUNREACH) \
	X(EALREADY) X(EINPROGRESS) X(ENOSYS) X(ERANGE)

struct trace_wire_errno {
	int value;
	const char *name;
};

static inline const struct trace_wire_errno *trace_wire_errnos(size_t *n)
{
#define TRACE_WIRE_ERRNO_ENTRY(e) { e, #e },
	static const struct trace_wire_errno tab[] = { TRACE_WIRE_ERRNOS(TRACE_WIRE_ERRNO_ENTRY) };
#undef TRACE_WIRE_ERRNO_ENTRY
	*n = sizeof tab / sizeof tab[0];
	return tab;
}

/* The name of errno value e, or NULL when the table lacks it (write "E<number>" then). */
static inline const char *trace_wire_errno_name(int e)
{
	size_t n;
	const struct trace_wire_errno *t = trace_wire_errnos(&n);
	for (size_t i = 0; i < n; i++)
		if (t[i].value == e)
			return t[i].name;
	return NULL;
}

/* The value of errno name s (not NUL-terminated, len bytes), or 0 when unknown. */
static inline int trace_wire_errno_value(const char *s, size_t len)
{
	size_t n;
	const struct trace_wire_errno *t = trace_wire_errnos(&n);
	for (size_t i = 0; i < n; i++)
		if (strlen(t[i].name) == len && memcmp(t[i].name, s, len) == 0)
			return t[i].value;
	return 0;
}

#endif
