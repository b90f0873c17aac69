/* summary: what the TUI shows segments from: a live lab run, a saved run record or an indexed capture file, with a display filter. */
#include <assert.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "capture/dfilter.h"
#include "capture/dissect.h"
#include "capture/pktindex.h"
#include "engine/conv.h"
#include "engine/grade.h"
#include "engine/ladder.h"
#include "engine/labrun.h"
#include "engine/record.h"
#include "tui/tui.h"
#include "util/errbuf.h"

/*
 * A source is shared by the screens that show it (a lesson, its ladder, a segment list
 * pushed on top), so it is reference counted; the last screen to let go of a run stops it.
 *
 * The display filter is a dfilter (capture/dfilter.h): BPF as typed, or Wireshark's fields
 * translated to BPF programs plus tests of the segment's analysis (its connection, its
 * expert labels). The BPF parts run on each packet. A file's packets are there as captured.
 * A run's timeline keeps decoded segments, not frames, so a minimal IPv4/IPv6 + TCP packet
 * (DLT_RAW, options left out) is rebuilt for the filter: addresses, ports, flags, numbers,
 * window and payload all filter as they would on the wire.
 *
 * A run record (engine/record.h) is served as the finished run it holds: record_read()
 * builds the struct labrun a live run builds, so s->run is that run and every screen reads
 * it as it reads a live one (calls, checks, conversations); only the lab is a name.
 */

#define INDEX_CHUNK 50000      /* packets indexed per loop turn: a few ms */
/* Segments a display filter judges per loop turn on a file (~15 ms of BPF): a filter on a
 * 1M-segment capture shows its first matches at once and the rest between keys. No
 * fewer than the ladder's step: the ladder's first rows, rebuilt when the filter is set,
 * must all have been judged. */
#define FILTER_CHUNK 100000
_Static_assert(FILTER_CHUNK >= LADDER_STEP_SEGS, "the ladder's first step is judged at once");

struct tui_src {
	int refs;
	/* a run */
	struct labrun *run;
	const struct lab *lab;
	const struct lab_variant *variant;
	char run_error[1024];
	/* a grading: run is the grading's own (borrowed) once its program runs */
	struct grade *grade;
	bool graded;
	/* a run record: rec owns the run that s->run borrows; rec_lab only names the lab and
	   its variant (the record's), it has nothing to run (nvariant 0) */
	struct record *rec;
	struct lab *rec_lab;
	/* a file */
	struct pktindex *ix;
	char index_error[256];
	/* the display filter */
	struct dfilter *df;     /* NULL: none */
	uint32_t *vis;          /* segments that match, when a filter is set */
	size_t nvis, viscap;
	size_t scanned;         /* segments the filter has judged */
	uint8_t *match;         /* per segment, when a filter is set */
	size_t matchcap;
	/* the ladder every screen draws (engine/ladder.h), over run or ix */
	struct ladder lad;
	bool have_lad;
	const struct labrun *lad_run;   /* the run it reads (a grading changes runs) */
	/* the conversations (engine/conv.h): a file's counted as it is indexed, so that 'o'
	 * and 'f' find them ready; a run's when first asked for, then as it grows */
	struct conv_list conv;
	bool have_conv, conv_oom;
	const struct labrun *conv_run;
	size_t ends_seen;       /* conversations whose addresses were measured */
	int ends_w[2];          /* the widest client and server address so far */
};

struct tui_src *src_run_new(const struct lab *lab, const struct lab_variant *v,
                            const char *build, char *errbuf, size_t errlen)
{
	struct labrun_opts o = { .build = build };
	struct tui_src *s = calloc(1, sizeof *s);

	if (!s) {
		errbuf_set(errbuf, errlen, _("out of memory"));
		return NULL;
	}
	s->refs = 1;
	s->lab = lab;
	s->variant = v;
	s->run = labrun_start(lab, v, &o, s->run_error, sizeof s->run_error);
	if (!s->run) {
		errbuf_set(errbuf, errlen, _("lab %d (%s) could not run: %s"), lab->number, v->name,
		           s->run_error);
		free(s);
		return NULL;
	}
	return s;
}

