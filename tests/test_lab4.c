/* summary: lab 4 run for real: each variant passes, and its capture alone shows FIN, RST or silence. */
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
#include "tests/lib/labtest.h"

/* How the connection ends on the wire, as the lesson tells it. */
enum ending {
	END_FIN,                /* the server's FIN first, the client's FIN, no RST */
	END_RST,                /* the server's RST, no FIN from anyone */
	END_KEEPALIVE,          /* after the pull: 3 keepalive probes 1 s apart, a client RST */
	END_USER_TIMEOUT,       /* after the pull: a ping retransmitted with doubling waits */
	END_HEARTBEAT,          /* after the pull: retransmissions, then the client's RST */
};

struct variant {
	char name[32];
	enum ending end;
	int min_checks;
	char call[96];          /* a line the ladder must show: the call the lesson is about */
};

static struct variant variants[] = {
	{ "orderly", END_FIN, 11, "recvfrom(3, 512) = 0" },
	{ "close-unread", END_RST, 10, "= -1 ECONNRESET" },
	{ "kill-unread", END_RST, 10, "= -1 ECONNRESET" },
	{ "kill-read", END_FIN, 11, "recvfrom(3, 512) = 0" },
	{ "linger", END_RST, 10, "setsockopt(4, SO_LINGER, {1,0}) = 0" },
	{ "cable-keepalive", END_KEEPALIVE, 10, "= -1 ETIMEDOUT" },
	{ "cable-user-timeout", END_USER_TIMEOUT, 10, "= -1 ETIMEDOUT" },
	{ "cable-heartbeat", END_HEARTBEAT, 11, "the server is gone" },
};

static double secs(const struct flow_seg *a, const struct flow_seg *b)
{
	return (double)(b->seg.ts_ns - a->seg.ts_ns) / 1e9;
}

static bool has(const struct flow_seg *s, uint16_t flag)
{
	return (s->seg.flags & flag) != 0;
}

/* Index of the server's last segment: the pong just before the pull. */
static size_t last_from_server(const struct capfile_conn *cc)
{
	size_t last = 0;

	for (size_t i = 0; i < cc->nseg; i++)
		if (cc->seg[i].dir == FLOW_S2C)
			last = i;
	return last;
}

static void check_fin(const struct flow_conn *fc, const struct capfile_conn *cc)
{
	const struct flow_seg *s = cc->seg;
	size_t n = cc->nseg, fin;

	cr_assert_geq(n, 7);
	cr_expect_eq(fc->first_fin, FLOW_S2C, "the server's FIN must come first");
	cr_expect_eq(fc->first_rst, -1, "a close with nothing unread sends no RST");
	/* The server's FIN; a late close() lets the client's kernel ACK it on its own first;
	 * then the client's FIN, the server's ACK of it, and nothing more. */
	fin = has(&s[n - 4], TCP_FIN) ? n - 4 : n - 3;
	cr_expect(s[fin].dir == FLOW_S2C && has(&s[fin], TCP_FIN));
	if (fin == n - 4)
		cr_expect(s[n - 3].dir == FLOW_C2S && s[n - 3].seg.flags == TCP_ACK);
	cr_expect(s[n - 2].dir == FLOW_C2S && has(&s[n - 2], TCP_FIN));
	cr_expect(s[n - 1].dir == FLOW_S2C && s[n - 1].seg.flags == TCP_ACK);
	cr_expect_eq(fc->side[FLOW_S2C].state, TCPS_TIME_WAIT);
	cr_expect_eq(fc->side[FLOW_C2S].state, TCPS_CLOSED);
}

