/* summary: dissector tests: crafted packets on every link type, every truncation length, hostile headers. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "capture/dissect.h"

#define LT_RAW_FILE 101     /* LINKTYPE_RAW as pcap files store it */

/* ---- sample packets, byte by byte ---- */

/* IPv4 SYN 10.0.0.1:41652 > 10.0.0.2:5555, Linux option order:
 * mss 1460, sackOK, TS val 100 ecr 0, nop, wscale 7. */
static const uint8_t v4_syn[] = {
	0x45, 0x00, 0x00, 0x3c, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00,
	10, 0, 0, 1, 10, 0, 0, 2,
	0xa2, 0xb4, 0x15, 0xb3, 0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00,
	0xa0, 0x02, 0xfa, 0xf0, 0xbe, 0xef, 0x00, 0x00,
	0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x00, 0x00, 0x00, 0x64,
	0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07,
};

/* IPv4 data segment 10.0.0.2:5555 > 10.0.0.1:41652 [P.] with two SACK blocks, "hello". */
static const uint8_t v4_sack[] = {
	0x45, 0x00, 0x00, 0x41, 0x00, 0x07, 0x00, 0x00, 0x3f, 0x06, 0x00, 0x00,
	10, 0, 0, 2, 10, 0, 0, 1,
	0x15, 0xb3, 0xa2, 0xb4, 0x11, 0x11, 0x11, 0x11, 0x22, 0x22, 0x22, 0x22,
	0xa0, 0x18, 0x01, 0xf5, 0x12, 0x34, 0x00, 0x00,
	0x01, 0x01, 0x05, 0x12,
	0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x20, 0x00,
	0x00, 0x00, 0x30, 0x00, 0x00, 0x00, 0x40, 0x00,
	'h', 'e', 'l', 'l', 'o',
};

/* IPv6 2001:db8::1 > 2001:db8::2 through hop-by-hop (8), destination options (16) and a
 * first fragment with more-fragments set (8), then TCP [.] with nop nop TS, "xyz". */
static const uint8_t v6_chain[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x43, 0x00, 0x40,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
	/* hop-by-hop: next 60, len 0, PadN 4 */
	60, 0, 0x01, 0x04, 0, 0, 0, 0,
	/* destination options: next 44, len 1 (16 bytes), PadN 12 */
	44, 1, 0x01, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* fragment: next 6, offset 0, M=1, id 0xdeadbeef */
	6, 0, 0x00, 0x01, 0xde, 0xad, 0xbe, 0xef,
	/* tcp 8080 > 50000 */
	0x1f, 0x90, 0xc3, 0x50, 0xaa, 0xbb, 0xcc, 0xdd, 0x00, 0x00, 0x00, 0x01,
	0x80, 0x10, 0x10, 0x00, 0x00, 0x01, 0x00, 0x00,
	0x01, 0x01, 0x08, 0x0a, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x06,
	'x', 'y', 'z',
};

static const uint8_t hdr_eth_vlan2[] = {
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
	0x88, 0xa8, 0x00, 0x64, 0x81, 0x00, 0x00, 0xc8, 0x08, 0x00,
};
static const uint8_t hdr_eth_v4[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00 };
static const uint8_t hdr_eth_v6[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x86, 0xdd };
static const uint8_t hdr_sll_v4[] = {
	0x00, 0x00, 0x03, 0x04, 0x00, 0x06, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x00,
};
static const uint8_t hdr_sll2_v6[] = {
	0x86, 0xdd, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x04, 0x00, 0x06,
	0, 0, 0, 0, 0, 0, 0, 0,
};
static const uint8_t hdr_null_le_v4[] = { 2, 0, 0, 0 };
static const uint8_t hdr_loop_be_v4[] = { 0, 0, 0, 2 };
static const uint8_t hdr_null_le_v6[] = { 30, 0, 0, 0 };
/* Windows' own AF_INET6 (Winsock's 23), which Windows tools other than Npcap may write. */
static const uint8_t hdr_null_le_v6_windows[] = { 23, 0, 0, 0 };
/* Npcap's loopback adapter writes the BSD value, 24. */
static const uint8_t hdr_null_le_v6_npcap[] = { 24, 0, 0, 0 };

struct sample {
	const char *name;
	int dlt;
	const uint8_t *link;
	size_t linklen;
	const uint8_t *ip;
	size_t iplen;
	size_t tcp_end;          /* offset in the IP packet where the TCP header ends */
	uint32_t payload;        /* payload length */
};

