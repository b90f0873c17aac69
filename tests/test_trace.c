/* summary: syscall trace tests: real programs under libtcplab-trace.so, and the parser against hostile lines. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/trace.h"

/* ---- running a program under the tracer ------------------------------------------------ */

/* Where the child finds the pipe. The tracer moves it away and frees fd 3, so the
 * program's first socket is still fd 3 (the echo test checks that). */
#define CHILD_TRACE_FD 3
#define CHILD_NULL_FD  12    /* an open fd that is not a pipe */

struct run {
	struct trace_event *ev;
	size_t n, cap;
	int bad;                 /* lines the reader rejected */
	char firstbad[256];
	size_t bytes;            /* bytes read from the trace pipe */
	int status;              /* waitpid status */
	pid_t pid;
	int in, out;             /* the child's stdin (write end) and stdout (read end), or -1 */
	int trace;               /* read end of the trace pipe */
	struct trace_reader *rd;
};

static const char *build_path(const char *rel, char *buf, size_t len)
{
	const char *b = getenv("TCPLAB_BUILD");
	if (!b)
		return NULL;
	snprintf(buf, len, "%s/%s", b, rel);
	return access(buf, F_OK) == 0 ? buf : NULL;
}

/* Skips the test when the tracer or the test program has not been built. */
static void need_build(char *so, char *prog, size_t len)
{
	if (!getenv("TCPLAB_BUILD"))
		cr_skip_test("TCPLAB_BUILD is not set (run the tests through tests/run.sh)");
	if (!build_path("libtcplab-trace.so", so, len))
		cr_skip_test("libtcplab-trace.so is not built in $TCPLAB_BUILD");
	if (!build_path("tests/progs/trace_prog", prog, len))
		cr_skip_test("tests/progs/trace_prog is not built in $TCPLAB_BUILD");
}

static void collect(struct run *r)
{
	struct trace_event ev;
	char err[256];
	int k;
	while ((k = trace_reader_next(r->rd, &ev, err, sizeof err)) != 0) {
		if (k < 0) {
			if (!r->bad++)
				snprintf(r->firstbad, sizeof r->firstbad, "%s", err);
			continue;
		}
		if (r->n == r->cap) {
			r->cap = r->cap ? 2 * r->cap : 256;
			r->ev = realloc(r->ev, r->cap * sizeof *r->ev);
			cr_assert_not_null(r->ev);
		}
		r->ev[r->n++] = ev;
	}
}