static void check_rst(const struct flow_conn *fc, const struct capfile_conn *cc)
{
	const struct flow_seg *last = cc->seg + cc->nseg - 1;

	cr_expect_eq(fc->first_fin, -1, "an abort sends no FIN");
	cr_expect_eq(fc->first_rst, FLOW_S2C);
	cr_expect(last->dir == FLOW_S2C && has(last, TCP_RST), "the RST must end it");
	cr_expect_eq(fc->side[FLOW_S2C].state, TCPS_CLOSED, "no TIME-WAIT after an abort");
	cr_expect_eq(fc->side[FLOW_C2S].state, TCPS_CLOSED);
}

/* After the pull: only the client's segments, the first its ACK of the last pong. */
static const struct flow_seg *after_pull(const struct capfile_conn *cc, size_t *n)
{
	size_t pong = last_from_server(cc);

	cr_assert_geq(pong, 8, "the two pings and pongs before the pull are missing");
	cr_assert_lt(pong + 1, cc->nseg);
	cr_expect(cc->seg[pong].seg.len == 5, "the server's last segment is a pong");
	*n = cc->nseg - pong - 1;
	return cc->seg + pong + 1;
}

static void check_keepalive(const struct flow_conn *fc, const struct capfile_conn *cc)
{
	size_t n;
	const struct flow_seg *s = after_pull(cc, &n);

	cr_assert_eq(n, 5, "after the pull: an ACK, 3 probes and a RST, not %zu segments", n);
	for (size_t i = 1; i <= 3; i++) {
		double gap = secs(&s[i - 1], &s[i]);

		cr_expect(s[i].analysis & EXPERT_BIT(EXPERT_I_KEEP_ALIVE), "segment %zu", i);
		cr_expect(gap > 0.95 && gap < 1.2, "probe %zu came %.3f s after the last", i, gap);
	}
	cr_expect(has(&s[4], TCP_RST), "the kernel gives up with a RST");
	cr_expect_eq(fc->first_fin, -1);
}

static void check_user_timeout(const struct flow_conn *fc, const struct capfile_conn *cc)
{
	size_t n;
	const struct flow_seg *s = after_pull(cc, &n);
	double prev = 0;

	cr_assert_eq(n, 6, "after the pull: an ACK, a ping and 4 copies, not %zu segments", n);
	cr_expect(!(s[1].analysis & EXPERT_BIT(EXPERT_I_RETRANSMISSION)));
	for (size_t i = 2; i < n; i++) {
		double gap = secs(&s[i - 1], &s[i]);

		cr_expect(s[i].analysis & EXPERT_BIT(EXPERT_I_RETRANSMISSION), "segment %zu", i);
		cr_expect_eq(s[i].rel_seq, s[1].rel_seq);
		/* The probe and the first timeout both wait the 200 ms floor; then it doubles. */
		if (i > 3)
			cr_expect(gap > 1.8 * prev && gap < 2.2 * prev, "wait %.3f after %.3f", gap,
			          prev);
		prev = gap;
	}
	cr_expect_eq(fc->first_rst, -1, "TCP_USER_TIMEOUT ends the connection silently");
	cr_expect_eq(fc->first_fin, -1);
}

static void check_heartbeat(const struct flow_conn *fc, const struct capfile_conn *cc)
{
	size_t n;
	const struct flow_seg *s = after_pull(cc, &n);
	double dead;

	cr_assert_eq(n, 6, "after the pull: an ACK, a ping, 3 copies and a RST, not %zu", n);
	for (size_t i = 2; i <= 4; i++)
		cr_expect(s[i].analysis & EXPERT_BIT(EXPERT_I_RETRANSMISSION), "segment %zu", i);
	cr_expect(has(&s[5], TCP_RST));
	dead = secs(&s[0], &s[5]);
	cr_expect(dead > 1.45 && dead < 1.7, "the abort came %.3f s after the last pong", dead);
	cr_expect_eq(fc->first_rst, FLOW_C2S);
}

ParameterizedTestParameters(lab4, passes_and_the_capture_agrees)
{
	return cr_make_param_array(struct variant, variants, sizeof(variants) / sizeof(variants[0]));
}

