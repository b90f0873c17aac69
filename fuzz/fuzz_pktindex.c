/* summary: libFuzzer target: the TUI's mapped-file index (pktindex) over a fuzzed pcap/pcapng file, every segment decoded again. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "capture/pktindex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input is the file, in a memfd opened by its /proc path, as fuzz_pcapin.c does. */
static int memfd = -1;
static char path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512] = "";

	if (memfd < 0) {
		memfd = memfd_create("fuzz.pcap", 0);
		if (memfd < 0)
			abort();
		snprintf(path, sizeof path, "/proc/self/fd/%d", memfd);
	}
	if (ftruncate(memfd, 0) != 0 || pwrite(memfd, data, size, 0) != (ssize_t)size)
		abort();

	struct pktindex *ix = pktindex_open(path, err, sizeof err);
	if (!ix) {
		if (!err[0])
			abort();
		return 0;
	}
	int r;
	/* Small steps, as the TUI takes them between keys. */
	while ((r = pktindex_step(ix, 3, err, sizeof err)) == 1) {
		double p = pktindex_progress(ix);
		if (!(p >= 0.0 && p <= 1.0))
			abort();
	}
	if (r < 0 || !pktindex_done(ix))
		abort();
	(void)pktindex_dlt(ix);
	(void)pktindex_error(ix);
	size_t n = pktindex_count(ix);
	if (n > pktindex_frames(ix))
		abort();
	const struct flow_table *ft = pktindex_flows(ix);
	for (size_t i = 0; i < n; i++) {
		const struct pktindex_ent *e = pktindex_get(ix, i);
		size_t caplen;
		const uint8_t *pkt = pktindex_packet(ix, i, &caplen);
		if (!e || caplen != e->caplen || (caplen && !pkt))
			abort();
		if (e->off + caplen > size)
			abort();                /* the record lies inside the file */
		volatile uint8_t sink = 0;
		for (size_t k = 0; k < caplen; k++)
			sink ^= pkt[k];
		(void)sink;
		if (e->conn != PKTINDEX_NOCONN && e->conn >= flow_count(ft))
			abort();
		struct flow_seg fs;
		int d = pktindex_segment(ix, i, &fs, err, sizeof err);
		if (d == 0 && e->malformed)
			abort();
		if (d < 0 && (!e->malformed || !err[0]))
			abort();
	}
	pktindex_free(ix);
	return 0;
}
