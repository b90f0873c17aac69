/* summary: print a grade in each output format (see grade_format.h). */
#include "cli/grade_format.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/ladder.h"
#include "engine/lab.h"
#include "util/textcols.h"
#include "util/textesc.h"
#include "util/tr.h"

static const char *const format_names[] = {
	[GF_TEXT] = "text", [GF_JSON] = "json", [GF_JUNIT] = "junit", [GF_TAP] = "tap",
	[GF_GRADESCOPE] = "gradescope", [GF_MARKDOWN] = "markdown", [GF_CLASSROOM] = "classroom",
};

int grade_format_parse(const char *name)
{
	for (size_t i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++)
		if (!strcmp(name, format_names[i]))
			return (int)i;
	return -1;
}

/* A JSON string literal (RFC 8259 section 7): quotes, backslashes and controls escaped. */
void grade_format_json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", out);
		else if (*p == '\t')
			fputs("\\t", out);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(out, "\\u%04x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

/* XML character data or attribute value: markup escaped, controls XML 1.0 forbids dropped. */
static void xml_str(FILE *out, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&apos;", out); break;
		default:
			if (*p >= 0x20 || *p == '\n' || *p == '\t')
				fputc(*p, out);
		}
	}
}

static const char *verdict_word(enum expect_verdict v)
{
	return v == EXPECT_PASS ? "pass" : v == EXPECT_FAIL ? "fail" : "inconclusive";
}

/*
 * The text report goes to a terminal: everything that came from the student's folder, the
 * compiler or the program (paths, the build log, explanations quoting output) is escaped.
 * It is the one format in the student's language (util/tr.h): headings, verdicts, the
 * lab's check names (lab_text_in()); the explanations are written in it by the judge.
 */
static void text_line(FILE *out, const char *label, const char *s)
{
	int pad = 12 - textcols_label(label);

	fprintf(out, "  %s%*s ", label, pad > 0 ? pad : 0, "");
	textesc_fputs(out, s, 0);
	fputc('\n', out);
}

static void print_text(FILE *out, const struct grade_result *g)
{
	fprintf(out, _("grading lab %d: "), g->lab);
	textesc_fputs(out, lab_text_in(g->slug, g->title), 0);
	fputs(_("\nsource: "), out);
	textesc_fputs(out, g->src, 0);
	fputc('\n', out);
	if (g->attempt > 0)
		fprintf(out, _("attempt: %d\n"), g->attempt);
	if (g->seed && g->outcome == GRADE_RAN)
		fprintf(out, _("seed: %llu (tcplab grade %d --seed %llu replays it)\n"),
		        (unsigned long long)g->seed, g->lab, (unsigned long long)g->seed);
	if (g->outcome == GRADE_BUILD_FAILED) {
		fputs(_("\nbuild failed; the compiler said:\n\n"), out);
		textesc_fputs(out, g->build_log, TEXTESC_LINES);
		fputs(_("\nscore: 0/1 (fix the build first)\n"), out);
		return;
	}
	if (g->build_log[0]) {
		fputs(_("\nthe build passed with warnings:\n\n"), out);
		textesc_fputs(out, g->build_log, TEXTESC_LINES);
	}
	fprintf(out, "\n");
	for (size_t i = 0; i < g->ncheck; i++) {
		const struct grade_check *c = &g->check[i];

		text_line(out, _(expect_verdict_str(c->verdict)), lab_text_in(g->slug, c->name));
		if (c->verdict != EXPECT_PASS && c->explain[0])
			text_line(out, "", c->explain);
	}
	for (size_t i = 0; g->run && i < g->run->ninfo; i++)
		text_line(out, _("seen"), g->run->info[i]);
	if (g->score == g->max)
		fprintf(out, _("\nscore: %g/%g - every check passed\n"), g->score, g->max);
	else
		fprintf(out, _("\nscore: %g/%g\n"), g->score, g->max);
	if (g->note[0]) {
		fputs(_("note: "), out);
		textesc_fputs(out, g->note, 0);
		fputc('\n', out);
	}
}

