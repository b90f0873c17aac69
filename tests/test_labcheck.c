/* summary: a lab's call, output and wire checks: parsed strictly, judged with evidence. */
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "capture/dissect.h"
#include "engine/lab.h"
#include "engine/labcheck.h"
#include "engine/sandbox.h"

static struct labcheck parse_ok(enum labcheck_kind kind, const char *text)
{
	struct labcheck c;
	char err[256];

	cr_assert_eq(labcheck_parse(kind, text, &c, err, sizeof(err)), 0, "%s: %s", text, err);
	return c;
}

/* A timeline of a client that connects, sends twice, gets a reset. */
static void client_run(struct timeline *tl)
{
	struct trace_event ev;
	uint64_t t = 1000000000;

	timeline_init(tl);
#define CALL(cls, fn, r, e, fl, lv, op) do { \
		memset(&ev, 0, sizeof(ev)); \
		ev.call = cls; snprintf(ev.name, sizeof(ev.name), "%s", fn); \
		ev.fd = 3; ev.ret = r; ev.err = e; ev.t_enter_ns = t; ev.t_exit_ns = t + 1000; \
		ev.flags = fl; ev.level = lv; ev.opt = op; t += 1000000; \
		cr_assert_eq(timeline_add_call(tl, HOST_CLIENT, &ev), 0); \
	} while (0)
	CALL(TRACE_SOCKET, "socket", 3, 0, 0, 0, 0);
	CALL(TRACE_CONNECT, "connect", 0, 0, 0, 0, 0);
	CALL(TRACE_SEND, "write", 5, 0, 0, 0, 0);
	CALL(TRACE_SETSOCKOPT, "setsockopt", 0, 0, 0, IPPROTO_TCP, TCP_NODELAY);
	CALL(TRACE_SEND, "sendto", 5, 0, MSG_MORE, 0, 0);
	CALL(TRACE_RECV, "recvfrom", -1, ECONNRESET, 0, 0, 0);
#undef CALL
	cr_assert_eq(timeline_add_output(tl, HOST_CLIENT, t, "recv: Connection reset", 22), 0);
	cr_assert_eq(timeline_build(tl), 0);
}

static enum expect_verdict judge(const char *text, enum labcheck_kind kind, char *why,
                                 size_t len)
{
	struct labcheck c = parse_ok(kind, text);
	struct timeline tl;
	struct labcheck_ctx ctx = { .tl = &tl, .role = { "client", "server" } };
	struct expect_result r;

	client_run(&tl);
	labcheck_eval(&c, &ctx, &r);
	snprintf(why, len, "%s", r.explain);
	timeline_release(&tl);
	return r.verdict;
}

Test(labcheck, calls_match_on_class_result_errno_and_details)
{
	char why[512];

	cr_expect_eq(judge("\"reset\" client recv ret=-1 errno=ECONNRESET", LABCHECK_CALL, why,
	                   sizeof(why)), EXPECT_PASS, "%s", why);
	cr_expect(strstr(why, "recvfrom(3"), "the evidence names the call: %s", why);
	cr_expect_eq(judge("\"two sends\" client send count=2", LABCHECK_CALL, why, sizeof(why)),
	             EXPECT_PASS, "%s", why);
	cr_expect_eq(judge("\"a writev\" client send name=writev", LABCHECK_CALL, why, sizeof(why)),
	             EXPECT_FAIL);
	cr_expect(strstr(why, "no client send call matched (it made 2;"), "%s", why);
	cr_expect_eq(judge("\"asked for 5\" client send arg=5", LABCHECK_CALL, why, sizeof(why)),
	             EXPECT_FAIL, "the test's sends record no size (arg 0): %s", why);
	cr_expect_eq(judge("\"asked for little\" client send arg<1 count=2", LABCHECK_CALL, why,
	                   sizeof(why)), EXPECT_PASS, "%s", why);
	cr_expect_eq(judge("\"MSG_MORE\" client send has=MSG_MORE", LABCHECK_CALL, why,
	                   sizeof(why)), EXPECT_PASS, "%s", why);
	cr_expect_eq(judge("\"no EPIPE\" client send errno=EPIPE count=0", LABCHECK_CALL, why,
	                   sizeof(why)), EXPECT_PASS, "%s", why);
	cr_expect_eq(judge("\"server\" server recv", LABCHECK_CALL, why, sizeof(why)), EXPECT_FAIL);
	cr_expect(strstr(why, "(it made none)"), "%s", why);
}

