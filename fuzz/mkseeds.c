/* summary: build the fuzzers' seed corpus from real captures: one packet per dissect seed, one segment sequence per flow seed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "capture/dissect.h"
#include "capture/flow.h"
#include "capture/pcapio.h"
#include "fuzz/segdec.h"

/*
 * usage: mkseeds OUTDIR CAPTURE...
 * Writes OUTDIR/fuzz_dissect/NAME-FRAME (link-type index byte, as fuzz_dissect.c reads it,
 * then the packet) for the first packets of each capture, and OUTDIR/fuzz_flow/NAME (the
 * capture's TCP segments as segdec.h records, in capture order). Seeds only steer the
 * fuzzer towards real traffic; a capture this cannot read is skipped with a message.
 */
#define MAX_DISSECT_SEEDS 16
#define MAX_FLOW_SEGS 400

static const int dlts[] = { 1, 113, 276, 0, 108, 12, 14, 101, 228, 229, 147, 9999 };

static int dlt_index(int dlt)
{
	for (size_t i = 0; i < sizeof dlts / sizeof dlts[0]; i++)
		if (dlts[i] == dlt)
			return (int)i;
	return -1;
}

static int write_file(const char *path, const void *a, size_t na, const void *b, size_t nb)
{
	FILE *f = fopen(path, "wb");
	if (!f) {
		fprintf(stderr, "mkseeds: cannot create '%s': %s\n", path, strerror(errno));
		return -1;
	}
	fwrite(a, 1, na, f);
	fwrite(b, 1, nb, f);
	return fclose(f) == 0 ? 0 : -1;
}

static void be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

static void be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v;
}

/* The inverse of segdec_decode(), near enough to keep each capture's shape. */
static void encode(uint8_t *r, const struct tcp_segment *s, const struct flow_info *fi,
                   uint64_t dt)
{
	unsigned step = dt < 500000 ? 0 : dt < 100000000 ? 1 : dt < 2000000000 ? 2 : 3;
	memset(r, 0, SEGDEC_REC);
	r[0] = (uint8_t)((fi->dir == FLOW_S2C) | (fi->conn->id % 4) << 1 |
	                 (s->family == AF_INET6) << 3 | step << 6);
	be16(r + 1, s->flags);
	be32(r + 3, fi->rel_seq);
	be32(r + 7, fi->rel_ack);
	be16(r + 11, s->win);
	be16(r + 13, (uint16_t)(s->len > 0xffff ? 0xffff : s->len));
	r[15] = (uint8_t)(!!(s->opt.present & TCPOPT_HAS_MSS) | !!(s->opt.present & TCPOPT_HAS_WSCALE) << 1 |
	                  !!(s->opt.present & TCPOPT_HAS_SACKOK) << 2 | !!(s->opt.present & TCPOPT_HAS_TS) << 3 |
	                  (s->opt.wscale & 15) << 4);
	if (s->opt.nsack && s->opt.sack[0][0] - s->ack < 25500)
		r[16] = (uint8_t)((s->opt.sack[0][0] - s->ack) / 100 + 1);
}

static int one(const char *out, const char *path)
{
	char err[512], name[512], dst[1024];
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	snprintf(name, sizeof name, "%s", base);
	char *dot = strrchr(name, '.');
	if (dot)
		*dot = '\0';

	struct pcapin *in = pcapin_open(path, err, sizeof err);
	if (!in) {
		fprintf(stderr, "mkseeds: skipped: %s\n", err);
		return 0;
	}
	int dlt = pcapin_dlt(in), di = dlt_index(dlt);
	struct flow_table *ft = flow_new();
	uint8_t *flow = malloc((size_t)MAX_FLOW_SEGS * SEGDEC_REC);
	size_t nflow = 0;
	uint32_t frame = 0;
	uint64_t last = 0;
	const uint8_t *pkt;
	size_t caplen, wirelen;
	uint64_t ts;

	if (!ft || !flow) {
		fprintf(stderr, "mkseeds: out of memory\n");
		exit(1);
	}
	while (pcapin_next(in, &pkt, &caplen, &wirelen, &ts) == 1) {
		struct tcp_segment seg = { .frame = ++frame, .ts_ns = ts };
		struct flow_info fi;
		if (di >= 0 && frame <= MAX_DISSECT_SEEDS) {
			uint8_t b = (uint8_t)di;
			snprintf(dst, sizeof dst, "%s/fuzz_dissect/%s-%u", out, name, frame);
			if (write_file(dst, &b, 1, pkt, caplen) < 0)
				exit(1);
		}
		if (dissect_packet(dlt, pkt, caplen, &seg, NULL, 0) != DISSECT_TCP)
			continue;
		if (flow_track(ft, &seg, &fi) < 0)
			exit(1);
		if (nflow < MAX_FLOW_SEGS) {
			encode(flow + nflow * SEGDEC_REC, &seg, &fi, last ? ts - last : 0);
			nflow++;
		}
		last = ts;
	}
	if (nflow) {
		snprintf(dst, sizeof dst, "%s/fuzz_flow/%s", out, name);
		if (write_file(dst, flow, nflow * SEGDEC_REC, NULL, 0) < 0)
			exit(1);
	}
	free(flow);
	flow_free(ft);
	pcapin_free(in);
	return 0;
}

int main(int argc, char **argv)
{
	char d[1024];

	if (argc < 2) {
		fprintf(stderr, "usage: mkseeds OUTDIR CAPTURE...\n");
		return 2;
	}
	for (int i = 0; i < 2; i++) {
		snprintf(d, sizeof d, "%s/%s", argv[1], i ? "fuzz_flow" : "fuzz_dissect");
		if (mkdir(d, 0777) != 0 && errno != EEXIST) {
			fprintf(stderr, "mkseeds: cannot create '%s': %s\n", d, strerror(errno));
			return 1;
		}
	}
	for (int i = 2; i < argc; i++)
		one(argv[1], argv[i]);
	return 0;
}
