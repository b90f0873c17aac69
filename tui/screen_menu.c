/* summary: the lab menu: numbered labs, one-line summaries and the student's progress; Enter opens a lab. */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine/progress.h"
#include "tui/tui.h"

struct menu {
	size_t sel;
	struct progress prog;
	bool have_prog;
};

static void menu_draw(struct tui *t, void *priv)
{
	struct menu *m = priv;
	const struct tui_opts *o = tui_opts(t);
	const char *lines[8];
	int lens[8], y;
	char err[256];

	/* Re-read each time: a run in this session or 'tcplab grade' elsewhere may change it. */
	m->have_prog = progress_load(&m->prog, err, sizeof err) == 0;
	draw_title("tcplab: labs", "Enter open  ? help  q quit");
	draw_fmt(2, 0, COLS, R_HEAD, "  %3s  %-*s %s", "Lab", COLS - 26, "Title", "Progress");
	for (size_t i = 0; i < o->nlab && 3 + (int)i < LINES - 8; i++) {
		const struct lab *l = &o->labs[i];
		const char *state = "";

		if (m->have_prog)
			state = progress_state_str(progress_get(&m->prog, l->number)->state);
		draw_fmt(3 + (int)i, 0, COLS, i == m->sel ? R_SEL : R_NORMAL, "  %3d  %-*.*s %s",
		         l->number, COLS - 26, COLS - 26, l->title, state);
	}
	if (!o->nlab) {
		draw_text(3, 2, COLS - 2, R_ERROR, "no labs found under labs/");
		return;
	}
	const struct lab *l = &o->labs[m->sel];
	y = LINES - 8;
	draw_hline(y++, 0, COLS, R_DIM);
	size_t n = draw_wrap(l->summary, COLS - 4, lines, lens, 2);
	for (size_t i = 0; i < n; i++)
		draw_fmt(y++, 2, COLS - 2, R_NORMAL, "%.*s", lens[i], lines[i]);
	/* The grades behind the state, once there are any: the column has no room for them. */
	if (m->have_prog) {
		char grades[120];

		progress_summary(progress_get(&m->prog, l->number), grades, sizeof grades);
		if (grades[0])
			draw_fmt(y++, 2, COLS - 2, R_HEAD, "your grades: %s", grades);
	}
	for (size_t v = 0; v < l->nvariant && y < LINES - 1; v++)
		draw_fmt(y++, 2, COLS - 2, R_DIM, "variant %-14s %s", l->variant[v].name,
		         l->variant[v].summary);
	if (o->sandbox_error)
		draw_text(LINES - 2, 0, COLS, R_ERROR, o->sandbox_error);
	draw_hints("Up/Down choose  Enter open the lesson  e grade the exercise  ? help  q quit");
}

static enum tui_ret menu_key(struct tui *t, void *priv, enum tui_act a, int ch)
{
	struct menu *m = priv;
	const struct tui_opts *o = tui_opts(t);

	(void)ch;
	switch (a) {
	case ACT_UP: case ACT_PREV:
		if (m->sel)
			m->sel--;
		break;
	case ACT_DOWN: case ACT_NEXT:
		if (m->sel + 1 < o->nlab)
			m->sel++;
		break;
	case ACT_HOME:
		m->sel = 0;
		break;
	case ACT_END:
		m->sel = o->nlab ? o->nlab - 1 : 0;
		break;
	case ACT_ENTER:
		if (o->nlab)
			screen_lesson_open(t, &o->labs[m->sel]);
		break;
	case ACT_GRADE:
		if (o->nlab)
			screen_grade_open(t, &o->labs[m->sel]);
		break;
	case ACT_BACK:
		return TUI_CLOSE;
	default:
		break;
	}
	return TUI_STAY;
}

static void menu_close(struct tui *t, void *priv)
{
	(void)t;
	free(priv);
}

static const struct tui_view menu_view = {
	.name = "menu",
	.draw = menu_draw,
	.key = menu_key,
	.close = menu_close,
};

int screen_menu_open(struct tui *t)
{
	struct menu *m = calloc(1, sizeof *m);

	return m ? tui_push(t, &menu_view, m) : -1;
}
