/* summary: run a lab variant end to end in its sandbox (see labrun.h). */
#include "engine/labrun.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "capture/dissect.h"
#include "capture/live.h"
#include "capture/pcapio.h"
#include "engine/proc.h"
#include "engine/sandbox.h"
#include "engine/trace.h"
#include "engine/trace_wire.h"

#define DEFAULT_TIMEOUT_S 15.0
#define LISTEN_TIMEOUT_MS 5000      /* a server that has not listened by then never will */
#define SETTLE_TIMEOUT_MS 2000      /* for the last segments after both programs exited */
#define MARKER_PORT 9               /* discard: nothing listens, the datagram only marks time */
#define CAPTURE_FILTER "tcp or udp port 9"
#define OUTPUT_LIMIT (1 << 20)      /* bytes a program may print before it is killed */
#define OUTPUT_LINES 2000           /* lines of a program kept on the timeline */
#define CALLS_KEPT 50000            /* socket calls of a program kept on the timeline */

struct prog {
	struct proc *p;
	enum sandbox_host host;
	const char *role;               /* "client" or "server", for messages */
	int trace_fd;                   /* read end of the trace pipe; -1 after EOF */
	bool out_eof;
	bool exited;
	bool listened;
	bool killed_by_lab;             /* by an "on ... kill-*" line: expected, not a failure */
	bool flooded;                   /* killed for printing more than OUTPUT_LIMIT bytes */
	bool timed_out;                 /* still running at the run's deadline, killed */
	size_t out_bytes, out_lines;
	size_t ncalls;                  /* socket calls reported, kept or not */
	struct trace_reader *tr;
	char line[200];                 /* output line being assembled */
	size_t linelen;
	char last[200];                 /* last complete output line, for failure messages */
};

enum phase { PH_LISTEN, PH_RUN, PH_SETTLE, PH_MARKER, PH_DONE };

struct labrun_state {
	struct labrun *run;
	char build[512];
	char tracer[600];
	char student[600];
	const struct proc_limits *student_limits;   /* the caller's, alive for the run */
	char pcap_path[1024];
	enum phase phase;
	uint64_t phase_deadline;        /* CLOCK_MONOTONIC ms */
	uint64_t deadline;              /* the whole run */
	struct sandbox *sb;
	struct live *cap;
	struct flow_table *ft;
	struct pcapout *dump;
	char dump_err[256];
	int dlt;
	uint32_t frame;
	char marker[40];
	size_t markerlen;
	bool oom;
	bool fired[LAB_MAX_ACTIONS];    /* the variant's "on" lines already acted on */
	char action_err[256];
	struct prog prog[2];            /* [HOST_CLIENT], [HOST_SERVER] */
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t now_real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void on_packet(void *arg, const uint8_t *pkt, size_t caplen, size_t wirelen,
                      uint64_t ts_ns)
{
	struct labrun_state *c = arg;
	struct tcp_segment seg;
	struct flow_seg fs;
	struct flow_info fi;
	char why[128];

	if (memmem(pkt, caplen, c->marker, c->markerlen)) {
		c->run->marker_seen = true;
		return;
	}
	c->frame++;
	if (c->dump && !c->dump_err[0] &&
	    pcapout_write(c->dump, pkt, caplen, wirelen, ts_ns) < 0)
		snprintf(c->dump_err, sizeof(c->dump_err), "%s", pcapout_error(c->dump));
	seg.frame = c->frame;
	seg.ts_ns = ts_ns;
	if (dissect_packet(c->dlt, pkt, caplen, &seg, why, sizeof(why)) != DISSECT_TCP)
		return;
	if (flow_track(c->ft, &seg, &fi) < 0) {
		c->oom = true;
		return;
	}
	flow_seg_set(&fs, &seg, &fi);
	if (timeline_add_segment(&c->run->tl, &fs) < 0)
		c->oom = true;
}

static void read_trace(struct labrun_state *c, struct prog *pr)
{
	char buf[65536], why[160];
	struct trace_event ev;
	ssize_t n = read(pr->trace_fd, buf, sizeof(buf));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		close(pr->trace_fd);
		pr->trace_fd = -1;
		return;
	}
	trace_reader_feed(pr->tr, buf, (size_t)n);
	for (;;) {
		int r = trace_reader_next(pr->tr, &ev, why, sizeof(why));

		if (r == 0)
			break;
		if (r < 0)
			continue;       /* a hostile program may write junk: skip the line */
		if (ev.call == TRACE_LISTEN && ev.ret == 0)
			pr->listened = true;
		if (ev.call == TRACE_EXIT && ev.ret > 0)
			c->run->trace_drops[pr->host] += (uint64_t)ev.ret;
		/* A program spinning on a call (recv() = 0 forever) must not eat the machine:
		 * past the cap its calls are counted as not kept, like the tracer's own drops. */
		if (pr->ncalls++ >= CALLS_KEPT && ev.call != TRACE_EXIT) {
			c->run->trace_drops[pr->host]++;
			continue;
		}
		if (timeline_add_call(&c->run->tl, pr->host, &ev) < 0)
			c->oom = true;
	}
}

