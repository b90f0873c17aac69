/* summary: tests of pktindex: every capture indexed as 'inspect --tsv' lists it, pcapng like pcap, hostile files. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/dissect.h"
#include "capture/expert.h"
#include "capture/pktindex.h"
#include "tests/lib/tcplab_run.h"

static struct pktindex *index_all(const char *path)
{
	char err[512];
	struct pktindex *ix = pktindex_open(path, err, sizeof err);
	int r;

	cr_assert_not_null(ix, "%s: %s", path, err);
	/* Small steps: indexing in pieces must give what one pass gives. */
	while ((r = pktindex_step(ix, 3, err, sizeof err)) > 0)
		;
	cr_assert_eq(r, 0, "%s: %s", path, err);
	cr_assert(pktindex_done(ix));
	return ix;
}

/* The columns of 'inspect --tsv' the index keeps: no, flags, seq, ack, len, win, analysis. */
static void tsv_of(const struct pktindex *ix, size_t i, char *buf, size_t len)
{
	const struct pktindex_ent *e = pktindex_get(ix, i);
	char fl[16], an[256], ack[16];

	cr_assert_not_null(e);
	if (e->malformed) {
		snprintf(buf, len, "%u\t-\t-\t-\t-\t-\tmalformed", e->frame);
		return;
	}
	snprintf(ack, sizeof ack, "%u", e->rel_ack);
	snprintf(buf, len, "%u\t%s\t%u\t%s\t%u\t%d\t%s", e->frame,
	         dissect_flags_str(e->flags, fl, sizeof fl), e->rel_seq,
	         e->flags & TCP_ACK ? ack : "-", e->len, e->win, expert_str(e->analysis, an, sizeof an));
}

/* The same columns cut out of a golden TSV line. */
static void tsv_cols(const char *line, char *buf, size_t len)
{
	char copy[1024], *f[16], *save = NULL;
	int n = 0;

	snprintf(copy, sizeof copy, "%s", line);
	for (char *t = strtok_r(copy, "\t", &save); t && n < 16; t = strtok_r(NULL, "\t", &save))
		f[n++] = t;
	cr_assert_eq(n, 12, "golden line has %d fields: %s", n, line);
	snprintf(buf, len, "%s\t%s\t%s\t%s\t%s\t%s\t%s", f[0], f[6], f[7], f[8], f[9], f[10], f[11]);
}

