/* summary: expected segment sequences as data: parse a spec, match a connection, explain. */
#ifndef TCPLAB_CAPTURE_EXPECT_H
#define TCPLAB_CAPTURE_EXPECT_H

#include <stdbool.h>
#include <stddef.h>

#include "capture/flow.h"

/*
 * Contract: a spec (docs/expect-format.md) is a list of checks, in file order. A check is
 * either a named section of segment lines ("check \"the close\"" then "c>s F." ...) or one
 * whole-connection assertion ("assert no-rst"). expect_match() gives one verdict per check.
 *
 * Sections describe the connection's segments end to end: the first section starts at the
 * connection's first segment, each next section starts where the previous one ended, and
 * the last section must end at the connection's last segment; "..." lines skip. A section
 * that fails is reported at its first divergence, and the next section then searches for
 * its own start anywhere from where the failed one began, so every section gets a verdict.
 *
 * Matching is a set simulation over (line, segment) positions, never backtracking: it costs
 * O(lines x segments) time and O(segments) memory whatever the spec, so a hostile spec
 * cannot make it exponential. Parsing is bounded too (EXPECT_MAX_* below).
 *
 * Errors: functions returning int return 0 or a negative value and write a one-line message
 * into the caller's errbuf: "NAME:LINE: what is wrong 'the offending text'".
 */

#define EXPECT_MAX_LINES    10000   /* lines in a spec, comments and blanks included */
#define EXPECT_MAX_LINE_LEN 1024    /* characters in a line, without its newline */
#define EXPECT_MAX_REPEAT   10000   /* n and m in {n}, {n,m} */
#define EXPECT_MAX_NAME     200     /* characters in a check's quoted name */

struct expect_spec;

/* Parse a spec held in memory; name is used in messages only. *out is NULL on error. */
int expect_parse(const char *text, size_t len, const char *name, struct expect_spec **out,
                 char *errbuf, size_t errlen);

/* Read and parse a spec file (at most EXPECT_MAX_LINES * (EXPECT_MAX_LINE_LEN + 1) bytes). */
int expect_load(const char *path, struct expect_spec **out, char *errbuf, size_t errlen);

void expect_free(struct expect_spec *spec);

size_t expect_ncheck(const struct expect_spec *spec);
/* The check's name as written ("three-way handshake"); NULL when i is out of range. */
const char *expect_check_name(const struct expect_spec *spec, size_t i);

/* The check has a time window (+A...B or A...B) on one of its lines, or is the
 * no-retransmission assertion: a machine that stalled during the run can make it fail, so
 * a run that stalled cannot judge it. */
bool expect_check_timed(const struct expect_spec *spec, size_t i);

enum expect_verdict { EXPECT_PASS, EXPECT_FAIL, EXPECT_INCONCLUSIVE };

struct expect_result {
	enum expect_verdict verdict;
	long seg_index;         /* evidence: index into the segs array, -1 when none */
	char explain[1024];     /* one paragraph for a student (Korean takes about twice the bytes
	                           of English); "" never on FAIL */
};

/*
 * Match one connection. segs are that connection's segments in capture order (as flow.c
 * described them); conn is its final state (assertions read side[].state, first_fin,
 * first_rst). conn may be NULL: assertions then judge from segs alone where they can.
 * capture_incomplete says the capture lost packets (kernel drops): a check that would FAIL
 * is then INCONCLUSIVE, with the reason, because a missing segment may be the capture's
 * fault rather than TCP's. results has expect_ncheck(spec) entries. Returns 0, or -1 with
 * errno ENOMEM (results are then all INCONCLUSIVE).
 */
int expect_match(const struct expect_spec *spec, const struct flow_conn *conn,
                 const struct flow_seg *segs, size_t nseg, bool capture_incomplete,
                 struct expect_result *results);

/* What starts the notation's detail at the end of a divergence's explanation ("...
 * (detail: expected c>s F.; saw c>s R. (segment 8, +2.152 ms))"), translated with _():
 * the judge adds its words before it. */
#define EXPECT_DETAIL N_(" (detail: ")   /* N_: util/tr.h, where it is used */

/* "PASS", "FAIL", "inconclusive". */
const char *expect_verdict_str(enum expect_verdict v);

#endif