/*
 * A seed is a 64-bit number and JSON readers keep 53 bits of an integer (RFC 8259 section
 * 6): a string of its digits, or null when unknown.
 */
static void json_seed(FILE *out, uint64_t seed)
{
	if (seed)
		fprintf(out, "\"%" PRIu64 "\"", seed);
	else
		fputs("null", out);
}

static void print_json(FILE *out, const struct grade_result *g)
{
	fprintf(out, "{\"lab\": %d, \"title\": ", g->lab);
	grade_format_json_str(out, g->title);
	fprintf(out, ", \"source\": ");
	grade_format_json_str(out, g->src);
	fprintf(out, ", \"attempt\": %d, \"seed\": ", g->attempt);
	json_seed(out, g->seed);
	fprintf(out, ", \"outcome\": \"%s\", \"build_log\": ",
	        g->outcome == GRADE_RAN ? "ran" : "build_failed");
	grade_format_json_str(out, g->build_log);
	fprintf(out, ", \"score\": %g, \"max_score\": %g, \"passed\": %s, \"seconds\": %.3f,"
	        " \"checks\": [", g->score, g->outcome == GRADE_RAN ? g->max : 1,
	        grade_passed(g) ? "true" : "false", g->seconds);
	for (size_t i = 0; i < g->ncheck; i++) {
		const struct grade_check *c = &g->check[i];

		fprintf(out, "%s\n  {\"name\": ", i ? "," : "");
		grade_format_json_str(out, c->name);
		fprintf(out, ", \"verdict\": \"%s\", \"score\": %g, \"max_score\": %g,"
		        " \"explanation\": ", verdict_word(c->verdict), c->score, c->max);
		grade_format_json_str(out, c->explain);
		fputc('}', out);
	}
	fprintf(out, "%s], \"seen\": [", g->ncheck ? "\n" : "");
	for (size_t i = 0; g->run && i < g->run->ninfo; i++) {
		fprintf(out, "%s", i ? ", " : "");
		grade_format_json_str(out, g->run->info[i]);
	}
	fprintf(out, "]}\n");
}

static void print_junit(FILE *out, const struct grade_result *g)
{
	size_t failures = 0, errors = 0, tests = g->outcome == GRADE_RAN ? g->ncheck : 1;

	for (size_t i = 0; i < g->ncheck; i++) {
		failures += g->check[i].verdict == EXPECT_FAIL;
		errors += g->check[i].verdict == EXPECT_INCONCLUSIVE;
	}
	if (g->outcome == GRADE_BUILD_FAILED)
		failures = 1;
	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n"
	        "  <testsuite name=\"tcplab lab %d\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\""
	        " skipped=\"0\" time=\"%.3f\">\n", g->lab, tests, failures, errors, g->seconds);
	if (g->outcome == GRADE_BUILD_FAILED) {
		fprintf(out, "    <testcase classname=\"lab%d\" name=\"build\">\n      <failure"
		        " message=\"the build failed\">", g->lab);
		xml_str(out, g->build_log);
		fprintf(out, "</failure>\n    </testcase>\n");
	}
	for (size_t i = 0; i < g->ncheck; i++) {
		const struct grade_check *c = &g->check[i];

		fprintf(out, "    <testcase classname=\"lab%d\" name=\"", g->lab);
		xml_str(out, c->name);
		fprintf(out, "\">");
		if (c->verdict == EXPECT_FAIL) {
			fprintf(out, "\n      <failure message=\"");
			xml_str(out, c->explain);
			fprintf(out, "\"/>\n    ");
		} else if (c->verdict == EXPECT_INCONCLUSIVE) {
			/* An error, not a skip: a CI shows skips green, and this check scored 0. */
			fprintf(out, "\n      <error type=\"inconclusive\" message=\"");
			xml_str(out, c->explain);
			fprintf(out, "\"/>\n    ");
		}
		fprintf(out, "</testcase>\n");
	}
	fprintf(out, "  </testsuite>\n</testsuites>\n");
}

