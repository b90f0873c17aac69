/* summary: libFuzzer target: expect_parse() on fuzzed specs, and expect_match() against a fixed connection. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capture/expect.h"
#include "capture/flow.h"
#include "fuzz/segdec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The connection every spec is matched against: lab 1's client-first exchange, as segdec
 * records (handshake with options, data each way, a duplicate ACK, a retransmission, the
 * close). Built once; the flow table stays alive so conn stays valid.
 */
#define R(d, fl, seq, ack, len, o) \
	{ (uint8_t)(d | 0x40), 0, fl, 0, 0, 0, seq, 0, 0, 0, ack, 0xfa, 0xf0, 0, len, o, 0 }
static const uint8_t script[][SEGDEC_REC] = {
	R(0, 0x02, 0, 0, 0, 0x7f),         /* S, mss, ws 7, sackOK, ts */
	R(1, 0x12, 0, 1, 0, 0x7f),         /* S. */
	R(0, 0x10, 1, 1, 0, 0x08),         /* . */
	R(0, 0x18, 1, 1, 5, 0x08),         /* P. 5 bytes */
	R(1, 0x10, 1, 6, 0, 0x08),         /* . */
	R(1, 0x10, 1, 6, 0, 0x08),         /* . duplicate */
	R(1, 0x18, 1, 6, 5, 0x08),         /* P. echo */
	R(1, 0x18, 1, 6, 5, 0x08),         /* P. retransmitted */
	R(0, 0x10, 6, 6, 0, 0x08),         /* . */
	R(0, 0x11, 6, 6, 0, 0x08),         /* F. */
	R(1, 0x11, 6, 7, 0, 0x08),         /* F. */
	R(0, 0x10, 7, 7, 0, 0x08),         /* . */
};
#define NSCRIPT (sizeof script / sizeof script[0])

static struct flow_table *ft;
static struct flow_seg segs[NSCRIPT];
static const struct flow_conn *conn;

static void setup(void)
{
	uint64_t ts = 1700000000ull * 1000000000ull;
	ft = flow_new();
	if (!ft)
		abort();
	for (size_t i = 0; i < NSCRIPT; i++) {
		struct tcp_segment seg;
		struct flow_info fi;
		segdec_decode(script[i], &ts, (uint32_t)i + 1, &seg);
		if (flow_track(ft, &seg, &fi) < 0)
			abort();
		flow_seg_set(&segs[i], &seg, &fi);
		conn = fi.conn;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct expect_spec *spec = NULL;
	char err[512];

	if (!ft)
		setup();
	/* An exact-size copy without a terminating NUL: the parser must honour len. */
	char *text = malloc(size ? size : 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	int r = expect_parse(text, size, "fuzz.expect", &spec, err, sizeof err);
	free(text);
	if (r < 0) {
		if (spec || !err[0] || strncmp(err, "fuzz.expect:", 12) != 0)
			abort();                /* errors are "NAME:LINE: ..." and leave no spec */
		return 0;
	}
	if (!spec)
		abort();
	size_t n = expect_ncheck(spec);
	struct expect_result *res = calloc(n ? n : 1, sizeof *res);
	if (!res)
		abort();
	for (size_t i = 0; i < n; i++)
		if (!expect_check_name(spec, i))
			abort();
	if (expect_check_name(spec, n))
		abort();
	/* Odd sizes: no conn (assertions from segments alone) and a lossy capture. */
	bool odd = size & 1;
	if (expect_match(spec, odd ? NULL : conn, segs, NSCRIPT, odd, res) < 0)
		abort();
	for (size_t i = 0; i < n; i++) {
		if (res[i].seg_index < -1 || res[i].seg_index >= (long)NSCRIPT)
			abort();
		if (res[i].verdict == EXPECT_FAIL && !res[i].explain[0])
			abort();                /* "" never on FAIL */
		if (odd && res[i].verdict == EXPECT_FAIL)
			abort();                /* a lossy capture never fails for sure */
		if (!memchr(res[i].explain, '\0', sizeof res[i].explain))
			abort();
		(void)expect_verdict_str(res[i].verdict);
	}
	/* The matcher on no segments at all. */
	expect_match(spec, NULL, segs, 0, false, res);
	free(res);
	expect_free(spec);
	return 0;
}
