/* summary: the ladder model: rows built once from real captures, in one notation, with gaps, separators and measures. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/capfile.h"
#include "capture/dissect.h"
#include "capture/pktindex.h"
#include "engine/labrun.h"
#include "engine/ladder.h"
#include "engine/record.h"
#include "engine/sandbox.h"

/*
 * Every ladder here reads a real capture: tests/captures/ (made by make-captures.sh on
 * the loopback) and the two lab 2 runs the TUI tests replay. Calls, where a test needs
 * them, are placed at the capture's own segment times, as the tracer would report the
 * program around them.
 */

static const char *root(void)
{
	const char *r = getenv("TCPLAB_ROOT");
	return r ? r : ".";
}

static void path_of(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", root(), name);
}

static int by_frame(const void *a, const void *b)
{
	const struct flow_seg *x = a, *y = b;
	return x->seg.frame < y->seg.frame ? -1 : x->seg.frame > y->seg.frame;
}

/* The capture's segments in capture order (every connection). Caller frees. */
static struct flow_seg *load_segs(const char *name, size_t *n)
{
	struct capfile cf;
	char path[1024], err[256];
	struct flow_seg *all;
	size_t k = 0, total = 0;

	path_of(path, sizeof path, name);
	cr_assert_eq(capfile_load(path, -1, 100000, &cf, err, sizeof err), 0, "%s: %s", path, err);
	for (size_t c = 0; c < cf.nconn; c++)
		total += capfile_conn(&cf, c)->nseg;
	all = calloc(total ? total : 1, sizeof *all);
	cr_assert_not_null(all);
	for (size_t c = 0; c < cf.nconn; c++) {
		const struct capfile_conn *cc = capfile_conn(&cf, c);
		memcpy(all + k, cc->seg, cc->nseg * sizeof *all);
		k += cc->nseg;
	}
	qsort(all, total, sizeof *all, by_frame);
	for (size_t i = 0; i < total; i++)
		all[i].seg.caplen_payload = 0;  /* capfile keeps no payload */
	capfile_release(&cf);
	*n = total;
	return all;
}

static void timeline_of(struct timeline *tl, const char *name)
{
	size_t n;
	struct flow_seg *s = load_segs(name, &n);

	timeline_init(tl);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(timeline_add_segment(tl, &s[i]), 0);
	free(s);
}

static struct trace_event call_ev(enum trace_call call, const char *name, long long ret,
                                  uint64_t enter, uint64_t exit)
{
	struct trace_event ev;

	memset(&ev, 0, sizeof ev);
	ev.call = call;
	snprintf(ev.name, sizeof ev.name, "%s", name);
	ev.fd = 3;
	ev.ret = ret;
	ev.arg = 4096;
	ev.t_enter_ns = enter;
	ev.t_exit_ns = exit;
	return ev;
}

static size_t count_kind(const struct ladder *l, enum ladder_kind k)
{
	size_t n = 0;
	for (size_t i = 0; i < l->n; i++)
		n += l->row[i].kind == k;
	return n;
}

/* The label of the row that shows segment i. */
static void seg_row_label(const struct ladder *l, size_t seg, char *buf, size_t len)
{
	for (size_t k = 0; k < l->n; k++)
		if (l->row[k].kind == LADDER_SEG && l->row[k].index == seg) {
			ladder_label(l, k, buf, len);
			return;
		}
	cr_assert_fail("no row for segment %zu", seg);
}

Test(ladder, segments_read_in_tcpdumps_notation)
{
	struct timeline tl;
	struct ladder l;
	char b[128];
	static const char *const want[] = {
		"S 0", "S. 0 ack 1", ". ack 1", "P. 1:6(5) ack 1", ". ack 6", "P. 1:6(5) ack 6",
		". ack 6", "F. 6 ack 6", "F. 6 ack 7", ". ack 7",
	};

	timeline_of(&tl, "tests/captures/client_close_first.pcap");
	cr_assert_eq(ladder_init_run(&l, &tl, LADDER_WITH_CALLS), 0);
	cr_assert_eq(tl.nseg, 10);
	cr_assert_eq(count_kind(&l, LADDER_SEG), 10);
	for (size_t i = 0; i < 10; i++) {
		seg_row_label(&l, i, b, sizeof b);
		cr_expect_str_eq(b, want[i], "segment %zu", i);
	}
	ladder_release(&l);
	timeline_release(&tl);
}

