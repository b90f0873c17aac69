/* summary: lab 8 run for real: each variant passes, the wire says what it did, and the capture alone shows the loss and its repair. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/capfile.h"
#include "capture/dissect.h"
#include "capture/expert.h"
#include "engine/labcheck.h"
#include "engine/sandbox.h"
#include "engine/wire.h"
#include "tests/lib/labtest.h"

static bool labelled(const struct flow_seg *s, int label)
{
	return (s->analysis & EXPERT_BIT(label)) != 0;
}

static double secs(const struct flow_seg *a, const struct flow_seg *b)
{
	return (double)(b->seg.ts_ns - a->seg.ts_ns) / 1e9;
}

static bool has_sack(const struct flow_seg *s)
{
	return (s->seg.opt.present & TCPOPT_HAS_SACK) && s->seg.opt.nsack > 0;
}

/* The client's segments carrying data at relative seq 'seq', in capture order. */
static size_t copies(const struct capfile_conn *cc, uint32_t seq, const struct flow_seg **out,
                     size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < cc->nseg; i++)
		if (cc->seg[i].dir == FLOW_C2S && cc->seg[i].seg.len > 0 &&
		    cc->seg[i].rel_seq == seq && n < max)
			out[n++] = &cc->seg[i];
	return n;
}

static size_t retransmissions(const struct capfile_conn *cc)
{
	size_t n = 0;

	for (size_t i = 0; i < cc->nseg; i++)
		n += (cc->seg[i].analysis & (EXPERT_BIT(EXPERT_I_RETRANSMISSION) |
		                             EXPERT_BIT(EXPERT_I_FAST_RETRANSMISSION) |
		                             EXPERT_BIT(EXPERT_I_SPURIOUS_RETRANSMISSION))) != 0;
	return n;
}

/* The receiver's ACKs for ack, with a SACK block, between segments a and b (pointers). */
static int sacks_between(uint32_t ack, const struct flow_seg *a, const struct flow_seg *b)
{
	int n = 0;

	for (const struct flow_seg *s = a; s < b; s++)
		n += s->dir == FLOW_S2C && s->seg.len == 0 && s->rel_ack == ack && has_sack(s);
	return n;
}

/* One middle segment lost: SACKed duplicate ACKs, then the one copy, a fast retransmission. */
static void check_middle(const struct capfile_conn *cc)
{
	const struct flow_seg *c[4];

	cr_assert_eq(copies(cc, 4345, c, 4), 2, "seq 4345 should leave twice");
	cr_expect_eq(retransmissions(cc), 1, "only the lost segment is sent again");
	cr_expect(labelled(c[1], EXPERT_I_FAST_RETRANSMISSION), "the copy is a fast retransmission");
	cr_expect_eq(sacks_between(4345, c[0], c[1]), 3,
	             "three duplicate ACKs with SACK blocks before the copy");
	cr_expect_lt(secs(c[0], c[1]), 0.15, "the copy came %.3f s after the original: a timer,"
	             " not the duplicate ACKs", secs(c[0], c[1]));
}

/* The last segment lost: no duplicate ACK at all; the probe about 0.2 s later. */
static void check_tail(const struct capfile_conn *cc)
{
	const struct flow_seg *c[4];

	cr_assert_eq(copies(cc, 4345, c, 4), 2, "seq 4345 should leave twice");
	cr_expect(labelled(c[1], EXPERT_I_RETRANSMISSION) &&
	          !labelled(c[1], EXPERT_I_FAST_RETRANSMISSION), "the probe is a plain retransmission");
	cr_expect_eq(sacks_between(4345, c[0], c[1]), 0, "nothing can draw a duplicate ACK");
	cr_expect(secs(c[0], c[1]) > 0.2 && secs(c[0], c[1]) < 0.45, "the probe came %.3f s after"
	          " the lost segment", secs(c[0], c[1]));
}

/* The SYN lost: the second SYN a second later, and only then the SYN-ACK. */
static void check_syn(const struct capfile_conn *cc)
{
	const struct flow_seg *s = cc->seg;

	cr_assert_geq(cc->nseg, 4);
	cr_expect(s[0].seg.flags == TCP_SYN && s[1].seg.flags == TCP_SYN && s[1].dir == FLOW_C2S,
	          "two SYNs first");
	cr_expect(secs(&s[0], &s[1]) > 0.95 && secs(&s[0], &s[1]) < 1.6, "the SYN came again after"
	          " %.3f s", secs(&s[0], &s[1]));
	cr_expect(s[2].dir == FLOW_S2C && s[2].seg.flags == (TCP_SYN | TCP_ACK));
}

