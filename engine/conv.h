/* summary: the conversations of a run or a capture: one summary per TCP connection, counted in one pass. */
#ifndef TCPLAB_ENGINE_CONV_H
#define TCPLAB_ENGINE_CONV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/expert.h"
#include "capture/flow.h"
#include "capture/pktindex.h"
#include "engine/timeline.h"

/*
 * Contract: a conversation list reads one source, as a ladder does (engine/ladder.h): a
 * run's timeline or a capture file's index, and keeps one struct conv per connection,
 * indexed by the connection's id (Wireshark's tcp.stream: 0, 1, 2... in order of first
 * appearance), with no limit on how many. conv_update() counts the segments the source
 * gained since the last call and no others, so a source read to its end costs one linear
 * pass in all however often it is called (a capture being indexed, a live run growing).
 * Memory grows with the connections, never with the segments.
 *
 * The figures are Wireshark's Statistics > Conversations > TCP, by sender rather than by
 * "A" and "B": packets each way (malformed packets apart: Wireshark's conversation does
 * not count a TCP header it could not read either) and bytes each way, except that bytes
 * are TCP payload bytes (what the programs' send() calls handed over, retransmissions
 * counted again), not whole frames: the frame's link and IP headers say nothing about the
 * sockets. Plus how the connection ended and its segments' expert labels.
 *
 * The display filter does not apply: a conversation is the whole connection.
 */

struct conv {
	uint32_t id;                    /* the connection: Wireshark's tcp.stream */
	uint64_t packets[2];            /* by sender, enum flow_dir */
	uint64_t bytes[2];              /* payload bytes, by sender */
	uint64_t first_ns, last_ns;     /* its first and last segment */
	uint64_t fin_ns[2], rst_ns[2];  /* each side's first FIN / RST, 0 when none */
	uint64_t labels[EXPERT_NLABELS];/* segments carrying each expert label */
	uint64_t malformed;             /* packets of it the dissector refused */
	size_t first_seg;               /* its first segment in the source */
	size_t last_seg;                /* its last one so far: with first_seg, the range a
	                                   reader of its segments alone scans */
};

/* How a connection ended, as far as the capture saw. */
enum conv_end {
	CONV_OPEN,      /* no FIN, no RST */
	CONV_HALF,      /* one side sent a FIN, the other did not (yet) */
	CONV_FIN,       /* both sides sent a FIN */
	CONV_RST,       /* a RST (whatever came before it) */
};

struct conv_list {
	const struct timeline *tl;      /* a run, or NULL */
	const struct pktindex *ix;      /* a capture file, or NULL */
	struct conv *conv;              /* [id], n of them */
	size_t n, cap;
	size_t seen;                    /* segments of the source counted */
};

void conv_init_run(struct conv_list *cl, const struct timeline *tl);
void conv_init_index(struct conv_list *cl, const struct pktindex *ix);
void conv_release(struct conv_list *cl);

/* Count what the source gained. 1 when something changed, 0 when not, -1 when memory ran
 * out (what was counted stays valid; the next call goes on from there). */
int conv_update(struct conv_list *cl);

enum conv_end conv_end_of(const struct conv *c);
/* "FIN", "RST", "half", "open". */
const char *conv_end_name(enum conv_end e);
/* The side that ended it: the first RST's sender, else the first FIN's; -1 when open. */
int conv_closer(const struct conv *c);

/* The client's and the server's address ("10.0.0.1:40123", "[::1]:8000"), as the ladder
 * names them. */
void conv_ends(const struct conv_list *cl, const struct conv *c, char *client, char *server,
               size_t len);

#endif
