/* summary: TCP connections by 4-tuple: roles, relative numbers, windows, inferred states. */
#ifndef TCPLAB_CAPTURE_FLOW_H
#define TCPLAB_CAPTURE_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/dissect.h"
#include "capture/expert.h"

/*
 * Contract: feed every TCP segment of a capture, in capture order, to flow_track(). It
 * finds or creates the connection, updates it, and fills a flow_info with what this
 * segment means in its connection (direction, relative numbers, scaled window, expert
 * labels). Memory grows with the number of connections, never with the number of
 * segments: nothing here keeps a segment.
 *
 * Roles: the side that sent the SYN (without ACK) is the client. A connection first seen
 * mid-stream has no SYN: then the side with the higher port is taken as the client (as
 * Wireshark's heuristic does) and conn->saw_syn is false.
 *
 * Relative numbers are relative to each side's ISN, as Wireshark shows them: the SYN is
 * seq 0, the first data byte seq 1. Without a SYN, the base is chosen as Wireshark chooses
 * it (flow.c says how), so that 'tcplab inspect' and tshark print the same numbers.
 *
 * A new SYN on a 4-tuple whose connection has ended (both sides CLOSED or TIME-WAIT, or a
 * RST) starts a new connection, as port reuse does.
 */

enum flow_dir { FLOW_C2S = 0, FLOW_S2C = 1 };

/* Each side's state as inferred from the wire (RFC 9293 section 3.3.2, figure 5). */
enum tcp_state {
	TCPS_UNKNOWN = 0,      /* connection seen mid-stream, before anything decides */
	TCPS_CLOSED,
	TCPS_LISTEN,
	TCPS_SYN_SENT,
	TCPS_SYN_RECEIVED,
	TCPS_ESTABLISHED,
	TCPS_FIN_WAIT_1,
	TCPS_FIN_WAIT_2,
	TCPS_CLOSE_WAIT,
	TCPS_CLOSING,
	TCPS_LAST_ACK,
	TCPS_TIME_WAIT,
};

const char *flow_state_name(enum tcp_state s);    /* "TIME-WAIT", as RFC 9293 spells them */

struct flow_side {
	uint8_t addr[16];
	uint16_t port;
	bool isn_known;
	bool saw_syn;           /* this side sent a SYN (or SYN-ACK) */
	bool saw_fin, saw_rst;
	uint32_t isn;           /* base for relative numbers */
	int wscale;             /* shift from this side's SYN; -1 none sent */
	uint64_t packets;
	uint64_t bytes;         /* payload bytes sent, retransmissions included */
	uint64_t fin_ns, rst_ns;/* time of this side's first FIN / RST, 0 if none */
	uint32_t fin_seq;       /* absolute seq of this side's FIN, valid when saw_fin */
	enum tcp_state state;
	struct expert_dir ex;   /* per-direction state of the expert analysis */
};

struct flow_conn {
	uint32_t id;            /* 0, 1, 2... in order of first appearance */
	uint8_t family;
	bool saw_syn;           /* roles come from a SYN rather than the port heuristic */
	bool scaling_known;     /* both SYNs seen: window scaling is settled */
	struct flow_side side[2];       /* [FLOW_C2S] is the client, [FLOW_S2C] the server */
	uint64_t first_ns, last_ns;
	uint32_t first_frame, last_frame;
	int first_fin;          /* flow_dir of the first FIN, -1 if none */
	int first_rst;          /* flow_dir of the first RST, -1 if none */
	uint64_t analysis_count[EXPERT_NLABELS];
	uint64_t malformed;
	uint64_t syn_ns;        /* time of the latest SYN (no ACK), 0 if none */
	uint64_t first_rtt_ns;  /* SYN to the ACK that completes the handshake, 0 if unseen */
	bool ended;             /* a RST, or both sides closed: a new SYN starts a new conn */
};

struct flow_info {
	const struct flow_conn *conn;   /* valid until the next flow_track() or flow_free() */
	enum flow_dir dir;              /* who sent this segment */
	uint32_t rel_seq, rel_ack;      /* rel_ack is 0 when ACK is not set */
	int64_t win_scaled;             /* Wireshark's calculated window size */
	uint32_t analysis;              /* EXPERT_* bits */
};

struct flow_table;

struct flow_table *flow_new(void);
void flow_free(struct flow_table *ft);

/* Track one segment; returns 0, or -1 when memory ran out (errno ENOMEM). */
int flow_track(struct flow_table *ft, const struct tcp_segment *seg, struct flow_info *out);

/*
 * Count a malformed packet against its connection, found by the addresses and ports the
 * dissector could read (seg->family and ports set). Never creates a connection; returns
 * the connection or NULL when none matches.
 */
const struct flow_conn *flow_malformed(struct flow_table *ft, const struct tcp_segment *seg);

size_t flow_count(const struct flow_table *ft);
const struct flow_conn *flow_get(const struct flow_table *ft, size_t i);

/* A segment as the lab engine and the matcher keep it: decoded, plus what it meant. */
struct flow_seg {
	struct tcp_segment seg;         /* payload points into memory the holder owns */
	enum flow_dir dir;
	uint32_t conn_id;
	uint32_t rel_seq, rel_ack;
	int64_t win_scaled;
	uint32_t analysis;
	/* When the sending program handed the kernel this segment's last data byte (from its
	 * traced call: engine/ready.h), 0 when unknown. A time window in
	 * an expected sequence measures TCP's delay from the later of it and the previous
	 * segment: a program the machine held up is not a segment TCP held back. */
	uint64_t ready_ns;
};

/* A segment and what flow_track() said of it, as one flow_seg (payload pointer kept). */
void flow_seg_set(struct flow_seg *fs, const struct tcp_segment *seg,
                  const struct flow_info *fi);

/* One side of a connection as text: "10.99.0.1:41234", "[::1]:8000". */
const char *flow_endpoint_str(const struct flow_conn *c, enum flow_dir side, char *buf,
                              size_t len);

#endif
