/* summary: the lab menu: numbered labs, one-line summaries and the student's progress; Enter opens a lab. */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/progress.h"
#include "tui/list.h"
#include "tui/tui.h"

struct menu {
	struct tui_list list;
	struct progress prog;
	bool have_prog;
};

/* The variants under the summary: "variant NAME" from VAR_X, then its summary. */
#define VAR_X 2

/*
 * The selected lab's summary, grades and variants from row y to row end (excluded); with
 * draw false only counts. A variant's summary takes two rows where that leaves one for each
 * variant after it; the variants that find no row at all are counted on the last one.
 * Returns the rows it takes.
 */
static int detail(const struct menu *m, const struct lab *l, int namew, int y, int end, bool draw)
{
	int y0 = y, text_x = VAR_X + 9 + namew, w = COLS - text_x - 1;
	char line[600];

	if (draw)
		draw_hline(y, 0, COLS, R_DIM);
	y++;
	const char *summary = lab_text(l, l->summary);

	y += draw ? draw_para(y, 2, COLS - 3, 2, R_NORMAL, summary) :
	     (draw_para_rows(summary, COLS - 3) < 2 ? draw_para_rows(summary, COLS - 3) : 2);
	/* The grades behind the state, once there are any: the column has no room for them. */
	if (m->have_prog) {
		char grades[120];

		progress_summary(progress_get(&m->prog, l->number), grades, sizeof grades);
		if (grades[0] && draw)
			draw_fmt(y, 2, COLS - 2, R_HEAD, _("your grades: %s"), grades);
		y += grades[0] != '\0';
	}
	for (size_t v = 0; v < l->nvariant; v++) {
		int left = end - y - (int)(l->nvariant - v - 1), rows;

		if (y >= end)
			break;
		if (draw && end - y == 1 && v + 1 < l->nvariant) {
			size_t o = (size_t)snprintf(line, sizeof line, _("%zu more variants:"),
			                            l->nvariant - v);
			for (size_t k = v; k < l->nvariant && o < sizeof line; k++)
				o += (size_t)snprintf(line + o, sizeof line - o, "%s %s",
				                      k > v ? "," : "", l->variant[k].name);
			draw_text_cut(y++, VAR_X, COLS - VAR_X - 1, R_DIM, line);
			break;
		}
		rows = draw_para_rows(lab_text(l, l->variant[v].summary), w);
		if (rows > 2)
			rows = 2;
		if (rows > left)
			rows = left > 1 ? left : 1;
		if (draw) {
			draw_fmt(y, VAR_X, text_x - VAR_X, R_DIM, "variant %-*s", namew, l->variant[v].name);
			draw_para(y, text_x, w, rows, R_DIM, lab_text(l, l->variant[v].summary));
		}
		y += rows;
	}
	return y - y0;
}

/* The longest variant name of every lab (14 at least, a third of the width at most), and
 * the most rows a lab's detail takes: the same for every lab, so that neither the summaries'
 * column nor the detail's first row moves while the selection does. */
static void detail_size(const struct menu *m, const struct tui_opts *o, int *namew, int *rows)
{
	*namew = 14;
	for (size_t i = 0; i < o->nlab; i++)
		for (size_t v = 0; v < o->labs[i].nvariant; v++)
			if ((int)strlen(o->labs[i].variant[v].name) > *namew)
				*namew = (int)strlen(o->labs[i].variant[v].name);
	if (*namew > COLS / 3)
		*namew = COLS / 3;
	*rows = 7;
	for (size_t i = 0; i < o->nlab; i++) {
		int r = detail(m, &o->labs[i], *namew, 0, 1000, false);
		if (r > *rows)
			*rows = r;
	}
}