struct tui_src *src_grade_new(const struct lab *lab, const char *dir, const char *build,
                              char *errbuf, size_t errlen)
{
	struct grade_opts o = { .build = build, .src = dir };
	struct tui_src *s = calloc(1, sizeof *s);

	if (!s) {
		errbuf_set(errbuf, errlen, _("out of memory"));
		return NULL;
	}
	s->refs = 1;
	s->lab = lab;
	s->variant = &lab->exercise;
	s->grade = grade_start(lab, &o, s->run_error, sizeof s->run_error);
	if (!s->grade) {
		errbuf_set(errbuf, errlen, _("cannot grade lab %d: %s"), lab->number, s->run_error);
		free(s);
		return NULL;
	}
	s->graded = grade_current(s->grade)->outcome == GRADE_BUILD_FAILED;
	return s;
}

const struct grade_result *src_grade(const struct tui_src *s)
{
	return s->grade ? grade_current(s->grade) : NULL;
}

bool src_grade_done(const struct tui_src *s)
{
	return s->grade && s->graded;
}

struct tui_src *src_file_new(const char *path, char *errbuf, size_t errlen)
{
	struct tui_src *s = calloc(1, sizeof *s);

	if (!s) {
		errbuf_set(errbuf, errlen, _("out of memory"));
		return NULL;
	}
	s->refs = 1;
	s->ix = pktindex_open(path, errbuf, errlen);
	if (!s->ix) {
		free(s);
		return NULL;
	}
	/* The first screenful at once; the rest between keys. */
	if (pktindex_step(s->ix, 2000, errbuf, errlen) < 0) {
		src_unref(s);
		return NULL;
	}
	return s;
}

struct tui_src *src_record_new(const char *path, char *errbuf, size_t errlen)
{
	struct tui_src *s = calloc(1, sizeof *s);
	struct lab *l = calloc(1, sizeof *l);

	if (!s || !l) {
		errbuf_set(errbuf, errlen, _("out of memory"));
		free(s);
		free(l);
		return NULL;
	}
	s->refs = 1;
	if (record_read(path, &s->rec, errbuf, errlen) < 0) {
		free(l);
		free(s);
		return NULL;
	}
	/* A finished run: never stepped, never stopped (src_busy() reads run->st, NULL). */
	assert(s->rec->run && s->rec->run->done && !s->rec->run->st);
	s->run = s->rec->run;
	l->number = s->rec->lab_number;
	snprintf(l->slug, sizeof l->slug, "%s", s->rec->lab_slug);
	snprintf(l->title, sizeof l->title, "%s", s->rec->lab_title);
	snprintf(l->variant[0].name, sizeof l->variant[0].name, "%s", s->rec->variant);
	s->rec_lab = l;
	s->lab = l;
	s->variant = &l->variant[0];
	return s;
}

struct tui_src *src_path_new(const char *path, char *errbuf, size_t errlen)
{
	return record_probe(path) ? src_record_new(path, errbuf, errlen) :
	       src_file_new(path, errbuf, errlen);
}

struct tui_src *src_ref(struct tui_src *s)
{
	s->refs++;
	return s;
}

void src_unref(struct tui_src *s)
{
	if (!s || --s->refs > 0)
		return;
	if (s->grade)
		grade_cancel(s->grade);         /* its run with it */
	else if (s->rec)
		record_free(s->rec);            /* its run with it */
	else if (s->run)
		labrun_free(s->run);
	if (s->have_lad)
		ladder_release(&s->lad);
	if (s->have_conv)
		conv_release(&s->conv);
	pktindex_free(s->ix);
	dfilter_free(s->df);
	free(s->vis);
	free(s->match);
	free(s->rec_lab);
	free(s);
}

void src_stop(struct tui_src *s)
{
	/* A grading is not stopped halfway: nothing serves another source over its screen. */
	if (s && !s->grade && s->run)
		labrun_stop(s->run);
}

bool src_orphan(const struct tui_src *s)
{
	return s->refs == 1;
}