ParameterizedTest(struct variant *v, lab4, passes_and_the_capture_agrees, .timeout = 60)
{
	char pcap[64], err[256];
	struct tcplab_result r;
	const struct flow_conn *fc;
	const struct capfile_conn *cc;
	struct capfile cf;

	labtest_run(&r, 4, v->name, pcap, sizeof(pcap));
	labtest_all_passed(r.out, v->min_checks);
	cr_expect(strstr(r.out, v->call), "no '%s' in:\n%s", v->call, r.out);

	/* The capture on its own, whatever the run's checks said. */
	cr_assert_eq(capfile_load(pcap, -1, 1000, &cf, err, sizeof(err)), 0, "%s", err);
	unlink(pcap);
	cr_assert_str_empty(cf.read_error);
	cr_assert_eq(flow_count(cf.ft), 1, "the lab made %zu connections", flow_count(cf.ft));
	fc = flow_get(cf.ft, 0);
	cc = capfile_conn(&cf, 0);
	switch (v->end) {
	case END_FIN: check_fin(fc, cc); break;
	case END_RST: check_rst(fc, cc); break;
	case END_KEEPALIVE: check_keepalive(fc, cc); break;
	case END_USER_TIMEOUT: check_user_timeout(fc, cc); break;
	case END_HEARTBEAT: check_heartbeat(fc, cc); break;
	}
	capfile_release(&cf);
}

Test(lab4, the_reference_solution_passes_and_the_starter_does_not, .timeout = 120)
{
	char src[600];
	struct tcplab_result r;

	if (geteuid() != 0)
		cr_skip_test("the two-host lab needs root here");
	snprintf(src, sizeof(src), "%s/solutions/04-rst", test_root());
	tcplab_run(&r, (const char *[]){ "grade", "4", "--src", src, NULL });
	cr_expect_eq(r.status, 0, "exit %d\n%s%s", r.status, r.out, r.err);
	cr_expect(strstr(r.out, "every check passed"), "%s", r.out);

	/* Whatever the order, the starter calls the reset "closed" (or never gets to it,
	 * stuck on the vanished client) and never notices the vanished one. */
	tcplab_run(&r, (const char *[]){ "grade", "4", NULL });
	cr_expect_eq(r.status, 1, "exit %d\n%s%s", r.status, r.out, r.err);
	cr_expect(strstr(r.out, "FAIL         the client that reset is reported reset"), "%s", r.out);
	cr_expect(strstr(r.out, "FAIL         the client that vanished is reported vanished"), "%s",
	          r.out);
	cr_expect(strstr(r.out, "FAIL         the vanished client is found within 5 s"), "%s", r.out);
}

/* What the exercise's driver announces for one seed and scenario (--print-plan). */
struct plan {
	char fate[3][16];       /* client 1, 2, 3: closed, reset or vanished */
	double idle[3];         /* seconds of silence before it closes or resets */
	int by_fate[3];         /* closed=N reset=N vanished=N */
	size_t longest;         /* longest line */
};

