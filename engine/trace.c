/* summary: parse the syscall trace lines written by libtcplab-trace.so into trace events. */
#include "engine/trace.h"

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define READER_CAP (1u << 20)   /* complete lines waiting to be taken */

static const struct {
	const char *name;
	enum trace_call call;
} call_names[] = {
	{ "socket", TRACE_SOCKET },
	{ "bind", TRACE_BIND },
	{ "listen", TRACE_LISTEN },
	{ "accept", TRACE_ACCEPT },
	{ "accept4", TRACE_ACCEPT },
	{ "connect", TRACE_CONNECT },
	{ "send", TRACE_SEND },
	{ "sendto", TRACE_SEND },
	{ "sendmsg", TRACE_SEND },
	{ "write", TRACE_SEND },
	{ "writev", TRACE_SEND },
	{ "recv", TRACE_RECV },
	{ "recvfrom", TRACE_RECV },
	{ "recvmsg", TRACE_RECV },
	{ "read", TRACE_RECV },
	{ "readv", TRACE_RECV },
	{ "shutdown", TRACE_SHUTDOWN },
	{ "close", TRACE_CLOSE },
	{ "setsockopt", TRACE_SETSOCKOPT },
	{ "getsockopt", TRACE_GETSOCKOPT },
	{ "start", TRACE_START },
	{ "exit", TRACE_EXIT },
};

static const char *const class_names[] = {
	[TRACE_SOCKET] = "socket",
	[TRACE_BIND] = "bind",
	[TRACE_LISTEN] = "listen",
	[TRACE_ACCEPT] = "accept",
	[TRACE_CONNECT] = "connect",
	[TRACE_SEND] = "send",
	[TRACE_RECV] = "recv",
	[TRACE_SHUTDOWN] = "shutdown",
	[TRACE_CLOSE] = "close",
	[TRACE_SETSOCKOPT] = "setsockopt",
	[TRACE_GETSOCKOPT] = "getsockopt",
	[TRACE_START] = "start",
	[TRACE_EXIT] = "exit",
	[TRACE_OTHER] = "other",
};

/* Keys whose value alone reads well in the detail; the others are shown as key=value. */
static const char *const bare_keys[] = {
	"domain", "type", "addr", "flags", "how", "level", "opt", "val", "argv0",
};

const char *trace_call_name(enum trace_call c)
{
	if ((unsigned)c < sizeof class_names / sizeof class_names[0] && class_names[c])
		return class_names[c];
	return "?";
}

