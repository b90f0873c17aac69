/* summary: the grader: every lab's solution passes, its starter and each wrong answer fail as stated. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
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
 * The corpus: tests/exercises/SLUG/NAME/ is a submission written the ways students write
 * (ok-* ones are correct, in styles other than ours; the others are wrong), with a file
 * `expect`:
 *     verdict: pass | fail
 *     check: NAME OF A CHECK THAT MUST FAIL        (fail only; any number; "A || B": one
 *                                                   of them, where the seed decides which)
 *     why: A PHRASE ITS EXPLANATION MUST CONTAIN   (pairs with the check before it; may be
 *                                                   absent)
 *     known: WHY THE GRADER CANNOT JUDGE IT YET    (skips the submission, saying so)
 * (older folders have `expect-fail` instead: "CHECK<TAB>PHRASE" lines, verdict fail.) Each
 * is graded TCPLAB_CORPUS_SEEDS times (default 3) with different seeds, and must get its
 * verdict every time: a program that is right or wrong only by luck is caught here.
 * TCPLAB_CORPUS_SEED_FIRST=K starts at the K-th seed of the list (default 0): 'make test'
 * grades seeds 0 and 1 as built for users and seed 2 with the sanitizers, three seeds in
 * all, each once.
 * TCPLAB_CORPUS=TEXT keeps the submissions whose "NN-lab/name" contains TEXT.
 */
#define CORPUS_MAX 160
#define CORPUS_CHECKS 8

struct corpus_case {
	int lab;
	char dir[300];
	char name[80];
};

static struct corpus_case corpus[CORPUS_MAX];
static size_t ncorpus;

static void corpus_scan(void)
{
	const char *root = getenv("TCPLAB_ROOT") ? getenv("TCPLAB_ROOT") : ".";
	char labs[400];
	DIR *d;
	struct dirent *de;

	snprintf(labs, sizeof(labs), "%s/tests/exercises", root);
	d = opendir(labs);
	if (!d)
		return;
	while ((de = readdir(d))) {
		char sub[700];
		DIR *s;
		struct dirent *e;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", labs, de->d_name);
		s = opendir(sub);
		if (!s)
			continue;
		while ((e = readdir(s)) && ncorpus < CORPUS_MAX) {
			struct corpus_case *c = &corpus[ncorpus];
			struct stat st;

			snprintf(c->dir, sizeof(c->dir), "%.170s/%.40s/%.80s", labs, de->d_name, e->d_name);
			if (e->d_name[0] == '.' || stat(c->dir, &st) < 0 || !S_ISDIR(st.st_mode))
				continue;
			c->lab = atoi(de->d_name);
			snprintf(c->name, sizeof(c->name), "%.30s/%.40s", de->d_name, e->d_name);
			/* TCPLAB_CORPUS=04-rst (any part of "NN-lab/name"): grade only those,
			 * while working on one lab. */
			if (getenv("TCPLAB_CORPUS") && !strstr(c->name, getenv("TCPLAB_CORPUS")))
				continue;
			ncorpus++;
		}
		closedir(s);
	}
	closedir(d);
}

struct corpus_expect {
	bool pass;
	size_t ncheck;
	char check[CORPUS_CHECKS][200];
	char why[CORPUS_CHECKS][200];
	char known[300];
};

