/* summary: the checks of a lab run: PASS/FAIL/inconclusive with the explanation; Enter shows the segment. */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine/grade.h"
#include "engine/labrun.h"
#include "tui/list.h"
#include "tui/tui.h"
#include "util/textcols.h"

struct checks {
	struct tui_src *src;
	struct tui_list list;
};

/* A check: its name, then why, each wrapped under the verdict's column. */
#define CHK_X 14

static enum tui_role verdict_role(enum expect_verdict v)
{
	return v == EXPECT_PASS ? R_PASS : v == EXPECT_FAIL ? R_FAIL : R_HEAD;
}

void screen_checks_segment(struct tui *t, struct tui_src *s, size_t i)
{
	const struct grade_result *g = src_grade(s);
	struct src_check k;

	src_check(s, i, &k);
	if (k.elsewhere && g)
		tui_status(t, false, _("this verdict comes from another scenario's run; the run shown"
		           " is scenario %d's"), g->run_scenario);
	else if (k.seg < 0)
		tui_status(t, false, _("this check points at no particular segment"));
	else
		screen_segs_open(t, s, k.seg);
}

/* Check i as drawn: its name (with "(not scored)" where the score leaves it out). */
static void chk_get(const struct tui_src *s, size_t i, struct src_check *k, char *name, size_t len)
{
	const struct labrun *run = src_labrun(s);
	const char *n;

	src_check(s, i, k);
	n = lab_text(run ? run->lab : NULL, k->name);
	if (k->scored)
		snprintf(name, len, "%s", n);
	else
		snprintf(name, len, _("%s (not scored)"), n);
}

static int chk_rows(void *ctx, size_t i)
{
	struct src_check k;
	char name[512];

	chk_get(ctx, i, &k, name, sizeof name);
	return draw_para_rows(name, COLS - CHK_X - 1) + draw_para_rows(k.explain, COLS - CHK_X - 1);
}

static void chk_draw(struct tui *t, void *priv)
{
	struct checks *c = priv;
	const struct labrun *run = src_labrun(c->src);
	char state[256];
	int y = 2, h = LINES - 4;

	(void)t;
	src_state_str(c->src, state, sizeof state);
	draw_title(_("checks"), state);
	if (!run->done) {
		draw_text(2, 2, COLS - 2, R_DIM, src_run_error(c->src)[0] ? src_run_error(c->src) :
		          _("the run is still going: checks are judged when it ends"));
		draw_hints(_("q back  ? help"));
		return;
	}
	list_fit(&c->list, src_ncheck(c->src), h, chk_rows, c->src);
	for (size_t i = c->list.top; i < c->list.top + c->list.shown; i++) {
		struct src_check k;
		char name[512];

		chk_get(c->src, i, &k, name, sizeof name);
		const char *v = _(expect_verdict_str(k.verdict));
		int pad = 12 - textcols_label(v);

		/* Padded by columns, as " %-12s" did for the English words. */
		draw_fmt(y, 0, CHK_X, verdict_role(k.verdict), " %s%*s", v, pad > 0 ? pad : 0, "");
		y += draw_para(y, CHK_X, COLS - CHK_X - 1, 2 + h - y,
		               i == c->list.sel ? R_SEL : R_NORMAL, name);
		y += draw_para(y, CHK_X, COLS - CHK_X - 1, 2 + h - y, R_NORMAL, k.explain);
	}
	list_marks(&c->list, 1, LINES - 2);
	draw_hints(_("q back  Up/Down select  Enter the segment it points at  ? help"));
}

static enum tui_ret chk_key(struct tui *t, void *priv, enum tui_act a, int ch)
{
	struct checks *c = priv;
	const struct labrun *run = src_labrun(c->src);
	size_t sel = c->list.sel;

	(void)ch;
	if (list_key(&c->list, a))
		return TUI_STAY;
	switch (a) {
	case ACT_ENTER:
		if (!run->done || sel >= src_ncheck(c->src))
			break;
		screen_checks_segment(t, c->src, sel);
		break;
	case ACT_BACK:
		return TUI_CLOSE;
	default:
		break;
	}
	return TUI_STAY;
}

static void chk_close(struct tui *t, void *priv)
{
	struct checks *c = priv;

	(void)t;
	src_unref(c->src);
	free(c);
}

static const struct tui_view checks_view = {
	.name = "checks",
	.draw = chk_draw,
	.key = chk_key,
	.close = chk_close,
};

int screen_checks_open(struct tui *t, struct tui_src *s)
{
	struct checks *c = calloc(1, sizeof *c);

	if (!c)
		return -1;
	c->src = src_ref(s);
	return tui_push(t, &checks_view, c);
}
