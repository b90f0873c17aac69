/* summary: drawing helpers: colour roles (or attributes under NO_COLOR) and UTF-8 or ASCII glyphs. */
#include <curses.h>
#include <langinfo.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "tui/tui.h"
#include "util/textcols.h"
#include "util/textesc.h"

/*
 * Roles, not colours, are what screens ask for; a theme gives each role its colours.
 * Without colour (NO_COLOR, or a terminal without it) each role falls back to an attribute
 * (bold, reverse, underline; never dim, which projectors wash out) so the same information
 * still shows.
 *
 * The high-contrast and light themes are for projectors: they set the background of every
 * role themselves (black, or white) instead of trusting the terminal's, and draw no text
 * in blue or yellow, which vanish on dark and light screens respectively.
 */

static const struct tui_glyphs utf8_glyphs = {
	"\u2500", "\u2502", "\u25b6", "\u25c0", "\u25b2", "\u25bc", "\u2026", 1
};
static const struct tui_glyphs ascii_glyphs = { "-", "|", ">", "<", "^", "v", "...", 3 };

struct role_style {
	short fg, bg;
	int attr;
};

static const struct role_style themes[TUI_THEME_N][R_N] = {
	[TUI_THEME_DEFAULT] = {
		[R_NORMAL]    = { -1, -1, A_NORMAL },
		[R_TITLE]     = { COLOR_BLACK, COLOR_CYAN, A_NORMAL },
		[R_SEL]       = { COLOR_BLACK, COLOR_YELLOW, A_NORMAL },
		[R_C2S]       = { COLOR_GREEN, -1, A_NORMAL },
		[R_S2C]       = { COLOR_CYAN, -1, A_NORMAL },
		[R_EXPERT]    = { COLOR_WHITE, COLOR_RED, A_BOLD },
		[R_ERROR]     = { COLOR_RED, -1, A_BOLD },
		[R_PASS]      = { COLOR_GREEN, -1, A_BOLD },
		[R_FAIL]      = { COLOR_RED, -1, A_BOLD },
		[R_DIM]       = { COLOR_BLUE, -1, A_NORMAL },
		[R_HEAD]      = { COLOR_YELLOW, -1, A_BOLD },
		[R_WIRE_NOTE] = { COLOR_MAGENTA, -1, A_NORMAL },
	},
	/* White and bright colours on black, whatever the terminal's background. */
	[TUI_THEME_HIGH_CONTRAST] = {
		[R_NORMAL]    = { COLOR_WHITE, COLOR_BLACK, A_NORMAL },
		[R_TITLE]     = { COLOR_BLACK, COLOR_WHITE, A_BOLD },
		[R_SEL]       = { COLOR_BLACK, COLOR_GREEN, A_BOLD },
		[R_C2S]       = { COLOR_GREEN, COLOR_BLACK, A_BOLD },
		[R_S2C]       = { COLOR_CYAN, COLOR_BLACK, A_BOLD },
		[R_EXPERT]    = { COLOR_WHITE, COLOR_RED, A_BOLD },
		[R_ERROR]     = { COLOR_WHITE, COLOR_RED, A_BOLD },
		[R_PASS]      = { COLOR_GREEN, COLOR_BLACK, A_BOLD },
		[R_FAIL]      = { COLOR_WHITE, COLOR_RED, A_BOLD },
		[R_DIM]       = { COLOR_WHITE, COLOR_BLACK, A_NORMAL },
		[R_HEAD]      = { COLOR_WHITE, COLOR_BLACK, A_BOLD },
		[R_WIRE_NOTE] = { COLOR_MAGENTA, COLOR_BLACK, A_BOLD },
	},
	/* Black and dark colours on white. */
	[TUI_THEME_LIGHT] = {
		[R_NORMAL]    = { COLOR_BLACK, COLOR_WHITE, A_NORMAL },
		[R_TITLE]     = { COLOR_WHITE, COLOR_BLACK, A_BOLD },
		[R_SEL]       = { COLOR_WHITE, COLOR_MAGENTA, A_BOLD },
		[R_C2S]       = { COLOR_GREEN, COLOR_WHITE, A_BOLD },
		[R_S2C]       = { COLOR_MAGENTA, COLOR_WHITE, A_BOLD },
		[R_EXPERT]    = { COLOR_WHITE, COLOR_RED, A_BOLD },
		[R_ERROR]     = { COLOR_RED, COLOR_WHITE, A_BOLD },
		[R_PASS]      = { COLOR_GREEN, COLOR_WHITE, A_BOLD },
		[R_FAIL]      = { COLOR_WHITE, COLOR_RED, A_BOLD },
		[R_DIM]       = { COLOR_BLACK, COLOR_WHITE, A_NORMAL },
		[R_HEAD]      = { COLOR_BLACK, COLOR_WHITE, A_BOLD },
		[R_WIRE_NOTE] = { COLOR_RED, COLOR_WHITE, A_NORMAL },
	},
};

