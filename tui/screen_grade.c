/* summary: grade the lab's exercise from the TUI: the compiler's output, or each check with its verdict, the score and what was seen. */
#include <curses.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/grade.h"
#include "engine/labrun.h"
#include "tui/tui.h"

/*
 * The grading is a source like a live run (source.c): the loop serves the compiler's pipe
 * and the run's descriptors, so the screen fills in while it goes and keys still work.
 * Which folder is graded: $TCPLAB_GRADE_SRC when set, else the lab's exercise folder.
 *
 * The body is laid out as rows (text, role, and which check a row belongs to), rebuilt on
 * every draw for the current width; scrolling keeps the selected check's rows in view.
 */

#define MAX_ROWS 1024

struct grade_row {
	const char *s;
	int len;
	int x;
	enum tui_role role;
	long check;             /* index of the check the row belongs to, -1 for none */
	const char *tail;       /* a check's name, drawn after its verdict at column 14 */
	enum tui_role tail_role;
};

struct grade_scr {
	const struct lab *lab;
	struct tui_src *src;
	char error[1024];
	size_t sel;             /* selected check */
	int top;                /* first body row shown */
	bool follow_sel;        /* scroll to the selection on the next draw */
	struct grade_row row[MAX_ROWS];
	int nrow;
	char buf[LAB_MAX_CHECKS + 4][256];      /* storage for formatted rows */
	int nbuf;
};

static void start(struct tui *t, struct grade_scr *g)
{
	const struct tui_opts *o = tui_opts(t);
	const char *dir = getenv("TCPLAB_GRADE_SRC");

	src_unref(g->src);
	g->src = NULL;
	g->error[0] = '\0';
	g->sel = 0;
	g->top = 0;
	if (o->sandbox_error) {
		snprintf(g->error, sizeof g->error, "%s", o->sandbox_error);
		return;
	}
	if (!g->lab->has_exercise) {
		snprintf(g->error, sizeof g->error, _("lab %d has no exercise to grade"),
		         g->lab->number);
		return;
	}
	/* A lab run still going (the lesson's below) is stopped before the grade starts: the
	 * loop serves one source at a time, and the grade's run needs the machine to itself. */
	tui_serve(t, NULL);
	g->src = src_grade_new(g->lab, dir && *dir ? dir : NULL, o->build, g->error,
	                       sizeof g->error);
	if (g->src)
		tui_serve(t, g->src);
}

static void add(struct grade_scr *g, int x, enum tui_role r, long check, const char *s, int len)
{
	if (g->nrow < MAX_ROWS)
		g->row[g->nrow++] = (struct grade_row){ s, len, x, r, check, NULL, R_NORMAL };
}

/* Wrapped text, each line a row. */
static void add_wrapped(struct grade_scr *g, int x, enum tui_role r, long check, const char *s)
{
	const char *lines[64];
	int lens[64];
	size_t n = draw_wrap(s, COLS - x - 1, lines, lens, 64);

	for (size_t i = 0; i < n; i++)
		add(g, x, r, check, lines[i], lens[i]);
}

static const char *fmt(struct grade_scr *g, const char *f, ...)
	__attribute__((format(printf, 2, 3)));

static const char *fmt(struct grade_scr *g, const char *f, ...)
{
	char *b = g->buf[g->nbuf + 1 < (int)(sizeof g->buf / sizeof g->buf[0]) ? g->nbuf++ : g->nbuf];
	va_list ap;

	va_start(ap, f);
	vsnprintf(b, sizeof g->buf[0], f, ap);
	va_end(ap);
	return b;
}

/* The compiler's output keeps its own lines; long ones are cut, not wrapped. */
static void add_log(struct grade_scr *g, const char *log)
{
	while (*log) {
		const char *e = strchr(log, '\n');
		int n = e ? (int)(e - log) : (int)strlen(log);

		add(g, 2, R_NORMAL, -1, log, n);
		log += n + (e != NULL);
	}
}

