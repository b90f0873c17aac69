/* summary: parse and judge a lab's call, output and wire checks (see labcheck.h). */
#include "engine/labcheck.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <strings.h>

#include "engine/lab.h"
#include "engine/sandbox.h"
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include "util/errbuf.h"
#include "util/tr.h"

static const char *const op_text[] = {
	[LC_EQ] = "=", [LC_LT] = "<", [LC_GT] = ">", [LC_LE] = "<=", [LC_GE] = ">=",
};

static const struct {
	const char *name;
	enum labcheck_metric metric;
	const char *unit;
	const char *what;
} metrics[] = {
	{ "rtt-median", LC_RTT_MEDIAN, " ms", "median round trip" },
	{ "rtt-max", LC_RTT_MAX, " ms", "longest round trip" },
	{ "segments-c2s", LC_SEGMENTS_C2S, "", "client data segments" },
	{ "segments-s2c", LC_SEGMENTS_S2C, "", "server data segments" },
	{ "connections", LC_CONNECTIONS, "", "connections to the lab's port" },
	{ "zero-window-conns", LC_ZERO_WINDOW_CONNS, "", "connections with a zero window" },
};

static bool compare(double a, enum labcheck_op op, double b)
{
	switch (op) {
	case LC_EQ:
		return a == b;
	case LC_LT:
		return a < b;
	case LC_GT:
		return a > b;
	case LC_LE:
		return a <= b;
	case LC_GE:
		return a >= b;
	}
	return false;
}

/* An operator at the start of s ("<=", ">", "="...); returns its length, 0 if none. */
static size_t parse_op(const char *s, enum labcheck_op *op)
{
	if (!strncmp(s, "<=", 2) || !strncmp(s, ">=", 2)) {
		*op = s[0] == '<' ? LC_LE : LC_GE;
		return 2;
	}
	if (*s == '=' || *s == '<' || *s == '>') {
		*op = *s == '=' ? LC_EQ : *s == '<' ? LC_LT : LC_GT;
		return 1;
	}
	return 0;
}

/* Words split on blanks, "quoted" words kept whole (quotes dropped). */
#define MAX_WORDS 24
static int split(const char *text, char words[MAX_WORDS][300], char *errbuf, size_t errlen)
{
	int n = 0;

	for (const char *p = text; *p;) {
		size_t len = 0;

		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		if (n == MAX_WORDS) {
			errbuf_set(errbuf, errlen, "more than %d words", MAX_WORDS);
			return -1;
		}
		if (*p == '"') {
			const char *end = strchr(p + 1, '"');

			if (!end) {
				errbuf_set(errbuf, errlen, "unbalanced quote");
				return -1;
			}
			len = (size_t)(end - p - 1);
			if (len >= sizeof(words[0]))
				goto long_word;
			memcpy(words[n], p + 1, len);
			p = end + 1;
		} else {
			while (p[len] && !isspace((unsigned char)p[len]))
				len++;
			if (len >= sizeof(words[0]))
				goto long_word;
			memcpy(words[n], p, len);
			p += len;
		}
		words[n++][len] = '\0';
	}
	return n;
long_word:
	errbuf_set(errbuf, errlen, "a word is longer than %zu characters", sizeof(words[0]) - 1);
	return -1;
}

/* "A...B" seconds, A <= B ("0.5" alone would read "0." and leave "..": split first). */
static int parse_window(const char *w, double *lo, double *hi)
{
	const char *dots = strstr(w, "...");
	char a[64], *end;

	if (!dots || (size_t)(dots - w) >= sizeof(a) || dots == w)
		return -1;
	memcpy(a, w, (size_t)(dots - w));
	a[dots - w] = '\0';
	*lo = strtod(a, &end);
	if (*end)
		return -1;
	*hi = strtod(dots + 3, &end);
	if (end == dots + 3 || *end || *lo > *hi || *lo < 0)
		return -1;
	return 0;
}

static int parse_who(const char *w, int *who, char *errbuf, size_t errlen)
{
	if (!strcmp(w, "client"))
		*who = HOST_CLIENT;
	else if (!strcmp(w, "server"))
		*who = HOST_SERVER;
	else
		return errbuf_set(errbuf, errlen, "'%s' is not client or server", w), -1;
	return 0;
}

static int parse_class(const char *w, enum trace_call *cls, char *errbuf, size_t errlen)
{
	static const enum trace_call classes[] = {
		TRACE_SOCKET, TRACE_BIND, TRACE_LISTEN, TRACE_ACCEPT, TRACE_CONNECT, TRACE_SEND,
		TRACE_RECV, TRACE_SHUTDOWN, TRACE_CLOSE, TRACE_SETSOCKOPT, TRACE_GETSOCKOPT,
	};

	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		if (!strcmp(w, trace_call_name(classes[i]))) {
			*cls = classes[i];
			return 0;
		}
	}
	/* The program's sleeps (nanosleep, clock_nanosleep, from any of its threads): the
	 * tracer reports each of 1 ms or more, so a check can ask that slow work was done. */
	if (!strcmp(w, "sleep")) {
		*cls = TRACE_WAIT;
		return 0;
	}
	errbuf_set(errbuf, errlen, "'%s' is not a call class (socket, bind, listen, accept,"
	           " connect, send, recv, shutdown, close, setsockopt, getsockopt, sleep)", w);
	return -1;
}

/* The handshake's segments a call can be placed against (enters-before=, returns-after=). */
enum { HS_NONE, HS_SYN, HS_SYNACK, HS_ACK };
static const char *const hs_names[] = { "", "syn", "syn-ack", "handshake-ack" };
static const char *const hs_text[] = { "", "the SYN", "the SYN-ACK", "the client's ACK that"
                                       " completes the handshake" };

static int parse_hs(const char *w, int *out)
{
	for (int i = HS_SYN; i <= HS_ACK; i++)
		if (!strcmp(w, hs_names[i])) {
			*out = i;
			return 0;
		}
	return -1;
}

/*
 * When the first connection's handshake segment hs crossed the wire (capture time, the
 * tracer's clock), 0 when it never did. The capture sits on the cable between the hosts:
 * a segment is seen there after its sender's kernel sent it and before the receiver's
 * kernel has it, so "connect() returned after the SYN-ACK" holds on the capture's clock
 * whenever it holds at all.
 */
static uint64_t hs_time(const struct labcheck_ctx *ctx, int hs)
{
	uint32_t conn = 0;
	bool have_conn = false;
	uint64_t synack = 0;

	for (size_t i = 0; i < ctx->nseg; i++) {
		const struct flow_seg *fs = &ctx->segs[i];
		uint16_t f = fs->seg.flags;

		if (!have_conn) {
			if (fs->dir != FLOW_C2S || !(f & TCP_SYN) || (f & TCP_ACK))
				continue;
			conn = fs->conn_id;
			have_conn = true;
			if (hs == HS_SYN)
				return fs->seg.ts_ns;
			continue;
		}
		if (fs->conn_id != conn)
			continue;
		if (!synack && fs->dir == FLOW_S2C && (f & TCP_SYN) && (f & TCP_ACK)) {
			synack = fs->seg.ts_ns;
			if (hs == HS_SYNACK)
				return synack;
		} else if (synack && fs->dir == FLOW_C2S && !(f & TCP_SYN) && (f & TCP_ACK)) {
			return fs->seg.ts_ns;
		}
	}
	return 0;
}

