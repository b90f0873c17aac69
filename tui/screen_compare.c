/* summary: the demo's comparison: two ladders side by side (two variants, two runs or two captures), each with a line of measures. */
#include <curses.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/ladder.h"
#include "capture/pktindex.h"
#include "engine/labcheck.h"
#include "engine/labrun.h"
#include "engine/lang.h"
#include "tui/tui.h"

/*
 * Left and right are the same kind of thing: a source (a live run or a replayed capture),
 * how many of its segments are revealed, and its measures.
 *
 * Two ways to step ('A' toggles). Aligned by time (the default): one clock, at_ns since
 * each run began (ladder_t0), and each side shows every segment it had sent by then, so
 * two runs of different lengths stay comparable (at 42 ms Nagle's run has sent one
 * request's body, TCP_NODELAY's has finished); a step goes to the next segment of the
 * sides that step (Tab: both, left, right), the other side following the clock. Aligned
 * by segment: each side counts its own segments, and a step moves the focused side, or
 * both, by one segment.
 *
 * The loop serves one source in progress at a time (tui_serve), and two live runs of one
 * lab would fight over its namespaces and port anyway, so a side that runs live waits
 * ("pending") until the other side's source is finished; the screen's wait_ms asks for a
 * tick at once when there is such a hand-over to make, and tick makes it.
 *
 * The measures are computed once a side's source is complete, over all its segments (not
 * the filtered ones): they describe the run, not the view.
 */

#define MIN_STEP_MS 250
#define MAX_STEP_MS 8000
#define BOTH 2

enum { STEP_FIRST = 100, STEP_LAST = 101 };

struct measure {
	bool done;              /* computed (the source is complete) */
	struct ladder_measures m;
	bool checks;            /* a live run: its checks */
	size_t pass, ncheck;
};

struct side {
	struct tui_src *src;
	int variant;            /* index into lab->variant, -1: none (an unnamed capture) */
	const char *pcap;
	char name[48];
	char error[1024];
	size_t shown;           /* segments revealed (visible positions) */
	bool pending;           /* a live run to start when the other side's source is done */
	struct measure m;
	struct narration_cache nc;
};

struct compare {
	const struct lab *lab;
	struct side side[2];
	int focus;              /* 0 left, 1 right, BOTH */
	bool by_seg;            /* aligned by segment number, else by time */
	uint64_t at_ns;         /* by time: the clock, ns since each run began */
	bool at_start;          /* by time: at the first segment of either side (resolved as
	                           the sides' sources grow: a live run starts later) */
	int serving;            /* the side whose source the loop serves, -1: none */
	bool playing;
	int step_ms;
	long long next_ms;
	struct narration *narr;
};

static long long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The engine's measures of the whole run (engine/ladder.h: the checks' round-trip and
 * delayed-ACK rules, every connection), and a live run's checks. */
static void measure(struct tui_src *s, struct measure *m)
{
	const struct labrun *run = src_labrun(s);
	const struct ladder *l = src_ladder(s);

	memset(m, 0, sizeof *m);
	m->done = true;
	if (l)
		ladder_measure(l, &m->m);
	if (run && run->done) {
		m->checks = true;
		m->ncheck = run->ncheck;
		for (size_t i = 0; i < run->ncheck; i++)
			m->pass += run->check[i].r.verdict == EXPECT_PASS;
	}
}

/* The measures as one line that fits w columns: the items that differ most between
 * variants first, each dropped when it no longer fits. */