/* Reads the trace pipe: until EOF when all is true, else what is there now. */
static void drain(struct run *r, bool all)
{
	char buf[65536];
	for (;;) {
		if (!all) {
			struct pollfd p = { r->trace, POLLIN, 0 };
			if (poll(&p, 1, 0) <= 0)
				return;
		}
		ssize_t n = read(r->trace, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		cr_assert(n >= 0, "read trace pipe: %s", strerror(errno));
		if (n == 0)
			return;
		r->bytes += (size_t)n;
		cr_assert_eq(trace_reader_feed(r->rd, buf, (size_t)n), 0);
		collect(r);
	}
}

/*
 * Starts argv[0..] = trace_prog MODE ... with the tracer preloaded and the trace pipe on
 * CHILD_TRACE_FD. envfd is the value of TCPLAB_TRACE_FD (NULL: unset). pipe_size, if not
 * 0, is the trace pipe's capacity. With stdio, the child's stdin and stdout are pipes.
 */
static void start(struct run *r, const char *envfd, int pipe_size, bool stdio,
                  const char *mode, const char *n, const char *m)
{
	char so[512], prog[512], preload[600], fdvar[64];
	int tp[2], ip[2] = { -1, -1 }, op[2] = { -1, -1 };

	need_build(so, prog, sizeof so);
	memset(r, 0, sizeof *r);
	r->in = r->out = -1;
	r->rd = trace_reader_new();
	cr_assert_not_null(r->rd);
	cr_assert_eq(pipe2(tp, O_CLOEXEC), 0);
	if (pipe_size)
		cr_assert(fcntl(tp[0], F_SETPIPE_SZ, pipe_size) >= pipe_size);
	if (stdio) {
		cr_assert_eq(pipe2(ip, O_CLOEXEC), 0);
		cr_assert_eq(pipe2(op, O_CLOEXEC), 0);
	}
	snprintf(preload, sizeof preload, "LD_PRELOAD=%s", so);
	snprintf(fdvar, sizeof fdvar, "TCPLAB_TRACE_FD=%s", envfd ? envfd : "");
	char path[] = "PATH=/usr/bin:/bin";
	char *envp[] = { preload, path, envfd ? fdvar : NULL, NULL };
	char *argv[] = { prog, (char *)mode, (char *)n, (char *)m, NULL };

	r->pid = fork();
	cr_assert(r->pid >= 0);
	if (r->pid == 0) {
		/* stdio first: the trace pipe may move onto an fd the stdio pipes still use. */
		if (stdio && (dup2(ip[0], 0) < 0 || dup2(op[1], 1) < 0))
			_exit(126);
		/* dup2 clears close-on-exec, except when the fd is already there. */
		if (tp[1] == CHILD_TRACE_FD ? fcntl(tp[1], F_SETFD, 0) < 0
		                            : dup2(tp[1], CHILD_TRACE_FD) < 0)
			_exit(126);
		int nul = open("/dev/null", O_WRONLY);
		if (nul < 0 || (nul != CHILD_NULL_FD && dup2(nul, CHILD_NULL_FD) < 0))
			_exit(126);
		/* Nothing else inherited, so fd numbers are what the program gets on its own. */
		close_range(CHILD_TRACE_FD + 1, CHILD_NULL_FD - 1, 0);
		close_range(CHILD_NULL_FD + 1, ~0u, 0);
		execve(prog, argv, envp);
		_exit(127);
	}
	close(tp[1]);
	r->trace = tp[0];
	if (stdio) {
		close(ip[0]);
		close(op[1]);
		r->in = ip[1];
		r->out = op[0];
	}
}

static void finish(struct run *r)
{
	drain(r, true);
	cr_assert_eq(waitpid(r->pid, &r->status, 0), r->pid);
	close(r->trace);
	if (r->in >= 0)
		close(r->in);
	if (r->out >= 0)
		close(r->out);
	trace_reader_free(r->rd);
	r->rd = NULL;
}

static void run_mode(struct run *r, const char *mode, const char *n, const char *m)
{
	char fd[16];
	snprintf(fd, sizeof fd, "%d", CHILD_TRACE_FD);
	start(r, fd, 1 << 20, false, mode, n, m);
	finish(r);
	cr_assert_eq(r->bad, 0, "%d bad trace lines, first: %s", r->bad, r->firstbad);
	cr_assert(WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0,
	          "trace_prog %s ended with status 0x%x", mode, r->status);
}

/* The socket calls only: start, fork and exit lines left out. */
static size_t calls(const struct run *r, const struct trace_event **out, size_t max)
{
	size_t k = 0;
	for (size_t i = 0; i < r->n && k < max; i++)
		if (r->ev[i].call != TRACE_START && r->ev[i].call != TRACE_EXIT &&
		    r->ev[i].call != TRACE_OTHER)
			out[k++] = &r->ev[i];
	return k;
}

static const struct trace_event *find(const struct run *r, enum trace_call c)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->ev[i].call == c)
			return &r->ev[i];
	return NULL;
}

static void assert_str(const struct trace_event *ev, const char *want)
{
	char buf[256];
	cr_assert_str_eq(trace_event_str(ev, buf, sizeof buf), want);
}

/* ---- the tracer, on real programs -------------------------------------------------------- */

