/* summary: the ladder screen: client calls | the wire's segments as arrows | server calls, on one timeline. */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/pktindex.h"
#include "engine/ladder.h"
#include "engine/labrun.h"
#include "tui/list.h"
#include "tui/tui.h"

/* Column geometry for the current width: time, client, wire, server. */
struct cols {
	int tw, cx, cw, wx, ww, sx, sw;
};

static struct cols layout(const struct ladder *l)
{
	struct cols c;
	int rest;

	c.tw = 9;
	rest = COLS - c.tw;
	if (l && !(l->tl && (l->opts & LADDER_WITH_CALLS))) {
		/* No calls (a capture): the sides hold only expert labels, the wire the rest. */
		c.cw = c.sw = rest / 4 < 16 ? rest / 4 : 16;
		c.ww = rest - c.cw - c.sw - 2;
	} else {
		/* The wire needs about 26 columns for "P. 19:29(10) ack 24" and its arrow;
		 * calls get the rest, split evenly. */
		c.ww = rest * 3 / 10 < 26 ? 26 : rest * 3 / 10;
		c.cw = c.sw = (rest - c.ww - 2) / 2;
	}
	c.cx = c.tw;
	c.wx = c.cx + c.cw + 1;
	c.sx = c.wx + c.ww + 1;
	return c;
}

void lview_draw_head(struct tui_src *s, const struct ladder *l, int y)
{
	struct cols c = layout(l);
	const struct labrun *run = src_labrun(s);
	char cl[64] = "", sv[64] = "";

	if (run) {
		snprintf(cl, sizeof cl, "%s", run->client_addr);
		snprintf(sv, sizeof sv, "%s", run->server_addr);
	} else if (l) {
		/* a file: the connection shown, else the first one (each next one is labelled) */
		uint32_t conn = l->conn != LADDER_ALL_CONNS ? l->conn : 0;
		for (size_t k = 0; l->conn == LADDER_ALL_CONNS && k < l->n; k++)
			if (l->row[k].kind == LADDER_SEG && l->row[k].conn != PKTINDEX_NOCONN) {
				conn = l->row[k].conn;
				break;
			}
		ladder_conn_ends(l, conn, cl, sv, sizeof cl);
	}
	draw_fmt(y, 0, c.tw, R_HEAD, "%8s", "ms");
	/* "client ADDR" where it fits, else the address alone: the client is always left. */
	draw_fmt(y, c.cx, c.cw, R_HEAD, "%s%s", (int)strlen(cl) + 7 <= c.cw ? "client " : "", cl);
	draw_fmt(y, c.wx, c.ww, R_HEAD, "%*s", (c.ww + 4) / 2, "wire");
	draw_fmt(y, c.sx, c.sw, R_HEAD, "%s%s", (int)strlen(sv) + 7 <= c.sw ? "server " : "", sv);
}

void lview_head_note(const struct ladder *l, int y, const char *note)
{
	struct cols c = layout(l);
	int n = (int)strlen(note);

	if (n > c.ww)
		return;
	draw_fmt(y, c.wx, c.ww, R_HEAD, "%*s", (c.ww + n) / 2, note);
}

