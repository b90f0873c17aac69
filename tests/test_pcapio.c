/* summary: pcapio tests: nanosecond round trip, hand-made pcap and pcapng files, hostile files, full disk. */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/dissect.h"
#include "capture/pcapio.h"

static char dir[64];

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb; (void)flag; (void)ftw;
	return remove(p);
}

static void setup(void)
{
	strcpy(dir, "/tmp/tcplab-pcapio-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

TestSuite(pcapio, .init = setup, .fini = teardown, .timeout = 20);

static const char *tmp(const char *name)
{
	static char p[2][128];
	static int i;
	i ^= 1;
	snprintf(p[i], sizeof p[i], "%s/%s", dir, name);
	return p[i];
}

/* ---- building files byte by byte ---- */

struct bytes {
	uint8_t b[4096];
	size_t n;
};

static void put(struct bytes *f, const void *p, size_t n)
{
	cr_assert_leq(f->n + n, sizeof f->b);
	memcpy(f->b + f->n, p, n);
	f->n += n;
}

static void put16(struct bytes *f, uint16_t v)
{
	uint8_t x[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
	put(f, x, 2);
}

static void put32(struct bytes *f, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
	put(f, x, 4);
}

static void save(const char *path, const struct bytes *f, size_t n)
{
	FILE *fp = fopen(path, "wb");
	cr_assert_not_null(fp);
	cr_assert_eq(fwrite(f->b, 1, n, fp), n);
	cr_assert_eq(fclose(fp), 0);
}

/* Classic pcap, little-endian. */
static void pcap_header(struct bytes *f, bool nano, uint32_t snaplen, uint32_t linktype)
{
	put32(f, nano ? 0xa1b23c4d : 0xa1b2c3d4);
	put16(f, 2);
	put16(f, 4);
	put32(f, 0);
	put32(f, 0);
	put32(f, snaplen);
	put32(f, linktype);
}

static void pcap_record(struct bytes *f, uint32_t sec, uint32_t frac, uint32_t caplen,
                        uint32_t len, const void *data, size_t datalen)
{
	put32(f, sec);
	put32(f, frac);
	put32(f, caplen);
	put32(f, len);
	put(f, data, datalen);
}

/* A raw IPv4 SYN 10.0.0.1:41652 > 10.0.0.2:5555, 20-byte TCP header. */
static const uint8_t syn[40] = {
	0x45, 0x00, 0x00, 0x28, 0x00, 0x01, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00,
	10, 0, 0, 1, 10, 0, 0, 2,
	0xa2, 0xb4, 0x15, 0xb3, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0,
};

/* ---- round trip ---- */

Test(pcapio, round_trip_keeps_nanoseconds_lengths_and_bytes)
{
	char err[256] = "";
	uint8_t big[1500];
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (uint8_t)(i * 7);
	const uint64_t ts[3] = { 1700000000123456789ull, 1700000000123456790ull, 999999999ull };

	struct pcapout *o = pcapout_open(tmp("rt.pcap"), 12, err, sizeof err);
	cr_assert_not_null(o, "%s", err);
	cr_assert_eq(pcapout_write(o, syn, sizeof syn, sizeof syn, ts[0]), 0);
	cr_assert_eq(pcapout_write(o, big, 96, 1500, ts[1]), 0);    /* snapped at 96 */
	cr_assert_eq(pcapout_write(o, big, 0, 0, ts[2]), 0);
	cr_assert_eq(pcapout_close(o, err, sizeof err), 0, "%s", err);

	FILE *fp = fopen(tmp("rt.pcap"), "rb");
	uint8_t magic[4];
	cr_assert_eq(fread(magic, 1, 4, fp), 4);
	fclose(fp);
	cr_assert_arr_eq(magic, ((uint8_t[]){ 0x4d, 0x3c, 0xb2, 0xa1 }), 4, "nanosecond magic");

	struct pcapin *in = pcapin_open(tmp("rt.pcap"), err, sizeof err);
	cr_assert_not_null(in, "%s", err);
	cr_assert_eq(pcapin_dlt(in), 12);
	const uint8_t *p;
	size_t cl, wl;
	uint64_t t;
	cr_assert_eq(pcapin_next(in, &p, &cl, &wl, &t), 1);
	cr_assert_eq(t, ts[0]);
	cr_assert_eq(cl, sizeof syn);
	cr_assert_eq(wl, sizeof syn);
	cr_assert_arr_eq(p, syn, sizeof syn);
	struct tcp_segment s = { 0 };
	cr_assert_eq(dissect_packet(pcapin_dlt(in), p, cl, &s, err, sizeof err), DISSECT_TCP);
	cr_assert_eq(s.dport, 5555);
	cr_assert_eq(pcapin_next(in, &p, &cl, &wl, &t), 1);
	cr_assert_eq(t, ts[1]);
	cr_assert_eq(cl, 96);
	cr_assert_eq(wl, 1500);
	cr_assert_arr_eq(p, big, 96);
	cr_assert_eq(pcapin_next(in, &p, &cl, &wl, &t), 1);
	cr_assert_eq(t, ts[2]);
	cr_assert_eq(cl, 0);
	cr_assert_eq(pcapin_next(in, &p, &cl, &wl, &t), 0);
	cr_assert_eq(pcapin_next(in, &p, &cl, &wl, &t), 0, "end of file stays the end");
	cr_assert_str_empty(pcapin_error(in));
	pcapin_free(in);
}

Test(pcapio, fdopen_writer_and_oversize_packet_refused)
{
	char err[256] = "";
	int fd = open(tmp("fd.pcap"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	cr_assert_geq(fd, 0);
	struct pcapout *o = pcapout_fdopen(fd, "fd.pcap", 1, err, sizeof err);
	cr_assert_not_null(o, "%s", err);
	static uint8_t huge[262145];
	cr_assert_eq(pcapout_write(o, huge, sizeof huge, sizeof huge, 1), -1);
	cr_assert(strstr(pcapout_error(o), "over the snaplen"), "%s", pcapout_error(o));
	cr_assert_eq(pcapout_write(o, huge, 14, 14, 2), 0, "a refused packet is not sticky");
	cr_assert_eq(pcapout_close(o, err, sizeof err), 0, "%s", err);

	struct pcapin *in = pcapin_open(tmp("fd.pcap"), err, sizeof err);
	cr_assert_not_null(in, "%s", err);
	cr_assert_eq(pcapin_dlt(in), 1);
	const uint8_t *p;
	size_t cl, wl;
	uint64_t t;
	cr_assert_eq(pcapin_next(in, &p, &cl, &wl, &t), 1);
	cr_assert_eq(t, 2);
	cr_assert_eq(pcapin_next(in, &p, &cl, &wl, &t), 0);
	pcapin_free(in);
}

/* ---- files made by hand ---- */

Test(pcapio, microsecond_pcap_is_read_in_nanoseconds)
{
	struct bytes f = { .n = 0 };
	pcap_header(&f, false, 65535, 101);
	pcap_record(&f, 1700000000, 123456, sizeof syn, sizeof syn, syn, sizeof syn);
	save(tmp("us.pcap"), &f, f.n);

	char err[256] = "";
	struct pcapin *in = pcapin_open(tmp("us.pcap"), err, sizeof err);
	cr_assert_not_null(in, "%s", err);
	const uint8_t *p;
	size_t cl, wl;
	uint64_t t;
	cr_assert_eq(pcapin_next(in, &p, &cl, &wl, &t), 1);
	cr_assert_eq(t, 1700000000123456000ull);
	cr_assert_eq(pcapin_next(in, &p, &cl, &wl, &t), 0);
	pcapin_free(in);
}

/* SHB, IDB (LINKTYPE_RAW; if_tsresol when tsresol >= 0), EPB with the SYN. */
static void pcapng_file(struct bytes *f, int tsresol, uint64_t ts_units)
{
	put32(f, 0x0a0d0d0a);                    /* SHB */
	put32(f, 28);
	put32(f, 0x1a2b3c4d);
	put16(f, 1);
	put16(f, 0);
	put32(f, 0xffffffff);
	put32(f, 0xffffffff);
	put32(f, 28);

	uint32_t idblen = tsresol >= 0 ? 32 : 20;
	put32(f, 1);                             /* IDB */
	put32(f, idblen);
	put16(f, 101);
	put16(f, 0);
	put32(f, 262144);
	if (tsresol >= 0) {
		put16(f, 9);                     /* if_tsresol */
		put16(f, 1);
		put32(f, (uint32_t)tsresol);     /* value byte + 3 padding */
		put32(f, 0);                     /* opt_endofopt */
	}
	put32(f, idblen);

	put32(f, 6);                             /* EPB */
	put32(f, 32 + sizeof syn);
	put32(f, 0);
	put32(f, (uint32_t)(ts_units >> 32));
	put32(f, (uint32_t)ts_units);
	put32(f, sizeof syn);
	put32(f, 1500);
	put(f, syn, sizeof syn);                 /* 40: already a multiple of 4 */
	put32(f, 32 + sizeof syn);
}

Test(pcapio, pcapng_with_nanosecond_tsresol)
{
	struct bytes f = { .n = 0 };
	pcapng_file(&f, 9, 1700000000123456789ull);
	save(tmp("ns.pcapng"), &f, f.n);

	char err[256] = "";
	struct pcapin *in = pcapin_open(tmp("ns.pcapng"), err, sizeof err);
	cr_assert_not_null(in, "%s", err);
	cr_assert(pcapin_dlt(in) == 12 || pcapin_dlt(in) == 101, "dlt %d", pcapin_dlt(in));
	const uint8_t *p;
	size_t cl, wl;
	uint64_t t;
	cr_assert_eq(pcapin_next(in, &p, &cl, &wl, &t), 1, "%s", pcapin_error(in));
	cr_assert_eq(t, 1700000000123456789ull);
	cr_assert_eq(cl, sizeof syn);
	cr_assert_eq(wl, 1500);
	cr_assert_arr_eq(p, syn, sizeof syn);
	struct tcp_segment s = { 0 };
	cr_assert_eq(dissect_packet(pcapin_dlt(in), p, cl, &s, err, sizeof err), DISSECT_TCP, "%s", err);
	cr_assert_eq(s.sport, 41652);
	cr_assert_eq(pcapin_next(in, &p, &cl, &wl, &t), 0);
	pcapin_free(in);
}

Test(pcapio, pcapng_default_microsecond_resolution)
{
	struct bytes f = { .n = 0 };
	pcapng_file(&f, -1, 1700000000123456ull);
	save(tmp("us.pcapng"), &f, f.n);

	char err[256] = "";
	struct pcapin *in = pcapin_open(tmp("us.pcapng"), err, sizeof err);
	cr_assert_not_null(in, "%s", err);
	const uint8_t *p;
	size_t cl, wl;
	uint64_t t;
	cr_assert_eq(pcapin_next(in, &p, &cl, &wl, &t), 1, "%s", pcapin_error(in));
	cr_assert_eq(t, 1700000000123456000ull);
	pcapin_free(in);
}

/* ---- hostile files ---- */

static void open_fails(const char *path, const char *want)
{
	char err[256] = "";
	struct pcapin *in = pcapin_open(path, err, sizeof err);
	cr_assert_null(in);
	cr_assert(strstr(err, want), "message '%s' lacks '%s'", err, want);
}

Test(pcapio, missing_file)
{
	char want[256];
	snprintf(want, sizeof want, "cannot open '%s': No such file or directory", tmp("nope.pcap"));
	open_fails(tmp("nope.pcap"), want);
}

Test(pcapio, empty_file)
{
	struct bytes f = { .n = 0 };
	save(tmp("empty.pcap"), &f, 0);
	char want[256];
	snprintf(want, sizeof want, "'%s' is empty", tmp("empty.pcap"));
	open_fails(tmp("empty.pcap"), want);
}

Test(pcapio, wrong_magic)
{
	struct bytes f = { .n = 0 };
	put(&f, "GET / HTTP/1.1\r\nHost: example\r\n\r\n", 33);
	save(tmp("http.txt"), &f, f.n);
	char want[256];
	snprintf(want, sizeof want, "'%s' is not a pcap or pcapng file (", tmp("http.txt"));
	open_fails(tmp("http.txt"), want);
}

Test(pcapio, truncated_file_header)
{
	struct bytes f = { .n = 0 };
	pcap_header(&f, true, 65535, 1);
	save(tmp("hdr.pcap"), &f, 10);
	char want[256];
	snprintf(want, sizeof want, "'%s' is cut short", tmp("hdr.pcap"));
	open_fails(tmp("hdr.pcap"), want);
}

/* One good record, then the second cut at cut bytes into it. */
static void truncated_record(size_t cut)
{
	struct bytes f = { .n = 0 };
	pcap_header(&f, true, 65535, 101);
	pcap_record(&f, 1, 2, sizeof syn, sizeof syn, syn, sizeof syn);
	size_t second = f.n;
	pcap_record(&f, 1, 3, sizeof syn, sizeof syn, syn, sizeof syn);
	save(tmp("cut.pcap"), &f, second + cut);

	char err[256] = "";
	struct pcapin *in = pcapin_open(tmp("cut.pcap"), err, sizeof err);
	cr_assert_not_null(in, "%s", err);
	const uint8_t *p;
	size_t cl, wl;
	uint64_t t;
	cr_assert_eq(pcapin_next(in, &p, &cl, &wl, &t), 1);
	cr_assert_eq(t, 1000000002ull);
	cr_assert_eq(pcapin_next(in, &p, &cl, &wl, &t), -1, "cut at %zu", cut);
	cr_assert(strstr(pcapin_error(in), "truncated"), "cut at %zu: '%s'", cut, pcapin_error(in));
	cr_assert(strstr(pcapin_error(in), "cannot read '"), "%s", pcapin_error(in));
	cr_assert_eq(pcapin_next(in, &p, &cl, &wl, &t), -1, "the error stays");
	pcapin_free(in);
}

Test(pcapio, truncated_last_record_is_an_error_not_eof)
{
	truncated_record(5);             /* inside the record header */
	truncated_record(16 + 20);       /* inside the packet bytes */
}

Test(pcapio, record_caplen_of_4_gigabytes)
{
	struct bytes f = { .n = 0 };
	pcap_header(&f, true, 65535, 101);
	pcap_record(&f, 1, 2, 0xffffffffu, 0xffffffffu, syn, sizeof syn);
	save(tmp("4g.pcap"), &f, f.n);

	char err[256] = "";
	struct pcapin *in = pcapin_open(tmp("4g.pcap"), err, sizeof err);
	cr_assert_not_null(in, "%s", err);
	const uint8_t *p;
	size_t cl, wl;
	uint64_t t;
	cr_assert_eq(pcapin_next(in, &p, &cl, &wl, &t), -1);
	cr_assert(strstr(pcapin_error(in), "4294967295"), "%s", pcapin_error(in));
	pcapin_free(in);
}

Test(pcapio, caplen_over_snaplen_and_over_original_length)
{
	struct bytes f = { .n = 0 };
	pcap_header(&f, true, 20, 101);                 /* snaplen 20 */
	pcap_record(&f, 1, 0, sizeof syn, sizeof syn, syn, sizeof syn);
	pcap_record(&f, 2, 0, sizeof syn, 30, syn, sizeof syn); /* original shorter than caplen */
	save(tmp("snap.pcap"), &f, f.n);

	char err[256] = "";
	struct pcapin *in = pcapin_open(tmp("snap.pcap"), err, sizeof err);
	cr_assert_not_null(in, "%s", err);
	const uint8_t *p;
	size_t cl, wl;
	uint64_t t;
	/* libpcap keeps the first snaplen bytes and skips the rest of the record. */
	cr_assert_eq(pcapin_next(in, &p, &cl, &wl, &t), 1, "%s", pcapin_error(in));
	cr_assert_leq(cl, sizeof syn);
	cr_assert_arr_eq(p, syn, cl);
	cr_assert_geq(wl, cl);
	cr_assert_eq(pcapin_next(in, &p, &cl, &wl, &t), 1, "%s", pcapin_error(in));
	cr_assert_eq(t, 2000000000ull, "the reader stayed in step with the records");
	cr_assert_geq(wl, cl, "caplen %zu wirelen %zu", cl, wl);
	cr_assert_eq(pcapin_next(in, &p, &cl, &wl, &t), 0);
	pcapin_free(in);
}

/* ---- write errors ---- */

Test(pcapio, full_disk_is_reported_at_close)
{
	char err[256] = "";
	struct pcapout *o = pcapout_open("/dev/full", 1, err, sizeof err);
	cr_assert_not_null(o, "%s", err);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(pcapout_write(o, syn, sizeof syn, sizeof syn, (uint64_t)i), 0,
		             "buffered writes succeed");
	cr_assert_eq(pcapout_close(o, err, sizeof err), -1);
	cr_assert_str_eq(err, "cannot write '/dev/full': No space left on device");
}

Test(pcapio, full_disk_fails_the_write_that_overflows_the_buffer_and_sticks)
{
	char err[256] = "";
	static uint8_t pkt[65536];
	struct pcapout *o = pcapout_open("/dev/full", 1, err, sizeof err);
	cr_assert_not_null(o, "%s", err);
	int failed_at = -1;
	for (int i = 0; i < 64 && failed_at < 0; i++)
		if (pcapout_write(o, pkt, sizeof pkt, sizeof pkt, (uint64_t)i) != 0)
			failed_at = i;
	cr_assert_geq(failed_at, 0, "4 MiB into /dev/full must fail");
	cr_assert_str_eq(pcapout_error(o), "cannot write '/dev/full': No space left on device");
	cr_assert_eq(pcapout_write(o, pkt, 10, 10, 99), -1, "sticky");
	cr_assert_eq(pcapout_close(o, err, sizeof err), -1);
	cr_assert_str_eq(err, "cannot write '/dev/full': No space left on device");
}

Test(pcapio, cannot_create_in_missing_directory)
{
	char err[256] = "", want[256];
	const char *path = tmp("no/such/dir.pcap");
	snprintf(want, sizeof want, "cannot create '%s': No such file or directory", path);
	cr_assert_null(pcapout_open(path, 1, err, sizeof err));
	cr_assert_str_eq(err, want);
}
