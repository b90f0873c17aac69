/* summary: verdicts that must hold with both CPUs busy, proven under a load this file makes itself (run alone). */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/lib/tcplab_run.h"

/*
 * tests/run.sh runs this file's tests one at a time and alone: the load they make is the
 * point, and it must not land on the tests of other files (test_grade runs four at once).
 */

/*
 * The spin verdicts hold with both CPUs kept busy (four loops on two cores): a spinning
 * client that got few turns on the CPU during the echo's 5-30 ms gaps still fails, a
 * correct one still passes. Under that load these seeds' spinners made only 14 and 91 idle
 * calls in one scenario, under the rate rule's 100 (a CI run graded msg-peek-spin 13/13
 * so); the run rule that catches them is proven in test_spin, this is the whole path.
 */
Test(busy, spinners_fail_and_correct_clients_pass_with_both_cpus_busy, .timeout = 400)
{
	static const struct { const char *dir, *seed; int status; } sub[] = {
		{ "msg-peek-spin", "8020", 1 }, { "eagain-spin", "39696", 1 },
		{ "ok-recv-loop", "8020", 0 }, { "ok-poll", "39696", 0 },
	};
	struct tcplab_result *r = malloc(sizeof(*r));
	pid_t burn[4];
	char dir[1024];

	cr_assert(r);
	for (int i = 0; i < 4; i++) {
		burn[i] = fork();
		cr_assert(burn[i] >= 0);
		if (burn[i] == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			for (volatile unsigned long n = 0;; n++)
				;
		}
	}
	for (size_t i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
		snprintf(dir, sizeof(dir), "%s/tests/exercises/01-handshake/%s", test_root(),
		         sub[i].dir);
		tcplab_run(r, (const char *[]){ "grade", "1", "--src", dir, "--seed", sub[i].seed,
		                                NULL });
		cr_expect_eq(r->status, sub[i].status, "%s (seed %s), CPUs busy: exit %d\n%s%s",
		             sub[i].dir, sub[i].seed, r->status, r->out, r->err);
		if (sub[i].status)
			cr_expect(strstr(r->out, "FAIL         the client waits instead of spinning"),
			          "%s (seed %s), CPUs busy:\n%s", sub[i].dir, sub[i].seed, r->out);
	}
	for (int i = 0; i < 4; i++) {
		kill(burn[i], SIGKILL);
		waitpid(burn[i], NULL, 0);
	}
	free(r);
}