static int parse_call(char w[MAX_WORDS][300], int n, struct labcheck *c, char *errbuf,
                      size_t errlen)
{
	c->count_op = LC_GE;
	c->count = 1;
	if (n < 3) {
		errbuf_set(errbuf, errlen, "needs \"NAME\" WHO CLASS");
		return -1;
	}
	if (parse_who(w[1], &c->who, errbuf, errlen) < 0 ||
	    parse_class(w[2], &c->cls, errbuf, errlen) < 0)
		return -1;
	for (int i = 3; i < n; i++) {
		enum labcheck_op op;
		size_t k;
		char *end;

		if (!strncmp(w[i], "ret", 3) && (k = parse_op(w[i] + 3, &op))) {
			c->has_ret = true;
			c->ret_op = op;
			c->ret = strtoll(w[i] + 3 + k, &end, 10);
			if (end == w[i] + 3 + k || *end)
				goto bad;
		} else if (!strncmp(w[i], "arg", 3) && (k = parse_op(w[i] + 3, &op))) {
			c->has_arg = true;
			c->arg_op = op;
			c->arg = strtoll(w[i] + 3 + k, &end, 10);
			if (end == w[i] + 3 + k || *end)
				goto bad;
		} else if (!strncmp(w[i], "took", 4) && (k = parse_op(w[i] + 4, &op))) {
			/* How long the call took: a send() that blocked, a recv() that waited. */
			c->has_took = true;
			c->took_op = op;
			c->took = strtod(w[i] + 4 + k, &end);
			if (end == w[i] + 4 + k || *end || c->took < 0)
				goto bad;
		} else if (!strncmp(w[i], "errno=", 6) && w[i][6]) {
			if (!trace_errno_value(w[i] + 6) && strcmp(w[i] + 6, "none"))
				return errbuf_set(errbuf, errlen, "unknown errno '%s'", w[i] + 6), -1;
			snprintf(c->err, sizeof(c->err), "%.23s", w[i] + 6);
		} else if (!strncmp(w[i], "name=", 5) && w[i][5]) {
			snprintf(c->func, sizeof(c->func), "%.15s", w[i] + 5);
		} else if (!strncmp(w[i], "has=", 4) && w[i][4]) {
			if (c->nhas == LABCHECK_MAX_HAS)
				return errbuf_set(errbuf, errlen, "more than %d has=", LABCHECK_MAX_HAS), -1;
			snprintf(c->has[c->nhas++], sizeof(c->has[0]), "%.47s", w[i] + 4);
		} else if (!strncmp(w[i], "count", 5) && (k = parse_op(w[i] + 5, &op))) {
			const char *v = w[i] + 5 + k;

			c->count_op = op;
			/* count>={jobs}: a number the run announces, read when judged. */
			if (v[0] == '{' && strlen(v) < sizeof(c->count_var) && v[strlen(v) - 1] == '}') {
				snprintf(c->count_var, sizeof(c->count_var), "%s", v);
				continue;
			}
			c->count = strtoll(v, &end, 10);
			if (end == v || *end || c->count < 0)
				goto bad;
		} else if (!strcmp(w[i], "on=lab")) {
			c->on_lab = true;
		} else if (!strcmp(w[i], "killed")) {
			c->killed = true;
		} else if (!strcmp(w[i], "ended")) {
			c->ended = true;
		} else if (!strncmp(w[i], "enters-before=", 14)) {
			if (parse_hs(w[i] + 14, &c->enters_before) < 0)
				return errbuf_set(errbuf, errlen, "'%s': enters-before= takes syn, syn-ack"
				                  " or handshake-ack", w[i]), -1;
		} else if (!strncmp(w[i], "returns-after=", 14)) {
			if (parse_hs(w[i] + 14, &c->returns_after) < 0)
				return errbuf_set(errbuf, errlen, "'%s': returns-after= takes syn, syn-ack"
				                  " or handshake-ack", w[i]), -1;
		} else if (!strncmp(w[i], "total", 5) && (k = parse_op(w[i] + 5, &op)) &&
		           w[i][5 + k] && strlen(w[i] + 5 + k) < sizeof(c->total)) {
			c->has_total = true;
			c->total_op = op;
			snprintf(c->total, sizeof(c->total), "%s", w[i] + 5 + k);
		} else if (!strcmp(w[i], "before") && i + 1 < n) {
			c->before = true;
			if (parse_class(w[++i], &c->before_cls, errbuf, errlen) < 0)
				return -1;
		} else if (!strcmp(w[i], "after") && i + 2 < n && !strcmp(w[i + 1], "cut")) {
			c->after_cut = true;
			i += 2;
			if (parse_window(w[i], &c->cut_lo, &c->cut_hi) < 0)
				return errbuf_set(errbuf, errlen, "'after cut' needs A...B seconds, not"
				                  " '%s'", w[i]), -1;
		} else {
			goto bad;
		}
	}
	return 0;
bad:
	errbuf_set(errbuf, errlen, "cannot read '%s' (ret=N, arg=N, errno=NAME, name=FUNC, has=TEXT,"
	           " took>=S, on=lab, killed, ended, count>=N, total>=N, before CLASS, after cut A...B)", w[3 > n ? 0 : n - 1]);
	return -1;
}

/* state = "NAME" WHO STATE [timer OP S] [at end|at kill] [count OP N] */
static int parse_state(char w[MAX_WORDS][300], int n, struct labcheck *c, char *errbuf,
                       size_t errlen)
{
	int i = 3;

	c->count_op = LC_GE;
	c->count = 1;
	if (n < 3)
		return errbuf_set(errbuf, errlen, "needs \"NAME\" WHO STATE [timer>S] [at end|at"
		                  " kill] [count OP N]"), -1;
	if (parse_who(w[1], &c->who, errbuf, errlen) < 0)
		return -1;
	c->ks_state = ksock_state_parse(w[2]);
	if (c->ks_state < 0)
		return errbuf_set(errbuf, errlen, "'%s' is not a TCP state (LISTEN, ESTABLISHED,"
		                  " CLOSE-WAIT, TIME-WAIT, FIN-WAIT-2, LAST-ACK...)", w[2]), -1;
	while (i < n) {
		enum labcheck_op op;
		size_t k;
		char *end;

		if (!strcmp(w[i], "at") && i + 1 < n &&
		    (!strcmp(w[i + 1], "end") || !strcmp(w[i + 1], "kill"))) {
			c->ks_at = w[i + 1][0] == 'e' ? LC_AT_END : LC_AT_KILL;
			i += 2;
			continue;
		}
		if (!strncmp(w[i], "timer", 5) && (k = parse_op(w[i] + 5, &op))) {
			c->has_timer = true;
			c->timer_op = op;
			c->timer = strtod(w[i] + 5 + k, &end);
			if (end == w[i] + 5 + k || *end || c->timer < 0)
				break;
			i++;
			continue;
		}
		if (!strncmp(w[i], "count", 5) && (k = parse_op(w[i] + 5, &op))) {
			c->count_op = op;
			c->count = strtoll(w[i] + 5 + k, &end, 10);
			if (end == w[i] + 5 + k || *end || c->count < 0)
				break;
			i++;
			continue;
		}
		break;
	}
	if (i == n)
		return 0;
	errbuf_set(errbuf, errlen, "cannot read '%s' (timer>S, at end, at kill, count>=N)", w[i]);
	return -1;
}