Test(ladder, rows_are_in_time_order_and_point_at_their_segment)
{
	struct timeline tl;
	struct ladder l;

	timeline_of(&tl, "tests/captures/retransmission.pcap");
	cr_assert_eq(ladder_init_run(&l, &tl, 0), 0);
	cr_assert_eq(count_kind(&l, LADDER_SEG), tl.nseg);
	for (size_t k = 0; k < l.n; k++) {
		if (k)
			cr_expect_geq(l.row[k].t_ns, l.row[k - 1].t_ns);
		if (l.row[k].kind != LADDER_SEG)
			continue;
		const struct flow_seg *fs = &tl.seg[l.row[k].index];
		cr_expect_eq(l.row[k].t_ns, fs->seg.ts_ns);
		cr_expect_eq(l.row[k].analysis, fs->analysis);
		cr_expect_eq(l.row[k].side, fs->dir == FLOW_C2S ? LADDER_CLIENT : LADDER_SERVER);
	}
	cr_expect_eq(ladder_t0(&l), tl.seg[0].seg.ts_ns);
	cr_expect_float_eq(ladder_ms(&l, tl.seg[1].seg.ts_ns),
	                   (double)(tl.seg[1].seg.ts_ns - tl.seg[0].seg.ts_ns) / 1e6, 1e-9);
	ladder_release(&l);
	timeline_release(&tl);
}

/* A RST's window means nothing (the connection is gone): never "win 0". */
Test(ladder, a_rst_shows_no_window)
{
	static const char *const caps[] = { "tests/captures/refused.pcap",
	                                    "tests/captures/rst_unread.pcap" };
	size_t zero = 0;

	for (size_t c = 0; c < 2; c++) {
		struct timeline tl;
		struct ladder l;
		char b[128];
		size_t rsts = 0;

		timeline_of(&tl, caps[c]);
		cr_assert_eq(ladder_init_run(&l, &tl, 0), 0);
		for (size_t i = 0; i < tl.nseg; i++) {
			if (!(tl.seg[i].seg.flags & TCP_RST))
				continue;
			rsts++;
			zero += tl.seg[i].win_scaled == 0;
			seg_row_label(&l, i, b, sizeof b);
			cr_expect_null(strstr(b, "win"), "%s: '%s'", caps[c], b);
			cr_expect_eq(strncmp(b, "R", 1), 0, "'%s'", b);
		}
		cr_expect_eq(rsts, 1, "%s", caps[c]);
		ladder_release(&l);
		timeline_release(&tl);
	}
	cr_expect_gt(zero, 0, "a RST with window 0 was labelled");
}

Test(ladder, a_refused_rst_shows_what_it_answers_not_a_sequence)
{
	struct timeline tl;
	struct ladder l;
	char b[128];

	timeline_of(&tl, "tests/captures/refused.pcap");
	cr_assert_eq(ladder_init_run(&l, &tl, 0), 0);
	cr_assert_eq(tl.nseg, 2);
	seg_row_label(&l, 1, b, sizeof b);
	cr_expect_str_eq(b, "R. ack 1");
	ladder_release(&l);
	timeline_release(&tl);
}

Test(ladder, a_zero_window_is_shown_on_acks)
{
	struct timeline tl;
	struct ladder l;
	char b[128];
	size_t found = 0;

	timeline_of(&tl, "tests/captures/zero_window.pcap");
	cr_assert_eq(ladder_init_run(&l, &tl, 0), 0);
	for (size_t i = 0; i < tl.nseg; i++)
		if (tl.seg[i].win_scaled == 0 && !(tl.seg[i].seg.flags & TCP_RST)) {
			seg_row_label(&l, i, b, sizeof b);
			cr_expect(strstr(b, " win 0"), "'%s'", b);
			found++;
		}
	cr_expect_gt(found, 0);
	ladder_release(&l);
	timeline_release(&tl);
}

/* connect() from before the SYN to after the SYN-ACK; close() alone with nothing during it. */
static void add_calls(struct timeline *tl)
{
	uint64_t syn = tl->seg[0].seg.ts_ns, synack = tl->seg[1].seg.ts_ns;
	uint64_t fin = tl->seg[7].seg.ts_ns;
	struct trace_event c = call_ev(TRACE_CONNECT, "connect", 0, syn - 5000, synack + 3000);
	struct trace_event x = call_ev(TRACE_CLOSE, "close", 0, fin - 2000, fin - 1000);

	cr_assert_eq(timeline_add_call(tl, HOST_CLIENT, &c), 0);
	cr_assert_eq(timeline_add_call(tl, HOST_CLIENT, &x), 0);
}

