/* summary: a student's progress per lab, kept in the XDG state directory across runs. */
#ifndef TCPLAB_ENGINE_PROGRESS_H
#define TCPLAB_ENGINE_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Where: $XDG_STATE_HOME/tcplab/progress (default ~/.local/state/tcplab/progress), one line
 * per lab: "LAB STATE BEST MAX WHEN" (state: none, demo, tried, passed; BEST/MAX the best grade's
 * points). A missing file is "nothing done yet", not an error; a damaged line is skipped.
 * Writes go to a temporary file renamed over the old one, so a crash never loses it.
 */

#define PROGRESS_MAX_LABS 64

enum progress_state { PROGRESS_NONE, PROGRESS_DEMO, PROGRESS_TRIED, PROGRESS_PASSED };

struct progress_lab {
	int lab;
	enum progress_state state;
	double best, max;       /* best grade so far, out of max; max 0: never graded */
	int64_t when;           /* Unix time of the last change */
};

struct progress {
	size_t n;
	struct progress_lab lab[PROGRESS_MAX_LABS];
};

/* "not started", "demo run", "exercise tried", "exercise passed" */
const char *progress_state_str(enum progress_state s);

int progress_load(struct progress *p, char *errbuf, size_t errlen);
/* The entry of a lab (state PROGRESS_NONE when it has none). */
struct progress_lab progress_get(const struct progress *p, int lab);

/* A demo of the lab ran (never lowers a passed lab). */
int progress_demo_ran(int lab, char *errbuf, size_t errlen);
/* A grade of the lab: keeps the best score; passed when score == max, else tried. */
int progress_graded(int lab, double score, double max, char *errbuf, size_t errlen);

#endif
