/* summary: write a run or grade as one pcapng record, and read one back into a run (see record.h). */
#include "engine/record.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/dissect.h"
#include "capture/flow.h"
#include "engine/grade.h"
#include "engine/labrun.h"
#include "engine/timeline.h"
#include "util/errbuf.h"
#include "util/safefile.h"
#include "tcplab_config.h"
#include "util/tr.h"

/* pcapng (draft-ietf-opsawg-pcapng): block types, the byte-order magic, options. */
#define PCAPNG_SHB 0x0A0D0D0Au
#define PCAPNG_IDB 0x00000001u
#define PCAPNG_EPB 0x00000006u
#define PCAPNG_CB_COPY 0x00000BADu
#define PCAPNG_BOM 0x1A2B3C4Du
#define PCAPNG_BOM_SWAPPED 0x4D3C2B1Au
#define OPT_END 0
#define OPT_SHB_USERAPPL 4
#define OPT_CUSTOM_BIN_NOCOPY 19373     /* a custom binary option, not to be copied */
#define OPT_IF_TSRESOL 9
#define SNAPLEN 262144u                 /* libpcap's largest; pcapio.h's invariant */
#define MAX_BLOCK (SNAPLEN + 4096u)     /* the largest block a record may hold */

/* The payload of every tcplab block: "TCPL", version, type, body length, body. */
#define PAYLOAD_MAGIC "TCPL"

enum rec_type {
	REC_META = 1,           /* the run: lab, variant, seed, scenario, statuses, counters */
	REC_VAR = 2,            /* one of the run's variables */
	REC_CALL = 3,           /* one socket call event (engine/trace.h) of one host */
	REC_OUTPUT = 4,         /* one line a program printed */
	REC_MARK = 5,           /* the lab cut the cable, plugged it back, killed a program */
	REC_CHECK = 6,          /* one check's verdict */
	REC_INFO = 7,           /* one "info" line that matched */
	REC_END = 8,            /* the counts of everything above: the record is whole */
	REC_KSAMPLE = 9,        /* one sample of a host's kernel sockets (engine/ksock.h) */
	REC_KSERROR = 10,       /* why the kernel's sockets were not (all) sampled */
};

/* The numbers docs/record-format.md gives these enums: a reordering must not change the
 * format silently. */
_Static_assert(TRACE_SOCKET == 0 && TRACE_CLOSE == 8 && TRACE_WAIT == 14 && TRACE_OTHER == 15,
               "trace_call numbers are part of the record format");
_Static_assert(EXPECT_PASS == 0 && EXPECT_FAIL == 1 && EXPECT_INCONCLUSIVE == 2,
               "verdict numbers are part of the record format");
_Static_assert(LAB_ACT_CUT_CABLE == 0 && LAB_ACT_KILL_SERVER == 3 && LAB_ACT_RESTART_SERVER == 4,
               "act numbers are part of the record format");
_Static_assert(HOST_CLIENT == 0 && HOST_SERVER == 1 && TL_HOST_WIRE == 2,
               "host numbers are part of the record format");
/* A field added to the call event must be added to the record's call block too
 * (write_call, read_call, docs/record-format.md), then this size updated. */
_Static_assert(sizeof(struct trace_event) == 208,
               "struct trace_event changed: carry the change into the record format");

/* What a reader accepts at most: far above what a run keeps (labrun.c's caps), far below
 * what would let a small hostile file claim gigabytes. */
#define MAX_FRAMES 1000000u
#define MAX_CALLS 200000u
#define MAX_OUTPUT 10000u
#define MAX_CHECKS 256u

/* ------------------------------------------------------------------ frames kept */

void record_frames_init(struct record_frames *fr, int dlt)
{
	memset(fr, 0, sizeof(*fr));
	fr->dlt = dlt;
}

void record_frames_release(struct record_frames *fr)
{
	free(fr->f);
	free(fr->buf);
	record_frames_init(fr, 0);
}

int record_frames_add(struct record_frames *fr, const uint8_t *pkt, size_t caplen,
                      size_t wirelen, uint64_t ts_ns)
{
	size_t keep = caplen;

	if (caplen > SNAPLEN)
		return -1;
	if (fr->len + keep > RECORD_FRAMES_KEPT && keep > RECORD_FRAME_CUT)
		keep = RECORD_FRAME_CUT;
	if (fr->n == fr->cap) {
		size_t ncap = fr->cap ? fr->cap * 2 : 256;
		struct record_frame *f = realloc(fr->f, ncap * sizeof(*f));

		if (!f)
			return -1;
		fr->f = f;
		fr->cap = ncap;
	}
	if (fr->len + keep > fr->bufcap) {
		size_t ncap = fr->bufcap ? fr->bufcap : 1 << 16;
		uint8_t *b;

		while (ncap < fr->len + keep)
			ncap *= 2;
		b = realloc(fr->buf, ncap);
		if (!b)
			return -1;
		fr->buf = b;
		fr->bufcap = ncap;
	}
	if (keep)       /* an empty frame may come before any buffer exists */
		memcpy(fr->buf + fr->len, pkt, keep);
	fr->f[fr->n++] = (struct record_frame){ ts_ns, (uint32_t)keep,
	                                        (uint32_t)(wirelen > caplen ? wirelen : caplen),
	                                        fr->len };
	fr->len += keep;
	return 0;
}

/* ------------------------------------------------------------------ writing */

/* One block's payload being built; every field tcplab writes is bounded by its struct, so
 * the buffer cannot overflow (asserted). */
struct wbuf {
	uint8_t b[16384];      /* a kernel sample: 256 sockets of 60 bytes */
	size_t n;
};

static void put(struct wbuf *w, const void *p, size_t n)
{
	assert(w->n + n <= sizeof(w->b));
	memcpy(w->b + w->n, p, n);
	w->n += n;
}

static void put_u8(struct wbuf *w, uint8_t v)
{
	put(w, &v, 1);
}

static void put_u16(struct wbuf *w, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	put(w, b, 2);
}

static void put_u32(struct wbuf *w, uint32_t v)
{
	uint8_t b[4];

	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	put(w, b, 4);
}

static void put_u64(struct wbuf *w, uint64_t v)
{
	uint8_t b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	put(w, b, 8);
}

static void put_i32(struct wbuf *w, int32_t v)
{
	put_u32(w, (uint32_t)v);
}

static void put_i64(struct wbuf *w, int64_t v)
{
	put_u64(w, (uint64_t)v);
}

/* IEEE 754 binary64, little-endian. */
static void put_f64(struct wbuf *w, double d)
{
	uint64_t v;

	memcpy(&v, &d, sizeof(v));
	put_u64(w, v);
}

