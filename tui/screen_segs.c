/* summary: the segment list (as 'inspect --tsv') over the selected segment's every field in plain words. */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/dissect.h"
#include "capture/expert.h"
#include "tui/list.h"
#include "tui/tui.h"

#define MAX_DETAIL 400

struct detail_line {
	enum tui_role r;
	char text[200];
};

struct segs {
	struct tui_src *src;
	struct tui_list list;   /* of visible positions */
	bool focus_detail;
	int dscroll;
	size_t cached;          /* segment whose detail is in lines[], SIZE_MAX none */
	size_t ncached_src;     /* count of segments when cached (a run's segment may change) */
	size_t nline;
	struct detail_line line[MAX_DETAIL];
	bool follow_tail;       /* a live run: keep the newest segment selected */
};

static void add_line(void *ctx, enum tui_role r, const char *text)
{
	struct segs *s = ctx;

	if (s->nline < MAX_DETAIL) {
		s->line[s->nline].r = r;
		snprintf(s->line[s->nline].text, sizeof s->line[0].text, "%s", text);
		s->nline++;
	}
}

static void load_detail(struct segs *s)
{
	struct flow_seg fs;
	char err[256] = "";
	size_t i;

	if (!src_nvis(s->src)) {
		s->nline = 0;
		s->cached = SIZE_MAX;
		return;
	}
	i = src_vis(s->src, s->list.sel);
	if (i == s->cached)
		return;
	s->cached = i;
	s->nline = 0;
	s->dscroll = 0;
	if (src_seg(s->src, i, &fs, err, sizeof err) < 0) {
		struct tui_row r;
		src_row(s->src, i, &r);
		add_line(s, R_EXPERT, "[Malformed Packet]");
		add_line(s, R_NORMAL, err[0] ? err : _("this packet cannot be decoded"));
		(void)r;
		return;
	}
	explain_segment(&fs, src_t0(s->src), add_line, s);
	if (s->nline == MAX_DETAIL)
		snprintf(s->line[MAX_DETAIL - 1].text, sizeof s->line[0].text, _("  (cut here)"));
}

/* One list row, 'inspect --tsv' columns fitted to the width. */
static void row_text(const struct tui_src *src, size_t i, char *buf, size_t len, bool wide)
{
	struct tui_row r;
	char fl[16], an[160], ack[16], ends[140], win[24];

	src_row(src, i, &r);
	if (r.malformed) {
		snprintf(buf, len, "%7u %10.3f %s > %s  [Malformed Packet]", r.frame,
		         (double)(r.ts_ns - src_t0(src)) / 1e6, r.src, r.dst);
		return;
	}
	dissect_flags_str(r.flags, fl, sizeof fl);
	expert_str(r.analysis, an, sizeof an);
	if (r.flags & TCP_ACK)
		snprintf(ack, sizeof ack, "%u", r.rel_ack);
	else
		snprintf(ack, sizeof ack, "-");
	if (wide) {
		snprintf(ends, sizeof ends, "%21s > %-21s", r.src, r.dst);
	} else {
		const char *sp = strrchr(r.src, ':'), *dp = strrchr(r.dst, ':');
		snprintf(ends, sizeof ends, "%5s>%-5s", sp ? sp + 1 : "?", dp ? dp + 1 : "?");
	}
	/* A RST's window means nothing (the connection is gone): not shown as a number. */
	if (r.flags & TCP_RST)
		snprintf(win, sizeof win, "-");
	else
		snprintf(win, sizeof win, "%lld", (long long)r.win);
	/* The same time as the ladder and the detail: ms since the run (or capture) began. */
	snprintf(buf, len, "%7u %10.3f %s %-4s %8u %8s %5u %7s %s", r.frame,
	         (double)(r.ts_ns - src_t0(src)) / 1e6, ends, fl, r.rel_seq, ack, r.len,
	         win, r.analysis ? an : "");
}

static void segs_draw(struct tui *t, void *priv)
{
	struct segs *s = priv;
	size_t nvis = src_nvis(s->src);
	int avail = LINES - 4, listh = avail * 2 / 5, y;
	bool wide = COLS >= 110;
	char state[256], buf[512], note[300];

	(void)t;
	if (listh < 3)
		listh = 3;
	if (s->follow_tail && nvis)
		list_select(&s->list, nvis - 1);
	list_fit(&s->list, nvis, listh, NULL, NULL);

	src_state_str(s->src, state, sizeof state);
	src_filter_note(s->src, note, sizeof note);
	snprintf(buf, sizeof buf, "segments%s%s", note[0] ? "  " : "", note);
	/* A long filter wins over the state: its note already counts the segments. */
	if (note[0] && (int)(strlen(buf) + strlen(state)) + 3 > COLS)
		state[0] = '\0';
	draw_title(buf, state);
	draw_fmt(1, 0, COLS, R_HEAD, "%7s %10s %s %-4s %8s %8s %5s %7s %s", "No", "ms",
	         wide ? "               Source >  Destination          " : "sport>dport",
	         "Flg", "Seq", "Ack", "Len", "Win", "Analysis");
	for (y = 0; (size_t)y < s->list.shown; y++) {
		size_t k = s->list.top + (size_t)y, i;
		struct tui_row r;
		enum tui_role role;

		i = src_vis(s->src, k);
		row_text(s->src, i, buf, sizeof buf, wide);
		src_row(s->src, i, &r);
		role = r.analysis ? R_EXPERT : r.dir == FLOW_C2S ? R_C2S : R_S2C;
		if (k == s->list.sel)
			role = s->focus_detail ? R_HEAD : R_SEL;
		draw_text(2 + y, 0, COLS, role, buf);
	}
	if (!nvis)
		draw_text(3, 2, COLS - 2, R_DIM, src_filter_expr(s->src)[0] ?
		          _("no segment matches the filter ('/' then Enter clears it)") :
		          _("no TCP segments yet"));
	y = 2 + listh;
	draw_hline(y, 0, COLS, s->focus_detail ? R_HEAD : R_DIM);
	draw_text(y, 2, 9, s->focus_detail ? R_SEL : R_DIM, " detail ");
	/* What the list's and the detail's times count from: the ladder's start too. */
	draw_fmt(y, 11, (int)strlen(src_time_note(s->src)) + 1, R_DIM, "%s ",
	         src_time_note(s->src));
	/* the header row above the list is full: both marks go on this rule */
	list_marks(&s->list, y, y);
	load_detail(s);
	int dh = LINES - 1 - (y + 1);
	if (s->dscroll > (int)s->nline - dh)
		s->dscroll = (int)s->nline - dh;
	if (s->dscroll < 0)
		s->dscroll = 0;
	for (int k = 0; k < dh && s->dscroll + k < (int)s->nline; k++) {
		const struct detail_line *l = &s->line[s->dscroll + k];
		draw_text(y + 1 + k, 1, COLS - 1, l->r, l->text);
	}
	draw_hints(_("q back  Tab pane  / filter  \\ search  a ladder  f follow  ? help"));
}