Test(tracer, echo_exchange_is_reported_in_order, .timeout = 20)
{
	struct run r;
	const struct trace_event *c[64];
	static const struct {
		const char *name;
		enum trace_call call;
		int fd;
		long long arg, ret;
	} want[] = {
		{ "socket", TRACE_SOCKET, -1, 0, 3 },
		{ "bind", TRACE_BIND, 3, 0, 0 },
		{ "listen", TRACE_LISTEN, 3, 4, 0 },
		{ "socket", TRACE_SOCKET, -1, 0, 4 },
		{ "connect", TRACE_CONNECT, 4, 0, 0 },
		{ "accept", TRACE_ACCEPT, 3, 0, 5 },
		{ "send", TRACE_SEND, 4, 5, 5 },
		{ "recv", TRACE_RECV, 5, 1000, 5 },
		{ "write", TRACE_SEND, 5, 5, 5 },
		{ "read", TRACE_RECV, 4, 1000, 5 },
		{ "shutdown", TRACE_SHUTDOWN, 4, SHUT_WR, 0 },
		{ "recv", TRACE_RECV, 5, 1000, 0 },
		{ "close", TRACE_CLOSE, 5, 0, 0 },
		{ "close", TRACE_CLOSE, 4, 0, 0 },
		{ "close", TRACE_CLOSE, 3, 0, 0 },
	};
	const size_t nwant = sizeof want / sizeof want[0];

	run_mode(&r, "echo", NULL, NULL);
	size_t n = calls(&r, c, 64);
	cr_assert_eq(n, nwant, "%zu calls traced, expected %zu", n, nwant);
	for (size_t i = 0; i < n; i++) {
		cr_assert_str_eq(c[i]->name, want[i].name, "call %zu", i);
		cr_assert_eq(c[i]->call, want[i].call, "call %zu (%s)", i, want[i].name);
		cr_assert_eq(c[i]->fd, want[i].fd, "call %zu (%s) fd", i, want[i].name);
		cr_assert_eq(c[i]->arg, want[i].arg, "call %zu (%s) arg", i, want[i].name);
		cr_assert_eq(c[i]->ret, want[i].ret, "call %zu (%s) ret", i, want[i].name);
		cr_assert_eq(c[i]->err, 0, "call %zu (%s) errno", i, want[i].name);
		cr_assert_eq(c[i]->pid, r.pid);
		cr_assert(c[i]->t_enter_ns <= c[i]->t_exit_ns);
		if (i > 0)
			cr_assert(c[i]->t_enter_ns >= c[i - 1]->t_exit_ns, "call %zu starts before %zu ended",
			          i, i - 1);
	}

	/* Addresses tie calls to the 4-tuple. */
	const char *server = c[1]->local, *client = c[4]->local;
	cr_assert(strncmp(server, "127.0.0.1:", 10) == 0 && atoi(server + 10) > 0, "bind local '%s'",
	          server);
	cr_assert(strncmp(client, "127.0.0.1:", 10) == 0 && atoi(client + 10) > 0, "connect local '%s'",
	          client);
	cr_assert_str_eq(c[1]->detail, "127.0.0.1:0");          /* bind's address as given */
	cr_assert_str_eq(c[2]->local, server);
	cr_assert_str_eq(c[4]->peer, server);
	cr_assert_str_eq(c[5]->local, server);                  /* accept: the new connection */
	cr_assert_str_eq(c[5]->peer, client);
	for (size_t i = 6; i < 14; i++) {
		bool client_side = c[i]->fd == 4;
		cr_assert_str_eq(c[i]->local, client_side ? client : server, "call %zu local", i);
		cr_assert_str_eq(c[i]->peer, client_side ? server : client, "call %zu peer", i);
	}
	cr_assert_str_eq(c[6]->detail, "MSG_NOSIGNAL");
	cr_assert_str_eq(c[10]->detail, "SHUT_WR");
	cr_assert_str_eq(c[0]->detail, "AF_INET SOCK_STREAM");

	assert_str(c[0], "socket(AF_INET, SOCK_STREAM) = 3");
	assert_str(c[2], "listen(3, 4) = 0");
	assert_str(c[6], "send(4, 5, MSG_NOSIGNAL) = 5");
	assert_str(c[7], "recv(5, 1000) = 5");
	assert_str(c[8], "write(5, 5) = 5");
	assert_str(c[10], "shutdown(4, SHUT_WR) = 0");
	assert_str(c[14], "close(3) = 0");

	const struct trace_event *st = find(&r, TRACE_START), *ex = find(&r, TRACE_EXIT);
	cr_assert_not_null(st);
	cr_assert_not_null(ex);
	cr_assert(strstr(st->detail, "trace_prog") != NULL, "start detail '%s'", st->detail);
	cr_assert_eq(st->arg, getpid());                        /* the parent pid */
	cr_assert_eq(ex->arg, 0);                               /* returned 0 from main */
	cr_assert_eq(ex->ret, 0);                               /* nothing dropped */
	cr_assert(&r.ev[0] == st && &r.ev[r.n - 1] == ex, "start first, exit last");
	free(r.ev);
}

