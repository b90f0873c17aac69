/* summary: pcap/pcapng reading (classic pcap files parsed directly) and pcap writing over libpcap, nanosecond timestamps, readable errors. */
#include "capture/pcapio.h"

#include <errno.h>
#include <limits.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/errbuf.h"
#include "util/tr.h"
#include "util/safefile.h"

#define PCAPIO_SNAPLEN 262144
#define PCAPIO_BUFSIZE (1u << 20)
#define NS_PER_S 1000000000ull

/*
 * The direct reader for classic pcap files (struct fast). libpcap reads a record with two
 * freads (header, then data), each a copy out of stdio's buffer: on small records that is
 * most of the reading time. For a regular file whose header libpcap has accepted, and whose
 * magic is plain pcap (micro- or nanoseconds, either byte order) at version 2.4 or later,
 * pcapin reads the records itself: pread() into one 1 MiB block (256 KiB at a time, see
 * fast_fill), records parsed in place.
 * libpcap still opens the file (so open errors, link type mapping and snaplen rules stay
 * exactly libpcap's) and still reads pcapng, standard input and pipes.
 *
 * Every record rule below repeats libpcap 1.10's sf-pcap.c pcap_next_packet(), messages
 * included, so a file reads the same through either reader (tests/test_pcapio.c checks
 * each hostile file both ways).
 */
#define PCAPIO_RECHDR 16
#define PCAPIO_MAXCAP 262144u    /* libpcap's max_snaplen_for_dlt() for every link type
                                    the fast path takes */

struct fast {
	int fd;                  /* the FILE's descriptor, read with pread (FILE untouched) */
	off_t off;               /* file offset of buf[end] */
	uint8_t *buf;            /* PCAPIO_BUFSIZE bytes; records parsed from buf[pos..end) */
	size_t pos, end;
	bool eof;                /* read() said end of file: no bytes after buf[end] */
	bool swapped;            /* file written in the other byte order */
	bool micro;              /* microsecond timestamps (scaled up to nanoseconds) */
	uint32_t snapshot;       /* pcap_snapshot(): libpcap's adjusted snaplen */
};

struct pcapin {
	pcap_t *p;
	char *vbuf;              /* stdio buffer of the file pcap owns; freed after pcap_close */
	char *name;
	int state;               /* 1 reading, 0 at end, -1 failed */
	struct fast *fast;       /* NULL: libpcap reads */
	char err[PCAP_ERRBUF_SIZE + 256];
};

struct pcapout {
	pcap_t *dead;
	pcap_dumper_t *d;
	FILE *fp;                /* owned by d; kept to ask ferror() */
	char *vbuf;
	char *name;
	int err_errno;           /* first write error, 0 if none */
	char err[PCAP_ERRBUF_SIZE + 256];
	bool has_sf;             /* opened by name: sf renames the file into place at close */
	struct safefile sf;
};

/* libpcap's open errors, said for a person who gave us a file name. */
static void explain_open_error(const char *name, FILE *fp, const char *pmsg, char *errbuf,
                               size_t errlen)
{
	long size = -1;
	if (fseek(fp, 0, SEEK_END) == 0)
		size = ftell(fp);
	if (size == 0)
		errbuf_set(errbuf, errlen, _("'%s' is empty: not a pcap or pcapng file"), name);
	else if (strstr(pmsg, "unknown file format") || strstr(pmsg, "bad dump file format"))
		errbuf_set(errbuf, errlen, _("'%s' is not a pcap or pcapng file (%s)"), name, pmsg);
	else if (strstr(pmsg, "truncated"))
		errbuf_set(errbuf, errlen, _("'%s' is cut short: its file header is incomplete (%s)"),
		        name, pmsg);
	else
		errbuf_set(errbuf, errlen, _("cannot read '%s': %s"), name, pmsg);
}

/* Link types whose records libpcap hands over untouched: no pseudo-header it byte-swaps
 * (it does for Linux cooked CAN frames in swapped files), no fix-up, and 262144 as its
 * largest sane caplen. */