static const struct {
	const char *name;
	enum labcheck_answer measure;
} answer_measures[] = {
	{ "resent-seq", LC_RESENT_SEQ }, { "dupacks", LC_DUPACKS },
	{ "resend-kind", LC_RESEND_KIND }, { "resend-ms", LC_RESEND_MS },
	{ "copies", LC_COPIES }, { "final-ack", LC_FINAL_ACK },
};

/* "NAME" KEY MEASURE [within N%] */
static int parse_answer(char w[][300], int n, struct labcheck *out, char *errbuf,
                        size_t errlen)
{
	size_t k;

	if (n != 3 && n != 5)
		return errbuf_set(errbuf, errlen, "needs \"NAME\" KEY MEASURE [within N%%]"), -1;
	k = strspn(w[1], "abcdefghijklmnopqrstuvwxyz0123456789_");
	if (!w[1][0] || w[1][k] || strlen(w[1]) > 16)
		return errbuf_set(errbuf, errlen, "'%s' is not an answer key (a-z, 0-9 and _, at most"
		                  " 16)", w[1]), -1;
	snprintf(out->key, sizeof(out->key), "%s", w[1]);
	for (k = 0; k < sizeof(answer_measures) / sizeof(answer_measures[0]); k++)
		if (!strcmp(w[2], answer_measures[k].name))
			break;
	if (k == sizeof(answer_measures) / sizeof(answer_measures[0]))
		return errbuf_set(errbuf, errlen, "unknown measure '%s' (resent-seq, dupacks,"
		                  " resend-kind, resend-ms, copies, final-ack)", w[2]), -1;
	out->measure = answer_measures[k].measure;
	if (n == 5) {
		char *end;

		out->within = strtod(w[4], &end);
		if (strcmp(w[3], "within") || end == w[4] || strcmp(end, "%") || out->within <= 0 ||
		    out->within > 100)
			return errbuf_set(errbuf, errlen, "cannot read '%s %s' (within N%%, N from 1 to"
			                  " 100)", w[3], w[4]), -1;
		if (out->measure != LC_RESEND_MS)
			return errbuf_set(errbuf, errlen, "only resend-ms takes a tolerance: '%s' is"
			                  " counted exactly", w[2]), -1;
	}
	return 0;
}

int labcheck_parse(enum labcheck_kind kind, const char *text, struct labcheck *out,
                   char *errbuf, size_t errlen)
{
	char w[MAX_WORDS][300];
	int n;

	memset(out, 0, sizeof(*out));
	out->kind = kind;
	if (!strchr(text, '"')) {
		errbuf_set(errbuf, errlen, "a check starts with its \"NAME\" in double quotes");
		return -1;
	}
	n = split(text, w, errbuf, errlen);
	if (n < 0)
		return -1;
	if (n < 1 || text[strspn(text, " \t")] != '"' || !w[0][0]) {
		errbuf_set(errbuf, errlen, "a check starts with its \"NAME\" in double quotes");
		return -1;
	}
	snprintf(out->name, sizeof(out->name), "%.159s", w[0]);
	switch (kind) {
	case LABCHECK_CALL:
		return parse_call(w, n, out, errbuf, errlen);
	case LABCHECK_OUTPUT:
		if (n != 3 && n != 4)
			return errbuf_set(errbuf, errlen, "needs \"NAME\" WHO \"TEXT\" [count OP N]"), -1;
		if (parse_who(w[1], &out->who, errbuf, errlen) < 0)
			return -1;
		snprintf(out->text, sizeof(out->text), "%.255s", w[2]);
		out->count_op = LC_GE;
		out->count = 1;
		if (n == 4) {
			enum labcheck_op op;
			size_t k;
			char *end;

			if (strncmp(w[3], "count", 5) || !(k = parse_op(w[3] + 5, &op)))
				return errbuf_set(errbuf, errlen, "cannot read '%s' (count=N, count<=N...)",
				                  w[3]), -1;
			out->count_op = op;
			out->count = strtoll(w[3] + 5 + k, &end, 10);
			if (end == w[3] + 5 + k || *end || out->count < 0)
				return errbuf_set(errbuf, errlen, "cannot read '%s' (count=N)", w[3]), -1;
		}
		return 0;
	case LABCHECK_STATE:
		return parse_state(w, n, out, errbuf, errlen);
	case LABCHECK_WIRE:
		if (n != 4)
			return errbuf_set(errbuf, errlen, "needs \"NAME\" METRIC OP VALUE"), -1;
		for (size_t i = 0; i < sizeof(metrics) / sizeof(metrics[0]); i++) {
			if (!strcmp(w[1], metrics[i].name)) {
				char *end;

				out->metric = metrics[i].metric;
				if (parse_op(w[2], &out->op) != strlen(w[2]))
					return errbuf_set(errbuf, errlen, "'%s' is not =, <, >, <= or >=",
					                  w[2]), -1;
				out->value = strtod(w[3], &end);
				if (end == w[3] || *end)
					return errbuf_set(errbuf, errlen, "'%s' is not a number", w[3]), -1;
				return 0;
			}
		}
		errbuf_set(errbuf, errlen, "unknown metric '%s' (rtt-median, rtt-max, segments-c2s,"
		           " segments-s2c, connections, zero-window-conns)", w[1]);
		return -1;
	case LABCHECK_ANSWER:
		return parse_answer(w, n, out, errbuf, errlen);
	}
	return -1;
}

static double rel_ms(const struct labcheck_ctx *ctx, uint64_t t)
{
	return t >= ctx->tl->t0 ? (double)(t - ctx->tl->t0) / 1e6 : 0;
}

/*
 * has=WORD, judged on the event's fields: an option (TCP_NODELAY: set/getsockopt of it),
 * a flag (MSG_MORE), a shutdown direction (SHUT_WR), a linger value ({1,0}), or the name
 * of the system call itself.
 */
static const struct {
	const char *word;
	enum { HAS_FLAG, HAS_HOW, HAS_LINGER, HAS_LAST } kind;
	long long value;
} has_words[] = {
	{ "MSG_MORE", HAS_FLAG, MSG_MORE }, { "MSG_PEEK", HAS_FLAG, MSG_PEEK },
	{ "MSG_WAITALL", HAS_FLAG, MSG_WAITALL }, { "MSG_NOSIGNAL", HAS_FLAG, MSG_NOSIGNAL },
	{ "MSG_DONTWAIT", HAS_FLAG, MSG_DONTWAIT }, { "MSG_OOB", HAS_FLAG, MSG_OOB },
	{ "SHUT_RD", HAS_HOW, SHUT_RD }, { "SHUT_WR", HAS_HOW, SHUT_WR },
	{ "SHUT_RDWR", HAS_HOW, SHUT_RDWR }, { "{1,0}", HAS_LINGER, 0 },
	{ "last", HAS_LAST, 0 },
};

