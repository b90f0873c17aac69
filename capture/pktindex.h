/* summary: a compact index of every TCP segment in a capture file, read back on demand from a mapping. */
#ifndef TCPLAB_CAPTURE_PKTINDEX_H
#define TCPLAB_CAPTURE_PKTINDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/flow.h"

/*
 * Contract: pktindex_open() maps a classic pcap (micro- or nanosecond, either byte order)
 * or pcapng file (one link type, any if_tsresol) read-only and indexes nothing yet;
 * pktindex_step() indexes up to n more packets and never takes longer than that, so a
 * poll loop can show the first screen at once and index the rest between keys. Each TCP
 * segment (malformed ones included) gets one pktindex_ent of 56 bytes: where its record
 * lies in the mapping plus what flow.c said of it; nothing else is copied. The detail of
 * a segment is decoded again from the mapping on demand (pktindex_segment()).
 *
 * Records are read through bounds checks: a record that claims more bytes than the file
 * holds ends the index with read_error set, and everything before it stays usable.
 * Packets that are not TCP are counted (frame numbers stay Wireshark's) but not indexed.
 * Not for pipes: the file must be mappable ("-" is refused).
 */

struct pktindex_ent {
	uint64_t off;           /* offset of the packet's first byte in the file */
	uint64_t ts_ns;
	uint32_t frame;         /* 1-based, counting every packet */
	uint32_t conn;          /* connection id, PKTINDEX_NOCONN for an unknown malformed one */
	uint32_t rel_seq, rel_ack;
	uint32_t len;           /* payload length the IP header claims */
	uint32_t caplen;        /* bytes of the packet in the file */
	int32_t win;            /* Wireshark's calculated window, clamped to INT32_MAX */
	uint16_t analysis;      /* EXPERT_* bits (EXPERT_NLABELS <= 16) */
	uint16_t flags;         /* TCP_* */
	uint8_t dir;            /* enum flow_dir */
	uint8_t malformed;      /* the dissector refused it; only frame, ts, conn are set */
};

#define PKTINDEX_NOCONN UINT32_MAX

struct pktindex;

/* NULL on failure with the reason in errbuf ("'x' is not a pcap or pcapng file"). */
struct pktindex *pktindex_open(const char *path, char *errbuf, size_t errlen);
void pktindex_free(struct pktindex *ix);

/* Index up to n more packets. 1: more to come; 0: the whole file is indexed; -1: memory
 * ran out (errbuf). A damaged record ends the file (0) and sets pktindex_error(). */
int pktindex_step(struct pktindex *ix, size_t n, char *errbuf, size_t errlen);
bool pktindex_done(const struct pktindex *ix);

size_t pktindex_count(const struct pktindex *ix);
const struct pktindex_ent *pktindex_get(const struct pktindex *ix, size_t i);
uint32_t pktindex_frames(const struct pktindex *ix);     /* packets read, TCP or not */
int pktindex_dlt(const struct pktindex *ix);             /* libpcap DLT_ value */
const char *pktindex_error(const struct pktindex *ix);   /* "" unless the file broke off */
/* Fraction of the file indexed so far, 0..1. */
double pktindex_progress(const struct pktindex *ix);

/* The connections seen so far (valid until pktindex_free; grows while indexing). */
const struct flow_table *pktindex_flows(const struct pktindex *ix);

/* The captured bytes of segment i, valid until pktindex_free(). */
const uint8_t *pktindex_packet(const struct pktindex *ix, size_t i, size_t *caplen);

/* Decode segment i again, as flow_seg: seg.payload points into the mapping. 0, or -1 when
 * it is malformed (errbuf says why, from the dissector). */
int pktindex_segment(const struct pktindex *ix, size_t i, struct flow_seg *out, char *errbuf,
                     size_t errlen);

#endif
