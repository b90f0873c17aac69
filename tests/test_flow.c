/* summary: tests of flow.c and expert.c on the real captures in tests/captures and on crafted segment sequences. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "capture/capfile.h"
#include "capture/dissect.h"
#include "capture/expert.h"
#include "capture/flow.h"

#define MAXF 64

/* One capture run through dissect and flow; per-frame results kept for assertions. */
struct run {
	struct capfile cf;
	struct flow_table *ft;          /* cf.ft */
	size_t nframes;
	bool tcp[MAXF + 1];
	struct flow_seg fs[MAXF + 1];   /* indexed by frame number */
};

static void load(struct run *r, const char *name)
{
	char path[512], err[256];
	const char *root = getenv("TCPLAB_ROOT");
	snprintf(path, sizeof path, "%s/tests/captures/%s.pcap", root ? root : ".", name);
	memset(r, 0, sizeof *r);
	cr_assert_eq(capfile_load(path, -1, MAXF, &r->cf, err, sizeof err), 0,
	             "%s (set TCPLAB_ROOT to the source tree)", err);
	cr_assert_str_empty(r->cf.read_error);
	cr_assert_leq(r->cf.frames, MAXF, "%s has more frames than the test expects", name);
	r->ft = r->cf.ft;
	r->nframes = r->cf.frames;
	for (size_t c = 0; c < r->cf.nconn; c++) {
		const struct capfile_conn *cc = capfile_conn(&r->cf, c);
		for (size_t i = 0; i < cc->nseg; i++) {
			r->fs[cc->seg[i].seg.frame] = cc->seg[i];
			r->tcp[cc->seg[i].seg.frame] = true;
		}
	}
}

static void release(struct run *r)
{
	capfile_release(&r->cf);
}

/* Frames (1-based) whose analysis has label i; the rest must not have it. */
static void assert_label_on(const struct run *r, int label, const uint32_t *frames, size_t n)
{
	for (size_t f = 1; f <= r->nframes; f++) {
		bool want = false;
		for (size_t k = 0; k < n; k++)
			want |= frames[k] == f;
		bool has = r->tcp[f] && (r->fs[f].analysis & EXPERT_BIT(label));
		cr_expect_eq(has, want, "frame %zu: %s expected %s", f, expert_labels[label].name,
		             want ? "set" : "clear");
	}
}

#define LABEL_ON(r, label, ...) do { \
	static const uint32_t fr_[] = { __VA_ARGS__ }; \
	assert_label_on(r, label, fr_, sizeof fr_ / sizeof fr_[0]); \
} while (0)

static const struct flow_conn *only_conn(const struct run *r)
{
	cr_assert_eq(flow_count(r->ft), 1);
	return flow_get(r->ft, 0);
}

Test(flow, client_close_first_ends_with_client_in_time_wait)
{
	struct run r;
	load(&r, "client_close_first");
	cr_expect(!r.tcp[1] && !r.tcp[2], "frames 1-2 are UDP and ICMP");
	const struct flow_conn *c = only_conn(&r);
	cr_expect(c->saw_syn);
	cr_expect(c->scaling_known);
	cr_expect_eq(c->first_fin, FLOW_C2S);
	cr_expect_eq(c->first_rst, -1);
	cr_expect_eq(c->side[FLOW_C2S].state, TCPS_TIME_WAIT, "client %s",
	             flow_state_name(c->side[FLOW_C2S].state));
	cr_expect_eq(c->side[FLOW_S2C].state, TCPS_CLOSED, "server %s",
	             flow_state_name(c->side[FLOW_S2C].state));
	cr_expect_eq(c->side[FLOW_S2C].port, 8000);
	cr_expect_eq(c->side[FLOW_C2S].packets, 6);
	cr_expect_eq(c->side[FLOW_S2C].packets, 4);
	cr_expect_eq(c->side[FLOW_C2S].bytes, 5);
	cr_expect_eq(c->side[FLOW_S2C].bytes, 5);
	/* frame 3: SYN, seq 0; frame 8: the echo, seq 1 ack 6; frame 12: last ACK 7/7 */
	cr_expect_eq(r.fs[3].seg.flags, TCP_SYN);
	cr_expect_eq(r.fs[3].rel_seq, 0);
	cr_expect_eq(r.fs[3].dir, FLOW_C2S);
	cr_expect_eq(r.fs[3].win_scaled, r.fs[3].seg.win, "a SYN's window is never scaled");
	cr_expect_eq(r.fs[8].dir, FLOW_S2C);
	cr_expect_eq(r.fs[8].rel_seq, 1);
	cr_expect_eq(r.fs[8].rel_ack, 6);
	cr_expect_eq(r.fs[12].rel_seq, 7);
	cr_expect_eq(r.fs[12].rel_ack, 7);
	cr_expect_gt(r.fs[5].win_scaled, r.fs[5].seg.win, "handshake ACK window is scaled");
	for (size_t f = 3; f <= r.nframes; f++)
		cr_expect_eq(r.fs[f].analysis, 0, "frame %zu has no analysis", f);
	release(&r);
}