static void measure_line(const struct side *sd, int w, char *out, size_t len)
{
	const struct ladder_measures *m = &sd->m.m;
	char item[4][2][64];
	int n = 0, used = 0;

	out[0] = '\0';
	if (!sd->src) {
		snprintf(out, len, "%s", sd->pending ? _("waits for the other side's run") : "");
		return;
	}
	if (!sd->m.done) {
		src_state_str(sd->src, out, len);
		return;
	}
	if (m->nrtt) {
		double v = m->rtt_median_ms;
		int prec = v >= 10 ? 1 : v >= 1 ? 2 : 3;
		snprintf(item[n][0], sizeof item[0][0], _("median round trip %.*f ms"), prec, v);
		snprintf(item[n++][1], sizeof item[0][0], _("RTT %.*fms"), prec, v);
	}
	snprintf(item[n][0], sizeof item[0][0], m->delacks == 1 ? _("%zu delayed ACK") :
	         _("%zu delayed ACKs"), m->delacks);
	memcpy(item[n][1], item[n][0], sizeof item[n][1]);
	n++;
	snprintf(item[n][0], sizeof item[0][0], _("%zu segments in %.0f ms"), m->nseg, m->dur_ms);
	snprintf(item[n++][1], sizeof item[0][0], "%zu segs", m->nseg);
	if (sd->m.checks) {
		snprintf(item[n][0], sizeof item[0][0], _("%zu/%zu checks passed"), sd->m.pass,
		         sd->m.ncheck);
		snprintf(item[n++][1], sizeof item[0][0], "%zu/%zu ok", sd->m.pass, sd->m.ncheck);
	}
	/* Long forms while at least three items fit (every item when there are fewer), else
	 * short forms; items that do not fit are left out from the end. */
	for (int f = 0; f < 2; f++) {
		int kept = 0;

		used = 0;
		out[0] = '\0';
		for (int i = 0; i < n; i++) {
			int l = (int)strlen(item[i][f]) + (used ? 2 : 0);
			if (used + l > w)
				break;
			snprintf(out + used, len - (size_t)used, "%s%s", used ? "  " : "", item[i][f]);
			used += l;
			kept++;
		}
		if (kept >= (n < 3 ? n : 3))
			break;
	}
}

static bool busy(const struct side *sd)
{
	return sd->src && src_busy(sd->src);
}

/* Is there a hand-over for tick() to make: nothing served is busy, but a side is. */
static bool handover_due(const struct compare *c)
{
	if (c->serving >= 0 && busy(&c->side[c->serving]))
		return false;
	for (int k = 0; k < 2; k++)
		if (c->side[k].pending || (k != c->serving && busy(&c->side[k])))
			return true;
	return false;
}

static void start_live(struct tui *t, struct compare *c, int k)
{
	const struct tui_opts *o = tui_opts(t);
	struct side *sd = &c->side[k];

	sd->pending = false;
	if (o->sandbox_error)
		snprintf(sd->error, sizeof sd->error, "%s", o->sandbox_error);
	else
		sd->src = src_run_new(c->lab, &c->lab->variant[sd->variant], o->build, sd->error,
		                      sizeof sd->error);
}

/* Serve the side in progress, else start the next pending live run. */
static void handover(struct tui *t, struct compare *c)
{
	if (c->serving >= 0 && busy(&c->side[c->serving]))
		return;
	c->serving = -1;
	for (int k = 0; k < 2 && c->serving < 0; k++)
		if (busy(&c->side[k]))
			c->serving = k;
	for (int k = 0; k < 2 && c->serving < 0; k++)
		if (c->side[k].pending) {
			start_live(t, c, k);
			if (c->side[k].src)
				c->serving = k;
		}
	if (c->serving >= 0)
		tui_serve(t, c->side[c->serving].src);
}

static void side_reset(struct side *sd)
{
	src_unref(sd->src);
	sd->src = NULL;
	sd->error[0] = '\0';
	sd->shown = 1;
	sd->m.done = false;
	sd->nc.for_i = SIZE_MAX;
}

/* Both sides again, live, one after the other; an unnamed capture stays as it is. */
static void rerun(struct tui *t, struct compare *c)
{
	for (int k = 0; k < 2; k++) {
		struct side *sd = &c->side[k];

		if (sd->variant < 0)
			continue;
		side_reset(sd);
		sd->pcap = NULL;
		sd->pending = true;
	}
	c->next_ms = mono_ms() + c->step_ms;
	c->at_start = true;
	c->serving = -1;
	handover(t, c);
}

static void name_side(struct side *sd, const struct lab *lab)
{
	const char *base;

	if (sd->src && src_labrun(sd->src))
		snprintf(sd->name, sizeof sd->name, "%s", src_variant(sd->src)->name);
	else if (sd->variant >= 0)
		snprintf(sd->name, sizeof sd->name, "%s", lab->variant[sd->variant].name);
	else if (sd->pcap && (base = strrchr(sd->pcap, '/')))
		snprintf(sd->name, sizeof sd->name, "%s", base + 1);
	else
		snprintf(sd->name, sizeof sd->name, "%s", sd->pcap ? sd->pcap : "capture");
	if (sd->src && !src_labrun(sd->src) && sd->variant >= 0)
		snprintf(sd->name + strlen(sd->name), sizeof sd->name - strlen(sd->name), " (replay)");
}

