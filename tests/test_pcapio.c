/* summary: pcapio tests: nanosecond round trip, hand-made pcap and pcapng files, hostile files, full disk. */
#include <criterion/criterion.h>

#include <errno.h>
#include <stdarg.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <dirent.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
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
	snprintf(want, sizeof want, "cannot create '%s': no such file or directory", path);
	cr_assert_null(pcapout_open(path, 1, err, sizeof err));
	cr_assert_str_eq(err, want);
}

/* ---- never through a link, whole or not at all (util/safefile.h) ---- */

static int dir_entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	cr_assert_not_null(d);
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

Test(pcapio, a_symbolic_link_is_refused_and_its_target_untouched)
{
	char err[512] = "", want[512];
	struct stat st;

	cr_assert_eq(symlink(tmp("victim"), tmp("cap.pcap")), 0);
	cr_expect_null(pcapout_open(tmp("cap.pcap"), 1, err, sizeof err));
	snprintf(want, sizeof want, "'%s' is a symbolic link: tcplab does not write through links"
	         " (remove it, or give another name)", tmp("cap.pcap"));
	cr_expect_str_eq(err, want);
	cr_expect_eq(lstat(tmp("victim"), &st), -1, "the link's target was created");
	cr_expect_eq(dir_entries(), 1, "a temporary file was left");
}

Test(pcapio, the_file_appears_at_close_and_a_failed_one_leaves_nothing)
{
	char err[512] = "";
	static uint8_t pkt[65536];
	struct rlimit small = { 4096, 4096 };
	struct pcapout *o = pcapout_open(tmp("ok.pcap"), 1, err, sizeof err);

	cr_assert_not_null(o, "%s", err);
	cr_assert_eq(pcapout_write(o, syn, sizeof syn, sizeof syn, 1), 0);
	cr_expect_eq(access(tmp("ok.pcap"), F_OK), -1, "visible before close");
	cr_assert_eq(pcapout_close(o, err, sizeof err), 0, "%s", err);
	cr_expect_eq(access(tmp("ok.pcap"), F_OK), 0);

	/* Files over 4 KiB fail with EFBIG (this test runs in a process of its own). */
	signal(SIGXFSZ, SIG_IGN);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &small), 0);
	o = pcapout_open(tmp("big.pcap"), 1, err, sizeof err);
	cr_assert_not_null(o, "%s", err);
	for (int i = 0; i < 40; i++)
		pcapout_write(o, pkt, sizeof pkt, sizeof pkt, (uint64_t)i);
	cr_expect_eq(pcapout_close(o, err, sizeof err), -1);
	cr_expect(strstr(err, "File too large"), "%s", err);
	cr_expect_eq(access(tmp("big.pcap"), F_OK), -1, "a failed capture was put in place");
	cr_expect_eq(dir_entries(), 1, "a temporary file was left");
}

/* ---- the direct reader for classic pcap files, against libpcap's ---- */

/*
 * A regular classic pcap file is read by pcapio itself; standard input always goes through
 * libpcap. So each file below is read both ways and every packet (time, lengths, bytes) and
 * the final result and message must agree, then the values are checked against what the
 * file was built to hold, so a bug common to both readers still fails.
 */

struct gbuf {
	uint8_t *b;
	size_t n, cap;
	bool be;                 /* write header fields big-endian */
};

static void gput(struct gbuf *g, const void *p, size_t n)
{
	if (g->n + n > g->cap) {
		g->cap = (g->n + n) * 2;
		g->b = realloc(g->b, g->cap);
		cr_assert_not_null(g->b);
	}
	memcpy(g->b + g->n, p, n);
	g->n += n;
}

static void gput32(struct gbuf *g, uint32_t v)
{
	uint8_t x[4];
	for (int i = 0; i < 4; i++)
		x[g->be ? 3 - i : i] = (uint8_t)(v >> (8 * i));
	gput(g, x, 4);
}

static void gput16(struct gbuf *g, uint16_t v)
{
	uint8_t x[2];
	x[g->be ? 1 : 0] = (uint8_t)v;
	x[g->be ? 0 : 1] = (uint8_t)(v >> 8);
	gput(g, x, 2);
}

static void ghead(struct gbuf *g, bool nano, uint32_t snaplen, uint32_t linktype)
{
	gput32(g, nano ? 0xa1b23c4d : 0xa1b2c3d4);
	gput16(g, 2);
	gput16(g, 4);
	gput32(g, 0);
	gput32(g, 0);
	gput32(g, snaplen);
	gput32(g, linktype);
}

/* Record whose data is datalen bytes of a pattern seeded by seed. */
static void grec(struct gbuf *g, uint32_t sec, uint32_t frac, uint32_t caplen, uint32_t len,
                 size_t datalen, unsigned seed)
{
	gput32(g, sec);
	gput32(g, frac);
	gput32(g, caplen);
	gput32(g, len);
	for (size_t i = 0; i < datalen; i++) {
		uint8_t c = (uint8_t)(i * 31 + seed * 7 + (i >> 8));
		gput(g, &c, 1);
	}
}