Test(labcheck, before_orders_an_option_against_the_first_write)
{
	char why[512];

	/* TCP_NODELAY came after the first write: set too late. */
	cr_expect_eq(judge("\"early\" client setsockopt has=TCP_NODELAY before send",
	                   LABCHECK_CALL, why, sizeof(why)), EXPECT_FAIL, "%s", why);
	cr_expect_eq(judge("\"any\" client setsockopt has=TCP_NODELAY", LABCHECK_CALL, why,
	                   sizeof(why)), EXPECT_PASS, "%s", why);
}

Test(labcheck, took_judges_how_long_a_call_blocked)
{
	char why[512];

	/* Every call of the test's run returns 1 us after it was entered. */
	cr_expect_eq(judge("\"quick\" client send took<0.001 count=2", LABCHECK_CALL, why,
	                   sizeof(why)), EXPECT_PASS, "%s", why);
	cr_expect(strstr(why, "after 0.000 s in the call"), "%s", why);
	cr_expect_eq(judge("\"blocked\" client send took>=0.5", LABCHECK_CALL, why, sizeof(why)),
	             EXPECT_FAIL, "%s", why);
	cr_expect(strstr(why, "in the call 0.000 s; wanted >= 0.5 s"), "%s", why);
}

/* A server that slept three times 5 ms in a worker thread, once 1 ms, and a poll() that
 * woke 300 ms late (a stall, not a sleep). */
static enum expect_verdict judge_sleeps(const char *text, const char *jobs, char *why,
                                        size_t len)
{
	static const struct { const char *fn; long long ms; uint64_t took; } w[] = {
		{ "clock_nanosleep", 5, 5080000 }, { "nanosleep", 5, 5010000 },
		{ "clock_nanosleep", 5, 5200000 }, { "clock_nanosleep", 1, 1060000 },
		{ "poll", 100, 400000000 },
	};
	struct labcheck c = parse_ok(LABCHECK_CALL, text);
	struct timeline tl;
	struct lab_vars vars = { 0 };
	struct labcheck_ctx ctx = { .tl = &tl, .role = { "client", "server" }, .vars = &vars };
	struct expect_result r;
	uint64_t t = 1000000000;

	cr_assert_eq(lab_vars_set(&vars, "jobs", jobs), 0);
	timeline_init(&tl);
	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		struct trace_event ev = { .call = TRACE_WAIT, .fd = -1, .arg = w[i].ms,
		                          .pid = 10, .tid = 11, .t_enter_ns = t,
		                          .t_exit_ns = t + w[i].took };

		snprintf(ev.name, sizeof(ev.name), "%s", w[i].fn);
		cr_assert_eq(timeline_add_call(&tl, HOST_SERVER, &ev), 0);
		t += w[i].took + 1000;
	}
	cr_assert_eq(timeline_build(&tl), 0);
	labcheck_eval(&c, &ctx, &r);
	snprintf(why, len, "%s", r.explain);
	/* Sleeps that woke on time are for the checks, not for the timeline; the stall is. */
	cr_expect_eq(tl.nentry, 1, "%zu timeline entries", tl.nentry);
	timeline_release(&tl);
	return r.verdict;
}

Test(labcheck, sleep_counts_the_programs_sleeps_against_a_run_variable)
{
	char why[512];
	const char *chk = "\"work done\" server sleep took>=0.0049 count>={jobs}";

	cr_expect_eq(judge_sleeps(chk, "3", why, sizeof(why)), EXPECT_PASS, "%s", why);
	cr_expect(strstr(why, "3 matching server calls; the first: clock_nanosleep(5 ms) = 0,"
	                 " 5.080 ms"), "%s", why);
	cr_expect_eq(judge_sleeps(chk, "4", why, sizeof(why)), EXPECT_FAIL, "%s", why);
	cr_expect(strstr(why, "wanted count >= 4"), "%s", why);
	/* The late poll() is not a sleep, the 1 ms sleep is one. */
	cr_expect_eq(judge_sleeps("\"any\" server sleep count=4", "0", why, sizeof(why)),
	             EXPECT_PASS, "%s", why);
	cr_expect_eq(judge_sleeps("\"none\" client sleep", "0", why, sizeof(why)), EXPECT_FAIL,
	             "%s", why);
	cr_expect(strstr(why, "no client sleep call matched (it made none)"), "%s", why);
	cr_expect_eq(judge_sleeps("\"unknown\" server sleep count>={nojobs}", "3", why,
	                          sizeof(why)), EXPECT_INCONCLUSIVE, "%s", why);
	cr_expect(strstr(why, "the lab did not say how many to expect ('{nojobs}')"), "%s", why);
}

