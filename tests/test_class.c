/* summary: 'tcplab grade N --class DIR': the verdicts of single grades, a well-formed summary, resuming, odd names, planted links, Ctrl-C. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/lib/tcplab_run.h"
#include "tests/lib/wellformed.h"

#define SEED "424242"

/* A submission: the folder's name and the corpus answer (lab 1) it is a copy of; NULL
 * corpus: a file that does not compile. */
struct sub {
	const char *name, *corpus;
};

/* Copy the corpus answer's sources (not its 'expect' notes) into class/name. */
static void add_sub(const char *class, const struct sub *s)
{
	char dir[PATH_MAX], from[PATH_MAX], to[PATH_MAX * 2];
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/%s", class, s->name);
	cr_assert_eq(mkdir(dir, 0755), 0, "mkdir %s: %s", dir, strerror(errno));
	if (!s->corpus) {
		FILE *f;

		snprintf(to, sizeof(to), "%s/echo_client.c", dir);
		f = fopen(to, "w");
		cr_assert_not_null(f);
		fputs("int main(void)\n{\n\treturn missing;\n}\n", f);
		fclose(f);
		return;
	}
	snprintf(from, sizeof(from), "%s/tests/exercises/01-handshake/%s", test_root(), s->corpus);
	d = opendir(from);
	cr_assert_not_null(d, "%s", from);
	while ((e = readdir(d))) {
		char src[PATH_MAX * 2], *text;
		FILE *f;

		if (e->d_name[0] == '.' || !strcmp(e->d_name, "expect"))
			continue;
		snprintf(src, sizeof(src), "%s/%s", from, e->d_name);
		snprintf(to, sizeof(to), "%s/%s", dir, e->d_name);
		text = test_slurp(src);
		f = fopen(to, "w");
		cr_assert_not_null(f);
		fputs(text, f);
		fclose(f);
		free(text);
	}
	closedir(d);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void rm_rf(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* The checks' verdicts and scores of a JSON report, in order: what must not differ
 * between a class grade and a single grade with the same seed (times and wording may). */
static void verdicts_of(const char *json, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (const char *p = json; (p = strstr(p, "\"verdict\": \"")); p++) {
		const char *v = p + 12, *score = strstr(p, "\"score\": ");

		used += (size_t)snprintf(buf + used, len - used, "%.*s@%.*s ",
		                         (int)strcspn(v, "\""), v,
		                         score ? (int)strcspn(score + 9, ",") : 0,
		                         score ? score + 9 : "");
		cr_assert_lt(used, len);
	}
	used += (size_t)snprintf(buf + used, len - used, "%s",
	                         strstr(json, "\"outcome\": \"build_failed\"") ? "build_failed" : "ran");
	cr_assert_lt(used, len);
}

/* A corpus answer that must fail (its 'expect' says verdict: fail). */
static bool wrong_answer(const struct sub *s)
{
	return s->corpus && strncmp(s->corpus, "ok-", 3) != 0;
}

/* Every 'check:' line of the corpus answer's expect file is FAILed in the json report. */
static void expect_named_checks_fail(const struct sub *s, const char *json, const char *where)
{
	char path[PATH_MAX], line[512], want[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s/tests/exercises/01-handshake/%s/expect", test_root(),
	         s->corpus);
	f = fopen(path, "r");
	cr_assert_not_null(f, "%s", path);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "check: ", 7))
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(want, sizeof(want), "{\"name\": \"%s\", \"verdict\": \"fail\"", line + 7);
		cr_expect(strstr(json, want), "%s %s: '%s' should fail:\n%s", s->name, where,
		          line + 7, json);
	}
	fclose(f);
}

/*
 * One CSV record of RFC 4180 from *p: fields into f[] (malloc'ed), *p moved past its CRLF.
 * Fails the test on anything RFC 4180 does not allow (a bare quote in a field, a missing
 * CRLF). Returns the number of fields, 0 at the end.
 */