static bool has_matches(const char *word, const struct trace_event *ev)
{
	const char *opt;

	for (size_t i = 0; i < sizeof(has_words) / sizeof(has_words[0]); i++) {
		if (strcmp(word, has_words[i].word))
			continue;
		switch (has_words[i].kind) {
		case HAS_FLAG:
			return (ev->flags & (uint32_t)has_words[i].value) != 0;
		case HAS_HOW:
			return ev->call == TRACE_SHUTDOWN && ev->arg == has_words[i].value;
		case HAS_LINGER:
			return (ev->call == TRACE_SETSOCKOPT && ev->level == SOL_SOCKET &&
			        ev->opt == SO_LINGER && ev->arg != 0 && ev->arg2 == 0);
		case HAS_LAST:
			return ev->call == TRACE_CLOSE && ev->last;
		}
	}
	opt = (ev->call == TRACE_SETSOCKOPT || ev->call == TRACE_GETSOCKOPT) ?
	      trace_opt_name(ev->level, ev->opt) : NULL;
	return (opt && !strcmp(opt, word)) || !strcmp(ev->name, word);
}

/* Does one traced call satisfy the check's conditions (not count, before, after)? */
/* The class as the lab's data names it: "sleep" for the program's sleeps. */
static const char *class_name(enum trace_call cls)
{
	return cls == TRACE_WAIT ? "sleep" : trace_call_name(cls);
}

static bool call_matches(const struct labcheck *c, const struct tl_call *tc)
{
	const struct trace_event *ev = &tc->ev;

	if ((int)tc->host != c->who || ev->call != c->cls)
		return false;
	if (c->cls == TRACE_WAIT && !trace_event_sleep(ev))
		return false;
	if (c->func[0] && strcmp(ev->name, c->func))
		return false;
	if (c->has_ret && !compare((double)ev->ret, c->ret_op, (double)c->ret))
		return false;
	if (c->has_arg && !compare((double)ev->arg, c->arg_op, (double)c->arg))
		return false;
	if (c->has_took && !compare((double)trace_event_blocked_ns(ev) / 1e9, c->took_op,
	                            c->took))
		return false;
	if (c->err[0]) {
		const char *name = ev->err ? trace_errno_name(ev->err) : "none";

		if (!name || strcmp(name, c->err))
			return false;
	}
	for (size_t i = 0; i < c->nhas; i++)
		if (!has_matches(c->has[i], ev))
			return false;
	return true;
}

static bool on_lab_socket(const struct labcheck_ctx *ctx, const struct trace_event *ev)
{
	for (size_t i = 0; ev->sock && i < ctx->nlab_socks; i++)
		if (ctx->lab_socks[i] == ev->sock)
			return true;
	return false;
}

/*
 * The processes of host that a signal ended, by their TRACE_EXIT's wait status: collected
 * once per check, so that each of its calls is looked up in this short list and not in
 * the whole timeline. 0, or -1 when out of memory. *out is malloc'ed (NULL when none).
 */
static int killed_pids(const struct timeline *tl, int host, int **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < tl->ncall; i++) {
		const struct trace_event *x = &tl->call[i].ev;
		int *grown;

		if ((int)tl->call[i].host != host || x->call != TRACE_EXIT || x->arg < 0 ||
		    !WIFSIGNALED((int)x->arg))
			continue;
		grown = realloc(*out, (*n + 1) * sizeof(**out));
		if (!grown) {
			free(*out);
			*out = NULL;
			*n = 0;
			return -1;
		}
		*out = grown;
		(*out)[(*n)++] = x->pid;
	}
	return 0;
}

static bool pid_in(const int *pid, size_t n, int p)
{
	for (size_t i = 0; i < n; i++)
		if (pid[i] == p)
			return true;
	return false;
}

/*
 * Had ev's connection ended on the wire before ev entered: a FIN from each side, or a
 * RST, captured before it? The connection is the one whose ports are the socket's; a
 * socket with no peer (a listener) has none, and has not ended.
 */
static bool connection_ended(const struct labcheck_ctx *ctx, const struct trace_event *ev)
{
	bool fin[2] = { false, false };

	if (!ev->peer.port || !ev->local.port)
		return false;
	for (size_t i = 0; i < ctx->nseg; i++) {
		const struct flow_seg *x = &ctx->segs[i];
		bool mine = (x->seg.sport == ev->local.port && x->seg.dport == ev->peer.port) ||
		            (x->seg.sport == ev->peer.port && x->seg.dport == ev->local.port);

		if (!mine || x->seg.ts_ns >= ev->t_enter_ns)
			continue;
		if (x->seg.flags & TCP_RST)
			return true;
		if (x->seg.flags & TCP_FIN)
			fin[x->dir == FLOW_C2S ? 0 : 1] = true;
	}
	return fin[0] && fin[1];
}

static void eval_call(const struct labcheck *c, const struct labcheck_ctx *ctx,
                      struct expect_result *r)
{
	const struct timeline *tl = ctx->tl;
	const char *who = _(ctx->role[c->who]);      /* in explanations only */
	uint64_t first_before = UINT64_MAX;
	long long matched = 0, seen = 0, total = 0, count = c->count;
	uint64_t t_before = 0, t_after = 0;
	long first = -1, last_seen = -1, outside = -1;
	double outside_s = 0;
	char text[300];
	size_t used, nkilled = 0;
	int *killed = NULL;

