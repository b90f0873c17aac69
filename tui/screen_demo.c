/* summary: instructor demo mode: a large ladder revealed one segment at a time, with a narration line each. */
#include <curses.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/ladder.h"
#include "engine/labrun.h"
#include "engine/lang.h"
#include "tui/tui.h"

/*
 * The demo never waits on a timer of its own: play mode asks the main loop for a wake-up
 * (wait_ms) at the next reveal, so keys, a live run and the timer share the one poll().
 *
 * With calls ('S', --calls) the rows are the engine's ladder rows with the programs'
 * calls and output (tui.h lview_reveal), each call in its host's column beside the wire,
 * one line a row (two where a call's text or a segment's expert label needs them); a
 * capture has no calls, and says so instead of showing empty columns.
 */

#define MIN_STEP_MS 250
#define MAX_STEP_MS 8000

struct demo {
	const struct lab *lab;
	size_t variant;         /* index into lab->variant */
	const char *pcap;
	struct tui_src *src;
	char error[1024];
	size_t shown;           /* segments revealed (visible positions) */
	bool playing;
	int step_ms;
	long long next_ms;      /* CLOCK_MONOTONIC ms of the next reveal while playing */
	char previous[256];     /* the run before this one, to compare */
	struct tui_src *prev;   /* that run, kept for the side-by-side comparison (C) */
	const char *prev_pcap;  /* the file prev replays, NULL when it is a run */
	struct narration *narr; /* the lab's narration.txt, NULL: generated narration only */
	char narr_error[512];
	struct narration_cache nc;
	bool calls;             /* show the programs' calls (a run's) */
};

static long long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void summary(struct tui_src *s, char *buf, size_t len)
{
	size_t n = src_count(s);
	struct tui_row a, b;

	if (!n) {
		snprintf(buf, len, _("no segments"));
		return;
	}
	src_row(s, 0, &a);
	src_row(s, n - 1, &b);
	snprintf(buf, len, _("%s: %zu segments in %.3f ms"),
	         src_labrun(s) ? src_variant(s)->name : "capture", n,
	         (double)(b.ts_ns - a.ts_ns) / 1e6);
}

static void load(struct tui *t, struct demo *d, bool live)
{
	const struct tui_opts *o = tui_opts(t);

	if (d->src) {
		summary(d->src, d->previous, sizeof d->previous);
		src_unref(d->prev);
		/* A run cut short is no run to compare with: it is stopped, not kept. */
		d->prev = src_busy(d->src) ? NULL : d->src;
		d->prev_pcap = d->prev && !src_labrun(d->prev) ? d->pcap : NULL;
		if (!d->prev)
			src_unref(d->src);
		d->src = NULL;
	}
	d->error[0] = '\0';
	d->nc.for_i = SIZE_MAX;
	d->shown = 1;
	d->next_ms = mono_ms() + d->step_ms;
	if (!live && d->pcap) {
		d->src = src_path_new(d->pcap, d->error, sizeof d->error);
	} else if (o->sandbox_error) {
		snprintf(d->error, sizeof d->error, "%s", o->sandbox_error);
	} else if (d->lab && d->lab->nvariant) {
		d->src = src_run_new(d->lab, &d->lab->variant[d->variant], o->build, d->error,
		                     sizeof d->error);
	} else {
		snprintf(d->error, sizeof d->error, _("this lab has no variant to run"));
	}
	if (d->src)
		tui_serve(t, d->src);
}

/* Columns: time [0, tw), the client's calls [tw, cx - 1), its rail at cx - 1, the wire
 * [cx, sx], the server's rail at sx + 1, its calls [sx + 3, COLS). Without calls, the
 * wire takes all but the time and a margin. */
struct dcols {
	int tw, cx, sx;
	bool calls;
};

static struct dcols layout(bool calls)
{
	struct dcols c = { .tw = 9, .cx = 10, .sx = COLS - 11, .calls = calls };

	if (calls) {
		/* the wire needs about 28 columns for "P. 19:29(10) ack 24" and its arrow */
		int ww = COLS * 3 / 10 < 28 ? 28 : COLS * 3 / 10;
		int cw = (COLS - 8 - ww - 2) / 2;

		c.tw = 8;
		c.cx = c.tw + cw + 1;
		c.sx = c.cx + ww - 1;
	}
	return c;
}

/* A call's column: [x, x + width), a blank between it and its rail. */
static int call_x(const struct ladder_row *r, const struct dcols *c)
{
	return r->side == LADDER_CLIENT ? c->tw + 1 : c->sx + 3;
}

