/* summary: run records: every field round-trips, real runs read back as they ran, hostile files are refused by name. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "capture/dissect.h"
#include "capture/flow.h"
#include "capture/pcapio.h"
#include "engine/grade.h"
#include "engine/lab.h"
#include "engine/labrun.h"
#include "engine/record.h"
#include "engine/timeline.h"
#include "tests/lib/tcplab_run.h"

static char dir[64];

static void setup(void)
{
	strcpy(dir, "/tmp/tcplab-record-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_expect_eq(system(cmd), 0);
}

TestSuite(record, .init = setup, .fini = teardown, .timeout = 30);

/* ------------------------------------------------------------------ a run made by hand */

static struct lab fake_lab = {
	.number = 7, .slug = "07-made-up", .title = "A lab made up for the test", .port = 8000,
};
static struct lab_variant fake_variant = { .name = "by-hand" };

static void free_run(struct labrun *run)
{
	timeline_release(&run->tl);
	record_frames_release(&run->frames);
	ksock_log_release(&run->ks);
	free(run->check);
	free(run);
}

/* A run of fake_lab holding the frames of tests/captures/NAME, through the dissector and
 * flow tracker as a live run feeds them; its flow table in *ftp (or freed), its first
 * frame's time in *t0p. The caller adds calls and builds the timeline. */
static struct labrun *capture_run(const char *name, struct flow_table **ftp, uint64_t *t0p)
{
	struct labrun *run = calloc(1, sizeof(*run));
	struct flow_table *ft = flow_new();
	char path[700], err[256];
	struct pcapin *in;
	const uint8_t *pkt;
	size_t caplen, wirelen;
	uint64_t ts, t0 = 0;
	uint32_t frame = 0;

	cr_assert(run && ft);
	snprintf(path, sizeof(path), "%s/tests/captures/%s", test_root(), name);
	in = pcapin_open(path, err, sizeof(err));
	cr_assert_not_null(in, "%s", err);
	run->lab = &fake_lab;
	run->variant = &fake_variant;
	timeline_init(&run->tl);
	record_frames_init(&run->frames, pcapin_dlt(in));
	while (pcapin_next(in, &pkt, &caplen, &wirelen, &ts) == 1) {
		struct tcp_segment seg;
		struct flow_info fi;
		struct flow_seg fs;

		if (!t0)
			t0 = ts;
		cr_assert_eq(record_frames_add(&run->frames, pkt, caplen, wirelen, ts), 0);
		seg.frame = ++frame;
		seg.ts_ns = ts;
		if (dissect_packet(pcapin_dlt(in), pkt, caplen, &seg, NULL, 0) != DISSECT_TCP)
			continue;
		cr_assert_eq(flow_track(ft, &seg, &fi), 0);
		flow_seg_set(&fs, &seg, &fi);
		cr_assert_eq(timeline_add_segment(&run->tl, &fs), 0);
	}
	pcapin_free(in);
	if (ftp)
		*ftp = ft;
	else
		flow_free(ft);
	cr_assert_gt(run->tl.nseg, 3);
	*t0p = t0;
	return run;
}

/* The frames of a real capture, and calls, output, marks, variables, checks and counters
 * with a distinct value in every field, so that a field the record drops or swaps shows. */
static struct labrun *made_run(void)
{
	uint64_t t0;
	struct labrun *run = capture_run("rst_unread.pcap", NULL, &t0);

	for (int i = 0; i < 16; i++) {
		struct trace_event ev;

		memset(&ev, 0, sizeof(ev));
		ev.call = (enum trace_call)i;
		snprintf(ev.name, sizeof(ev.name), "call%d", i);
		ev.pid = 100 + i;
		ev.tid = 200 + i;
		ev.fd = i - 1;
		ev.sock = 0x1000000000ull + (uint64_t)i;
		ev.listen_sock = 0x2000000000ull + (uint64_t)i;
		ev.arg = -3 - i;
		ev.arg2 = 1000000000000ll + i;
		ev.ret = i % 3 ? i : -1;
		ev.err = i % 3 ? 0 : ECONNRESET;
		ev.flags = 0x40u << i;
		ev.domain = 2 + i;
		ev.type = 1 + i;
		ev.protocol = 6 + i;
		ev.level = 300 + i;
		ev.opt = 400 + i;
		ev.last = i & 1;
		ev.unfinished = i % 5 == 4;
		ev.t_enter_ns = t0 + (uint64_t)i * 1000;
		ev.t_exit_ns = ev.t_enter_ns + (uint64_t)i * 700;
		ev.addr = (struct trace_addr){ 2, (uint16_t)(8000 + i), { 10, 99, 0, (uint8_t)i } };
		ev.local = (struct trace_addr){ 10, (uint16_t)(9000 + i), { 0xfe, 0x80, [15] = (uint8_t)i } };
		ev.peer = (struct trace_addr){ 2, (uint16_t)(7000 + i), { 10, 99, 0, 2 } };
		ev.cpu_ns = 5000000ull * (uint64_t)i;
		ev.maxrss = 1ull << (20 + i % 8);
		ev.tasks_peak = (uint32_t)(i + 1);
		cr_assert_eq(timeline_add_call(&run->tl, (enum sandbox_host)(i % 2), &ev), 0);
	}
	cr_assert_eq(timeline_add_output(&run->tl, HOST_CLIENT, t0 + 5, "hello, \x1b[2J world", 18), 0);
	run->mark[run->nmark++] = (struct labrun_mark){ LAB_ACT_KILL_SERVER, t0 + 7,
	                                                (uint32_t)run->tl.nout };
	cr_assert_eq(timeline_add_output(&run->tl, TL_HOST_WIRE, t0 + 7, "tcplab: SIGKILL to the"
	                                 " server", 29), 0);
	cr_assert_eq(timeline_add_output(&run->tl, HOST_SERVER, t0 + 9, "", 0), 0);
	cr_assert_eq(timeline_build(&run->tl), 0);

