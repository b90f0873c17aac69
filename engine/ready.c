/* summary: when each data segment's bytes were the kernel's to send (see ready.h). */
#include "engine/ready.h"

/* The first call whose bytes reach past stream offset off. */
static size_t call_at(const struct ready_call *calls, size_t n, uint64_t off)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (calls[mid].end > off)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

void ready_assign(const struct ready_call *calls, size_t ncalls, struct flow_seg *segs,
                  size_t nsegs, enum flow_dir dir)
{
	for (size_t j = 0; j < nsegs && ncalls; j++) {
		struct flow_seg *s = &segs[j];
		uint64_t first, last, ts = s->seg.ts_ns;
		const struct ready_call *c;
		size_t k;

		if (s->dir != dir || !s->seg.len || s->rel_seq < 1)
			continue;
		/* rel_seq 1 is the stream's first byte, offset 0. */
		first = (uint64_t)s->rel_seq - 1;
		last = first + s->seg.len - 1;
		k = call_at(calls, ncalls, last);
		if (k == ncalls || calls[k].enter_ns > ts)
			continue;
		c = &calls[k];
		s->ready_ns = c->enter_ns;
		if (first == (k ? calls[k - 1].end : 0) && c->exit_ns && ts <= c->exit_ns)
			s->ready_ns = ts;
	}
}
