/* summary: tests for the syscall tracer (engine/tracer.c through proc.c): real programs traced from outside, the exact typed events they make. */
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/proc.h"
#include "engine/sandbox.h"
#include "engine/trace.h"
#include "engine/tracer.h"

/*
 * Each test runs tests/progs/trace_prog (one mode: a fixed sequence of calls) traced,
 * in a loopback sandbox, reads every record until the program has ended, and compares
 * the events with what the mode does, field by field. fd numbers are the program's own:
 * it starts with 0, 1 and 2 only (proc.c closes the rest), so its first socket is 3.
 */

static struct sandbox *sb;
static char skip_why[300];

static void setup(void)
{
	char err[256];

	if (tracer_probe(err, sizeof(err)) < 0) {
		snprintf(skip_why, sizeof(skip_why), "this system cannot trace a program: %s", err);
		return;
	}
	sb = sandbox_new(SANDBOX_LOOPBACK, err, sizeof(err));
	if (!sb)
		snprintf(skip_why, sizeof(skip_why), "no sandbox (tests run as root in CI): %s", err);
}

static void teardown(void)
{
	sandbox_free(sb);
	sb = NULL;
}

TestSuite(trace, .init = setup, .fini = teardown);

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The test program's path, or a skip that says why there is none. */
static const char *prog_path(const char *name)
{
	static char path[PATH_MAX];
	const char *b = getenv("TCPLAB_BUILD");

	if (!sb)
		cr_skip_test("%s", skip_why);
	if (!b)
		cr_skip_test("TCPLAB_BUILD is not set (run the tests through tests/run.sh)");
	snprintf(path, sizeof(path), "%s/tests/progs/%s", b, name);
	/* Only the static build may be missing for a reason of the system's. */
	if (access(path, X_OK) < 0 && !strcmp(name, "trace_prog_static"))
		cr_skip_test("'%s' is not built: the static link failed (no static libc on this "
		             "system?)", path);
	cr_assert_eq(access(path, X_OK), 0, "'%s' is not built (make check-unit builds it)", path);
	return path;
}

/* ---- running a program to its end ------------------------------------------------------- */

struct run {
	struct proc *p;
	pid_t pid;
	struct trace_event *ev;
	size_t n, cap;
	char out[16384];
	size_t outlen;
	bool out_eof, ended;
	int status;
};

static void take(struct run *r, size_t max)
{
	struct trace_event ev[64];
	size_t k;

	if (max > 64)
		max = 64;
	while ((k = proc_trace_take(r->p, ev, max)) > 0) {
		if (r->n + k > r->cap) {
			r->cap = r->cap ? 2 * r->cap : 256;
			while (r->cap < r->n + k)
				r->cap *= 2;
			r->ev = realloc(r->ev, r->cap * sizeof(*r->ev));
			cr_assert_not_null(r->ev);
		}
		memcpy(r->ev + r->n, ev, k * sizeof(ev[0]));
		r->n += k;
		if (max < 64)
			return;
	}
}

static void read_out(struct run *r)
{
	ssize_t n = read(proc_output_fd(r->p), r->out + r->outlen, sizeof(r->out) - 1 - r->outlen);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		r->out_eof = true;
		return;
	}
	r->outlen += (size_t)n;
	r->out[r->outlen] = '\0';
	cr_assert_lt(r->outlen, sizeof(r->out) - 1, "the program's output overflows the test");
}

static void start_with(struct run *r, const char *prog, const char *const *args,
                       const struct proc_limits *lim)
{
	const char *argv[8] = { prog };
	struct proc_spec spec = { .argv = argv, .host = HOST_CLIENT, .keep_fd = -1,
	                          .limits = lim, .trace = true };
	char err[256];

	for (int i = 0; args[i] && i < 6; i++)
		argv[i + 1] = args[i];
	memset(r, 0, sizeof(*r));
	r->p = proc_spawn(sb, &spec, err, sizeof(err));
	cr_assert_not_null(r->p, "proc_spawn: %s", err);
	r->pid = proc_pid(r->p);
}

/* Everything until the program has ended, its output closed and every record taken: the
 * loop of labrun.c, one program, taking at most max records each time round. */
static void finish_taking(struct run *r, size_t max)
{
	while (!r->ended || !r->out_eof || !proc_trace_ended(r->p)) {
		struct pollfd fds[3];
		int n = 0, tfd = proc_trace_fd(r->p);

		if (tfd >= 0)
			fds[n++] = (struct pollfd){ tfd, POLLIN, 0 };
		if (!r->out_eof)
			fds[n++] = (struct pollfd){ proc_output_fd(r->p), POLLIN, 0 };
		if (!r->ended)
			fds[n++] = (struct pollfd){ proc_exit_fd(r->p), POLLIN, 0 };
		if (n && poll(fds, (nfds_t)n, -1) < 0 && errno != EINTR)
			cr_assert_fail("poll: %s", strerror(errno));
		if (!r->out_eof)
			read_out(r);
		if (!r->ended && proc_reap(r->p, &r->status) == 1)
			r->ended = true;
		take(r, max);
	}
}

static void finish(struct run *r)
{
	finish_taking(r, 64);
}

static void run_prog(struct run *r, const char *name, const char *const *args)
{
	start_with(r, prog_path(name), args, NULL);
	finish(r);
}

static void run_done(struct run *r)
{
	proc_free(r->p);
	free(r->ev);
}

/* The whole trace as text, for failure messages. */
static const char *dump(const struct run *r)
{
	static char buf[16384];
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < r->n && used < sizeof(buf) - 200; i++) {
		char line[160];

		trace_event_str(&r->ev[i], line, sizeof(line));
		used += (size_t)snprintf(buf + used, sizeof(buf) - used, "\n  %zu: [%s] pid %d tid %d "
		                         "sock %llu last %d: %s", i, trace_call_name(r->ev[i].call),
		                         r->ev[i].pid, r->ev[i].tid,
		                         (unsigned long long)r->ev[i].sock, r->ev[i].last, line);
	}
	return buf;
}

/* The program's own exit: the last event, with status (as from waitpid). */
static const struct trace_event *exit_event(const struct run *r)
{
	const struct trace_event *last;

	cr_assert_gt(r->n, 1, "no events:%s", dump(r));
	last = &r->ev[r->n - 1];
	cr_assert_eq(last->call, TRACE_EXIT, "the last event is not the program's exit:%s", dump(r));
	cr_assert_eq(last->pid, r->pid, "the last event is the exit of %d, not of the program %d:%s",
	             last->pid, (int)r->pid, dump(r));
	return last;
}

