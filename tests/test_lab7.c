/* summary: lab 7 run for real: each variant passes, its capture alone shows who closed first, and the kernel's view is in the run and its record. */
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
#include "tests/lib/labtest.h"

/*
 * What the capture must show, whatever the run's own checks said: how many connections,
 * who sent each one's first FIN, and (leak) how long the server sat on each client's FIN
 * (the CLOSE-WAIT the kernel's view names). Each variant's output must also show the
 * kernel's view: a line of 'tcplab run' that only the sock_diag samples can print.
 */
struct variant {
	char name[32];
	int min_checks;
	size_t conns_min, conns_max;
	int first_fin;          /* FLOW_C2S or FLOW_S2C on every connection that has one */
	char kernel[96];        /* in the kernel's view */
	char out[96];           /* elsewhere in the output */
};

static struct variant variants[] = {
	{ "timewait", 12, 1, 1, FLOW_S2C, "TIME-WAIT 10.99.0.2:8070 > 10.99.0.1:",
	  "kernel: TIME-WAIT 1 (" },
	{ "restart", 12, 1, 1, FLOW_S2C, "TIME-WAIT 10.99.0.2:8070 > 10.99.0.1:",
	  "new on: bind() fails: EADDRINUSE" },
	{ "reuseaddr", 13, 1, 1, FLOW_S2C, "TIME-WAIT 10.99.0.2:8070 > 10.99.0.1:",
	  "new on: bind() works" },
	{ "reuseport", 12, 16, 16, FLOW_C2S, "TIME-WAIT 10.99.0.1:",
	  "the kernel spread the connections over both listeners" },
	{ "leak", 9, 13, 13, FLOW_C2S, "CLOSE-WAIT 10.99.0.2:8070 > 10.99.0.1:",
	  "accept() fails: EMFILE" },
	{ "kill-restart", 8, 5, 20, -1, "LISTEN 10.99.0.2:8070",
	  "tcplab: SIGKILL to the server, and the same server started again at once" },
};

static double secs(uint64_t a, uint64_t b)
{
	return (double)(b - a) / 1e9;
}

/* The time of connection cc's first segment in direction dir with flag, 0 if none. */
static uint64_t first_with(const struct capfile_conn *cc, int dir, uint8_t flag)
{
	for (size_t i = 0; i < cc->nseg; i++)
		if ((int)cc->seg[i].dir == dir && (cc->seg[i].seg.flags & flag))
			return cc->seg[i].seg.ts_ns;
	return 0;
}

/* On the ladder, the client's start comes after the server's n-th listen() returned: the
 * server's column is the ladder's last, the client's its first. */
static void check_client_waits(const char *out, int n)
{
	const char *listen = out, *start;

	for (int k = 0; k < n; k++) {
		listen = strstr(listen, "listen(");
		cr_assert_not_null(listen, "%d listen() calls on the ladder, wanted %d:\n%s", k, n,
		                   out);
		listen++;
	}
	start = strstr(out, "start (pid");
	cr_assert_not_null(start);
	start = strstr(start + 1, "start (pid");
	cr_assert_not_null(start, "no second program's start on the ladder:\n%s", out);
	cr_expect_gt(start, listen, "the client started before the server's listen() number %d"
	             " returned:\n%s", n, out);
}

