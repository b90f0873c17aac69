/* summary: one timeline of a lab run: both hosts' socket calls, their output and the wire's segments. */
#ifndef TCPLAB_ENGINE_TIMELINE_H
#define TCPLAB_ENGINE_TIMELINE_H

#include <stddef.h>
#include <stdint.h>

#include "capture/flow.h"
#include "engine/sandbox.h"
#include "engine/trace.h"

/*
 * Contract: add segments, calls and output lines in any order while a lab runs, then call
 * timeline_build() once: it merges them into entry[], sorted by time, which the checks
 * walk. The ladders do not: engine/ladder.c reads seg[], call[] and out[] as they grow
 * and places each event once. All times are CLOCK_REALTIME nanoseconds, the clock libpcap
 * stamps packets with on Linux, so calls and segments compare directly.
 *
 * A call that was still in progress while something else happened (connect() across the
 * handshake, a recv() that blocked) gets two entries: TL_PHASE_ENTER at its entry and
 * TL_PHASE_EXIT at its return; any other call gets one TL_PHASE_ONCE entry at its entry.
 * Segment payloads are copied (up to TIMELINE_PAYLOAD_KEPT bytes in all), so the
 * timeline owns everything it points to.
 */

/* Payload bytes a timeline copies in all; later segments keep their headers only
 * (caplen_payload 0, len as on the wire). */
#define TIMELINE_PAYLOAD_KEPT (16u << 20)

enum tl_kind { TL_SEGMENT, TL_CALL, TL_OUTPUT };
enum tl_phase { TL_PHASE_ONCE, TL_PHASE_ENTER, TL_PHASE_EXIT };

struct tl_call {
	enum sandbox_host host;
	struct trace_event ev;
};

/* The host of an output line that is the engine's own note ("the cable is cut"). */
#define TL_HOST_WIRE 2

struct tl_output {
	int host;               /* enum sandbox_host, or TL_HOST_WIRE */
	uint64_t t_ns;
	char text[200];
};

struct tl_entry {
	uint64_t t_ns;
	uint8_t kind;           /* enum tl_kind */
	uint8_t phase;          /* enum tl_phase, for TL_CALL */
	uint32_t index;         /* into seg[], call[] or out[] */
};

struct timeline {
	struct flow_seg *seg;
	size_t nseg, segcap;
	struct tl_call *call;
	size_t ncall, callcap;
	struct tl_output *out;
	size_t nout, outcap;
	struct tl_entry *entry;
	size_t nentry;
	uint64_t t0;            /* time of the earliest entry, after timeline_build() */
	size_t payload_bytes;   /* payload copied so far (at most TIMELINE_PAYLOAD_KEPT) */
};

void timeline_init(struct timeline *tl);
void timeline_release(struct timeline *tl);

/* Each returns 0, or -1 when memory ran out. */
int timeline_add_segment(struct timeline *tl, const struct flow_seg *fs);
int timeline_add_call(struct timeline *tl, enum sandbox_host host, const struct trace_event *ev);
int timeline_add_output(struct timeline *tl, int host, uint64_t t_ns,
                        const char *text, size_t len);
int timeline_build(struct timeline *tl);

#endif
