/* summary: tests of the zip writer: CRC-32, names that would unpack outside, the same bytes each time. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/zipwrite.h"

Test(zipwrite, crc32_is_the_standard_check_value)
{
	/* The CRC-32 catalogue's check: "123456789" -> 0xCBF43926. */
	cr_expect_eq(zipwrite_crc32("123456789", 9), 0xcbf43926u);
	cr_expect_eq(zipwrite_crc32("", 0), 0);
}

/* One archive of two files, in memory. */
static char *archive(size_t *len)
{
	struct zipwrite z;
	char err[256], *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	cr_assert_not_null(f);
	zipwrite_init(&z, f);
	cr_assert_eq(zipwrite_add(&z, "run_autograder", "#!/bin/sh\n", 10, 1, err, sizeof(err)), 0,
	             "%s", err);
	cr_assert_eq(zipwrite_add(&z, "tcplab/labs/README.md", "x", 1, 0, err, sizeof(err)), 0,
	             "%s", err);
	cr_assert_eq(zipwrite_finish(&z, err, sizeof(err)), 0, "%s", err);
	zipwrite_release(&z);
	cr_assert_eq(fclose(f), 0);
	return buf;
}

Test(zipwrite, the_end_record_counts_the_entries_and_points_at_the_directory)
{
	size_t len;
	unsigned char *b = (unsigned char *)archive(&len);
	const unsigned char *end = b + len - 22;
	unsigned cd;

	cr_assert_gt(len, 22u);
	cr_expect_eq(memcmp(b, "PK\3\4", 4), 0);
	cr_expect_eq(memcmp(end, "PK\5\6", 4), 0);
	cr_expect_eq(end[8] | end[9] << 8, 2);
	cd = end[16] | end[17] << 8 | (unsigned)end[18] << 16 | (unsigned)end[19] << 24;
	cr_assert_lt(cd, len);
	cr_expect_eq(memcmp(b + cd, "PK\1\2", 4), 0);
	/* The first entry's Unix mode: a regular file, 0755. */
	cr_expect_eq((b[cd + 40] | b[cd + 41] << 8), 0100755);
	free(b);
}

Test(zipwrite, the_same_files_make_the_same_bytes)
{
	size_t l1, l2;
	char *a = archive(&l1), *b = archive(&l2);

	cr_assert_eq(l1, l2);
	cr_expect_eq(memcmp(a, b, l1), 0, "no timestamp or other varying field");
	free(a);
	free(b);
}

struct badname {
	char name[32];
};

ParameterizedTestParameters(zipwrite, a_name_that_would_unpack_outside_is_refused)
{
	static struct badname names[] = {
		{ "" }, { "/etc/passwd" }, { "../x" }, { "a/../../x" }, { "a/.." }, { "./a" },
		{ "a//b" }, { "a\\..\\b" }, { "dir/" },
	};

	return cr_make_param_array(struct badname, names, sizeof(names) / sizeof(names[0]));
}

ParameterizedTest(struct badname *n, zipwrite, a_name_that_would_unpack_outside_is_refused)
{
	struct zipwrite z;
	char err[256], *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	zipwrite_init(&z, f);
	cr_expect_eq(zipwrite_add(&z, n->name, "x", 1, 0, err, sizeof(err)), -1, "'%s'", n->name);
	cr_expect(strstr(err, "not a plain relative path"), "%s", err);
	cr_expect_eq(z.n, 0u);
	zipwrite_release(&z);
	fclose(f);
	cr_expect_eq(len, 0u, "nothing written for '%s'", n->name);
	free(buf);
}
