/* summary: index a mapped pcap/pcapng file segment by segment, decoding again only on demand. */
#include "capture/pktindex.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture/dissect.h"
#include "util/errbuf.h"
#include "util/tr.h"

/*
 * Why not pcapio: libpcap's reader hands out packets but not where they lie in the file,
 * and the point of an index is to find a packet again without reading everything before
 * it. The two formats are simple enough to walk here, read-only, with every length checked
 * against what the file holds before it is used.
 */

#define MAX_CAPLEN 262144u

enum fmt { FMT_PCAP, FMT_PCAPNG };

struct pktindex {
	const uint8_t *map;
	size_t size;
	size_t pos;             /* next record (pcap) or block (pcapng) */
	enum fmt fmt;
	bool swap;              /* the file's byte order is not ours */
	bool nsec;              /* pcap: nanosecond timestamps */
	int dlt;                /* -1 until a pcapng interface says */
	uint64_t tsres[8];      /* pcapng: units per second of each interface */
	size_t nif;
	bool done;
	uint32_t frames;
	struct flow_table *ft;
	struct pktindex_ent *ent;
	size_t n, cap;
	char error[256];
};

static uint32_t rd32(const struct pktindex *ix, size_t off)
{
	const uint8_t *p = ix->map + off;
	uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	             (uint32_t)p[3] << 24;
	return ix->swap ? __builtin_bswap32(v) : v;
}

static uint16_t rd16(const struct pktindex *ix, size_t off)
{
	const uint8_t *p = ix->map + off;
	uint16_t v = (uint16_t)(p[0] | p[1] << 8);
	return ix->swap ? __builtin_bswap16(v) : v;
}

/* LINKTYPE_ values in files are DLT_ values except where they differ (pcap-linktype(7)). */
static int linktype_to_dlt(uint32_t lt)
{
	return lt == 101 ? DLT_RAW : (int)lt;
}

static int open_header(struct pktindex *ix, char *errbuf, size_t errlen, const char *path)
{
	uint32_t magic;

	if (ix->size < 24) {
		errbuf_set(errbuf, errlen, _("'%s' is too short to be a pcap or pcapng file"), path);
		return -1;
	}
	memcpy(&magic, ix->map, 4);
	if (magic == 0xa1b2c3d4 || magic == 0xa1b23c4d) {
		ix->fmt = FMT_PCAP;
		ix->nsec = magic == 0xa1b23c4d;
	} else if (magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1) {
		ix->fmt = FMT_PCAP;
		ix->swap = true;
		ix->nsec = magic == 0x4d3cb2a1;
	} else if (magic == 0x0a0d0d0a) {
		uint32_t bom;

		ix->fmt = FMT_PCAPNG;
		memcpy(&bom, ix->map + 8, 4);
		if (bom == 0x1a2b3c4d)
			ix->swap = false;
		else if (bom == 0x4d3c2b1a)
			ix->swap = true;
		else {
			errbuf_set(errbuf, errlen, _("'%s': pcapng section header has no byte-order magic"),
			           path);
			return -1;
		}
		ix->pos = 0;
		ix->dlt = -1;
		return 0;
	} else {
		errbuf_set(errbuf, errlen, _("'%s' is not a pcap or pcapng file (unknown file format)"),
		           path);
		return -1;
	}
	ix->dlt = linktype_to_dlt(rd32(ix, 20) & 0x0fffffff);
	ix->pos = 24;
	return 0;
}

struct pktindex *pktindex_open(const char *path, char *errbuf, size_t errlen)
{
	struct pktindex *ix = NULL;
	struct stat st;
	char e[128];
	int fd;

	if (!strcmp(path, "-")) {
		errbuf_set(errbuf, errlen, _("cannot index standard input: give a file name"));
		return NULL;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		errbuf_set(errbuf, errlen, _("cannot open '%s': %s"), path,
		           errbuf_strerror(errno, e, sizeof e));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		errbuf_set(errbuf, errlen, _("'%s' is not a regular file"), path);
		goto fail;
	}
	ix = calloc(1, sizeof *ix);
	if (!ix || !(ix->ft = flow_new())) {
		errbuf_set(errbuf, errlen, _("out of memory"));
		goto fail;
	}
	ix->size = (size_t)st.st_size;
	if (ix->size) {
		void *m = mmap(NULL, ix->size, PROT_READ, MAP_PRIVATE, fd, 0);

		if (m == MAP_FAILED) {
			errbuf_set(errbuf, errlen, _("cannot map '%s': %s"), path,
			           errbuf_strerror(errno, e, sizeof e));
			ix->size = 0;
			goto fail;
		}
		ix->map = m;
		madvise(m, ix->size, MADV_SEQUENTIAL);
	}
	close(fd);
	fd = -1;
	if (open_header(ix, errbuf, errlen, path) < 0)
		goto fail;
	return ix;
fail:
	if (fd >= 0)
		close(fd);
	pktindex_free(ix);
	return NULL;
}

