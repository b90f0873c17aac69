/* summary: the Korean Winsock guide keeps every table row, code span and number of the English one. */
#include <criterion/criterion.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/lib/tcplab_run.h"

/* The guide's text with every run of white space inside a code span made one space, so a
 * span wrapped differently in the translation still matches. */
static char *guide(const char *name)
{
	char path[1024], *text, *out, *o;
	bool in_code = false;

	snprintf(path, sizeof(path), "%s/docs/%s", test_root(), name);
	text = test_slurp(path);
	cr_assert_not_null(text, "cannot read '%s'", path);
	out = o = malloc(strlen(text) + 1);
	cr_assert_not_null(out);
	for (const char *p = text; *p; p++) {
		if (*p == '`')
			in_code = !in_code;
		if (in_code && isspace((unsigned char)*p)) {
			while (isspace((unsigned char)p[1]))
				p++;
			*o++ = ' ';
			continue;
		}
		*o++ = *p;
	}
	*o = '\0';
	free(text);
	return out;
}

static int table_rows(const char *text)
{
	int n = 0;

	for (const char *l = text; l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		n += *l == '|';
	return n;
}

Test(guides, the_korean_winsock_guide_matches_the_english_one)
{
	char *en = guide("winsock.md"), *ko = guide("winsock.ko.md");
	int spans = 0, numbers = 0;

	cr_expect_eq(table_rows(ko), table_rows(en), "table rows: %d in Korean, %d in English",
	             table_rows(ko), table_rows(en));
	/* Every code span: the names a student types are never translated. */
	for (const char *p = en; (p = strchr(p, '`')); ) {
		const char *end = strchr(p + 1, '`');
		char span[400];

		cr_assert_not_null(end);
		snprintf(span, sizeof(span), "%.*s", (int)(end - p + 1), p);
		cr_expect(strstr(ko, span), "the Korean guide lacks %s", span);
		spans++;
		p = end + 1;
	}
	/* Every number of three digits or more: error codes, errno values, timers. */
	for (const char *p = en; *p; p++) {
		char num[16];
		size_t n = 0;

		if (!isdigit((unsigned char)*p) || (p > en && isdigit((unsigned char)p[-1])))
			continue;
		while (isdigit((unsigned char)p[n]) && n < sizeof(num) - 1)
			n++;
		if (n < 3)
			continue;
		snprintf(num, sizeof(num), "%.*s", (int)n, p);
		cr_expect(strstr(ko, num), "the Korean guide lacks the number %s", num);
		numbers++;
	}
	cr_expect_gt(spans, 100);
	cr_expect_gt(numbers, 50);
	/* And it is Korean: the guide's own words are not left in English. */
	cr_expect(strstr(ko, "호환 헤더") && strstr(ko, "지연 확인응답(delayed ACK"), "not Korean");
	free(en);
	free(ko);
}
