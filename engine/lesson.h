/* summary: a lab's lesson: the steps of text a student goes through, some of which run a variant. */
#ifndef TCPLAB_ENGINE_LESSON_H
#define TCPLAB_ENGINE_LESSON_H

#include <stddef.h>

/*
 * Format (labs/NN-name/lesson.txt, docs/lab-format.md): lines starting with '#' before the
 * first step are comments; "## Title" starts a step; a line "run: VARIANT" inside a step
 * says the step runs that variant; a line "show: FILTER" says which part of the run the
 * step talks about: the first segment the display filter FILTER (capture/dfilter.h,
 * Wireshark's fields only) matches, checked here; it needs a run in its step or an earlier one (a step without
 * "run:" shows the earlier step's run). Every other line is the step's text, kept as
 * written. A lesson has at least one step; bounded: at most LESSON_MAX_STEPS steps and
 * LESSON_MAX_BYTES bytes.
 */

#define LESSON_MAX_STEPS 64
#define LESSON_MAX_BYTES (256 * 1024)

struct lesson_step {
	char *title;
	char *text;             /* lines joined with '\n', leading and trailing blank lines cut */
	char run[32];           /* variant to run, "" for none */
	char show[200];         /* display filter: where the run pane opens, "" for the end */
};

struct lesson {
	size_t nstep;
	struct lesson_step *step;
};

/* Errors name the file and line: "lesson.txt:12: 'run:' needs a variant name". */
int lesson_parse(const char *text, size_t len, const char *name, struct lesson *out,
                 char *errbuf, size_t errlen);
int lesson_load(const char *path, struct lesson *out, char *errbuf, size_t errlen);
void lesson_release(struct lesson *l);

#endif