static void act_on_output(struct labrun_state *c, const struct prog *pr, const char *line);

static void read_output(struct labrun_state *c, struct prog *pr)
{
	char buf[1024];
	ssize_t n = read(proc_output_fd(pr->p), buf, sizeof(buf));
	uint64_t t = now_real_ns();

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		pr->out_eof = true;
		n = 0;
	}
	pr->out_bytes += (size_t)n;
	if (pr->out_bytes > OUTPUT_LIMIT && !pr->flooded && !pr->exited) {
		pr->flooded = true;
		proc_kill(pr->p);
	}
	for (ssize_t i = 0; i < n || (pr->out_eof && pr->linelen); i++) {
		bool end = i >= n || buf[i] == '\n';

		if (!end && pr->linelen < sizeof(pr->line) - 1)
			pr->line[pr->linelen++] = buf[i];
		if (!end && pr->linelen < sizeof(pr->line) - 1)
			continue;
		if (!end && i < n)
			continue;       /* overlong line: the rest is dropped up to its newline */
		if (pr->out_lines++ < OUTPUT_LINES &&
		    timeline_add_output(&c->run->tl, pr->host, t, pr->line, pr->linelen) < 0)
			c->oom = true;
		memcpy(pr->last, pr->line, pr->linelen);
		pr->last[pr->linelen] = '\0';
		pr->linelen = 0;
		act_on_output(c, pr, pr->last);
		if (i >= n)
			break;
	}
}

static bool prog_done(const struct prog *pr)
{
	return !pr->p || (pr->exited && pr->out_eof && pr->trace_fd < 0);
}

static bool flows_settled(const struct flow_table *ft)
{
	for (size_t i = 0; i < flow_count(ft); i++) {
		const struct flow_conn *fc = flow_get(ft, i);

		for (int d = 0; d < 2; d++) {
			enum tcp_state s = fc->side[d].state;

			if (s != TCPS_CLOSED && s != TCPS_TIME_WAIT)
				return false;
		}
	}
	return true;
}

/* Descriptors of one program the run waits on; kind says what each is. */
enum fd_kind { FD_CAPTURE, FD_TRACE, FD_OUTPUT, FD_EXIT };

static int prog_fds(const struct prog *pr, struct pollfd *fds, enum fd_kind *kind, int n)
{
	if (!pr->p)
		return n;
	if (pr->trace_fd >= 0) {
		fds[n] = (struct pollfd){ pr->trace_fd, POLLIN, 0 };
		kind[n++] = FD_TRACE;
	}
	if (!pr->out_eof) {
		fds[n] = (struct pollfd){ proc_output_fd(pr->p), POLLIN, 0 };
		kind[n++] = FD_OUTPUT;
	}
	if (!pr->exited) {
		fds[n] = (struct pollfd){ proc_exit_fd(pr->p), POLLIN, 0 };
		kind[n++] = FD_EXIT;
	}
	return n;
}

/* Every descriptor of the run; owner[i] is the program of fds[i], NULL for the capture. */
static int all_fds(const struct labrun_state *c, struct pollfd *fds, enum fd_kind *kind,
                   const struct prog **owner)
{
	int n = 0;

	fds[n] = (struct pollfd){ live_fd(c->cap), POLLIN, 0 };
	kind[n] = FD_CAPTURE;
	owner[n++] = NULL;
	for (int h = 0; h < 2; h++) {
		int before = n;

		n = prog_fds(&c->prog[h], fds, kind, n);
		for (int i = before; i < n; i++)
			owner[i] = &c->prog[h];
	}
	return n;
}

/* Serve every descriptor that is ready now, without blocking. */
static void service(struct labrun_state *c)
{
	struct pollfd fds[LABRUN_MAX_FDS];
	enum fd_kind kind[LABRUN_MAX_FDS];
	const struct prog *owner[LABRUN_MAX_FDS];
	int n = all_fds(c, fds, kind, owner);

	if (poll(fds, (nfds_t)n, 0) <= 0)
		return;
	for (int i = 0; i < n; i++) {
		struct prog *pr = (struct prog *)owner[i];
		int status;

		if (!fds[i].revents)
			continue;
		switch (kind[i]) {
		case FD_CAPTURE:
			live_dispatch(c->cap, on_packet, c);
			break;
		case FD_TRACE:
			read_trace(c, pr);
			break;
		case FD_OUTPUT:
			read_output(c, pr);
			break;
		case FD_EXIT:
			if (proc_reap(pr->p, &status) == 1) {
				pr->exited = true;
				c->run->status[pr->host] = status;
			}
			break;
		}
	}
}

/* Is the program on this host the one the student wrote? */
static bool run_is_student(const struct labrun_state *c, enum sandbox_host host)
{
	return c->student[0] && c->run->variant->student == (int)host;
}

