/* summary: expected segment sequences: a packetdrill-like text format, its parser, a polynomial matcher and the explanations. */
#include "capture/expect.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/tr.h"

/* ------------------------------------------------------------------------------------ */
/* The spec in memory                                                                    */

enum { DIR_ANY = -1 };
#define MAX_ALT 8
#define REP_INF UINT32_MAX
#define NUM_MAX UINT64_C(4294967295)   /* seq, ack, len, win all fit in 32 bits */
#define TIME_MAX_NS (UINT64_C(1000000) * UINT64_C(1000000000))

enum field_index { F_SEQ, F_ACK, F_LEN, F_WIN, NFIELD };

struct range {
	bool set;
	uint64_t lo, hi;        /* inclusive */
};

enum time_kind { T_NONE, T_REL, T_ABS };

struct seg_line {
	int lineno;
	char *text;             /* as written, comment and surrounding blanks removed */
	int dir;                /* FLOW_C2S, FLOW_S2C or DIR_ANY */
	bool any_flags;
	int nalt;
	uint16_t alt[MAX_ALT];
	struct range f[NFIELD];
	bool ack_all;           /* ack=+ */
	bool retrans;           /* must be a retransmission (expert analysis) */
	bool sack;              /* must carry a SACK block (RFC 2018) */
	uint32_t expert;        /* must carry one of these EXPERT_BIT labels; 0: any */
	enum time_kind tkind;
	uint64_t t_lo, t_hi;    /* nanoseconds */
	uint32_t rmin, rmax;    /* repetition; rmax REP_INF for unbounded */
};

enum check_kind { CHECK_SECTION, CHECK_ASSERT };
enum assert_kind { A_NO_RST, A_NO_RETRANS, A_FIRST_FIN, A_TIME_WAIT, A_HANDSHAKE };
enum who { WHO_CLIENT = FLOW_C2S, WHO_SERVER = FLOW_S2C, WHO_BOTH, WHO_NONE };

struct check {
	enum check_kind kind;
	char *name;
	int lineno;
	size_t first, nlines;   /* section: its lines in spec->lines */
	enum assert_kind akind;
	int who;                /* assertion argument, enum who */
};

struct expect_spec {
	struct check *checks;
	size_t ncheck, capc;
	struct seg_line *lines;
	size_t nline, capl;
};

/* ------------------------------------------------------------------------------------ */
/* Tables                                                                                */

/* tcpdump's flag letters (print-tcp.c tcp_flag_values), RFC 9293 section 3.1 bits. */
static const struct {
	char ch;
	uint16_t bit;
} flag_letters[] = {
	{ 'F', TCP_FIN }, { 'S', TCP_SYN }, { 'R', TCP_RST }, { 'P', TCP_PSH },
	{ '.', TCP_ACK }, { 'U', TCP_URG }, { 'E', TCP_ECE }, { 'W', TCP_CWR },
	{ 'e', TCP_AE },
};
#define FLAG_MASK (TCP_FIN | TCP_SYN | TCP_RST | TCP_PSH | TCP_ACK | TCP_URG | TCP_ECE | \
                   TCP_CWR | TCP_AE)

/* Words for the usual flag sets, so "F." reads "the client's FIN". */
static const struct {
	uint16_t flags;
	const char *word;
} flag_words[] = {
	{ TCP_SYN, "SYN" },
	{ TCP_SYN | TCP_ACK, "SYN-ACK" },
	{ TCP_ACK, "ACK" },
	{ TCP_PSH | TCP_ACK, N_("data") },
	{ TCP_FIN | TCP_ACK, "FIN" },
	{ TCP_FIN | TCP_PSH | TCP_ACK, N_("FIN with data") },
	{ TCP_FIN, "FIN" },
	{ TCP_RST, "RST" },
	{ TCP_RST | TCP_ACK, "RST" },
};

static const struct {
	const char *tok;
	int dir;
} dir_names[] = {
	{ "c>s", FLOW_C2S }, { "s>c", FLOW_S2C }, { "any", DIR_ANY },
};

static const char *const side_names[2] = { N_("client"), N_("server") };

static const struct {
	const char *name;
	enum field_index idx;
} field_names[] = {
	{ "seq", F_SEQ }, { "ack", F_ACK }, { "len", F_LEN }, { "win", F_WIN },
};

/* Argument words of assertions; a NULL list means the assertion takes none. */
static const char *const who_fin[] = { "client", "server", "none", NULL };
static const char *const who_tw[] = { "client", "server", "both", "none", NULL };
static const int who_fin_val[] = { WHO_CLIENT, WHO_SERVER, WHO_NONE };
static const int who_tw_val[] = { WHO_CLIENT, WHO_SERVER, WHO_BOTH, WHO_NONE };