void pktindex_free(struct pktindex *ix)
{
	if (!ix)
		return;
	if (ix->map)
		munmap((void *)ix->map, ix->size);
	flow_free(ix->ft);
	free(ix->ent);
	free(ix);
}

/* pcapng interface description: link type and if_tsresol (option 9). */
static void pcapng_idb(struct pktindex *ix, size_t body, size_t blen)
{
	uint64_t res = 1000000;
	size_t o = body + 8, end = body + blen;
	int dlt;

	if (blen < 8)
		return;
	dlt = linktype_to_dlt(rd16(ix, body));
	while (o + 4 <= end) {
		uint16_t code = rd16(ix, o), len = rd16(ix, o + 2);

		if (code == 0 || o + 4 + len > end)
			break;
		if (code == 9 && len >= 1) {
			uint8_t v = ix->map[o + 4];
			res = 1;
			for (int i = 0; i < (v & 0x7f) && res < UINT64_MAX / 10; i++)
				res *= (v & 0x80) ? 2 : 10;
		}
		o += 4 + (((size_t)len + 3) & ~(size_t)3);
	}
	if (ix->dlt < 0)
		ix->dlt = dlt;
	else if (ix->dlt != dlt)
		snprintf(ix->error, sizeof ix->error,
		         _("interfaces with different link types: only the first one is shown"));
	if (ix->nif < sizeof ix->tsres / sizeof ix->tsres[0])
		ix->tsres[ix->nif++] = res;
}

/*
 * The next packet record: its data offset, captured length and time. 1 found, 0 end of
 * file (or damage: ix->error says), and ix->pos moved past it.
 */
static int next_record(struct pktindex *ix, uint64_t *off, uint32_t *caplen, uint64_t *ts)
{
	if (ix->fmt == FMT_PCAP) {
		uint32_t sec, frac, cl;

		if (ix->pos == ix->size)
			return 0;
		if (ix->size - ix->pos < 16) {
			snprintf(ix->error, sizeof ix->error, _("the last record is cut short (%zu bytes)"),
			         ix->size - ix->pos);
			return 0;
		}
		sec = rd32(ix, ix->pos);
		frac = rd32(ix, ix->pos + 4);
		cl = rd32(ix, ix->pos + 8);
		if (cl > MAX_CAPLEN || ix->size - ix->pos - 16 < cl) {
			snprintf(ix->error, sizeof ix->error, cl > MAX_CAPLEN ?
			         _("record %u claims %u bytes but the file allows at most 262144") :
			         _("record %u claims %u bytes but the file ends before them"),
			         ix->frames + 1, cl);
			return 0;
		}
		*off = ix->pos + 16;
		*caplen = cl;
		*ts = (uint64_t)sec * 1000000000u + (ix->nsec ? frac : (uint64_t)frac * 1000u);
		ix->pos += 16 + (size_t)cl;
		return 1;
	}
	for (;;) {
		uint32_t type, blen;
		size_t b = ix->pos;

		if (b == ix->size)
			return 0;
		if (ix->size - b < 12) {
			snprintf(ix->error, sizeof ix->error, _("the last block is cut short"));
			return 0;
		}
		if (rd32(ix, b) == 0x0a0d0d0a) {
			/* A new section may change the byte order: read its magic as it is. */
			uint32_t bom;
			memcpy(&bom, ix->map + b + 8, 4);
			ix->swap = bom == 0x4d3c2b1a;
			ix->nif = 0;
		}
		type = rd32(ix, b);
		blen = rd32(ix, b + 4);
		if (blen < 12 || blen % 4 || blen > ix->size - b) {
			snprintf(ix->error, sizeof ix->error, _("block at byte %zu has a bad length %u"), b,
			         blen);
			return 0;
		}
		if (rd32(ix, b + blen - 4) != blen) {
			snprintf(ix->error, sizeof ix->error, _("block at byte %zu has a length %u in its "
			         "header but %u in its trailer"), b, blen, rd32(ix, b + blen - 4));
			return 0;
		}
		ix->pos = b + blen;
		if (type == 1) {
			pcapng_idb(ix, b + 8, blen - 12);
		} else if (type == 6 && blen >= 32) {
			uint32_t ifid = rd32(ix, b + 8), cl = rd32(ix, b + 20);
			uint64_t t = (uint64_t)rd32(ix, b + 12) << 32 | rd32(ix, b + 16);
			uint64_t res = ifid < ix->nif ? ix->tsres[ifid] : 1000000;

			/* libpcap refuses these too; and dissecting with no link type would mark
			 * the packet malformed while pktindex_segment() decodes it as Ethernet. */
			if (ix->dlt < 0 || (ifid >= ix->nif && ix->nif < sizeof ix->tsres / sizeof ix->tsres[0])) {
				snprintf(ix->error, sizeof ix->error, _("packet block at byte %zu is for "
				         "interface %u, which no interface description block declared"), b, ifid);
				return 0;
			}
			if (cl > blen - 32 || cl > MAX_CAPLEN) {
				snprintf(ix->error, sizeof ix->error, _("packet block at byte %zu is damaged"), b);
				return 0;
			}
			*off = b + 28;
			*caplen = cl;
			*ts = t / res * 1000000000u + (t % res) * 1000000000u / res;
			return 1;
		} else if (type == 3 && blen >= 16) {
			uint32_t cl = rd32(ix, b + 8);
			if (ix->dlt < 0 || ix->nif == 0) {
				snprintf(ix->error, sizeof ix->error, _("packet block at byte %zu is for "
				         "interface 0, which no interface description block declared"), b);
				return 0;
			}
			if (cl > blen - 16)
				cl = blen - 16;
			*off = b + 12;
			*caplen = cl;
			*ts = 0;
			return 1;
		}
	}
}