/* Started, exited 0, and the proc agrees with the trace. */
static void expect_clean_run(const struct run *r)
{
	cr_assert_eq(r->ev[0].call, TRACE_START, "the first event is not the start:%s", dump(r));
	cr_assert_eq(r->ev[0].pid, r->pid);
	cr_assert(WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0,
	          "the program failed (status 0x%x): %s", r->status, r->out);
	cr_assert_eq(exit_event(r)->arg, r->status);
	/* In the order they returned; the program's exit, held back until what it left
	 * behind has ended, keeps the time it exited. */
	for (size_t i = 1; i + 1 < r->n; i++)
		cr_assert_geq(r->ev[i].t_exit_ns, r->ev[i - 1].t_exit_ns,
		              "event %zu returned before event %zu:%s", i, i - 1, dump(r));
}

/* ---- expected calls ---------------------------------------------------------------------- */

#define ANY LLONG_MIN

#if defined(__x86_64__)
#define IS_X86_64 1
#else
#define IS_X86_64 0
#endif

struct want {
	enum trace_call call;
	const char *name;
	int fd;
	long long arg, ret;
	int err;
	uint32_t flags;
	int last;               /* close: 0 or 1; -1 for other calls */
};

/* A socket call of the program's main thread: class, name, fd, arg, ret, errno, flags. */
#define W(c, nm, f, a, rv) { c, nm, f, a, rv, 0, 0, -1 }

/*
 * The events between the program's start and its exit are exactly w[0..n): same count,
 * and in each the fields w names (arg ANY: not compared), all from the main thread.
 */
static void expect_calls(const struct run *r, const struct want *w, size_t n)
{
	expect_clean_run(r);
	cr_assert_eq(r->n, n + 2, "%zu events between start and exit, wanted %zu:%s", r->n - 2, n,
	             dump(r));
	for (size_t i = 0; i < n; i++) {
		const struct trace_event *ev = &r->ev[i + 1];

		cr_assert_eq(ev->call, w[i].call, "event %zu is a %s, wanted a %s:%s", i + 1,
		             trace_call_name(ev->call), trace_call_name(w[i].call), dump(r));
		cr_assert_str_eq(ev->name, w[i].name, "event %zu:%s", i + 1, dump(r));
		cr_assert_eq(ev->fd, w[i].fd, "event %zu: fd %d, wanted %d:%s", i + 1, ev->fd, w[i].fd,
		             dump(r));
		if (w[i].arg != ANY)
			cr_assert_eq(ev->arg, w[i].arg, "event %zu: arg %lld, wanted %lld:%s", i + 1,
			             ev->arg, w[i].arg, dump(r));
		cr_assert_eq(ev->ret, w[i].ret, "event %zu: ret %lld, wanted %lld:%s", i + 1, ev->ret,
		             w[i].ret, dump(r));
		cr_assert_eq(ev->err, w[i].err, "event %zu: errno %d, wanted %d:%s", i + 1, ev->err,
		             w[i].err, dump(r));
		cr_assert_eq(ev->flags, w[i].flags, "event %zu: flags 0x%x, wanted 0x%x:%s", i + 1,
		             ev->flags, w[i].flags, dump(r));
		if (w[i].last >= 0)
			cr_assert_eq(ev->last, w[i].last == 1, "event %zu: last %d, wanted %d:%s", i + 1,
			             ev->last, w[i].last, dump(r));
		cr_assert_eq(ev->pid, r->pid, "event %zu:%s", i + 1, dump(r));
		cr_assert_eq(ev->tid, r->pid, "event %zu:%s", i + 1, dump(r));
		cr_assert_leq(ev->t_enter_ns, ev->t_exit_ns, "event %zu", i + 1);
		if (ev->sock && ev->call != TRACE_SOCKET) {
			cr_assert_eq(ev->domain, AF_INET, "event %zu: domain %d:%s", i + 1, ev->domain,
			             dump(r));
			cr_assert_eq(ev->type, SOCK_STREAM, "event %zu: type %d:%s", i + 1, ev->type,
			             dump(r));
		}
	}
}

static void expect_addr(const struct trace_addr *a, unsigned port, const char *what)
{
	static const uint8_t lo[4] = { 127, 0, 0, 1 };

	cr_assert_eq(a->family, AF_INET, "%s: family %u", what, a->family);
	cr_assert_eq(a->port, port, "%s: port %u, wanted %u", what, a->port, port);
	cr_assert_arr_eq(a->addr, lo, 4, "%s: not 127.0.0.1", what);
}

/* ---- the echo exchange ------------------------------------------------------------------- */

/* trace_prog echo: listener 3, client 4, accepted 5. */
static const struct want echo_calls[] = {
	W(TRACE_SOCKET, "socket", -1, 0, 3),
	W(TRACE_BIND, "bind", 3, -1, 0),
	W(TRACE_LISTEN, "listen", 3, 4, 0),
	W(TRACE_SOCKET, "socket", -1, 0, 4),
	W(TRACE_CONNECT, "connect", 3 + 1, -1, 0),
	W(TRACE_ACCEPT, "accept", 3, -1, 5),
	{ TRACE_SEND, "sendto", 4, 5, 5, 0, MSG_NOSIGNAL, -1 },
	W(TRACE_RECV, "recvfrom", 5, 1000, 5),
	W(TRACE_SEND, "write", 5, 5, 5),
	W(TRACE_RECV, "read", 4, 1000, 5),
	W(TRACE_SHUTDOWN, "shutdown", 4, SHUT_WR, 0),
	W(TRACE_RECV, "recvfrom", 5, 1000, 0),
	{ TRACE_CLOSE, "close", 5, -1, 0, 0, 0, 1 },
	{ TRACE_CLOSE, "close", 4, -1, 0, 0, 0, 1 },
	{ TRACE_CLOSE, "close", 3, -1, 0, 0, 0, 1 },
};

/* The echo trace, call by call, and what ties the calls together: which socket each acts
 * on and the addresses the tracer read from the kernel. */
