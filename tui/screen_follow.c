/* summary: follow a connection's stream: the bytes each side sent, in order, one colour per side. */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/expert.h"
#include "engine/conv.h"
#include "tui/tui.h"

/* Enough for a lesson's exchange; a long transfer shows its beginning and says so. */
#define FOLLOW_MAX_BYTES (256 * 1024)
#define FOLLOW_MAX_LINES 8192

struct fline {
	enum flow_dir dir;
	char text[120];
};

/*
 * Lines are made from the connection's own segments only: the source's conversation list
 * (src_convs) gives the range from its first to its last segment, and only that range is
 * scanned, by connection id alone (src_conn), so following a connection of a 1M-segment
 * capture reads its few segments, not the whole file. Collection goes on from where it
 * stopped on each draw, so a file still being indexed or a live run adds its new bytes.
 */
struct follow {
	struct tui_src *src;
	uint32_t conn;
	size_t next;            /* the next segment to look at */
	struct fline *line;
	size_t n;
	int top;
	int mark;               /* the line search found, -1 none */
	bool cut;
	size_t total;           /* payload bytes collected */
	uint64_t bytes[2];
};

static void add(struct follow *f, enum flow_dir d, const char *s, size_t len)
{
	if (f->n == FOLLOW_MAX_LINES) {
		f->cut = true;
		return;
	}
	f->line[f->n].dir = d;
	snprintf(f->line[f->n].text, sizeof f->line[0].text, "%.*s", (int)len, s);
	f->n++;
}

/* Bytes of buf (len, full) to end a line with: all but a character begun at its end, so
 * that a line of text never splits a UTF-8 sequence (it goes whole to the next line). */
static size_t utf8_whole(const char *buf, size_t len)
{
	size_t i = len, need;
	unsigned char lead;

	while (i > 0 && len - i < 3 && ((unsigned char)buf[i - 1] & 0xc0) == 0x80)
		i--;
	if (!i || (lead = (unsigned char)buf[i - 1]) < 0xc2 || lead > 0xf4)
		return len;
	need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
	return len - (i - 1) < need ? i - 1 : len;
}

/* Retransmitted bytes are skipped: the stream is what the application received. */
static void collect(struct follow *f)
{
	const uint32_t skip = EXPERT_BIT(EXPERT_I_RETRANSMISSION) |
	                      EXPERT_BIT(EXPERT_I_FAST_RETRANSMISSION) |
	                      EXPERT_BIT(EXPERT_I_SPURIOUS_RETRANSMISSION);
	const struct tui_src *s = f->src;
	const struct conv_list *cl = src_convs(f->src, NULL);
	size_t end = src_count(s);
	bool utf8 = draw_utf8();
	char buf[100];

	if (cl && f->conn < cl->n) {
		const struct conv *c = &cl->conv[f->conn];
		if (c->first_seg == SIZE_MAX)
			return;
		if (f->next < c->first_seg)
			f->next = c->first_seg;
		if (c->last_seg + 1 < end)
			end = c->last_seg + 1;
	}
	for (; f->next < end && !f->cut; f->next++) {
		size_t i = f->next, bl = 0;
		struct tui_row r;
		struct flow_seg fs;

		if (src_conn(s, i) != f->conn)
			continue;
		src_row(s, i, &r);
		if (!r.len || r.analysis & skip || r.malformed)
			continue;
		if (src_seg(s, i, &fs, NULL, 0) < 0 || !fs.seg.payload)
			continue;
		f->bytes[r.dir] += fs.seg.caplen_payload;
		for (uint32_t k = 0; k < fs.seg.caplen_payload; k++) {
			uint8_t c = fs.seg.payload[k];
			if (c == '\n' || bl == sizeof buf - 1) {
				size_t keep = c == '\n' ? bl : utf8_whole(buf, bl);

				add(f, r.dir, buf, keep);
				memmove(buf, buf + keep, bl - keep);
				bl -= keep;
				if (c == '\n')
					continue;
			}
			/* Wireshark's ASCII view, but text in a UTF-8 locale: the bytes of a
			 * character (Korean a student sent) kept, invalid ones escaped when drawn */
			buf[bl++] = (c >= ' ' && c < 127) || (c >= 0x80 && utf8) ? (char)c : '.';
		}
		if (bl)
			add(f, r.dir, buf, bl);
		f->total += fs.seg.caplen_payload;
		if (f->total >= FOLLOW_MAX_BYTES)
			f->cut = true;
	}
}

