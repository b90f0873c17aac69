/* summary: a lab's lesson step by step; a step that runs a variant runs it live in the pane below. */
#include <curses.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/dfilter.h"
#include "engine/ladder.h"
#include "engine/labrun.h"
#include "engine/lang.h"
#include "engine/lesson.h"
#include "engine/progress.h"
#include "tui/list.h"
#include "tui/tui.h"
#include "util/errbuf.h"

/*
 * The pane below the text shows the run of the step, or of the nearest earlier step that
 * has one (a step that explains what the last run showed keeps it in view). It follows the
 * run's end, unless the step says which part it talks about ("show: FILTER"): then it
 * follows the end only until the first segment the filter matches arrives, and from then
 * on keeps that segment at its top (Up/Down after Tab still move).
 */

#define NO_RUN SIZE_MAX

struct lesson_scr {
	const struct lab *lab;
	struct lesson ls;
	char load_error[512];
	size_t step;
	struct tui_src *run[LESSON_MAX_STEPS];     /* by the step that has the "run:" */
	bool recorded[LESSON_MAX_STEPS];
	char run_error[LESSON_MAX_STEPS][512];
	bool focus_run;
	int text_top;
	size_t sel;             /* row in the run pane, when focused */
	size_t ptop;            /* the pane's first row */
	bool tail;              /* the pane follows the run's end */
	struct dfilter *show;   /* the step's "show:", compiled; NULL: none */
	size_t show_from;       /* segments of the run it has been tried on */
	bool anchored;          /* the pane was put on the segment it matched */
	char flow[8192];        /* the step's text reflowed for the screen's width */
};

/* The step whose run the pane of step k shows: k's own, else the nearest earlier one's. */
static size_t pane_step(const struct lesson_scr *l, size_t k)
{
	for (size_t i = k + 1; i-- > 0;)
		if (l->ls.step[i].run[0])
			return i;
	return NO_RUN;
}

/* The pane starts over: at the run's end, looking for the step's segment again. */
static void pane_reset(struct lesson_scr *l)
{
	l->tail = true;
	l->sel = l->ptop = 0;
	l->show_from = 0;
	l->anchored = false;
}

static void start_run(struct tui *t, struct lesson_scr *l, size_t k)
{
	const struct lesson_step *st = &l->ls.step[k];
	const struct lab_variant *v = lab_variant_find(l->lab, st->run);
	const struct tui_opts *o = tui_opts(t);

	/* One live run at a time: a run still going on another step is stopped. */
	for (size_t i = 0; i < l->ls.nstep; i++)
		if (l->run[i] && src_busy(l->run[i])) {
			src_unref(l->run[i]);
			l->run[i] = NULL;
		}
	if (l->run[k]) {
		src_unref(l->run[k]);
		l->run[k] = NULL;
	}
	l->run_error[k][0] = '\0';
	pane_reset(l);
	if (!v) {
		snprintf(l->run_error[k], sizeof l->run_error[0],
		         _("lesson step runs variant '%s', which lab.conf does not define"), st->run);
		return;
	}
	if (o->sandbox_error) {
		snprintf(l->run_error[k], sizeof l->run_error[0], "%s", o->sandbox_error);
		return;
	}
	l->run[k] = src_run_new(l->lab, v, o->build, l->run_error[k], sizeof l->run_error[0]);
	l->recorded[k] = false;
	if (l->run[k])
		tui_serve(t, l->run[k]);
}

static void arrive(struct tui *t, struct lesson_scr *l)
{
	const struct lesson_step *st = &l->ls.step[l->step];
	char err[512];

	l->text_top = 0;
	l->focus_run = false;
	pane_reset(l);
	dfilter_free(l->show);
	l->show = NULL;
	/* checked when the lesson was loaded: a failure here is memory */
	if (st->show[0] && dfilter_compile(st->show, DLT_RAW, DFILTER_NO_BPF, &l->show,
	                                 err, sizeof err) < 0)
		tui_status(t, true, _("the step's 'show: %s' cannot be used: %s"), st->show, err);
	if (st->run[0] && !l->run[l->step] && !l->run_error[l->step][0])
		start_run(t, l, l->step);
}

/* Put the pane on the step's segment once it is there: its row second from the top. */
static void anchor(struct lesson_scr *l, struct tui_src *s, const struct ladder *lad)
{
	long seg;

	if (!l->show || l->anchored || !lad)
		return;
	seg = src_first_match(s, l->show, l->show_from);
	l->show_from = src_count(s);
	if (seg < 0)
		return;
	for (size_t k = 0; k < lad->n; k++)
		if (lad->row[k].kind == LADDER_SEG && lad->row[k].index >= (size_t)seg) {
			l->sel = k;
			l->ptop = k ? k - 1 : 0;
			l->tail = false;
			l->anchored = true;
			return;
		}
	/* its row is not in the ladder yet (or filtered out): look again next time */
	l->show_from = (size_t)seg;
}

