/* summary: the conversations: one row per connection (Wireshark's Conversations > TCP); Enter opens its ladder. */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/expert.h"
#include "engine/conv.h"
#include "engine/labrun.h"
#include "tui/list.h"
#include "tui/tui.h"

/*
 * The figures are engine/conv.c's, kept by the source (src_convs(): a file's counted as it
 * is indexed, so the list of a 1M-segment capture opens at once; each draw adds only the
 * segments added since). Column widths are kept as the widest figure
 * so far, updated when the counts change, not on every key.
 * Selection and scrolling are this file's own few lines, to be folded into the shared
 * list behaviour.
 */

#define DETAIL_LINES 5

enum { C_ID, C_CLIENT, C_SERVER, C_PKC, C_BYC, C_PKS, C_BYS, C_START, C_DUR, C_END, C_RETR,
       C_N };

static const char *const heads[C_N] = {
	"#", "client", "server", "pkts", "bytes", "pkts", "bytes", "start ms", "dur ms", "end",
	"retr",
};

struct convs {
	struct tui_src *src;
	const struct conv_list *cl;     /* the source's (src_convs), NULL: nothing to count */
	const struct labrun *run;       /* the run measured (a grading moves on to others) */
	bool have;
	bool oom;
	size_t seen;                    /* the list's segments counted when last measured */
	struct tui_list list;           /* the shared scrolling (tui/list.h) */
	int w[C_N];                     /* widest text of each column so far */
	size_t widened;                 /* connections whose addresses were measured */
};