Test(tracer, refused_connect_reports_econnrefused, .timeout = 20)
{
	struct run r;
	run_mode(&r, "refused", NULL, NULL);
	const struct trace_event *b = find(&r, TRACE_BIND), *c = find(&r, TRACE_CONNECT);
	cr_assert_not_null(b);
	cr_assert_not_null(c);
	cr_assert_eq(c->ret, -1);
	cr_assert_eq(c->err, ECONNREFUSED);
	cr_assert_str_eq(c->peer, b->local, "the refused target is still named");
	char want[128];
	snprintf(want, sizeof want, "connect(4, %s) = -1 ECONNREFUSED", b->local);
	assert_str(c, want);
	free(r.ev);
}

Test(tracer, program_closing_all_fds_is_still_traced, .timeout = 20)
{
	struct run r;
	const struct trace_event *c[8];
	run_mode(&r, "closeall", NULL, NULL);
	cr_assert_eq(calls(&r, c, 8), 2);
	assert_str(c[0], "socket(AF_INET, SOCK_STREAM) = 3");
	assert_str(c[1], "close(3) = 0");
	cr_assert_not_null(find(&r, TRACE_EXIT));
	free(r.ev);
}

Test(tracer, file_and_pipe_io_is_not_reported, .timeout = 20)
{
	struct run r;
	const struct trace_event *c[16];
	run_mode(&r, "files", NULL, NULL);
	size_t n = calls(&r, c, 16);
	cr_assert_eq(n, 2, "%zu calls traced: only socket() and its close() are sockets", n);
	cr_assert_str_eq(c[0]->name, "socket");
	cr_assert_str_eq(c[1]->name, "close");
	cr_assert_eq(c[1]->fd, (int)c[0]->ret);
	free(r.ev);
}

Test(tracer, setsockopt_options_are_decoded, .timeout = 20)
{
	struct run r;
	const struct trace_event *c[16];
	run_mode(&r, "sockopt", NULL, NULL);
	cr_assert_eq(calls(&r, c, 16), 5);
	cr_assert_eq(c[1]->call, TRACE_SETSOCKOPT);
	cr_assert_str_eq(c[1]->detail, "IPPROTO_TCP TCP_NODELAY 1");
	cr_assert_eq(c[1]->arg, 1);
	assert_str(c[1], "setsockopt(3, TCP_NODELAY, 1) = 0");
	cr_assert_str_eq(c[2]->detail, "SOL_SOCKET SO_LINGER {1,0}");
	assert_str(c[2], "setsockopt(3, SO_LINGER, {1,0}) = 0");
	assert_str(c[3], "setsockopt(3, SO_REUSEADDR, 1) = 0");
	cr_assert_eq(c[4]->err, ENOPROTOOPT);
	assert_str(c[4], "setsockopt(3, 12345, 1) = -1 ENOPROTOOPT");
	free(r.ev);
}

Test(tracer, exit_status_is_reported, .timeout = 20)
{
	struct run r;
	char fd[16];
	snprintf(fd, sizeof fd, "%d", CHILD_TRACE_FD);
	start(&r, fd, 0, false, "exit", "7", NULL);
	finish(&r);
	cr_assert(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 7);
	const struct trace_event *ex = find(&r, TRACE_EXIT);
	cr_assert_not_null(ex);
	cr_assert_eq(ex->arg, 7);
	assert_str(ex, "exit(7)");
	free(r.ev);
}

/* 8 processes write at once: every line arrives whole, every event is accounted for. */
Test(tracer, concurrent_writers_give_only_whole_lines, .timeout = 60)
{
	enum { KIDS = 8, PAIRS = 300 };
	struct run r;
	pid_t kid[KIDS];
	int nkid = 0, per[KIDS] = { 0 }, exits[KIDS] = { 0 };

	run_mode(&r, "fork", "8", "300");   /* run_mode asserts no bad line */
	for (size_t i = 0; i < r.n; i++) {
		const struct trace_event *e = &r.ev[i];
		if (e->call == TRACE_OTHER && strcmp(e->name, "fork") == 0) {
			cr_assert_lt(nkid, KIDS);
			cr_assert_eq(e->arg, r.pid);
			kid[nkid++] = e->pid;
		}
	}
	cr_assert_eq(nkid, KIDS);
	for (size_t i = 0; i < r.n; i++) {
		const struct trace_event *e = &r.ev[i];
		if (e->pid == r.pid)
			continue;
		int k = 0;
		while (k < nkid && kid[k] != e->pid)
			k++;
		cr_assert_lt(k, nkid, "event from unknown pid %d", e->pid);
		if (e->call == TRACE_SOCKET || e->call == TRACE_CLOSE) {
			cr_assert_eq(e->ret, e->call == TRACE_SOCKET ? 3 : 0);
			per[k]++;
		} else if (e->call == TRACE_EXIT) {
			exits[k]++;
			cr_assert_eq(e->ret, 0, "pipe of 1 MiB: nothing may be dropped");
		}
	}
	for (int k = 0; k < KIDS; k++) {
		cr_assert_eq(per[k], 2 * PAIRS, "child %d: %d calls traced", k, per[k]);
		cr_assert_eq(exits[k], 1);
	}
	free(r.ev);
}

