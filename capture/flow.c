/* summary: TCP connections by 4-tuple: roles, relative numbers, windows, inferred states. */
#include "capture/flow.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>

/*
 * Connections live in one growing array (flow_get(i) is conns[i]; see conns_grow()); an open-addressing hash
 * table maps a 4-tuple, in either direction, to the newest connection on it. Port reuse
 * replaces the table entry, so the table holds one entry per 4-tuple and the old
 * connection stays reachable through flow_get(). Nothing per segment is kept.
 */
struct slot {
	uint32_t hash;
	uint32_t idx1;          /* conn index + 1; 0 = empty */
};

struct flow_table {
	struct flow_conn *conns;
	size_t n, cap;
	size_t mapped;          /* bytes of conns' own mapping; 0: conns is malloc'd */
	struct slot *slots;
	size_t nslots;          /* power of two */
	size_t used;
	size_t last;            /* conn that matched last time (SIZE_MAX none): captures are bursty */
};

static const char *const state_names[] = {
	[TCPS_UNKNOWN] = "UNKNOWN",
	[TCPS_CLOSED] = "CLOSED",
	[TCPS_LISTEN] = "LISTEN",
	[TCPS_SYN_SENT] = "SYN-SENT",
	[TCPS_SYN_RECEIVED] = "SYN-RECEIVED",
	[TCPS_ESTABLISHED] = "ESTABLISHED",
	[TCPS_FIN_WAIT_1] = "FIN-WAIT-1",
	[TCPS_FIN_WAIT_2] = "FIN-WAIT-2",
	[TCPS_CLOSE_WAIT] = "CLOSE-WAIT",
	[TCPS_CLOSING] = "CLOSING",
	[TCPS_LAST_ACK] = "LAST-ACK",
	[TCPS_TIME_WAIT] = "TIME-WAIT",
};

const char *flow_state_name(enum tcp_state s)
{
	if ((size_t)s >= sizeof state_names / sizeof state_names[0] || !state_names[s])
		return "?";
	return state_names[s];
}

static inline bool seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }

static inline size_t addr_len(uint8_t family)
{
	return family == AF_INET6 ? 16 : 4;
}

/* One endpoint as a 64-bit word: an IPv4 address and port side by side (distinct for
 * distinct endpoints); an IPv6 address folded with one multiply (the hash only needs to
 * spread, conn_dir() decides equality). */
static inline uint64_t endpoint_key(const uint8_t *addr, bool v6, uint16_t port)
{
	uint64_t k;
	if (!v6) {
		uint32_t a;
		memcpy(&a, addr, 4);
		k = a;
	} else {
		uint64_t w[2];
		memcpy(w, addr, 16);
		k = w[0] ^ (w[1] * 0x9e3779b97f4a7c15ull);
	}
	return k << 16 ^ port;
}

/* Symmetric, so both directions of a connection hash alike: the two endpoints are put in
 * order, then mixed with two multiplies (was ten). */
static inline uint32_t tuple_hash(const struct tcp_segment *s)
{
	bool v6 = s->family == AF_INET6;
	uint64_t a = endpoint_key(s->src, v6, s->sport), b = endpoint_key(s->dst, v6, s->dport);
	uint64_t lo = a < b ? a : b, hi = a < b ? b : a;
	uint64_t h = lo * 0x9e3779b97f4a7c15ull ^ hi;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 32;
	return (uint32_t)h;
}

/* Address equality as integer compares (memcmp through libc was 3.5% of inspect). */
static inline bool addr_eq(const uint8_t *x, const uint8_t *y, bool v6)
{
	if (!v6) {
		uint32_t a, b;
		memcpy(&a, x, 4);
		memcpy(&b, y, 4);
		return a == b;
	}
	uint64_t a[2], b[2];
	memcpy(a, x, 16);
	memcpy(b, y, 16);
	return ((a[0] ^ b[0]) | (a[1] ^ b[1])) == 0;
}

