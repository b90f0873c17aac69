/* summary: conversations: each connection's packets, bytes, times, end and labels, as tshark counts them. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/capfile.h"
#include "capture/pktindex.h"
#include "engine/conv.h"

/*
 * tests/data/tui/conversations.pcap is nine real loopback connections from
 * tests/captures/, merged in time order (mergecap keeps each packet's own time):
 *   editcap -F pcap -r half_close.pcap half.pcap 1-8     (the server's FIN cut: half-closed)
 *   editcap -F pcap -r zero_window.pcap zw.pcap 1-12     (before its RST: still open)
 *   mergecap -F pcap -w conversations.pcap client_close_first.pcap half.pcap rst_unread.pcap \
 *            refused.pcap zw.pcap retransmission.pcap port_reuse.pcap ipv6.pcap
 * The expected
 * figures were read once from tshark 'tshark -r FILE -q -z conv,tcp' (packets each way,
 * relative start, duration) and from the sum of tcp.len per tcp.stream and tcp.srcport
 * (payload bytes each way); times are in ms since the first TCP segment, which is 6.164 ms
 * after the capture's first packet (a UDP datagram and its ICMP reply), so 6.164 ms less
 * than tshark's "Relative Start".
 */

#define CONVS "tests/data/tui/conversations.pcap"

static const char *root(void)
{
	const char *r = getenv("TCPLAB_ROOT");
	return r ? r : ".";
}

struct want {
	const char *client, *server;
	uint64_t pk_c, by_c, pk_s, by_s;
	double start_ms, dur_ms;
	enum conv_end end;
	int closer;             /* FLOW_C2S, FLOW_S2C, -1 */
	uint64_t retrans;
};

static const struct want want[] = {
	{ "127.0.0.1:49090", "127.0.0.1:8000", 6, 5, 4, 5, 0.000, 0.257, CONV_FIN, FLOW_C2S, 0 },
	{ "127.0.0.1:41226", "127.0.0.1:8000", 5, 7, 3, 16, 7629.624, 0.128, CONV_HALF, FLOW_C2S, 0 },
	{ "127.0.0.1:41238", "127.0.0.1:8000", 3, 10, 3, 0, 11679.006, 0.131, CONV_RST, FLOW_S2C, 0 },
	{ "127.0.0.1:48966", "127.0.0.1:8001", 1, 0, 1, 0, 15918.971, 0.134, CONV_RST, FLOW_S2C, 0 },
	{ "127.0.0.1:49202", "127.0.0.1:8000", 7, 5144, 5, 0, 26107.598, 87.816, CONV_OPEN, -1, 1 },
	{ "127.0.0.1:49210", "127.0.0.1:8000", 8, 39, 4, 13, 31784.668, 415.088, CONV_FIN, FLOW_C2S, 2 },
	{ "127.0.0.1:40000", "127.0.0.1:8000", 5, 3, 3, 3, 40378.755, 0.159, CONV_RST, FLOW_C2S, 0 },
	{ "127.0.0.1:40000", "127.0.0.1:8000", 6, 3, 4, 3, 40379.194, 0.283, CONV_FIN, FLOW_C2S, 0 },
	{ "[::1]:54982", "[::1]:8000", 6, 5, 4, 5, 44164.151, 0.291, CONV_FIN, FLOW_C2S, 0 },
};
#define NWANT (sizeof want / sizeof want[0])

static void expect_convs(const struct conv_list *cl, uint64_t t0)
{
	char c[64], s[64];

	cr_assert_eq(cl->n, NWANT, "%zu conversations", cl->n);
	for (size_t k = 0; k < NWANT; k++) {
		const struct conv *v = &cl->conv[k];
		const struct want *w = &want[k];
		double start = (double)(v->first_ns - t0) / 1e6, dur = (double)(v->last_ns - v->first_ns) / 1e6;

		cr_expect_eq(v->id, k);
		conv_ends(cl, v, c, s, sizeof c);
		cr_expect_str_eq(c, w->client, "tcp.stream %zu client", k);
		cr_expect_str_eq(s, w->server, "tcp.stream %zu server", k);
		cr_expect_eq(v->packets[FLOW_C2S], w->pk_c, "tcp.stream %zu: %llu packets from the client",
		             k, (unsigned long long)v->packets[FLOW_C2S]);
		cr_expect_eq(v->packets[FLOW_S2C], w->pk_s, "tcp.stream %zu: %llu packets from the server",
		             k, (unsigned long long)v->packets[FLOW_S2C]);
		cr_expect_eq(v->bytes[FLOW_C2S], w->by_c, "tcp.stream %zu: %llu bytes from the client",
		             k, (unsigned long long)v->bytes[FLOW_C2S]);
		cr_expect_eq(v->bytes[FLOW_S2C], w->by_s, "tcp.stream %zu: %llu bytes from the server",
		             k, (unsigned long long)v->bytes[FLOW_S2C]);
		cr_expect(start > w->start_ms - 0.0005 && start < w->start_ms + 0.0005,
		          "tcp.stream %zu starts at %.3f ms", k, start);
		cr_expect(dur > w->dur_ms - 0.0005 && dur < w->dur_ms + 0.0005,
		          "tcp.stream %zu lasts %.3f ms", k, dur);
		cr_expect_eq(conv_end_of(v), w->end, "tcp.stream %zu ended %s", k,
		             conv_end_name(conv_end_of(v)));
		cr_expect_eq(conv_closer(v), w->closer, "tcp.stream %zu closed by %d", k, conv_closer(v));
		cr_expect_eq(v->labels[EXPERT_I_RETRANSMISSION], w->retrans,
		             "tcp.stream %zu: %llu retransmissions", k,
		             (unsigned long long)v->labels[EXPERT_I_RETRANSMISSION]);
	}
}

