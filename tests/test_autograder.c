/* summary: tests of 'tcplab autograder': Gradescope's zip and its run_autograder, GitHub's workflow and its steps, run as each platform would. */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/lib/tcplab_run.h"
#include "tests/lib/wellformed.h"

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
	cr_expect(strstr(r.err, "'moodle' is not an autograder platform (gradescope, github)"), "%s",
	          r.err);
	tcplab_run(&r, (const char *[]){ "autograder", "gradescope", NULL });
	cr_expect_eq(r.status, 2);
}

/* ---- GitHub Actions: the workflow's steps run here in order ---- */

/*
 * 'tcplab autograder github 1' writes ROOT/repo (the template repository: the workflow,
 * .tcplab/ and the starter). A test puts a submission over the starter, then reads the
 * workflow with the small reader below and runs its 'run:' steps in order as a GitHub
 * runner would (bash -eo pipefail, in the workspace, with GITHUB_STEP_SUMMARY,
 * GITHUB_OUTPUT, RUNNER_TEMP and the job's env), except "Install tcplab": it needs the
 * network (apt-get) and builds tcplab again, so the tcplab of the build tree stands in for
 * it, first on PATH. Steps with 'uses:' (checkout, the JUnit check, the artifact, the
 * Classroom reporter) are GitHub's own actions and are not run; what they read is checked.
 */
#define MAX_STEPS 16

struct step {
	char name[128];
	char id[32];
	char run[4096];         /* the script; "" for a 'uses:' step */
	bool always;            /* if: always() */
};

struct workflow {
	char env[4][2][64];     /* the job's env: name, value */
	size_t nenv;
	struct step step[MAX_STEPS];
	size_t nstep;
};

static char repo[300];

static void gh_setup(void)
{
	struct tcplab_result r;

	need_python();
	if (geteuid() != 0)
		cr_skip_test("the workflow grades as root, as on GitHub's runner (sudo): run this"
		             " test as root");
	snprintf(root, sizeof(root), "/tmp/tcplab gh-XXXXXX");
	cr_assert_not_null(mkdtemp(root));
	snprintf(repo, sizeof(repo), "%s/repo", root);
	tcplab_run(&r, (const char *[]){ "autograder", "github", "1", "--output", repo, NULL });
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_assert(strstr(r.out, "wrote '"), "%s", r.out);
}

TestSuite(github, .init = gh_setup, .fini = cleanup);

static size_t indent(const char *line)
{
	return strspn(line, " ");
}

/* "key: value" at column col of line: value (quotes taken off) into out, or false. */
static bool key(const char *line, size_t col, const char *k, char *out, size_t len)
{
	size_t n = strlen(k);
	const char *v;

	if (indent(line) != col || strncmp(line + col, k, n) || line[col + n] != ':')
		return false;
	v = line + col + n + 1;
	v += strspn(v, " ");
	snprintf(out, len, "%.*s", (int)strcspn(v, "\n"), v);
	n = strlen(out);
	if (n >= 2 && out[0] == '"' && out[n - 1] == '"') {
		memmove(out, out + 1, n - 2);
		out[n - 2] = '\0';
	}
	return true;
}

/*
 * The reader knows the shape tcplab writes and nothing more: the job's 'env:' at column 4
 * (its variables at 6), 'steps:' at 4, each step '- ' at 6 and its keys at 8, a 'run: |'
 * block deeper than 8; blocks under 'with:' and a step's 'env:' are skipped. A line it
 * does not know inside the steps fails the test: the workflow changed shape, and the
 * reader must learn it rather than skip a step.
 */
