/* summary: tests of 'tcplab autograder gradescope': the zip, and its run_autograder run as Gradescope would. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/lib/tcplab_run.h"

/*
 * Each test unpacks the autograder into a fresh ROOT laid out as Gradescope's /autograder
 * (ROOT/autograder/source, submission, results) and runs its run_autograder with
 * AUTOGRADER_ROOT there and TCPLAB naming the tcplab already built, so nothing is installed
 * and setup.sh's build is not needed. ROOT's name holds a space: the scripts must quote.
 * The zip is read back with Python's zipfile (which checks every CRC) and results.json
 * with Python's json, against Gradescope's specification.
 */
static char root[128];
static char ag[256];

static int sh(char *out, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A shell command (its paths single-quoted by the caller); its output in out. */
static int sh(char *out, size_t len, const char *fmt, ...)
{
	char cmd[4096];
	size_t used = 0;
	va_list ap;
	FILE *p;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	strncat(cmd, " 2>&1", sizeof(cmd) - strlen(cmd) - 1);
	p = popen(cmd, "r");
	cr_assert_not_null(p, "%s", cmd);
	if (out) {
		out[0] = '\0';
		while (used + 1 < len) {
			size_t n = fread(out + used, 1, len - 1 - used, p);

			if (!n)
				break;
			used += n;
		}
		out[used] = '\0';
	} else {
		char sink[512];

		while (fread(sink, 1, sizeof(sink), p))
			;
	}
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void need_python(void)
{
	if (sh(NULL, 0, "python3 -c 'import zipfile, json'") != 0)
		cr_skip_test("python3 (zipfile, json) is not installed: it reads the zip and"
		             " results.json back");
}

/* ROOT with the autograder unpacked in ROOT/autograder/source. */
static void unpack(void)
{
	struct tcplab_result r;
	char zip[300], out[4096];

	need_python();
	snprintf(root, sizeof(root), "/tmp/tcplab ag-XXXXXX");
	cr_assert_not_null(mkdtemp(root));
	snprintf(ag, sizeof(ag), "%s/autograder", root);
	snprintf(zip, sizeof(zip), "%s/lab1 autograder.zip", root);
	tcplab_run(&r, (const char *[]){ "autograder", "gradescope", "1", "--output", zip, NULL });
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_assert(strstr(r.out, "wrote '"), "%s", r.out);
	cr_assert_eq(sh(out, sizeof(out), "mkdir -p '%s/submission' '%s/results' &&"
	                " python3 -m zipfile -e '%s' '%s/source'", ag, ag, zip, ag), 0, "%s", out);
}

static void cleanup(void)
{
	if (root[0])
		sh(NULL, 0, "rm -rf '%s'", root);
	root[0] = '\0';
}

TestSuite(autograder, .init = unpack, .fini = cleanup);

/* Copy a tree's submission folder into ROOT/autograder/submission (or SUB under it). */
static void submit(const char *from, const char *sub)
{
	char out[1024];

	cr_assert_eq(sh(out, sizeof(out), "mkdir -p '%s/submission/%s' && cp '%s/%s'/*.c"
	                " '%s/submission/%s/'", ag, sub, test_root(), from, ag, sub), 0, "%s", out);
}

/* run_autograder as Gradescope runs it (as root), with tcplab from the environment (TCPLAB). */
static void run_autograder(const char *tcplab, char *out, size_t len)
{
	char prog[600];

	if (!tcplab) {
		if (geteuid() != 0)
			cr_skip_test("grading runs as root on Gradescope; as another user it needs a"
			             " subordinate uid range: run this test as root");
		snprintf(prog, sizeof(prog), "%s/tcplab", test_build());
		if (prog[0] != '/') {
			char cwd[256];

			cr_assert_not_null(getcwd(cwd, sizeof(cwd)));
			snprintf(prog, sizeof(prog), "%s/%s/tcplab", cwd, test_build());
		}
		tcplab = prog;
	}
	cr_assert_eq(sh(out, len, "cd / && AUTOGRADER_ROOT='%s' TCPLAB='%s' sh '%s/source/run_autograder'",
	                ag, tcplab, ag), 0, "run_autograder failed:\n%s", out);
}

/* What Gradescope's specification allows in results.json; prints "score S max M" or why not. */
static const char validator[] =
	"import json, sys\n"
	"r = json.load(open(sys.argv[1], encoding='utf-8'))\n"
	"num = lambda x: isinstance(x, (int, float)) and not isinstance(x, bool)\n"
	"vis = ('hidden', 'after_due_date', 'after_published', 'visible')\n"
	"bad = []\n"
	"if not num(r.get('score')): bad.append('score is not a number')\n"
	"tests = r.get('tests')\n"
	"if not isinstance(tests, list) or not tests: bad.append('no tests'); tests = []\n"
	"for i, t in enumerate(tests):\n"
	"    for k in ('name', 'score', 'max_score', 'status', 'output', 'visibility'):\n"
	"        if k not in t: bad.append('test %d has no %s' % (i, k))\n"
	"    if not isinstance(t.get('name'), str) or not t.get('name'): bad.append('test %d name' % i)\n"
	"    if not isinstance(t.get('output'), str): bad.append('test %d output' % i)\n"
	"    if t.get('status') not in ('passed', 'failed'): bad.append('test %d status' % i)\n"
	"    if t.get('visibility') not in vis: bad.append('test %d visibility' % i)\n"
	"    s, m = t.get('score'), t.get('max_score')\n"
	"    if not num(s) or not num(m) or not 0 <= s <= m: bad.append('test %d score %r of %r' % (i, s, m))\n"
	"    elif t.get('status') == 'passed' and s != m: bad.append('test %d passed with %r of %r' % (i, s, m))\n"
	"for k in ('visibility', 'stdout_visibility'):\n"
	"    if k in r and r[k] not in vis: bad.append(k)\n"
	"if 'execution_time' in r and not num(r['execution_time']): bad.append('execution_time')\n"
	"if 'output' in r and not isinstance(r['output'], str): bad.append('output')\n"
	"total = sum(t['score'] for t in tests if num(t.get('score')))\n"
	"if num(r.get('score')) and abs(total - r['score']) > 1e-9:\n"
	"    bad.append('score %r is not the sum of the tests, %r' % (r['score'], total))\n"
	"if bad: print('invalid: ' + '; '.join(bad)); sys.exit(1)\n"
	"print('score %g max %g' % (r['score'], sum(t['max_score'] for t in tests)))\n";

/* results.json checked against the specification: its score and the sum of max_score. */
static char *results(double *score, double *max)
{
	char path[400], py[400], out[2048];
	FILE *f;

	snprintf(py, sizeof(py), "%s/validate.py", root);
	f = fopen(py, "w");
	cr_assert_not_null(f);
	fputs(validator, f);
	cr_assert_eq(fclose(f), 0);
	snprintf(path, sizeof(path), "%s/results/results.json", ag);
	cr_assert_eq(access(path, R_OK), 0, "run_autograder left no results.json");
	cr_assert_eq(sh(out, sizeof(out), "python3 '%s' '%s'", py, path), 0, "%s\n%s", out,
	             test_slurp(path));
	cr_assert_eq(sscanf(out, "score %lf max %lf", score, max), 2, "%s", out);
	return test_slurp(path);
}

Test(autograder, the_zip_holds_the_scripts_at_its_root_and_tcplabs_sources_only, .timeout = 60)
{
	char out[4096];
	struct stat st;

	cr_expect_eq(sh(out, sizeof(out), "sh -n '%s/source/run_autograder'", ag), 0, "%s", out);
	cr_expect_eq(sh(out, sizeof(out), "bash -n '%s/source/setup.sh'", ag), 0, "%s", out);
	cr_expect_eq(stat(strcat(strcpy(out, ag), "/source/tcplab/Makefile"), &st), 0);
	cr_expect_eq(stat(strcat(strcpy(out, ag), "/source/tcplab/labs/README.md"), &st), 0,
	             "tcplab finds its tree by labs/README.md");
	cr_expect_eq(stat(strcat(strcpy(out, ag), "/source/README.md"), &st), 0);
	/* Nothing a student should see or the build does not need; and modes kept. */
	cr_expect_eq(sh(out, sizeof(out), "python3 -c 'import sys, zipfile\n"
	                "z = zipfile.ZipFile(sys.argv[1])\n"
	                "for i in z.infolist():\n"
	                "    p = i.filename.split(\"/\")\n"
	                "    if p[:2] in ([\"tcplab\", \"solutions\"], [\"tcplab\", \"tests\"]) or"
	                " \"build\" in p or any(c.startswith(\".\") for c in p): print(\"unwanted\", i.filename)\n"
	                "    if i.filename in (\"setup.sh\", \"run_autograder\") and"
	                " (i.external_attr >> 16) & 0o111 == 0: print(\"not executable\", i.filename)\n"
	                "' '%s/lab1 autograder.zip'", root), 0, "%s", out);
	cr_expect_eq(out[0], '\0', "%s", out);
	cr_expect_eq(sh(out, sizeof(out), "grep -c '^lab=1$' '%s/source/run_autograder'", ag), 0,
	             "the lab's number is filled in: %s", out);
}

Test(autograder, the_reference_solution_gets_full_marks, .timeout = 120)
{
	char out[16384];
	double score, max;
	char *json;

	submit("solutions/01-handshake", "");
	run_autograder(NULL, out, sizeof(out));
	json = results(&score, &max);
	cr_expect_gt(max, 1, "%s", json);
	cr_expect_eq(score, max, "%s\n%s", json, out);
	cr_expect(strstr(json, "\"visibility\": \"visible\""), "%s", json);
	free(json);
}

Test(autograder, a_submission_uploaded_as_one_folder_is_graded_in_it, .timeout = 120)
{
	char out[16384];
	double score, max;
	char *json;

	submit("solutions/01-handshake", "my lab1");
	run_autograder(NULL, out, sizeof(out));
	json = results(&score, &max);
	cr_expect_gt(max, 1, "%s", json);
	cr_expect_eq(score, max, "%s\n%s", json, out);
	free(json);
}

Test(autograder, a_wrong_submission_gets_a_lower_score, .timeout = 120)
{
	char out[16384];
	double score, max;
	char *json;

	submit("tests/exercises/01-handshake/single-recv", "");
	run_autograder(NULL, out, sizeof(out));
	json = results(&score, &max);
	cr_expect_gt(max, 1, "%s", json);
	cr_expect_lt(score, max, "%s", json);
	cr_expect(strstr(json, "\"status\": \"failed\""), "%s", json);
	free(json);
}

Test(autograder, a_submission_that_does_not_build_scores_0_with_the_compilers_output,
     .timeout = 120)
{
	char path[400], out[16384];
	double score, max;
	char *json;
	FILE *f;

	snprintf(path, sizeof(path), "%s/submission/echo_client.c", ag);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("int main(void)\n{\n\treturn missing_function(;\n}\n", f);
	cr_assert_eq(fclose(f), 0);
	run_autograder(NULL, out, sizeof(out));
	json = results(&score, &max);
	cr_expect_eq(score, 0, "%s", json);
	cr_expect(strstr(json, "{\"name\": \"build\", \"score\": 0, \"max_score\": 1, \"status\":"
	                 " \"failed\", \"visibility\": \"visible\", \"output\": \""), "%s", json);
	cr_expect(strstr(json, "echo_client.c:3:"), "the compiler's own words: %s", json);
	free(json);
}

/* A tcplab that cannot grade here (no namespaces in the container): its message, score 0. */
Test(autograder, a_tcplab_that_cannot_run_still_leaves_results_with_its_reason, .timeout = 60)
{
	char fake[300], out[16384];
	double score, max;
	char *json;
	FILE *f;

	submit("solutions/01-handshake", "");
	snprintf(fake, sizeof(fake), "%s/tcplab", root);
	f = fopen(fake, "w");
	cr_assert_not_null(f);
	fputs("#!/bin/sh\necho \"tcplab: cannot create the lab's network namespace: operation not"
	      " permitted \\\"(run 'tcplab doctor')\\\"\" >&2\nexit 1\n", f);
	cr_assert_eq(fclose(f), 0);
	cr_assert_eq(chmod(fake, 0755), 0);
	run_autograder(fake, out, sizeof(out));
	json = results(&score, &max);
	cr_expect_eq(score, 0, "%s", json);
	cr_expect(strstr(json, "tcplab could not grade this submission (exit status 1)"), "%s", json);
	cr_expect(strstr(json, "operation not permitted \\\"(run 'tcplab doctor')\\\""),
	          "tcplab's own words, quotes escaped: %s", json);
	free(json);

	/* Not built at all (setup.sh failed): the same, naming what is missing. */
	snprintf(fake, sizeof(fake), "%s/no such dir/tcplab", root);
	run_autograder(fake, out, sizeof(out));
	json = results(&score, &max);
	cr_expect_eq(score, 0, "%s", json);
	cr_expect(strstr(json, "it is not installed at '"), "%s", json);
	free(json);
}

Test(autograder, an_unknown_platform_or_lab_is_a_usage_error, .timeout = 30)
{
	struct tcplab_result r;

	tcplab_run(&r, (const char *[]){ "autograder", "moodle", "1", NULL });
	cr_expect_eq(r.status, 2);
	cr_expect(strstr(r.err, "'moodle' is not an autograder platform (gradescope)"), "%s", r.err);
	tcplab_run(&r, (const char *[]){ "autograder", "gradescope", NULL });
	cr_expect_eq(r.status, 2);
}