static const struct sample samples[] = {
	{ "eth v4 syn", 1, hdr_eth_v4, sizeof hdr_eth_v4, v4_syn, sizeof v4_syn, 60, 0 },
	{ "vlan qinq v4 syn", 1, hdr_eth_vlan2, sizeof hdr_eth_vlan2, v4_syn, sizeof v4_syn, 60, 0 },
	{ "sll v4 syn", 113, hdr_sll_v4, sizeof hdr_sll_v4, v4_syn, sizeof v4_syn, 60, 0 },
	{ "null le v4 syn", 0, hdr_null_le_v4, 4, v4_syn, sizeof v4_syn, 60, 0 },
	{ "loop be v4 syn", 108, hdr_loop_be_v4, 4, v4_syn, sizeof v4_syn, 60, 0 },
	{ "raw12 v4 syn", 12, NULL, 0, v4_syn, sizeof v4_syn, 60, 0 },
	{ "raw14 v4 syn", 14, NULL, 0, v4_syn, sizeof v4_syn, 60, 0 },
	{ "raw101 v4 syn", 101, NULL, 0, v4_syn, sizeof v4_syn, 60, 0 },
	{ "ipv4 v4 syn", 228, NULL, 0, v4_syn, sizeof v4_syn, 60, 0 },
	{ "raw v4 sack", 101, NULL, 0, v4_sack, sizeof v4_sack, 60, 5 },
	{ "eth v6 chain", 1, hdr_eth_v6, sizeof hdr_eth_v6, v6_chain, sizeof v6_chain, 104, 3 },
	{ "sll2 v6 chain", 276, hdr_sll2_v6, sizeof hdr_sll2_v6, v6_chain, sizeof v6_chain, 104, 3 },
	{ "null v6 chain", 0, hdr_null_le_v6, 4, v6_chain, sizeof v6_chain, 104, 3 },
	{ "null windows v6 chain", 0, hdr_null_le_v6_windows, 4, v6_chain, sizeof v6_chain, 104, 3 },
	{ "null npcap v6 chain", 0, hdr_null_le_v6_npcap, 4, v6_chain, sizeof v6_chain, 104, 3 },
	{ "ipv6 v6 chain", 229, NULL, 0, v6_chain, sizeof v6_chain, 104, 3 },
	{ "raw v6 chain", 12, NULL, 0, v6_chain, sizeof v6_chain, 104, 3 },
};
#define NSAMPLES (sizeof samples / sizeof samples[0])

/* The sample as one exactly-sized heap block, so ASan sees any read past its end. */
static uint8_t *sample_bytes(const struct sample *s, size_t *len)
{
	*len = s->linklen + s->iplen;
	uint8_t *b = malloc(*len);
	cr_assert_not_null(b);
	if (s->linklen)
		memcpy(b, s->link, s->linklen);
	memcpy(b + s->linklen, s->ip, s->iplen);
	return b;
}

static int run(int dlt, const uint8_t *pkt, size_t len, struct tcp_segment *seg, char *err)
{
	memset(seg, 0xa5, sizeof *seg);      /* stale values must not survive */
	seg->ts_ns = 42;
	seg->frame = 7;
	return dissect_packet(dlt, pkt, len, seg, err, 128);
}

static void assert_syn(const struct tcp_segment *s)
{
	static const uint8_t a[4] = { 10, 0, 0, 1 }, b[4] = { 10, 0, 0, 2 };
	cr_assert_eq(s->ts_ns, 42);
	cr_assert_eq(s->frame, 7);
	cr_assert_eq(s->family, AF_INET);
	cr_assert_eq(s->ip_ttl, 64);
	cr_assert_not(s->ip_fragment);
	cr_assert(s->ip_df);
	cr_assert_eq(s->ip_id, 0x1234);
	cr_assert_arr_eq(s->src, a, 4);
	cr_assert_arr_eq(s->dst, b, 4);
	cr_assert_eq(s->sport, 41652);
	cr_assert_eq(s->dport, 5555);
	cr_assert_eq(s->seq, 0x01020304u);
	cr_assert_eq(s->ack, 0);
	cr_assert_eq(s->flags, TCP_SYN);
	cr_assert_eq(s->win, 64240);
	cr_assert_eq(s->cksum, 0xbeef);
	cr_assert_eq(s->urp, 0);
	cr_assert_eq(s->hdrlen, 40);
	cr_assert_eq(s->len, 0);
	cr_assert_eq(s->caplen_payload, 0);
	cr_assert_null(s->payload);
	cr_assert_eq(s->opt.present, TCPOPT_HAS_MSS | TCPOPT_HAS_SACKOK | TCPOPT_HAS_TS |
	                             TCPOPT_HAS_WSCALE);
	cr_assert_eq(s->opt.mss, 1460);
	cr_assert_eq(s->opt.wscale, 7);
	cr_assert_eq(s->opt.nsack, 0);
	cr_assert_eq(s->opt.nnop, 1);
	cr_assert_eq(s->opt.nunknown, 0);
	cr_assert_eq(s->opt.tsval, 100);
	cr_assert_eq(s->opt.tsecr, 0);
}