/* A full pipe drops events, the program never waits for the engine, the drops are counted. */
Test(tracer, full_pipe_drops_events_without_blocking, .timeout = 30)
{
	enum { PAIRS = 400 };
	struct run r;
	char fd[16], x;
	int calls_seen = 0;
	snprintf(fd, sizeof fd, "%d", CHILD_TRACE_FD);
	start(&r, fd, 4096, true, "burst", "400", NULL);
	/* The child writes 'x' only after all its calls: with nobody reading a 4 KiB pipe, a
	 * tracer that blocked would never get there (and the test would time out). */
	cr_assert_eq(read(r.out, &x, 1), 1);
	drain(&r, false);
	cr_assert_leq(r.bytes, 4096);
	cr_assert_eq(write(r.in, "g", 1), 1);
	finish(&r);
	cr_assert(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0);
	cr_assert_eq(r.bad, 0, "first bad line: %s", r.firstbad);
	for (size_t i = 0; i < r.n; i++)
		calls_seen += r.ev[i].call == TRACE_SOCKET || r.ev[i].call == TRACE_CLOSE;
	const struct trace_event *ex = find(&r, TRACE_EXIT);
	cr_assert_not_null(ex);
	cr_assert_gt(ex->ret, 0);
	cr_assert_eq(calls_seen + ex->ret, 2 * PAIRS, "%d seen + %lld dropped", calls_seen, ex->ret);
	free(r.ev);
}

/* Unset, malformed, closed or not-a-pipe TCPLAB_TRACE_FD: the program runs, untraced. */
Test(tracer, bad_trace_fd_leaves_program_untraced, .timeout = 30)
{
	char closed[16], notpipe[16];
	snprintf(closed, sizeof closed, "%d", 77);
	snprintf(notpipe, sizeof notpipe, "%d", CHILD_NULL_FD);
	const char *vals[] = { NULL, "", "abc", "10x", "-1", "99999999999", closed, notpipe };
	for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
		struct run r;
		start(&r, vals[i], 0, false, "echo", NULL, NULL);
		finish(&r);
		cr_assert(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0,
		          "TCPLAB_TRACE_FD='%s': status 0x%x", vals[i] ? vals[i] : "(unset)", r.status);
		cr_assert_eq(r.bytes, 0, "TCPLAB_TRACE_FD='%s': %zu bytes traced",
		             vals[i] ? vals[i] : "(unset)", r.bytes);
		free(r.ev);
	}
}

/* ---- the parser ------------------------------------------------------------------------- */

#define GOOD "tcplab-trace 1 42 connect 3 0 -1 ECONNREFUSED 100 200 addr=10.99.0.2:8000 " \
             "local=10.99.0.1:41234 peer=10.99.0.2:8000 later_key=a%20b%25"

Test(parse, accepts_a_wellformed_line)
{
	struct trace_event ev;
	char err[128] = "";
	cr_assert_eq(trace_parse_line(GOOD "\n", strlen(GOOD) + 1, &ev, err, sizeof err), 0, "%s",
	             err);
	cr_assert_eq(ev.call, TRACE_CONNECT);
	cr_assert_str_eq(ev.name, "connect");
	cr_assert_eq(ev.pid, 42);
	cr_assert_eq(ev.fd, 3);
	cr_assert_eq(ev.ret, -1);
	cr_assert_eq(ev.err, ECONNREFUSED);
	cr_assert_eq(ev.t_enter_ns, 100);
	cr_assert_eq(ev.t_exit_ns, 200);
	cr_assert_eq(trace_event_blocked_ns(&ev), 100);
	cr_assert_str_eq(ev.local, "10.99.0.1:41234");
	cr_assert_str_eq(ev.peer, "10.99.0.2:8000");
	cr_assert_str_eq(ev.detail, "10.99.0.2:8000 later_key=a b%");
	cr_assert_str_eq(trace_call_name(ev.call), "connect");
}