static void expect_echo(const struct run *r)
{
	const struct trace_event *e = r->ev + 1;    /* e[i] is echo_calls[i] */
	uint64_t L, C, S;
	unsigned lport, cport;

	expect_calls(r, echo_calls, sizeof(echo_calls) / sizeof(echo_calls[0]));
	for (int i = 0; i < 2; i++) {
		const struct trace_event *s = &e[i ? 3 : 0];

		cr_assert(s->domain == AF_INET && s->type == SOCK_STREAM && s->protocol == 0,
		          "socket(%d, %d, %d):%s", s->domain, s->type, s->protocol, dump(r));
	}
	L = e[0].sock;
	C = e[3].sock;
	S = e[5].sock;
	cr_assert(L && C && S && L != C && L != S && C != S,
	          "the three sockets have inodes %llu %llu %llu:%s", (unsigned long long)L,
	          (unsigned long long)C, (unsigned long long)S, dump(r));
	for (int i = 1; i <= 2; i++)
		cr_assert_eq(e[i].sock, L, "event %d is not on the listener:%s", i + 1, dump(r));
	cr_assert_eq(e[5].listen_sock, L, "accept's listener:%s", dump(r));
	cr_assert_eq(e[14].sock, L, "close(3):%s", dump(r));
	for (int i = 4; i <= 13; i++) {
		uint64_t want = e[i].fd == 4 ? C : S;

		if (i == 5)
			continue;
		cr_assert_eq(e[i].sock, want, "event %d is on the wrong socket:%s", i + 1, dump(r));
	}

	lport = e[2].local.port;
	cport = e[4].local.port;
	cr_assert(lport && cport && lport != cport, "ports %u %u:%s", lport, cport, dump(r));
	expect_addr(&e[1].addr, 0, "bind's address");
	expect_addr(&e[1].local, lport, "bind: the socket's address");
	expect_addr(&e[2].local, lport, "listen");
	cr_assert_eq(e[2].peer.family, 0, "a listener has no peer");
	expect_addr(&e[4].addr, lport, "connect's address");
	expect_addr(&e[4].local, cport, "connect: local");
	expect_addr(&e[4].peer, lport, "connect: peer");
	expect_addr(&e[5].local, lport, "accept: local");
	expect_addr(&e[5].peer, cport, "accept: peer");
	for (int i = 6; i <= 13; i++) {
		bool client = e[i].fd == 4;

		expect_addr(&e[i].local, client ? cport : lport, "local");
		expect_addr(&e[i].peer, client ? lport : cport, "peer");
	}
}

Test(trace, echo_exchange_is_seen_call_by_call, .timeout = 20)
{
	struct run r;

	run_prog(&r, "trace_prog", (const char *[]){ "echo", NULL });
	expect_echo(&r);
	run_done(&r);
}

Test(trace, raw_syscalls_are_seen_like_libc_calls, .timeout = 20)
{
	struct run r;

	run_prog(&r, "trace_prog", (const char *[]){ "echo", "raw", NULL });
	expect_echo(&r);
	run_done(&r);
}

Test(trace, static_binary_is_traced, .timeout = 20)
{
	struct run r;

	run_prog(&r, "trace_prog_static", (const char *[]){ "echo", NULL });
	expect_echo(&r);
	run_done(&r);
	run_prog(&r, "trace_prog_static", (const char *[]){ "echo", "raw", NULL });
	expect_echo(&r);
	run_done(&r);
}

/* ---- close and its holders ---------------------------------------------------------------- */

/* socket bind listen socket connect accept close(listener): trace_prog's pair(). */
#define PAIR_CALLS \
	W(TRACE_SOCKET, "socket", -1, 0, 3), \
	W(TRACE_BIND, "bind", 3, -1, 0), \
	W(TRACE_LISTEN, "listen", 3, 4, 0), \
	W(TRACE_SOCKET, "socket", -1, 0, 4), \
	W(TRACE_CONNECT, "connect", 4, -1, 0), \
	W(TRACE_ACCEPT, "accept", 3, -1, 5), \
	{ TRACE_CLOSE, "close", 3, -1, 0, 0, 0, 1 }

Test(trace, fdopen_fprintf_fclose_is_a_send_and_a_last_close, .timeout = 20)
{
	static const struct want w[] = {
		PAIR_CALLS,
		W(TRACE_SEND, "write", 4, 9, 9),
		{ TRACE_RECV, "recvfrom", 5, 9, 9, 0, MSG_WAITALL, -1 },
		{ TRACE_CLOSE, "close", 4, -1, 0, 0, 0, 1 },
		{ TRACE_CLOSE, "close", 5, -1, 0, 0, 0, 1 },
	};
	struct run r;

	run_prog(&r, "trace_prog", (const char *[]){ "fdopen", NULL });
	expect_calls(&r, w, sizeof(w) / sizeof(w[0]));
	cr_assert_eq(r.ev[8].sock, r.ev[4].sock, "the write is not on the client's socket:%s",
	             dump(&r));
	cr_assert_eq(r.ev[10].sock, r.ev[4].sock, "fclose does not close it:%s", dump(&r));
	run_done(&r);
}

Test(trace, close_of_a_dup_is_last_only_for_the_second_copy, .timeout = 20)
{
	static const struct want w[] = {
		W(TRACE_SOCKET, "socket", -1, 0, 3),
		{ TRACE_CLOSE, "close", 3, -1, 0, 0, 0, 0 },
		{ TRACE_CLOSE, "close", 4, -1, 0, 0, 0, 1 },
	};
	struct run r;

	run_prog(&r, "trace_prog", (const char *[]){ "dup", NULL });
	expect_calls(&r, w, sizeof(w) / sizeof(w[0]));
	cr_assert(r.ev[1].sock && r.ev[2].sock == r.ev[1].sock && r.ev[3].sock == r.ev[1].sock,
	          "the two closes are not of the one socket:%s", dump(&r));
	run_done(&r);
}

Test(trace, dup2_onto_a_socket_closes_it, .timeout = 20)
{
	struct want w[] = {
		W(TRACE_SOCKET, "socket", -1, 0, 3),
		W(TRACE_SOCKET, "socket", -1, 0, 4),
		{ TRACE_CLOSE, "dup2", 3, -1, 3, 0, 0, 1 },
		{ TRACE_CLOSE, "dup3", 4, -1, 4, 0, 0, 0 },
		{ TRACE_CLOSE, "close", 3, -1, 0, 0, 0, 1 },
	};
	struct run r;

	/* aarch64 has no dup2 system call: glibc's dup2() is dup3 there. */
	if (!IS_X86_64)
		w[2].name = "dup3";
	run_prog(&r, "trace_prog", (const char *[]){ "dup2", NULL });
	expect_calls(&r, w, sizeof(w) / sizeof(w[0]));
	cr_assert(r.ev[3].sock == r.ev[1].sock && r.ev[4].sock == r.ev[2].sock &&
	          r.ev[5].sock == r.ev[2].sock, "dup2 closes the wrong socket:%s", dump(&r));
	run_done(&r);
}