static bool fast_link(int dlt, bool swapped)
{
	switch (dlt) {
	case DLT_NULL:
	case DLT_EN10MB:
	case DLT_RAW:
	case 14:                    /* DLT_RAW as OpenBSD numbers it, read as raw by dissect.c */
	case DLT_LOOP:
	case DLT_IPV4:
	case DLT_IPV6:
		return true;
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
		return !swapped;
	default:
		return false;
	}
}

static inline uint32_t get32(const uint8_t *p, bool swap)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return swap ? __builtin_bswap32(v) : v;
}

static inline uint16_t get16(const uint8_t *p, bool swap)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return swap ? __builtin_bswap16(v) : v;
}

/*
 * After libpcap accepted fp's header: take over reading when the file qualifies (see
 * struct fast). Anything that does not qualify, or no memory for the block, leaves
 * libpcap reading: never an error of its own.
 */
static void fast_start(struct pcapin *in, FILE *fp)
{
	struct stat st;
	uint8_t h[24];
	int fd = fileno(fp);
	bool swapped, micro;

	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    pread(fd, h, sizeof h, 0) != (ssize_t)sizeof h)
		return;
	uint32_t magic;
	memcpy(&magic, h, 4);
	switch (magic) {
	case 0xa1b2c3d4u: swapped = false; micro = true; break;
	case 0xa1b23c4du: swapped = false; micro = false; break;
	case 0xd4c3b2a1u: swapped = true; micro = true; break;
	case 0x4d3cb2a1u: swapped = true; micro = false; break;
	default: return;        /* pcapng, or a pcap variant with other record headers */
	}
	/* Before 2.4 some writers swapped caplen and len; libpcap guesses, so it reads those. */
	unsigned major = get16(h + 4, swapped), minor = get16(h + 6, swapped);
	int snap = pcap_snapshot(in->p);
	if (major != 2 || minor < 4 || pcap_major_version(in->p) != 2 ||
	    (pcap_is_swapped(in->p) != 0) != swapped || snap <= 0 ||
	    (unsigned)snap > PCAPIO_MAXCAP || !fast_link(pcap_datalink(in->p), swapped))
		return;

	struct fast *f = calloc(1, sizeof *f);
	if (!f || !(f->buf = malloc(PCAPIO_BUFSIZE))) {
		free(f);
		return;
	}
	f->fd = fd;
	f->off = (off_t)sizeof h;
	f->swapped = swapped;
	f->micro = micro;
	f->snapshot = (uint32_t)snap;
	in->fast = f;
}

/* Keep buf[pos..end), moved to the front, and read until it holds need bytes and at least
 * PCAPIO_FASTREAD (or the block is full), or the file ends. 0, or -1 with errno.
 *
 * Why not fill the whole block: records are parsed right after the kernel copied them, and
 * a megabyte copied at once had left the cache (with the flow table) by the time the
 * parser reached its end; on a full-payload capture that miss on each record header was a
 * tenth of 'inspect --stats'. A quarter of the block stays in the core's cache. */
#ifndef PCAPIO_FASTREAD
#define PCAPIO_FASTREAD (256u << 10)
#endif
static int fast_fill(struct fast *f, size_t need)
{
	size_t keep = f->end - f->pos;
	if (keep && f->pos)
		memmove(f->buf, f->buf + f->pos, keep);
	f->pos = 0;
	f->end = keep;
	size_t want = need > PCAPIO_FASTREAD ? need : PCAPIO_FASTREAD;
	if (want > PCAPIO_BUFSIZE)
		want = PCAPIO_BUFSIZE;
	while (f->end < want) {
		ssize_t n = pread(f->fd, f->buf + f->end, want - f->end, f->off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0) {
			f->eof = true;
			break;
		}
		f->end += (size_t)n;
		f->off += n;
	}
	return 0;
}

/* At least need bytes at buf[pos], reading more when the block has fewer; returns how
 * many there are (fewer than need only at the end of the file), or -1 with errno. */