static void layout(struct grade_scr *g, const struct grade_result *r, bool done)
{
	const struct labrun *run = src_labrun(g->src);

	g->nrow = 0;
	g->nbuf = 0;
	if (r->outcome == GRADE_BUILD_FAILED) {
		add(g, 1, R_FAIL, -1, _("the build failed; the compiler said:"), -1);
		add_log(g, r->build_log);
		return;
	}
	if (!run) {
		add(g, 1, R_DIM, -1, _("building..."), -1);
		add_log(g, r->build_log);
		return;
	}
	if (!done) {
		add(g, 1, R_DIM, -1, _("your program is running against the reference peer..."), -1);
		return;
	}
	if (r->max > 0 && grade_passed(r))
		add(g, 1, R_PASS, -1, fmt(g, _("score: %g/%g - every check passed"), r->score, r->max), -1);
	else
		add(g, 1, R_FAIL, -1, fmt(g, _("score: %g/%g"), r->score, r->max), -1);
	for (size_t i = 0; i < run->ninfo; i++)
		add_wrapped(g, 1, R_HEAD, -1, fmt(g, _("seen: %s"), run->info[i]));
	if (r->note[0])
		add_wrapped(g, 1, R_ERROR, -1, r->note);
	if (r->build_log[0]) {
		add(g, 1, R_DIM, -1, _("the compiler warned:"), -1);
		add_log(g, r->build_log);
	}
	for (size_t i = 0; i < r->ncheck; i++) {
		const struct grade_check *c = &r->check[i];
		enum tui_role vr = c->verdict == EXPECT_PASS ? R_PASS :
		                   c->verdict == EXPECT_FAIL ? R_FAIL : R_HEAD;

		add(g, 1, vr, (long)i, _(expect_verdict_str(c->verdict)), -1);
		/* Said, so that the PASS rows add up to the score. */
		g->row[g->nrow - 1].tail = c->max > 0 ? lab_text(g->lab, c->name) :
		                            fmt(g, _("%s (not scored)"), lab_text(g->lab, c->name));
		g->row[g->nrow - 1].tail_role = i == g->sel ? R_SEL : R_NORMAL;
		add_wrapped(g, 14, R_NORMAL, (long)i, c->explain);
	}
}

static void grade_draw(struct tui *t, void *priv)
{
	struct grade_scr *g = priv;
	const struct grade_result *r;
	char title[300], lab_n[256], state[600];
	int y0 = 3, h = LINES - 4, first = -1, last = -1;
	bool done;

	(void)t;
	/* Two texts, not one with two blanks: a text with two blanks is a hint bar's. */
	snprintf(lab_n, sizeof lab_n, _("lab %d: %s"), g->lab->number,
	         lab_text(g->lab, g->lab->title));
	snprintf(title, sizeof title, "%s  %s", _("grade"), lab_n);
	if (!g->src) {
		draw_title(title, "");
		draw_text(2, 2, COLS - 2, R_ERROR, g->error);
		draw_hints(_("r try again  ? help  q back"));
		return;
	}
	r = src_grade(g->src);
	done = src_grade_done(g->src);
	src_state_str(g->src, state, sizeof state);
	if (done && r->outcome == GRADE_RAN && r->attempt > 0)
		snprintf(state, sizeof state, _("attempt %d, graded in %.1f s"), r->attempt, r->seconds);
	else if (done && r->outcome == GRADE_RAN)
		snprintf(state, sizeof state, _("graded in %.1f s"), r->seconds);
	draw_title(title, state);
	/* A build that failed ran no driver: its seed means nothing. */
	if (r->seed && r->outcome == GRADE_RAN) {
		char src[700];

		snprintf(src, sizeof src, _("source: %s"), r->src);
		draw_fmt(1, 1, COLS - 1, R_DIM, "%s  %s", src, fmt(g, _("(seed %llu)"),
		         (unsigned long long)r->seed));
	} else {
		draw_fmt(1, 1, COLS - 1, R_DIM, _("source: %s"), r->src);
	}
	if (src_run_error(g->src)[0])
		draw_text(2, 1, COLS - 1, R_ERROR, src_run_error(g->src));
	layout(g, r, done);
	/* Rows of the selected check, to keep in view. */
	for (int i = 0; i < g->nrow; i++)
		if (g->row[i].check == (long)g->sel) {
			if (first < 0)
				first = i;
			last = i;
		}
	if (g->follow_sel && first >= 0) {
		if (last - g->top >= h)
			g->top = last - h + 1;
		if (first < g->top)
			g->top = first;
		g->follow_sel = false;
	}
	if (g->top > g->nrow - h)
		g->top = g->nrow - h;
	if (g->top < 0)
		g->top = 0;
	for (int i = g->top; i < g->nrow && i - g->top < h; i++) {
		const struct grade_row *w = &g->row[i];
		int y = y0 + i - g->top;

		draw_fmt(y, w->x, COLS - w->x, w->role, "%.*s",
		         w->len < 0 ? (int)strlen(w->s) : w->len, w->s);
		if (w->tail)
			draw_text(y, 14, COLS - 14, w->tail_role, w->tail);
	}
	draw_hints(done && r->outcome == GRADE_RAN ?
	           _("Up/Down check  Enter its segment  r grade again  a ladder  s segments  ? help  q back") :
	           _("Up/Down scroll  r grade again  ? help  q back"));
}

