/* summary: lab 1 run for real: each variant passes, as root and as nobody, on one timeline. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "capture/capfile.h"
#include "capture/dissect.h"
#include "engine/lab.h"
#include "engine/labrun.h"
#include "tests/lib/privdrop.h"
#include "tests/lib/labtest.h"

struct variant {
	char name[32];
	enum flow_dir closer;           /* who sends the first FIN and holds TIME-WAIT */
	char listen[24];                /* the server's listen() as the ladder shows it */
};

static struct variant variants[] = {
	{ "client-first", FLOW_C2S, "listen(3, 1) = 0" },
	{ "server-first", FLOW_S2C, "listen(3, 1) = 0" },
	{ "half-close", FLOW_C2S, "listen(3, 1) = 0" },
	/* The course notes' Winsock C++ programs, built through labs/include: client first,
	 * and the notes' SOMAXCONN backlog (4096 on this kernel). */
	{ "course-notes", FLOW_C2S, "listen(3, 4096) = 0" },
};

/* The final state of the lab's connection, from the saved capture alone. */
static void final_states(const char *pcap, enum tcp_state *client, enum tcp_state *server,
                         int *first_fin)
{
	struct capfile cf;
	char err[256];

	cr_assert_eq(capfile_load(pcap, -1, 1000, &cf, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_empty(cf.read_error);
	cr_assert_eq(flow_count(cf.ft), 1, "the lab made %zu connections", flow_count(cf.ft));
	*client = flow_get(cf.ft, 0)->side[FLOW_C2S].state;
	*server = flow_get(cf.ft, 0)->side[FLOW_S2C].state;
	*first_fin = flow_get(cf.ft, 0)->first_fin;
	capfile_release(&cf);
}

ParameterizedTestParameters(lab1, passes_as_root_and_the_capture_agrees)
{
	return cr_make_param_array(struct variant, variants, sizeof(variants) / sizeof(variants[0]));
}

ParameterizedTest(struct variant *v, lab1, passes_as_root_and_the_capture_agrees, .timeout = 30)
{
	char pcap[64];
	struct tcplab_result r;
	enum tcp_state client, server;
	int first_fin;

	labtest_run(&r, 1, v->name, pcap, sizeof(pcap));
	labtest_all_passed(r.out, 8);
	/* The ladder: both programs' calls and the wire, in one listing. */
	cr_expect(strstr(r.out, "connect(3, 10.99.0.2:8000)"), "%s", r.out);
	cr_expect(strstr(r.out, "#1 S 0 -->"), "%s", r.out);
	cr_expect(strstr(r.out, "<-- #2 S. 0 ack 1"), "%s", r.out);
	cr_expect(strstr(r.out, v->listen), "%s", r.out);

	final_states(pcap, &client, &server, &first_fin);
	unlink(pcap);
	cr_expect_eq(first_fin, (int)v->closer);
	cr_expect_eq(v->closer == FLOW_C2S ? client : server, TCPS_TIME_WAIT);
	cr_expect_eq(v->closer == FLOW_C2S ? server : client, TCPS_CLOSED);
}

/* Copy what tcplab needs into a folder nobody can read, wherever the checkout is. */
static void stage(char *dir)
{
	char cmd[2048];

	cr_assert_not_null(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd),
	         "set -e; cd '%s'; mkdir -p build/labs root/labs;"
	         " cp '%s/tcplab' build/;"
	         " cp -R '%s/labs/01-handshake' build/labs/;"
	         " cp -R '%s/labs/README.md' '%s/labs/01-handshake' root/labs/;"
	         " chmod -R a+rX .",
	         dir, test_build(), test_build(), test_root(), test_root());
	cr_assert_eq(system(cmd), 0, "staging failed: %s", cmd);
	cr_assert_eq(chmod(dir, 0755), 0);
}

static void unstage(const char *dir)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_expect_eq(system(cmd), 0);
}