/* A string: u16 length, then its bytes, no NUL. */
static void put_str(struct wbuf *w, const char *s)
{
	size_t n = strlen(s);

	assert(n <= UINT16_MAX);
	put_u16(w, (uint16_t)n);
	put(w, s, n);
}

static void put_addr(struct wbuf *w, const struct trace_addr *a)
{
	put_u16(w, a->family);
	put_u16(w, a->port);
	put(w, a->addr, sizeof(a->addr));
}

struct writer {
	FILE *f;
	uint32_t nframes, ncalls, nout, nchecks, ninfo, nvars, nks;
};

static void write_u32(FILE *f, uint32_t v)
{
	uint8_t b[4];

	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	fwrite(b, 1, 4, f);
}

/* One pcapng block: type, total length, body padded to 4 bytes, total length again. */
static void write_block(struct writer *wr, uint32_t type, const void *body, size_t n)
{
	static const uint8_t zero[4];
	size_t pad = (4 - n % 4) % 4;
	uint32_t total = (uint32_t)(12 + n + pad);

	write_u32(wr->f, type);
	write_u32(wr->f, total);
	fwrite(body, 1, n, wr->f);
	fwrite(zero, 1, pad, wr->f);
	write_u32(wr->f, total);
}

/* A tcplab custom block: PEN, then the payload header and body. */
static void write_event(struct writer *wr, enum rec_type type, const struct wbuf *body)
{
	struct wbuf w = { .n = 0 };

	put_u32(&w, RECORD_PEN);
	put(&w, PAYLOAD_MAGIC, 4);
	put_u16(&w, RECORD_VERSION);
	put_u16(&w, (uint16_t)type);
	put_u32(&w, (uint32_t)body->n);
	put(&w, body->b, body->n);
	write_block(wr, RECORD_BLOCK_TYPE, w.b, w.n);
}

/* LINKTYPE_ for the file from libpcap's DLT_: they differ for raw IP only. */
static uint16_t linktype_of(int dlt)
{
	if (dlt == 12 || dlt == 14)
		return 101;
	return dlt > 0 && dlt <= UINT16_MAX ? (uint16_t)dlt : 1;
}

static void write_headers(struct writer *wr, int dlt)
{
	struct wbuf w = { .n = 0 };
	/* Which tcplab wrote it: Wireshark shows it as the capture's application. */
	static const char appl[] = "tcplab " TCPLAB_VERSION;

	put_u32(&w, PCAPNG_BOM);
	put_u16(&w, 1);                 /* major */
	put_u16(&w, 0);                 /* minor */
	put_u64(&w, UINT64_MAX);        /* section length: not given */
	put_u16(&w, OPT_SHB_USERAPPL);
	put_u16(&w, sizeof(appl) - 1);
	put(&w, appl, sizeof(appl) - 1);
	put(&w, "\0\0\0", (4 - (sizeof(appl) - 1) % 4) % 4);       /* the option's padding to 4 */
	/* What makes the file a record at a glance (record_probe()): PEN, "TCPL", version. */
	put_u16(&w, OPT_CUSTOM_BIN_NOCOPY);
	put_u16(&w, 10);
	put_u32(&w, RECORD_PEN);
	put(&w, PAYLOAD_MAGIC, 4);
	put_u16(&w, RECORD_VERSION);
	put(&w, "\0\0", 2);
	put_u32(&w, OPT_END);
	write_block(wr, PCAPNG_SHB, w.b, w.n);

	w.n = 0;
	put_u16(&w, linktype_of(dlt));
	put_u16(&w, 0);
	put_u32(&w, SNAPLEN);
	put_u16(&w, OPT_IF_TSRESOL);
	put_u16(&w, 1);
	put_u8(&w, 9);                  /* nanoseconds */
	put(&w, "\0\0\0", 3);
	put_u32(&w, OPT_END);
	write_block(wr, PCAPNG_IDB, w.b, w.n);
}

/* META: see docs/record-format.md for the layout; the reader reads it in the same order. */
static void write_meta(struct writer *wr, enum record_kind kind, const struct labrun *run,
                       int lab_number, const char *slug, const char *title, const char *variant,
                       int scenarios, double score, double max, const char *note)
{
	struct wbuf w = { .n = 0 };
	static const struct labrun none = { .conn_id = -1 };

	if (!run)
		run = &none;
	put_u8(&w, (uint8_t)kind);
	put_u8(&w, (uint8_t)((run->disturbed ? 1 : 0) | (run->marker_seen ? 2 : 0) |
	                     (run->timed_out ? 4 : 0) | (run->late ? 8 : 0)));
	put_u16(&w, (uint16_t)run->vars.nfixed);
	put_i32(&w, lab_number);
	put_i32(&w, run->scenario);
	put_i32(&w, scenarios);
	put_i32(&w, run->status[0]);
	put_i32(&w, run->status[1]);
	put_u64(&w, run->seed);
	put_u64(&w, run->received);
	put_u64(&w, run->dropped);
	put_u64(&w, run->calls_unkept[0]);
	put_u64(&w, run->calls_unkept[1]);
	put_u64(&w, run->segs_unkept);
	put_u64(&w, run->stall_ns);
	put_u64(&w, run->cut_ns);
	put_i64(&w, run->conn_id);
	put_f64(&w, score);
	put_f64(&w, max);
	put_str(&w, slug);
	put_str(&w, title);
	put_str(&w, variant);
	put_str(&w, run->server_addr);
	put_str(&w, run->client_addr);
	put_str(&w, run->stall_why);
	put_str(&w, note);
	write_event(wr, REC_META, &w);
}

static void write_call(struct writer *wr, const struct tl_call *c)
{
	const struct trace_event *ev = &c->ev;
	struct wbuf w = { .n = 0 };

	put_u8(&w, (uint8_t)c->host);
	put_u8(&w, (uint8_t)ev->call);
	put_u8(&w, ev->last ? 1 : 0);
	put_u8(&w, ev->unfinished ? 1 : 0);
	put_i32(&w, ev->pid);
	put_i32(&w, ev->tid);
	put_i32(&w, ev->fd);
	put_i32(&w, ev->err);
	put_i32(&w, ev->domain);
	put_i32(&w, ev->type);
	put_i32(&w, ev->protocol);
	put_i32(&w, ev->level);
	put_i32(&w, ev->opt);
	put_u32(&w, ev->flags);
	put_u32(&w, ev->tasks_peak);
	put_u64(&w, ev->sock);
	put_u64(&w, ev->listen_sock);
	put_i64(&w, ev->arg);
	put_i64(&w, ev->arg2);
	put_i64(&w, ev->ret);
	put_u64(&w, ev->t_enter_ns);
	put_u64(&w, ev->t_exit_ns);
	put_u64(&w, ev->cpu_ns);
	put_u64(&w, ev->maxrss);
	put_addr(&w, &ev->addr);
	put_addr(&w, &ev->local);
	put_addr(&w, &ev->peer);
	put_str(&w, ev->name);
	write_event(wr, REC_CALL, &w);
	wr->ncalls++;
}

