/* summary: merge a lab run's calls, output and segments into one time-ordered list. */
#include "engine/timeline.h"

#include <stdlib.h>
#include <string.h>

void timeline_init(struct timeline *tl)
{
	memset(tl, 0, sizeof(*tl));
}

void timeline_release(struct timeline *tl)
{
	for (size_t i = 0; i < tl->nseg; i++)
		free((void *)tl->seg[i].seg.payload);
	free(tl->seg);
	free(tl->call);
	free(tl->out);
	free(tl->entry);
	timeline_init(tl);
}

/* Make room for one more element of size sz in *arr; -1 on failure. */
static int grow(void **arr, size_t *cap, size_t n, size_t sz)
{
	void *p;
	size_t ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 64;
	p = realloc(*arr, ncap * sz);
	if (!p)
		return -1;
	*arr = p;
	*cap = ncap;
	return 0;
}

int timeline_add_segment(struct timeline *tl, const struct flow_seg *fs)
{
	struct flow_seg *dst;
	uint8_t *copy = NULL;

	if (grow((void **)&tl->seg, &tl->segcap, tl->nseg, sizeof(*tl->seg)) < 0)
		return -1;
	/* Payload is kept for what people look at, up to a budget: a 10 GB transfer keeps
	 * its first TIMELINE_PAYLOAD_KEPT bytes, then the headers of the rest. */
	if (fs->seg.caplen_payload && tl->payload_bytes + fs->seg.caplen_payload <= TIMELINE_PAYLOAD_KEPT) {
		copy = malloc(fs->seg.caplen_payload);
		if (!copy)
			return -1;
		memcpy(copy, fs->seg.payload, fs->seg.caplen_payload);
		tl->payload_bytes += fs->seg.caplen_payload;
	}
	dst = &tl->seg[tl->nseg++];
	*dst = *fs;
	dst->seg.payload = copy;
	if (!copy)
		dst->seg.caplen_payload = 0;
	return 0;
}

int timeline_add_call(struct timeline *tl, enum sandbox_host host, const struct trace_event *ev)
{
	if (grow((void **)&tl->call, &tl->callcap, tl->ncall, sizeof(*tl->call)) < 0)
		return -1;
	tl->call[tl->ncall].host = host;
	tl->call[tl->ncall].ev = *ev;
	tl->ncall++;
	return 0;
}

int timeline_add_output(struct timeline *tl, int host, uint64_t t_ns,
                        const char *text, size_t len)
{
	struct tl_output *o;

	if (grow((void **)&tl->out, &tl->outcap, tl->nout, sizeof(*tl->out)) < 0)
		return -1;
	o = &tl->out[tl->nout++];
	o->host = host;
	o->t_ns = t_ns;
	if (len >= sizeof(o->text))
		len = sizeof(o->text) - 1;
	memcpy(o->text, text, len);
	o->text[len] = '\0';
	return 0;
}

static int by_time(const void *a, const void *b)
{
	const struct tl_entry *x = a, *y = b;

	if (x->t_ns != y->t_ns)
		return x->t_ns < y->t_ns ? -1 : 1;
	/* Same instant: a call's entry before the segment it caused, its exit after. */
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static int by_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* How many of the sorted times t[0..n) lie strictly inside (from, to). */
static size_t count_inside(const uint64_t *t, size_t n, uint64_t from, uint64_t to)
{
	size_t lo = 0, hi = n, first;

	while (lo < hi) {               /* first index with t > from */
		size_t mid = lo + (hi - lo) / 2;

		if (t[mid] <= from)
			lo = mid + 1;
		else
			hi = mid;
	}
	first = lo;
	hi = n;
	while (lo < hi) {               /* first index with t >= to */
		size_t mid = lo + (hi - lo) / 2;

		if (t[mid] < to)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > first ? lo - first : 0;
}

int timeline_build(struct timeline *tl)
{
	size_t n = tl->nseg + 2 * tl->ncall + tl->nout, k = 0, ncall_t = 0;
	uint64_t *seg_t, *call_t;
	struct tl_entry *e;

	free(tl->entry);
	tl->entry = NULL;
	tl->nentry = 0;
	e = malloc((n ? n : 1) * sizeof(*e));
	seg_t = malloc((tl->nseg ? tl->nseg : 1) * sizeof(*seg_t));
	call_t = malloc((tl->ncall ? tl->ncall : 1) * sizeof(*call_t));
	if (!e || !seg_t || !call_t) {
		free(e);
		free(seg_t);
		free(call_t);
		return -1;
	}
	/* Sorted times, so "did anything happen during this call" is two binary searches. */
	for (size_t i = 0; i < tl->nseg; i++)
		seg_t[i] = tl->seg[i].seg.ts_ns;
	/* A sleep that woke on time is there for the checks, not for the timeline. */
	for (size_t i = 0; i < tl->ncall; i++)
		if (!trace_event_quiet(&tl->call[i].ev))
			call_t[ncall_t++] = tl->call[i].ev.t_enter_ns;
	qsort(seg_t, tl->nseg, sizeof(*seg_t), by_u64);
	qsort(call_t, ncall_t, sizeof(*call_t), by_u64);
	for (size_t i = 0; i < tl->nseg; i++)
		e[k++] = (struct tl_entry){ tl->seg[i].seg.ts_ns, TL_SEGMENT, TL_PHASE_ONCE,
		                            (uint32_t)i };
	for (size_t i = 0; i < tl->ncall; i++) {
		const struct trace_event *ev = &tl->call[i].ev;

		if (trace_event_quiet(ev))
			continue;
		/* A call's own entry is at from, never strictly inside (from, to). */
		if (ev->t_exit_ns > ev->t_enter_ns &&
		    (count_inside(seg_t, tl->nseg, ev->t_enter_ns, ev->t_exit_ns) ||
		     count_inside(call_t, ncall_t, ev->t_enter_ns, ev->t_exit_ns))) {
			e[k++] = (struct tl_entry){ ev->t_enter_ns, TL_CALL, TL_PHASE_ENTER, (uint32_t)i };
			e[k++] = (struct tl_entry){ ev->t_exit_ns, TL_CALL, TL_PHASE_EXIT, (uint32_t)i };
		} else {
			e[k++] = (struct tl_entry){ ev->t_enter_ns, TL_CALL, TL_PHASE_ONCE, (uint32_t)i };
		}
	}
	for (size_t i = 0; i < tl->nout; i++)
		e[k++] = (struct tl_entry){ tl->out[i].t_ns, TL_OUTPUT, TL_PHASE_ONCE, (uint32_t)i };
	free(seg_t);
	free(call_t);
	qsort(e, k, sizeof(*e), by_time);
	tl->entry = e;
	tl->nentry = k;
	tl->t0 = k ? e[0].t_ns : 0;
	return 0;
}
