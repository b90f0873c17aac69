/* summary: the ladder screen: client calls | the wire's segments as arrows | server calls, on one timeline. */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/dissect.h"
#include "capture/expert.h"
#include "capture/pktindex.h"
#include "cli/ladder.h"
#include "engine/labrun.h"
#include "tui/tui.h"

/* Column geometry for the current width: time, client, wire, server. */
struct cols {
	int tw, cx, cw, wx, ww, sx, sw;
};

static struct cols layout(void)
{
	struct cols c;
	int rest;

	c.tw = 9;
	rest = COLS - c.tw;
	/* The wire needs about 22 columns for "P. 1:15(14) ack 1" and its arrow; calls
	 * get the rest, split evenly. */
	c.ww = rest * 3 / 10 < 22 ? 22 : rest * 3 / 10;
	c.cw = c.sw = (rest - c.ww - 2) / 2;
	c.cx = c.tw;
	c.wx = c.cx + c.cw + 1;
	c.sx = c.wx + c.ww + 1;
	return c;
}

size_t ladder_rows(const struct tui_src *s, bool calls, struct ladder_model *m)
{
	const struct labrun *run = src_labrun(s);

	if (!run) {
		m->n = src_nvis(s);
		return m->n;
	}
	const struct timeline *tl = &run->tl;
	m->n = 0;
	if (m->cap < tl->nentry + 1) {
		struct tui_lrow *nr = realloc(m->row, (tl->nentry + 1) * sizeof *nr);
		if (!nr)
			return 0;
		m->row = nr;
		m->cap = tl->nentry + 1;
	}
	for (size_t i = 0; i < tl->nentry; i++) {
		const struct tl_entry *e = &tl->entry[i];
		struct tui_lrow r = { .phase = e->phase, .index = e->index, .t_ns = e->t_ns };

		if (e->kind == TL_SEGMENT) {
			if (!src_matches(s, e->index))
				continue;
			r.kind = LROW_SEG;
		} else if (!calls) {
			continue;
		} else {
			r.kind = e->kind == TL_CALL ? LROW_CALL : LROW_OUT;
		}
		m->row[m->n++] = r;
	}
	return m->n;
}

void ladder_row(const struct tui_src *s, const struct ladder_model *m, size_t k,
                struct tui_lrow *out)
{
	if (src_labrun(s)) {
		*out = m->row[k];
		return;
	}
	struct tui_row r;
	out->kind = LROW_SEG;
	out->phase = 0;
	out->index = (uint32_t)src_vis(s, k);
	src_row(s, out->index, &r);
	out->t_ns = r.ts_ns;
}

void ladder_model_release(struct ladder_model *m)
{
	free(m->row);
	memset(m, 0, sizeof *m);
}

void ladder_draw_head(const struct tui_src *s, int y)
{
	struct cols c = layout();
	const struct labrun *run = src_labrun(s);
	char cl[64] = "", sv[64] = "";

	if (run) {
		snprintf(cl, sizeof cl, "%s", run->client_addr);
		snprintf(sv, sizeof sv, "%s", run->server_addr);
	} else if (src_nvis(s)) {
		struct tui_row r;
		src_row(s, src_vis(s, 0), &r);
		snprintf(cl, sizeof cl, "%s", r.dir == FLOW_C2S ? r.src : r.dst);
		snprintf(sv, sizeof sv, "%s", r.dir == FLOW_C2S ? r.dst : r.src);
	}
	draw_fmt(y, 0, c.tw, R_HEAD, "%8s", "ms");
	/* "client ADDR" where it fits, else the address alone: the client is always left. */
	draw_fmt(y, c.cx, c.cw, R_HEAD, "%s%s", (int)strlen(cl) + 7 <= c.cw ? "client " : "", cl);
	draw_fmt(y, c.wx, c.ww, R_HEAD, "%*s", (c.ww + 4) / 2, "wire");
	draw_fmt(y, c.sx, c.sw, R_HEAD, "%s%s", (int)strlen(sv) + 7 <= c.sw ? "server " : "", sv);
}