/* Lost four times: probe, then timeouts that double. */
static void check_rto(const struct capfile_conn *cc)
{
	const struct flow_seg *c[8];
	double gap[4];

	cr_assert_eq(copies(cc, 1, c, 8), 5, "seq 1 should leave five times");
	for (int i = 0; i < 4; i++)
		gap[i] = secs(c[i], c[i + 1]);
	cr_expect(gap[0] > 0.18 && gap[0] < 0.45, "the probe after %.3f s", gap[0]);
	cr_expect(gap[1] > 0.18 && gap[1] < 0.45, "the first timeout after %.3f s", gap[1]);
	cr_expect(gap[2] > 1.7 * gap[1] && gap[3] > 1.7 * gap[2], "each timeout about doubles:"
	          " %.3f, %.3f, %.3f s", gap[1], gap[2], gap[3]);
}

/* Reordered, not lost: a duplicate ACK, the healing ACK, and nothing sent twice. */
static void check_reorder(const struct capfile_conn *cc)
{
	const struct flow_seg *c[4];
	bool healed = false;

	cr_expect_eq(copies(cc, 4345, c, 4), 1, "seq 4345 leaves once");
	cr_expect_eq(retransmissions(cc), 0, "nothing is sent twice");
	cr_expect_eq(sacks_between(4345, cc->seg, cc->seg + cc->nseg), 1,
	             "one duplicate ACK with a SACK block");
	for (size_t i = 0; i < cc->nseg; i++)
		healed |= cc->seg[i].dir == FLOW_S2C && cc->seg[i].rel_ack == 7241;
	cr_expect(healed, "one ACK covers the 4th and 5th together");
}

struct variant {
	char name[16];
	int min_checks;
	char wire[96];          /* the wire's line the ladder must show */
	int check;              /* index in checks[]: a parameter must not hold a pointer,
	                           the test runs in a fresh copy of the program */
};

static void (*const checks[])(const struct capfile_conn *cc) = {
	check_middle, check_tail, check_syn, check_rto, check_reorder,
};

static struct variant variants[] = {
	{ "middle", 13, "tcplab wire: drops the client's data segment 4 (seq 4345, 1448 bytes)",
	  0 },
	{ "tail", 10, "tcplab wire: drops the client's data segment 4 (seq 4345, 1448 bytes)",
	  1 },
	{ "syn", 9, "tcplab wire: drops the client's SYN number 1", 2 },
	{ "rto", 11, "tcplab wire: drops the client's data segment 4 (seq 1, 1448 bytes)",
	  3 },
	{ "reorder", 12, "tcplab wire: lets the client's data segment 4 through after segment 5",
	  4 },
};

ParameterizedTestParameters(lab8, passes_and_the_capture_shows_the_loss)
{
	return cr_make_param_array(struct variant, variants, sizeof(variants) / sizeof(variants[0]));
}