static int start_prog(struct labrun_state *c, enum sandbox_host host, const char *line,
                      char *errbuf, size_t errlen)
{
	const struct lab *lab = c->run->lab;
	struct prog *pr = &c->prog[host];
	char argbuf[1024], env_preload[640], env_fd[64], why[256];
	char *argv[LAB_MAX_ARGS];
	const char *env[3] = { env_preload, env_fd, NULL };
	struct proc_spec spec;
	int fds[2];

	if (lab_argv(lab, line, c->build, c->run->server_addr, c->run->client_addr,
	             c->student[0] ? c->student : NULL, argbuf,
	             sizeof(argbuf), argv, LAB_MAX_ARGS, why, sizeof(why)) < 0) {
		snprintf(errbuf, errlen, "lab %d, %s program: %s", lab->number, pr->role, why);
		return -1;
	}
	if (access(argv[0], X_OK) < 0) {
		snprintf(errbuf, errlen, "lab program '%s' is missing (run 'make')", argv[0]);
		return -1;
	}
	snprintf(env_preload, sizeof(env_preload), "LD_PRELOAD=%s", c->tracer);
	if (access(env_preload + strlen("LD_PRELOAD="), R_OK) < 0) {
		snprintf(errbuf, errlen, "the syscall tracer '%s' is missing (run 'make')",
		         env_preload + strlen("LD_PRELOAD="));
		return -1;
	}
	if (pipe2(fds, O_CLOEXEC) < 0) {
		snprintf(errbuf, errlen, "cannot make a pipe: %s", strerror(errno));
		return -1;
	}
	/* Before the program starts: a burst must not lose events to a 64 KiB pipe. */
	fcntl(fds[0], F_SETPIPE_SZ, 1 << 20);
	snprintf(env_fd, sizeof(env_fd), "%s=%d", TRACE_WIRE_ENV_FD, fds[1]);
	memset(&spec, 0, sizeof(spec));
	spec.argv = (const char *const *)argv;
	spec.host = host;
	spec.extra_env = env;
	spec.keep_fd = fds[1];
	spec.timeout_s = 0;
	if (run_is_student(c, host))
		spec.limits = c->student_limits;
	pr->host = host;
	pr->tr = trace_reader_new();
	pr->p = pr->tr ? proc_spawn(c->sb, &spec, why, sizeof(why)) : NULL;
	close(fds[1]);          /* the child has its copy: EOF comes when it exits */
	if (!pr->p) {
		close(fds[0]);
		snprintf(errbuf, errlen, "cannot start the %s: %s", pr->role,
		         pr->tr ? why : "out of memory");
		return -1;
	}
	pr->trace_fd = fds[0];
	fcntl(pr->trace_fd, F_SETFL, O_NONBLOCK);
	return 0;
}

static int send_marker(struct labrun_state *c, char *errbuf, size_t errlen)
{
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons(MARKER_PORT) };
	struct sockaddr_in in4 = { .sin_family = AF_INET, .sin_port = htons(MARKER_PORT) };
	const char *dst = c->run->server_addr;
	struct sockaddr *sa = (struct sockaddr *)&in4;
	socklen_t salen = sizeof(in4);
	int fd, ret = -1;

	if (inet_pton(AF_INET, dst, &in4.sin_addr) != 1) {
		inet_pton(AF_INET6, dst, &in6.sin6_addr);
		sa = (struct sockaddr *)&in6;
		salen = sizeof(in6);
	}
	if (sandbox_enter(c->sb, HOST_CLIENT, errbuf, errlen) < 0)
		return -1;
	fd = socket(sa->sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && sendto(fd, c->marker, c->markerlen, 0, sa, salen) == (ssize_t)c->markerlen)
		ret = 0;
	else
		snprintf(errbuf, errlen, "cannot send the end-of-run marker: %s", strerror(errno));
	if (fd >= 0)
		close(fd);
	if (sandbox_leave(c->sb, errbuf, errlen) < 0)
		ret = -1;
	return ret;
}