	if (c->after_cut && !ctx->cut_ns) {
		r->verdict = EXPECT_FAIL;
		snprintf(r->explain, sizeof(r->explain), _("the cable was never cut in this run, so"
		         " nothing can come after the cut"));
		return;
	}
	if (c->enters_before || c->returns_after) {
		int hs = c->enters_before ? c->enters_before : c->returns_after;

		if (c->enters_before)
			t_before = hs_time(ctx, c->enters_before);
		if (c->returns_after)
			t_after = hs_time(ctx, c->returns_after);
		if ((c->enters_before && !t_before) || (c->returns_after && !t_after)) {
			hs = c->enters_before && !t_before ? c->enters_before : c->returns_after;
			r->verdict = EXPECT_FAIL;
			snprintf(r->explain, sizeof(r->explain), "%s never crossed the wire, so no call"
			         " can be placed against it", hs_text[hs]);
			return;
		}
	}
	if (c->before)
		for (size_t i = 0; i < tl->ncall; i++)
			if ((int)tl->call[i].host == c->who && tl->call[i].ev.call == c->before_cls &&
			    tl->call[i].ev.t_enter_ns < first_before)
				first_before = tl->call[i].ev.t_enter_ns;
	if (c->killed && killed_pids(tl, c->who, &killed, &nkilled) < 0) {
		r->verdict = EXPECT_INCONCLUSIVE;
		snprintf(r->explain, sizeof(r->explain), _("out of memory"));
		return;
	}
	for (size_t i = 0; i < tl->ncall; i++) {
		const struct trace_event *ev = &tl->call[i].ev;

		if ((int)tl->call[i].host == c->who && ev->call == c->cls &&
		    (c->cls != TRACE_WAIT || trace_event_sleep(ev))) {
			seen++;
			last_seen = (long)i;
		}
		if (!call_matches(c, &tl->call[i]))
			continue;
		if (c->on_lab && !on_lab_socket(ctx, ev))
			continue;
		if (c->killed && !pid_in(killed, nkilled, ev->pid))
			continue;
		if (c->ended && !connection_ended(ctx, ev))
			continue;
		if ((t_before && ev->t_enter_ns >= t_before) || (t_after && ev->t_exit_ns <= t_after))
			continue;
		if (c->before && ev->t_enter_ns >= first_before)
			continue;
		if (c->after_cut) {
			double s = ((double)ev->t_exit_ns - (double)ctx->cut_ns) / 1e9;

			if (s < c->cut_lo || s > c->cut_hi) {
				/* The nearest miss tells the student how far off it was. */
				if (s > c->cut_hi && outside < 0) {
					outside = (long)i;
					outside_s = s;
				}
				continue;
			}
		}
		if (first < 0)
			first = (long)i;
		matched++;
		/* A peek reads nothing out of the socket: it is not bytes received. */
		if (ev->ret > 0 && !(ev->call == TRACE_RECV && (ev->flags & MSG_PEEK)))
			total += ev->ret;
	}
	free(killed);
	if (c->count_var[0]) {
		char want[64];
		int missing = 0;

		lab_vars_expand(ctx->vars, c->count_var, want, sizeof(want), &missing);
		if (missing || !isdigit((unsigned char)want[0])) {
			r->verdict = EXPECT_INCONCLUSIVE;
			snprintf(r->explain, sizeof(r->explain), _("the lab did not say how many to expect"
			         " ('%s'): a fault of the lab, not of your program"), c->count_var);
			return;
		}
		count = strtoll(want, NULL, 10);
	}
	r->verdict = compare((double)matched, c->count_op, (double)count) ? EXPECT_PASS :
	             EXPECT_FAIL;
	if (r->verdict == EXPECT_PASS && c->has_total) {
		char want[64];
		int missing = 0;

		lab_vars_expand(ctx->vars, c->total, want, sizeof(want), &missing);
		if (missing || !isdigit((unsigned char)want[0])) {
			r->verdict = EXPECT_INCONCLUSIVE;
			snprintf(r->explain, sizeof(r->explain), _("the lab did not say how much to expect"
			         " ('%s'): a fault of the lab, not of your program"), c->total);
			return;
		}
		if (!compare((double)total, c->total_op, strtod(want, NULL))) {
			r->verdict = EXPECT_FAIL;
			snprintf(r->explain, sizeof(r->explain), _("the %s's %s calls returned %lld bytes in"
			         " all; %s %s were expected"), who, class_name(c->cls), total,
			         op_text[c->total_op], want);
			return;
		}
	}
	if (first >= 0) {
		const struct trace_event *ev = &tl->call[first].ev;

		trace_event_str(ev, text, sizeof(text));
		used = (size_t)snprintf(r->explain, sizeof(r->explain), _("%lld matching %s call%s;"
		                        " the first: %s at +%.3f ms"), matched, who,
		                        matched == 1 ? "" : "s", text, rel_ms(ctx, ev->t_exit_ns));
		if (c->after_cut && used < sizeof(r->explain))
			used += (size_t)snprintf(r->explain + used, sizeof(r->explain) - used,
			                         _(", %.3f s after the cut"),
			                         ((double)ev->t_exit_ns - (double)ctx->cut_ns) / 1e9);
		if (c->has_took && used < sizeof(r->explain))
			used += (size_t)snprintf(r->explain + used, sizeof(r->explain) - used,
			                         _(", after %.3f s in the call"),
			                         (double)trace_event_blocked_ns(ev) / 1e9);
		if (c->ended && used < sizeof(r->explain))
			snprintf(r->explain + used, sizeof(r->explain) - used, _(": its connection had"
			         " already ended on the wire (a FIN each way, or a RST), yet the socket"
			         " was still open; shutdown() ends the connection, only close() frees"
			         " the socket"));
	} else if (outside >= 0) {
		trace_event_str(&tl->call[outside].ev, text, sizeof(text));
		snprintf(r->explain, sizeof(r->explain), _("the %s's %.200s came %.1f s after the cable"
		         " was pulled; it must come within %.1f s"), who, text, outside_s, c->cut_hi);
	} else {
		used = (size_t)snprintf(r->explain, sizeof(r->explain), _("no %s %s call matched"),
		                        who, class_name(c->cls));
		if (c->after_cut && used < sizeof(r->explain))
			used += (size_t)snprintf(r->explain + used, sizeof(r->explain) - used,
			                         _(" within %.1f s of the cable pull (nothing came at all)"),
			                         c->cut_hi);
		if (last_seen >= 0 && used < sizeof(r->explain)) {
			trace_event_str(&tl->call[last_seen].ev, text, sizeof(text));
			used += (size_t)snprintf(r->explain + used, sizeof(r->explain) - used,
			                         _(" (it made %lld; the last: %s at +%.3f ms"), seen, text,
			                         rel_ms(ctx, tl->call[last_seen].ev.t_exit_ns));
			/* took: how long that one took, against what the check wanted. */
			if (c->has_took && used < sizeof(r->explain))
				used += (size_t)snprintf(r->explain + used, sizeof(r->explain) - used,
				                         _(", in the call %.3f s; wanted %s %g s"),
				                         (double)trace_event_blocked_ns(
				                                 &tl->call[last_seen].ev) / 1e9,
				                         op_text[c->took_op], c->took);
			if (used < sizeof(r->explain))
				used += (size_t)snprintf(r->explain + used, sizeof(r->explain) - used,
				                         ")");
			if (t_before && used < sizeof(r->explain))
				used += (size_t)snprintf(r->explain + used, sizeof(r->explain) - used,
				                         "; it had to be entered before %s, on the wire"
				                         " at +%.3f ms", hs_text[c->enters_before],
				                         rel_ms(ctx, t_before));
			if (t_after && used < sizeof(r->explain))
				snprintf(r->explain + used, sizeof(r->explain) - used, "; it had to"
				         " return after %s, on the wire at +%.3f ms",
				         hs_text[c->returns_after], rel_ms(ctx, t_after));
		} else if (used < sizeof(r->explain)) {
			snprintf(r->explain + used, sizeof(r->explain) - used, _(" (it made none)"));
		}
	}
	if (r->verdict == EXPECT_FAIL && first >= 0) {
		used = strlen(r->explain);
		snprintf(r->explain + used, sizeof(r->explain) - used, _("; wanted count %s %lld"),
		         op_text[c->count_op], count);
	}
}

/* Does line contain one of the |-separated alternatives of want? */
static bool line_has(const char *line, const char *want)
{
	for (const char *p = want;;) {
		const char *bar = strchr(p, '|');
		size_t n = bar ? (size_t)(bar - p) : strlen(p);
		char alt[256];

		snprintf(alt, sizeof(alt), "%.*s", (int)n, p);
		if (n && strstr(line, alt))
			return true;
		if (!bar)
			return false;
		p = bar + 1;
	}
}

static void eval_output(const struct labcheck *c, const struct labcheck_ctx *ctx,
                        struct expect_result *r)
{
	const struct timeline *tl = ctx->tl;
	char want[512];
	int missing = 0;
	long last = -1, first = -1, second = -1;
	long long matched = 0;