static void gsave(const char *path, const struct gbuf *g, size_t n)
{
	FILE *fp = fopen(path, "wb");
	cr_assert_not_null(fp);
	cr_assert_eq(fwrite(g->b, 1, n, fp), n);
	cr_assert_eq(fclose(fp), 0);
}

static uint64_t fnv(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

/* Everything pcapin says about a file, as text: one line a packet, then the end. The
 * reader's name for the file is replaced by NAME so both readers' messages compare. */
struct trace {
	char *s;
	size_t n, cap;
	size_t packets;
	int last;                /* 0 or -1 */
};

static void tprintf(struct trace *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tprintf(struct trace *t, const char *fmt, ...)
{
	va_list ap;
	char line[512];
	va_start(ap, fmt);
	int k = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	cr_assert(k >= 0 && (size_t)k < sizeof line);
	if (t->n + (size_t)k + 1 > t->cap) {
		t->cap = (t->n + (size_t)k + 1) * 2;
		t->s = realloc(t->s, t->cap);
		cr_assert_not_null(t->s);
	}
	memcpy(t->s + t->n, line, (size_t)k + 1);
	t->n += (size_t)k;
}

static void trace_read(const char *path, const char *name, struct trace *t)
{
	char err[256] = "";
	memset(t, 0, sizeof *t);
	tprintf(t, "%s", "");
	struct pcapin *in = pcapin_open(path, err, sizeof err);
	if (!in) {
		tprintf(t, "open failed\n");
		t->last = -2;
		return;
	}
	const uint8_t *p;
	size_t cl, wl;
	uint64_t ts;
	int r;
	while ((r = pcapin_next(in, &p, &cl, &wl, &ts)) == 1) {
		t->packets++;
		tprintf(t, "%llu %zu %zu %016llx\n", (unsigned long long)ts, cl, wl,
		        (unsigned long long)fnv(p, cl));
	}
	t->last = r;
	const char *e = pcapin_error(in);
	const char *at = strstr(e, name);
	if (at)
		tprintf(t, "end %d %.*sNAME%s\n", r, (int)(at - e), e, at + strlen(name));
	else
		tprintf(t, "end %d %s\n", r, e);
	cr_assert_eq(pcapin_next(in, &p, &cl, &wl, &ts), r, "the end stays the end");
	pcapin_free(in);
}

/* The same file read by libpcap, as standard input of a child process. */
static void trace_read_stdin(const char *path, struct trace *t)
{
	int pfd[2];
	cr_assert_eq(pipe(pfd), 0);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		close(pfd[0]);
		int fd = open(path, O_RDONLY);
		if (fd < 0 || dup2(fd, 0) < 0)
			_exit(3);
		struct trace c;
		trace_read("-", "standard input", &c);
		char tail[32];
		int k = snprintf(tail, sizeof tail, "#%zu %d", c.packets, c.last);
		if (write(pfd[1], c.s, c.n) != (ssize_t)c.n || write(pfd[1], tail, (size_t)k) != k)
			_exit(4);
		_exit(0);
	}
	close(pfd[1]);
	memset(t, 0, sizeof *t);
	char buf[65536];
	ssize_t k;
	t->cap = 1;
	t->s = calloc(1, 1);
	while ((k = read(pfd[0], buf, sizeof buf)) > 0) {
		t->s = realloc(t->s, t->n + (size_t)k + 1);
		cr_assert_not_null(t->s);
		memcpy(t->s + t->n, buf, (size_t)k);
		t->n += (size_t)k;
		t->s[t->n] = '\0';
	}
	close(pfd[0]);
	int st;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "libpcap child failed");
	char *tail = strrchr(t->s, '#');
	cr_assert_not_null(tail);
	cr_assert_eq(sscanf(tail, "#%zu %d", &t->packets, &t->last), 2);
	*tail = '\0';
	t->n = (size_t)(tail - t->s);
}

/* Read path both ways; they must agree. Returns the direct reader's trace (caller frees). */
static struct trace both_ways(const char *path)
{
	struct trace a, b;
	trace_read(path, path, &a);
	trace_read_stdin(path, &b);
	cr_assert_str_eq(a.s, b.s, "%s: the direct reader and libpcap differ:\n%s\n%s", path, a.s, b.s);
	free(b.s);
	return a;
}