static void add_check(struct labrun *run, const char *name, enum expect_verdict v, long seg,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void add_check(struct labrun *run, const char *name, enum expect_verdict v, long seg,
                      const char *fmt, ...)
{
	struct labrun_check *k = &run->check[run->ncheck++];
	va_list ap;

	snprintf(k->name, sizeof(k->name), "%s", name);
	k->r.verdict = v;
	k->r.seg_index = seg;
	va_start(ap, fmt);
	vsnprintf(k->r.explain, sizeof(k->r.explain), fmt, ap);
	va_end(ap);
}

static void describe_exit(const struct prog *pr, int status, char *buf, size_t len)
{
	char how[300];

	if (pr->p && pr->exited)
		proc_describe(pr->p, how, sizeof(how));
	if (pr->killed_by_lab)
		snprintf(buf, len, "the %s was killed by the lab, as the lesson planned", pr->role);
	else if (pr->timed_out)
		/* Its CPU time tells a busy loop from a program waiting for what never came. */
		snprintf(buf, len, "the %s was still running at the run's deadline and was killed;"
		         " %s%.1f s of CPU%s", pr->role, pr->p && proc_hit_nproc(pr->p) ?
		         "it could not fork: it had reached its process limit; its processes used " :
		         "it had used ", pr->p ? proc_cpu_s(pr->p) : 0.0,
		         pr->p && proc_hit_nproc(pr->p) ? "" : pr->p && proc_cpu_s(pr->p) >= 1.0 ?
		         " (an endless loop?)" : " (was it waiting for something that never came?)");
	else if (pr->flooded)
		snprintf(buf, len, "the %s printed more than %d MiB and was killed", pr->role,
		         OUTPUT_LIMIT >> 20);
	else if (!pr->exited)
		snprintf(buf, len, "the %s was still running at the deadline and was killed",
		         pr->role);
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "the %s %s", pr->role, pr->p ? how : "was killed by a signal");
	else if (snprintf(buf, len, "the %s %s%s%s%s", pr->role, pr->p ? how : "exited",
	                  pr->last[0] ? "; its last words: '" : "", pr->last,
	                  pr->last[0] ? "'" : "") >= (int)len)
		buf[len - 2] = '.';     /* cut: its last words were long */
}

static int worse(enum expect_verdict a, enum expect_verdict b)
{
	static const int rank[] = { [EXPECT_PASS] = 0, [EXPECT_INCONCLUSIVE] = 1,
	                            [EXPECT_FAIL] = 2 };

	return rank[a] > rank[b];
}

/*
 * Every connection to the lab's port against the expected sequence; a check's verdict is
 * its worst over them, explained by the connection that earned it. Segment indexes in the
 * results are turned into timeline indexes.
 */
static int match_connections(struct labrun_state *c, const struct expect_spec *spec,
                             struct expect_result *res, bool incomplete, char *errbuf,
                             size_t errlen)
{
	struct labrun *run = c->run;
	size_t nspec = expect_ncheck(spec), nconn = 0, base = run->ncheck;
	struct flow_seg *segs = malloc((run->tl.nseg ? run->tl.nseg : 1) * sizeof(*segs));
	size_t *where = malloc((run->tl.nseg ? run->tl.nseg : 1) * sizeof(*where));

	if (!segs || !where) {
		free(segs);
		free(where);
		snprintf(errbuf, errlen, "out of memory");
		return -1;
	}
	run->conn_id = -1;
	for (size_t k = 0; k < nspec; k++) {
		struct labrun_check *chk = &run->check[base + k];

		snprintf(chk->name, sizeof(chk->name), "%s", expect_check_name(spec, k));
		chk->r.verdict = incomplete ? EXPECT_INCONCLUSIVE : EXPECT_FAIL;
		chk->r.seg_index = -1;
		snprintf(chk->r.explain, sizeof(chk->r.explain), "no connection to port %d was"
		         " captured", run->lab->port);
	}
	run->ncheck += nspec;
	for (size_t i = 0; i < flow_count(c->ft); i++) {
		const struct flow_conn *fc = flow_get(c->ft, i);
		char cl[96];
		size_t nseg = 0;

		if (fc->side[FLOW_S2C].port != run->lab->port)
			continue;
		if (run->conn_id < 0)
			run->conn_id = (long)fc->id;
		for (size_t j = 0; j < run->tl.nseg; j++) {
			if (run->tl.seg[j].conn_id == fc->id) {
				where[nseg] = j;
				segs[nseg++] = run->tl.seg[j];
			}
		}
		if (expect_match(spec, fc, segs, nseg, incomplete, res) < 0) {
			free(segs);
			free(where);
			snprintf(errbuf, errlen, "matching the expected sequence ran out of memory");
			return -1;
		}
		flow_endpoint_str(fc, FLOW_C2S, cl, sizeof(cl));
		for (size_t k = 0; k < nspec; k++) {
			struct labrun_check *chk = &run->check[base + k];

			if (nconn && !worse(res[k].verdict, chk->r.verdict))
				continue;
			chk->r = res[k];
			if (res[k].seg_index >= 0 && (size_t)res[k].seg_index < nseg)
				chk->r.seg_index = (long)where[res[k].seg_index];
			if (nconn)      /* name the connection once there is more than one */
				snprintf(chk->r.explain, sizeof(chk->r.explain), "connection from %s: %s",
				         cl, res[k].explain);
		}
		nconn++;
	}
	free(segs);
	free(where);
	return 0;
}