	run->vars.n = 3;
	run->vars.nfixed = 2;
	strcpy(run->vars.v[0].name, "seed");
	strcpy(run->vars.v[0].value, "42");
	strcpy(run->vars.v[1].name, "server");
	strcpy(run->vars.v[1].value, "10.99.0.2");
	strcpy(run->vars.v[2].name, "pieces");
	strcpy(run->vars.v[2].value, "3");
	strcpy(run->server_addr, "10.99.0.2");
	strcpy(run->client_addr, "10.99.0.1");
	run->seed = 0x1234567890abcull;
	run->scenario = 2;
	run->status[0] = 0;
	run->status[1] = 9;
	run->received = 11;
	run->dropped = 1;
	run->calls_unkept[0] = 3;
	run->calls_unkept[1] = 4;
	run->segs_unkept = 5;
	run->stall_ns = 6000000000ull;
	strcpy(run->stall_why, "the client's poll(500 ms) woke 6.0 s late");
	run->disturbed = true;
	run->marker_seen = false;
	run->timed_out = true;
	run->late = true;
	run->conn_id = 0;
	run->cut_ns = t0 + 6;
	run->done = true;
	run->ncheck = 3;
	run->check = calloc(3, sizeof(*run->check));
	cr_assert_not_null(run->check);
	for (size_t i = 0; i < 3; i++) {
		snprintf(run->check[i].name, sizeof(run->check[i].name), "check number %zu", i);
		run->check[i].r.verdict = (enum expect_verdict)i;
		run->check[i].r.seg_index = i == 1 ? -1 : (long)i + 1;
		run->check[i].timed = i == 2;
		snprintf(run->check[i].r.explain, sizeof(run->check[i].r.explain),
		         "because %zu; the RST at segment %zu", i, i + 1);
	}
	run->ninfo = 1;
	strcpy(run->info[0], "fix: SO_LINGER: setsockopt(3, SO_LINGER, 1) = 0");
	/* Kernel samples: an empty one, and three sockets with every field distinct. */
	cr_assert_eq(ksock_log_add(&run->ks, t0 + 11, HOST_CLIENT, KSW_TICK, NULL, 0, true), 0);
	{
		struct ksock ks[3];

		for (int i = 0; i < 3; i++) {
			memset(&ks[i], 0, sizeof(ks[i]));
			ks[i].state = (uint8_t)(KS_TIME_WAIT + i);
			ks[i].timer = (uint8_t)(1 + i);
			ks[i].family = i == 2 ? 10 : 2;
			ks[i].lport = (uint16_t)(8070 + i);
			ks[i].rport = (uint16_t)(40000 + i);
			ks[i].laddr[0] = (uint8_t)(10 + i);
			ks[i].laddr[15] = (uint8_t)(20 + i);
			ks[i].raddr[1] = (uint8_t)(30 + i);
			ks[i].expires_ms = 59000u + (uint32_t)i;
			ks[i].rqueue = 7u + (uint32_t)i;
			ks[i].wqueue = 70u + (uint32_t)i;
			ks[i].inode = 0x3000000000ull + (uint64_t)i;
		}
		cr_assert_eq(ksock_log_add(&run->ks, t0 + 12, HOST_SERVER, KSW_ACT, ks, 3, true), 0);
		cr_assert_eq(ksock_log_add(&run->ks, t0 + 13, HOST_SERVER, KSW_END, ks + 1, 1, true),
		             0);
	}
	strcpy(run->ks_error, "cannot open a sock_diag netlink socket: a test");
	return run;
}

/* ------------------------------------------------------------------ a held program */

/*
 * tests/captures/retransmission.pcap: the client's 13 bytes are resent twice before the
 * server ACKs them. Judged with "assert no-retransmission" while the client's send() of
 * those 13 bytes took LEN_NS: a send that small held for milliseconds is the machine's
 * doing, so the failure is inconclusive; a quick send, or a large one (it may wait for room
 * in the socket buffer), leaves it a failure.
 */
static enum expect_verdict judged_with_send(uint64_t len_ns, long bytes, char *why,
                                            size_t whylen)
{
	static struct lab lab;
	static struct lab_variant v = { .name = "held", .expect = "held.expect" };
	struct flow_table *ft;
	uint64_t t0;
	struct labrun *run = capture_run("retransmission.pcap", &ft, &t0);
	struct trace_event ev;
	struct labrun_check *again;
	size_t n;
	char path[128], err[1024];
	FILE *f;
	enum expect_verdict verdict;

	snprintf(path, sizeof(path), "%s/held.expect", dir);
	cr_assert_not_null(f = fopen(path, "w"));
	fputs("check \"the handshake\"\nc>s S\ns>c S.\nc>s .\n...\n\nassert no-retransmission\n", f);
	cr_assert_eq(fclose(f), 0);
	lab = fake_lab;
	snprintf(lab.dir, sizeof(lab.dir), "%s", dir);
	memset(&ev, 0, sizeof(ev));
	ev.call = TRACE_SEND;
	snprintf(ev.name, sizeof(ev.name), "sendto");
	ev.fd = 3;
	ev.sock = 77;
	ev.arg = bytes;
	ev.ret = bytes;
	ev.local = (struct trace_addr){ 2, 49210, { 127, 0, 0, 1 } };
	ev.peer = (struct trace_addr){ 2, 8000, { 127, 0, 0, 1 } };
	ev.t_enter_ns = t0 + 60000;
	ev.t_exit_ns = ev.t_enter_ns + len_ns;
	cr_assert_eq(timeline_add_call(&run->tl, HOST_CLIENT, &ev), 0);
	cr_assert_eq(timeline_build(&run->tl), 0);
	run->marker_seen = true;
	cr_assert_eq(labrun_rejudge(run, ft, &lab, &v, &again, &n, err, sizeof(err)), 0, "%s",
	             err);
	cr_assert_eq(n, 2);
	cr_expect_eq(again[0].r.verdict, EXPECT_PASS, "%s", again[0].r.explain);
	verdict = again[1].r.verdict;
	snprintf(why, whylen, "%s", again[1].r.explain);
	free(again);
	flow_free(ft);
	free_run(run);
	return verdict;
}

