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
	  "recv(4, 1000) = 1000", "1000 bytes in 1 recv calls" },
	{ "dribble", 24, { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 },
	  "recv(4, 1000) = 1", "24 bytes in" },
	{ "split-header", 2, { 2, 31 }, "recv(4, 1000) = 2", "33 bytes in 2 recv calls" },
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