Test(dissect, syn_on_every_ipv4_link_type_fills_every_field)
{
	int n = 0;
	for (size_t i = 0; i < NSAMPLES; i++) {
		if (samples[i].ip != v4_syn)
			continue;
		size_t len;
		uint8_t *b = sample_bytes(&samples[i], &len);
		struct tcp_segment s;
		char err[128];
		int r = run(samples[i].dlt, b, len, &s, err);
		cr_assert_eq(r, DISSECT_TCP, "%s: %d (%s)", samples[i].name, r, err);
		cr_assert_str_empty(err);
		assert_syn(&s);
		free(b);
		n++;
	}
	cr_assert_eq(n, 9);
}

Test(dissect, data_segment_with_sack_blocks)
{
	static const uint8_t a[4] = { 10, 0, 0, 2 };
	struct tcp_segment s;
	char err[128];
	size_t len;
	uint8_t *b = sample_bytes(&samples[9], &len);

	cr_assert_eq(run(LT_RAW_FILE, b, len, &s, err), DISSECT_TCP, "%s", err);
	cr_assert_arr_eq(s.src, a, 4);
	cr_assert_eq(s.ip_ttl, 63);
	cr_assert_not(s.ip_df);
	cr_assert_eq(s.ip_id, 7);
	cr_assert_eq(s.sport, 5555);
	cr_assert_eq(s.dport, 41652);
	cr_assert_eq(s.seq, 0x11111111u);
	cr_assert_eq(s.ack, 0x22222222u);
	cr_assert_eq(s.flags, TCP_PSH | TCP_ACK);
	cr_assert_eq(s.win, 501);
	cr_assert_eq(s.cksum, 0x1234);
	cr_assert_eq(s.hdrlen, 40);
	cr_assert_eq(s.len, 5);
	cr_assert_eq(s.caplen_payload, 5);
	cr_assert_eq(s.payload, b + 60);
	cr_assert_arr_eq(s.payload, "hello", 5);
	cr_assert_eq(s.opt.present, TCPOPT_HAS_SACK);
	cr_assert_eq(s.opt.nnop, 2);
	cr_assert_eq(s.opt.nsack, 2);
	cr_assert_eq(s.opt.sack[0][0], 0x1000);
	cr_assert_eq(s.opt.sack[0][1], 0x2000);
	cr_assert_eq(s.opt.sack[1][0], 0x3000);
	cr_assert_eq(s.opt.sack[1][1], 0x4000);
	free(b);
}

Test(dissect, ipv6_extension_chain_on_every_link_type)
{
	uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8 }, z[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	a[15] = 1;
	z[15] = 2;
	int n = 0;
	for (size_t i = 0; i < NSAMPLES; i++) {
		if (samples[i].ip != v6_chain)
			continue;
		size_t len;
		uint8_t *b = sample_bytes(&samples[i], &len);
		struct tcp_segment s;
		char err[128];
		cr_assert_eq(run(samples[i].dlt, b, len, &s, err), DISSECT_TCP, "%s: %s",
		             samples[i].name, err);
		cr_assert_eq(s.family, AF_INET6);
		cr_assert_eq(s.ip_ttl, 64);
		cr_assert(s.ip_fragment, "first fragment with M set is a fragment");
		cr_assert_arr_eq(s.src, a, 16);
		cr_assert_arr_eq(s.dst, z, 16);
		cr_assert_eq(s.sport, 8080);
		cr_assert_eq(s.dport, 50000);
		cr_assert_eq(s.seq, 0xaabbccddu);
		cr_assert_eq(s.ack, 1);
		cr_assert_eq(s.flags, TCP_ACK);
		cr_assert_eq(s.win, 4096);
		cr_assert_eq(s.hdrlen, 32);
		cr_assert_eq(s.len, 3);
		cr_assert_eq(s.caplen_payload, 3);
		cr_assert_arr_eq(s.payload, "xyz", 3);
		cr_assert_eq(s.opt.present, TCPOPT_HAS_TS);
		cr_assert_eq(s.opt.tsval, 5);
		cr_assert_eq(s.opt.tsecr, 6);
		cr_assert_eq(s.opt.nnop, 2);
		char buf[64];
		cr_assert_str_eq(dissect_addr_str(&s, true, buf, sizeof buf), "2001:db8::1");
		cr_assert_str_eq(dissect_addr_str(&s, false, buf, sizeof buf), "2001:db8::2");
		free(b);
		n++;
	}
	cr_assert_eq(n, 7);
}

