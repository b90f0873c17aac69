/* summary: write a deterministic synthetic pcap of many interleaved TCP connections for 'make bench'. */

/*
 * Usage: gencap OUT.pcap [NSEGMENTS] [--bulk]        (default 1000000 segments)
 *
 * What it writes: a nanosecond pcap, LINKTYPE_ETHERNET, IPv4, snaplen 128 (headers and the
 * first bytes of payload are captured, the rest is cut as 'tcpdump -s 128' would), exactly
 * NSEGMENTS TCP segments. About 300 connections are open at any time, each scheduled by its
 * own round-trip time, so their segments interleave as on a busy link. A connection is a
 * handshake with Linux's SYN options (MSS, SACK-permitted, timestamps, window scale), 1 to 4
 * request/response rounds with cumulative ACKs every second segment, then a close: client
 * FIN first (four or three segments), server FIN first, or a RST. Sprinkled in, at rates
 * that give every expert label something to find: refused connections (S, R.), lost SYNs
 * retransmitted after 1 s, triple duplicate ACKs with SACK blocks followed by a fast
 * retransmission, RTO retransmissions, zero windows with a Linux-style probe and a window
 * update.
 *
 * Determinism: the output depends only on GEN_SEED, never on NSEGMENTS, so a shorter file
 * is byte for byte a prefix of a longer one (run.sh uses that to give tshark the first
 * 100,000 segments of the same traffic). The generator keeps its own PRNG (splitmix64)
 * and its own buffered pcap writer: it depends on nothing else in tcplab, so it cannot
 * inherit a bug from the code it benchmarks.
 *
 * Checksums are right: IPv4 header checksums and TCP checksums over the full (uncaptured
 * too) payload, which is the repeating pattern "abab..." so its sum has a closed form.
 *
 * --bulk writes a second kind of file, for the reader's cost per byte rather than per
 * segment: snaplen 65535, so every payload byte is in the file (as 'tcpdump -s 0' keeps);
 * responses are written by the server application in pieces of 900 to 1448 bytes (each
 * its own segment, as without Nagle or autocorking), and 1 or 2 request/response rounds,
 * so segments carry about 600 bytes on average (ACKs included) and a 1,000,000-segment
 * file holds about 31,700 connections (both printed at the end). The same traffic model otherwise; the
 * default file is unchanged by it, byte for byte.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GEN_SEED      UINT64_C(0x7463706c61622d31)   /* "tcplab-1" */
#define GEN_SLOTS     300                             /* connections open at once */
#define GEN_SNAPLEN   128
#define GEN_BULK_SNAPLEN 65535
#define GEN_BUFSZ     (1u << 20)
#define GEN_START_S   UINT64_C(1700000000)            /* 2023-11-14T22:13:20Z */
#define GEN_MSS       1460u
#define GEN_SEGDATA   1448u                           /* MSS less the timestamp option */
#define GEN_WSCALE    7u
#define NS_PER_MS     UINT64_C(1000000)
#define NS_PER_US     UINT64_C(1000)

struct rng {
	uint64_t s;
};

/* splitmix64: tiny, fast, and the same on every platform. */
static uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* Uniform in [0, n), n > 0. */
static uint32_t rng_below(struct rng *r, uint32_t n)
{
	return (uint32_t)(((rng_next(r) >> 32) * n) >> 32);
}

/* Uniform in [lo, hi]. */
static uint64_t rng_range(struct rng *r, uint64_t lo, uint64_t hi)
{
	return lo + rng_next(r) % (hi - lo + 1);
}

enum gen_phase {
	PH_SYN,
	PH_SYN_RETX,
	PH_REFUSED,
	PH_SYNACK,
	PH_REQ,
	PH_RESP,
	PH_FAST_RETX,
	PH_RTO_RETX,
	PH_ZW_PROBE,
	PH_ZW_OPEN,
	PH_CLOSE1,
	PH_CLOSE2,
	PH_DONE,
};

enum gen_close { CLOSE_CLIENT4, CLOSE_CLIENT3, CLOSE_SERVER4, CLOSE_RST_CLIENT, CLOSE_RST_SERVER };