Test(pktindex, every_capture_is_indexed_as_inspect_lists_it, .timeout = 60)
{
	char dir[1024];
	struct dirent *d;
	DIR *dh;
	int files = 0;

	snprintf(dir, sizeof dir, "%s/tests/captures", test_root());
	dh = opendir(dir);
	cr_assert_not_null(dh);
	while ((d = readdir(dh))) {
		size_t l = strlen(d->d_name);
		char pcap[1100], tsv[1100], want[1024], got[1024];
		char *golden, *line, *save = NULL;
		struct pktindex *ix;
		size_t i = 0;

		if (l < 6 || strcmp(d->d_name + l - 5, ".pcap"))
			continue;
		snprintf(pcap, sizeof pcap, "%s/%s", dir, d->d_name);
		snprintf(tsv, sizeof tsv, "%s/%.*s.tsv", dir, (int)(l - 5), d->d_name);
		golden = test_slurp(tsv);
		ix = index_all(pcap);
		for (line = strtok_r(golden, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			if (line[0] == '#')
				continue;
			cr_assert_lt(i, pktindex_count(ix), "%s: fewer entries than golden lines", pcap);
			tsv_cols(line, want, sizeof want);
			tsv_of(ix, i, got, sizeof got);
			cr_expect_str_eq(got, want, "%s entry %zu", pcap, i);
			i++;
		}
		cr_expect_eq(i, pktindex_count(ix), "%s: %zu golden lines, %zu entries", pcap, i,
		             pktindex_count(ix));
		pktindex_free(ix);
		free(golden);
		files++;
	}
	closedir(dh);
	cr_assert_gt(files, 5);
}

/* Little-endian writers for a hand-made pcapng. */
static void put32(FILE *f, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
	cr_assert_eq(fwrite(b, 1, 4, f), 4u);
}

static void put16(FILE *f, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
	cr_assert_eq(fwrite(b, 1, 2, f), 2u);
}

/* Rewrite a classic little-endian pcap as pcapng with nanosecond if_tsresol. */
static void to_pcapng(const char *in, const char *out)
{
	FILE *fi = fopen(in, "rb"), *fo = fopen(out, "wb");
	uint8_t hdr[24], rec[16], pkt[65536];
	uint32_t magic, linktype;

	cr_assert(fi && fo);
	cr_assert_eq(fread(hdr, 1, 24, fi), 24u);
	memcpy(&magic, hdr, 4);
	memcpy(&linktype, hdr + 20, 4);
	cr_assert(magic == 0xa1b2c3d4 || magic == 0xa1b23c4d, "test capture is not little-endian pcap");
	put32(fo, 0x0a0d0d0a); put32(fo, 28); put32(fo, 0x1a2b3c4d);
	put16(fo, 1); put16(fo, 0); put32(fo, 0xffffffff); put32(fo, 0xffffffff); put32(fo, 28);
	/* IDB with if_tsresol = 9 (nanoseconds), then opt_endofopt */
	put32(fo, 1); put32(fo, 32); put16(fo, (uint16_t)linktype); put16(fo, 0); put32(fo, 262144);
	put16(fo, 9); put16(fo, 1); put32(fo, 9); put32(fo, 0); put32(fo, 32);
	while (fread(rec, 1, 16, fi) == 16) {
		uint32_t sec, frac, cl, ol, pad;
		uint64_t ns;

		memcpy(&sec, rec, 4);
		memcpy(&frac, rec + 4, 4);
		memcpy(&cl, rec + 8, 4);
		memcpy(&ol, rec + 12, 4);
		cr_assert_leq(cl, sizeof pkt);
		cr_assert_eq(fread(pkt, 1, cl, fi), cl);
		ns = (uint64_t)sec * 1000000000u + (magic == 0xa1b23c4d ? frac : frac * 1000ull);
		pad = (4 - cl % 4) % 4;
		put32(fo, 6); put32(fo, 32 + cl + pad); put32(fo, 0);
		put32(fo, (uint32_t)(ns >> 32)); put32(fo, (uint32_t)ns); put32(fo, cl); put32(fo, ol);
		cr_assert_eq(fwrite(pkt, 1, cl, fo), cl);
		for (uint32_t k = 0; k < pad; k++)
			fputc(0, fo);
		put32(fo, 32 + cl + pad);
	}
	fclose(fi);
	cr_assert_eq(fclose(fo), 0);
}

Test(pktindex, pcapng_indexes_like_pcap, .timeout = 30)
{
	char in[1024], out[] = "/tmp/tcplab-pktindex-XXXXXX.pcapng";
	struct pktindex *a, *b;
	int fd = mkstemps(out, 7);

	cr_assert_geq(fd, 0);
	close(fd);
	snprintf(in, sizeof in, "%s/tests/captures/retransmission.pcap", test_root());
	to_pcapng(in, out);
	a = index_all(in);
	b = index_all(out);
	cr_assert_eq(pktindex_count(a), pktindex_count(b));
	cr_assert_gt(pktindex_count(a), 3u);
	cr_expect_eq(pktindex_dlt(a), pktindex_dlt(b));
	for (size_t i = 0; i < pktindex_count(a); i++) {
		struct pktindex_ent x = *pktindex_get(a, i), y = *pktindex_get(b, i);
		size_t lx, ly;
		const uint8_t *px = pktindex_packet(a, i, &lx), *py = pktindex_packet(b, i, &ly);

		cr_assert_eq(lx, ly);
		cr_expect_eq(memcmp(px, py, lx), 0, "packet %zu bytes differ", i);
		x.off = y.off = 0;
		cr_expect_eq(memcmp(&x, &y, sizeof x), 0, "entry %zu differs (ts %llu vs %llu)", i,
		             (unsigned long long)x.ts_ns, (unsigned long long)y.ts_ns);
	}
	pktindex_free(a);
	pktindex_free(b);
	unlink(out);
}

Test(pktindex, a_segment_decodes_again_with_its_payload, .timeout = 30)
{
	char in[1024], err[256];
	struct pktindex *ix;
	struct flow_seg fs;
	size_t i;

	snprintf(in, sizeof in, "%s/tests/captures/client_close_first.pcap", test_root());
	ix = index_all(in);
	for (i = 0; i < pktindex_count(ix) && !pktindex_get(ix, i)->len; i++)
		;
	cr_assert_lt(i, pktindex_count(ix));
	cr_assert_eq(pktindex_segment(ix, i, &fs, err, sizeof err), 0, "%s", err);
	cr_expect_eq(fs.seg.frame, 6u);
	cr_expect_eq(fs.rel_seq, 1u);
	cr_expect_eq(fs.seg.len, 5u);
	cr_assert_not_null(fs.seg.payload);
	cr_expect_eq(memcmp(fs.seg.payload, "hello", 5), 0);
	cr_expect_lt(pktindex_segment(ix, pktindex_count(ix), &fs, err, sizeof err), 0);
	pktindex_free(ix);
}

/* Every prefix of a real capture: never a crash or an overread (run it under ASan), the
 * index keeps the packets before the cut, and a cut mid-record is named. */
Test(pktindex, every_truncation_keeps_what_came_before, .timeout = 60)
{
	char in[1024], out[] = "/tmp/tcplab-pktindex-XXXXXX", err[512];
	char *whole;
	size_t size, full;
	FILE *f;
	struct pktindex *ix;
	int fd = mkstemp(out);

	cr_assert_geq(fd, 0);
	close(fd);
	snprintf(in, sizeof in, "%s/tests/captures/dup_ack.pcap", test_root());
	f = fopen(in, "rb");
	cr_assert_not_null(f);
	fseek(f, 0, SEEK_END);
	size = (size_t)ftell(f);
	rewind(f);
	whole = malloc(size);
	cr_assert_not_null(whole);
	cr_assert_eq(fread(whole, 1, size, f), size);
	fclose(f);
	ix = index_all(in);
	full = pktindex_count(ix);
	pktindex_free(ix);

	size_t last = 0;
	for (size_t l = 0; l <= size; l++) {
		f = fopen(out, "wb");
		cr_assert_not_null(f);
		cr_assert_eq(fwrite(whole, 1, l, f), l);
		fclose(f);
		ix = pktindex_open(out, err, sizeof err);
		if (l < 24) {
			cr_expect_null(ix, "a %zu-byte file has no pcap header", l);
			pktindex_free(ix);
			continue;
		}
		cr_assert_not_null(ix, "%zu bytes: %s", l, err);
		while (pktindex_step(ix, 1000, err, sizeof err) > 0)
			;
		cr_expect_geq(pktindex_count(ix), last, "a longer prefix indexed fewer segments");
		last = pktindex_count(ix);
		if (l < size && pktindex_count(ix) < full && pktindex_error(ix)[0] == '\0') {
			/* Only a cut exactly between records may end silently. */
			size_t end = 24;
			while (end < l) {
				uint32_t cl;
				memcpy(&cl, whole + end + 8, 4);
				end += 16 + cl;
			}
			cr_expect_eq(end, l, "%zu bytes: cut mid-record without a word", l);
		}
		pktindex_free(ix);
	}
	cr_expect_eq(last, full);
	free(whole);
	unlink(out);
}

Test(pktindex, refuses_what_it_cannot_map)
{
	char err[256];

	cr_expect_null(pktindex_open("-", err, sizeof err));
	cr_expect(strstr(err, "standard input"), "%s", err);
	cr_expect_null(pktindex_open("/nonexistent/x.pcap", err, sizeof err));
	cr_expect(strstr(err, "cannot open '/nonexistent/x.pcap'"), "%s", err);
	cr_expect_null(pktindex_open("/", err, sizeof err));
}
