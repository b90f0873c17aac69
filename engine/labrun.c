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

struct prog {
	struct proc *p;
	enum sandbox_host host;
	const char *role;               /* "client" or "server", for messages */
	int trace_fd;                   /* read end of the trace pipe; -1 after EOF */
	bool out_eof;
	bool exited;
	bool listened;
	struct trace_reader *tr;
	char line[200];                 /* output line being assembled */
	size_t linelen;
	char last[200];                 /* last complete output line, for failure messages */
};

struct run_ctx {
	struct labrun *run;
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
	struct run_ctx *c = arg;
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

static void read_trace(struct run_ctx *c, struct prog *pr)
{
	char buf[4096], why[160];
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
		if (timeline_add_call(&c->run->tl, pr->host, &ev) < 0)
			c->oom = true;
	}
}

static void read_output(struct run_ctx *c, struct prog *pr)
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
	for (ssize_t i = 0; i < n || (pr->out_eof && pr->linelen); i++) {
		bool end = i >= n || buf[i] == '\n';

		if (!end && pr->linelen < sizeof(pr->line) - 1)
			pr->line[pr->linelen++] = buf[i];
		if (!end && pr->linelen < sizeof(pr->line) - 1)
			continue;
		if (!end && i < n)
			continue;       /* overlong line: the rest is dropped up to its newline */
		if (timeline_add_output(&c->run->tl, pr->host, t, pr->line, pr->linelen) < 0)
			c->oom = true;
		memcpy(pr->last, pr->line, pr->linelen);
		pr->last[pr->linelen] = '\0';
		pr->linelen = 0;
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

enum until { UNTIL_LISTEN, UNTIL_EXITED, UNTIL_SETTLED, UNTIL_MARKER };

static bool reached(struct run_ctx *c, enum until u)
{
	struct prog *srv = &c->prog[HOST_SERVER];

	switch (u) {
	case UNTIL_LISTEN:
		return srv->listened || srv->exited;
	case UNTIL_EXITED:
		return prog_done(&c->prog[0]) && prog_done(&c->prog[1]);
	case UNTIL_SETTLED:
		return flows_settled(c->ft);
	case UNTIL_MARKER:
		return c->run->marker_seen;
	}
	return true;
}

/* The one poll loop: capture, trace pipes, output pipes and exits, until u or the deadline. */
static bool serve(struct run_ctx *c, enum until u, uint64_t deadline)
{
	while (!reached(c, u)) {
		struct pollfd pfd[7];
		struct prog *owner[7];
		int kind[7], nfd = 0, timeout;
		uint64_t now = now_ms();

		if (now >= deadline)
			return false;
		timeout = (int)(deadline - now);
		pfd[nfd] = (struct pollfd){ live_fd(c->cap), POLLIN, 0 };
		owner[nfd] = NULL, kind[nfd++] = 0;
		for (int h = 0; h < 2; h++) {
			struct prog *pr = &c->prog[h];

			if (!pr->p)
				continue;
			if (pr->trace_fd >= 0) {
				pfd[nfd] = (struct pollfd){ pr->trace_fd, POLLIN, 0 };
				owner[nfd] = pr, kind[nfd++] = 1;
			}
			if (!pr->out_eof) {
				pfd[nfd] = (struct pollfd){ proc_output_fd(pr->p), POLLIN, 0 };
				owner[nfd] = pr, kind[nfd++] = 2;
			}
			if (!pr->exited) {
				pfd[nfd] = (struct pollfd){ proc_exit_fd(pr->p), POLLIN, 0 };
				owner[nfd] = pr, kind[nfd++] = 3;
			}
		}
		if (poll(pfd, (nfds_t)nfd, timeout) < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		for (int i = 0; i < nfd; i++) {
			struct prog *pr = owner[i];
			int status;

			if (!pfd[i].revents)
				continue;
			switch (kind[i]) {
			case 0:
				live_dispatch(c->cap, on_packet, c);
				break;
			case 1:
				read_trace(c, pr);
				break;
			case 2:
				read_output(c, pr);
				break;
			case 3:
				if (proc_reap(pr->p, &status) == 1) {
					pr->exited = true;
					c->run->status[pr->host] = status;
				}
				break;
			}
		}
	}
	return true;
}

static int start_prog(struct run_ctx *c, const struct labrun_opts *o, enum sandbox_host host,
                      const char *line, char *errbuf, size_t errlen)
{
	const struct lab *lab = c->run->lab;
	struct prog *pr = &c->prog[host];
	char argbuf[1024], env_preload[600], env_fd[64], why[256];
	char *argv[LAB_MAX_ARGS];
	const char *env[3] = { env_preload, env_fd, NULL };
	struct proc_spec spec;
	int fds[2];

	if (lab_argv(lab, line, o->build, c->run->server_addr, c->run->client_addr, argbuf,
	             sizeof(argbuf), argv, LAB_MAX_ARGS, why, sizeof(why)) < 0) {
		snprintf(errbuf, errlen, "lab %d, %s program: %s", lab->number, pr->role, why);
		return -1;
	}
	if (access(argv[0], X_OK) < 0) {
		snprintf(errbuf, errlen, "lab program '%s' is missing (run 'make')", argv[0]);
		return -1;
	}
	snprintf(env_preload, sizeof(env_preload), "LD_PRELOAD=%s/libtcplab-trace.so", o->build);
	if (access(env_preload + strlen("LD_PRELOAD="), R_OK) < 0) {
		snprintf(errbuf, errlen, "the syscall tracer '%s' is missing (run 'make')",
		         env_preload + strlen("LD_PRELOAD="));
		return -1;
	}
	if (pipe2(fds, O_CLOEXEC) < 0) {
		snprintf(errbuf, errlen, "cannot make a pipe: %s", strerror(errno));
		return -1;
	}
	snprintf(env_fd, sizeof(env_fd), "%s=%d", TRACE_WIRE_ENV_FD, fds[1]);
	memset(&spec, 0, sizeof(spec));
	spec.argv = (const char *const *)argv;
	spec.host = host;
	spec.extra_env = env;
	spec.keep_fd = fds[1];
	spec.timeout_s = 0;
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
	/* A bursty program must not lose events to a full 64 KiB pipe; best effort. */
	fcntl(pr->trace_fd, F_SETPIPE_SZ, 1 << 20);
	return 0;
}

static int send_marker(struct run_ctx *c, char *errbuf, size_t errlen)
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
	if (!pr->exited)
		snprintf(buf, len, "the %s was still running at the deadline and was killed",
		         pr->role);
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "the %s was killed by signal %d (%s)", pr->role, WTERMSIG(status),
		         strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "the %s exited with status %d%s%s%s", pr->role,
		         WEXITSTATUS(status), pr->last[0] ? "; its last words: '" : "", pr->last,
		         pr->last[0] ? "'" : "");
}