Test(trace, exit_releases_a_dup_socket_at_its_last_fd, .timeout = 20)
{
	static const struct want w[] = {
		W(TRACE_SOCKET, "socket", -1, 0, 3),
		{ TRACE_CLOSE, "exit", 3, -1, 0, 0, 0, 0 },
		{ TRACE_CLOSE, "exit", 4, -1, 0, 0, 0, 1 },
	};
	struct run r;

	run_prog(&r, "trace_prog", (const char *[]){ "dup", "keep", NULL });
	expect_calls(&r, w, sizeof(w) / sizeof(w[0]));
	cr_assert(r.ev[2].sock == r.ev[1].sock && r.ev[3].sock == r.ev[1].sock,
	          "the exit closes another socket:%s", dump(&r));
	run_done(&r);
}

Test(trace, close_range_reports_each_socket_it_closes, .timeout = 20)
{
	static const struct want w[] = {
		W(TRACE_SOCKET, "socket", -1, 0, 3),
		W(TRACE_SOCKET, "socket", -1, 0, 5),
		{ TRACE_CLOSE, "close_range", 3, -1, 0, 0, 0, 0 },
		{ TRACE_CLOSE, "close_range", 4, -1, 0, 0, 0, 1 },
		{ TRACE_CLOSE, "close_range", 5, -1, 0, 0, 0, 1 },
	};
	struct run r;

	run_prog(&r, "trace_prog", (const char *[]){ "closerange", NULL });
	expect_calls(&r, w, sizeof(w) / sizeof(w[0]));
	cr_assert(r.ev[3].sock == r.ev[1].sock && r.ev[4].sock == r.ev[1].sock &&
	          r.ev[5].sock == r.ev[2].sock, "close_range closes the wrong sockets:%s",
	          dump(&r));
	run_done(&r);
}

/* trace_prog sockopt leaves its socket open: the kernel closes it at exit. */
Test(trace, setsockopt_values_and_the_close_at_exit, .timeout = 20)
{
	struct want w[] = {
		W(TRACE_SOCKET, "socket", -1, 0, 3),
		W(TRACE_SETSOCKOPT, "setsockopt", 3, 1, 0),
		W(TRACE_SETSOCKOPT, "setsockopt", 3, 1, 0),
		W(TRACE_SETSOCKOPT, "setsockopt", 3, 1, 0),
		W(TRACE_SETSOCKOPT, "setsockopt", 3, 0, 0),
		W(TRACE_SETSOCKOPT, "setsockopt", 3, 1, 0),
		W(TRACE_SETSOCKOPT, "setsockopt", 3, 1, 0),
		{ TRACE_SETSOCKOPT, "setsockopt", 3, 1, -1, ENOPROTOOPT, 0, -1 },
		{ TRACE_CLOSE, "exit", 3, -1, 0, 0, 0, 1 },
	};
	static const struct { int level, opt; long long arg2; } o[] = {
		{ IPPROTO_TCP, TCP_NODELAY, 0 }, { IPPROTO_TCP, TCP_CORK, 0 },
		{ SOL_SOCKET, SO_LINGER, 0 }, { SOL_SOCKET, SO_LINGER, 7 },
		{ SOL_SOCKET, SO_KEEPALIVE, 0 }, { SOL_SOCKET, SO_REUSEADDR, 0 },
		{ IPPROTO_TCP, 12345, 0 },
	};
	struct run r;

	run_prog(&r, "trace_prog", (const char *[]){ "sockopt", NULL });
	expect_calls(&r, w, sizeof(w) / sizeof(w[0]));
	for (size_t i = 0; i < sizeof(o) / sizeof(o[0]); i++) {
		const struct trace_event *ev = &r.ev[2 + i];

		cr_assert(ev->level == o[i].level && ev->opt == o[i].opt,
		          "setsockopt %zu: level %d opt %d, wanted %d %d:%s", i, ev->level, ev->opt,
		          o[i].level, o[i].opt, dump(&r));
		cr_assert_eq(ev->arg2, o[i].arg2, "setsockopt %zu: arg2 %lld:%s", i, ev->arg2,
		             dump(&r));
		cr_assert_eq(ev->sock, r.ev[1].sock);
	}
	cr_assert_eq(r.ev[9].sock, r.ev[1].sock, "exit closes another socket:%s", dump(&r));
	run_done(&r);
}

/* ---- ways to send ------------------------------------------------------------------------- */

Test(trace, sendfile_sendmmsg_writev_splice_are_sends_of_their_size, .timeout = 20)
{
	static const struct want w[] = {
		PAIR_CALLS,
		W(TRACE_SEND, "sendfile", 4, 1000, 1000),
		W(TRACE_SEND, "sendmmsg", 4, 35, 2),
		W(TRACE_SEND, "writev", 4, 6, 6),
		W(TRACE_SEND, "splice", 4, 7, 7),
		{ TRACE_RECV, "recvfrom", 5, 1048, 1048, 0, MSG_WAITALL, -1 },
		{ TRACE_CLOSE, "close", 4, -1, 0, 0, 0, 1 },
		{ TRACE_CLOSE, "close", 5, -1, 0, 0, 0, 1 },
	};
	struct run r;

	run_prog(&r, "trace_prog", (const char *[]){ "vecio", NULL });
	expect_calls(&r, w, sizeof(w) / sizeof(w[0]));
	cr_assert_eq(r.ev[9].arg2, 2, "sendmmsg: %lld messages asked:%s", r.ev[9].arg2, dump(&r));
	for (int i = 8; i <= 11; i++)
		cr_assert_eq(r.ev[i].sock, r.ev[4].sock, "event %d is not on the client:%s", i,
		             dump(&r));
	run_done(&r);
}

Test(trace, long_vectors_are_summed_whole, .timeout = 20)
{
	static const struct want w[] = {
		PAIR_CALLS,
		W(TRACE_SEND, "writev", 4, 100, 100),
		W(TRACE_SEND, "sendmmsg", 4, 60, 20),
		{ TRACE_RECV, "recvfrom", 5, 160, 160, 0, MSG_WAITALL, -1 },
		{ TRACE_CLOSE, "close", 4, -1, 0, 0, 0, 1 },
		{ TRACE_CLOSE, "close", 5, -1, 0, 0, 0, 1 },
	};
	struct run r;

	run_prog(&r, "trace_prog", (const char *[]){ "manyvec", NULL });
	expect_calls(&r, w, sizeof(w) / sizeof(w[0]));
	cr_assert_eq(r.ev[9].arg2, 20, "sendmmsg: %lld messages asked:%s", r.ev[9].arg2, dump(&r));
	run_done(&r);
}