/* Indexed a few packets at a time, counted after each step: one pass, same figures. */
Test(conv, an_index_counts_what_tshark_counts_per_connection)
{
	struct conv_list cl;
	struct pktindex *ix;
	char path[1024], err[256];
	size_t steps = 0;
	int rc;

	snprintf(path, sizeof path, "%s/%s", root(), CONVS);
	ix = pktindex_open(path, err, sizeof err);
	cr_assert_not_null(ix, "%s", err);
	conv_init_index(&cl, ix);
	do {
		rc = pktindex_step(ix, 7, err, sizeof err);
		cr_assert_geq(rc, 0, "%s", err);
		cr_assert_geq(conv_update(&cl), 0);
		cr_assert_eq(cl.seen, pktindex_count(ix), "every segment counted once");
		steps++;
	} while (rc > 0);
	cr_assert_gt(steps, 5, "counted while the file was being indexed");
	cr_expect_eq(conv_update(&cl), 0, "nothing new: nothing changed");
	expect_convs(&cl, pktindex_get(ix, 0)->ts_ns);
	conv_release(&cl);
	pktindex_free(ix);
}

/* A run's timeline (here the same capture's segments in capture order) counts the same. */
Test(conv, a_timeline_counts_the_same_as_the_index)
{
	struct capfile cf;
	struct timeline tl;
	struct conv_list cl;
	struct flow_seg **order;
	char path[1024], err[256];
	size_t total = 0, k = 0;

	snprintf(path, sizeof path, "%s/%s", root(), CONVS);
	cr_assert_eq(capfile_load(path, -1, 100000, &cf, err, sizeof err), 0, "%s", err);
	for (size_t c = 0; c < cf.nconn; c++)
		total += capfile_conn(&cf, c)->nseg;
	order = calloc(total, sizeof *order);
	cr_assert_not_null(order);
	for (size_t c = 0; c < cf.nconn; c++)
		for (size_t i = 0; i < capfile_conn(&cf, c)->nseg; i++)
			order[k++] = &capfile_conn(&cf, c)->seg[i];
	/* capture order: by frame number (few segments: a plain insertion sort) */
	for (size_t i = 1; i < total; i++)
		for (size_t j = i; j > 0 && order[j - 1]->seg.frame > order[j]->seg.frame; j--) {
			struct flow_seg *x = order[j];
			order[j] = order[j - 1];
			order[j - 1] = x;
		}
	timeline_init(&tl);
	for (size_t i = 0; i < total; i++) {
		order[i]->seg.caplen_payload = 0;       /* capfile keeps no payload */
		cr_assert_eq(timeline_add_segment(&tl, order[i]), 0);
	}
	conv_init_run(&cl, &tl);
	cr_assert_eq(conv_update(&cl), 1);
	expect_convs(&cl, tl.seg[0].seg.ts_ns);
	conv_release(&cl);
	timeline_release(&tl);
	free(order);
	capfile_release(&cf);
}

/* No cap on connections: a list of 2 where the file has 2, and the figures differ. */
Test(conv, port_reuse_is_two_conversations_of_one_4_tuple)
{
	struct conv_list cl;
	struct pktindex *ix;
	char path[1024], err[256], c[64], s[64];

	snprintf(path, sizeof path, "%s/tests/captures/port_reuse.pcap", root());
	ix = pktindex_open(path, err, sizeof err);
	cr_assert_not_null(ix, "%s", err);
	while (pktindex_step(ix, 1000, err, sizeof err) > 0)
		;
	conv_init_index(&cl, ix);
	cr_assert_eq(conv_update(&cl), 1);
	cr_assert_eq(cl.n, 2);
	conv_ends(&cl, &cl.conv[1], c, s, sizeof c);
	cr_expect_str_eq(c, "127.0.0.1:40000");
	cr_expect_eq(conv_end_of(&cl.conv[0]), CONV_RST);
	cr_expect_eq(conv_end_of(&cl.conv[1]), CONV_FIN);
	cr_expect_eq(cl.conv[0].packets[FLOW_C2S] + cl.conv[0].packets[FLOW_S2C], 8);
	cr_expect_eq(cl.conv[1].packets[FLOW_C2S] + cl.conv[1].packets[FLOW_S2C], 10);
	conv_release(&cl);
	pktindex_free(ix);
}
