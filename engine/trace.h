/* summary: typed socket-call events, as the tracer (engine/tracer.c) sees them from outside the program. */
#ifndef TCPLAB_ENGINE_TRACE_H
#define TCPLAB_ENGINE_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Contract: one trace_event is one system call a traced program made on a socket (or one
 * life event of the program: its start, a fork, its exit), filled in by the tracer from
 * the kernel's view of the call (ptrace, see tracer.h): nothing in it was written by the
 * traced program, so it is evidence, not testimony. Every field is typed; code that
 * judges reads fields, never text. trace_event_str() is for people only.
 *
 * Calls are classed by what they do to a socket, whatever the program called them:
 * send() is the sendto system call, fclose() of an fdopen()ed socket is close(), a
 * write() on a socket is a send. Calls on anything that is not a socket are not reported.
 */

enum trace_call {
	TRACE_SOCKET,
	TRACE_BIND,
	TRACE_LISTEN,
	TRACE_ACCEPT,      /* accept, accept4 */
	TRACE_CONNECT,
	TRACE_SEND,        /* sendto, sendmsg, sendmmsg, write, writev, pwritev2, sendfile, splice */
	TRACE_RECV,        /* recvfrom, recvmsg, recvmmsg, read, readv, preadv2, splice from it */
	TRACE_SHUTDOWN,
	TRACE_CLOSE,       /* close, close_range, dup2/dup3 onto a socket's fd ("dup2"), and a
	                      socket still open when its process ended ("exit") */
	TRACE_SETSOCKOPT,
	TRACE_GETSOCKOPT,
	TRACE_START,       /* the program started (its exec) */
	TRACE_EXIT,        /* a process ended: arg = wait status; the program's own one carries
	                      cpu_ns, maxrss and tasks_peak */
	TRACE_FORK,        /* a process was created: pid is the child, arg the parent */
	TRACE_WAIT,        /* a timed wait (poll, sleep, select, epoll_wait) that woke much later
	                      than asked: the machine did not run the program (a stall); and
	                      every sleep (nanosleep, clock_nanosleep) of 1 ms or more that ran,
	                      late or not (the call class "sleep" of a lab's checks).
	                      arg: the timeout asked for, in ms (-1: a sleep until a time).
	                      arg2 = 1: a poll()-like wait that returned ready (ret) and
	                      was followed by no call at all before the next wait, from the
	                      wake-up (t_enter_ns) to that wait (t_exit_ns); arg -1 */
	TRACE_OTHER
};

/* A socket address, typed. family 0: none or unknown. */
struct trace_addr {
	uint16_t family;        /* AF_INET, AF_INET6, AF_UNIX, or 0 */
	uint16_t port;          /* host order */
	uint8_t addr[16];       /* AF_INET: the first 4 bytes */
};

struct trace_event {
	enum trace_call call;
	char name[16];          /* the system call: "write", "sendto", "close_range", or the
	                           life event: "start", "fork", "exit" */
	int pid, tid;           /* as tcplab sees them: the process and the thread */
	int fd;                 /* the fd argument; -1 when the call has none */
	uint64_t sock;          /* the socket the call acted on (its inode), 0 when none:
	                           socket() and accept() say here the socket they made */
	uint64_t listen_sock;   /* accept: the listening socket */
	long long arg;          /* what the program asked for: bytes (send/recv, the sum of an
	                           iovec), backlog (listen), how (shutdown: SHUT_RD=0, WR=1,
	                           RDWR=2), the option's value as an int (set/getsockopt;
	                           SO_LINGER: l_onoff), the wait status (exit), the parent
	                           (fork); -1 when unknown */
	long long arg2;         /* SO_LINGER: l_linger; sendmmsg/recvmmsg: messages asked */
	long long ret;          /* the return value; socket/accept: the new fd */
	int err;                /* errno value, 0 when the call did not fail */
	uint32_t flags;         /* MSG_* (send/recv), SOCK_* (socket type flags, accept4) */
	int domain, type, protocol;     /* socket(); for other calls on a socket, its own
	                                   domain and type when known, else 0 */
	int level, opt;         /* set/getsockopt */
	bool last;              /* close: the program held this socket nowhere else, so the
	                           kernel released it (FIN or RST follows) */
	bool unfinished;        /* the process ended inside this call (killed while recv()
	                           blocked, say): ret and err mean nothing, t_exit_ns is its end */
	uint64_t t_enter_ns, t_exit_ns;  /* CLOCK_REALTIME, as pcap timestamps */
	struct trace_addr addr; /* bind/connect/sendto: the address given */
	struct trace_addr local, peer;   /* the socket's own addresses, when known */
	/* TRACE_EXIT of the program itself (pid == the program's first process): */
	uint64_t cpu_ns;        /* user + system CPU of all its processes */
	uint64_t maxrss;        /* bytes, its largest resident size */
	uint32_t tasks_peak;    /* most processes and threads alive at once */
	/* The waits its thread had entered that could block (poll()-like with any timeout
	 * but 0, sleeps, futex waits as a condition variable's, waitpid() without WNOHANG,
	 * sigwait(), pause(), a read of a pipe, eventfd or terminal), this call included: two
	 * calls with the same count had no wait between them. Live only: a run record does
	 * not keep it. */
	uint32_t waits;
};

/* "socket", "send", ... "other": the class, not the name the program used. */
const char *trace_call_name(enum trace_call c);

/* "ECONNRESET" for ECONNRESET; NULL for an errno the table does not have. */
const char *trace_errno_name(int e);
/* The value of an errno name ("EPIPE"), or 0 when unknown. */
int trace_errno_value(const char *name);

/* "10.99.0.1:41234", "[::1]:8000", "unix:/path", "" when family is 0. Returns buf. */
const char *trace_addr_str(const struct trace_addr *a, char *buf, size_t len);

/* "TCP_NODELAY", "SO_LINGER", "SOL_SOCKET" ...: names of options and levels; NULL when
 * not in the table. */
const char *trace_opt_name(int level, int opt);
const char *trace_level_name(int level);
/* "MSG_MORE|MSG_NOSIGNAL" into buf ("" for 0); returns buf. */
const char *trace_msgflags_str(uint32_t flags, char *buf, size_t len);

/* Text for the ladder: "recvfrom(4, 1000) = 5", "connect(3, 10.99.0.2:8000) = -1
 * ECONNREFUSED", "setsockopt(3, TCP_NODELAY, 1) = 0". Always NUL-terminates buf (len > 0);
 * returns buf. */
const char *trace_event_str(const struct trace_event *ev, char *buf, size_t len);

/* How long the call blocked. */
static inline uint64_t trace_event_blocked_ns(const struct trace_event *ev)
{
	return ev->t_exit_ns - ev->t_enter_ns;
}

/* A send or recv that moved no data and did not block: EAGAIN, a MSG_PEEK, or 0 bytes
 * from a socket that was not at end of stream. Many of them in little time are a busy
 * loop. */
bool trace_event_idle(const struct trace_event *ev);
/* A wait that returned ready and that the program followed by nothing (TRACE_WAIT, arg2 1):
 * the sign of a loop spinning in poll() alone. */
bool trace_event_empty_wake(const struct trace_event *ev);

/* A sleep (nanosleep, clock_nanosleep) of the program's own. */
bool trace_event_sleep(const struct trace_event *ev);

/* A wait that woke on time: kept for the checks (a sleep), but not an event worth a row on
 * the ladder or a place on the timeline; a late one (a stall) is. */
bool trace_event_quiet(const struct trace_event *ev);

#endif