/* Which direction seg travels in c, or -1 when it is not c's 4-tuple. */
static inline int conn_dir(const struct flow_conn *c, const struct tcp_segment *s)
{
	if (c->family != s->family)
		return -1;
	bool v6 = s->family == AF_INET6;
	const struct flow_side *a = &c->side[FLOW_C2S], *b = &c->side[FLOW_S2C];
	if (a->port == s->sport && b->port == s->dport && addr_eq(a->addr, s->src, v6) &&
	    addr_eq(b->addr, s->dst, v6))
		return FLOW_C2S;
	if (b->port == s->sport && a->port == s->dport && addr_eq(b->addr, s->src, v6) &&
	    addr_eq(a->addr, s->dst, v6))
		return FLOW_S2C;
	return -1;
}

struct flow_table *flow_new(void)
{
	struct flow_table *ft = calloc(1, sizeof *ft);
	if (!ft)
		return NULL;
	ft->nslots = 64;
	ft->slots = calloc(ft->nslots, sizeof *ft->slots);
	if (!ft->slots) {
		free(ft);
		return NULL;
	}
	ft->last = SIZE_MAX;
	return ft;
}

void flow_free(struct flow_table *ft)
{
	if (!ft)
		return;
	if (ft->mapped)
		munmap(ft->conns, ft->mapped);
	else
		free(ft->conns);
	free(ft->slots);
	free(ft);
}

size_t flow_count(const struct flow_table *ft)
{
	return ft->n;
}

const struct flow_conn *flow_get(const struct flow_table *ft, size_t i)
{
	return i < ft->n ? &ft->conns[i] : NULL;
}

/* Slot holding seg's 4-tuple, or the empty slot where it would go. */
static struct slot *slot_find(struct flow_table *ft, const struct tcp_segment *s, uint32_t h,
                              int *dir)
{
	size_t mask = ft->nslots - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct slot *sl = &ft->slots[i];
		if (!sl->idx1)
			return sl;
		if (sl->hash == h) {
			int d = conn_dir(&ft->conns[sl->idx1 - 1], s);
			if (d >= 0) {
				*dir = d;
				return sl;
			}
		}
	}
}

static int table_grow(struct flow_table *ft)
{
	size_t n = ft->nslots * 2;
	struct slot *ns = calloc(n, sizeof *ns);
	if (!ns)
		return -1;
	for (size_t i = 0; i < ft->nslots; i++) {
		struct slot sl = ft->slots[i];
		if (!sl.idx1)
			continue;
		size_t j = sl.hash & (n - 1);
		while (ns[j].idx1)
			j = (j + 1) & (n - 1);
		ns[j] = sl;
	}
	free(ft->slots);
	ft->slots = ns;
	ft->nslots = n;
	return 0;
}

/*
 * The connection array grows to megabytes (488 bytes a connection). Through realloc it was
 * copied at every doubling (glibc's heap, not mremap, once its mmap threshold had risen)
 * and first touched 4 KiB at a time: those copies and page faults were about a tenth of
 * 'inspect --stats' on a capture of 30,000 connections (this KVM guest pays dearly for a
 * fault). Past FLOW_MAP_MIN the array lives in its own mapping instead: mremap() moves its
 * pages without copying, and it asks for transparent huge pages, one fault per 2 MiB where
 * the kernel grants them ('madvise' mode). A refusal changes nothing but the speed.
 */
#define FLOW_MAP_MIN (1u << 20)
#define FLOW_HUGE_PAGE (2u << 20)

static int conns_grow(struct flow_table *ft, size_t cap)
{
	size_t len = cap * sizeof *ft->conns;
	void *p;

	if (len < FLOW_MAP_MIN) {
		p = realloc(ft->conns, len);
		if (!p)
			return -1;
	} else {
		len = (len + FLOW_HUGE_PAGE - 1) & ~(size_t)(FLOW_HUGE_PAGE - 1);
		if (ft->mapped) {
			p = mremap(ft->conns, ft->mapped, len, MREMAP_MAYMOVE);
		} else {
			p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (p != MAP_FAILED) {
				if (ft->n)
					memcpy(p, ft->conns, ft->n * sizeof *ft->conns);
				free(ft->conns);
			}
		}
		if (p == MAP_FAILED)
			return -1;
		ft->mapped = len;
		cap = len / sizeof *ft->conns;
		uintptr_t a = ((uintptr_t)p + FLOW_HUGE_PAGE - 1) & ~(uintptr_t)(FLOW_HUGE_PAGE - 1);
		uintptr_t e = ((uintptr_t)p + len) & ~(uintptr_t)(FLOW_HUGE_PAGE - 1);
		if (e > a)
			(void)madvise((void *)a, e - a, MADV_HUGEPAGE);
	}
	ft->conns = p;
	ft->cap = cap;
	return 0;
}

