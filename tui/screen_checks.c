/* summary: the checks of a lab run: PASS/FAIL/inconclusive with the explanation; Enter shows the segment. */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine/grade.h"
#include "engine/labrun.h"
#include "tui/tui.h"

struct checks {
	struct tui_src *src;
	size_t sel;
};

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
		tui_status(t, false, "this verdict comes from another scenario's run; the run shown"
		           " is scenario %d's", g->run_scenario);
	else if (k.seg < 0)
		tui_status(t, false, "this check points at no particular segment");
	else
		screen_segs_open(t, s, k.seg);
}

static void chk_draw(struct tui *t, void *priv)
{
	struct checks *c = priv;
	const struct labrun *run = src_labrun(c->src);
	char state[256];
	int y = 2;
	size_t n;

	(void)t;
	src_state_str(c->src, state, sizeof state);
	draw_title("checks", state);
	if (!run->done) {
		draw_text(2, 2, COLS - 2, R_DIM, src_run_error(c->src)[0] ? src_run_error(c->src) :
		          "the run is still going: checks are judged when it ends");
		draw_hints("q back  ? help");
		return;
	}
	n = src_ncheck(c->src);
	if (c->sel >= n)
		c->sel = n ? n - 1 : 0;
	for (size_t i = 0; i < n && y < LINES - 2; i++) {
		struct src_check k;
		const char *lines[16];
		int lens[16];
		size_t nl;

		src_check(c->src, i, &k);
		draw_fmt(y, 0, 14, verdict_role(k.verdict), " %-12s", expect_verdict_str(k.verdict));
		draw_fmt(y, 14, COLS - 14, i == c->sel ? R_SEL : R_NORMAL, "%s%s", k.name,
		         k.scored ? "" : " (not scored)");
		y++;
		nl = draw_wrap(k.explain, COLS - 16, lines, lens, 16);
		for (size_t j = 0; j < nl && y < LINES - 2; j++, y++)
			draw_fmt(y, 14, COLS - 14, R_NORMAL, "%.*s", lens[j], lines[j]);
	}
	draw_hints("q back  Up/Down select  Enter the segment it points at  ? help");
}

static enum tui_ret chk_key(struct tui *t, void *priv, enum tui_act a, int ch)
{
	struct checks *c = priv;
	const struct labrun *run = src_labrun(c->src);

	(void)ch;
	switch (a) {
	case ACT_UP: case ACT_PREV:
		if (c->sel)
			c->sel--;
		break;
	case ACT_DOWN: case ACT_NEXT:
		if (c->sel + 1 < src_ncheck(c->src))
			c->sel++;
		break;
	case ACT_ENTER:
		if (!run->done || c->sel >= src_ncheck(c->src))
			break;
		screen_checks_segment(t, c->src, c->sel);
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