/* The variant's call, output and wire lines, after the expected sequence's checks. */
static void lab_checks(struct labrun_state *c)
{
	struct labrun *run = c->run;
	const struct lab_variant *v = run->variant;
	struct flow_seg *segs = malloc((run->tl.nseg ? run->tl.nseg : 1) * sizeof(*segs));
	struct labcheck_ctx ctx = {
		.tl = &run->tl, .segs = segs, .cut_ns = run->cut_ns,
		.role = { "client", "server" },
		.trace_drops = { run->trace_drops[0], run->trace_drops[1] },
	};

	for (size_t j = 0; segs && j < run->tl.nseg; j++) {
		const struct flow_conn *fc = flow_get(c->ft, run->tl.seg[j].conn_id);

		if (fc && fc->side[FLOW_S2C].port == run->lab->port)
			segs[ctx.nseg++] = run->tl.seg[j];
	}
	for (size_t i = 0; i < v->ncheck; i++) {
		struct labrun_check *chk;

		if (v->check[i].info) {
			struct expect_result r;

			if (!segs)
				continue;
			labcheck_eval(&v->check[i], &ctx, &r);
			if (r.verdict == EXPECT_PASS)
				snprintf(run->info[run->ninfo++], sizeof(run->info[0]), "%s",
				         v->check[i].name);
			continue;
		}
		chk = &run->check[run->ncheck++];
		snprintf(chk->name, sizeof(chk->name), "%s", v->check[i].name);
		if (!segs) {
			chk->r.verdict = EXPECT_INCONCLUSIVE;
			chk->r.seg_index = -1;
			snprintf(chk->r.explain, sizeof(chk->r.explain), "out of memory");
			continue;
		}
		labcheck_eval(&v->check[i], &ctx, &chk->r);
	}
	free(segs);
}

/*
 * Why a side sent RST instead of FIN, from its own socket calls: the wire alone cannot
 * tell SO_LINGER {1,0} from unread data from a kill (RFC 9293 section 3.10.4 lets ABORT,
 * and Linux's close() with unread data, send RST). "" when the trace does not say.
 */
static void rst_cause(const struct labrun_state *c, const struct flow_conn *fc, char *buf,
                      size_t len)
{
	const struct timeline *tl = &c->run->tl;
	int dir = fc->first_rst, host = dir == FLOW_C2S ? HOST_CLIENT : HOST_SERVER;
	const struct prog *pr = &c->prog[host];
	uint64_t arrived = fc->side[!dir].bytes, read = 0, closed = 0, before_close = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < tl->ncall; i++) {
		const struct trace_event *ev = &tl->call[i].ev;

		if ((int)tl->call[i].host != host)
			continue;
		if (ev->call == TRACE_SETSOCKOPT && strstr(ev->detail, "SO_LINGER") &&
		    strstr(ev->detail, "{1,0}") && ev->ret == 0) {
			snprintf(buf, len, "the %s set SO_LINGER {1,0} with setsockopt(), so its close()"
			         " aborted the connection with RST and skipped TIME-WAIT", pr->role);
			return;
		}
		if (ev->call == TRACE_RECV && ev->ret > 0)
			read += (uint64_t)ev->ret;
		if (ev->call == TRACE_CLOSE && !closed && ev->ret == 0)
			closed = ev->t_enter_ns;
	}
	/* What had arrived by the time close() ran, from the wire. */
	for (size_t i = 0; closed && i < tl->nseg; i++)
		if (tl->seg[i].conn_id == fc->id && (int)tl->seg[i].dir != dir &&
		    tl->seg[i].seg.ts_ns < closed)
			before_close += tl->seg[i].seg.len;
	if (arrived > read && (pr->killed_by_lab || (pr->exited && WIFSIGNALED(c->run->status[host]))))
		snprintf(buf, len, "the %s was killed with %llu unread bytes in its receive buffer,"
		         " and the kernel closed its socket with RST", pr->role,
		         (unsigned long long)(arrived - read));
	else if (closed && before_close > read)
		snprintf(buf, len, "unread data was still in the %s's receive buffer when close() ran:"
		         " the %s read %llu of the %llu bytes that had arrived", pr->role, pr->role,
		         (unsigned long long)read, (unsigned long long)before_close);
	else if (closed && arrived > before_close)
		snprintf(buf, len, "data arrived after the %s had closed its socket (close() at"
		         " +%.3f ms), and a closed socket answers data with RST: the %s read %llu of"
		         " the %llu bytes sent to it", pr->role,
		         closed > fc->first_ns ? (double)(closed - fc->first_ns) / 1e6 : 0.0, pr->role,
		         (unsigned long long)read, (unsigned long long)arrived);
	else if (arrived > read)
		snprintf(buf, len, "unread data was still in the %s's receive buffer when its socket"
		         " closed: the %s read %llu of the %llu bytes that arrived", pr->role, pr->role,
		         (unsigned long long)read, (unsigned long long)arrived);
}

/* Name the cause of a RST in every explanation that mentions one. */
static void explain_resets(struct labrun_state *c)
{
	struct labrun *run = c->run;
	const struct flow_conn *fc;
	char cause[300];

	if (run->conn_id < 0)
		return;
	fc = flow_get(c->ft, (size_t)run->conn_id);
	if (!fc || fc->first_rst < 0)
		return;
	rst_cause(c, fc, cause, sizeof(cause));
	if (!cause[0])
		return;
	for (size_t i = 0; i < run->ncheck; i++) {
		char *e = run->check[i].r.explain;
		size_t used = strlen(e);

		if (run->check[i].r.verdict != EXPECT_PASS && strstr(e, "RST") &&
		    used + 8 < sizeof(run->check[i].r.explain))
			snprintf(e + used, sizeof(run->check[i].r.explain) - used, "; here: %s", cause);
	}
}

