/* summary: the grader: every lab's solution passes, its starter and each wrong answer fail as stated. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/lab.h"
#include "tests/lib/tcplab_run.h"
#include "tests/lib/wellformed.h"

/* Lab number, with its exercise, or skip the test saying why. */
static struct lab *lab_or_skip(int number, struct lab **all)
{
	char err[512];
	size_t n;

	if (lab_load_all(test_root(), all, &n, err, sizeof(err)) < 0)
		cr_assert_fail("%s", err);
	for (size_t i = 0; i < n; i++) {
		if ((*all)[i].number != number)
			continue;
		if (!(*all)[i].has_exercise)
			break;
		return &(*all)[i];
	}
	free(*all);
	cr_skip_test("lab %d has no exercise in this tree", number);
	return NULL;
}

static void grade(struct tcplab_result *r, int lab, const char *src, const char *format)
{
	char n[16];

	snprintf(n, sizeof(n), "%d", lab);
	if (src && format)
		tcplab_run(r, (const char *[]){ "grade", n, "--src", src, "--format", format, NULL });
	else if (src)
		tcplab_run(r, (const char *[]){ "grade", n, "--src", src, NULL });
	else
		tcplab_run(r, (const char *[]){ "grade", n, NULL });
}

struct labno {
	int number;
};

ParameterizedTestParameters(grade, the_reference_solution_passes_every_check)
{
	static struct labno labs[] = { { 1 }, { 2 }, { 3 }, { 4 } };

	return cr_make_param_array(struct labno, labs, 4);
}

ParameterizedTest(struct labno *l, grade, the_reference_solution_passes_every_check,
                  .timeout = 60)
{
	struct lab *all, *lab = lab_or_skip(l->number, &all);
	struct tcplab_result r;
	char src[700];

	snprintf(src, sizeof(src), "%s/solutions/%s", test_root(), lab->slug);
	grade(&r, lab->number, src, NULL);
	cr_expect_eq(r.status, 0, "lab %d solution: exit %d\n%s%s", lab->number, r.status, r.out,
	             r.err);
	cr_expect(strstr(r.out, "every check passed"), "%s", r.out);
	free(all);
}

ParameterizedTestParameters(grade, the_untouched_starter_fails)
{
	static struct labno labs[] = { { 1 }, { 2 }, { 3 }, { 4 } };

	return cr_make_param_array(struct labno, labs, 4);
}

ParameterizedTest(struct labno *l, grade, the_untouched_starter_fails, .timeout = 60)
{
	struct lab *all, *lab = lab_or_skip(l->number, &all);
	struct tcplab_result r;

	grade(&r, lab->number, NULL, NULL);
	cr_expect_eq(r.status, 1, "lab %d starter: exit %d\n%s%s", lab->number, r.status, r.out,
	             r.err);
	cr_expect(strstr(r.out, "FAIL"), "%s", r.out);
	cr_expect_null(strstr(r.out, "every check passed"), "%s", r.out);
	free(all);
}

/*
 * tests/exercises/SLUG/WRONG/: a realistic wrong answer, and expect-fail: one line per
 * check that must fail, "CHECK NAME<TAB>TEXT ITS EXPLANATION MUST CONTAIN".
 */
static void assert_fails_as_stated(int lab, const char *dir, const char *name)
{
	char path[900], line[512];
	struct tcplab_result r;
	int lines = 0;
	FILE *f;

	grade(&r, lab, dir, NULL);
	cr_expect_eq(r.status, 1, "%s passed or broke: exit %d\n%s%s", name, r.status, r.out,
	             r.err);
	snprintf(path, sizeof(path), "%s/expect-fail", dir);
	f = fopen(path, "r");
	cr_assert_not_null(f, "%s has no expect-fail file", name);
	while (fgets(line, sizeof(line), f)) {
		char *tab = strchr(line, '\t'), want[600], *at;

		line[strcspn(line, "\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		cr_assert_not_null(tab, "%s: expect-fail line without a tab: %s", name, line);
		*tab = '\0';
		lines++;
		snprintf(want, sizeof(want), "FAIL         %s\n", line);
		at = strstr(r.out, want);
		cr_expect_not_null(at, "%s: '%s' did not fail:\n%s", name, line, r.out);
		if (at && tab[1]) {
			const char *explain = at + strlen(want), *end = strchr(explain, '\n');
			size_t n = end ? (size_t)(end - explain) : strlen(explain);
			char copy[1024];

			snprintf(copy, sizeof(copy), "%.*s", (int)n, explain);
			cr_expect(strstr(copy, tab + 1), "%s: '%s' failed, but for another reason: %s"
			          " (want '%s')", name, line, copy, tab + 1);
		}
	}
	fclose(f);
	cr_expect_gt(lines, 0, "%s: expect-fail names no check", name);
}

ParameterizedTestParameters(grade, each_wrong_answer_fails_for_the_stated_reason)
{
	static struct labno labs[] = { { 1 }, { 2 }, { 3 }, { 4 } };

	return cr_make_param_array(struct labno, labs, 4);
}

ParameterizedTest(struct labno *l, grade, each_wrong_answer_fails_for_the_stated_reason,
                  .timeout = 240)
{
	struct lab *all, *lab = lab_or_skip(l->number, &all);
	char dir[700], sub[1000];
	struct dirent *de;
	int count = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/tests/exercises/%s", test_root(), lab->slug);
	d = opendir(dir);
	cr_assert_not_null(d, "lab %d has an exercise but no wrong answers in %s", lab->number,
	                   dir);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name);
		assert_fails_as_stated(lab->number, sub, de->d_name);
		count++;
	}
	closedir(d);
	cr_expect_geq(count, 2, "lab %d: at least two wrong answers", lab->number);
	free(all);
}

