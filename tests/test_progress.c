/* summary: progress: kept per lab in the XDG state directory, best grade kept, never lost. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/progress.h"

static char dir[64];

static void fresh_state(void)
{
	strcpy(dir, "/tmp/tcplab-progress-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	setenv("XDG_STATE_HOME", dir, 1);
}

static void remove_state(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_expect_eq(system(cmd), 0);
}

TestSuite(progress, .init = fresh_state, .fini = remove_state);

Test(progress, nothing_recorded_is_not_started)
{
	struct progress p;
	char err[256];

	cr_assert_eq(progress_load(&p, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(p.n, 0);
	cr_expect_eq(progress_get(&p, 1).state, PROGRESS_NONE);
	cr_expect_str_eq(progress_state_str(PROGRESS_NONE), "not started");
}

Test(progress, demo_then_grades_keep_the_best_and_never_go_back)
{
	struct progress p;
	char err[256];

	cr_assert_eq(progress_demo_ran(2, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(progress_load(&p, err, sizeof(err)), 0);
	cr_expect_eq(progress_get(&p, 2).state, PROGRESS_DEMO);
	cr_expect_eq(progress_get(&p, 1).state, PROGRESS_NONE);

	cr_assert_eq(progress_graded(2, 3, 8, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(progress_graded(2, 1, 8, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(progress_load(&p, err, sizeof(err)), 0);
	cr_expect_eq(progress_get(&p, 2).state, PROGRESS_TRIED);
	cr_expect_eq(progress_get(&p, 2).best, 3, "the best grade stays");

	cr_assert_eq(progress_graded(2, 8, 8, err, sizeof(err)), 0);
	cr_assert_eq(progress_demo_ran(2, err, sizeof(err)), 0);
	cr_assert_eq(progress_graded(2, 0, 8, err, sizeof(err)), 0);
	cr_assert_eq(progress_load(&p, err, sizeof(err)), 0);
	cr_expect_eq(progress_get(&p, 2).state, PROGRESS_PASSED, "a pass is never taken back");
	cr_expect_eq(progress_get(&p, 2).best, 8);
	cr_expect_gt(progress_get(&p, 2).when, 0);
}

Test(progress, a_damaged_line_loses_only_itself)
{
	struct progress p;
	char err[256], path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/tcplab", dir);
	cr_assert_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/tcplab/progress", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("# comment\n1 passed 8 8 100\n2 bogus 1 2 3\ngarbage\n3 demo 0 0 5\n", f);
	fclose(f);
	cr_assert_eq(progress_load(&p, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(p.n, 2);
	cr_expect_eq(progress_get(&p, 1).state, PROGRESS_PASSED);
	cr_expect_eq(progress_get(&p, 3).state, PROGRESS_DEMO);
}

Test(progress, an_unwritable_state_directory_is_named)
{
	char err[256];

	/* Not even root can make a folder in /proc. */
	setenv("XDG_STATE_HOME", "/proc/tcplab-cannot-be-here", 1);
	cr_expect_lt(progress_demo_ran(1, err, sizeof(err)), 0);
	cr_expect(strstr(err, "cannot create '/proc/tcplab-cannot-be-here"), "%s", err);
}