/* "P. 1:15(14) ack 1" as tcpdump writes it. */
static void seg_label(const struct tui_row *r, char *buf, size_t len)
{
	char fl[16];
	int n;

	dissect_flags_str(r->flags, fl, sizeof fl);
	if (r->len)
		n = snprintf(buf, len, "%s %u:%u(%u)", fl, r->rel_seq, r->rel_seq + r->len, r->len);
	else if (r->flags & (TCP_SYN | TCP_FIN | TCP_RST) || !(r->flags & TCP_ACK))
		n = snprintf(buf, len, "%s %u", fl, r->rel_seq);
	else
		n = snprintf(buf, len, "%s", fl);
	if (r->flags & TCP_ACK && n > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, " ack %u", r->rel_ack);
	if (r->win == 0 && r->flags & TCP_ACK && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, " win 0");
}

static void draw_seg(const struct tui_src *s, const struct tui_lrow *lr, int y, bool sel,
                     const struct cols *c)
{
	const struct tui_glyphs *g = draw_glyphs();
	struct tui_row r;
	char label[128], an[160] = "";
	enum tui_role role;
	int tl, x;

	src_row(s, lr->index, &r);
	seg_label(&r, label, sizeof label);
	role = r.dir == FLOW_C2S ? R_C2S : R_S2C;
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
	if (r.dir == FLOW_C2S)
		mvaddstr(y, c->wx + c->ww - 1, g->rarrow);
	else
		mvaddstr(y, c->wx, g->larrow);
	attrset(A_NORMAL);
	/* Wireshark's words in the sender's column, where nothing else is on this row. */
	for (int i = 0; i < EXPERT_NLABELS; i++)
		if (r.analysis & EXPERT_BIT(i)) {
			const char *w = expert_labels[i].wireshark;
			size_t n = strlen(an);
			snprintf(an + n, sizeof an - n, "%s[%s]", n ? " " : "",
			         strncmp(w, "TCP ", 4) ? w : w + 4);
		}
	if (r.malformed)
		snprintf(an, sizeof an, "[Malformed]");
	if (an[0]) {
		int w = r.dir == FLOW_C2S ? c->cw : c->sw, l = (int)strlen(an);
		if (l > w)
			l = w;
		if (r.dir == FLOW_C2S)
			draw_fmt(y, c->cx + c->cw - l, l, R_EXPERT, "%.*s", l, an);
		else
			draw_fmt(y, c->sx, l, R_EXPERT, "%.*s", l, an);
	}
}

void ladder_draw_row(const struct tui_src *s, const struct tui_lrow *r, int y, bool sel)
{
	struct cols c = layout();
	const struct labrun *run = src_labrun(s);
	char text[512];
	int host;

	draw_fmt(y, 0, c.tw, sel ? R_SEL : R_DIM, "%8.3f", (double)(r->t_ns - src_t0(s)) / 1e6);
	if (r->kind == LROW_SEG) {
		draw_seg(s, r, y, sel, &c);
		return;
	}
	if (r->kind == LROW_CALL) {
		const struct tl_call *call = &run->tl.call[r->index];
		host = call->host;
		if (r->phase == TL_PHASE_EXIT) {
			double ms = (double)trace_event_blocked_ns(&call->ev) / 1e6;
			int n = snprintf(text, sizeof text, "%s() = %lld", call->ev.name, call->ev.ret);
			if (call->ev.err && n > 0)
				n += snprintf(text + n, sizeof text - (size_t)n, " (errno %d)", call->ev.err);
			if (n > 0)
				snprintf(text + n, sizeof text - (size_t)n, " blocked %.1f ms", ms);
		} else {
			ladder_call_text(call, (enum tl_phase)r->phase, text, sizeof text);
		}
	} else {
		const struct tl_output *o = &run->tl.out[r->index];
		host = o->host;
		snprintf(text, sizeof text, "> %s", o->text);
	}
	if (host == TL_HOST_WIRE)
		draw_text(y, c.wx, c.ww, sel ? R_SEL : R_WIRE_NOTE, text);
	else if (host == HOST_CLIENT)
		draw_text(y, c.cx, c.cw, sel ? R_SEL : r->kind == LROW_OUT ? R_DIM : R_NORMAL, text);
	else
		draw_text(y, c.sx, c.sw, sel ? R_SEL : r->kind == LROW_OUT ? R_DIM : R_NORMAL, text);
}

struct ladder {
	struct tui_src *src;
	struct ladder_model m;
	size_t sel, top;
	bool tail;              /* keep the newest row in view while a run goes on */
};