Test(parse, names_map_to_classes)
{
	static const struct {
		const char *name;
		enum trace_call call;
	} t[] = {
		{ "writev", TRACE_SEND }, { "sendmsg", TRACE_SEND }, { "readv", TRACE_RECV },
		{ "recvfrom", TRACE_RECV }, { "accept4", TRACE_ACCEPT }, { "fork", TRACE_OTHER },
		{ "poll", TRACE_OTHER }, { "getsockopt", TRACE_GETSOCKOPT },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char line[128], err[128] = "";
		struct trace_event ev;
		snprintf(line, sizeof line, "tcplab-trace 1 9 %s 3 1 1 - 5 5", t[i].name);
		cr_assert_eq(trace_parse_line(line, strlen(line), &ev, err, sizeof err), 0, "%s", err);
		cr_assert_eq(ev.call, t[i].call, "%s", t[i].name);
		cr_assert_str_eq(ev.name, t[i].name);
	}
}

/* Arrays, not pointers: Criterion hands parameters to a fresh process. */
struct bad_line {
	char line[200];
	char reason[32];        /* a substring the error must contain */
};

ParameterizedTestParameters(parse, rejects_bad_lines)
{
	static struct bad_line p[] = {
		{ "", "not a trace line" },
		{ "hello world", "not a trace line" },
		{ "tcplab-trace2 1 42 close 3 0 0 - 1 2", "not a trace line" },
		{ "tcplab-trace 2 42 close 3 0 0 - 1 2", "version" },
		{ "tcplab-trace 1 0 close 3 0 0 - 1 2", "pid" },
		{ "tcplab-trace 1 -5 close 3 0 0 - 1 2", "pid" },
		{ "tcplab-trace 1 42 Close 3 0 0 - 1 2", "call name" },
		{ "tcplab-trace 1 42 averyverylongname 3 0 0 - 1 2", "call name" },
		{ "tcplab-trace 1 42 close x 0 0 - 1 2", "fd" },
		{ "tcplab-trace 1 42 close -2 0 0 - 1 2", "fd" },
		{ "tcplab-trace 1 42 close 3 99999999999999999999 0 - 1 2", "argument" },
		{ "tcplab-trace 1 42 close 3 0 +1 - 1 2", "return value" },
		{ "tcplab-trace 1 42 close 3 0 0 EWHAT 1 2", "errno" },
		{ "tcplab-trace 1 42 close 3 0 0 E0 1 2", "errno" },
		{ "tcplab-trace 1 42 close 3 0 0 - 2 1", "before" },
		{ "tcplab-trace 1 42 close 3 0 0 - 1 18446744073709551616", "time" },
		{ "tcplab-trace 1 42 close 3 0 0 - 1", "fields" },
		{ "tcplab-trace 1 42 close 3 0 0  - 1 2", "fields" },
		{ "tcplab-trace 1 42 close 3 0 0 - 1 2 local", "key=value" },
		{ "tcplab-trace 1 42 close 3 0 0 - 1 2 local=%4", "escape" },
		{ "tcplab-trace 1 42 close 3 0 0 - 1 2 local=%ZZ", "escape" },
		{ "tcplab-trace 1 42 close 3 0 0 - 1 2 Local=x", "key" },
		{ "tcplab-trace 1 42 close 3 0 0 - 1 2 =x", "key" },
		{ "tcplab-trace 1 42 close 3 0 0 - 1 2 local=a%20b", "space" },
		{ "tcplab-trace 1 42 close 3 0 0 - 1 2 ", "space" },
		{ "tcplab-trace 1 42 close 3 0 0 - 1 2  local=x", "empty" },
		{ "tcplab-trace 1 42 close 3 0 0 - 1 2 peer=0123456789012345678901234567890123456789"
		  "0123456789012345678901234567890123456789", "too long" },
	};
	return cr_make_param_array(struct bad_line, p, sizeof p / sizeof p[0]);
}