/*
 * Roles (flow.h): the SYN's sender is the client, a SYN-ACK's sender the server; without
 * either, the higher port is the client's (ephemeral ports are high).
 */
static struct flow_conn *conn_new(struct flow_table *ft, const struct tcp_segment *s, int *dir)
{
	if (ft->n == ft->cap && conns_grow(ft, ft->cap ? ft->cap * 2 : 16) < 0)
		return NULL;
	struct flow_conn *c = &ft->conns[ft->n];
	memset(c, 0, sizeof *c);
	c->id = (uint32_t)ft->n;
	c->family = s->family;
	c->first_fin = c->first_rst = -1;
	c->first_ns = s->ts_ns;
	c->first_frame = s->frame;

	bool sender_client;
	if (s->flags & TCP_SYN)
		sender_client = !(s->flags & TCP_ACK);
	else
		sender_client = s->sport >= s->dport;
	*dir = sender_client ? FLOW_C2S : FLOW_S2C;

	size_t alen = addr_len(s->family);
	struct flow_side *snd = &c->side[*dir], *rcv = &c->side[!*dir];
	memcpy(snd->addr, s->src, alen);
	memcpy(rcv->addr, s->dst, alen);
	snd->port = s->sport;
	rcv->port = s->dport;
	for (int i = 0; i < 2; i++) {
		c->side[i].wscale = -1;
		c->side[i].state = TCPS_UNKNOWN;
	}
	ft->n++;
	return c;
}

/* The segment's ack covers everything up to and including seq x. */
static inline bool acks(const struct tcp_segment *s, uint32_t x)
{
	return (s->flags & TCP_ACK) && !seq_lt(s->ack, x + 1);
}

/*
 * Both sides' states, inferred from one segment x -> y (RFC 9293 section 3.3.2, figure 5).
 * A segment seen is taken as delivered, so the receiver moves too; the only exception is a
 * FIN sent by a side that had not yet acknowledged the peer's FIN: it crossed the peer's
 * FIN on the wire (simultaneous close, section 3.6 case 2), so that side goes to CLOSING.
 */
static void track_state(struct flow_conn *c, int d, const struct tcp_segment *s, bool first_fin)
{
	struct flow_side *x = &c->side[d], *y = &c->side[!d];
	uint16_t fl = s->flags;

	if (fl & TCP_RST) {
		/* Section 3.10.7.x: an acceptable RST ends the connection on both sides. */
		x->state = y->state = TCPS_CLOSED;
		return;
	}
	if (fl & TCP_SYN) {
		bool fresh = x->state == TCPS_UNKNOWN || x->state == TCPS_CLOSED ||
		             x->state == TCPS_LISTEN || x->state == TCPS_SYN_SENT;
		if (!(fl & TCP_ACK)) {
			if (fresh)
				x->state = TCPS_SYN_SENT;
			if (y->state == TCPS_UNKNOWN || y->state == TCPS_CLOSED)
				y->state = TCPS_LISTEN;
			else if (y->state == TCPS_SYN_SENT)
				y->state = TCPS_SYN_RECEIVED;   /* simultaneous open */
		} else {
			if (fresh)
				x->state = TCPS_SYN_RECEIVED;
			if ((y->state == TCPS_SYN_SENT || y->state == TCPS_UNKNOWN) &&
			    (!y->saw_syn || acks(s, y->isn)))
				y->state = TCPS_ESTABLISHED;
		}
		return;
	}
	if (x->state == TCPS_UNKNOWN)
		x->state = TCPS_ESTABLISHED;    /* mid-stream: data flowing decides it */
	if (y->state == TCPS_UNKNOWN)
		y->state = TCPS_ESTABLISHED;

	if (fl & TCP_ACK) {
		if (y->state == TCPS_SYN_RECEIVED && acks(s, y->isn))
			y->state = TCPS_ESTABLISHED;
		if (y->saw_fin && acks(s, y->fin_seq)) {
			if (y->state == TCPS_FIN_WAIT_1)
				y->state = TCPS_FIN_WAIT_2;
			else if (y->state == TCPS_CLOSING)
				y->state = TCPS_TIME_WAIT;
			else if (y->state == TCPS_LAST_ACK)
				y->state = TCPS_CLOSED;
		}
	}
	if ((fl & TCP_FIN) && first_fin) {
		switch (x->state) {
		case TCPS_ESTABLISHED:
		case TCPS_SYN_RECEIVED:
			x->state = TCPS_FIN_WAIT_1;
			break;
		case TCPS_CLOSE_WAIT:
			x->state = (y->saw_fin && acks(s, y->fin_seq)) ? TCPS_LAST_ACK : TCPS_CLOSING;
			break;
		default:
			break;
		}
		switch (y->state) {
		case TCPS_ESTABLISHED:
		case TCPS_SYN_RECEIVED:
			y->state = TCPS_CLOSE_WAIT;
			break;
		case TCPS_FIN_WAIT_1:
			y->state = TCPS_CLOSING;
			break;
		case TCPS_FIN_WAIT_2:
			y->state = TCPS_TIME_WAIT;
			break;
		default:
			break;
		}
	}
}