static inline ssize_t fast_have(struct fast *f, size_t need)
{
	size_t have = f->end - f->pos;
	if (have >= need || f->eof)
		return (ssize_t)have;
	if (fast_fill(f, need) < 0)
		return -1;
	return (ssize_t)(f->end - f->pos);
}

/* pcapin_next() for struct fast: libpcap's record rules (see above), as libpcap says them
 * in pm on failure. 1, 0 at the end, -1 with the message in pm. */
static int fast_next(struct fast *f, const uint8_t **pkt, size_t *caplen, size_t *wirelen,
                     uint64_t *ts_ns, char *pm, size_t pmlen)
{
	ssize_t have = fast_have(f, PCAPIO_RECHDR);
	if (have < 0)
		goto ioerr;
	if (have == 0)
		return 0;
	if (have < PCAPIO_RECHDR) {
		snprintf(pm, pmlen, "truncated dump file; tried to read %d header bytes, only got %zd",
		         PCAPIO_RECHDR, have);
		return -1;
	}
	const uint8_t *r = f->buf + f->pos;
	uint32_t cap = get32(r + 8, f->swapped);
	if (cap > PCAPIO_MAXCAP) {
		/* snapshot <= PCAPIO_MAXCAP, so libpcap names the snaplen here. */
		snprintf(pm, pmlen, "invalid packet capture length %u, bigger than snaplen of %u",
		         cap, f->snapshot);
		return -1;
	}
	have = fast_have(f, PCAPIO_RECHDR + (size_t)cap);
	if (have < 0)
		goto ioerr;
	r = f->buf + f->pos;                    /* the block may have moved */
	size_t got = (size_t)have - PCAPIO_RECHDR;
	if (got < cap) {
		/* libpcap reads the first snapshot bytes, then the rest; its message names what
		 * the failing read wanted. */
		uint32_t want = cap > f->snapshot && got < f->snapshot ? f->snapshot : cap;
		snprintf(pm, pmlen, "truncated dump file; tried to read %u captured bytes, only got %zu",
		         want, got);
		return -1;
	}
	/* As libpcap 1.10 takes the time fields: signed 32-bit (its pcap_timeval) in a file of
	 * this machine's byte order, unsigned when it swapped them (its SWAPLONG gives u_int);
	 * microseconds scaled up in a long. Only times past 2038 or fractions over 2^31 differ. */
	uint32_t rsec = get32(r, f->swapped), rfrac = get32(r + 4, f->swapped);
	int64_t sec = f->swapped ? (int64_t)rsec : (int64_t)(int32_t)rsec;
	int64_t frac = f->swapped ? (int64_t)rfrac : (int64_t)(int32_t)rfrac;
	if (f->micro)
		frac *= 1000;
	uint32_t len = get32(r + 12, f->swapped);
	uint32_t keep = cap > f->snapshot ? f->snapshot : cap;  /* the rest is skipped */

	*pkt = r + PCAPIO_RECHDR;
	*caplen = keep;
	*wirelen = len < keep ? keep : len;
	*ts_ns = (uint64_t)sec * NS_PER_S + (uint64_t)frac;
	f->pos += PCAPIO_RECHDR + (size_t)cap;
	return 1;
ioerr:
	snprintf(pm, pmlen, "error reading dump file: %s", strerror(errno));
	return -1;
}

struct pcapin *pcapin_open(const char *path, char *errbuf, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	bool std_in = strcmp(path, "-") == 0;
	struct pcapin *in = calloc(1, sizeof *in);
	FILE *fp = NULL;

	if (!in || !(in->name = strdup(std_in ? _("standard input") : path)) ||
	    !(in->vbuf = malloc(PCAPIO_BUFSIZE))) {
		errbuf_set(errbuf, errlen, _("cannot open '%s': out of memory"), path);
		goto fail;
	}
	fp = std_in ? stdin : fopen(path, "rb");
	if (!fp) {
		errbuf_set(errbuf, errlen, _("cannot open '%s': %s"), path, strerror(errno));
		goto fail;
	}
	setvbuf(fp, in->vbuf, _IOFBF, PCAPIO_BUFSIZE);
	in->p = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, perr);
	if (!in->p) {
		explain_open_error(in->name, fp, perr, errbuf, errlen);
		goto fail;
	}
	in->state = 1;
	if (!std_in)
		fast_start(in, fp);
	return in;