static const struct {
	const char *kw;
	enum assert_kind kind;
	const char *const *args;
	const int *vals;
	const char *names[4];   /* default check name per argument (index as in args) */
} assert_table[] = {
	{ "no-rst", A_NO_RST, NULL, NULL, { N_("no RST in the connection") } },
	{ "no-retransmission", A_NO_RETRANS, NULL, NULL, { N_("no segment is sent twice") } },
	{ "handshake", A_HANDSHAKE, NULL, NULL, { N_("the three-way handshake completes") } },
	{ "first-fin", A_FIRST_FIN, who_fin, who_fin_val,
	  { N_("the client sends the first FIN"), N_("the server sends the first FIN"),
	    N_("nobody sends a FIN") } },
	{ "time-wait", A_TIME_WAIT, who_tw, who_tw_val,
	  { N_("the client holds TIME-WAIT at the end"), N_("the server holds TIME-WAIT at the end"),
	    N_("both sides hold TIME-WAIT at the end"), N_("nobody holds TIME-WAIT at the end") } },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------------------------ */
/* Parser                                                                                */

struct pstate {
	const char *name;
	int lineno;
	char *errbuf;
	size_t errlen;
	struct expect_spec *spec;
	long cur_section;       /* index into checks of the open section, -1 none */
};

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int perr(struct pstate *ps, const char *fmt, ...)
{
	if (ps->errbuf && ps->errlen) {
		int n = snprintf(ps->errbuf, ps->errlen, "%s:%d: ", ps->name, ps->lineno);
		if (n >= 0 && (size_t)n < ps->errlen) {
			va_list ap;
			va_start(ap, fmt);
			vsnprintf(ps->errbuf + n, ps->errlen - (size_t)n, fmt, ap);
			va_end(ap);
		}
	}
	return -1;
}

static char *xstrndup(const char *s, size_t n)
{
	char *p = malloc(n + 1);
	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : 16;
	while (ncap < need)
		ncap *= 2;
	void *p = realloc(*arr, ncap * elem);
	if (!p)
		return -1;
	*arr = p;
	*cap = ncap;
	return 0;
}

static struct check *new_check(struct pstate *ps, enum check_kind kind)
{
	struct expect_spec *sp = ps->spec;
	if (grow((void **)&sp->checks, &sp->capc, sp->ncheck + 1, sizeof *sp->checks) < 0) {
		perr(ps, "out of memory");
		return NULL;
	}
	struct check *c = &sp->checks[sp->ncheck++];
	memset(c, 0, sizeof *c);
	c->kind = kind;
	c->lineno = ps->lineno;
	c->first = sp->nline;
	return c;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Split s (NUL-terminated, modified) into blank-separated tokens. */
static int tokenize(char *s, char **tok, int max)
{
	int n = 0;
	while (*s) {
		while (is_blank(*s))
			*s++ = '\0';
		if (!*s)
			break;
		if (n == max)
			return -1;
		tok[n++] = s;
		while (*s && !is_blank(*s))
			s++;
	}
	return n;
}

/* Decimal number of at most 10 digits, whole token; *end gets where it stopped. */
static bool parse_uint(const char *s, uint64_t *out, const char **end)
{
	uint64_t v = 0;
	int nd = 0;
	while (*s >= '0' && *s <= '9') {
		if (++nd > 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
		s++;
	}
	if (nd == 0 || v > NUM_MAX)
		return false;
	*out = v;
	*end = s;
	return true;
}

/* Seconds "12", "0.040", "1.5" to nanoseconds, locale-independent; whole string. */
static bool parse_seconds(const char *s, size_t n, uint64_t *ns)
{
	uint64_t whole = 0, frac = 0;
	size_t i = 0;
	int nd = 0, nf = 0;
	while (i < n && s[i] >= '0' && s[i] <= '9') {
		if (++nd > 7)
			return false;
		whole = whole * 10 + (uint64_t)(s[i++] - '0');
	}
	if (nd == 0)
		return false;
	if (i < n && s[i] == '.') {
		i++;
		while (i < n && s[i] >= '0' && s[i] <= '9') {
			if (++nf > 9)
				return false;
			frac = frac * 10 + (uint64_t)(s[i++] - '0');
		}
		if (nf == 0)
			return false;
	}
	if (i != n)
		return false;
	for (int k = nf; k < 9; k++)
		frac *= 10;
	*ns = whole * UINT64_C(1000000000) + frac;
	return *ns <= TIME_MAX_NS;
}

static int parse_time(struct pstate *ps, const char *tok, struct seg_line *l)
{
	const char *s = tok;
	l->tkind = T_ABS;
	if (*s == '+') {
		l->tkind = T_REL;
		s++;
	}
	const char *dots = strstr(s, "...");
	if (!dots || !parse_seconds(s, (size_t)(dots - s), &l->t_lo) ||
	    !parse_seconds(dots + 3, strlen(dots + 3), &l->t_hi))
		return perr(ps, "bad time window '%s' (write +A...B or A...B, in seconds)", tok);
	if (l->t_lo > l->t_hi)
		return perr(ps, "time window '%s' ends before it starts", tok);
	return 0;
}

static int parse_flags(struct pstate *ps, const char *tok, struct seg_line *l)
{
	if (strcmp(tok, "*") == 0) {
		l->any_flags = true;
		return 0;
	}
	const char *s = tok;
	for (;;) {
		const char *bar = strchr(s, '|');
		size_t n = bar ? (size_t)(bar - s) : strlen(s);
		if (n == 0)
			return perr(ps, "empty alternative in flags '%s'", tok);
		if (l->nalt == MAX_ALT)
			return perr(ps, "more than %d alternatives in flags '%s'", MAX_ALT, tok);
		uint16_t f = 0;
		if (n == 4 && strncmp(s, "none", 4) == 0) {
			f = 0;
		} else {
			for (size_t i = 0; i < n; i++) {
				uint16_t bit = 0;
				for (size_t k = 0; k < NELEM(flag_letters); k++)
					if (flag_letters[k].ch == s[i])
						bit = flag_letters[k].bit;
				if (!bit) {
					if (s[i] == '*')
						return perr(ps, "'*' must stand alone as flags, not in '%s'",
						            tok);
					return perr(ps, "unknown flag '%c' in '%s' (use F S R P U E W e and . for ACK)",
					            s[i], tok);
				}
				if (f & bit)
					return perr(ps, "flag '%c' twice in '%s'", s[i], tok);
				f |= bit;
			}
		}
		l->alt[l->nalt++] = f;
		if (!bar)
			return 0;
		s = bar + 1;
	}
}

static int parse_field(struct pstate *ps, const char *tok, struct seg_line *l)
{
	if (strcmp(tok, "retrans") == 0) {
		if (l->retrans)
			return perr(ps, "field 'retrans' given twice");
		l->retrans = true;
		return 0;
	}
	if (strcmp(tok, "sack") == 0) {
		if (l->sack)
			return perr(ps, "field 'sack' given twice");
		l->sack = true;
		return 0;
	}
	if (strncmp(tok, "expert=", 7) == 0) {
		const char *e = tok + 7;

		if (l->expert)
			return perr(ps, "field 'expert' given twice");
		while (*e) {
			size_t n = strcspn(e, "|");
			int found = -1;

			for (int i = 0; i < EXPERT_NLABELS; i++)
				if (strlen(expert_labels[i].name) == n && !strncmp(e, expert_labels[i].name, n))
					found = i;
			if (found < 0)
				return perr(ps, "unknown expert label '%.*s' in '%s' (use a label 'tcplab "
				            "inspect --tsv' prints, such as duplicate_ack)", (int)n, e, tok);
			l->expert |= EXPERT_BIT(found);
			e += n;
			if (*e == '|' && *++e == '\0')
				return perr(ps, "empty alternative in '%s'", tok);
		}
		if (!l->expert)
			return perr(ps, "field 'expert' needs a label, as in 'expert=duplicate_ack'");
		return 0;
	}
	size_t nlen = strcspn(tok, "=<>");
	const char *op = tok + nlen;
	long idx = -1;
	for (size_t k = 0; k < NELEM(field_names); k++)
		if (strlen(field_names[k].name) == nlen && strncmp(tok, field_names[k].name, nlen) == 0)
			idx = field_names[k].idx;
	if (idx < 0)
		return perr(ps, "unknown field '%s' (use seq, ack, len, win, retrans, sack or expert=)",
		            tok);
	if (!*op)
		return perr(ps, "field '%s' needs a value, as in '%s=0'", tok, tok);
	struct range *r = &l->f[idx];
	if (r->set || (idx == F_ACK && l->ack_all))
		return perr(ps, "field '%.*s' given twice", (int)nlen, tok);
	if (idx == F_ACK && strcmp(op, "=+") == 0) {
		l->ack_all = true;
		return 0;
	}
	const char *end;
	uint64_t a, b;
	if (op[0] == '=' ) {
		if (!parse_uint(op + 1, &a, &end))
			goto bad;
		if (*end == '\0') {
			b = a;
		} else if (end[0] == '.' && end[1] == '.') {
			if (!parse_uint(end + 2, &b, &end) || *end)
				goto bad;
			if (a > b)
				return perr(ps, "range in '%s' ends before it starts", tok);
		} else {
			goto bad;
		}
	} else if (op[0] == '>' || op[0] == '<') {
		bool eq = op[1] == '=';
		if (!parse_uint(op + 1 + eq, &a, &end) || *end)
			goto bad;
		if (op[0] == '>') {
			if (!eq && a == NUM_MAX)
				return perr(ps, "nothing is above %" PRIu64 " in '%s'", a, tok);
			b = NUM_MAX;
			a += !eq;
		} else {
			if (!eq && a == 0)
				return perr(ps, "nothing is below 0 in '%s'", tok);
			b = eq ? a : a - 1;
			a = 0;
		}
	} else {
		goto bad;
	}
	r->set = true;
	r->lo = a;
	r->hi = b;
	return 0;
bad:
	return perr(ps, "bad value in '%s' (write %.*s=N, %.*s=N..M, %.*s>N, %.*s<N%s)", tok,
	            (int)nlen, tok, (int)nlen, tok, (int)nlen, tok, (int)nlen, tok,
	            idx == F_ACK ? " or ack=+" : "");
}

/* '*', '+', '?', '{n}', '{n,}', '{n,m}'; returns 1 if tok is a repetition, 0 if not. */
static int parse_repeat(struct pstate *ps, const char *tok, struct seg_line *l)
{
	if (strcmp(tok, "*") == 0) {
		l->rmin = 0, l->rmax = REP_INF;
		return 1;
	}
	if (strcmp(tok, "+") == 0) {
		l->rmin = 1, l->rmax = REP_INF;
		return 1;
	}
	if (strcmp(tok, "?") == 0) {
		l->rmin = 0, l->rmax = 1;
		return 1;
	}
	if (tok[0] != '{')
		return 0;
	const char *end;
	uint64_t a, b;
	if (!parse_uint(tok + 1, &a, &end))
		goto bad;
	if (end[0] == '}' && !end[1]) {
		b = a;
	} else if (end[0] == ',' && end[1] == '}' && !end[2]) {
		b = REP_INF;
	} else if (end[0] == ',') {
		if (!parse_uint(end + 1, &b, &end) || end[0] != '}' || end[1])
			goto bad;
	} else {
		goto bad;
	}
	if (a > EXPECT_MAX_REPEAT || (b != REP_INF && b > EXPECT_MAX_REPEAT))
		return perr(ps, "repetition count too large in '%s' (at most %d; use '*' or '{n,}' for any number)",
		            tok, EXPECT_MAX_REPEAT);
	if (a > b)
		return perr(ps, "repetition '%s' has its minimum above its maximum", tok);
	if (b == 0)
		return perr(ps, "repetition '%s' never matches anything (remove the line)", tok);
	l->rmin = (uint32_t)a;
	l->rmax = (uint32_t)b;
	return 1;
bad:
	return perr(ps, "bad repetition '%s' (use *, +, ?, {n}, {n,} or {n,m})", tok);
}

static int parse_segment_line(struct pstate *ps, char *body, const char *text, size_t tlen)
{
	struct expect_spec *sp = ps->spec;
	if (ps->cur_section < 0)
		return perr(ps, "segment line outside a check section (add a 'check \"name\"' line above it): '%s'",
		            text);
	if (grow((void **)&sp->lines, &sp->capl, sp->nline + 1, sizeof *sp->lines) < 0)
		return perr(ps, "out of memory");
	struct seg_line *l = &sp->lines[sp->nline];
	memset(l, 0, sizeof *l);
	l->lineno = ps->lineno;
	l->rmin = l->rmax = 1;
	l->dir = DIR_ANY;

	char *tok[EXPECT_MAX_LINE_LEN / 2 + 1];
	int ntok = tokenize(body, tok, (int)NELEM(tok));
	int i = 0;
	if (ntok <= 0)
		return perr(ps, "cannot split the line into words: '%s'", text);
	if (ntok == 1 && strcmp(tok[0], "...") == 0) {
		l->any_flags = true;
		l->rmin = 0;
		l->rmax = REP_INF;
		goto done;
	}
	for (int k = 0; k < ntok; k++)
		if (strcmp(tok[k], "...") == 0)
			return perr(ps, "'...' stands alone on its line (it skips any segments): '%s'", text);
	if (tok[0][0] == '+' || (tok[0][0] >= '0' && tok[0][0] <= '9') || strstr(tok[0], "..."))
		if (parse_time(ps, tok[i++], l) < 0)
			return -1;
	if (i >= ntok)
		return perr(ps, "missing direction (c>s, s>c or any) in '%s'", text);
	bool found = false;
	for (size_t k = 0; k < NELEM(dir_names); k++)
		if (strcmp(tok[i], dir_names[k].tok) == 0) {
			l->dir = dir_names[k].dir;
			found = true;
		}
	if (!found)
		return perr(ps, "unknown direction '%s' (use c>s, s>c or any)", tok[i]);
	i++;
	if (i >= ntok)
		return perr(ps, "missing flags after '%s' (write them as tcpdump does: S, S., ., P., F., R.; * for any)",
		            tok[i - 1]);
	if (parse_flags(ps, tok[i++], l) < 0)
		return -1;
	for (; i < ntok; i++) {
		if (i == ntok - 1) {
			int r = parse_repeat(ps, tok[i], l);
			if (r < 0)
				return -1;
			if (r == 1)
				break;
		} else if (strchr("*+?{", tok[i][0]) && tok[i][0]) {
			return perr(ps, "repetition '%s' must be the last thing on the line", tok[i]);
		}
		if (parse_field(ps, tok[i], l) < 0)
			return -1;
	}
done:
	l->text = xstrndup(text, tlen);
	if (!l->text)
		return perr(ps, "out of memory");
	sp->nline++;
	sp->checks[ps->cur_section].nlines++;
	return 0;
}

/* "NAME" at s: copies into *out; rest gets what follows the closing quote. */
static int parse_quoted(struct pstate *ps, const char *s, char **out, const char **rest,
                        const char *what)
{
	if (*s != '"')
		return perr(ps, "missing quoted name after '%s'", what);
	const char *e = strchr(s + 1, '"');
	if (!e)
		return perr(ps, "unterminated name (no closing '\"') in '%s'", s);
	size_t n = (size_t)(e - s - 1);
	if (n == 0)
		return perr(ps, "empty name after '%s'", what);
	if (n > EXPECT_MAX_NAME)
		return perr(ps, "name longer than %d characters after '%s'", EXPECT_MAX_NAME, what);
	for (size_t i = 1; i <= n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return perr(ps, "control character in name after '%s'", what);
	*out = xstrndup(s + 1, n);
	if (!*out)
		return perr(ps, "out of memory");
	*rest = e + 1;
	return 0;
}

static const char *skip_blanks(const char *s)
{
	while (is_blank(*s))
		s++;
	return s;
}

static int parse_check_line(struct pstate *ps, const char *args)
{
	struct check *c = new_check(ps, CHECK_SECTION);
	if (!c)
		return -1;
	const char *rest;
	if (parse_quoted(ps, skip_blanks(args), &c->name, &rest, "check") < 0)
		return -1;
	rest = skip_blanks(rest);
	if (*rest)
		return perr(ps, "unexpected text after the check's name: '%s'", rest);
	ps->cur_section = (long)(ps->spec->ncheck - 1);
	return 0;
}

static int parse_assert_line(struct pstate *ps, const char *args)
{
	ps->cur_section = -1;
	struct check *c = new_check(ps, CHECK_ASSERT);
	if (!c)
		return -1;
	const char *s = skip_blanks(args);
	size_t n = strcspn(s, " \t");
	if (n == 0)
		return perr(ps, "missing assertion after 'assert' (no-rst, no-retransmission, handshake, first-fin, time-wait)");
	long a = -1;
	for (size_t k = 0; k < NELEM(assert_table); k++)
		if (strlen(assert_table[k].kw) == n && strncmp(s, assert_table[k].kw, n) == 0)
			a = (long)k;
	if (a < 0)
		return perr(ps, "unknown assertion '%.*s' (use no-rst, no-retransmission, handshake, first-fin or time-wait)",
		            (int)n, s);
	c->akind = assert_table[a].kind;
	s = skip_blanks(s + n);
	size_t argi = 0;
	if (assert_table[a].args) {
		size_t m = strcspn(s, " \t");
		long w = -1;
		for (size_t k = 0; assert_table[a].args[k]; k++)
			if (strlen(assert_table[a].args[k]) == m &&
			    strncmp(s, assert_table[a].args[k], m) == 0)
				w = (long)k;
		if (w < 0) {
			char choices[64] = "";
			for (size_t k = 0; assert_table[a].args[k]; k++) {
				size_t cl = strlen(choices);
				snprintf(choices + cl, sizeof choices - cl, "%s%s", k ? "|" : "",
				         assert_table[a].args[k]);
			}
			if (m == 0)
				return perr(ps, "'assert %s' needs one of %s", assert_table[a].kw, choices);
			return perr(ps, "unknown argument '%.*s' to 'assert %s' (use %s)", (int)m, s,
			            assert_table[a].kw, choices);
		}
		argi = (size_t)w;
		c->who = assert_table[a].vals[w];
		s = skip_blanks(s + m);
	}
	if (*s == '"') {
		const char *rest;
		if (parse_quoted(ps, s, &c->name, &rest, "assert") < 0)
			return -1;
		s = skip_blanks(rest);
	}
	if (*s)
		return perr(ps, "unexpected text after the assertion: '%s'", s);
	if (!c->name) {
		c->name = strdup(assert_table[a].names[argi]);
		if (!c->name)
			return perr(ps, "out of memory");
	}
	return 0;
}

/* One line, without its newline; n <= EXPECT_MAX_LINE_LEN. */
static int parse_line(struct pstate *ps, const char *line, size_t n)
{
	char buf[EXPECT_MAX_LINE_LEN + 1];
	memcpy(buf, line, n);
	buf[n] = '\0';
	/* A '#' starts a comment, except inside a quoted name. */
	bool quoted = false;
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '"')
			quoted = !quoted;
		else if (buf[i] == '#' && !quoted) {
			buf[i] = '\0';
			n = i;
			break;
		}
	}
	while (n && (is_blank(buf[n - 1]) || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	char *s = buf;
	while (is_blank(*s))
		s++;
	if (!*s)
		return 0;
	for (char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 && *p != '\t')
			return perr(ps, "control character 0x%02x in the line", (unsigned char)*p);
	size_t kw = strcspn(s, " \t");
	if (kw == 5 && strncmp(s, "check", 5) == 0)
		return parse_check_line(ps, s + 5);
	if (kw == 6 && strncmp(s, "assert", 6) == 0)
		return parse_assert_line(ps, s + 6);
	/* Explanations quote the line; runs of blanks (column alignment) become one space. */
	char text[EXPECT_MAX_LINE_LEN + 1];
	size_t tlen = 0;
	for (const char *p = s; *p; p++)
		if (!is_blank(*p) || (tlen && text[tlen - 1] != ' '))
			text[tlen++] = is_blank(*p) ? ' ' : *p;
	text[tlen] = '\0';
	return parse_segment_line(ps, s, text, tlen);
}

int expect_parse(const char *text, size_t len, const char *name, struct expect_spec **out,
                 char *errbuf, size_t errlen)
{
	struct pstate ps = { .name = name ? name : "spec", .errbuf = errbuf, .errlen = errlen,
	                     .cur_section = -1 };
	*out = NULL;
	ps.spec = calloc(1, sizeof *ps.spec);
	if (!ps.spec)
		return perr(&ps, "out of memory");
	if (!text)
		len = 0;
	size_t off = 0;
	while (off < len) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t n = nl ? (size_t)(nl - (text + off)) : len - off;
		ps.lineno++;
		if (ps.lineno > EXPECT_MAX_LINES) {
			perr(&ps, "more than %d lines (split the spec into smaller ones)",
			     EXPECT_MAX_LINES);
			goto fail;
		}
		if (n > EXPECT_MAX_LINE_LEN) {
			perr(&ps, "line longer than %d characters", EXPECT_MAX_LINE_LEN);
			goto fail;
		}
		if (memchr(text + off, '\0', n)) {
			perr(&ps, "NUL byte in the line (is this a text file?)");
			goto fail;
		}
		if (parse_line(&ps, text + off, n) < 0)
			goto fail;
		off += n + (nl != NULL);
	}
	for (size_t i = 0; i < ps.spec->ncheck; i++) {
		const struct check *c = &ps.spec->checks[i];
		if (c->kind == CHECK_SECTION && c->nlines == 0) {
			ps.lineno = c->lineno;
			perr(&ps, "check \"%s\" has no segment lines", c->name);
			goto fail;
		}
	}
	if (ps.spec->ncheck == 0) {
		if (errbuf && errlen)
			snprintf(errbuf, errlen, "%s: no checks (add 'check \"name\"' or 'assert' lines)",
			         ps.name);
		goto fail;
	}
	*out = ps.spec;
	return 0;
fail:
	expect_free(ps.spec);
	return -1;
}

int expect_load(const char *path, struct expect_spec **out, char *errbuf, size_t errlen)
{
	const size_t max = (size_t)EXPECT_MAX_LINES * (EXPECT_MAX_LINE_LEN + 1);
	*out = NULL;
	FILE *f = fopen(path, "rb");
	if (!f) {
		if (errbuf && errlen)
			snprintf(errbuf, errlen, "cannot read '%s': %s", path, strerror(errno));
		return -1;
	}
	int ret = -1;
	char *buf = malloc(max + 1);
	if (!buf) {
		if (errbuf && errlen)
			snprintf(errbuf, errlen, "cannot read '%s': out of memory", path);
		goto out;
	}
	size_t n = fread(buf, 1, max + 1, f);
	if (ferror(f)) {
		if (errbuf && errlen)
			snprintf(errbuf, errlen, "cannot read '%s': %s", path, strerror(errno));
		goto out;
	}
	if (n > max) {
		if (errbuf && errlen)
			snprintf(errbuf, errlen, "%s: larger than %zu bytes; a spec is a short text file",
			         path, max);
		goto out;
	}
	ret = expect_parse(buf, n, path, out, errbuf, errlen);
out:
	free(buf);
	fclose(f);
	return ret;
}

void expect_free(struct expect_spec *spec)
{
	if (!spec)
		return;
	for (size_t i = 0; i < spec->ncheck; i++)
		free(spec->checks[i].name);
	for (size_t i = 0; i < spec->nline; i++)
		free(spec->lines[i].text);
	free(spec->checks);
	free(spec->lines);
	free(spec);
}

size_t expect_ncheck(const struct expect_spec *spec)
{
	return spec ? spec->ncheck : 0;
}

const char *expect_check_name(const struct expect_spec *spec, size_t i)
{
	if (!spec || i >= spec->ncheck)
		return NULL;
	return spec->checks[i].name;
}

bool expect_check_timed(const struct expect_spec *spec, size_t i)
{
	const struct check *c;

	if (!spec || i >= spec->ncheck)
		return false;
	c = &spec->checks[i];
	/* A retransmission is a timer's doing: a machine that held a program up (its reply
	 * late, so the peer's timer fired) can send one where TCP on an idle machine would not. */
	if (c->kind != CHECK_SECTION)
		return c->akind == A_NO_RETRANS;
	for (size_t k = 0; k < c->nlines; k++)
		if (spec->lines[c->first + k].tkind != T_NONE)
			return true;
	return false;
}

const char *expect_verdict_str(enum expect_verdict v)
{
	switch (v) {
	case EXPECT_PASS: return N_("PASS");
	case EXPECT_FAIL: return N_("FAIL");
	case EXPECT_INCONCLUSIVE: return N_("inconclusive");
	}
	return "?";
}

/* ------------------------------------------------------------------------------------ */
/* Text helpers for explanations                                                         */

struct sbuf {
	char *p;
	size_t cap, len;
};

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void sb_add(struct sbuf *b, const char *fmt, ...)
{
	if (b->len + 1 >= b->cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	b->len += (size_t)n;
	if (b->len >= b->cap)
		b->len = b->cap - 1;
}

/* Substitute {exp} and {saw} with side names; other braces are left alone. */
static void sb_template(struct sbuf *b, const char *t, const char *exp, const char *saw)
{
	while (*t) {
		if (strncmp(t, "{exp}", 5) == 0) {
			sb_add(b, "%s", exp);
			t += 5;
		} else if (strncmp(t, "{saw}", 5) == 0) {
			sb_add(b, "%s", saw);
			t += 5;
		} else {
			sb_add(b, "%c", *t++);
		}
	}
}

static void sb_ms(struct sbuf *b, uint64_t ns)
{
	uint64_t us = ns / 1000;
	sb_add(b, "+%" PRIu64 ".%03" PRIu64 " ms", us / 1000, us % 1000);
}

static void sb_seconds(struct sbuf *b, uint64_t ns)
{
	uint64_t ms = ns / 1000000, rest = ns % 1000000;
	if (rest)
		sb_add(b, "%" PRIu64 ".%09" PRIu64, ns / 1000000000, ns % 1000000000);
	else
		sb_add(b, "%" PRIu64 ".%03" PRIu64, ms / 1000, ms % 1000);
}

/* ------------------------------------------------------------------------------------ */
/* Matching one segment against one line                                                 */

enum {
	M_DIR = 1 << 0,
	M_FLAGS = 1 << 1,
	M_SEQ = 1 << 2,
	M_ACK = 1 << 3,
	M_LEN = 1 << 4,
	M_WIN = 1 << 5,
	M_RETRANS = 1 << 6,
	M_SACK = 1 << 7,
	M_EXPERT = 1 << 8,
	M_TIME = 1 << 9,
};

#define RETRANS_BITS (EXPERT_BIT(EXPERT_I_RETRANSMISSION) | \
                      EXPERT_BIT(EXPERT_I_FAST_RETRANSMISSION) | \
                      EXPERT_BIT(EXPERT_I_SPURIOUS_RETRANSMISSION))

struct mctx {
	const struct flow_conn *conn;
	const struct flow_seg *segs;
	size_t n;
	uint64_t t0;
	uint32_t *peer_next;    /* relative seq the peer's data reaches before segment q */
	uint8_t *peer_known;
	uint8_t *delack;        /* segment q is a delayed ACK (expert_delack_feed), fed once */
	uint8_t *cur, *nxt;     /* reach sets over positions 0..n */
	int32_t *diff;
	uint32_t *run, *stamp;  /* run length memo per line, valid when stamp == gen */
	uint32_t gen;
	size_t first_fin;       /* index of the connection's first FIN, n if none */
};

static uint64_t seg_time(const struct mctx *m, size_t q)
{
	uint64_t t = m->segs[q].seg.ts_ns;
	return t >= m->t0 ? t - m->t0 : 0;
}

/* The wire's gap: from the previous segment to segment q. */
static uint64_t seg_gap_wire(const struct mctx *m, size_t q)
{
	if (q == 0)
		return 0;
	uint64_t a = m->segs[q - 1].seg.ts_ns, b = m->segs[q].seg.ts_ns;
	return b >= a ? b - a : 0;
}

/*
 * TCP's own delay: data its program handed over after the previous segment counts from
 * then (struct flow_seg's ready_ns), so a program that called late is not a late wire.
 * Only the upper bound of a window is held to this; the lower bound ("at least 10 ms
 * after the previous segment") is a claim about the wire and is held to seg_gap_wire().
 */
static uint64_t seg_gap(const struct mctx *m, size_t q)
{
	if (q == 0)
		return 0;
	uint64_t a = m->segs[q - 1].seg.ts_ns, b = m->segs[q].seg.ts_ns;
	if (m->segs[q].ready_ns > a)
		a = m->segs[q].ready_ns;
	return b >= a ? b - a : 0;
}

/* The gap was counted from the program's call, not from the previous segment. */
static bool seg_gap_from_call(const struct mctx *m, size_t q)
{
	return q > 0 && m->segs[q].ready_ns > m->segs[q - 1].seg.ts_ns;
}

static uint64_t field_value(const struct flow_seg *s, enum field_index f)
{
	switch (f) {
	case F_SEQ: return s->rel_seq;
	case F_ACK: return s->rel_ack;
	case F_LEN: return s->seg.len;
	case F_WIN: return s->win_scaled < 0 ? 0 : (uint64_t)s->win_scaled;
	case NFIELD: break;
	}
	return 0;
}

static unsigned mismatch(const struct mctx *m, const struct seg_line *l, size_t q)
{
	const struct flow_seg *s = &m->segs[q];
	unsigned bad = 0;
	if (l->dir != DIR_ANY && (int)s->dir != l->dir)
		bad |= M_DIR;
	if (!l->any_flags) {
		uint16_t f = s->seg.flags & FLAG_MASK;
		bool ok = false;
		for (int i = 0; i < l->nalt; i++)
			ok |= l->alt[i] == f;
		if (!ok)
			bad |= M_FLAGS;
	}
	static const unsigned fbit[NFIELD] = { M_SEQ, M_ACK, M_LEN, M_WIN };
	for (int f = 0; f < NFIELD; f++) {
		if (!l->f[f].set)
			continue;
		uint64_t v = field_value(s, (enum field_index)f);
		if (v < l->f[f].lo || v > l->f[f].hi)
			bad |= fbit[f];
	}
	if (l->ack_all && (!(s->seg.flags & TCP_ACK) || !m->peer_known[q] ||
	                   s->rel_ack != m->peer_next[q]))
		bad |= M_ACK;
	if (l->retrans && !(s->analysis & RETRANS_BITS))
		bad |= M_RETRANS;
	if (l->sack && (!(s->seg.opt.present & TCPOPT_HAS_SACK) || !s->seg.opt.nsack))
		bad |= M_SACK;
	if (l->expert && !(s->analysis & l->expert))
		bad |= M_EXPERT;
	if (l->tkind == T_REL) {
		if (seg_gap_wire(m, q) < l->t_lo || seg_gap(m, q) > l->t_hi)
			bad |= M_TIME;
	} else if (l->tkind != T_NONE) {
		uint64_t t = seg_time(m, q);
		if (t < l->t_lo || t > l->t_hi)
			bad |= M_TIME;
	}
	return bad;
}

static unsigned mismatch_score(unsigned bad)
{
	unsigned s = 0;
	if (bad & M_FLAGS)
		s += 3;
	if (bad & M_DIR)
		s += 2;
	for (unsigned b = M_SEQ; b <= M_TIME; b <<= 1)
		if (bad & b)
			s += 1;
	return s;
}

/* How many segments from p on match line l in a row (memoised per line, amortised O(n)). */
static size_t runlen(struct mctx *m, const struct seg_line *l, size_t p)
{
	size_t q = p;
	while (q < m->n && m->stamp[q] != m->gen) {
		if (mismatch(m, l, q)) {
			m->stamp[q] = m->gen;
			m->run[q] = 0;
			break;
		}
		q++;
	}
	uint32_t r = q < m->n ? m->run[q] : 0;
	while (q > p) {
		q--;
		m->run[q] = ++r;
		m->stamp[q] = m->gen;
	}
	return m->run[p];
}

/* ------------------------------------------------------------------------------------ */
/* Known divergences: what a mismatch means in TCP terms (first matching row wins)        */

enum {
	CTX_FIRST_FIN = 1 << 0, /* the seen segment is the connection's first FIN */
	CTX_RETRANS = 1 << 1,   /* the seen segment is a retransmission */
	CTX_TIME_ONLY = 1 << 2, /* it matches the line except for its time */
	CTX_DELACK = 1 << 3,    /* a delayed ACK by expert_delack_feed() */
	CTX_UNEXPECTED = 1 << 4,/* no line expected anything more */
	CTX_END = 1 << 5,       /* no seen segment: the capture ended */
	CTX_EXPECTED = 1 << 6,  /* a line expected something (not CTX_UNEXPECTED) */
};

enum { REL_ANY, REL_SAME, REL_OTHER };

static const struct divergence {
	uint16_t exp_has;       /* every alternative of the expected line has these flags */
	uint16_t exp_lacks;     /* and lacks these */
	uint16_t seen_has;      /* the seen segment has these flags */
	int rel;                /* seen direction relative to the expected one */
	unsigned ctx;           /* all of these CTX_ bits */
	const char *why;
} divergences[] = {
	{ TCP_FIN, 0, TCP_FIN, REL_OTHER, CTX_FIRST_FIN,
	  N_("the {saw} closed first; the {exp} must close first") },
	{ TCP_FIN, 0, TCP_RST, REL_ANY, CTX_EXPECTED,
	  N_("RST instead of FIN: the connection was aborted, not closed (unread data in the receive "
	  "buffer when close() ran, SO_LINGER {1,0}, or a killed process with unread data)") },
	{ TCP_SYN | TCP_ACK, 0, TCP_RST | TCP_ACK, REL_ANY, CTX_EXPECTED,
	  N_("the SYN was answered by RST: nothing listens on that port (connection refused)") },
	{ 0, TCP_RST, TCP_RST, REL_ANY, CTX_EXPECTED,
	  N_("a RST: the {saw} aborted the connection here (close() with unread data, SO_LINGER {1,0}, "
	  "a killed process, or a segment for a socket that no longer exists)") },
	{ 0, 0, 0, REL_ANY, CTX_RETRANS | CTX_TIME_ONLY,
	  N_("it was a retransmission, sent when no ACK came in time: the first copy was lost or its ACK was") },
	{ 0, 0, TCP_ACK, REL_ANY, CTX_DELACK | CTX_TIME_ONLY,
	  N_("a delayed ACK: the receiver held the ACK back hoping to send it with data (Linux waits up "
	  "to about 40 ms; a reply sooner, one write per request or TCP_NODELAY on the sender avoids the wait)") },
	{ 0, 0, 0, REL_ANY, CTX_RETRANS | CTX_EXPECTED,
	  N_("a segment was sent again: the first copy was lost or its ACK was") },
	{ 0, 0, TCP_RST, REL_ANY, CTX_UNEXPECTED,
	  N_("a RST after the expected end: a segment reached a socket that was gone or aborted "
	  "(for example data sent after the peer closed)") },
	{ 0, 0, 0, REL_ANY, CTX_RETRANS | CTX_UNEXPECTED,
	  N_("a segment was sent again: the first copy was lost or its ACK was") },
	{ TCP_SYN | TCP_ACK, 0, 0, REL_ANY, CTX_END,
	  N_("the capture ends before it: the SYN was never answered (no host at that address, or a "
	  "firewall dropped it)") },
	{ TCP_FIN, 0, 0, REL_ANY, CTX_END,
	  N_("the capture ends before it: that side never closed its socket, or the capture stopped first") },
	{ 0, 0, 0, REL_ANY, CTX_END,
	  N_("the capture ends before it: it was never sent, or the capture stopped too early") },
};

static bool line_has_all(const struct seg_line *l, uint16_t need)
{
	if (!need)
		return true;
	if (!l || l->any_flags || l->nalt == 0)
		return false;
	for (int i = 0; i < l->nalt; i++)
		if ((l->alt[i] & need) != need)
			return false;
	return true;
}

static bool line_lacks_all(const struct seg_line *l, uint16_t bits)
{
	if (!bits)
		return true;
	if (!l || l->any_flags)
		return false;
	for (int i = 0; i < l->nalt; i++)
		if (l->alt[i] & bits)
			return false;
	return true;
}

static unsigned seg_context(const struct mctx *m, const struct seg_line *l, size_t q,
                            unsigned bad)
{
	unsigned ctx = l ? CTX_EXPECTED : CTX_UNEXPECTED;
	if (q >= m->n)
		return ctx | CTX_END;
	const struct flow_seg *s = &m->segs[q];
	/* A line that asks for a resend is not surprised by one: what differs is elsewhere. */
	if ((s->analysis & RETRANS_BITS) && !(l && (l->retrans || (l->expert & RETRANS_BITS))))
		ctx |= CTX_RETRANS;
	if (q == m->first_fin)
		ctx |= CTX_FIRST_FIN;
	if (bad == M_TIME)
		ctx |= CTX_TIME_ONLY;
	if (m->delack[q])
		ctx |= CTX_DELACK;
	return ctx;
}

/* Index of the first known divergence that applies, NELEM(divergences) if none. */
static size_t find_divergence(const struct mctx *m, const struct seg_line *l, size_t q,
                              unsigned bad)
{
	unsigned ctx = seg_context(m, l, q, bad);
	uint16_t seen = q < m->n ? m->segs[q].seg.flags : 0;
	for (size_t i = 0; i < NELEM(divergences); i++) {
		const struct divergence *d = &divergences[i];
		if ((ctx & d->ctx) != d->ctx || (seen & d->seen_has) != d->seen_has)
			continue;
		if (!line_has_all(l, d->exp_has) || !line_lacks_all(l, d->exp_lacks))
			continue;
		if (d->rel != REL_ANY) {
			if (!l || l->dir == DIR_ANY || q >= m->n)
				continue;
			bool same = (int)m->segs[q].dir == l->dir;
			if (same != (d->rel == REL_SAME))
				continue;
		}
		return i;
	}
	return NELEM(divergences);
}

static const char *line_words(const struct seg_line *l)
{
	if (l->any_flags || l->nalt != 1)
		return NULL;
	for (size_t i = 0; i < NELEM(flag_words); i++)
		if (flag_words[i].flags == l->alt[0])
			return flag_words[i].word;
	return NULL;
}

static void sb_expected(struct sbuf *b, const struct seg_line *l)
{
	sb_add(b, _("expected %s"), l->text);
	const char *w = line_words(l);
	if (w && l->dir != DIR_ANY)
		sb_add(b, _(" (the %s's %s)"), _(side_names[l->dir]), _(w));
	else if (w)
		sb_add(b, _(" (a %s)"), _(w));
}

/* "s>c F. (segment 7, +0.812 ms)"; with the values of the fields that did not match. */
static void sb_seen(struct sbuf *b, const struct mctx *m, size_t q, unsigned bad)
{
	const struct flow_seg *s = &m->segs[q];
	char fl[16];
	sb_add(b, "%s %s", s->dir == FLOW_C2S ? "c>s" : "s>c",
	       dissect_flags_str(s->seg.flags, fl, sizeof fl));
	if (bad & M_SEQ)
		sb_add(b, " seq=%" PRIu32, s->rel_seq);
	if (bad & M_ACK)
		sb_add(b, " ack=%" PRIu32, s->rel_ack);
	if (bad & M_LEN)
		sb_add(b, " len=%" PRIu32, s->seg.len);
	if (bad & M_WIN)
		sb_add(b, " win=%" PRId64, s->win_scaled);
	sb_add(b, _(" (segment %u, "), s->seg.frame);
	sb_ms(b, seg_time(m, q));
	sb_add(b, ")");
}

static void sb_range(struct sbuf *b, const char *name, const struct range *r)
{
	if (r->lo == r->hi)
		sb_add(b, "%s=%" PRIu64, name, r->lo);
	else if (r->hi == NUM_MAX)
		sb_add(b, "%s>%" PRIu64, name, r->lo - 1);
	else if (r->lo == 0)
		sb_add(b, "%s<=%" PRIu64, name, r->hi);
	else
		sb_add(b, "%s=%" PRIu64 "..%" PRIu64, name, r->lo, r->hi);
}

/* What did not match, in plain words, when no known divergence explains it. */
static void sb_details(struct sbuf *b, const struct mctx *m, const struct seg_line *l,
                       size_t q, unsigned bad)
{
	const struct flow_seg *s = &m->segs[q];
	const char *sep = "";
	if (bad & M_DIR) {
		sb_add(b, _("it came from the %s, not the %s"), _(side_names[s->dir]), _(side_names[l->dir]));
		sep = "; ";
	}
	if (bad & M_FLAGS) {
		char fl[16];
		sb_add(b, _("%sits flags are '%s', not '"), sep, dissect_flags_str(s->seg.flags, fl, sizeof fl));
		for (int i = 0; i < l->nalt; i++)
			sb_add(b, "%s%s", i ? "|" : "", dissect_flags_str(l->alt[i], fl, sizeof fl));
		sb_add(b, "'");
		sep = "; ";
	}
	for (int f = 0; f < NFIELD; f++) {
		static const unsigned fbit[NFIELD] = { M_SEQ, M_ACK, M_LEN, M_WIN };
		if (!(bad & fbit[f]) || !l->f[f].set)
			continue;
		sb_add(b, _("%s%s is %llu, the spec wants "), sep, field_names[f].name,
		       (unsigned long long)field_value(s, (enum field_index)f));
		sb_range(b, field_names[f].name, &l->f[f]);
		sep = "; ";
	}
	if ((bad & M_ACK) && l->ack_all) {
		if (!(s->seg.flags & TCP_ACK))
			sb_add(b, _("%sit carries no ACK"), sep);
		else if (!m->peer_known[q])
			sb_add(b, _("%sthe peer had sent nothing to acknowledge"), sep);
		else
			sb_add(b, _("%sack=%u does not acknowledge everything the peer sent "
			       "(up to %u)"), sep, s->rel_ack, m->peer_next[q]);
		sep = "; ";
	}
	if (bad & M_RETRANS) {
		sb_add(b, _("%sit is not a retransmission"), sep);
		sep = "; ";
	}
	if (bad & M_SACK) {
		sb_add(b, "%sit carries no SACK block", sep);
		sep = "; ";
	}
	if (bad & M_EXPERT) {
		const char *alt = "";

		sb_add(b, "%sWireshark would label it ", sep);
		sb_add(b, "%s", s->analysis ? "" : "nothing");
		for (int i = 0, k = 0; i < EXPERT_NLABELS; i++)
			if (s->analysis & EXPERT_BIT(i))
				sb_add(b, "%s'%s'", k++ ? ", " : "", expert_labels[i].wireshark);
		sb_add(b, ", not ");
		for (int i = 0; i < EXPERT_NLABELS; i++)
			if (l->expert & EXPERT_BIT(i)) {
				sb_add(b, "%s'%s'", alt, expert_labels[i].wireshark);
				alt = " or ";
			}
		sep = "; ";
	}
	if (bad & M_TIME) {
		sb_add(b, _("%scame "), sep);
		if (l->tkind == T_REL && seg_gap_wire(m, q) < l->t_lo) {
			sb_ms(b, seg_gap_wire(m, q));
			sb_add(b, _(" after the previous segment, expected within +"));
		} else if (l->tkind == T_REL) {
			sb_ms(b, seg_gap(m, q));
			sb_add(b, seg_gap_from_call(m, q) ? " after its program's call gave it the"
			       " data, expected within +" : " after the previous segment, expected"
			       " within +");
		} else {
			sb_ms(b, seg_time(m, q));
			sb_add(b, _(" after the first segment, expected within "));
		}
		sb_seconds(b, l->t_lo);
		sb_add(b, "...");
		sb_seconds(b, l->t_hi);
		sb_add(b, " s");
	}
}

/*
 * The full explanation of line l failing at segment q (q == n: the capture ended): in
 * words first (what TCP did, and why that is not what the lesson expects), then the
 * notation as a detail a student can skip: "(detail: expected c>s F. (the client's FIN);
 * saw c>s R. (segment 8, +2.152 ms))".
 */
static void explain_divergence(struct sbuf *b, const struct mctx *m, const struct seg_line *l,
                               size_t q, uint32_t matched)
{
	char nbuf[320];
	struct sbuf note = { nbuf, sizeof nbuf, 0 };
	unsigned bad = q < m->n ? mismatch(m, l, q) : 0;
	size_t d = find_divergence(m, l, q, bad);
	const char *exps = l->dir == DIR_ANY ? _("expected side") : _(side_names[l->dir]);

	nbuf[0] = '\0';
	sb_expected(&note, l);
	if (l->rmin > 1)
		sb_add(&note, _(" [%u of at least %u matched]"), matched, l->rmin);
	if (q >= m->n) {
		if (d < NELEM(divergences))
			sb_add(b, "%s", _(divergences[d].why));
		else
			sb_add(b, _("the connection ended before the segment the lesson expects next"));
		if (m->n)
			sb_add(&note, _("; the connection's last segment is %u"),
			       m->segs[m->n - 1].seg.frame);
		else
			sb_add(&note, _("; the connection has no segments"));
	} else {
		sb_add(&note, _("; saw "));
		sb_seen(&note, m, q, bad);
		if (bad & M_TIME) {
			sb_details(b, m, l, q, bad);
			if (d < NELEM(divergences)) {
				sb_add(b, ": ");
				sb_template(b, _(divergences[d].why), exps, _(side_names[m->segs[q].dir]));
			}
		} else if (d < NELEM(divergences)) {
			sb_template(b, _(divergences[d].why), exps, _(side_names[m->segs[q].dir]));
		} else {
			sb_details(b, m, l, q, bad);
		}
	}
	/* " (detail: " is also how engine/labrun.c finds the detail, in any language. */
	sb_add(b, "%s%s)", _(EXPECT_DETAIL), nbuf);
}

/* ------------------------------------------------------------------------------------ */
/* Sections                                                                              */

static void set_result(struct expect_result *r, enum expect_verdict v, long idx)
{
	r->verdict = v;
	r->seg_index = idx;
}

/*
 * Where a section could not go on: line l could not (or not often enough) match from a
 * reachable position, and segment q (m->n: the end of the capture) is what stood there.
 * The section's explanation is its most telling dead end: a known story first (server
 * closed first, RST instead of FIN...), then the furthest segment reached (the longest
 * matched prefix, as parsers report errors), then the deepest line, then the nearest miss.
 */
struct dead_end {
	bool have;
	const struct seg_line *l;
	size_t q, line;
	uint32_t matched;
	size_t story;           /* row in divergences[], NELEM when none (end rows count none) */
	unsigned score;
};

static bool better(const struct dead_end *a, const struct dead_end *b)
{
	if (!b->have)
		return true;
	if (a->story != b->story)
		return a->story < b->story;
	if (a->q != b->q)
		return a->q > b->q;
	if (a->line != b->line)
		return a->line > b->line;
	return a->score < b->score;
}

static void consider(struct mctx *m, const struct seg_line *l, size_t line, size_t p, size_t r,
                     struct dead_end *best)
{
	struct dead_end d = { .have = true, .l = l, .q = p + r, .line = line, .matched = (uint32_t)r };
	unsigned bad = d.q < m->n ? mismatch(m, l, d.q) : 0;
	size_t row = find_divergence(m, l, d.q, bad);
	d.story = row < NELEM(divergences) && !(divergences[row].ctx & CTX_END) ? row : NELEM(divergences);
	d.score = d.q < m->n ? mismatch_score(bad) : 1000;
	if (better(&d, best))
		*best = d;
}

/*
 * Advance the reach set m->cur (bounds *lo..*hi) through line l into m->nxt and swap.
 * A position p is "reachable" when segments [0, p) are accounted for. Returns false (and
 * leaves cur untouched) when nothing is reachable after the line. Dead ends go to best.
 */
static bool step_line(struct mctx *m, const struct seg_line *l, size_t line, size_t *lo,
                      size_t *hi, struct dead_end *best)
{
	size_t n = m->n;
	m->gen++;
	for (size_t p = *lo; p <= n + 1; p++)
		m->diff[p] = 0;
	bool any = false;
	for (size_t p = *lo; p <= *hi; p++) {
		if (!m->cur[p])
			continue;
		size_t r = p < n ? runlen(m, l, p) : 0;
		if (r < l->rmin) {
			consider(m, l, line, p, r, best);
			continue;
		}
		size_t top = l->rmax == REP_INF || r < l->rmax ? r : l->rmax;
		m->diff[p + l->rmin]++;
		m->diff[p + top + 1]--;
		any = true;
	}
	if (!any)
		return false;
	int32_t acc = 0;
	size_t nlo = n + 1, nhi = 0;
	for (size_t p = *lo; p <= n; p++) {
		acc += m->diff[p];
		m->nxt[p] = acc > 0;
		if (acc > 0) {
			if (nlo > n)
				nlo = p;
			nhi = p;
		}
	}
	for (size_t p = 0; p < *lo; p++)
		m->nxt[p] = 0;
	uint8_t *t = m->cur;
	m->cur = m->nxt;
	m->nxt = t;
	*lo = nlo;
	*hi = nhi;
	return true;
}

static void match_sections(const struct expect_spec *spec, struct mctx *m,
                           struct expect_result *results)
{
	size_t n = m->n, last = SIZE_MAX;
	for (size_t i = 0; i < spec->ncheck; i++)
		if (spec->checks[i].kind == CHECK_SECTION)
			last = i;
	memset(m->cur, 0, n + 1);
	m->cur[0] = 1;
	size_t lo = 0, hi = 0;
	bool resync = false;
	for (size_t i = 0; i < spec->ncheck; i++) {
		const struct check *c = &spec->checks[i];
		if (c->kind != CHECK_SECTION)
			continue;
		struct expect_result *res = &results[i];
		size_t start_lo = lo, start_hi = hi;
		bool ok = true;
		struct dead_end best = { .have = false };
		for (size_t j = 0; j < c->nlines && ok; j++) {
			const struct seg_line *l = &spec->lines[c->first + j];
			if (!step_line(m, l, j, &lo, &hi, &best)) {
				struct sbuf b = { res->explain, sizeof res->explain, 0 };
				explain_divergence(&b, m, best.l, best.q, best.matched);
				set_result(res, EXPECT_FAIL, best.q < n ? (long)best.q : -1);
				ok = false;
			}
		}
		if (ok && i == last && !m->cur[n]) {
			/* Everything matched, but segments are left that no line expected. */
			size_t q = hi;
			struct sbuf b = { res->explain, sizeof res->explain, 0 };
			sb_add(&b, _("segment %u was not expected: the spec ends before it; saw "),
			       m->segs[q].seg.frame);
			sb_seen(&b, m, q, 0);
			size_t d = find_divergence(m, NULL, q, 0);
			if (d < NELEM(divergences)) {
				sb_add(&b, ": ");
				sb_template(&b, _(divergences[d].why), "?", _(side_names[m->segs[q].dir]));
			}
			if (n - q > 1)
				sb_add(&b, _(" (%zu more segments follow)"), n - q - 1);
			set_result(res, EXPECT_FAIL, (long)q);
			ok = false;
		}
		if (ok) {
			struct sbuf b = { res->explain, sizeof res->explain, 0 };
			if (resync) {
				sb_add(&b, _("matched, searching from segment %u"
				       " on after the failure above"),
				       start_lo < n ? m->segs[start_lo].seg.frame : 0);
				set_result(res, EXPECT_PASS, -1);
			} else if (start_lo < n && start_lo != start_hi) {
				sb_add(&b, _("matched, starting between segments %u and %u"),
				       m->segs[start_lo].seg.frame,
				       m->segs[start_hi < n ? start_hi : n - 1].seg.frame);
				set_result(res, EXPECT_PASS, (long)start_lo);
			} else if (start_lo < n) {
				sb_add(&b, _("matched from segment %u ("), m->segs[start_lo].seg.frame);
				sb_ms(&b, seg_time(m, start_lo));
				sb_add(&b, ")");
			} else {
				sb_add(&b, _("matched (no segment was needed)"));
			}
			if (!resync)
				set_result(res, EXPECT_PASS, start_lo < n ? (long)start_lo : -1);
			resync = false;
		} else {
			/* Resynchronise: the next section may start anywhere from here on. */
			resync = true;
			lo = start_lo;
			hi = n;
			memset(m->cur, 0, n + 1);
			memset(m->cur + lo, 1, n + 1 - lo);
		}
	}
}

/* ------------------------------------------------------------------------------------ */
/* Assertions                                                                            */

static long first_with(const struct mctx *m, uint16_t flags, int dir)
{
	for (size_t q = 0; q < m->n; q++)
		if ((m->segs[q].seg.flags & flags) && (dir < 0 || (int)m->segs[q].dir == dir))
			return (long)q;
	return -1;
}

static void sb_segref(struct sbuf *b, const struct mctx *m, long q)
{
	sb_add(b, _("segment %u, "), m->segs[q].seg.frame);
	sb_ms(b, seg_time(m, (size_t)q));
}

static void assert_first_fin(const struct check *c, const struct mctx *m,
                             struct expect_result *res, struct sbuf *b)
{
	long q = first_with(m, TCP_FIN, -1);
	int who = q >= 0 ? (int)m->segs[q].dir : (m->conn && m->conn->first_fin >= 0 ?
	                                          m->conn->first_fin : -1);
	bool pass = (c->who == WHO_NONE && who < 0) || (c->who != WHO_NONE && who == c->who);
	set_result(res, pass ? EXPECT_PASS : EXPECT_FAIL, q);
	if (who < 0) {
		sb_add(b, _("nobody sent a FIN"));
		long r = first_with(m, TCP_RST, -1);
		if (r >= 0) {
			sb_add(b, _("; the %s sent a RST instead ("), _(side_names[m->segs[r].dir]));
			sb_segref(b, m, r);
			sb_add(b, _("): the connection was aborted, not closed"));
		} else if (!pass) {
			sb_add(b, _(": the capture ends before either side closed its socket"));
		}
		return;
	}
	sb_add(b, _("the %s sent the first FIN"), _(side_names[who]));
	if (q >= 0) {
		sb_add(b, " (");
		sb_segref(b, m, q);
		sb_add(b, ")");
	}
	if (!pass && c->who != WHO_NONE)
		sb_add(b, _(": the %s closed first; the %s must close first"), _(side_names[who]),
		       _(side_names[c->who]));
}

static void assert_time_wait(const struct check *c, const struct mctx *m,
                             struct expect_result *res, struct sbuf *b)
{
	if (!m->conn) {
		set_result(res, EXPECT_INCONCLUSIVE, -1);
		sb_add(b, _("no connection state was given to judge from"));
		return;
	}
	bool tw[2] = { m->conn->side[0].state == TCPS_TIME_WAIT,
	               m->conn->side[1].state == TCPS_TIME_WAIT };
	int have = tw[0] && tw[1] ? WHO_BOTH : tw[0] ? WHO_CLIENT : tw[1] ? WHO_SERVER : WHO_NONE;
	long q = first_with(m, TCP_FIN, -1);
	long r = first_with(m, TCP_RST, -1);
	set_result(res, have == c->who ? EXPECT_PASS : EXPECT_FAIL, have == WHO_NONE && r >= 0 ? r : q);
	if (have == WHO_CLIENT || have == WHO_SERVER) {
		sb_add(b, _("the %s holds TIME-WAIT"), _(side_names[have]));
		if (q >= 0 && (int)m->segs[q].dir == have) {
			sb_add(b, _(": it sent the first FIN ("));
			sb_segref(b, m, q);
			sb_add(b, _("), and the side that closes first waits 2 MSL (RFC 9293 section 3.6)"));
		}
	} else if (have == WHO_BOTH) {
		sb_add(b, _("both sides hold TIME-WAIT: they closed simultaneously, each FIN crossing the other"));
	} else {
		sb_add(b, _("nobody holds TIME-WAIT"));
		if (r >= 0) {
			sb_add(b, _(": the %s reset the connection ("), _(side_names[m->segs[r].dir]));
			sb_segref(b, m, r);
			sb_add(b, _("), and a RST skips TIME-WAIT"));
		} else if (q < 0) {
			sb_add(b, _(": nobody closed the connection before the capture ended"));
		}
	}
	sb_add(b, _(" (final states: client %s, server %s)"), flow_state_name(m->conn->side[0].state),
	       flow_state_name(m->conn->side[1].state));
}

static bool is_syn(const struct flow_seg *s, int dir, bool ack)
{
	uint16_t f = s->seg.flags & (TCP_SYN | TCP_ACK | TCP_RST | TCP_FIN);
	return (int)s->dir == dir && f == (ack ? (TCP_SYN | TCP_ACK) : TCP_SYN);
}

/* RFC 9293 section 3.5: SYN, SYN-ACK acknowledging it, ACK acknowledging the SYN-ACK. */
static void assert_handshake(const struct mctx *m, struct expect_result *res, struct sbuf *b)
{
	size_t q = 0;
	if (m->n == 0 || !is_syn(&m->segs[0], FLOW_C2S, false)) {
		set_result(res, EXPECT_INCONCLUSIVE, m->n ? 0 : -1);
		sb_add(b, _("the capture does not start with the client's SYN, so the handshake happened "
		       "before it or was not captured; cannot tell"));
		return;
	}
	long syn = 0, synack = -1, ack = -1;
	for (q = 1; q < m->n; q++) {
		const struct flow_seg *s = &m->segs[q];
		if (synack < 0) {
			if (is_syn(s, FLOW_C2S, false))
				continue;               /* the SYN again: it or its answer was lost */
			if (is_syn(s, FLOW_S2C, true) && s->rel_ack == 1) {
				synack = (long)q;
				continue;
			}
			set_result(res, EXPECT_FAIL, (long)q);
			char fl[16];
			sb_add(b, _("expected s>c S. ack=1 (the server's SYN-ACK); saw %s %s ("),
			       s->dir == FLOW_C2S ? "c>s" : "s>c",
			       dissect_flags_str(s->seg.flags, fl, sizeof fl));
			sb_segref(b, m, (long)q);
			sb_add(b, ")");
			if (s->dir == FLOW_S2C && (s->seg.flags & TCP_RST))
				sb_add(b, _(": the SYN was answered by RST: nothing listens on that port (connection refused)"));
			return;
		}
		if (is_syn(s, FLOW_S2C, true))
			continue;                       /* SYN-ACK again: the client's ACK was lost */
		if (s->dir == FLOW_C2S && (s->seg.flags & TCP_ACK) && !(s->seg.flags & TCP_SYN) &&
		    s->rel_ack == 1) {
			ack = (long)q;
			break;
		}
		set_result(res, EXPECT_FAIL, (long)q);
		char fl[16];
		sb_add(b, _("expected c>s . ack=1 (the client's ACK of the SYN-ACK); saw %s %s ("),
		       s->dir == FLOW_C2S ? "c>s" : "s>c", dissect_flags_str(s->seg.flags, fl, sizeof fl));
		sb_segref(b, m, (long)q);
		sb_add(b, ")");
		return;
	}
	if (ack < 0) {
		set_result(res, EXPECT_FAIL, -1);
		sb_add(b, _("the capture ends before the %s: %s"), synack < 0 ? "SYN-ACK" : _("client's ACK"),
		       synack < 0 ? _("the SYN was never answered (no host at that address, or a firewall dropped it)")
		                  : _("the client never completed the handshake"));
		return;
	}
	set_result(res, EXPECT_PASS, syn);
	sb_add(b, _("SYN (segment %u), SYN-ACK (segment %u), ACK (segment %u"
	       ", "), m->segs[syn].seg.frame, m->segs[synack].seg.frame, m->segs[ack].seg.frame);
	sb_ms(b, seg_time(m, (size_t)ack));
	sb_add(b, ")");
}

static void match_assert(const struct check *c, const struct mctx *m, struct expect_result *res)
{
	struct sbuf b = { res->explain, sizeof res->explain, 0 };
	long q;
	switch (c->akind) {
	case A_NO_RST:
		q = first_with(m, TCP_RST, -1);
		set_result(res, q < 0 ? EXPECT_PASS : EXPECT_FAIL, q);
		if (q < 0) {
			sb_add(&b, _("no RST in %zu segments"), m->n);
		} else {
			sb_add(&b, _("the %s sent a RST ("), _(side_names[m->segs[q].dir]));
			sb_segref(&b, m, q);
			sb_add(&b, _("): the connection was aborted, not closed"));
		}
		break;
	case A_NO_RETRANS:
		q = -1;
		for (size_t i = 0; i < m->n && q < 0; i++)
			if (m->segs[i].analysis & RETRANS_BITS)
				q = (long)i;
		set_result(res, q < 0 ? EXPECT_PASS : EXPECT_FAIL, q);
		if (q < 0) {
			sb_add(&b, _("no retransmission in %zu segments"), m->n);
		} else {
			sb_add(&b, _("the %s sent a segment again ("), _(side_names[m->segs[q].dir]));
			sb_segref(&b, m, q);
			sb_add(&b, _("): the first copy was lost or its ACK was"));
		}
		break;
	case A_FIRST_FIN:
		assert_first_fin(c, m, res, &b);
		break;
	case A_TIME_WAIT:
		assert_time_wait(c, m, res, &b);
		break;
	case A_HANDSHAKE:
		assert_handshake(m, res, &b);
		break;
	}
}

/* ------------------------------------------------------------------------------------ */

static void mctx_release(struct mctx *m)
{
	free(m->peer_next);
	free(m->peer_known);
	free(m->delack);
	free(m->cur);
	free(m->nxt);
	free(m->diff);
	free(m->run);
	free(m->stamp);
}

/* Serial-number comparison (RFC 9293 section 3.4): a after b. */
static bool seq_after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

int expect_match(const struct expect_spec *spec, const struct flow_conn *conn,
                 const struct flow_seg *segs, size_t nseg, bool capture_incomplete,
                 struct expect_result *results)
{
	if (!segs)
		nseg = 0;
	struct mctx m = { .conn = conn, .segs = segs, .n = nseg };
	int ret = 0;
	m.peer_next = calloc(nseg + 1, sizeof *m.peer_next);
	m.peer_known = calloc(nseg + 1, 1);
	m.delack = calloc(nseg + 1, 1);
	m.cur = calloc(nseg + 1, 1);
	m.nxt = calloc(nseg + 1, 1);
	m.diff = calloc(nseg + 2, sizeof *m.diff);
	m.run = calloc(nseg + 1, sizeof *m.run);
	m.stamp = calloc(nseg + 1, sizeof *m.stamp);
	if (!m.peer_next || !m.peer_known || !m.delack || !m.cur || !m.nxt || !m.diff || !m.run || !m.stamp ||
	    nseg >= UINT32_MAX) {
		for (size_t i = 0; i < spec->ncheck; i++) {
			set_result(&results[i], EXPECT_INCONCLUSIVE, -1);
			snprintf(results[i].explain, sizeof results[i].explain,
			         _("out of memory while matching %zu segments"), nseg);
		}
		mctx_release(&m);
		errno = ENOMEM;
		return -1;
	}
	m.t0 = nseg ? segs[0].seg.ts_ns : conn ? conn->first_ns : 0;
	m.first_fin = nseg;
	for (size_t q = nseg; q-- > 0;)
		if (segs[q].seg.flags & TCP_FIN)
			m.first_fin = q;
	/* The delayed-ACK rule the TUI's measures use too (capture/expert.h), fed once in
	 * order: asked per segment while explaining, it made a flood's matching quadratic. */
	struct expert_delack dl;
	memset(&dl, 0, sizeof dl);
	for (size_t q = 0; q < nseg; q++) {
		const struct flow_seg *x = &segs[q];
		m.delack[q] = expert_delack_feed(&dl, x->dir, x->seg.flags, x->rel_seq, x->seg.len,
		                                 x->rel_ack, x->analysis, x->seg.ts_ns);
	}
	/* What each side has sent so far, for ack=+ (SYN and FIN count one, RFC 9293 3.4). */
	uint32_t next[2] = { 0, 0 };
	bool known[2] = { false, false };
	for (size_t q = 0; q < nseg; q++) {
		int d = segs[q].dir == FLOW_S2C;
		m.peer_next[q] = next[!d];
		m.peer_known[q] = known[!d];
		uint32_t end = segs[q].rel_seq + segs[q].seg.len +
		               !!(segs[q].seg.flags & TCP_SYN) + !!(segs[q].seg.flags & TCP_FIN);
		if (!known[d] || seq_after(end, next[d]))
			next[d] = end;
		known[d] = true;
	}

	for (size_t i = 0; i < spec->ncheck; i++) {
		results[i].verdict = EXPECT_INCONCLUSIVE;
		results[i].seg_index = -1;
		results[i].explain[0] = '\0';
	}
	match_sections(spec, &m, results);
	for (size_t i = 0; i < spec->ncheck; i++)
		if (spec->checks[i].kind == CHECK_ASSERT)
			match_assert(&spec->checks[i], &m, &results[i]);

	if (capture_incomplete) {
		for (size_t i = 0; i < spec->ncheck; i++) {
			struct expect_result *r = &results[i];
			if (r->verdict != EXPECT_FAIL)
				continue;
			char why[sizeof r->explain];
			memcpy(why, r->explain, sizeof why);
			r->verdict = EXPECT_INCONCLUSIVE;
			snprintf(r->explain, sizeof r->explain,
			         _("the capture dropped packets; cannot tell (%.*s)"),
			         (int)(sizeof r->explain - 50), why);
		}
	}
	mctx_release(&m);
	return ret;
}