Test(trace, files_and_pipes_make_no_events, .timeout = 20)
{
	static const struct want w[] = {
		W(TRACE_SOCKET, "socket", -1, 0, 3),
		{ TRACE_CLOSE, "close", 3, -1, 0, 0, 0, 1 },
	};
	struct run r;

	run_prog(&r, "trace_prog", (const char *[]){ "files", NULL });
	expect_calls(&r, w, sizeof(w) / sizeof(w[0]));
	run_done(&r);
}

Test(trace, refused_connect_has_its_errno, .timeout = 20)
{
	static const struct want w[] = {
		W(TRACE_SOCKET, "socket", -1, 0, 3),
		W(TRACE_BIND, "bind", 3, -1, 0),
		W(TRACE_SOCKET, "socket", -1, 0, 4),
		{ TRACE_CONNECT, "connect", 4, -1, -1, ECONNREFUSED, 0, -1 },
		{ TRACE_CLOSE, "close", 4, -1, 0, 0, 0, 1 },
		{ TRACE_CLOSE, "close", 3, -1, 0, 0, 0, 1 },
	};
	struct run r;

	run_prog(&r, "trace_prog", (const char *[]){ "refused", NULL });
	expect_calls(&r, w, sizeof(w) / sizeof(w[0]));
	cr_assert_neq(r.ev[2].local.port, 0, "bind: no local port:%s", dump(&r));
	expect_addr(&r.ev[4].addr, r.ev[2].local.port, "connect's address");
	run_done(&r);
}

/* ---- threads and processes ---------------------------------------------------------------- */

Test(trace, calls_of_threads_carry_their_tid, .timeout = 20)
{
	struct run r;
	long tid[2];
	const struct trace_event *x;

	run_prog(&r, "trace_prog", (const char *[]){ "threads", NULL });
	expect_clean_run(&r);
	cr_assert_eq(sscanf(r.out, "tids %ld %ld", &tid[0], &tid[1]), 2, "output: %s", r.out);
	cr_assert(tid[0] != r.pid && tid[1] != r.pid && tid[0] != tid[1], "tids %ld %ld", tid[0],
	          tid[1]);
	cr_assert_eq(r.n, 8, "%zu events:%s", r.n, dump(&r));
	for (int i = 0; i < 3; i++) {
		const struct trace_event *s = &r.ev[1 + 2 * i], *c = s + 1;
		long want = i < 2 ? tid[i] : r.pid;

		cr_assert(s->call == TRACE_SOCKET && c->call == TRACE_CLOSE && s->ret == 7 &&
		          c->fd == 7 && c->sock == s->sock && c->last, "pair %d:%s", i, dump(&r));
		cr_assert(s->tid == want && c->tid == want, "pair %d from tid %d, wanted %ld:%s", i,
		          s->tid, want, dump(&r));
		cr_assert(s->pid == r.pid && c->pid == r.pid, "pair %d: pid %d:%s", i, s->pid,
		          dump(&r));
	}
	x = exit_event(&r);
	cr_assert_geq(x->tasks_peak, 3, "tasks_peak %u with two threads alive at once",
	              x->tasks_peak);
	run_done(&r);
}

Test(trace, sleeps_of_a_millisecond_or_more_are_reported_from_any_thread, .timeout = 20)
{
	struct run r;
	long tid;
	const struct trace_event *w[8];
	size_t nw = 0;

	run_prog(&r, "trace_prog", (const char *[]){ "sleeps", NULL });
	expect_clean_run(&r);
	cr_assert_eq(sscanf(r.out, "tid %ld", &tid), 1, "output: %s", r.out);
	for (size_t i = 0; i < r.n; i++)
		if (r.ev[i].call == TRACE_WAIT && nw < 8)
			w[nw++] = &r.ev[i];
	/* The 100 us sleep is too short to report, and the poll() woke on time. */
	cr_assert_eq(nw, 3, "%zu waits:%s", nw, dump(&r));
	cr_assert(trace_event_sleep(w[0]) && w[0]->tid == tid && w[0]->arg == 5 && !w[0]->err &&
	          trace_event_blocked_ns(w[0]) >= 5000000, "the thread's sleep:%s", dump(&r));
	cr_assert(trace_event_sleep(w[1]) && w[1]->tid == r.pid && w[1]->arg == 2 &&
	          trace_event_blocked_ns(w[1]) >= 2000000, "usleep(2000):%s", dump(&r));
	cr_assert(!strcmp(w[2]->name, "clock_nanosleep") && w[2]->arg == -1 &&
	          trace_event_blocked_ns(w[2]) >= 1000000, "until a time:%s", dump(&r));
	for (size_t i = 0; i < nw; i++)
		cr_assert(trace_event_quiet(w[i]), "a sleep on time is not a stall:%s", dump(&r));
	run_done(&r);
}

/* A loop that polls for what it then ignores spins inside poll(): each wake-up that no call
 * followed is reported once; a loop that reads what woke it reports none. */
static size_t empty_wakes(const struct run *r, long long *ret)
{
	size_t k = 0;

	for (size_t i = 0; i < r->n; i++)
		if (trace_event_empty_wake(&r->ev[i])) {
			cr_expect(trace_event_quiet(&r->ev[i]), "not a stall:%s", dump(r));
			cr_expect(!trace_event_idle(&r->ev[i]) && r->ev[i].t_exit_ns >=
			          r->ev[i].t_enter_ns, "%s", dump(r));
			*ret = r->ev[i].ret;
			k++;
		}
	return k;
}

Test(trace, a_poll_wake_up_that_nothing_follows_is_reported_and_a_served_one_is_not,
     .timeout = 20)
{
	struct run r;
	long long ret = 0;

	run_prog(&r, "trace_prog", (const char *[]){ "wakes", "50", "0", NULL });
	expect_clean_run(&r);
	cr_expect_eq(empty_wakes(&r, &ret), 49, "50 polls for POLLOUT, nothing done after:%s",
	             dump(&r));
	cr_expect_eq(ret, 1, "each returned 1");
	run_done(&r);

	run_prog(&r, "trace_prog", (const char *[]){ "wakes", "0", "50", NULL });
	expect_clean_run(&r);
	cr_expect_eq(empty_wakes(&r, &ret), 0, "every wake-up was followed by its recv():%s",
	             dump(&r));
	run_done(&r);
}

/* Calls with the same trace_event.waits had no wait between them that could block: a
 * poll() with timeout 0 is none, a poll() that waited and a sleep are. */
