/* summary: textcols: text measured, fitted, cut and wrapped in terminal columns, Hangul two columns a syllable. */
#include <criterion/criterion.h>
#include <locale.h>
#include <string.h>

#include "util/textcols.h"
#include "util/textesc.h"

/* Widths come from the locale, as on the TUI: C.UTF-8 ships with glibc. */
static void utf8_locale(void)
{
	if (!setlocale(LC_ALL, "C.UTF-8"))
		cr_skip_test("the C.UTF-8 locale is not available ('locale -a')");
}

TestSuite(textcols, .init = utf8_locale);

static int width(const char *s)
{
	return textcols_width(s, strlen(s), 0);
}

/* "연결" is two syllables of three bytes each. */
#define YEON "\xec\x97\xb0"
#define GYEOL "\xea\xb2\xb0"
#define E_ACUTE_COMBINING "e\xcc\x81"   /* e + U+0301 */

Test(textcols, hangul_is_two_columns_a_syllable)
{
	cr_expect_eq(width(YEON GYEOL), 4);
	cr_expect_eq(width("SYN" YEON), 5);
	cr_expect_eq(width("\xe2\x80\x98main\xe2\x80\x99"), 6, "gcc's quotes are one column each");
}

Test(textcols, a_combining_mark_takes_no_column)
{
	cr_expect_eq(width(E_ACUTE_COMBINING), 1);
	cr_expect_eq(width("caf" E_ACUTE_COMBINING "!"), 5);
}

Test(textcols, invalid_bytes_take_the_columns_of_their_escape)
{
	cr_expect_eq(width("a\xff" "b"), 6, "\\xff is four columns");
	cr_expect_eq(width("\xea\xb2"), 8, "a cut syllable is two escaped bytes");
	cr_expect_eq(width("\x1b[2J"), 5, "\\e[2J");
}

Test(textcols, ascii_mode_counts_a_character_as_its_one_mark)
{
	const char *s = YEON GYEOL "x";

	cr_expect_eq(textcols_width(s, strlen(s), TEXTESC_ASCII), 3);
	cr_expect_eq(textcols_width("\xff", 1, TEXTESC_ASCII), 4);
}

Test(textcols, fit_never_splits_a_double_width_character)
{
	const char *s = "a" YEON GYEOL;        /* 1 + 2 + 2 columns */
	int cols;

	cr_expect_eq(textcols_fit(s, strlen(s), 0, 4, &cols), 4, "a and one syllable");
	cr_expect_eq(cols, 3, "the second syllable would straddle column 4");
	cr_expect_eq(textcols_fit(s, strlen(s), 0, 5, &cols), 7);
	cr_expect_eq(cols, 5);
	cr_expect_eq(textcols_fit(YEON, 3, 0, 1, &cols), 0);
}

Test(textcols, fit_keeps_a_combining_mark_with_its_character)
{
	const char *s = "ab" E_ACUTE_COMBINING "cd";
	int cols;

	cr_expect_eq(textcols_fit(s, strlen(s), 0, 3, &cols), 5, "e and its accent together");
	cr_expect_eq(cols, 3);
}

Test(textcols, fit_never_splits_an_escape)
{
	const char *s = "ab\xff" "c";
	int cols;

	cr_expect_eq(textcols_fit(s, strlen(s), 0, 5, &cols), 2, "\\xff needs four more columns");
	cr_expect_eq(cols, 2);
}

/* 연결 설정: 클라이언트가 SYN을 보냅니다 */
#define KO "\xec\x97\xb0\xea\xb2\xb0 \xec\x84\xa4\xec\xa0\x95: " \
	"\xed\x81\xb4\xeb\x9d\xbc\xec\x9d\xb4\xec\x96\xb8\xed\x8a\xb8\xea\xb0\x80 SYN\xec\x9d\x84 " \
	"\xeb\xb3\xb4\xeb\x83\x85\xeb\x8b\x88\xeb\x8b\xa4"

Test(textcols, cut_keeps_whole_korean_words_before_the_ellipsis)
{
	/* "연결 설정: 클라이언트가" is 4+1+5+1+12 = 23 columns */
	size_t cut = textcols_cut(KO, strlen(KO), 0, 26, 1);

	cr_expect_eq(cut, strlen("\xec\x97\xb0\xea\xb2\xb0 \xec\x84\xa4\xec\xa0\x95: "
	                         "\xed\x81\xb4\xeb\x9d\xbc\xec\x9d\xb4\xec\x96\xb8\xed\x8a\xb8\xea\xb0\x80"),
	             "cut after the third word, got %zu bytes", cut);
	cr_expect_eq(textcols_width(KO, cut, 0), 23);
}

Test(textcols, cut_of_one_long_word_stops_at_a_character)
{
	const char *s = YEON GYEOL YEON GYEOL;  /* one word, 8 columns */
	size_t cut = textcols_cut(s, strlen(s), 0, 6, 1);

	cr_expect_eq(cut, 6, "two syllables (4 columns) and the ellipsis; the third would need 7");
}

Test(textcols, wrap_breaks_korean_at_blanks_within_the_columns)
{
	const char *start[8];
	int len[8];
	size_t n = textcols_wrap(KO, 12, 0, start, len, 8);

	cr_assert_eq(n, 4);
	/* "연결 설정:" (10 columns), "클라이언트가" (12), "SYN을" (5)... */
	cr_expect_eq(textcols_width(start[0], (size_t)len[0], 0), 10);
	cr_expect_eq(textcols_width(start[1], (size_t)len[1], 0), 12);
	cr_expect(!strncmp(start[2], "SYN", 3));
	for (size_t i = 0; i < n; i++)
		cr_expect_leq(textcols_width(start[i], (size_t)len[i], 0), 12, "line %zu", i);
}

Test(textcols, wrap_mid_word_never_splits_a_syllable)
{
	const char *s = "x" YEON GYEOL YEON GYEOL YEON GYEOL YEON GYEOL;   /* 17 columns */
	const char *start[4];
	int len[4];
	size_t n = textcols_wrap(s, 8, 0, start, len, 4);

	cr_assert_eq(n, 3);
	cr_expect_eq(len[0], 1 + 3 * 3, "x and three syllables (7 columns): a fourth would be 9");
	cr_expect_eq(len[1], 4 * 3);
	cr_expect_eq(len[2], 3);
}

Test(textcols, wrap_in_ascii_mode_is_the_byte_wrap_for_ascii_text)
{
	const char *s = "the quick brown fox jumps over the lazy dog";
	const char *start[8];
	int len[8];
	size_t n = textcols_wrap(s, 10, TEXTESC_ASCII, start, len, 8);

	cr_assert_eq(n, 5);
	cr_expect(!strncmp(start[0], "the quick", (size_t)len[0]) && len[0] == 9);
	cr_expect(!strncmp(start[4], "dog", (size_t)len[4]) && len[4] == 3);
}

/* A label of ours, measured without the locale (the command line never sets one). */
Test(textcols, a_label_counts_hangul_as_two_columns_whatever_the_locale)
{
	setlocale(LC_ALL, "C");
	cr_expect_eq(textcols_label("PASS"), 4);
	cr_expect_eq(textcols_label("판정 불가"), 9);
	cr_expect_eq(textcols_label("통과"), 4);
	cr_expect_eq(textcols_label("é"), 1);
	cr_expect_eq(textcols_label(""), 0);
}
