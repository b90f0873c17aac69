/* summary: hostile submissions are graded with a verdict that names what they did, in bounded time, and leave nothing behind. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/lib/isorun.h"
#include "tests/lib/tcplab_run.h"

/*
 * Each tests/hostile/NAME/echo_client.c is graded as lab 1's client. want: what the
 * report must say (every '|'-separated part); lab 1's exercise has a 5 s deadline, so
 * every grade must end well within max_s however the program behaves.
 */
struct hostile {
	char name[32];
	char want[400];
	double max_s;
};

ParameterizedTestParameters(hostile, each_is_graded_with_a_clear_verdict_and_leaves_nothing)
{
	static struct hostile cases[] = {
		{ "cpu-loop", "FAIL         the programs ran to completion|was still running at the"
		  " run's deadline and was killed; it had used|(an endless loop?)", 12 },
		{ "fork-bomb", "could not fork: it had reached its process limit", 12 },
		{ "memory-hog", "ran out of memory (its limit is 512 MiB", 12 },
		{ "output-flood", "the client printed more than 1 MiB and was killed", 12 },
		{ "never-connects", "was still running at the run's deadline|(was it waiting for"
		  " something that never came?)", 12 },
		{ "recv-forever", "was still running at the run's deadline|(was it waiting for"
		  " something that never came?)", 12 },
		{ "escape-network", "10.0.0.1: Network is unreachable; 8.8.8.8: Network is"
		  " unreachable", 12 },
		{ "write-outside", "/tmp/tcplab-hostile-pwned: Read-only file system|"
		  "tcplab-hostile-pwned: Read-only file system; in-cwd: WRITTEN", 12 },
		{ "closes-stdout", "the client printed nothing", 12 },
		{ "segfault", "the client was killed by signal 11 (Segmentation fault)", 12 },
		{ "ignores-sigterm", "was still running at the run's deadline and was killed", 12 },
		{ "snoop", "uid 65534 caps 0000000000000000; solution No such file or directory;"
		  " expect No such file or directory; lab-client No such file or directory", 12 },
	};

	return cr_make_param_array(struct hostile, cases, sizeof(cases) / sizeof(cases[0]));
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

ParameterizedTest(struct hostile *h, hostile, each_is_graded_with_a_clear_verdict_and_leaves_nothing,
                  .timeout = 60)
{
	char src[700], want[400], *part, *save;
	struct isorun r;
	double t0, took;
	int status;

	snprintf(src, sizeof(src), "%s/tests/hostile/%s", test_root(), h->name);
	t0 = now_s();
	isorun_start(&r, (const char *[]){ "grade", "1", "--src", src, NULL });
	status = isorun_finish(&r);
	took = now_s() - t0;
	cr_expect_eq(status, 1, "%s: exit %d (a failed grade is 1)\n%s", h->name, status, r.buf);
	cr_expect(strstr(r.buf, "grading lab 1"), "%s: no report\n%s", h->name, r.buf);
	snprintf(want, sizeof(want), "%s", h->want);
	for (part = strtok_r(want, "|", &save); part; part = strtok_r(NULL, "|", &save))
		cr_expect(strstr(r.buf, part), "%s: the report does not say '%s':\n%s", h->name,
		          part, r.buf);
	cr_expect_lt(took, h->max_s, "%s: grading took %.1f s", h->name, took);
	cr_log_info("%s: %.1f s", h->name, took);
	isorun_assert_clean(&r, 2000);
	if (!strcmp(h->name, "write-outside")) {
		char home[600];

		snprintf(home, sizeof(home), "%s/tcplab-hostile-pwned", getenv("HOME") ? getenv("HOME") :
		         "/root");
		cr_expect_neq(access(home, F_OK), 0, "the program wrote '%s'", home);
		snprintf(home, sizeof(home), "%s/tcplab-hostile-pwned", test_root());
		cr_expect_neq(access(home, F_OK), 0, "the program wrote '%s'", home);
	}
	isorun_release(&r);
}

/* The namespace check is only worth something if it sees a namespace while it lives. */
Test(hostile, the_namespace_scan_sees_a_live_namespace, .timeout = 10)
{
	char self[64];
	unsigned long ino;
	ssize_t n = readlink("/proc/self/ns/net", self, sizeof(self) - 1);

	if (geteuid() != 0)
		cr_skip_test("needs root to see every process's namespaces");
	cr_assert_gt(n, 0);
	self[n] = '\0';
	cr_assert_eq(sscanf(self, "net:[%lu]", &ino), 1);
	cr_expect(isorun_netns_in_use(ino));
}
