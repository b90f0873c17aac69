/* summary: drawing helpers: colour roles (or attributes under NO_COLOR) and UTF-8 or ASCII glyphs. */
#include <curses.h>
#include <langinfo.h>
#include <stdio.h>
#include <string.h>

#include "tui/tui.h"

/*
 * Roles, not colours, are what screens ask for. Without colour each role falls back to an
 * attribute (bold, reverse, underline) so the same information still shows.
 * The glyph and attribute tables are chosen once at start-up and never change: they are
 * constants picked by the locale, not state.
 */

static const struct tui_glyphs utf8_glyphs = { "\u2500", "\u2502", "\u25b6", "\u25c0", "\u2026" };
static const struct tui_glyphs ascii_glyphs = { "-", "|", ">", "<", "~" };

static const struct {
	short fg, bg;
	int attr;           /* with colour */
	int mono;           /* without */
} roles[R_N] = {
	[R_NORMAL]    = { -1, -1, A_NORMAL, A_NORMAL },
	[R_TITLE]     = { COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE },
	[R_SEL]       = { COLOR_BLACK, COLOR_YELLOW, A_NORMAL, A_REVERSE },
	[R_C2S]       = { COLOR_GREEN, -1, A_NORMAL, A_NORMAL },
	[R_S2C]       = { COLOR_CYAN, -1, A_NORMAL, A_NORMAL },
	[R_EXPERT]    = { COLOR_WHITE, COLOR_RED, A_BOLD, A_BOLD | A_UNDERLINE },
	[R_ERROR]     = { COLOR_RED, -1, A_BOLD, A_BOLD },
	[R_PASS]      = { COLOR_GREEN, -1, A_BOLD, A_BOLD },
	[R_FAIL]      = { COLOR_RED, -1, A_BOLD, A_BOLD | A_UNDERLINE },
	[R_DIM]       = { COLOR_BLUE, -1, A_NORMAL, A_DIM },
	[R_HEAD]      = { COLOR_YELLOW, -1, A_BOLD, A_BOLD },
	[R_WIRE_NOTE] = { COLOR_MAGENTA, -1, A_NORMAL, A_UNDERLINE },
};

struct draw_state {
	bool color;
	const struct tui_glyphs *g;
};

/* The one piece of module state: chosen in draw_init() before the first draw. */
static struct draw_state ds = { false, &ascii_glyphs };

void draw_init(bool color)
{
	const char *cs = nl_langinfo(CODESET);

	ds.g = cs && !strcmp(cs, "UTF-8") ? &utf8_glyphs : &ascii_glyphs;
	ds.color = color && has_colors();
	if (ds.color) {
		start_color();
		use_default_colors();
		for (int r = 1; r < R_N; r++)
			init_pair((short)r, roles[r].fg, roles[r].bg);
	}
}

const struct tui_glyphs *draw_glyphs(void)
{
	return ds.g;
}

int draw_attr(enum tui_role r)
{
	if (!ds.color)
		return roles[r].mono;
	if (r == R_NORMAL)
		return (int)A_NORMAL;
	return (int)(COLOR_PAIR(r) | (chtype)roles[r].attr);
}

void draw_text(int y, int x, int w, enum tui_role r, const char *s)
{
	int n = 0;

	if (w <= 0 || y < 0 || y >= LINES || x >= COLS)
		return;
	if (x + w > COLS)
		w = COLS - x;
	attrset(draw_attr(r));
	move(y, x);
	/* Text here is ASCII (the trace and dissector make it so) except our own glyphs. */
	for (const char *p = s; *p && n < w; p++, n++)
		addch((unsigned char)*p >= ' ' && (unsigned char)*p < 127 ? (chtype)(unsigned char)*p : '?');
	for (; n < w; n++)
		addch(' ');
	attrset(A_NORMAL);
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
	attrset(A_NORMAL);
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