/* The engine's own checks, then the expected-sequence file's, against the lab connection. */
static int judge(struct labrun_state *c, char *errbuf, size_t errlen)
{
	struct labrun *run = c->run;
	const struct lab *lab = run->lab;
	struct expect_spec *spec = NULL;
	struct expect_result *res = NULL;
	size_t nspec;
	char path[800], why[400];
	bool incomplete = run->dropped > 0 || !run->marker_seen;
	int ret = -1;

	snprintf(path, sizeof(path), "%s/%s", lab->dir, run->variant->expect);
	if (expect_load(path, &spec, errbuf, errlen) < 0)
		return -1;
	nspec = expect_ncheck(spec);
	run->check = calloc(nspec + 2 + run->variant->ncheck, sizeof(*run->check));
	res = calloc(nspec ? nspec : 1, sizeof(*res));
	if (!run->check || !res) {
		snprintf(errbuf, errlen, "out of memory");
		goto out;
	}

	/* The student's program first: its failure is the one worth naming. */
	for (int k = 0; k < 2; k++) {
		int h = run->variant->student == HOST_CLIENT ? (k ? HOST_SERVER : HOST_CLIENT) :
		        (k ? HOST_CLIENT : HOST_SERVER);
		const struct prog *pr = &c->prog[h];
		int st = run->status[h];

		if (pr->killed_by_lab || (pr->exited && WIFEXITED(st) && WEXITSTATUS(st) == 0))
			continue;
		describe_exit(pr, st, why, sizeof(why));
		add_check(run, "the programs ran to completion", EXPECT_FAIL, -1, "%s", why);
		break;
	}
	if (!run->ncheck)
		add_check(run, "the programs ran to completion", EXPECT_PASS, -1,
		          "client and server both exited with status 0");
	if (run->dropped)
		add_check(run, "the capture is complete", EXPECT_INCONCLUSIVE, -1,
		          "the kernel dropped %llu of %llu packets: the wire checks cannot be trusted;"
		          " run the lab again", (unsigned long long)run->dropped,
		          (unsigned long long)(run->received + run->dropped));
	else if (!run->marker_seen)
		add_check(run, "the capture is complete", EXPECT_INCONCLUSIVE, -1,
		          "the capture did not catch up with the end of the run: run the lab again");
	else
		add_check(run, "the capture is complete", EXPECT_PASS, -1,
		          "%llu packets captured, none dropped", (unsigned long long)run->received);

	if (match_connections(c, spec, res, incomplete, errbuf, errlen) < 0)
		goto out;
	explain_resets(c);
	lab_checks(c);
	ret = 0;
out:
	free(res);
	expect_free(spec);
	return ret;
}

static void set_phase(struct labrun_state *c, enum phase ph, uint64_t ms)
{
	c->phase = ph;
	c->phase_deadline = now_ms() + ms;
}

/* The lab's "on" lines: act on a program's output line the first time it matches. */
static void act_on_output(struct labrun_state *c, const struct prog *pr, const char *line)
{
	const struct lab_variant *v = c->run->variant;
	char err[256], note[160];

	for (size_t i = 0; i < v->naction; i++) {
		const struct lab_action *a = &v->action[i];
		struct prog *victim = NULL;

		if (c->fired[i] || a->who != (int)pr->host || !strstr(line, a->text))
			continue;
		c->fired[i] = true;
		switch (a->kind) {
		case LAB_ACT_CUT_CABLE:
		case LAB_ACT_RESTORE_CABLE:
			if (sandbox_cut(c->sb, a->kind == LAB_ACT_CUT_CABLE, err, sizeof(err)) < 0) {
				snprintf(c->action_err, sizeof(c->action_err), "%s", err);
				continue;
			}
			snprintf(note, sizeof(note), "tcplab: the cable is %s",
			         a->kind == LAB_ACT_CUT_CABLE ? "cut (silently: no FIN, no RST)" :
			         "plugged back in");
			if (a->kind == LAB_ACT_CUT_CABLE && !c->run->cut_ns)
				c->run->cut_ns = now_real_ns();
			break;
		case LAB_ACT_KILL_CLIENT:
		case LAB_ACT_KILL_SERVER:
			victim = &c->prog[a->kind == LAB_ACT_KILL_CLIENT ? HOST_CLIENT : HOST_SERVER];
			if (!victim->p || victim->exited)
				continue;
			proc_kill(victim->p);
			victim->killed_by_lab = true;
			snprintf(note, sizeof(note), "tcplab: SIGKILL to the %s", victim->role);
			break;
		}
		if (timeline_add_output(&c->run->tl, TL_HOST_WIRE, now_real_ns(), note,
		                        strlen(note)) < 0)
			c->oom = true;
	}
}

