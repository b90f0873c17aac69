/* summary: run a lab variant for real from a test (see labtest.h). */
#include "tests/lib/labtest.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
