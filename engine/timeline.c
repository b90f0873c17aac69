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
	if (fs->seg.caplen_payload) {
		copy = malloc(fs->seg.caplen_payload);
		if (!copy)
			return -1;
		memcpy(copy, fs->seg.payload, fs->seg.caplen_payload);
	}
	dst = &tl->seg[tl->nseg++];
	*dst = *fs;
	dst->seg.payload = copy;
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

/* Did any segment, or another process's call, happen strictly inside (from, to)? */
static int something_between(const struct timeline *tl, size_t self, uint64_t from, uint64_t to)
{
	for (size_t i = 0; i < tl->nseg; i++)
		if (tl->seg[i].seg.ts_ns > from && tl->seg[i].seg.ts_ns < to)
			return 1;
	for (size_t i = 0; i < tl->ncall; i++) {
		uint64_t t = tl->call[i].ev.t_enter_ns;

		if (i != self && t > from && t < to)
			return 1;
	}
	return 0;
}

int timeline_build(struct timeline *tl)
{
	size_t n = tl->nseg + 2 * tl->ncall + tl->nout, k = 0;
	struct tl_entry *e;

	free(tl->entry);
	tl->entry = NULL;
	tl->nentry = 0;
	e = malloc((n ? n : 1) * sizeof(*e));
	if (!e)
		return -1;
	for (size_t i = 0; i < tl->nseg; i++)
		e[k++] = (struct tl_entry){ tl->seg[i].seg.ts_ns, TL_SEGMENT, TL_PHASE_ONCE,
		                            (uint32_t)i };
	for (size_t i = 0; i < tl->ncall; i++) {
		const struct trace_event *ev = &tl->call[i].ev;

		if (something_between(tl, i, ev->t_enter_ns, ev->t_exit_ns)) {
			e[k++] = (struct tl_entry){ ev->t_enter_ns, TL_CALL, TL_PHASE_ENTER, (uint32_t)i };
			e[k++] = (struct tl_entry){ ev->t_exit_ns, TL_CALL, TL_PHASE_EXIT, (uint32_t)i };
		} else {
			e[k++] = (struct tl_entry){ ev->t_enter_ns, TL_CALL, TL_PHASE_ONCE, (uint32_t)i };
		}
	}
	for (size_t i = 0; i < tl->nout; i++)
		e[k++] = (struct tl_entry){ tl->out[i].t_ns, TL_OUTPUT, TL_PHASE_ONCE, (uint32_t)i };
	qsort(e, k, sizeof(*e), by_time);
	tl->entry = e;
	tl->nentry = k;
	tl->t0 = k ? e[0].t_ns : 0;
	return 0;
}