static void draw_seg(const struct ladder *l, size_t k, int y, bool sel, const struct cols *c)
{
	const struct tui_glyphs *g = draw_glyphs();
	const struct ladder_row *r = &l->row[k];
	struct ladder_seg sg;
	char label[128], an[160];
	enum tui_role role;
	int tl, x;

	ladder_seg_get(l, r->index, &sg);
	ladder_label(l, k, label, sizeof label);
	role = r->dir == FLOW_C2S ? R_C2S : R_S2C;
	if (sel)
		role = R_SEL;
	draw_hline(y, c->wx, c->ww, role);
	tl = (int)strlen(label);
	if (tl > c->ww - 4)
		tl = c->ww - 4;
	x = c->wx + (c->ww - tl) / 2;
	mvprintw(y, x - 1, " ");
	draw_fmt(y, x, tl + 1, role, "%.*s ", tl, label);
	attrset(draw_attr(role));
	if (r->dir == FLOW_C2S)
		mvaddstr(y, c->wx + c->ww - 1, g->rarrow);
	else
		mvaddstr(y, c->wx, g->larrow);
	attrset(A_NORMAL);
	/* Wireshark's words in the sender's column, where nothing else is on this row. */
	ladder_expert_label(r->analysis, sg.malformed, an, sizeof an);
	if (an[0]) {
		int w = r->dir == FLOW_C2S ? c->cw : c->sw, n = (int)strlen(an);
		if (n > w)
			n = w;
		if (r->dir == FLOW_C2S)
			draw_fmt(y, c->cx + c->cw - n, n, R_EXPERT, "%.*s", n, an);
		else
			draw_fmt(y, c->sx, n, R_EXPERT, "%.*s", n, an);
	}
}

void lview_draw_row(const struct ladder *l, size_t k, int y, bool sel)
{
	struct cols c = layout(l);
	const struct ladder_row *r = &l->row[k];
	char text[512];
	int n;

	ladder_label(l, k, text, sizeof text);
	switch ((enum ladder_kind)r->kind) {
	case LADDER_SEG:
		draw_fmt(y, 0, c.tw, sel ? R_SEL : R_DIM, "%8.3f", ladder_ms(l, r->t_ns));
		draw_seg(l, k, y, sel, &c);
		return;
	case LADDER_GAP:
		/* idle time: the rails go on, the time it lasted in the middle of the wire */
		draw_text(y, 0, COLS, sel ? R_SEL : R_NORMAL, "");
		n = (int)strlen(text);
		draw_fmt(y, c.wx + (c.ww - n) / 2, n, sel ? R_SEL : R_HEAD, "%s", text);
		return;
	case LADDER_CONN:
		draw_hline(y, 0, COLS, sel ? R_SEL : R_DIM);
		n = (int)strlen(text) + 2;
		if (n > COLS - 2)
			n = COLS - 2;
		draw_fmt(y, 2, n, sel ? R_SEL : R_HEAD, " %.*s ", n - 2, text);
		return;
	case LADDER_KERNEL:
		/* What the host's kernel held: the engine's words, styled as its notes are (not
		 * as a call). The row is theirs alone, so they run on over the wire (the
		 * server's leftwards) rather than be cut, and only then are cut at a word; the
		 * line under the ladder and the K table have all of it. */
		draw_fmt(y, 0, c.tw, sel ? R_SEL : R_DIM, "%8.3f", ladder_ms(l, r->t_ns));
		n = draw_cols(text);
		if (r->side == LADDER_CLIENT) {
			draw_text_cut(y, c.cx, c.sx - 1 - c.cx, sel ? R_SEL : R_WIRE_NOTE, text);
		} else {
			int x = n > COLS - c.sx ? COLS - n : c.sx;
			x = x < c.wx ? c.wx : x;
			draw_text_cut(y, x, COLS - x, sel ? R_SEL : R_WIRE_NOTE, text);
		}
		return;
	default:
		break;
	}
	draw_fmt(y, 0, c.tw, sel ? R_SEL : R_DIM, "%8.3f", ladder_ms(l, r->t_ns));
	/* A call carries the program's bytes and output is the program's: draw_text shows
	 * their escapes as text. */
	/* The engine's notes ("the cable is cut (silently: ...)") are sentences and the row is
	 * theirs alone: they run on into the server's column, start left of the wire if they
	 * must, and only then are cut at a word. */
	if (r->side == LADDER_WIRE) {
		int x = (int)strlen(text) > COLS - c.wx ? COLS - (int)strlen(text) : c.wx;
		x = x < c.cx ? c.cx : x;
		draw_text_cut(y, x, COLS - x, sel ? R_SEL : R_WIRE_NOTE, text);
	}
	else
		draw_text(y, r->side == LADDER_CLIENT ? c.cx : c.sx,
		          r->side == LADDER_CLIENT ? c.cw : c.sw,
		          sel ? R_SEL : r->kind == LADDER_OUTPUT ? R_DIM : R_NORMAL, text);
}

