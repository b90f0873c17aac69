/* summary: when each data segment's bytes were the kernel's to send: from the program's send() calls, so a late program is not a late wire. */
#ifndef TCPLAB_ENGINE_READY_H
#define TCPLAB_ENGINE_READY_H

#include <stddef.h>
#include <stdint.h>

#include "capture/flow.h"

/* One successful send() of a program on one connection, in the order it made them. */
struct ready_call {
	uint64_t end;           /* the stream offset just past its last byte */
	uint64_t enter_ns;      /* its entry and exit, on the capture's clock; exit 0: unknown */
	uint64_t exit_ns;
};

/*
 * Sets struct flow_seg's ready_ns on every data segment of direction dir in segs: when its
 * program handed the kernel the segment's last byte, as the expected sequence's time
 * windows need it (capture/expect.c: an upper bound measures TCP's delay from the later of
 * it and the previous segment).
 *
 * - By default, the entry of the call whose bytes reach that far: what TCP did after it
 *   (Nagle holding the bytes for an ACK, a zero window) is TCP's delay.
 * - A segment that begins with that call's first byte and left before the call returned was
 *   sent by the call itself: the time between entry and segment is the machine's (the
 *   tracer stamps the entry, then the program waits for a CPU to run the call; on a busy
 *   machine that is tens of milliseconds), not TCP's, so ready_ns is the segment's own
 *   time. A segment TCP held back leaves after its call returned: Nagle's wait for an
 *   ACK is still measured from the entry. Later segments of one long call (a blocking
 *   send() of a megabyte) keep the entry: they left when TCP let them.
 * - Never later than the segment, and never set from a call that began after it (a trace
 *   cut short by the call cap would misplace bytes).
 * Pure: calls in stream order, segments in capture order.
 */
void ready_assign(const struct ready_call *calls, size_t ncalls, struct flow_seg *segs,
                  size_t nsegs, enum flow_dir dir);

#endif