static void check_orders_and_precisions(bool be, bool nano)
{
	struct gbuf g = { .be = be };
	ghead(&g, nano, 262144, 1);
	uint32_t frac = nano ? 123456789 : 123456;
	grec(&g, 1700000000, frac, 60, 60, 60, 1);
	grec(&g, 1700000001, 0, 0, 0, 0, 2);                     /* empty record */
	grec(&g, 1700000002, 5, 54, 1514, 54, 3);                /* snapped */
	grec(&g, 1700000003, 6, 70, 40, 70, 4);                  /* original below caplen */
	grec(&g, 0x80000000u, nano ? 999999999 : 999999, 20, 20, 20, 5); /* past 2038 */
	grec(&g, 7, 0xfffffff0u, 20, 20, 20, 6);                  /* fraction out of range */
	const char *path = tmp("order.pcap");
	gsave(path, &g, g.n);

	struct trace t = both_ways(path);
	cr_assert_eq(t.last, 0, "%s", t.s);
	cr_assert_eq(t.packets, 6);
	char first[64];
	snprintf(first, sizeof first, "1700000000123456%s 60 60 ", nano ? "789" : "000");
	cr_assert(!strncmp(t.s, first, strlen(first)), "%s", t.s);
	cr_assert(strstr(t.s, "\n170000000200000") && strstr(t.s, " 54 1514 "), "%s", t.s);
	cr_assert(strstr(t.s, " 70 70 "), "wirelen raised to caplen: %s", t.s);
	free(t.s);
	free(g.b);
}

Test(pcapio, direct_reader_little_endian_microseconds) { check_orders_and_precisions(false, false); }
Test(pcapio, direct_reader_little_endian_nanoseconds) { check_orders_and_precisions(false, true); }
Test(pcapio, direct_reader_big_endian_microseconds) { check_orders_and_precisions(true, false); }
Test(pcapio, direct_reader_big_endian_nanoseconds) { check_orders_and_precisions(true, true); }

Test(pcapio, direct_reader_hands_out_records_in_place)
{
	/* White-box: the point of the direct reader is no per-record copy, so consecutive
	 * records sit one after the other in its block. libpcap's buffer would not. */
	struct gbuf g = { 0 };
	ghead(&g, true, 262144, 1);
	grec(&g, 1, 1, 60, 60, 60, 1);
	grec(&g, 1, 2, 60, 60, 60, 2);
	gsave(tmp("inplace.pcap"), &g, g.n);
	char err[256];
	struct pcapin *in = pcapin_open(tmp("inplace.pcap"), err, sizeof err);
	cr_assert_not_null(in, "%s", err);
	const uint8_t *p1, *p2;
	size_t cl, wl;
	uint64_t ts;
	cr_assert_eq(pcapin_next(in, &p1, &cl, &wl, &ts), 1);
	cr_assert_eq(pcapin_next(in, &p2, &cl, &wl, &ts), 1);
	cr_assert_eq(p2, p1 + 60 + 16);
	pcapin_free(in);
	free(g.b);
}

/* Records of size recsz (header included) until the file passes 3 MiB, so that the direct
 * reader's read boundaries (every 256 KiB, PCAPIO_FASTREAD, in a 1 MiB block) fall inside
 * records; shift moves where. */
static void check_straddle(size_t recsz, size_t shift, bool be)
{
	struct gbuf g = { .be = be };
	ghead(&g, true, 262144, 1);
	unsigned i = 0;
	if (shift)
		grec(&g, 1, 0, (uint32_t)(shift - 16), (uint32_t)(shift - 16), shift - 16, 999);
	while (g.n < 3 * 1048576 + 5000) {
		grec(&g, 2 + i, i, (uint32_t)(recsz - 16), 1514, recsz - 16, i);
		i++;
	}
	const char *path = tmp("straddle.pcap");
	gsave(path, &g, g.n);
	struct trace t = both_ways(path);
	cr_assert_eq(t.last, 0, "%s", t.s + (t.n > 300 ? t.n - 300 : 0));
	cr_assert_eq(t.packets, i + (shift ? 1 : 0));
	free(t.s);
	free(g.b);
}

Test(pcapio, record_straddling_the_block_boundary, .timeout = 60)
{
	/* 262144 - 24 = 262120 bytes of records fit the first read: with 100-byte records
	 * the boundary falls 20 bytes into one (in its data); shifting by 16..60 puts it in a
	 * record header at every offset. Records of 256 KiB and more need reads past
	 * PCAPIO_FASTREAD. */
	for (size_t shift = 0; shift <= 64; shift += 4)
		check_straddle(100, shift ? 16 + shift : 0, false);
	check_straddle(16 + 262144, 0, false);    /* the largest record, across blocks */
	check_straddle(16 + 262144, 777, true);
	check_straddle(16 + 65535, 0, true);
}

