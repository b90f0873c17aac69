/* summary: test helper: run a program in a real terminal (a private tmux server) at a pinned size, type keys, read the screen. */
#ifndef TCPLAB_TESTS_LIB_TMUXTERM_H
#define TCPLAB_TESTS_LIB_TMUXTERM_H

#include <stdbool.h>

/*
 * For Criterion screen tests. Each term is its own tmux server (a socket in a private
 * temporary directory, no user configuration, no status line), so tests can run in
 * parallel and never touch the user's tmux. tmux is the terminal emulator: what
 * term_screen() returns is what a user would see, cell by cell.
 *
 * Waiting is on conditions, never on a fixed sleep: term_wait() re-reads the screen until
 * it shows the text and has stopped changing, or the deadline passes (then it fails the
 * test with the screen as it was).
 *
 * The command runs under "sh -c" in TCPLAB_ROOT with env added (each "NAME=VALUE");
 * LANG=C unless env sets it, so lines and arrows are ASCII and dumps are stable; a test
 * of wide characters sets LANG=C.UTF-8 (tmux itself always runs in UTF-8, -u).
 * term_start() skips the calling test when tmux is not installed.
 */

struct term;

struct term *term_start(int cols, int rows, const char *const *env, const char *cmd);
void term_stop(struct term *t);

/* tmux send-keys words: "Enter", "Tab", "Left", "C-c", "q", or literal text. */
void term_keys(struct term *t, const char *const *keys);
/* Text typed as it is (send-keys -l): no word is taken for a key name. */
void term_type(struct term *t, const char *text);
/* The screen, one line per row, trailing blanks cut; escapes: with SGR sequences. */
char *term_screen(struct term *t, bool escapes);
/*
 * What an escaped screen (term_screen(t, true)) draws with: its SGR sequences replayed, each
 * character counted under the foreground it is drawn in (blanks only under their
 * background). Colours are 0-255 as the terminal numbers them (30-37: 0-7, 90-97: 8-15,
 * 38;5;N: N); index TERM_DEFAULT_COLOUR is the terminal's own.
 */
#define TERM_DEFAULT_COLOUR 256
struct term_attrs {
	unsigned fg[257];       /* visible characters by foreground */
	unsigned bg[257];       /* characters, blanks too, by background */
	unsigned bold, dim, reverse, underline;   /* visible characters with each */
	unsigned chars;         /* visible characters */
};
void term_attrs_of(const char *escaped, struct term_attrs *a);

/* Wait until the screen contains needle and two reads in a row agree. Returns the screen
 * (malloc'ed); fails the test after timeout_ms. */
char *term_wait(struct term *t, const char *needle, int timeout_ms);
/* tmux display-message -p FORMAT: "#{alternate_on}", "#{pane_dead}". malloc'ed. */
char *term_query(struct term *t, const char *format);
void term_resize(struct term *t, int cols, int rows);

/*
 * Compare a screen dump with tests/data/tui/NAME.txt. With TCPLAB_UPDATE_GOLDEN=1 the file
 * is (re)written instead: regenerate deliberately and read the result before committing.
 * On a mismatch the screen is kept in TCPLAB_BUILD/tests/NAME.actual.txt for diff.
 */
void term_expect(const char *screen, const char *name);

#endif