static enum tui_ret grade_key(struct tui *t, void *priv, enum tui_act a, int ch)
{
	struct grade_scr *g = priv;
	const struct grade_result *r = g->src ? src_grade(g->src) : NULL;
	bool checks = r && src_grade_done(g->src) && r->outcome == GRADE_RAN && r->ncheck;
	struct labrun *run = g->src ? src_labrun(g->src) : NULL;

	(void)ch;
	switch (a) {
	case ACT_UP: case ACT_PREV:
		if (checks) {
			if (g->sel)
				g->sel--;
			g->follow_sel = true;
		} else if (g->top) {
			g->top--;
		}
		break;
	case ACT_DOWN: case ACT_NEXT:
		if (checks) {
			if (g->sel + 1 < r->ncheck)
				g->sel++;
			g->follow_sel = true;
		} else {
			g->top++;
		}
		break;
	case ACT_PGUP:
		g->top -= LINES - 5;
		break;
	case ACT_PGDN:
		g->top += LINES - 5;
		break;
	case ACT_HOME:
		g->sel = 0;
		g->top = 0;
		break;
	case ACT_END:
		if (checks)
			g->sel = r->ncheck - 1;
		g->follow_sel = true;
		g->top = MAX_ROWS;
		break;
	case ACT_ENTER:
		if (!checks || !run)
			break;
		if (g->sel < src_ncheck(g->src))
			screen_checks_segment(t, g->src, g->sel);
		break;
	case ACT_LADDER:
		if (run)
			screen_ladder_open(t, g->src);
		break;
	case ACT_SEGMENTS:
		if (run)
			screen_segs_open(t, g->src, -1);
		break;
	case ACT_CHECKS:
		if (run && run->done)
			screen_checks_open(t, g->src);
		break;
	case ACT_RUN: case ACT_GRADE:
		start(t, g);
		break;
	case ACT_BACK:
		return TUI_CLOSE;
	default:
		break;
	}
	return TUI_STAY;
}

static void grade_close(struct tui *t, void *priv)
{
	struct grade_scr *g = priv;

	(void)t;
	src_unref(g->src);
	free(g);
}

static const struct tui_view grade_view = {
	.name = "grade",
	.draw = grade_draw,
	.key = grade_key,
	.close = grade_close,
};

int screen_grade_open(struct tui *t, const struct lab *lab)
{
	struct grade_scr *g = calloc(1, sizeof *g);

	if (!g)
		return -1;
	g->lab = lab;
	if (tui_push(t, &grade_view, g) < 0)
		return -1;
	start(t, g);
	return 0;
}