Test(flow, server_close_first_ends_with_server_in_time_wait)
{
	struct run r;
	load(&r, "server_close_first");
	const struct flow_conn *c = only_conn(&r);
	cr_expect_eq(c->first_fin, FLOW_S2C);
	cr_expect_eq(c->side[FLOW_S2C].state, TCPS_TIME_WAIT, "server %s",
	             flow_state_name(c->side[FLOW_S2C].state));
	cr_expect_eq(c->side[FLOW_C2S].state, TCPS_CLOSED, "client %s",
	             flow_state_name(c->side[FLOW_C2S].state));
	release(&r);
}

Test(flow, half_close_lets_the_server_send_after_the_clients_fin)
{
	struct run r;
	load(&r, "half_close");
	const struct flow_conn *c = only_conn(&r);
	cr_expect_eq(c->first_fin, FLOW_C2S);
	/* frame 6: client F.; frame 7: server data (16 bytes) after it, acking the FIN */
	cr_expect(r.fs[6].seg.flags & TCP_FIN);
	cr_expect_eq(r.fs[7].dir, FLOW_S2C);
	cr_expect_eq(r.fs[7].seg.len, 16);
	cr_expect_eq(r.fs[7].rel_ack, 9);
	cr_expect_eq(c->side[FLOW_C2S].state, TCPS_TIME_WAIT);
	cr_expect_eq(c->side[FLOW_S2C].state, TCPS_CLOSED);
	release(&r);
}

Test(flow, close_with_unread_data_resets_both_sides)
{
	struct run r;
	load(&r, "rst_unread");
	const struct flow_conn *c = only_conn(&r);
	cr_expect_eq(c->first_rst, FLOW_S2C);
	cr_expect_eq(c->first_fin, -1);
	cr_expect(c->side[FLOW_S2C].saw_rst);
	cr_expect_eq(c->side[FLOW_C2S].state, TCPS_CLOSED);
	cr_expect_eq(c->side[FLOW_S2C].state, TCPS_CLOSED);
	LABEL_ON(&r, EXPERT_I_RST, 6);
	release(&r);
}

Test(flow, connect_to_closed_port_is_syn_then_rst_ack)
{
	struct run r;
	load(&r, "refused");
	const struct flow_conn *c = only_conn(&r);
	cr_expect_eq(r.fs[2].seg.flags, TCP_RST | TCP_ACK);
	cr_expect_eq(r.fs[2].rel_ack, 1);
	cr_expect_eq(c->first_rst, FLOW_S2C);
	cr_expect_eq(c->side[FLOW_C2S].state, TCPS_CLOSED);
	cr_expect(!c->scaling_known, "no SYN-ACK: scaling never settled");
	release(&r);
}

Test(flow, dropped_segment_is_retransmitted_twice)
{
	struct run r;
	load(&r, "retransmission");
	LABEL_ON(&r, EXPERT_I_RETRANSMISSION, 5, 6);
	cr_expect_eq(r.fs[5].rel_seq, r.fs[4].rel_seq);
	cr_expect_eq(r.fs[5].seg.len, r.fs[4].seg.len);
	release(&r);
}