/* The first and last segment of a side's ladder, as ns since its run began. */
static bool seg_bound(struct side *sd, bool last, uint64_t *out)
{
	const struct ladder *l = sd->src ? src_ladder(sd->src) : NULL;

	for (size_t i = 0; l && i < l->n; i++) {
		const struct ladder_row *r = &l->row[last ? l->n - 1 - i : i];
		if (r->kind == LADDER_SEG) {
			*out = r->t_ns - ladder_t0(l);
			return true;
		}
	}
	return false;
}

static bool steps(const struct compare *c, int k)
{
	return c->focus == BOTH || c->focus == k;
}

/* By time: the clock at the first segment of either side while at the start; each side
 * then shows its segments up to the clock. */
static void sync_time(struct compare *c)
{
	uint64_t t;

	if (c->by_seg)
		return;
	if (c->at_start) {
		bool any = false;
		for (int k = 0; k < 2; k++)
			if (seg_bound(&c->side[k], false, &t) && (!any || t < c->at_ns)) {
				c->at_ns = t;
				any = true;
			}
		if (!any)
			c->at_ns = 0;
	}
	for (int k = 0; k < 2; k++) {
		struct side *sd = &c->side[k];
		const struct ladder *l = sd->src ? src_ladder(sd->src) : NULL;
		struct ladder_at a;

		sd->shown = 0;
		if (l) {
			ladder_at(l, c->at_ns, &a);
			sd->shown = a.nseg;
		}
	}
}

/* By time: the clock to the next (by > 0) or previous segment of the sides that step,
 * or to their first or last one. */
static void step_time(struct compare *c, int by)
{
	bool any = false;
	uint64_t best = 0, t;

	sync_time(c);
	if (by == STEP_FIRST) {
		c->at_start = true;
		return;
	}
	for (int k = 0; k < 2; k++) {
		struct side *sd = &c->side[k];
		const struct ladder *l = sd->src ? src_ladder(sd->src) : NULL;
		struct ladder_at a;
		bool has;

		if (!steps(c, k) || !l)
			continue;
		ladder_at(l, c->at_ns, &a);
		if (by == STEP_LAST)
			has = seg_bound(sd, true, &t);
		else if (by > 0)
			has = a.has_next, t = a.next_ns;
		else
			has = a.has_prev, t = a.prev_ns;
		if (!has)
			continue;
		if (!any || (by == STEP_LAST ? t > best : by > 0 ? t < best : t > best))
			best = t;
		any = true;
	}
	if (any) {
		c->at_ns = best;
		c->at_start = false;
	}
}

