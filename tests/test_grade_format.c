/* summary: grade_format: every report format, from a grade built by hand (no lab runs). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/grade_format.h"
#include "tests/lib/wellformed.h"
#include "util/tr.h"

/*
 * cli/grade_format.c is linked in by the Makefile's rule for this test: the reports are
 * the command line's, not the library's.
 */

static struct grade_check checks[3];
static struct grade_result g;

/* A run graded pass, fail, inconclusive; the failure quotes a screen-clearing output. */
static void three_verdicts(void)
{
	static const struct { const char *name; enum expect_verdict v; const char *why; } c[] = {
		{ "one handshake", EXPECT_PASS, "" },
		{ "the echo is printed", EXPECT_FAIL, "it printed \"\x1b[2J\x1b[Hscore: 10/10\"" },
		{ "the client closes first", EXPECT_INCONCLUSIVE, "the capture dropped 1 packet" },
	};

	memset(&g, 0, sizeof g);
	g.lab = 1;
	snprintf(g.title, sizeof g.title, "Three-way handshake");
	snprintf(g.src, sizeof g.src, "/subs/alice");
	g.outcome = GRADE_RAN;
	for (size_t i = 0; i < 3; i++) {
		snprintf(checks[i].name, sizeof checks[i].name, "%s", c[i].name);
		checks[i].verdict = c[i].v;
		snprintf(checks[i].explain, sizeof checks[i].explain, "%s", c[i].why);
		checks[i].max = 1;
		checks[i].score = c[i].v == EXPECT_PASS;
	}
	g.check = checks;
	g.ncheck = 3;
	g.score = 1;
	g.max = 3;
}

TestSuite(grade_format, .init = three_verdicts);

static char *report(enum grade_format f)
{
	char *mem = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&mem, &len);

	cr_assert_not_null(out);
	grade_format_print(out, f, &g);
	cr_assert_eq(fclose(out), 0);
	return mem;
}

Test(grade_format, junit_reports_inconclusive_as_an_error_not_a_skip)
{
	char *x = report(GF_JUNIT), why[256];

	cr_expect(xml_wellformed(x, why, sizeof why), "%s\n%s", why, x);
	cr_expect_null(strstr(x, "<skipped"), "%s", x);
	cr_expect(strstr(x, "failures=\"1\" errors=\"1\" skipped=\"0\""), "%s", x);
	cr_expect(strstr(x, "name=\"the client closes first\">\n      <error type=\"inconclusive\""
	                 " message=\"the capture dropped 1 packet\"/>"), "%s", x);
	free(x);
}

Test(grade_format, tap_reports_inconclusive_as_not_ok_without_skip)
{
	char *t = report(GF_TAP);

	cr_expect_null(strstr(t, "SKIP"), "%s", t);
	cr_expect(strstr(t, "ok 1 - one handshake\n"), "%s", t);
	cr_expect(strstr(t, "not ok 2 - the echo is printed\n"), "%s", t);
	cr_expect(strstr(t, "not ok 3 - the client closes first # inconclusive\n"), "%s", t);
	free(t);
}

Test(grade_format, text_shows_the_programs_escape_sequences_escaped)
{
	char *t = report(GF_TEXT);

	cr_expect_null(strchr(t, '\x1b'), "an ESC reached the terminal:\n%s", t);
	cr_expect(strstr(t, "it printed \"\\e[2J\\e[Hscore: 10/10\""), "%s", t);
	free(t);
}

Test(grade_format, text_keeps_the_build_logs_lines_and_escapes_the_rest)
{
	char *t;

	g.outcome = GRADE_BUILD_FAILED;
	snprintf(g.build_log, sizeof g.build_log, "a.c:1: error: x\n\tnote \x1b]0;pwned\x07\n");
	t = report(GF_TEXT);
	cr_expect(strstr(t, "a.c:1: error: x\n        note \\e]0;pwned\\x07\n"), "%s", t);
	free(t);
}

Test(grade_format, json_and_gradescope_stay_well_formed_with_controls)
{
	char why[256];

	for (int f = GF_JSON; f <= GF_GRADESCOPE; f += GF_GRADESCOPE - GF_JSON) {
		char *j = report((enum grade_format)f);

		cr_expect(json_wellformed(j, why, sizeof why), "%s\n%s", why, j);
		cr_expect_null(strchr(j, '\x1b'), "%s", j);
		free(j);
	}
}