static int csv_record(const char **p, char *f[], int max)
{
	int n = 0;

	if (!**p)
		return 0;
	for (;;) {
		char *out = malloc(strlen(*p) + 1);
		size_t used = 0;

		cr_assert_not_null(out);
		cr_assert_lt(n, max);
		if (**p == '"') {
			for ((*p)++;; (*p)++) {
				cr_assert(**p, "an unterminated quoted field");
				if (**p == '"' && (*p)[1] == '"') {
					out[used++] = '"';
					(*p)++;
				} else if (**p == '"') {
					(*p)++;
					break;
				} else {
					out[used++] = **p;
				}
			}
		} else {
			for (; **p && **p != ',' && **p != '\r' && **p != '\n'; (*p)++) {
				cr_assert_neq(**p, '"', "a quote inside an unquoted field");
				out[used++] = **p;
			}
		}
		out[used] = '\0';
		f[n++] = out;
		if (**p == ',') {
			(*p)++;
			continue;
		}
		cr_assert(!strncmp(*p, "\r\n", 2), "a record must end with CRLF: '%.20s'", *p);
		*p += 2;
		return n;
	}
}

static void class_run(struct tcplab_result *r, const char *class, const char *out,
                      const char *extra)
{
	tcplab_run(r, (const char *[]){ "grade", "1", "--class", class, "--out", out, "-j", "2",
	                                "--seed", SEED, extra, NULL });
}

static char *slurp_in(const char *dir, const char *name)
{
	char path[PATH_MAX * 2];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return test_slurp(path);
}

static const struct sub class5[] = {
	{ "alice", "ok-poll" },
	{ "bob, \"jr\"", "single-recv" },       /* a comma, a quote, a space */
	{ "carol", "ok-read-write" },
	{ "dave\nnew", "no-newline" },          /* a line break in a CSV field */
	{ "erin", NULL },                       /* does not build */
};
static const char *const class5_files[] = {
	"alice", "bob%2C%20%22jr%22", "carol", "dave%0Anew", "erin",
};