Test(lab1, every_variant_passes_as_an_unprivileged_user, .timeout = 60)
{
	char dir[] = "/tmp/tcplab-nobody-XXXXXX", prog[600], env_build[600], env_root[600];
	struct privdrop_result res;
	char why[256];
	int rc;

	if (geteuid() != 0)
		cr_skip_test("dropping to nobody needs root; as a normal user, 'make test' already"
		             " ran every lab without root");
	stage(dir);
	snprintf(prog, sizeof(prog), "%s/build/tcplab", dir);
	snprintf(env_build, sizeof(env_build), "TCPLAB_BUILD=%s/build", dir);
	snprintf(env_root, sizeof(env_root), "TCPLAB_ROOT=%s/root", dir);
	rc = privdrop_run((const char *[]){ prog, "run", "1", "--variant", "all", NULL },
	                  (const char *[]){ env_build, env_root, "PATH=/usr/bin:/bin", NULL }, 45000,
	                  &res, why, sizeof(why));
	unstage(dir);
	if (rc < 0)
		cr_skip_test("cannot run as nobody here: %s", why);
	cr_expect(!res.timed_out);
	cr_expect(WIFEXITED(res.status) && WEXITSTATUS(res.status) == 0, "status %d\n%s",
	          res.status, res.output);
	for (const char *p = res.output, *k; (k = strstr(p, " checks passed")); p = k + 1) {
		const char *line = k;
		int passed, total;

		while (line > res.output && line[-1] != '\n')
			line--;
		cr_assert_eq(sscanf(line, "%d of %d", &passed, &total), 2);
		cr_expect_eq(passed, total, "%s", res.output);
	}
	cr_expect(strstr(res.output, "variant half-close"), "%s", res.output);
	cr_expect(strstr(res.output, "variant course-notes"), "%s", res.output);
	free(res.output);
}

/* The first timeline entry of a call, or -1. */
static long find_call(const struct labrun *run, enum sandbox_host host, enum trace_call call,
                      enum tl_phase phase)
{
	for (size_t i = 0; i < run->tl.nentry; i++) {
		const struct tl_entry *e = &run->tl.entry[i];

		if (e->kind == TL_CALL && e->phase == phase && run->tl.call[e->index].host == host &&
		    run->tl.call[e->index].ev.call == call)
			return (long)i;
	}
	return -1;
}

static long find_segment(const struct labrun *run, enum flow_dir dir, uint16_t flags)
{
	for (size_t i = 0; i < run->tl.nentry; i++) {
		const struct tl_entry *e = &run->tl.entry[i];

		if (e->kind == TL_SEGMENT && run->tl.seg[e->index].dir == dir &&
		    run->tl.seg[e->index].seg.flags == flags)
			return (long)i;
	}
	return -1;
}

