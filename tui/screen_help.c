/* summary: the help screen: the keys of the screen it was opened from, or every key with the screens it works on, from the one key table. */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/list.h"
#include "tui/tui.h"

/*
 * Both views are made from tui_keys (keys.c) alone: a screen's keys are the named rows
 * that list it; every key is each named row with its screens. The body is laid out as
 * lines for the current width on every draw, and scrolls when it does not fit.
 */

#define MAX_LINES 256
#define NAME_W 12

struct help_line {
	const char *name;       /* the key, on its row's first line; NULL: none */
	const char *help;
	int hl;                 /* bytes of help (-1: all of it) */
	const char *on;         /* a slice of the screens it works on (every key only) */
	int onl;
	enum tui_role role;
};

struct help {
	char from[32];          /* the screen it was opened from */
	bool all;               /* every key, not only the screen's */
	int top;
	int n, shown;           /* lines laid out, lines that fit: from the last draw */
	struct help_line line[MAX_LINES];
};

static void add(struct help *h, struct help_line l)
{
	if (h->n < MAX_LINES)
		h->line[h->n++] = l;
}

static void layout(struct help *h, int onw)
{
	bool filter = false;

	h->n = 0;
	for (size_t i = 0; i < tui_nkeys; i++) {
		const struct tui_key *k = &tui_keys[i];
		const char *on = k->on ? k->on : _("every screen"), *ls[8];
		int ll[8];
		size_t nl;

		if (!k->name || (!h->all && !tui_key_on(k, h->from)))
			continue;
		filter |= k->act == ACT_FILTER;
		if (!h->all) {
			add(h, (struct help_line){ k->name, _(k->help), -1, NULL, 0, R_NORMAL });
			continue;
		}
		nl = draw_wrap(on, onw, ls, ll, 8);
		for (size_t j = 0; j < nl || j == 0; j++)
			add(h, (struct help_line){ j ? NULL : k->name, j ? "" : _(k->help), -1,
			                           nl ? ls[j] : "", nl ? ll[j] : 0, R_NORMAL });
	}
	if (filter) {
		add(h, (struct help_line){ NULL, "", -1, NULL, 0, R_NORMAL });
		add(h, (struct help_line){ NULL, _("/ takes BPF ('tcp port 8000') or Wireshark's "
		                           "fields ('tcp.flags.syn==1')"), -1, NULL, 0, R_DIM });
	}
}

static void help_draw(struct tui *t, void *priv)
{
	struct help *h = priv;
	int helpw = 0, onx, y;
	char title[256], hints[256];

	(void)t;
	for (size_t i = 0; i < tui_nkeys; i++)
		if (tui_keys[i].help && draw_cols(_(tui_keys[i].help)) > helpw)
			helpw = draw_cols(_(tui_keys[i].help));
	if (NAME_W + 1 + helpw + 12 > COLS)
		helpw = COLS - NAME_W - 13;
	onx = 1 + NAME_W + helpw + 1;
	layout(h, COLS - onx - 1);
	h->shown = LINES - 3;
	if (h->top > h->n - h->shown)
		h->top = h->n - h->shown;
	if (h->top < 0)
		h->top = 0;
	if (h->all) {
		draw_title(_("help: every key, and the screens it works on"), _("q back"));
		snprintf(hints, sizeof hints, _("? keys on the %s screen  Up/Down scroll  q back"),
		         h->from);
	} else {
		snprintf(title, sizeof title, _("help: keys on the %s screen"), h->from);
		draw_title(title, _("? every key  q back"));
		snprintf(hints, sizeof hints, "%s", _("? every key  Up/Down scroll  q back"));
	}
	for (y = 0; y < h->shown && h->top + y < h->n; y++) {
		const struct help_line *l = &h->line[h->top + y];

		if (!l->name) {
			/* a note across the width, or the screens' list going on */
			if (!l->on)
				draw_text(2 + y, 1, COLS - 1, l->role, l->help);
		} else {
			draw_fmt(2 + y, 1, NAME_W, R_HEAD, "%s", l->name);
			draw_text(2 + y, 1 + NAME_W, h->all ? helpw : COLS - 1 - NAME_W, l->role, l->help);
		}
		if (h->all && l->on)
			draw_fmt(2 + y, onx, COLS - onx, R_DIM, "%.*s", l->onl, l->on);
	}
	{
		/* what scrolling would show, on the free row under the title */
		struct tui_list tl = { .n = (size_t)h->n, .top = (size_t)h->top,
		                       .shown = (size_t)(h->n < h->shown ? h->n : h->shown) };

		list_marks(&tl, 1, 1);
	}
	draw_hints(hints);
}

static enum tui_ret help_key(struct tui *t, void *priv, enum tui_act a, int ch)
{
	struct help *h = priv;
	int page = h->shown > 1 ? h->shown - 1 : 1;

	(void)t;
	(void)ch;
	switch (a) {
	case ACT_DOWN: h->top++; break;           /* draw() keeps it in range */
	case ACT_UP: h->top = h->top > 0 ? h->top - 1 : 0; break;
	case ACT_PGDN: h->top += page; break;
	case ACT_PGUP: h->top = h->top > page ? h->top - page : 0; break;
	case ACT_HOME: h->top = 0; break;
	case ACT_END: h->top = h->n; break;
	case ACT_HELP:
		h->all = !h->all;
		h->top = 0;
		break;
	case ACT_BACK: case ACT_ENTER:
		return TUI_CLOSE;
	default:
		break;
	}
	return TUI_STAY;
}

static void help_close(struct tui *t, void *priv)
{
	(void)t;
	free(priv);
}

static const struct tui_view help_view = {
	.name = "help",
	.draw = help_draw,
	.key = help_key,
	.close = help_close,
};

int screen_help_open(struct tui *t, const char *screen)
{
	struct help *h = calloc(1, sizeof *h);

	if (!h)
		return -1;
	snprintf(h->from, sizeof h->from, "%s", screen);
	return tui_push(t, &help_view, h);
}
