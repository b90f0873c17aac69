/* summary: the ladder of a run or a capture: rows built once, in time order, for the text ladder and every TUI screen. */
#ifndef TCPLAB_ENGINE_LADDER_H
#define TCPLAB_ENGINE_LADDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/flow.h"
#include "capture/pktindex.h"
#include "engine/ksock.h"
#include "engine/timeline.h"

/*
 * Contract: a ladder reads one source, a run's timeline (segments, both hosts' calls,
 * program output and the engine's notes) or a capture file's index (segments), and turns
 * it into rows: one per event, in time order, with the side it belongs to, its time, a
 * link back to the event (segment index, tl.call[] or tl.out[]), its expert labels and the
 * idle time since the previous event. Between events it adds two kinds of rows of its own:
 * a gap row where the wire and the programs were idle for long (so a 40 ms stall shows as
 * one), and a connection row where the next segment belongs to another connection than
 * the one before it.
 *
 * A run's ladder may also read the kernel's samples of both hosts' sockets (engine/
 * ksock.h, run->ks: sampled live, or read back from a record): a kernel row in the host's
 * column for each sample whose label differs from that host's sample before it, so a row
 * says what changed in the kernel ("kernel: LISTEN 1, TIME-WAIT 1 (59.8 s left)") and the
 * TIME-WAIT timer is seen counting down from row to row. Kernel rows are no events: they
 * neither make gap rows nor count as the idle time's ends, and ladder_ms() does not start
 * at them (a sample taken before the first event is at a negative time).
 *
 * ladder_update() appends what the source gained since the last call; only events that
 * arrive late (a segment the capture delivers after a call that followed it) make the
 * rows after them be placed again, never the whole ladder. The rows are the same however
 * the source grew: a live run and the same run read at its end give the same ladder.
 *
 * Texts come from the row, in one notation each (ladder_label): a segment as tcpdump
 * writes it ("P. 1:15(14) ack 1"), a call whole ("recv(4, 4096) = 14"), its entry when it
 * spanned other events ("connect(3, 10.99.0.2:8000) ...") and its exit
 * ("connect() = 0 blocked 1.2 ms"). Labels are made on demand rather than stored, so a
 * capture of a million segments costs 32 bytes a row. Times are shown as ms since the
 * start (ladder_ms()): the earliest event of the source, filtered out or not.
 *
 * The source must outlive the ladder and only grow (a timeline being filled, an index
 * being built); the ladder never changes it.
 */

enum ladder_kind { LADDER_SEG, LADDER_CALL, LADDER_OUTPUT, LADDER_MARKER, LADDER_GAP,
                   LADDER_CONN, LADDER_KERNEL };
enum ladder_side { LADDER_CLIENT, LADDER_SERVER, LADDER_WIRE };

struct ladder_row {
	uint64_t t_ns;          /* CLOCK_REALTIME ns (GAP, CONN: the next event's time) */
	uint64_t gap_ns;        /* idle time since the previous event row (GAP: the idle time) */
	uint32_t index;         /* SEG: segment index in the source; CALL: tl.call[];
	                           OUTPUT, MARKER: tl.out[]; GAP: 0; CONN: connection id;
	                           KERNEL: ks->sample[] */
	uint32_t conn;          /* SEG, CONN: connection id (PKTINDEX_NOCONN: unknown) */
	uint32_t analysis;      /* SEG: EXPERT_* bits */
	uint8_t kind;           /* enum ladder_kind */
	uint8_t side;           /* enum ladder_side: SEG by its sender */
	uint8_t phase;          /* CALL: enum tl_phase */
	uint8_t dir;            /* SEG: enum flow_dir */
};

/* One segment as the ladder labels it: from a timeline's flow_seg or an index entry. */
struct ladder_seg {
	uint32_t frame;
	uint64_t ts_ns;
	uint32_t conn;
	enum flow_dir dir;
	bool malformed;
	uint16_t flags;
	uint32_t rel_seq, rel_ack, len;
	int64_t win;
	uint32_t analysis;
};

/* Options for ladder_init_*(). */
enum {
	LADDER_WITH_CALLS = 1 << 0,     /* calls, output and notes too (a run), not only segments */
	LADDER_NO_GAPS = 1 << 1,        /* no gap rows */
	LADDER_IN_STEPS = 1 << 2,       /* each ladder_update() takes at most LADDER_STEP_SEGS
	                                   more segments (a big capture: the first screen at
	                                   once, the rest between keys) */
};

/* ~15 ms of rows: a key pressed while a big capture's ladder is built waits no longer */
#define LADDER_STEP_SEGS 25000

/* Every connection (ladder_set_conn). */
#define LADDER_ALL_CONNS UINT32_MAX

/* Gap rows: an idle time of at least LADDER_GAP_MIN_NS and LADDER_GAP_FACTOR times the
 * median idle time between the events before it, once there are LADDER_GAP_SAMPLES of
 * those (the median of a run's first few events, its programs starting, says nothing). */
#define LADDER_GAP_MIN_NS UINT64_C(10000000)
#define LADDER_GAP_FACTOR 4
#define LADDER_GAP_SAMPLES 8