static int start(struct labrun_state *c, const struct labrun_opts *o, char *errbuf,
                 size_t errlen)
{
	struct labrun *run = c->run;
	const struct lab *lab = run->lab;
	double timeout = o->timeout_s > 0 ? o->timeout_s :
	                 run->variant->timeout_s > 0 ? run->variant->timeout_s : DEFAULT_TIMEOUT_S;

	c->markerlen = (size_t)snprintf(c->marker, sizeof(c->marker), "tcplab-end-of-run-%d-%llu",
	                                (int)getpid(), (unsigned long long)now_real_ns());
	c->sb = sandbox_new(lab->topology, errbuf, errlen);
	if (!c->sb)
		return -1;
	snprintf(run->server_addr, sizeof(run->server_addr), "%s", sandbox_addr(c->sb, HOST_SERVER));
	snprintf(run->client_addr, sizeof(run->client_addr), "%s", sandbox_addr(c->sb, HOST_CLIENT));
	c->ft = flow_new();
	if (!c->ft) {
		snprintf(errbuf, errlen, "out of memory");
		return -1;
	}
	/* The capture socket belongs to the namespace it was opened in, so open it there. */
	if (sandbox_enter(c->sb, HOST_CLIENT, errbuf, errlen) < 0)
		return -1;
	c->cap = live_open(sandbox_capture_dev(c->sb), CAPTURE_FILTER, errbuf, errlen);
	if (sandbox_leave(c->sb, errbuf, errlen) < 0 || !c->cap)
		return -1;
	c->dlt = live_dlt(c->cap);
	if (o->pcap_path) {
		c->dump = pcapout_open(o->pcap_path, c->dlt, errbuf, errlen);
		if (!c->dump)
			return -1;
	}
	c->deadline = now_ms() + (uint64_t)(timeout * 1000);
	if (start_prog(c, HOST_SERVER, run->variant->server, errbuf, errlen) < 0)
		return -1;
	set_phase(c, PH_LISTEN, LISTEN_TIMEOUT_MS);
	return 0;
}

/* Both programs gone and the capture caught up: stats, the saved file, the verdicts. */
static int finish(struct labrun_state *c, char *errbuf, size_t errlen)
{
	struct labrun *run = c->run;

	live_stats(c->cap, &run->received, &run->dropped);
	/*
	 * Fault injection for tests (docs/security.md): kernel drops cannot be caused on
	 * demand, so TCPLAB_FAULT=capture-drop makes the run count one, to prove the verdicts
	 * turn inconclusive rather than wrong.
	 */
	if (getenv("TCPLAB_FAULT") && strstr(getenv("TCPLAB_FAULT"), "capture-drop"))
		run->dropped++;
	if (c->oom) {
		snprintf(errbuf, errlen, "out of memory while recording the run");
		return -1;
	}
	if (c->dump) {
		/* A full disk loses the file, not the run: the verdicts are still shown. */
		char why[256] = "";
		bool bad = pcapout_close(c->dump, why, sizeof(why)) < 0;

		c->dump = NULL;
		if (c->dump_err[0] || bad)
			snprintf(run->pcap_error, sizeof(run->pcap_error),
			         "cannot save the capture to '%s': %s", c->pcap_path,
			         c->dump_err[0] ? c->dump_err : why);
	}
	if (timeline_build(&run->tl) < 0) {
		snprintf(errbuf, errlen, "out of memory");
		return -1;
	}
	if (c->action_err[0]) {
		snprintf(errbuf, errlen, "the lab's action failed: %s", c->action_err);
		return -1;
	}
	return judge(c, errbuf, errlen);
}

/* Free everything of the run in progress: programs killed, namespaces gone. */
static void state_free(struct labrun_state *c)
{
	if (!c)
		return;
	for (int h = 0; h < 2; h++) {
		if (c->prog[h].trace_fd >= 0)
			close(c->prog[h].trace_fd);
		proc_free(c->prog[h].p);
		trace_reader_free(c->prog[h].tr);
	}
	if (c->dump) {
		char ignored[64];

		pcapout_close(c->dump, ignored, sizeof(ignored));
	}
	if (c->cap)
		live_close(c->cap);
	flow_free(c->ft);
	sandbox_free(c->sb);
	free(c);
}