/* Every sample cut at every length: a clean verdict, never a read past the cut (ASan
 * watches the exactly-sized copy). Cut inside any header: malformed, with a reason. Cut
 * inside the payload: TCP, with the captured part told apart from the IP length. */
Test(dissect, every_truncation_of_every_sample_is_clean)
{
	for (size_t i = 0; i < NSAMPLES; i++) {
		const struct sample *sm = &samples[i];
		size_t full;
		uint8_t *whole = sample_bytes(sm, &full);
		size_t hdr_end = sm->linklen + sm->tcp_end;
		for (size_t cut = 0; cut <= full; cut++) {
			uint8_t *b = malloc(cut ? cut : 1);
			cr_assert_not_null(b);
			memcpy(b, whole, cut);
			struct tcp_segment s;
			char err[128];
			int r = run(sm->dlt, b, cut, &s, err);
			if (cut < hdr_end) {
				cr_assert_eq(r, DISSECT_MALFORMED, "%s cut at %zu: %d", sm->name, cut, r);
				cr_assert_str_not_empty(err, "%s cut at %zu: no reason", sm->name, cut);
			} else {
				cr_assert_eq(r, DISSECT_TCP, "%s cut at %zu: %s", sm->name, cut, err);
				cr_assert_eq(s.len, sm->payload, "%s cut at %zu", sm->name, cut);
				cr_assert_eq(s.caplen_payload, cut - hdr_end, "%s cut at %zu", sm->name, cut);
				cr_assert_eq(s.payload == NULL, cut == hdr_end);
			}
			/* Ports are reported once the first four TCP bytes are in. */
			size_t tcp_start = sm->tcp_end - (sm->ip == v6_chain ? 32 : 40);
			uint16_t sport = (uint16_t)(sm->ip[tcp_start] << 8 | sm->ip[tcp_start + 1]);
			if (cut >= sm->linklen + tcp_start + 4)
				cr_assert_eq(s.sport, sport, "%s cut at %zu", sm->name, cut);
			else
				cr_assert_eq(s.sport, 0, "%s cut at %zu", sm->name, cut);
			free(b);
		}
		free(whole);
	}
}

/* ---- hostile headers, one mutation of a base raw IPv4 packet each ---- */

/* 10.0.0.1:1000 > 10.0.0.2:2000, 12 option bytes (mss, nop nop sackOK, 4 nops), "abcd". */
static const uint8_t base[] = {
	0x45, 0x00, 0x00, 0x38, 0x00, 0x01, 0x00, 0x00, 0x40, 0x06, 0x00, 0x00,
	10, 0, 0, 1, 10, 0, 0, 2,
	0x03, 0xe8, 0x07, 0xd0, 0, 0, 0, 1, 0, 0, 0, 0,
	0x80, 0x02, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x02, 0x04, 0x05, 0xb4, 0x01, 0x01, 0x04, 0x02, 0x01, 0x01, 0x01, 0x01,
	'a', 'b', 'c', 'd',
};

struct hostile {
	char name[40];
	int nmut;
	uint8_t off[4], val[4];
	int expect;
	char msg[96];            /* substring the reason must contain; "" for none */
};