static void read_workflow(const char *path, struct workflow *w)
{
	char *text = test_slurp(path), *line, *next, val[256];
	enum { TOP, ENV, STEPS } where = TOP;
	struct step *s = NULL;
	bool in_run = false, in_block = false;

	memset(w, 0, sizeof(*w));
	for (line = text; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (in_run) {
			if (!*line || indent(line) > 8) {
				size_t used = strlen(s->run);

				snprintf(s->run + used, sizeof(s->run) - used, "%s\n",
				         strlen(line) > 10 ? line + 10 : "");
				cr_assert_lt(strlen(s->run) + 1, sizeof(s->run), "step '%s' is too long",
				             s->name);
				continue;
			}
			in_run = false;
		}
		if (in_block) {
			if (!*line || indent(line) > 8)
				continue;
			in_block = false;
		}
		if (!*line || line[indent(line)] == '#')
			continue;
		if (indent(line) <= 4)
			where = !strcmp(line, "    env:") ? ENV : !strcmp(line, "    steps:") ? STEPS : TOP;
		if (indent(line) <= 4)
			continue;
		if (where == ENV && indent(line) == 6) {
			cr_assert_lt(w->nenv, 4);
			cr_assert(strchr(line, ':'), "%s", line);
			snprintf(w->env[w->nenv][0], sizeof(w->env[0][0]), "%.*s",
			         (int)strcspn(line + 6, ":"), line + 6);
			cr_assert(key(line, 6, w->env[w->nenv][0], w->env[w->nenv][1],
			              sizeof(w->env[0][1])));
			w->nenv++;
			continue;
		}
		if (where != STEPS)
			continue;
		if (indent(line) == 6 && !strncmp(line + 6, "- ", 2)) {
			cr_assert_lt(w->nstep, MAX_STEPS);
			s = &w->step[w->nstep++];
			line[6] = ' ';  /* "      - name: x" is read as "        name: x" */
		}
		cr_assert_not_null(s, "a line before the first step: '%s'", line);
		if (key(line, 8, "name", s->name, sizeof(s->name)) ||
		    key(line, 8, "id", s->id, sizeof(s->id)) || key(line, 8, "uses", val, sizeof(val)))
			continue;
		if (key(line, 8, "if", val, sizeof(val))) {
			cr_assert_str_eq(val, "always()", "the reader knows no other condition");
			s->always = true;
		} else if (key(line, 8, "run", val, sizeof(val))) {
			cr_assert_str_eq(val, "|", "step '%s': a run step is a '|' block", s->name);
			in_run = true;
		} else if (key(line, 8, "with", val, sizeof(val)) ||
		           key(line, 8, "env", val, sizeof(val))) {
			in_block = true;
		} else {
			cr_assert_fail("the workflow's reader does not know the line '%s'", line);
		}
	}
	free(text);
}

struct ran {
	int status[MAX_STEPS];  /* each step's exit status; -1 when not run */
	char log[65536];        /* every step's output, named */
};

/* The run steps in order, as a runner: a failed step skips the later ones without
 * if: always(). */
static void run_steps(const struct workflow *w, const char *temp, struct ran *ran)
{
	char build[PATH_MAX], script[400], out[16384], env[2048];
	size_t used = 0, elen = 0;
	bool failed = false;

	cr_assert_not_null(realpath(test_build(), build));
	snprintf(script, sizeof(script), "%s/step.sh", root);
	for (size_t i = 0; i < w->nenv; i++)
		elen += (size_t)snprintf(env + elen, sizeof(env) - elen, "%s='%s' ", w->env[i][0],
		                         w->env[i][1]);
	ran->log[0] = '\0';
	for (size_t i = 0; i < w->nstep; i++) {
		const struct step *s = &w->step[i];
		FILE *f;

		ran->status[i] = -1;
		if (!s->run[0] || !strcmp(s->name, "Install tcplab") || (failed && !s->always))
			continue;
		f = fopen(script, "w");
		cr_assert_not_null(f);
		fputs(s->run, f);
		cr_assert_eq(fclose(f), 0);
		ran->status[i] = sh(out, sizeof(out), "cd '%s' && env %s PATH='%s':\"$PATH\""
		                    " GITHUB_ACTIONS=true CI=true GITHUB_WORKSPACE='%s'"
		                    " GITHUB_STEP_SUMMARY='%s/summary.md' GITHUB_OUTPUT='%s/output'"
		                    " RUNNER_TEMP='%s' bash --noprofile --norc -eo pipefail '%s'",
		                    repo, env, build, repo, temp, temp, temp, script);
		failed |= ran->status[i] != 0;
		used += (size_t)snprintf(ran->log + used, sizeof(ran->log) - used,
		                         "--- %s (status %d)\n%s", s->name, ran->status[i], out);
		if (used >= sizeof(ran->log))
			used = sizeof(ran->log) - 1;
	}
}