ParameterizedTest(struct bad_line *b, parse, rejects_bad_lines)
{
	struct trace_event ev;
	char err[256] = "";
	cr_assert_eq(trace_parse_line(b->line, strlen(b->line), &ev, err, sizeof err), -1,
	             "accepted '%s'", b->line);
	cr_assert(strstr(err, b->reason) != NULL, "'%s': reason '%s' lacks '%s'", b->line, err,
	          b->reason);
}

Test(parse, rejects_nul_and_overlong_lines)
{
	struct trace_event ev;
	char err[256] = "", line[1024];
	static const char nul[] = "tcplab-trace 1 42 close 3 0 0 - 1 2 x=a\0b";
	cr_assert_eq(trace_parse_line(nul, sizeof nul - 1, &ev, err, sizeof err), -1);
	cr_assert(strstr(err, "NUL") != NULL, "%s", err);
	int n = snprintf(line, sizeof line, "tcplab-trace 1 42 close 3 0 0 - 1 2 x=");
	memset(line + n, 'a', sizeof line - (size_t)n);
	cr_assert_eq(trace_parse_line(line, TRACE_LINE_MAX, &ev, err, sizeof err), -1);
	cr_assert(strstr(err, "limit") != NULL, "%s", err);
	cr_assert_eq(trace_parse_line(line, TRACE_LINE_MAX - 1, &ev, err, sizeof err), 0, "%s", err);
	cr_assert_eq(strlen(ev.detail), sizeof ev.detail - 1, "a long detail is cut, not refused");
}

/* Every accepted event must keep the header's promises, whatever the input. */
static void check_invariants(const struct trace_event *ev)
{
	char buf[300];
	cr_assert_lt(strnlen(ev->name, sizeof ev->name), sizeof ev->name);
	cr_assert_lt(strnlen(ev->local, sizeof ev->local), sizeof ev->local);
	cr_assert_lt(strnlen(ev->peer, sizeof ev->peer), sizeof ev->peer);
	cr_assert_lt(strnlen(ev->detail, sizeof ev->detail), sizeof ev->detail);
	cr_assert_null(strchr(ev->local, ' '));
	cr_assert_null(strchr(ev->peer, ' '));
	for (const char *p = ev->detail; *p; p++)
		cr_assert(*p >= ' ' && *p <= '~');
	cr_assert_leq(ev->t_enter_ns, ev->t_exit_ns);
	cr_assert_gt(ev->pid, 0);
	trace_event_str(ev, buf, sizeof buf);
	cr_assert_lt(strlen(buf), sizeof buf);
	trace_event_str(ev, buf, 8);
	cr_assert_lt(strlen(buf), 8);
}

Test(parse, survives_random_and_mutated_lines, .timeout = 60)
{
	static const char *const seeds[] = {
		GOOD,
		"tcplab-trace 1 7 setsockopt 3 1 0 - 5 9 level=SOL_SOCKET opt=SO_LINGER val={1,0}",
		"tcplab-trace 1 7 exit -1 0 3 - 5 5 status=0 drops=3",
		"tcplab-trace 1 7 recv 4 1000 -1 E200 5 9 flags=MSG_PEEK|MSG_DONTWAIT",
	};
	const size_t nseeds = sizeof seeds / sizeof seeds[0];
	unsigned seed = 12345;
	int accepted = 0, rejected = 0;
	char line[700], err[128];
	struct trace_event ev;

	for (size_t s = 0; s < nseeds; s++) {
		cr_assert_eq(trace_parse_line(seeds[s], strlen(seeds[s]), &ev, err, sizeof err), 0,
		             "seed %zu: %s", s, err);
		check_invariants(&ev);
	}
	for (int it = 0; it < 200000; it++) {
		size_t len;
		if (it % 4 == 0) {                              /* random bytes */
			len = (size_t)rand_r(&seed) % sizeof line;
			for (size_t i = 0; i < len; i++)
				line[i] = (char)rand_r(&seed);
		} else {                                        /* a valid line, damaged */
			const char *src = seeds[(size_t)rand_r(&seed) % nseeds];
			len = strlen(src);
			memcpy(line, src, len);
			int edits = 1 + rand_r(&seed) % 3;
			for (int e = 0; e < edits; e++) {
				size_t at = (size_t)rand_r(&seed) % len;
				switch (rand_r(&seed) % 4) {
				case 0: line[at] = (char)rand_r(&seed); break;
				case 1: line[at] = "0 %=-\n9"[rand_r(&seed) % 7]; break;
				case 2: len = at + 1; break;
				default:
					if (len < sizeof line - 1) {
						memmove(line + at + 1, line + at, len - at);
						line[at] = (char)rand_r(&seed);
						len++;
					}
				}
			}
		}
		err[0] = '\0';
		if (trace_parse_line(line, len, &ev, err, sizeof err) == 0) {
			accepted++;
			check_invariants(&ev);
		} else {
			rejected++;
			cr_assert_neq(err[0], '\0', "a rejection without a reason");
		}
	}
	cr_assert_gt(accepted, 1000, "the mutations should leave many lines valid");
	cr_assert_gt(rejected, 50000);
}