ParameterizedTestParameters(dissect, hostile_header)
{
	static struct hostile h[] = {
		{ "base is fine", 0, {0}, {0}, DISSECT_TCP, "" },
		{ "ihl 4", 1, {0}, {0x44}, DISSECT_MALFORMED, "ipv4 header length 16 is below 20" },
		{ "ihl past end", 1, {0}, {0x4f}, DISSECT_MALFORMED, "truncated ipv4 header (56 of 60" },
		{ "ip version 5", 1, {0}, {0x55}, DISSECT_MALFORMED, "ip version 5" },
		{ "total length below header", 2, {2, 3}, {0, 10}, DISSECT_MALFORMED,
		  "ipv4 total length 10 is below its header length 20" },
		{ "total length too short for tcp", 2, {2, 3}, {0, 30}, DISSECT_MALFORMED,
		  "ip payload of 10 bytes is too short for a tcp header" },
		{ "data offset 4", 1, {32}, {0x40}, DISSECT_MALFORMED,
		  "tcp data offset 4 is below 5" },
		{ "data offset 0", 1, {32}, {0x00}, DISSECT_MALFORMED,
		  "tcp data offset 0 is below 5" },
		{ "data offset 15 past end", 1, {32}, {0xf0}, DISSECT_MALFORMED,
		  "tcp data offset 15 (60 bytes) is past the end of the segment (36 bytes)" },
		{ "option length 0", 1, {41}, {0}, DISSECT_MALFORMED,
		  "tcp option 2 has a length below 2 (length 0)" },
		{ "option length 1", 1, {41}, {1}, DISSECT_MALFORMED,
		  "tcp option 2 has a length below 2 (length 1)" },
		{ "option past header", 2, {44, 45}, {8, 10}, DISSECT_MALFORMED,
		  "tcp option 8 (length 10) runs past the end of the tcp header" },
		{ "sack length 11", 2, {40, 41}, {5, 11}, DISSECT_MALFORMED,
		  "tcp option 5 (sack) is not 2 + 8n" },
		{ "mss length 3", 1, {41}, {3}, DISSECT_MALFORMED, "tcp option 2 (mss) should be 4" },
		{ "timestamp length 6", 3, {44, 45, 48}, {8, 6, 1}, DISSECT_MALFORMED,
		  "tcp option 8 (timestamps) should be 10" },
		{ "no length byte", 1, {51}, {30}, DISSECT_MALFORMED,
		  "tcp option 30 has no length byte" },
		{ "eol ends options", 1, {44}, {0}, DISSECT_TCP, "" },
		{ "udp is not tcp", 1, {9}, {17}, DISSECT_NOT_TCP, "" },
		{ "non-first fragment", 2, {6, 7}, {0x00, 0x10}, DISSECT_NOT_TCP, "" },
	};
	return cr_make_param_array(struct hostile, h, sizeof h / sizeof h[0]);
}

ParameterizedTest(struct hostile *h, dissect, hostile_header)
{
	uint8_t *b = malloc(sizeof base);
	cr_assert_not_null(b);
	memcpy(b, base, sizeof base);
	for (int i = 0; i < h->nmut; i++)
		b[h->off[i]] = h->val[i];
	struct tcp_segment s;
	char err[128];
	int r = run(LT_RAW_FILE, b, sizeof base, &s, err);
	cr_assert_eq(r, h->expect, "%s: got %d (%s)", h->name, r, err);
	if (h->msg[0])
		cr_assert(strstr(err, h->msg), "%s: reason '%s' lacks '%s'", h->name, err, h->msg);
	if (h->expect == DISSECT_MALFORMED && h->off[0] >= 20)
		cr_assert_eq(s.sport, 1000, "%s: ports are kept for the listing", h->name);
	free(b);
}

Test(dissect, option_error_still_describes_payload_and_unknown_kinds_are_kept)
{
	uint8_t b[sizeof base];
	memcpy(b, base, sizeof b);
	b[44] = 30; b[45] = 2;     /* unknown kind 30, length 2 */
	b[46] = 253; b[47] = 4;    /* experimental kind 253, length 4 */
	struct tcp_segment s;
	char err[128];
	cr_assert_eq(run(LT_RAW_FILE, b, sizeof b, &s, err), DISSECT_TCP, "%s", err);
	cr_assert_eq(s.opt.present, TCPOPT_HAS_MSS | TCPOPT_HAS_UNKNOWN);
	cr_assert_eq(s.opt.nunknown, 2);
	cr_assert_eq(s.opt.unknown_kind[0], 30);
	cr_assert_eq(s.opt.unknown_kind[1], 253);
	cr_assert_eq(s.opt.nnop, 2);

	b[41] = 0;                 /* now a broken mss */
	cr_assert_eq(run(LT_RAW_FILE, b, sizeof b, &s, err), DISSECT_MALFORMED);
	cr_assert_eq(s.len, 4);
	cr_assert_eq(s.caplen_payload, 4);
	cr_assert_arr_eq(s.payload, "abcd", 4);
}