void lview_draw_note(const struct ladder *l, size_t k, int y, int x0, int x1)
{
	const struct ladder_row *r = &l->row[k];
	char text[200];
	int n, w = x1 - x0;

	ladder_label(l, k, text, sizeof text);
	n = (int)strlen(text);
	draw_text_cut(y, n < w ? x0 + (w - n) / 2 : x0, n < w ? n : w, r->kind == LADDER_GAP ?
	              R_HEAD : r->kind == LADDER_MARKER ? R_WIRE_NOTE : R_DIM, text);
}

/* The rows a demo or a comparison shows (tui.h): the shown-th segment's and those before
 * it, then what followed it before the next segment, not the next one's gap or connection
 * row; the last max of them into out. Returns how many. */
size_t lview_reveal(const struct ladder *l, size_t shown, bool calls, size_t *out, size_t max)
{
	size_t seen = 0, n = 0, start = 0, end = l->n;
	size_t ring[64];

	if (!max || !shown)
		return 0;
	if (max > 64)
		max = 64;
	/* where to stop: after the shown-th segment, the last note (or call, or output) before
	 * the next segment */
	for (size_t k = 0; k < l->n; k++) {
		const struct ladder_row *r = &l->row[k];
		bool other = r->kind == LADDER_MARKER ||
		             (calls && (r->kind == LADDER_CALL || r->kind == LADDER_OUTPUT));

		if (seen == shown) {
			if (r->kind == LADDER_SEG)
				break;
			if (other)
				end = k + 1;
			continue;
		}
		if (r->kind == LADDER_SEG && ++seen == shown)
			end = k + 1;
	}
	for (size_t k = 0; k < end; k++) {
		const struct ladder_row *r = &l->row[k];
		if (!calls && (r->kind == LADDER_CALL || r->kind == LADDER_OUTPUT))
			continue;
		/* the kernel's rows are the ladder screen's (and its K table's), not the
		 * projector's: a step shows what crossed the wire */
		if (r->kind == LADDER_KERNEL)
			continue;
		/* a gap or a connection change shows with the event after it */
		ring[(start + n) % max] = k;
		if (n < max)
			n++;
		else
			start = (start + 1) % max;
	}
	for (size_t i = 0; i < n; i++)
		out[i] = ring[(start + i) % max];
	return n;
}

struct lscreen {
	struct tui_src *src;
	struct tui_list list;
	bool tail;              /* keep the newest row in view while a run goes on */
	bool restore;           /* opened on one connection: put the shared ladder back */
	uint32_t restore_conn;
	bool kpane;             /* K: the kernel's sockets at the selected row, under it */
};

/* The bottom line: what the selected row means. */
static void full_text(struct lscreen *v, const struct ladder *l, size_t k, char *buf,
                      size_t len)
{
	const struct ladder_row *r = &l->row[k];
	const struct labrun *run = src_labrun(v->src);
	struct flow_seg fs;

	switch ((enum ladder_kind)r->kind) {
	case LADDER_SEG:
		if (src_seg(v->src, r->index, &fs, NULL, 0) == 0)
			explain_brief(&fs, buf, len);
		else
			snprintf(buf, len, "a malformed packet");
		return;
	case LADDER_CALL:
		trace_event_str(&run->tl.call[r->index].ev, buf, len);
		return;
	case LADDER_GAP:
		snprintf(buf, len, "nothing happened for %.1f ms: no segment, no call", r->gap_ns / 1e6);
		return;
	case LADDER_KERNEL: {
		char lab[400];
		ladder_label(l, k, lab, sizeof lab);
		snprintf(buf, len, "%s  %s", lab, v->kpane ? "" :
		         _("(K: every socket, as ss -tan -o lists them)"));
		return;
	}
	default:
		ladder_label(l, k, buf, len);
		return;
	}
}