Test(flow, zero_window_capture_has_window_full_zero_window_and_probes)
{
	struct run r;
	load(&r, "zero_window");
	LABEL_ON(&r, EXPERT_I_ZERO_WINDOW, 12, 14, 17);
	LABEL_ON(&r, EXPERT_I_WINDOW_FULL, 10, 11);
	/* Linux probes a zero window with seq = snd.una - 1 and no data: Wireshark's rules
	 * call that a keep-alive, not a zero-window probe (TCP-FACTS.md). */
	LABEL_ON(&r, EXPERT_I_KEEP_ALIVE, 13, 15, 16);
	LABEL_ON(&r, EXPERT_I_ZERO_WINDOW_PROBE, 0);
	cr_expect_eq(r.fs[12].win_scaled, 0);
	release(&r);
}

Test(flow, keepalive_probes_and_their_acks)
{
	struct run r;
	load(&r, "keepalive");
	LABEL_ON(&r, EXPERT_I_KEEP_ALIVE, 6, 8);
	LABEL_ON(&r, EXPERT_I_KEEP_ALIVE_ACK, 7, 9);
	cr_expect_eq(r.fs[6].rel_seq, 4, "one byte behind the next seq (5)");
	release(&r);
}

Test(flow, lost_segment_draws_duplicate_ack_and_quick_resend)
{
	struct run r;
	load(&r, "dup_ack");
	LABEL_ON(&r, EXPERT_I_DUPLICATE_ACK, 8);
	LABEL_ON(&r, EXPERT_I_OUT_OF_ORDER, 9, 11);
	LABEL_ON(&r, EXPERT_I_WINDOW_UPDATE, 6);
	release(&r);
}

Test(flow, midstream_capture_takes_roles_from_ports_and_bases_from_first_segment)
{
	struct run r;
	load(&r, "midstream");
	const struct flow_conn *c = only_conn(&r);
	cr_expect(!c->saw_syn);
	cr_expect(!c->scaling_known);
	cr_expect_eq(c->side[FLOW_C2S].port, 45198, "the higher port is the client");
	cr_expect_eq(r.fs[1].rel_seq, 1);
	cr_expect_eq(r.fs[1].rel_ack, 1);
	cr_expect_eq(r.fs[1].win_scaled, r.fs[1].seg.win, "unknown scale: raw window");
	cr_expect_eq(r.fs[3].dir, FLOW_S2C);
	cr_expect_eq(r.fs[3].rel_seq, 1);
	cr_expect_eq(c->side[FLOW_C2S].state, TCPS_TIME_WAIT);
	release(&r);
}

Test(flow, syn_on_reset_four_tuple_starts_a_new_connection)
{
	struct run r;
	load(&r, "port_reuse");
	cr_assert_eq(flow_count(r.ft), 2);
	const struct flow_conn *a = flow_get(r.ft, 0), *b = flow_get(r.ft, 1);
	cr_expect_eq(a->first_rst, FLOW_C2S);
	cr_expect_eq(a->last_frame, 8);
	cr_expect_eq(b->first_frame, 9);
	cr_expect_eq(b->first_fin, FLOW_C2S);
	cr_expect_eq(r.fs[9].conn_id, 1);
	cr_expect_eq(r.fs[9].rel_seq, 0);
	cr_expect_eq(r.fs[10].rel_ack, 1, "new connection, new bases");
	cr_expect_eq(b->side[FLOW_C2S].state, TCPS_TIME_WAIT);
	release(&r);
}

Test(flow, ipv6_connection_is_tracked_like_ipv4)
{
	struct run r;
	load(&r, "ipv6");
	const struct flow_conn *c = only_conn(&r);
	cr_expect_eq(c->family, AF_INET6);
	cr_expect_eq(c->side[FLOW_C2S].state, TCPS_TIME_WAIT);
	cr_expect_eq(c->side[FLOW_S2C].state, TCPS_CLOSED);
	release(&r);
}

/* ---- crafted segment sequences ---- */

#define CLI 50000
#define SRV 80

struct craft {
	struct flow_table *ft;
	uint32_t frame;
	uint64_t ns;
	struct flow_info fi;
};