Test(ladder, a_call_spanning_segments_shows_its_entry_and_exit)
{
	struct timeline tl;
	struct ladder l;
	char b[256];

	timeline_of(&tl, "tests/captures/client_close_first.pcap");
	add_calls(&tl);
	cr_assert_eq(ladder_init_run(&l, &tl, LADDER_WITH_CALLS), 0);
	cr_assert_eq(l.row[0].kind, LADDER_CALL);
	cr_expect_eq(l.row[0].phase, TL_PHASE_ENTER);
	ladder_label(&l, 0, b, sizeof b);
	cr_expect_eq(strncmp(b, "connect(3, ", 11), 0, "'%s'", b);
	cr_expect(strstr(b, ") ..."), "'%s'", b);
	cr_expect_eq(l.row[1].kind, LADDER_SEG);
	cr_expect_eq(l.row[2].kind, LADDER_SEG);
	cr_assert_eq(l.row[3].kind, LADDER_CALL);
	cr_expect_eq(l.row[3].phase, TL_PHASE_EXIT);
	ladder_label(&l, 3, b, sizeof b);
	cr_expect_str_eq(b, "connect() = 0 blocked 0.0 ms");
	cr_expect_eq(l.row[3].side, LADDER_CLIENT);
	/* close() had nothing inside it: one row, whole */
	size_t once = 0;
	for (size_t k = 0; k < l.n; k++)
		if (l.row[k].kind == LADDER_CALL && l.row[k].index == 1) {
			cr_expect_eq(l.row[k].phase, TL_PHASE_ONCE);
			ladder_label(&l, k, b, sizeof b);
			cr_expect_str_eq(b, "close(3) = 0");
			once++;
		}
	cr_expect_eq(once, 1);
	ladder_release(&l);
	timeline_release(&tl);
}

/* A sleep that woke on time (lab 5 checks them) has no row; one that woke late does. */
Test(ladder, sleeps_on_time_have_no_row_a_late_one_has)
{
	struct timeline tl;
	struct ladder l;
	uint64_t t;
	struct trace_event on_time, late;
	size_t calls;
	char b[256];

	timeline_of(&tl, "tests/captures/client_close_first.pcap");
	t = tl.seg[2].seg.ts_ns;
	on_time = call_ev(TRACE_WAIT, "nanosleep", 0, t + 1000, t + 5001000);
	on_time.arg = 5;
	late = call_ev(TRACE_WAIT, "nanosleep", 0, t + 6000000, t + 406000000);
	late.arg = 5;
	cr_assert(trace_event_quiet(&on_time) && !trace_event_quiet(&late));
	cr_assert_eq(timeline_add_call(&tl, HOST_SERVER, &on_time), 0);
	cr_assert_eq(timeline_add_call(&tl, HOST_SERVER, &late), 0);
	cr_assert_eq(ladder_init_run(&l, &tl, LADDER_WITH_CALLS), 0);
	calls = count_kind(&l, LADDER_CALL);
	cr_expect(calls >= 1 && calls <= 2, "%zu call rows", calls);
	for (size_t k = 0; k < l.n; k++) {
		if (l.row[k].kind != LADDER_CALL)
			continue;
		cr_expect_eq(l.row[k].index, 1, "the on-time sleep has a row");
		ladder_label(&l, k, b, sizeof b);
		cr_expect(strstr(b, "nanosleep"), "'%s'", b);
	}
	ladder_release(&l);
	timeline_release(&tl);
}

static bool same_rows(const struct ladder *a, const struct ladder *b)
{
	if (a->n != b->n)
		return false;
	for (size_t k = 0; k < a->n; k++)
		if (memcmp(&a->row[k], &b->row[k], sizeof a->row[k]))
			return false;
	return true;
}

/* A live run's ladder grows as segments and calls arrive, calls late (the tracer reports a
 * call when it returns, the capture may hand a segment over after a call that followed
 * it): the rows are those of the whole run read at once. */
Test(ladder, growing_live_gives_the_rows_of_the_whole_run)
{
	struct timeline whole, live;
	struct ladder a, b;
	size_t n;
	struct flow_seg *s = load_segs("tests/data/tui/lab2_nagle.pcap", &n);
	uint64_t t1 = s[0].seg.ts_ns, t2 = s[1].seg.ts_ns, t9 = s[9].seg.ts_ns;
	/* connect() around the handshake; recv() from before segment 3 to after segment 9 */
	struct trace_event c = call_ev(TRACE_CONNECT, "connect", 0, t1 - 5000, t2 + 3000);
	struct trace_event r = call_ev(TRACE_RECV, "recv", 5, s[3].seg.ts_ns - 100, t9 + 100);

	timeline_init(&whole);
	timeline_init(&live);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(timeline_add_segment(&whole, &s[i]), 0);
	cr_assert_eq(timeline_add_call(&whole, HOST_CLIENT, &c), 0);
	cr_assert_eq(timeline_add_call(&whole, HOST_SERVER, &r), 0);
	cr_assert_eq(ladder_init_run(&a, &whole, LADDER_WITH_CALLS), 0);

	cr_assert_eq(ladder_init_run(&b, &live, LADDER_WITH_CALLS), 0);
	for (size_t i = 0; i < n; i++) {
		cr_assert_eq(timeline_add_segment(&live, &s[i]), 0);
		if (i == 5)     /* connect() reported after segments that followed it */
			cr_assert_eq(timeline_add_call(&live, HOST_CLIENT, &c), 0);
		if (i == 20)
			cr_assert_eq(timeline_add_call(&live, HOST_SERVER, &r), 0);
		cr_assert_geq(ladder_update(&b), 0);
	}
	cr_expect(same_rows(&a, &b), "rows differ: %zu whole, %zu live", a.n, b.n);
	cr_expect_eq(count_kind(&b, LADDER_CALL), 4, "both calls spanned segments");
	ladder_release(&a);
	ladder_release(&b);
	timeline_release(&whole);
	timeline_release(&live);
	free(s);
}