static int digits(uint64_t v)
{
	int n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

static double ms_of(const struct convs *v, uint64_t t_ns)
{
	uint64_t t0 = src_t0(v->src);

	return t_ns >= t0 ? (double)(t_ns - t0) / 1e6 : -(double)(t0 - t_ns) / 1e6;
}

static void widen(int *w, int n)
{
	if (n > *w)
		*w = n;
}

/* Every connection's figures: the widest text of a column is that of its largest value
 * (and of the earliest start, which may be before the first packet), so the maxima are
 * found first and formatted once: 20,000 connections cost no 40,000 snprintf calls. */
static void measure(struct convs *v)
{
	uint64_t id = 0, pkc = 0, byc = 0, pks = 0, bys = 0, retr = 0, dur = 0;
	uint64_t first = UINT64_MAX, last = 0;
	char buf[32];

	for (size_t k = 0; k < v->cl->n; k++) {
		const struct conv *c = &v->cl->conv[k];

		if (c->id > id) id = c->id;
		if (c->packets[FLOW_C2S] > pkc) pkc = c->packets[FLOW_C2S];
		if (c->bytes[FLOW_C2S] > byc) byc = c->bytes[FLOW_C2S];
		if (c->packets[FLOW_S2C] > pks) pks = c->packets[FLOW_S2C];
		if (c->bytes[FLOW_S2C] > bys) bys = c->bytes[FLOW_S2C];
		if (c->labels[EXPERT_I_RETRANSMISSION] > retr) retr = c->labels[EXPERT_I_RETRANSMISSION];
		if (c->last_ns - c->first_ns > dur) dur = c->last_ns - c->first_ns;
		if (c->first_ns < first) first = c->first_ns;
		if (c->first_ns > last) last = c->first_ns;
	}
	widen(&v->w[C_ID], digits(id));
	widen(&v->w[C_PKC], digits(pkc));
	widen(&v->w[C_BYC], digits(byc));
	widen(&v->w[C_PKS], digits(pks));
	widen(&v->w[C_BYS], digits(bys));
	widen(&v->w[C_RETR], digits(retr));
	widen(&v->w[C_DUR], snprintf(buf, sizeof buf, "%.3f", (double)dur / 1e6));
	if (v->cl->n) {
		widen(&v->w[C_START], snprintf(buf, sizeof buf, "%.3f", ms_of(v, first)));
		widen(&v->w[C_START], snprintf(buf, sizeof buf, "%.3f", ms_of(v, last)));
	}
}

/* The source's connections counted up to now (the source counts them; a file's as it is
 * indexed), the column widths measured again only when the counts have changed. */
static void catch_up(struct convs *v)
{
	const struct labrun *run = src_labrun(v->src);

	v->cl = src_convs(v->src, &v->oom);
	if (!v->cl)
		return;
	if (!v->have || run != v->run) {        /* first look, or a grading's next run */
		v->have = true;
		v->run = run;
		v->widened = 0;
		v->seen = SIZE_MAX;
		for (int k = 0; k < C_N; k++)
			v->w[k] = (int)strlen(heads[k]);
		v->w[C_END] = 4;
	}
	if (v->seen == v->cl->seen && v->widened == v->cl->n)
		return;
	v->seen = v->cl->seen;
	/* Only while the source grows (each index step, each new segment of a live run), never
	 * per key: one look at each connection, as figures only grow. */
	measure(v);
	{
		int wc, ws;
		src_conv_ends_width(v->src, &wc, &ws);
		widen(&v->w[C_CLIENT], wc);
		widen(&v->w[C_SERVER], ws);
		v->widened = v->cl->n;
	}
}

/* Column widths for this width: the addresses give way first (cut on the left, their
 * ports kept), then the retransmissions column goes. */
static void layout(const struct convs *v, int w[C_N])
{
	int total = 0;

	memcpy(w, v->w, sizeof v->w);
	/* a group heading ("from client") over each pkts-bytes pair */
	if (w[C_PKC] + 1 + w[C_BYC] < 11)
		w[C_BYC] = 10 - w[C_PKC];
	if (w[C_PKS] + 1 + w[C_BYS] < 11)
		w[C_BYS] = 10 - w[C_PKS];
	for (int k = 0; k < C_N; k++)
		total += w[k] + 1;
	total--;
	if (total > COLS) {
		total -= w[C_RETR] + 1;
		w[C_RETR] = 0;
	}
	while (total > COLS && (w[C_CLIENT] > 8 || w[C_SERVER] > 8)) {
		if (w[C_CLIENT] >= w[C_SERVER])
			w[C_CLIENT]--;
		else
			w[C_SERVER]--;
		total--;
	}
}

/* s in w columns: its end kept (the port), '~' where the start was cut. */
static const char *fit(const char *s, int w, char *buf, size_t len)
{
	int n = (int)strlen(s);

	if (n <= w || w < 2)
		return s;
	snprintf(buf, len, "~%s", s + n - (w - 1));
	return buf;
}

static void row_text(const struct convs *v, const struct conv *c, const int w[C_N], char *buf,
                     size_t len)
{
	char cl[64], sv[64], fc[64], fs[64], retr[24] = "";

	conv_ends(v->cl, c, cl, sv, sizeof cl);
	if (w[C_RETR])
		snprintf(retr, sizeof retr, " %*llu", w[C_RETR],
		         (unsigned long long)c->labels[EXPERT_I_RETRANSMISSION]);
	snprintf(buf, len, "%*u %-*s %-*s %*llu %*llu %*llu %*llu %*.3f %*.3f %-4s%s",
	             w[C_ID], c->id, w[C_CLIENT], fit(cl, w[C_CLIENT], fc, sizeof fc),
	             w[C_SERVER], fit(sv, w[C_SERVER], fs, sizeof fs),
	             w[C_PKC], (unsigned long long)c->packets[FLOW_C2S],
	             w[C_BYC], (unsigned long long)c->bytes[FLOW_C2S],
	             w[C_PKS], (unsigned long long)c->packets[FLOW_S2C],
	             w[C_BYS], (unsigned long long)c->bytes[FLOW_S2C],
	             w[C_START], ms_of(v, c->first_ns),
	             w[C_DUR], (double)(c->last_ns - c->first_ns) / 1e6,
	             conv_end_name(conv_end_of(c)), retr);
}

static void draw_head(const int w[C_N])
{
	int x = w[C_ID] + 1 + w[C_CLIENT] + 1 + w[C_SERVER] + 1, pw;

	move(1, 0);
	clrtoeol();
	pw = w[C_PKC] + 1 + w[C_BYC];
	draw_fmt(1, x, pw, R_HEAD, "%*s", pw, _("from client"));
	x += pw + 1;
	pw = w[C_PKS] + 1 + w[C_BYS];
	draw_fmt(1, x, pw, R_HEAD, "%*s", pw, _("from server"));
	draw_fmt(2, 0, COLS, R_HEAD, "%*s %-*s %-*s %*s %*s %*s %*s %*s %*s %-4s%s%*s",
	         w[C_ID], heads[C_ID], w[C_CLIENT], heads[C_CLIENT], w[C_SERVER], heads[C_SERVER],
	         w[C_PKC], heads[C_PKC], w[C_BYC], heads[C_BYC], w[C_PKS], heads[C_PKS],
	         w[C_BYS], heads[C_BYS], w[C_START], heads[C_START], w[C_DUR], heads[C_DUR],
	         heads[C_END], w[C_RETR] ? " " : "", w[C_RETR], w[C_RETR] ? heads[C_RETR] : "");
}

static const char *side_name(int dir)
{
	return dir == FLOW_C2S ? _("client") : _("server");
}

/* The selected connection in words, under the list. */
static void draw_detail(const struct convs *v, const struct conv *c, int y)
{
	char cl[64], sv[64], buf[512], sent[2][160];
	enum conv_end e = conv_end_of(c);
	int who = conv_closer(c), n = 0;

	conv_ends(v->cl, c, cl, sv, sizeof cl);
	draw_fmt(y++, 1, COLS - 1, R_NORMAL, _("tcp.stream == %u: %s -> %s (ladder: connection %u of"
	         " %zu)"), c->id, cl, sv, c->id + 1, v->cl->n);
	/* One message per count, not a plural "s" pasted in: a language need not add one. */
	snprintf(sent[0], sizeof sent[0], c->packets[FLOW_C2S] == 1 ?
	         _("the client sent %llu segment, %llu bytes of data;") :
	         _("the client sent %llu segments, %llu bytes of data;"),
	         (unsigned long long)c->packets[FLOW_C2S], (unsigned long long)c->bytes[FLOW_C2S]);
	snprintf(sent[1], sizeof sent[1], c->packets[FLOW_S2C] == 1 ?
	         _(" the server %llu segment, %llu bytes") : _(" the server %llu segments, %llu bytes"),
	         (unsigned long long)c->packets[FLOW_S2C], (unsigned long long)c->bytes[FLOW_S2C]);
	draw_fmt(y++, 1, COLS - 1, R_NORMAL, "%s%s", sent[0], sent[1]);
	draw_fmt(y++, 1, COLS - 1, R_NORMAL, _("first segment at %.3f ms, last at %.3f ms: %.3f ms"),
	         ms_of(v, c->first_ns), ms_of(v, c->last_ns), (double)(c->last_ns - c->first_ns) / 1e6);
	switch (e) {
	case CONV_RST:
		draw_fmt(y++, 1, COLS - 1, R_NORMAL, _("reset: the %s sent a RST at %.3f ms"),
		         side_name(who), ms_of(v, c->rst_ns[who]));
		break;
	case CONV_FIN:
		draw_fmt(y++, 1, COLS - 1, R_NORMAL, _("closed: the %s's FIN first, at %.3f ms; the %s's"
		         " at %.3f ms"), side_name(who), ms_of(v, c->fin_ns[who]), side_name(!who),
		         ms_of(v, c->fin_ns[!who]));
		break;
	case CONV_HALF:
		draw_fmt(y++, 1, COLS - 1, R_NORMAL, _("half-closed: the %s sent a FIN at %.3f ms, the %s"
		         " none"), side_name(who), ms_of(v, c->fin_ns[who]), side_name(!who));
		break;
	case CONV_OPEN:
		draw_text(y++, 1, COLS - 1, R_NORMAL, _("open: no FIN and no RST in what was captured"));
		break;
	}
	buf[0] = '\0';
	for (int k = 0; k < EXPERT_NLABELS; k++) {
		/* a RST is said above; tcp.analysis.NAME filters on the others */
		if (k == EXPERT_I_RST || !c->labels[k])
			continue;
		n += snprintf(buf + n, sizeof buf - (size_t)n, "%s %s %llu", n ? "," : "",
		              expert_labels[k].name, (unsigned long long)c->labels[k]);
		if ((size_t)n >= sizeof buf)
			break;
	}
	if (c->malformed)
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s malformed %llu",
		         buf[0] ? "," : "", (unsigned long long)c->malformed);
	draw_fmt(y, 1, COLS - 1, buf[0] ? R_EXPERT : R_NORMAL, _("expert labels:%s"),
	         buf[0] ? buf : " none");
}