Test(lab1, calls_and_segments_share_one_timeline, .timeout = 30)
{
	struct labrun_opts o = { .build = test_build() };
	struct labrun *run;
	struct lab lab;
	char dir[600], err[1024];
	long conn_in, conn_out, syn, synack, ack, acc_out, fin, close_in;

	if (geteuid() != 0)
		cr_skip_test("runs the lab inside the test process, which needs root (the"
		             " unprivileged path has its own test)");
	snprintf(dir, sizeof(dir), "%s/labs/01-handshake", test_root());
	cr_assert_eq(lab_load(dir, &lab, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(labrun_run(&lab, lab_variant_find(&lab, "client-first"), &o, &run, err,
	                        sizeof(err)), 0, "%s", err);
	cr_expect(labrun_passed(run));

	conn_in = find_call(run, HOST_CLIENT, TRACE_CONNECT, TL_PHASE_ENTER);
	conn_out = find_call(run, HOST_CLIENT, TRACE_CONNECT, TL_PHASE_EXIT);
	acc_out = find_call(run, HOST_SERVER, TRACE_ACCEPT, TL_PHASE_EXIT);
	close_in = find_call(run, HOST_CLIENT, TRACE_CLOSE, TL_PHASE_ENTER);
	syn = find_segment(run, FLOW_C2S, TCP_SYN);
	synack = find_segment(run, FLOW_S2C, TCP_SYN | TCP_ACK);
	ack = find_segment(run, FLOW_C2S, TCP_ACK);
	fin = find_segment(run, FLOW_C2S, TCP_FIN | TCP_ACK);
	cr_assert(conn_in >= 0 && conn_out >= 0 && acc_out >= 0 && close_in >= 0 && syn >= 0 &&
	          synack >= 0 && ack >= 0 && fin >= 0);
	/* connect() sends the SYN and returns once the SYN-ACK is in (RFC 9293 section 3.5). */
	cr_expect_lt(conn_in, syn);
	cr_expect_gt(conn_out, synack);
	/* accept() returns a connection the kernel finished: after the handshake's last ACK. */
	cr_expect_gt(acc_out, ack);
	/* close() is what puts the FIN on the wire. */
	cr_expect_lt(close_in, fin);
	for (size_t i = 1; i < run->tl.nentry; i++)
		cr_assert_geq(run->tl.entry[i].t_ns, run->tl.entry[i - 1].t_ns);
	labrun_free(run);
}

/* A run stopped halfway (the TUI does it when a grade starts) leaves no process behind, not
 * even a zombie, keeps what it recorded, and is never judged. */
Test(lab1, a_stopped_run_leaves_no_process_and_is_not_judged, .timeout = 30)
{
	struct labrun_opts o = { .build = test_build() };
	struct labrun *run;
	struct lab lab;
	char dir[600], err[1024];
	int rc = 1;

	if (geteuid() != 0)
		cr_skip_test("runs the lab inside the test process, which needs root (the"
		             " unprivileged path has its own test)");
	snprintf(dir, sizeof(dir), "%s/labs/01-handshake", test_root());
	cr_assert_eq(lab_load(dir, &lab, err, sizeof(err)), 0, "%s", err);
	run = labrun_start(&lab, lab_variant_find(&lab, "client-first"), &o, err, sizeof(err));
	cr_assert_not_null(run, "%s", err);
	/* Until the server is traced listening: its programs are running. */
	while (rc == 1 && run->tl.ncall == 0) {
		struct pollfd fds[LABRUN_MAX_FDS];
		int tmo, n = labrun_pollfds(run, fds, LABRUN_MAX_FDS, &tmo);
		poll(fds, (nfds_t)n, tmo);
		rc = labrun_step(run, err, sizeof(err));
	}
	cr_assert_eq(rc, 1, "the run ended before it could be stopped: %s", err);
	labrun_stop(run);
	cr_expect(run->stopped);
	cr_expect(!run->done);
	cr_expect_eq(run->ncheck, 0);
	cr_expect_gt(run->tl.ncall, 0, "what the run recorded is kept");
	cr_expect_eq(waitpid(-1, NULL, WNOHANG), -1, "a process of the run is left");
	cr_expect_eq(errno, ECHILD);
	err[0] = '\0';
	cr_expect_eq(labrun_step(run, err, sizeof(err)), -1);
	cr_expect(strstr(err, "stopped"), "%s", err);
	labrun_stop(run);       /* twice is harmless */
	labrun_free(run);
}

/* A lab tree in a temporary folder whose lab 1 runs the given program lines. */
static void fake_lab(char *dir, const char *server, const char *client, const char *expect)
{
	char path[600];
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/labs", dir);
	cr_assert_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/labs/README.md", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/labs/01-handshake", dir);
	cr_assert_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/labs/01-handshake/lab.conf", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fprintf(f, "number = 1\ntitle = t\ntopology = two-hosts\nlesson = lesson.txt\n"
	        "[variant v]\nserver = %s\nclient = %s\nexpect = %s\n", server, client, expect);
	fclose(f);
	snprintf(path, sizeof(path), "cp '%s/labs/01-handshake/%s' '%s/labs/01-handshake/'",
	         test_root(), expect, dir);
	cr_assert_eq(system(path), 0, "%s", path);
	setenv("TCPLAB_ROOT", dir, 1);
}

Test(lab1, the_wrong_closer_fails_with_the_reason, .timeout = 30)
{
	char dir[] = "/tmp/tcplab-fake-XXXXXX";
	struct tcplab_result r;

	if (geteuid() != 0)
		cr_skip_test("needs root to run the lab inside the test (see the nobody test)");
	/* The server-first programs, graded against what client-first promises. */
	fake_lab(dir, "echo_server --addr {server} --port {port} --close first",
	         "echo_client --host {server} --port {port} --close after-peer",
	         "client-first.expect");
	tcplab_run(&r, (const char *[]){ "run", "1", NULL });
	unstage(dir);
	cr_expect_eq(r.status, 1, "%s%s", r.out, r.err);
	cr_expect_str_empty(r.err);
	cr_expect(strstr(r.out, "FAIL         the client sends the first FIN"), "%s", r.out);
	cr_expect(strstr(r.out, "FAIL         the client holds TIME-WAIT at the end"), "%s", r.out);
	cr_expect(strstr(r.out, "the server closed first"), "%s", r.out);
	cr_expect(strstr(r.out, "the server holds TIME-WAIT"), "%s", r.out);
}