Test(record, a_retransmission_while_the_sender_was_held_is_inconclusive)
{
	char why[1024];

	cr_expect_eq(judged_with_send(500000000, 13, why, sizeof(why)), EXPECT_INCONCLUSIVE,
	             "%s", why);
	cr_expect(strstr(why, "the client's sendto(3, 13) was held up 500.0 ms by the machine"
	                 " with room in its socket buffer"), "%s", why);
	cr_expect_eq(judged_with_send(100000, 13, why, sizeof(why)), EXPECT_FAIL, "%s", why);
	cr_expect_eq(judged_with_send(500000000, 1 << 20, why, sizeof(why)), EXPECT_FAIL, "%s",
	             why);
}

/* ------------------------------------------------------------------ comparing two runs */

static void same_call(const struct tl_call *a, const struct tl_call *b, size_t i)
{
	const struct trace_event *x = &a->ev, *y = &b->ev;

	cr_expect_eq(a->host, b->host, "call %zu", i);
	cr_expect_eq(x->call, y->call, "call %zu", i);
	cr_expect_str_eq(x->name, y->name, "call %zu", i);
	cr_expect_eq(x->pid, y->pid, "call %zu", i);
	cr_expect_eq(x->tid, y->tid, "call %zu", i);
	cr_expect_eq(x->fd, y->fd, "call %zu", i);
	cr_expect_eq(x->sock, y->sock, "call %zu", i);
	cr_expect_eq(x->listen_sock, y->listen_sock, "call %zu", i);
	cr_expect_eq(x->arg, y->arg, "call %zu", i);
	cr_expect_eq(x->arg2, y->arg2, "call %zu", i);
	cr_expect_eq(x->ret, y->ret, "call %zu", i);
	cr_expect_eq(x->err, y->err, "call %zu", i);
	cr_expect_eq(x->flags, y->flags, "call %zu", i);
	cr_expect_eq(x->domain, y->domain, "call %zu", i);
	cr_expect_eq(x->type, y->type, "call %zu", i);
	cr_expect_eq(x->protocol, y->protocol, "call %zu", i);
	cr_expect_eq(x->level, y->level, "call %zu", i);
	cr_expect_eq(x->opt, y->opt, "call %zu", i);
	cr_expect_eq(x->last, y->last, "call %zu", i);
	cr_expect_eq(x->unfinished, y->unfinished, "call %zu", i);
	cr_expect_eq(x->t_enter_ns, y->t_enter_ns, "call %zu", i);
	cr_expect_eq(x->t_exit_ns, y->t_exit_ns, "call %zu", i);
	cr_expect_eq(x->cpu_ns, y->cpu_ns, "call %zu", i);
	cr_expect_eq(x->maxrss, y->maxrss, "call %zu", i);
	cr_expect_eq(x->tasks_peak, y->tasks_peak, "call %zu", i);
	cr_expect(!memcmp(&x->addr, &y->addr, sizeof(x->addr)) &&
	          !memcmp(&x->local, &y->local, sizeof(x->local)) &&
	          !memcmp(&x->peer, &y->peer, sizeof(x->peer)), "call %zu: addresses", i);
}

static void same_segment(const struct flow_seg *a, const struct flow_seg *b, size_t i)
{
	cr_expect_eq(a->seg.frame, b->seg.frame, "segment %zu", i);
	cr_expect_eq(a->seg.ts_ns, b->seg.ts_ns, "segment %zu", i);
	cr_expect_eq(a->seg.sport, b->seg.sport, "segment %zu", i);
	cr_expect_eq(a->seg.dport, b->seg.dport, "segment %zu", i);
	cr_expect_eq(a->seg.flags, b->seg.flags, "segment %zu", i);
	cr_expect_eq(a->seg.seq, b->seg.seq, "segment %zu", i);
	cr_expect_eq(a->seg.ack, b->seg.ack, "segment %zu", i);
	cr_expect_eq(a->seg.len, b->seg.len, "segment %zu", i);
	cr_expect_eq(a->seg.caplen_payload, b->seg.caplen_payload, "segment %zu", i);
	cr_expect(a->seg.caplen_payload == b->seg.caplen_payload &&
	          (!a->seg.caplen_payload ||
	           !memcmp(a->seg.payload, b->seg.payload, a->seg.caplen_payload)),
	          "segment %zu: payload", i);
	cr_expect_eq(a->dir, b->dir, "segment %zu", i);
	cr_expect_eq(a->conn_id, b->conn_id, "segment %zu", i);
	cr_expect_eq(a->rel_seq, b->rel_seq, "segment %zu", i);
	cr_expect_eq(a->rel_ack, b->rel_ack, "segment %zu", i);
	cr_expect_eq(a->win_scaled, b->win_scaled, "segment %zu", i);
	cr_expect_eq(a->analysis, b->analysis, "segment %zu", i);
}