static const struct step *find_step(const struct workflow *w, const char *name, size_t *at)
{
	for (size_t i = 0; i < w->nstep; i++)
		if (!strcmp(w->step[i].name, name)) {
			if (at)
				*at = i;
			return &w->step[i];
		}
	cr_assert_fail("the workflow has no step '%s'", name);
	return NULL;
}

/* The Classroom reporter's input: GITHUB_OUTPUT's result=BASE64, decoded and checked as
 * the reporter reads it; prints "STATUS SCORE MAX TESTS". */
static const char classroom_check[] =
	"import base64, json, sys\n"
	"lines = [l for l in open(sys.argv[1]) if l.startswith('result=')]\n"
	"assert len(lines) == 1, 'result= is written %d times' % len(lines)\n"
	"r = json.loads(base64.b64decode(lines[0][len('result='):].strip()).decode('utf-8'))\n"
	"assert r['status'] in ('pass', 'fail', 'error'), r['status']\n"
	"for t in r['tests']:\n"
	"    assert isinstance(t['name'], str) and t['status'] in ('pass', 'fail', 'error'), t\n"
	"    assert isinstance(t['score'], (int, float)) and isinstance(t['message'], str), t\n"
	"print(r['status'], sum(t['score'] for t in r['tests']), r['max_score'], len(r['tests']))\n";

/* Grade submission FROM as the workflow does; the verdict step's status. */
static int workflow_grades(const char *from, struct ran *ran, char **summary, char **junit,
                           char *classroom, size_t clen)
{
	char temp[400], out[4096], path[500];
	struct workflow w;
	size_t verdict;

	snprintf(temp, sizeof(temp), "%s/runner temp", root);
	cr_assert_eq(sh(out, sizeof(out), "mkdir -p '%s' && cp '%s/%s'/*.c '%s/'", temp,
	                test_root(), from, repo), 0, "%s", out);
	snprintf(path, sizeof(path), "%s/.github/workflows/tcplab.yml", repo);
	read_workflow(path, &w);
	find_step(&w, "Verdict", &verdict);
	run_steps(&w, temp, ran);
	for (size_t i = 0; i < w.nstep; i++)
		if (w.step[i].run[0] && strcmp(w.step[i].name, "Install tcplab") &&
		    i != verdict)
			cr_expect_eq(ran->status[i], 0, "step '%s' failed:\n%s", w.step[i].name,
			             ran->log);
	snprintf(path, sizeof(path), "%s/summary.md", temp);
	*summary = test_slurp(path);
	snprintf(path, sizeof(path), "%s/tcplab/junit.xml", temp);
	*junit = test_slurp(path);
	snprintf(path, sizeof(path), "%s/output", temp);
	snprintf(out, sizeof(out), "%s/classroom.py", root);
	{
		FILE *f = fopen(out, "w");

		cr_assert_not_null(f);
		fputs(classroom_check, f);
		cr_assert_eq(fclose(f), 0);
	}
	cr_assert_eq(sh(classroom, clen, "python3 '%s' '%s'", out, path), 0,
	             "GitHub Classroom's reporter would not read it: %s", classroom);
	return ran->status[verdict];
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

Test(github, the_workflow_installs_tcplab_from_its_sources_and_the_sources_can_install,
     .timeout = 60)
{
	static const char *const needed[] = {
		"Makefile", "VERSION", "mk/install.sh", "docs/tcplab.1", "completion/tcplab.bash",
		"labs/README.md", "labs/include/winsock_compat.h", "po",
	};
	char path[600], out[8192];
	struct workflow w;
	const struct step *install;

	snprintf(path, sizeof(path), "%s/.github/workflows/tcplab.yml", repo);
	read_workflow(path, &w);
	install = find_step(&w, "Install tcplab", NULL);
	cr_expect(strstr(install->run, "make -C .tcplab -j\"$(nproc)\" all\n"), "%s", install->run);
	cr_expect(strstr(install->run, "sudo make -C .tcplab install\n"), "%s", install->run);
	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++) {
		snprintf(path, sizeof(path), "%s/.tcplab/%s", repo, needed[i]);
		cr_expect_eq(access(path, R_OK), 0, "'make install' needs .tcplab/%s", needed[i]);
	}
	snprintf(path, sizeof(path), "%s/.tcplab/tests", repo);
	cr_expect_neq(access(path, F_OK), 0, "the tests are not the workflow's business");
	snprintf(path, sizeof(path), "%s/echo_client.c", repo);
	cr_expect_eq(access(path, R_OK), 0, "the lab's starter is in the template repository");
	/* Every rule 'make install' follows has its files (a dry run: nothing is built). */
	cr_expect_eq(sh(out, sizeof(out), "make -n -C '%s/.tcplab' install DESTDIR='%s/stage'"
	                " >'%s/make.log' 2>&1; st=$?; tail -n 5 '%s/make.log'; exit $st", repo, root,
	                root, root), 0, "%s", out);
}

