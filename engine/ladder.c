/* summary: build a ladder's rows once from a timeline or a capture index, and label them (see ladder.h). */
#include "engine/ladder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "capture/dissect.h"
#include "capture/expert.h"
#include "engine/labcheck.h"
#include "engine/sandbox.h"

/* How late an event can reach the timeline after events that followed it (a segment the
 * capture hands over after a call the tracer reported): calls that ended within this of
 * the newest event may still turn out to have spanned another one. */
#define LATE_NS UINT64_C(2000000000)

/* An event waiting for its place: a segment, a call (phase decided or not), an output. */
struct item {
	uint64_t t;
	uint8_t kind;           /* LADDER_SEG, LADDER_CALL, LADDER_OUTPUT (MARKER as OUTPUT) */
	uint8_t phase;
	uint32_t index;
};

/* Rows of the source's events: not the ladder's own (gaps, connections), nor the kernel's
 * samples, which are taken on a clock of the engine's and say nothing of idle time. */
static bool is_event(const struct ladder_row *r)
{
	return r->kind != LADDER_GAP && r->kind != LADDER_CONN && r->kind != LADDER_KERNEL;
}

static size_t src_nseg(const struct ladder *l)
{
	return l->tl ? l->tl->nseg : l->ix ? pktindex_count(l->ix) : 0;
}

void ladder_seg_from_flow(const struct flow_seg *fs, struct ladder_seg *o)
{
	memset(o, 0, sizeof *o);
	o->frame = fs->seg.frame;
	o->ts_ns = fs->seg.ts_ns;
	o->conn = fs->conn_id;
	o->dir = fs->dir;
	o->flags = fs->seg.flags;
	o->rel_seq = fs->rel_seq;
	o->rel_ack = fs->rel_ack;
	o->len = fs->seg.len;
	o->win = fs->win_scaled;
	o->analysis = fs->analysis;
}

bool ladder_seg_get(const struct ladder *l, size_t i, struct ladder_seg *o)
{
	if (l->tl) {
		if (i >= l->tl->nseg)
			return false;
		ladder_seg_from_flow(&l->tl->seg[i], o);
		return true;
	}
	const struct pktindex_ent *e = l->ix ? pktindex_get(l->ix, i) : NULL;
	if (!e)
		return false;
	memset(o, 0, sizeof *o);
	o->frame = e->frame;
	o->ts_ns = e->ts_ns;
	o->conn = e->conn;
	o->dir = (enum flow_dir)e->dir;
	o->malformed = e->malformed;
	o->flags = e->flags;
	o->rel_seq = e->rel_seq;
	o->rel_ack = e->rel_ack;
	o->len = e->len;
	o->win = e->win;
	o->analysis = e->analysis;
	return true;
}

static int init(struct ladder *l, unsigned opts)
{
	l->opts = opts;
	l->conn = LADDER_ALL_CONNS;
	return ladder_update(l) < 0 ? -1 : 0;
}

int ladder_init_run(struct ladder *l, const struct timeline *tl, unsigned opts)
{
	return ladder_init_run_ks(l, tl, NULL, opts);
}

int ladder_init_run_ks(struct ladder *l, const struct timeline *tl, const struct ksock_log *ks,
                       unsigned opts)
{
	memset(l, 0, sizeof *l);
	l->tl = tl;
	l->ks = ks;
	return init(l, opts);
}

int ladder_init_index(struct ladder *l, const struct pktindex *ix, unsigned opts)
{
	memset(l, 0, sizeof *l);
	l->ix = ix;
	return init(l, opts & ~(unsigned)LADDER_WITH_CALLS);
}

void ladder_release(struct ladder *l)
{
	free(l->row);
	free(l->open);
	memset(l, 0, sizeof *l);
}

/* Start over: every row placed again from the source (a new connection or filter). */
static int reset(struct ladder *l)
{
	l->n = 0;
	l->seen_seg = l->seen_call = l->seen_out = l->seen_ks = 0;
	l->nopen = 0;
	l->nhist = 0;
	memset(l->hist, 0, sizeof l->hist);
	return ladder_update(l) < 0 ? -1 : 0;
}

int ladder_set_conn(struct ladder *l, uint32_t conn)
{
	l->conn = conn;
	return reset(l);
}

int ladder_set_filter(struct ladder *l, bool (*keep)(void *ctx, size_t seg), void *ctx)
{
	l->keep = keep;
	l->keep_ctx = ctx;
	return reset(l);
}