/* from_client: direction; seq and ack absolute; len payload; win raw; ws -1 none. */
static uint32_t seg(struct craft *k, bool from_client, uint16_t flags, uint32_t seq,
                    uint32_t ack, uint32_t len, uint16_t win, int ws, uint64_t dt_us)
{
	struct tcp_segment s;
	memset(&s, 0, sizeof s);
	s.family = AF_INET;
	uint8_t a[4] = { 10, 0, 0, 1 }, b[4] = { 10, 0, 0, 2 };
	memcpy(s.src, from_client ? a : b, 4);
	memcpy(s.dst, from_client ? b : a, 4);
	s.sport = from_client ? CLI : SRV;
	s.dport = from_client ? SRV : CLI;
	s.flags = flags;
	s.seq = seq;
	s.ack = ack;
	s.len = len;
	s.win = win;
	if (ws >= 0) {
		s.opt.present |= TCPOPT_HAS_WSCALE;
		s.opt.wscale = (uint8_t)ws;
	}
	k->ns += dt_us * 1000;
	s.ts_ns = k->ns;
	s.frame = ++k->frame;
	cr_assert_eq(flow_track(k->ft, &s, &k->fi), 0);
	return k->fi.analysis;
}

#define C 1000u                 /* client ISN */
#define S 5000u                 /* server ISN */

static void handshake(struct craft *k, int cws, int sws)
{
	k->ft = flow_new();
	cr_assert_not_null(k->ft);
	seg(k, true, TCP_SYN, C, 0, 0, 64240, cws, 0);
	seg(k, false, TCP_SYN | TCP_ACK, S, C + 1, 0, 65160, sws, 100);
	seg(k, true, TCP_ACK, C + 1, S + 1, 0, 502, -1, 100);
}

Test(flow, both_sides_offering_window_scale_get_scaled_windows)
{
	struct craft k = { 0 };
	handshake(&k, 7, 9);
	cr_expect_eq(k.fi.win_scaled, 502 << 7);
	seg(&k, false, TCP_ACK, S + 1, C + 1, 0, 100, -1, 10);
	cr_expect_eq(k.fi.win_scaled, 100 << 9);
	flow_free(k.ft);
}

Test(flow, window_scale_from_one_side_only_is_not_applied)
{
	struct craft k = { 0 };
	handshake(&k, 7, -1);
	cr_expect_eq(k.fi.win_scaled, 502, "RFC 7323 section 2.2: both must offer it");
	flow_free(k.ft);
}

Test(flow, simultaneous_close_leaves_both_sides_in_time_wait)
{
	struct craft k = { 0 };
	handshake(&k, -1, -1);
	seg(&k, true, TCP_FIN | TCP_ACK, C + 1, S + 1, 0, 500, -1, 10);
	seg(&k, false, TCP_FIN | TCP_ACK, S + 1, C + 1, 0, 500, -1, 1);  /* crossed: no ack of C's FIN */
	const struct flow_conn *c = k.fi.conn;
	cr_expect_eq(c->side[FLOW_C2S].state, TCPS_CLOSING);
	cr_expect_eq(c->side[FLOW_S2C].state, TCPS_CLOSING);
	seg(&k, true, TCP_ACK, C + 2, S + 2, 0, 500, -1, 10);
	seg(&k, false, TCP_ACK, S + 2, C + 2, 0, 500, -1, 1);
	c = k.fi.conn;
	cr_expect_eq(c->side[FLOW_C2S].state, TCPS_TIME_WAIT, "client %s",
	             flow_state_name(c->side[FLOW_C2S].state));
	cr_expect_eq(c->side[FLOW_S2C].state, TCPS_TIME_WAIT, "server %s",
	             flow_state_name(c->side[FLOW_S2C].state));
	cr_expect_eq(c->first_fin, FLOW_C2S);
	flow_free(k.ft);
}

Test(flow, four_segment_close_walks_through_fin_wait_2_and_close_wait)
{
	struct craft k = { 0 };
	handshake(&k, -1, -1);
	seg(&k, true, TCP_FIN | TCP_ACK, C + 1, S + 1, 0, 500, -1, 10);
	cr_expect_eq(k.fi.conn->side[FLOW_C2S].state, TCPS_FIN_WAIT_1);
	cr_expect_eq(k.fi.conn->side[FLOW_S2C].state, TCPS_CLOSE_WAIT);
	seg(&k, false, TCP_ACK, S + 1, C + 2, 0, 500, -1, 40000);
	cr_expect_eq(k.fi.conn->side[FLOW_C2S].state, TCPS_FIN_WAIT_2);
	seg(&k, false, TCP_FIN | TCP_ACK, S + 1, C + 2, 0, 500, -1, 100);
	cr_expect_eq(k.fi.conn->side[FLOW_S2C].state, TCPS_LAST_ACK);
	cr_expect_eq(k.fi.conn->side[FLOW_C2S].state, TCPS_TIME_WAIT);
	seg(&k, true, TCP_ACK, C + 2, S + 2, 0, 500, -1, 10);
	cr_expect_eq(k.fi.conn->side[FLOW_S2C].state, TCPS_CLOSED);
	flow_free(k.ft);
}