Test(trace, waits_count_what_could_block_between_two_calls, .timeout = 20)
{
	/* What each EAGAIN's count adds to the first's (trace_prog idleruns): a poll() of
	 * timeout 0, a waitpid(WNOHANG), a file's read and a futex wake add nothing. */
	static const uint32_t step[] = { 0, 0, 0, 0, 0, 1, 2, 3, 4, 4, 4, 4, 5 };
	enum { N = sizeof(step) / sizeof(step[0]) };
	struct run r;
	uint32_t w[N];
	size_t k = 0;

	run_prog(&r, "trace_prog", (const char *[]){ "idleruns", NULL });
	expect_clean_run(&r);
	for (size_t i = 0; i < r.n; i++)
		if (r.ev[i].call == TRACE_RECV && r.ev[i].err == EAGAIN) {
			cr_expect(trace_event_idle(&r.ev[i]), "%s", dump(&r));
			if (k < N)
				w[k] = r.ev[i].waits;
			k++;
		}
	cr_assert_eq(k, N, "%d recv() = EAGAIN:%s", N, dump(&r));
	for (size_t i = 0; i < N; i++)
		cr_expect_eq(w[i], w[0] + step[i], "EAGAIN %zu: waits %u, the first %u:%s", i + 1,
		             w[i], w[0], dump(&r));
	run_done(&r);
}

Test(trace, children_are_traced_with_their_pid, .timeout = 20)
{
	struct run r;
	int forks = 0, nchild = 2, per = 3;
	pid_t child[2] = { 0, 0 };

	run_prog(&r, "trace_prog", (const char *[]){ "fork", "2", "3", NULL });
	expect_clean_run(&r);
	for (size_t i = 1; i + 1 < r.n; i++) {
		const struct trace_event *ev = &r.ev[i];
		int k;

		if (ev->call == TRACE_FORK) {
			cr_assert_lt(forks, nchild, "more forks than children:%s", dump(&r));
			cr_assert(ev->pid > 0 && ev->pid != r.pid && ev->arg == r.pid,
			          "fork event: child %d of %lld:%s", ev->pid, ev->arg, dump(&r));
			child[forks++] = ev->pid;
			continue;
		}
		for (k = 0; k < forks && child[k] != ev->pid; k++)
			;
		cr_assert_lt(k, forks, "event %zu is from pid %d before its fork event:%s", i,
		             ev->pid, dump(&r));
		cr_assert_eq(ev->tid, ev->pid, "event %zu:%s", i, dump(&r));
	}
	cr_assert_eq(forks, nchild, "%d fork events:%s", forks, dump(&r));
	for (int k = 0; k < nchild; k++) {
		int seen = 0, exits = 0;

		for (size_t i = 1; i + 1 < r.n; i++) {
			const struct trace_event *ev = &r.ev[i];

			if (ev->pid != child[k] || ev->call == TRACE_FORK)
				continue;
			if (ev->call == TRACE_EXIT) {
				cr_assert(WIFEXITED(ev->arg) && WEXITSTATUS(ev->arg) == 0);
				exits++;
				continue;
			}
			cr_assert_eq(exits, 0, "child %d calls after its exit:%s", child[k], dump(&r));
			cr_assert_eq(ev->call, seen % 2 ? TRACE_CLOSE : TRACE_SOCKET,
			             "child %d, call %d:%s", child[k], seen, dump(&r));
			cr_assert_eq(seen % 2 ? ev->fd : ev->ret, 3, "child %d, call %d:%s", child[k],
			             seen, dump(&r));
			seen++;
		}
		cr_assert_eq(seen, 2 * per, "child %d made %d calls:%s", child[k], seen, dump(&r));
		cr_assert_eq(exits, 1, "child %d exits %d times:%s", child[k], exits, dump(&r));
	}
	run_done(&r);
}

/* ---- signals during a call ------------------------------------------------------------ */

/*
 * trace_prog signal HOW: a signal reaches the main thread asleep in recv(5); a second
 * thread then sends the byte it waits for on 4. The recv() the program made is what the
 * trace must show: one call when the kernel restarted it, an EINTR and a second call when
 * the program saw EINTR.
 */
static void expect_signal_run(const char *how, bool eintr)
{
	struct run r;
	int nrecv = 0, nsend = 0, nclose = 0;

	run_prog(&r, "trace_prog", (const char *[]){ "signal", how, NULL });
	expect_clean_run(&r);
	for (size_t i = 8; i + 1 < r.n; i++) {
		const struct trace_event *ev = &r.ev[i];

		if (ev->call == TRACE_RECV) {
			bool intr = eintr && nrecv == 0;

			cr_assert(ev->tid == r.pid && ev->fd == 5 && ev->arg == 16,
			          "recv %d:%s", nrecv, dump(&r));
			cr_assert(intr ? ev->ret == -1 && ev->err == EINTR : ev->ret == 1 && !ev->err,
			          "recv %d: ret %lld errno %d, wanted %s:%s", nrecv, ev->ret, ev->err,
			          intr ? "-1 EINTR" : "1", dump(&r));
			nrecv++;
		} else if (ev->call == TRACE_SEND) {
			cr_assert(ev->tid != r.pid && ev->pid == r.pid && ev->fd == 4 && ev->ret == 1,
			          "the second thread's send:%s", dump(&r));
			nsend++;
		} else {
			cr_assert(ev->call == TRACE_CLOSE && ev->fd == 4 + nclose && ev->tid == r.pid,
			          "event %zu:%s", i, dump(&r));
			nclose++;
		}
	}
	cr_assert(nrecv == (eintr ? 2 : 1) && nsend == 1 && nclose == 2,
	          "%d recv, %d send, %d close:%s", nrecv, nsend, nclose, dump(&r));
	run_done(&r);
}

Test(trace, a_call_restarted_after_an_ignored_signal_is_one_call, .timeout = 20)
{
	expect_signal_run("ign", false);
}

Test(trace, a_call_restarted_after_an_sa_restart_handler_is_one_call, .timeout = 20)
{
	expect_signal_run("restart", false);
}

Test(trace, a_call_interrupted_by_a_handler_is_eintr_then_the_retry, .timeout = 20)
{
	expect_signal_run("intr", true);
}

/* ---- what the program cannot do ------------------------------------------------------------ */