Test(grade, a_build_error_is_shown_as_the_compiler_printed_it, .timeout = 60)
{
	char dir[] = "/tmp/tcplab-broken-XXXXXX", path[128];
	struct tcplab_result r;
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/echo_client.c", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("int main(void)\n{\n\treturn missing_function(;\n}\n", f);
	fclose(f);
	grade(&r, 1, dir, NULL);
	unlink(path);
	rmdir(dir);
	cr_expect_eq(r.status, 1);
	cr_expect(strstr(r.out, "build failed; the compiler said:"), "%s", r.out);
	cr_expect(strstr(r.out, "echo_client.c:3:"), "the compiler's own words: %s", r.out);
	cr_expect(strstr(r.out, "error"), "%s", r.out);
}

Test(grade, reports_are_well_formed_in_every_format, .timeout = 60)
{
	static const char *const formats[] = { "json", "junit", "tap", "gradescope" };
	struct tcplab_result r;
	char src[600], why[256];

	snprintf(src, sizeof(src), "%s/tests/exercises/01-handshake/closes-without-reading",
	         test_root());
	for (size_t i = 0; i < 4; i++) {
		grade(&r, 1, src, formats[i]);
		cr_expect_eq(r.status, 1, "%s: %s", formats[i], r.err);
		if (!strcmp(formats[i], "junit")) {
			cr_expect(xml_wellformed(r.out, why, sizeof(why)), "junit: %s\n%s", why, r.out);
			cr_expect(strstr(r.out, "<testsuite name=\"tcplab lab 1\""), "%s", r.out);
			cr_expect(strstr(r.out, "<failure message=\""), "%s", r.out);
		} else if (!strcmp(formats[i], "tap")) {
			cr_expect(!strncmp(r.out, "TAP version 13\n1..", 18), "%s", r.out);
			cr_expect(strstr(r.out, "\nnot ok "), "%s", r.out);
			cr_expect(strstr(r.out, "\nok "), "%s", r.out);
		} else {
			cr_expect(json_wellformed(r.out, why, sizeof(why)), "%s: %s\n%s", formats[i], why,
			          r.out);
			cr_expect(strstr(r.out, "\"score\": "), "%s", r.out);
			cr_expect(strstr(r.out, "\"max_score\": 1"), "%s", r.out);
		}
	}
	/* Gradescope's results.json: tests with name, score, max_score, status, output. */
	grade(&r, 1, src, "gradescope");
	cr_expect(strstr(r.out, "\"status\": \"failed\""), "%s", r.out);
	cr_expect(strstr(r.out, "\"status\": \"passed\""), "%s", r.out);
	cr_expect(strstr(r.out, "\"output\": "), "%s", r.out);
	cr_expect(strstr(r.out, "\"name\": \"no RST in the connection\""), "%s", r.out);
}

Test(wellformed, the_checkers_catch_broken_reports)
{
	char why[128];

	cr_expect(json_wellformed("{\"a\": [1, 2.5e3, \"x\\n\", true, null]}", why, sizeof(why)),
	          "%s", why);
	cr_expect(!json_wellformed("{\"a\": \"unescaped \" quote\"}", why, sizeof(why)));
	cr_expect(!json_wellformed("{\"a\": 1,}", why, sizeof(why)));
	cr_expect(!json_wellformed("{\"a\": \"tab\there\"}", why, sizeof(why)));
	cr_expect(xml_wellformed("<?xml version=\"1.0\"?>\n<a x=\"1 &amp; 2\"><b/>t</a>\n", why,
	                         sizeof(why)), "%s", why);
	cr_expect(!xml_wellformed("<a><b></a></b>", why, sizeof(why)));
	cr_expect(!xml_wellformed("<a x=\"<\"/>", why, sizeof(why)));
	cr_expect(!xml_wellformed("<a>AT&T</a>", why, sizeof(why)));
	cr_expect(!xml_wellformed("<a/><b/>", why, sizeof(why)));
}