Test(flow, syn_retransmission_stays_in_the_same_connection_but_syn_after_close_does_not)
{
	struct craft k = { 0 };
	k.ft = flow_new();
	seg(&k, true, TCP_SYN, C, 0, 0, 64240, -1, 0);
	uint32_t a = seg(&k, true, TCP_SYN, C, 0, 0, 64240, -1, 1000000);
	cr_expect(a & EXPERT_BIT(EXPERT_I_RETRANSMISSION));
	cr_expect_eq(flow_count(k.ft), 1);
	seg(&k, false, TCP_RST | TCP_ACK, 0, C + 1, 0, 0, -1, 10);
	seg(&k, true, TCP_SYN, C + 99999, 0, 0, 64240, -1, 10);
	cr_expect_eq(flow_count(k.ft), 2);
	cr_expect_eq(k.fi.conn->id, 1);
	cr_expect_eq(k.fi.rel_seq, 0);
	cr_expect_eq(flow_get(k.ft, 0)->first_rst, FLOW_S2C);
	flow_free(k.ft);
}

Test(flow, midstream_roles_come_from_the_higher_port)
{
	struct craft k = { 0 };
	k.ft = flow_new();
	/* first segment seen goes from the server (port 80) to the client (50000) */
	seg(&k, false, TCP_ACK | TCP_PSH, 7777, 3333, 100, 300, -1, 0);
	cr_expect_eq(k.fi.dir, FLOW_S2C);
	cr_expect_eq(k.fi.conn->side[FLOW_C2S].port, CLI);
	cr_expect_eq(k.fi.rel_seq, 1);
	cr_expect_eq(k.fi.rel_ack, 1);
	cr_expect_eq(k.fi.win_scaled, 300);
	cr_expect_eq(k.fi.conn->side[FLOW_C2S].state, TCPS_ESTABLISHED);
	seg(&k, true, TCP_ACK, 3333, 7877, 0, 300, -1, 10);
	cr_expect_eq(k.fi.rel_ack, 101);
	cr_expect_eq(flow_count(k.ft), 1);
	flow_free(k.ft);
}

Test(expert, two_dup_acks_then_resend_is_a_fast_retransmission)
{
	struct craft k = { 0 };
	handshake(&k, -1, -1);
	seg(&k, true, TCP_ACK, C + 1, S + 1, 100, 500, -1, 10);          /* 1..100 */
	seg(&k, true, TCP_ACK, C + 101, S + 1, 100, 500, -1, 1);         /* lost on the way */
	seg(&k, true, TCP_ACK, C + 201, S + 1, 100, 500, -1, 1);
	seg(&k, true, TCP_ACK, C + 301, S + 1, 100, 500, -1, 1);
	seg(&k, false, TCP_ACK, S + 1, C + 101, 0, 500, -1, 50);
	uint32_t d1 = seg(&k, false, TCP_ACK, S + 1, C + 101, 0, 500, -1, 1);
	uint32_t d2 = seg(&k, false, TCP_ACK, S + 1, C + 101, 0, 500, -1, 1);
	cr_expect(d1 & EXPERT_BIT(EXPERT_I_DUPLICATE_ACK));
	cr_expect(d2 & EXPERT_BIT(EXPERT_I_DUPLICATE_ACK));
	uint32_t fr = seg(&k, true, TCP_ACK, C + 101, S + 1, 100, 500, -1, 5000);
	cr_expect_eq(fr, EXPERT_BIT(EXPERT_I_FAST_RETRANSMISSION) | EXPERT_BIT(EXPERT_I_RETRANSMISSION), "got %#x", fr);
	flow_free(k.ft);
}

