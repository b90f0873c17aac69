/* summary: show untrusted text (a student's program output, compiler output) without letting it drive the terminal. */
#ifndef TCPLAB_UTIL_TEXTESC_H
#define TCPLAB_UTIL_TEXTESC_H

#include <stddef.h>
#include <stdio.h>
#include <wchar.h>

/*
 * Contract: what a student's program prints, and what the compiler says about the
 * student's code, reaches the instructor's terminal in text reports and in the TUI. An
 * escape sequence in it could clear the screen and paint a fake score, so every such text
 * goes through this one function before it is shown:
 *
 *   ESC                      -> \e
 *   other C0 controls, DEL   -> \xNN          (newline too, unless TEXTESC_LINES)
 *   tab                      -> spaces to the next multiple of 8 columns
 *   invalid UTF-8 bytes      -> \xNN, one per byte
 *   C1 controls (U+0080-009F, which some terminals obey as ESC [) and the bidirectional
 *   overrides and isolates (U+202A-202E, U+2066-2069, which reorder what is shown)
 *                            -> \xNN for each of their bytes
 *   valid UTF-8 otherwise    -> kept, or one '?' per character under TEXTESC_ASCII
 *
 * Backslashes are kept as they are: the result is for people, not for parsing. JSON and
 * XML reports have their own escaping and do not use this.
 */

enum textesc_flags {
	TEXTESC_LINES = 1,      /* newline stays a line break (multi-line text: a build log) */
	TEXTESC_ASCII = 2,      /* output only printable ASCII (a terminal whose locale is not UTF-8) */
};

/*
 * Escape the len bytes at s into buf, always NUL-terminated when buflen > 0 and never
 * cutting an escape in half. Returns the length the whole escaped text needs, as
 * snprintf() does: a result >= buflen means buf holds a cut prefix.
 */
size_t textesc(char *buf, size_t buflen, const char *s, size_t len, unsigned flags);

/*
 * One piece of what textesc() shows: a character, a control, or one invalid byte (never
 * empty). cols is how many terminal columns its shown form takes at column col (tab stops
 * count from col): \xNN four, \e two, a tab to the next stop, a newline under
 * TEXTESC_LINES none, a kept character what wcwidth() says in the current locale (Hangul
 * and CJK two, combining marks none, one where the locale cannot tell), '?' one.
 * wc is the character when it is shown as itself, else 0.
 */
struct textesc_unit {
	size_t len;             /* bytes of the input */
	int cols;
	wchar_t wc;
};

/* The unit at s (len > 0 bytes left); returns its length, u->len. */
size_t textesc_next(const char *s, size_t len, unsigned flags, size_t col, struct textesc_unit *u);

/*
 * s without the incomplete UTF-8 character a full buffer may have cut at its end (a
 * Korean explanation longer than its field): the bytes of that character are dropped, so
 * the text never ends in a stray byte shown as \xNN. Anything before is left alone.
 */
void textesc_trim_cut(char *s);

/* Print the NUL-terminated s escaped. */
void textesc_fputs(FILE *out, const char *s, unsigned flags);

#endif