static void check_capture(const char *pcap, const struct variant *v)
{
	struct capfile cf;
	char err[256];
	size_t n, sat = 0, server_first = 0, after = 0;
	uint64_t killed = 0;

	cr_assert_eq(capfile_load(pcap, -1, 1000, &cf, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_empty(cf.read_error);
	n = flow_count(cf.ft);
	cr_expect(n >= v->conns_min && n <= v->conns_max, "%s: %zu connections", v->name, n);
	for (size_t id = 0; id < n; id++) {
		const struct flow_conn *fc = flow_get(cf.ft, id);
		const struct capfile_conn *cc = capfile_conn(&cf, id);
		uint64_t cfin = first_with(cc, FLOW_C2S, TCP_FIN);
		uint64_t sfin = first_with(cc, FLOW_S2C, TCP_FIN | TCP_RST);

		if (v->first_fin >= 0 && fc->first_fin >= 0)
			cr_expect_eq(fc->first_fin, v->first_fin, "%s: connection %zu: the %s closed"
			             " first", v->name, id, fc->first_fin == FLOW_C2S ? "client" :
			             "server");
		if (v->first_fin == FLOW_S2C)
			cr_expect_eq(fc->side[FLOW_S2C].state, TCPS_TIME_WAIT, "the server holds"
			             " TIME-WAIT");
		/* leak: the server sat on the client's FIN, in CLOSE-WAIT, until it was killed
		 * (the client waits 0.5 s for the last echo first). */
		if (cfin && sfin > cfin && secs(cfin, sfin) > 0.4)
			sat++;
		/* kill-restart: the dying server's kernel closes the held connection first... */
		if (fc->first_fin == FLOW_S2C && !killed)
			killed = sfin;
		/* ...and a later connection is answered with a SYN-ACK: the new server. */
		if (killed && cc->nseg > 1 && cc->seg[0].seg.ts_ns > killed &&
		    cc->seg[1].dir == FLOW_S2C && cc->seg[1].seg.flags == (TCP_SYN | TCP_ACK))
			after++;
		server_first += fc->first_fin == FLOW_S2C;
	}
	if (!strcmp(v->name, "leak"))
		cr_expect_geq(sat, 10, "the server closed %zu connections 0.4 s or more after the"
		              " client's FIN; it never closes them itself", sat);
	if (!strcmp(v->name, "kill-restart")) {
		cr_expect_geq(server_first, 1, "no connection was closed by the killed server");
		cr_expect_geq(after, 2, "no connection after the kill got a SYN-ACK: %zu", after);
	}
	capfile_release(&cf);
}

ParameterizedTestParameters(lab7, passes_and_the_capture_and_the_kernel_agree)
{
	return cr_make_param_array(struct variant, variants, sizeof(variants) / sizeof(variants[0]));
}

ParameterizedTest(struct variant *v, lab7, passes_and_the_capture_and_the_kernel_agree,
                  .timeout = 90)
{
	char pcap[64];
	struct tcplab_result r;
	const char *view;

	labtest_run(&r, 7, v->name, pcap, sizeof(pcap));
	labtest_all_passed(r.out, v->min_checks);
	view = strstr(r.out, "the kernel's view");
	cr_assert_not_null(view, "no kernel's view in:\n%s", r.out);
	cr_expect(strstr(view, v->kernel), "no '%s' in the kernel's view:\n%s", v->kernel, r.out);
	cr_expect(strstr(r.out, v->out), "no '%s' in:\n%s", v->out, r.out);
	if (!strcmp(v->name, "reuseport"))
		check_client_waits(r.out, 3);
	check_capture(pcap, v);
	unlink(pcap);
}

/* The samples go into the record and come back: 'inspect' shows them, 'check' judges them
 * again to the same verdicts. */
Test(lab7, the_kernels_view_is_in_the_record, .timeout = 90)
{
	char rec[] = "/tmp/tcplab-lab7-rec-XXXXXX", path[64];
	struct tcplab_result r;
	int fd;

	if (geteuid() != 0)
		cr_skip_test("the two-host lab needs root here");
	fd = mkstemp(rec);
	cr_assert_geq(fd, 0);
	close(fd);
	snprintf(path, sizeof(path), "%s.pcapng", rec);
	unlink(rec);
	tcplab_run(&r, (const char *[]){ "run", "7", "--variant", "timewait", "--record", path,
	                                 NULL });
	labtest_skip_if_stalled(&r, 7, "timewait", NULL);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	tcplab_run(&r, (const char *[]){ "inspect", path, NULL });
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_expect(strstr(r.out, "server, at the end of the run:"), "%s", r.out);
	cr_expect(strstr(r.out, "TIME-WAIT 10.99.0.2:8070 > 10.99.0.1:"), "%s", r.out);
	tcplab_run(&r, (const char *[]){ "check", path, NULL });
	cr_expect_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_expect(strstr(r.out, "its TIME-WAIT timer has more than 50 s left"), "%s", r.out);
	cr_expect(!strstr(r.out, "the run said"), "a verdict changed:\n%s", r.out);
	unlink(path);
}

Test(lab7, the_reference_solution_passes_and_the_starter_does_not, .timeout = 150)
{
	char src[600];
	struct tcplab_result r;

	if (geteuid() != 0)
		cr_skip_test("the two-host lab needs root here");
	snprintf(src, sizeof(src), "%s/solutions/07-timewait", test_root());
	tcplab_run(&r, (const char *[]){ "grade", "7", "--src", src, "--seed", "7", NULL });
	cr_expect_eq(r.status, 0, "exit %d\n%s%s", r.status, r.out, r.err);
	cr_expect(strstr(r.out, "every check passed"), "%s", r.out);

	/* The starter has no SO_REUSEADDR and never closes: both show, every seed. */
	tcplab_run(&r, (const char *[]){ "grade", "7", "--seed", "7", NULL });
	cr_expect_eq(r.status, 1, "exit %d\n%s%s", r.status, r.out, r.err);
	cr_expect(strstr(r.out, "FAIL         the restarted server binds at its first try"), "%s",
	          r.out);
	cr_expect(strstr(r.out, "FAIL         no connection is left in CLOSE-WAIT"), "%s", r.out);
	cr_expect(strstr(r.out, "in CLOSE-WAIT (wanted = 0)"), "%s", r.out);
}

/* What the exercise's driver announces for one seed and scenario (--print-plan). */
struct plan {
	int clients, before, after;
	char say[200];
};

static void plan_of(uint64_t seed, int scenario, struct plan *p)
{
	char cmd[900], line[512], *at;
	FILE *f;

	memset(p, 0, sizeof(*p));
	snprintf(cmd, sizeof(cmd), "'%s/labs/07-timewait/restart_clients' --seed %llu"
	         " --scenario %d --print-plan", test_build(), (unsigned long long)seed, scenario);
	f = popen(cmd, "r");
	cr_assert_not_null(f, "%s", cmd);
	while (fgets(line, sizeof(line), f)) {
		cr_assert(!strncmp(line, "tcplab-driver: ", 15), "not an announcement: %s", line);
		cr_assert_lt(strlen(line), 200, "the engine reads lines of up to 199 characters");
		if ((at = strstr(line, "clients=")))
			p->clients = atoi(at + 8);
		if ((at = strstr(line, " before=")))
			p->before = atoi(at + 8);
		if ((at = strstr(line, " after=")))
			p->after = atoi(at + 7);
		if ((at = strstr(line, "say=")))
			snprintf(p->say, sizeof(p->say), "%s", at + 4);
	}
	cr_assert_eq(pclose(f), 0, "%s failed", cmd);
}

Test(lab7, the_restart_driver_varies_with_the_seed_and_replays_it, .timeout = 60)
{
	struct plan a, b;
	int seen[9] = { 0 }, kinds = 0;

	for (uint64_t seed = 1; seed <= 60; seed++) {
		plan_of(seed * 7919, (int)(seed % 2), &a);
		cr_expect(a.before >= 2 && a.before <= 4 && a.after >= 2 && a.after <= 4,
		          "seed %llu: %d before, %d after", (unsigned long long)seed, a.before,
		          a.after);
		cr_expect_eq(a.clients, a.before + 1 + a.after);
		cr_expect(a.say[0], "no say= line");
		if (a.before >= 2 && a.before <= 4 && a.after >= 2 && a.after <= 4)
			kinds += !seen[(a.before - 2) * 3 + a.after - 2]++;
	}
	cr_expect_geq(kinds, 6, "the plans hardly vary: %d kinds", kinds);
	plan_of(123456789, 1, &a);
	plan_of(123456789, 1, &b);
	cr_expect_eq(memcmp(&a, &b, sizeof(a)), 0, "a seed replays the same plan");
}