static const int mono[R_N] = {
	[R_NORMAL] = A_NORMAL, [R_TITLE] = A_REVERSE, [R_SEL] = A_REVERSE, [R_C2S] = A_NORMAL,
	[R_S2C] = A_NORMAL, [R_EXPERT] = A_BOLD | A_UNDERLINE, [R_ERROR] = A_BOLD,
	[R_PASS] = A_BOLD, [R_FAIL] = A_BOLD | A_UNDERLINE, [R_DIM] = A_BOLD, [R_HEAD] = A_BOLD,
	[R_WIRE_NOTE] = A_UNDERLINE,
};

static const char *const theme_names[TUI_THEME_N] = {
	[TUI_THEME_DEFAULT] = "default",
	[TUI_THEME_HIGH_CONTRAST] = "high-contrast",
	[TUI_THEME_LIGHT] = "light",
};

int tui_theme_parse(const char *name)
{
	for (int i = 0; i < TUI_THEME_N; i++)
		if (!strcmp(name, theme_names[i]))
			return i;
	return -1;
}

const char *tui_theme_name(enum tui_theme th)
{
	return th < TUI_THEME_N ? theme_names[th] : "?";
}

/*
 * The one piece of module state, as curses' colour pairs are the terminal's: the glyphs
 * (chosen once by the locale), whether colour is on, and the theme the pairs hold. Only
 * draw_init() and draw_theme() write it, from the main loop.
 */
struct draw_state {
	bool color;
	enum tui_theme theme;
	const struct tui_glyphs *g;
	unsigned esc;           /* textesc() flags: TEXTESC_ASCII unless the locale is UTF-8 */
};

static struct draw_state ds = { false, TUI_THEME_DEFAULT, &ascii_glyphs, TEXTESC_ASCII };

static void load_theme(void)
{
	const struct role_style *st = themes[ds.theme];

	/* The normal role is pair 0, the colours of every cell no role paints: the
	 * terminal's own in the default theme, the theme's (its background) otherwise. */
	assume_default_colors(st[R_NORMAL].fg, st[R_NORMAL].bg);
	for (int r = 1; r < R_N; r++)
		init_pair((short)r, st[r].fg, st[r].bg);
}

void draw_init(bool color, enum tui_theme theme)
{
	const char *cs = nl_langinfo(CODESET);

	bool utf8 = cs && !strcmp(cs, "UTF-8");

	ds.g = utf8 ? &utf8_glyphs : &ascii_glyphs;
	ds.esc = utf8 ? 0 : TEXTESC_ASCII;
	ds.color = color && has_colors();
	ds.theme = theme < TUI_THEME_N ? theme : TUI_THEME_DEFAULT;
	if (ds.color) {
		start_color();
		load_theme();
	}
}

bool draw_theme(enum tui_theme theme)
{
	if (!ds.color || theme >= TUI_THEME_N)
		return false;
	ds.theme = theme;
	load_theme();
	return true;
}

enum tui_theme draw_theme_current(void)
{
	return ds.theme;
}

bool draw_utf8(void)
{
	return !(ds.esc & TEXTESC_ASCII);
}

const struct tui_glyphs *draw_glyphs(void)
{
	return ds.g;
}

int draw_attr(enum tui_role r)
{
	if (!ds.color)
		return mono[r];
	return (int)(COLOR_PAIR(r) | (chtype)themes[ds.theme][r].attr);
}

