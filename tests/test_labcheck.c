/* summary: a lab's call, output and wire checks: parsed strictly, judged with evidence. */
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <signal.h>
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
	char why[sizeof(((struct expect_result *)0)->explain)];

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
	char why[sizeof(((struct expect_result *)0)->explain)];

	/* TCP_NODELAY came after the first write: set too late. */
	cr_expect_eq(judge("\"early\" client setsockopt has=TCP_NODELAY before send",
	                   LABCHECK_CALL, why, sizeof(why)), EXPECT_FAIL, "%s", why);
	cr_expect_eq(judge("\"any\" client setsockopt has=TCP_NODELAY", LABCHECK_CALL, why,
	                   sizeof(why)), EXPECT_PASS, "%s", why);
}

Test(labcheck, took_judges_how_long_a_call_blocked)
{
	char why[sizeof(((struct expect_result *)0)->explain)];

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
	char why[sizeof(((struct expect_result *)0)->explain)];
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

/*
 * A server process that shut a connection down (FIN each way on the wire by 4 ms) and was
 * killed at 10 ms with the socket still open: its close "exit" came after the end. A
 * second socket, its connection still open, closed by the same kill; and a process that
 * exits by itself after its connection ended (a forked child returning from main).
 */
static enum expect_verdict judge_ended(const char *text, bool killed, char *why, size_t len)
{
	static const struct { enum flow_dir dir; uint16_t flags; uint16_t cport; } w[] = {
		{ FLOW_C2S, TCP_SYN, 40001 }, { FLOW_S2C, TCP_SYN | TCP_ACK, 40001 },
		{ FLOW_C2S, TCP_FIN | TCP_ACK, 40001 }, { FLOW_S2C, TCP_FIN | TCP_ACK, 40001 },
		{ FLOW_C2S, TCP_SYN, 40002 }, { FLOW_S2C, TCP_SYN | TCP_ACK, 40002 },
	};
	struct labcheck c = parse_ok(LABCHECK_CALL, text);
	struct flow_seg segs[6];
	struct timeline tl;
	struct labcheck_ctx ctx = { .tl = &tl, .role = { "client", "server" }, .segs = segs,
	                            .nseg = 6 };
	struct trace_event ev;
	struct expect_result r;

	memset(segs, 0, sizeof(segs));
	for (int i = 0; i < 6; i++) {
		segs[i].dir = w[i].dir;
		segs[i].seg.flags = w[i].flags;
		segs[i].seg.ts_ns = (uint64_t)(i + 1) * 1000000;
		segs[i].seg.sport = w[i].dir == FLOW_C2S ? w[i].cport : 8070;
		segs[i].seg.dport = w[i].dir == FLOW_C2S ? 8070 : w[i].cport;
	}
	timeline_init(&tl);
	for (int k = 0; k < 2; k++) {
		memset(&ev, 0, sizeof(ev));
		ev.call = TRACE_CLOSE;
		snprintf(ev.name, sizeof(ev.name), "exit");
		ev.pid = 100;
		ev.fd = 4 + k;
		ev.local.port = 8070;
		ev.peer.port = (uint16_t)(40001 + k);
		ev.t_enter_ns = ev.t_exit_ns = 10000000;
		cr_assert_eq(timeline_add_call(&tl, HOST_SERVER, &ev), 0);
	}
	memset(&ev, 0, sizeof(ev));
	ev.call = TRACE_EXIT;
	snprintf(ev.name, sizeof(ev.name), "exit");
	ev.pid = 100;
	ev.arg = killed ? SIGKILL : 0;
	ev.t_enter_ns = ev.t_exit_ns = 10000001;
	cr_assert_eq(timeline_add_call(&tl, HOST_SERVER, &ev), 0);
	cr_assert_eq(timeline_build(&tl), 0);
	labcheck_eval(&c, &ctx, &r);
	snprintf(why, len, "%s", r.explain);
	timeline_release(&tl);
	return r.verdict;
}

Test(labcheck, killed_and_ended_find_a_socket_kept_open_after_its_connection)
{
	const char *leak = "\"n\" server close name=exit killed ended count=0";
	char why[sizeof(((struct expect_result *)0)->explain)];

	cr_expect_eq(judge_ended(leak, true, why, sizeof(why)), EXPECT_FAIL, "%s", why);
	cr_expect(strstr(why, "1 matching server call;"), "only the ended one counts: %s", why);
	cr_expect(strstr(why, "only close() frees the socket"), "%s", why);
	/* A process that ended by itself closed it: not the lab's kill. */
	cr_expect_eq(judge_ended(leak, false, why, sizeof(why)), EXPECT_PASS, "%s", why);
	cr_expect_eq(judge_ended("\"k\" server close killed count=2", true, why, sizeof(why)),
	             EXPECT_PASS, "both closes of the killed process: %s", why);
	cr_expect_eq(judge_ended("\"e\" server close ended count=1", false, why, sizeof(why)),
	             EXPECT_PASS, "the listener-like open one has not ended: %s", why);
}

Test(labcheck, calls_are_placed_against_the_handshake_on_the_wire)
{
	const char *conn = "\"c\" client connect enters-before=syn returns-after=syn-ack";
	const char *acc = "\"a\" server accept returns-after=handshake-ack";
	char why[sizeof(((struct expect_result *)0)->explain)];
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

Test(labcheck, after_cut_without_a_cut_fails_with_the_reason)
{
	char why[sizeof(((struct expect_result *)0)->explain)];

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
	char why[sizeof(((struct expect_result *)0)->explain)];

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

/* Lab 6's measures: how many connections, and in how many of them a window closed. */
Test(labcheck, wire_counts_connections_and_zero_windows)
{
	static const double rtt[] = { 1, 1, 1, 1, 1 };
	struct flow_seg segs[10];
	struct timeline tl;
	struct labcheck_ctx ctx = { .tl = &tl, .segs = segs, .role = { "client", "server" } };
	struct labcheck c;
	struct expect_result r;

	timeline_init(&tl);
	wire_run(segs, &ctx.nseg, rtt, 5);
	for (size_t i = 0; i < ctx.nseg; i++)
		segs[i].conn_id = (uint32_t)(i / 4);    /* connections 0, 1 and 2 */
	c = parse_ok(LABCHECK_WIRE, "\"three\" connections = 3");
	labcheck_eval(&c, &ctx, &r);
	cr_expect_eq(r.verdict, EXPECT_PASS, "%s", r.explain);
	c = parse_ok(LABCHECK_WIRE, "\"one closes\" zero-window-conns = 1");
	labcheck_eval(&c, &ctx, &r);
	cr_expect_eq(r.verdict, EXPECT_FAIL, "%s", r.explain);
	cr_expect(strstr(r.explain, "0 connections with a zero window (wanted = 1)"), "%s",
	          r.explain);
	/* Two zero windows in connection 2 count it once; a window of 0 without the label
	 * (a RST's) is none. */
	segs[8].analysis |= EXPERT_BIT(EXPERT_I_ZERO_WINDOW);
	segs[9].analysis |= EXPERT_BIT(EXPERT_I_ZERO_WINDOW);
	segs[1].win_scaled = 0;
	labcheck_eval(&c, &ctx, &r);
	cr_expect_eq(r.verdict, EXPECT_PASS, "%s", r.explain);
}

/*
 * The kernel's samples of a run: the server's LISTEN alone, then three CLOSE-WAITs just
 * before a kill, then one TIME-WAIT (45 s left) at the end; the client's sockets in
 * between, which a server check must never count.
 */
static void kernel_samples(struct ksock_log *ks)
{
	struct ksock s[4];

	memset(s, 0, sizeof(s));
	ksock_log_init(ks);
	s[0].state = KS_LISTEN;
	cr_assert_eq(ksock_log_add(ks, 1000000000, HOST_SERVER, KSW_TICK, s, 1, false), 0);
	for (int i = 1; i < 4; i++)
		s[i].state = KS_CLOSE_WAIT, s[i].rport = (uint16_t)(40000 + i);
	cr_assert_eq(ksock_log_add(ks, 1100000000, HOST_SERVER, KSW_ACT, s, 4, true), 0);
	s[1].state = KS_TIME_WAIT;
	cr_assert_eq(ksock_log_add(ks, 1200000000, HOST_CLIENT, KSW_TICK, s + 1, 3, false), 0);
	s[0].state = KS_TIME_WAIT;
	s[0].expires_ms = 45000;
	cr_assert_eq(ksock_log_add(ks, 1300000000, HOST_SERVER, KSW_END, s, 1, true), 0);
	/* The same again is not kept, unless asked. */
	cr_assert_eq(ksock_log_add(ks, 1400000000, HOST_SERVER, KSW_TICK, s, 1, false), 0);
	cr_assert_eq(ks->nsample, 4);
}

static enum expect_verdict judge_state(const struct ksock_log *ks, const char *text, char *why,
                                       size_t len)
{
	struct labcheck c = parse_ok(LABCHECK_STATE, text);
	struct labcheck_ctx ctx = { .role = { "client", "server" }, .ks = ks, .ks_error = "" };
	struct expect_result r;

	labcheck_eval(&c, &ctx, &r);
	snprintf(why, len, "%s", r.explain);
	return r.verdict;
}

Test(labcheck, state_judges_the_kernels_samples)
{
	struct ksock_log ks;
	char why[sizeof(((struct expect_result *)0)->explain)];

	kernel_samples(&ks);
	cr_expect_eq(judge_state(&ks, "\"n\" server CLOSE-WAIT count=0", why, sizeof(why)),
	             EXPECT_FAIL, "%s", why);
	cr_expect(strstr(why, "held 3 sockets of the lab's port in CLOSE-WAIT"), "%s", why);
	cr_expect(strstr(why, "it held: CLOSE-WAIT 3, LISTEN 1"), "%s", why);
	cr_expect_eq(judge_state(&ks, "\"n\" server CLOSE-WAIT at kill count=3", why, sizeof(why)),
	             EXPECT_PASS, "%s", why);
	cr_expect_eq(judge_state(&ks, "\"n\" server CLOSE-WAIT at end count=0", why, sizeof(why)),
	             EXPECT_PASS, "%s", why);
	cr_expect_eq(judge_state(&ks, "\"n\" server TIME-WAIT at end", why, sizeof(why)),
	             EXPECT_PASS, "%s", why);
	cr_expect_eq(judge_state(&ks, "\"n\" server TIME-WAIT at end timer>50", why, sizeof(why)),
	             EXPECT_FAIL, "45 s left is not more than 50: %s", why);
	cr_expect(strstr(why, "with > 50 s left on its timer"), "%s", why);
	/* The client's TIME-WAIT is the client's. */
	cr_expect_eq(judge_state(&ks, "\"n\" server TIME-WAIT count>=2", why, sizeof(why)),
	             EXPECT_FAIL, "%s", why);
	cr_expect_eq(judge_state(&ks, "\"n\" client TIME-WAIT", why, sizeof(why)), EXPECT_PASS,
	             "%s", why);
	/* Nothing sampled: inconclusive, never a verdict on the program. */
	cr_expect_eq(judge_state(&ks, "\"n\" client TIME-WAIT at kill", why, sizeof(why)),
	             EXPECT_INCONCLUSIVE, "%s", why);
	cr_expect(strstr(why, "not sampled before a kill"), "%s", why);
	ksock_log_release(&ks);
	cr_expect_eq(judge_state(NULL, "\"n\" server LISTEN", why, sizeof(why)),
	             EXPECT_INCONCLUSIVE, "%s", why);
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
		{ LABCHECK_WIRE, "\"n\" zero-windows = 1", "zero-window-conns)" },
		{ LABCHECK_WIRE, "\"n\" rtt-median ~ 5", "'~' is not =, <, >, <= or >=" },
		{ LABCHECK_WIRE, "\"n\" rtt-median < five", "'five' is not a number" },
		{ LABCHECK_STATE, "\"n\" server", "needs \"NAME\" WHO STATE" },
		{ LABCHECK_STATE, "\"n\" server TIME_WAIT", "'TIME_WAIT' is not a TCP state" },
		{ LABCHECK_STATE, "\"n\" server TIME-WAIT at start", "cannot read 'at'" },
		{ LABCHECK_STATE, "\"n\" server TIME-WAIT timer>soon", "cannot read 'timer>soon'" },
		{ LABCHECK_STATE, "\"n\" server CLOSE-WAIT count=-1", "cannot read 'count=-1'" },
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