/* One side's ladder in columns [x, x + w): one row a segment, the newest at the bottom. */
static void draw_side(struct compare *c, int k, int x, int w, int y0, int rows)
{
	const struct tui_glyphs *g = draw_glyphs();
	struct side *sd = &c->side[k];
	bool focused = c->focus == BOTH || c->focus == k, wide = w >= 56;
	int tw = w >= 46 ? 8 : 0, lx = x + tw + 1, rx = x + w - 2;
	char head[128], pos[48], line[256];
	size_t nvis;

	name_side(sd, c->lab);
	nvis = sd->src ? src_nvis(sd->src) : 0;
	if (sd->shown > nvis)
		sd->shown = nvis;
	/* by time, a side may have sent nothing yet */
	if (!sd->shown && nvis && c->by_seg)
		sd->shown = 1;
	snprintf(pos, sizeof pos, "%zu/%zu", sd->shown, nvis);
	snprintf(head, sizeof head, "%c %s", focused ? '>' : ' ', sd->name);
	draw_text(y0, x, w, focused ? R_SEL : R_HEAD, head);
	draw_text(y0, x + w - (int)strlen(pos) - 1, (int)strlen(pos), focused ? R_SEL : R_HEAD, pos);
	if (sd->src && !sd->m.done && !src_busy(sd->src))
		measure(sd->src, &sd->m);
	measure_line(sd, w - 2, line, sizeof line);
	draw_text(y0 + 1, x + 1, w - 1, R_NORMAL, line);
	if (!sd->src) {
		const char *ls[6];
		int lens[6];
		size_t n = draw_wrap(sd->error, w - 2, ls, lens, 6);
		for (size_t i = 0; i < n; i++)
			draw_fmt(y0 + 3 + (int)i, x + 1, w - 1, R_ERROR, "%.*s", lens[i], ls[i]);
		return;
	}
	/* client and server: with addresses when both fit */
	{
		char cl[80], sv[80];
		struct tui_row r;
		int room = rx - lx + 1;

		snprintf(cl, sizeof cl, "client");
		snprintf(sv, sizeof sv, "server");
		if (nvis) {
			src_row(sd->src, src_vis(sd->src, 0), &r);
			snprintf(cl, sizeof cl, _("client %s"), r.dir == FLOW_C2S ? r.src : r.dst);
			snprintf(sv, sizeof sv, _("server %s"), r.dir == FLOW_C2S ? r.dst : r.src);
			if ((int)(strlen(cl) + strlen(sv)) + 1 > room) {
				snprintf(cl, sizeof cl, "client");
				snprintf(sv, sizeof sv, "server");
			}
		}
		draw_text(y0 + 2, lx, (int)strlen(cl), R_HEAD, cl);
		draw_text(y0 + 2, rx + 1 - (int)strlen(sv), (int)strlen(sv), R_HEAD, sv);
	}
	const struct ladder *lad = src_ladder(sd->src);
	size_t want[64], nw = lad ? lview_reveal(lad, sd->shown, false, want, rows < 64 ? (size_t)rows : 64) : 0;
	size_t newest = nw;     /* the newest segment: a note may follow it */
	for (size_t i = nw; i > 0 && newest == nw; i--)
		if (lad->row[want[i - 1]].kind == LADDER_SEG)
			newest = i - 1;
	for (int i = 0; i < rows; i++) {
		int y = y0 + 3 + i;
		const struct ladder_row *r;
		char lbl[200], an[160];
		enum tui_role role;
		int lw;

		mvaddstr(y, lx, g->vline);
		mvaddstr(y, rx, g->vline);
		if ((size_t)i >= nw)
			continue;
		r = &lad->row[want[i]];
		if (r->kind != LADDER_SEG) {
			lview_draw_note(lad, want[i], y, lx + 2, rx - 1);
			continue;
		}
		lbl[0] = ' ';
		ladder_label(lad, want[i], lbl + 1, sizeof lbl - 80);
		role = (size_t)i == newest ? R_SEL : r->dir == FLOW_C2S ? R_C2S : R_S2C;
		ladder_expert_label(r->analysis, false, an, sizeof an);
		/* Wide: the expert label in words; narrow: a '!' after the label. */
		if (an[0] && wide)
			snprintf(lbl + strlen(lbl), sizeof lbl - strlen(lbl), " %s", an);
		else if (an[0])
			snprintf(lbl + strlen(lbl), sizeof lbl - strlen(lbl), "!");
		snprintf(lbl + strlen(lbl), sizeof lbl - strlen(lbl), " ");
		draw_hline(y, lx + 1, rx - lx - 1, role);
		attrset(draw_attr(role));
		if (r->dir == FLOW_C2S)
			mvaddstr(y, rx - 1, g->rarrow);
		else
			mvaddstr(y, lx + 1, g->larrow);
		attrset(A_NORMAL);
		lw = (int)strlen(lbl);
		if (lw > rx - lx - 3)
			lw = rx - lx - 3;
		draw_text(y, (lx + rx - lw + 1) / 2, lw, r->analysis ? R_EXPERT : role, lbl);
		if (tw)
			draw_fmt(y, x, tw, R_DIM, "%7.2f", ladder_ms(lad, r->t_ns));
	}
}

