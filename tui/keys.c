/* summary: the one key table of the TUI: every key, its action, and the words the help screen shows. */
#include <curses.h>

#include "tui/tui.h"

#define CTRL(c) ((c) & 0x1f)

/* Same keys on every screen (htop's keys[ch] = action); a screen ignores what it lacks. */
const struct tui_key tui_keys[] = {
	{ KEY_UP,      ACT_UP,       "Up k",        "move up" },
	{ 'k',         ACT_UP,       NULL,          NULL },
	{ KEY_DOWN,    ACT_DOWN,     "Down j",      "move down" },
	{ 'j',         ACT_DOWN,     NULL,          NULL },
	{ KEY_LEFT,    ACT_PREV,     "Left h",      "previous step or segment" },
	{ 'h',         ACT_PREV,     NULL,          NULL },
	{ KEY_RIGHT,   ACT_NEXT,     "Right l Spc", "next step or segment" },
	{ 'l',         ACT_NEXT,     NULL,          NULL },
	{ ' ',         ACT_NEXT,     NULL,          NULL },
	{ KEY_PPAGE,   ACT_PGUP,     "PgUp ^B",     "page up" },
	{ CTRL('b'),   ACT_PGUP,     NULL,          NULL },
	{ KEY_NPAGE,   ACT_PGDN,     "PgDn ^F",     "page down" },
	{ CTRL('f'),   ACT_PGDN,     NULL,          NULL },
	{ KEY_HOME,    ACT_HOME,     "Home g",      "first row" },
	{ 'g',         ACT_HOME,     NULL,          NULL },
	{ KEY_END,     ACT_END,      "End G",       "last row" },
	{ 'G',         ACT_END,      NULL,          NULL },
	{ '\t',        ACT_TAB,      "Tab",         "next pane" },
	{ '\n',        ACT_ENTER,    "Enter",       "open the selected item" },
	{ '\r',        ACT_ENTER,    NULL,          NULL },
	{ KEY_ENTER,   ACT_ENTER,    NULL,          NULL },
	{ '/',         ACT_FILTER,   "/",           "filter: BPF or Wireshark's" },
	/* '/' being the filter, search takes htop's other key (and F3, as htop's does) */
	{ '\\',        ACT_SEARCH,   "\\ F3",        "search text in this view" },
	{ KEY_F(3),    ACT_SEARCH,   NULL,          NULL },
	{ 'n',         ACT_SEARCH_NEXT, "n N",       "next / previous match" },
	{ 'N',         ACT_SEARCH_PREV, NULL,        NULL },
	{ 'r',         ACT_RUN,      "r",           "run the step live (again)" },
	{ 'v',         ACT_VARIANT,  "v",           "re-run with next variant" },
	{ 'a',         ACT_LADDER,   "a",           "ladder: calls + segments" },
	{ 's',         ACT_SEGMENTS, "s",           "segment list and detail" },
	{ 'c',         ACT_CHECKS,   "c",           "checks and verdicts" },
	{ 'f',         ACT_FOLLOW,   "f",           "follow the stream" },
	{ 'o',         ACT_CONVS,    "o",           "connections, one row each" },
	{ 'e',         ACT_GRADE,    "e",           "grade your exercise" },
	{ 'p',         ACT_PLAY,     "p",           "demo: pause / play" },
	{ '+',         ACT_FASTER,   "+ -",         "demo: faster / slower" },
	{ '=',         ACT_FASTER,   NULL,          NULL },
	{ '-',         ACT_SLOWER,   NULL,          NULL },
	{ '0',         ACT_RESTART,  "0",           "demo: restart" },
	{ 'C',         ACT_COMPARE,  "C",           "demo: compare side by side" },
	{ 'T',         ACT_THEME,    "T",           "next colour theme" },
	{ CTRL('l'),   ACT_REDRAW,   "^L",          "redraw the screen" },
	{ '?',         ACT_HELP,     "?",           "this help" },
	{ 'q',         ACT_BACK,     "q Esc",       "back (quits 1st screen)" },
	{ 27,          ACT_BACK,     NULL,          NULL },
	{ 'Q',         ACT_QUIT,     "Q ^C",        "quit at once" },
	{ CTRL('c'),   ACT_QUIT,     NULL,          NULL },
};

const size_t tui_nkeys = sizeof tui_keys / sizeof tui_keys[0];

enum tui_act tui_key_action(int ch)
{
	for (size_t i = 0; i < tui_nkeys; i++)
		if (tui_keys[i].key == ch)
			return tui_keys[i].act;
	return ACT_NONE;
}