static void plan_of(uint64_t seed, int scenario, bool seeded, struct plan *p)
{
	static const char *const fates[] = { "closed", "reset", "vanished" };
	char cmd[900], line[512], key[16];
	FILE *f;

	memset(p, 0, sizeof(*p));
	if (seeded)
		snprintf(cmd, sizeof(cmd), "'%s/labs/04-rst/three_clients' --seed %llu"
		         " --scenario %d --print-plan", test_build(), (unsigned long long)seed,
		         scenario);
	else
		snprintf(cmd, sizeof(cmd), "'%s/labs/04-rst/three_clients' --print-plan",
		         test_build());
	f = popen(cmd, "r");
	cr_assert_not_null(f, "%s", cmd);
	while (fgets(line, sizeof(line), f)) {
		char *at;

		if (strlen(line) > p->longest)
			p->longest = strlen(line);
		cr_assert(!strncmp(line, "tcplab-driver: ", 15), "not an announcement: %s", line);
		for (int i = 0; i < 3; i++) {
			snprintf(key, sizeof(key), " fate%d=", i + 1);
			if ((at = strstr(line, key)))
				sscanf(at + strlen(key), "%15[a-z]", p->fate[i]);
			snprintf(key, sizeof(key), " idle%d=", i + 1);
			if ((at = strstr(line, key)))
				p->idle[i] = atof(at + strlen(key));
			snprintf(key, sizeof(key), " %s=", fates[i]);
			if ((at = strstr(line, key)) && (!strstr(line, " say=") ||
			                                  at < strstr(line, " say=")))
				p->by_fate[i] = atoi(at + strlen(key));
		}
	}
	cr_assert_eq(pclose(f), 0, "%s failed", cmd);
	/* Each fate once, and closed=N says the same as fateN=closed. */
	for (int k = 0; k < 3; k++) {
		int n = p->by_fate[k];

		cr_assert(n >= 1 && n <= 3, "seed %llu: %s=%d", (unsigned long long)seed, fates[k], n);
		cr_assert_str_eq(p->fate[n - 1], fates[k], "seed %llu scenario %d",
		                 (unsigned long long)seed, scenario);
	}
}

Test(lab4, the_two_scenarios_of_a_grade_order_the_clients_differently, .timeout = 60)
{
	int orders[6] = { 0 };
	struct plan p;

	/* Without --seed: the classic order, at once, for hand runs. */
	plan_of(0, 0, false, &p);
	cr_expect_str_eq(p.fate[0], "closed");
	cr_expect_str_eq(p.fate[1], "reset");
	cr_expect_str_eq(p.fate[2], "vanished");
	for (uint64_t seed = 1; seed <= 300; seed++) {
		struct plan s[2];
		int longest = -1;

		plan_of(seed * 7919, 0, true, &s[0]);
		plan_of(seed * 7919, 1, true, &s[1]);
		/* Every client's fate differs between the two scenarios: an order written into
		 * a server gets every client wrong in one of them. */
		for (int i = 0; i < 3; i++)
			cr_expect_str_neq(s[0].fate[i], s[1].fate[i], "seed %llu: client %d %s twice",
			                  (unsigned long long)seed * 7919, i + 1, s[0].fate[i]);
		orders[(s[0].by_fate[0] - 1) * 2 + (s[0].by_fate[1] > s[0].by_fate[2])]++;
		for (int k = 0; k < 2; k++) {
			/* The engine reads lines of up to 199 characters. */
			cr_expect_lt(s[k].longest, 200, "seed %llu: a line of %zu characters",
			             (unsigned long long)seed * 7919, s[k].longest);
			/* One silent client outlasts a 1 s guess at "vanished"; none idles past 2.5 s;
			 * the vanishing one does not idle. */
			for (int i = 0; i < 3; i++) {
				cr_expect(s[k].idle[i] >= 0 && s[k].idle[i] <= 2.5);
				if (!strcmp(s[k].fate[i], "vanished"))
					cr_expect_eq(s[k].idle[i], 0);
				else if (longest < 0 || s[k].idle[i] > s[k].idle[longest])
					longest = i;
			}
			cr_expect_geq(s[k].idle[longest], 1.5, "seed %llu scenario %d: longest silence"
			              " %.1f s", (unsigned long long)seed * 7919, k, s[k].idle[longest]);
			longest = -1;
		}
	}
	/* The first scenario's order is not fixed either: all six occur. */
	for (int o = 0; o < 6; o++)
		cr_expect_gt(orders[o], 0, "order %d never drawn in 300 seeds", o);
}

Test(lab4, a_seed_replays_the_same_plan, .timeout = 30)
{
	struct plan a, b;

	plan_of(123456789, 1, true, &a);
	plan_of(123456789, 1, true, &b);
	cr_expect_eq(memcmp(&a, &b, sizeof(a)), 0);
}