static int call_width(const struct ladder_row *r, const struct dcols *c)
{
	return r->side == LADDER_CLIENT ? c->cx - 2 - call_x(r, c) : COLS - call_x(r, c);
}

/* A call's or output's text wrapped to its column (at most two lines); 0 for other rows. */
static size_t call_lines(const struct ladder *l, size_t k, const struct dcols *c, char *text,
                         size_t len, const char **ls, int *lens)
{
	const struct ladder_row *r = &l->row[k];
	int w = call_width(r, c);

	if (r->kind != LADDER_CALL && r->kind != LADDER_OUTPUT)
		return 0;
	ladder_label(l, k, text, len);
	return draw_wrap(text, w > 1 ? w : 1, ls, lens, 2);
}

/* Lines row k takes: two each without calls (a projector's spacing); with calls one, two
 * for a call that wraps or a segment with an expert label. */
static int row_height(const struct ladder *l, size_t k, const struct dcols *c)
{
	const struct ladder_row *r = &l->row[k];
	const char *ls[2];
	int lens[2];
	char text[512];

	if (!c->calls)
		return 2;
	if (r->kind == LADDER_SEG)
		return r->analysis ? 2 : 1;
	if (r->kind == LADDER_CALL || r->kind == LADDER_OUTPUT)
		return call_lines(l, k, c, text, sizeof text, ls, lens) > 1 ? 2 : 1;
	return 1;
}

/* Row k at line y between the rails; newest: the segment just revealed. */
static void draw_item(const struct ladder *l, size_t k, int y, const struct dcols *c,
                      bool newest)
{
	const struct tui_glyphs *g = draw_glyphs();
	const struct ladder_row *r = &l->row[k];
	int cx = c->cx, sx = c->sx;
	char lbl[512], an[160];
	enum tui_role role;
	int lw;

	if (r->kind == LADDER_CALL || r->kind == LADDER_OUTPUT) {
		const char *ls[2];
		int lens[2];
		size_t n = call_lines(l, k, c, lbl, sizeof lbl, ls, lens);
		int x = call_x(r, c), w = call_width(r, c);

		draw_fmt(y, 0, c->tw - 1, R_DIM, "%7.2f", ladder_ms(l, r->t_ns));
		/* the programs' bytes and words: draw_text shows their escapes as text */
		for (size_t i = 0; i < n; i++) {
			char part[512];
			snprintf(part, sizeof part, "%.*s", lens[i], ls[i]);
			draw_text(y + (int)i, x, w, r->kind == LADDER_OUTPUT ? R_DIM : R_NORMAL, part);
		}
		return;
	}
	if (r->kind != LADDER_SEG) {
		/* with calls, a note or a connection has the whole row: the wire is narrow */
		bool wide = c->calls && r->kind != LADDER_GAP;

		lview_draw_note(l, k, y, wide ? c->tw + 1 : cx + 1, wide ? COLS - 2 : sx - 1);
		return;
	}
	ladder_label(l, k, lbl + 1, sizeof lbl - 2);
	lbl[0] = ' ';
	strcat(lbl, " ");
	role = newest ? R_SEL : r->dir == FLOW_C2S ? R_C2S : R_S2C;
	draw_hline(y, cx, sx - cx + 1, role);
	attrset(draw_attr(role));
	if (r->dir == FLOW_C2S)
		mvaddstr(y, sx, g->rarrow);
	else
		mvaddstr(y, cx, g->larrow);
	attrset(A_NORMAL);
	lw = (int)strlen(lbl);
	if (lw > sx - cx - 1)
		lw = sx - cx - 1;
	draw_fmt(y, (cx + sx - lw) / 2, lw, role, "%.*s", lw, lbl);
	draw_fmt(y, 0, c->tw - 1, R_DIM, "%7.2f", ladder_ms(l, r->t_ns));
	ladder_expert_label(r->analysis, false, an, sizeof an);
	if (an[0]) {
		int w = (int)strlen(an);
		if (w > sx - cx - 1)
			w = sx - cx - 1;
		draw_fmt(y + 1, (cx + sx - w) / 2, w, R_EXPERT, "%.*s", w, an);
	}
}

