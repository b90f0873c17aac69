/* summary: a whole capture file read into its connections, each with the segments it kept. */
#ifndef TCPLAB_CAPTURE_CAPFILE_H
#define TCPLAB_CAPTURE_CAPFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/flow.h"

/*
 * Contract: capfile_load() reads a pcap or pcapng file through dissect and flow once and
 * keeps, for every connection (or only one), its segments as flow_segs, in capture order,
 * at most max_per_conn of them: memory stays bounded by the caller's choice, and a
 * connection cut short says so (truncated) so its checks can be marked inconclusive rather
 * than wrong. Payload pointers are NULL: the packet buffers are gone once read.
 *
 * For streaming a file of millions of segments without keeping them, use pcapin + dissect
 * + flow directly, as 'tcplab inspect' does.
 */

struct capfile_conn {
	struct flow_seg *seg;
	size_t nseg, cap;
	bool truncated;         /* it had more than max_per_conn segments */
};

struct capfile {
	struct flow_table *ft;          /* every connection, kept or not */
	struct capfile_conn *conn;      /* indexed by connection id; nconn entries */
	size_t nconn;
	uint32_t frames;                /* packets read, TCP or not */
	uint64_t malformed;             /* packets the dissector refused */
	char read_error[512];           /* "" when the file was read to its end */
};

/*
 * only: a connection id, or -1 for all. Returns -1 when the file cannot be opened or
 * memory runs out (errbuf says which); a file that breaks off midway is kept up to the
 * break and read_error says what broke. Release with capfile_release() in both cases.
 */
int capfile_load(const char *path, long only, size_t max_per_conn, struct capfile *cf,
                 char *errbuf, size_t errlen);
void capfile_release(struct capfile *cf);

/* The segments kept of connection id (an empty one when none were kept). */
const struct capfile_conn *capfile_conn(const struct capfile *cf, size_t id);

#endif
