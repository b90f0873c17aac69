/* summary: the one key table of the TUI: every key, its action, and the words the help screen shows on each screen. */
#include <curses.h>
#include <string.h>

#include "tui/tui.h"

#define CTRL(c) ((c) & 0x1f)

/* Screens by their view's name, as the rows' "on" lists them. */
#define LISTS "menu ladder segments checks follow grade conversations"
#define PAGED "ladder segments follow grade conversations"
#define STEPPED "demo compare"

/*
 * Same keys on every screen (htop's keys[ch] = action); a screen ignores what it lacks.
 * A key may have several named rows, one per meaning: each lists the screens it is said
 * on (the help of a screen shows the rows that list it, in this order; NULL: every
 * screen). Every row of one key has the same action. Rows without a name are aliases.
 */
const struct tui_key tui_keys[] = {
	{ KEY_UP,      ACT_UP,       "Up k",        N_("move up"), LISTS },
	{ KEY_UP,      ACT_UP,       "Up k",        N_("scroll up (Tab: in the run's rows)"), "lesson" },
	{ 'k',         ACT_UP,       NULL,          NULL, NULL },
	{ KEY_DOWN,    ACT_DOWN,     "Down j",      N_("move down"), LISTS },
	{ KEY_DOWN,    ACT_DOWN,     "Down j",      N_("scroll down (Tab: in the run's rows)"), "lesson" },
	{ 'j',         ACT_DOWN,     NULL,          NULL, NULL },
	{ KEY_LEFT,    ACT_PREV,     "Left h",      N_("previous step"), "lesson" },
	{ KEY_LEFT,    ACT_PREV,     "Left h",      N_("previous segment"), STEPPED },
	{ 'h',         ACT_PREV,     NULL,          NULL, NULL },
	{ KEY_RIGHT,   ACT_NEXT,     "Right l Spc", N_("next step"), "lesson" },
	{ KEY_RIGHT,   ACT_NEXT,     "Right l Spc", N_("next segment"), STEPPED },
	{ 'l',         ACT_NEXT,     NULL,          NULL, NULL },
	{ ' ',         ACT_NEXT,     NULL,          NULL, NULL },
	{ KEY_PPAGE,   ACT_PGUP,     "PgUp ^B",     N_("page up"), PAGED },
	{ CTRL('b'),   ACT_PGUP,     NULL,          NULL, NULL },
	{ KEY_NPAGE,   ACT_PGDN,     "PgDn ^F",     N_("page down"), PAGED },
	{ CTRL('f'),   ACT_PGDN,     NULL,          NULL, NULL },
	{ KEY_HOME,    ACT_HOME,     "Home g",      N_("first row"), "menu " PAGED },
	{ KEY_HOME,    ACT_HOME,     "Home g",      N_("first step"), "lesson" },
	{ KEY_HOME,    ACT_HOME,     "Home g",      N_("first segment"), STEPPED },
	{ 'g',         ACT_HOME,     NULL,          NULL, NULL },
	{ KEY_END,     ACT_END,      "End G",       N_("last row"), "menu " PAGED },
	{ KEY_END,     ACT_END,      "End G",       N_("last segment"), STEPPED },
	{ 'G',         ACT_END,      NULL,          NULL, NULL },
	{ '\t',        ACT_TAB,      "Tab",         N_("text or run pane"), "lesson" },
	{ '\t',        ACT_TAB,      "Tab",         N_("list or detail"), "segments" },
	{ '\t',        ACT_TAB,      "Tab",         N_("step both sides, the left, the right"), "compare" },
	{ '\n',        ACT_ENTER,    "Enter",       N_("open the selected lab's lesson"), "menu" },
	{ '\n',        ACT_ENTER,    "Enter",       N_("the run's ladder (Tab: its segment)"), "lesson" },
	{ '\n',        ACT_ENTER,    "Enter",       N_("open the selected segment"), "ladder" },
	{ '\n',        ACT_ENTER,    "Enter",       N_("the selected connection's ladder"), "conversations" },
	{ '\n',        ACT_ENTER,    "Enter",       N_("the selected segment's detail"), "segments" },
	{ '\n',        ACT_ENTER,    "Enter",       N_("the segment the check points at"), "checks grade" },
	{ '\n',        ACT_ENTER,    "Enter",       N_("the ladder (of the stepping side)"), STEPPED },
	{ '\r',        ACT_ENTER,    NULL,          NULL, NULL },
	{ KEY_ENTER,   ACT_ENTER,    NULL,          NULL, NULL },
	{ '/',         ACT_FILTER,   "/",           N_("filter: BPF or Wireshark's fields"),
	  "lesson ladder segments " STEPPED },
	/* '/' being the filter, search takes htop's other key (and F3, as htop's does) */
	{ '\\',        ACT_SEARCH,   "\\ F3",       N_("search text in this view"), "ladder segments follow conversations" },
	{ KEY_F(3),    ACT_SEARCH,   NULL,          NULL, NULL },
	{ 'n',         ACT_SEARCH_NEXT, "n N",      N_("next / previous match"), "ladder segments follow conversations" },
	{ 'N',         ACT_SEARCH_PREV, NULL,       NULL, NULL },
	{ 'r',         ACT_RUN,      "r",           N_("run the step live again"), "lesson" },
	{ 'r',         ACT_RUN,      "r",           N_("run live again"), "demo" },
	{ 'r',         ACT_RUN,      "r",           N_("run both sides live again"), "compare" },
	{ 'r',         ACT_RUN,      "r",           N_("grade again"), "grade" },
	{ 'v',         ACT_VARIANT,  "v",           N_("run live with the next variant"), "demo" },
	{ 'v',         ACT_VARIANT,  "v",           N_("the stepping side's next variant"), "compare" },
	{ 'a',         ACT_LADDER,   "a",           N_("ladder: calls + segments"),
	  "lesson segments grade " STEPPED },
	{ 's',         ACT_SEGMENTS, "s",           N_("segment list and detail"),
	  "lesson ladder grade conversations " STEPPED },
	{ 'c',         ACT_CHECKS,   "c",           N_("checks and verdicts"), "lesson segments grade" },
	{ 'c',         ACT_CHECKS,   "c",           N_("checks (a run); a connection (a file)"), "ladder" },
	{ 'f',         ACT_FOLLOW,   "f",           N_("follow the stream"), "segments conversations" },
	{ 'K',         ACT_KERNEL,   "K",           N_("kernel's sockets at the selected row"), "ladder" },
	{ 'o',         ACT_CONVS,    "o",           N_("connections, one row each"), "ladder segments" },
	{ 'e',         ACT_GRADE,    "e",           N_("grade your exercise"), "menu lesson" },
	{ 'e',         ACT_GRADE,    "e",           N_("grade again"), "grade" },
	{ 'p',         ACT_PLAY,     "p",           N_("pause / play"), STEPPED },
	{ '+',         ACT_FASTER,   "+ -",         N_("faster / slower"), STEPPED },
	{ '=',         ACT_FASTER,   NULL,          NULL, NULL },
	{ '-',         ACT_SLOWER,   NULL,          NULL, NULL },
	{ '0',         ACT_RESTART,  "0",           N_("restart"), STEPPED },
	{ 'C',         ACT_COMPARE,  "C",           N_("compare two runs side by side"), "demo" },
	{ 'C',         ACT_COMPARE,  "C",           N_("two of its variants side by side"), "menu" },
	{ 'd',         ACT_DEMO,     "d",           N_("the selected lab's demo"), "menu" },
	{ 'i',         ACT_OPEN,     "i",           N_("open a capture file"), "menu" },
	{ 'A',         ACT_ALIGN,    "A",           N_("align by time / by segment"), "compare" },
	{ 'S',         ACT_CALLS,    "S",           N_("socket calls on / off"), "demo" },
	{ 'T',         ACT_THEME,    "T",           N_("next colour theme"), NULL },
	{ CTRL('l'),   ACT_REDRAW,   "^L",          N_("redraw the screen"), NULL },
	{ '?',         ACT_HELP,     "?",           N_("this screen's keys; again: every key"), NULL },
	{ 'q',         ACT_BACK,     "q Esc",       N_("back (quits the first screen)"), NULL },
	{ 27,          ACT_BACK,     NULL,          NULL, NULL },
	{ 'Q',         ACT_QUIT,     "Q ^C",        N_("quit at once"), NULL },
	{ CTRL('c'),   ACT_QUIT,     NULL,          NULL, NULL },
};

const size_t tui_nkeys = sizeof tui_keys / sizeof tui_keys[0];

enum tui_act tui_key_action(int ch)
{
	for (size_t i = 0; i < tui_nkeys; i++)
		if (tui_keys[i].key == ch)
			return tui_keys[i].act;
	return ACT_NONE;
}

bool tui_key_on(const struct tui_key *k, const char *screen)
{
	size_t n = strlen(screen);

	if (!k->name)
		return false;
	if (!k->on)
		return true;
	for (const char *p = k->on; (p = strstr(p, screen)); p += n)
		if ((p == k->on || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return true;
	return false;
}