Test(lab1, a_server_that_never_listens_is_named, .timeout = 30)
{
	char dir[] = "/tmp/tcplab-fake-XXXXXX";
	struct tcplab_result r;

	if (geteuid() != 0)
		cr_skip_test("needs root to run the lab inside the test (see the nobody test)");
	fake_lab(dir, "echo_client --host 127.0.0.1 --port 1",
	         "echo_client --host {server} --port {port}", "client-first.expect");
	tcplab_run(&r, (const char *[]){ "run", "1", NULL });
	unstage(dir);
	cr_expect_eq(r.status, 1, "%s%s", r.out, r.err);
	cr_expect(strstr(r.err, "the lab's server never called listen(): the server exited with"
	                 " status 1; its last words: 'echo_client: connect to 127.0.0.1:1:"
	                 " Connection refused'"), "%s", r.err);
}

Test(lab1, a_missing_program_says_to_build, .timeout = 30)
{
	char dir[] = "/tmp/tcplab-fake-XXXXXX";
	struct tcplab_result r;

	if (geteuid() != 0)
		cr_skip_test("needs root to run the lab inside the test (see the nobody test)");
	fake_lab(dir, "no_such_program", "echo_client", "client-first.expect");
	tcplab_run(&r, (const char *[]){ "run", "1", NULL });
	unstage(dir);
	cr_expect_eq(r.status, 1);
	cr_expect(strstr(r.err, "labs/01-handshake/no_such_program' is missing (run 'make')"),
	          "%s", r.err);
}

Test(lab1, a_dropping_capture_turns_would_be_failures_into_inconclusive, .timeout = 30)
{
	char dir[] = "/tmp/tcplab-fake-XXXXXX";
	struct tcplab_result r;

	if (geteuid() != 0)
		cr_skip_test("needs root to run the lab inside the test (see the nobody test)");
	/* As the_wrong_closer_fails_with_the_reason, but the capture "dropped" a packet. */
	fake_lab(dir, "echo_server --addr {server} --port {port} --close first",
	         "echo_client --host {server} --port {port} --close after-peer",
	         "client-first.expect");
	setenv("TCPLAB_FAULT", "capture-drop", 1);
	tcplab_run(&r, (const char *[]){ "run", "1", NULL });
	unsetenv("TCPLAB_FAULT");
	unstage(dir);
	cr_expect_eq(r.status, 1, "%s%s", r.out, r.err);
	cr_expect_null(strstr(r.out, "FAIL"), "no wire check may FAIL on an incomplete capture:"
	               " %s", r.out);
	cr_expect(strstr(r.out, "inconclusive the client sends the first FIN"), "%s", r.out);
	cr_expect(strstr(r.out, "the capture dropped packets; cannot tell"), "%s", r.out);
}

/*
 * The exercise's echo server is a driver (echo_server.c, --echo lines): per scenario it
 * echoes the line in one piece, in 2-4 pieces 5-30 ms apart, or 100-200 ms late in 2
 * pieces, and says so. Run the exercise with the lab's own echo client (which reads the
 * whole echo) as the student's program, and hold what the server said against the wire:
 * as many server data segments as pieces, each pause at least the one announced, and the
 * late echo at least 100 ms after the line.
 */
struct scenario {
	int scenario;
	uint64_t seed;
	char say[48];                   /* what the announcement must contain (an array: the
	                                   parameters are copied into the test's process) */
};

static struct scenario scenarios[] = {
	{ 0, 3, "the echo came in one piece" },
	{ 1, 3, "the echo came in " },
	{ 2, 3, " ms late, in 2 pieces, " },
	{ 1, 7, "the echo came in " },
};

static struct labrun *run_exercise(uint64_t seed, int scenario)
{
	struct labrun_opts o = { .build = test_build(), .seed = seed, .scenario = scenario };
	static struct lab lab;
	struct labrun *run;
	char dir[600], client[600], err[1024];