__attribute__((format(printf, 3, 4)))
static int fail(char *errbuf, size_t errlen, const char *fmt, ...)
{
	if (errbuf && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(errbuf, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* A token of the line: [p, p + n). */
struct tok {
	const char *p;
	size_t n;
};

/* Shows a token in an error message: at most 24 bytes, unprintable bytes as '?'. */
static const char *tok_show(struct tok t, char *out, size_t outlen)
{
	size_t m = 0;
	for (size_t i = 0; i < t.n && m + 4 < outlen && i < 24; i++) {
		unsigned char c = (unsigned char)t.p[i];
		out[m++] = c >= ' ' && c <= '~' ? (char)c : '?';
	}
	if (t.n > 24 && m + 4 < outlen) {
		memcpy(out + m, "...", 3);
		m += 3;
	}
	out[m] = '\0';
	return out;
}

/* Strict signed decimal: optional '-', 1..19 digits, within [lo, hi]. */
static bool tok_ll(struct tok t, long long lo, long long hi, long long *out)
{
	size_t i = 0;
	bool neg = false;
	unsigned long long v = 0;
	if (t.n > 0 && t.p[0] == '-') {
		neg = true;
		i = 1;
	}
	if (i >= t.n || t.n - i > 19)
		return false;
	for (; i < t.n; i++) {
		if (t.p[i] < '0' || t.p[i] > '9')
			return false;
		v = v * 10 + (unsigned)(t.p[i] - '0');   /* 19 digits cannot overflow 64 bits */
	}
	if (!neg && v > (unsigned long long)LLONG_MAX)
		return false;
	if (neg && v > (unsigned long long)LLONG_MAX + 1)
		return false;
	long long s = neg ? (v == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN : -(long long)v)
	                  : (long long)v;
	if (s < lo || s > hi)
		return false;
	*out = s;
	return true;
}

static bool tok_u64(struct tok t, uint64_t *out)
{
	uint64_t v = 0;
	if (t.n == 0 || t.n > 20)
		return false;
	for (size_t i = 0; i < t.n; i++) {
		if (t.p[i] < '0' || t.p[i] > '9')
			return false;
		unsigned d = (unsigned)(t.p[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

static bool tok_is(struct tok t, const char *s)
{
	return strlen(s) == t.n && memcmp(t.p, s, t.n) == 0;
}

static bool name_ok(struct tok t, size_t max)
{
	if (t.n == 0 || t.n > max)
		return false;
	for (size_t i = 0; i < t.n; i++) {
		char c = t.p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	return true;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decodes a %XX-escaped value into out (NUL-terminated, cut at outlen - 1); unprintable
 * bytes become '?'. Returns the decoded length (before cutting), or -1 on a bad escape. */
static long unescape(struct tok v, char *out, size_t outlen)
{
	size_t m = 0;
	long total = 0;
	for (size_t i = 0; i < v.n; i++) {
		unsigned char c = (unsigned char)v.p[i];
		if (c == '%') {
			int h, l;
			if (i + 2 >= v.n)
				return -1;
			h = hexval(v.p[i + 1]);
			l = hexval(v.p[i + 2]);
			if (h < 0 || l < 0)
				return -1;
			c = (unsigned char)(h << 4 | l);
			i += 2;
		}
		if (c < ' ' || c > '~')
			c = '?';
		if (m + 1 < outlen)
			out[m++] = (char)c;
		total++;
	}
	if (outlen)
		out[m] = '\0';
	return total;
}

static int parse_err(struct tok t, int *err)
{
	long long v;
	if (tok_is(t, "-")) {
		*err = 0;
		return 0;
	}
	if (t.n >= 2 && t.p[0] == 'E' && tok_ll((struct tok){ t.p + 1, t.n - 1 }, 1, 4095, &v)) {
		*err = (int)v;
		return 0;
	}
	*err = trace_wire_errno_value(t.p, t.n);
	return *err ? 0 : -1;
}

/* Appends s to the detail, space-separated; quietly cut when full. */
static void detail_add(char *d, size_t dlen, const char *key, const char *s)
{
	size_t n = strlen(d);
	int w = snprintf(d + n, dlen - n, "%s%s%s%s", n ? " " : "", key ? key : "", key ? "=" : "",
	                 s);
	(void)w;   /* truncation is documented as fine for the detail */
}

int trace_parse_line(const char *line, size_t len, struct trace_event *ev, char *errbuf,
                     size_t errlen)
{
	enum { NFIXED = 10 };
	struct tok tk[NFIXED];
	char show[32];
	size_t i = 0, nt = 0;
	long long v;

	memset(ev, 0, sizeof *ev);
	if (!line)
		return fail(errbuf, errlen, "trace line is missing");
	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len + 1 > TRACE_LINE_MAX)
		return fail(errbuf, errlen, "trace line of %zu bytes is over the %d-byte limit",
		            len + 1, TRACE_LINE_MAX);
	if (memchr(line, '\0', len))
		return fail(errbuf, errlen, "trace line contains a NUL byte");
	if (memchr(line, '\n', len))
		return fail(errbuf, errlen, "trace line contains a newline before its end");

	/* The fixed fields, then key=value pairs; exactly one space between tokens. */
	while (nt < NFIXED) {
		size_t start = i;
		while (i < len && line[i] != ' ')
			i++;
		if (i == start && nt == 0)
			return fail(errbuf, errlen, "not a trace line: it does not start with '%s'",
			            TRACE_WIRE_MAGIC);
		if (i == start)
			return fail(errbuf, errlen, "trace line has %zu of its %d fields (or a double space)",
			            nt, NFIXED);
		tk[nt++] = (struct tok){ line + start, i - start };
		if (i == len)
			break;
		if (++i == len)
			return fail(errbuf, errlen, "trace line ends with a space");
	}
	if (nt < NFIXED || !tok_is(tk[0], TRACE_WIRE_MAGIC)) {
		if (nt == 0 || !tok_is(tk[0], TRACE_WIRE_MAGIC))
			return fail(errbuf, errlen, "not a trace line: it does not start with '%s'",
			            TRACE_WIRE_MAGIC);
		return fail(errbuf, errlen, "trace line has %zu of its %d fields", nt, NFIXED);
	}
	if (!tok_ll(tk[1], 0, INT_MAX, &v) || v != TRACE_WIRE_VERSION)
		return fail(errbuf, errlen, "trace line version '%s' is not supported (expected %d)",
		            tok_show(tk[1], show, sizeof show), TRACE_WIRE_VERSION);
	if (!tok_ll(tk[2], 1, INT_MAX, &v))
		return fail(errbuf, errlen, "bad pid '%s' in trace line", tok_show(tk[2], show, sizeof show));
	ev->pid = (int)v;
	if (!name_ok(tk[3], sizeof ev->name - 1))
		return fail(errbuf, errlen, "bad call name '%s' in trace line",
		            tok_show(tk[3], show, sizeof show));
	memcpy(ev->name, tk[3].p, tk[3].n);
	ev->name[tk[3].n] = '\0';
	ev->call = TRACE_OTHER;
	for (size_t k = 0; k < sizeof call_names / sizeof call_names[0]; k++)
		if (tok_is(tk[3], call_names[k].name))
			ev->call = call_names[k].call;
	if (!tok_ll(tk[4], -1, INT_MAX, &v))
		return fail(errbuf, errlen, "bad fd '%s' in trace line", tok_show(tk[4], show, sizeof show));
	ev->fd = (int)v;
	if (!tok_ll(tk[5], LLONG_MIN, LLONG_MAX, &ev->arg))
		return fail(errbuf, errlen, "bad argument '%s' in trace line",
		            tok_show(tk[5], show, sizeof show));
	if (!tok_ll(tk[6], LLONG_MIN, LLONG_MAX, &ev->ret))
		return fail(errbuf, errlen, "bad return value '%s' in trace line",
		            tok_show(tk[6], show, sizeof show));
	if (parse_err(tk[7], &ev->err) < 0)
		return fail(errbuf, errlen, "unknown errno '%s' in trace line",
		            tok_show(tk[7], show, sizeof show));
	if (!tok_u64(tk[8], &ev->t_enter_ns) || !tok_u64(tk[9], &ev->t_exit_ns))
		return fail(errbuf, errlen, "bad time in trace line");
	if (ev->t_exit_ns < ev->t_enter_ns)
		return fail(errbuf, errlen, "trace line's exit time is before its entry time");

	while (i < len) {
		size_t start = i;
		while (i < len && line[i] != ' ')
			i++;
		struct tok kv = { line + start, i - start };
		if (kv.n == 0)
			return fail(errbuf, errlen, "trace line has an empty key=value field");
		if (i < len && ++i == len)
			return fail(errbuf, errlen, "trace line ends with a space");
		const char *eq = memchr(kv.p, '=', kv.n);
		if (!eq)
			return fail(errbuf, errlen, "field '%s' of trace line is not key=value",
			            tok_show(kv, show, sizeof show));
		struct tok key = { kv.p, (size_t)(eq - kv.p) };
		struct tok val = { eq + 1, kv.n - key.n - 1 };
		if (!name_ok(key, 31))
			return fail(errbuf, errlen, "bad key '%s' in trace line", tok_show(key, show, sizeof show));
		char dec[TRACE_LINE_MAX];
		long dn = unescape(val, dec, sizeof dec);
		if (dn < 0)
			return fail(errbuf, errlen, "bad %%-escape in value of '%s' in trace line",
			            tok_show(key, show, sizeof show));
		if (tok_is(key, "local") || tok_is(key, "peer")) {
			char *dst = tok_is(key, "local") ? ev->local : ev->peer;
			if ((size_t)dn >= sizeof ev->local)
				return fail(errbuf, errlen, "address of %zu bytes in trace line is too long",
				            (size_t)dn);
			if (strchr(dec, ' '))
				return fail(errbuf, errlen, "address in trace line contains a space");
			memcpy(dst, dec, (size_t)dn + 1);
			continue;
		}
		char k[32];
		memcpy(k, key.p, key.n);
		k[key.n] = '\0';
		bool bare = false;
		for (size_t b = 0; b < sizeof bare_keys / sizeof bare_keys[0]; b++)
			if (strcmp(bare_keys[b], k) == 0)
				bare = true;
		detail_add(ev->detail, sizeof ev->detail, bare ? NULL : k, dec);
	}
	return 0;
}

/* ---- reader ---------------------------------------------------------------------------- */

struct trace_reader {
	char *buf;
	size_t start, end, cap;
	bool skipping;          /* inside an over-long line: drop bytes up to the newline */
	unsigned long toolong;  /* over-long lines not yet reported */
};

struct trace_reader *trace_reader_new(void)
{
	return calloc(1, sizeof(struct trace_reader));
}

void trace_reader_free(struct trace_reader *r)
{
	if (!r)
		return;
	free(r->buf);
	free(r);
}

int trace_reader_feed(struct trace_reader *r, const char *buf, size_t len)
{
	while (len > 0) {
		if (r->skipping) {
			const char *nl = memchr(buf, '\n', len);
			if (!nl)
				return 0;
			len -= (size_t)(nl + 1 - buf);
			buf = nl + 1;
			r->skipping = false;
			continue;
		}
		if (r->start > 0) {
			memmove(r->buf, r->buf + r->start, r->end - r->start);
			r->end -= r->start;
			r->start = 0;
		}
		/* Only the partial last line is bounded here; complete lines wait to be taken. */
		size_t want = r->end + len;
		if (want > READER_CAP + TRACE_LINE_MAX) {
			const char *nl = memrchr(buf, '\n', len);
			if (!nl && r->end + len > READER_CAP + TRACE_LINE_MAX)
				return -1;
			if (nl && r->end + (size_t)(nl + 1 - buf) > READER_CAP)
				return -1;
		}
		if (want > r->cap) {
			size_t ncap = r->cap ? r->cap : 4096;
			while (ncap < want)
				ncap *= 2;
			char *nb = realloc(r->buf, ncap);
			if (!nb)
				return -1;
			r->buf = nb;
			r->cap = ncap;
		}
		memcpy(r->buf + r->end, buf, len);
		r->end += len;
		len = 0;
		const char *last = memrchr(r->buf, '\n', r->end);
		size_t tail = last ? (size_t)(last + 1 - r->buf) : 0;
		if (r->end - tail >= TRACE_LINE_MAX) {
			r->end = tail;
			r->skipping = true;
			r->toolong++;
		}
	}
	return 0;
}

int trace_reader_next(struct trace_reader *r, struct trace_event *ev, char *errbuf,
                      size_t errlen)
{
	if (r->toolong) {
		r->toolong--;
		memset(ev, 0, sizeof *ev);
		return fail(errbuf, errlen, "trace line over %d bytes, skipped", TRACE_LINE_MAX);
	}
	if (r->start == r->end)
		return 0;
	const char *p = r->buf + r->start;
	const char *nl = memchr(p, '\n', r->end - r->start);
	if (!nl)
		return 0;
	size_t n = (size_t)(nl - p);
	r->start += n + 1;
	if (r->start == r->end)
		r->start = r->end = 0;
	return trace_parse_line(p, n, ev, errbuf, errlen) < 0 ? -1 : 1;
}

/* ---- text ------------------------------------------------------------------------------ */

/* The detail's space-separated words from the skip-th on, joined by ", ". */
static void detail_args(const char *detail, int skip, char *out, size_t outlen)
{
	size_t m = 0;
	int word = 0;
	out[0] = '\0';
	for (const char *p = detail; *p;) {
		const char *e = strchr(p, ' ');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (word++ >= skip) {
			int w = snprintf(out + m, outlen - m, "%s%.*s", m ? ", " : "", (int)n, p);
			if (w < 0 || (size_t)w >= outlen - m)
				break;
			m += (size_t)w;
		}
		p += n;
		if (*p == ' ')
			p++;
	}
}

const char *trace_event_str(const struct trace_event *ev, char *buf, size_t len)
{
	char args[192], res[48] = "";
	const char *comma = ev->detail[0] ? ", " : "";

	if (!buf || len == 0)
		return buf;
	if (ev->err) {
		const char *en = trace_wire_errno_name(ev->err);
		if (en)
			snprintf(res, sizeof res, " = %lld %s", ev->ret, en);
		else
			snprintf(res, sizeof res, " = %lld E%d", ev->ret, ev->err);
	} else {
		snprintf(res, sizeof res, " = %lld", ev->ret);
	}

	switch (ev->call) {
	case TRACE_SOCKET:
		detail_args(ev->detail, 0, args, sizeof args);
		snprintf(buf, len, "%s(%s)%s", ev->name, args, res);
		break;
	case TRACE_BIND:
	case TRACE_CONNECT:
	case TRACE_SHUTDOWN:
		snprintf(buf, len, "%s(%d%s%s)%s", ev->name, ev->fd, comma, ev->detail, res);
		break;
	case TRACE_LISTEN:
		snprintf(buf, len, "%s(%d, %lld)%s", ev->name, ev->fd, ev->arg, res);
		break;
	case TRACE_ACCEPT:
		if (ev->ret >= 0 && ev->peer[0])
			snprintf(buf, len, "%s(%d)%s (peer %s)", ev->name, ev->fd, res, ev->peer);
		else
			snprintf(buf, len, "%s(%d)%s", ev->name, ev->fd, res);
		break;
	case TRACE_SEND:
	case TRACE_RECV:
		snprintf(buf, len, "%s(%d, %lld%s%s)%s", ev->name, ev->fd, ev->arg, comma, ev->detail,
		         res);
		break;
	case TRACE_CLOSE:
		snprintf(buf, len, "%s(%d)%s", ev->name, ev->fd, res);
		break;
	case TRACE_SETSOCKOPT:
	case TRACE_GETSOCKOPT:
		detail_args(ev->detail, 1, args, sizeof args);   /* the level is implied by the name */
		snprintf(buf, len, "%s(%d, %s)%s", ev->name, ev->fd, args, res);
		break;
	case TRACE_START:
		snprintf(buf, len, "start %s (pid %d)", ev->detail, ev->pid);
		break;
	case TRACE_EXIT:
		if (ev->arg >= 0)
			snprintf(buf, len, "exit(%lld)", ev->arg);
		else
			snprintf(buf, len, "exit (status unknown)");
		if (ev->ret > 0) {
			size_t n = strlen(buf);
			snprintf(buf + n, len - n, ", %lld trace events dropped", ev->ret);
		}
		break;
	case TRACE_OTHER:
	default:
		if (strcmp(ev->name, "fork") == 0) {
			snprintf(buf, len, "fork (pid %d, child of %lld)", ev->pid, ev->arg);
			break;
		}
		snprintf(buf, len, "%s(%d%s%s)%s", ev->name, ev->fd, comma, ev->detail, res);
		break;
	}
	return buf;
}
