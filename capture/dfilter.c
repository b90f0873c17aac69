/* summary: display filters: tcpdump's BPF, or Wireshark's common fields translated to BPF and tcplab's own analysis. */
#include "capture/dfilter.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/dissect.h"
#include "capture/expert.h"
#include "util/errbuf.h"
#include "util/tr.h"

/*
 * A Wireshark filter is parsed into a tree (parse_*), each leaf either BPF text (N_BPF) or
 * a comparison of one of tcplab's per-segment facts (N_SEG). Then every largest subtree
 * made of BPF leaves only is rendered as one BPF expression and compiled once (prepare());
 * matching walks the tree, running those programs on the frame and comparing the facts.
 * A plain BPF filter is a tree of one compiled node.
 */

#define MAX_DEPTH 64            /* nesting of ( and !: the parser recurses */
#define SNAPLEN 262144

enum nkind { N_BPF, N_SEG, N_AND, N_OR, N_NOT };
enum op { OP_NONE, OP_EQ, OP_NE, OP_GT, OP_LT, OP_GE, OP_LE };

static const char *const op_text[] = { "", "==", "!=", ">", "<", ">=", "<=" };

enum segfield { SEG_FRAME, SEG_STREAM, SEG_SEQ, SEG_ACK, SEG_WIN, SEG_ANALYSIS };

struct node {
	enum nkind k;
	int l, r;               /* children: N_AND, N_OR (both), N_NOT (l) */
	char *bpf;              /* N_BPF */
	enum segfield sf;       /* N_SEG */
	enum op op;
	uint64_t val;           /* N_SEG value; for SEG_ANALYSIS the bits, any of which match */
	const char *label;      /* SEG_ANALYSIS: how the translation names it */
	bool have_prog;
	struct bpf_program prog;
};

struct dfilter {
	enum dfilter_kind kind;
	char *expr;
	char *translation;
	struct node *n;
	size_t nn, cap;
	int root;
};

/* ---- a growing string ---- */

struct sb {
	char *b;
	size_t n, cap;
	bool oom;
};