static void demo_draw(struct tui *t, void *priv)
{
	struct demo *d = priv;
	const struct tui_glyphs *g = draw_glyphs();
	char title[600], right[128], text[512], note[300];
	size_t nvis;
	bool calls = d->src && d->calls && src_labrun(d->src);
	struct dcols c = layout(calls);
	int avail = LINES - 8;

	(void)t;
	snprintf(title, sizeof title, _("demo  lab %d: %s"), d->lab ? d->lab->number : 0,
	         d->lab ? lab_text(d->lab, d->lab->title) : "");
	if (!d->src) {
		draw_title(title, "");
		draw_text(2, 2, COLS - 2, R_ERROR, d->error);
		draw_hints(tui_depth(t) > 1 ? _("r run live again  q back") : _("r run live again  q quit"));
		return;
	}
	nvis = src_nvis(d->src);
	/* A live run starts with no segment: the first step is its first segment as soon as
	 * there is one (issue 12: the demo stayed at 0/N with an empty ladder, the step having
	 * been cut to the nothing there was at its first draw). */
	if (d->shown > nvis)
		d->shown = nvis;
	else if (!d->shown && nvis)
		d->shown = 1;
	/* Filtered, the filter takes the lab's title's place: it must be seen at 80 columns. */
	src_filter_note(d->src, note, sizeof note);
	if (note[0])
		snprintf(title, sizeof title, _("demo  lab %d  %s"), d->lab ? d->lab->number : 0, note);
	snprintf(right, sizeof right, "%s  %zu/%zu  %s %.2g s",
	         src_labrun(d->src) ? src_variant(d->src)->name : "replay", d->shown, nvis,
	         d->playing ? "playing" : "paused", d->step_ms / 1000.0);
	draw_title(title, right);

	struct tui_row r;
	char cl[80] = "client", sv[80] = "server";
	if (nvis) {
		src_row(d->src, src_vis(d->src, 0), &r);
		snprintf(cl, sizeof cl, _("client %s"), r.dir == FLOW_C2S ? r.src : r.dst);
		snprintf(sv, sizeof sv, _("server %s"), r.dir == FLOW_C2S ? r.dst : r.src);
	}
	draw_text(2, 1, COLS / 2 - 1, R_HEAD, cl);
	draw_fmt(2, COLS / 2, COLS / 2 - 1, R_HEAD, "%*s", COLS / 2 - 2, sv);
	if (d->calls && !calls) {
		/* rather than two empty columns */
		const char *none = _("no calls in a capture file");
		int n = draw_cols(none);
		if (draw_cols(cl) + draw_cols(sv) + n + 6 <= COLS)
			draw_text(2, (COLS - n) / 2, n, R_DIM, none);
	}
	/* The newest rows that fit, from the top; the newest revealed segment (and what
	 * followed it) stays in view, at the bottom. */
	const struct ladder *lad = src_ladder(d->src);
	size_t want[64], nw = lad ? lview_reveal(lad, d->shown, calls, want,
	                                         avail / (calls ? 1 : 2) < 64 ? (size_t)(avail / (calls ? 1 : 2)) : 64) : 0;
	size_t first = nw, newest = nw;
	for (int used = 0; first > 0; first--) {
		int h = row_height(lad, want[first - 1], &c);
		if (used + h > avail)
			break;
		used += h;
	}
	for (size_t i = nw; i > first && newest == nw; i--)
		if (lad->row[want[i - 1]].kind == LADDER_SEG)
			newest = i - 1;
	for (int y = 4; y < 4 + avail; y++) {
		mvaddstr(y, c.cx - 1, g->vline);
		mvaddstr(y, c.sx + 1, g->vline);
	}
	for (size_t i = first, y = 4; i < nw; i++) {
		draw_item(lad, want[i], (int)y, &c, i == newest);
		y += (size_t)row_height(lad, want[i], &c);
	}
	/* The narration: what the newest segment means. */
	if (d->shown) {
		snprintf(text, sizeof text, "%s", narration_at(d->narr, d->src, src_vis(d->src, d->shown - 1), &d->nc));
		draw_hline(LINES - 4, 0, COLS, R_DIM);
		/* two rows; a longer sentence ends with an ellipsis at a word, never mid-word */
		draw_para(LINES - 3, 2, COLS - 4, 2, R_HEAD, text);
	} else if (src_labrun(d->src) && src_busy(d->src) && !src_count(d->src)) {
		draw_text(LINES - 3, 2, COLS - 2, R_DIM, _("waiting for the first segment"));
	} else {
		src_state_str(d->src, text, sizeof text);
		draw_text(LINES - 3, 2, COLS - 2, R_DIM, text);
	}
	{
		/* what the times at the left count from, at the right under the server */
		const char *tnote = src_time_note(d->src);
		int nl = (int)strlen(tnote);

		/* the run before, else a live run's state ("done: 10 segments, 8 of 8 checks
		 * passed"): the demo shows a run's outcome too */
		if (d->previous[0]) {
			draw_fmt(3, 1, COLS - nl - 4, R_DIM, "before: %s", d->previous);
		} else if (src_labrun(d->src)) {
			src_state_str(d->src, text, sizeof text);
			draw_text(3, 1, COLS - nl - 4, R_DIM, text);
		}
		draw_text(3, COLS - nl - 2, nl, R_DIM, tnote);
	}
	/* opened from the lab menu, q goes back to it */
	draw_hints(tui_depth(t) > 1 ?
	           _("Left/Right step  p play  S calls  r re-run  v variant  C compare  q back") :
	           _("Left/Right step  p play  S calls  r re-run  v variant  C compare  q quit"));
}

