/* summary: tests of the expected-sequence format: parser errors, matching, explanations, bounds. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "capture/capfile.h"
#include "capture/dissect.h"
#include "capture/expect.h"
#include "capture/flow.h"
#include "capture/pcapio.h"
#include "tests/lib/tcplab_run.h"

/* ---- building connections by hand ---- */

#define MAXSEG 64
#define T0 UINT64_C(1700000000000000000)

struct trace {
	struct flow_seg s[MAXSEG];
	size_t n;
	struct flow_conn conn;
};

static uint16_t flags_of(const char *f)
{
	static const struct {
		char ch;
		uint16_t bit;
	} tab[] = { { 'F', TCP_FIN }, { 'S', TCP_SYN }, { 'R', TCP_RST }, { 'P', TCP_PSH },
	            { '.', TCP_ACK } };
	uint16_t v = 0;
	for (; *f; f++)
		for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
			if (tab[i].ch == *f)
				v |= tab[i].bit;
	return v;
}

/* One segment at ms milliseconds after the first; frames count from 1. */
static void add(struct trace *t, enum flow_dir dir, const char *flags, uint32_t seq,
                uint32_t ack, uint32_t len, double ms)
{
	cr_assert_lt(t->n, MAXSEG);
	struct flow_seg *s = &t->s[t->n];
	memset(s, 0, sizeof *s);
	s->seg.frame = (uint32_t)t->n + 1;
	s->seg.ts_ns = T0 + (uint64_t)(ms * 1e6 + 0.5);
	s->seg.flags = flags_of(flags);
	s->seg.len = len;
	s->dir = dir;
	s->rel_seq = seq;
	s->rel_ack = ack;
	s->win_scaled = 65483;
	t->n++;
	if (t->conn.first_fin < 0 && (s->seg.flags & TCP_FIN))
		t->conn.first_fin = (int)dir;
	if (t->conn.first_rst < 0 && (s->seg.flags & TCP_RST))
		t->conn.first_rst = (int)dir;
}

static void trace_init(struct trace *t)
{
	memset(t, 0, sizeof *t);
	t->conn.first_fin = -1;
	t->conn.first_rst = -1;
	t->conn.saw_syn = true;
}

#define C FLOW_C2S
#define S FLOW_S2C

static void handshake_and_echo(struct trace *t)
{
	add(t, C, "S", 0, 0, 0, 0.0);
	add(t, S, "S.", 0, 1, 0, 0.020);
	add(t, C, ".", 1, 1, 0, 0.030);
	add(t, C, "P.", 1, 1, 5, 0.100);
	add(t, S, ".", 1, 6, 0, 0.110);
	add(t, S, "P.", 1, 6, 5, 0.200);
	add(t, C, ".", 6, 6, 0, 0.210);
}

/* TCP-FACTS: S, S., ., P., ., P., ., F., F., . ; the client holds TIME-WAIT. */
static void client_first(struct trace *t)
{
	trace_init(t);
	handshake_and_echo(t);
	add(t, C, "F.", 6, 6, 0, 0.300);
	add(t, S, "F.", 6, 7, 0, 0.400);
	add(t, C, ".", 7, 7, 0, 0.812);
	t->conn.side[C].state = TCPS_TIME_WAIT;
	t->conn.side[S].state = TCPS_CLOSED;
}

static void server_first(struct trace *t)
{
	trace_init(t);
	handshake_and_echo(t);
	add(t, S, "F.", 6, 6, 0, 0.812);
	add(t, C, "F.", 6, 7, 0, 0.900);
	add(t, S, ".", 7, 7, 0, 1.000);
	t->conn.side[C].state = TCPS_CLOSED;
	t->conn.side[S].state = TCPS_TIME_WAIT;
}

/* close() with unread data: the client's RST instead of its FIN. */
static void client_rst(struct trace *t)
{
	trace_init(t);
	handshake_and_echo(t);
	add(t, C, "R.", 6, 6, 0, 0.300);
	t->conn.side[C].state = TCPS_CLOSED;
	t->conn.side[S].state = TCPS_CLOSED;
}

static struct expect_spec *parse_ok(const char *text)
{
	struct expect_spec *sp = NULL;
	char err[256] = "";
	int rc = expect_parse(text, strlen(text), "t.expect", &sp, err, sizeof err);
	cr_assert_eq(rc, 0, "parse failed: %s", err);
	cr_assert_not_null(sp);
	return sp;
}

static const char *root(void)
{
	const char *r = getenv("TCPLAB_ROOT");
	return r ? r : ".";
}

static struct expect_spec *load_fixture(const char *file)
{
	char path[1024], err[256] = "";
	snprintf(path, sizeof path, "%s/tests/data/expect/%s", root(), file);
	struct expect_spec *sp = NULL;
	cr_assert_eq(expect_load(path, &sp, err, sizeof err), 0, "%s", err);
	return sp;
}

/* Index of the check with this name; fails the test if absent. */
static size_t check_index(const struct expect_spec *sp, const char *name)
{
	for (size_t i = 0; i < expect_ncheck(sp); i++)
		if (strcmp(expect_check_name(sp, i), name) == 0)
			return i;
	cr_assert_fail("no check named '%s'", name);
	return 0;
}

static struct expect_result *run(const struct expect_spec *sp, const struct trace *t,
                                 bool incomplete)
{
	struct expect_result *r = calloc(expect_ncheck(sp), sizeof *r);
	cr_assert_not_null(r);
	cr_assert_eq(expect_match(sp, &t->conn, t->s, t->n, incomplete, r), 0);
	return r;
}

#define assert_contains(hay, needle) \
	cr_assert(strstr((hay), (needle)) != NULL, "expected '%s' in: %s", (needle), (hay))

/* ---- parser: good specs ---- */