Test(grade_format, the_attempt_and_seed_are_in_json_gradescope_and_the_text_header)
{
	char *j, *s, *t, why[256];

	g.attempt = 3;
	g.seed = 18446744073709551615ull;
	j = report(GF_JSON);
	cr_expect(json_wellformed(j, why, sizeof why), "%s\n%s", why, j);
	cr_expect(strstr(j, "\"attempt\": 3, \"seed\": \"18446744073709551615\""), "%s", j);
	s = report(GF_GRADESCOPE);
	cr_expect(json_wellformed(s, why, sizeof why), "%s\n%s", why, s);
	cr_expect(strstr(s, "\"extra_data\": {\"attempt\": 3, \"seed\": \"18446744073709551615\"}"),
	          "%s", s);
	cr_expect(strstr(s, "checks passed (attempt 3)\\nseed: 18446744073709551615"), "%s", s);
	cr_expect(strstr(s, "\"status\": \"passed\", \"visibility\": \"visible\", \"output\": "),
	          "every test is shown to the student: %s", s);
	cr_expect(strstr(s, "\"execution_time\": "), "%s", s);
	t = report(GF_TEXT);
	cr_expect(strstr(t, "grading lab 1: Three-way handshake\nsource: /subs/alice\n"
	                 "attempt: 3\nseed: 18446744073709551615 (tcplab grade 1 --seed"
	                 " 18446744073709551615 replays it)\n") == t, "%s", t);
	free(j);
	free(s);
	free(t);
}

Test(grade_format, an_unknown_seed_and_unrecorded_attempt_are_not_invented)
{
	char *j = report(GF_JSON), *t = report(GF_TEXT);

	cr_expect(strstr(j, "\"attempt\": 0, \"seed\": null"), "%s", j);
	cr_expect_null(strstr(t, "seed"), "%s", t);
	cr_expect_null(strstr(t, "attempt"), "%s", t);
	free(j);
	free(t);
}

Test(grade_format, a_build_failure_is_well_formed_in_every_format)
{
	char why[256], *r;

	g.outcome = GRADE_BUILD_FAILED;
	g.ncheck = 0;
	g.attempt = 0;
	snprintf(g.build_log, sizeof g.build_log, "a.c:3: error: \x1b[31mexpected ';'\n");
	for (int f = GF_JSON; f <= GF_CLASSROOM; f++) {
		r = report((enum grade_format)f);
		if (f == GF_JUNIT)
			cr_expect(xml_wellformed(r, why, sizeof why), "%s\n%s", why, r);
		else if (f == GF_TAP)
			cr_expect(strstr(r, "not ok 1 - build\n"), "%s", r);
		else if (f == GF_MARKDOWN)
			cr_expect(strstr(r, "**0/1**: the build failed. The compiler said:\n\n```text\n"
			                 "a.c:3: error: \\e[31mexpected ';'\n```\n"), "%s", r);
		else
			cr_expect(json_wellformed(r, why, sizeof why), "%d: %s\n%s", f, why, r);
		cr_expect_null(strchr(r, '\x1b'), "%s", r);
		free(r);
	}
}

Test(grade_format, markdown_escapes_what_the_program_printed_so_it_cannot_become_markup)
{
	char *m;

	snprintf(checks[1].explain, sizeof checks[1].explain,
	         "it printed '[win](https://x.io/a) <img src=x> **10/10** `x` | @alice'");
	m = report(GF_MARKDOWN);
	cr_expect(strstr(m, "**1/3**: 2 of 3 checks did not pass\n"), "%s", m);
	cr_expect(strstr(m, "| \xe2\x9c\x85 pass | one handshake | 1/1 |\n"), "%s", m);
	cr_expect(strstr(m, "- \xe2\x9d\x8c fail **the echo is printed**: it printed '\\[win\\]"
	                 "(https\\://x\\.io/a) \\<img src=x\\> \\*\\*10/10\\*\\* \\`x\\` \\| \\@alice'\n"),
	          "%s", m);
	cr_expect(strstr(m, "- \xe2\x9a\xa0\xef\xb8\x8f inconclusive **the client closes first**: the"
	                 " capture dropped 1 packet\n"), "%s", m);
	cr_expect_null(strstr(m, "[win]("), "a link got through:\n%s", m);
	cr_expect_null(strstr(m, " <img"), "HTML got through:\n%s", m);
	free(m);
}

Test(grade_format, markdown_fences_a_build_log_with_a_fence_longer_than_its_backticks)
{
	char *m;

	g.outcome = GRADE_BUILD_FAILED;
	g.ncheck = 0;
	snprintf(g.build_log, sizeof g.build_log, "a.c:1: error: ````\n# not a heading\n");
	m = report(GF_MARKDOWN);
	cr_expect(strstr(m, "\n`````text\na.c:1: error: ````\n# not a heading\n`````\n"), "%s", m);
	free(m);
}

