/* summary: measure, fit, cut and wrap text in terminal columns, as textesc() shows it. */
#ifndef TCPLAB_UTIL_TEXTCOLS_H
#define TCPLAB_UTIL_TEXTCOLS_H

#include <stddef.h>

/*
 * Contract: text is measured as textesc(flags) shows it (util/textesc.h), one unit at a
 * time: a character counts what wcwidth() says in the current locale (Hangul and CJK two
 * columns, a combining mark none), an invalid byte four (its \xNN), a tab up to its stop.
 * Every length in or out is in bytes of the text as given; every width is in columns. No
 * position returned ever falls inside a character, and a combining mark stays with the
 * character before it. Under TEXTESC_ASCII a character is one column ('?'), so text in a
 * non-UTF-8 locale is measured as it was drawn before wide characters.
 *
 * Nothing here draws or needs a terminal (tui/draw.c draws; tests/test_textcols.c tests).
 */

/* Columns the len bytes at s take, shown from column 0. */
int textcols_width(const char *s, size_t len, unsigned flags);

/* The longest prefix of s (len bytes) that fits in w columns: its bytes, its columns in
 * *cols (may be NULL). Zero-width units right after it (combining marks) are part of it. */
size_t textcols_fit(const char *s, size_t len, unsigned flags, int w, int *cols);

/*
 * Where to cut s, too wide for w columns, to show it in w columns with an ellipsis of
 * ell columns after it: up to the last blank that leaves a word whole (blanks before the
 * cut dropped), else (one long word) as much as fits. Bytes to keep.
 */
size_t textcols_cut(const char *s, size_t len, unsigned flags, int w, int ell);

/*
 * Wrap s into lines of at most w columns (w below 8 counts as 8), at most maxl of them:
 * at newlines, and where a line is too wide at its last blank after its indent (the
 * blanks at the break dropped), mid-word only for a word wider than w. Each line is a
 * slice of s (start, len bytes). Returns the lines.
 */
size_t textcols_wrap(const char *s, int w, unsigned flags, const char **start, int *len,
                     size_t maxl);

/*
 * Columns of one of tcplab's own labels (a translated word: valid UTF-8) on a UTF-8
 * terminal, whatever the process's locale: Hangul and the other East Asian wide ranges
 * two, every other character one. For aligning a column of labels in output that never
 * called setlocale() (the command line's reports), where wcwidth() cannot be asked.
 */
int textcols_label(const char *s);

#endif