/* A segment captured during a call the ladder already placed whole, handed over late:
 * that call becomes entry and exit. */
Test(ladder, a_late_segment_inside_a_call_splits_it)
{
	struct timeline tl;
	struct ladder l;
	size_t n;
	struct flow_seg *s = load_segs("tests/captures/client_close_first.pcap", &n);
	struct trace_event r = call_ev(TRACE_RECV, "recv", 5, s[4].seg.ts_ns + 1, s[6].seg.ts_ns - 1);

	timeline_init(&tl);
	for (size_t i = 0; i < n; i++)
		if (i != 5)
			cr_assert_eq(timeline_add_segment(&tl, &s[i]), 0);
	cr_assert_eq(timeline_add_call(&tl, HOST_CLIENT, &r), 0);
	cr_assert_eq(ladder_init_run(&l, &tl, LADDER_WITH_CALLS), 0);
	cr_expect_eq(count_kind(&l, LADDER_CALL), 1, "nothing during it yet: one row");
	cr_assert_eq(timeline_add_segment(&tl, &s[5]), 0);
	cr_assert_eq(ladder_update(&l), 1);
	cr_expect_eq(count_kind(&l, LADDER_CALL), 2, "entry and exit");
	for (size_t k = 1; k < l.n; k++)
		cr_expect_geq(l.row[k].t_ns, l.row[k - 1].t_ns);
	ladder_release(&l);
	timeline_release(&tl);
	free(s);
}

Test(ladder, the_nagle_stall_is_a_gap_row)
{
	struct timeline tl;
	struct ladder l;
	char b[64];
	size_t gaps = 0;

	timeline_of(&tl, "tests/data/tui/lab2_nagle.pcap");
	cr_assert_eq(ladder_init_run(&l, &tl, LADDER_WITH_CALLS), 0);
	for (size_t k = 0; k < l.n; k++) {
		if (l.row[k].kind != LADDER_GAP)
			continue;
		gaps++;
		cr_assert_lt(k + 1, l.n);
		cr_expect_eq(l.row[k + 1].gap_ns, l.row[k].gap_ns, "the gap is the next row's");
		cr_expect_geq(l.row[k].gap_ns, 30000000, "a gap of %.3f ms", l.row[k].gap_ns / 1e6);
		cr_expect_leq(l.row[k].gap_ns, 60000000, "a gap of %.3f ms", l.row[k].gap_ns / 1e6);
		ladder_label(&l, k, b, sizeof b);
		cr_expect_eq(strncmp(b, "... 4", 5), 0, "'%s'", b);
		cr_expect(strstr(b, " ms ..."), "'%s'", b);
	}
	cr_expect_geq(gaps, 10, "each stalled request shows its gap (%zu)", gaps);
	ladder_release(&l);
	timeline_release(&tl);

	/* the same exchange without Nagle has nothing to show */
	timeline_of(&tl, "tests/data/tui/lab2_nodelay.pcap");
	cr_assert_eq(ladder_init_run(&l, &tl, LADDER_WITH_CALLS), 0);
	cr_expect_eq(count_kind(&l, LADDER_GAP), 0);
	ladder_release(&l);
	timeline_release(&tl);
}

Test(ladder, connections_are_separated_and_labelled)
{
	struct timeline tl;
	struct ladder l;
	char b[128];
	size_t conn_rows = 0;

	timeline_of(&tl, "tests/captures/port_reuse.pcap");
	cr_assert_eq(ladder_init_run(&l, &tl, LADDER_NO_GAPS), 0);
	cr_assert_eq(ladder_nconns(&l), 2);
	for (size_t k = 0; k < l.n; k++)
		if (l.row[k].kind == LADDER_CONN) {
			conn_rows++;
			ladder_label(&l, k, b, sizeof b);
			cr_expect_str_eq(b, "connection 2: 127.0.0.1:40000 -> 127.0.0.1:8000");
			cr_expect_eq(l.row[k + 1].kind, LADDER_SEG);
			cr_expect_eq(l.row[k + 1].conn, 1);
		}
	cr_expect_eq(conn_rows, 1);
	/* one connection: its rows alone, no separator */
	cr_assert_eq(ladder_set_conn(&l, 1), 0);
	cr_expect_eq(count_kind(&l, LADDER_CONN), 0);
	cr_expect_gt(l.n, 0);
	for (size_t k = 0; k < l.n; k++)
		cr_expect_eq(l.row[k].conn, 1);
	ladder_release(&l);
	timeline_release(&tl);
}