size_t ladder_nconns(const struct ladder *l)
{
	size_t n = 0;

	if (l->ix)
		return flow_count(pktindex_flows(l->ix));
	for (size_t i = 0; l->tl && i < l->tl->nseg; i++)
		if (l->tl->seg[i].conn_id + (size_t)1 > n)
			n = l->tl->seg[i].conn_id + (size_t)1;
	return n;
}

size_t ladder_behind(const struct ladder *l)
{
	size_t n = src_nseg(l);

	return n > l->seen_seg ? n - l->seen_seg : 0;
}

uint64_t ladder_t0(const struct ladder *l)
{
	return l->t0;
}

double ladder_ms(const struct ladder *l, uint64_t t_ns)
{
	return t_ns >= l->t0 ? (double)(t_ns - l->t0) / 1e6 : -(double)(l->t0 - t_ns) / 1e6;
}

/* ---- the gap rule ---- */

static unsigned bucket(uint64_t ns)
{
	unsigned b = 0;

	while (ns > 1 && b < 63) {
		ns >>= 1;
		b++;
	}
	return b;
}

/* The median idle time so far, to a factor of two (the middle of its log2 bucket). */
static uint64_t median_gap(const struct ladder *l)
{
	uint64_t seen = 0;

	for (unsigned b = 0; b < 64; b++) {
		seen += l->hist[b];
		if (seen * 2 >= l->nhist)
			return (UINT64_C(3) << b) / 2;
	}
	return 0;
}

/* ---- placing rows ---- */

static int push(struct ladder *l, const struct ladder_row *r)
{
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 256;
		struct ladder_row *p = realloc(l->row, nc * sizeof *p);

		if (!p)
			return -1;
		l->row = p;
		l->cap = nc;
	}
	l->row[l->n++] = *r;
	return 0;
}

static const struct ladder_row *last_event(const struct ladder *l)
{
	for (size_t k = l->n; k > 0; k--)
		if (is_event(&l->row[k - 1]))
			return &l->row[k - 1];
	return NULL;
}

static uint32_t last_seg_conn(const struct ladder *l)
{
	for (size_t k = l->n; k > 0; k--)
		if (l->row[k - 1].kind == LADDER_SEG && l->row[k - 1].conn != PKTINDEX_NOCONN)
			return l->row[k - 1].conn;
	return PKTINDEX_NOCONN;
}

/* Append one event, with the gap and connection rows it needs before it. */
static int place(struct ladder *l, const struct item *it)
{
	/* By value: the pushes below may move the rows. */
	const struct ladder_row *last = last_event(l);
	bool prev = last != NULL;
	uint64_t prev_t = last ? last->t_ns : 0;
	struct ladder_row r = { .t_ns = it->t, .index = it->index, .kind = it->kind,
	                        .phase = it->phase, .conn = PKTINDEX_NOCONN };

	if (it->kind == LADDER_KERNEL) {
		/* no gap before it, no idle time from it: the events' rhythm is theirs */
		r.side = l->ks->sample[it->index].host == HOST_CLIENT ? LADDER_CLIENT : LADDER_SERVER;
		return push(l, &r);
	}
	if (it->kind == LADDER_SEG) {
		struct ladder_seg s;

		ladder_seg_get(l, it->index, &s);
		r.conn = s.conn;
		r.dir = (uint8_t)s.dir;
		r.analysis = s.analysis;
		r.side = s.dir == FLOW_C2S ? LADDER_CLIENT : LADDER_SERVER;
		if (s.conn != PKTINDEX_NOCONN && prev) {
			uint32_t pc = last_seg_conn(l);
			if (pc != PKTINDEX_NOCONN && pc != s.conn) {
				struct ladder_row c = { .t_ns = it->t, .kind = LADDER_CONN,
				                        .index = s.conn, .conn = s.conn,
				                        .side = LADDER_WIRE };
				if (push(l, &c) < 0)
					return -1;
			}
		}
	} else if (it->kind == LADDER_CALL) {
		r.side = l->tl->call[it->index].host == HOST_CLIENT ? LADDER_CLIENT : LADDER_SERVER;
	} else {
		int host = l->tl->out[it->index].host;

		if (host == TL_HOST_WIRE) {
			r.kind = LADDER_MARKER;
			r.side = LADDER_WIRE;
		} else {
			r.side = host == HOST_CLIENT ? LADDER_CLIENT : LADDER_SERVER;
		}
	}
	if (prev) {
		r.gap_ns = it->t > prev_t ? it->t - prev_t : 0;
		if (!(l->opts & LADDER_NO_GAPS) && l->nhist >= LADDER_GAP_SAMPLES &&
		    r.gap_ns >= LADDER_GAP_MIN_NS &&
		    r.gap_ns >= LADDER_GAP_FACTOR * median_gap(l)) {
			struct ladder_row g = { .t_ns = it->t, .gap_ns = r.gap_ns,
			                        .kind = LADDER_GAP, .side = LADDER_WIRE,
			                        .conn = PKTINDEX_NOCONN };
			/* the gap goes before the connection row, if one was just placed */
			if (l->n && l->row[l->n - 1].kind == LADDER_CONN &&
			    l->row[l->n - 1].t_ns == it->t) {
				struct ladder_row c = l->row[--l->n];
				if (push(l, &g) < 0 || push(l, &c) < 0)
					return -1;
			} else if (push(l, &g) < 0) {
				return -1;
			}
		}
		l->hist[bucket(r.gap_ns)]++;
		l->nhist++;
	}
	return push(l, &r);
}

