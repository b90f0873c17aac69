/* summary: progress: kept per lab in the XDG state directory, every attempt counted, the best never lost. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/grade.h"
#include "engine/progress.h"

static char dir[64];
static struct progress p;       /* 150 KiB: not for the stack of a test's thread */

/* A fresh state directory, and a fresh tree root for tcplab.conf (none: keep = last). */
static void fresh_state(void)
{
	strcpy(dir, "/tmp/tcplab-progress-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	setenv("XDG_STATE_HOME", dir, 1);
	setenv("TCPLAB_ROOT", dir, 1);
}

static void remove_state(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_expect_eq(system(cmd), 0);
}

TestSuite(progress, .init = fresh_state, .fini = remove_state);

static void write_file(const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	cr_assert_not_null(f, "%s", path);
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

static void old_progress_file(const char *text)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/tcplab", dir);
	cr_assert_eq(mkdir(path, 0700), 0);
	write_file("tcplab/progress", text);
}

static int record(int lab, double score, double max, enum progress_verdict v, uint64_t seed)
{
	struct progress_attempt a = { .score = score, .max = max, .verdict = v, .seed = seed };
	char err[256];

	cr_assert_eq(progress_record(lab, &a, err, sizeof(err)), 0, "%s", err);
	return a.number;
}

static const struct progress_lab *reload(int lab)
{
	char err[256];

	cr_assert_eq(progress_load(&p, err, sizeof(err)), 0, "%s", err);
	return progress_get(&p, lab);
}

Test(progress, nothing_recorded_is_not_started)
{
	char err[256], sum[64];

	cr_assert_eq(progress_load(&p, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(p.n, 0);
	cr_expect_eq(progress_get(&p, 1)->state, PROGRESS_NONE);
	cr_expect_null(progress_last(progress_get(&p, 1)));
	progress_summary(progress_get(&p, 1), sum, sizeof(sum));
	cr_expect_str_eq(sum, "");
	cr_expect_str_eq(progress_state_str(PROGRESS_NONE), "not started");
}

Test(progress, attempts_are_numbered_and_kept_in_order_with_their_facts)
{
	const struct progress_lab *l;

	cr_expect_eq(record(2, 3, 8, PROGRESS_FAIL, 0), 1);
	cr_expect_eq(record(2, 5, 8, PROGRESS_INCONCLUSIVE, 42), 2);
	cr_expect_eq(record(2, 8, 8, PROGRESS_PASS, UINT64_MAX), 3);
	cr_expect_eq(record(3, 1, 4, PROGRESS_FAIL, 0), 1, "each lab counts its own");
	l = reload(2);
	cr_assert_eq(l->nattempt, 3);
	cr_expect_eq(l->attempts, 3);
	for (int i = 0; i < 3; i++)
		cr_expect_eq(l->attempt[i].number, i + 1);
	cr_expect_eq(l->attempt[0].score, 3);
	cr_expect_eq(l->attempt[1].verdict, PROGRESS_INCONCLUSIVE);
	cr_expect_eq(l->attempt[1].seed, 42);
	cr_expect_eq(l->attempt[2].seed, UINT64_MAX, "the seed is all 64 bits");
	cr_expect_eq(l->attempt[2].max, 8);
	cr_expect_gt(l->attempt[2].when, 0);
	cr_expect_eq(progress_last(l)->number, 3);
}

/* Grades at once (two terminals, a class with -j) lose no attempt: each is numbered once. */
Test(progress, attempts_recorded_at_once_by_several_processes_are_all_kept, .timeout = 60)
{
	enum { PROCS = 6, EACH = 8 };
	const struct progress_lab *l;
	bool seen[PROCS * EACH + 1] = { false };
	pid_t pid[PROCS];

	for (int i = 0; i < PROCS; i++) {
		pid[i] = fork();
		cr_assert_geq(pid[i], 0);
		if (pid[i] == 0) {
			for (int k = 0; k < EACH; k++) {
				struct progress_attempt a = { .score = 1, .max = 2,
				                              .verdict = PROGRESS_FAIL, .seed = 1 };
				char err[256];

				if (progress_record(4, &a, err, sizeof(err)) < 0)
					_exit(1);
			}
			_exit(0);
		}
	}
	for (int i = 0; i < PROCS; i++) {
		int st;

		cr_assert_eq(waitpid(pid[i], &st, 0), pid[i]);
		cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	l = reload(4);
	cr_assert_not_null(l);
	cr_expect_eq(l->attempts, PROCS * EACH, "%d attempts counted of %d", l->attempts,
	             PROCS * EACH);
	cr_assert_eq(l->nattempt, PROCS * EACH);
	for (size_t i = 0; i < l->nattempt; i++) {
		int n = l->attempt[i].number;

		cr_expect(n >= 1 && n <= PROCS * EACH && !seen[n], "attempt number %d twice", n);
		if (n >= 1 && n <= PROCS * EACH)
			seen[n] = true;
	}
}

Test(progress, only_the_last_fifty_attempts_are_kept_and_the_best_is_never_lost)
{
	const struct progress_lab *l;

	record(1, 10, 10, PROGRESS_PASS, 7);            /* the best, then 54 worse ones */
	for (int i = 2; i <= 55; i++)
		record(1, i % 10, 10, PROGRESS_FAIL, (uint64_t)i);
	l = reload(1);
	cr_assert_eq(l->nattempt, PROGRESS_MAX_ATTEMPTS);
	cr_expect_eq(l->attempts, 55);
	cr_expect_eq(l->attempt[0].number, 6, "the oldest went first");
	cr_expect_eq(l->attempt[0].seed, 6);
	cr_expect_eq(progress_last(l)->number, 55);
	for (size_t i = 1; i < l->nattempt; i++)
		cr_expect_eq(l->attempt[i].number, l->attempt[i - 1].number + 1);
	cr_expect_eq(l->best, 10);
	cr_expect_eq(l->best_attempt, 1, "the best outlives the cap");
}

Test(progress, the_state_follows_the_last_attempt_by_default)
{
	char sum[80];

	record(1, 4, 10, PROGRESS_FAIL, 0);
	record(1, 8, 10, PROGRESS_FAIL, 0);
	record(1, 10, 10, PROGRESS_PASS, 0);
	cr_expect_eq(reload(1)->state, PROGRESS_PASSED);
	record(1, 9, 10, PROGRESS_FAIL, 0);
	record(1, 6, 10, PROGRESS_FAIL, 0);
	cr_expect_eq(reload(1)->state, PROGRESS_TRIED, "a later failing attempt counts");
	progress_summary(progress_get(&p, 1), sum, sizeof(sum));
	cr_expect_str_eq(sum, "last 6/10, best 10/10 (attempt 3 of 5)");
	cr_expect_eq(p.keep, PROGRESS_KEEP_LAST);
}

Test(progress, keep_best_in_tcplab_conf_keeps_a_pass)
{
	record(1, 10, 10, PROGRESS_PASS, 0);
	record(1, 6, 10, PROGRESS_FAIL, 0);
	write_file("tcplab.conf", "# the instructor's choice\nother = x\n  keep = best  # once passed\n");
	cr_expect_eq(reload(1)->state, PROGRESS_PASSED);
	cr_expect_eq(p.keep, PROGRESS_KEEP_BEST);
	write_file("tcplab.conf", "keep = last\n");
	cr_expect_eq(reload(1)->state, PROGRESS_TRIED, "the policy is read each time");
}

Test(progress, a_bad_keep_value_is_named_and_progress_is_still_saved)
{
	char err[256];
	enum progress_keep keep;

	write_file("tcplab.conf", "\nkeep = first\n");
	cr_expect_eq(progress_keep_load(dir, &keep, err, sizeof(err)), -1);
	cr_expect(strstr(err, "tcplab.conf line 2: keep is 'first'; it must be 'last' or 'best'"),
	          "%s", err);
	cr_expect_eq(keep, PROGRESS_KEEP_LAST);
	cr_expect_lt(progress_load(&p, err, sizeof(err)), 0, "a misconfigured tree is not hidden");
	record(1, 2, 4, PROGRESS_FAIL, 0);      /* asserts success inside */
	write_file("tcplab.conf", "keep = last\n");
	cr_expect_eq(reload(1)->attempts, 1);
}

Test(progress, an_old_progress_file_reads_as_it_did_and_grows_attempts)
{
	const struct progress_lab *l;
	char sum[80];

	old_progress_file("# tcplab progress: lab state best max when\n"
	                  "1 passed 8 8 100\n2 tried 3 8 200\n3 demo 0 0 300\n");
	l = reload(1);
	cr_expect_eq(l->state, PROGRESS_PASSED);
	cr_expect_eq(l->best, 8);
	cr_expect_eq(l->when, 100);
	cr_expect_eq(l->nattempt, 0);
	progress_summary(l, sum, sizeof(sum));
	cr_expect_str_eq(sum, "best 8/8", "no attempt number is made up");
	cr_expect_eq(progress_get(&p, 2)->state, PROGRESS_TRIED);
	cr_expect_eq(progress_get(&p, 3)->state, PROGRESS_DEMO);

	/* The first attempt recorded after: the old best stays, the state follows it. */
	cr_expect_eq(record(1, 5, 8, PROGRESS_FAIL, 0), 1);
	l = reload(1);
	cr_expect_eq(l->state, PROGRESS_TRIED);
	cr_expect_eq(l->best, 8);
	progress_summary(l, sum, sizeof(sum));
	cr_expect_str_eq(sum, "last 5/8, best 8/8");
	cr_expect_eq(progress_get(&p, 3)->state, PROGRESS_DEMO, "other labs are untouched");
}

Test(progress, a_demo_never_lowers_a_graded_lab)
{
	char err[256];

	cr_assert_eq(progress_demo_ran(2, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(reload(2)->state, PROGRESS_DEMO);
	cr_expect_eq(progress_get(&p, 1)->state, PROGRESS_NONE);
	record(2, 8, 8, PROGRESS_PASS, 0);
	cr_assert_eq(progress_demo_ran(2, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(reload(2)->state, PROGRESS_PASSED);
	cr_expect_eq(progress_get(&p, 2)->nattempt, 1, "a demo is no attempt");
}

Test(progress, a_grade_is_recorded_with_its_verdict_and_number)
{
	struct grade_check c[3] = {
		{ .name = "a", .verdict = EXPECT_PASS, .score = 1, .max = 1 },
		{ .name = "b", .verdict = EXPECT_INCONCLUSIVE, .max = 1 },
		{ .name = "capture", .verdict = EXPECT_PASS, .max = 0 },
	};
	struct grade_result *g = calloc(1, sizeof(*g));
	char err[256];

	cr_assert_not_null(g);
	g->lab = 4;
	g->outcome = GRADE_RAN;
	g->check = c;
	g->ncheck = 3;
	g->score = 1;
	g->max = 2;
	g->seed = 99;
	cr_assert_eq(progress_graded(g, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(g->attempt, 1);
	c[1].verdict = EXPECT_FAIL;
	cr_assert_eq(progress_graded(g, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(g->attempt, 2);
	c[1].verdict = EXPECT_PASS;
	g->score = 2;
	cr_assert_eq(progress_graded(g, err, sizeof(err)), 0, "%s", err);
	const struct progress_lab *l = reload(4);
	cr_assert_eq(l->nattempt, 3);
	cr_expect_eq(l->attempt[0].verdict, PROGRESS_INCONCLUSIVE);
	cr_expect_eq(l->attempt[0].seed, 99);
	cr_expect_eq(l->attempt[1].verdict, PROGRESS_FAIL);
	cr_expect_eq(l->attempt[2].verdict, PROGRESS_PASS);
	cr_expect_eq(l->state, PROGRESS_PASSED);
	free(g);
}

Test(progress, a_damaged_line_loses_only_itself)
{
	old_progress_file("# comment\n1 passed 8 8 100\n2 bogus 1 2 3\ngarbage\n3 demo 0 0 5\n"
	                  "attempt 1 1 4 8 fail 0 150\nattempt 1 x 4 8 fail 0 150\n"
	                  "attempt 1 2 4 8 maybe 0 150\nattempt 9 1 4 8 fail 0 150\n");
	cr_expect_eq(reload(1)->state, PROGRESS_TRIED, "its one good attempt failed");
	cr_expect_eq(p.n, 2);
	cr_expect_eq(progress_get(&p, 1)->nattempt, 1);
	cr_expect_eq(progress_get(&p, 3)->state, PROGRESS_DEMO);
}

Test(progress, an_unwritable_state_directory_is_named)
{
	char err[256];

	/* Not even root can make a folder in /proc. */
	setenv("XDG_STATE_HOME", "/proc/tcplab-cannot-be-here", 1);
	cr_expect_lt(progress_demo_ran(1, err, sizeof(err)), 0);
	cr_expect(strstr(err, "cannot create '/proc/tcplab-cannot-be-here"), "%s", err);
}