Test(class, verdicts_are_those_of_single_grades_and_the_summary_is_well_formed,
     .timeout = 240)
{
	char root[] = "/tmp/tcplab-class-XXXXXX", class[64], out[64], why[256];
	struct tcplab_result r;
	char *csv, *json, *f[16];
	const char *p;
	int nf;

	cr_assert_not_null(mkdtemp(root));
	snprintf(class, sizeof(class), "%s/class", root);
	snprintf(out, sizeof(out), "%s/out", root);
	cr_assert_eq(mkdir(class, 0755), 0);
	for (size_t i = 0; i < 5; i++)
		add_sub(class, &class5[i]);
	class_run(&r, class, out, NULL);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_expect(strstr(r.out, "\nscores:\n"), "%s", r.out);
	cr_expect(strstr(r.out, "\nchecks failed most often:\n"), "%s", r.out);

	/* Each student's report says what 'tcplab grade 1 --src SUB --seed S' says. */
	for (size_t i = 0; i < 5; i++) {
		char src[PATH_MAX], name[300], a[4096], b[4096];
		struct tcplab_result one;
		char *mine;

		snprintf(src, sizeof(src), "%s/%s", class, class5[i].name);
		tcplab_run(&one, (const char *[]){ "grade", "1", "--src", src, "--seed", SEED,
		                                   "--format", "json", NULL });
		cr_expect_eq(one.status, i == 0 || i == 2 ? 0 : 1, "%s: %s", class5[i].name, one.err);
		snprintf(name, sizeof(name), "%s.json", class5_files[i]);
		mine = slurp_in(out, name);
		cr_expect(json_wellformed(mine, why, sizeof(why)), "%s: %s", name, why);
		if (wrong_answer(&class5[i])) {
			/* A wrong answer can be racy: single-recv closes while the echo's second
			 * piece is due, so whether its FIN goes before the RST depends on when it
			 * ran. Alone or in a class it must fail, and fail the checks its corpus
			 * 'expect' names; its other checks may differ from run to run. */
			cr_expect(strstr(mine, "\"passed\": false"), "%s: passed in the class",
			          class5[i].name);
			expect_named_checks_fail(&class5[i], one.out, "alone");
			expect_named_checks_fail(&class5[i], mine, "in the class");
		} else {
			verdicts_of(one.out, a, sizeof(a));
			verdicts_of(mine, b, sizeof(b));
			cr_expect_str_eq(b, a, "%s: class %s, alone %s", class5[i].name, b, a);
		}
		free(mine);
		for (size_t j = 0; j < 4; j++) {
			static const char *const more[] = { ".txt", ".junit.xml", ".tap",
			                                    ".gradescope.json" };

			snprintf(name, sizeof(name), "%s%s", class5_files[i], more[j]);
			mine = slurp_in(out, name);
			if (j == 1)
				cr_expect(xml_wellformed(mine, why, sizeof(why)), "%s: %s", name, why);
			if (j == 3)
				cr_expect(json_wellformed(mine, why, sizeof(why)), "%s: %s", name, why);
			free(mine);
		}
	}

	/* summary.json: well-formed, one entry per student, names escaped. */
	json = slurp_in(out, "summary.json");
	cr_expect(json_wellformed(json, why, sizeof(why)), "%s\n%s", why, json);
	cr_expect(strstr(json, "{\"student\": \"bob, \\\"jr\\\"\", \"verdict\": \"fail\""), "%s",
	          json);
	cr_expect(strstr(json, "{\"student\": \"dave\\nnew\", \"verdict\": \"fail\""), "%s", json);
	cr_expect(strstr(json, "{\"student\": \"erin\", \"verdict\": \"build_failed\""), "%s",
	          json);
	cr_expect(strstr(json, "\"seed\": \"" SEED "\""), "%s", json);
	free(json);

	/* summary.csv: RFC 4180, a header and five rows in name order, 8 fields each. */
	csv = slurp_in(out, "summary.csv");
	p = csv;
	nf = csv_record(&p, f, 16);
	cr_assert_eq(nf, 8, "%s", csv);
	cr_expect_str_eq(f[0], "student");
	cr_expect_str_eq(f[3], "verdict");
	cr_expect_str_eq(f[4], "failing_checks");
	for (int j = 0; j < nf; j++)
		free(f[j]);
	for (size_t i = 0; i < 5; i++) {
		static const char *const verdict[] = { "pass", "fail", "pass", "fail", "build_failed" };

		nf = csv_record(&p, f, 16);
		cr_assert_eq(nf, 8, "row %zu: %s", i, csv);
		cr_expect_str_eq(f[0], class5[i].name);
		cr_expect_str_eq(f[3], verdict[i], "%s", class5[i].name);
		cr_expect_str_eq(f[5], SEED);
		cr_expect_str_eq(f[7], class5_files[i]);
		if (i == 1)
			cr_expect(strstr(f[4], "the client read the whole echo"), "%s", f[4]);
		if (i == 4)
			cr_expect_str_eq(f[4], "build");
		for (int j = 0; j < nf; j++)
			free(f[j]);
	}
	cr_expect_eq(csv_record(&p, f, 16), 0, "more rows than students: %s", p);
	free(csv);
	rm_rf(root);
}