/* Side by side: the previous run on the left and this one on the right; with no previous
 * run, this one on the left and a live run of the next variant on the right. */
static void compare(struct tui *t, struct demo *d)
{
	struct compare_side side[2] = { { 0 } };

	if (!d->src && !d->prev) {
		tui_status(t, true, _("nothing to compare yet: r runs the lab live"));
		return;
	}
	if (d->prev && d->src) {
		side[0].src = d->prev;
		side[1].src = d->src;
	} else {
		side[0].src = d->src ? d->src : d->prev;
	}
	/* A source that is no run is the capture the demo replays: named after its file. */
	for (int k = 0; k < 2; k++)
		if (side[k].src && !src_labrun(side[k].src))
			side[k].pcap = side[k].src == d->prev ? d->prev_pcap : d->pcap;
	if (!side[1].src) {
		if (!d->lab || !d->lab->nvariant) {
			tui_status(t, true, _("this lab has no variant to compare with"));
			return;
		}
		side[1].variant = d->lab->variant[(d->variant + 1) % d->lab->nvariant].name;
	}
	screen_compare_open(t, d->lab, side, d->playing ? d->step_ms / 1000.0 : 0);
}

/* What 'S' (or --calls) did: a capture has no calls to show. */
static void calls_status(struct tui *t, const struct demo *d)
{
	if (!d->calls)
		tui_status(t, false, _("the programs' calls hidden: segments only"));
	else if (d->src && !src_labrun(d->src))
		tui_status(t, false, _("no calls in a capture file: r runs the lab live, with its calls"));
	else
		tui_status(t, false, _("the programs' calls shown beside the segments"));
}

static enum tui_ret demo_key(struct tui *t, void *priv, enum tui_act a, int ch)
{
	struct demo *d = priv;
	size_t nvis = d->src ? src_nvis(d->src) : 0;

	(void)ch;
	switch (a) {
	case ACT_NEXT: case ACT_DOWN:
		if (d->shown < nvis)
			d->shown++;
		d->next_ms = mono_ms() + d->step_ms;
		break;
	case ACT_PREV: case ACT_UP:
		if (d->shown > 1)
			d->shown--;
		d->next_ms = mono_ms() + d->step_ms;
		break;
	case ACT_PLAY:
		d->playing = !d->playing;
		d->next_ms = mono_ms() + d->step_ms;
		break;
	case ACT_FASTER:
		if (d->step_ms > MIN_STEP_MS)
			d->step_ms /= 2;
		break;
	case ACT_SLOWER:
		if (d->step_ms < MAX_STEP_MS)
			d->step_ms *= 2;
		break;
	case ACT_RESTART: case ACT_HOME:
		d->shown = 1;
		d->next_ms = mono_ms() + d->step_ms;
		break;
	case ACT_END:
		d->shown = nvis;
		break;
	case ACT_RUN:
		if (d->lab)
			load(t, d, true);
		break;
	case ACT_VARIANT:
		if (d->lab && d->lab->nvariant) {
			d->variant = (d->variant + 1) % d->lab->nvariant;
			load(t, d, true);
		}
		break;
	case ACT_COMPARE:
		compare(t, d);
		break;
	case ACT_CALLS:
		d->calls = !d->calls;
		calls_status(t, d);
		break;
	case ACT_LADDER: case ACT_ENTER:
		if (d->src)
			screen_ladder_open(t, d->src);
		break;
	case ACT_SEGMENTS:
		if (d->src)
			screen_segs_open(t, d->src, d->shown ? (long)src_vis(d->src, d->shown - 1) : 0);
		break;
	case ACT_BACK:
		return TUI_CLOSE;
	default:
		break;
	}
	return TUI_STAY;
}