static int by_item(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	/* Same instant: segments, then calls, then output (as the timeline always ordered),
	 * then what the kernel held. */
	static const int order[] = { [LADDER_SEG] = 0, [LADDER_CALL] = 1, [LADDER_OUTPUT] = 2,
	                             [LADDER_KERNEL] = 3 };

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	if (x->kind != y->kind)
		return order[x->kind] < order[y->kind] ? -1 : 1;
	if (x->index != y->index)
		return x->index < y->index ? -1 : 1;
	return x->phase < y->phase ? -1 : x->phase > y->phase;
}

static int by_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int by_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* First row with t_ns > t (strictly later). */
static size_t first_after(const struct ladder *l, size_t n, uint64_t t)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (l->row[mid].t_ns <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* First row with t_ns >= t. */
static size_t first_at(const struct ladder *l, uint64_t t)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (l->row[mid].t_ns < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Does a segment or a call's entry lie strictly inside (from, to): among rows [0, n) and
 * the sorted times t[0..nt)? Output does not count: it is the programs' own. */
static bool inside(const struct ladder *l, size_t n, const uint64_t *t, size_t nt,
                   uint64_t from, uint64_t to)
{
	for (size_t k = first_after(l, n, from); k < n && l->row[k].t_ns < to; k++)
		if (l->row[k].kind == LADDER_SEG ||
		    (l->row[k].kind == LADDER_CALL && l->row[k].phase != TL_PHASE_EXIT))
			return true;
	size_t lo = 0, hi = nt;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t[mid] <= from)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < nt && t[lo] < to;
}

struct batch {
	struct item *it;
	size_t n, cap;
	uint32_t *calls;        /* calls whose phase is to be decided */
	size_t ncall, callcap;
};

static int add_item(struct batch *b, const struct item *it)
{
	if (b->n == b->cap) {
		size_t nc = b->cap ? b->cap * 2 : 64;
		struct item *p = realloc(b->it, nc * sizeof *p);
		if (!p)
			return -1;
		b->it = p;
		b->cap = nc;
	}
	b->it[b->n++] = *it;
	return 0;
}

static int add_call(struct batch *b, uint32_t c)
{
	if (b->ncall == b->callcap) {
		size_t nc = b->callcap ? b->callcap * 2 : 64;
		uint32_t *p = realloc(b->calls, nc * sizeof *p);
		if (!p)
			return -1;
		b->calls = p;
		b->callcap = nc;
	}
	b->calls[b->ncall++] = c;
	return 0;
}

/* The sorted times of the batch's segments and its calls' entries. 0 or -1 (memory). */
static int collect_times(const struct ladder *l, const struct batch *b, uint64_t **out,
                         size_t *n)
{
	uint64_t *t = malloc((b->n + b->ncall + 1) * sizeof *t);
	size_t k = 0;

	if (!t)
		return -1;
	for (size_t i = 0; i < b->n; i++)
		if (b->it[i].kind == LADDER_SEG)
			t[k++] = b->it[i].t;
	for (size_t i = 0; i < b->ncall; i++)
		t[k++] = l->tl->call[b->calls[i]].ev.t_enter_ns;
	qsort(t, k, sizeof *t, by_u64);
	*out = t;
	*n = k;
	return 0;
}

static bool keep_seg(const struct ladder *l, size_t i, const struct ladder_seg *s)
{
	if (l->conn != LADDER_ALL_CONNS && s->conn != l->conn)
		return false;
	return !l->keep || l->keep(l->keep_ctx, i);
}

/* A kernel sample gets a row when its label differs from its host's sample before it
 * (which had a row, or said the same as the one that had). */
static bool kernel_changed(const struct ladder *l, size_t i)
{
	char a[300], b[300];
	size_t p = i;

	while (p-- > 0)
		if (l->ks->sample[p].host == l->ks->sample[i].host)
			break;
	if (p == SIZE_MAX)
		return true;
	ladder_kernel_label(l->ks, i, a, sizeof a);
	ladder_kernel_label(l->ks, p, b, sizeof b);
	return strcmp(a, b) != 0;
}

static void see(struct ladder *l, uint64_t t)
{
	if (!l->t0 || t < l->t0)
		l->t0 = t;
	if (t > l->latest_ns)
		l->latest_ns = t;
}

/* A call placed whole that a late event may still fall into. A call placed again may be
 * listed twice: harmless, and both go when it is too old to split. */
static int open_add(struct ladder *l, uint32_t c)
{
	if (l->tl->call[c].ev.t_exit_ns + LATE_NS < l->latest_ns)
		return 0;
	if (l->nopen == l->opencap) {
		size_t nc = l->opencap ? l->opencap * 2 : 16;
		uint32_t *p = realloc(l->open, nc * sizeof *p);
		if (!p)
			return -1;
		l->open = p;
		l->opencap = nc;
	}
	l->open[l->nopen++] = c;
	return 0;
}

int ladder_update(struct ladder *l)
{
	struct batch b = { 0 };
	size_t nseg = src_nseg(l), ncall = 0, nout = 0, nks = 0, p, nt = 0, first_ev = SIZE_MAX;
	uint64_t tmin = UINT64_MAX, *times = NULL;
	int rc = -1;
	bool calls = l->tl && (l->opts & LADDER_WITH_CALLS), truncated = false;

	if (calls) {
		ncall = l->tl->ncall;
		nout = l->tl->nout;
	}
	if (l->tl && l->ks)
		nks = l->ks->nsample;
	if ((l->opts & LADDER_IN_STEPS) && nseg > l->seen_seg + LADDER_STEP_SEGS)
		nseg = l->seen_seg + LADDER_STEP_SEGS;
	if (nseg == l->seen_seg && ncall == l->seen_call && nout == l->seen_out &&
	    nks == l->seen_ks)
		return 0;
	for (size_t i = l->seen_seg; i < nseg; i++) {
		struct ladder_seg s;

		if (!ladder_seg_get(l, i, &s))
			continue;
		see(l, s.ts_ns);
		if (!keep_seg(l, i, &s))
			continue;
		if (add_item(&b, &(struct item){ s.ts_ns, LADDER_SEG, TL_PHASE_ONCE, (uint32_t)i }) < 0)
			goto out;
	}
	for (size_t i = l->seen_call; i < ncall; i++) {
		/* A sleep that woke on time is there for the checks (lab 5: the work took
		 * place), not for a row of its own between every two segments. */
		if (trace_event_quiet(&l->tl->call[i].ev))
			continue;
		see(l, l->tl->call[i].ev.t_enter_ns);
		see(l, l->tl->call[i].ev.t_exit_ns);
		if (add_call(&b, (uint32_t)i) < 0)
			goto out;
	}
	for (size_t i = l->seen_out; i < nout; i++) {
		see(l, l->tl->out[i].t_ns);
		if (add_item(&b, &(struct item){ l->tl->out[i].t_ns, LADDER_OUTPUT, TL_PHASE_ONCE,
		                                 (uint32_t)i }) < 0)
			goto out;
	}
	for (size_t i = l->seen_ks; i < nks; i++)
		if (kernel_changed(l, i) &&
		    add_item(&b, &(struct item){ l->ks->sample[i].t_ns, LADDER_KERNEL, TL_PHASE_ONCE,
		                                 (uint32_t)i }) < 0)
			goto out;
	/* Where the new events start; earlier still when one falls inside a call already
	 * placed as a whole: that call is placed again, as entry and exit. */
	for (size_t k = 0; k < b.n; k++)
		if (b.it[k].t < tmin)
			tmin = b.it[k].t;
	for (size_t k = 0; k < b.ncall; k++)
		if (l->tl->call[b.calls[k]].ev.t_enter_ns < tmin)
			tmin = l->tl->call[b.calls[k]].ev.t_enter_ns;
	/* The times of the new segments and calls, for "did anything happen during this
	 * call": only where there are calls (a capture has none). */
	if ((b.ncall || l->nopen) && collect_times(l, &b, &times, &nt) < 0)
		goto out;
	for (size_t k = 0; k < l->nopen; k++) {
		const struct trace_event *ev = &l->tl->call[l->open[k]].ev;
		if (ev->t_enter_ns < tmin && inside(l, 0, times, nt, ev->t_enter_ns, ev->t_exit_ns))
			tmin = ev->t_enter_ns;
	}
	/* Take back the rows from there: their events are placed again with the new ones. */
	p = first_at(l, tmin);
	for (size_t k = 0; k < l->n; k++)
		if (is_event(&l->row[k])) {
			first_ev = k;
			break;
		}
	for (size_t k = p; k < l->n; k++) {
		const struct ladder_row *r = &l->row[k];

		if (r->kind == LADDER_KERNEL) {
			if (add_item(&b, &(struct item){ r->t_ns, LADDER_KERNEL, TL_PHASE_ONCE,
			                                 r->index }) < 0)
				goto out;
			continue;
		}
		if (!is_event(r))
			continue;
		if (k != first_ev) {
			l->hist[bucket(r->gap_ns)]--;
			l->nhist--;
		}
		if (r->kind == LADDER_CALL && r->phase != TL_PHASE_EXIT) {
			if (add_call(&b, r->index) < 0)
				goto out;
			continue;
		}
		/* An exit whose entry is taken back too is decided again with it; one whose
		 * entry stays is placed again as it is. */
		if (r->kind == LADDER_CALL && l->tl->call[r->index].ev.t_enter_ns >= tmin)
			continue;
		if (add_item(&b, &(struct item){ r->t_ns,
		                                 r->kind == LADDER_MARKER ? LADDER_OUTPUT : r->kind,
		                                 r->phase, r->index }) < 0)
			goto out;
	}
	l->n = p;
	truncated = true;
	/* The times of everything to place, taken back rows included. */
	free(times);
	times = NULL;
	nt = 0;
	if (b.ncall && collect_times(l, &b, &times, &nt) < 0)
		goto out;
	/* A call taken back as entry and exit is listed once for each: decided once. */
	if (b.ncall > 1)
		qsort(b.calls, b.ncall, sizeof *b.calls, by_u32);
	for (size_t k = 0; k < b.ncall; k++) {
		uint32_t c = b.calls[k];
		const struct trace_event *ev = &l->tl->call[c].ev;

		if (k && b.calls[k - 1] == c)
			continue;
		if (ev->t_exit_ns > ev->t_enter_ns &&
		    inside(l, l->n, times, nt, ev->t_enter_ns, ev->t_exit_ns)) {
			if (add_item(&b, &(struct item){ ev->t_enter_ns, LADDER_CALL, TL_PHASE_ENTER, c }) < 0 ||
			    add_item(&b, &(struct item){ ev->t_exit_ns, LADDER_CALL, TL_PHASE_EXIT, c }) < 0)
				goto out;
		} else {
			if (add_item(&b, &(struct item){ ev->t_enter_ns, LADDER_CALL, TL_PHASE_ONCE, c }) < 0)
				goto out;
			/* a late event may still fall inside it */
			if (ev->t_exit_ns > ev->t_enter_ns && open_add(l, c) < 0)
				goto out;
		}
	}
	if (l->n + b.n + b.n / 4 > l->cap) {
		/* room for the batch and its gap and connection rows at once */
		size_t nc = l->n + b.n + b.n / 4 + 64;
		struct ladder_row *pr = realloc(l->row, nc * sizeof *pr);
		if (!pr)
			goto out;
		l->row = pr;
		l->cap = nc;
	}
	/* A capture is mostly in order already: sorted only when it is not. */
	for (size_t k = 1; k < b.n; k++)
		if (by_item(&b.it[k - 1], &b.it[k]) > 0) {
			qsort(b.it, b.n, sizeof *b.it, by_item);
			break;
		}
	for (size_t k = 0; k < b.n; k++)
		if (place(l, &b.it[k]) < 0)
			goto out;
	/* Calls that ended long before the newest event can no longer be split. */
	for (size_t k = 0; k < l->nopen;) {
		const struct trace_event *ev = &l->tl->call[l->open[k]].ev;
		if (ev->t_exit_ns + LATE_NS < l->latest_ns)
			l->open[k] = l->open[--l->nopen];
		else
			k++;
	}
	l->seen_seg = nseg;
	l->seen_call = ncall;
	l->seen_out = nout;
	l->seen_ks = nks;
	rc = 1;
out:
	if (rc < 0 && truncated) {
		/* Rows were taken back and could not all be placed again: start over next
		 * time rather than leave a ladder with a hole in it. */
		l->n = 0;
		l->seen_seg = l->seen_call = l->seen_out = l->seen_ks = 0;
		l->nopen = 0;
		l->nhist = 0;
		memset(l->hist, 0, sizeof l->hist);
	}
	free(times);
	free(b.it);
	free(b.calls);
	return rc;
}

/* ---- labels ---- */

void ladder_seg_label(const struct ladder_seg *s, char *buf, size_t len)
{
	char fl[16];
	int n;

	if (s->malformed) {
		snprintf(buf, len, "malformed");
		return;
	}
	dissect_flags_str(s->flags, fl, sizeof fl);
	if (s->flags & TCP_RST) {
		/* A RST answering a SYN (RFC 9293 section 3.10.7.1: no connection, so seq 0 or
		 * the ACK's value) has no numbers of its own: its ack says which SYN it refuses.
		 * Its window is meaningless, so never shown. */
		if (s->flags & TCP_ACK && s->rel_seq <= 1 && s->rel_ack == 1 && !s->len)
			n = snprintf(buf, len, "%s", fl);
		else
			n = snprintf(buf, len, "%s %u", fl, s->rel_seq);
		if (s->flags & TCP_ACK && n > 0 && (size_t)n < len)
			snprintf(buf + n, len - (size_t)n, " ack %u", s->rel_ack);
		return;
	}
	if (s->len)
		n = snprintf(buf, len, "%s %u:%u(%u)", fl, s->rel_seq, s->rel_seq + s->len, s->len);
	else if (s->flags & (TCP_SYN | TCP_FIN) || !(s->flags & TCP_ACK))
		n = snprintf(buf, len, "%s %u", fl, s->rel_seq);
	else
		n = snprintf(buf, len, "%s", fl);
	if (s->flags & TCP_ACK && n > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, " ack %u", s->rel_ack);
	if (s->win == 0 && s->flags & TCP_ACK && !(s->flags & TCP_SYN) && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, " win 0");
}

void ladder_expert_label(uint32_t analysis, bool malformed, char *buf, size_t len)
{
	size_t n = 0;

	if (len)
		buf[0] = '\0';
	if (malformed) {
		snprintf(buf, len, "[Malformed]");
		return;
	}
	for (int i = 0; i < EXPERT_NLABELS && n + 1 < len; i++)
		if (analysis & EXPERT_BIT(i)) {
			const char *w = expert_labels[i].wireshark;
			int k = snprintf(buf + n, len - n, "%s[%s]", n ? " " : "",
			                 strncmp(w, "TCP ", 4) ? w : w + 4);
			if (k < 0)
				break;
			n += (size_t)k < len - n ? (size_t)k : len - n - 1;
		}
}

void ladder_call_label(const struct tl_call *c, enum tl_phase phase, char *buf, size_t len)
{
	char whole[400];
	const char *eq;

	trace_event_str(&c->ev, whole, sizeof whole);
	eq = strstr(whole, ") = ");
	if (phase == TL_PHASE_ONCE || !eq) {
		snprintf(buf, len, "%s", whole);
	} else if (phase == TL_PHASE_ENTER) {
		snprintf(buf, len, "%.*s) ...", (int)(eq - whole), whole);
	} else {
		const char *en = c->ev.err ? trace_errno_name(c->ev.err) : NULL;
		double ms = (double)trace_event_blocked_ns(&c->ev) / 1e6;

		if (c->ev.err && en)
			snprintf(buf, len, "%s() = %lld %s blocked %.1f ms", c->ev.name, c->ev.ret, en, ms);
		else if (c->ev.err)
			snprintf(buf, len, "%s() = %lld E%d blocked %.1f ms", c->ev.name, c->ev.ret,
			         c->ev.err, ms);
		else
			snprintf(buf, len, "%s() = %lld blocked %.1f ms", c->ev.name, c->ev.ret, ms);
	}
}

static void seg_end(const struct flow_seg *fs, bool src, char *buf, size_t len)
{
	char a[48];

	dissect_addr_str(&fs->seg, src, a, sizeof a);
	snprintf(buf, len, fs->seg.family == AF_INET6 ? "[%s]:%u" : "%s:%u", a,
	         src ? fs->seg.sport : fs->seg.dport);
}

void ladder_conn_ends(const struct ladder *l, uint32_t conn, char *client, char *server,
                      size_t len)
{
	client[0] = server[0] = '\0';
	if (l->ix) {
		const struct flow_table *ft = pktindex_flows(l->ix);
		if (conn >= flow_count(ft))
			return;
		flow_endpoint_str(flow_get(ft, conn), FLOW_C2S, client, len);
		flow_endpoint_str(flow_get(ft, conn), FLOW_S2C, server, len);
		return;
	}
	for (size_t i = 0; l->tl && i < l->tl->nseg; i++) {
		const struct flow_seg *fs = &l->tl->seg[i];
		if (fs->conn_id != conn)
			continue;
		seg_end(fs, fs->dir == FLOW_C2S, client, len);
		seg_end(fs, fs->dir != FLOW_C2S, server, len);
		return;
	}
}

void ladder_conn_label(const struct ladder *l, uint32_t conn, char *buf, size_t len)
{
	char c[64], s[64];

	ladder_conn_ends(l, conn, c, s, sizeof c);
	snprintf(buf, len, "connection %u: %s -> %s", conn + 1, c[0] ? c : "?", s[0] ? s : "?");
}

/* What one state's sockets of a sample hold between them. */
struct ks_count {
	unsigned n;
	uint64_t rq, wq;                /* Recv-Q, Send-Q: summed */
	uint32_t tw_min, tw_max;        /* TIME-WAIT: its timer's time left, ms */
	bool tw;
};

void ladder_kernel_label(const struct ksock_log *ks, size_t sample, char *buf, size_t len)
{
	const struct ksock_sample *s = &ks->sample[sample];
	struct ks_count per[KS_NSTATES] = { { 0 } };
	size_t used;

	if (!s->n) {
		snprintf(buf, len, "kernel: no socket on the port");
		return;
	}
	for (uint32_t i = 0; i < s->n; i++) {
		const struct ksock *k = &ks->sock[s->first + i];
		struct ks_count *c;

		if (k->state >= KS_NSTATES)
			continue;
		c = &per[k->state];
		c->n++;
		c->rq += k->rqueue;
		c->wq += k->wqueue;
		/* idiag_timer 3 on a TIME-WAIT socket is its 2*MSL timer (RFC 9293 3.6.1) */
		if (k->state == KS_TIME_WAIT && k->timer == 3) {
			if (!c->tw || k->expires_ms < c->tw_min)
				c->tw_min = k->expires_ms;
			if (!c->tw || k->expires_ms > c->tw_max)
				c->tw_max = k->expires_ms;
			c->tw = true;
		}
	}
	used = (size_t)snprintf(buf, len, "kernel:");
	for (int st = 1; st < KS_NSTATES && used < len; st++) {
		const struct ks_count *c = &per[st];
		char more[96] = "";
		size_t m = 0;

		if (!c->n)
			continue;
		/* A listener's Recv-Q is the connections waiting for accept() and its Send-Q the
		 * backlog it was given (ss shows both so): only the first says what happens. */
		if (c->rq && st == KS_LISTEN)
			m += (size_t)snprintf(more, sizeof more, "%llu waiting for accept",
			                      (unsigned long long)c->rq);
		else if (c->rq)
			m += (size_t)snprintf(more + m, sizeof more - m, "Recv-Q %llu",
			                      (unsigned long long)c->rq);
		if (c->wq && st != KS_LISTEN && m < sizeof more)
			m += (size_t)snprintf(more + m, sizeof more - m, "%sSend-Q %llu", m ? ", " : "",
			                      (unsigned long long)c->wq);
		if (c->tw && m < sizeof more) {
			if (c->tw_max / 100 != c->tw_min / 100)
				snprintf(more + m, sizeof more - m, "%s%.1f-%.1f s left", m ? ", " : "",
				         c->tw_min / 1000.0, c->tw_max / 1000.0);
			else
				snprintf(more + m, sizeof more - m, "%s%.1f s left", m ? ", " : "",
				         c->tw_min / 1000.0);
		}
		used += (size_t)snprintf(buf + used, len - used, "%s %s %u%s%s%s",
		                         used > 7 ? "," : "", ksock_state_name(st), c->n,
		                         more[0] ? " (" : "", more, more[0] ? ")" : "");
	}
}

void ladder_label(const struct ladder *l, size_t k, char *buf, size_t len)
{
	const struct ladder_row *r = &l->row[k];
	struct ladder_seg s;

	switch ((enum ladder_kind)r->kind) {
	case LADDER_SEG:
		if (ladder_seg_get(l, r->index, &s))
			ladder_seg_label(&s, buf, len);
		else
			snprintf(buf, len, "?");
		return;
	case LADDER_CALL:
		ladder_call_label(&l->tl->call[r->index], (enum tl_phase)r->phase, buf, len);
		return;
	case LADDER_OUTPUT:
		snprintf(buf, len, "> %s", l->tl->out[r->index].text);
		return;
	case LADDER_MARKER:
		snprintf(buf, len, "%s", l->tl->out[r->index].text);
		return;
	case LADDER_GAP:
		snprintf(buf, len, "... %.1f ms ...", (double)r->gap_ns / 1e6);
		return;
	case LADDER_CONN:
		ladder_conn_label(l, r->conn, buf, len);
		return;
	case LADDER_KERNEL:
		ladder_kernel_label(l->ks, r->index, buf, len);
		return;
	}
	snprintf(buf, len, "?");
}

/* ---- time alignment ---- */

void ladder_at(const struct ladder *l, uint64_t off_ns, struct ladder_at *a)
{
	uint64_t t = l->t0 + off_ns;
	size_t k = first_after(l, l->n, t), j = first_at(l, t);

	memset(a, 0, sizeof *a);
	for (size_t i = 0; i < k; i++)
		a->nseg += l->row[i].kind == LADDER_SEG;
	for (size_t i = k; i < l->n; i++)
		if (l->row[i].kind == LADDER_SEG) {
			a->has_next = true;
			a->next_ns = l->row[i].t_ns - l->t0;
			break;
		}
	for (size_t i = j; i > 0; i--)
		if (l->row[i - 1].kind == LADDER_SEG) {
			a->has_prev = true;
			a->prev_ns = l->row[i - 1].t_ns >= l->t0 ? l->row[i - 1].t_ns - l->t0 : 0;
			break;
		}
}

/* ---- measures ---- */

int ladder_measure(const struct ladder *l, struct ladder_measures *m)
{
	size_t n = src_nseg(l), ndl = 0;
	double *rtt = malloc((n ? n : 1) * sizeof *rtt);
	struct expert_delack *dl = NULL;
	struct labcheck_rtt rs = { 0 };
	struct ladder_seg first, s;
	int rc = -1;

	memset(m, 0, sizeof *m);
	if (!rtt)
		return -1;
	m->nseg = n;
	for (size_t i = 0; i < n; i++) {
		if (!ladder_seg_get(l, i, &s))
			continue;
		if (i == 0)
			first = s;
		else
			m->dur_ms = (double)(s.ts_ns - first.ts_ns) / 1e6;
		if (s.malformed || s.conn == PKTINDEX_NOCONN)
			continue;
		double ms = labcheck_rtt_feed(&rs, s.conn, s.dir, s.len, s.analysis, s.ts_ns);
		if (ms >= 0)
			rtt[m->nrtt++] = ms;
		if (s.conn >= ndl) {
			size_t nn = ndl ? ndl : 64;
			struct expert_delack *p;

			while (nn <= s.conn)
				nn *= 2;
			p = realloc(dl, nn * sizeof *p);
			if (!p)
				goto out;
			memset(p + ndl, 0, (nn - ndl) * sizeof *p);
			dl = p;
			ndl = nn;
		}
		m->delacks += expert_delack_feed(&dl[s.conn], s.dir, s.flags, s.rel_seq, s.len,
		                                 s.rel_ack, s.analysis, s.ts_ns);
	}
	if (rs.oom)
		goto out;
	if (m->nrtt)
		m->rtt_median_ms = labcheck_median(rtt, m->nrtt);
	rc = 0;
out:
	labcheck_rtt_release(&rs);
	free(dl);
	free(rtt);
	return rc;
}