fail:
	if (fp && !std_in)
		fclose(fp);
	if (in) {
		free(in->vbuf);
		free(in->name);
		free(in);
	}
	return NULL;
}

/* A reading error, said as pcapin_error() says it; pm is libpcap's (or fast_next's) text. */
static int in_fail(struct pcapin *in, const char *pm)
{
	if (strstr(pm, "truncated"))
		snprintf(in->err, sizeof in->err,
		         _("cannot read '%s': the file ends in the middle of a packet record (%s)"),
		         in->name, pm);
	else if (strstr(pm, "different from the type of the first interface"))
		/* Wireshark capturing on two adapters at once (on Windows: the loopback adapter
		 * and the Ethernet or Wi-Fi one) writes one file with two link types. */
		snprintf(in->err, sizeof in->err,
		         _("cannot read '%s': it was captured on several interfaces of different kinds"
		           " at once (%s); tcplab reads one kind per file: capture on one interface"
		           " only, or in Wireshark save only one's packets (File > Export Specified"
		           " Packets, with the display filter frame.interface_id == N)"), in->name, pm);
	else
		snprintf(in->err, sizeof in->err, _("cannot read '%s': %s"), in->name, pm);
	in->state = -1;
	return -1;
}

int pcapin_next(struct pcapin *in, const uint8_t **pkt, size_t *caplen, size_t *wirelen,
                uint64_t *ts_ns)
{
	struct pcap_pkthdr *h;
	const u_char *data;

	if (in->state != 1)
		return in->state;
	if (in->fast) {
		char pm[PCAP_ERRBUF_SIZE];
		int r = fast_next(in->fast, pkt, caplen, wirelen, ts_ns, pm, sizeof pm);
		if (r == 0)
			in->state = 0;
		else if (r < 0)
			return in_fail(in, pm);
		return r;
	}
	int r = pcap_next_ex(in->p, &h, &data);
	if (r == PCAP_ERROR_BREAK) {
		in->state = 0;
		return 0;
	}
	if (r != 1)
		return in_fail(in, pcap_geterr(in->p));
	*pkt = data;
	*caplen = h->caplen;
	*wirelen = h->len < h->caplen ? h->caplen : h->len;
	/* With nanosecond precision libpcap puts nanoseconds in tv_usec. */
	*ts_ns = (uint64_t)h->ts.tv_sec * NS_PER_S + (uint64_t)h->ts.tv_usec;
	return 1;
}

const char *pcapin_error(const struct pcapin *in)
{
	return in->err;
}

int pcapin_dlt(const struct pcapin *in)
{
	return pcap_datalink(in->p);
}

void pcapin_free(struct pcapin *in)
{
	if (!in)
		return;
	pcap_close(in->p);          /* closes the FILE, which still uses vbuf */
	if (in->fast) {
		free(in->fast->buf);
		free(in->fast);
	}
	free(in->vbuf);
	free(in->name);
	free(in);
}

static struct pcapout *out_start(FILE *fp, const char *name, int dlt, char *errbuf,
                                 size_t errlen)
{
	struct pcapout *out = calloc(1, sizeof *out);

	if (!out || !(out->name = strdup(name)) || !(out->vbuf = malloc(PCAPIO_BUFSIZE))) {
		errbuf_set(errbuf, errlen, _("cannot write '%s': out of memory"), name);
		goto fail;
	}
	setvbuf(fp, out->vbuf, _IOFBF, PCAPIO_BUFSIZE);
	out->dead = pcap_open_dead_with_tstamp_precision(dlt, PCAPIO_SNAPLEN,
	                                                 PCAP_TSTAMP_PRECISION_NANO);
	if (!out->dead) {
		errbuf_set(errbuf, errlen, _("cannot write '%s': link type %d not supported"), name, dlt);
		goto fail;
	}
	out->d = pcap_dump_fopen(out->dead, fp);
	if (!out->d) {
		errbuf_set(errbuf, errlen, _("cannot write '%s': %s"), name, pcap_geterr(out->dead));
		goto fail;
	}
	out->fp = fp;
	return out;
fail:
	fclose(fp);
	if (out) {
		if (out->dead)
			pcap_close(out->dead);
		free(out->vbuf);
		free(out->name);
		free(out);
	}
	return NULL;
}