static bool is_file(struct lscreen *v)
{
	return !src_labrun(v->src) && !src_lab(v->src);
}

/* The run's kernel samples, when it has any. */
static const struct ksock_log *run_ks(struct lscreen *v)
{
	const struct labrun *run = src_labrun(v->src);

	return run && run->ks.nsample ? &run->ks : NULL;
}

/* Lines the K table needs: its rule, its column header, each host's line and sockets. */
static int kpane_lines(const struct ksock_log *ks, uint64_t t)
{
	int n = 2;

	for (int h = 0; h < 2; h++) {
		long i = ksock_log_at(ks, h, t);
		n += 1 + (i >= 0 ? (int)ks->sample[i].n : 0);
	}
	return n;
}

/* The width of the Local and Peer columns: what State, the queues and the timer leave. */
static int kpane_addr_w(void)
{
	int aw = (COLS - 2 - 12 - 1 - 6 - 1 - 6 - 1 - 1 - 15) / 2;

	return aw < 8 ? 8 : aw;
}

/* One socket as `ss -tan -o` lists it, in columns that fit the width. */
static void kpane_sock(const struct ksock *k, int y)
{
	char la[64], pa[64], tm[32] = "", line[300];
	int aw = kpane_addr_w();

	ksock_addr_str(k, true, la, sizeof la);
	ksock_addr_str(k, false, pa, sizeof pa);
	if (k->timer)
		snprintf(tm, sizeof tm, "%s %.1f s", ksock_timer_name(k->timer),
		         k->expires_ms / 1000.0);
	snprintf(line, sizeof line, "  %-12s %6u %6u %-*.*s %-*.*s %s", ksock_state_name(k->state),
	         k->rqueue, k->wqueue, aw, aw, la, aw, aw, k->state == KS_LISTEN ? "*:*" : pa, tm);
	draw_text(y, 0, COLS, R_NORMAL, line);
}

/* One host's part of the K table from y, at most h lines (h >= 1): its line, then its
 * sample's sockets, the last line counting those that do not fit. */
static void kpane_host(const struct ksock_log *ks, const struct labrun *run,
                       const struct ladder *l, int host, uint64_t t, int y, int h)
{
	long i = ksock_log_at(ks, host, t);
	const char *who = host == HOST_CLIENT ? _("client") : _("server");
	const char *addr = host == HOST_CLIENT ? run->client_addr : run->server_addr;
	const struct ksock_sample *s = i >= 0 ? &ks->sample[i] : NULL;
	char buf[400];

	if (!s)
		snprintf(buf, sizeof buf, _("%s %s: not sampled yet at this time"), who, addr);
	else if (s->n == 1)
		snprintf(buf, sizeof buf, _("%s %s, sampled at %.3f ms: 1 socket"), who, addr,
		         ladder_ms(l, s->t_ns));
	else if (s->n)
		snprintf(buf, sizeof buf, _("%s %s, sampled at %.3f ms: %u sockets"), who, addr,
		         ladder_ms(l, s->t_ns), s->n);
	else
		snprintf(buf, sizeof buf, _("%s %s, sampled at %.3f ms: no socket on the lab's port"),
		         who, addr, ladder_ms(l, s->t_ns));
	draw_text(y++, 0, COLS, R_WIRE_NOTE, buf);
	for (uint32_t k = 0; s && k < s->n && --h > 0; k++) {
		if (h == 1 && s->n - k > 1) {
			snprintf(buf, sizeof buf, _("  ... %u more"), s->n - k);
			draw_text(y, 0, COLS, R_DIM, buf);
			return;
		}
		kpane_sock(&ks->sock[s->first + k], y++);
	}
}