/* A file's index and a run's timeline of the same capture give the same rows. */
Test(ladder, a_capture_index_gives_the_rows_of_a_timeline)
{
	struct timeline tl;
	struct ladder a, b;
	struct pktindex *ix;
	char path[1024], err[256], la[128], lb[128];

	path_of(path, sizeof path, "tests/captures/port_reuse.pcap");
	ix = pktindex_open(path, err, sizeof err);
	cr_assert_not_null(ix, "%s", err);
	while (pktindex_step(ix, 5, err, sizeof err) > 0)
		;
	timeline_of(&tl, "tests/captures/port_reuse.pcap");
	cr_assert_eq(ladder_init_run(&a, &tl, 0), 0);
	cr_assert_eq(ladder_init_index(&b, ix, 0), 0);
	cr_assert_eq(a.n, b.n);
	for (size_t k = 0; k < a.n; k++) {
		cr_expect_eq(a.row[k].kind, b.row[k].kind);
		cr_expect_eq(a.row[k].t_ns, b.row[k].t_ns);
		ladder_label(&a, k, la, sizeof la);
		ladder_label(&b, k, lb, sizeof lb);
		cr_expect_str_eq(la, lb);
	}
	ladder_release(&a);
	ladder_release(&b);
	timeline_release(&tl);
	pktindex_free(ix);
}

/* The exchange of client_close_first.pcap as 70 connections, interleaved: every one of
 * them is measured (a fixed table of 64 would let connection 64 overwrite connection 0). */
Test(ladder, measures_count_every_connection_past_64)
{
	struct timeline tl;
	struct ladder l;
	struct ladder_measures one, many;
	size_t n;
	struct flow_seg *s = load_segs("tests/captures/client_close_first.pcap", &n);

	timeline_init(&tl);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(timeline_add_segment(&tl, &s[i]), 0);
	cr_assert_eq(ladder_init_run(&l, &tl, 0), 0);
	cr_assert_eq(ladder_measure(&l, &one), 0);
	cr_assert_gt(one.nrtt, 0);
	ladder_release(&l);
	timeline_release(&tl);

	timeline_init(&tl);
	for (size_t i = 0; i < n; i++)
		for (uint32_t c = 0; c < 70; c++) {
			struct flow_seg x = s[i];
			x.conn_id = c;
			x.seg.ts_ns += c;   /* interleaved, each keeps its own timing */
			if (x.dir == FLOW_C2S)
				x.seg.sport = (uint16_t)(40000 + c);
			else
				x.seg.dport = (uint16_t)(40000 + c);
			cr_assert_eq(timeline_add_segment(&tl, &x), 0);
		}
	cr_assert_eq(ladder_init_run(&l, &tl, 0), 0);
	cr_assert_eq(ladder_measure(&l, &many), 0);
	cr_expect_eq(many.nrtt, 70 * one.nrtt, "%zu round trips, want %zu", many.nrtt,
	             70 * one.nrtt);
	cr_expect_float_eq(many.rtt_median_ms, one.rtt_median_ms, 1e-3);
	cr_expect_eq(ladder_nconns(&l), 70);
	ladder_release(&l);
	timeline_release(&tl);
	free(s);
}

Test(ladder, delayed_acks_by_the_checks_rule)
{
	struct timeline tl;
	struct ladder l;
	struct ladder_measures m;

	timeline_of(&tl, "tests/data/tui/lab2_nagle.pcap");
	cr_assert_eq(ladder_init_run(&l, &tl, 0), 0);
	cr_assert_eq(ladder_measure(&l, &m), 0);
	cr_expect_eq(m.delacks, 19);
	cr_expect_eq(m.nseg, 107);
	cr_expect(m.rtt_median_ms > 40 && m.rtt_median_ms < 48, "%.3f", m.rtt_median_ms);
	ladder_release(&l);
	timeline_release(&tl);

	timeline_of(&tl, "tests/data/tui/lab2_nodelay.pcap");
	cr_assert_eq(ladder_init_run(&l, &tl, 0), 0);
	cr_assert_eq(ladder_measure(&l, &m), 0);
	cr_expect_eq(m.delacks, 0);
	ladder_release(&l);
	timeline_release(&tl);
}

/* The nodelay run, its server closing 50 ms after its last reply: the client's ACK of that
 * FIN comes long after the server's data, but acknowledges no data: no delayed ACK. */