/* The narration of a side's newest segment, wrapped into [x, x + w), at most maxl lines. */
static void draw_narration(struct compare *c, int k, int x, int w, int y, int maxl)
{
	struct side *sd = &c->side[k];
	const char *ls[8];
	int lens[8];
	char text[600];
	size_t n;

	if (!sd->src || !sd->shown)
		return;
	snprintf(text, sizeof text, "%s",
	         narration_at(c->narr, sd->src, src_vis(sd->src, sd->shown - 1), &sd->nc));
	n = draw_wrap(text, w, ls, lens, maxl > 8 ? 8 : (size_t)maxl);
	for (size_t i = 0; i < n; i++)
		draw_fmt(y + (int)i, x, w, R_HEAD, "%.*s", lens[i], ls[i]);
}

static void compare_draw(struct tui *t, void *priv)
{
	struct compare *c = priv;
	const struct tui_glyphs *g = draw_glyphs();
	static const char *const focus_name[] = { "left", "right", "both" };
	char title[600], right[128], align[48];
	int w = (COLS - 1) / 2, nl = w >= 56 ? 3 : 4, rows;

	(void)t;
	sync_time(c);
	snprintf(title, sizeof title, _("compare  lab %d: %s%s"), c->lab ? c->lab->number : 0,
	         c->lab ? lab_text(c->lab, c->lab->title) : "",
	         w >= 46 ? _("  (time: ms since each run began)") : "");
	/* "filtered: EXPR, 12 of 107 | 10 of 88" in the lab's title's place (seen at 80
	 * columns): '/' filters both sides with one expression */
	for (int k = 0, any = 0; k < 2; k++) {
		const struct tui_src *s = c->side[k].src;
		size_t tl = strlen(title);
		if (!s || !src_filter_expr(s)[0])
			continue;
		if (!any++)
			snprintf(title, sizeof title, _("compare  filtered: %s, "), src_filter_expr(s));
		else
			snprintf(title + tl, sizeof title - tl, " | ");
		tl = strlen(title);
		snprintf(title + tl, sizeof title - tl, "%zu of %zu", src_nvis(s), src_count(s));
	}
	/* how the sides are aligned, and by time where the clock stands */
	if (c->by_seg)
		snprintf(align, sizeof align, _("by segment"));
	else
		snprintf(align, sizeof align, _("by time %.2f ms"), (double)c->at_ns / 1e6);
	snprintf(right, sizeof right, _("%s  step %s  %s %.2g s"), align, focus_name[c->focus],
	         c->playing ? _("playing") : _("paused"), c->step_ms / 1000.0);
	/* A long filter wins: the pace goes first, then the rest (the side marked '>' steps). */
	if (draw_cols(title) + draw_cols(right) + 3 > COLS)
		snprintf(right, sizeof right, _("%s  step %s"), align, focus_name[c->focus]);
	if (draw_cols(title) + draw_cols(right) + 3 > COLS)
		snprintf(right, sizeof right, _("step %s"), focus_name[c->focus]);
	if (draw_cols(title) + draw_cols(right) + 3 > COLS)
		right[0] = '\0';
	draw_title(title, right);
	/* title; name, measures, endpoints; rows; rule; narration; hints */
	rows = LINES - 4 - 1 - nl - 1;
	for (int k = 0; k < 2; k++)
		draw_side(c, k, k ? w + 1 : 0, w, 1, rows);
	for (int y = 1; y < LINES - 2 - nl; y++)
		mvaddstr(y, w, g->vline);
	draw_hline(LINES - 2 - nl, 0, COLS, R_DIM);
	for (int k = 0; k < 2; k++)
		draw_narration(c, k, (k ? w + 1 : 0) + 1, w - 2, LINES - 1 - nl, nl);
	draw_hints(_("Tab side  Left/Right step  A align  p play  r re-run  v variant  q back"));
}

/* by: +1 or -1 segment, or STEP_FIRST / STEP_LAST, on the focused side or both. */
static void step(struct compare *c, int by)
{
	if (!c->by_seg) {
		step_time(c, by);
		c->next_ms = mono_ms() + c->step_ms;
		return;
	}
	for (int k = 0; k < 2; k++) {
		struct side *sd = &c->side[k];
		size_t nvis = sd->src ? src_nvis(sd->src) : 0;

		if (c->focus != BOTH && c->focus != k)
			continue;
		if (by == STEP_FIRST)
			sd->shown = 1;
		else if (by == STEP_LAST)
			sd->shown = nvis;
		else if (by > 0 && sd->shown < nvis)
			sd->shown++;
		else if (by < 0 && sd->shown > 1)
			sd->shown--;
	}
	c->next_ms = mono_ms() + c->step_ms;
}