/* A handshake on the wire at +1, +2, +3 ms, and one call from enter to exit. */
static enum expect_verdict judge_handshake(const char *text, enum trace_call cls, int host,
                                           uint64_t enter_ms, uint64_t exit_ms, char *why,
                                           size_t len)
{
	static const struct { enum flow_dir dir; uint16_t flags; } hs[] = {
		{ FLOW_C2S, TCP_SYN }, { FLOW_S2C, TCP_SYN | TCP_ACK }, { FLOW_C2S, TCP_ACK },
	};
	struct labcheck c = parse_ok(LABCHECK_CALL, text);
	struct flow_seg segs[3];
	struct timeline tl;
	struct labcheck_ctx ctx = { .tl = &tl, .role = { "client", "server" }, .segs = segs,
	                            .nseg = 3 };
	struct trace_event ev = { .call = cls, .fd = 3, .t_enter_ns = enter_ms * 1000000,
	                          .t_exit_ns = exit_ms * 1000000 };
	struct expect_result r;

	memset(segs, 0, sizeof(segs));
	for (int i = 0; i < 3; i++) {
		segs[i].dir = hs[i].dir;
		segs[i].seg.flags = hs[i].flags;
		segs[i].seg.ts_ns = (uint64_t)(i + 1) * 1000000;
	}
	snprintf(ev.name, sizeof(ev.name), "%s", trace_call_name(cls));
	timeline_init(&tl);
	cr_assert_eq(timeline_add_call(&tl, host, &ev), 0);
	cr_assert_eq(timeline_build(&tl), 0);
	labcheck_eval(&c, &ctx, &r);
	snprintf(why, len, "%s", r.explain);
	timeline_release(&tl);
	return r.verdict;
}

Test(labcheck, calls_are_placed_against_the_handshake_on_the_wire)
{
	const char *conn = "\"c\" client connect enters-before=syn returns-after=syn-ack";
	const char *acc = "\"a\" server accept returns-after=handshake-ack";
	char why[512];
	struct labcheck c;
	char err[256];

	cr_expect_eq(judge_handshake(conn, TRACE_CONNECT, HOST_CLIENT, 0, 3, why, sizeof(why)),
	             EXPECT_PASS, "%s", why);
	/* Entered after the SYN had left: not the call that sent it. */
	cr_expect_eq(judge_handshake(conn, TRACE_CONNECT, HOST_CLIENT, 1, 3, why, sizeof(why)),
	             EXPECT_FAIL, "%s", why);
	cr_expect(strstr(why, "it had to be entered before the SYN"), "%s", why);
	/* Returned before the SYN-ACK: a non-blocking connect(), say. */
	cr_expect_eq(judge_handshake(conn, TRACE_CONNECT, HOST_CLIENT, 0, 1, why, sizeof(why)),
	             EXPECT_FAIL, "%s", why);
	cr_expect(strstr(why, "it had to return after the SYN-ACK, on the wire at"), "%s", why);
	cr_expect_eq(judge_handshake(acc, TRACE_ACCEPT, HOST_SERVER, 0, 4, why, sizeof(why)),
	             EXPECT_PASS, "%s", why);
	cr_expect_eq(judge_handshake(acc, TRACE_ACCEPT, HOST_SERVER, 0, 2, why, sizeof(why)),
	             EXPECT_FAIL, "%s", why);
	cr_expect(strstr(why, "the client's ACK that completes the handshake"), "%s", why);
	cr_expect_neq(labcheck_parse(LABCHECK_CALL, "\"x\" client connect returns-after=fin", &c,
	                             err, sizeof(err)), 0);
	cr_expect(strstr(err, "returns-after= takes syn, syn-ack or handshake-ack"), "%s", err);
}

static enum expect_verdict judge_kernel(const char *text, const struct labcheck_ksock *ks,
                                        size_t n, bool read, char *why, size_t len)
{
	struct labcheck c = parse_ok(LABCHECK_KERNEL, text);
	struct timeline tl;
	struct labcheck_ctx ctx = { .tl = &tl, .role = { "client", "server" }, .kernel_read = read,
	                            .kernel_err = "", .ksock = ks, .nksock = n };
	struct expect_result r;

	timeline_init(&tl);
	cr_assert_eq(timeline_build(&tl), 0);
	labcheck_eval(&c, &ctx, &r);
	snprintf(why, len, "%s", r.explain);
	timeline_release(&tl);
	return r.verdict;
}