struct pcapout *pcapout_open(const char *path, int dlt, char *errbuf, size_t errlen)
{
	struct safefile sf;
	struct pcapout *out;
	FILE *fp;

	if (safefile_open(&sf, path, errbuf, errlen) < 0)
		return NULL;
	fp = fdopen(sf.fd, "wb");
	if (!fp) {
		errbuf_set(errbuf, errlen, _("cannot create '%s': %s"), path, strerror(errno));
		close(sf.fd);
		safefile_abort(&sf);
		return NULL;
	}
	out = out_start(fp, path, dlt, errbuf, errlen);
	if (!out) {
		safefile_abort(&sf);
		return NULL;
	}
	out->sf = sf;
	out->has_sf = true;
	return out;
}

struct pcapout *pcapout_fdopen(int fd, const char *name, int dlt, char *errbuf, size_t errlen)
{
	FILE *fp = fdopen(fd, "wb");
	if (!fp) {
		errbuf_set(errbuf, errlen, _("cannot write '%s': %s"), name, strerror(errno));
		close(fd);
		return NULL;
	}
	return out_start(fp, name, dlt, errbuf, errlen);
}

static int out_fail(struct pcapout *out, int e)
{
	if (!out->err_errno) {
		out->err_errno = e ? e : EIO;
		snprintf(out->err, sizeof out->err, _("cannot write '%s': %s"), out->name,
		         strerror(out->err_errno));
	}
	return -1;
}

int pcapout_write(struct pcapout *out, const uint8_t *pkt, size_t caplen, size_t wirelen,
                  uint64_t ts_ns)
{
	if (out->err_errno)
		return -1;
	if (caplen > PCAPIO_SNAPLEN) {
		snprintf(out->err, sizeof out->err,
		         _("cannot write '%s': packet of %zu bytes is over the snaplen %d"), out->name,
		         caplen, PCAPIO_SNAPLEN);
		return -1;
	}
	struct pcap_pkthdr h;
	memset(&h, 0, sizeof h);
	h.ts.tv_sec = (time_t)(ts_ns / NS_PER_S);
	h.ts.tv_usec = (suseconds_t)(ts_ns % NS_PER_S);   /* nanoseconds: see pcap_open_dead above */
	h.caplen = (bpf_u_int32)caplen;
	h.len = (bpf_u_int32)(wirelen < caplen ? caplen : wirelen > UINT32_MAX ? UINT32_MAX : wirelen);
	errno = 0;
	pcap_dump((u_char *)out->d, &h, pkt);
	if (ferror(out->fp))
		return out_fail(out, errno);
	return 0;
}

const char *pcapout_error(const struct pcapout *out)
{
	return out->err;
}

int pcapout_close(struct pcapout *out, char *errbuf, size_t errlen)
{
	int rc = 0;

	errno = 0;
	if (!out->err_errno && (pcap_dump_flush(out->d) != 0 || ferror(out->fp)))
		out_fail(out, errno);
	/* In place only when every byte got out; a failed file leaves no temporary behind. */
	if (out->has_sf && !out->err_errno &&
	    safefile_commit(&out->sf, out->err, sizeof out->err) < 0)
		out->err_errno = EIO;
	if (out->has_sf)
		safefile_abort(&out->sf);
	/* pcap_dump_close() fcloses without telling, so everything was flushed above. */
	pcap_dump_close(out->d);
	pcap_close(out->dead);
	if (out->err_errno) {
		errbuf_set(errbuf, errlen, "%s", out->err);
		rc = -1;
	}
	free(out->vbuf);
	free(out->name);
	free(out);
	return rc;
}