bool src_busy(const struct tui_src *s)
{
	if (s->grade)
		return !s->graded && !s->run_error[0];
	if (s->run)
		return s->run->st != NULL && !s->run_error[0];
	/* a file: indexing, its filter or its ladder catching up (in steps, between keys) */
	return s->ix && ((!pktindex_done(s->ix) && !s->index_error[0]) ||
	                 (s->df && s->scanned < src_count(s)) ||
	                 (s->have_lad && ladder_behind(&s->lad)));
}

int src_pollfds(const struct tui_src *s, struct pollfd *fds, int max, int *timeout_ms)
{
	*timeout_ms = -1;
	if (!src_busy(s))
		return 0;
	if (s->grade)
		return grade_pollfds(s->grade, fds, max, timeout_ms);
	if (s->run)
		return labrun_pollfds(s->run, fds, max, timeout_ms);
	*timeout_ms = 0;        /* indexing: come back at once, after the keys */
	return 0;
}

static void filter_catch_up(struct tui_src *s);
static bool filter_behind(const struct tui_src *s);

static bool lad_keep(void *ctx, size_t i)
{
	return src_matches(ctx, i);
}

/* The ladder's rows for what the source holds now: made on first use (a file's only when
 * a screen asks: a big capture need not pay for it), grown after every step, the segment
 * filter applied. A live run's rows are appended, never rebuilt (engine/ladder.h). */
static void lad_grow(struct tui_src *s)
{
	if (s->have_lad && s->run && s->lad_run != s->run) {
		ladder_release(&s->lad);        /* the grading moved on to its next run */
		s->have_lad = false;
	}
	if (!s->have_lad) {
		/* a run's kernel samples too: rows of what each host's kernel held */
		int rc = s->run ? ladder_init_run_ks(&s->lad, &s->run->tl, &s->run->ks,
		                                     LADDER_WITH_CALLS) :
		         s->ix ? ladder_init_index(&s->lad, s->ix, LADDER_IN_STEPS) : -1;
		if (rc < 0) {
			ladder_release(&s->lad);
			return;
		}
		s->have_lad = true;
		s->lad_run = s->run;
		if (s->df && ladder_set_filter(&s->lad, lad_keep, s) < 0)
			return;
		return;
	}
	/* Never past what the filter has judged: a row left out is not added back. */
	if (!filter_behind(s))
		ladder_update(&s->lad);
}

const struct conv_list *src_convs(struct tui_src *s, bool *oom)
{
	if (s->have_conv && s->run != s->conv_run) {
		conv_release(&s->conv);         /* a grading moved on to its next run */
		s->have_conv = false;
	}
	if (!s->have_conv) {
		if (s->run)
			conv_init_run(&s->conv, &s->run->tl);
		else if (s->ix)
			conv_init_index(&s->conv, s->ix);
		else
			return NULL;
		s->have_conv = true;
		s->conv_run = s->run;
		s->ends_seen = 0;
		s->ends_w[0] = s->ends_w[1] = 0;
	}
	s->conv_oom = conv_update(&s->conv) < 0;
	if (oom)
		*oom = s->conv_oom;
	return &s->conv;
}

void src_conv_ends_width(struct tui_src *s, int *client, int *server)
{
	const struct conv_list *cl = src_convs(s, NULL);

	for (; cl && s->ends_seen < cl->n; s->ends_seen++) {
		char c[64], v[64];
		conv_ends(cl, &cl->conv[s->ends_seen], c, v, sizeof c);
		if ((int)strlen(c) > s->ends_w[0])
			s->ends_w[0] = (int)strlen(c);
		if ((int)strlen(v) > s->ends_w[1])
			s->ends_w[1] = (int)strlen(v);
	}
	*client = s->ends_w[0];
	*server = s->ends_w[1];
}

uint32_t src_conn(const struct tui_src *s, size_t i)
{
	if (s->run)
		return i < s->run->tl.nseg ? s->run->tl.seg[i].conn_id : UINT32_MAX;
	const struct pktindex_ent *e = s->ix ? pktindex_get(s->ix, i) : NULL;
	return e && !e->malformed ? e->conn : UINT32_MAX;
}