static int list_height(void)
{
	int h = LINES - 4 - (DETAIL_LINES + 1);

	return h < 2 ? 2 : h;
}

static void conv_draw(struct tui *t, void *priv)
{
	struct convs *v = priv;
	int w[C_N], h = list_height(), y;
	char state[256], title[128], buf[512];
	size_t n;

	(void)t;
	catch_up(v);
	n = v->have ? v->cl->n : 0;
	list_fit(&v->list, n, h, NULL, NULL);
	src_state_str(v->src, state, sizeof state);
	snprintf(title, sizeof title, n == 1 ? _("conversations  %zu connection%s") :
	         _("conversations  %zu connections%s"), n,
	         v->oom ? _(" (out of memory: counting stopped)") : "");
	draw_title(title, state);
	layout(v, w);
	draw_head(w);
	for (y = 0; (size_t)y < v->list.shown; y++) {
		const struct conv *c = &v->cl->conv[v->list.top + (size_t)y];
		enum conv_end e = conv_end_of(c);

		row_text(v, c, w, buf, sizeof buf);
		draw_text(3 + y, 0, COLS, v->list.top + (size_t)y == v->list.sel ? R_SEL :
		          e == CONV_RST || c->labels[EXPERT_I_RETRANSMISSION] ? R_EXPERT : R_NORMAL, buf);
	}
	if (!n)
		draw_text(4, 2, COLS - 2, R_DIM, _("no TCP connection yet"));
	y = 3 + h;
	draw_hline(y, 0, COLS, R_DIM);
	draw_fmt(y, 2, (int)strlen(src_time_note(v->src)) + 2, R_DIM, " %s ", src_time_note(v->src));
	list_marks(&v->list, 1, y);
	if (n)
		draw_detail(v, &v->cl->conv[v->list.sel], y + 1);
	draw_hints(_("q back  Enter ladder  s segments  f follow  \\ search  ? help"));
}

