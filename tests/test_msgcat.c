/* summary: the .mo reader: lookups, English for what it lacks, and every truncated or corrupted catalog refused. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/msgcat.h"

/* A .mo as msgfmt lays it out (header, msgid table, msgstr table, no hash table, then
 * the strings), for pairs sorted by msgid; its size in *size. Little-endian, or
 * big-endian when be. */
static unsigned char *mo_build(const char *const pairs[][2], size_t n, int be, size_t *size)
{
	size_t strings = 28 + 16 * n, total = strings, o;
	unsigned char *m;

	for (size_t i = 0; i < n; i++)
		total += strlen(pairs[i][0]) + 1 + strlen(pairs[i][1]) + 1;
	cr_assert_not_null(m = calloc(1, total));
#define PUT(off, v) do { uint32_t v_ = (uint32_t)(v); for (int b = 0; b < 4; b++) \
		m[(off) + (be ? 3 - b : b)] = (unsigned char)(v_ >> (8 * b)); } while (0)
	PUT(0, 0x950412deu);
	PUT(4, 0);
	PUT(8, n);
	PUT(12, 28);
	PUT(16, 28 + 8 * n);
	PUT(20, 0);
	PUT(24, 0);
	o = strings;
	for (size_t k = 0; k < 2; k++)
		for (size_t i = 0; i < n; i++) {
			size_t l = strlen(pairs[i][k]);

			PUT(28 + 8 * (k * n + i), l);
			PUT(28 + 8 * (k * n + i) + 4, o);
			memcpy(m + o, pairs[i][k], l + 1);
			o += l + 1;
		}
#undef PUT
	*size = total;
	return m;
}

static const char *const pairs[][2] = {
	{ "", "Content-Type: text/plain; charset=UTF-8\n" },
	{ "? every key  q back", "? 모든 키  q 뒤로" },
	{ "move up", "위로 이동" },
	{ "q back", "q 뒤로" },
	{ "untranslated", "" },
};
#define NPAIRS (sizeof pairs / sizeof pairs[0])

static char path[] = "/tmp/tcplab-test-msgcat-XXXXXX";

static void write_mo(const unsigned char *m, size_t size)
{
	FILE *f = fopen(path, "wb");

	cr_assert_not_null(f);
	cr_assert_eq(fwrite(m, 1, size, f), size);
	fclose(f);
}

static void setup(void)
{
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	close(fd);
}

static void teardown(void)
{
	unlink(path);
}

TestSuite(msgcat, .init = setup, .fini = teardown);

Test(msgcat, finds_each_translation_in_either_byte_order)
{
	for (int be = 0; be < 2; be++) {
		size_t size;
		unsigned char *m = mo_build(pairs, NPAIRS, be, &size);
		char err[256];
		struct msgcat *c;

		write_mo(m, size);
		cr_assert_not_null(c = msgcat_new(path, err, sizeof err), "%s", err);
		cr_expect_eq(msgcat_count(c), NPAIRS);
		cr_expect_str_eq(msgcat_get(c, "move up"), "위로 이동");
		cr_expect_str_eq(msgcat_get(c, "q back"), "q 뒤로");
		cr_expect_str_eq(msgcat_get(c, "? every key  q back"), "? 모든 키  q 뒤로");
		msgcat_free(c);
		free(m);
	}
}

Test(msgcat, english_is_the_fallback_for_what_it_lacks_or_leaves_empty)
{
	size_t size;
	unsigned char *m = mo_build(pairs, NPAIRS, 0, &size);
	char err[256];
	struct msgcat *c;
	const char *missing = "not in the catalog";

	write_mo(m, size);
	cr_assert_not_null(c = msgcat_new(path, err, sizeof err), "%s", err);
	cr_expect_eq(msgcat_get(c, missing), missing);
	cr_expect_str_eq(msgcat_get(c, "untranslated"), "untranslated");
	cr_expect_str_eq(msgcat_get(c, "aaa"), "aaa");          /* before the first */
	cr_expect_str_eq(msgcat_get(c, "zzz"), "zzz");          /* after the last */
	cr_expect_str_eq(msgcat_get(c, ""), "");                /* the header is no message */
	cr_expect_str_eq(msgcat_get(NULL, "move up"), "move up");
	msgcat_free(c);
	free(m);
}

Test(msgcat, a_catalog_cut_at_any_length_is_refused)
{
	size_t size;
	unsigned char *m = mo_build(pairs, NPAIRS, 0, &size);

	for (size_t len = 0; len < size; len++) {
		char err[256] = "";
		struct msgcat *c;

		write_mo(m, len);
		c = msgcat_new(path, err, sizeof err);
		cr_expect_null(c, "a catalog cut at %zu of %zu bytes was read", len, size);
		cr_expect(err[0], "no reason for refusing a catalog cut at %zu bytes", len);
		msgcat_free(c);
	}
	free(m);
}

Test(msgcat, offsets_outside_the_file_a_wrong_magic_and_unsorted_messages_are_refused)
{
	static const unsigned char bad_offset[] = { 0xf0, 0xff, 0xff, 0x7f };
	static const char *const unsorted[][2] = { { "b", "B" }, { "a", "A" } };
	size_t size;
	unsigned char *m = mo_build(pairs, NPAIRS, 0, &size);
	char err[256];

	memcpy(m + 28 + 8 * 2 + 4, bad_offset, 4);     /* msgid 2's offset */
	write_mo(m, size);
	cr_expect_null(msgcat_new(path, err, sizeof err));
	cr_expect(strstr(err, "outside"), "%s", err);
	free(m);

	m = mo_build(pairs, NPAIRS, 0, &size);
	m[0] ^= 0xff;
	write_mo(m, size);
	cr_expect_null(msgcat_new(path, err, sizeof err));
	cr_expect(strstr(err, "not a .mo catalog"), "%s", err);
	free(m);

	m = mo_build(unsorted, 2, 0, &size);
	write_mo(m, size);
	cr_expect_null(msgcat_new(path, err, sizeof err));
	cr_expect(strstr(err, "not sorted"), "%s", err);
	free(m);

	cr_expect_null(msgcat_new("/nonexistent/tcplab.mo", err, sizeof err));
	cr_expect(strstr(err, "cannot read '/nonexistent/tcplab.mo'"), "%s", err);
}

Test(msgcat, the_path_is_under_the_locale_folder_and_a_long_one_is_an_error)
{
	char out[128], err[256], dir[200];

	cr_assert_eq(msgcat_path("/b/locale", "ko", out, sizeof out, err, sizeof err), 0);
	cr_expect_str_eq(out, "/b/locale/ko/LC_MESSAGES/tcplab.mo");
	memset(dir, 'd', sizeof dir - 1);
	dir[sizeof dir - 1] = '\0';
	cr_expect_eq(msgcat_path(dir, "ko", out, sizeof out, err, sizeof err), -1);
	cr_expect(strstr(err, "too long"), "%s", err);
}