	/* {NAME}: a value of this run (a param drawn from the seed, or what the lab's driver
	 * said it did), so the expected line is known only once the run has happened. */
	lab_vars_expand(ctx->vars, c->text, want, sizeof(want), &missing);
	if (missing) {
		r->verdict = EXPECT_INCONCLUSIVE;
		snprintf(r->explain, sizeof(r->explain), _("the lab's own program did not say what it"
		         " did, so '%s' cannot be checked (a fault of the lab, not of your program:"
		         " report it)"), c->text);
		return;
	}
	for (size_t i = 0; i < tl->nout; i++) {
		if (tl->out[i].host != c->who)
			continue;
		if (line_has(tl->out[i].text, want)) {
			if (!matched++)
				first = (long)i;
			else
				second = second < 0 ? (long)i : second;
		}
		last = (long)i;
	}
	if (matched && compare((double)matched, c->count_op, (double)c->count)) {
		r->verdict = EXPECT_PASS;
		snprintf(r->explain, sizeof(r->explain), _("the %s printed '%s' at +%.3f ms"),
		         _(ctx->role[c->who]), tl->out[first].text, rel_ms(ctx, tl->out[first].t_ns));
		return;
	}
	r->verdict = EXPECT_FAIL;
	if (matched && c->count_op == LC_EQ && c->count == 0) {
		snprintf(r->explain, sizeof(r->explain), _("the %s printed '%s' at +%.3f ms; it must"
		         " not"), _(ctx->role[c->who]), tl->out[first].text, rel_ms(ctx, tl->out[first].t_ns));
		return;
	}
	if (matched && second >= 0) {
		snprintf(r->explain, sizeof(r->explain), _("the %s printed %lld lines with '%.80s' (the"
		         " first '%.120s', then '%.120s'); it must print %s %lld"), _(ctx->role[c->who]),
		         matched, want, tl->out[first].text, tl->out[second].text,
		         op_text[c->count_op], c->count);
		return;
	}
	if (matched) {
		snprintf(r->explain, sizeof(r->explain), _("the %s printed %lld line with '%.200s'; it must"
		         " print %s %lld"), _(ctx->role[c->who]), matched, want, op_text[c->count_op],
		         c->count);
		return;
	}
	if (last >= 0)
		snprintf(r->explain, sizeof(r->explain), _("the %s never printed '%.200s'; its last line:"
		         " '%.200s'"), _(ctx->role[c->who]), want, tl->out[last].text);
	else
		snprintf(r->explain, sizeof(r->explain), _("the %s printed nothing; it should print"
		         " '%.200s'"), _(ctx->role[c->who]), want);
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double labcheck_rtt_feed(struct labcheck_rtt *st, uint32_t conn, int dir, uint32_t len,
                         uint32_t analysis, uint64_t ts_ns)
{
	uint64_t *start;
	double ms = -1;

	if (!len || analysis & EXPERT_BIT(EXPERT_I_RETRANSMISSION))
		return -1;
	if (conn >= st->n) {
		/* Every connection its own slot: a capture of many connections measures each. */
		size_t nn = st->n ? st->n : 64;
		uint64_t *p;

		while (nn <= conn)
			nn *= 2;
		p = realloc(st->start, nn * sizeof(*p));
		if (!p) {
			st->oom = true;
			return -1;
		}
		memset(p + st->n, 0, (nn - st->n) * sizeof(*p));
		st->start = p;
		st->n = nn;
	}
	start = &st->start[conn];
	if (dir == FLOW_C2S && !*start) {
		*start = ts_ns;
	} else if (dir == FLOW_S2C && *start) {
		ms = (double)(ts_ns - *start) / 1e6;
		*start = 0;
	}
	return ms;
}

void labcheck_rtt_release(struct labcheck_rtt *st)
{
	free(st->start);
	memset(st, 0, sizeof(*st));
}

double labcheck_median(double *v, size_t n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), by_value);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void eval_wire(const struct labcheck *c, const struct labcheck_ctx *ctx,
                      struct expect_result *r)
{
	double *rtt = malloc((ctx->nseg ? ctx->nseg : 1) * sizeof(*rtt)), value = 0;
	size_t nrtt = 0, data[2] = { 0, 0 }, m, nconn = 0, nzero = 0;
	uint32_t maxconn = 0;
	unsigned char *seen = NULL;     /* per connection: 1 seen, 2 a zero window too */
	struct labcheck_rtt rs = { 0 };
	const char *what = "?", *unit = "";

	if (!rtt) {
		r->verdict = EXPECT_INCONCLUSIVE;
		snprintf(r->explain, sizeof(r->explain), _("out of memory"));
		return;
	}
	for (m = 0; m < sizeof(metrics) / sizeof(metrics[0]); m++)
		if (metrics[m].metric == c->metric)
			what = metrics[m].what, unit = metrics[m].unit;
	for (size_t i = 0; i < ctx->nseg; i++)
		if (ctx->segs[i].conn_id > maxconn)
			maxconn = ctx->segs[i].conn_id;
	seen = calloc((size_t)maxconn + 1, 1);
	if (!seen) {
		free(rtt);
		r->verdict = EXPECT_INCONCLUSIVE;
		snprintf(r->explain, sizeof(r->explain), "out of memory");
		return;
	}
	for (size_t i = 0; i < ctx->nseg; i++) {
		const struct flow_seg *fs = &ctx->segs[i];
		unsigned char *sn = &seen[fs->conn_id];

		if (!*sn)
			*sn = 1, nconn++;
		/* The analysis's label, as Wireshark gives it: a RST's window of 0 is none. */
		if (*sn == 1 && fs->analysis & EXPERT_BIT(EXPERT_I_ZERO_WINDOW))
			*sn = 2, nzero++;
	}
	free(seen);
	for (size_t i = 0; i < ctx->nseg; i++) {
		const struct flow_seg *fs = &ctx->segs[i];
		double ms = labcheck_rtt_feed(&rs, fs->conn_id, fs->dir, fs->seg.len, fs->analysis,
		                              fs->seg.ts_ns);

		if (fs->seg.len && !(fs->analysis & EXPERT_BIT(EXPERT_I_RETRANSMISSION)))
			data[fs->dir]++;
		if (ms >= 0)
			rtt[nrtt++] = ms;
	}
	if (rs.oom) {
		labcheck_rtt_release(&rs);
		free(rtt);
		r->verdict = EXPECT_INCONCLUSIVE;
		snprintf(r->explain, sizeof(r->explain), _("out of memory"));
		return;
	}
	labcheck_rtt_release(&rs);
	switch (c->metric) {
	case LC_RTT_MEDIAN:
	case LC_RTT_MAX:
		if (!nrtt) {
			free(rtt);
			r->verdict = EXPECT_FAIL;
			snprintf(r->explain, sizeof(r->explain), _("no request and reply on the wire: the"
			         " client sent no data that the server answered"));
			return;
		}
		value = labcheck_median(rtt, nrtt);     /* sorts rtt */
		if (c->metric == LC_RTT_MAX)
			value = rtt[nrtt - 1];
		break;
	case LC_SEGMENTS_C2S:
		value = (double)data[FLOW_C2S];
		break;
	case LC_SEGMENTS_S2C:
		value = (double)data[FLOW_S2C];
		break;
	case LC_CONNECTIONS:
		value = (double)nconn;
		break;
	case LC_ZERO_WINDOW_CONNS:
		value = (double)nzero;
		break;
	}
	free(rtt);
	r->verdict = compare(value, c->op, c->value) ? EXPECT_PASS : EXPECT_FAIL;
	if (c->metric == LC_RTT_MEDIAN || c->metric == LC_RTT_MAX)
		snprintf(r->explain, sizeof(r->explain), _("%s %.3f%s over %zu requests (wanted %s %g%s)"),
		         what, value, unit, nrtt, op_text[c->op], c->value, unit);
	else
		snprintf(r->explain, sizeof(r->explain), _("%.0f %s (wanted %s %g)"), value, what,
		         op_text[c->op], c->value);
}