/* A TAP YAML block line: the text on one line, quoted. */
static void tap_message(FILE *out, const char *text)
{
	fprintf(out, "  ---\n  message: ");
	grade_format_json_str(out, text);        /* a JSON string is a valid YAML double-quoted scalar */
	fprintf(out, "\n  ...\n");
}

static void print_tap(FILE *out, const struct grade_result *g)
{
	fprintf(out, "TAP version 13\n");
	if (g->outcome == GRADE_BUILD_FAILED) {
		fprintf(out, "1..1\nnot ok 1 - build\n");
		tap_message(out, g->build_log);
		return;
	}
	fprintf(out, "1..%zu\n", g->ncheck);
	for (size_t i = 0; i < g->ncheck; i++) {
		const struct grade_check *c = &g->check[i];

		/* Not "# SKIP": a skip counts as a pass, and an inconclusive check scored 0. */
		fprintf(out, "%s %zu - %s%s\n", c->verdict == EXPECT_PASS ? "ok" : "not ok", i + 1,
		        c->name, c->verdict == EXPECT_INCONCLUSIVE ? " # inconclusive" : "");
		if (c->verdict != EXPECT_PASS)
			tap_message(out, c->explain);
	}
}

/* Gradescope keeps what it does not know in extra_data: the attempt and seed, for replay. */
static void gradescope_extra(FILE *out, const struct grade_result *g)
{
	/* execution_time is whole seconds in Gradescope's specification. */
	fprintf(out, ", \"execution_time\": %ld, \"extra_data\": {\"attempt\": %d, \"seed\": ",
	        (long)(g->seconds + 0.999), g->attempt);
	json_seed(out, g->seed);
	fputc('}', out);
}

/*
 * Gradescope's autograder results.json: score, output, tests[name, score, max_score, status,
 * output, visibility]. Every test is "visible": the student is meant to read each check's
 * reason, and the compiler's output when the build failed.
 */
static void print_gradescope(FILE *out, const struct grade_result *g)
{
	char summary[1024];
	size_t used;

	if (g->outcome == GRADE_BUILD_FAILED) {
		fprintf(out, "{\"score\": 0, \"output\": ");
		grade_format_json_str(out, "The build failed. The compiler said:\n\n");
		fprintf(out, ", \"tests\": [{\"name\": \"build\", \"score\": 0, \"max_score\": 1,"
		        " \"status\": \"failed\", \"visibility\": \"visible\", \"output\": ");
		grade_format_json_str(out, g->build_log);
		fprintf(out, "}]");
		gradescope_extra(out, g);
		fprintf(out, "}\n");
		return;
	}
	used = (size_t)snprintf(summary, sizeof(summary), "lab %d: %g of %g checks passed", g->lab,
	                        g->score, g->max);
	if (g->attempt > 0 && used < sizeof(summary))
		used += (size_t)snprintf(summary + used, sizeof(summary) - used, " (attempt %d)",
		                         g->attempt);
	if (g->seed && used < sizeof(summary))
		used += (size_t)snprintf(summary + used, sizeof(summary) - used, "\nseed: %" PRIu64,
		                         g->seed);
	for (size_t i = 0; g->run && i < g->run->ninfo && used < sizeof(summary); i++)
		used += (size_t)snprintf(summary + used, sizeof(summary) - used, "\nseen: %s",
		                         g->run->info[i]);
	fprintf(out, "{\"score\": %g, \"output\": ", g->score);
	grade_format_json_str(out, summary);
	gradescope_extra(out, g);
	fprintf(out, ", \"tests\": [");
	for (size_t i = 0; i < g->ncheck; i++) {
		const struct grade_check *c = &g->check[i];
		char text[sizeof c->explain + 20];

		snprintf(text, sizeof(text), "%s%s",
		         c->verdict == EXPECT_INCONCLUSIVE ? "inconclusive: " : "", c->explain);
		fprintf(out, "%s\n  {\"name\": ", i ? "," : "");
		grade_format_json_str(out, c->name);
		fprintf(out, ", \"score\": %g, \"max_score\": %g, \"status\": \"%s\","
		        " \"visibility\": \"visible\", \"output\": ",
		        c->score, c->max, c->verdict == EXPECT_PASS ? "passed" : "failed");
		grade_format_json_str(out, text);
		fputc('}', out);
	}
	fprintf(out, "%s]}\n", g->ncheck ? "\n" : "");
}

