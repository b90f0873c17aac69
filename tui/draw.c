/* summary: drawing helpers: colour roles (or attributes under NO_COLOR) and UTF-8 or ASCII glyphs. */
#include <curses.h>
#include <langinfo.h>
#include <stdio.h>
#include <string.h>

#include "tui/tui.h"
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

static const struct tui_glyphs utf8_glyphs = { "\u2500", "\u2502", "\u25b6", "\u25c0", "\u2026" };
static const struct tui_glyphs ascii_glyphs = { "-", "|", ">", "<", "~" };

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
};

static struct draw_state ds = { false, TUI_THEME_DEFAULT, &ascii_glyphs };

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

	ds.g = cs && !strcmp(cs, "UTF-8") ? &utf8_glyphs : &ascii_glyphs;
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

void draw_text(int y, int x, int w, enum tui_role r, const char *s)
{
	char shown[1024];
	int n = 0;

	if (w <= 0 || y < 0 || y >= LINES || x >= COLS)
		return;
	if (x + w > COLS)
		w = COLS - x;
	/*
	 * Every text drawn passes here, and some of it is the student's (program output, the
	 * compiler's messages): escaped, so an escape sequence shows as text instead of
	 * repainting the screen, and ASCII only, as curses' addch() takes single bytes.
	 */
	textesc(shown, sizeof shown, s, strlen(s), TEXTESC_ASCII);
	attrset(draw_attr(r));
	move(y, x);
	for (const char *p = shown; *p && n < w; p++, n++)
		addch((chtype)(unsigned char)*p);
	for (; n < w; n++)
		addch(' ');
	attrset(draw_attr(R_NORMAL));
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
	int rl = (int)strlen(right);

	draw_text(0, 0, COLS, R_TITLE, left);
	if (rl < COLS - 2)
		draw_text(0, COLS - rl - 1, rl + 1, R_TITLE, right);
}

void draw_hints(const char *hints)
{
	draw_text(LINES - 1, 0, COLS, R_DIM, hints);
}

size_t draw_wrap(const char *s, int w, const char **start, int *len, size_t maxl)
{
	size_t n = 0;

	if (w < 8)
		w = 8;
	while (*s && n < maxl) {
		const char *nl = strchr(s, '\n');
		int l = nl ? (int)(nl - s) : (int)strlen(s);

		if (l > w) {
			int cut = w;
			while (cut > w / 2 && s[cut] != ' ')
				cut--;
			if (s[cut] != ' ')
				cut = w;
			start[n] = s;
			len[n++] = cut;
			s += cut;
			while (*s == ' ')
				s++;
			continue;
		}
		start[n] = s;
		len[n++] = l;
		s += l;
		if (*s == '\n')
			s++;
	}
	return n;
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