struct labrun *labrun_start(const struct lab *lab, const struct lab_variant *v,
                            const struct labrun_opts *o, char *errbuf, size_t errlen)
{
	struct labrun *run = calloc(1, sizeof(*run));
	struct labrun_state *c = calloc(1, sizeof(*c));

	if (!run || !c) {
		free(run);
		free(c);
		snprintf(errbuf, errlen, "out of memory");
		return NULL;
	}
	run->st = c;
	run->lab = lab;
	run->variant = v;
	run->conn_id = -1;
	timeline_init(&run->tl);
	c->run = run;
	snprintf(c->build, sizeof(c->build), "%s", o->build);
	if (o->tracer)
		snprintf(c->tracer, sizeof(c->tracer), "%s", o->tracer);
	else
		snprintf(c->tracer, sizeof(c->tracer), "%s/libtcplab-trace.so", o->build);
	if (o->student)
		snprintf(c->student, sizeof(c->student), "%s", o->student);
	c->student_limits = o->student_limits;
	if (o->pcap_path)
		snprintf(c->pcap_path, sizeof(c->pcap_path), "%s", o->pcap_path);
	for (int h = 0; h < 2; h++)
		c->prog[h].trace_fd = -1;
	c->prog[HOST_CLIENT].role = "client";
	c->prog[HOST_SERVER].role = "server";
	if (start(c, o, errbuf, errlen) < 0) {
		labrun_free(run);
		return NULL;
	}
	return run;
}

int labrun_pollfds(const struct labrun *run, struct pollfd *fds, int max, int *timeout_ms)
{
	const struct labrun_state *c = run->st;
	enum fd_kind kind[LABRUN_MAX_FDS];
	const struct prog *owner[LABRUN_MAX_FDS];
	struct pollfd all[LABRUN_MAX_FDS];
	uint64_t now = now_ms(), until;
	int n;

	*timeout_ms = 0;
	if (!c)
		return 0;
	n = all_fds(c, all, kind, owner);
	if (n > max)
		n = max;
	memcpy(fds, all, (size_t)n * sizeof(*fds));
	until = c->phase_deadline;
	if (c->phase == PH_RUN)
		until = c->deadline;
	*timeout_ms = until > now ? (int)(until - now) : 0;
	return n;
}

int labrun_step(struct labrun *run, char *errbuf, size_t errlen)
{
	struct labrun_state *c = run->st;
	uint64_t now;
	char why[400];

	if (!c)
		return run->done ? 0 : -1;
	service(c);
	now = now_ms();
	switch (c->phase) {
	case PH_LISTEN:
		if (c->prog[HOST_SERVER].listened) {
			if (start_prog(c, HOST_CLIENT, run->variant->client, errbuf, errlen) < 0)
				return -1;
			c->phase = PH_RUN;
		} else if (c->prog[HOST_SERVER].exited || now >= c->phase_deadline) {
			describe_exit(&c->prog[HOST_SERVER], run->status[HOST_SERVER], why, sizeof(why));
			snprintf(errbuf, errlen, "the lab's server never called listen(): %s",
			         c->prog[HOST_SERVER].exited ? why : "it did not within 5 s");
			return -1;
		}
		break;
	case PH_RUN:
		if (prog_done(&c->prog[0]) && prog_done(&c->prog[1])) {
			set_phase(c, PH_SETTLE, SETTLE_TIMEOUT_MS);
		} else if (now >= c->deadline) {
			run->timed_out = true;
			for (int h = 0; h < 2; h++) {
				if (c->prog[h].p && !c->prog[h].exited) {
					c->prog[h].timed_out = true;
					proc_kill(c->prog[h].p);
				}
			}
			set_phase(c, PH_SETTLE, SETTLE_TIMEOUT_MS);
		}
		break;
	case PH_SETTLE:
		if (flows_settled(c->ft) || now >= c->phase_deadline) {
			if (send_marker(c, errbuf, errlen) < 0)
				return -1;
			set_phase(c, PH_MARKER, SETTLE_TIMEOUT_MS);
		}
		break;
	case PH_MARKER:
		if (run->marker_seen || now >= c->phase_deadline) {
			int ret = finish(c, errbuf, errlen);

			state_free(c);
			run->st = NULL;
			if (ret < 0)
				return -1;
			run->done = true;
			return 0;
		}
		break;
	case PH_DONE:
		break;
	}
	return 1;
}

int labrun_run(const struct lab *lab, const struct lab_variant *v, const struct labrun_opts *o,
               struct labrun **out, char *errbuf, size_t errlen)
{
	struct labrun *run = labrun_start(lab, v, o, errbuf, errlen);
	int r;

	*out = NULL;
	if (!run)
		return -1;
	while ((r = labrun_step(run, errbuf, errlen)) == 1) {
		struct pollfd fds[LABRUN_MAX_FDS];
		int timeout, n = labrun_pollfds(run, fds, LABRUN_MAX_FDS, &timeout);

		if (poll(fds, (nfds_t)n, timeout) < 0 && errno != EINTR) {
			snprintf(errbuf, errlen, "poll failed: %s", strerror(errno));
			r = -1;
			break;
		}
	}
	if (r < 0) {
		labrun_free(run);
		return -1;
	}
	*out = run;
	return 0;
}

void labrun_free(struct labrun *run)
{
	if (!run)
		return;
	state_free(run->st);
	timeline_release(&run->tl);
	free(run->check);
	free(run);
}

bool labrun_passed(const struct labrun *run)
{
	for (size_t i = 0; i < run->ncheck; i++)
		if (run->check[i].r.verdict != EXPECT_PASS)
			return false;
	return run->ncheck > 0;
}