struct ladder *src_ladder(struct tui_src *s)
{
	lad_grow(s);
	return s->have_lad ? &s->lad : NULL;
}

bool src_step(struct tui_src *s)
{
	size_t before = src_count(s);

	if (!src_busy(s))
		return false;
	if (s->grade) {
		int r = grade_step(s->grade, s->run_error, sizeof s->run_error);

		if (r < 0 && !s->run_error[0])
			snprintf(s->run_error, sizeof s->run_error, _("grading failed"));
		s->graded = r == 0;
		s->run = grade_current(s->grade)->run;
		if (s->run) {
			filter_catch_up(s);
			lad_grow(s);
		}
		/* The compiler's output and the run's segments show as they come. */
		return true;
	}
	if (s->run) {
		bool was = s->run->done;
		if (labrun_step(s->run, s->run_error, sizeof s->run_error) < 0 && !s->run_error[0])
			snprintf(s->run_error, sizeof s->run_error, _("the run failed"));
		filter_catch_up(s);
		lad_grow(s);
		return src_count(s) != before || s->run->done != was || s->run_error[0];
	}
	if (!pktindex_done(s->ix) && !s->index_error[0] &&
	    pktindex_step(s->ix, INDEX_CHUNK, s->index_error, sizeof s->index_error) < 0 &&
	    !s->index_error[0])
		snprintf(s->index_error, sizeof s->index_error, _("indexing failed"));
	/* the conversations, addresses measured, ready for 'o' and 'f' when the file is */
	{
		int wc, ws;
		src_conv_ends_width(s, &wc, &ws);
	}
	filter_catch_up(s);
	if (s->have_lad)
		lad_grow(s);
	return true;
}

size_t src_count(const struct tui_src *s)
{
	return s->run ? s->run->tl.nseg : s->ix ? pktindex_count(s->ix) : 0;
}

size_t src_nvis(const struct tui_src *s)
{
	return s->df ? s->nvis : src_count(s);
}

size_t src_vis(const struct tui_src *s, size_t k)
{
	return s->df ? s->vis[k] : k;
}

size_t src_vis_find(const struct tui_src *s, size_t i)
{
	size_t lo = 0, hi;

	if (!s->df)
		return i;
	hi = s->nvis;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->vis[mid] < i)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool src_matches(const struct tui_src *s, size_t i)
{
	return !s->df || (i < s->scanned && s->match[i]);
}

uint64_t src_t0(const struct tui_src *s)
{
	/* One start for every screen: the ladder's (a run's first event, of any kind). */
	if (s->run)
		return s->have_lad && s->lad_run == s->run ? ladder_t0(&s->lad) :
		       s->run->tl.nseg ? s->run->tl.seg[0].seg.ts_ns : 0;
	const struct pktindex_ent *e = s->ix ? pktindex_get(s->ix, 0) : NULL;
	return e ? e->ts_ns : 0;
}

const char *src_time_note(const struct tui_src *s)
{
	return s->run || s->grade ? _("time: ms since the run began") :
	       _("time: ms since the first packet");
}

void src_row(const struct tui_src *s, size_t i, struct tui_row *r)
{
	memset(r, 0, sizeof *r);
	if (s->run) {
		const struct flow_seg *fs = &s->run->tl.seg[i];
		char a[48];

		r->frame = fs->seg.frame;
		r->ts_ns = fs->seg.ts_ns;
		r->conn = fs->conn_id;
		r->dir = fs->dir;
		r->flags = fs->seg.flags;
		r->rel_seq = fs->rel_seq;
		r->rel_ack = fs->rel_ack;
		r->len = fs->seg.len;
		r->win = fs->win_scaled;
		r->analysis = fs->analysis;
		snprintf(r->src, sizeof r->src, "%s:%u", dissect_addr_str(&fs->seg, true, a, sizeof a),
		         fs->seg.sport);
		snprintf(r->dst, sizeof r->dst, "%s:%u", dissect_addr_str(&fs->seg, false, a, sizeof a),
		         fs->seg.dport);
		return;
	}
	const struct pktindex_ent *e = pktindex_get(s->ix, i);
	if (!e)
		return;
	r->frame = e->frame;
	r->ts_ns = e->ts_ns;
	r->conn = e->conn;
	r->dir = (enum flow_dir)e->dir;
	r->malformed = e->malformed;
	r->flags = e->flags;
	r->rel_seq = e->rel_seq;
	r->rel_ack = e->rel_ack;
	r->len = e->len;
	r->win = e->win;
	r->analysis = e->analysis;
	if (e->conn != PKTINDEX_NOCONN && !e->malformed) {
		const struct flow_conn *c = flow_get(pktindex_flows(s->ix), e->conn);
		flow_endpoint_str(c, r->dir, r->src, sizeof r->src);
		flow_endpoint_str(c, r->dir == FLOW_C2S ? FLOW_S2C : FLOW_C2S, r->dst, sizeof r->dst);
	} else {
		snprintf(r->src, sizeof r->src, "?");
		snprintf(r->dst, sizeof r->dst, "?");
	}
}