Test(expert, one_byte_into_a_zero_window_is_a_probe_and_its_answer_a_probe_ack)
{
	struct craft k = { 0 };
	handshake(&k, -1, -1);
	seg(&k, true, TCP_ACK, C + 1, S + 1, 100, 500, -1, 10);
	uint32_t z = seg(&k, false, TCP_ACK, S + 1, C + 101, 0, 0, -1, 10);
	cr_expect(z & EXPERT_BIT(EXPERT_I_ZERO_WINDOW));
	uint32_t p = seg(&k, true, TCP_ACK, C + 101, S + 1, 1, 500, -1, 200000);
	cr_expect_eq(p, EXPERT_BIT(EXPERT_I_ZERO_WINDOW_PROBE));
	uint32_t pa = seg(&k, false, TCP_ACK, S + 1, C + 101, 0, 0, -1, 10);
	cr_expect(pa & EXPERT_BIT(EXPERT_I_ZERO_WINDOW_PROBE_ACK), "got %#x", pa);
	uint32_t wu = seg(&k, false, TCP_ACK, S + 1, C + 101, 0, 300, -1, 10);
	cr_expect_eq(wu, EXPERT_BIT(EXPERT_I_WINDOW_UPDATE));
	flow_free(k.ft);
}

Test(expert, gap_in_seq_is_a_lost_segment_and_ack_beyond_it_an_unseen_one)
{
	struct craft k = { 0 };
	handshake(&k, -1, -1);
	seg(&k, true, TCP_ACK, C + 1, S + 1, 100, 500, -1, 10);
	uint32_t l = seg(&k, true, TCP_ACK, C + 201, S + 1, 100, 500, -1, 10);
	cr_expect(l & EXPERT_BIT(EXPERT_I_LOST_SEGMENT));
	uint32_t u = seg(&k, false, TCP_ACK, S + 1, C + 301, 0, 500, -1, 10);
	cr_expect(u & EXPERT_BIT(EXPERT_I_ACK_LOST_SEGMENT), "got %#x", u);
	flow_free(k.ft);
}

Test(expert, labels_join_with_commas_in_table_order_or_dash)
{
	char buf[128];
	cr_expect_str_eq(expert_str(0, buf, sizeof buf), "-");
	cr_expect_str_eq(expert_str(EXPERT_BIT(EXPERT_I_RST) | EXPERT_BIT(EXPERT_I_RETRANSMISSION),
	                            buf, sizeof buf), "retransmission,rst");
	cr_expect_str_eq(expert_str(EXPERT_BIT(EXPERT_I_RETRANSMISSION) |
	                            EXPERT_BIT(EXPERT_I_ZERO_WINDOW), buf, 20), "retransmission",
	                 "cut at a label boundary");
	for (int i = 0; i < EXPERT_NLABELS; i++) {
		cr_expect_not_null(expert_labels[i].name);
		cr_expect_not_null(expert_labels[i].wireshark);
		cr_expect_not_null(expert_labels[i].explain);
	}
	cr_expect_str_eq(flow_state_name(TCPS_TIME_WAIT), "TIME-WAIT");
}

Test(flow, many_connections_each_found_again_by_either_direction)
{
	struct flow_table *ft = flow_new();
	cr_assert_not_null(ft);
	struct tcp_segment s;
	struct flow_info fi;
	for (int round = 0; round < 2; round++) {
		for (uint32_t i = 0; i < 5000; i++) {
			memset(&s, 0, sizeof s);
			s.family = AF_INET;
			uint8_t a[4] = { 10, 0, (uint8_t)(i >> 8), (uint8_t)i }, b[4] = { 10, 9, 9, 9 };
			bool back = round == 1;
			memcpy(s.src, back ? b : a, 4);
			memcpy(s.dst, back ? a : b, 4);
			s.sport = back ? 443 : (uint16_t)(40000 + i % 1000);
			s.dport = back ? (uint16_t)(40000 + i % 1000) : 443;
			s.flags = back ? (TCP_SYN | TCP_ACK) : TCP_SYN;
			s.ack = back ? 1 : 0;
			cr_assert_eq(flow_track(ft, &s, &fi), 0);
			cr_assert_eq(fi.conn->id, i);
			cr_assert_eq(fi.dir, back ? FLOW_S2C : FLOW_C2S);
		}
	}
	cr_expect_eq(flow_count(ft), 5000);
	flow_free(ft);
}