static void write_check(struct writer *wr, const char *name, enum expect_verdict v, bool timed,
                        long seg_index, double score, double max, const char *explain)
{
	struct wbuf w = { .n = 0 };

	put_u8(&w, (uint8_t)v);
	put_u8(&w, timed ? 1 : 0);
	put_u16(&w, 0);
	put_i64(&w, seg_index);
	put_f64(&w, score);
	put_f64(&w, max);
	put_str(&w, name);
	put_str(&w, explain);
	write_event(wr, REC_CHECK, &w);
	wr->nchecks++;
}

static void write_str_event(struct writer *wr, enum rec_type type, const char *a, const char *b)
{
	struct wbuf w = { .n = 0 };

	put_str(&w, a);
	if (b)
		put_str(&w, b);
	write_event(wr, type, &w);
}

/* The frames first, so that a packet's number in Wireshark is its number in tcplab (custom
 * blocks are listed as records too). No frames: an empty list. */
static void write_frames(struct writer *wr, const struct labrun *run)
{
	const struct record_frames *fr = &run->frames;

	for (size_t i = 0; i < fr->n; i++) {
		const struct record_frame *f = &fr->f[i];
		struct wbuf w = { .n = 0 };
		size_t pad = (4 - f->caplen % 4) % 4;
		uint32_t total = (uint32_t)(12 + 20 + f->caplen + pad);
		static const uint8_t zero[4];

		/* Written directly: a frame may be larger than a wbuf. */
		put_u32(&w, PCAPNG_EPB);
		put_u32(&w, total);
		put_u32(&w, 0);         /* interface 0 */
		put_u32(&w, (uint32_t)(f->ts_ns >> 32));
		put_u32(&w, (uint32_t)f->ts_ns);
		put_u32(&w, f->caplen);
		put_u32(&w, f->wirelen);
		fwrite(w.b, 1, w.n, wr->f);
		if (f->caplen)
			fwrite(fr->buf + f->off, 1, f->caplen, wr->f);
		fwrite(zero, 1, pad, wr->f);
		write_u32(wr->f, total);
		wr->nframes++;
	}
}

/* Variables, calls, output and marks of a run. */
static void write_run_body(struct writer *wr, const struct labrun *run)
{
	const struct timeline *tl = &run->tl;

	for (size_t i = 0; i < run->vars.n && i < LAB_MAX_VARS; i++) {
		write_str_event(wr, REC_VAR, run->vars.v[i].name, run->vars.v[i].value);
		wr->nvars++;
	}
	for (size_t i = 0; i < tl->ncall; i++)
		write_call(wr, &tl->call[i]);
	for (size_t i = 0; i < tl->nout; i++) {
		const struct tl_output *o = &tl->out[i];
		const struct labrun_mark *m = NULL;
		struct wbuf w = { .n = 0 };

		for (size_t k = 0; k < run->nmark && !m; k++)
			if (run->mark[k].out_index == i)
				m = &run->mark[k];
		if (m) {
			put_u8(&w, (uint8_t)m->kind);
			put_u64(&w, o->t_ns);
			put_str(&w, o->text);
			write_event(wr, REC_MARK, &w);
		} else {
			put_u8(&w, (uint8_t)o->host);
			put_u64(&w, o->t_ns);
			put_str(&w, o->text);
			write_event(wr, REC_OUTPUT, &w);
		}
		wr->nout++;
	}
	for (size_t i = 0; i < run->ks.nsample; i++) {
		const struct ksock_sample *s = &run->ks.sample[i];
		struct wbuf w = { .n = 0 };
		uint32_t n = s->n < KSOCK_MAX_PER_SAMPLE ? s->n : KSOCK_MAX_PER_SAMPLE;

		put_u8(&w, s->host);
		put_u8(&w, s->why);
		put_u16(&w, 0);
		put_u64(&w, s->t_ns);
		put_u32(&w, n);
		for (uint32_t k = 0; k < n; k++) {
			const struct ksock *ks = &run->ks.sock[s->first + k];

			put_u8(&w, ks->state);
			put_u8(&w, ks->timer);
			put_u8(&w, ks->family);
			put_u8(&w, 0);
			put_u16(&w, ks->lport);
			put_u16(&w, ks->rport);
			put(&w, ks->laddr, 16);
			put(&w, ks->raddr, 16);
			put_u32(&w, ks->expires_ms);
			put_u32(&w, ks->rqueue);
			put_u32(&w, ks->wqueue);
			put_u64(&w, ks->inode);
		}
		write_event(wr, REC_KSAMPLE, &w);
		wr->nks++;
	}
	if (run->ks_error[0])
		write_str_event(wr, REC_KSERROR, run->ks_error, NULL);
}

static void write_end(struct writer *wr)
{
	struct wbuf w = { .n = 0 };

	put_u32(&w, wr->nframes);
	put_u32(&w, wr->ncalls);
	put_u32(&w, wr->nout);
	put_u32(&w, wr->nchecks);
	put_u32(&w, wr->ninfo);
	put_u32(&w, wr->nvars);
	put_u32(&w, wr->nks);
	write_event(wr, REC_END, &w);
}

/* Open path through safefile, let fill() write, commit; one cleanup path. */
static int write_file(const char *path, void (*fill)(struct writer *, const void *),
                      const void *arg, char *errbuf, size_t errlen)
{
	struct safefile sf;
	struct writer wr = { .f = NULL };
	char why[256];
	int ret = -1, fd;

	if (safefile_open(&sf, path, errbuf, errlen) < 0)
		return -1;
	fd = dup(sf.fd);
	wr.f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!wr.f) {
		errbuf_set(errbuf, errlen, _("cannot write '%s': %s"), path,
		           errbuf_strerror(errno, why, sizeof(why)));
		if (fd >= 0)
			close(fd);
		safefile_abort(&sf);
		goto out;
	}
	fill(&wr, arg);
	if (fflush(wr.f) != 0 || ferror(wr.f)) {
		errbuf_set(errbuf, errlen, _("cannot write '%s': %s"), path,
		           errbuf_strerror(errno ? errno : EIO, why, sizeof(why)));
		safefile_abort(&sf);
	} else if (safefile_commit(&sf, errbuf, errlen) == 0) {
		ret = 0;
	}
	fclose(wr.f);