Test(dissect, ipv4_total_length_beyond_capture_is_snapped_payload)
{
	uint8_t b[sizeof base];
	memcpy(b, base, sizeof b);
	b[2] = 0x05; b[3] = 0xdc;  /* claims 1500 bytes; 56 captured */
	struct tcp_segment s;
	char err[128];
	cr_assert_eq(run(LT_RAW_FILE, b, sizeof b, &s, err), DISSECT_TCP, "%s", err);
	cr_assert_eq(s.len, 1500 - 20 - 32);
	cr_assert_eq(s.caplen_payload, 4);

	b[2] = 0; b[3] = 54;       /* claims 2 payload bytes: the rest is link padding */
	cr_assert_eq(run(LT_RAW_FILE, b, sizeof b, &s, err), DISSECT_TCP, "%s", err);
	cr_assert_eq(s.len, 2);
	cr_assert_eq(s.caplen_payload, 2);

	b[2] = 0; b[3] = 0;        /* TSO send: length taken from the capture */
	cr_assert_eq(run(LT_RAW_FILE, b, sizeof b, &s, err), DISSECT_TCP, "%s", err);
	cr_assert_eq(s.len, 4);
}

Test(dissect, first_ipv4_fragment_is_dissected_and_flagged)
{
	uint8_t b[sizeof base];
	memcpy(b, base, sizeof b);
	b[6] = 0x20;               /* MF, offset 0 */
	struct tcp_segment s;
	char err[128];
	cr_assert_eq(run(LT_RAW_FILE, b, sizeof b, &s, err), DISSECT_TCP, "%s", err);
	cr_assert(s.ip_fragment);
	cr_assert_eq(s.dport, 2000);
	b[6] = 0x00; b[7] = 0x01;  /* offset 8 bytes */
	cr_assert_eq(run(LT_RAW_FILE, b, sizeof b, &s, err), DISSECT_NOT_TCP);
	cr_assert(s.ip_fragment);
	cr_assert_eq(s.family, AF_INET);
}

Test(dissect, ipv6_chain_of_20_extension_headers_is_bounded)
{
	size_t len = 40 + 20 * 8 + 20;
	uint8_t *b = calloc(1, len);
	cr_assert_not_null(b);
	b[0] = 0x60;
	b[4] = (uint8_t)((len - 40) >> 8);
	b[5] = (uint8_t)(len - 40);
	b[6] = 60;
	for (int i = 0; i < 20; i++)
		b[40 + i * 8] = i == 19 ? 6 : 60;
	struct tcp_segment s;
	char err[128];
	cr_assert_eq(run(229, b, len, &s, err), DISSECT_MALFORMED);
	cr_assert_str_eq(err, "more than 8 ipv6 extension headers");

	b[40 + 7 * 8] = 6;         /* 8 headers then tcp: allowed, and TCP is read */
	b[40 + 8 * 8 + 12] = 0x50;
	cr_assert_eq(run(229, b, len, &s, err), DISSECT_TCP, "%s", err);
	cr_assert_eq(s.hdrlen, 20);
	cr_assert_eq(s.len, len - 40 - 64 - 20);
	free(b);
}

Test(dissect, ipv6_extension_header_past_payload_length)
{
	uint8_t b[sizeof v6_chain];
	memcpy(b, v6_chain, sizeof b);
	b[5] = 10;                  /* payload length 10: the 16-byte dest opts cannot fit */
	struct tcp_segment s;
	char err[128];
	cr_assert_eq(run(229, b, sizeof b, &s, err), DISSECT_MALFORMED);
	cr_assert_str_eq(err, "ipv6 extension header 60 (16 bytes) runs past the payload length");

	memcpy(b, v6_chain, sizeof b);
	b[66] = 0x00; b[67] = 0x08; /* fragment offset 1: not the first fragment */
	cr_assert_eq(run(229, b, sizeof b, &s, err), DISSECT_NOT_TCP);
	cr_assert(s.ip_fragment);

	memcpy(b, v6_chain, sizeof b);
	b[40] = 17;                 /* hop-by-hop then UDP */
	cr_assert_eq(run(229, b, sizeof b, &s, err), DISSECT_NOT_TCP);

	memcpy(b, v6_chain, sizeof b);
	b[4] = 0; b[5] = 0;         /* jumbo/GSO: length from the capture */
	cr_assert_eq(run(229, b, sizeof b, &s, err), DISSECT_TCP, "%s", err);
	cr_assert_eq(s.len, 3);
}