static enum tui_ret conv_key(struct tui *t, void *priv, enum tui_act a, int ch)
{
	struct convs *v = priv;
	size_t n = v->have ? v->cl->n : 0;
	char expr[64], err[256];
	const struct conv *c = v->list.sel < n ? &v->cl->conv[v->list.sel] : NULL;

	(void)ch;
	if (list_key(&v->list, a))
		return TUI_STAY;
	switch (a) {
	case ACT_ENTER: case ACT_LADDER:
		if (c && screen_ladder_open_conn(t, v->src, c->id) < 0)
			tui_status(t, true, _("cannot open the ladder: out of memory"));
		break;
	case ACT_SEGMENTS:
		/* the source's one display filter (the other screens say so in their titles) */
		if (!c)
			break;
		snprintf(expr, sizeof expr, "tcp.stream == %u", c->id);
		if (src_filter(v->src, expr, err, sizeof err) < 0) {
			tui_status(t, true, _("cannot filter on '%s': %s"), expr, err);
			break;
		}
		tui_status(t, false, _("filter: %s  ('/' then Enter clears it)"), expr);
		screen_segs_open(t, v->src, (long)c->first_seg);
		break;
	case ACT_FOLLOW:
		if (c)
			screen_follow_open(t, v->src, c->id);
		break;
	case ACT_BACK:
		return TUI_CLOSE;
	default:
		break;
	}
	return TUI_STAY;
}

struct conv_match {
	const struct convs *v;
	const char *text;
};

/* A row as the list shows it, with addresses whole. */
static bool conv_has(void *ctx, size_t k)
{
	struct conv_match *m = ctx;
	char buf[512];

	row_text(m->v, &m->v->cl->conv[k], m->v->w, buf, sizeof buf);
	return strcasestr(buf, m->text) != NULL;
}

static int conv_search(struct tui *t, void *priv, const char *text, int dir)
{
	struct convs *v = priv;
	struct conv_match m = { v, text };
	bool wrapped;
	size_t k;

	(void)t;
	if (!v->have)
		return 0;
	k = tui_search_rows(v->list.sel, v->cl->n, dir, conv_has, &m, &wrapped);
	if (k == SIZE_MAX)
		return 0;
	list_select(&v->list, k);
	return wrapped ? 2 : 1;
}

static void conv_close(struct tui *t, void *priv)
{
	struct convs *v = priv;

	(void)t;
	src_unref(v->src);
	free(v);
}

static const struct tui_view conv_view = {
	.name = "conversations",
	.draw = conv_draw,
	.key = conv_key,
	.search = conv_search,
	.close = conv_close,
};

int screen_conv_open(struct tui *t, struct tui_src *s)
{
	struct convs *v = calloc(1, sizeof *v);

	if (!v)
		return -1;
	v->src = src_ref(s);
	return tui_push(t, &conv_view, v);
}