out:
	close(sf.fd);
	return ret;
}

static void fill_run(struct writer *wr, const void *arg)
{
	const struct labrun *run = arg;

	write_headers(wr, run->frames.dlt);
	write_frames(wr, run);
	write_meta(wr, RECORD_RUN, run, run->lab ? run->lab->number : 0,
	           run->lab ? run->lab->slug : "", run->lab ? run->lab->title : "",
	           run->variant ? run->variant->name : "", 1, 0, 0, "");
	write_run_body(wr, run);
	for (size_t i = 0; i < run->ncheck; i++)
		write_check(wr, run->check[i].name, run->check[i].r.verdict, run->check[i].timed,
		            run->check[i].r.seg_index, 0, 0, run->check[i].r.explain);
	for (size_t i = 0; i < run->ninfo && i < LAB_MAX_CHECKS; i++) {
		write_str_event(wr, REC_INFO, run->info[i], NULL);
		wr->ninfo++;
	}
	write_end(wr);
}

int record_write_run(const char *path, const struct labrun *run, char *errbuf, size_t errlen)
{
	return write_file(path, fill_run, run, errbuf, errlen);
}

/* A grade: its run's events (when it ran), and the grade's own checks with their scores. */
static void fill_grade(struct writer *wr, const void *arg)
{
	const struct grade_result *g = arg;
	const struct labrun *run = g->run;
	struct labrun seeded;

	write_headers(wr, run ? run->frames.dlt : 1);
	if (run)
		write_frames(wr, run);
	/* The seed that replays the grade is the grade's, whether or not it ran. */
	if (!run) {
		memset(&seeded, 0, sizeof(seeded));
		seeded.conn_id = -1;
		seeded.seed = g->seed;
		run = &seeded;
	}
	write_meta(wr, RECORD_GRADE, run, g->lab, run->lab ? run->lab->slug : "", g->title,
	           run->variant ? run->variant->name : "exercise", g->scenarios, g->score, g->max,
	           g->note);
	if (g->run)
		write_run_body(wr, g->run);
	for (size_t i = 0; i < g->ncheck; i++) {
		const struct grade_check *k = &g->check[i];
		const struct labrun_check *rk = NULL;

		/* The evidence (segment, timing) of the run's own check of that name. */
		for (size_t j = 0; g->run && j < g->run->ncheck && !rk; j++)
			if (!strcmp(g->run->check[j].name, k->name))
				rk = &g->run->check[j];
		write_check(wr, k->name, k->verdict, rk && rk->timed, rk ? rk->r.seg_index : -1,
		            k->score, k->max, k->explain);
	}
	for (size_t i = 0; g->run && i < g->run->ninfo && i < LAB_MAX_CHECKS; i++) {
		write_str_event(wr, REC_INFO, g->run->info[i], NULL);
		wr->ninfo++;
	}
	write_end(wr);
}

int record_write_grade(const char *path, const struct grade_result *g, char *errbuf,
                       size_t errlen)
{
	return write_file(path, fill_grade, g, errbuf, errlen);
}

/* ------------------------------------------------------------------ reading */

/* A bounded cursor over one payload (capture/cursor.h's idea, little-endian): a read past
 * the end yields zeros and marks the cursor bad, with why. */
struct rcur {
	const uint8_t *p;
	size_t n, off;
	const char *bad;
};

static const uint8_t *take(struct rcur *c, size_t n)
{
	const uint8_t *p;

	if (c->bad)
		return NULL;
	if (n > c->n - c->off) {
		c->bad = "it ends in the middle of a field";
		return NULL;
	}
	p = c->p + c->off;
	c->off += n;
	return p;
}

