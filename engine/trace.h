/* summary: parse the syscall trace lines written by libtcplab-trace.so into trace events. */
#ifndef TCPLAB_ENGINE_TRACE_H
#define TCPLAB_ENGINE_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/trace_wire.h"

/*
 * Contract: the line format is engine/trace_wire.h. Nothing here trusts a line: the pipe's
 * write end is held by the student's program, which can write anything to it. A line that
 * is not exactly in the format is rejected with a reason; an accepted event has every
 * string NUL-terminated and printable ASCII (bytes outside ' '..'~' become '?'), local
 * and peer contain no space, and t_enter_ns <= t_exit_ns.
 *
 * Memory: a trace_reader holds at most the complete lines fed and not yet taken, plus one
 * partial line of at most TRACE_LINE_MAX bytes; a longer line is discarded up to its
 * newline and reported once as a bad line. Feed what one read() returned, then call
 * trace_reader_next() until it returns 0.
 */

enum trace_call {
	TRACE_SOCKET,
	TRACE_BIND,
	TRACE_LISTEN,
	TRACE_ACCEPT,      /* accept, accept4 */
	TRACE_CONNECT,
	TRACE_SEND,        /* send, sendto, sendmsg, write, writev: the name field says which */
	TRACE_RECV,        /* recv, recvfrom, recvmsg, read, readv */
	TRACE_SHUTDOWN,
	TRACE_CLOSE,
	TRACE_SETSOCKOPT,
	TRACE_GETSOCKOPT,
	TRACE_START,       /* the program started (exec); detail is argv[0] */
	TRACE_EXIT,        /* the program ended: arg = status (-1 unknown), ret = events dropped */
	TRACE_OTHER        /* any other name ("fork": arg = parent pid) */
};

struct trace_event {
	enum trace_call call;
	char name[16];          /* as the program called it: "write", "recv", "accept4" */
	int pid, fd;            /* fd: the call's fd argument, -1 when none (socket, start) */
	long long arg;          /* requested bytes, backlog, shutdown how, option value: see
	                           trace_wire.h; -1 when unknown */
	long long ret;          /* return value; accept: the new fd */
	int err;                /* errno value, 0 if none */
	uint64_t t_enter_ns, t_exit_ns;   /* CLOCK_REALTIME, as pcap timestamps */
	char local[64], peer[64];   /* "10.99.0.1:41234" or "" */
	char detail[160];       /* the rest, human readable: "SOL_SOCKET SO_LINGER {1,0}",
	                           "SHUT_WR", "MSG_MORE", "AF_INET SOCK_STREAM", "drops=0";
	                           cut short (never an error) when longer */
};

/* Parses one line (the trailing newline is optional). 0, or -1 with the reason in errbuf. */
int trace_parse_line(const char *line, size_t len, struct trace_event *ev, char *errbuf,
                     size_t errlen);

/* Accumulates bytes read from a trace pipe and yields complete lines. */
struct trace_reader;

struct trace_reader *trace_reader_new(void);
void trace_reader_free(struct trace_reader *r);

/* Appends len bytes. 0, or -1 when more than 1 MiB of complete lines is waiting to be
 * taken (the bytes are dropped: call trace_reader_next() after every feed). */
int trace_reader_feed(struct trace_reader *r, const char *buf, size_t len);

/* 1: an event was taken; 0: no complete line yet; -1: a bad line was skipped, reason in
 * errbuf (keep calling: the lines after it are still read). */
int trace_reader_next(struct trace_reader *r, struct trace_event *ev, char *errbuf,
                      size_t errlen);

/* Text for the ladder: "recv(4, 1000) = 5", "connect(3, 10.99.0.2:8000) = -1 ECONNREFUSED",
 * "setsockopt(3, TCP_NODELAY, 1) = 0". Always NUL-terminates buf (len > 0); returns buf. */
const char *trace_event_str(const struct trace_event *ev, char *buf, size_t len);

/* "socket", "send", ... "other": the class, not the name the program used. */
const char *trace_call_name(enum trace_call c);

/* How long the call blocked. */
static inline uint64_t trace_event_blocked_ns(const struct trace_event *ev)
{
	return ev->t_exit_ns - ev->t_enter_ns;
}

#endif