int src_seg(const struct tui_src *s, size_t i, struct flow_seg *fs, char *errbuf, size_t errlen)
{
	if (s->run) {
		if (i >= s->run->tl.nseg)
			return -1;
		*fs = s->run->tl.seg[i];
		return 0;
	}
	return pktindex_segment(s->ix, i, fs, errbuf, errlen);
}

/* A segment of a run as a raw IP packet (DLT_RAW), for the filter. Returns its length. */
static size_t rebuild(const struct flow_seg *fs, uint8_t *p, size_t cap)
{
	const struct tcp_segment *g = &fs->seg;
	size_t ip = g->family == AF_INET6 ? 40 : 20, pl = g->caplen_payload;
	uint8_t *t = p + ip;

	if (ip + 20 + pl > cap)
		pl = cap - ip - 20;
	memset(p, 0, ip + 20);
	if (g->family == AF_INET6) {
		p[0] = 0x60;
		p[4] = (uint8_t)((20 + g->len) >> 8);
		p[5] = (uint8_t)(20 + g->len);
		p[6] = 6;
		p[7] = g->ip_ttl;
		memcpy(p + 8, g->src, 16);
		memcpy(p + 24, g->dst, 16);
	} else {
		size_t tot = 40 + g->len;
		p[0] = 0x45;
		p[2] = (uint8_t)(tot >> 8);
		p[3] = (uint8_t)tot;
		p[4] = (uint8_t)(g->ip_id >> 8);
		p[5] = (uint8_t)g->ip_id;
		p[6] = g->ip_df ? 0x40 : 0;
		p[8] = g->ip_ttl;
		p[9] = 6;
		memcpy(p + 12, g->src, 4);
		memcpy(p + 16, g->dst, 4);
	}
	t[0] = (uint8_t)(g->sport >> 8); t[1] = (uint8_t)g->sport;
	t[2] = (uint8_t)(g->dport >> 8); t[3] = (uint8_t)g->dport;
	for (int k = 0; k < 4; k++) {
		t[4 + k] = (uint8_t)(g->seq >> (24 - 8 * k));
		t[8 + k] = (uint8_t)(g->ack >> (24 - 8 * k));
	}
	t[12] = (uint8_t)(5 << 4 | (g->flags >> 8 & 1));
	t[13] = (uint8_t)g->flags;
	t[14] = (uint8_t)(g->win >> 8); t[15] = (uint8_t)g->win;
	if (pl && g->payload)
		memcpy(t + 20, g->payload, pl);
	return ip + 20 + pl;
}

static bool judge_with(const struct tui_src *s, const struct dfilter *df, size_t i)
{
	struct dfilter_seg sg;

	if (s->run) {
		const struct flow_seg *fs = &s->run->tl.seg[i];
		uint8_t pkt[2048];
		size_t n = rebuild(fs, pkt, sizeof pkt);
		sg = (struct dfilter_seg){ fs->seg.frame, fs->conn_id, fs->rel_seq, fs->rel_ack,
		                           fs->win_scaled, fs->analysis };
		return dfilter_match(df, pkt, n, n, &sg);
	}
	size_t cl;
	const uint8_t *p = pktindex_packet(s->ix, i, &cl);
	const struct pktindex_ent *e = pktindex_get(s->ix, i);
	if (!p || !e)
		return false;
	sg = (struct dfilter_seg){ e->frame, e->conn, e->rel_seq, e->rel_ack, e->win, e->analysis };
	return dfilter_match(df, p, cl, cl, &sg);
}