Test(ladder, the_ack_of_a_late_fin_is_no_delayed_ack)
{
	struct timeline tl;
	struct ladder l;
	struct ladder_measures m;
	size_t n, fin = SIZE_MAX;
	struct flow_seg *s = load_segs("tests/data/tui/lab2_nodelay.pcap", &n);

	for (size_t i = 0; i < n && fin == SIZE_MAX; i++)
		if (s[i].dir == FLOW_S2C && (s[i].seg.flags & TCP_FIN))
			fin = i;
	cr_assert_neq(fin, SIZE_MAX);
	cr_assert_lt(fin + 1, n);
	cr_assert_eq(s[fin].seg.len, 0, "a FIN without data");
	timeline_init(&tl);
	for (size_t i = 0; i < n; i++) {
		if (i >= fin)
			s[i].seg.ts_ns += 50000000;
		cr_assert_eq(timeline_add_segment(&tl, &s[i]), 0);
	}
	cr_assert_eq(ladder_init_run(&l, &tl, 0), 0);
	cr_assert_eq(ladder_measure(&l, &m), 0);
	cr_expect_eq(m.delacks, 0);
	ladder_release(&l);
	timeline_release(&tl);
	free(s);
}

static bool has_data(void *ctx, size_t i)
{
	const struct timeline *tl = ctx;
	return tl->seg[i].seg.len > 0;
}

/* The engine's own notes (a cable cut) are markers on the wire; output is its host's. */
Test(ladder, notes_are_markers_and_output_is_its_hosts)
{
	struct timeline tl;
	struct ladder l;
	char b[128];
	static const char cut[] = "tcplab: the cable is cut", out[] = "echo_client: done";

	timeline_of(&tl, "tests/captures/client_close_first.pcap");
	cr_assert_eq(timeline_add_output(&tl, TL_HOST_WIRE, tl.seg[4].seg.ts_ns + 1, cut,
	                                 strlen(cut)), 0);
	cr_assert_eq(timeline_add_output(&tl, HOST_CLIENT, tl.seg[9].seg.ts_ns + 1, out,
	                                 strlen(out)), 0);
	cr_assert_eq(ladder_init_run(&l, &tl, LADDER_WITH_CALLS), 0);
	cr_assert_eq(count_kind(&l, LADDER_MARKER), 1);
	cr_assert_eq(count_kind(&l, LADDER_OUTPUT), 1);
	for (size_t k = 0; k < l.n; k++) {
		ladder_label(&l, k, b, sizeof b);
		if (l.row[k].kind == LADDER_MARKER) {
			cr_expect_eq(l.row[k].side, LADDER_WIRE);
			cr_expect_str_eq(b, cut);
			cr_expect_eq(l.row[k - 1].index, 4, "right after the segment before it");
		} else if (l.row[k].kind == LADDER_OUTPUT) {
			cr_expect_eq(l.row[k].side, LADDER_CLIENT);
			cr_expect_str_eq(b, "> echo_client: done");
			cr_expect_eq(k, l.n - 1);
		}
	}
	/* without calls: segments alone */
	ladder_release(&l);
	cr_assert_eq(ladder_init_run(&l, &tl, 0), 0);
	cr_expect_eq(l.n, tl.nseg);
	ladder_release(&l);
	timeline_release(&tl);
}

/* A display filter keeps its segments; the idle time is then between the rows shown. */
Test(ladder, a_filter_keeps_its_segments_and_measures_gaps_between_them)
{
	struct timeline tl;
	struct ladder l;
	size_t data = 0;

	timeline_of(&tl, "tests/data/tui/lab2_nagle.pcap");
	for (size_t i = 0; i < tl.nseg; i++)
		data += tl.seg[i].seg.len > 0;
	cr_assert_eq(ladder_init_run(&l, &tl, LADDER_NO_GAPS), 0);
	cr_assert_eq(ladder_set_filter(&l, has_data, &tl), 0);
	cr_expect_eq(count_kind(&l, LADDER_SEG), data);
	uint64_t prev = 0;
	for (size_t k = 0; k < l.n; k++) {
		cr_assert_eq(l.row[k].kind, LADDER_SEG);
		cr_expect_gt(tl.seg[l.row[k].index].seg.len, 0);
		if (k)
			cr_expect_eq(l.row[k].gap_ns, l.row[k].t_ns - prev);
		prev = l.row[k].t_ns;
	}
	cr_expect_eq(ladder_t0(&l), tl.seg[0].seg.ts_ns, "the start is the run's, filtered or not");
	cr_assert_eq(ladder_set_filter(&l, NULL, NULL), 0);
	cr_expect_eq(l.n, tl.nseg);
	ladder_release(&l);
	timeline_release(&tl);
}

/* Where a ladder stands at a time since its start: the segments by then, the one before
 * and the one after (the comparison aligns two runs by time with it). */