/*
 * The K table from y, h lines: every socket of each host's sample taken last at or before
 * time t (the selected row's), as ss lists them. A sample is the kernel's word at its own
 * time, so each host's line says when it was taken; times left are as of then. Short of
 * lines, each host keeps half of them (or what the other leaves): lab 7's leak has a dozen
 * sockets on each side, and the server's CLOSE-WAITs must not vanish under the client's.
 */
static void kpane_draw(struct lscreen *v, const struct ladder *l, uint64_t t, int y, int h)
{
	const struct ksock_log *ks = run_ks(v);
	const struct labrun *run = src_labrun(v->src);
	int aw = kpane_addr_w(), avail = h - 2, need[2], h0;
	char buf[400];

	draw_hline(y, 0, COLS, R_DIM);
	snprintf(buf, sizeof buf, _("the kernel's sockets at %.3f ms, as ss -tan -o lists them"),
	         ladder_ms(l, t));
	draw_fmt(y, 2, draw_cols(buf) + 2 < COLS - 2 ? draw_cols(buf) + 2 : COLS - 2, R_HEAD,
	         " %s ", buf);
	snprintf(buf, sizeof buf, "  %-12s %6s %6s %-*s %-*s %s", "State", "Recv-Q", "Send-Q", aw,
	         "Local", aw, "Peer", "Timer");
	draw_text(y + 1, 0, COLS, R_HEAD, buf);
	if (avail < 2)
		return;
	for (int host = 0; host < 2; host++) {
		long i = ksock_log_at(ks, host, t);
		need[host] = 1 + (i >= 0 ? (int)ks->sample[i].n : 0);
	}
	h0 = need[0] < avail / 2 ? need[0] : avail - need[1] > avail / 2 ? avail - need[1] :
	     avail / 2;
	if (h0 > need[0])
		h0 = need[0];
	for (int k = y + 2; k < y + h; k++)
		draw_text(k, 0, COLS, R_NORMAL, "");
	kpane_host(ks, run, l, HOST_CLIENT, t, y + 2, h0);
	kpane_host(ks, run, l, HOST_SERVER, t, y + 2 + h0, avail - h0);
}