Test(expect, fixture_parses_with_every_check_named)
{
	struct expect_spec *sp = load_fixture("client-first.expect");
	cr_assert_eq(expect_ncheck(sp), 7);
	cr_assert_str_eq(expect_check_name(sp, 0), "three-way handshake: SYN, SYN-ACK, ACK");
	cr_assert_str_eq(expect_check_name(sp, 2), "the close: FIN, FIN, ACK");
	cr_assert_str_eq(expect_check_name(sp, 3), "no RST in the connection");
	cr_assert_str_eq(expect_check_name(sp, 5), "the client holds TIME-WAIT at the end");
	cr_assert_null(expect_check_name(sp, 7));
	expect_free(sp);
}

Test(expect, every_syntax_form_parses)
{
	struct expect_spec *sp = parse_ok(
		"# comment line\n"
		"check \"a # in a name is not a comment\"   # but this is\n"
		"  c>s  S    seq=0 len=0\r\n"
		"+0...0.100 s>c S.|S.E ack=1 win>=100\n"
		"0.5...1 any . len=0..10 *\n"
		"c>s P. len>0 seq<10 ack<=5 +\n"
		"s>c * ?\n"
		"s>c . ack=+ {2}\n"
		"s>c none {1,3}\n"
		"c>s R retrans {0,}\n"
		"...\n"
		"assert no-rst\n"
		"assert first-fin none \"nobody closes\"\n"
		"assert time-wait both\n"
		"assert handshake\n"
		"assert no-retransmission");
	cr_assert_eq(expect_ncheck(sp), 6);
	cr_assert_str_eq(expect_check_name(sp, 0), "a # in a name is not a comment");
	cr_assert_str_eq(expect_check_name(sp, 2), "nobody closes");
	cr_assert_str_eq(expect_check_name(sp, 3), "both sides hold TIME-WAIT at the end");
	expect_free(sp);
}

/* ---- parser: every error, with its exact message ---- */

/* Arrays, not pointers: Criterion copies parameters into each test's own process. */
struct bad_spec {
	char text[64];
	char msg[160];
};