static void draw_run_pane(struct lesson_scr *l, struct tui_src *s, int y0, int h)
{
	const struct ladder *lad = src_ladder(s);
	size_t n = lad ? lad->n : 0, rows = h > 1 ? (size_t)h - 1 : 1;

	anchor(l, s, lad);
	if (l->tail && n)
		l->sel = n - 1;
	if (l->sel >= n)
		l->sel = n ? n - 1 : 0;
	/* the selected row in view: at the bottom when following the end */
	if (l->sel < l->ptop)
		l->ptop = l->sel;
	if (l->sel >= l->ptop + rows)
		l->ptop = l->sel - rows + 1;
	lview_draw_head(s, lad, y0);
	for (size_t y = 0; y < rows && l->ptop + y < n; y++)
		lview_draw_row(lad, l->ptop + y, y0 + 1 + (int)y, l->focus_run && l->ptop + y == l->sel);
}

static void les_draw(struct tui *t, void *priv)
{
	struct lesson_scr *l = priv;
	const struct lesson_step *st;
	const char *lines[256];
	int lens[256], text_h, rows, y;
	char title[256], right[64], state[600], note[300];
	size_t n, ps;

	(void)t;
	snprintf(title, sizeof title, _("lab %d: %s"), l->lab->number, lab_text(l->lab, l->lab->title));
	if (l->load_error[0]) {
		draw_title(title, "");
		draw_text(2, 2, COLS - 2, R_ERROR, l->load_error);
		draw_hints(_("q back"));
		return;
	}
	st = &l->ls.step[l->step];
	ps = pane_step(l, l->step);
	snprintf(right, sizeof right, _("step %zu/%zu"), l->step + 1, l->ls.nstep);
	draw_title(title, right);
	draw_text(1, 1, COLS - 1, R_HEAD, st->title);
	draw_reflow(st->text, l->flow, sizeof l->flow);
	n = draw_wrap(l->flow, COLS - 2, lines, lens, 256);
	text_h = LINES - 4;
	if (ps != NO_RUN)
		text_h = (int)n < (LINES - 4) / 2 ? (int)n : (LINES - 4) / 2;
	/* Text longer than its area gives its last row to the marks of what is hidden. */
	rows = (int)n > text_h && text_h > 1 ? text_h - 1 : text_h;
	if (l->text_top > (int)n - rows)
		l->text_top = (int)n - rows;
	if (l->text_top < 0)
		l->text_top = 0;
	for (y = 0; y < rows && l->text_top + y < (int)n; y++)
		draw_fmt(2 + y, 1, COLS - 1, R_NORMAL, "%.*s", lens[l->text_top + y],
		         lines[l->text_top + y]);
	if (rows < text_h) {
		struct tui_list tl = { .n = n, .top = (size_t)l->text_top, .shown = (size_t)y };

		list_marks(&tl, 1, 2 + rows);
	}
	if (ps != NO_RUN) {
		const char *variant = l->ls.step[ps].run;
		struct tui_src *s = l->run[ps];
		int ry = 2 + text_h;

		if (s && src_labrun(s)->stopped)
			snprintf(state, sizeof state, _("stopped before its end: r runs it again"));
		else if (s)
			src_state_str(s, state, sizeof state);
		else
			snprintf(state, sizeof state, "%s", l->run_error[ps][0] ?
			         l->run_error[ps] : _("not run yet: press r"));
		draw_hline(ry, 0, COLS, l->focus_run ? R_HEAD : R_DIM);
		if (s)
			src_filter_note(s, note, sizeof note);
		draw_fmt(ry, 2, COLS - 4, l->focus_run ? R_SEL : R_HEAD, " run %s: %s%s%s ", variant,
		         s ? note : "", s && note[0] ? "; " : "", state);
		if (!s && l->run_error[ps][0]) {
			const char *el[6];
			int ell[6];
			size_t en = draw_wrap(l->run_error[ps], COLS - 4, el, ell, 6);
			for (size_t i = 0; i < en; i++)
				draw_fmt(ry + 1 + (int)i, 2, COLS - 2, R_ERROR, "%.*s", ell[i], el[i]);
		}
		if (s) {
			const struct labrun *run = src_labrun(s);
			if (run->done && !l->recorded[ps]) {
				char err[256];
				l->recorded[ps] = true;
				progress_demo_ran(l->lab->number, err, sizeof err);
			}
			draw_run_pane(l, s, ry + 1, LINES - 2 - ry - 1);
			/* what the pane's times count from: on the run line where it leaves room,
			 * else in the pane's header, over "wire" */
			const char *tnote = src_time_note(s);
			int nl = (int)strlen(tnote) + 2, used = (int)(strlen(variant) + strlen(state)) + 9;
			if (used + nl + 2 <= COLS)
				draw_fmt(ry, COLS - nl - 2, nl, R_DIM, " %s ", tnote);
			else
				lview_head_note(src_ladder(s), ry + 1, tnote + strlen("time: "));
		}
		draw_hints(_("Left/Right step  r run again  Tab pane  Enter/a ladder  s segments  c checks  e grade  ? help  q back"));
	} else {
		draw_hints(_("Left/Right or Space: step  Up/Down scroll  e grade the exercise  ? help  q back"));
	}
}

