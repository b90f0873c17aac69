/* summary: run a lab variant for real from a test (see labtest.h). */
#include "tests/lib/labtest.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void labtest_skip_if_stalled(const struct tcplab_result *r, int lab, const char *variant,
                             const char *pcap)
{
	const char *why = strstr(r->out, "but the machine stalled during this run (");
	const char *held = strstr(r->out, "by the machine with its data already there");
	const char *end;

	/* tcplab already ran it 3 times; every one was held up by the machine, not by TCP. */
	if (r->status == 0 || (!why && !held))
		return;
	if (!why) {
		if (pcap)
			unlink(pcap);
		cr_skip_test("lab %d %s: in each of 3 runs a program was held up by the busy machine"
		             " and its peer resent a segment meanwhile", lab, variant);
	}
	why += strlen("but the machine stalled during this run (");
	end = strstr(why, "), so a timing");
	if (pcap)
		unlink(pcap);
	cr_skip_test("lab %d %s: the machine was too busy to judge its timings in any of 3 runs"
	             " (%.*s)", lab, variant, end ? (int)(end - why) : 80, why);
}

void labtest_run(struct tcplab_result *r, int lab, const char *variant, char *pcap, size_t len)
{
	char n[16];
	int fd;

	if (geteuid() != 0)
		cr_skip_test("running a lab inside the test needs root (lab 1's test covers the"
		             " unprivileged path)");
	snprintf(pcap, len, "/tmp/tcplab-lab%d-XXXXXX", lab);
	fd = mkstemp(pcap);
	cr_assert_geq(fd, 0, "cannot make a temporary file in /tmp");
	close(fd);
	snprintf(n, sizeof(n), "%d", lab);
	tcplab_run(r, (const char *[]){ "run", n, "--variant", variant, "--pcap", pcap, NULL });
	labtest_skip_if_stalled(r, lab, variant, pcap);
	cr_expect_eq(r->status, 0, "lab %d %s: exit %d\n%s%s", lab, variant, r->status, r->out,
	             r->err);
}

void labtest_all_passed(const char *out, int min_checks)
{
	const char *line = strstr(out, " checks passed");
	int passed = -1, total = -2;

	cr_assert_not_null(line, "no summary line in:\n%s", out);
	while (line > out && line[-1] != '\n')
		line--;
	cr_assert_eq(sscanf(line, "%d of %d", &passed, &total), 2);
	cr_expect_eq(passed, total, "%s", out);
	cr_expect_geq(total, min_checks, "%s", out);
	cr_expect_null(strstr(out, "FAIL"), "%s", out);
}
