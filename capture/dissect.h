/* summary: decode one captured packet (link layer, IPv4/IPv6, TCP) into a tcp_segment. */
#ifndef TCPLAB_CAPTURE_DISSECT_H
#define TCPLAB_CAPTURE_DISSECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Contract: dissect_packet() reads the packet only through a bounded cursor (cursor.h); it
 * never reads past caplen, whatever the packet claims. A packet that is not TCP returns
 * DISSECT_NOT_TCP; one that is (or claims to be) TCP but is cut off or inconsistent returns
 * DISSECT_MALFORMED with a one-line reason in errbuf ("tcp data offset 4 is below 5"), and
 * the fields that could be read before the fault are filled in (addresses and ports when
 * present), so a listing can still show where the packet came from.
 *
 * The segment points into the caller's packet buffer (payload) and is valid only as long
 * as that buffer is.
 */

/* TCP header flag bits, as on the wire (RFC 9293 section 3.1; AE is RFC 3168's NS). */
enum {
	TCP_FIN = 0x001,
	TCP_SYN = 0x002,
	TCP_RST = 0x004,
	TCP_PSH = 0x008,
	TCP_ACK = 0x010,
	TCP_URG = 0x020,
	TCP_ECE = 0x040,
	TCP_CWR = 0x080,
	TCP_AE  = 0x100,
};

/* Which options the segment carried (tcp_opts.present). */
enum {
	TCPOPT_HAS_MSS     = 1 << 0,
	TCPOPT_HAS_WSCALE  = 1 << 1,
	TCPOPT_HAS_SACKOK  = 1 << 2,
	TCPOPT_HAS_SACK    = 1 << 3,
	TCPOPT_HAS_TS      = 1 << 4,
	TCPOPT_HAS_EOL     = 1 << 5,
	TCPOPT_HAS_UNKNOWN = 1 << 6,
};

#define TCPOPT_MAX_SACK 4
#define TCPOPT_MAX_UNKNOWN 4

struct tcp_opts {
	uint16_t present;            /* TCPOPT_HAS_* */
	uint16_t mss;
	uint8_t wscale;              /* shift count as sent (RFC 7323 caps its use at 14) */
	uint8_t nsack;               /* SACK blocks, at most TCPOPT_MAX_SACK */
	uint8_t nnop;
	uint8_t nunknown;
	uint32_t sack[TCPOPT_MAX_SACK][2]; /* left, right edges, absolute */
	uint32_t tsval, tsecr;
	uint8_t unknown_kind[TCPOPT_MAX_UNKNOWN];
};

struct tcp_segment {
	uint64_t ts_ns;              /* capture time, nanoseconds since the Unix epoch */
	uint32_t frame;              /* 1-based number of the packet in its capture, counting
	                                every packet as Wireshark does; set by the caller */
	uint8_t family;              /* AF_INET or AF_INET6; 0 if no IP header was read */
	uint8_t ip_ttl;              /* TTL or hop limit */
	bool ip_fragment;            /* IPv4 MF or offset, or an IPv6 fragment header */
	bool ip_df;
	uint16_t ip_id;
	uint8_t src[16], dst[16];    /* IPv4 addresses use the first 4 bytes */
	uint16_t sport, dport;
	uint32_t seq, ack;           /* absolute, as on the wire */
	uint16_t flags;              /* TCP_* */
	uint16_t win;                /* raw window field, not scaled */
	uint16_t cksum, urp;
	uint8_t hdrlen;              /* TCP header length in bytes, options included */
	uint32_t len;                /* payload length as the IP header says */
	uint32_t caplen_payload;     /* payload bytes actually in the capture (<= len) */
	const uint8_t *payload;      /* first caplen_payload bytes of the payload, or NULL */
	struct tcp_opts opt;
};

enum dissect_result {
	DISSECT_MALFORMED = -1,
	DISSECT_TCP = 0,
	DISSECT_NOT_TCP = 1,
};

/*
 * Decode a packet captured with link type dlt (DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2,
 * DLT_NULL, DLT_LOOP, DLT_RAW, DLT_IPV4, DLT_IPV6). An unknown link type is
 * DISSECT_MALFORMED with a message naming it. seg->frame and seg->ts_ns are left for the
 * caller to set.
 */
int dissect_packet(int dlt, const uint8_t *pkt, size_t caplen, struct tcp_segment *seg,
                   char *errbuf, size_t errlen);

/* tcpdump's flag notation ("S", "S.", "P.", "F.", "R", "R.", "FP.", "SEW"); buf >= 12. */
const char *dissect_flags_str(uint16_t flags, char *buf, size_t len);

/* Printable address of the segment's source or destination ("10.0.0.1", "::1"). */
const char *dissect_addr_str(const struct tcp_segment *seg, bool src, char *buf, size_t len);

#endif