static void sb_add(struct sb *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_add(struct sb *s, const char *fmt, ...)
{
	va_list ap;
	int need;

	if (s->oom)
		return;
	va_start(ap, fmt);
	need = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (need < 0) {
		s->oom = true;
		return;
	}
	if (s->n + (size_t)need + 1 > s->cap) {
		size_t nc = (s->n + (size_t)need + 1) * 2;
		char *nb = realloc(s->b, nc);
		if (!nb) {
			s->oom = true;
			return;
		}
		s->b = nb;
		s->cap = nc;
	}
	va_start(ap, fmt);
	vsnprintf(s->b + s->n, s->cap - s->n, fmt, ap);
	va_end(ap);
	s->n += (size_t)need;
}

/* ---- the fields ---- */

enum fkind {
	F_PROTO,        /* tcp, ip, ipv6 */
	F_FLAG,         /* one TCP flag bit */
	F_HDR,          /* a number in the TCP header */
	F_PORT,
	F_ADDR4,
	F_ADDR6,
	F_TCPLEN,
	F_SEG,          /* one of struct dfilter_seg's numbers */
	F_LABEL,        /* tcp.analysis.*: expert bits */
};

struct field {
	const char *name;
	enum fkind kind;
	const char *proto;      /* BPF for "the field is present" */
	const char *bpf;        /* F_FLAG: pcap's name for the bit (NULL: none, use off/mask);
	                           F_PORT, F_ADDR*: "", "src ", "dst " */
	uint8_t off, size;      /* F_HDR, F_FLAG: where in the TCP header */
	uint32_t mask;
	uint8_t shift;
	enum segfield sf;       /* F_SEG */
};

static const struct field fields[] = {
	{ "tcp",                   F_PROTO,  "tcp", "tcp", 0, 0, 0, 0, 0 },
	{ "ip",                    F_PROTO,  "ip",  "ip", 0, 0, 0, 0, 0 },
	{ "ipv6",                  F_PROTO,  "ip6", "ip6", 0, 0, 0, 0, 0 },
	{ "tcp.flags.fin",         F_FLAG,   "tcp", "tcp-fin",  13, 1, 0x01, 0, 0 },
	{ "tcp.flags.syn",         F_FLAG,   "tcp", "tcp-syn",  13, 1, 0x02, 0, 0 },
	{ "tcp.flags.reset",       F_FLAG,   "tcp", "tcp-rst",  13, 1, 0x04, 0, 0 },
	{ "tcp.flags.rst",         F_FLAG,   "tcp", "tcp-rst",  13, 1, 0x04, 0, 0 },
	{ "tcp.flags.push",        F_FLAG,   "tcp", "tcp-push", 13, 1, 0x08, 0, 0 },
	{ "tcp.flags.psh",         F_FLAG,   "tcp", "tcp-push", 13, 1, 0x08, 0, 0 },
	{ "tcp.flags.ack",         F_FLAG,   "tcp", "tcp-ack",  13, 1, 0x10, 0, 0 },
	{ "tcp.flags.urg",         F_FLAG,   "tcp", "tcp-urg",  13, 1, 0x20, 0, 0 },
	{ "tcp.flags.ece",         F_FLAG,   "tcp", "tcp-ece",  13, 1, 0x40, 0, 0 },
	{ "tcp.flags.cwr",         F_FLAG,   "tcp", "tcp-cwr",  13, 1, 0x80, 0, 0 },
	{ "tcp.flags.ae",          F_FLAG,   "tcp", NULL,       12, 1, 0x01, 0, 0 },
	{ "tcp.flags.ns",          F_FLAG,   "tcp", NULL,       12, 1, 0x01, 0, 0 },
	{ "tcp.flags",             F_HDR,    "tcp", NULL, 12, 2, 0x1ff, 0, 0 },
	{ "tcp.hdr_len",           F_HDR,    "tcp", NULL, 12, 1, 0xf0, 2, 0 },
	{ "tcp.window_size_value", F_HDR,    "tcp", NULL, 14, 2, 0, 0, 0 },
	{ "tcp.urgent_pointer",    F_HDR,    "tcp", NULL, 18, 2, 0, 0, 0 },
	{ "tcp.seq_raw",           F_HDR,    "tcp", NULL, 4, 4, 0, 0, 0 },
	{ "tcp.ack_raw",           F_HDR,    "tcp", NULL, 8, 4, 0, 0, 0 },
	{ "tcp.port",              F_PORT,   "tcp", "",     0, 0, 0, 0, 0 },
	{ "tcp.srcport",           F_PORT,   "tcp", "src ", 0, 0, 0, 0, 0 },
	{ "tcp.dstport",           F_PORT,   "tcp", "dst ", 0, 0, 0, 0, 0 },
	{ "ip.addr",               F_ADDR4,  "ip",  "",     0, 0, 0, 0, 0 },
	{ "ip.src",                F_ADDR4,  "ip",  "src ", 0, 0, 0, 0, 0 },
	{ "ip.dst",                F_ADDR4,  "ip",  "dst ", 0, 0, 0, 0, 0 },
	{ "ipv6.addr",             F_ADDR6,  "ip6", "",     0, 0, 0, 0, 0 },
	{ "ipv6.src",              F_ADDR6,  "ip6", "src ", 0, 0, 0, 0, 0 },
	{ "ipv6.dst",              F_ADDR6,  "ip6", "dst ", 0, 0, 0, 0, 0 },
	{ "tcp.len",               F_TCPLEN, "tcp", NULL, 0, 0, 0, 0, 0 },
	{ "tcp.stream",            F_SEG,    "tcp", NULL, 0, 0, 0, 0, SEG_STREAM },
	{ "tcp.seq",               F_SEG,    "tcp", NULL, 0, 0, 0, 0, SEG_SEQ },
	{ "tcp.ack",               F_SEG,    "tcp", NULL, 0, 0, 0, 0, SEG_ACK },
	{ "tcp.window_size",       F_SEG,    "tcp", NULL, 0, 0, 0, 0, SEG_WIN },
	{ "frame.number",          F_SEG,    "tcp", NULL, 0, 0, 0, 0, SEG_FRAME },
	{ "tcp.analysis.flags",    F_LABEL,  "tcp", NULL, 0, 0, 0, 0, SEG_ANALYSIS },
};

static const char *const seg_name[] = {
	[SEG_FRAME] = "frame", [SEG_STREAM] = "stream", [SEG_SEQ] = "seq(relative)",
	[SEG_ACK] = "ack(relative)", [SEG_WIN] = "window(scaled)", [SEG_ANALYSIS] = "analysis",
};

/* Expert labels Wireshark has a tcp.analysis field for (RST and malformed are not). */
#define LABEL_LAST EXPERT_I_KEEP_ALIVE_ACK
#define ANY_LABEL ((EXPERT_BIT(LABEL_LAST + 1) - 1))

static const struct field label_field = { "tcp.analysis.*", F_LABEL, "tcp", NULL, 0, 0, 0, 0,
                                          SEG_ANALYSIS };

/* The field named name[0..len), or NULL; *bits gets a tcp.analysis.NAME's label bit. */
static const struct field *field_find(const char *name, size_t len, uint32_t *bits)
{
	static const char pfx[] = "tcp.analysis.";

	*bits = ANY_LABEL;
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		if (strlen(fields[i].name) == len && !memcmp(fields[i].name, name, len))
			return &fields[i];
	if (len > sizeof pfx - 1 && !memcmp(name, pfx, sizeof pfx - 1)) {
		const char *n = name + sizeof pfx - 1;
		size_t nl = len - (sizeof pfx - 1);
		for (int i = 0; i <= LABEL_LAST; i++)
			if (strlen(expert_labels[i].name) == nl && !memcmp(expert_labels[i].name, n, nl)) {
				*bits = EXPERT_BIT(i);
				return &label_field;
			}
	}
	return NULL;
}

const char *dfilter_accepted(void)
{
	return _("accepted: tcpdump's BPF ('tcp port 8000'), or Wireshark's tcp.port/srcport/dstport, "
	         "tcp.flags.syn/ack/fin/reset/push, ip.addr/src/dst, tcp.len, tcp.stream, tcp.seq, "
	         "tcp.analysis.* with == != < > && || !");
}

/* ---- the tree ---- */

static int node_new(struct dfilter *f, enum nkind k)
{
	if (f->nn == f->cap) {
		size_t nc = f->cap ? f->cap * 2 : 16;
		struct node *nn = realloc(f->n, nc * sizeof *nn);
		if (!nn)
			return -1;
		f->n = nn;
		f->cap = nc;
	}
	memset(&f->n[f->nn], 0, sizeof f->n[0]);
	f->n[f->nn].k = k;
	f->n[f->nn].l = f->n[f->nn].r = -1;
	return (int)f->nn++;
}

/* ---- the lexer and parser ---- */

enum tok { T_END, T_LP, T_RP, T_LB, T_RB, T_COMMA, T_AND, T_OR, T_NOT, T_IN, T_OP, T_WORD, T_BAD };

struct parser {
	struct dfilter *f;
	const char *s;
	size_t pos;
	/* the token just peeked */
	enum tok t;
	enum op op;
	const char *w;
	size_t wl, tok_start;
	int depth;
	bool ws_like;           /* a Wireshark field was seen: its error is the one to show */
	char err[256];
};

static bool word_char(char c)
{
	return isalnum((unsigned char)c) || c == '.' || c == '_' || c == ':' || c == '/';
}

static void fail(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	if (p->err[0])
		return;
	va_start(ap, fmt);
	vsnprintf(p->err, sizeof p->err, fmt, ap);
	va_end(ap);
}

static enum tok lex(struct parser *p)
{
	static const struct { const char *w; enum tok t; enum op op; } kw[] = {
		{ "and", T_AND, OP_NONE }, { "or", T_OR, OP_NONE }, { "not", T_NOT, OP_NONE },
		{ "in", T_IN, OP_NONE }, { "eq", T_OP, OP_EQ }, { "ne", T_OP, OP_NE },
		{ "gt", T_OP, OP_GT }, { "lt", T_OP, OP_LT }, { "ge", T_OP, OP_GE },
		{ "le", T_OP, OP_LE },
	};
	static const struct { const char *s; enum tok t; enum op op; } sym[] = {
		{ "&&", T_AND, OP_NONE }, { "||", T_OR, OP_NONE }, { "==", T_OP, OP_EQ },
		{ "!=", T_OP, OP_NE }, { ">=", T_OP, OP_GE }, { "<=", T_OP, OP_LE },
		{ ">", T_OP, OP_GT }, { "<", T_OP, OP_LT }, { "!", T_NOT, OP_NONE },
		{ "(", T_LP, OP_NONE }, { ")", T_RP, OP_NONE }, { "{", T_LB, OP_NONE },
		{ "}", T_RB, OP_NONE }, { ",", T_COMMA, OP_NONE },
	};
	const char *s = p->s;
	size_t i = p->pos;

	while (s[i] == ' ' || s[i] == '\t')
		i++;
	p->tok_start = i;
	p->op = OP_NONE;
	p->w = s + i;
	p->wl = 0;
	if (!s[i])
		return p->t = T_END;
	for (size_t k = 0; k < sizeof sym / sizeof sym[0]; k++) {
		size_t l = strlen(sym[k].s);
		if (!strncmp(s + i, sym[k].s, l)) {
			p->pos = i + l;
			p->op = sym[k].op;
			p->wl = l;
			return p->t = sym[k].t;
		}
	}
	if (!word_char(s[i])) {
		p->pos = i + 1;
		p->wl = 1;
		return p->t = T_BAD;
	}
	while (word_char(s[i + p->wl]))
		p->wl++;
	p->pos = i + p->wl;
	for (size_t k = 0; k < sizeof kw / sizeof kw[0]; k++)
		if (strlen(kw[k].w) == p->wl && !strncmp(p->w, kw[k].w, p->wl)) {
			p->op = kw[k].op;
			return p->t = kw[k].t;
		}
	return p->t = T_WORD;
}

/* Look at the next token without taking it. */
static enum tok peek(struct parser *p)
{
	size_t save = p->pos;
	enum tok t = lex(p);

	p->pos = save;
	return t;
}

static int bpf_leaf(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int bpf_leaf(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	int i = node_new(p->f, N_BPF), need;

	if (i < 0) {
		fail(p, _("out of memory"));
		return -1;
	}
	va_start(ap, fmt);
	need = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (need < 0 || !(p->f->n[i].bpf = malloc((size_t)need + 1))) {
		fail(p, _("out of memory"));
		return -1;
	}
	va_start(ap, fmt);
	vsnprintf(p->f->n[i].bpf, (size_t)need + 1, fmt, ap);
	va_end(ap);
	return i;
}

static int seg_leaf(struct parser *p, enum segfield sf, enum op op, uint64_t val,
                    const char *label)
{
	int i = node_new(p->f, N_SEG);

	if (i < 0) {
		fail(p, _("out of memory"));
		return -1;
	}
	p->f->n[i].sf = sf;
	p->f->n[i].op = op;
	p->f->n[i].val = val;
	p->f->n[i].label = label;
	return i;
}

static int not_node(struct parser *p, int child)
{
	int i;

	if (child < 0)
		return -1;
	if ((i = node_new(p->f, N_NOT)) < 0) {
		fail(p, _("out of memory"));
		return -1;
	}
	p->f->n[i].l = child;
	return i;
}

static int bin_node(struct parser *p, enum nkind k, int l, int r)
{
	int i;

	if (l < 0 || r < 0)
		return -1;
	if ((i = node_new(p->f, k)) < 0) {
		fail(p, _("out of memory"));
		return -1;
	}
	p->f->n[i].l = l;
	p->f->n[i].r = r;
	return i;
}

static bool parse_num(const char *w, size_t wl, uint64_t *v)
{
	char buf[32], *end;
	unsigned long long x;

	if (!wl || wl >= sizeof buf || !isdigit((unsigned char)w[0]))
		return false;
	memcpy(buf, w, wl);
	buf[wl] = '\0';
	errno = 0;
	x = strtoull(buf, &end, 0);
	if (errno || *end || x > UINT32_MAX)
		return false;
	*v = x;
	return true;
}

/* A TCP header number read from the frame: IPv4 through tcp[], IPv6 at ip6[40 + off]
 * when the TCP header follows the IPv6 header (libpcap's tcp[] is IPv4 only). */
static int hdr_leaf(struct parser *p, const struct field *fd, enum op op, uint64_t v)
{
	char e[2][96];

	for (int k = 0; k < 2; k++) {
		char load[40];
		if (k == 0)
			snprintf(load, sizeof load, "tcp[%u:%u]", fd->off, fd->size);
		else
			snprintf(load, sizeof load, "ip6[%u:%u]", 40u + fd->off, fd->size);
		if (fd->mask && fd->shift)
			snprintf(e[k], sizeof e[k], "(%s & 0x%x) >> %u", load, fd->mask, fd->shift);
		else if (fd->mask)
			snprintf(e[k], sizeof e[k], "%s & 0x%x", load, fd->mask);
		else
			snprintf(e[k], sizeof e[k], "%s", load);
	}
	return bpf_leaf(p, "(ip6[6] == 6 and %s %s %llu or %s %s %llu)", e[1], op_text[op],
	                (unsigned long long)v, e[0], op_text[op], (unsigned long long)v);
}

static int flag_leaf(struct parser *p, const struct field *fd, bool set)
{
	const char *cmp = set ? "!=" : "==";

	if (fd->bpf)
		return bpf_leaf(p, "(ip6[6] == 6 and ip6[%u] & 0x%02x %s 0 or tcp[tcpflags] & %s %s 0)",
		                40u + fd->off, fd->mask, cmp, fd->bpf, cmp);
	return bpf_leaf(p, "(ip6[6] == 6 and ip6[%u] & 0x%02x %s 0 or tcp[%u] & 0x%02x %s 0)",
	                40u + fd->off, fd->mask, cmp, fd->off, fd->mask, cmp);
}

static int len_leaf(struct parser *p, enum op op, uint64_t v)
{
	return bpf_leaf(p, "(ip6[6] == 6 and ip6[4:2] - ((ip6[52] & 0xf0) >> 2) %s %llu or "
	                "ip[2:2] - ((ip[0] & 0xf) << 2) - ((tcp[12] & 0xf0) >> 2) %s %llu)",
	                op_text[op], (unsigned long long)v, op_text[op], (unsigned long long)v);
}

static int port_leaf(struct parser *p, const struct field *fd, enum op op, uint64_t v)
{
	uint64_t lo = 0, hi = 65535;

	if (v > 65535) {
		fail(p, _("'%s' compares with %llu: ports are 0-65535"), fd->name, (unsigned long long)v);
		return -1;
	}
	switch (op) {
	case OP_EQ: return bpf_leaf(p, "tcp %sport %llu", fd->bpf, (unsigned long long)v);
	case OP_NE: return not_node(p, bpf_leaf(p, "tcp %sport %llu", fd->bpf, (unsigned long long)v));
	case OP_GT: lo = v + 1; break;
	case OP_GE: lo = v; break;
	case OP_LT:
		if (v == 0)
			lo = 1;         /* nothing is below port 0: refused below */
		else
			hi = v - 1;
		break;
	case OP_LE: hi = v; break;
	default: break;
	}
	if (lo > hi) {
		fail(p, _("'%s %s %llu' can never match: ports are 0-65535"), fd->name, op_text[op],
		     (unsigned long long)v);
		return -1;
	}
	return bpf_leaf(p, "tcp %sportrange %llu-%llu", fd->bpf, (unsigned long long)lo,
	                (unsigned long long)hi);
}

static int addr_leaf(struct parser *p, const struct field *fd, enum op op, const char *w,
                     size_t wl)
{
	bool v6 = fd->kind == F_ADDR6;
	int af = v6 ? AF_INET6 : AF_INET, bits = v6 ? 128 : 32, prefix = bits, leaf;
	char buf[64], txt[INET6_ADDRSTRLEN];
	uint8_t a[16];
	char *slash;

	if (op != OP_EQ && op != OP_NE) {
		fail(p, _("'%s' takes == or != an address, not '%s'"), fd->name, op_text[op]);
		return -1;
	}
	if (wl >= sizeof buf) {
		fail(p, _("'%.*s' is not an %s address"), (int)wl, w, v6 ? "IPv6" : "IPv4");
		return -1;
	}
	memcpy(buf, w, wl);
	buf[wl] = '\0';
	if ((slash = strchr(buf, '/'))) {
		char *end;
		long pl;
		*slash = '\0';
		errno = 0;
		pl = strtol(slash + 1, &end, 10);
		if (errno || *end || end == slash + 1 || pl < 0 || pl > bits) {
			fail(p, _("'%s' has a bad prefix length (0-%d)"), w, bits);
			return -1;
		}
		prefix = (int)pl;
	}
	if (inet_pton(af, buf, a) != 1) {
		fail(p, _("'%.*s' is not an %s address (%s compares with one)"), (int)wl, w,
		     v6 ? "IPv6" : "IPv4", fd->name);
		return -1;
	}
	/* libpcap refuses a network with host bits set: keep the network's bits only. */
	for (int b = prefix; b < bits; b++)
		a[b / 8] &= (uint8_t)~(0x80u >> (b % 8));
	inet_ntop(af, a, txt, sizeof txt);
	if (prefix == bits)
		leaf = bpf_leaf(p, "%s %shost %s", fd->proto, fd->bpf, txt);
	else
		leaf = bpf_leaf(p, "%s %snet %s/%d", fd->proto, fd->bpf, txt, prefix);
	return op == OP_NE ? not_node(p, leaf) : leaf;
}

/* One comparison: field op value (op OP_NONE: the field alone). */
static int leaf(struct parser *p, const struct field *fd, uint32_t bits, enum op op,
                const char *w, size_t wl)
{
	uint64_t v = 0;

	if (op == OP_NONE) {
		switch (fd->kind) {
		case F_FLAG:
			return flag_leaf(p, fd, true);
		case F_LABEL:
			return seg_leaf(p, SEG_ANALYSIS, OP_NONE, bits, bits == ANY_LABEL ? "any" :
			                expert_labels[__builtin_ctz(bits)].name);
		default:
			return bpf_leaf(p, "%s", fd->proto);
		}
	}
	if (fd->kind == F_PROTO || fd->kind == F_LABEL) {
		fail(p, _("'%s' takes no value: write it alone (or after ! / not)"),
		     fd == &label_field ? "tcp.analysis.*" : fd->name);
		return -1;
	}
	if (fd->kind == F_ADDR4 || fd->kind == F_ADDR6)
		return addr_leaf(p, fd, op, w, wl);
	if (fd->kind == F_FLAG && wl == 4 && !strncmp(w, "true", 4))
		v = 1;
	else if (fd->kind == F_FLAG && wl == 5 && !strncmp(w, "false", 5))
		v = 0;
	else if (!parse_num(w, wl, &v)) {
		fail(p, _("'%.*s' is not a number (%s compares with one)"), (int)wl, w, fd->name);
		return -1;
	}
	switch (fd->kind) {
	case F_FLAG:
		if (v > 1 || (op != OP_EQ && op != OP_NE)) {
			fail(p, _("'%s' is 0 or 1: write %s == 1, == 0, or the field alone"), fd->name,
			     fd->name);
			return -1;
		}
		return flag_leaf(p, fd, (op == OP_EQ) == (v == 1));
	case F_HDR:
		return hdr_leaf(p, fd, op, v);
	case F_PORT:
		return port_leaf(p, fd, op, v);
	case F_TCPLEN:
		return len_leaf(p, op, v);
	case F_SEG:
		return seg_leaf(p, fd->sf, op, v, NULL);
	default:
		fail(p, _("'%s' cannot be compared"), fd->name);
		return -1;
	}
}

static int parse_or(struct parser *p);

static int parse_primary(struct parser *p)
{
	const struct field *fd;
	uint32_t bits;
	enum tok t = lex(p);

	if (t == T_LP) {
		int e;
		if (++p->depth > MAX_DEPTH) {
			fail(p, _("parentheses nested too deeply (at most %d)"), MAX_DEPTH);
			return -1;
		}
		e = parse_or(p);
		p->depth--;
		if (e < 0)
			return -1;
		if (lex(p) != T_RP) {
			fail(p, _("missing ')' at column %zu"), p->tok_start + 1);
			return -1;
		}
		return e;
	}
	if (t != T_WORD) {
		if (t == T_END)
			fail(p, _("a field is missing at the end"));
		else
			fail(p, _("a field was expected at '%.*s' (column %zu)"), (int)(p->wl ? p->wl : 1),
			     p->w, p->tok_start + 1);
		return -1;
	}
	fd = field_find(p->w, p->wl, &bits);
	if (!fd) {
		/* "tcp.prot": a Wireshark field misspelt, so its error is the one to lead with */
		p->ws_like |= memchr(p->w, '.', p->wl) != NULL;
		fail(p, _("'%.*s' is not a field tcplab knows"), (int)p->wl, p->w);
		return -1;
	}
	p->ws_like |= strchr(fd->name, '.') != NULL;
	t = peek(p);
	if (t == T_OP) {
		enum op op;
		lex(p);
		op = p->op;
		if (lex(p) != T_WORD) {
			fail(p, _("a value is missing after '%s %s'"), fd->name, op_text[op]);
			return -1;
		}
		return leaf(p, fd, bits, op, p->w, p->wl);
	}
	if (t == T_IN) {
		int e = -1;
		lex(p);
		if (lex(p) != T_LB) {
			fail(p, _("'%s in' needs a set: %s in {80 443}"), fd->name, fd->name);
			return -1;
		}
		/* Wireshark 4 separates the values with commas; older ones with blanks */
		while (lex(p) == T_WORD || (p->t == T_COMMA && e >= 0 && lex(p) == T_WORD)) {
			int one = leaf(p, fd, bits, OP_EQ, p->w, p->wl);
			e = e < 0 ? one : bin_node(p, N_OR, e, one);
			if (one < 0 || e < 0)
				return -1;
		}
		if (p->t != T_RB || e < 0) {
			fail(p, _("'%s in {...}' needs values and a closing '}'"), fd->name);
			return -1;
		}
		return e;
	}
	return leaf(p, fd, bits, OP_NONE, NULL, 0);
}

static int parse_not(struct parser *p)
{
	int e;

	if (peek(p) != T_NOT)
		return parse_primary(p);
	lex(p);
	if (++p->depth > MAX_DEPTH) {
		fail(p, _("too many 'not' in a row (at most %d)"), MAX_DEPTH);
		return -1;
	}
	e = not_node(p, parse_not(p));
	p->depth--;
	return e;
}

static int parse_and(struct parser *p)
{
	int e = parse_not(p);

	while (e >= 0 && peek(p) == T_AND) {
		lex(p);
		e = bin_node(p, N_AND, e, parse_not(p));
	}
	return e;
}

static int parse_or(struct parser *p)
{
	int e = parse_and(p);

	while (e >= 0 && peek(p) == T_OR) {
		lex(p);
		e = bin_node(p, N_OR, e, parse_and(p));
	}
	return e;
}

/* ---- rendering and compiling ---- */

static bool pure_bpf(const struct dfilter *f, int i)
{
	const struct node *n = &f->n[i];

	switch (n->k) {
	case N_BPF: return true;
	case N_SEG: return false;
	case N_NOT: return pure_bpf(f, n->l);
	default: return pure_bpf(f, n->l) && pure_bpf(f, n->r);
	}
}

/*
 * BPF text of subtree i (tcplab's own facts in their own words where the subtree has
 * them). libpcap gives 'and' and 'or' the same precedence, left to right, so a binary
 * child of another kind is parenthesised, and so is any binary operand of 'not'.
 */
static void render(const struct dfilter *f, int i, struct sb *s)
{
	const struct node *n = &f->n[i];

	switch (n->k) {
	case N_BPF:
		sb_add(s, "%s", n->bpf);
		break;
	case N_SEG:
		if (n->sf == SEG_ANALYSIS)
			sb_add(s, "analysis(%s)", n->label ? n->label : "any");
		else
			sb_add(s, "%s %s %llu", seg_name[n->sf], op_text[n->op],
			       (unsigned long long)n->val);
		break;
	case N_NOT: {
		bool paren = f->n[n->l].k == N_AND || f->n[n->l].k == N_OR;
		sb_add(s, paren ? "not (" : "not ");
		render(f, n->l, s);
		if (paren)
			sb_add(s, ")");
		break;
	}
	default:
		for (int side = 0; side < 2; side++) {
			int c = side ? n->r : n->l;
			bool paren = (f->n[c].k == N_AND || f->n[c].k == N_OR) && f->n[c].k != n->k;
			if (side)
				sb_add(s, n->k == N_AND ? " and " : " or ");
			if (paren)
				sb_add(s, "(");
			render(f, c, s);
			if (paren)
				sb_add(s, ")");
		}
	}
}

/* BPF text tcplab wrote: optimised, or as it is where the optimiser refuses what it proves
 * matches nothing ("ip.src == 10.0.0.1 && ip.src == 10.0.0.2"): still a filter. */
static int compile_translation(pcap_t *dead, const char *text, struct bpf_program *prog)
{
	if (pcap_compile(dead, prog, text, 1, PCAP_NETMASK_UNKNOWN) == 0)
		return 0;
	return pcap_compile(dead, prog, text, 0, PCAP_NETMASK_UNKNOWN);
}

/* Compile each largest BPF-only subtree of i into one program. */
static int prepare(struct dfilter *f, int i, pcap_t *dead, char *errbuf, size_t errlen)
{
	struct node *n = &f->n[i];

	if (pure_bpf(f, i)) {
		struct sb s = { 0 };
		int r;
		render(f, i, &s);
		if (s.oom) {
			free(s.b);
			errbuf_set(errbuf, errlen, _("out of memory"));
			return -1;
		}
		r = compile_translation(dead, s.b, &f->n[i].prog);
		if (r < 0)              /* a bug of the translation, said as it is */
			errbuf_set(errbuf, errlen, _("cannot compile the translation '%s': %s"), s.b,
			           pcap_geterr(dead));
		free(s.b);
		f->n[i].have_prog = r == 0;
		return r;
	}
	if (n->k == N_SEG)
		return 0;
	if (prepare(f, n->l, dead, errbuf, errlen) < 0)
		return -1;
	return n->k == N_NOT ? 0 : prepare(f, n->r, dead, errbuf, errlen);
}

void dfilter_free(struct dfilter *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->nn; i++) {
		free(f->n[i].bpf);
		if (f->n[i].have_prog)
			pcap_freecode(&f->n[i].prog);
	}
	free(f->n);
	free(f->expr);
	free(f->translation);
	free(f);
}

/* Parse expr as a Wireshark filter into f. 0, or -1 with the reason in p->err. */
static int parse_wireshark(struct dfilter *f, const char *expr, struct parser *p)
{
	memset(p, 0, sizeof *p);
	p->f = f;
	p->s = expr;
	f->root = parse_or(p);
	if (f->root >= 0 && lex(p) != T_END) {
		if (p->t == T_RP)
			fail(p, _("unbalanced ')' at column %zu"), p->tok_start + 1);
		else
			fail(p, _("'%.*s' was not expected at column %zu"),
			     (int)(p->wl ? p->wl : 1), p->w, p->tok_start + 1);
		f->root = -1;
	}
	if (f->root < 0 && !p->err[0])
		fail(p, _("not a display filter"));
	return f->root < 0 ? -1 : 0;
}

static void reset_tree(struct dfilter *f)
{
	for (size_t i = 0; i < f->nn; i++) {
		free(f->n[i].bpf);
		if (f->n[i].have_prog)
			pcap_freecode(&f->n[i].prog);
	}
	f->nn = 0;
	f->root = -1;
}

int dfilter_compile(const char *expr, int dlt, unsigned flags, struct dfilter **out,
                    char *errbuf, size_t errlen)
{
	struct dfilter *f = NULL;
	struct parser *p = NULL;
	pcap_t *dead = NULL;
	size_t len;
	int rc = -1;

	*out = NULL;
	while (*expr == ' ' || *expr == '\t')
		expr++;
	len = strlen(expr);
	while (len && (expr[len - 1] == ' ' || expr[len - 1] == '\t'))
		len--;
	if (!len) {
		errbuf_set(errbuf, errlen, _("the filter is empty"));
		return -1;
	}
	f = calloc(1, sizeof *f);
	p = malloc(sizeof *p);
	if (!f || !p || !(f->expr = strndup(expr, len))) {
		errbuf_set(errbuf, errlen, _("out of memory"));
		goto out;
	}
	f->root = -1;
	if (!(dead = pcap_open_dead(dlt, SNAPLEN))) {
		errbuf_set(errbuf, errlen, _("cannot compile filters: out of memory"));
		goto out;
	}
	if (parse_wireshark(f, f->expr, p) == 0) {
		struct sb s = { 0 };
		if (prepare(f, f->root, dead, errbuf, errlen) < 0)
			goto out;
		f->kind = DFILTER_WIRESHARK;
		sb_add(&s, "%s", pure_bpf(f, f->root) ? "BPF: " : "BPF and tcplab's analysis: ");
		render(f, f->root, &s);
		if (s.oom) {
			free(s.b);
			errbuf_set(errbuf, errlen, _("out of memory"));
			goto out;
		}
		f->translation = s.b;
		rc = 0;
		goto out;
	}
	reset_tree(f);
	if (flags & DFILTER_NO_BPF) {
		errbuf_set(errbuf, errlen, "%s; %s", p->err, dfilter_accepted());
		goto out;
	}
	/* Not Wireshark: BPF as typed, as the filter prompt always took it. */
	f->root = node_new(f, N_BPF);
	if (f->root < 0 || !(f->translation = strdup(""))) {
		errbuf_set(errbuf, errlen, _("out of memory"));
		goto out;
	}
	if (pcap_compile(dead, &f->n[f->root].prog, f->expr, 1, PCAP_NETMASK_UNKNOWN) == 0) {
		f->n[f->root].have_prog = true;
		f->kind = DFILTER_BPF;
		rc = 0;
		goto out;
	}
	if (p->ws_like)
		errbuf_set(errbuf, errlen, _("%s (as BPF: %s); %s"), p->err, pcap_geterr(dead),
		           dfilter_accepted());
	else
		errbuf_set(errbuf, errlen, _("%s (as Wireshark's: %s); %s"),
		           pcap_geterr(dead), p->err, dfilter_accepted());
out:
	if (dead)
		pcap_close(dead);
	free(p);
	if (rc < 0)
		dfilter_free(f);
	else
		*out = f;
	return rc;
}

enum dfilter_kind dfilter_kind(const struct dfilter *f)
{
	return f->kind;
}

const char *dfilter_expr(const struct dfilter *f)
{
	return f->expr;
}

const char *dfilter_translation(const struct dfilter *f)
{
	return f->translation;
}

static bool cmp(enum op op, uint64_t a, uint64_t b)
{
	switch (op) {
	case OP_EQ: return a == b;
	case OP_NE: return a != b;
	case OP_GT: return a > b;
	case OP_LT: return a < b;
	case OP_GE: return a >= b;
	case OP_LE: return a <= b;
	default: return true;
	}
}

static bool eval(const struct dfilter *f, int i, const struct pcap_pkthdr *h,
                 const uint8_t *pkt, const struct dfilter_seg *seg)
{
	const struct node *n = &f->n[i];

	if (n->have_prog)
		return pkt && pcap_offline_filter(&n->prog, h, pkt) != 0;
	switch (n->k) {
	case N_SEG:
		switch (n->sf) {
		case SEG_ANALYSIS: return (seg->analysis & n->val) != 0;
		case SEG_FRAME: return cmp(n->op, seg->frame, n->val);
		case SEG_STREAM: return seg->stream != UINT32_MAX && cmp(n->op, seg->stream, n->val);
		case SEG_SEQ: return cmp(n->op, seg->rel_seq, n->val);
		case SEG_ACK: return cmp(n->op, seg->rel_ack, n->val);
		case SEG_WIN: return seg->win >= 0 && cmp(n->op, (uint64_t)seg->win, n->val);
		}
		return false;
	case N_NOT: return !eval(f, n->l, h, pkt, seg);
	case N_AND: return eval(f, n->l, h, pkt, seg) && eval(f, n->r, h, pkt, seg);
	case N_OR: return eval(f, n->l, h, pkt, seg) || eval(f, n->r, h, pkt, seg);
	default: return false;   /* an N_BPF leaf always has its program */
	}
}

bool dfilter_match(const struct dfilter *f, const uint8_t *pkt, size_t caplen,
                   size_t wirelen, const struct dfilter_seg *seg)
{
	struct pcap_pkthdr h = { 0 };
	static const struct dfilter_seg none = { .stream = UINT32_MAX };

	h.caplen = (bpf_u_int32)(caplen > UINT32_MAX ? UINT32_MAX : caplen);
	h.len = (bpf_u_int32)(wirelen > UINT32_MAX ? UINT32_MAX : wirelen);
	return eval(f, f->root, &h, pkt, seg ? seg : &none);
}