static void lad_draw(struct tui *t, void *priv)
{
	struct lscreen *v = priv;
	struct ladder *l = src_ladder(v->src);
	size_t n = l ? l->n : 0;
	int h = LINES - 5, ph = 0;
	char state[256], buf[512], conn[64] = "", note[300];

	(void)t;
	if (v->tail && n)
		list_select(&v->list, n - 1);
	if (v->kpane && !run_ks(v))
		v->kpane = false;       /* a grading moved on to a run without samples */
	if (v->kpane && n) {
		/* the table under the rows: what it needs, at most half of them */
		list_fit(&v->list, n, h, NULL, NULL);
		ph = kpane_lines(run_ks(v), l->row[v->list.sel].t_ns);
		if (ph > h / 2)
			ph = h / 2;
		h -= ph;
	}
	list_fit(&v->list, n, h, NULL, NULL);
	src_state_str(v->src, state, sizeof state);
	if (l && ladder_behind(l) && !src_labrun(v->src))
		snprintf(state, sizeof state, "ladder of %zu segments so far", src_count(v->src) -
		         ladder_behind(l));
	if (l && l->conn != LADDER_ALL_CONNS)
		snprintf(conn, sizeof conn, "  connection %u of %zu", l->conn + 1, ladder_nconns(l));
	else if (l && is_file(v) && ladder_nconns(l) > 1)
		snprintf(conn, sizeof conn, "  all %zu connections", ladder_nconns(l));
	src_filter_note(v->src, note, sizeof note);
	if (src_lab(v->src))
		snprintf(buf, sizeof buf, "ladder  lab %d %s%s%s%s", src_lab(v->src)->number,
		         src_variant(v->src)->name, conn, note[0] ? "  " : "", note);
	else
		snprintf(buf, sizeof buf, "ladder%s%s%s", conn, note[0] ? "  " : "", note);
	if (note[0] && (int)(strlen(buf) + strlen(state)) + 3 > COLS)
		state[0] = '\0';       /* the filter wins: its note counts the segments */
	draw_title(buf, state);
	lview_draw_head(v->src, l, 1);
	for (size_t k = v->list.top; k < v->list.top + v->list.shown; k++)
		lview_draw_row(l, k, 2 + (int)(k - v->list.top), k == v->list.sel);
	for (int y = 2 + (int)v->list.shown; y < 2 + h; y++)
		draw_text(y, 0, COLS, R_NORMAL, "");
	if (ph)
		kpane_draw(v, l, l->row[v->list.sel].t_ns, 2 + h, ph);
	if (n) {
		full_text(v, l, v->list.sel, buf, sizeof buf);
		draw_text_cut(LINES - 2, 0, COLS, R_NORMAL, buf);
	}
	/* What the times count from, on the rule under the rows (the title has no room at
	 * 80 columns): the same start as the segment list and the detail. */
	draw_hline(LINES - 3, 0, COLS, R_DIM);
	draw_fmt(LINES - 3, 2, (int)strlen(src_time_note(v->src)) + 2, R_DIM, " %s ",
	         src_time_note(v->src));
	/* the column header above the rows is full: both marks go on this rule */
	list_marks(&v->list, LINES - 3, LINES - 3);
	if (is_file(v))
		draw_hints(l && ladder_nconns(l) > 1 ?
		           _("q back  Enter detail  c next connection  / filter  s segments  ? help") :
		           _("q back  Enter segment detail  / filter  s segments  ? help"));
	else if (run_ks(v))
		draw_hints(_("q back  Enter segment detail  K kernel  / filter  c checks  s segments"
		             "  ? help"));
	else
		draw_hints(_("q back  Enter segment detail  / filter  c checks  s segments  ? help"));
}

/* c on a capture: every connection, then each one alone, then every one again. */
static void next_conn(struct tui *t, struct lscreen *v, struct ladder *l)
{
	size_t nc = ladder_nconns(l);
	uint32_t next;

	if (nc < 2) {
		tui_status(t, false, "this capture has one connection");
		return;
	}
	next = l->conn == LADDER_ALL_CONNS ? 0 :
	       l->conn + (size_t)1 < nc ? l->conn + 1 : LADDER_ALL_CONNS;
	if (ladder_set_conn(l, next) < 0)
		tui_status(t, true, "out of memory");
	v->list.sel = v->list.top = 0;
}

static enum tui_ret lad_key(struct tui *t, void *priv, enum tui_act a, int ch)
{
	struct lscreen *v = priv;
	struct ladder *l = src_ladder(v->src);
	size_t n = l ? l->n : 0, sel = v->list.sel;

	(void)ch;
	if (a != ACT_NONE)
		v->tail = false;
	if (list_key(&v->list, a))
		return TUI_STAY;
	switch (a) {
	case ACT_ENTER:
		if (sel < n && l->row[sel].kind == LADDER_SEG)
			screen_segs_open(t, v->src, (long)l->row[sel].index);
		break;
	case ACT_SEGMENTS:
		screen_segs_open(t, v->src, 0);
		break;
	case ACT_CONVS:
		screen_conv_open(t, v->src);
		break;
	case ACT_KERNEL:
		if (run_ks(v))
			v->kpane = !v->kpane;
		else if (!src_labrun(v->src))
			tui_status(t, false, "%s", _("a capture file holds only the wire: no samples of"
			                             " the kernel's sockets"));
		else if (src_labrun(v->src)->ks_error[0])
			tui_status(t, false, _("this run has no samples of the kernel's sockets: %s"),
			           src_labrun(v->src)->ks_error);
		else
			tui_status(t, false, "%s", _("this run has no samples of the kernel's sockets"));
		break;
	case ACT_CHECKS:
		if (src_labrun(v->src))
			screen_checks_open(t, v->src);
		else if (l && is_file(v))
			next_conn(t, v, l);
		break;
	case ACT_BACK:
		return TUI_CLOSE;
	default:
		break;
	}
	return TUI_STAY;
}

