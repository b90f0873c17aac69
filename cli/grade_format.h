/* summary: a grade as text, JSON, JUnit XML, TAP, Gradescope's or GitHub Classroom's results, or Markdown. */
#ifndef TCPLAB_CLI_GRADE_FORMAT_H
#define TCPLAB_CLI_GRADE_FORMAT_H

#include <stdio.h>

#include "engine/grade.h"

/*
 * Every format carries the same facts: each check with its verdict, points and
 * explanation, the total, and the compiler's output when the build failed. Inconclusive
 * checks are failures for the score and are reported as failures that say so, never as
 * skips a CI would show green (TAP "not ok ... # inconclusive", JUnit <error
 * type="inconclusive">, Gradescope status "failed" with "inconclusive: " in its output).
 * Markdown (a GitHub Actions job summary) adds the run's ladder; what came from the
 * submission is escaped there so that it cannot become a link, an image or markup.
 * Classroom is what GitHub Classroom's autograding reporter reads (status "fail" with
 * "inconclusive: " in the message).
 */
enum grade_format { GF_TEXT, GF_JSON, GF_JUNIT, GF_TAP, GF_GRADESCOPE, GF_MARKDOWN, GF_CLASSROOM };

/* "json" -> GF_JSON; -1 when unknown. */
int grade_format_parse(const char *name);
/* s as a JSON string literal (RFC 8259 section 7): quotes, backslashes, controls escaped. */
void grade_format_json_str(FILE *out, const char *s);
void grade_format_print(FILE *out, enum grade_format f, const struct grade_result *g);

#endif