struct ladder {
	const struct timeline *tl;      /* a run, or NULL */
	const struct pktindex *ix;      /* a capture file, or NULL */
	const struct ksock_log *ks;     /* a run's kernel samples, or NULL */
	unsigned opts;
	uint32_t conn;                  /* the connection shown, or LADDER_ALL_CONNS */
	bool (*keep)(void *ctx, size_t seg);    /* display filter on segments, NULL: all */
	void *keep_ctx;
	struct ladder_row *row;
	size_t n, cap;
	/* how much of the source is in the rows */
	size_t seen_seg, seen_call, seen_out, seen_ks;
	uint64_t t0;                    /* earliest event of the source, 0 until one */
	/* ONCE calls a late event may still fall into (timeline call indices) */
	uint32_t *open;
	size_t nopen, opencap;
	/* idle times between event rows, log2 buckets, for the gap rule's median */
	uint32_t hist[64];
	uint64_t nhist;
	uint64_t latest_ns;             /* latest event time seen */
};

/* 0, or -1 when memory ran out. Both build the rows there are (ladder_update). */
int ladder_init_run(struct ladder *l, const struct timeline *tl, unsigned opts);
/* The same with the kernel's samples of the run (ks: the run's log, NULL: none); ks must
 * outlive the ladder and only grow, as the timeline. */
int ladder_init_run_ks(struct ladder *l, const struct timeline *tl, const struct ksock_log *ks,
                       unsigned opts);
int ladder_init_index(struct ladder *l, const struct pktindex *ix, unsigned opts);
void ladder_release(struct ladder *l);

/* Add what the source gained. 1 when rows changed, 0 when not, -1 when memory ran out
 * (the rows stay valid: those so far, or none when rows taken back to place a late event
 * could not be placed again; the next call builds what is missing). */
int ladder_update(struct ladder *l);
/* LADDER_IN_STEPS: segments of the source not in the rows yet (0: caught up). */
size_t ladder_behind(const struct ladder *l);

/* Show one connection (its id) or LADDER_ALL_CONNS; a display filter on segments (keep
 * NULL: none). Both place every row again. 0 or -1 (memory). */
int ladder_set_conn(struct ladder *l, uint32_t conn);
int ladder_set_filter(struct ladder *l, bool (*keep)(void *ctx, size_t seg), void *ctx);
/* Connections in the source so far. */
size_t ladder_nconns(const struct ladder *l);

/* ms since the start of the run or capture. */
double ladder_ms(const struct ladder *l, uint64_t t_ns);
uint64_t ladder_t0(const struct ladder *l);

/* Segment i of the source as the ladder sees it. false when there is none. */
bool ladder_seg_get(const struct ladder *l, size_t i, struct ladder_seg *out);
/* A flow_seg as a ladder_seg (for a segment decoded elsewhere). */
void ladder_seg_from_flow(const struct flow_seg *fs, struct ladder_seg *out);

/* The one notation of a segment: "P. 1:15(14) ack 1", "S 0", ". ack 15", "R. ack 1" (a
 * RST's window is never shown: it means nothing; a RST answering a SYN has no sequence
 * of its own to show). A zero window of another segment is shown ("win 0"). */
void ladder_seg_label(const struct ladder_seg *s, char *buf, size_t len);
/* Wireshark's words for the labels: "[Retransmission] [Reset]"; "" when none. */
void ladder_expert_label(uint32_t analysis, bool malformed, char *buf, size_t len);
/* A call's text for a phase: whole, its entry, or its exit with how long it blocked. */
void ladder_call_label(const struct tl_call *c, enum tl_phase phase, char *buf, size_t len);
/* "connection 2: 10.0.0.1:40123 -> 10.0.0.2:8000" (client -> server, numbered from 1). */
void ladder_conn_label(const struct ladder *l, uint32_t conn, char *buf, size_t len);
/* The client's and the server's address of a connection ("10.0.0.1:40123"); "" when the
 * connection is unknown. */
void ladder_conn_ends(const struct ladder *l, uint32_t conn, char *client, char *server,
                      size_t len);

/* The one notation of a kernel sample: its states counted, with the TIME-WAIT timer's
 * time left (the soonest to the latest of several) and the queues' bytes where not zero:
 * "kernel: LISTEN 1, ESTABLISHED 1 (Recv-Q 14), TIME-WAIT 1 (59.8 s left)"; "kernel: no
 * socket on the port". */
void ladder_kernel_label(const struct ksock_log *ks, size_t sample, char *buf, size_t len);

/* Row k's text: its segment, call, output ("> text"), note, gap ("... 41.3 ms ..."),
 * connection or kernel label. Program output is given as the program wrote it: escape it to show. */
void ladder_label(const struct ladder *l, size_t k, char *buf, size_t len);

/* Where a ladder stands at a time since its start (ladder_t0): the segment rows at or
 * before it, and the times since the start of the last segment row strictly before it and
 * of the first one strictly after it. Rows being in time order, the comparison steps two
 * ladders by time with this: each shows what its run had done by the same ms. */
struct ladder_at {
	size_t nseg;            /* segment rows with t_ns <= t0 + off_ns */
	bool has_prev, has_next;
	uint64_t prev_ns, next_ns;      /* offsets from t0, as off_ns */
};
void ladder_at(const struct ladder *l, uint64_t off_ns, struct ladder_at *a);

/* Measures of the whole source (every segment, whatever is shown), per connection with
 * no limit on how many: the median round trip by the lab checks' rule
 * (labcheck_rtt_feed), the delayed ACKs by the checks' rule (expert_delack_feed), the
 * segments and how long they took. */
struct ladder_measures {
	size_t nseg;
	double dur_ms;
	size_t nrtt;
	double rtt_median_ms;
	size_t delacks;
};
/* 0, or -1 when memory ran out. */
int ladder_measure(const struct ladder *l, struct ladder_measures *m);

#endif