	snprintf(dir, sizeof(dir), "%s/labs/01-handshake", test_root());
	snprintf(client, sizeof(client), "%s/labs/01-handshake/echo_client", test_build());
	o.student = client;
	cr_assert_eq(lab_load(dir, &lab, err, sizeof(err)), 0, "%s", err);
	cr_assert(lab.has_exercise);
	cr_assert_eq(labrun_run(&lab, &lab.exercise, &o, &run, err, sizeof(err)), 0, "%s", err);
	return run;
}

ParameterizedTestParameters(lab1, the_echo_server_does_what_its_scenario_says)
{
	return cr_make_param_array(struct scenario, scenarios,
	                           sizeof(scenarios) / sizeof(scenarios[0]));
}

ParameterizedTest(struct scenario *s, lab1, the_echo_server_does_what_its_scenario_says,
                  .timeout = 30)
{
	long pause[4] = { 0 }, late = 0;
	int pieces = 1, npause = 0, data = 0;
	uint64_t line_ns = 0, last_ns = 0;
	const char *say, *len, *msg, *p;
	struct labrun *run;

	if (geteuid() != 0)
		cr_skip_test("runs the lab inside the test process, which needs root (the"
		             " unprivileged path has its own test)");
	run = run_exercise(s->seed, s->scenario);
	for (size_t i = 0; i < run->ncheck; i++)
		cr_expect_eq(run->check[i].r.verdict, EXPECT_PASS, "%s: %s", run->check[i].name,
		             run->check[i].r.explain);
	say = lab_vars_get(&run->vars, "say");
	len = lab_vars_get(&run->vars, "echo_len");
	msg = lab_vars_get(&run->vars, "message");
	cr_assert(say && len && msg);
	cr_expect(strstr(say, s->say), "scenario %d said '%s'", s->scenario, say);
	cr_expect_eq(atol(len), (long)strlen(msg) + 1, "echo_len %s for '%s'", len, msg);

	/* "... came 150 ms late, in 3 pieces, 12, 7 and 25 ms apart" */
	if ((p = strstr(say, "came ")) && sscanf(p, "came %ld ms late", &late) != 1)
		late = 0;
	if ((p = strstr(say, " in ")) && sscanf(p, " in %d pieces", &pieces) == 1) {
		p = strstr(p, "pieces, ") + 8;
		while (npause < 4 && sscanf(p, "%ld", &pause[npause]) == 1) {
			npause++;
			p += strcspn(p, ",a");          /* to ", " or "and " or "apart" */
			p += strspn(p, ", and");
		}
	}
	cr_expect_eq(npause, pieces - 1, "'%s': %d pauses", say, npause);
	for (size_t i = 0; i < run->tl.nseg; i++) {
		const struct flow_seg *fs = &run->tl.seg[i];

		if (!fs->seg.len)
			continue;
		if (fs->dir == FLOW_C2S) {
			line_ns = fs->seg.ts_ns;
			continue;
		}
		/* A pause is the least the gap can be; the host may add to it, never take away. */
		if (data == 0 && late)
			cr_expect_geq(fs->seg.ts_ns - line_ns, (uint64_t)late * 1000000u,
			              "the echo came %.3f ms after the line; '%s'",
			              (double)(fs->seg.ts_ns - line_ns) / 1e6, say);
		if (data > 0 && data <= npause)
			cr_expect_geq(fs->seg.ts_ns - last_ns, (uint64_t)pause[data - 1] * 1000000u,
			              "piece %d came %.3f ms after piece %d; '%s'", data + 1,
			              (double)(fs->seg.ts_ns - last_ns) / 1e6, data, say);
		last_ns = fs->seg.ts_ns;
		data++;
	}
	cr_expect_eq(data, pieces, "%d server data segments; '%s'", data, say);
	labrun_free(run);
}

Test(lab1, a_seed_replays_the_same_echo, .timeout = 30)
{
	struct labrun *a, *b;

	if (geteuid() != 0)
		cr_skip_test("runs the lab inside the test process, which needs root (the"
		             " unprivileged path has its own test)");
	a = run_exercise(11, 1);
	b = run_exercise(11, 1);
	cr_expect_str_eq(lab_vars_get(&a->vars, "message"), lab_vars_get(&b->vars, "message"));
	cr_expect_str_eq(lab_vars_get(&a->vars, "say"), lab_vars_get(&b->vars, "say"));
	labrun_free(a);
	labrun_free(b);
}