static bool judge(struct tui_src *s, size_t i)
{
	return judge_with(s, s->df, i);
}

long src_first_match(const struct tui_src *s, const struct dfilter *df, size_t from)
{
	for (size_t i = from, n = src_count(s); i < n; i++)
		if (judge_with(s, df, i))
			return (long)i;
	return -1;
}

static bool filter_behind(const struct tui_src *s)
{
	return s->df && s->scanned < src_count(s);
}

/* Judge the segments the filter has not seen: a run's all at once (they are few), a file's
 * FILTER_CHUNK a call. */
static void filter_catch_up(struct tui_src *s)
{
	size_t n = src_count(s), end;

	if (!s->df || s->scanned >= n)
		return;
	if (n > s->matchcap) {
		size_t nc = n + n / 2 + 64;
		uint8_t *m = realloc(s->match, nc);
		uint32_t *v = realloc(s->vis, nc * sizeof *v);
		if (m)
			s->match = m;
		if (v)
			s->vis = v;
		if (!m || !v)
			return;     /* out of memory: the filter stops growing, shown so far stays */
		s->matchcap = s->viscap = nc;
	}
	end = s->ix && n - s->scanned > FILTER_CHUNK ? s->scanned + FILTER_CHUNK : n;
	for (; s->scanned < end; s->scanned++) {
		bool ok = judge(s, s->scanned);
		s->match[s->scanned] = ok;
		if (ok)
			s->vis[s->nvis++] = (uint32_t)s->scanned;
	}
}

int src_filter(struct tui_src *s, const char *expr, char *errbuf, size_t errlen)
{
	struct dfilter *df;
	int dlt = s->run || s->grade ? DLT_RAW : s->ix ? pktindex_dlt(s->ix) : DLT_RAW;
	const char *p = expr;

	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p) {
		dfilter_free(s->df);
		s->df = NULL;
		errbuf_set(errbuf, errlen, "%s", "");
		if (s->have_lad)
			ladder_set_filter(&s->lad, NULL, NULL);
		return 0;
	}
	if (dfilter_compile(expr, dlt, 0, &df, errbuf, errlen) < 0)
		return -1;
	dfilter_free(s->df);
	s->df = df;
	s->nvis = s->scanned = 0;
	filter_catch_up(s);
	if (s->have_lad)
		ladder_set_filter(&s->lad, lad_keep, s);
	errbuf_set(errbuf, errlen, "%s", dfilter_translation(df));
	return 0;
}

const char *src_filter_expr(const struct tui_src *s)
{
	return s->df ? dfilter_expr(s->df) : "";
}

void src_filter_note(const struct tui_src *s, char *buf, size_t len)
{
	if (!s->df)
		snprintf(buf, len, "%s", "");
	else
		snprintf(buf, len, _("filtered: %s, %zu of %zu%s"), dfilter_expr(s->df), src_nvis(s),
		         src_count(s), filter_behind(s) ? _(" so far") : "");
}
/* The calls the ladder shows: a sleep that woke on time is kept for the checks only. */
static size_t calls_shown(const struct timeline *tl)
{
	size_t n = 0;

	for (size_t i = 0; i < tl->ncall; i++)
		n += !trace_event_quiet(&tl->call[i].ev);
	return n;
}