static int demo_wait(struct tui *t, void *priv)
{
	struct demo *d = priv;
	long long left;

	(void)t;
	if (!d->playing || !d->src || d->shown >= src_nvis(d->src))
		return -1;
	left = d->next_ms - mono_ms();
	return left > 0 ? (int)left : 0;
}

static void demo_tick(struct tui *t, void *priv)
{
	struct demo *d = priv;

	(void)t;
	if (d->src && d->shown < src_nvis(d->src))
		d->shown++;
	d->next_ms = mono_ms() + d->step_ms;
}

static int demo_filter(struct tui *t, void *priv, const char *expr, char *errbuf, size_t errlen)
{
	struct demo *d = priv;

	(void)t;
	if (!d->src) {
		snprintf(errbuf, errlen, _("nothing to filter"));
		return -1;
	}
	d->shown = 1;
	d->nc.for_i = SIZE_MAX;
	return src_filter(d->src, expr, errbuf, errlen);
}

static void demo_close(struct tui *t, void *priv)
{
	struct demo *d = priv;

	(void)t;
	src_unref(d->src);
	src_unref(d->prev);
	narration_free(d->narr);
	narration_cache_release(&d->nc);
	free(d);
}

static const struct tui_view demo_view = {
	.name = "demo",
	.draw = demo_draw,
	.key = demo_key,
	.filter = demo_filter,
	.wait_ms = demo_wait,
	.tick = demo_tick,
	.close = demo_close,
};

static struct demo *demo_new(const struct lab *lab, const char *lang, const char *pcap,
                             double auto_s)
{
	struct demo *d = calloc(1, sizeof *d);

	if (!d)
		return NULL;
	d->lab = lab;
	d->pcap = pcap;
	d->nc.for_i = SIZE_MAX;
	d->shown = 1;
	if (lab) {
		char path[1024];
		if (lang_path(lab->dir, "narration.txt", lang, path, sizeof path, d->narr_error,
		              sizeof d->narr_error) >= 0)
			d->narr = narration_load(path, d->narr_error, sizeof d->narr_error);
	}
	d->step_ms = auto_s > 0 ? (int)(auto_s * 1000) : 2000;
	d->playing = auto_s > 0;
	d->next_ms = mono_ms() + d->step_ms;
	return d;
}

static void variant_set(struct demo *d, const char *variant)
{
	if (d->lab && variant)
		for (size_t i = 0; i < d->lab->nvariant; i++)
			if (!strcmp(d->lab->variant[i].name, variant))
				d->variant = i;
}

int screen_demo_open(struct tui *t, const struct lab *lab, const char *variant,
                     const char *pcap, double auto_s)
{
	struct demo *d = demo_new(lab, tui_opts(t)->lang, pcap, auto_s);

	if (!d)
		return -1;
	d->calls = tui_opts(t)->calls;
	variant_set(d, variant);
	load(t, d, false);
	if (tui_push(t, &demo_view, d) < 0)
		return -1;
	if (d->narr_error[0])
		tui_status(t, true, _("%s (the generated narration is used)"), d->narr_error);
	else if (d->calls && d->src && !src_labrun(d->src))
		calls_status(t, d);
	return 0;
}

int screen_demo_under(struct tui *t, const struct lab *lab, struct tui_src *cur,
                      const char *cur_pcap, struct tui_src *prev, const char *prev_pcap)
{
	struct demo *d = demo_new(lab, tui_opts(t)->lang, cur_pcap, 0);

	if (!d)
		return -1;
	d->calls = tui_opts(t)->calls;
	if (!cur) {
		cur = prev;
		d->pcap = prev_pcap;
		prev = NULL;
	}
	d->src = cur ? src_ref(cur) : NULL;
	if (d->src && src_labrun(d->src))
		variant_set(d, src_variant(d->src)->name);
	if (!d->src)
		snprintf(d->error, sizeof d->error, _("nothing was shown: r runs the lab live"));
	if (prev) {
		d->prev = src_ref(prev);
		d->prev_pcap = prev_pcap;
		summary(prev, d->previous, sizeof d->previous);
	}
	return tui_push_under(t, &demo_view, d);
}