/* ---- the reader ------------------------------------------------------------------------- */

Test(reader, joins_lines_fed_byte_by_byte)
{
	struct trace_reader *rd = trace_reader_new();
	struct trace_event ev;
	char err[128];
	static const char two[] = GOOD "\n" GOOD "\n";
	int got = 0;
	for (size_t i = 0; i < sizeof two - 1; i++) {
		cr_assert_eq(trace_reader_feed(rd, two + i, 1), 0);
		int k;
		while ((k = trace_reader_next(rd, &ev, err, sizeof err)) != 0) {
			cr_assert_eq(k, 1, "%s", err);
			cr_assert(two[i] == '\n', "an event before its newline");
			cr_assert_str_eq(ev.peer, "10.99.0.2:8000");
			got++;
		}
	}
	cr_assert_eq(got, 2);
	trace_reader_free(rd);
}

Test(reader, skips_an_overlong_line_and_goes_on)
{
	struct trace_reader *rd = trace_reader_new();
	struct trace_event ev;
	char err[128], junk[3000];
	memset(junk, 'j', sizeof junk);
	cr_assert_eq(trace_reader_feed(rd, junk, sizeof junk), 0);
	cr_assert_eq(trace_reader_feed(rd, junk, sizeof junk), 0);
	cr_assert_eq(trace_reader_feed(rd, "\n" GOOD "\n", strlen(GOOD) + 2), 0);
	cr_assert_eq(trace_reader_next(rd, &ev, err, sizeof err), -1);
	cr_assert(strstr(err, "over") != NULL, "%s", err);
	cr_assert_eq(trace_reader_next(rd, &ev, err, sizeof err), 1, "%s", err);
	cr_assert_eq(ev.pid, 42);
	cr_assert_eq(trace_reader_next(rd, &ev, err, sizeof err), 0);
	trace_reader_free(rd);
}

/* Garbage between valid lines never costs a valid line that follows a newline. */
Test(reader, survives_random_chunks, .timeout = 60)
{
	struct trace_reader *rd = trace_reader_new();
	struct trace_event ev;
	char err[128], chunk[4096];
	unsigned seed = 99;
	int inserted = 0, found = 0;
	static const char mark[] = "\ntcplab-trace 1 5 marker 1 2 3 - 4 5 note=ok\n";

	for (int it = 0; it < 5000; it++) {
		size_t len = (size_t)rand_r(&seed) % sizeof chunk;
		for (size_t i = 0; i < len; i++) {
			chunk[i] = (char)rand_r(&seed);
			if (chunk[i] == '\n')
				chunk[i] = 'n';     /* the marker's leading newline ends the garbage */
		}
		if (rand_r(&seed) % 3 == 0)
			memset(chunk, 'z', len);   /* long runs, to hit the over-long path */
		cr_assert_eq(trace_reader_feed(rd, chunk, len), 0);
		if (rand_r(&seed) % 2) {
			cr_assert_eq(trace_reader_feed(rd, mark, sizeof mark - 1), 0);
			inserted++;
		}
		int k;
		while ((k = trace_reader_next(rd, &ev, err, sizeof err)) != 0) {
			if (k == 1) {
				check_invariants(&ev);
				found += strcmp(ev.name, "marker") == 0;
			} else {
				cr_assert_neq(err[0], '\0');
			}
		}
	}
	cr_assert_gt(inserted, 100);
	cr_assert_eq(found, inserted);
	trace_reader_free(rd);
}