static void menu_draw(struct tui *t, void *priv)
{
	struct menu *m = priv;
	const struct tui_opts *o = tui_opts(t);
	const char *below = o->sandbox_error ? o->sandbox_error : o->sandbox_note;
	int end = below ? LINES - 2 : LINES - 1, dh, lh, namew;
	char err[256];

	/* Re-read each time: a run in this session or 'tcplab grade' elsewhere may change it. */
	m->have_prog = progress_load(&m->prog, err, sizeof err) == 0;
	draw_title(_("tcplab: labs"), _("Enter open  ? help  q quit"));
	if (!o->nlab) {
		draw_text(3, 2, COLS - 2, R_ERROR, _("no labs found under labs/"));
		return;
	}
	draw_fmt(2, 0, COLS, R_HEAD, "  %3s  %-*s %s", "Lab", COLS - 26, "Title", "Progress");
	/* Every lab in the list where it leaves the detail seven rows, the detail what the
	 * labs need of the rest (cut short, a variant's summary takes one row, and the
	 * variants left over are named on the last one); the list scrolls if it must. */
	detail_size(m, o, &namew, &dh);
	lh = (int)o->nlab < end - 3 - 7 ? (int)o->nlab : end - 3 - 7;
	if (lh < 3)
		lh = 3;
	if (dh > end - 3 - lh)
		dh = end - 3 - lh;
	lh = end - 3 - dh;
	list_fit(&m->list, o->nlab, lh, NULL, NULL);
	for (size_t i = m->list.top; i < m->list.top + m->list.shown; i++) {
		const struct lab *l = &o->labs[i];
		const char *state = "";
		char title[512];

		if (m->have_prog)
			state = _(progress_state_str(progress_get(&m->prog, l->number)->state));
		draw_fmt(3 + (int)(i - m->list.top), 0, COLS, i == m->list.sel ? R_SEL : R_NORMAL,
		         "  %3d  %s %s", l->number, draw_pad(title, sizeof title, lab_text(l, l->title), COLS - 26),
		         state);
	}
	detail(m, &o->labs[m->list.sel], namew, end - dh, end, true);
	list_marks(&m->list, 1, end - dh);
	if (below)
		draw_text_cut(LINES - 2, 0, COLS, o->sandbox_error ? R_ERROR : R_NORMAL, below);
	draw_hints(_("Enter open the lesson  d demo  C compare  i open pcap  e grade  ? help  q quit"));
}

/* 'C': the demo's comparison of the lab's first two variants, both run live, one after
 * the other (tcplab demo N --compare V1,V2). */
static void compare(struct tui *t, const struct lab *l)
{
	struct compare_side side[2] = { { .variant = NULL }, { .variant = NULL } };

	if (l->nvariant < 2) {
		tui_status(t, true, _("lab %d has one variant: nothing to compare (d runs its demo)"),
		           l->number);
		return;
	}
	side[0].variant = l->variant[0].name;
	side[1].variant = l->variant[1].name;
	screen_compare_open(t, l, side, 0);
}

/* 'i': a capture file or a run record in the inspect screens, as 'tcplab inspect FILE'
 * opens it. */
static int menu_open(struct tui *t, void *priv, const char *path, char *errbuf, size_t errlen)
{
	struct tui_src *s = src_path_new(path, errbuf, errlen);
	int rc;

	(void)priv;
	if (!s)
		return -1;
	tui_serve(t, s);
	/* a run record on its ladder, as 'tcplab inspect' opens it */
	rc = src_labrun(s) ? screen_ladder_open(t, s) : screen_segs_open(t, s, 0);
	src_unref(s);
	return rc;
}

static enum tui_ret menu_key(struct tui *t, void *priv, enum tui_act a, int ch)
{
	struct menu *m = priv;
	const struct tui_opts *o = tui_opts(t);

	(void)ch;
	if (list_key(&m->list, a))
		return TUI_STAY;
	switch (a) {
	case ACT_ENTER:
		if (o->nlab)
			screen_lesson_open(t, &o->labs[m->list.sel]);
		break;
	case ACT_GRADE:
		if (o->nlab)
			screen_grade_open(t, &o->labs[m->list.sel]);
		break;
	case ACT_DEMO:
		if (o->nlab)
			screen_demo_open(t, &o->labs[m->list.sel], NULL, NULL, 0);
		break;
	case ACT_COMPARE:
		if (o->nlab)
			compare(t, &o->labs[m->list.sel]);
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
	.open = menu_open,
	.close = menu_close,
};

int screen_menu_open(struct tui *t)
{
	struct menu *m = calloc(1, sizeof *m);

	return m ? tui_push(t, &menu_view, m) : -1;
}
