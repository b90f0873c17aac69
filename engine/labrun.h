/* summary: run one variant of a lab: sandbox, capture, programs, trace, timeline and checks. */
#ifndef TCPLAB_ENGINE_LABRUN_H
#define TCPLAB_ENGINE_LABRUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/expect.h"
#include "engine/ksock.h"
#include "engine/lab.h"
#include "engine/record.h"
#include "engine/timeline.h"

/*
 * Contract: a run builds fresh namespaces, starts the capture in them, starts the
 * server, waits for its listen() (seen through the syscall trace, never a sleep), starts
 * the client, serves the capture, the trace pipes and the programs' output from one poll()
 * loop, and stops when both programs have exited and the capture has caught up (a marker
 * datagram sent after the programs has been captured). Every wait has a deadline. At the
 * end the programs' process groups are killed and the namespaces vanish. Along the way
 * each host's kernel is asked for its sockets of the lab's port (engine/ksock.h): every
 * 100 ms, when a program exits, before each kill of the lab's and at the end (run->ks).
 * A "restart-server" act kills the server and starts its line again at once; the new
 * server's calls join the same side of the timeline.
 *
 * The result is a timeline plus one verdict per check: first the engine's own checks (the
 * programs ran and exited 0; the capture is complete), then the checks of the variant's
 * expected-sequence file, matched against the lab's connection. A capture that dropped
 * packets makes every wire check at worst inconclusive, never FAIL.
 *
 * Two ways to drive it. labrun_run() runs to the end in its own poll loop. A caller with a
 * poll loop of its own (the TUI) calls labrun_start(), then, whenever labrun_pollfds()'s
 * descriptors are ready or its timeout passes, labrun_step(), which never blocks; between
 * steps run->tl holds what happened so far (engine/ladder.c reads it in order as it grows).
 *
 * Where network namespaces are refused (sandbox.h, "Host loopback"), a one-host lab runs
 * on this machine's own lo instead (run->host_lo), on a port reserved for the run and with
 * its capture filtered to it; a two-host lab cannot and fails at once, saying why; and a
 * student's program is never run there, since its jail needs namespaces too.
 *
 * labrun_run() and labrun_step() fail (-1) only when the lab could not run at all (errbuf
 * says why and what to do); a lab that ran and failed its checks ends with failing verdicts.
 */

struct proc_limits;

struct labrun_opts {
	const char *build;          /* directory with the labs/SLUG/ programs */
	const char *pcap_path;      /* save the capture here, or NULL */
	double timeout_s;           /* whole run; 0: the variant's, else 15 s */
	const char *student;        /* the student's program, for {student}; NULL outside grading */
	const struct proc_limits *student_limits;   /* for the program the student wrote */
	uint64_t seed;              /* {seed} for the lab's drivers and params */
	int scenario;               /* {scenario}: which of the variant's scenarios */
	bool keep_frames;           /* keep the raw frames in run->frames, for a record */
	const struct lab_vars *extra;   /* more fixed variables for the run (a student's
	                                   answers, answer_KEY), or NULL */
};

struct labrun_check {
	char name[160];
	struct expect_result r;
	bool timed;                     /* a timing claim: a stalled machine can fail it */
};

/* A cable cut or a kill the lab's "on" lines did: its note is the timeline's output line
 * out_index (host TL_HOST_WIRE), so a record can say which lines are the lab's acts. */
struct labrun_mark {
	enum lab_action_kind kind;
	uint64_t t_ns;
	uint32_t out_index;
};

struct labrun_state;


