/* summary: Wireshark's TCP expert analysis: retransmissions, dup ACKs, windows, keep-alives. */
#ifndef TCPLAB_CAPTURE_EXPERT_H
#define TCPLAB_CAPTURE_EXPERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Labels use Wireshark's vocabulary (its tcp.analysis.* fields) so a student can compare
 * tcplab with Wireshark line by line. The analysis is done per direction by flow.c, which
 * owns the expert_dir state of each side; expert.c holds the rules.
 */
enum expert_label_index {
	EXPERT_I_RETRANSMISSION,
	EXPERT_I_FAST_RETRANSMISSION,
	EXPERT_I_SPURIOUS_RETRANSMISSION,
	EXPERT_I_OUT_OF_ORDER,
	EXPERT_I_DUPLICATE_ACK,
	EXPERT_I_LOST_SEGMENT,          /* "previous segment not captured" */
	EXPERT_I_ACK_LOST_SEGMENT,      /* "ACKed segment that wasn't captured" */
	EXPERT_I_ZERO_WINDOW,
	EXPERT_I_ZERO_WINDOW_PROBE,
	EXPERT_I_ZERO_WINDOW_PROBE_ACK,
	EXPERT_I_WINDOW_UPDATE,
	EXPERT_I_WINDOW_FULL,
	EXPERT_I_KEEP_ALIVE,
	EXPERT_I_KEEP_ALIVE_ACK,
	EXPERT_I_RST,
	EXPERT_I_MALFORMED,
	EXPERT_NLABELS
};

#define EXPERT_BIT(i) (UINT32_C(1) << (i))

struct expert_label {
	const char *name;       /* short name for TSV and specs: "retransmission" */
	const char *wireshark;  /* Wireshark's words: "TCP Retransmission" */
	const char *explain;    /* one sentence for a student */
};

extern const struct expert_label expert_labels[EXPERT_NLABELS];

/* Comma-separated names of the set bits, or "-" when none. */
const char *expert_str(uint32_t analysis, char *buf, size_t len);

/* Per-direction state the rules need (what Wireshark keeps in tcp_flow_t). */
struct expert_dir {
	bool valid;             /* something was sent in this direction */
	uint32_t nextseq;       /* highest seq + len (+SYN/FIN) sent so far, absolute */
	uint32_t maxseqtobeacked;
	uint32_t lastseq;       /* seq of the last segment */
	uint32_t lastack;       /* ack of the last segment */
	uint64_t lastack_ns;
	uint64_t lastseg_ns;
	int64_t window;         /* last scaled window advertised */
	uint32_t dupacks;       /* dup ACK count since lastack changed */
	uint32_t lastnondupack;
	uint64_t nextseq_ns;    /* when nextseq last advanced */
	uint32_t nextseq_frame;
	uint32_t lastflags;     /* EXPERT_* bits of the last segment in this direction */
};

/* One segment as the rules see it; seq and ack are absolute, window is the calculated one. */
struct expert_in {
	uint32_t seq, ack, len;
	uint16_t flags;              /* TCP_* */
	int64_t window;              /* Wireshark's calculated window size */
	uint64_t ts_ns;
	uint32_t frame;
	bool scaling_known;          /* both SYNs seen: "window full" can be judged */
	uint64_t first_rtt_ns;       /* SYN to handshake ACK, 0 when not seen */
};

/*
 * Apply Wireshark's tcp_analyze_sequence_number() rules to one segment sent in direction
 * fwd (rev is the opposite direction) and update both states. Returns EXPERT_* bits; RST
 * adds EXPERT_I_RST. Call it for every segment of the connection, in capture order.
 */
uint32_t expert_analyze(struct expert_dir *fwd, struct expert_dir *rev, const struct expert_in *in);

/*
 * The one delayed-ACK rule, for the checks' explanations and the TUI's measures alike.
 * A delayed ACK is a pure ACK (no data, no SYN, FIN or RST) that acknowledges new data and
 * comes EXPERT_DELACK_MIN_NS or more after the latest new data it acknowledges was sent:
 * the receiver held it back hoping to send it with data (RFC 9293 section 3.8.6.3: "the
 * delay MUST be less than 0.5 seconds"; Linux waits 40 ms at least, TCP-FACTS.md). Later
 * than EXPERT_DELACK_MAX_NS it is no delayed ACK but a stall of another kind.
 *
 * Feed a connection's segments in capture order (dir: enum flow_dir, 0 or 1; relative
 * seq and ack). Returns true when this segment is a delayed ACK. The ACK of a FIN alone
 * acknowledges no data: it is none, however long after the peer's last data it comes.
 */
#define EXPERT_DELACK_MIN_NS UINT64_C(30000000)
#define EXPERT_DELACK_MAX_NS UINT64_C(500000000)

struct expert_delack {
	uint64_t data_ns[2];    /* when each direction last sent new data, 0: never */
	uint32_t data_end[2];   /* relative end (seq + len) of each direction's data */
	uint32_t acked[2];      /* the highest relative ack each direction sent */
};

bool expert_delack_feed(struct expert_delack *d, int dir, uint16_t flags, uint32_t rel_seq,
                        uint32_t len, uint32_t rel_ack, uint32_t analysis, uint64_t ts_ns);

#endif