Test(labcheck, kernel_checks_read_the_state_and_timer_the_kernel_reported)
{
	const struct labcheck_ksock ks[] = {
		{ HOST_CLIENT, { .state = SOCKDIAG_TIME_WAIT, .timer = 3, .sport = 40922,
		                 .dport = 8000, .src = { 10, 99, 0, 1 }, .dst = { 10, 99, 0, 2 },
		                 .expires_ms = 59870 } },
		{ HOST_SERVER, { .state = SOCKDIAG_CLOSE_WAIT, .sport = 8000, .dport = 40922,
		                 .src = { 10, 99, 0, 2 }, .dst = { 10, 99, 0, 1 } } },
	};
	const char *tw = "\"tw\" client time-wait timer=50...60";
	char why[512], err[256];
	struct labcheck c;

	cr_expect_eq(judge_kernel(tw, ks, 2, true, why, sizeof(why)), EXPECT_PASS, "%s", why);
	cr_expect(strstr(why, "the client's kernel holds 10.99.0.1:40922 > 10.99.0.2:8000 in"
	                 " TIME-WAIT, 59.9 s left on its timer"), "%s", why);
	/* The server holds CLOSE-WAIT, not TIME-WAIT: named in the reason. */
	cr_expect_eq(judge_kernel("\"s\" server time-wait", ks, 2, true, why, sizeof(why)),
	             EXPECT_FAIL, "%s", why);
	cr_expect(strstr(why, "holds no socket of the lab's port in TIME-WAIT at the end of the"
	                 " run (it holds 10.99.0.2:8000 > 10.99.0.1:40922 in CLOSE-WAIT)"), "%s",
	          why);
	cr_expect_eq(judge_kernel("\"t\" client time-wait timer=0...30", ks, 2, true, why,
	                          sizeof(why)), EXPECT_FAIL, "%s", why);
	cr_expect(strstr(why, "with 59.9 s left on its timer; wanted 0 to 30 s"), "%s", why);
	cr_expect_eq(judge_kernel(tw, ks, 0, true, why, sizeof(why)), EXPECT_FAIL, "%s", why);
	cr_expect(strstr(why, "(it holds none: the connection is gone there)"), "%s", why);
	cr_expect_eq(judge_kernel(tw, ks, 2, false, why, sizeof(why)), EXPECT_INCONCLUSIVE, "%s",
	             why);
	cr_expect_neq(labcheck_parse(LABCHECK_KERNEL, "\"x\" client time-wiat", &c, err,
	                             sizeof(err)), 0);
	cr_expect(strstr(err, "'time-wiat' is not a TCP state"), "%s", err);
	cr_expect_neq(labcheck_parse(LABCHECK_KERNEL, "\"x\" client time-wait timer>=50", &c,
	                             err, sizeof(err)), 0);
}

Test(labcheck, after_cut_without_a_cut_fails_with_the_reason)
{
	char why[512];

	cr_expect_eq(judge("\"detect\" client recv errno=ECONNRESET after cut 0...5", LABCHECK_CALL,
	                   why, sizeof(why)), EXPECT_FAIL);
	cr_expect(strstr(why, "never cut"), "%s", why);
}

Test(labcheck, after_cut_measures_from_the_cut)
{
	struct labcheck c = parse_ok(LABCHECK_CALL, "\"d\" client recv errno=ECONNRESET after cut"
	                                            " 0.002...0.004");
	struct timeline tl;
	struct labcheck_ctx ctx = { .tl = &tl, .role = { "client", "server" } };
	struct expect_result r;

	client_run(&tl);
	ctx.cut_ns = 1000000000 + 2000000;      /* the recv returns 3.001 ms after this */
	labcheck_eval(&c, &ctx, &r);
	cr_expect_eq(r.verdict, EXPECT_PASS, "%s", r.explain);
	cr_expect(strstr(r.explain, "s after the cut"), "%s", r.explain);
	ctx.cut_ns = 1000000000;                /* now 5.001 ms: outside the window */
	labcheck_eval(&c, &ctx, &r);
	cr_expect_eq(r.verdict, EXPECT_FAIL, "%s", r.explain);
	timeline_release(&tl);
}

Test(labcheck, output_lines_are_searched)
{
	char why[512];

	cr_expect_eq(judge("\"said reset\" client \"reset\"", LABCHECK_OUTPUT, why, sizeof(why)),
	             EXPECT_PASS, "%s", why);
	cr_expect_eq(judge("\"said closed\" client \"closed\"", LABCHECK_OUTPUT, why, sizeof(why)),
	             EXPECT_FAIL);
	cr_expect(strstr(why, "its last line: 'recv: Connection reset'"), "%s", why);
}