Test(trace, forged_records_written_anywhere_add_no_event, .timeout = 20)
{
	struct run r;

	run_prog(&r, "trace_prog", (const char *[]){ "forge", NULL });
	/* Only its real calls: the socket, its own failed write of the fake on it, close. */
	static const struct want w[] = {
		W(TRACE_SOCKET, "socket", -1, 0, 3),
		{ TRACE_SEND, "write", 3, sizeof(struct trace_event), -1, EPIPE, 0, -1 },
		{ TRACE_CLOSE, "close", 3, -1, 0, 0, 0, 1 },
	};
	expect_calls(&r, w, sizeof(w) / sizeof(w[0]));
	run_done(&r);
}

Test(trace, io_uring_and_aio_are_refused_with_enosys, .timeout = 20)
{
	struct run r;

	run_prog(&r, "trace_prog", (const char *[]){ "iouring", NULL });
	expect_calls(&r, NULL, 0);
	run_done(&r);
}

/* ---- the program's end -------------------------------------------------------------------- */

Test(trace, exit_status_is_in_the_last_event, .timeout = 20)
{
	struct run r;
	const struct trace_event *x;

	run_prog(&r, "trace_prog", (const char *[]){ "exit", "3", NULL });
	x = exit_event(&r);
	cr_assert(WIFEXITED(x->arg) && WEXITSTATUS(x->arg) == 3, "exit event arg 0x%llx",
	          (unsigned long long)x->arg);
	cr_assert(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 3, "proc_reap: 0x%x", r.status);
	cr_assert_eq(r.n, 2, "events besides start and exit:%s", dump(&r));
	run_done(&r);
}

Test(trace, cpu_time_is_in_the_exit_event, .timeout = 20)
{
	struct run r;
	const struct trace_event *x;

	run_prog(&r, "trace_prog", (const char *[]){ "burn", "50", NULL });
	expect_clean_run(&r);
	x = exit_event(&r);
	/* It burned until its own CPU clock said 50 ms; rusage is exact to the microsecond. */
	cr_assert(x->cpu_ns >= 49000000 && x->cpu_ns < 10000000000ULL, "cpu_ns %llu",
	          (unsigned long long)x->cpu_ns);
	cr_assert_gt(x->maxrss, 0);
	run_done(&r);
}

/* The test is the subreaper: the orphaned grandchild comes to it once the tracer lets go of
 * it, so how it ended is known for certain and kill(pid, 0) cannot see a zombie. */
Test(trace, a_daemon_left_behind_ends_with_the_program, .timeout = 20)
{
	struct run r;
	int gc = 0, st;

	cr_assert_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	run_prog(&r, "trace_prog", (const char *[]){ "orphan", NULL });
	expect_clean_run(&r);
	cr_assert_eq(sscanf(r.out, "orphan %d", &gc), 1, "output: %s", r.out);
	cr_assert_eq(waitpid(gc, &st, WNOHANG), gc, "the daemon %d is still running", gc);
	cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "the daemon ended with 0x%x", st);
	cr_assert(kill(gc, 0) < 0 && errno == ESRCH, "the daemon %d is still there", gc);
	cr_assert(kill(-r.pid, 0) < 0 && errno == ESRCH, "the program's group is still there");
	for (size_t i = 0; i < r.n; i++)
		if (r.ev[i].call == TRACE_FORK)
			cr_assert(kill(r.ev[i].pid, 0) < 0 && errno == ESRCH, "%d is still there",
			          r.ev[i].pid);
	cr_assert_eq(waitpid(-1, &st, WNOHANG), -1, "something else came to the subreaper");
	run_done(&r);
}

/* Children forked right before the program exits may not have been seen by the tracer
 * yet: they must not be let go when they are. The test is their subreaper: each comes
 * to it, killed, once the tracer has let go of it. */
Test(trace, children_forked_just_before_exit_end_with_it, .timeout = 20)
{
	struct run r;
	int st;

	cr_assert_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	for (int round = 0; round < 5; round++) {
		int reaped = 0;
		pid_t pid;

		run_prog(&r, "trace_prog", (const char *[]){ "spray", "20", NULL });
		expect_clean_run(&r);
		while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
			cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "child %d ended with 0x%x",
			          (int)pid, st);
			reaped++;
		}
		cr_assert_eq(reaped, 20, "round %d: %d children came back killed", round, reaped);
		cr_assert(kill(-r.pid, 0) < 0 && errno == ESRCH, "the program's group is still there");
		run_done(&r);
	}
}

/* The same, forced: the program exits while its last child cannot run yet (trace_prog
 * race), so the tracer sees the exit before that child's first stop. */
Test(trace, a_child_not_yet_started_when_the_program_exits_is_killed, .timeout = 20)
{
	struct run r;
	int st, reaped = 0;
	pid_t pid;

	cr_assert_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	run_prog(&r, "trace_prog", (const char *[]){ "race", NULL });
	if (WIFEXITED(r.status) && WEXITSTATUS(r.status) == 77)
		cr_skip_test("the program cannot hold one CPU with SCHED_FIFO while the tracer runs"
		             " on another (fewer than 2 CPUs allowed, or SCHED_FIFO or affinity"
		             " refused)");
	expect_clean_run(&r);
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "child %d ended with 0x%x",
		          (int)pid, st);
		reaped++;
	}
	cr_assert_eq(reaped, 2, "%d children came back killed, wanted the hog and the last",
	             reaped);
	run_done(&r);
}

Test(trace, proc_kill_ends_a_blocked_program_at_once, .timeout = 20)
{
	struct run r;
	const struct trace_event *x;
	long long t0, ms;

	start_with(&r, prog_path("trace_prog"), (const char *[]){ "block", NULL }, NULL);
	while (!strstr(r.out, "ready\n")) {
		struct pollfd pf = { proc_output_fd(r.p), POLLIN, 0 };

		cr_assert(!r.out_eof, "the program ended before it blocked: %s", r.out);
		(void)poll(&pf, 1, -1);
		read_out(&r);
	}
	t0 = now_ms();
	proc_kill(r.p);
	ms = now_ms() - t0;
	cr_assert_lt(ms, 500, "proc_kill took %lld ms", ms);
	cr_assert_eq(proc_reap(r.p, &r.status), 1);
	r.ended = true;
	finish(&r);
	x = exit_event(&r);
	cr_assert(WIFSIGNALED(x->arg) && WTERMSIG(x->arg) == SIGKILL, "exit event arg 0x%llx:%s",
	          (unsigned long long)x->arg, dump(&r));
	cr_assert(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGKILL, "status 0x%x", r.status);
	run_done(&r);
}

/* The task sleeps in recvfrom(), past its seccomp stop: /proc/PID/syscall names the call,
 * and /proc/PID/stat says S (sleeping), not t (stopped for the tracer: still at the stop). */