Test(github, the_reference_solution_passes_with_junit_summary_and_classroom_points,
     .timeout = 180)
{
	char *summary, *junit, classroom[512], status[16], why[256];
	double score, max;
	int tests;
	struct ran *ran = malloc(sizeof(*ran));

	cr_assert_not_null(ran);
	cr_expect_eq(workflow_grades("solutions/01-handshake", ran, &summary, &junit, classroom,
	                             sizeof(classroom)), 0, "%s", ran->log);
	cr_assert_eq(sscanf(classroom, "%15s %lf %lf %d", status, &score, &max, &tests), 4, "%s",
	             classroom);
	cr_expect_str_eq(status, "pass");
	cr_expect_eq(score, max);
	cr_expect_gt(max, 1);
	cr_expect(xml_wellformed(junit, why, sizeof(why)), "%s\n%s", why, junit);
	cr_expect_eq(count(junit, "<testcase "), (size_t)tests, "%s", junit);
	cr_expect(strstr(junit, "failures=\"0\" errors=\"0\""), "%s", junit);
	cr_expect(strstr(summary, "## tcplab lab 1: "), "%s", summary);
	cr_expect(strstr(summary, "every check passed"), "%s", summary);
	/* The ladder, folded: the handshake's first segment in the wire's column. */
	cr_expect(strstr(summary, "<details><summary>The ladder of the run"), "%s", summary);
	cr_expect(strstr(summary, "#1 S 0 -->"), "%s", summary);
	free(summary);
	free(junit);
	free(ran);
}

Test(github, a_wrong_submission_fails_the_job_and_the_summary_says_why, .timeout = 180)
{
	char *summary, *junit, classroom[512], status[16], why[256];
	double score, max;
	int tests;
	struct ran *ran = malloc(sizeof(*ran));

	cr_assert_not_null(ran);
	cr_expect_eq(workflow_grades("tests/exercises/01-handshake/single-recv", ran, &summary,
	                             &junit, classroom, sizeof(classroom)), 1, "%s", ran->log);
	cr_assert_eq(sscanf(classroom, "%15s %lf %lf %d", status, &score, &max, &tests), 4, "%s",
	             classroom);
	cr_expect_str_eq(status, "fail");
	cr_expect_lt(score, max);
	cr_expect(xml_wellformed(junit, why, sizeof(why)), "%s\n%s", why, junit);
	cr_expect_eq(count(junit, "<testcase "), (size_t)tests, "%s", junit);
	cr_expect(strstr(junit, "<failure message=\""), "%s", junit);
	cr_expect(strstr(summary, "did not pass"), "%s", summary);
	/* The check that failed, with its reason, in the list under "Why". */
	cr_expect(strstr(summary, "### Why\n\n- \xe2\x9d\x8c fail **"), "%s", summary);
	cr_expect(strstr(summary, "**the client read the whole echo**: "), "%s", summary);
	cr_expect(strstr(summary, "`tcplab grade 1 --seed "), "%s", summary);
	free(summary);
	free(junit);
	free(ran);
}