void src_state_str(const struct tui_src *s, char *buf, size_t len)
{
	if (s->grade && (s->run_error[0] || !s->run)) {
		const struct grade_result *g = grade_current(s->grade);
		if (s->run_error[0])
			snprintf(buf, len, _("failed: %s"), s->run_error);
		else if (g->outcome == GRADE_BUILD_FAILED)
			snprintf(buf, len, _("the build failed"));
		else
			snprintf(buf, len, _("building"));
		return;
	}
	if (s->grade && s->graded && s->run && !s->run_error[0]) {
		const struct grade_result *g = grade_current(s->grade);
		int n;

		n = snprintf(buf, len, _("score %g/%g, "), g->score, g->max);
		if (n < 0 || (size_t)n >= len)
			return;
		if (g->scenarios > 1)
			snprintf(buf + n, len - (size_t)n, _("scenario %d of %d's run: %zu segments"),
			         g->run_scenario, g->scenarios, s->run->tl.nseg);
		else
			snprintf(buf + n, len - (size_t)n, _("the run: %zu segments"), s->run->tl.nseg);
		return;
	}
	if (s->rec && s->rec->kind == RECORD_GRADE) {
		/* a saved grade counts as the grade did: its score, over its scenarios */
		snprintf(buf, len, _("score %g/%g, the run: %zu segments"), s->rec->score, s->rec->max,
		         s->run->tl.nseg);
		return;
	}
	if (s->run) {
		const struct labrun *r = s->run;
		if (s->run_error[0])
			snprintf(buf, len, _("failed: %s"), s->run_error);
		else if (r->stopped)
			snprintf(buf, len, _("stopped before its end: %zu segments, %zu calls"), r->tl.nseg,
			         calls_shown(&r->tl));
		else if (!r->done)
			snprintf(buf, len, _("running live: %zu segments, %zu calls"), r->tl.nseg,
			         calls_shown(&r->tl));
		else {
			size_t pass = 0;
			for (size_t i = 0; i < r->ncheck; i++)
				pass += r->check[i].r.verdict == EXPECT_PASS;
			snprintf(buf, len, _("done: %zu segments, %zu of %zu checks passed"), r->tl.nseg,
			         pass, r->ncheck);
		}
		return;
	}
	if (s->index_error[0])
		snprintf(buf, len, _("%zu segments; %s"), src_count(s), s->index_error);
	else if (!pktindex_done(s->ix))
		snprintf(buf, len, _("indexing %.0f%%: %zu segments"), 100 * pktindex_progress(s->ix),
		         src_count(s));
	else if (pktindex_error(s->ix)[0])
		snprintf(buf, len, _("%zu segments of %u packets; %s"), src_count(s),
		         pktindex_frames(s->ix), pktindex_error(s->ix));
	else
		snprintf(buf, len, _("%zu segments of %u packets"), src_count(s), pktindex_frames(s->ix));
}

size_t src_ncheck(const struct tui_src *s)
{
	if (s->grade && s->graded && s->run)
		return grade_current(s->grade)->ncheck;
	return s->run && s->run->done ? s->run->ncheck : 0;
}

void src_check(const struct tui_src *s, size_t i, struct src_check *c)
{
	const struct labrun *run = s->run;

	assert(i < src_ncheck(s));
	if (s->grade && s->graded) {
		const struct grade_check *k = &grade_current(s->grade)->check[i];
		/* grade.c's score() keeps the run's order of checks */
		const struct labrun_check *rk = i < run->ncheck && !strcmp(run->check[i].name, k->name) ?
		                                &run->check[i] : NULL;

		*c = (struct src_check){ k->name, k->explain, k->verdict, k->max > 0, false, -1 };
		if (!rk || rk->r.verdict != k->verdict)
			c->elsewhere = true;
		else
			c->seg = rk->r.seg_index;
		return;
	}
	*c = (struct src_check){ run->check[i].name, run->check[i].r.explain,
	                         run->check[i].r.verdict, true, false, run->check[i].r.seg_index };
}

struct labrun *src_labrun(const struct tui_src *s) { return s->run; }
const struct pktindex *src_index(const struct tui_src *s) { return s->ix; }
const char *src_run_error(const struct tui_src *s)
{
	if (!s->run_error[0] && s->run && s->run->stopped)
		return _("the run was stopped before its end, when another one started: run it again");
	return s->run_error;
}
const struct lab *src_lab(const struct tui_src *s) { return s->lab; }
const struct lab_variant *src_variant(const struct tui_src *s) { return s->variant; }