/* The engine's own checks, then the expected-sequence file's, against the lab connection. */
static int judge(struct run_ctx *c, const struct labrun_opts *o, char *errbuf, size_t errlen)
{
	struct labrun *run = c->run;
	const struct lab *lab = run->lab;
	struct expect_spec *spec = NULL;
	struct expect_result *res = NULL;
	struct flow_seg *segs = NULL;
	size_t nseg = 0, nspec;
	char path[800], why[400];
	bool incomplete = run->dropped > 0 || !run->marker_seen;
	int ret = -1;

	(void)o;
	snprintf(path, sizeof(path), "%s/%s", lab->dir, run->variant->expect);
	if (expect_load(path, &spec, errbuf, errlen) < 0)
		return -1;
	nspec = expect_ncheck(spec);
	run->check = calloc(nspec + 2, sizeof(*run->check));
	res = calloc(nspec ? nspec : 1, sizeof(*res));
	if (!run->check || !res) {
		snprintf(errbuf, errlen, "out of memory");
		goto out;
	}

	for (int h = HOST_SERVER; h >= HOST_CLIENT; h--) {
		const struct prog *pr = &c->prog[h];
		int st = run->status[h];

		if (pr->exited && WIFEXITED(st) && WEXITSTATUS(st) == 0)
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

	run->conn_id = -1;
	for (size_t i = 0; i < flow_count(c->ft); i++) {
		const struct flow_conn *fc = flow_get(c->ft, i);

		if (fc->side[FLOW_S2C].port == lab->port && run->conn_id < 0)
			run->conn_id = (long)fc->id;
	}
	if (run->conn_id < 0) {
		for (size_t i = 0; i < nspec; i++)
			add_check(run, expect_check_name(spec, i),
			          incomplete ? EXPECT_INCONCLUSIVE : EXPECT_FAIL, -1,
			          "no connection to port %d was captured", lab->port);
		ret = 0;
		goto out;
	}
	segs = malloc((run->tl.nseg ? run->tl.nseg : 1) * sizeof(*segs));
	if (!segs) {
		snprintf(errbuf, errlen, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < run->tl.nseg; i++)
		if (run->tl.seg[i].conn_id == (uint32_t)run->conn_id)
			segs[nseg++] = run->tl.seg[i];
	if (expect_match(spec, flow_get(c->ft, (size_t)run->conn_id), segs, nseg, incomplete,
	                 res) < 0) {
		snprintf(errbuf, errlen, "matching '%s' failed", path);
		goto out;
	}
	for (size_t i = 0; i < nspec; i++) {
		struct labrun_check *k = &run->check[run->ncheck++];

		snprintf(k->name, sizeof(k->name), "%s", expect_check_name(spec, i));
		k->r = res[i];
		/* The matcher counts within the connection; the timeline counts all segments. */
		if (k->r.seg_index >= 0) {
			for (size_t j = 0, seen = 0; j < run->tl.nseg; j++) {
				if (run->tl.seg[j].conn_id != (uint32_t)run->conn_id)
					continue;
				if (seen++ == (size_t)k->r.seg_index) {
					k->r.seg_index = (long)j;
					break;
				}
			}
		}
	}
	ret = 0;
out:
	free(segs);
	free(res);
	expect_free(spec);
	return ret;
}

int labrun_run(const struct lab *lab, const struct lab_variant *v, const struct labrun_opts *o,
               struct labrun **out, char *errbuf, size_t errlen)
{
	struct run_ctx c;
	struct labrun *run;
	uint64_t deadline;
	double timeout = o->timeout_s > 0 ? o->timeout_s : DEFAULT_TIMEOUT_S;
	int ret = -1;

	*out = NULL;
	memset(&c, 0, sizeof(c));
	for (int h = 0; h < 2; h++)
		c.prog[h].trace_fd = -1;
	c.prog[HOST_CLIENT].role = "client";
	c.prog[HOST_SERVER].role = "server";
	run = calloc(1, sizeof(*run));
	if (!run) {
		snprintf(errbuf, errlen, "out of memory");
		return -1;
	}
	c.run = run;
	run->lab = lab;
	run->variant = v;
	run->conn_id = -1;
	timeline_init(&run->tl);
	c.markerlen = (size_t)snprintf(c.marker, sizeof(c.marker), "tcplab-end-of-run-%d-%llu",
	                               (int)getpid(), (unsigned long long)now_real_ns());

	c.sb = sandbox_new(lab->topology, errbuf, errlen);
	if (!c.sb)
		goto out;
	snprintf(run->server_addr, sizeof(run->server_addr), "%s", sandbox_addr(c.sb, HOST_SERVER));
	snprintf(run->client_addr, sizeof(run->client_addr), "%s", sandbox_addr(c.sb, HOST_CLIENT));
	c.ft = flow_new();
	if (!c.ft) {
		snprintf(errbuf, errlen, "out of memory");
		goto out;
	}

	/* The capture socket belongs to the namespace it was opened in, so open it there. */
	if (sandbox_enter(c.sb, HOST_CLIENT, errbuf, errlen) < 0)
		goto out;
	c.cap = live_open(sandbox_capture_dev(c.sb), CAPTURE_FILTER, errbuf, errlen);
	if (sandbox_leave(c.sb, errbuf, errlen) < 0 || !c.cap)
		goto out;
	c.dlt = live_dlt(c.cap);
	if (o->pcap_path) {
		c.dump = pcapout_open(o->pcap_path, c.dlt, errbuf, errlen);
		if (!c.dump)
			goto out;
	}

	deadline = now_ms() + (uint64_t)(timeout * 1000);
	if (start_prog(&c, o, HOST_SERVER, v->server, errbuf, errlen) < 0)
		goto out;
	if (!serve(&c, UNTIL_LISTEN, now_ms() + LISTEN_TIMEOUT_MS) || !c.prog[HOST_SERVER].listened) {
		char why[400];

		describe_exit(&c.prog[HOST_SERVER], run->status[HOST_SERVER], why, sizeof(why));
		snprintf(errbuf, errlen, "the lab's server never called listen(): %s",
		         c.prog[HOST_SERVER].exited ? why : "it did not within 5 s");
		goto out;
	}
	if (start_prog(&c, o, HOST_CLIENT, v->client, errbuf, errlen) < 0)
		goto out;
	if (!serve(&c, UNTIL_EXITED, deadline))
		run->timed_out = true;
	for (int h = 0; h < 2; h++)
		if (!c.prog[h].exited)
			proc_kill(c.prog[h].p);
	serve(&c, UNTIL_SETTLED, now_ms() + SETTLE_TIMEOUT_MS);
	if (send_marker(&c, errbuf, errlen) < 0)
		goto out;
	serve(&c, UNTIL_MARKER, now_ms() + SETTLE_TIMEOUT_MS);
	live_stats(c.cap, &run->received, &run->dropped);
	if (c.oom) {
		snprintf(errbuf, errlen, "out of memory while recording the run");
		goto out;
	}
	if (c.dump) {
		/* A full disk loses the file, not the run: the verdicts are still shown. */
		char why[256] = "";
		bool bad = pcapout_close(c.dump, why, sizeof(why)) < 0;

		c.dump = NULL;
		if (c.dump_err[0] || bad)
			snprintf(run->pcap_error, sizeof(run->pcap_error),
			         "cannot save the capture to '%s': %s", o->pcap_path,
			         c.dump_err[0] ? c.dump_err : why);
	}
	if (timeline_build(&run->tl) < 0) {
		snprintf(errbuf, errlen, "out of memory");
		goto out;
	}
	if (judge(&c, o, errbuf, errlen) < 0)
		goto out;
	*out = run;
	run = NULL;
	ret = 0;
out:
	for (int h = 0; h < 2; h++) {
		if (c.prog[h].trace_fd >= 0)
			close(c.prog[h].trace_fd);
		proc_free(c.prog[h].p);
		trace_reader_free(c.prog[h].tr);
	}
	if (c.dump) {
		char ignored[64];

		pcapout_close(c.dump, ignored, sizeof(ignored));
	}
	if (c.cap)
		live_close(c.cap);
	flow_free(c.ft);
	sandbox_free(c.sb);
	labrun_free(run);
	return ret;
}

void labrun_free(struct labrun *run)
{
	if (!run)
		return;
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