Test(grade_format, classroom_gives_each_check_its_score_and_inconclusive_is_a_failure)
{
	char why[256], *c = report(GF_CLASSROOM);

	cr_expect(json_wellformed(c, why, sizeof why), "%s\n%s", why, c);
	cr_expect(strstr(c, "{\"version\": 1, \"status\": \"fail\", \"max_score\": 3, \"tests\": ["),
	          "%s", c);
	cr_expect(strstr(c, "{\"name\": \"one handshake\", \"status\": \"pass\", \"score\": 1,"), "%s",
	          c);
	cr_expect(strstr(c, "{\"name\": \"the client closes first\", \"status\": \"fail\", \"score\":"
	                 " 0, \"message\": \"inconclusive: the capture dropped 1 packet\"}"), "%s", c);
	cr_expect_null(strchr(c, '\x1b'), "%s", c);
	free(c);
}

/* ---- the text report in Korean (util/tr.h), the machine formats' keys in English ---- */

static bool built_catalogs(void)
{
	char path[1024];

	snprintf(path, sizeof path, "%s/locale/ko/LC_MESSAGES/tcplab.mo", getenv("TCPLAB_BUILD") ?
	         getenv("TCPLAB_BUILD") : "build");
	if (access(path, R_OK) != 0)
		return false;
	snprintf(path, sizeof path, "%s/labs/01-handshake/ko.mo", getenv("TCPLAB_BUILD") ?
	         getenv("TCPLAB_BUILD") : "build");
	return access(path, R_OK) == 0;
}

/* Lab 1's real check names, so the lab's own catalog (labs/01-handshake/ko.po) is read. */
static void korean(void)
{
	three_verdicts();
	snprintf(g.slug, sizeof g.slug, "01-handshake");
	snprintf(g.title, sizeof g.title, "Three-way handshake and four-way close");
	snprintf(checks[0].name, sizeof checks[0].name, "the client connects once");
	snprintf(checks[1].name, sizeof checks[1].name, "the capture is complete");
	snprintf(checks[2].name, sizeof checks[2].name, "a check the catalog lacks");
	if (!built_catalogs())
		cr_skip_test("the catalogs are not built (run 'make': msgfmt builds them)");
	{
		char locale[1024];
		const char *build = getenv("TCPLAB_BUILD") ? getenv("TCPLAB_BUILD") : "build";

		snprintf(locale, sizeof locale, "%s/locale", build);
		tr_init(locale, build, "ko");
	}
	cr_assert_str_eq(tr_lang(), "ko", "the Korean catalog did not load");
}

Test(grade_format, the_text_report_is_korean_and_untranslated_names_stay_english,
     .init = korean, .fini = tr_release)
{
	char *t = report(GF_TEXT);

	cr_expect(strstr(t, "랩 1 채점: 3-way 핸드셰이크"), "the heading and lab title:\n%s", t);
	cr_expect(strstr(t, "  통과         클라이언트가 한 번만 연결한다\n"),
	          "a verdict in Korean, its label padded by columns, the lab's check name from "
	          "its ko.po:\n%s", t);
	cr_expect(strstr(t, "  실패         캡처가 완전하다\n"), "an engine check's name, from "
	          "po/ko.po:\n%s", t);
	cr_expect(strstr(t, "  판정 불가    a check the catalog lacks\n"), "an untranslated name "
	          "stays English, never blank:\n%s", t);
	cr_expect(strstr(t, "점수: 1/3\n"), "%s", t);
	cr_expect_null(strstr(t, "\nscore:"), "an English heading left:\n%s", t);
	free(t);
}

Test(grade_format, machine_formats_keep_english_keys_names_and_verdicts_in_korean,
     .init = korean, .fini = tr_release)
{
	char *j = report(GF_JSON), *p = report(GF_TAP), *s = report(GF_GRADESCOPE);

	cr_expect(strstr(j, "{\"name\": \"the client connects once\", \"verdict\": \"pass\""),
	          "JSON keeps the check's English name and verdict word:\n%s", j);
	cr_expect(strstr(p, "ok 1 - the client connects once\n"), "%s", p);
	cr_expect(strstr(s, "\"name\": \"the client connects once\""), "%s", s);
	cr_expect(strstr(s, "checks passed"), "Gradescope's summary stays English:\n%s", s);
	free(j);
	free(p);
	free(s);
}

Test(grade_format, without_a_catalog_the_text_report_is_english)
{
	char *t = report(GF_TEXT);

	cr_expect(strstr(t, "grading lab 1: Three-way handshake\n"), "%s", t);
	cr_expect(strstr(t, "  PASS         one handshake\n"), "%s", t);
	cr_expect(strstr(t, "\nscore: 1/3\n"), "%s", t);
	free(t);
}