/* How many of a sample's sockets the check counts. */
static long long state_count(const struct labcheck *c, const struct ksock_log *ks,
                             const struct ksock_sample *s)
{
	long long n = 0;

	for (uint32_t i = 0; i < s->n; i++) {
		const struct ksock *k = &ks->sock[s->first + i];

		if (k->state == c->ks_state &&
		    (!c->has_timer || compare(k->expires_ms / 1000.0, c->timer_op, c->timer)))
			n++;
	}
	return n;
}

/* A sample in a few words: "LISTEN 1, TIME-WAIT 3" or "no socket on the port". */
static void state_summary(const struct ksock_log *ks, const struct ksock_sample *s, char *buf,
                          size_t len)
{
	unsigned per[KS_NSTATES] = { 0 };
	size_t used = 0;

	buf[0] = '\0';
	for (uint32_t i = 0; i < s->n; i++)
		if (ks->sock[s->first + i].state < KS_NSTATES)
			per[ks->sock[s->first + i].state]++;
	for (int st = 1; st < KS_NSTATES && used < len; st++)
		if (per[st])
			used += (size_t)snprintf(buf + used, len - used, "%s%s %u", used ? ", " : "",
			                         ksock_state_name(st), per[st]);
	if (!buf[0])
		snprintf(buf, len, _("no socket on the port"));
}

static void eval_state(const struct labcheck *c, const struct labcheck_ctx *ctx,
                       struct expect_result *r)
{
	const struct ksock_log *ks = ctx->ks;
	const struct ksock_sample *pick = NULL;
	const char *who = ctx->role[c->who];
	char timer[48] = "", what[160], held[200];
	long long n = 0;

	if (c->has_timer)
		snprintf(timer, sizeof(timer), " with %s %g s left on its timer", op_text[c->timer_op],
		         c->timer);
	snprintf(what, sizeof(what), "%s%s", ksock_state_name(c->ks_state), timer);
	for (size_t i = 0; ks && i < ks->nsample; i++) {
		const struct ksock_sample *s = &ks->sample[i];
		long long k;

		if (s->host != c->who)
			continue;
		if (c->ks_at == LC_AT_END) {
			if (s->why == KSW_END)
				pick = s;
			continue;
		}
		if (c->ks_at == LC_AT_KILL && s->why != KSW_ACT)
			continue;
		k = state_count(c, ks, s);
		if (!pick || k > n)
			pick = s, n = k;
	}
	if (!pick) {
		r->verdict = EXPECT_INCONCLUSIVE;
		snprintf(r->explain, sizeof(r->explain), _("the kernel's sockets of the %s were not"
		         " sampled%s%s%s"), who, c->ks_at == LC_AT_KILL ? _(" before a kill of the lab's") :
		         c->ks_at == LC_AT_END ? _(" at the end of the run") : "",
		         ctx->ks_error && ctx->ks_error[0] ? ": " : "",
		         ctx->ks_error ? ctx->ks_error : "");
		return;
	}
	n = state_count(c, ks, pick);
	state_summary(ks, pick, held, sizeof(held));
	r->verdict = compare((double)n, c->count_op, (double)c->count) ? EXPECT_PASS : EXPECT_FAIL;
	snprintf(r->explain, sizeof(r->explain), "%s the %s's kernel held %lld socket%s of the"
	         " lab's port in %s (wanted %s %lld); it held: %s",
	         c->ks_at == LC_AT_END ? "at the end of the run," :
	         c->ks_at == LC_AT_KILL ? "just before a kill of the lab's, at its most," :
	         "at its most,",
	         who, n, n == 1 ? "" : "s", what, op_text[c->count_op], c->count, held);
	/* The time, on the ladder's clock. */
	if (ctx->tl) {
		size_t used = strlen(r->explain);

		snprintf(r->explain + used, sizeof(r->explain) - used, " (sampled at +%.3f s)",
		         rel_ms(ctx, pick->t_ns) / 1000.0);
	}
}

/* What the capture shows about the first resend of the lab's first connection. */
struct resend {
	bool found;
	const struct flow_seg *orig, *copy, *final;     /* final: the covering ACK, or NULL */
	const struct flow_seg *dup[8];                  /* the repeats before the copy */
	size_t ndup, copies;
	uint32_t end;                                   /* the client's last data byte + 1 */
};

static void find_resend(const struct labcheck_ctx *ctx, struct resend *rs)
{
	const struct flow_seg *s = ctx->segs;
	const struct flow_seg *first_ack = NULL;
	uint32_t conn = ctx->nseg ? s[0].conn_id : 0;

	memset(rs, 0, sizeof(*rs));
	/* A copy is data at or below what the client had already sent, whatever Wireshark
	 * calls it: a resend right after newer data is its "TCP Out-Of-Order". */
	for (size_t i = 0; i < ctx->nseg; i++) {
		const struct flow_seg *x = &s[i];

		if (x->conn_id != conn || x->dir != FLOW_C2S || !x->seg.len)
			continue;
		if (!rs->copy && rs->end && x->rel_seq + x->seg.len <= rs->end)
			rs->copy = x;
		if (x->rel_seq + x->seg.len > rs->end)
			rs->end = x->rel_seq + x->seg.len;
	}
	rs->found = rs->copy != NULL;
	for (size_t i = 0; i < ctx->nseg; i++) {
		const struct flow_seg *x = &s[i];

		if (x->conn_id != conn)
			continue;
		if (rs->copy && x->dir == FLOW_C2S && x->seg.len && x->rel_seq == rs->copy->rel_seq) {
			if (!rs->orig)
				rs->orig = x;
			rs->copies++;
		}
		if (x->dir != FLOW_S2C || !(x->seg.flags & TCP_ACK))
			continue;
		if (!rs->final && rs->end && x->rel_ack >= rs->end)
			rs->final = x;
		if (rs->copy && x < rs->copy && !x->seg.len && !(x->seg.flags & (TCP_SYN | TCP_FIN)) &&
		    x->rel_ack == rs->copy->rel_seq) {
			if (!first_ack)
				first_ack = x;
			else if (rs->ndup < sizeof(rs->dup) / sizeof(rs->dup[0]))
				rs->dup[rs->ndup++] = x;
		}
	}
}

/* The answer to key, or NULL when answers.txt left it out or still says '?'. */
static const char *answer_of(const struct labcheck *c, const struct labcheck_ctx *ctx)
{
	char name[40];
	const char *v;

	snprintf(name, sizeof(name), "answer_%s", c->key);
	v = ctx->vars ? lab_vars_get(ctx->vars, name) : NULL;
	return v && *v && strcmp(v, "?") ? v : NULL;
}

/* "fast" (a fast retransmission, "Fast retransmit"...) 1, "timer" ("timeout", "RTO",
 * "probe", "TLP"...) 0, anything else (a hedge like "fast or timer" included) -1. */