static void full_text(const struct ladder *l, const struct tui_lrow *r, char *buf, size_t len)
{
	const struct labrun *run = src_labrun(l->src);

	if (r->kind == LROW_SEG) {
		struct flow_seg fs;
		if (src_seg(l->src, r->index, &fs, NULL, 0) == 0)
			explain_brief(&fs, buf, len);
		else
			snprintf(buf, len, "a malformed packet");
	} else if (r->kind == LROW_CALL) {
		trace_event_str(&run->tl.call[r->index].ev, buf, len);
	} else {
		snprintf(buf, len, "%s", run->tl.out[r->index].text);
	}
}

static void lad_draw(struct tui *t, void *priv)
{
	struct ladder *l = priv;
	size_t n = ladder_rows(l->src, true, &l->m);
	int h = LINES - 5;
	char state[256], buf[512];
	struct tui_lrow r;

	(void)t;
	if (l->tail && n)
		l->sel = n - 1;
	if (l->sel >= n)
		l->sel = n ? n - 1 : 0;
	if (l->sel < l->top)
		l->top = l->sel;
	if (l->sel >= l->top + (size_t)h)
		l->top = l->sel - (size_t)h + 1;
	src_state_str(l->src, state, sizeof state);
	if (src_lab(l->src))
		snprintf(buf, sizeof buf, "ladder  lab %d %s", src_lab(l->src)->number,
		         src_variant(l->src)->name);
	else
		snprintf(buf, sizeof buf, "ladder%s%s", src_filter_expr(l->src)[0] ? "  filter: " : "",
		         src_filter_expr(l->src));
	draw_title(buf, state);
	ladder_draw_head(l->src, 1);
	for (int y = 0; y < h && l->top + (size_t)y < n; y++) {
		ladder_row(l->src, &l->m, l->top + (size_t)y, &r);
		ladder_draw_row(l->src, &r, 2 + y, l->top + (size_t)y == l->sel);
	}
	if (n) {
		ladder_row(l->src, &l->m, l->sel, &r);
		full_text(l, &r, buf, sizeof buf);
		draw_hline(LINES - 3, 0, COLS, R_DIM);
		draw_text(LINES - 2, 0, COLS, R_NORMAL, buf);
	}
	draw_hints("q back  Enter segment detail  / filter  c checks  s segments  ? help");
}

static enum tui_ret lad_key(struct tui *t, void *priv, enum tui_act a, int ch)
{
	struct ladder *l = priv;
	size_t n = ladder_rows(l->src, true, &l->m), page = (size_t)(LINES > 8 ? LINES - 6 : 2);
	struct tui_lrow r;

	(void)ch;
	if (a != ACT_NONE)
		l->tail = false;
	switch (a) {
	case ACT_UP: case ACT_PREV:
		if (l->sel)
			l->sel--;
		break;
	case ACT_DOWN: case ACT_NEXT:
		if (l->sel + 1 < n)
			l->sel++;
		break;
	case ACT_PGUP:
		l->sel = l->sel > page ? l->sel - page : 0;
		break;
	case ACT_PGDN:
		l->sel = l->sel + page < n ? l->sel + page : n ? n - 1 : 0;
		break;
	case ACT_HOME:
		l->sel = 0;
		break;
	case ACT_END:
		l->sel = n ? n - 1 : 0;
		break;
	case ACT_ENTER:
		if (!n)
			break;
		ladder_row(l->src, &l->m, l->sel, &r);
		if (r.kind == LROW_SEG)
			screen_segs_open(t, l->src, (long)r.index);
		break;
	case ACT_SEGMENTS:
		screen_segs_open(t, l->src, 0);
		break;
	case ACT_CHECKS:
		if (src_labrun(l->src))
			screen_checks_open(t, l->src);
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
	struct ladder *l = priv;

	(void)t;
	l->sel = l->top = 0;
	return src_filter(l->src, expr, errbuf, errlen);
}

static void lad_close(struct tui *t, void *priv)
{
	struct ladder *l = priv;

	(void)t;
	ladder_model_release(&l->m);
	src_unref(l->src);
	free(l);
}

static const struct tui_view ladder_view = {
	.name = "ladder",
	.draw = lad_draw,
	.key = lad_key,
	.filter = lad_filter,
	.close = lad_close,
};

int screen_ladder_open(struct tui *t, struct tui_src *s)
{
	struct ladder *l = calloc(1, sizeof *l);

	if (!l)
		return -1;
	l->src = src_ref(s);
	l->tail = src_busy(s) && src_labrun(s);
	return tui_push(t, &ladder_view, l);
}
