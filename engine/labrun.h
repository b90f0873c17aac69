/* summary: run one variant of a lab: sandbox, capture, programs, trace, timeline and checks. */
#ifndef TCPLAB_ENGINE_LABRUN_H
#define TCPLAB_ENGINE_LABRUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/expect.h"
#include "engine/lab.h"
#include "engine/timeline.h"

/*
 * Contract: a run builds fresh namespaces, starts the capture in them, starts the
 * server, waits for its listen() (seen through the syscall trace, never a sleep), starts
 * the client, serves the capture, the trace pipes and the programs' output from one poll()
 * loop, and stops when both programs have exited and the capture has caught up (a marker
 * datagram sent after the programs has been captured). Every wait has a deadline. At the
 * end the programs' process groups are killed and the namespaces vanish.
 *
 * The result is a timeline plus one verdict per check: first the engine's own checks (the
 * programs ran and exited 0; the capture is complete), then the checks of the variant's
 * expected-sequence file, matched against the lab's connection. A capture that dropped
 * packets makes every wire check at worst inconclusive, never FAIL.
 *
 * Two ways to drive it. labrun_run() runs to the end in its own poll loop. A caller with a
 * poll loop of its own (the TUI) calls labrun_start(), then, whenever labrun_pollfds()'s
 * descriptors are ready or its timeout passes, labrun_step(), which never blocks; between
 * steps run->tl holds what happened so far (timeline_build() it to read it in order).
 *
 * labrun_run() and labrun_step() fail (-1) only when the lab could not run at all (errbuf
 * says why and what to do); a lab that ran and failed its checks ends with failing verdicts.
 */

struct proc_limits;

struct labrun_opts {
	const char *build;          /* directory with libtcplab-trace.so and labs/SLUG/ programs */
	const char *pcap_path;      /* save the capture here, or NULL */
	double timeout_s;           /* whole run; 0: the variant's, else 15 s */
	const char *tracer;         /* the tracer library; NULL: BUILD/libtcplab-trace.so */
	const char *student;        /* the student's program, for {student}; NULL outside grading */
	const struct proc_limits *student_limits;   /* for the program the student wrote */
};

struct labrun_check {
	char name[160];
	struct expect_result r;
};

struct labrun_state;

struct labrun {
	const struct lab *lab;
	const struct lab_variant *variant;
	char server_addr[64], client_addr[64];
	struct timeline tl;
	struct labrun_check *check;
	size_t ncheck;
	char info[LAB_MAX_CHECKS][160];     /* the variant's "info" lines that matched */
	size_t ninfo;
	uint64_t received, dropped;     /* from pcap_stats */
	uint64_t trace_drops[2];        /* socket calls the tracer could not report, per host */
	bool marker_seen;               /* the capture caught up with the end of the run */
	int status[2];                  /* wait status of client [HOST_CLIENT] and server */
	bool timed_out;
	long conn_id;                   /* the connection checked, -1 when none was seen */
	bool done;                      /* ended and judged: check[] is final */
	uint64_t cut_ns;                /* when an 'on' line cut the cable, 0 if never */
	struct labrun_state *st;        /* the run in progress (private); NULL once done */
	char pcap_error[1400];          /* saving --pcap failed: why; "" when it worked */
};

struct pollfd;

int labrun_run(const struct lab *lab, const struct lab_variant *v, const struct labrun_opts *o,
               struct labrun **out, char *errbuf, size_t errlen);

/* Start a run: namespaces, capture, server. NULL when it cannot start (errbuf). */
struct labrun *labrun_start(const struct lab *lab, const struct lab_variant *v,
                            const struct labrun_opts *o, char *errbuf, size_t errlen);

/*
 * The descriptors the run waits on, at most max (LABRUN_MAX_FDS is always enough), and in
 * *timeout_ms the longest the caller may wait before the next labrun_step().
 */
#define LABRUN_MAX_FDS 8
int labrun_pollfds(const struct labrun *run, struct pollfd *fds, int max, int *timeout_ms);

/* Serve what is ready and move on. 1 while running, 0 once done and judged, -1 failed. */
int labrun_step(struct labrun *run, char *errbuf, size_t errlen);

/* Stops a run in progress (its programs killed, namespaces gone) and frees it. */
void labrun_free(struct labrun *run);

/* Every check passed. */
bool labrun_passed(const struct labrun *run);

#endif