static void corpus_read(const struct corpus_case *c, struct corpus_expect *x)
{
	char path[400], line[600];
	FILE *f;
	bool legacy = false;

	memset(x, 0, sizeof(*x));
	snprintf(path, sizeof(path), "%s/expect", c->dir);
	f = fopen(path, "r");
	if (!f) {
		snprintf(path, sizeof(path), "%s/expect-fail", c->dir);
		f = fopen(path, "r");
		legacy = true;
	}
	cr_assert_not_null(f, "%s has neither expect nor expect-fail", c->name);
	while (fgets(line, sizeof(line), f)) {
		char *tab;

		line[strcspn(line, "\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		if (legacy) {
			tab = strchr(line, '\t');
			cr_assert_not_null(tab, "%s: expect-fail line without a tab: %s", c->name, line);
			*tab = '\0';
			cr_assert_lt(x->ncheck, CORPUS_CHECKS);
			snprintf(x->check[x->ncheck], sizeof(x->check[0]), "%.199s", line);
			snprintf(x->why[x->ncheck++], sizeof(x->why[0]), "%.199s", tab + 1);
		} else if (!strncmp(line, "verdict: ", 9)) {
			x->pass = !strcmp(line + 9, "pass");
		} else if (!strncmp(line, "check: ", 7)) {
			cr_assert_lt(x->ncheck, CORPUS_CHECKS);
			snprintf(x->check[x->ncheck++], sizeof(x->check[0]), "%.199s", line + 7);
		} else if (!strncmp(line, "why: ", 5) && x->ncheck) {
			snprintf(x->why[x->ncheck - 1], sizeof(x->why[0]), "%.199s", line + 5);
		} else if (!strncmp(line, "known: ", 7)) {
			snprintf(x->known, sizeof(x->known), "%.299s", line + 7);
		}
	}
	fclose(f);
	cr_assert(x->pass || x->ncheck, "%s: a wrong answer must name a check that fails",
	          c->name);
}

ParameterizedTestParameters(grade, every_corpus_submission_gets_its_verdict_on_every_seed)
{
	corpus_scan();
	return cr_make_param_array(struct corpus_case, corpus, ncorpus);
}

/* One grade of the corpus against its expectation. */
static void corpus_judge(const struct corpus_case *c, const struct corpus_expect *x,
                         const char *seed, const struct tcplab_result *r)
{
	if (x->pass) {
		cr_expect_eq(r->status, 0, "%s (seed %s) should pass:\n%s%s", c->name, seed, r->out,
		             r->err);
		return;
	}
	cr_expect_eq(r->status, 1, "%s (seed %s) should fail: exit %d\n%s%s", c->name, seed,
	             r->status, r->out, r->err);
	for (size_t i = 0; i < x->ncheck; i++) {
		char alts[200], why[2400] = "";
		bool failed = false;

		/* "A || B": one of them must fail (which one depends on the seed). */
		snprintf(alts, sizeof(alts), "%s", x->check[i]);
		for (char *name = alts, *next; name && !failed; name = next) {
			char want[300], copy[1024];
			const char *at, *explain, *end;

			next = strstr(name, " || ");
			if (next) {
				*next = '\0';
				next += 4;
			}
			snprintf(want, sizeof(want), "FAIL         %s\n", name);
			at = strstr(r->out, want);
			if (!at)
				continue;
			explain = at + strlen(want);
			end = strchr(explain, '\n');
			snprintf(copy, sizeof(copy), "%.*s", (int)(end ? end - explain :
			         (long)strlen(explain)), explain);
			failed = !x->why[i][0] || strstr(copy, x->why[i]);
			if (!failed)
				snprintf(why, sizeof(why), "'%.190s' failed, but for another reason:"
				         " %.1000s (want '%.190s')", name, copy, x->why[i]);
		}
		cr_expect(failed, "%s (seed %s): %s\n%s", c->name, seed,
		          why[0] ? why : "did not fail", r->out);
	}
}

static double wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double children_cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_CHILDREN, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

#define CORPUS_SEEDS_MAX 8

ParameterizedTest(struct corpus_case *c, grade,
                  every_corpus_submission_gets_its_verdict_on_every_seed, .timeout = 600)
{
	struct corpus_expect x;
	const char *env = getenv("TCPLAB_CORPUS_SEEDS"), *from = getenv("TCPLAB_CORPUS_SEED_FIRST");
	int seeds = env && atoi(env) > 0 ? atoi(env) : 3, first = from ? atoi(from) : 0;
	unsigned long base = 5381;
	char lab[16], seed[CORPUS_SEEDS_MAX][32];
	struct tcplab_result *r;
	struct tcplab_job job[CORPUS_SEEDS_MAX];
	double t0, cpu0;
	bool waiting;

	corpus_read(c, &x);
	if (x.known[0])
		cr_skip_test("%s: not judged yet: %s", c->name, x.known);
	if (seeds > CORPUS_SEEDS_MAX)
		seeds = CORPUS_SEEDS_MAX;
	for (const char *p = c->name; *p; p++)
		base = base * 33 + (unsigned char)*p;
	snprintf(lab, sizeof(lab), "%d", c->lab);
	if (first < 0 || first > 1000)
		first = 0;
	for (int k = 0; k < seeds; k++)
		snprintf(seed[k], sizeof(seed[k]), "%lu",
		         base % 1000000 + 1 + (unsigned long)(first + k) * 7919);
	r = malloc(sizeof(*r));
	cr_assert_not_null(r);
	/*
	 * The first seed alone. A grade that spent most of its time waiting (lab 4's cable
	 * pulls: under 2 s of CPU in 24 s) has its other seeds graded at once: they wait side by
	 * side, and the suite is minutes shorter. Any other grade's seeds go one after the
	 * other, as a student's grades would: a timing check must not meet more load here than
	 * on a student's machine with both CPUs busy.
	 */
	t0 = wall_s();
	cpu0 = children_cpu_s();
	tcplab_run(r, (const char *[]){ "grade", lab, "--src", c->dir, "--seed", seed[0], NULL });
	corpus_judge(c, &x, seed[0], r);
	waiting = wall_s() - t0 > 5 && children_cpu_s() - cpu0 < (wall_s() - t0) / 4;
	for (int k = 1; k < seeds; k++) {
		const char *const args[] = { "grade", lab, "--src", c->dir, "--seed", seed[k], NULL };

		tcplab_start(&job[k], NULL, args);
		if (!waiting) {
			tcplab_finish(&job[k], r);
			corpus_judge(c, &x, seed[k], r);
		}
	}
	for (int k = 1; waiting && k < seeds; k++) {
		tcplab_finish(&job[k], r);
		corpus_judge(c, &x, seed[k], r);
	}
	free(r);
}

Test(grade, the_corpus_has_correct_and_wrong_submissions_for_every_lab)
{
	int ok[16] = { 0 }, wrong[16] = { 0 };

	if (getenv("TCPLAB_CORPUS"))
		cr_skip_test("TCPLAB_CORPUS keeps only part of the corpus");
	corpus_scan();
	for (size_t i = 0; i < ncorpus; i++) {
		if (corpus[i].lab <= 0 || corpus[i].lab >= 16)
			continue;
		if (strstr(corpus[i].name, "/ok-"))
			ok[corpus[i].lab]++;
		else
			wrong[corpus[i].lab]++;
	}
	for (int lab = 1; lab <= 4; lab++) {
		cr_expect_geq(ok[lab], 4, "lab %d: %d correct submissions, want 4 or more", lab, ok[lab]);
		cr_expect_geq(wrong[lab], 8, "lab %d: %d wrong ones, want 8 or more", lab, wrong[lab]);
	}
	/* Lab 6 (issue 10): eight wrong answers, three right ones in other styles. */
	cr_expect_geq(ok[6], 3, "lab 6: %d correct submissions, want 3 or more", ok[6]);
	cr_expect_geq(wrong[6], 8, "lab 6: %d wrong ones, want 8 or more", wrong[6]);
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

/* One grade, three reports: each --output takes its --format, the one left over goes to
 * standard output, and all three tell the same grade. */
Test(grade, several_reports_of_one_grade_each_go_to_their_own_file, .timeout = 60)
{
	char dir[] = "/tmp/tcplab-reports-XXXXXX", a[128], b[128], src[600], why[256], want[64];
	struct tcplab_result r;
	char *json, *junit, *score;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(a, sizeof(a), "%s/a.json", dir);
	snprintf(b, sizeof(b), "%s/b.xml", dir);
	snprintf(src, sizeof(src), "%s/tests/exercises/01-handshake/single-recv", test_root());
	/* '--output FILE --format F', the order older scripts use, still pairs them. */
	tcplab_run(&r, (const char *[]){ "grade", "1", "--src", src, "--output", a, "--format",
	                                 "json", "--format", "junit", "--output", b, "--format",
	                                 "markdown", NULL });
	cr_expect_eq(r.status, 1, "%s", r.err);
	json = test_slurp(a);
	junit = test_slurp(b);
	cr_expect(json_wellformed(json, why, sizeof(why)), "%s\n%s", why, json);
	cr_expect(xml_wellformed(junit, why, sizeof(why)), "%s\n%s", why, junit);
	cr_expect(!strncmp(r.out, "## tcplab lab 1: ", 17), "%s", r.out);
	score = strstr(json, "\"score\": ");
	cr_assert_not_null(score, "%s", json);
	snprintf(want, sizeof(want), "**%.*s/", (int)strcspn(score + 9, ","), score + 9);
	cr_expect(strstr(r.out, want), "the JSON's score %s is not the Markdown's:\n%s", want, r.out);
	free(json);
	free(junit);
	unlink(a);
	unlink(b);
	cr_expect_eq(rmdir(dir), 0, "a temporary file was left");
}

Test(grade, two_formats_without_an_output_between_or_one_file_twice_are_refused, .timeout = 30)
{
	struct tcplab_result r;

	tcplab_run(&r, (const char *[]){ "grade", "1", "--format", "json", "--format", "tap", NULL });
	cr_expect_eq(r.status, 2, "%s%s", r.out, r.err);
	cr_expect(strstr(r.err, "--format tap follows another --format with no --output between"),
	          "%s", r.err);
	tcplab_run(&r, (const char *[]){ "grade", "1", "--format", "json", "--output", "/tmp/x.r",
	                                 "--format", "tap", "--output", "/tmp/x.r", NULL });
	cr_expect_eq(r.status, 2, "%s%s", r.out, r.err);
	cr_expect(strstr(r.err, "'/tmp/x.r' is named twice as a file to write"), "%s", r.err);
}

/* The refusals come before anything is built or run: no lab run is needed. */
Test(grade, a_report_inside_the_submission_folder_is_refused, .timeout = 30)
{
	char dir[] = "/tmp/tcplab-sub-XXXXXX", out[128], want[400];
	struct tcplab_result r;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(out, sizeof(out), "%s/grade.json", dir);
	tcplab_run(&r, (const char *[]){ "grade", "1", "--src", dir, "--output", out, NULL });
	cr_expect_eq(r.status, 2, "%s%s", r.out, r.err);
	snprintf(want, sizeof(want), "'%s' is inside the submission folder '%s': write reports"
	         " elsewhere", out, dir);
	cr_expect(strstr(r.err, want), "%s", r.err);
	tcplab_run(&r, (const char *[]){ "grade", "1", "--src", dir, "--pcap", out, NULL });
	cr_expect_eq(r.status, 2, "%s%s", r.out, r.err);
	cr_expect(strstr(r.err, "is inside the submission folder"), "%s", r.err);
	cr_expect_eq(access(out, F_OK), -1);
	cr_expect_eq(rmdir(dir), 0, "something was written in the submission");
}

Test(grade, a_symbolic_link_as_report_is_refused, .timeout = 30)
{
	char dir[] = "/tmp/tcplab-out-XXXXXX", out[128], victim[128];
	struct tcplab_result r;
	struct stat st;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(out, sizeof(out), "%s/grade.json", dir);
	snprintf(victim, sizeof(victim), "%s/bashrc", dir);
	cr_assert_eq(symlink(victim, out), 0);
	tcplab_run(&r, (const char *[]){ "grade", "1", "--output", out, NULL });
	cr_expect_eq(r.status, 2, "%s%s", r.out, r.err);
	cr_expect(strstr(r.err, "is a symbolic link"), "%s", r.err);
	cr_expect_eq(lstat(victim, &st), -1, "the link was followed");
	unlink(out);
	cr_expect_eq(rmdir(dir), 0, "a temporary file was left");
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