/* Everything a run holds that a record saves: its timeline, frames, verdicts, counters. */
static void same_run(const struct labrun *a, const struct labrun *b)
{
	const struct timeline *x = &a->tl, *y = &b->tl;

	cr_assert_eq(x->nseg, y->nseg);
	for (size_t i = 0; i < x->nseg; i++)
		same_segment(&x->seg[i], &y->seg[i], i);
	cr_assert_eq(x->ncall, y->ncall);
	for (size_t i = 0; i < x->ncall; i++)
		same_call(&x->call[i], &y->call[i], i);
	cr_assert_eq(x->nout, y->nout);
	for (size_t i = 0; i < x->nout; i++) {
		cr_expect_eq(x->out[i].host, y->out[i].host, "line %zu", i);
		cr_expect_eq(x->out[i].t_ns, y->out[i].t_ns, "line %zu", i);
		cr_expect_str_eq(x->out[i].text, y->out[i].text, "line %zu", i);
	}
	cr_assert_eq(x->nentry, y->nentry);
	for (size_t i = 0; i < x->nentry; i++)
		cr_expect(x->entry[i].t_ns == y->entry[i].t_ns && x->entry[i].kind == y->entry[i].kind &&
		          x->entry[i].phase == y->entry[i].phase &&
		          x->entry[i].index == y->entry[i].index, "timeline entry %zu", i);
	cr_expect_eq(x->t0, y->t0);

	cr_assert_eq(a->frames.n, b->frames.n);
	for (size_t i = 0; i < a->frames.n; i++) {
		const struct record_frame *f = &a->frames.f[i], *g = &b->frames.f[i];

		cr_expect(f->ts_ns == g->ts_ns && f->caplen == g->caplen && f->wirelen == g->wirelen &&
		          !memcmp(a->frames.buf + f->off, b->frames.buf + g->off, f->caplen),
		          "frame %zu", i + 1);
	}

	cr_assert_eq(a->nmark, b->nmark);
	for (size_t i = 0; i < a->nmark; i++)
		cr_expect(a->mark[i].kind == b->mark[i].kind && a->mark[i].t_ns == b->mark[i].t_ns &&
		          a->mark[i].out_index == b->mark[i].out_index, "mark %zu", i);
	cr_assert_eq(a->vars.n, b->vars.n);
	cr_expect_eq(a->vars.nfixed, b->vars.nfixed);
	for (size_t i = 0; i < a->vars.n; i++) {
		cr_expect_str_eq(a->vars.v[i].name, b->vars.v[i].name);
		cr_expect_str_eq(a->vars.v[i].value, b->vars.v[i].value);
	}
	cr_assert_eq(a->ncheck, b->ncheck);
	for (size_t i = 0; i < a->ncheck; i++) {
		cr_expect_str_eq(a->check[i].name, b->check[i].name);
		cr_expect_eq(a->check[i].r.verdict, b->check[i].r.verdict, "%s", a->check[i].name);
		cr_expect_eq(a->check[i].r.seg_index, b->check[i].r.seg_index, "%s", a->check[i].name);
		cr_expect_eq(a->check[i].timed, b->check[i].timed, "%s", a->check[i].name);
		cr_expect_str_eq(a->check[i].r.explain, b->check[i].r.explain);
	}
	cr_assert_eq(a->ninfo, b->ninfo);
	for (size_t i = 0; i < a->ninfo; i++)
		cr_expect_str_eq(a->info[i], b->info[i]);
	cr_expect_str_eq(a->server_addr, b->server_addr);
	cr_expect_str_eq(a->client_addr, b->client_addr);
	cr_expect_eq(a->seed, b->seed);
	cr_expect_eq(a->scenario, b->scenario);
	cr_expect(a->status[0] == b->status[0] && a->status[1] == b->status[1]);
	cr_expect(a->received == b->received && a->dropped == b->dropped);
	cr_expect(a->calls_unkept[0] == b->calls_unkept[0] && a->calls_unkept[1] == b->calls_unkept[1]);
	cr_expect_eq(a->segs_unkept, b->segs_unkept);
	cr_expect_eq(a->stall_ns, b->stall_ns);
	cr_expect_str_eq(a->stall_why, b->stall_why);
	cr_expect(a->disturbed == b->disturbed && a->marker_seen == b->marker_seen &&
	          a->timed_out == b->timed_out && a->late == b->late);
	cr_expect_eq(a->conn_id, b->conn_id);
	cr_expect_eq(a->cut_ns, b->cut_ns);
	cr_assert_eq(a->ks.nsample, b->ks.nsample);
	for (size_t i = 0; i < a->ks.nsample; i++) {
		const struct ksock_sample *s = &a->ks.sample[i], *t = &b->ks.sample[i];

		cr_expect(s->t_ns == t->t_ns && s->host == t->host && s->why == t->why &&
		          s->n == t->n, "kernel sample %zu", i);
		for (uint32_t k = 0; k < s->n && s->n == t->n; k++)
			cr_expect_eq(memcmp(&a->ks.sock[s->first + k], &b->ks.sock[t->first + k],
			                    sizeof(struct ksock)), 0, "sample %zu socket %u", i, k);
	}
	cr_expect_str_eq(a->ks_error, b->ks_error);
}

/* ------------------------------------------------------------------ round trips */