/* Side k runs live with the variant after its own, skipping the other side's. */
static void next_variant(struct compare *c, int k)
{
	const struct lab *lab = c->lab;
	int v = c->side[k].variant, other = c->side[1 - k].variant;

	if (!lab || !lab->nvariant)
		return;
	for (size_t i = 0; i < lab->nvariant; i++) {
		v = (v + 1) % (int)lab->nvariant;
		if (v != other || lab->nvariant == 1)
			break;
	}
	side_reset(&c->side[k]);
	c->side[k].variant = v;
	c->side[k].pcap = NULL;
	c->side[k].pending = true;
}

static enum tui_ret compare_key(struct tui *t, void *priv, enum tui_act a, int ch)
{
	struct compare *c = priv;
	struct side *sd = &c->side[c->focus == BOTH ? 0 : c->focus];

	(void)ch;
	switch (a) {
	case ACT_TAB:
		c->focus = c->focus == BOTH ? 0 : c->focus == 0 ? 1 : BOTH;
		break;
	case ACT_ALIGN:
		/* Each side keeps what it shows: by segment counts on from there, by time
		 * goes on from the newest segment shown on a side that steps. */
		sync_time(c);
		c->by_seg = !c->by_seg;
		if (!c->by_seg) {
			uint64_t at = 0;
			for (int k = 0; k < 2; k++) {
				const struct side *s2 = &c->side[k];
				const struct ladder *l = s2->src ? src_ladder(s2->src) : NULL;
				size_t seen = 0;

				for (size_t i = 0; steps(c, k) && l && i < l->n && seen < s2->shown; i++)
					if (l->row[i].kind == LADDER_SEG && ++seen == s2->shown &&
					    l->row[i].t_ns - ladder_t0(l) > at)
						at = l->row[i].t_ns - ladder_t0(l);
			}
			c->at_ns = at;
			c->at_start = false;
		}
		break;
	case ACT_NEXT: case ACT_DOWN:
		step(c, 1);
		break;
	case ACT_PREV: case ACT_UP:
		step(c, -1);
		break;
	case ACT_RESTART: case ACT_HOME:
		step(c, STEP_FIRST);
		break;
	case ACT_END:
		step(c, STEP_LAST);
		break;
	case ACT_PLAY:
		c->playing = !c->playing;
		c->next_ms = mono_ms() + c->step_ms;
		break;
	case ACT_FASTER:
		if (c->step_ms > MIN_STEP_MS)
			c->step_ms /= 2;
		break;
	case ACT_SLOWER:
		if (c->step_ms < MAX_STEP_MS)
			c->step_ms *= 2;
		break;
	case ACT_RUN:
		if (c->lab)
			rerun(t, c);
		break;
	case ACT_VARIANT:
		if (c->lab) {
			next_variant(c, c->focus == 0 ? 0 : 1);
			handover(t, c);
		}
		break;
	case ACT_LADDER: case ACT_ENTER:
		if (sd->src)
			screen_ladder_open(t, sd->src);
		break;
	case ACT_SEGMENTS:
		if (sd->src)
			screen_segs_open(t, sd->src, sd->shown ? (long)src_vis(sd->src, sd->shown - 1) : 0);
		break;
	case ACT_BACK:
		/* Back to where it was opened from, as the hint says: opened first, from the
		 * command line ('tcplab demo N --compare'), that is the lab's demo, showing the
		 * right side with the left as the run before it (C compares them again). */
		if (tui_depth(t) == 1 && c->lab)
			screen_demo_under(t, c->lab, c->side[1].src, c->side[1].pcap,
			                  c->side[0].src, c->side[0].pcap);
		return TUI_CLOSE;
	default:
		break;
	}
	return TUI_STAY;
}