static enum tui_ret segs_key(struct tui *t, void *priv, enum tui_act a, int ch)
{
	struct segs *s = priv;
	size_t nvis = src_nvis(s->src);
	struct tui_row r;

	(void)ch;
	if (a != ACT_NONE && a != ACT_TAB)
		s->follow_tail = false;
	if (s->focus_detail && (a == ACT_UP || a == ACT_DOWN || a == ACT_PGUP || a == ACT_PGDN)) {
		int dp = LINES / 2;
		s->dscroll += a == ACT_UP ? -1 : a == ACT_DOWN ? 1 : a == ACT_PGUP ? -dp : dp;
		return TUI_STAY;
	}
	if (list_key(&s->list, a))
		return TUI_STAY;
	switch (a) {
	case ACT_TAB:
		s->focus_detail = !s->focus_detail;
		break;
	case ACT_ENTER:
		s->focus_detail = true;
		break;
	case ACT_BACK:
		if (s->focus_detail) {
			s->focus_detail = false;
			break;
		}
		return TUI_CLOSE;
	case ACT_LADDER:
		screen_ladder_open(t, s->src);
		break;
	case ACT_CONVS:
		screen_conv_open(t, s->src);
		break;
	case ACT_CHECKS:
		if (src_labrun(s->src))
			screen_checks_open(t, s->src);
		else
			tui_status(t, true, _("a capture file has no checks: they come with a lab run"));
		break;
	case ACT_FOLLOW:
		if (!nvis)
			break;
		src_row(s->src, src_vis(s->src, s->list.sel), &r);
		if (r.conn == UINT32_MAX)
			tui_status(t, true, _("this packet belongs to no connection"));
		else
			screen_follow_open(t, s->src, r.conn);
		break;
	default:
		break;
	}
	return TUI_STAY;
}

static int segs_filter(struct tui *t, void *priv, const char *expr, char *errbuf, size_t errlen)
{
	struct segs *s = priv;
	size_t cur = src_nvis(s->src) ? src_vis(s->src, s->list.sel) : 0;

	(void)t;
	if (src_filter(s->src, expr, errbuf, errlen) < 0)
		return -1;
	list_select(&s->list, src_vis_find(s->src, cur));
	s->list.top = 0;
	s->cached = SIZE_MAX;
	return 0;
}

struct seg_match {
	const struct tui_src *src;
	const char *text;
};

/* A row as the wide list shows it (addresses, flags, numbers, labels). */
static bool seg_has(void *ctx, size_t k)
{
	struct seg_match *m = ctx;
	char buf[512];

	row_text(m->src, src_vis(m->src, k), buf, sizeof buf, true);
	return strcasestr(buf, m->text) != NULL;
}

/* The stepped search (tui.h search_has): the loop asks row by row. */
static size_t segs_search_n(struct tui *t, void *priv, size_t *cur)
{
	struct segs *s = priv;

	(void)t;
	*cur = s->list.sel;
	return src_nvis(s->src);
}

static bool segs_search_has(void *priv, size_t k, const char *text)
{
	struct segs *s = priv;
	struct seg_match m = { s->src, text };

	return seg_has(&m, k);
}

static void segs_search_select(struct tui *t, void *priv, size_t k)
{
	struct segs *s = priv;

	(void)t;
	list_select(&s->list, k);
	s->follow_tail = false;
	s->focus_detail = false;
}

static void segs_close(struct tui *t, void *priv)
{
	struct segs *s = priv;

	(void)t;
	src_unref(s->src);
	free(s);
}

static const struct tui_view segs_view = {
	.name = "segments",
	.draw = segs_draw,
	.key = segs_key,
	.filter = segs_filter,
	.search_n = segs_search_n,
	.search_has = segs_search_has,
	.search_select = segs_search_select,
	.close = segs_close,
};

int screen_segs_open(struct tui *t, struct tui_src *src, long select)
{
	struct segs *s = calloc(1, sizeof *s);

	if (!s)
		return -1;
	s->src = src_ref(src);
	s->cached = SIZE_MAX;
	if (select >= 0)
		list_select(&s->list, src_vis_find(src, (size_t)select));
	else
		s->follow_tail = true;
	return tui_push(t, &segs_view, s);
}