/* Text in Markdown: the punctuation that makes markup backslash-escaped (CommonMark 2.4),
 * so that nothing the submission printed becomes a link (':' and '.' stop GitHub's
 * autolinks, '@' its mentions), an image, HTML or a table's cell border; a line break is a
 * space (a table row or a list item is one line). */
static void md_text(FILE *out, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '\n' || *p == '\t')
			fputc(' ', out);
		else if (*p < 0x20 || *p == 0x7f)
			continue;
		else if (strchr("\\`*_[]<>|~!&:.@", *p))
			fprintf(out, "\\%c", *p);
		else
			fputc(*p, out);
	}
}

/* A fenced code block that text cannot close: its fence is longer than any run of
 * backticks in it (CommonMark 4.5). Control characters were escaped by whoever made text. */
static void md_code(FILE *out, const char *text)
{
	size_t run = 0, longest = 0, n = strlen(text);

	for (const char *p = text; *p; p++) {
		run = *p == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	for (size_t i = 0; i < (longest < 3 ? 3 : longest + 1); i++)
		fputc('`', out);
	fputs("text\n", out);
	fputs(text, out);
	if (n && text[n - 1] != '\n')
		fputc('\n', out);
	for (size_t i = 0; i < (longest < 3 ? 3 : longest + 1); i++)
		fputc('`', out);
	fputc('\n', out);
}

/* A verdict's mark, then its word in the reader's language. */
static void md_verdict(FILE *out, enum expect_verdict v)
{
	fprintf(out, "%s %s", v == EXPECT_PASS ? "\u2705" : v == EXPECT_FAIL ? "\u274c" :
	        "\u26a0\ufe0f", v == EXPECT_PASS ? _("pass") : v == EXPECT_FAIL ? _("fail") :
	        _("inconclusive"));
}

/* Something printed into memory (the ladder, an escaped build log), for md_code(). */
static void md_code_of(FILE *out, void (*fill)(FILE *, const void *), const void *arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m) {
		fputs("(out of memory)\n", out);
		return;
	}
	fill(m, arg);
	if (fclose(m) == 0 && buf)
		md_code(out, buf);
	free(buf);
}

static void fill_ladder(FILE *m, const void *arg)
{
	ladder_print(m, arg);
}

static void fill_escaped(FILE *m, const void *arg)
{
	textesc_fputs(m, arg, TEXTESC_LINES);
}

/*
 * A GitHub Actions job summary: the score, a table of the checks, the reason for each that
 * did not pass, the run's ladder (folded), and how to replay the grade.
 */
