/* summary: textesc: a student's output cannot drive the terminal it is shown on. */
#include <criterion/criterion.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/textesc.h"

static const char *esc(const char *s, size_t len, unsigned flags)
{
	static char buf[512];

	textesc(buf, sizeof buf, s, len, flags);
	return buf;
}

#define ESC(s, flags) esc(s, sizeof(s) - 1, flags)

Test(textesc, a_fake_score_repaint_shows_as_text)
{
	/* Clear the screen, home the cursor, print a score in green. */
	cr_expect_str_eq(ESC("\x1b[2J\x1b[H\x1b[32mscore: 10/10\x1b[0m", 0),
	                 "\\e[2J\\e[H\\e[32mscore: 10/10\\e[0m");
}

Test(textesc, other_controls_and_del_are_hex)
{
	cr_expect_str_eq(ESC("a\rb\bc\x07\x7f\x01", 0), "a\\x0db\\x08c\\x07\\x7f\\x01");
	cr_expect_str_eq(esc("a\0b", 3, 0), "a\\x00b", "a NUL inside the length is shown");
}

Test(textesc, newline_is_a_break_only_in_multi_line_text)
{
	cr_expect_str_eq(ESC("one\ntwo", 0), "one\\x0atwo");
	cr_expect_str_eq(ESC("one\ntwo\n", TEXTESC_LINES), "one\ntwo\n");
}

Test(textesc, tabs_become_spaces_to_the_next_stop)
{
	cr_expect_str_eq(ESC("\tx", 0), "        x");
	cr_expect_str_eq(ESC("abc\tx", 0), "abc     x");
	cr_expect_str_eq(ESC("abc\n\tx", TEXTESC_LINES), "abc\n        x",
	                 "a new line starts a new row of tab stops");
}

Test(textesc, c1_csi_and_invalid_utf8_are_hex)
{
	/* 0x9b alone is the 8-bit CSI; U+009B in UTF-8 is obeyed by some terminals too. */
	cr_expect_str_eq(ESC("\x9b" "2J", 0), "\\x9b2J");
	cr_expect_str_eq(ESC("\xc2\x9b" "2J", 0), "\\xc2\\x9b2J");
	cr_expect_str_eq(ESC("\xc0\xaf", 0), "\\xc0\\xaf", "an overlong '/'");
	cr_expect_str_eq(ESC("\xed\xa0\x80", 0), "\\xed\\xa0\\x80", "a surrogate");
	cr_expect_str_eq(ESC("\xe2\x80", 0), "\\xe2\\x80", "cut short at the end");
	cr_expect_str_eq(ESC("\xff", 0), "\\xff");
}

Test(textesc, bidi_overrides_are_hex_other_utf8_is_kept)
{
	cr_expect_str_eq(ESC("a\xe2\x80\xae" "b", 0), "a\\xe2\\x80\\xaeb", "U+202E RLO");
	cr_expect_str_eq(ESC("\xe2\x81\xa6", 0), "\\xe2\\x81\\xa6", "U+2066 LRI");
	cr_expect_str_eq(ESC("caf\xc3\xa9 \xe2\x80\x98x\xe2\x80\x99 \xf0\x9f\x98\x80", 0),
	                 "caf\xc3\xa9 \xe2\x80\x98x\xe2\x80\x99 \xf0\x9f\x98\x80");
}

Test(textesc, ascii_mode_shows_one_mark_per_character)
{
	cr_expect_str_eq(ESC("caf\xc3\xa9 \xf0\x9f\x98\x80!", TEXTESC_ASCII), "caf? ?!");
	cr_expect_str_eq(ESC("\x1b[1m\xff", TEXTESC_ASCII), "\\e[1m\\xff");
}

Test(textesc, a_small_buffer_never_cuts_an_escape)
{
	char buf[6];
	size_t need = textesc(buf, sizeof buf, "ab\x1b\x1b", 4, 0);

	cr_expect_eq(need, 6, "the whole text needs 6 bytes");
	cr_expect_str_eq(buf, "ab\\e", "the second \\e does not fit whole");
	cr_expect_eq(textesc(buf, 0, "x", 1, 0), 1, "an empty buffer is left alone");
}

Test(textesc, the_stream_form_matches_the_buffer_form)
{
	const char *s = "ok \x1b]0;title\x07 \xc3\xa9\n\tend";
	char *mem = NULL, buf[256];
	size_t memlen = 0;
	FILE *f = open_memstream(&mem, &memlen);

	cr_assert_not_null(f);
	textesc_fputs(f, s, TEXTESC_LINES);
	fclose(f);
	textesc(buf, sizeof buf, s, strlen(s), TEXTESC_LINES);
	cr_expect_str_eq(mem, buf);
	cr_expect_str_eq(buf, "ok \\e]0;title\\x07 \xc3\xa9\n        end");
	free(mem);
}

/* A tab's stop counts columns: a Hangul syllable takes two (in a UTF-8 locale). */
Test(textesc, tab_stops_count_a_wide_character_as_two_columns)
{
	if (!setlocale(LC_ALL, "C.UTF-8"))
		cr_skip_test("the C.UTF-8 locale is not available ('locale -a')");
	cr_expect_str_eq(ESC("\xec\x97\xb0\tx", 0), "\xec\x97\xb0      x");
}

Test(textesc, next_unit_says_bytes_columns_and_character)
{
	struct textesc_unit u;

	if (!setlocale(LC_ALL, "C.UTF-8"))
		cr_skip_test("the C.UTF-8 locale is not available ('locale -a')");
	cr_expect_eq(textesc_next("\xec\x97\xb0", 3, 0, 0, &u), 3);
	cr_expect(u.cols == 2 && u.wc == 0xc5f0, "U+C5F0, two columns: %d %x", u.cols, (unsigned)u.wc);
	cr_expect_eq(textesc_next("\xec\x97\xb0", 3, TEXTESC_ASCII, 0, &u), 3);
	cr_expect(u.cols == 1 && u.wc == 0, "one '?' under TEXTESC_ASCII");
	cr_expect_eq(textesc_next("\xff", 1, 0, 0, &u), 1);
	cr_expect(u.cols == 4 && u.wc == 0, "\\xff");
	cr_expect_eq(textesc_next("\t", 1, 0, 3, &u), 1);
	cr_expect_eq(u.cols, 5, "from column 3 to the stop at 8");
}

/* A Korean explanation cut by its buffer loses the cut character, never more. */
Test(textesc, a_character_cut_at_the_end_is_dropped_whole)
{
	const char *word = "읽었습니다";   /* five 3-byte syllables */
	char b[32];

	for (size_t keep = 0; keep <= strlen(word); keep++) {
		snprintf(b, sizeof b, "ok %.*s", (int)keep, word);
		textesc_trim_cut(b);
		cr_expect_eq(strlen(b), 3 + keep / 3 * 3, "cut after %zu bytes: '%s'", keep, b);
	}
	snprintf(b, sizeof b, "a\xc3");            /* a 2-byte character cut */
	textesc_trim_cut(b);
	cr_expect_str_eq(b, "a");
	snprintf(b, sizeof b, "\xf0\x9f\x98");     /* a 4-byte one */
	textesc_trim_cut(b);
	cr_expect_str_eq(b, "");
	snprintf(b, sizeof b, "x\x80\x80");        /* stray continuation bytes: not a cut */
	textesc_trim_cut(b);
	cr_expect_str_eq(b, "x\x80\x80");
	snprintf(b, sizeof b, "é");
	textesc_trim_cut(b);
	cr_expect_str_eq(b, "é");
}