/* Requests and replies on the wire: c>s data at t, s>c data at t + rtt. */
static void wire_run(struct flow_seg *segs, size_t *n, const double *rtt_ms, size_t nreq)
{
	uint64_t t = 5000000000;

	*n = 0;
	for (size_t i = 0; i < nreq; i++) {
		struct flow_seg *q = &segs[(*n)++], *a = &segs[(*n)++];

		memset(q, 0, sizeof(*q));
		memset(a, 0, sizeof(*a));
		q->dir = FLOW_C2S;
		q->seg.len = 10;
		q->seg.ts_ns = t;
		a->dir = FLOW_S2C;
		a->seg.len = 10;
		a->seg.ts_ns = t + (uint64_t)(rtt_ms[i] * 1e6);
		t += 100000000;
	}
}

Test(labcheck, wire_rtt_median_and_counts)
{
	static const double rtt[] = { 0.03, 41.0, 40.5, 42.0, 0.02 };
	struct flow_seg segs[10];
	struct timeline tl;
	struct labcheck_ctx ctx = { .tl = &tl, .segs = segs, .role = { "client", "server" } };
	struct labcheck c;
	struct expect_result r;

	timeline_init(&tl);
	wire_run(segs, &ctx.nseg, rtt, 5);
	c = parse_ok(LABCHECK_WIRE, "\"fast\" rtt-median < 5");
	labcheck_eval(&c, &ctx, &r);
	cr_expect_eq(r.verdict, EXPECT_FAIL);
	cr_expect(strstr(r.explain, "median round trip 40.500 ms over 5 requests"), "%s", r.explain);
	c = parse_ok(LABCHECK_WIRE, "\"stall seen\" rtt-max >= 40");
	labcheck_eval(&c, &ctx, &r);
	cr_expect_eq(r.verdict, EXPECT_PASS, "%s", r.explain);
	c = parse_ok(LABCHECK_WIRE, "\"5 requests\" segments-c2s = 5");
	labcheck_eval(&c, &ctx, &r);
	cr_expect_eq(r.verdict, EXPECT_PASS, "%s", r.explain);
	ctx.nseg = 0;
	c = parse_ok(LABCHECK_WIRE, "\"fast\" rtt-median < 5");
	labcheck_eval(&c, &ctx, &r);
	cr_expect_eq(r.verdict, EXPECT_FAIL);
	cr_expect(strstr(r.explain, "no request and reply"), "%s", r.explain);
}

struct bad_line {
	int kind;
	char text[96];
	char message[80];
};

ParameterizedTestParameters(labcheck, bad_lines_name_the_fault)
{
	static struct bad_line cases[] = {
		{ LABCHECK_CALL, "client recv", "starts with its \"NAME\"" },
		{ LABCHECK_CALL, "\"n\" client", "needs \"NAME\" WHO CLASS" },
		{ LABCHECK_CALL, "\"n\" middle recv", "'middle' is not client or server" },
		{ LABCHECK_CALL, "\"n\" client sned", "'sned' is not a call class" },
		{ LABCHECK_CALL, "\"n\" client recv errno=EWHAT", "unknown errno 'EWHAT'" },
		{ LABCHECK_CALL, "\"n\" client recv ret=x", "cannot read 'ret=x'" },
		{ LABCHECK_CALL, "\"n\" client recv after cut 5...1", "'after cut' needs A...B" },
		{ LABCHECK_CALL, "\"n\" client recv bogus", "cannot read 'bogus'" },
		{ LABCHECK_CALL, "\"n client recv", "unbalanced quote" },
		{ LABCHECK_OUTPUT, "\"n\" client", "needs \"NAME\" WHO \"TEXT\"" },
		{ LABCHECK_WIRE, "\"n\" rtt-mean < 5", "unknown metric 'rtt-mean'" },
		{ LABCHECK_WIRE, "\"n\" rtt-median ~ 5", "'~' is not =, <, >, <= or >=" },
		{ LABCHECK_WIRE, "\"n\" rtt-median < five", "'five' is not a number" },
	};
	return cr_make_param_array(struct bad_line, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct bad_line *b, labcheck, bad_lines_name_the_fault)
{
	struct labcheck c;
	char err[256];

	cr_expect_lt(labcheck_parse((enum labcheck_kind)b->kind, b->text, &c, err, sizeof(err)),
	             0, "%s was accepted", b->text);
	cr_expect(strstr(err, b->message), "'%s': got '%s', want '%s'", b->text, err, b->message);
}