static void print_markdown(FILE *out, const struct grade_result *g)
{
	size_t bad = 0;

	fprintf(out, _("## tcplab lab %d: "), g->lab);
	md_text(out, g->title);
	fputs("\n\n", out);
	if (g->outcome == GRADE_BUILD_FAILED) {
		fputs(_("**0/1**: the build failed. The compiler said:\n\n"), out);
		md_code_of(out, fill_escaped, g->build_log);
		return;
	}
	for (size_t i = 0; i < g->ncheck; i++)
		bad += g->check[i].verdict != EXPECT_PASS;
	fprintf(out, "**%g/%g**: ", g->score, g->max);
	if (bad)
		fprintf(out, _("%zu of %zu checks did not pass\n\n"), bad, g->ncheck);
	else
		fputs(_("every check passed\n\n"), out);
	fputs(_("| verdict | check | points |\n|---|---|---|\n"), out);
	for (size_t i = 0; i < g->ncheck; i++) {
		const struct grade_check *c = &g->check[i];

		fputs("| ", out);
		md_verdict(out, c->verdict);
		fputs(" | ", out);
		md_text(out, c->name);
		fprintf(out, " | %g/%g |\n", c->score, c->max);
	}
	if (bad) {
		fputs(_("\n### Why\n\n"), out);
		for (size_t i = 0; i < g->ncheck; i++) {
			const struct grade_check *c = &g->check[i];

			if (c->verdict == EXPECT_PASS)
				continue;
			fputs("- ", out);
			md_verdict(out, c->verdict);
			fputs(" **", out);
			md_text(out, c->name);
			fputs("**: ", out);
			md_text(out, c->explain);
			fputc('\n', out);
		}
	}
	for (size_t i = 0; g->run && i < g->run->ninfo; i++) {
		fputs(i ? "\n- " : _("\nSeen in the run:\n\n- "), out);
		md_text(out, g->run->info[i]);
		if (i + 1 == g->run->ninfo)
			fputc('\n', out);
	}
	if (g->build_log[0]) {
		fputs(_("\nThe build passed with warnings:\n\n"), out);
		md_code_of(out, fill_escaped, g->build_log);
	}
	if (g->run) {
		fputs(_("\n<details><summary>The ladder of the run: your program's calls, the segments"
		        " on the wire, the peer's calls"), out);
		if (g->scenarios > 1)
			fprintf(out, _(" (scenario %d of %d)"), g->run_scenario, g->scenarios);
		fputs("</summary>\n\n", out);
		md_code_of(out, fill_ladder, g->run);
		fputs("\n</details>\n", out);
	}
	if (g->seed)
		fprintf(out, _("\nSeed %llu: `tcplab grade %d --seed %llu` replays this grade.\n"),
		        (unsigned long long)g->seed, g->lab, (unsigned long long)g->seed);
	if (g->note[0]) {
		fputs(_("\nNote: "), out);
		md_text(out, g->note);
		fputc('\n', out);
	}
}

/*
 * GitHub Classroom's autograding reporter (classroom-resources/autograding-grading-reporter)
 * reads {status, max_score, tests[name, status, score, message]}: status "pass", "fail" or
 * "error". Classroom's points are the sum of the tests' scores out of max_score.
 */
static void print_classroom(FILE *out, const struct grade_result *g)
{
	if (g->outcome == GRADE_BUILD_FAILED) {
		fprintf(out, "{\"version\": 1, \"status\": \"fail\", \"max_score\": 1, \"tests\":"
		        " [{\"name\": \"build\", \"status\": \"fail\", \"score\": 0, \"message\": ");
		grade_format_json_str(out, g->build_log);
		fprintf(out, "}]}\n");
		return;
	}
	fprintf(out, "{\"version\": 1, \"status\": \"%s\", \"max_score\": %g, \"tests\": [",
	        grade_passed(g) ? "pass" : "fail", g->max);
	for (size_t i = 0; i < g->ncheck; i++) {
		const struct grade_check *c = &g->check[i];
		char text[sizeof(c->explain) + 16];

		snprintf(text, sizeof(text), "%s%s",
		         c->verdict == EXPECT_INCONCLUSIVE ? "inconclusive: " : "", c->explain);
		fprintf(out, "%s\n  {\"name\": ", i ? "," : "");
		grade_format_json_str(out, c->name);
		fprintf(out, ", \"status\": \"%s\", \"score\": %g, \"message\": ",
		        c->verdict == EXPECT_PASS ? "pass" : "fail", c->score);
		grade_format_json_str(out, text);
		fputc('}', out);
	}
	fprintf(out, "%s]}\n", g->ncheck ? "\n" : "");
}

void grade_format_print(FILE *out, enum grade_format f, const struct grade_result *g)
{
	static void (*const printers[])(FILE *, const struct grade_result *) = {
		[GF_TEXT] = print_text, [GF_JSON] = print_json, [GF_JUNIT] = print_junit,
		[GF_TAP] = print_tap, [GF_GRADESCOPE] = print_gradescope,
		[GF_MARKDOWN] = print_markdown, [GF_CLASSROOM] = print_classroom,
	};

	printers[f](out, g);
}
