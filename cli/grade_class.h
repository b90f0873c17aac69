/* summary: 'tcplab grade N --class DIR': every subfolder of DIR graded, in parallel, resumably. */
#ifndef TCPLAB_CLI_GRADE_CLASS_H
#define TCPLAB_CLI_GRADE_CLASS_H

#include <stdint.h>

#include "engine/lab.h"

/*
 * Contract: every subfolder of dir (not a dot folder, not a symbolic link) is one
 * submission, its name the student's. Each is graded exactly as 'tcplab grade N --src SUB'
 * (cli_grade_loop(), in a forked process of its own, at most jobs at a time), except that
 * it is not recorded as an attempt in the progress of whoever runs tcplab.
 *
 * Into out (created if missing; refused inside dir), for each student, under a file name
 * derived from theirs (grade_class_file_name()): NAME.txt, NAME.json, NAME.junit.xml,
 * NAME.tap, NAME.gradescope.json, and NAME.state (the key and the summary row, written
 * last). Then summary.csv and summary.json, one row per student. Every file is written
 * through util/safefile.h: whole or not at all, never through a symbolic link.
 *
 * Resumable: a student whose NAME.state holds the same key (a hash of tcplab's own program,
 * the lab's files, the lab number, the class seed and the submission's files) is not
 * graded again; their row is read from NAME.state.
 *
 * Seeds: seed 0 gives each submission a fresh random seed (recorded in its reports and the
 * summary); a seed gives every submission that seed, so all meet the same scenarios.
 *
 * A submission that fails to build, crashes or times out is a row with its verdict; one
 * whose grading could not happen (no compiler, a report target refused) is a row with
 * verdict "error" and is retried on the next run. SIGINT, SIGTERM and SIGHUP stop every
 * grading (programs killed, sandboxes and temporary files gone) and the run returns
 * 128 + the signal; the reports already written stay and a rerun continues from there.
 *
 * Returns the exit status: 0 when every submission has a grade, 1 when one could not be
 * graded (or a summary could not be written), 2 for a usage error.
 */
struct class_opts {
	const char *dir;        /* the class: one subfolder per submission */
	const char *out;        /* where reports go; NULL: grades-labN in the current folder */
	const char *build;      /* tcplab's build folder */
	int jobs;               /* gradings at once, at least 1 */
	uint64_t seed;          /* 0: random per submission */
};

int grade_class(const struct lab *lab, const struct class_opts *o);

/*
 * A student folder's name as a file name that stays in the out folder: bytes other than
 * ASCII letters, digits, '-', '_' and a '.' that does not start the name become %XX, so
 * different names never give the same file ("..", "a b", "x\ny" are "%2E.", "a%20b",
 * "x%0Ay"). A result longer than len - 1 bytes (NAME_MAX minus the suffixes) is cut and
 * ends with a hash of the whole name. len must be at least 40.
 */
void grade_class_file_name(const char *name, char *buf, size_t len);

#endif
