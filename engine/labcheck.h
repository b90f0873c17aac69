/* summary: a lab's own checks on a run: its socket calls, its output, measures of its wire. */
#ifndef TCPLAB_ENGINE_LABCHECK_H
#define TCPLAB_ENGINE_LABCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/expect.h"
#include "capture/flow.h"
#include "engine/ksock.h"
#include "engine/timeline.h"
#include "engine/trace.h"

struct lab_vars;

/*
 * The "call", "output", "wire" and "state" lines of a lab.conf variant or exercise, as
 * docs/lab-format.md defines them. labcheck_parse() turns one line into a check (errors
 * name the word at fault); labcheck_eval() judges it against a finished run. The
 * expected-sequence file judges the segments one by one; these judge what it cannot: the
 * program's side of the timeline, and measures over many segments.
 */

enum labcheck_kind { LABCHECK_CALL, LABCHECK_OUTPUT, LABCHECK_WIRE, LABCHECK_STATE,
                     LABCHECK_ANSWER };
enum labcheck_op { LC_EQ, LC_LT, LC_GT, LC_LE, LC_GE };
enum labcheck_metric {
	LC_RTT_MEDIAN, LC_RTT_MAX, LC_SEGMENTS_C2S, LC_SEGMENTS_S2C, LC_CONNECTIONS,
	LC_ZERO_WINDOW_CONNS,
};
/*
 * "answer = "NAME" KEY MEASURE [within N%]": an exercise whose student hands in
 * predictions (answers.txt, KEY = VALUE lines; the run's variable answer_KEY) rather than a
 * program. The prediction is compared with MEASURE, read from the lab connection's capture,
 * and a wrong one is explained with the segments that show the truth:
 *   resent-seq   relative seq of the first segment the client sent again
 *   dupacks      the server's ACKs repeating that number before the copy left
 *   resend-kind  "fast" (Wireshark's Fast Retransmission) or "timer" (any other resend)
 *   resend-ms    ms from the segment's first copy to its second ("within N%" allowed)
 *   copies       how many times the client sent that segment, the first included
 *   final-ack    the ack of the server's first ACK that covers every byte the client sent
 */
enum labcheck_answer { LC_RESENT_SEQ, LC_DUPACKS, LC_RESEND_KIND, LC_RESEND_MS, LC_COPIES,
                       LC_FINAL_ACK };

#define LABCHECK_MAX_HAS 4

struct labcheck {
	enum labcheck_kind kind;
	bool info;                      /* an "info" line: reported when it passes, never scored */
	char name[160];
	int who;                        /* enum sandbox_host */
	/* call */
	enum trace_call cls;
	char func[16];                  /* name=FUNC, "" for any */
	bool has_ret, has_arg, has_took;
	enum labcheck_op ret_op, arg_op, took_op;
	long long ret, arg;             /* arg: bytes asked for, backlog, option value... */
	double took;                    /* seconds from the call's entry to its return */
	char err[24];                   /* errno=NAME, "" for any */
	size_t nhas;
	char has[LABCHECK_MAX_HAS][48];
	enum labcheck_op count_op;
	long long count;
	char count_var[32];             /* count OP {NAME}: read when judged; "" for a number */
	bool before;
	enum trace_call before_cls;
	bool after_cut;
	double cut_lo, cut_hi;          /* seconds */
	bool on_lab;                    /* on=lab: only calls on a socket of the lab's port */
	bool killed;                    /* killed: only calls of a process that a signal ended
	                                   (a close "exit" of it: the lab's kill closed it) */
	bool ended;                     /* ended: only calls on a socket whose connection had
	                                   ended on the wire before the call (a FIN each way,
	                                   or a RST) */
	/* enters-before=SEG, returns-after=SEG: the call against a segment of the first
	 * connection's handshake on the wire (enum labcheck_hs_seg; 0: none). */
	int enters_before, returns_after;
	bool has_total;                 /* total OP N: the sum of the matching calls' results */
	enum labcheck_op total_op;
	char total[32];                 /* a number or {NAME}, read when judged */
	/* output */
	char text[256];                 /* output: alternatives separated by |, {NAME}s */
	/* wire */
	enum labcheck_metric metric;
	enum labcheck_op op;
	double value;
	/* state: the kernel's sockets of WHO in state ks_state (count_op, count): the most in
	 * one sample (of every sample, or of those taken just before the lab's kills), or in
	 * the sample at the end; with has_timer, only those whose timer has timer_op timer s
	 * left */
	int ks_state;                   /* enum ksock_state */
	enum { LC_AT_PEAK, LC_AT_END, LC_AT_KILL } ks_at;
	bool has_timer;
	enum labcheck_op timer_op;
	double timer;
	/* answer */
	char key[24];                   /* the answer file's key; the run's answer_KEY */
	enum labcheck_answer measure;
	double within;                  /* tolerance in percent, 0: exact */
};

/* What a finished run offers the checks. */
struct labcheck_ctx {
	const struct timeline *tl;      /* built (timeline_build) */
	const struct flow_seg *segs;    /* segments of the connections to the lab's port */
	size_t nseg;
	uint64_t cut_ns;                /* when the cable was cut, 0 if never */
	const char *role[2];            /* "client", "server": how messages name the programs */
	const struct lab_vars *vars;    /* {NAME} in output texts; NULL: none */
	const uint64_t *lab_socks;      /* sockets (inodes) that used the lab's port */
	size_t nlab_socks;
	const struct ksock_log *ks;     /* the kernel's samples; NULL: none were taken */
	const char *ks_error;           /* why sampling failed or stopped, "" or NULL if not */
	uint64_t late_ns;               /* how long the machine held the userspace cable up:
	                                   a delay measured across it may be that much longer
	                                   than TCP's (an answer it could explain is
	                                   inconclusive, not wrong); 0: not at all */
};

/*
 * The request/response rule of the rtt-* metrics, for anyone who measures the same way
 * (the TUI's comparison): feed every segment in capture order; a request starts with the
 * client's first data segment after the last reply, and its round trip ends with the
 * server's next data segment (retransmissions do not count). labcheck_rtt_feed() returns
 * the round trip in ms a segment ends, or -1.
 */
struct labcheck_rtt {
	uint64_t *start;                /* by connection id: when its request began, 0: none */
	size_t n;                       /* connections it has room for */
	bool oom;                       /* a connection found no room: its trips are left out */
};

/* Zero the struct to start; labcheck_rtt_release() frees what feeding grew. */
double labcheck_rtt_feed(struct labcheck_rtt *st, uint32_t conn, int dir, uint32_t len,
                         uint32_t analysis, uint64_t ts_ns);
void labcheck_rtt_release(struct labcheck_rtt *st);
/* The median of v[0..n) (v is sorted in place); 0 when n is 0. */
double labcheck_median(double *v, size_t n);

int labcheck_parse(enum labcheck_kind kind, const char *text, struct labcheck *out,
                   char *errbuf, size_t errlen);
void labcheck_eval(const struct labcheck *c, const struct labcheck_ctx *ctx,
                   struct expect_result *r);

#endif