Test(ladder, at_a_time_counts_the_segments_sent_by_then)
{
	struct timeline tl;
	struct ladder l;
	struct ladder_at a;
	uint64_t t0, t11;

	timeline_of(&tl, "tests/data/tui/lab2_nagle.pcap");
	cr_assert_eq(ladder_init_run(&l, &tl, 0), 0);
	t0 = ladder_t0(&l);
	cr_assert_eq(t0, tl.seg[0].seg.ts_ns);
	ladder_at(&l, 0, &a);
	cr_expect_eq(a.nseg, 1, "the SYN, at 0");
	cr_expect(!a.has_prev);
	cr_expect(a.has_next && a.next_ns == tl.seg[1].seg.ts_ns - t0);
	/* at segment 12 (index 11, the body after the stall): 12 segments; between it and
	 * the next, the same count and both neighbours */
	t11 = tl.seg[11].seg.ts_ns - t0;
	ladder_at(&l, t11, &a);
	cr_expect_eq(a.nseg, 12);
	cr_expect(a.has_prev && a.prev_ns == tl.seg[10].seg.ts_ns - t0, "strictly before");
	cr_expect(a.has_next && a.next_ns == tl.seg[12].seg.ts_ns - t0, "strictly after");
	ladder_at(&l, t11 - 1, &a);
	cr_expect_eq(a.nseg, 11, "1 ns before segment 12");
	cr_expect(a.has_next && a.next_ns == t11);
	/* the stall's gap row does not count as a segment */
	cr_expect_gt(tl.seg[11].seg.ts_ns - tl.seg[9].seg.ts_ns, 30000000);
	ladder_at(&l, tl.seg[9].seg.ts_ns - t0 + 20000000, &a);
	cr_expect_eq(a.nseg, 10, "inside the 40 ms stall: the header, not yet its ACK");
	/* past the end: every segment, nothing after */
	ladder_at(&l, tl.seg[tl.nseg - 1].seg.ts_ns - t0 + 1, &a);
	cr_expect_eq(a.nseg, tl.nseg);
	cr_expect(!a.has_next);
	ladder_release(&l);
	timeline_release(&tl);
}

/* ---- the kernel's view: rows of a saved lab 7 run ---- */

/* tests/data/record/lab7-timewait.pcapng: 'tcplab run 7 --variant timewait --record', on
 * this kernel. The server closed first, so its kernel holds the connection in TIME-WAIT
 * from its exit on; it was sampled then and again at the end of the run. */
static struct record *lab7_record(void)
{
	struct record *rec;
	char path[1024], err[512];

	path_of(path, sizeof path, "tests/data/record/lab7-timewait.pcapng");
	cr_assert_eq(record_read(path, &rec, err, sizeof err), 0, "%s", err);
	cr_assert_gt(rec->run->ks.nsample, 0, "the record holds no kernel samples");
	return rec;
}

/* Kernel rows of one host's column whose label starts with prefix. */
static size_t kernel_rows(const struct ladder *l, enum ladder_side side, const char *prefix,
                          size_t *out, size_t max)
{
	size_t n = 0;
	char b[300];

	for (size_t k = 0; k < l->n; k++) {
		if (l->row[k].kind != LADDER_KERNEL || l->row[k].side != side)
			continue;
		ladder_label(l, k, b, sizeof b);
		if (!strncmp(b, prefix, strlen(prefix)) && n < max)
			out[n++] = k;
	}
	return n;
}

Test(ladder, a_lab7_record_has_kernel_rows_with_time_wait_counting_down)
{
	struct record *rec = lab7_record();
	struct ladder l;
	size_t tw[8], n, last_exit = 0;
	char b[300];
	double left[8];

	cr_assert_eq(ladder_init_run_ks(&l, &rec->run->tl, &rec->run->ks, LADDER_WITH_CALLS), 0);
	n = kernel_rows(&l, LADDER_SERVER, "kernel: TIME-WAIT 1 (", tw, 8);
	cr_assert_geq(n, 2, "the server's TIME-WAIT, when it began and at the end");
	for (size_t i = 0; i < n; i++) {
		ladder_label(&l, tw[i], b, sizeof b);
		cr_assert_eq(sscanf(b, "kernel: TIME-WAIT 1 (%lf s left)", &left[i]), 1, "%s", b);
		cr_expect(strstr(b, " s left)"), "%s", b);
		cr_expect(left[i] > 50 && left[i] <= 60, "%s", b);
		if (i)
			cr_expect_lt(left[i], left[i - 1], "the timer counts down: %.1f then %.1f",
			             left[i - 1], left[i]);
	}
	/* TIME-WAIT is the server's after its program closed and exited */
	for (size_t k = 0; k < l.n; k++)
		if (l.row[k].kind == LADDER_CALL && l.row[k].side == LADDER_SERVER)
			last_exit = k;
	cr_expect_gt(tw[0], last_exit, "TIME-WAIT before the server's last call");
	/* the client, which closed second, never holds it */
	cr_expect_eq(kernel_rows(&l, LADDER_CLIENT, "kernel: TIME-WAIT", tw, 8), 0);
	ladder_release(&l);
	record_free(rec);
}

