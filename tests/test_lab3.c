/* summary: lab 3 run for real: each variant passes, and its capture shows the lesson's counts. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture/capfile.h"
#include "capture/dissect.h"
#include "engine/lab.h"
#include "tests/lib/labtest.h"

/*
 * What the capture alone must show for each variant, whatever the run's own checks said:
 * the client's data segments and their lengths (the lesson's "N sends, N segments"), and
 * the recv() line the ladder must hold (the lesson's "one recv" / "half a header").
 */
struct variant {
	char name[32];
	size_t ndata;                   /* client data segments */
	uint32_t len[24];               /* their lengths, in order */
	char recv_line[64];             /* a server call the ladder must show */
	char output[96];                /* and a line the server printed */
};

static struct variant variants[] = {
	{ "burst", 10, { 100, 100, 100, 100, 100, 100, 100, 100, 100, 100 },
	  "recvfrom(4, 1000) = 1000", "1000 bytes in 1 recv calls" },
	{ "dribble", 24, { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 },
	  "recvfrom(4, 1000) = 1", "24 bytes in" },
	{ "split-header", 2, { 2, 31 }, "recvfrom(4, 1000) = 2", "33 bytes in 2 recv calls" },
};

/* The one connection's client data segments, from the saved capture alone. */
static void check_capture(const char *pcap, const struct variant *v)
{
	struct capfile cf;
	const struct capfile_conn *c;
	char err[256];
	size_t ndata = 0;

	cr_assert_eq(capfile_load(pcap, -1, 1000, &cf, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_empty(cf.read_error);
	cr_assert_eq(flow_count(cf.ft), 1, "the lab made %zu connections", flow_count(cf.ft));
	c = capfile_conn(&cf, 0);
	for (size_t i = 0; i < c->nseg; i++) {
		const struct flow_seg *s = &c->seg[i];

		cr_expect(!(s->seg.flags & TCP_RST), "segment %zu is a RST", i + 1);
		if (s->dir != FLOW_C2S || s->seg.len == 0)
			continue;
		if (ndata < v->ndata)
			cr_expect_eq(s->seg.len, v->len[ndata], "data segment %zu: len %u, wanted %u",
			             ndata + 1, s->seg.len, v->len[ndata]);
		ndata++;
	}
	cr_expect_eq(ndata, v->ndata, "%zu client data segments, wanted %zu", ndata, v->ndata);
	/* The sender closes first in every variant: it holds TIME-WAIT (RFC 9293 section 3.6). */
	cr_expect_eq(flow_get(cf.ft, 0)->side[FLOW_C2S].state, TCPS_TIME_WAIT);
	cr_expect_eq(flow_get(cf.ft, 0)->side[FLOW_S2C].state, TCPS_CLOSED);
	capfile_release(&cf);
}

ParameterizedTestParameters(lab3, passes_and_the_capture_shows_the_counts)
{
	return cr_make_param_array(struct variant, variants, sizeof(variants) / sizeof(variants[0]));
}

ParameterizedTest(struct variant *v, lab3, passes_and_the_capture_shows_the_counts,
                  .timeout = 30)
{
	char pcap[64];
	struct tcplab_result r;

	labtest_run(&r, 3, v->name, pcap, sizeof(pcap));
	labtest_all_passed(r.out, 12);
	cr_expect(strstr(r.out, v->recv_line), "no '%s' in:\n%s", v->recv_line, r.out);
	cr_expect(strstr(r.out, v->output), "no '%s' in:\n%s", v->output, r.out);
	check_capture(pcap, v);
	unlink(pcap);
}

/* A lab tree in a temporary folder whose lab 3 runs the burst with the given server line. */
static void fake_lab(char *dir, const char *server)
{
	char path[700], conf[8192], *p;
	FILE *f;
	size_t n;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "mkdir -p '%s/labs/03-stream' && touch '%s/labs/README.md'"
	         " && cp '%s/labs/03-stream/burst.expect' '%s/labs/03-stream/'", dir, dir,
	         test_root(), dir);
	cr_assert_eq(system(path), 0, "%s", path);
	/* The real burst variant's lines, with the server line replaced. */
	snprintf(path, sizeof(path), "%s/labs/03-stream/lab.conf", test_root());
	f = fopen(path, "r");
	cr_assert_not_null(f);
	n = fread(conf, 1, sizeof(conf) - 1, f);
	fclose(f);
	conf[n] = '\0';
	p = strstr(conf, "[variant dribble]");
	cr_assert_not_null(p);
	*p = '\0';
	p = strstr(conf, "server   = stream_server --addr {server} --port {port} --busy-ms 100");
	cr_assert_not_null(p, "lab.conf's burst server line changed; update this test");
	snprintf(path, sizeof(path), "%s/labs/03-stream/lab.conf", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fprintf(f, "%.*sserver = %s\n%s", (int)(p - conf), conf, server, strchr(p, '\n') + 1);
	fclose(f);
	setenv("TCPLAB_ROOT", dir, 1);
}

static void unstage(const char *dir)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_expect_eq(system(cmd), 0);
}

Test(lab3, a_reader_that_is_not_busy_fails_the_one_recv_check, .timeout = 30)
{
	char dir[] = "/tmp/tcplab-fake3-XXXXXX";
	struct tcplab_result r;

	if (geteuid() != 0)
		cr_skip_test("needs root to run the lab inside the test");
	/* recv(100) each time, at once: ten recv() calls, and the burst's checks must say so. */
	fake_lab(dir, "stream_server --addr {server} --port {port} --size 100");
	tcplab_run(&r, (const char *[]){ "run", "3", "--variant", "burst", NULL });
	unstage(dir);
	cr_expect_eq(r.status, 1, "%s%s", r.out, r.err);
	cr_expect(strstr(r.out, "FAIL         one recv(1000) returns all 1000 bytes"), "%s", r.out);
	cr_expect(strstr(r.out, "FAIL         and it is the only recv() that returned data"),
	          "%s", r.out);
	cr_expect(strstr(r.out, "PASS         ten send() calls of 100 bytes"), "%s", r.out);
}

/*
 * The exercise's sender announces what it will send (--print-plan prints the lines and
 * exits); the lines go through the engine's own reader into a run's variables, as they
 * would in a grade, and every output check of lab 3's exercise must then expand.
 */
static void exercise_plan(const struct lab *lab, uint64_t seed, int scenario,
                          struct lab_vars *vars)
{
	char cmd[900], line[512];
	FILE *f;

	lab_vars_init(vars, lab, &lab->exercise, "127.0.0.1", "127.0.0.1", seed, scenario);
	snprintf(cmd, sizeof(cmd), "'%s/labs/03-stream/stream_client' --mode exercise --seed %llu"
	         " --scenario %d --print-plan", test_build(), (unsigned long long)seed, scenario);
	f = popen(cmd, "r");
	cr_assert_not_null(f, "%s", cmd);
	while (fgets(line, sizeof(line), f)) {
		/* The engine keeps lines of up to 199 characters. */
		cr_assert_lt(strlen(line), 200, "seed %llu: %s", (unsigned long long)seed, line);
		line[strcspn(line, "\n")] = '\0';
		cr_assert(lab_vars_announce(vars, line), "not an announcement: %s", line);
	}
	cr_assert_eq(pclose(f), 0, "%s failed", cmd);
}

/* The text of variable NAME, checked against NAME_len and for spaces. */
static const char *message(const struct lab_vars *vars, const char *name, uint64_t seed)
{
	char key[32];
	const char *text = lab_vars_get(vars, name), *len;

	snprintf(key, sizeof(key), "%s_len", name);
	len = lab_vars_get(vars, key);
	cr_assert(text && len, "seed %llu: no %s or %s", (unsigned long long)seed, name, key);
	cr_expect_eq(strlen(text), (size_t)atoi(len), "seed %llu: %s=%s but %s=%s",
	             (unsigned long long)seed, name, text, key, len);
	cr_expect_null(strchr(text, ' '), "an announced value has no spaces");
	return text;
}

Test(lab3, the_exercise_sender_varies_what_it_sends_and_says_so, .timeout = 60)
{
	struct lab *all, *lab = NULL;
	char err[512], want[256];
	size_t n;
	int first[3] = { 0 }, cut[4] = { 0 };

	cr_assert_eq(lab_load_all(test_root(), &all, &n, err, sizeof(err)), 0, "%s", err);
	for (size_t i = 0; i < n; i++)
		if (all[i].number == 3)
			lab = &all[i];
	cr_assert(lab && lab->has_exercise);
	for (uint64_t seed = 1; seed <= 100; seed++) {
		char order[2][64];

		for (int sc = 0; sc < 2; sc++) {
			struct lab_vars vars;
			const char *say, *d;
			char *c;
			int missing = 0;

			exercise_plan(lab, seed * 104729, sc, &vars);
			/* Every output check of the exercise can be judged. */
			for (size_t k = 0; k < lab->exercise.ncheck; k++)
				if (lab->exercise.check[k].kind == LABCHECK_OUTPUT)
					lab_vars_expand(&vars, lab->exercise.check[k].text, want,
					                sizeof(want), &missing);
			cr_expect_eq(missing, 0, "seed %llu: a check names a variable the sender"
			             " did not announce", (unsigned long long)seed);
			d = message(&vars, "dribble", seed);
			cr_expect(sc ? strlen(d) >= 30 && strlen(d) <= 60 :
			          strlen(d) >= 8 && strlen(d) <= 24, "scenario %d: dribble '%s'", sc, d);
			message(&vars, "split", seed);
			for (int b = 1; b <= 10; b++) {
				char key[16];

				snprintf(key, sizeof(key), "batch%d", b);
				message(&vars, key, seed);
			}
			say = lab_vars_get(&vars, "say");
			cr_assert_not_null(say);
			first[!strncmp(say, "batch", 5) ? 1 : !strncmp(say, "split", 5) ? 2 : 0]++;
			snprintf(order[sc], sizeof(order[sc]), "%.*s", (int)strcspn(say, ";"), say);
			c = strstr(say, "cut after ");
			cr_assert_not_null(c, "%s", say);
			cut[atoi(c + 10) & 3]++;
			/* Scenario 1 cuts the batch's last message across two writes. */
			cr_expect_eq(strstr(say, "two writes") != NULL, sc == 1, "%s", say);
		}
		/* The two scenarios never put a stream in the same place: a reader that gets
		 * only its first connection right fails every stream in one of them. */
		for (int i = 0; i < 3; i++) {
			char a[16] = "", b[16] = "";
			const char *pa = order[0], *pb = order[1];

			for (int k = 0; k <= i; k++) {
				sscanf(pa, "%15[a-z-]", a);
				sscanf(pb, "%15[a-z-]", b);
				pa += strlen(a) + 2;
				pb += strlen(b) + 2;
			}
			cr_expect_str_neq(a, b, "seed %llu: '%s' and '%s'",
			                  (unsigned long long)seed * 104729, order[0], order[1]);
		}
	}
	/* Any stream may come first, and the header is cut after 1, 2 or 3 bytes. */
	for (int i = 0; i < 3; i++)
		cr_expect_gt(first[i], 20, "stream %d came first %d times in 200", i, first[i]);
	cr_expect_eq(cut[0], 0);
	for (int i = 1; i <= 3; i++)
		cr_expect_gt(cut[i], 20, "the header cut after %d bytes %d times in 200", i, cut[i]);
	free(all);
}
