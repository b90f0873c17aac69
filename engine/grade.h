/* summary: grade a student's exercise: build it, run it against the reference peer, score it. */
#ifndef TCPLAB_ENGINE_GRADE_H
#define TCPLAB_ENGINE_GRADE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/expect.h"
#include "engine/lab.h"
#include "engine/labrun.h"

/*
 * Contract: grade_run() compiles the C files of the student's folder (default: the lab's
 * exercise folder) with the project's warning flags into a temporary folder, runs the
 * result in the lab's sandbox as the exercise's role (client or server) against the
 * reference peer, with limits on CPU time, memory, processes, open files and output and a
 * wall-clock timeout, and scores every check of the exercise: its expected-sequence file
 * (the wire), its call checks (the socket calls), its output checks (what it printed).
 * One point per check; partial credit is the sum. Whether the capture kept up is reported
 * but scores nothing: that is tcplab's business, not the student's.
 *
 * The outcome is a result even when the student's code fails to build or misbehaves:
 * GRADE_BUILD_FAILED carries the compiler's output as it printed it; a submission that
 * loops, floods or crashes is graded (its checks fail, with the reason). grade_run()
 * returns -1 only when grading itself could not happen (no compiler, no sandbox): errbuf.
 */

enum grade_outcome { GRADE_RAN, GRADE_BUILD_FAILED };

struct grade_check {
	char name[160];
	enum expect_verdict verdict;
	char explain[1024];     /* why, in TCP terms, with segment numbers and times as evidence */
	double score, max;      /* max 1 (0 for tcplab's own capture check); score max on PASS */
};

struct grade_result {
	int lab;
	char slug[64];          /* the lab's folder name: its texts' catalog (lab_text_in()) */
	char title[128];
	char src[600];          /* the folder that was graded */
	enum grade_outcome outcome;
	char build_log[16384];  /* the compiler's output, cut at the end if longer */
	size_t ncheck;
	struct grade_check *check;
	double score, max;
	double seconds;         /* wall time of build and run */
	uint64_t seed;          /* the drivers' seed: 'tcplab grade --seed N' replays this grade */
	int scenarios;          /* runs against the lab's drivers (each check is judged in all) */
	char note[512];         /* something the student should know that is not a check */
	struct labrun *run;     /* the run (timeline, checks); NULL when the build failed */
	int run_scenario;       /* which scenario run is, 1..scenarios (the first to fail) */
	int attempt;            /* this lab's graded attempt number (progress.h); 0 unrecorded */
};

struct grade_opts {
	const char *build;      /* tcplab's build directory: peers, tracer */
	const char *src;        /* student's folder; NULL: the lab's exercise folder */
	const char *cc;         /* compiler; NULL: $CC or "cc" */
	const char *pcap_path;  /* save the capture, or NULL */
	bool keep_frames;       /* keep the run's frames (g->run->frames), for a record */
	uint64_t seed;          /* the drivers' seed; 0: a fresh random one */
	bool no_progress;       /* not an attempt of whoever runs tcplab (a class's grades):
	                         * progress is not recorded and g->attempt stays 0 */
};

int grade_run(const struct lab *lab, const struct grade_opts *o, struct grade_result **out,
              char *errbuf, size_t errlen);
void grade_free(struct grade_result *g);

/*
 * Scenarios: an exercise with "scenarios = N" runs N times against its drivers, each run
 * with the grade's seed and its scenario number ({seed}, {scenario} in lab.conf), so that
 * every way the lab's side can behave (an echo in one segment or in five, a client that
 * closes or resets or vanishes first) is met on every grade. A check passes only when it
 * passed in every run; its explanation is the one of the first run where it did worst,
 * named ("scenario 2 of 3 (the echo came back in 3 pieces): ..."), and g->run is that run.
 *
 * The same grading for a caller with a poll() loop of its own (the TUI), as labrun does:
 * grade_start() prepares the folder and starts the compiler; whenever grade_pollfds()'s
 * descriptors are ready or its timeout passes, grade_step() serves what is ready and never
 * blocks (the compiler's output comes through a pipe, its exit through a pidfd, the run
 * through labrun_step()). grade_run() is exactly this loop.
 *
 * grade_current() is the result so far, owned by the grading: src at once, build_log while
 * the compiler prints, run (its timeline growing) once the program runs, the checks and
 * score once grade_step() has returned 0. grade_take() hands a finished result to the
 * caller (grade_free() it) and frees the grading; grade_cancel() stops one at any point
 * (compiler killed, run stopped, temporary folder removed) and frees everything.
 * grade_start() and grade_step() fail (NULL, -1) as grade_run() does: errbuf.
 */
struct grade;
struct pollfd;

#define GRADE_MAX_FDS LABRUN_MAX_FDS

struct grade *grade_start(const struct lab *lab, const struct grade_opts *o, char *errbuf,
                          size_t errlen);
int grade_pollfds(const struct grade *gr, struct pollfd *fds, int max, int *timeout_ms);
/* 1 while building or running, 0 once done and scored, -1 failed. */
int grade_step(struct grade *gr, char *errbuf, size_t errlen);
bool grade_building(const struct grade *gr);
const struct grade_result *grade_current(const struct grade *gr);
struct grade_result *grade_take(struct grade *gr);
void grade_cancel(struct grade *gr);

/* Every check passed (exit status 0 of 'tcplab grade'). */
bool grade_passed(const struct grade_result *g);

#endif