Test(class, a_rerun_grades_only_what_changed, .timeout = 120)
{
	static const struct sub two[] = { { "amy", "ok-poll" }, { "ben", "single-recv" } };
	char root[] = "/tmp/tcplab-class-XXXXXX", class[64], out[64], path[128];
	struct tcplab_result r;

	cr_assert_not_null(mkdtemp(root));
	snprintf(class, sizeof(class), "%s/class", root);
	snprintf(out, sizeof(out), "%s/out", root);
	cr_assert_eq(mkdir(class, 0755), 0);
	for (size_t i = 0; i < 2; i++)
		add_sub(class, &two[i]);
	class_run(&r, class, out, NULL);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_expect(strstr(r.out, "\namy: pass"), "%s", r.out);
	cr_expect(strstr(r.out, "\nben: fail"), "%s", r.out);

	class_run(&r, class, out, NULL);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_expect(strstr(r.out, "2 unchanged since their last grade"), "%s", r.out);
	cr_expect(!strstr(r.out, "\namy: ") && !strstr(r.out, "\nben: "), "regraded: %s", r.out);

	/* A report deleted by hand: that student is graded again. */
	snprintf(path, sizeof(path), "%s/amy.tap", out);
	cr_assert_eq(unlink(path), 0);
	class_run(&r, class, out, NULL);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_expect(strstr(r.out, "1 unchanged since their last grade"), "%s", r.out);
	cr_expect(strstr(r.out, "\namy: pass"), "%s", r.out);
	cr_expect_eq(access(path, F_OK), 0, "amy.tap was not written again");

	/* ben fixes his client: only ben is graded again, and now passes. */
	snprintf(path, sizeof(path), "%s/ben", class);
	rm_rf(path);
	add_sub(class, &(struct sub){ "ben", "ok-poll" });
	class_run(&r, class, out, NULL);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_expect(strstr(r.out, "1 unchanged since their last grade"), "%s", r.out);
	cr_expect(!strstr(r.out, "\namy: "), "amy regraded: %s", r.out);
	cr_expect(strstr(r.out, "\nben: pass"), "%s", r.out);

	/* Another seed is another grading: everyone again. */
	tcplab_run(&r, (const char *[]){ "grade", "1", "--class", class, "--out", out, "-j", "2",
	                                 "--seed", "7", NULL });
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_expect(!strstr(r.out, "unchanged"), "%s", r.out);
	rm_rf(root);
}

Test(class, a_link_planted_in_the_out_folder_is_not_followed, .timeout = 120)
{
	static const struct sub two[] = { { "amy", "ok-poll" }, { "ben", "single-recv" } };
	char root[] = "/tmp/tcplab-class-XXXXXX", class[64], out[64], link[128], victim[128];
	struct tcplab_result r;
	struct stat st;

	cr_assert_not_null(mkdtemp(root));
	snprintf(class, sizeof(class), "%s/class", root);
	snprintf(out, sizeof(out), "%s/out", root);
	snprintf(victim, sizeof(victim), "%s/bashrc", root);
	cr_assert_eq(mkdir(class, 0755), 0);
	cr_assert_eq(mkdir(out, 0755), 0);
	for (size_t i = 0; i < 2; i++)
		add_sub(class, &two[i]);

	/* A link as a student's report: that student is not graded, the class goes on. */
	snprintf(link, sizeof(link), "%s/amy.json", out);
	cr_assert_eq(symlink(victim, link), 0);
	class_run(&r, class, out, NULL);
	cr_expect_eq(r.status, 1, "%s%s", r.out, r.err);
	cr_expect(strstr(r.err, "\n  amy: ") && strstr(r.err, "amy.json' is a symbolic link"),
	          "%s", r.err);
	cr_expect(!strstr(r.out, "amy: "), "amy was graded: %s", r.out);
	cr_expect(strstr(r.out, "\nben: fail"), "%s", r.out);
	cr_expect_eq(lstat(victim, &st), -1, "the link was followed");
	cr_expect_eq(lstat(link, &st), 0);
	cr_expect(S_ISLNK(st.st_mode), "the link was replaced");
	unlink(link);

	/* A link as the summary: refused before anything is graded. */
	snprintf(link, sizeof(link), "%s/summary.csv", out);
	cr_assert_eq(unlink(link), 0);
	cr_assert_eq(symlink(victim, link), 0);
	class_run(&r, class, out, NULL);
	cr_expect_eq(r.status, 2, "%s%s", r.out, r.err);
	cr_expect(strstr(r.err, "is a symbolic link"), "%s", r.err);
	cr_expect_eq(lstat(victim, &st), -1, "the link was followed");

	/* An out folder inside the class: refused. */
	snprintf(link, sizeof(link), "%s/amy/grades", class);
	tcplab_run(&r, (const char *[]){ "grade", "1", "--class", class, "--out", link, NULL });
	cr_expect_eq(r.status, 2, "%s%s", r.out, r.err);
	cr_expect(strstr(r.err, "is inside the class folder"), "%s", r.err);
	rm_rf(root);
}