static bool sleeps_in_recv(pid_t pid)
{
	char path[64], buf[512], state = 0, *rp;
	long nr = -1;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	rp = strrchr(buf, ')');
	if (!rp || sscanf(rp + 1, " %c", &state) != 1 || state != 'S')
		return false;

	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return sscanf(buf, "%ld", &nr) == 1 && nr == SYS_recvfrom;
}

/* Killed inside recv(): no exit stop comes, and the call is reported as unfinished, with
 * what it asked for, so an explanation can say what the program was waiting in. */
Test(trace, a_call_the_program_is_killed_inside_is_reported_unfinished, .timeout = 20)
{
	struct run r;
	const struct trace_event *u = NULL;
	pid_t pid;

	start_with(&r, prog_path("trace_prog"), (const char *[]){ "block", NULL }, NULL);
	while (!strstr(r.out, "ready\n")) {
		struct pollfd pf = { proc_output_fd(r.p), POLLIN, 0 };

		cr_assert(!r.out_eof, "the program ended before it blocked: %s", r.out);
		(void)poll(&pf, 1, -1);
		read_out(&r);
	}
	/* Its pid as this process sees it: the tracer's child, the program. */
	pid = proc_pid(r.p);
	for (int i = 0; i < 2000 && !sleeps_in_recv(pid); i++)
		(void)poll(NULL, 0, 5);
	cr_assert(sleeps_in_recv(pid), "the program never slept in recvfrom()");
	proc_kill(r.p);
	cr_assert_eq(proc_reap(r.p, &r.status), 1);
	r.ended = true;
	finish(&r);
	for (size_t i = 0; i < r.n; i++)
		if (r.ev[i].unfinished)
			u = &r.ev[i];
	cr_assert_not_null(u, "no unfinished call:%s", dump(&r));
	cr_expect_eq(u->call, TRACE_RECV, "%s", dump(&r));
	cr_expect_eq(u->arg, 16);
	cr_expect_geq(u->t_exit_ns, u->t_enter_ns);
	for (size_t i = 0; i < r.n; i++)
		cr_expect(!(r.ev[i].call == TRACE_RECV && !r.ev[i].unfinished),
		          "a finished recv was reported:%s", dump(&r));
	run_done(&r);
}

/* ---- a burst and a slow reader -------------------------------------------------------------- */

/* The tracer is asleep in write() on its record pipe (fd 3): the pipe is full and it waits
 * for us. /proc/PID/syscall names the call a task sleeps in ("running" while it runs). */
static bool tracer_waits_on_pipe(pid_t program)
{
	char path[64], buf[512], *rp;
	int ppid = 0, fd;
	ssize_t n;
	long nr = -1, arg0 = -1;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)program);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	rp = strrchr(buf, ')');
	if (!rp || sscanf(rp + 1, " %*c %d", &ppid) != 1)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/syscall", ppid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return sscanf(buf, "%ld 0x%lx", &nr, &arg0) == 2 && nr == SYS_write && arg0 == 3;
}

Test(trace, a_burst_loses_no_event_when_the_reader_is_slow, .timeout = 120)
{
	enum { PAIRS = 20000 };
	struct run r;
	long long deadline;
	int avail = 0;

	start_with(&r, prog_path("trace_prog"), (const char *[]){ "pairs", "20000", NULL }, NULL);
	/* Read nothing until the record pipe is full and the tracer waits on it. No readiness
	 * signal says "full": look every millisecond, for at most 30 s. */
	deadline = now_ms() + 30000;
	while (!tracer_waits_on_pipe(r.pid)) {
		struct pollfd pf = { proc_exit_fd(r.p), POLLIN, 0 };

		cr_assert_lt(now_ms(), deadline, "the tracer never waited for the reader");
		cr_assert_eq(poll(&pf, 1, 1), 0, "the program ended with the pipe unread: its "
		             "records went somewhere");
	}
	cr_assert_eq(ioctl(proc_trace_fd(r.p), FIONREAD, &avail), 0);
	cr_assert_gt(avail, (int)(PAIRS * sizeof(struct trace_event) / 16),
	             "the tracer waits with only %d bytes in the pipe", avail);
	cr_assert_eq(proc_reap(r.p, NULL), 0, "the program ended while its tracer waited");
	/* Then a reader that takes a few records at a time. */
	finish_taking(&r, 7);
	expect_clean_run(&r);
	cr_assert_eq(r.n, 2 + 2 * PAIRS, "%zu events, wanted %d", r.n, 2 + 2 * PAIRS);
	for (size_t i = 0; i < PAIRS; i++) {
		const struct trace_event *s = &r.ev[1 + 2 * i], *c = s + 1;

		if (s->call != TRACE_SOCKET || s->ret != 3 || c->call != TRACE_CLOSE || c->fd != 3 ||
		    c->sock != s->sock || !c->last || (i && s->sock == s[-1].sock))
			cr_assert_fail("pair %zu: %s(%lld) sock %llu, %s(%d) sock %llu", i,
			               s->name, s->ret, (unsigned long long)s->sock, c->name, c->fd,
			               (unsigned long long)c->sock);
	}
	run_done(&r);
}

/* tcplab may kill a program while the tracer waits for it to read (a flood of calls, a
 * deadline): the kill must not wait for a reader that is busy killing. */
Test(trace, proc_kill_while_the_tracer_waits_on_a_full_pipe, .timeout = 60)
{
	struct run r;
	const struct trace_event *x;
	long long deadline, t0, ms;

	start_with(&r, prog_path("trace_prog"), (const char *[]){ "pairs", "10000000", NULL },
	           NULL);
	deadline = now_ms() + 30000;
	while (!tracer_waits_on_pipe(r.pid)) {
		struct pollfd pf = { proc_exit_fd(r.p), POLLIN, 0 };

		cr_assert_lt(now_ms(), deadline, "the tracer never waited for the reader");
		cr_assert_eq(poll(&pf, 1, 1), 0, "the program ended with the pipe unread");
	}
	t0 = now_ms();
	proc_kill(r.p);
	ms = now_ms() - t0;
	cr_assert_lt(ms, 500, "proc_kill took %lld ms", ms);
	cr_assert_eq(proc_reap(r.p, &r.status), 1);
	r.ended = true;
	finish(&r);
	x = exit_event(&r);
	cr_assert(WIFSIGNALED(x->arg) && WTERMSIG(x->arg) == SIGKILL, "exit event arg 0x%llx",
	          (unsigned long long)x->arg);
	cr_assert(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGKILL, "status 0x%x", r.status);
	run_done(&r);
}