Test(record, every_field_of_a_run_round_trips)
{
	struct labrun *run = made_run();
	struct record *rec;
	char path[128], err[512];

	snprintf(path, sizeof(path), "%s/made.pcapng", dir);
	cr_assert_eq(record_write_run(path, run, err, sizeof(err)), 0, "%s", err);
	cr_expect(record_probe(path));
	cr_assert_eq(record_read(path, &rec, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(rec->kind, RECORD_RUN);
	cr_expect_eq(rec->version, RECORD_VERSION);
	cr_expect_eq(rec->lab_number, 7);
	cr_expect_str_eq(rec->lab_slug, "07-made-up");
	cr_expect_str_eq(rec->lab_title, "A lab made up for the test");
	cr_expect_str_eq(rec->variant, "by-hand");
	cr_expect_null(rec->run->lab);
	cr_expect_null(rec->check_score);
	same_run(run, rec->run);
	record_free(rec);
	free_run(run);
}

Test(record, a_grade_keeps_its_scores_and_its_run)
{
	struct labrun *run = made_run();
	struct grade_check checks[2] = {
		{ "the client connects once", EXPECT_PASS, "1 call", 1, 1 },
		{ "check number 1", EXPECT_FAIL, "it did not", 0, 1 },
	};
	struct grade_result g = {
		.lab = 7, .title = "A lab made up for the test", .check = checks, .ncheck = 2,
		.score = 1, .max = 2, .seed = 99, .scenarios = 3, .run = run,
		.note = "memory was limited per process only",
	};
	struct record *rec;
	char path[128], err[512];

	snprintf(path, sizeof(path), "%s/grade.pcapng", dir);
	cr_assert_eq(record_write_grade(path, &g, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(record_read(path, &rec, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(rec->kind, RECORD_GRADE);
	cr_expect(rec->score == 1 && rec->max == 2 && rec->scenarios == 3);
	cr_expect_str_eq(rec->note, "memory was limited per process only");
	cr_assert_eq(rec->run->ncheck, 2);
	cr_expect_str_eq(rec->run->check[1].name, "check number 1");
	cr_expect_eq(rec->run->check[1].r.verdict, EXPECT_FAIL);
	cr_expect_str_eq(rec->run->check[1].r.explain, "it did not");
	cr_expect(rec->check_score[0] == 1 && rec->check_max[0] == 1 && rec->check_score[1] == 0);
	/* The evidence of the run's own check of the same name. */
	cr_expect_eq(rec->run->check[1].r.seg_index, -1);
	cr_expect_eq(rec->run->tl.ncall, run->tl.ncall);
	cr_expect_eq(rec->run->frames.n, run->frames.n);
	record_free(rec);

	/* A grade whose build failed has no run: a record of its checks and seed still. */
	g.run = NULL;
	cr_assert_eq(record_write_grade(path, &g, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(record_read(path, &rec, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(rec->run->seed, 99);
	cr_expect_eq(rec->run->tl.nseg, 0);
	cr_expect_eq(rec->run->ncheck, 2);
	record_free(rec);
	free_run(run);
}

/* Found by fuzz_record: a packet of no bytes, before any buffer of frames exists. */
Test(record, an_empty_packet_round_trips)
{
	struct labrun *run = calloc(1, sizeof(*run));
	struct record *rec;
	char path[128], err[512];

	cr_assert_not_null(run);
	run->conn_id = -1;
	timeline_init(&run->tl);
	record_frames_init(&run->frames, 1);
	cr_assert_eq(record_frames_add(&run->frames, (const uint8_t *)"", 0, 60, 1000), 0);
	cr_assert_eq(timeline_build(&run->tl), 0);
	snprintf(path, sizeof(path), "%s/empty-packet.pcapng", dir);
	cr_assert_eq(record_write_run(path, run, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(record_read(path, &rec, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(rec->run->frames.n, 1);
	cr_expect(rec->run->frames.f[0].caplen == 0 && rec->run->frames.f[0].wirelen == 60 &&
	          rec->run->frames.f[0].ts_ns == 1000);
	cr_expect_eq(rec->run->tl.nseg, 0);
	record_free(rec);
	free_run(run);
}

/* ------------------------------------------------------------------ hostile files */

static uint8_t *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b;
	long len;

	cr_assert_not_null(f);
	cr_assert_eq(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	rewind(f);
	b = malloc((size_t)len + 1);
	cr_assert_not_null(b);
	cr_assert_eq(fread(b, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	*n = (size_t)len;
	return b;
}

/* Read a record from memory; returns what record_read_file() returned, message in err. */
static int read_bytes(const uint8_t *b, size_t n, char *err, size_t errlen)
{
	FILE *f = fmemopen(n ? (void *)b : (void *)"", n, "rb");
	struct record *rec = NULL;
	int r;

	cr_assert_not_null(f);
	err[0] = '\0';
	r = record_read_file(f, "x.pcapng", &rec, err, errlen);
	fclose(f);
	record_free(rec);
	return r;
}

static uint8_t *made_record(size_t *n)
{
	struct labrun *run = made_run();
	char path[128], err[512];
	uint8_t *b;

	snprintf(path, sizeof(path), "%s/made.pcapng", dir);
	cr_assert_eq(record_write_run(path, run, err, sizeof(err)), 0, "%s", err);
	free_run(run);
	b = slurp(path, n);
	cr_assert_eq(read_bytes(b, *n, err, sizeof(err)), 0, "%s", err);
	return b;
}

Test(record, every_truncation_is_refused_with_a_message)
{
	size_t n;
	uint8_t *b = made_record(&n);
	char err[512];

	for (size_t len = 0; len < n; len++) {
		cr_assert_eq(read_bytes(b, len, err, sizeof(err)), -1, "cut at %zu of %zu bytes"
		             " was read as whole", len, n);
		cr_assert(strstr(err, "'x.pcapng'") && (strstr(err, "truncated") ||
		          strstr(err, "empty") || strstr(err, "too short")),
		          "cut at %zu: %s", len, err);
	}
	free(b);
}

/* The offset of the first tcplab block of event type, walking the file's blocks. */
static size_t find_event(const uint8_t *b, size_t n, int type)
{
	size_t off = 0;

	while (off + 12 <= n) {
		uint32_t btype, len;

		memcpy(&btype, b + off, 4);
		memcpy(&len, b + off + 4, 4);
		if (btype == RECORD_BLOCK_TYPE && b[off + 18] == type)
			return off;
		off += len;
	}
	cr_assert_fail("no event of type %d", type);
	return 0;
}

struct corruption {
	int type;               /* the event to damage (docs/record-format.md numbers) */
	size_t at;              /* byte offset in the block */
	uint8_t value;
	char says[80];          /* what the message must say */
};

/* A call's body starts at byte 24 of its block; its name's length is 180 bytes in. */
static struct corruption corruptions[] = {
	{ 3, 4, 0xff, "has a length of" },                  /* block length 0x...ff */
	{ 3, 24 + 180, 0xff, "damaged socket call: a text in it is longer" },
	{ 3, 24, 7, "unknown host" },
	{ 3, 25, 99, "unknown host or kind" },
	{ 3, 16, 99, "version 99" },
	{ 3, 20, 0xff, "contents overrun it" },             /* its payload length */
	{ 1, 24, 9, "neither a run nor a grade" },
	{ 6, 24, 7, "unknown verdict" },
	{ 8, 28, 3, "blocks are missing" },                 /* the end block's call count */
	{ 4, 24, 5, "unknown host" },
	{ 9, 24, 2, "kernel sample of an unknown host" },
	{ 9, 37, 0xff, "too many sockets" },                /* its socket count */
	{ 8, 48, 9, "another number of kernel samples" },   /* the end block's sample count */
};

ParameterizedTestParameters(record, a_damaged_block_is_refused_by_name)
{
	return cr_make_param_array(struct corruption, corruptions,
	                           sizeof(corruptions) / sizeof(corruptions[0]));
}

ParameterizedTest(struct corruption *c, record, a_damaged_block_is_refused_by_name)
{
	size_t n, off;
	uint8_t *b = made_record(&n);
	char err[512];

	off = find_event(b, n, c->type);
	b[off + c->at] = c->value;
	cr_assert_eq(read_bytes(b, n, err, sizeof(err)), -1, "damage not noticed");
	cr_expect(strstr(err, c->says), "message: %s", err);
	cr_expect(strstr(err, "'x.pcapng'"), "message: %s", err);
	free(b);
}

Test(record, a_trailer_that_disagrees_is_refused)
{
	size_t n, off;
	uint32_t len;
	uint8_t *b = made_record(&n);
	char err[512];

	off = find_event(b, n, 3);
	memcpy(&len, b + off + 4, 4);
	b[off + len - 4] ^= 4;
	cr_assert_eq(read_bytes(b, n, err, sizeof(err)), -1);
	cr_expect(strstr(err, "different lengths at its start and its end"), "%s", err);
	free(b);
}

Test(record, plain_captures_are_not_records)
{
	char path[700], err[512];
	struct record *rec;
	size_t n;
	uint8_t *b;

	snprintf(path, sizeof(path), "%s/tests/captures/client_close_first.pcap", test_root());
	cr_expect_not(record_probe(path));
	cr_assert_eq(record_read(path, &rec, err, sizeof(err)), -1);
	cr_expect(strstr(err, "is not a tcplab record: it is a pcap file"), "%s", err);
	snprintf(path, sizeof(path), "%s/no-such-file", dir);
	cr_expect_not(record_probe(path));
	cr_assert_eq(record_read(path, &rec, err, sizeof(err)), -1);
	cr_expect(strstr(err, "cannot open"), "%s", err);

	/* A record with tcplab's blocks and its header's option made another enterprise's: a
	 * pcapng file, but not a record. */
	b = made_record(&n);
	b[40] ^= 1;                     /* the section header's custom option's PEN */
	for (size_t off = 0; off + 12 <= n;) {
		uint32_t type, len;

		memcpy(&type, b + off, 4);
		memcpy(&len, b + off + 4, 4);
		if (type == RECORD_BLOCK_TYPE)
			b[off + 8] ^= 1;        /* another enterprise's block now: skipped */
		off += len;
	}
	cr_assert_eq(read_bytes(b, n, err, sizeof(err)), -1);
	cr_expect(strstr(err, "a pcapng file without tcplab's blocks"), "%s", err);
	free(b);
}

Test(record, an_existing_link_is_never_written_through)
{
	char path[128], target[128], err[512];
	struct labrun *run = made_run();
	struct stat st;

	snprintf(target, sizeof(target), "%s/precious", dir);
	snprintf(path, sizeof(path), "%s/link.pcapng", dir);
	cr_assert_eq(symlink(target, path), 0);
	cr_expect_eq(record_write_run(path, run, err, sizeof(err)), -1);
	cr_expect(strstr(err, "symbolic link"), "%s", err);
	cr_expect_eq(stat(target, &st), -1, "the link's target was created");
	free_run(run);
}

Test(record, a_full_disk_is_an_error_not_a_short_file)
{
	struct labrun *run = made_run();
	char err[512];

	if (access("/dev/full", W_OK) != 0)
		cr_skip_test("no writable /dev/full here to stand for a full disk");
	cr_expect_eq(record_write_run("/dev/full", run, err, sizeof(err)), -1);
	cr_expect(strstr(err, "cannot write '/dev/full'") && strstr(err, "no space"), "%s", err);
	free_run(run);
}

/* Refused before the lab runs, as --pcap is: a link is never written through, and the
 * record and the capture cannot be one file. */
Test(record, run_refuses_a_bad_record_target_before_running)
{
	static struct tcplab_result r;
	char path[128], target[128];

	snprintf(target, sizeof(target), "%s/precious", dir);
	snprintf(path, sizeof(path), "%s/link.pcapng", dir);
	cr_assert_eq(symlink(target, path), 0);
	tcplab_run(&r, (const char *[]){ "run", "1", "--record", path, NULL });
	cr_expect_eq(r.status, 2, "%s%s", r.out, r.err);
	cr_expect(strstr(r.err, "symbolic link"), "%s", r.err);
	cr_expect_null(strstr(r.out, "checks passed"), "the lab ran: %s", r.out);
	snprintf(path, sizeof(path), "%s/both.pcapng", dir);
	tcplab_run(&r, (const char *[]){ "run", "1", "--record", path, "--pcap", path, NULL });
	cr_expect_eq(r.status, 2, "%s%s", r.out, r.err);
	cr_expect(strstr(r.err, "name the same file"), "%s", r.err);
}

/* ------------------------------------------------------------------ real runs */

struct variant {
	int lab;
	char slug[32];
	char name[32];
};

static struct variant real[] = {
	{ 1, "01-handshake", "client-first" },
	{ 2, "02-nagle", "burst-nagle" },       /* timed checks and a pace */
	{ 4, "04-rst", "kill-unread" },
	{ 4, "04-rst", "cable-heartbeat" },
};

static struct labrun *run_live(const struct variant *v, struct lab *lab)
{
	struct labrun_opts o = { .build = test_build(), .keep_frames = true, .seed = 5 };
	struct labrun *run;
	char path[600], err[1024];

	if (geteuid() != 0)
		cr_skip_test("runs the lab inside the test process, which needs root");
	snprintf(path, sizeof(path), "%s/labs/%s", test_root(), v->slug);
	cr_assert_eq(lab_load(path, lab, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(labrun_run(lab, lab_variant_find(lab, v->name), &o, &run, err, sizeof(err)),
	             0, "%s", err);
	return run;
}

/*
 * Judged again from its record (labrun_rejudge()), every expected-sequence and lab check
 * has the live verdict; a passing one the live explanation too (a failing wire check's
 * live explanation also names the program's last call, which judging again leaves out).
 */
static void same_verdicts_again(const struct labrun *live, const struct record *rec,
                                const struct lab *lab, const struct lab_variant *v)
{
	struct labrun_check *again;
	size_t n;
	char err[1024];

	cr_assert_not_null(v);
	cr_assert_eq(labrun_rejudge(rec->run, rec->ft, lab, v, &again, &n, err, sizeof(err)), 0,
	             "%s", err);
	cr_assert_geq(n, 3);
	for (size_t i = 0; i < n; i++) {
		const struct labrun_check *k = NULL;

		for (size_t j = 0; j < live->ncheck && !k; j++)
			if (!strcmp(live->check[j].name, again[i].name))
				k = &live->check[j];
		cr_assert_not_null(k, "'%s' was not a check of the live run", again[i].name);
		cr_expect_eq(again[i].r.verdict, k->r.verdict, "'%s': %s again, %s live: %s",
		             k->name, expect_verdict_str(again[i].r.verdict),
		             expect_verdict_str(k->r.verdict), again[i].r.explain);
		if (k->r.verdict == EXPECT_PASS)
			cr_expect_str_eq(again[i].r.explain, k->r.explain);
		cr_expect_eq(again[i].r.seg_index, k->r.seg_index, "'%s'", k->name);
	}
	free(again);
}

ParameterizedTestParameters(record, a_real_run_reads_back_as_it_ran)
{
	return cr_make_param_array(struct variant, real, sizeof(real) / sizeof(real[0]));
}

ParameterizedTest(struct variant *v, record, a_real_run_reads_back_as_it_ran, .timeout = 60)
{
	static struct lab lab;
	struct labrun *run = run_live(v, &lab);
	struct record *rec;
	char path[128], err[1024];
	size_t calls[2] = { 0, 0 };

	snprintf(path, sizeof(path), "%s/run.pcapng", dir);
	cr_assert_eq(record_write_run(path, run, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(record_read(path, &rec, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(rec->lab_number, v->lab);
	cr_expect_str_eq(rec->variant, v->name);
	/* Both hosts' calls, and as many frames as the capture kept. */
	for (size_t i = 0; i < rec->run->tl.ncall; i++)
		calls[rec->run->tl.call[i].host]++;
	cr_expect(calls[HOST_CLIENT] > 3 && calls[HOST_SERVER] > 3, "%zu and %zu calls",
	          calls[0], calls[1]);
	cr_expect_geq(rec->run->frames.n, rec->run->tl.nseg);
	cr_expect_gt(rec->run->tl.nseg, 3);
	if (strstr(v->name, "cable") || strstr(v->name, "kill"))
		cr_expect_eq(rec->run->nmark, 1, "the lab's act is a mark");
	same_run(run, rec->run);
	same_verdicts_again(run, rec, &lab, lab_variant_find(&lab, v->name));
	record_free(rec);
	labrun_free(run);
}

/* A student's program that does nothing: the run fails most of its checks, and judged again
 * from its record, it fails them the same way. */
Test(record, a_failing_run_is_judged_again_to_the_same_failures, .timeout = 60)
{
	static struct lab lab;
	struct labrun_opts o = { .build = test_build(), .keep_frames = true, .seed = 3,
	                         .student = "/bin/true" };
	struct labrun *run;
	struct record *rec;
	char path[600], err[1024];
	size_t failed = 0;

	if (geteuid() != 0)
		cr_skip_test("runs the lab inside the test process, which needs root");
	snprintf(path, sizeof(path), "%s/labs/01-handshake", test_root());
	cr_assert_eq(lab_load(path, &lab, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(labrun_run(&lab, &lab.exercise, &o, &run, err, sizeof(err)), 0, "%s", err);
	for (size_t i = 0; i < run->ncheck; i++)
		failed += run->check[i].r.verdict == EXPECT_FAIL;
	cr_assert_geq(failed, 3, "a program that does nothing failed %zu checks", failed);
	snprintf(path, sizeof(path), "%s/fails.pcapng", dir);
	cr_assert_eq(record_write_run(path, run, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(record_read(path, &rec, err, sizeof(err)), 0, "%s", err);
	same_verdicts_again(run, rec, &lab, &lab.exercise);
	record_free(rec);
	labrun_free(run);
}

/* 'tcplab check RECORD' says so when a verdict judged again is not the one recorded. */
Test(record, check_on_a_record_names_a_verdict_that_differs, .timeout = 60)
{
	static struct tcplab_result judged;
	struct labrun *run;
	static struct lab lab;
	char path[128], err[1024];
	bool flipped = false;

	run = run_live(&real[0], &lab);
	for (size_t i = 0; i < run->ncheck && !flipped; i++) {
		if (strcmp(run->check[i].name, "no RST in the connection"))
			continue;
		run->check[i].r.verdict = EXPECT_FAIL;
		flipped = true;
	}
	cr_assert(flipped, "lab 1 has no check 'no RST in the connection' any more");
	snprintf(path, sizeof(path), "%s/flipped.pcapng", dir);
	cr_assert_eq(record_write_run(path, run, err, sizeof(err)), 0, "%s", err);
	labrun_free(run);
	tcplab_run(&judged, (const char *[]){ "check", path, NULL });
	cr_expect_eq(judged.status, 1, "%s%s", judged.out, judged.err);
	cr_expect(strstr(judged.out, "PASS  no RST in the connection  (the run said FAIL)"), "%s",
	          judged.out);
	cr_expect(strstr(judged.out, "1 of 9 verdicts differ from the run's"), "%s", judged.out);
}

/* The same through the command line: 'tcplab inspect' prints the ladder and checks that
 * 'tcplab run' printed, byte for byte; --pcap and the record hold the same packets. */
static const char *section(const char *out, char *buf, size_t len)
{
	const char *from = strstr(out, "        ms  client");
	const char *to = from ? strstr(from, " checks passed\n") : NULL;

	cr_assert(from && to, "no ladder and checks in:\n%s", out);
	to += strlen(" checks passed\n");
	cr_assert_lt((size_t)(to - from), len);
	memcpy(buf, from, (size_t)(to - from));
	buf[to - from] = '\0';
	return buf;
}

Test(record, inspect_prints_what_run_printed, .timeout = 60)
{
	static struct tcplab_result run, shown;
	static char a[64 * 1024], b[64 * 1024];
	char rec[128], pcap[128], err[512];
	struct pcapin *in;
	struct record *r;
	const uint8_t *pkt;
	size_t caplen, wirelen, i = 0;
	uint64_t ts;

	if (geteuid() != 0)
		cr_skip_test("running a lab needs root here");
	snprintf(rec, sizeof(rec), "%s/lab1.pcapng", dir);
	snprintf(pcap, sizeof(pcap), "%s/lab1.pcap", dir);
	tcplab_run(&run, (const char *[]){ "run", "1", "--variant", "half-close", "--record", rec,
	                                   "--pcap", pcap, NULL });
	cr_assert_eq(run.status, 0, "%s%s", run.out, run.err);
	cr_expect(strstr(run.out, "run record saved to "), "%s", run.out);
	tcplab_run(&shown, (const char *[]){ "inspect", rec, NULL });
	cr_assert_eq(shown.status, 0, "%s%s", shown.out, shown.err);
	cr_expect(strstr(shown.out, "run of lab 1: "), "%s", shown.out);
	cr_expect(strstr(shown.out, "shutdown(3, SHUT_WR)"), "%s", shown.out);
	cr_expect_str_eq(section(run.out, a, sizeof(a)), section(shown.out, b, sizeof(b)));

	cr_assert_eq(record_read(rec, &r, err, sizeof(err)), 0, "%s", err);
	in = pcapin_open(pcap, err, sizeof(err));
	cr_assert_not_null(in, "%s", err);
	while (pcapin_next(in, &pkt, &caplen, &wirelen, &ts) == 1) {
		const struct record_frame *f = &r->run->frames.f[i];

		cr_assert_lt(i, r->run->frames.n);
		cr_expect(f->ts_ns == ts && f->caplen == caplen &&
		          !memcmp(r->run->frames.buf + f->off, pkt, caplen), "frame %zu", i + 1);
		i++;
	}
	cr_expect_eq(i, r->run->frames.n);
	pcapin_free(in);
	record_free(r);

	/* Its packets, as for any capture. */
	tcplab_run(&shown, (const char *[]){ "inspect", "--tsv", rec, NULL });
	cr_assert_eq(shown.status, 0, "%s", shown.err);
	cr_expect(strstr(shown.out, "\n1\t0.000000\t10.99.0.1\t"), "%s", shown.out);
}

/* Re-judging a saved run: 'tcplab check' on the record, with the variant's expected
 * sequence, gives each wire check the verdict the live run gave it. */
Test(record, check_on_a_record_gives_the_live_wire_verdicts, .timeout = 60)
{
	static struct tcplab_result run, judged;
	char rec[128], spec[700], line[256];
	size_t n = 0;

	if (geteuid() != 0)
		cr_skip_test("running a lab needs root here");
	snprintf(rec, sizeof(rec), "%s/lab1.pcapng", dir);
	snprintf(spec, sizeof(spec), "%s/labs/01-handshake/server-first.expect", test_root());
	tcplab_run(&run, (const char *[]){ "run", "1", "--variant", "server-first", "--record",
	                                   rec, NULL });
	cr_assert_eq(run.status, 0, "%s%s", run.out, run.err);
	tcplab_run(&judged, (const char *[]){ "check", rec, spec, NULL });
	cr_assert_eq(judged.status, 0, "%s%s", judged.out, judged.err);
	for (const char *p = judged.out; (p = strstr(p, "\nPASS  ")); p++) {
		char name[200];

		cr_assert_eq(sscanf(p + 7, "%199[^\n]", name), 1);
		snprintf(line, sizeof(line), "  PASS         %s\n", name);
		cr_expect(strstr(run.out, line), "'%s' passed on the record, not in the run:\n%s",
		          name, run.out);
		n++;
	}
	cr_expect_geq(n, 3, "%s", judged.out);
}

Test(record, grade_record_holds_the_report, .timeout = 90)
{
	static struct tcplab_result grade, shown;
	char rec[128], src[700];

	if (geteuid() != 0)
		cr_skip_test("grading needs root here");
	snprintf(rec, sizeof(rec), "%s/grade.pcapng", dir);
	snprintf(src, sizeof(src), "%s/solutions/01-handshake", test_root());
	tcplab_run(&grade, (const char *[]){ "grade", "1", "--src", src, "--record", rec, NULL });
	cr_assert_eq(grade.status, 0, "%s%s", grade.out, grade.err);
	tcplab_run(&shown, (const char *[]){ "inspect", "--ladder", rec, NULL });
	cr_assert_eq(shown.status, 0, "%s%s", shown.out, shown.err);
	cr_expect(strstr(shown.out, "grade of lab 1: "), "%s", shown.out);
	cr_expect(strstr(shown.out, "connect(3, 10.99.0.2:8000"), "%s", shown.out);
	cr_expect(strstr(grade.out, "every check passed") && strstr(shown.out, "score 13 of 13"),
	          "%s\n----\n%s", grade.out, shown.out);
}

/* Wireshark's reader takes the record: exit 0, no complaint, the packets numbered as
 * tcplab numbers them, tcplab's blocks after them. */
Test(record, tshark_reads_a_record, .timeout = 60)
{
	struct labrun *run = made_run();
	char path[128], cmd[600], err[512], out[128];
	size_t nframes = run->frames.n;
	FILE *p;
	int status;
	size_t lines = 0, last = 0, n;

	if (system("command -v tshark >/dev/null 2>&1") != 0)
		cr_skip_test("tshark is not installed ('apt-get install tshark'; make deps-test does)");
	snprintf(path, sizeof(path), "%s/made.pcapng", dir);
	cr_assert_eq(record_write_run(path, run, err, sizeof(err)), 0, "%s", err);
	free_run(run);
	snprintf(cmd, sizeof(cmd), "tshark -r '%s' -Y 'frame.encap_type' -T fields -e frame.number"
	         " 2>'%s/tshark.err'", path, dir);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	while (fgets(out, sizeof(out), p)) {
		cr_assert_eq(sscanf(out, "%zu", &n), 1, "%s", out);
		cr_expect_eq(n, last + 1, "packet numbers run 1, 2, ...: %zu after %zu", n, last);
		last = n;
		lines++;
	}
	status = pclose(p);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "tshark exit status %d", status);
	cr_expect_eq(lines, nframes, "tshark saw %zu packets of %zu", lines, nframes);
	snprintf(cmd, sizeof(cmd), "%s/tshark.err", dir);
	{
		char *e = test_slurp(cmd);

		/* As root it warns that it runs as root; nothing else is allowed. */
		for (char *l = strtok(e, "\n"); l; l = strtok(NULL, "\n"))
			cr_expect(strstr(l, "Running as user"), "tshark said: %s", l);
		free(e);
	}
}