/* A row only where the host's kernel said something new; a run's ladder without the
 * samples has none, and the samples move no other row nor make a gap. */
Test(ladder, kernel_rows_only_where_a_hosts_sample_changed)
{
	struct record *rec = lab7_record();
	const struct ksock_log *ks = &rec->run->ks;
	struct ladder a, b;
	size_t want = 0, j = 0;
	char x[300], y[300];

	for (size_t i = 0; i < ks->nsample; i++) {
		long p = -1;
		for (size_t q = i; q-- > 0;)
			if (ks->sample[q].host == ks->sample[i].host) {
				p = (long)q;
				break;
			}
		ladder_kernel_label(ks, i, x, sizeof x);
		if (p >= 0)
			ladder_kernel_label(ks, (size_t)p, y, sizeof y);
		want += p < 0 || strcmp(x, y);
	}
	cr_assert_lt(want, ks->nsample, "every sample differs: the rule is not tested");
	cr_assert_eq(ladder_init_run_ks(&a, &rec->run->tl, ks, LADDER_WITH_CALLS), 0);
	cr_assert_eq(ladder_init_run(&b, &rec->run->tl, LADDER_WITH_CALLS), 0);
	cr_expect_eq(count_kind(&a, LADDER_KERNEL), want);
	cr_expect_eq(count_kind(&b, LADDER_KERNEL), 0);
	cr_expect_eq(a.n, b.n + want);
	for (size_t k = 0; k < a.n; k++) {
		if (a.row[k].kind == LADDER_KERNEL)
			continue;
		cr_assert_lt(j, b.n);
		cr_expect_eq(a.row[k].kind, b.row[j].kind);
		cr_expect_eq(a.row[k].t_ns, b.row[j].t_ns);
		cr_expect_eq(a.row[k].gap_ns, b.row[j].gap_ns);
		j++;
	}
	for (size_t k = 1; k < a.n; k++)
		cr_expect_geq(a.row[k].t_ns, a.row[k - 1].t_ns, "rows in time order at %zu", k);
	ladder_release(&a);
	ladder_release(&b);
	record_free(rec);
}

/* The samples arriving one by one between the run's events, as a live run takes them,
 * segments handed over late (after a sample that followed them): the same rows as the
 * whole run read at once. */
Test(ladder, kernel_samples_arriving_live_give_the_same_rows)
{
	struct record *rec = lab7_record();
	const struct ksock_log *ks = &rec->run->ks;
	const struct timeline *whole = &rec->run->tl;
	struct timeline live;
	struct ksock_log lks;
	struct ladder a, b;
	size_t si = 0, ci = 0, oi = 0;
	uint64_t lag = 0;

	timeline_init(&live);
	ksock_log_init(&lks);
	cr_assert_eq(ladder_init_run_ks(&a, whole, ks, LADDER_WITH_CALLS), 0);
	cr_assert_eq(ladder_init_run_ks(&b, &live, &lks, LADDER_WITH_CALLS), 0);
	for (size_t i = 0; i <= ks->nsample; i++) {
		uint64_t t = i < ks->nsample ? ks->sample[i].t_ns : UINT64_MAX;

		for (; ci < whole->ncall && whole->call[ci].ev.t_exit_ns <= t; ci++)
			cr_assert_eq(timeline_add_call(&live, whole->call[ci].host,
			                               &whole->call[ci].ev), 0);
		for (; oi < whole->nout && whole->out[oi].t_ns <= t; oi++)
			cr_assert_eq(timeline_add_output(&live, whole->out[oi].host, whole->out[oi].t_ns,
			                                 whole->out[oi].text,
			                                 strlen(whole->out[oi].text)), 0);
		/* the capture one sample behind */
		for (; si < whole->nseg && whole->seg[si].seg.ts_ns <= lag; si++)
			cr_assert_eq(timeline_add_segment(&live, &whole->seg[si]), 0);
		if (i < ks->nsample) {
			const struct ksock_sample *s = &ks->sample[i];
			cr_assert_eq(ksock_log_add(&lks, s->t_ns, s->host, (enum ksock_why)s->why,
			                           &ks->sock[s->first], s->n, true), 0);
		}
		cr_assert_geq(ladder_update(&b), 0);
		lag = t;
	}
	for (; si < whole->nseg; si++)
		cr_assert_eq(timeline_add_segment(&live, &whole->seg[si]), 0);
	cr_assert_geq(ladder_update(&b), 0);
	cr_expect(same_rows(&a, &b), "rows differ: %zu whole, %zu live", a.n, b.n);
	cr_expect_gt(count_kind(&b, LADDER_KERNEL), 2);
	ladder_release(&a);
	ladder_release(&b);
	ksock_log_release(&lks);
	timeline_release(&live);
	record_free(rec);
}