static int lad_filter(struct tui *t, void *priv, const char *expr, char *errbuf, size_t errlen)
{
	struct lscreen *v = priv;

	(void)t;
	v->list.sel = v->list.top = 0;
	return src_filter(v->src, expr, errbuf, errlen);
}

/* A big capture's ladder is built in steps: when the loop serves another source (or
 * none), the screen asks for the next step itself. */
static int lad_wait(struct tui *t, void *priv)
{
	struct lscreen *v = priv;
	struct ladder *l = src_ladder(v->src);

	(void)t;
	return l && ladder_behind(l) ? 0 : -1;
}

static void lad_tick(struct tui *t, void *priv)
{
	struct lscreen *v = priv;

	(void)t;
	src_ladder(v->src);
}

struct lad_match {
	struct lscreen *v;
	const struct ladder *l;
	const char *text;
};

/* A row's sentence (the line under the ladder), and a segment's label and analysis. */
static bool lad_has(void *ctx, size_t k)
{
	struct lad_match *m = ctx;
	char buf[600], lab[300];
	size_t n;

	full_text(m->v, m->l, k, buf, sizeof buf);
	n = strlen(buf);
	ladder_label(m->l, k, lab, sizeof lab);
	snprintf(buf + n, sizeof buf - n, " %s", lab);
	return strcasestr(buf, m->text) != NULL;
}

/* The stepped search (tui.h search_has): the loop asks row by row. */
static size_t lad_search_n(struct tui *t, void *priv, size_t *cur)
{
	struct lscreen *v = priv;
	struct ladder *l = src_ladder(v->src);

	(void)t;
	*cur = v->list.sel;
	return l ? l->n : 0;
}

static bool lad_search_has(void *priv, size_t k, const char *text)
{
	struct lscreen *v = priv;
	struct lad_match m = { v, src_ladder(v->src), text };

	return m.l && k < m.l->n && lad_has(&m, k);
}

static void lad_search_select(struct tui *t, void *priv, size_t k)
{
	struct lscreen *v = priv;

	(void)t;
	list_select(&v->list, k);
	v->tail = false;
}

static void lad_close(struct tui *t, void *priv)
{
	struct lscreen *v = priv;

	(void)t;
	if (v->restore) {
		struct ladder *l = src_ladder(v->src);
		if (l)
			ladder_set_conn(l, v->restore_conn);
	}
	src_unref(v->src);
	free(v);
}

static const struct tui_view ladder_view = {
	.name = "ladder",
	.draw = lad_draw,
	.key = lad_key,
	.filter = lad_filter,
	.wait_ms = lad_wait,
	.tick = lad_tick,
	.search_n = lad_search_n,
	.search_has = lad_search_has,
	.search_select = lad_search_select,
	.close = lad_close,
};

int screen_ladder_open(struct tui *t, struct tui_src *s)
{
	struct lscreen *v = calloc(1, sizeof *v);

	if (!v)
		return -1;
	v->src = src_ref(s);
	v->tail = src_busy(s) && src_labrun(s);
	return tui_push(t, &ladder_view, v);
}

int screen_ladder_open_conn(struct tui *t, struct tui_src *s, uint32_t conn)
{
	struct ladder *l = src_ladder(s);
	struct lscreen *v;

	if (!l || !(v = calloc(1, sizeof *v)))
		return -1;
	/* The screens under this one keep showing the connection they showed. */
	v->restore = true;
	v->restore_conn = l->conn;
	if (ladder_set_conn(l, conn) < 0) {
		ladder_set_conn(l, v->restore_conn);
		free(v);
		return -1;
	}
	v->src = src_ref(s);
	return tui_push(t, &ladder_view, v);
}