struct labrun {
	const struct lab *lab;
	const struct lab_variant *variant;
	char server_addr[64], client_addr[64];
	/* The lab's port for this run ({port}, the connection checked, the kernel's sockets
	 * sampled): the lab's own in a namespace, a free one reserved for the run on a
	 * shared loopback (host_lo). */
	int port;
	/* Namespaces were refused here (a container), so this one-host lab ran on this
	 * machine's own lo, its capture filtered to port: the caller says so once. */
	bool host_lo;
	uint64_t seed;
	int scenario;
	struct lab_vars vars;           /* the run's variables, and what its drivers announced */
	struct timeline tl;
	struct labrun_check *check;
	size_t ncheck;
	char info[LAB_MAX_CHECKS][400];     /* the variant's "info" lines that matched, with the call
	                                       that matched them: "fix: ...: setsockopt(3, ...)" */
	size_t ninfo;
	uint64_t received, dropped;     /* from pcap_stats */
	uint64_t calls_unkept[2];       /* socket calls past the cap of those kept, per host */
	uint64_t segs_unkept;           /* segments past the cap of those kept */
	/* Stalls: the machine did not run a program (a timed wait of its woke late) or tcplab
	 * itself for a while. A timing check that failed on a run that stalled is
	 * inconclusive, never FAIL, and the run is disturbed: run it again. */
	uint64_t stall_ns;              /* the longest stall seen */
	char stall_why[200];            /* it, in words: "the client's poll(500 ms) woke 2.8 s late" */
	bool late;                      /* a program was slower than the variant's pace, or
	                                   the cable's thread was held up (wire_late_ns) */
	uint64_t wire_late_ns;          /* how long the machine held the userspace cable up;
	                                   live only, a run record does not keep it */
	bool disturbed;
	bool marker_seen;               /* the capture caught up with the end of the run */
	int status[2];                  /* wait status of client [HOST_CLIENT] and server */
	bool timed_out;
	long conn_id;                   /* the connection checked, -1 when none was seen */
	bool done;                      /* ended and judged: check[] is final */
	bool stopped;                   /* labrun_stop() ended it before the end: never judged */
	uint64_t cut_ns;                /* when an 'on' line cut the cable, 0 if never */
	struct labrun_mark mark[LAB_MAX_ACTIONS];
	size_t nmark;
	/* The kernel's view: both hosts' sockets of the lab's port, sampled every 100 ms,
	 * before each act of the lab and at the end (engine/ksock.h); what the 'state'
	 * checks judge. ks_error says why sampling stopped, "" when it never did. */
	struct ksock_log ks;
	char ks_error[200];
	struct record_frames frames;    /* the frames as captured, with opts.keep_frames (else
	                                   none): what a record saves */
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

/*
 * Stop a run in progress before its end: its programs killed and reaped, its capture
 * closed, its namespaces gone, as labrun_free() does, but the run itself kept: what it
 * recorded so far stays in run->tl for the screens. It is never judged (done stays false,
 * no checks); stopped says so, and labrun_step() returns -1 from then on. Nothing happens to
 * a run that already ended.
 */
void labrun_stop(struct labrun *run);

/* Stops a run in progress (its programs killed, namespaces gone) and frees it. */
void labrun_free(struct labrun *run);

/* Every check passed. */
bool labrun_passed(const struct labrun *run);

/*
 * Judge a finished run again from what it left (a record read back, engine/record.h): the
 * checks of variant v's expected-sequence file, matched against the connections of ft (the
 * run's frames as flow.c tracked them), and the variant's call, output and wire lines,
 * on the run's timeline and variables, as the live run judged them (a timing that failed
 * while the machine stalled is inconclusive here too). The engine's own checks (the
 * programs ran to completion, the capture is complete, busy loops, calls against the
 * wire) need the live programs and are not judged again, and a failing wire check's
 * explanation lacks the program's calls the live one prepends. *out is malloc'ed (free()
 * it), *nout checks, in the live run's order. 0, or -1 (errbuf: the spec, memory).
 */
struct flow_table;
int labrun_rejudge(const struct labrun *saved, const struct flow_table *ft,
                   const struct lab *lab, const struct lab_variant *v,
                   struct labrun_check **out, size_t *nout, char *errbuf, size_t errlen);

#endif
