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
 * Contract: labrun_run() builds fresh namespaces, starts the capture in them, starts the
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
 * labrun_run() returns -1 only when the lab could not run at all (errbuf says why and what
 * to do); a lab that ran and failed its checks returns 0 with failing verdicts.
 */

struct labrun_opts {
	const char *build;          /* directory with libtcplab-trace.so and labs/SLUG/ programs */
	const char *pcap_path;      /* save the capture here, or NULL */
	double timeout_s;           /* whole run; 0 means the default (15 s) */
};

struct labrun_check {
	char name[160];
	struct expect_result r;
};

struct labrun {
	const struct lab *lab;
	const struct lab_variant *variant;
	char server_addr[64], client_addr[64];
	struct timeline tl;
	struct labrun_check *check;
	size_t ncheck;
	uint64_t received, dropped;     /* from pcap_stats */
	bool marker_seen;               /* the capture caught up with the end of the run */
	int status[2];                  /* wait status of client [HOST_CLIENT] and server */
	bool timed_out;
	long conn_id;                   /* the connection checked, -1 when none was seen */
	char pcap_error[400];           /* saving --pcap failed: why; "" when it worked */
};

int labrun_run(const struct lab *lab, const struct lab_variant *v, const struct labrun_opts *o,
               struct labrun **out, char *errbuf, size_t errlen);
void labrun_free(struct labrun *run);

/* Every check passed. */
bool labrun_passed(const struct labrun *run);

#endif