/* One good record, then a second one cut at cut bytes; both readers must say the same. */
static void check_cut(size_t cut, bool be, uint32_t snaplen, uint32_t caplen)
{
	struct gbuf g = { .be = be };
	ghead(&g, true, snaplen, 1);
	grec(&g, 1, 2, 60, 60, 60, 1);
	size_t second = g.n;
	grec(&g, 1, 3, caplen, caplen, caplen, 2);
	const char *path = tmp("cutn.pcap");
	gsave(path, &g, second + cut);
	struct trace t = both_ways(path);
	cr_assert_eq(t.packets, 1, "cut %zu: %s", cut, t.s);
	if (cut == 0) {
		cr_assert_eq(t.last, 0, "a file ending between records just ends");
	} else {
		cr_assert_eq(t.last, -1, "cut %zu", cut);
		cr_assert(strstr(t.s, "cannot read 'NAME': the file ends in the middle of a packet "
		                 "record (truncated dump file; tried to read "), "cut %zu: %s", cut, t.s);
	}
	free(t.s);
	free(g.b);
}

Test(pcapio, truncation_at_every_point_of_the_last_record, .timeout = 120)
{
	for (size_t cut = 0; cut < 16 + 60; cut++) {
		check_cut(cut, false, 262144, 60);
		check_cut(cut, true, 262144, 60);
	}
	/* A record over the snaplen: cut before and after the kept part. */
	for (size_t cut = 16; cut < 16 + 80; cut += 3)
		check_cut(cut, false, 40, 80);
}

Test(pcapio, direct_reader_caplen_of_4_gigabytes_both_orders)
{
	for (int be = 0; be < 2; be++) {
		struct gbuf g = { .be = be };
		ghead(&g, true, 65535, 1);
		grec(&g, 1, 2, 60, 60, 60, 1);
		grec(&g, 1, 2, 0xffffffffu, 0xffffffffu, 60, 2);
		gsave(tmp("4gb.pcap"), &g, g.n);
		struct trace t = both_ways(tmp("4gb.pcap"));
		cr_assert_eq(t.last, -1);
		cr_assert(strstr(t.s, "cannot read 'NAME': invalid packet capture length 4294967295"),
		          "%s", t.s);
		free(t.s);
		free(g.b);
	}
}

Test(pcapio, direct_reader_caplen_just_over_the_limit)
{
	struct gbuf g = { 0 };
	ghead(&g, false, 0, 1);                   /* snaplen 0: libpcap takes its maximum */
	grec(&g, 1, 2, 262144, 262144, 262144, 1);
	grec(&g, 1, 3, 262145, 262145, 262145, 2);
	gsave(tmp("limit.pcap"), &g, g.n);
	struct trace t = both_ways(tmp("limit.pcap"));
	cr_assert_eq(t.packets, 1, "%s", t.s);
	cr_assert_eq(t.last, -1);
	cr_assert(strstr(t.s, "invalid packet capture length 262145"), "%s", t.s);
	free(t.s);
	free(g.b);
}

Test(pcapio, direct_reader_caplen_over_snaplen_and_over_original_length)
{
	for (int be = 0; be < 2; be++) {
		struct gbuf g = { .be = be };
		ghead(&g, false, 20, 101);
		grec(&g, 1, 0, 40, 40, 40, 1);
		grec(&g, 2, 0, 40, 30, 40, 2);
		grec(&g, 3, 0, 10, 5, 10, 3);
		gsave(tmp("snap2.pcap"), &g, g.n);
		struct trace t = both_ways(tmp("snap2.pcap"));
		cr_assert_eq(t.last, 0, "%s", t.s);
		cr_assert_eq(t.packets, 3);
		cr_assert(strstr(t.s, "1000000000 20 40 ") && strstr(t.s, "2000000000 20 30 ") &&
		          strstr(t.s, "3000000000 10 10 "), "%s", t.s);
		free(t.s);
		free(g.b);
	}
}

Test(pcapio, files_libpcap_keeps_reading_agree_too)
{
	/* Version 2.3 (libpcap guesses swapped lengths) and a swapped cooked capture stay
	 * with libpcap; the direct reader must not take them, and they read the same. */
	struct gbuf g = { .be = true };
	gput32(&g, 0xa1b2c3d4);
	gput16(&g, 2);
	gput16(&g, 3);
	gput32(&g, 0);
	gput32(&g, 0);
	gput32(&g, 65535);
	gput32(&g, 1);
	grec(&g, 1, 0, 60, 40, 60, 1);            /* caplen > len: 2.3 swaps them */
	gsave(tmp("v23.pcap"), &g, g.n);
	struct trace t = both_ways(tmp("v23.pcap"));
	cr_assert_eq(t.packets, 1);
	free(t.s);
	free(g.b);

	struct gbuf h = { .be = true };
	ghead(&h, true, 65535, 113);
	grec(&h, 1, 0, 60, 60, 60, 1);
	gsave(tmp("sll.pcap"), &h, h.n);
	t = both_ways(tmp("sll.pcap"));
	cr_assert_eq(t.packets, 1);
	free(t.s);
	free(h.b);
}
