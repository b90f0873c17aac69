/* summary: fuzz helper: turn fuzzer bytes into a sequence of TCP segments (and back, for seeds). */
#ifndef TCPLAB_FUZZ_SEGDEC_H
#define TCPLAB_FUZZ_SEGDEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "capture/dissect.h"

/*
 * One segment is SEGDEC_REC bytes, so a mutated input stays a valid sequence and the
 * fuzzer spends its time on what flow and expert make of it, not on framing:
 *
 *   r[0]      bit0 direction (0: A to B), bits1-2 which of 4 port pairs, bit3 IPv6,
 *             bit4 hand it to flow_malformed() instead, bit5 seq/ack are absolute
 *             (otherwise offsets from fixed ISNs, one of them near the 2^32 wrap),
 *             bits6-7 time step (1 us, 1 ms, 200 ms, 3 s)
 *   r[1..2]   flags, big-endian, low 9 bits (TCP_*)
 *   r[3..6]   seq     r[7..10] ack     r[11..12] window     r[13..14] payload length
 *   r[15]     bit0 MSS, bit1 wscale (shift in bits 4-7, up to 15: past RFC 7323's 14),
 *             bit2 sackOK, bit3 timestamps
 *   r[16]     nonzero: one SACK block starting r[16] * 100 bytes past ack
 *
 * No payload bytes: len is what the IP header claimed, caplen_payload 0, as capfile keeps.
 */
#define SEGDEC_REC 17

static const uint32_t segdec_isn[2] = { 0x10000000u, 0xfffff000u };

static inline uint32_t segdec_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint16_t segdec_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Decode record r into seg; *ts advances. Returns true when the record asks for
 * flow_malformed() rather than flow_track(). */
static inline bool segdec_decode(const uint8_t *r, uint64_t *ts, uint32_t frame,
                                 struct tcp_segment *seg)
{
	static const uint64_t step[4] = { 1000, 1000000, 200000000, 3000000000u };
	unsigned dir = r[0] & 1, pair = (r[0] >> 1) & 3;
	bool v6 = r[0] & 8, raw = r[0] & 0x20;

	memset(seg, 0, sizeof *seg);
	*ts += step[r[0] >> 6];
	seg->ts_ns = *ts;
	seg->frame = frame;
	seg->family = v6 ? AF_INET6 : AF_INET;
	seg->ip_ttl = 64;
	/* A is 10.0.0.1 (or fd00::1), B is 10.0.0.2; port pairs (40000 + pair, 80 + pair). */
	uint8_t a[16] = { 10, 0, 0, 1 }, b[16] = { 10, 0, 0, 2 };
	if (v6) {
		memset(a, 0, 16);
		memset(b, 0, 16);
		a[0] = b[0] = 0xfd;
		a[15] = 1;
		b[15] = 2;
	}
	uint16_t pa = (uint16_t)(40000 + pair), pb = (uint16_t)(80 + pair);
	memcpy(seg->src, dir ? b : a, 16);
	memcpy(seg->dst, dir ? a : b, 16);
	seg->sport = dir ? pb : pa;
	seg->dport = dir ? pa : pb;
	seg->flags = segdec_be16(r + 1) & 0x1ff;
	seg->seq = segdec_be32(r + 3) + (raw ? 0 : segdec_isn[dir]);
	seg->ack = segdec_be32(r + 7) + (raw ? 0 : segdec_isn[!dir]);
	seg->win = segdec_be16(r + 11);
	seg->len = segdec_be16(r + 13);
	seg->hdrlen = 20;
	if (r[15] & 1) {
		seg->opt.present |= TCPOPT_HAS_MSS;
		seg->opt.mss = 1460;
	}
	if (r[15] & 2) {
		seg->opt.present |= TCPOPT_HAS_WSCALE;
		seg->opt.wscale = r[15] >> 4;
	}
	if (r[15] & 4)
		seg->opt.present |= TCPOPT_HAS_SACKOK;
	if (r[15] & 8) {
		seg->opt.present |= TCPOPT_HAS_TS;
		seg->opt.tsval = (uint32_t)(*ts / 1000000);
		seg->opt.tsecr = seg->opt.tsval - 1;
	}
	if (r[16]) {
		seg->opt.present |= TCPOPT_HAS_SACK;
		seg->opt.nsack = 1;
		seg->opt.sack[0][0] = seg->ack + r[16] * 100u;
		seg->opt.sack[0][1] = seg->opt.sack[0][0] + 100;
	}
	return r[0] & 0x10;
}

#endif