/*
 * Text already escaped at (y, x), the rest of w blanked: as many whole characters as fit
 * in w columns (a double-width one that would straddle the edge is left for a blank), each
 * combining mark with its character. Under TEXTESC_ASCII the text is ASCII, one column a
 * byte, drawn as before wide characters.
 */
static void put_shown(int y, int x, int w, enum tui_role r, const char *shown)
{
	wchar_t wbuf[1100];
	size_t len = strlen(shown), k = 0;
	struct textesc_unit u;
	int n = 0;

	for (size_t i = 0; i < len && k + 2 < sizeof wbuf / sizeof wbuf[0]; i += u.len) {
		textesc_next(shown + i, len - i, ds.esc, (size_t)n, &u);
		if (n + u.cols > w)
			break;
		if (!u.wc)              /* cannot happen on escaped text; shown as textesc would */
			u.wc = L'?';
		else if (wcwidth(u.wc) < 0)
			u.wc = L'?';    /* a character the locale cannot draw, counted one column */
		if (!u.cols && !k) {
			/* a mark with no character before it in this text: over a blank */
			if (n + 1 > w)
				break;
			wbuf[k++] = L' ';
			n++;
		}
		wbuf[k++] = u.wc;
		n += u.cols;
	}
	attrset(draw_attr(r));
	move(y, x);
	if (k)
		addnwstr(wbuf, (int)k);
	for (; n < w; n++)
		addch(' ');
	attrset(draw_attr(R_NORMAL));
}

/* Clip w to the screen; false when nothing of (y, x, w) is on it. */
static bool clip(int y, int x, int *w)
{
	if (*w <= 0 || y < 0 || y >= LINES || x < 0 || x >= COLS)
		return false;
	if (x + *w > COLS)
		*w = COLS - x;
	return true;
}

/*
 * Every text drawn passes here, and some of it is the student's (program output, the
 * compiler's messages): escaped, so an escape sequence shows as text instead of repainting
 * the screen and an invalid UTF-8 byte as \xNN; valid UTF-8 is kept in a UTF-8 locale
 * (drawn as wide characters) and is one '?' a character in any other.
 */
static void escape(char *shown, size_t len, const char *s)
{
	textesc(shown, len, s, strlen(s), ds.esc);
}

int draw_cols(const char *s)
{
	return textcols_width(s, strlen(s), ds.esc);
}

const char *draw_pad(char *buf, size_t len, const char *s, int w)
{
	int cols;
	size_t n = textcols_fit(s, strlen(s), ds.esc, w, &cols);

	snprintf(buf, len, "%.*s%*s", (int)n, s, w - cols, "");
	return buf;
}

void draw_text(int y, int x, int w, enum tui_role r, const char *s)
{
	char shown[1024];

	if (!clip(y, x, &w))
		return;
	escape(shown, sizeof shown, s);
	put_shown(y, x, w, r, shown);
}

void draw_text_cut(int y, int x, int w, enum tui_role r, const char *s)
{
	char shown[1024];
	size_t cut;

	if (!clip(y, x, &w))
		return;
	escape(shown, sizeof shown, s);
	if (textcols_width(shown, strlen(shown), ds.esc) <= w) {
		put_shown(y, x, w, r, shown);
		return;
	}
	cut = textcols_cut(shown, strlen(shown), ds.esc, w, ds.g->ellipsis_cols);
	shown[cut] = '\0';
	put_shown(y, x, w, r, shown);
	if (w >= ds.g->ellipsis_cols) {
		attrset(draw_attr(r));
		mvaddstr(y, x + textcols_width(shown, cut, ds.esc), ds.g->ellipsis);
		attrset(draw_attr(R_NORMAL));
	}
}

#define PARA_MAX 64

int draw_para_rows(const char *s, int w)
{
	const char *start[PARA_MAX];
	int len[PARA_MAX];

	return (int)draw_wrap(s, w, start, len, PARA_MAX);
}

