/* summary: the busy-loop judge: the calls a program made that returned nothing, counted as it makes them. */
#ifndef TCPLAB_ENGINE_SPIN_H
#define TCPLAB_ENGINE_SPIN_H

#include <stddef.h>
#include <stdint.h>

#include "engine/trace.h"

/*
 * Contract: spin_note() is given every traced event of one program, in the order the
 * tracer reported them (engine/labrun.c, as they arrive); spin_judge() then says whether
 * the program spun instead of blocking, and how. Pure: no clock, no I/O, so a verdict
 * depends on what the program did, not on when the judge looked.
 *
 * A correct program blocks in recv(), accept() or poll(): an event loop meets EAGAIN about
 * once per readiness (at most 27 times, under 100 a second, over every correct program of
 * the corpus). Three ways to spin:
 * - SPIN_IN_POLL: poll() returned something ready, again and again, and the program did
 *   nothing after it (POLLOUT asked for with nothing to send): most of the idle calls are
 *   such wake-ups (trace_event_empty_wake()), SPIN_IDLE_CALLS of them or more at
 *   SPIN_IDLE_RATE a second or more;
 * - SPIN_RATE: SPIN_IDLE_CALLS calls that returned nothing (trace_event_idle()) or more,
 *   at SPIN_IDLE_RATE a second or more;
 * - SPIN_RUN: one thread asked one socket SPIN_RUN_CALLS times in a row with nothing moved
 *   and no wait between (trace_event.waits unchanged). This one does not hang on the
 *   machine's load: a spin that lasts only as long as a 5 ms gap in an echo may get too few
 *   CPU slices on a busy machine to reach the rate, never too few to ask twice without
 *   waiting. Every correct program of the corpus: 0 or 1 in a row.
 * An idle call right after its thread slept (nanosleep) is pacing, not spinning: left out
 * of the count and the rate (a reader that drains with MSG_DONTWAIT between 5 ms jobs meets
 * one EAGAIN a job, 200 a second).
 */
#define SPIN_IDLE_CALLS 100
#define SPIN_IDLE_RATE 200.0
#define SPIN_RUN_CALLS 5
#define SPIN_RUNS 32            /* threads and sockets whose runs are followed */

struct spin_run {
	int tid;                /* 0: free */
	uint64_t sock;
	uint32_t waits;         /* the thread's trace_event.waits at the run's calls */
	size_t n;
};

struct spin {
	size_t idle;                    /* calls that moved nothing: EAGAIN, MSG_PEEK, 0 bytes,
	                                   and poll() wake-ups that nothing followed */
	size_t idle_again, idle_peek, idle_zero, idle_wake;
	uint64_t first_idle_ns, last_idle_ns;
	size_t run_max;                 /* the longest run (SPIN_RUN) */
	int slept_tid;                  /* the thread whose last sleep no idle call of its own
	                                   has followed yet; 0: none */
	struct spin_run run[SPIN_RUNS];
};

enum spin_kind { SPIN_NONE, SPIN_IN_POLL, SPIN_RATE, SPIN_RUN };

void spin_init(struct spin *s);
void spin_note(struct spin *s, const struct trace_event *ev);
/* How the program spun, if it did; *span: seconds from its first idle call to its last. */
enum spin_kind spin_judge(const struct spin *s, double *span);

#endif
