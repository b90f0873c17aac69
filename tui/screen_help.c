/* summary: the help screen: every key of the one key table, with what it does. */
#include <curses.h>
#include <stdlib.h>

#include "tui/tui.h"

struct help {
	int top;
};

static void help_draw(struct tui *t, void *priv)
{
	struct help *h = priv;
	int y = 2, row = 0, named = 0, x = 0, colw = COLS, rows = LINES - 3;

	(void)t;
	for (size_t i = 0; i < tui_nkeys; i++)
		named += tui_keys[i].name != NULL;
	/* Two columns when one does not hold every key. */
	if (named > rows && COLS >= 80) {
		colw = COLS / 2;
		rows = (named + 1) / 2;
	}
	draw_title("help: keys (the same on every screen)", "q back");
	for (size_t i = 0; i < tui_nkeys; i++) {
		if (!tui_keys[i].name)
			continue;
		if (row++ < h->top)
			continue;
		if (y >= 2 + rows) {
			if (x || colw == COLS)
				break;
			x = colw;
			y = 2;
		}
		if (y >= LINES - 1)
			break;
		draw_fmt(y, x + 1, 12, R_HEAD, "%s", tui_keys[i].name);
		draw_text(y, x + 13, colw - 14, R_NORMAL, tui_keys[i].help);
		y++;
	}
	if (y + 1 < LINES - 1 && !h->top) {
		draw_text(LINES - 3, 1, COLS - 1, R_DIM,
		          "/ takes BPF ('tcp port 8000') or Wireshark's fields ('tcp.flags.syn==1',");
		draw_text(LINES - 2, 1, COLS - 1, R_DIM,
		          "'tcp.analysis.retransmission'); Up/Down recall; empty Enter clears it.");
	}
	draw_hints("Up/Down scroll  q back");
}

static enum tui_ret help_key(struct tui *t, void *priv, enum tui_act a, int ch)
{
	struct help *h = priv;

	(void)t;
	(void)ch;
	if (a == ACT_DOWN && h->top < (int)tui_nkeys)
		h->top++;
	else if (a == ACT_UP && h->top > 0)
		h->top--;
	else if (a == ACT_BACK || a == ACT_ENTER)
		return TUI_CLOSE;
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

int screen_help_open(struct tui *t)
{
	struct help *h = calloc(1, sizeof *h);

	return h ? tui_push(t, &help_view, h) : -1;
}