static int answer_kind(const char *ans)
{
	static const char *const fast[] = { "fast", "fast retransmission", "fast retransmit",
	                                    "fast-retransmit", "fast_retransmission" };
	static const char *const timer[] = { "timer", "timeout", "rto", "retransmission timeout",
	                                     "probe", "tlp", "tail loss probe" };

	for (size_t i = 0; i < sizeof(fast) / sizeof(fast[0]); i++)
		if (!strcasecmp(ans, fast[i]))
			return 1;
	for (size_t i = 0; i < sizeof(timer) / sizeof(timer[0]); i++)
		if (!strcasecmp(ans, timer[i]))
			return 0;
	return -1;
}

static bool read_count(const char *text, long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(text, &end, 10);
	return end != text && !*end && !errno;
}

static void eval_answer(const struct labcheck *c, const struct labcheck_ctx *ctx,
                        struct expect_result *r)
{
	const char *ans = answer_of(c, ctx);
	struct resend rs;
	long long n = 0, truth = 0;
	char *e = r->explain;
	size_t len = sizeof(r->explain);
	bool number = c->measure != LC_RESEND_KIND && c->measure != LC_RESEND_MS;

	r->verdict = EXPECT_FAIL;
	if (!ans) {
		snprintf(e, len, _("no answer: answers.txt has no '%s = ...' line, or it still says '?'"),
		         c->key);
		return;
	}
	find_resend(ctx, &rs);
	if (!rs.found && c->measure != LC_FINAL_ACK) {
		r->verdict = EXPECT_INCONCLUSIVE;
		snprintf(e, len, _("the capture shows no segment sent again, so the run did not go as"
		         " the exercise says: grade again"));
		return;
	}
	if (number && !read_count(ans, &n)) {
		snprintf(e, len, _("'%s' is not a whole number: write %s = 3, digits only"), ans, c->key);
		return;
	}
	switch (c->measure) {
	case LC_RESENT_SEQ:
		truth = rs.copy->rel_seq;
		if (n == truth)
			break;
		snprintf(e, len, _("you answered %lld; the capture shows seq %lld sent again (segment"
		         " %lu), first sent as segment %lu: the lost segment's first byte, 1 + 1448"
		         " for each segment before it"), n, truth, (unsigned long)rs.copy->seg.frame,
		         (unsigned long)rs.orig->seg.frame);
		return;
	case LC_DUPACKS:
		truth = (long long)rs.ndup;
		if (n == truth)
			break;
		{
			size_t off = (size_t)snprintf(e, len, _("you answered %lld; the capture shows %lld:"
			                              " the server's segments"), n, truth);

			for (size_t i = 0; i < rs.ndup && off < len; i++)
				off += (size_t)snprintf(e + off, len - off, "%s%lu",
				                        i == 0 ? " " : i + 1 == rs.ndup ? _(" and ") : ", ",
				                        (unsigned long)rs.dup[i]->seg.frame);
			if (off < len)
				snprintf(e + off, len - off, _("%s repeat ack %lu before the copy (segment"
				         " %lu); the ACK before them that first asked for it is not a"
				         " duplicate"), rs.ndup ? "" : _(" (none)"),
				         (unsigned long)rs.copy->rel_seq, (unsigned long)rs.copy->seg.frame);
		}
		return;
	case LC_COPIES:
		truth = (long long)rs.copies;
		if (n == truth)
			break;
		snprintf(e, len, _("you answered %lld; the capture shows seq %lu leaving %lld times,"
		         " the first copy included (first as segment %lu)"), n,
		         (unsigned long)rs.copy->rel_seq, truth, (unsigned long)rs.orig->seg.frame);
		return;
	case LC_FINAL_ACK:
		truth = rs.final ? rs.final->rel_ack : 0;
		if (rs.final && n == truth)
			break;
		if (!rs.final)
			snprintf(e, len, _("the capture shows no ACK covering all %lu bytes"),
			         (unsigned long)(rs.end ? rs.end - 1 : 0));
		else
			snprintf(e, len, _("you answered %lld; the ACK that covers all %lu bytes is ack %lld"
			         " (segment %lu): an ACK names the next byte it expects, and the first"
			         " byte is 1"), n, (unsigned long)(rs.end - 1), truth,
			         (unsigned long)rs.final->seg.frame);
		return;
	case LC_RESEND_KIND: {
		bool fast = (rs.copy->analysis & EXPERT_BIT(EXPERT_I_FAST_RETRANSMISSION)) != 0;
		int said = answer_kind(ans);

		if (said < 0) {
			snprintf(e, len, _("'%s' is neither 'fast' nor 'timer' (one word, one answer)"),
			         ans);
			return;
		}
		if (said == fast)
			break;
		snprintf(e, len, _("you answered %s; segment %lu is Wireshark's '%s': %s"), ans,
		         (unsigned long)rs.copy->seg.frame,
		         fast ? "TCP Fast Retransmission" : "TCP Retransmission",
		         fast ? _("duplicate ACKs asked for it, and it left right after them, no"
		                  " timer") :
		         _("no three duplicate ACKs came first: a timer (the loss probe or the"
		           " retransmission timeout) sent it"));
		return;
	}
	case LC_RESEND_MS: {
		double ms = (double)(rs.copy->seg.ts_ns - rs.orig->seg.ts_ns) / 1e6, a;
		char *end;

		a = strtod(ans, &end);
		if (end == ans || *end) {
			snprintf(e, len, _("'%s' is not a number of milliseconds: write %s = 250"), ans,
			         c->key);
			return;
		}
		if (a >= ms * (1 - c->within / 100) && a <= ms * (1 + c->within / 100))
			break;
		snprintf(e, len, _("you answered %g ms; the copy (segment %lu) left %.1f ms after the"
		         " first (segment %lu); within %g%% is %.0f to %.0f ms"), a,
		         (unsigned long)rs.copy->seg.frame, ms, (unsigned long)rs.orig->seg.frame,
		         c->within,
		         ms * (1 - c->within / 100), ms * (1 + c->within / 100));
		/* TCP's own delay lies between ms less the cable's lateness and ms: an answer
		 * right for some delay there is not known to be wrong. */
		if (ctx->late_ns) {
			double low = ms - (double)ctx->late_ns / 1e6;
			size_t used = strlen(e);

			if (low < 0)
				low = 0;
			if (a >= low * (1 - c->within / 100) && a <= ms * (1 + c->within / 100)) {
				r->verdict = EXPECT_INCONCLUSIVE;
				snprintf(e + used, len - used, _("; but tcplab's cable was held up %.1f ms"
				         " during this run, so TCP's own delay may have been as short as"
				         " %.1f ms: grade again"), (double)ctx->late_ns / 1e6, low);
			}
		}
		return;
	}
	}
	r->verdict = EXPECT_PASS;
	r->seg_index = rs.copy ? (long)(rs.copy - ctx->segs) : -1;
	snprintf(e, len, "right: %s", ans);
}

void labcheck_eval(const struct labcheck *c, const struct labcheck_ctx *ctx,
                   struct expect_result *r)
{
	memset(r, 0, sizeof(*r));
	r->seg_index = -1;
	switch (c->kind) {
	case LABCHECK_CALL:
		eval_call(c, ctx, r);
		break;
	case LABCHECK_OUTPUT:
		eval_output(c, ctx, r);
		break;
	case LABCHECK_WIRE:
		eval_wire(c, ctx, r);
		break;
	case LABCHECK_STATE:
		eval_state(c, ctx, r);
		break;
	case LABCHECK_ANSWER:
		eval_answer(c, ctx, r);
		break;
	}
}