static bool can_step(struct compare *c)
{
	for (int k = 0; k < 2; k++) {
		struct side *sd = &c->side[k];
		const struct ladder *l = sd->src ? src_ladder(sd->src) : NULL;
		struct ladder_at a;

		if (!steps(c, k) || !sd->src)
			continue;
		if (c->by_seg && sd->shown < src_nvis(sd->src))
			return true;
		if (!c->by_seg && l && (ladder_at(l, c->at_ns, &a), a.has_next))
			return true;
	}
	return false;
}

static int compare_wait(struct tui *t, void *priv)
{
	struct compare *c = priv;
	long long left;

	(void)t;
	if (handover_due(c))
		return 0;
	if (!c->playing || !can_step(c))
		return -1;
	left = c->next_ms - mono_ms();
	return left > 0 ? (int)left : 0;
}

static void compare_tick(struct tui *t, void *priv)
{
	struct compare *c = priv;

	if (handover_due(c)) {
		handover(t, c);
		return;
	}
	step(c, 1);
}

static int compare_filter(struct tui *t, void *priv, const char *expr, char *errbuf,
                          size_t errlen)
{
	struct compare *c = priv;
	int rc = 0;

	(void)t;
	c->at_start = true;
	for (int k = 0; k < 2; k++) {
		struct side *sd = &c->side[k];
		if (!sd->src)
			continue;
		sd->shown = 1;
		sd->nc.for_i = SIZE_MAX;
		if (src_filter(sd->src, expr, errbuf, errlen) < 0)
			return -1;      /* the reason, not the other side's translation */
	}
	return rc;
}

static void compare_close(struct tui *t, void *priv)
{
	struct compare *c = priv;

	for (int k = 0; k < 2; k++) {
		struct side *sd = &c->side[k];
		/* A run the screen below still shows goes on being served there. */
		if (busy(sd) && !src_orphan(sd->src))
			tui_serve(t, sd->src);
		src_unref(sd->src);
		narration_cache_release(&sd->nc);
	}
	narration_free(c->narr);
	free(c);
}

static const struct tui_view compare_view = {
	.name = "compare",
	.draw = compare_draw,
	.key = compare_key,
	.filter = compare_filter,
	.wait_ms = compare_wait,
	.tick = compare_tick,
	.close = compare_close,
};

static int variant_index(const struct lab *lab, const char *name)
{
	if (lab && name)
		for (size_t i = 0; i < lab->nvariant; i++)
			if (!strcmp(lab->variant[i].name, name))
				return (int)i;
	return -1;
}

int screen_compare_open(struct tui *t, const struct lab *lab, const struct compare_side side[2],
                        double auto_s)
{
	struct compare *c = calloc(1, sizeof *c);
	char err[512];

	if (!c)
		return -1;
	c->lab = lab;
	c->focus = BOTH;
	c->at_start = true;
	c->serving = -1;
	c->step_ms = auto_s > 0 ? (int)(auto_s * 1000) : 2000;
	c->playing = auto_s > 0;
	c->next_ms = mono_ms() + c->step_ms;
	err[0] = '\0';
	if (lab) {
		char path[1024];
		if (lang_path(lab->dir, "narration.txt", tui_opts(t)->lang, path, sizeof path, err,
		              sizeof err) >= 0)
			c->narr = narration_load(path, err, sizeof err);
	}
	for (int k = 0; k < 2; k++) {
		struct side *sd = &c->side[k];

		sd->nc.for_i = SIZE_MAX;
		sd->shown = 1;
		sd->pcap = side[k].pcap;
		sd->variant = variant_index(lab, side[k].variant);
		if (side[k].src) {
			sd->src = src_ref(side[k].src);
			if (src_labrun(sd->src))
				sd->variant = variant_index(lab, src_variant(sd->src)->name);
		} else if (sd->pcap) {
			sd->src = src_path_new(sd->pcap, sd->error, sizeof sd->error);
		} else if (sd->variant >= 0) {
			sd->pending = true;
		} else {
			snprintf(sd->error, sizeof sd->error, _("lab %d has no variant '%s'"),
			         lab ? lab->number : 0, side[k].variant ? side[k].variant : "");
		}
	}
	handover(t, c);
	if (tui_push(t, &compare_view, c) < 0)
		return -1;
	if (err[0])
		tui_status(t, true, _("%s (the generated narration is used)"), err);
	return 0;
}