static enum tui_ret les_key(struct tui *t, void *priv, enum tui_act a, int ch)
{
	struct lesson_scr *l = priv;
	struct tui_src *s;
	const struct ladder *lad;
	size_t ps;

	(void)ch;
	if (l->load_error[0])
		return a == ACT_BACK ? TUI_CLOSE : TUI_STAY;
	ps = pane_step(l, l->step);
	s = ps != NO_RUN ? l->run[ps] : NULL;
	switch (a) {
	case ACT_NEXT:
		if (l->step + 1 < l->ls.nstep) {
			l->step++;
			arrive(t, l);
		}
		break;
	case ACT_PREV:
		if (l->step) {
			l->step--;
			arrive(t, l);
		}
		break;
	case ACT_UP:
		if (l->focus_run) {
			l->tail = false;
			l->anchored = true;     /* moved by hand: the step's segment no longer */
			if (l->sel)
				l->sel--;
		} else {
			l->text_top--;
		}
		break;
	case ACT_DOWN:
		if (l->focus_run) {
			l->tail = false;
			l->anchored = true;
			l->sel++;
		} else {
			l->text_top++;
		}
		break;
	case ACT_TAB:
		if (s)
			l->focus_run = !l->focus_run;
		break;
	case ACT_RUN:
		if (ps != NO_RUN)
			start_run(t, l, ps);
		else
			tui_status(t, false, _("this step runs nothing: the steps with a run show a pane below"));
		break;
	case ACT_ENTER:
		if (!s)
			break;
		lad = src_ladder(s);
		if (l->focus_run && lad && l->sel < lad->n && lad->row[l->sel].kind == LADDER_SEG) {
			screen_segs_open(t, s, (long)lad->row[l->sel].index);
			break;
		}
		screen_ladder_open(t, s);
		break;
	case ACT_LADDER:
		if (s)
			screen_ladder_open(t, s);
		break;
	case ACT_SEGMENTS:
		if (s)
			screen_segs_open(t, s, -1);
		break;
	case ACT_CHECKS:
		if (s)
			screen_checks_open(t, s);
		break;
	case ACT_GRADE:
		screen_grade_open(t, l->lab);
		break;
	case ACT_HOME:
		l->step = 0;
		arrive(t, l);
		break;
	case ACT_BACK:
		if (l->focus_run) {
			l->focus_run = false;
			break;
		}
		return TUI_CLOSE;
	default:
		break;
	}
	return TUI_STAY;
}

static int les_filter(struct tui *t, void *priv, const char *expr, char *errbuf, size_t errlen)
{
	struct lesson_scr *l = priv;
	size_t ps = pane_step(l, l->step);
	int rc;

	(void)t;
	if (ps == NO_RUN || !l->run[ps]) {
		snprintf(errbuf, errlen, _("nothing to filter: this step has no run"));
		return -1;
	}
	rc = src_filter(l->run[ps], expr, errbuf, errlen);
	if (rc == 0 && l->show)
		pane_reset(l);  /* other rows: the step's segment is looked for among them */
	return rc;
}

static void les_close(struct tui *t, void *priv)
{
	struct lesson_scr *l = priv;

	(void)t;
	for (size_t i = 0; i < LESSON_MAX_STEPS; i++)
		src_unref(l->run[i]);
	dfilter_free(l->show);
	if (!l->load_error[0])
		lesson_release(&l->ls);
	free(l);
}

static const struct tui_view lesson_view = {
	.name = "lesson",
	.draw = les_draw,
	.key = les_key,
	.filter = les_filter,
	.close = les_close,
};

int screen_lesson_open(struct tui *t, const struct lab *lab)
{
	struct lesson_scr *l = calloc(1, sizeof *l);
	char path[1024];

	if (!l)
		return -1;
	l->lab = lab;
	/* The student's language, or English where the lab has no translation. */
	if (lang_path(lab->dir, lab->lesson, tui_opts(t)->lang, path, sizeof path, l->load_error,
	              sizeof l->load_error) >= 0 &&
	    lesson_load(path, &l->ls, l->load_error, sizeof l->load_error) < 0 && !l->load_error[0])
		errbuf_set(l->load_error, sizeof l->load_error, _("cannot read the lesson '%s'"), path);
	if (tui_push(t, &lesson_view, l) < 0)
		return -1;
	if (!l->load_error[0])
		arrive(t, l);
	return 0;
}