int pktindex_step(struct pktindex *ix, size_t n, char *errbuf, size_t errlen)
{
	struct tcp_segment seg;
	struct flow_info fi;
	uint64_t off, ts;
	uint32_t cl;

	while (!ix->done && n--) {
		if (!next_record(ix, &off, &cl, &ts)) {
			ix->done = true;
			break;
		}
		ix->frames++;
		int d = dissect_packet(ix->dlt, ix->map + off, cl, &seg, NULL, 0);
		if (d == DISSECT_NOT_TCP)
			continue;
		if (ix->n == ix->cap) {
			size_t nc = ix->cap ? ix->cap * 2 : 4096;
			struct pktindex_ent *ne = realloc(ix->ent, nc * sizeof *ne);
			if (!ne) {
				errbuf_set(errbuf, errlen, _("out of memory indexing packet %u"), ix->frames);
				return -1;
			}
			ix->ent = ne;
			ix->cap = nc;
		}
		struct pktindex_ent *e = &ix->ent[ix->n];
		memset(e, 0, sizeof *e);
		e->off = off;
		e->caplen = cl;
		e->ts_ns = ts;
		e->frame = ix->frames;
		seg.frame = ix->frames;
		seg.ts_ns = ts;
		if (d == DISSECT_MALFORMED) {
			const struct flow_conn *c = flow_malformed(ix->ft, &seg);
			e->malformed = 1;
			e->conn = c ? c->id : PKTINDEX_NOCONN;
			e->analysis = (uint16_t)EXPERT_BIT(EXPERT_I_MALFORMED);
		} else {
			if (flow_track(ix->ft, &seg, &fi) < 0) {
				errbuf_set(errbuf, errlen, _("out of memory at packet %u"), ix->frames);
				return -1;
			}
			e->conn = fi.conn->id;
			e->dir = (uint8_t)fi.dir;
			e->rel_seq = fi.rel_seq;
			e->rel_ack = fi.rel_ack;
			e->len = seg.len;
			e->flags = seg.flags;
			e->win = fi.win_scaled > INT32_MAX ? INT32_MAX : (int32_t)fi.win_scaled;
			e->analysis = (uint16_t)fi.analysis;
		}
		ix->n++;
	}
	return ix->done ? 0 : 1;
}

bool pktindex_done(const struct pktindex *ix) { return ix->done; }
size_t pktindex_count(const struct pktindex *ix) { return ix->n; }
uint32_t pktindex_frames(const struct pktindex *ix) { return ix->frames; }
int pktindex_dlt(const struct pktindex *ix) { return ix->dlt < 0 ? DLT_EN10MB : ix->dlt; }
const char *pktindex_error(const struct pktindex *ix) { return ix->error; }
const struct flow_table *pktindex_flows(const struct pktindex *ix) { return ix->ft; }

double pktindex_progress(const struct pktindex *ix)
{
	return ix->done || !ix->size ? 1.0 : (double)ix->pos / (double)ix->size;
}

const struct pktindex_ent *pktindex_get(const struct pktindex *ix, size_t i)
{
	return i < ix->n ? &ix->ent[i] : NULL;
}

const uint8_t *pktindex_packet(const struct pktindex *ix, size_t i, size_t *caplen)
{
	if (i >= ix->n)
		return NULL;
	*caplen = ix->ent[i].caplen;
	return ix->map + ix->ent[i].off;
}

int pktindex_segment(const struct pktindex *ix, size_t i, struct flow_seg *out, char *errbuf,
                     size_t errlen)
{
	const struct pktindex_ent *e = pktindex_get(ix, i);

	memset(out, 0, sizeof *out);
	if (!e) {
		errbuf_set(errbuf, errlen, _("no segment %zu"), i);
		return -1;
	}
	if (dissect_packet(pktindex_dlt(ix), ix->map + e->off, e->caplen, &out->seg, errbuf,
	                   errlen) != DISSECT_TCP)
		return -1;
	out->seg.frame = e->frame;
	out->seg.ts_ns = e->ts_ns;
	out->dir = (enum flow_dir)e->dir;
	out->conn_id = e->conn;
	out->rel_seq = e->rel_seq;
	out->rel_ack = e->rel_ack;
	out->win_scaled = e->win;
	out->analysis = e->analysis;
	out->ready_ns = 0;
	return 0;
}
