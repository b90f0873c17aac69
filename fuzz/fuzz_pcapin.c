/* summary: libFuzzer target: a whole capture file through pcapin, dissect and flow (capfile_load), and pcapin alone. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "capture/capfile.h"
#include "capture/pcapio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The input is the file. It lives in a memfd (no disk, nothing left behind) opened by its
 * /proc path, so pcapin_open() runs exactly as it does on a user's file.
 */
static int memfd = -1;
static char path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];

	if (memfd < 0) {
		memfd = memfd_create("fuzz.pcap", 0);
		if (memfd < 0)
			abort();
		snprintf(path, sizeof path, "/proc/self/fd/%d", memfd);
	}
	if (ftruncate(memfd, 0) != 0 || pwrite(memfd, data, size, 0) != (ssize_t)size)
		abort();

	/* The reader alone: every record, and the contract on each. */
	struct pcapin *in = pcapin_open(path, err, sizeof err);
	if (!in) {
		if (!err[0])
			abort();
	} else {
		const uint8_t *pkt;
		size_t caplen, wirelen;
		uint64_t ts;
		int r;
		(void)pcapin_dlt(in);
		while ((r = pcapin_next(in, &pkt, &caplen, &wirelen, &ts)) == 1) {
			if (caplen > wirelen || caplen > 262144)
				abort();
			volatile uint8_t sink = 0;
			for (size_t i = 0; i < caplen; i++)
				sink ^= pkt[i];
			(void)sink;
		}
		if (r < 0 && !pcapin_error(in)[0])
			abort();
		if (pcapin_next(in, &pkt, &caplen, &wirelen, &ts) != r)
			abort();                /* after 0 or -1, further calls return the same */
		pcapin_free(in);
	}

	/* The path 'tcplab check' takes: reader, dissector, flow tracker, kept segments. */
	struct capfile cf;
	if (capfile_load(path, -1, 64, &cf, err, sizeof err) == 0) {
		for (size_t i = 0; i < flow_count(cf.ft); i++)
			if (capfile_conn(&cf, i)->nseg > 64)
				abort();
	}
	capfile_release(&cf);
	return 0;
}