static inline bool state_done(enum tcp_state st)
{
	return st == TCPS_CLOSED || st == TCPS_TIME_WAIT;
}

static struct flow_conn *lookup(struct flow_table *ft, const struct tcp_segment *s, int *dir,
                                struct slot **slp, uint32_t *hp)
{
	*slp = NULL;
	if (ft->last != SIZE_MAX) {
		int d = conn_dir(&ft->conns[ft->last], s);
		if (d >= 0) {
			*dir = d;
			return &ft->conns[ft->last];
		}
	}
	uint32_t h = tuple_hash(s);
	struct slot *sl = slot_find(ft, s, h, dir);
	*slp = sl;
	*hp = h;
	return sl->idx1 ? &ft->conns[sl->idx1 - 1] : NULL;
}

const struct flow_conn *flow_malformed(struct flow_table *ft, const struct tcp_segment *seg)
{
	if (seg->family != AF_INET && seg->family != AF_INET6)
		return NULL;
	int dir = 0;
	struct slot *sl;
	uint32_t h = 0;
	struct flow_conn *c = lookup(ft, seg, &dir, &sl, &h);
	if (c)
		c->malformed++;
	return c;
}

int flow_track(struct flow_table *ft, const struct tcp_segment *s, struct flow_info *out)
{
	int dir = 0;
	struct slot *sl;
	uint32_t h = 0;
	struct flow_conn *c = lookup(ft, s, &dir, &sl, &h);

	/* Port reuse: a fresh SYN on a finished 4-tuple is a new connection. */
	if (c && c->ended && (s->flags & (TCP_SYN | TCP_ACK)) == TCP_SYN) {
		if (!sl) {
			h = tuple_hash(s);
			sl = slot_find(ft, s, h, &dir);
		}
		c = NULL;
	}
	if (!c) {
		if (!sl->idx1 && (ft->used + 1) * 2 > ft->nslots) {
			if (table_grow(ft) < 0)
				goto nomem;
			sl = slot_find(ft, s, h, &dir);
		}
		c = conn_new(ft, s, &dir);
		if (!c)
			goto nomem;
		if (!sl->idx1)
			ft->used++;
		sl->hash = h;
		sl->idx1 = c->id + 1;
	}
	ft->last = c->id;

	struct flow_side *fwd = &c->side[dir], *rev = &c->side[!dir];
	const uint16_t fl = s->flags;

	/* Relative-number bases, chosen as Wireshark chooses them: the SYN's seq; without a
	 * SYN, one below the first seq seen (so the first segment shows seq 1); the peer's
	 * from the first ACK seen, ack - 1. */
	if (!fwd->isn_known) {
		fwd->isn = (fl & TCP_SYN) ? s->seq : s->seq - 1;
		fwd->isn_known = true;
	}
	if ((fl & TCP_ACK) && !rev->isn_known) {
		rev->isn = s->ack - 1;
		rev->isn_known = true;
	}

	/* Window scaling (RFC 7323 section 2.2): each side's shift comes from its SYN; it
	 * applies only when both SYNs offered it, and never to a SYN's own window. */
	if (fl & TCP_SYN) {
		fwd->saw_syn = true;
		fwd->wscale = (s->opt.present & TCPOPT_HAS_WSCALE)
		                  ? (s->opt.wscale > 14 ? 14 : s->opt.wscale) : -1;
		if (!(fl & TCP_ACK)) {
			c->saw_syn = true;
			c->syn_ns = s->ts_ns;
		} else if (rev->saw_syn) {
			c->saw_syn = true;
			c->scaling_known = true;
		}
	} else if ((fl & TCP_ACK) && c->syn_ns && !c->first_rtt_ns) {
		c->first_rtt_ns = s->ts_ns - c->syn_ns;
	}
	int64_t win = s->win;
	if (!(fl & TCP_SYN) && c->scaling_known && fwd->wscale >= 0 && rev->wscale >= 0)
		win = (int64_t)s->win << fwd->wscale;

	struct expert_in in = {
		.seq = s->seq, .ack = s->ack, .len = s->len, .flags = fl, .window = win,
		.ts_ns = s->ts_ns, .frame = s->frame, .scaling_known = c->scaling_known,
		.first_rtt_ns = c->first_rtt_ns,
	};
	uint32_t a = expert_analyze(&fwd->ex, &rev->ex, &in);
	for (uint32_t bits = a; bits; bits &= bits - 1)
		c->analysis_count[__builtin_ctz(bits)]++;

	bool first_fin = (fl & TCP_FIN) && !fwd->saw_fin;
	if (first_fin) {
		fwd->saw_fin = true;
		fwd->fin_seq = s->seq + s->len;
		fwd->fin_ns = s->ts_ns;
		if (c->first_fin < 0)
			c->first_fin = dir;
	}
	if ((fl & TCP_RST) && !fwd->saw_rst) {
		fwd->saw_rst = true;
		fwd->rst_ns = s->ts_ns;
		if (c->first_rst < 0)
			c->first_rst = dir;
	}
	track_state(c, dir, s, first_fin);
	if (c->first_rst >= 0 || (state_done(fwd->state) && state_done(rev->state)) ||
	    (fwd->saw_fin && rev->saw_fin))
		c->ended = true;

	fwd->packets++;
	fwd->bytes += s->len;
	c->last_ns = s->ts_ns;
	c->last_frame = s->frame;

	out->conn = c;
	out->dir = (enum flow_dir)dir;
	out->rel_seq = s->seq - fwd->isn;
	out->rel_ack = (fl & TCP_ACK) ? s->ack - rev->isn : 0;
	out->win_scaled = win;
	out->analysis = a;
	return 0;
nomem:
	errno = ENOMEM;
	return -1;
}

void flow_seg_set(struct flow_seg *fs, const struct tcp_segment *seg,
                  const struct flow_info *fi)
{
	fs->seg = *seg;
	fs->dir = fi->dir;
	fs->conn_id = fi->conn->id;
	fs->rel_seq = fi->rel_seq;
	fs->rel_ack = fi->rel_ack;
	fs->win_scaled = fi->win_scaled;
	fs->analysis = fi->analysis;
	fs->ready_ns = 0;
}

const char *flow_endpoint_str(const struct flow_conn *c, enum flow_dir side, char *buf,
                              size_t len)
{
	struct tcp_segment tmp;
	char a[64];

	memset(&tmp, 0, sizeof(tmp));
	tmp.family = c->family;
	memcpy(tmp.src, c->side[side].addr, sizeof(tmp.src));
	dissect_addr_str(&tmp, true, a, sizeof(a));
	snprintf(buf, len, c->family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, c->side[side].port);
	return buf;
}