static uint64_t get_le(struct rcur *c, size_t n)
{
	const uint8_t *p = take(c, n);
	uint64_t v = 0;

	for (size_t i = 0; p && i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static uint8_t get_u8(struct rcur *c) { return (uint8_t)get_le(c, 1); }
static uint16_t get_u16(struct rcur *c) { return (uint16_t)get_le(c, 2); }
static uint32_t get_u32(struct rcur *c) { return (uint32_t)get_le(c, 4); }
static uint64_t get_u64(struct rcur *c) { return get_le(c, 8); }
static int32_t get_i32(struct rcur *c) { return (int32_t)get_u32(c); }
static int64_t get_i64(struct rcur *c) { return (int64_t)get_u64(c); }

static double get_f64(struct rcur *c)
{
	uint64_t v = get_u64(c);
	double d;

	memcpy(&d, &v, sizeof(d));
	return d;
}

/* A string into dst[cap]: refused when it does not fit (a record tcplab wrote always fits). */
static void get_str(struct rcur *c, char *dst, size_t cap)
{
	uint16_t n = get_u16(c);
	const uint8_t *p;

	dst[0] = '\0';
	if (c->bad)
		return;
	if (n >= cap) {
		c->bad = "a text in it is longer than its field";
		return;
	}
	p = take(c, n);
	if (!p)
		return;
	memcpy(dst, p, n);
	dst[n] = '\0';
}

static void get_addr(struct rcur *c, struct trace_addr *a)
{
	const uint8_t *p;

	a->family = get_u16(c);
	a->port = get_u16(c);
	p = take(c, sizeof(a->addr));
	if (p)
		memcpy(a->addr, p, sizeof(a->addr));
}

struct reader {
	FILE *f;
	const char *name;
	uint64_t off;                   /* of the block being read */
	size_t block;                   /* its number, from 1 */
	uint8_t *buf;                   /* its body */
	struct record *rec;
	struct labrun *run;
	struct flow_table *ft;
	int linktype;
	int tsresol;                    /* decimal digits of a timestamp's unit */
	bool shb_record;                /* the section header has tcplab's option */
	bool have_idb, have_meta, have_end;
	uint32_t frames, calls, outs, vars, checks, infos, ks;
	size_t checkcap;
	char *errbuf;
	size_t errlen;
};

/* "'x' is not a valid tcplab record: block 7 (at byte 1234) is ...": where it broke, then
 * what. Returns -1. */
static int bad(struct reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int bad(struct reader *r, const char *fmt, ...)
{
	char msg[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	errbuf_set(r->errbuf, r->errlen, "'%s' is not a valid tcplab record: block %zu (at byte"
	           " %llu) %s", r->name, r->block, (unsigned long long)r->off, msg);
	return -1;
}

/* Read exactly n bytes; 1, 0 at a clean end of file before any byte, -1 cut short. */
static int read_exact(FILE *f, void *p, size_t n)
{
	size_t got = fread(p, 1, n, f);

	if (got == n)
		return 1;
	return got == 0 && feof(f) ? 0 : -1;
}

static uint32_t le32(const uint8_t *b)
{
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/*
 * The next block: its type and body (r->buf, *len bytes). 1, 0 at the end of the file, -1
 * (errbuf) when it is cut short or its lengths disagree.
 */
static int next_block(struct reader *r, uint32_t *type, size_t *len)
{
	uint8_t h[8], t[4];
	uint32_t total;
	int k;

	r->block++;
	k = read_exact(r->f, h, sizeof(h));
	if (k == 0)
		return 0;
	if (k < 0) {
		errbuf_set(r->errbuf, r->errlen, _("'%s' is truncated: it ends inside block %zu (at"
		           " byte %llu)%s"), r->name, r->block, (unsigned long long)r->off,
		           ferror(r->f) ? _(": read error") : "");
		return -1;
	}
	*type = le32(h);
	total = le32(h + 4);
	if (total < 12 || total % 4 || total > MAX_BLOCK)
		return bad(r, "has a length of %u bytes (a block is 12 bytes to 260 KiB, a multiple"
		           " of 4)", total);
	*len = total - 12;
	if (read_exact(r->f, r->buf, *len) != 1 || read_exact(r->f, t, 4) != 1) {
		errbuf_set(r->errbuf, r->errlen, _("'%s' is truncated: block %zu (at byte %llu) says"
		           " it is %u bytes long, but the file ends before that"), r->name, r->block,
		           (unsigned long long)r->off, total);
		return -1;
	}
	if (le32(t) != total)
		return bad(r, "%s", "has different lengths at its start and its end");
	r->off += total;
	return 1;
}

/* Is tcplab's custom option among the section header's options (body: its n bytes after
 * the byte-order magic)? */
static bool shb_has_option(const uint8_t *body, size_t n)
{
	struct rcur c = { body, n, 12, NULL };

	while (!c.bad && c.off + 4 <= c.n) {
		uint16_t code = get_u16(&c), olen = get_u16(&c);
		const uint8_t *v = take(&c, (size_t)olen + (4 - olen % 4) % 4);

		if (code == OPT_END || !v)
			break;
		if (code == OPT_CUSTOM_BIN_NOCOPY && olen >= 8 && le32(v) == RECORD_PEN &&
		    !memcmp(v + 4, PAYLOAD_MAGIC, 4))
			return true;
	}
	return false;
}

/*
 * The section header, read apart from the other blocks: until its byte-order magic is
 * read, its length cannot be trusted (a big-endian file, a pcap file, anything else).
 * 0, or -1 (errbuf).
 */
static int read_shb(struct reader *r)
{
	uint8_t h[12] = { 0 }, t[4];
	uint32_t type, total, bom;
	int k = read_exact(r->f, h, sizeof(h));

	r->block = 1;
	if (k == 0) {
		errbuf_set(r->errbuf, r->errlen, _("'%s' is not a tcplab record: it is empty"), r->name);
		return -1;
	}
	type = le32(h);
	total = le32(h + 4);
	bom = le32(h + 8);
	if (type == 0xa1b2c3d4u || type == 0xa1b23c4du || type == 0xd4c3b2a1u ||
	    type == 0x4d3cb2a1u || k < 0 || type != PCAPNG_SHB) {
		errbuf_set(r->errbuf, r->errlen, _("'%s' is not a tcplab record: it is %s (save one"
		           " with 'tcplab run N --record FILE')"), r->name, k < 0 ? _("too short") :
		           type == PCAPNG_SHB ? _("a damaged pcapng file") :
		           type == 0xa1b2c3d4u || type == 0xa1b23c4du || type == 0xd4c3b2a1u ||
		           type == 0x4d3cb2a1u ? _("a pcap file") : _("not a pcapng file"));
		return -1;
	}
	if (bom == PCAPNG_BOM_SWAPPED) {
		errbuf_set(r->errbuf, r->errlen, _("'%s' is not a tcplab record: it is a big-endian"
		           " pcapng file, and tcplab writes its records little-endian"), r->name);
		return -1;
	}
	if (bom != PCAPNG_BOM)
		return bad(r, "%s", "is a damaged section header (no byte-order magic)");
	if (total < 28 || total % 4 || total > MAX_BLOCK)
		return bad(r, "is a section header of %u bytes", total);
	if (read_exact(r->f, r->buf, total - 16) != 1 || read_exact(r->f, t, 4) != 1) {
		errbuf_set(r->errbuf, r->errlen, _("'%s' is truncated: it ends inside its section"
		           " header"), r->name);
		return -1;
	}
	if (le32(t) != total)
		return bad(r, "%s", "has different lengths at its start and its end");
	if ((r->buf[0] | r->buf[1] << 8) != 1)
		return bad(r, "%s", "is a section header of a pcapng version other than 1");
	r->off = total;
	r->shb_record = shb_has_option(r->buf, total - 16);
	return 0;
}

static int read_idb(struct reader *r, size_t len)
{
	struct rcur c = { r->buf, len, 0, NULL };

	if (r->have_idb)
		return bad(r, "%s", "is a second interface: a record has one");
	r->have_idb = true;
	r->linktype = get_u16(&c);
	(void)get_u16(&c);
	(void)get_u32(&c);
	r->tsresol = 6;                 /* pcapng's default: microseconds */
	while (!c.bad && c.off + 4 <= c.n) {
		uint16_t code = get_u16(&c), olen = get_u16(&c);
		const uint8_t *v = take(&c, (size_t)olen + (4 - olen % 4) % 4);

		if (code == OPT_END || !v)
			break;
		if (code == OPT_IF_TSRESOL && olen == 1) {
			if (v[0] & 0x80 || v[0] > 9)
				return bad(r, "%s", "has a timestamp unit other than a power of ten down"
				           " to the nanosecond");
			r->tsresol = v[0];
		}
	}
	if (c.bad)
		return bad(r, "is a damaged interface description: %s", c.bad);
	return 0;
}

static int read_epb(struct reader *r, size_t len)
{
	struct rcur c = { r->buf, len, 0, NULL };
	uint32_t iface = get_u32(&c);
	uint64_t ts = (uint64_t)get_u32(&c) << 32;
	uint32_t caplen, wirelen;
	const uint8_t *pkt;
	struct tcp_segment seg;
	struct flow_info fi;
	struct flow_seg fs;

	ts |= get_u32(&c);
	caplen = get_u32(&c);
	wirelen = get_u32(&c);
	if (!r->have_idb || iface != 0)
		return bad(r, "%s", "is a packet of an interface the file did not describe");
	if (caplen > SNAPLEN)
		return bad(r, "%s", "is a packet larger than 256 KiB");
	pkt = take(&c, caplen);
	if (!pkt)
		return bad(r, "is a damaged packet: %s", c.bad);
	if (r->frames >= MAX_FRAMES)
		return bad(r, "%s", "is one packet too many for a record");
	for (int i = r->tsresol; i < 9; i++) {
		if (ts > UINT64_MAX / 10)
			return bad(r, "%s", "is a packet with a timestamp past the year 2554");
		ts *= 10;
	}
	if (wirelen < caplen)
		wirelen = caplen;
	/* As the live run did (labrun.c on_packet): the same frame numbers, dissector and
	 * flow tracker, so the timeline comes out the same. */
	r->frames++;
	if (record_frames_add(&r->run->frames, pkt, caplen, wirelen, ts) < 0)
		goto oom;
	seg.frame = r->frames;
	seg.ts_ns = ts;
	if (dissect_packet(r->linktype, pkt, caplen, &seg, NULL, 0) != DISSECT_TCP)
		return 0;
	if (flow_track(r->ft, &seg, &fi) < 0)
		goto oom;
	flow_seg_set(&fs, &seg, &fi);
	if (timeline_add_segment(&r->run->tl, &fs) < 0)
		goto oom;
	return 0;
oom:
	errbuf_set(r->errbuf, r->errlen, _("out of memory reading '%s'"), r->name);
	return -1;
}

static int read_meta(struct reader *r, struct rcur *c)
{
	struct record *rec = r->rec;
	struct labrun *run = r->run;
	uint8_t flags;
	int64_t conn;

	rec->kind = (enum record_kind)get_u8(c);
	flags = get_u8(c);
	run->vars.nfixed = get_u16(c);
	rec->lab_number = get_i32(c);
	run->scenario = get_i32(c);
	rec->scenarios = get_i32(c);
	run->status[0] = get_i32(c);
	run->status[1] = get_i32(c);
	run->seed = get_u64(c);
	run->received = get_u64(c);
	run->dropped = get_u64(c);
	run->calls_unkept[0] = get_u64(c);
	run->calls_unkept[1] = get_u64(c);
	run->segs_unkept = get_u64(c);
	run->stall_ns = get_u64(c);
	run->cut_ns = get_u64(c);
	conn = get_i64(c);
	rec->score = get_f64(c);
	rec->max = get_f64(c);
	get_str(c, rec->lab_slug, sizeof(rec->lab_slug));
	get_str(c, rec->lab_title, sizeof(rec->lab_title));
	get_str(c, rec->variant, sizeof(rec->variant));
	get_str(c, run->server_addr, sizeof(run->server_addr));
	get_str(c, run->client_addr, sizeof(run->client_addr));
	get_str(c, run->stall_why, sizeof(run->stall_why));
	get_str(c, rec->note, sizeof(rec->note));
	if (c->bad)
		return bad(r, "is a damaged header of the run: %s", c->bad);
	if (rec->kind != RECORD_RUN && rec->kind != RECORD_GRADE)
		return bad(r, "%s", "is the header of neither a run nor a grade");
	if (conn < -1 || conn > UINT32_MAX || run->vars.nfixed > LAB_MAX_VARS)
		return bad(r, "%s", "is a header of the run with numbers out of range");
	run->conn_id = (long)conn;
	run->disturbed = flags & 1;
	run->marker_seen = flags & 2;
	run->timed_out = flags & 4;
	run->late = flags & 8;
	run->done = true;
	return 0;
}

static int read_call(struct reader *r, struct rcur *c)
{
	struct tl_call k;
	struct trace_event *ev = &k.ev;
	uint8_t host, call;

	memset(&k, 0, sizeof(k));
	host = get_u8(c);
	call = get_u8(c);
	ev->last = get_u8(c) != 0;
	ev->unfinished = get_u8(c) != 0;
	ev->pid = get_i32(c);
	ev->tid = get_i32(c);
	ev->fd = get_i32(c);
	ev->err = get_i32(c);
	ev->domain = get_i32(c);
	ev->type = get_i32(c);
	ev->protocol = get_i32(c);
	ev->level = get_i32(c);
	ev->opt = get_i32(c);
	ev->flags = get_u32(c);
	ev->tasks_peak = get_u32(c);
	ev->sock = get_u64(c);
	ev->listen_sock = get_u64(c);
	ev->arg = get_i64(c);
	ev->arg2 = get_i64(c);
	ev->ret = get_i64(c);
	ev->t_enter_ns = get_u64(c);
	ev->t_exit_ns = get_u64(c);
	ev->cpu_ns = get_u64(c);
	ev->maxrss = get_u64(c);
	get_addr(c, &ev->addr);
	get_addr(c, &ev->local);
	get_addr(c, &ev->peer);
	get_str(c, ev->name, sizeof(ev->name));
	if (c->bad)
		return bad(r, "is a damaged socket call: %s", c->bad);
	if (host > HOST_SERVER || call > TRACE_OTHER)
		return bad(r, "%s", "is a socket call of an unknown host or kind");
	if (ev->t_exit_ns < ev->t_enter_ns)
		return bad(r, "%s", "is a socket call that returned before it was made");
	if (r->calls >= MAX_CALLS)
		return bad(r, "%s", "is one socket call too many for a record");
	ev->call = (enum trace_call)call;
	k.host = (enum sandbox_host)host;
	r->calls++;
	if (timeline_add_call(&r->run->tl, k.host, ev) < 0) {
		errbuf_set(r->errbuf, r->errlen, _("out of memory reading '%s'"), r->name);
		return -1;
	}
	return 0;
}

/* OUTPUT and MARK: both are a line on the timeline; a mark also says what the lab did. */
static int read_output(struct reader *r, struct rcur *c, bool mark)
{
	struct labrun *run = r->run;
	uint8_t who = get_u8(c);
	uint64_t t = get_u64(c);
	char text[sizeof(((struct tl_output *)0)->text)];

	get_str(c, text, sizeof(text));
	if (c->bad)
		return bad(r, mark ? "is a damaged mark of the lab's act: %s" :
		           "is a damaged output line: %s", c->bad);
	if (mark ? who > LAB_ACT_RESTART_SERVER || run->nmark >= LAB_MAX_ACTIONS : who > TL_HOST_WIRE)
		return bad(r, "%s", mark ? "is a mark of an unknown act, or one too many" :
		           "is an output line of an unknown host");
	if (r->outs >= MAX_OUTPUT)
		return bad(r, "%s", "is one output line too many for a record");
	if (mark)
		run->mark[run->nmark++] = (struct labrun_mark){ (enum lab_action_kind)who, t,
		                                                (uint32_t)run->tl.nout };
	r->outs++;
	if (timeline_add_output(&run->tl, mark ? TL_HOST_WIRE : who, t, text, strlen(text)) < 0) {
		errbuf_set(r->errbuf, r->errlen, _("out of memory reading '%s'"), r->name);
		return -1;
	}
	return 0;
}

static int read_check(struct reader *r, struct rcur *c)
{
	struct record *rec = r->rec;
	struct labrun *run = r->run;
	struct labrun_check *k;
	uint8_t verdict;

	if (run->ncheck >= MAX_CHECKS)
		return bad(r, "%s", "is one check too many for a record");
	if (run->ncheck == r->checkcap) {
		size_t ncap = r->checkcap ? r->checkcap * 2 : 16;
		struct labrun_check *nk = realloc(run->check, ncap * sizeof(*nk));
		double *ns = nk ? realloc(rec->check_score, ncap * sizeof(*ns)) : NULL;
		double *nm = ns ? realloc(rec->check_max, ncap * sizeof(*nm)) : NULL;

		if (nk)
			run->check = nk;
		if (ns)
			rec->check_score = ns;
		if (nm)
			rec->check_max = nm;
		if (!nm) {
			errbuf_set(r->errbuf, r->errlen, _("out of memory reading '%s'"), r->name);
			return -1;
		}
		r->checkcap = ncap;
	}
	k = &run->check[run->ncheck];
	memset(k, 0, sizeof(*k));
	verdict = get_u8(c);
	k->timed = get_u8(c) != 0;
	(void)get_u16(c);
	k->r.seg_index = (long)get_i64(c);
	rec->check_score[run->ncheck] = get_f64(c);
	rec->check_max[run->ncheck] = get_f64(c);
	get_str(c, k->name, sizeof(k->name));
	get_str(c, k->r.explain, sizeof(k->r.explain));
	if (c->bad)
		return bad(r, "is a damaged check: %s", c->bad);
	if (verdict > EXPECT_INCONCLUSIVE || k->r.seg_index < -1)
		return bad(r, "%s", "is a check with an unknown verdict or evidence");
	k->r.verdict = (enum expect_verdict)verdict;
	run->ncheck++;
	r->checks++;
	return 0;
}

#define MAX_KSAMPLES 20000

static int read_ksample(struct reader *r, struct rcur *c)
{
	struct ksock socks[KSOCK_MAX_PER_SAMPLE];
	uint8_t host = get_u8(c), why = get_u8(c);
	uint64_t t;
	uint32_t n;

	(void)get_u16(c);
	t = get_u64(c);
	n = get_u32(c);
	if (!c->bad && (host > HOST_SERVER || why > KSW_END || n > KSOCK_MAX_PER_SAMPLE))
		return bad(r, "%s", "is a kernel sample of an unknown host or with too many sockets");
	if (r->ks >= MAX_KSAMPLES)
		return bad(r, "%s", "is one kernel sample too many for a record");
	for (uint32_t k = 0; k < n && !c->bad; k++) {
		struct ksock *ks = &socks[k];
		const uint8_t *a;

		memset(ks, 0, sizeof(*ks));
		ks->state = get_u8(c);
		ks->timer = get_u8(c);
		ks->family = get_u8(c);
		(void)get_u8(c);
		ks->lport = get_u16(c);
		ks->rport = get_u16(c);
		if ((a = take(c, 16)))
			memcpy(ks->laddr, a, 16);
		if ((a = take(c, 16)))
			memcpy(ks->raddr, a, 16);
		ks->expires_ms = get_u32(c);
		ks->rqueue = get_u32(c);
		ks->wqueue = get_u32(c);
		ks->inode = get_u64(c);
	}
	if (c->bad)
		return bad(r, "is a damaged kernel sample: %s", c->bad);
	if (ksock_log_add(&r->run->ks, t, host, (enum ksock_why)why, socks, n, true) < 0)
		return bad(r, "%s", "is a kernel sample there is no memory for");
	r->ks++;
	return 0;
}

static int read_end(struct reader *r, struct rcur *c)
{
	uint32_t n[6];
	const uint32_t got[6] = { r->frames, r->calls, r->outs, r->checks, r->infos, r->vars };
	static const char *const what[6] = { "packets", "socket calls", "output lines",
	                                     "checks", "info lines", "variables" };

	for (int i = 0; i < 6; i++)
		n[i] = get_u32(c);
	/* The kernel's samples came later in version 1: an end block without their count
	 * is from before them, and has none. */
	if (!c->bad && c->n - c->off >= 4 && get_u32(c) != r->ks)
		return bad(r, "says the record holds another number of kernel samples than the"
		           " %u read: blocks are missing", r->ks);
	if (c->bad)
		return bad(r, "is a damaged end block: %s", c->bad);
	for (int i = 0; i < 6; i++) {
		if (n[i] != got[i]) {
			char msg[160];

			snprintf(msg, sizeof(msg), "says the record holds %u %s, but %u were read:"
			         " blocks are missing", n[i], what[i], got[i]);
			return bad(r, "%s", msg);
		}
	}
	r->have_end = true;
	return 0;
}

/* One tcplab custom block; other custom blocks (another PEN, or no "TCPL") are skipped. */
static int read_custom(struct reader *r, size_t len)
{
	struct rcur c = { r->buf, len, 0, NULL };
	uint32_t pen = get_u32(&c), blen;
	const uint8_t *magic = take(&c, 4);
	uint16_t version, type;
	struct rcur body;

	if (pen != RECORD_PEN || !magic || memcmp(magic, PAYLOAD_MAGIC, 4))
		return 0;
	version = get_u16(&c);
	type = get_u16(&c);
	blen = get_u32(&c);
	if (c.bad || blen > c.n - c.off)
		return bad(r, "%s", "is a tcplab block whose contents overrun it");
	if (version == 0 || version > RECORD_VERSION) {
		char msg[160];

		snprintf(msg, sizeof(msg), "is in record format version %u; this tcplab reads up to"
		         " version %d (update tcplab)", version, RECORD_VERSION);
		return bad(r, "%s", msg);
	}
	r->rec->version = version;
	body = (struct rcur){ c.p + c.off, blen, 0, NULL };
	if (r->have_end)
		return bad(r, "%s", "comes after the record's end block");
	if (!r->have_meta && type != REC_META)
		return bad(r, "%s", "comes before the record's header block");
	switch (type) {
	case REC_META:
		if (r->have_meta)
			return bad(r, "%s", "is a second header of the run");
		r->have_meta = true;
		return read_meta(r, &body);
	case REC_VAR: {
		struct lab_vars *v = &r->run->vars;

		if (v->n >= LAB_MAX_VARS)
			return bad(r, "%s", "is one variable too many");
		get_str(&body, v->v[v->n].name, sizeof(v->v[0].name));
		get_str(&body, v->v[v->n].value, sizeof(v->v[0].value));
		if (body.bad)
			return bad(r, "is a damaged variable: %s", body.bad);
		v->n++;
		r->vars++;
		return 0;
	}
	case REC_CALL:
		return read_call(r, &body);
	case REC_OUTPUT:
	case REC_MARK:
		return read_output(r, &body, type == REC_MARK);
	case REC_CHECK:
		return read_check(r, &body);
	case REC_INFO:
		if (r->run->ninfo >= LAB_MAX_CHECKS)
			return bad(r, "%s", "is one info line too many");
		get_str(&body, r->run->info[r->run->ninfo], sizeof(r->run->info[0]));
		if (body.bad)
			return bad(r, "is a damaged info line: %s", body.bad);
		r->run->ninfo++;
		r->infos++;
		return 0;
	case REC_END:
		return read_end(r, &body);
	case REC_KSAMPLE:
		return read_ksample(r, &body);
	case REC_KSERROR:
		get_str(&body, r->run->ks_error, sizeof(r->run->ks_error));
		if (body.bad)
			return bad(r, "is a damaged note on the kernel's samples: %s", body.bad);
		return 0;
	default:
		/* A newer writer's event of the same version: nothing of the run depends on it. */
		return 0;
	}
}

void record_free(struct record *rec)
{
	if (!rec)
		return;
	if (rec->run) {
		timeline_release(&rec->run->tl);
		record_frames_release(&rec->run->frames);
		ksock_log_release(&rec->run->ks);
		free(rec->run->check);
		free(rec->run);
	}
	flow_free(rec->ft);
	free(rec->check_score);
	free(rec->check_max);
	free(rec);
}

int record_read_file(FILE *f, const char *name, struct record **out, char *errbuf,
                     size_t errlen)
{
	struct reader r = { .f = f, .name = name, .errbuf = errbuf, .errlen = errlen };
	uint32_t type;
	size_t len = 0;
	int k, ret = -1;

	*out = NULL;
	r.rec = calloc(1, sizeof(*r.rec));
	r.run = calloc(1, sizeof(*r.run));
	r.buf = malloc(MAX_BLOCK);
	r.ft = flow_new();
	if (!r.rec || !r.run || !r.buf || !r.ft) {
		free(r.run);
		r.run = NULL;
		errbuf_set(errbuf, errlen, _("out of memory reading '%s'"), name);
		goto out;
	}
	r.rec->run = r.run;
	r.run->conn_id = -1;
	timeline_init(&r.run->tl);
	record_frames_init(&r.run->frames, 0);
	if (read_shb(&r) < 0)
		goto out;
	while ((k = next_block(&r, &type, &len)) == 1) {
		int rc = 0;

		switch (type) {
		case PCAPNG_SHB:
			rc = bad(&r, "%s", "starts a second section: a record has one");
			break;
		case PCAPNG_IDB:
			rc = read_idb(&r, len);
			break;
		case PCAPNG_EPB:
			if (r.have_end)
				rc = bad(&r, "%s", "is a packet after the record's end block");
			else
				rc = read_epb(&r, len);
			break;
		case RECORD_BLOCK_TYPE:
		case PCAPNG_CB_COPY:
			rc = read_custom(&r, len);
			break;
		default:
			break;          /* statistics, names, anything else pcapng allows: skipped */
		}
		if (rc < 0)
			goto out;
	}
	if (k < 0)
		goto out;
	if (!r.have_meta && r.shb_record) {
		errbuf_set(errbuf, errlen, _("'%s' is truncated: it ends after %zu blocks (%u packets),"
		           " before the record's header block"), name, r.block - 1, r.frames);
		goto out;
	}
	if (!r.have_meta) {
		errbuf_set(errbuf, errlen, _("'%s' is not a tcplab record: a pcapng file without"
		           " tcplab's blocks (use 'tcplab inspect' for the packets alone)"), name);
		goto out;
	}
	if (!r.have_end) {
		errbuf_set(errbuf, errlen, _("'%s' is truncated: it ends after %zu blocks, before the"
		           " record's end block (%u packets and %u socket calls read)"), name,
		           r.block - 1, r.frames, r.calls);
		goto out;
	}
	for (size_t i = 0; i < r.run->ncheck; i++) {
		if (r.run->check[i].r.seg_index >= (long)r.run->tl.nseg) {
			errbuf_set(errbuf, errlen, _("'%s' is not a valid tcplab record: check '%s' points"
			           " at segment %ld of %zu"), name, r.run->check[i].name,
			           r.run->check[i].r.seg_index, r.run->tl.nseg);
			goto out;
		}
	}
	r.run->frames.dlt = r.linktype;
	if (timeline_build(&r.run->tl) < 0) {
		errbuf_set(errbuf, errlen, _("out of memory reading '%s'"), name);
		goto out;
	}
	if (r.rec->kind == RECORD_RUN) {
		free(r.rec->check_score);
		free(r.rec->check_max);
		r.rec->check_score = r.rec->check_max = NULL;
	}
	r.rec->ft = r.ft;
	r.ft = NULL;
	*out = r.rec;
	r.rec = NULL;
	ret = 0;
out:
	record_free(r.rec);
	flow_free(r.ft);
	free(r.buf);
	return ret;
}

int record_read(const char *path, struct record **out, char *errbuf, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char why[256];
	int ret;

	*out = NULL;
	if (!f) {
		errbuf_set(errbuf, errlen, _("cannot open '%s': %s"), path,
		           errbuf_strerror(errno, why, sizeof(why)));
		return -1;
	}
	ret = record_read_file(f, path, out, errbuf, errlen);
	fclose(f);
	return ret;
}

bool record_probe(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct reader r = { .f = f, .name = path };
	char err[16];
	bool yes = false;

	r.errbuf = err;
	r.errlen = sizeof(err);
	r.buf = malloc(MAX_BLOCK);
	if (f && r.buf && read_shb(&r) == 0)
		yes = r.shb_record;
	free(r.buf);
	if (f)
		fclose(f);
	return yes;
}