enum gen_opt { OPT_TS, OPT_TS_SACK, OPT_SYN, OPT_NONE };

enum { CLIENT = 0, SERVER = 1 };  /* index into gen_conn.side */

struct gen_side {
	uint8_t ip[4];
	uint8_t mac[6];
	uint16_t port;
	uint32_t isn;
	uint32_t nxt;           /* next sequence number to send */
	uint32_t ts_base;       /* TSval = ts_base + milliseconds (RFC 7323 clock) */
	uint32_t last_tsval;
	uint16_t ip_id;
	uint16_t win;           /* raw window advertised after the handshake */
};

struct gen_conn {
	struct gen_side side[2];
	enum gen_phase phase;
	enum gen_close close;
	uint64_t next_ns;       /* when this connection's next step happens */
	uint64_t rtt_ns;
	uint32_t rounds;        /* request/response rounds left */
	uint32_t resp_left;     /* response segments still to send in this round */
	uint32_t retx_seq, retx_len;
	bool retx_psh;
	bool first_chunk;       /* the next response chunk is the round's first */
};

/* What differs between the default file and --bulk's. */
struct gen_profile {
	uint32_t snaplen;
	uint32_t max_rounds;    /* request/response rounds per connection: 1 to this */
	uint32_t piece_min;     /* a response's segments but the last: piece_min..GEN_SEGDATA
	                           bytes (GEN_SEGDATA: full-size, no random draw) */
};

static const struct gen_profile profile_default = { GEN_SNAPLEN, 4, GEN_SEGDATA };
static const struct gen_profile profile_bulk = { GEN_BULK_SNAPLEN, 2, 900 };

struct gen {
	const struct gen_profile *prof;
	FILE *f;
	uint8_t *buf;
	size_t used;
	uint64_t count, limit;
	uint64_t now_ns;
	uint64_t conns;         /* connections set up in a slot */
	uint64_t opened;        /* connections whose first SYN is in the file */
	uint64_t payload;       /* payload bytes of the segments written */
	struct rng rng;
	int err;                /* errno of the first write error */
};

struct gen_seg {
	int dir;                /* CLIENT or SERVER: the sender */
	uint16_t flags;
	uint32_t seq, ack;
	uint16_t win;
	enum gen_opt opt;
	uint32_t len;
	uint32_t sack_l, sack_r;
};

