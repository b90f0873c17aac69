/* summary: a student's progress per lab, kept in the XDG state directory across runs. */
#ifndef TCPLAB_ENGINE_PROGRESS_H
#define TCPLAB_ENGINE_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Where: $XDG_STATE_HOME/tcplab/progress (default ~/.local/state/tcplab/progress). A lab
 * line "LAB STATE BEST MAX WHEN [BEST_ATTEMPT ATTEMPTS]" (state: none, demo, tried, passed;
 * BEST/MAX the best grade's points, ever), then one line per kept attempt, oldest first:
 * "attempt LAB NUMBER SCORE MAX VERDICT SEED WHEN" (verdict pass, fail or inconclusive;
 * SEED 0 when unknown). Files written before attempts were kept have lab lines of five
 * fields and no attempt lines; they read as they always did, and older tcplab versions skip
 * the attempt lines. A missing file is "nothing done yet", not an error; a damaged line is
 * skipped. Writes go to a temporary file renamed over the old one, so a crash never loses it.
 *
 * Every graded attempt counts: the last PROGRESS_MAX_ATTEMPTS of each lab are kept, and
 * numbered from 1 for the lab's first. A lab's state (passed or tried) follows its LAST
 * attempt, unless the tree's tcplab.conf says "keep = best" (then a lab once passed stays
 * passed): progress_load() reads the policy each time, so it applies to old attempts too.
 */

#define PROGRESS_MAX_LABS 64
#define PROGRESS_MAX_ATTEMPTS 50

enum progress_state { PROGRESS_NONE, PROGRESS_DEMO, PROGRESS_TRIED, PROGRESS_PASSED };
enum progress_verdict { PROGRESS_FAIL, PROGRESS_PASS, PROGRESS_INCONCLUSIVE };
enum progress_keep { PROGRESS_KEEP_LAST, PROGRESS_KEEP_BEST };

struct progress_attempt {
	int number;             /* 1 for the lab's first graded attempt */
	double score, max;
	enum progress_verdict verdict;
	uint64_t seed;          /* the run's seed; 0 when unknown */
	int64_t when;           /* Unix time */
};

struct progress_lab {
	int lab;
	enum progress_state state;      /* by the keep policy once the lab has attempts */
	double best, max;       /* best grade so far, out of max; max 0: never graded */
	int64_t when;           /* Unix time of the last change */
	int best_attempt;       /* number of the best attempt; 0: unknown (an older file) */
	int attempts;           /* graded attempts ever, kept or not */
	size_t nattempt;        /* kept, oldest first */
	struct progress_attempt attempt[PROGRESS_MAX_ATTEMPTS];
};

struct progress {
	enum progress_keep keep;
	size_t n;
	struct progress_lab lab[PROGRESS_MAX_LABS];
};

/* "not started", "demo run", "exercise tried", "exercise passed" */
const char *progress_state_str(enum progress_state s);
/* "pass", "fail", "inconclusive" */
const char *progress_verdict_str(enum progress_verdict v);

/* Reads the file and the keep policy (progress_keep_load()). */
int progress_load(struct progress *p, char *errbuf, size_t errlen);
/* The entry of a lab (state PROGRESS_NONE when it has none). */
const struct progress_lab *progress_get(const struct progress *p, int lab);
/* The lab's last attempt, or NULL when it has none kept. */
const struct progress_attempt *progress_last(const struct progress_lab *l);

/*
 * "last 6/10, best 10/10 (attempt 3 of 5)", "best 8/8" (an older file without attempts),
 * or "" when never graded: what 'tcplab list' and the TUI's menu show.
 */
void progress_summary(const struct progress_lab *l, char *buf, size_t len);

/*
 * The keep policy: "keep = last" or "keep = best" in ROOT/tcplab.conf ('#' comments, blank
 * lines; other keys are left to their readers). No file, or no keep line: last. root is
 * the tree paths_find() finds; NULL: find it. An unknown value is an error naming the file
 * and line; the policy is then last.
 */
int progress_keep_load(const char *root, enum progress_keep *keep, char *errbuf, size_t errlen);

/* A demo of the lab ran (never lowers a tried or passed lab). */
int progress_demo_ran(int lab, char *errbuf, size_t errlen);

/*
 * Record a graded attempt of lab: a->score, max, verdict and seed are the caller's;
 * a->number and a->when are filled in. The oldest attempt goes once there are
 * PROGRESS_MAX_ATTEMPTS; the best grade is kept apart and never goes.
 */
int progress_record(int lab, struct progress_attempt *a, char *errbuf, size_t errlen);

/* grade_step()'s call: the grade's attempt recorded, its number put in g->attempt. */
struct grade_result;
int progress_graded(struct grade_result *g, char *errbuf, size_t errlen);

#endif