int draw_para(int y, int x, int w, int maxl, enum tui_role r, const char *s)
{
	const char *start[PARA_MAX + 1];
	int len[PARA_MAX + 1];
	size_t cap = maxl < PARA_MAX ? (size_t)(maxl > 0 ? maxl : 0) : PARA_MAX;
	size_t n = draw_wrap(s, w, start, len, cap + 1);
	char rest[1024];

	if (n > cap) {
		/* the last row takes the rest of the text, one line, cut with an ellipsis */
		n = cap;
		if (!n)
			return 0;
		snprintf(rest, sizeof rest, "%s", start[n - 1]);
		for (char *p = rest; *p; p++)
			if (*p == '\n')
				*p = ' ';
		for (size_t i = 0; i + 1 < n; i++)
			draw_fmt(y + (int)i, x, w, r, "%.*s", len[i], start[i]);
		draw_text_cut(y + (int)n - 1, x, w, r, rest);
		return (int)n;
	}
	for (size_t i = 0; i < n; i++)
		draw_fmt(y + (int)i, x, w, r, "%.*s", len[i], start[i]);
	return (int)n;
}

void draw_fmt(int y, int x, int w, enum tui_role r, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	draw_text(y, x, w, r, buf);
}

void draw_hline(int y, int x, int w, enum tui_role r)
{
	if (y < 0 || y >= LINES)
		return;
	attrset(draw_attr(r));
	for (int i = 0; i < w && x + i < COLS; i++)
		mvaddstr(y, x + i, ds.g->hline);
	attrset(draw_attr(R_NORMAL));
}

void draw_title(const char *left, const char *right)
{
	int rl = draw_cols(right), room;

	/* the right part says where you are (step 2/7, a run's state): whole, unless it
	 * would leave the left part less than a third of the bar */
	if (rl > COLS - COLS / 3 - 2)
		rl = COLS - COLS / 3 - 2;
	room = rl ? COLS - rl - 2 : COLS;
	draw_text(0, 0, COLS, R_TITLE, "");
	draw_text_cut(0, 0, room, R_TITLE, left);
	if (rl > 0)
		draw_text_cut(0, COLS - rl - 1, rl, R_TITLE, right);
}

#define HINTS_MAX 24

/* A hint that always stays: its key (the first word) is q or ?. */
static bool hint_kept(const char *h)
{
	return (h[0] == 'q' || h[0] == '?') && (h[1] == ' ' || h[1] == '\0');
}

void draw_hints(const char *hints)
{
	char buf[512], out[512];
	char *item[HINTS_MAX];
	bool keep[HINTS_MAX];
	size_t n = 0, o = 0;
	int total = 0;

	snprintf(buf, sizeof buf, "%s", hints);
	for (char *p = buf; *p && n < HINTS_MAX;) {
		char *e = strstr(p, "  ");
		item[n] = p;
		keep[n] = true;
		n++;
		if (!e)
			break;
		*e = '\0';
		for (p = e + 2; *p == ' '; p++)
			;
	}
	for (size_t i = 0; i < n; i++)
		total += draw_cols(item[i]) + (i ? 2 : 0);
	/* the least useful (the last) go first; the way back and the help never go */
	for (size_t i = n; i-- > 0 && total > COLS;) {
		if (hint_kept(item[i]))
			continue;
		keep[i] = false;
		total -= draw_cols(item[i]) + 2;
	}
	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		if (keep[i])
			o += (size_t)snprintf(out + o, o < sizeof out ? sizeof out - o : 0, "%s%s",
			                      o ? "  " : "", item[i]);
	draw_text(LINES - 1, 0, COLS, R_DIM, out);
}

size_t draw_wrap(const char *s, int w, const char **start, int *len, size_t maxl)
{
	return textcols_wrap(s, w, ds.esc, start, len, maxl);
}

void draw_reflow(const char *s, char *out, size_t len)
{
	size_t o = 0;

	if (!len)
		return;
	for (; *s && o + 1 < len; s++) {
		char next = s[1];
		/* A line break inside a paragraph becomes a space; a blank line, an indented
		 * line or a list item keeps its break. */
		if (*s == '\n' && next && next != '\n' && next != ' ' && next != '-' &&
		    next != '*' && next != '\t' && o && out[o - 1] != '\n') {
			out[o++] = ' ';
			continue;
		}
		out[o++] = *s;
	}
	out[o] = '\0';
}