enum { F_FIN = 0x01, F_SYN = 0x02, F_RST = 0x04, F_PSH = 0x08, F_ACK = 0x10 };

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t sum16(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t fold(uint64_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void gen_flush(struct gen *g)
{
	if (g->used && !g->err && fwrite(g->buf, 1, g->used, g->f) != g->used)
		g->err = errno ? errno : EIO;
	g->used = 0;
}

static void gen_put(struct gen *g, const void *p, size_t n)
{
	if (g->used + n > GEN_BUFSZ)
		gen_flush(g);
	memcpy(g->buf + g->used, p, n);
	g->used += n;
}

/* The pcap file header, nanosecond variant, written in host byte order as libpcap does. */
static void gen_header(struct gen *g)
{
	struct {
		uint32_t magic;
		uint16_t major, minor;
		int32_t thiszone;
		uint32_t sigfigs, snaplen, linktype;
	} h = { 0xa1b23c4d, 2, 4, 0, 0, g->prof->snaplen, 1 /* LINKTYPE_ETHERNET */ };
	gen_put(g, &h, sizeof h);
}

/* Write one segment at the current time; a few microseconds pass on the wire first. */
static void gen_emit(struct gen *g, struct gen_conn *c, const struct gen_seg *s)
{
	if (g->count >= g->limit)
		return;
	g->count++;
	g->payload += s->len;
	g->now_ns += rng_range(&g->rng, 1 * NS_PER_US, 12 * NS_PER_US);

	struct gen_side *me = &c->side[s->dir], *peer = &c->side[!s->dir];
	uint8_t pkt[14 + 60 + 60 + GEN_SEGDATA];
	uint8_t *ip = pkt + 14, *tcp = ip + 20, *o = tcp + 20;
	size_t olen = 0;

	uint32_t tsval = me->ts_base + (uint32_t)(g->now_ns / NS_PER_MS);
	uint32_t tsecr = (s->flags & F_SYN) && !(s->flags & F_ACK) ? 0 : peer->last_tsval;
	me->last_tsval = tsval;

	switch (s->opt) {
	case OPT_NONE:
		break;
	case OPT_SYN:   /* Linux's order: MSS, SACK-permitted, timestamps, NOP, window scale */
		o[0] = 2; o[1] = 4; put16(o + 2, GEN_MSS);
		o[4] = 4; o[5] = 2;
		o[6] = 8; o[7] = 10; put32(o + 8, tsval); put32(o + 12, tsecr);
		o[16] = 1;
		o[17] = 3; o[18] = 3; o[19] = GEN_WSCALE;
		olen = 20;
		break;
	case OPT_TS:
	case OPT_TS_SACK:
		o[0] = 1; o[1] = 1;
		o[2] = 8; o[3] = 10; put32(o + 4, tsval); put32(o + 8, tsecr);
		olen = 12;
		if (s->opt == OPT_TS_SACK) {
			o[12] = 1; o[13] = 1;
			o[14] = 5; o[15] = 10; put32(o + 16, s->sack_l); put32(o + 20, s->sack_r);
			olen = 24;
		}
		break;
	}

	size_t thl = 20 + olen;
	uint32_t iplen = (uint32_t)(20 + thl + s->len);

	memcpy(pkt, peer->mac, 6);
	memcpy(pkt + 6, me->mac, 6);
	pkt[12] = 0x08;
	pkt[13] = 0x00;

	ip[0] = 0x45;
	ip[1] = 0;
	put16(ip + 2, iplen);
	put16(ip + 4, me->ip_id++);
	put16(ip + 6, 0x4000);      /* DF */
	ip[8] = 64;
	ip[9] = 6;
	put16(ip + 10, 0);
	memcpy(ip + 12, me->ip, 4);
	memcpy(ip + 16, peer->ip, 4);
	put16(ip + 10, fold(sum16(ip, 20)));

	put16(tcp, me->port);
	put16(tcp + 2, peer->port);
	put32(tcp + 4, s->seq);
	put32(tcp + 8, s->ack);
	put16(tcp + 12, (uint32_t)(thl / 4) << 12 | s->flags);
	put16(tcp + 14, s->win);
	put16(tcp + 16, 0);
	put16(tcp + 18, 0);

	/* Payload "abab...": whole words of 0x6162, an odd byte 0x61 00. */
	size_t hdrs = 14 + 20 + thl;
	size_t snap = g->prof->snaplen;
	size_t caplen = hdrs + s->len < snap ? hdrs + s->len : snap;
	for (size_t i = hdrs; i < caplen; i++)
		pkt[i] = (i - hdrs) & 1 ? 'b' : 'a';
	uint64_t sum = sum16(ip + 12, 8) + 6 + (uint32_t)(thl + s->len) + sum16(tcp, thl);
	sum += (uint64_t)(s->len / 2) * 0x6162 + (s->len & 1 ? 0x6100 : 0);
	put16(tcp + 16, fold(sum));

	uint32_t rec[4] = {
		(uint32_t)(g->now_ns / 1000000000u), (uint32_t)(g->now_ns % 1000000000u),
		(uint32_t)caplen, (uint32_t)(14 + iplen),
	};
	gen_put(g, rec, sizeof rec);
	gen_put(g, pkt, caplen);
}

/* Shorthands for the common segments; every segment after the SYNs carries timestamps. */
static void seg_data(struct gen *g, struct gen_conn *c, int dir, uint32_t seq, uint32_t len,
                     bool psh)
{
	struct gen_seg s = {
		.dir = dir, .flags = (uint16_t)(F_ACK | (psh ? F_PSH : 0)), .seq = seq,
		.ack = c->side[!dir].nxt, .win = c->side[dir].win, .opt = OPT_TS, .len = len,
	};
	gen_emit(g, c, &s);
}

static void seg_ack(struct gen *g, struct gen_conn *c, int dir, uint32_t ack, uint16_t win)
{
	struct gen_seg s = {
		.dir = dir, .flags = F_ACK, .seq = c->side[dir].nxt, .ack = ack, .win = win,
		.opt = OPT_TS,
	};
	gen_emit(g, c, &s);
}

static void seg_fin(struct gen *g, struct gen_conn *c, int dir)
{
	struct gen_seg s = {
		.dir = dir, .flags = F_FIN | F_ACK, .seq = c->side[dir].nxt,
		.ack = c->side[!dir].nxt, .win = c->side[dir].win, .opt = OPT_TS,
	};
	gen_emit(g, c, &s);
	c->side[dir].nxt++;
}

static void seg_rst(struct gen *g, struct gen_conn *c, int dir)
{
	struct gen_seg s = {
		.dir = dir, .flags = F_RST | F_ACK, .seq = c->side[dir].nxt,
		.ack = c->side[!dir].nxt, .win = 0, .opt = OPT_TS,
	};
	gen_emit(g, c, &s);
}

static void seg_syn(struct gen *g, struct gen_conn *c, int dir)
{
	struct gen_seg s = {
		.dir = dir, .flags = (uint16_t)(F_SYN | (dir == SERVER ? F_ACK : 0)),
		.seq = c->side[dir].isn, .ack = dir == SERVER ? c->side[CLIENT].isn + 1 : 0,
		.win = dir == CLIENT ? 64240 : 65160, .opt = OPT_SYN,
	};
	gen_emit(g, c, &s);
	c->side[dir].nxt = c->side[dir].isn + 1;
}

static void conn_init(struct gen *g, struct gen_conn *c)
{
	struct rng *r = &g->rng;
	uint64_t id = g->conns++;

	memset(c, 0, sizeof *c);
	c->side[CLIENT].ip[0] = 10;
	c->side[CLIENT].ip[1] = (uint8_t)(1 + (id >> 16) % 250);
	c->side[CLIENT].ip[2] = (uint8_t)(id >> 8);
	c->side[CLIENT].ip[3] = (uint8_t)id;
	c->side[CLIENT].port = (uint16_t)(32768 + (id * 7919) % 28232);
	c->side[SERVER].ip[0] = 10;
	c->side[SERVER].ip[3] = (uint8_t)(1 + rng_below(r, 8));
	static const uint16_t ports[] = { 80, 443, 8080, 8000 };
	c->side[SERVER].port = ports[rng_below(r, 4)];
	const uint8_t mac_c[6] = { 0x02, 0, 0, 0, 0, 0x01 }, mac_s[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	memcpy(c->side[CLIENT].mac, mac_c, 6);
	memcpy(c->side[SERVER].mac, mac_s, 6);
	for (int d = CLIENT; d <= SERVER; d++) {
		c->side[d].isn = (uint32_t)rng_next(r);
		c->side[d].ts_base = (uint32_t)rng_next(r);
		c->side[d].ip_id = (uint16_t)rng_next(r);
		/* 64 KiB to 3 MiB of receive window, scaled by 2^7. */
		c->side[d].win = (uint16_t)rng_range(r, 512, 24576);
	}
	/* 0.1 ms (same rack) to 25 ms (same continent). */
	c->rtt_ns = rng_range(r, 100 * NS_PER_US, 25 * NS_PER_MS);
	c->rounds = (uint32_t)rng_range(r, 1, g->prof->max_rounds);
	uint32_t k = rng_below(r, 100);
	c->close = k < 40 ? CLOSE_CLIENT4 : k < 60 ? CLOSE_CLIENT3 : k < 85 ? CLOSE_SERVER4
	         : k < 95 ? CLOSE_RST_CLIENT : CLOSE_RST_SERVER;
	c->phase = PH_SYN;
	c->next_ns = g->now_ns + rng_range(r, 0, 2 * NS_PER_MS);
}

/* A response chunk (and whatever went wrong with it) is over: next chunk, round or close. */
static void chunk_done(struct gen *g, struct gen_conn *c)
{
	if (c->resp_left) {
		c->phase = PH_RESP;
		c->next_ns = g->now_ns + c->rtt_ns;
		return;
	}
	c->rounds--;
	c->phase = c->rounds ? PH_REQ : PH_CLOSE1;
	c->next_ns = g->now_ns + rng_range(&g->rng, 20 * NS_PER_US, 2 * NS_PER_MS);
}

/* The server sends up to ten segments; the client ACKs every second one, or things go wrong. */
static void conn_resp(struct gen *g, struct gen_conn *c)
{
	struct rng *r = &g->rng;
	struct gen_side *srv = &c->side[SERVER];
	uint32_t k = (uint32_t)rng_range(r, 2, 10);
	if (k > c->resp_left)
		k = c->resp_left;
	uint32_t first_seq = srv->nxt, first_len = 0, last_seq = 0, last_len = 0;
	uint32_t seg_end[10];   /* k <= 10: where each segment's data ends */
	bool last_psh = false;
	for (uint32_t i = 0; i < k; i++) {
		bool end = c->resp_left == 1;
		uint32_t piece = g->prof->piece_min;
		uint32_t len = end ? (uint32_t)rng_range(r, 1, GEN_SEGDATA)
		             : piece < GEN_SEGDATA ? (uint32_t)rng_range(r, piece, GEN_SEGDATA)
		             : GEN_SEGDATA;
		if (i == 0)
			first_len = len;
		last_seq = srv->nxt;
		last_len = len;
		last_psh = end;
		seg_data(g, c, SERVER, srv->nxt, len, end);
		srv->nxt += len;
		seg_end[i] = srv->nxt;
		c->resp_left--;
	}

	uint32_t roll = k >= 4 ? rng_below(r, 1000) : 1000;
	if (roll < 30) {
		/* The first segment was lost past the capture point: three duplicate ACKs, each
		 * SACKing the rest (RFC 2018), then a fast retransmission (RFC 5681 3.2). */
		for (int i = 0; i < 3; i++) {
			struct gen_seg s = {
				.dir = CLIENT, .flags = F_ACK, .seq = c->side[CLIENT].nxt, .ack = first_seq,
				.win = c->side[CLIENT].win, .opt = OPT_TS_SACK,
				.sack_l = first_seq + first_len, .sack_r = srv->nxt,
			};
			gen_emit(g, c, &s);
		}
		c->retx_seq = first_seq;
		c->retx_len = first_len;
		c->retx_psh = false;
		c->phase = PH_FAST_RETX;
		c->next_ns = g->now_ns + c->rtt_ns;
		return;
	}
	if (roll < 50) {
		/* The last segment was lost: everything before it is ACKed, it goes again on RTO. */
		seg_ack(g, c, CLIENT, last_seq, c->side[CLIENT].win);
		c->retx_seq = last_seq;
		c->retx_len = last_len;
		c->retx_psh = last_psh;
		c->phase = PH_RTO_RETX;
		c->next_ns = g->now_ns + c->rtt_ns + 200 * NS_PER_MS;
		return;
	}
	if (roll < 60) {
		/* The client application stopped reading: the window closes. */
		seg_ack(g, c, CLIENT, srv->nxt, 0);
		c->phase = PH_ZW_PROBE;
		c->next_ns = g->now_ns + c->rtt_ns + 200 * NS_PER_MS;
		return;
	}
	for (uint32_t i = 1; i <= k; i++)
		if (i % 2 == 0 || i == k)
			seg_ack(g, c, CLIENT, seg_end[i - 1], c->side[CLIENT].win);
	chunk_done(g, c);
}

/* One step of a connection: a few segments at the current time, then schedule the next. */
static void conn_step(struct gen *g, struct gen_conn *c)
{
	struct rng *r = &g->rng;
	struct gen_side *cl = &c->side[CLIENT], *srv = &c->side[SERVER];

	switch (c->phase) {
	case PH_SYN: {
		if (g->count < g->limit)
			g->opened++;
		seg_syn(g, c, CLIENT);
		uint32_t k = rng_below(r, 1000);
		if (k < 20) {
			c->phase = PH_REFUSED;              /* nothing listens on that port */
			c->next_ns = g->now_ns + c->rtt_ns;
		} else if (k < 30) {
			c->phase = PH_SYN_RETX;             /* SYN lost; initial RTO 1 s (RFC 6298) */
			c->next_ns = g->now_ns + 1000 * NS_PER_MS;
		} else {
			c->phase = PH_SYNACK;
			c->next_ns = g->now_ns + c->rtt_ns;
		}
		break;
	}
	case PH_SYN_RETX:
		seg_syn(g, c, CLIENT);
		c->phase = PH_SYNACK;
		c->next_ns = g->now_ns + c->rtt_ns;
		break;
	case PH_REFUSED: {
		struct gen_seg s = {
			.dir = SERVER, .flags = F_RST | F_ACK, .seq = 0, .ack = cl->isn + 1, .opt = OPT_NONE,
		};
		gen_emit(g, c, &s);
		c->phase = PH_DONE;
		break;
	}
	case PH_SYNACK:
		seg_syn(g, c, SERVER);
		seg_ack(g, c, CLIENT, srv->nxt, cl->win);
		c->phase = PH_REQ;
		c->next_ns = g->now_ns + rng_range(r, 10 * NS_PER_US, 500 * NS_PER_US);
		break;
	case PH_REQ: {
		/* Mostly one-segment requests, sometimes an upload of several. */
		uint32_t len = rng_below(r, 10) ? (uint32_t)rng_range(r, 40, 1400)
		                                 : (uint32_t)rng_range(r, 2000, 20000);
		while (len) {
			uint32_t l = len > GEN_SEGDATA ? GEN_SEGDATA : len;
			seg_data(g, c, CLIENT, cl->nxt, l, l == len);
			cl->nxt += l;
			len -= l;
		}
		uint32_t k = rng_below(r, 100);
		c->resp_left = k < 50 ? (uint32_t)rng_range(r, 1, 3)
		             : k < 85 ? (uint32_t)rng_range(r, 4, 15) : (uint32_t)rng_range(r, 16, 60);
		c->phase = PH_RESP;
		c->first_chunk = true;
		c->next_ns = g->now_ns + c->rtt_ns;
		break;
	}
	case PH_RESP:
		if (c->first_chunk && rng_below(r, 4) == 0)
			seg_ack(g, c, SERVER, cl->nxt, srv->win);   /* a pure ACK before the response */
		c->first_chunk = false;
		conn_resp(g, c);
		break;
	case PH_FAST_RETX:
	case PH_RTO_RETX:
		seg_data(g, c, SERVER, c->retx_seq, c->retx_len, c->retx_psh);
		seg_ack(g, c, CLIENT, srv->nxt, cl->win);
		chunk_done(g, c);
		break;
	case PH_ZW_PROBE: {
		/* Linux probes a zero window with seq = snd_una - 1 and no data (Wireshark calls
		 * it a Keep-Alive); the client answers, window still zero. */
		struct gen_seg s = {
			.dir = SERVER, .flags = F_ACK, .seq = srv->nxt - 1, .ack = cl->nxt, .win = srv->win,
			.opt = OPT_TS,
		};
		gen_emit(g, c, &s);
		seg_ack(g, c, CLIENT, srv->nxt, 0);
		c->phase = PH_ZW_OPEN;
		c->next_ns = g->now_ns + rng_range(r, 50 * NS_PER_MS, 400 * NS_PER_MS);
		break;
	}
	case PH_ZW_OPEN:
		seg_ack(g, c, CLIENT, srv->nxt, cl->win);       /* window update */
		chunk_done(g, c);
		break;
	case PH_CLOSE1:
		switch (c->close) {
		case CLOSE_CLIENT4:
			seg_fin(g, c, CLIENT);
			seg_ack(g, c, SERVER, cl->nxt, srv->win);
			c->phase = PH_CLOSE2;
			break;
		case CLOSE_CLIENT3:   /* the server's FIN also ACKs the client's */
			seg_fin(g, c, CLIENT);
			seg_fin(g, c, SERVER);
			seg_ack(g, c, CLIENT, srv->nxt, cl->win);
			c->phase = PH_DONE;
			break;
		case CLOSE_SERVER4:
			seg_fin(g, c, SERVER);
			seg_ack(g, c, CLIENT, srv->nxt, cl->win);
			c->phase = PH_CLOSE2;
			break;
		case CLOSE_RST_CLIENT:   /* close() with unread data */
			seg_rst(g, c, CLIENT);
			c->phase = PH_DONE;
			break;
		case CLOSE_RST_SERVER:
			seg_rst(g, c, SERVER);
			c->phase = PH_DONE;
			break;
		}
		c->next_ns = g->now_ns + rng_range(r, 20 * NS_PER_US, 40 * NS_PER_MS);
		break;
	case PH_CLOSE2: {
		int d = c->close == CLOSE_CLIENT4 ? SERVER : CLIENT;
		seg_fin(g, c, d);
		seg_ack(g, c, !d, c->side[d].nxt, c->side[!d].win);
		c->phase = PH_DONE;
		break;
	}
	case PH_DONE:
		break;
	}
}

int main(int argc, char **argv)
{
	const struct gen_profile *prof = &profile_default;
	if (argc > 2 && strcmp(argv[argc - 1], "--bulk") == 0) {
		prof = &profile_bulk;
		argc--;
	}
	if (argc < 2 || argc > 3 || argv[1][0] == '-') {
		fprintf(stderr, "usage: gencap OUT.pcap [NSEGMENTS] [--bulk]\n");
		return 2;
	}
	uint64_t limit = 1000000;
	if (argc == 3) {
		char *end;
		errno = 0;
		unsigned long long v = strtoull(argv[2], &end, 10);
		if (errno || *end || end == argv[2] || v == 0) {
			fprintf(stderr, "gencap: bad segment count '%s' (give a positive number)\n",
			        argv[2]);
			return 2;
		}
		limit = v;
	}

	int rc = 1;
	struct gen g = { .prof = prof, .limit = limit, .now_ns = GEN_START_S * 1000000000u,
	                 .rng = { GEN_SEED } };
	struct gen_conn *slot = calloc(GEN_SLOTS, sizeof *slot);
	g.buf = malloc(GEN_BUFSZ);
	g.f = fopen(argv[1], "wb");
	if (!slot || !g.buf) {
		fprintf(stderr, "gencap: out of memory\n");
		goto out;
	}
	if (!g.f) {
		fprintf(stderr, "gencap: cannot create '%s': %s\n", argv[1], strerror(errno));
		goto out;
	}

	gen_header(&g);
	for (size_t i = 0; i < GEN_SLOTS; i++)
		conn_init(&g, &slot[i]);
	while (g.count < g.limit) {
		/* The connection due first goes next; a linear scan of 300 is cheap enough. */
		size_t best = 0;
		for (size_t i = 1; i < GEN_SLOTS; i++)
			if (slot[i].next_ns < slot[best].next_ns)
				best = i;
		struct gen_conn *c = &slot[best];
		if (c->next_ns > g.now_ns)
			g.now_ns = c->next_ns;
		conn_step(&g, c);
		if (c->phase == PH_DONE)
			conn_init(&g, c);
	}
	gen_flush(&g);
	if (g.err || fflush(g.f) != 0) {
		fprintf(stderr, "gencap: cannot write '%s': %s\n", argv[1],
		        strerror(g.err ? g.err : errno));
		goto out;
	}
	fprintf(stderr, "gencap: wrote %" PRIu64 " segments of %" PRIu64
	        " connections (%.3f s of traffic, %.0f payload bytes a segment) to '%s'\n",
	        g.count, g.opened, (double)(g.now_ns - GEN_START_S * 1000000000u) / 1e9,
	        (double)g.payload / (double)g.count, argv[1]);
	rc = 0;
out:
	if (g.f && fclose(g.f) != 0 && rc == 0) {
		fprintf(stderr, "gencap: cannot write '%s': %s\n", argv[1], strerror(errno));
		rc = 1;
	}
	free(g.buf);
	free(slot);
	return rc;
}