/* Processes of session sid still alive (a zombie counts: nobody reaped it). */
static int session_left(pid_t sid)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	cr_assert_not_null(d);
	while ((e = readdir(d))) {
		char path[300], buf[1024], *close_paren;
		int pgrp, session, ppid;
		char state;
		FILE *f;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f) && (close_paren = strrchr(buf, ')')) &&
		    sscanf(close_paren + 1, " %c %d %d %d", &state, &ppid, &pgrp, &session) == 4 &&
		    session == sid)
			n++;
		fclose(f);
	}
	closedir(d);
	return n;
}

Test(class, ctrl_c_stops_every_grading_and_leaves_nothing, .timeout = 120)
{
	static const struct sub two[] = {
		{ "amy", "ok-poll" }, { "zed", "waits-for-the-server" },
	};
	char root[] = "/tmp/tcplab-class-XXXXXX", class[64], out[64], prog[PATH_MAX * 2],
	     line[4096];
	int p[2], st;
	size_t used = 0;
	pid_t pid;
	DIR *d;
	struct dirent *e;

	cr_assert_not_null(mkdtemp(root));
	snprintf(class, sizeof(class), "%s/class", root);
	snprintf(out, sizeof(out), "%s/out", root);
	cr_assert_eq(mkdir(class, 0755), 0);
	for (size_t i = 0; i < 2; i++)
		add_sub(class, &two[i]);
	{
		char cwd[PATH_MAX];

		/* The child runs in TCPLAB_ROOT: a relative TCPLAB_BUILD is made absolute first. */
		cr_assert_not_null(getcwd(cwd, sizeof(cwd)));
		snprintf(prog, sizeof(prog), "%s%s%s/tcplab", test_build()[0] == '/' ? "" : cwd,
		         test_build()[0] == '/' ? "" : "/", test_build());
	}
	if (access(prog, X_OK) < 0)
		cr_skip_test("%s is not built", prog);
	line[0] = '\0';
	cr_assert_eq(pipe(p), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		/* A session of its own, as a terminal's job: the test finds all it left by it. */
		setsid();
		dup2(p[1], STDOUT_FILENO);
		close(p[0]);
		close(p[1]);
		if (chdir(test_root()) == 0)
			execl(prog, "tcplab", "grade", "1", "--class", class, "--out", out, "-j", "2",
			      "--seed", SEED, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	/* amy's line comes after about a second; zed's grading runs to its 5 s deadline. */
	while (!strstr(line, "\namy: ")) {
		ssize_t n = read(p[0], line + used, sizeof(line) - 1 - used);

		cr_assert_gt(n, 0, "tcplab ended before grading amy: %s", line);
		used += (size_t)n;
		line[used] = '\0';
	}
	cr_expect(!strstr(line, "zed: "), "zed already graded: %s", line);
	cr_assert_eq(kill(-pid, SIGINT), 0);     /* Ctrl-C: the whole foreground group */
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	close(p[0]);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 128 + SIGINT, "status %#x", st);
	cr_expect_eq(session_left(pid), 0, "processes of the grading are left");

	/* amy's reports stay, zed has none, and no temporary file is left. */
	d = opendir(out);
	cr_assert_not_null(d);
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		cr_expect(e->d_name[0] != '.', "a temporary file is left: %s", e->d_name);
		cr_expect(strncmp(e->d_name, "zed", 3), "zed has a report: %s", e->d_name);
		cr_expect(strncmp(e->d_name, "summary", 7), "a summary of a stopped run: %s",
		          e->d_name);
	}
	closedir(d);
	snprintf(line, sizeof(line), "%s/amy.state", out);
	cr_expect_eq(access(line, F_OK), 0, "amy's grade was lost");
	rm_rf(root);
}