ParameterizedTestParameters(expect, malformed_spec_is_rejected_with_its_message)
{
	static struct bad_spec cases[] = {
		{ "check \"x\"\nc>s SX.", "t.expect:2: unknown flag 'X' in 'SX.' (use F S R P U E W e and . for ACK)" },
		{ "check \"x\"\nc>s SS", "t.expect:2: flag 'S' twice in 'SS'" },
		{ "check \"x\"\nc>s S||.", "t.expect:2: empty alternative in flags 'S||.'" },
		{ "check \"x\"\nc>s S|*", "t.expect:2: '*' must stand alone as flags, not in 'S|*'" },
		{ "check \"x\"\nx>y S", "t.expect:2: unknown direction 'x>y' (use c>s, s>c or any)" },
		{ "check \"x\"\n+0...1", "t.expect:2: missing direction (c>s, s>c or any) in '+0...1'" },
		{ "check \"x\"\nc>s", "t.expect:2: missing flags after 'c>s' (write them as tcpdump does: S, S., ., P., F., R.; * for any)" },
		{ "check \"x\"\nc>s S foo=1", "t.expect:2: unknown field 'foo=1' (use seq, ack, len, win, retrans, sack or expert=)" },
		{ "check \"x\"\nc>s S sack sack", "t.expect:2: field 'sack' given twice" },
		{ "check \"x\"\nc>s S expert=dup", "t.expect:2: unknown expert label 'dup' in 'expert=dup' (use a label 'tcplab inspect --tsv' prints, such as duplicate_ack)" },
		{ "check \"x\"\nc>s S expert=duplicate_ack|", "t.expect:2: empty alternative in 'expert=duplicate_ack|'" },
		{ "check \"x\"\nc>s S seq", "t.expect:2: field 'seq' needs a value, as in 'seq=0'" },
		{ "check \"x\"\nc>s S seq=abc", "t.expect:2: bad value in 'seq=abc' (write seq=N, seq=N..M, seq>N, seq<N)" },
		{ "check \"x\"\nc>s S ack=-1", "t.expect:2: bad value in 'ack=-1' (write ack=N, ack=N..M, ack>N, ack<N or ack=+)" },
		{ "check \"x\"\nc>s S len=99999999999", "t.expect:2: bad value in 'len=99999999999' (write len=N, len=N..M, len>N, len<N)" },
		{ "check \"x\"\nc>s S len=5..2", "t.expect:2: range in 'len=5..2' ends before it starts" },
		{ "check \"x\"\nc>s S len<0", "t.expect:2: nothing is below 0 in 'len<0'" },
		{ "check \"x\"\nc>s S seq=1 seq=2", "t.expect:2: field 'seq' given twice" },
		{ "check \"x\"\nc>s S ack=+ ack=1", "t.expect:2: field 'ack' given twice" },
		{ "check \"x\"\nc>s S {100000}", "t.expect:2: repetition count too large in '{100000}' (at most 10000; use '*' or '{n,}' for any number)" },
		{ "check \"x\"\nc>s S {3,1}", "t.expect:2: repetition '{3,1}' has its minimum above its maximum" },
		{ "check \"x\"\nc>s S {0}", "t.expect:2: repetition '{0}' never matches anything (remove the line)" },
		{ "check \"x\"\nc>s S {2", "t.expect:2: bad repetition '{2' (use *, +, ?, {n}, {n,} or {n,m})" },
		{ "check \"x\"\nc>s S * len=0", "t.expect:2: repetition '*' must be the last thing on the line" },
		{ "check \"x\"\n+0..1 c>s S", "t.expect:2: bad time window '+0..1' (write +A...B or A...B, in seconds)" },
		{ "check \"x\"\n+1...0.5 c>s S", "t.expect:2: time window '+1...0.5' ends before it starts" },
		{ "check \"x\"\n... c>s", "t.expect:2: '...' stands alone on its line (it skips any segments): '... c>s'" },
		{ "c>s S", "t.expect:1: segment line outside a check section (add a 'check \"name\"' line above it): 'c>s S'" },
		{ "check \"x\"\nc>s S\nassert no-rst\ns>c S.", "t.expect:4: segment line outside a check section (add a 'check \"name\"' line above it): 's>c S.'" },
		{ "check x", "t.expect:1: missing quoted name after 'check'" },
		{ "check \"x", "t.expect:1: unterminated name (no closing '\"') in '\"x'" },
		{ "check \"\"", "t.expect:1: empty name after 'check'" },
		{ "check \"x\" y", "t.expect:1: unexpected text after the check's name: 'y'" },
		{ "\n\ncheck \"empty\"\nassert no-rst", "t.expect:3: check \"empty\" has no segment lines" },
		{ "assert", "t.expect:1: missing assertion after 'assert' (no-rst, no-retransmission, handshake, first-fin, time-wait)" },
		{ "assert no-fin", "t.expect:1: unknown assertion 'no-fin' (use no-rst, no-retransmission, handshake, first-fin or time-wait)" },
		{ "assert first-fin", "t.expect:1: 'assert first-fin' needs one of client|server|none" },
		{ "assert time-wait nobody", "t.expect:1: unknown argument 'nobody' to 'assert time-wait' (use client|server|both|none)" },
		{ "assert no-rst extra", "t.expect:1: unexpected text after the assertion: 'extra'" },
		{ "# only a comment\n", "t.expect: no checks (add 'check \"name\"' or 'assert' lines)" },
		{ "", "t.expect: no checks (add 'check \"name\"' or 'assert' lines)" },
		{ "check \"x\"\nc>s S\x01", "t.expect:2: control character 0x01 in the line" },
	};
	return cr_make_param_array(struct bad_spec, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct bad_spec *c, expect, malformed_spec_is_rejected_with_its_message)
{
	struct expect_spec *sp = (struct expect_spec *)1;
	char err[512] = "";
	int rc = expect_parse(c->text, strlen(c->text), "t.expect", &sp, err, sizeof err);
	cr_assert_lt(rc, 0, "accepted: %s", c->text);
	cr_assert_null(sp);
	cr_assert_str_eq(err, c->msg);
}

Test(expect, nul_byte_is_rejected)
{
	static const char text[] = "check \"x\"\nc>s S\0.";
	struct expect_spec *sp;
	char err[256];
	cr_assert_lt(expect_parse(text, sizeof text - 1, "t.expect", &sp, err, sizeof err), 0);
	cr_assert_str_eq(err, "t.expect:2: NUL byte in the line (is this a text file?)");
}

Test(expect, overlong_line_is_rejected)
{
	size_t n = 20 + EXPECT_MAX_LINE_LEN + 1;
	char *text = malloc(n + 1);
	cr_assert_not_null(text);
	strcpy(text, "check \"x\"\nc>s S ");
	size_t l = strlen(text);
	memset(text + l, ' ', n - l);
	text[n] = '\0';
	struct expect_spec *sp;
	char err[256];
	cr_assert_lt(expect_parse(text, n, "t.expect", &sp, err, sizeof err), 0);
	cr_assert_str_eq(err, "t.expect:2: line longer than 1024 characters");
	free(text);
}

Test(expect, too_many_lines_are_rejected)
{
	size_t n = EXPECT_MAX_LINES + 100;
	char *text = malloc(n + 1);
	cr_assert_not_null(text);
	memset(text, '\n', n);
	memcpy(text, "assert no-rst", 13);
	text[n] = '\0';
	struct expect_spec *sp;
	char err[256];
	cr_assert_lt(expect_parse(text, n, "t.expect", &sp, err, sizeof err), 0);
	cr_assert_str_eq(err, "t.expect:10001: more than 10000 lines (split the spec into smaller ones)");
	free(text);
}

Test(expect, missing_file_names_the_path)
{
	struct expect_spec *sp;
	char err[256];
	cr_assert_lt(expect_load("/nonexistent/x.expect", &sp, err, sizeof err), 0);
	cr_assert_str_eq(err, "cannot read '/nonexistent/x.expect': No such file or directory");
}

Test(expect, small_errbuf_is_truncated_not_overrun)
{
	struct expect_spec *sp;
	char err[16];
	memset(err, 'Z', sizeof err);
	const char *t = "check \"x\"\nc>s SX.";
	cr_assert_lt(expect_parse(t, strlen(t), "t.expect", &sp, err, 8), 0);
	cr_assert_str_eq(err, "t.expec");
	cr_assert_eq(err[8], 'Z');
}

/* ---- matching real-shaped connections ---- */

Test(expect, client_first_close_passes_every_check)
{
	struct trace t;
	client_first(&t);
	struct expect_spec *sp = load_fixture("client-first.expect");
	struct expect_result *r = run(sp, &t, false);
	for (size_t i = 0; i < expect_ncheck(sp); i++)
		cr_expect_eq(r[i].verdict, EXPECT_PASS, "%s: %s: %s", expect_check_name(sp, i),
		             expect_verdict_str(r[i].verdict), r[i].explain);
	assert_contains(r[check_index(sp, "the client holds TIME-WAIT at the end")].explain,
	                "the client holds TIME-WAIT: it sent the first FIN (segment 8, +0.300 ms)");
	assert_contains(r[check_index(sp, "the three-way handshake completes")].explain,
	                "SYN (segment 1), SYN-ACK (segment 2), ACK (segment 3");
	free(r);
	expect_free(sp);
}

Test(expect, server_first_close_fails_with_the_servers_fin_named)
{
	struct trace t;
	server_first(&t);
	struct expect_spec *sp = load_fixture("client-first.expect");
	struct expect_result *r = run(sp, &t, false);

	cr_expect_eq(r[0].verdict, EXPECT_PASS, "%s", r[0].explain);
	cr_expect_eq(r[1].verdict, EXPECT_PASS, "%s", r[1].explain);
	size_t close = check_index(sp, "the close: FIN, FIN, ACK");
	cr_assert_eq(r[close].verdict, EXPECT_FAIL);
	cr_expect_eq(r[close].seg_index, 7);
	cr_expect_str_eq(r[close].explain,
	                 "the server closed first; the client must close first (detail: expected "
	                 "c>s F. (the client's FIN); saw s>c F. (segment 8, +0.812 ms))");

	size_t ff = check_index(sp, "the client sends the first FIN");
	cr_assert_eq(r[ff].verdict, EXPECT_FAIL);
	cr_expect_eq(r[ff].seg_index, 7);
	cr_expect_str_eq(r[ff].explain, "the server sent the first FIN (segment 8, +0.812 ms): "
	                 "the server closed first; the client must close first");

	size_t tw = check_index(sp, "the client holds TIME-WAIT at the end");
	cr_assert_eq(r[tw].verdict, EXPECT_FAIL);
	assert_contains(r[tw].explain, "the server holds TIME-WAIT: it sent the first FIN (segment 8, +0.812 ms)");
	assert_contains(r[tw].explain, "(final states: client CLOSED, server TIME-WAIT)");

	cr_expect_eq(r[check_index(sp, "no RST in the connection")].verdict, EXPECT_PASS);
	free(r);
	expect_free(sp);
}

Test(expect, server_first_spec_passes_the_server_first_close)
{
	struct trace t;
	server_first(&t);
	struct expect_spec *sp = load_fixture("server-first.expect");
	struct expect_result *r = run(sp, &t, false);
	for (size_t i = 0; i < expect_ncheck(sp); i++)
		cr_expect_eq(r[i].verdict, EXPECT_PASS, "%s: %s", expect_check_name(sp, i), r[i].explain);
	free(r);
	expect_free(sp);
}

Test(expect, rst_instead_of_fin_is_explained)
{
	struct trace t;
	client_rst(&t);
	struct expect_spec *sp = load_fixture("client-first.expect");
	struct expect_result *r = run(sp, &t, false);
	size_t close = check_index(sp, "the close: FIN, FIN, ACK");
	cr_assert_eq(r[close].verdict, EXPECT_FAIL);
	cr_expect_eq(r[close].seg_index, 7);
	cr_expect_str_eq(r[close].explain,
	                 "RST instead of FIN: the connection was aborted, not closed (unread data in "
	                 "the receive buffer when close() ran, SO_LINGER {1,0}, or a killed process "
	                 "with unread data) (detail: expected c>s F. (the client's FIN); saw c>s R. "
	                 "(segment 8, +0.300 ms))");
	size_t nr = check_index(sp, "no RST in the connection");
	cr_assert_eq(r[nr].verdict, EXPECT_FAIL);
	cr_expect_str_eq(r[nr].explain, "the client sent a RST (segment 8, +0.300 ms): the "
	                 "connection was aborted, not closed");
	size_t tw = check_index(sp, "the client holds TIME-WAIT at the end");
	assert_contains(r[tw].explain, "nobody holds TIME-WAIT: the client reset the connection "
	                "(segment 8, +0.300 ms), and a RST skips TIME-WAIT");
	free(r);
	expect_free(sp);
}

Test(expect, refused_connection_is_explained)
{
	struct trace t;
	trace_init(&t);
	add(&t, C, "S", 0, 0, 0, 0.0);
	add(&t, S, "R.", 0, 1, 0, 0.015);
	struct expect_spec *sp = load_fixture("client-first.expect");
	struct expect_result *r = run(sp, &t, false);
	cr_assert_eq(r[0].verdict, EXPECT_FAIL);
	cr_expect_str_eq(r[0].explain,
	                 "the SYN was answered by RST: nothing listens on that port (connection "
	                 "refused) (detail: expected s>c S. seq=0 ack=1 (the server's SYN-ACK); saw "
	                 "s>c R. (segment 2, +0.015 ms))");
	size_t hs = check_index(sp, "the three-way handshake completes");
	cr_assert_eq(r[hs].verdict, EXPECT_FAIL);
	assert_contains(r[hs].explain, "nothing listens on that port (connection refused)");
	/* The later sections search on from where the failure was, and find nothing either. */
	cr_expect_eq(r[1].verdict, EXPECT_FAIL);
	cr_expect_eq(r[2].verdict, EXPECT_FAIL);
	free(r);
	expect_free(sp);
}

Test(expect, retransmission_where_none_expected_is_explained)
{
	struct trace t;
	trace_init(&t);
	handshake_and_echo(&t);
	/* The echo again, before the client's ACK arrives. */
	t.n--;
	add(&t, S, "P.", 1, 6, 5, 205.0);
	t.s[t.n - 1].analysis = EXPERT_BIT(EXPERT_I_RETRANSMISSION);
	struct expect_spec *sp = parse_ok("check \"echo\"\n...\ns>c P. len>0\nc>s . ack=+\n...");
	struct expect_result *r = run(sp, &t, false);
	cr_assert_eq(r[0].verdict, EXPECT_FAIL);
	assert_contains(r[0].explain, "a segment was sent again: the first copy was lost or its ACK"
	                " was");
	assert_contains(r[0].explain, "saw s>c P. (segment 7, +205.000 ms))");
	free(r);
	expect_free(sp);
}

Test(expect, capture_ending_early_is_explained)
{
	struct trace t;
	client_first(&t);
	t.n -= 2;               /* the capture stops after the client's FIN */
	struct expect_spec *sp = load_fixture("client-first.expect");
	struct expect_result *r = run(sp, &t, false);
	size_t close = check_index(sp, "the close: FIN, FIN, ACK");
	cr_assert_eq(r[close].verdict, EXPECT_FAIL);
	cr_expect_eq(r[close].seg_index, -1);
	cr_expect_str_eq(r[close].explain,
	                 "the capture ends before it: it was never sent, or the capture stopped too "
	                 "early (detail: expected s>c F.|. ack=+; the connection's last segment is 8)");
	free(r);
	expect_free(sp);
}

Test(expect, unexpected_trailing_segment_fails_the_last_section)
{
	struct trace t;
	client_first(&t);
	add(&t, S, "R", 7, 0, 0, 1.5);
	struct expect_spec *sp = load_fixture("client-first.expect");
	struct expect_result *r = run(sp, &t, false);
	size_t close = check_index(sp, "the close: FIN, FIN, ACK");
	cr_assert_eq(r[close].verdict, EXPECT_FAIL);
	cr_expect_eq(r[close].seg_index, 10);
	assert_contains(r[close].explain, "segment 11 was not expected: the spec ends before it; "
	                "saw s>c R (segment 11, +1.500 ms): a RST after the expected end");
	free(r);
	expect_free(sp);
}

/* ---- repetition ---- */

static void data_burst(struct trace *t, int nseg)
{
	trace_init(t);
	add(t, C, "S", 0, 0, 0, 0);
	add(t, S, "S.", 0, 1, 0, 0.01);
	add(t, C, ".", 1, 1, 0, 0.02);
	for (int i = 0; i < nseg; i++)
		add(t, C, "P.", 1 + 100 * (uint32_t)i, 1, 100, 1.0 + i);
	add(t, S, ".", 1, 1 + 100 * (uint32_t)nseg, 0, 50.0);
}

static enum expect_verdict verdict_of(const char *spec, const struct trace *t, char *why,
                                      size_t whylen)
{
	struct expect_spec *sp = parse_ok(spec);
	struct expect_result *r = run(sp, t, false);
	enum expect_verdict v = r[0].verdict;
	if (why)
		snprintf(why, whylen, "%s", r[0].explain);
	free(r);
	expect_free(sp);
	return v;
}

#define HS "check \"x\"\nc>s S\ns>c S.\nc>s .\n"

Test(expect, repetition_counts_are_honoured)
{
	struct trace t;
	data_burst(&t, 10);
	char why[sizeof(((struct expect_result *)0)->explain)];
	cr_expect_eq(verdict_of(HS "c>s P. len=100 *\ns>c . ack=+", &t, NULL, 0), EXPECT_PASS);
	cr_expect_eq(verdict_of(HS "c>s P. +\ns>c . ack=+", &t, NULL, 0), EXPECT_PASS);
	cr_expect_eq(verdict_of(HS "c>s P. {10}\ns>c .", &t, NULL, 0), EXPECT_PASS);
	cr_expect_eq(verdict_of(HS "c>s P. {8,12}\ns>c .", &t, NULL, 0), EXPECT_PASS);
	cr_expect_eq(verdict_of(HS "c>s P. {3}\nc>s P. {7}\ns>c .", &t, NULL, 0), EXPECT_PASS);
	cr_expect_eq(verdict_of(HS "c>s P. *\nc>s P. {10}\ns>c .", &t, NULL, 0), EXPECT_PASS);
	cr_expect_eq(verdict_of(HS "s>c S. ?\nc>s P. {10}\ns>c . ?", &t, NULL, 0), EXPECT_PASS);
	cr_expect_eq(verdict_of(HS "c>s P. {9}\ns>c .", &t, why, sizeof why), EXPECT_FAIL);
	assert_contains(why, "expected s>c . (the server's ACK); saw c>s P. (segment 13,");
	cr_expect_eq(verdict_of(HS "c>s P. {11,}\ns>c .", &t, why, sizeof why), EXPECT_FAIL);
	assert_contains(why, "expected c>s P. {11,} (the client's data) [10 of at least 11 matched]; "
	                "saw s>c . (segment 14, +50.000 ms)");
	/* ack=+ must acknowledge everything the client sent. */
	cr_expect_eq(verdict_of(HS "c>s P. *\ns>c . ack=+", &t, NULL, 0), EXPECT_PASS);
	t.s[t.n - 1].rel_ack = 901;
	cr_expect_eq(verdict_of(HS "c>s P. *\ns>c . ack=+", &t, why, sizeof why), EXPECT_FAIL);
	assert_contains(why, "ack=901 does not acknowledge everything the peer sent (up to 1001)"
	                " (detail: expected s>c . ack=+ (the server's ACK); saw s>c . ack=901 (segment"
	                " 14, +50.000 ms))");
	t.s[t.n - 1].rel_ack = 1001;
	/* Both 4 and 5 cannot fit: 3 + 4 + 5 = 12 > 10. */
	cr_expect_eq(verdict_of(HS "c>s P. {3}\nc>s P. {4}\nc>s P. {5}\ns>c .", &t, NULL, 0),
	             EXPECT_FAIL);
}

/* The classic regex bomb, (a*)*b on aaaa...: exponential for a backtracker. */
Test(expect, pathological_spec_stays_fast, .timeout = 10)
{
	struct trace t;
	trace_init(&t);
	static struct flow_seg many[3000];
	for (size_t i = 0; i < 3000; i++) {
		memset(&many[i], 0, sizeof many[i]);
		many[i].seg.frame = (uint32_t)i + 1;
		many[i].seg.ts_ns = T0 + i * 1000;
		many[i].seg.flags = TCP_ACK;
		many[i].dir = FLOW_C2S;
	}
	size_t nl = 4000;
	char *spec = malloc(nl * 16 + 64);
	cr_assert_not_null(spec);
	size_t off = (size_t)sprintf(spec, "check \"bomb\"\n");
	for (size_t i = 0; i < nl; i++)
		off += (size_t)sprintf(spec + off, i % 2 ? "c>s . *\n" : "any * *\n");
	sprintf(spec + off, "c>s F.\n");
	struct expect_spec *sp = parse_ok(spec);
	struct expect_result r[1];
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	cr_assert_eq(expect_match(sp, &t.conn, many, 3000, false, r), 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	cr_expect_eq(r[0].verdict, EXPECT_FAIL);
	assert_contains(r[0].explain, "expected c>s F. (the client's FIN); the connection's last segment is 3000");
	double secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	cr_expect_lt(secs, 5.0, "took %.2f s", secs);
	free(spec);
	expect_free(sp);
}

/* ---- time windows ---- */

Test(expect, time_windows_pass_and_miss)
{
	struct trace t;
	trace_init(&t);
	add(&t, C, "S", 0, 0, 0, 0);
	add(&t, S, "S.", 0, 1, 0, 0.05);
	add(&t, C, ".", 1, 1, 0, 0.1);
	add(&t, C, "P.", 1, 1, 10, 1.0);
	add(&t, S, ".", 1, 11, 0, 42.2);    /* a delayed ACK, 41.2 ms later */
	char why[sizeof(((struct expect_result *)0)->explain)];
	cr_expect_eq(verdict_of(HS "+0...0.010 c>s P.\n+0...0.050 s>c .", &t, NULL, 0), EXPECT_PASS);
	cr_expect_eq(verdict_of(HS "0...0.002 c>s P.\n0.040...0.045 s>c .", &t, NULL, 0), EXPECT_PASS);
	cr_expect_eq(verdict_of(HS "c>s P.\n+0...0.010 s>c .", &t, why, sizeof why), EXPECT_FAIL);
	cr_expect_str_eq(why, "came +41.200 ms after the previous segment, expected within "
	                 "+0.000...0.010 s: a delayed ACK: the receiver held the ACK back hoping to "
	                 "send it with data (Linux waits up to about 40 ms; a reply sooner, one write "
	                 "per request or TCP_NODELAY on the sender avoids the wait) (detail: expected "
	                 "+0...0.010 s>c . (the server's ACK); saw s>c . (segment 5, +42.200 ms))");
	cr_expect_eq(verdict_of(HS "c>s P.\n0.050...1 s>c .", &t, why, sizeof why), EXPECT_FAIL);
	assert_contains(why, "came +42.200 ms after the first segment, expected within 0.050...1.000 s");
}

/*
 * A window measures TCP's delay: when the program handed the data over after the previous
 * segment (ready_ns, from its traced call), the gap counts from the call. A segment TCP
 * held back after a prompt call (Nagle's 40 ms) still misses the window.
 */
Test(expect, time_windows_count_from_the_programs_call)
{
	struct trace t;
	char why[sizeof(((struct expect_result *)0)->explain)];

	trace_init(&t);
	add(&t, C, "S", 0, 0, 0, 0);
	add(&t, S, "S.", 0, 1, 0, 0.05);
	add(&t, C, ".", 1, 1, 0, 0.1);
	add(&t, C, "P.", 1, 1, 4, 27.6);        /* the program's send() came at 27.5 ms */
	t.s[3].ready_ns = T0 + 27500000;
	cr_expect_eq(verdict_of(HS "+0...0.020 c>s P.", &t, why, sizeof why), EXPECT_PASS, "%s",
	             why);
	/* Without the call's time, the same segment is 27.5 ms late. */
	t.s[3].ready_ns = 0;
	cr_expect_eq(verdict_of(HS "+0...0.020 c>s P.", &t, why, sizeof why), EXPECT_FAIL);
	assert_contains(why, "came +27.500 ms after the previous segment");
	/* The call came early and TCP held the data 40 ms: late, counted from the call. */
	t.s[3].ready_ns = T0 + 100000 - 50000;
	cr_expect_eq(verdict_of(HS "+0...0.020 c>s P.", &t, why, sizeof why), EXPECT_FAIL);
	t.s[3].ready_ns = T0 + 1000000;
	cr_expect_eq(verdict_of(HS "+0...0.020 c>s P.", &t, why, sizeof why), EXPECT_FAIL);
	assert_contains(why, "came +26.600 ms after its program's call gave it the data,"
	                " expected within +0.000...0.020 s");
}

/*
 * The lower bound is the wire's: "at least 45 ms after the previous segment" holds for a
 * program that waited 50 ms and then sent, even though TCP sent 0.1 ms after its call.
 */
Test(expect, a_lower_bound_counts_from_the_previous_segment)
{
	struct trace t;
	char why[sizeof(((struct expect_result *)0)->explain)];

	trace_init(&t);
	add(&t, C, "S", 0, 0, 0, 0);
	add(&t, S, "S.", 0, 1, 0, 0.05);
	add(&t, C, ".", 1, 1, 0, 0.1);
	add(&t, C, "P.", 1, 1, 2, 1.1);
	add(&t, C, "P.", 3, 1, 31, 51.2);       /* the program's send() came at 51.1 ms */
	t.s[4].ready_ns = T0 + 51100000;
	cr_expect_eq(verdict_of(HS "c>s P. len=2\n+0.045...2 c>s P. len=31", &t, why,
	                        sizeof why), EXPECT_PASS, "%s", why);
	/* Sent 10 ms after the previous one: too early, whatever the call's time. */
	t.s[4].seg.ts_ns = T0 + 11200000;
	t.s[4].ready_ns = T0 + 11100000;
	cr_expect_eq(verdict_of(HS "c>s P. len=2\n+0.045...2 c>s P. len=31", &t, why,
	                        sizeof why), EXPECT_FAIL);
	assert_contains(why, "came +10.100 ms after the previous segment, expected within"
	                " +0.045...2.000 s");
}

/* ---- drops, resynchronisation ---- */

Test(expect, capture_incomplete_turns_fail_into_inconclusive)
{
	struct trace t;
	server_first(&t);
	struct expect_spec *sp = load_fixture("client-first.expect");
	struct expect_result *r = run(sp, &t, true);
	size_t close = check_index(sp, "the close: FIN, FIN, ACK");
	cr_expect_eq(r[0].verdict, EXPECT_PASS);
	cr_assert_eq(r[close].verdict, EXPECT_INCONCLUSIVE);
	assert_contains(r[close].explain, "the capture dropped packets; cannot tell (the server"
	                " closed first; the client must close first (detail: expected c>s F.");
	for (size_t i = 0; i < expect_ncheck(sp); i++)
		cr_expect_neq(r[i].verdict, EXPECT_FAIL, "%s", expect_check_name(sp, i));
	free(r);
	expect_free(sp);
}

Test(expect, section_after_a_failure_finds_its_own_start)
{
	struct trace t;
	client_first(&t);
	struct expect_spec *sp = parse_ok(
		"check \"handshake\"\nc>s S\ns>c S.\nc>s .\n"
		"check \"wrong: the server speaks first\"\ns>c P. len>0\nc>s .\n"
		"check \"the close\"\nc>s F.\ns>c F.\nc>s .\n");
	struct expect_result *r = run(sp, &t, false);
	cr_expect_eq(r[0].verdict, EXPECT_PASS, "%s", r[0].explain);
	cr_assert_eq(r[1].verdict, EXPECT_FAIL);
	cr_expect_eq(r[1].seg_index, 3);
	assert_contains(r[1].explain, "expected s>c P. len>0 (the server's data); saw c>s P. (segment 4,");
	cr_expect_eq(r[2].verdict, EXPECT_PASS, "%s", r[2].explain);
	assert_contains(r[2].explain, "after the failure above");
	free(r);
	expect_free(sp);
}

Test(expect, empty_connection_fails_sections_and_handshake_is_inconclusive)
{
	struct trace t;
	trace_init(&t);
	struct expect_spec *sp = parse_ok("check \"x\"\nc>s S\nassert handshake\nassert no-rst");
	struct expect_result r[3];
	cr_assert_eq(expect_match(sp, NULL, NULL, 0, false, r), 0);
	cr_expect_eq(r[0].verdict, EXPECT_FAIL);
	cr_expect_str_eq(r[0].explain, "the capture ends before it: it was never sent, or the "
	                 "capture stopped too early (detail: expected c>s S (the client's SYN); the "
	                 "connection has no segments)");
	cr_expect_eq(r[1].verdict, EXPECT_INCONCLUSIVE);
	cr_expect_eq(r[2].verdict, EXPECT_PASS);
	expect_free(sp);
}

Test(expect, verdict_strings)
{
	cr_expect_str_eq(expect_verdict_str(EXPECT_PASS), "PASS");
	cr_expect_str_eq(expect_verdict_str(EXPECT_FAIL), "FAIL");
	cr_expect_str_eq(expect_verdict_str(EXPECT_INCONCLUSIVE), "inconclusive");
}

/* ---- whole path on real captures (tests/captures/, made by make-captures.sh) ---- */

struct captured {
	struct flow_conn conn;          /* connection 0, as it ended */
	struct flow_seg segs[256];
	size_t n;
};

/* Connection 0 of a capture, read as 'tcplab check' reads it. */
static void load_capture(const char *name, struct captured *c)
{
	char path[1024], err[256];
	snprintf(path, sizeof path, "%s/tests/captures/%s", root(), name);
	struct capfile cf;
	cr_assert_eq(capfile_load(path, 0, sizeof c->segs / sizeof c->segs[0], &cf, err, sizeof err),
	             0, "%s", err);
	cr_assert_str_eq(cf.read_error, "");
	cr_assert_geq(flow_count(cf.ft), 1);
	const struct capfile_conn *cc = capfile_conn(&cf, 0);
	cr_assert(!cc->truncated, "%s has more segments than the test keeps", name);
	memset(c, 0, sizeof *c);
	memcpy(c->segs, cc->seg, cc->nseg * sizeof *cc->seg);
	c->n = cc->nseg;
	c->conn = *flow_get(cf.ft, 0);
	capfile_release(&cf);
}

static struct expect_result *match_capture(const struct expect_spec *sp, const struct captured *c)
{
	struct expect_result *r = calloc(expect_ncheck(sp), sizeof *r);
	cr_assert_not_null(r);
	cr_assert_eq(expect_match(sp, &c->conn, c->segs, c->n, false, r), 0);
	return r;
}

Test(expect_capture, client_close_first_passes_the_client_first_spec)
{
	static struct captured c;
	load_capture("client_close_first.pcap", &c);
	struct expect_spec *sp = load_fixture("client-first.expect");
	struct expect_result *r = match_capture(sp, &c);
	for (size_t i = 0; i < expect_ncheck(sp); i++)
		cr_expect_eq(r[i].verdict, EXPECT_PASS, "%s: %s", expect_check_name(sp, i), r[i].explain);
	free(r);
	expect_free(sp);
}

Test(expect_capture, server_close_first_fails_the_close_at_the_servers_fin)
{
	static struct captured c;
	load_capture("server_close_first.pcap", &c);
	struct expect_spec *sp = load_fixture("client-first.expect");
	struct expect_result *r = match_capture(sp, &c);
	size_t close = check_index(sp, "the close: FIN, FIN, ACK");
	cr_assert_eq(r[close].verdict, EXPECT_FAIL);
	cr_expect_eq(c.segs[r[close].seg_index].seg.frame, 6);
	cr_expect_str_eq(r[close].explain, "the server closed first; the client must close first"
	                 " (detail: expected c>s F. (the client's FIN); saw s>c F. (segment 6, "
	                 "+0.103 ms))");
	cr_expect_eq(r[check_index(sp, "the client sends the first FIN")].verdict, EXPECT_FAIL);
	cr_expect_eq(r[check_index(sp, "the client holds TIME-WAIT at the end")].verdict, EXPECT_FAIL);
	cr_expect_eq(r[check_index(sp, "no RST in the connection")].verdict, EXPECT_PASS);
	free(r);
	expect_free(sp);
}

Test(expect_capture, rst_with_unread_data_is_explained)
{
	static struct captured c;
	load_capture("rst_unread.pcap", &c);
	struct expect_spec *sp = load_fixture("client-first.expect");
	struct expect_result *r = match_capture(sp, &c);
	size_t close = check_index(sp, "the close: FIN, FIN, ACK");
	cr_assert_eq(r[close].verdict, EXPECT_FAIL);
	assert_contains(r[close].explain, "RST instead of FIN: the connection was aborted, not"
	                " closed");
	assert_contains(r[close].explain, "saw s>c R. (segment 6, +0.131 ms))");
	cr_expect_eq(r[check_index(sp, "no RST in the connection")].verdict, EXPECT_FAIL);
	free(r);
	expect_free(sp);
}

Test(expect_capture, refused_connection_is_explained)
{
	static struct captured c;
	load_capture("refused.pcap", &c);
	struct expect_spec *sp = load_fixture("client-first.expect");
	struct expect_result *r = match_capture(sp, &c);
	cr_assert_eq(r[0].verdict, EXPECT_FAIL);
	assert_contains(r[0].explain, "the SYN was answered by RST: nothing listens on that port"
	                " (connection refused) (detail: ");
	assert_contains(r[0].explain, "(segment 2, +0.134 ms))");
	free(r);
	expect_free(sp);
}

Test(expect_capture, retransmission_is_explained)
{
	static struct captured c;
	load_capture("retransmission.pcap", &c);
	struct expect_spec *sp = parse_ok(HS "c>s P. len>0\ns>c . ack=+\n...\n"
	                                  "assert no-retransmission");
	struct expect_result *r = match_capture(sp, &c);
	cr_assert_eq(r[0].verdict, EXPECT_FAIL);
	assert_contains(r[0].explain, "a segment was sent again");
	assert_contains(r[0].explain, "saw c>s P. (segment 5, +206.770 ms))");
	cr_assert_eq(r[1].verdict, EXPECT_FAIL);
	cr_expect_str_eq(r[1].explain, "the client sent a segment again (segment 5, +206.770 ms): "
	                 "the first copy was lost or its ACK was");
	free(r);
	expect_free(sp);
}

/* Lab 8's middle variant, captured: the 4th of 10 segments lost on the wire. */
Test(expect_capture, sack_and_wireshark_labels_are_matched_and_explained)
{
	static struct captured c;
	load_capture("lab8_middle.pcap", &c);
	static const char *const spec[] = {
		HS "c>s P. len=1448 {10}\ns>c . ack=1449\ns>c . ack=2897\ns>c . ack=4345\n"
		"s>c . ack=4345 sack expert=duplicate_ack {3}\n"
		"c>s P. seq=4345 expert=fast_retransmission\n...\n",
		HS "c>s P. len=1448 {10}\ns>c . {6}\n"
		"c>s P. seq=4345 retrans expert=duplicate_ack|out_of_order\n...\n",
		HS "c>s P. len=1448 {10}\ns>c . ack=1449 sack\n...\n",
	};
	struct expect_result *r[3];
	struct expect_spec *sp[3];

	for (int i = 0; i < 3; i++)
		r[i] = match_capture(sp[i] = parse_ok(spec[i]), &c);
	cr_expect_eq(r[0][0].verdict, EXPECT_PASS, "%s", r[0][0].explain);
	cr_assert_eq(r[1][0].verdict, EXPECT_FAIL);
	assert_contains(r[1][0].explain, "Wireshark would label it 'TCP Retransmission', 'TCP Fast "
	                "Retransmission', not 'TCP Out-Of-Order' or 'TCP Dup ACK'");
	cr_assert_eq(r[2][0].verdict, EXPECT_FAIL);
	assert_contains(r[2][0].explain, "it carries no SACK block");
	for (int i = 0; i < 3; i++) {
		free(r[i]);
		expect_free(sp[i]);
	}
}

Test(expect_capture, half_close_passes_its_spec_with_time_windows)
{
	static struct captured c;
	load_capture("half_close.pcap", &c);
	struct expect_spec *sp = load_fixture("half-close.expect");
	struct expect_result *r = match_capture(sp, &c);
	for (size_t i = 0; i < expect_ncheck(sp); i++)
		cr_expect_eq(r[i].verdict, EXPECT_PASS, "%s: %s", expect_check_name(sp, i), r[i].explain);
	free(r);
	expect_free(sp);
}

/* ---- the command line: 'tcplab check' ---- */

static char *slurp(const char *file)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/tests/data/expect/%s", root(), file);
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "cannot read %s", path);
	static char buf[8192];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

Test(expect_cli, passing_capture_exits_0, .timeout = 20)
{
	struct tcplab_result r;
	tcplab_run(&r, (const char *[]){ "check", "tests/captures/client_close_first.pcap",
	                             "tests/data/expect/client-first.expect", NULL });
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_expect_str_eq(r.out, slurp("client_close_first.out"));
}

Test(expect_cli, failing_capture_prints_the_golden_explanations_and_exits_1, .timeout = 20)
{
	struct tcplab_result r;
	tcplab_run(&r, (const char *[]){ "check", "tests/captures/server_close_first.pcap",
	                             "tests/data/expect/client-first.expect", NULL });
	cr_expect_eq(r.status, 1);
	cr_expect_str_eq(r.out, slurp("server_close_first.out"));
	cr_expect_str_eq(r.err, "");
}

Test(expect_cli, usage_errors_exit_2, .timeout = 20)
{
	struct tcplab_result r;
	tcplab_run(&r, (const char *[]){ "check", NULL });
	cr_expect_eq(r.status, 2);
	assert_contains(r.err, "usage: tcplab check FILE SPEC [--conn N]");
	tcplab_run(&r, (const char *[]){ "check", "a", "b", "--conn", "x", NULL });
	cr_expect_eq(r.status, 2);
	assert_contains(r.err, "tcplab: check: 'x' is not a connection number");
	tcplab_run(&r, (const char *[]){ "check", "--help", NULL });
	cr_expect_eq(r.status, 0);
	assert_contains(r.out, "usage: tcplab check FILE SPEC [--conn N]");
}

Test(expect_cli, unreadable_files_exit_1_with_the_reason, .timeout = 20)
{
	struct tcplab_result r;
	tcplab_run(&r, (const char *[]){ "check", "/nonexistent.pcap",
	                             "tests/data/expect/client-first.expect", NULL });
	cr_expect_eq(r.status, 1);
	assert_contains(r.err, "tcplab: ");
	assert_contains(r.err, "/nonexistent.pcap");
	tcplab_run(&r, (const char *[]){ "check", "tests/captures/client_close_first.pcap",
	                             "/nonexistent.expect", NULL });
	cr_expect_eq(r.status, 1);
	cr_expect_str_eq(r.err, "tcplab: cannot read '/nonexistent.expect': No such file or directory\n");
	tcplab_run(&r, (const char *[]){ "check", "tests/captures/client_close_first.pcap",
	                             "tests/data/expect/client-first.expect", "--conn", "7", NULL });
	cr_expect_eq(r.status, 1);
	cr_expect_str_eq(r.err, "tcplab: tests/captures/client_close_first.pcap: no connection 7 "
	                 "(the capture has 1, numbered from 0)\n");
}