ParameterizedTest(struct variant *v, lab8, passes_and_the_capture_shows_the_loss, .timeout = 60)
{
	char pcap[64], err[256];
	struct tcplab_result r;
	struct capfile cf;

	labtest_run(&r, 8, v->name, pcap, sizeof(pcap));
	labtest_all_passed(r.out, v->min_checks);
	cr_expect(strstr(r.out, v->wire), "no '%s' on the ladder:\n%s", v->wire, r.out);
	cr_assert_eq(capfile_load(pcap, -1, 1000, &cf, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(flow_count(cf.ft), 1, "the lab made %zu connections", flow_count(cf.ft));
	checks[v->check](capfile_conn(&cf, 0));
	capfile_release(&cf);
	unlink(pcap);
}

/* A lab tree in a temporary folder: lab 8 with one line of its lab.conf changed. */
static void fake_lab(char *dir, const char *from, const char *to)
{
	char path[900], conf[8192], *p;
	FILE *f;
	size_t n;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "mkdir -p '%s/labs' && touch '%s/labs/README.md' && "
	         "cp -r '%s/labs/08-loss' '%s/labs/'", dir, dir, test_root(), dir);
	cr_assert_eq(system(path), 0, "%s", path);
	snprintf(path, sizeof(path), "%s/labs/08-loss/lab.conf", dir);
	f = fopen(path, "r");
	cr_assert_not_null(f);
	n = fread(conf, 1, sizeof(conf) - 1, f);
	fclose(f);
	conf[n] = '\0';
	p = strstr(conf, from);
	cr_assert_not_null(p, "lab.conf has no '%s'; update this test", from);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fprintf(f, "%.*s%s%s", (int)(p - conf), conf, to, p + strlen(from));
	fclose(f);
	setenv("TCPLAB_ROOT", dir, 1);
}

static void run_fake(struct tcplab_result *r, const char *variant, const char *from,
                     const char *to)
{
	char dir[] = "/tmp/tcplab-fake8-XXXXXX", cmd[600], root[512];

	if (geteuid() != 0)
		cr_skip_test("the two-host lab needs root here");
	snprintf(root, sizeof(root), "%s", test_root());
	fake_lab(dir, from, to);
	tcplab_run(r, (const char *[]){ "run", "8", "--variant", variant, NULL });
	setenv("TCPLAB_ROOT", root, 1);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_expect_eq(system(cmd), 0);
}

/* The checks see the wire, not the lab's word: a cable that loses nothing fails them. */
Test(lab8, a_cable_that_loses_nothing_fails_the_loss_checks, .timeout = 60)
{
	struct tcplab_result r;

	run_fake(&r, "middle", "fault    = drop client data 4\n", "");
	cr_expect_eq(r.status, 1, "%s%s", r.out, r.err);
	cr_expect(strstr(r.out, "FAIL         then it repeats ack 4345, each with a SACK block"), "%s", r.out);
	cr_expect(strstr(r.out, "FAIL         right after them, the sender resends seq 4345"),
	          "%s", r.out);
	cr_expect(!strstr(r.out, "tcplab wire: drops"), "%s", r.out);
}

/* A segment lost twice is no fast retransmission: its second copy waits for a timer. */
Test(lab8, losing_the_fast_retransmission_too_fails_the_middle_checks, .timeout = 60)
{
	struct tcplab_result r;

	run_fake(&r, "middle", "fault    = drop client data 4\n", "fault    = drop client data 4 11\n");
	cr_expect_eq(r.status, 1, "%s%s", r.out, r.err);
	cr_expect(strstr(r.out, "tcplab wire: drops the client's data segment 11 (seq 4345"),
	          "%s", r.out);
	cr_expect(strstr(r.out, "FAIL         more duplicate ACKs already on their way"), "%s",
	          r.out);
}

/* The fault language: each line taken apart, or refused saying what it must read. */
Test(lab8, fault_lines_are_parsed_or_refused_with_a_reason)
{
	struct wire_plan p = { 0 };
	char err[256];
	static const char *const bad[][2] = {
		{ "drop client data", "must read 'drop client|server syn|data N [N...]'" },
		{ "drop client data 0", "'0' is not a segment number" },
		{ "drop nobody data 1", "must read 'drop client|server" },
		{ "drop client fin 1", "must read 'drop client|server syn|data" },
		{ "delay client", "must read 'delay client|server|both MS'" },
		{ "delay both 5000", "(MS from 1 to 2000)" },
		{ "reorder client data 6 5", "the held segment must come before" },
		{ "reorder client syn 1 2", "must read 'reorder client|server data N M'" },
		{ "duplicate client data 1", "unknown fault 'duplicate client data 1'" },
		{ "drop client data 1 2 3 4 5 6 7 8 9", "too many words" },
	};

	cr_assert_eq(wire_plan_add(&p, "drop client data 3 4", err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(wire_plan_add(&p, "delay both 20", err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(wire_plan_add(&p, "reorder server data 5 6", err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(wire_plan_add(&p, "drop server syn 1", err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(p.n, 4);
	cr_expect(p.f[0].kind == WIRE_DROP && p.f[0].nn == 2 && p.f[0].n[1] == 4);
	cr_expect(p.f[1].kind == WIRE_DELAY && p.f[1].from == WIRE_BOTH && p.f[1].ms == 20);
	cr_expect(p.f[2].kind == WIRE_REORDER && p.f[2].from == HOST_SERVER);
	cr_expect(p.f[3].what == WIRE_SYN);
	cr_expect_eq(wire_plan_add(&p, "delay client 1", err, sizeof(err)), -1);
	cr_expect(strstr(err, "more than 4 faults"), "%s", err);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct wire_plan q = { 0 };

		cr_expect_eq(wire_plan_add(&q, bad[i][0], err, sizeof(err)), -1, "'%s' was taken",
		             bad[i][0]);
		cr_expect(strstr(err, bad[i][1]), "'%s': %s", bad[i][0], err);
		cr_expect_eq(q.n, 0);
	}
}

/* The exercise: answers, not a program. The reference answers pass; the starter's '?'s are
 * no answers, each named; a wrong one is explained with the capture's segments. */
Test(lab8, the_reference_answers_pass_and_the_starter_does_not, .timeout = 120)
{
	char src[600];
	struct tcplab_result r;

	if (geteuid() != 0)
		cr_skip_test("the two-host lab needs root here");
	snprintf(src, sizeof(src), "%s/solutions/08-loss", test_root());
	tcplab_run(&r, (const char *[]){ "grade", "8", "--src", src, "--seed", "7", NULL });
	cr_expect_eq(r.status, 0, "exit %d\n%s%s", r.status, r.out, r.err);
	cr_expect(strstr(r.out, "score: 6/6"), "only the six answers score:\n%s", r.out);
	tcplab_run(&r, (const char *[]){ "grade", "8", "--seed", "7", NULL });
	cr_expect_eq(r.status, 1, "exit %d\n%s%s", r.status, r.out, r.err);
	cr_expect(strstr(r.out, "FAIL         how many duplicate ACKs come back before the copy"
	                 " leaves\n               no answer: answers.txt has no 'dupacks = ...'"
	                 " line, or it still says '?'"), "%s", r.out);
	cr_expect(strstr(r.out, "PASS         three duplicate ACKs with SACK blocks, then the fast"
	                 " retransmission of seq 2897"), "the run is shown beside the answers:\n%s",
	          r.out);
	cr_expect(strstr(r.out, "score: 0/6"), "%s", r.out);
}

Test(lab8, answer_lines_are_parsed_or_refused_with_a_reason)
{
	struct labcheck c;
	char err[256];
	static const char *const bad[][2] = {
		{ "\"n\" key", "needs \"NAME\" KEY MEASURE [within N%]" },
		{ "\"n\" Key copies", "'Key' is not an answer key" },
		{ "\"n\" key guesses", "unknown measure 'guesses'" },
		{ "\"n\" key resend-ms within 0%", "cannot read 'within 0%'" },
		{ "\"n\" key resend-ms around 5%", "cannot read 'around 5%'" },
		{ "\"n\" key copies within 10%", "only resend-ms takes a tolerance" },
	};

	cr_assert_eq(labcheck_parse(LABCHECK_ANSWER, "\"how long\" resend_ms resend-ms within 50%",
	                            &c, err, sizeof(err)), 0, "%s", err);
	cr_expect_str_eq(c.key, "resend_ms");
	cr_expect_eq(c.measure, LC_RESEND_MS);
	cr_expect_eq(c.within, 50);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_eq(labcheck_parse(LABCHECK_ANSWER, bad[i][0], &c, err, sizeof(err)), -1,
		             "'%s' was taken", bad[i][0]);
		cr_expect(strstr(err, bad[i][1]), "'%s': %s", bad[i][0], err);
	}
}

/* Does ko.po hold msgid "text"? (The lab's catalogue is read by another module; here only
 * its coverage: every short text the lab writes has its Korean.) */
static bool po_has(const char *po, const char *text)
{
	char want[400];

	snprintf(want, sizeof(want), "\nmsgid \"%s\"\n", text);
	return strstr(po, want) != NULL;
}

/* The quoted name of a line "KEY = "NAME" ..." or "check|assert ... "NAME"", or NULL. */
static const char *quoted(char *line, char **end)
{
	char *a = strchr(line, '"'), *b = a ? strchr(a + 1, '"') : NULL;

	if (!b)
		return NULL;
	*b = '\0';
	*end = b;
	return a + 1;
}

Test(lab8, the_korean_catalogue_has_every_text_the_lab_writes)
{
	static char po[65536];
	char path[700], line[512], *end;
	const char *files[] = { "lab.conf", "middle.expect", "tail.expect", "syn.expect",
	                        "rto.expect", "reorder.expect", "exercise.expect" };
	FILE *f;
	size_t n;
	int texts = 0;

	snprintf(path, sizeof(path), "%s/labs/08-loss/ko.po", test_root());
	f = fopen(path, "r");
	cr_assert_not_null(f, "%s", path);
	n = fread(po + 1, 1, sizeof(po) - 2, f);
	fclose(f);
	po[0] = '\n';
	po[n + 1] = '\0';
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/labs/08-loss/%s", test_root(), files[i]);
		f = fopen(path, "r");
		cr_assert_not_null(f, "%s", path);
		while (fgets(line, sizeof(line), f)) {
			const char *t = NULL;
			char *s = line + strspn(line, " \t");

			line[strcspn(line, "\n")] = '\0';
			if (!strncmp(s, "title", 5) || !strncmp(s, "summary", 7))
				t = strchr(s, '=') ? strchr(s, '=') + 1 + strspn(strchr(s, '=') + 1, " ") : NULL;
			else if (!strncmp(s, "call", 4) || !strncmp(s, "output", 6) ||
			         !strncmp(s, "wire ", 5) || !strncmp(s, "wire\t", 5) ||
			         !strncmp(s, "answer", 6) || !strncmp(s, "check ", 6) ||
			         (!strncmp(s, "assert ", 7) && strchr(s, '"')))
				t = quoted(s, &end);
			if (!t)
				continue;
			texts++;
			cr_expect(po_has(po, t), "ko.po has no msgid for %s's \"%s\"", files[i], t);
		}
		fclose(f);
	}
	cr_expect_gt(texts, 40, "only %d texts found: the scan is broken", texts);
}

/* The answers are judged on a run that went as the exercise says, or not at all: a run that
 * did not (here a lab whose wire drops the 4th, not the 3rd) makes them inconclusive and is
 * tried again, never a FAIL for a student who predicted the exercise's fault right. */
Test(lab8, answers_are_not_judged_on_a_run_that_went_otherwise, .timeout = 120)
{
	char dir[] = "/tmp/tcplab-fake8-XXXXXX", cmd[600], root[512], src[600];
	struct tcplab_result r;

	if (geteuid() != 0)
		cr_skip_test("the two-host lab needs root here");
	snprintf(root, sizeof(root), "%s", test_root());
	snprintf(src, sizeof(src), "%s/solutions/08-loss", root);
	fake_lab(dir, "fault    = drop client data 3\n", "fault    = drop client data 4\n");
	tcplab_run(&r, (const char *[]){ "grade", "8", "--src", src, "--seed", "3", NULL });
	setenv("TCPLAB_ROOT", root, 1);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_expect_eq(system(cmd), 0);
	cr_expect_eq(r.status, 1, "%s%s", r.out, r.err);
	cr_expect(!strstr(r.out, "FAIL         which bytes are sent again"), "%s", r.out);
	cr_expect(strstr(r.out, "inconclusive which bytes are sent again: the lost segment's"
	                 " relative seq\n               this run did not go as the exercise says"),
	          "%s", r.out);
}

/* A cable the machine held up (TCPLAB_FAULT=wire-late: 6 ms each time the server's frames
 * are due, so the third duplicate ACK comes some 30 ms late and the copy leaves 50 ms
 * after the first instead of 20): the time measured across it is the machine's. The
 * reference answers are never FAILed: the delay answer is inconclusive, and the report
 * says the cable was late (or, if the run went otherwise, that it did). */
Test(lab8, a_cable_the_machine_held_up_fails_no_right_answer, .timeout = 120)
{
	char src[600];
	struct tcplab_result r;

	if (geteuid() != 0)
		cr_skip_test("the two-host lab needs root here");
	snprintf(src, sizeof(src), "%s/solutions/08-loss", test_root());
	setenv("TCPLAB_FAULT", "wire-late", 1);
	tcplab_run(&r, (const char *[]){ "grade", "8", "--src", src, "--seed", "3", NULL });
	unsetenv("TCPLAB_FAULT");
	cr_expect_eq(r.status, 1, "%s%s", r.out, r.err);
	cr_expect_null(strstr(r.out, "FAIL "), "a right answer failed on a late cable:\n%s", r.out);
	cr_expect(strstr(r.out, "inconclusive how long after the first copy the second leaves"),
	          "%s", r.out);
	cr_expect(strstr(r.out, "but tcplab's cable was held up") ||
	          strstr(r.out, "this run did not go as the exercise says"), "%s", r.out);
}