static void fol_draw(struct tui *t, void *priv)
{
	struct follow *f = priv;
	char title[128], right[128];
	int h = LINES - 2;

	(void)t;
	collect(f);
	snprintf(title, sizeof title, _("follow stream: connection %u"), f->conn);
	snprintf(right, sizeof right, _("client %llu bytes, server %llu bytes%s"),
	         (unsigned long long)f->bytes[0], (unsigned long long)f->bytes[1],
	         f->cut ? " (cut)" : "");
	draw_title(title, right);
	if (f->top > (int)f->n - h)
		f->top = (int)f->n - h;
	if (f->top < 0)
		f->top = 0;
	for (int y = 0; y < h && f->top + y < (int)f->n; y++) {
		const struct fline *l = &f->line[f->top + y];
		enum tui_role role = f->top + y == f->mark ? R_SEL : l->dir == FLOW_C2S ? R_C2S : R_S2C;
		draw_fmt(1 + y, 0, COLS, role, "%s %s", l->dir == FLOW_C2S ? "c>" : "<s", l->text);
	}
	if (!f->n)
		draw_text(2, 2, COLS - 2, R_DIM, _("no data was sent on this connection"));
	draw_hints(_("q back  Up/Down/PgUp/PgDn scroll  c> client's bytes  <s server's bytes"));
}

static enum tui_ret fol_key(struct tui *t, void *priv, enum tui_act a, int ch)
{
	struct follow *f = priv;
	int page = LINES - 3;

	(void)t;
	(void)ch;
	switch (a) {
	case ACT_UP: f->top--; break;
	case ACT_DOWN: f->top++; break;
	case ACT_PGUP: f->top -= page; break;
	case ACT_PGDN: f->top += page; break;
	case ACT_HOME: f->top = 0; break;
	case ACT_END: f->top = (int)f->n; break;
	case ACT_BACK: return TUI_CLOSE;
	default: break;
	}
	return TUI_STAY;
}

struct fol_match {
	const struct follow *f;
	const char *text;
};

static bool fol_has(void *ctx, size_t k)
{
	struct fol_match *m = ctx;

	return strcasestr(m->f->line[k].text, m->text) != NULL;
}

/* The line found becomes the top one. */
static int fol_search(struct tui *t, void *priv, const char *text, int dir)
{
	struct follow *f = priv;
	struct fol_match m = { f, text };
	bool wrapped;
	int cur = f->mark >= 0 ? f->mark : f->top;
	size_t k = tui_search_rows(cur > 0 ? (size_t)cur : 0, f->n, dir, fol_has, &m, &wrapped);

	(void)t;
	if (k == SIZE_MAX)
		return 0;
	f->top = (int)k;
	f->mark = (int)k;
	return wrapped ? 2 : 1;
}

static void fol_close(struct tui *t, void *priv)
{
	struct follow *f = priv;

	(void)t;
	free(f->line);
	src_unref(f->src);
	free(f);
}

static const struct tui_view follow_view = {
	.name = "follow",
	.draw = fol_draw,
	.key = fol_key,
	.search = fol_search,
	.close = fol_close,
};

int screen_follow_open(struct tui *t, struct tui_src *s, uint32_t conn)
{
	struct follow *f = calloc(1, sizeof *f);

	if (!f || !(f->line = calloc(FOLLOW_MAX_LINES, sizeof *f->line))) {
		free(f);
		return -1;
	}
	f->src = src_ref(s);
	f->conn = conn;
	f->mark = -1;
	collect(f);
	return tui_push(t, &follow_view, f);
}