Test(dissect, link_layer_oddities)
{
	struct tcp_segment s;
	char err[128];
	uint8_t b[64] = { 0 };

	cr_assert_eq(run(147, b, sizeof b, &s, err), DISSECT_MALFORMED);
	cr_assert_str_eq(err, "unsupported link type 147");
	cr_assert_eq(run(105, b, sizeof b, &s, err), DISSECT_MALFORMED);
	cr_assert_str_eq(err, "unsupported link type 105 (IEEE802_11)");

	memcpy(b, hdr_eth_v4, 14);
	b[12] = 0x08; b[13] = 0x06; /* ARP */
	cr_assert_eq(run(1, b, sizeof b, &s, err), DISSECT_NOT_TCP);
	cr_assert_eq(s.family, 0);

	for (int i = 0; i < 5; i++) {   /* five stacked tags: over the bound of four */
		b[12 + 4 * i] = 0x81; b[13 + 4 * i] = 0x00;
	}
	b[32] = 0x08; b[33] = 0x00;
	cr_assert_eq(run(1, b, sizeof b, &s, err), DISSECT_MALFORMED);
	cr_assert_str_eq(err, "more than 4 stacked vlan tags");

	uint8_t nul[] = { 0x07, 0, 0, 0, 0x45 };   /* family 7: not IP (23 is Windows' IPv6) */
	cr_assert_eq(run(0, nul, sizeof nul, &s, err), DISSECT_NOT_TCP);

	cr_assert_eq(run(229, v4_syn, sizeof v4_syn, &s, err), DISSECT_MALFORMED);
	cr_assert_str_eq(err, "ip version 4 where ipv6 was expected");
	cr_assert_eq(run(228, v6_chain, sizeof v6_chain, &s, err), DISSECT_MALFORMED);
	cr_assert_str_eq(err, "ip version 6 where ipv4 was expected");

	cr_assert_eq(dissect_packet(1, NULL, 0, &s, NULL, 0), DISSECT_MALFORMED);
}

struct flagcase {
	uint16_t flags;
	char want[12];
};

ParameterizedTestParameters(dissect, flags_in_tcpdump_notation)
{
	static struct flagcase f[] = {
		{ TCP_SYN, "S" }, { TCP_SYN | TCP_ACK, "S." }, { TCP_PSH | TCP_ACK, "P." },
		{ TCP_FIN | TCP_ACK, "F." }, { TCP_RST, "R" }, { TCP_RST | TCP_ACK, "R." },
		{ TCP_FIN | TCP_PSH | TCP_ACK, "FP." }, { TCP_SYN | TCP_ACK | TCP_ECE, "S.E" },
		{ TCP_SYN | TCP_ECE | TCP_CWR, "SEW" }, { TCP_ACK, "." }, { 0, "none" },
		{ TCP_URG | TCP_ACK, ".U" }, { 0x1ff, "FSRP.UEWe" },
	};
	return cr_make_param_array(struct flagcase, f, sizeof f / sizeof f[0]);
}

ParameterizedTest(struct flagcase *f, dissect, flags_in_tcpdump_notation)
{
	char buf[12];
	cr_assert_str_eq(dissect_flags_str(f->flags, buf, sizeof buf), f->want);
}

Test(dissect, flags_str_never_overflows_a_small_buffer)
{
	char buf[4] = "xxx";
	cr_assert_str_eq(dissect_flags_str(0x1ff, buf, sizeof buf), "FSR");
	cr_assert_str_eq(dissect_flags_str(0, buf, 3), "no");
}

Test(dissect, addr_str_ipv4_and_unknown)
{
	struct tcp_segment s;
	char err[128], buf[64];
	cr_assert_eq(run(LT_RAW_FILE, v4_syn, sizeof v4_syn, &s, err), DISSECT_TCP);
	cr_assert_str_eq(dissect_addr_str(&s, true, buf, sizeof buf), "10.0.0.1");
	cr_assert_str_eq(dissect_addr_str(&s, false, buf, sizeof buf), "10.0.0.2");
	s.family = 0;
	cr_assert_str_eq(dissect_addr_str(&s, true, buf, sizeof buf), "?");
}
