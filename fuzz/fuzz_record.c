/* summary: libFuzzer target: any bytes as a run record (record_read_file), with the read run's invariants checked. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/labrun.h"
#include "engine/record.h"
#include "engine/timeline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The input is the file, read from memory through the same FILE path record_read() takes.
 * A refusal must say why; a record that is accepted must hold together: every timeline
 * entry points at something that exists, every check's evidence at a kept segment, every
 * mark at an output line, and the calls and lines at hosts that exist.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t empty[1];
	FILE *f = fmemopen(size ? (void *)data : (void *)empty, size, "rb");
	struct record *rec = NULL;
	char err[512] = "";
	const struct labrun *run;
	const struct timeline *tl;

	if (!f)
		abort();
	if (record_read_file(f, "fuzz.pcapng", &rec, err, sizeof(err)) < 0) {
		fclose(f);
		if (!err[0] || rec)
			abort();
		return 0;
	}
	fclose(f);
	run = rec->run;
	tl = &run->tl;
	/* One entry a segment and a line, one or two a call. */
	if (!run || run->lab || run->variant || tl->nentry < tl->nseg + tl->nout + tl->ncall ||
	    tl->nentry > tl->nseg + tl->nout + 2 * tl->ncall)
		abort();
	for (size_t i = 0; i < tl->nentry; i++) {
		const struct tl_entry *e = &tl->entry[i];
		size_t n = e->kind == TL_SEGMENT ? tl->nseg : e->kind == TL_CALL ? tl->ncall : tl->nout;

		if (e->index >= n || (i && e->t_ns < tl->entry[i - 1].t_ns))
			abort();
	}
	for (size_t i = 0; i < tl->ncall; i++)
		if (tl->call[i].host > HOST_SERVER || tl->call[i].ev.call > TRACE_OTHER)
			abort();
	for (size_t i = 0; i < tl->nout; i++)
		if (tl->out[i].host > TL_HOST_WIRE || memchr(tl->out[i].text, 0,
		                                             sizeof(tl->out[i].text)) == NULL)
			abort();
	for (size_t i = 0; i < run->ncheck; i++)
		if (run->check[i].r.seg_index < -1 || run->check[i].r.seg_index >= (long)tl->nseg ||
		    run->check[i].r.verdict > EXPECT_INCONCLUSIVE)
			abort();
	for (size_t i = 0; i < run->nmark; i++)
		if (run->mark[i].out_index >= tl->nout)
			abort();
	if (run->frames.n < tl->nseg || run->vars.n > LAB_MAX_VARS || run->ninfo > LAB_MAX_CHECKS)
		abort();
	record_free(rec);
	return 0;
}
