/* summary: libFuzzer target: dissect_packet() on every link type, the first byte choosing which. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "capture/dissect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every link type dissect.c knows, both numberings of raw IP, and two it does not. */
static const int dlts[] = { 1, 113, 276, 0, 108, 12, 14, 101, 228, 229, 147, 9999 };
#define NDLT (sizeof dlts / sizeof dlts[0])

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tcp_segment seg = { .frame = 7, .ts_ns = 42 };
	char err[256], buf[64];

	if (size < 1)
		return 0;
	int dlt = dlts[data[0] % NDLT];
	/* An exact-size copy, so AddressSanitizer sees any read one byte past the capture. */
	size_t caplen = size - 1;
	uint8_t *pkt = caplen ? malloc(caplen) : NULL;
	if (caplen && !pkt)
		return 0;
	if (caplen)
		memcpy(pkt, data + 1, caplen);

	memset(err, 'x', sizeof err);
	int r = dissect_packet(dlt, pkt, caplen, &seg, err, sizeof err);
	if (r != DISSECT_TCP && r != DISSECT_NOT_TCP && r != DISSECT_MALFORMED)
		abort();
	/* The header's contract, checked on every input. */
	if (r == DISSECT_MALFORMED && (err[0] == '\0' || !memchr(err, '\0', sizeof err)))
		abort();                        /* a malformed packet always says why */
	if (r != DISSECT_MALFORMED && err[0] != '\0')
		abort();
	if (seg.frame != 7 || seg.ts_ns != 42)
		abort();
	if (r == DISSECT_TCP) {
		if (seg.hdrlen < 20 || seg.caplen_payload > seg.len)
			abort();
		if (seg.caplen_payload &&
		    (seg.payload < pkt || seg.payload + seg.caplen_payload > pkt + caplen))
			abort();
		if (seg.opt.nsack > TCPOPT_MAX_SACK || seg.opt.nunknown > TCPOPT_MAX_UNKNOWN)
			abort();
		volatile uint8_t sink = 0;
		for (uint32_t i = 0; i < seg.caplen_payload; i++)
			sink ^= seg.payload[i];
		(void)sink;
	}
	dissect_flags_str(seg.flags, buf, sizeof buf);
	dissect_flags_str(seg.flags, buf, 3);
	dissect_addr_str(&seg, true, buf, sizeof buf);
	dissect_addr_str(&seg, false, buf, 8);
	/* Also with no error buffer, as 'tcplab inspect' calls it. */
	dissect_packet(dlt, pkt, caplen, &seg, NULL, 0);
	free(pkt);
	return 0;
}
