/* summary: escape control characters and bad UTF-8 in text shown to people (see textesc.h). */
#include "util/textesc.h"

#include <string.h>
#include <wchar.h>

/* Where escaped pieces go: a bounded buffer or a stream, behind one function. */
struct sink {
	char *buf;
	size_t buflen;
	FILE *out;
	size_t used;            /* bytes in buf */
	size_t need;            /* bytes the whole result needs */
	int full;               /* the buffer refused a piece: later ones are only counted */
};

static void put(struct sink *k, const char *p, size_t n)
{
	if (k->out)
		fwrite(p, 1, n, k->out);
	else if (!k->full && k->used + n < k->buflen) {
		memcpy(k->buf + k->used, p, n);
		k->used += n;
	} else
		k->full = 1;    /* a piece never lands half: no "\x1" for "\x1b" */
	k->need += n;
}

static void put_hex(struct sink *k, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char e[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };

	put(k, e, 4);
}

/*
 * Length of the well-formed UTF-8 sequence at p (RFC 3629 section 4: no overlongs, no
 * surrogates, nothing above U+10FFFF), or 0 when the byte at p starts none.
 */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		if (p[0] == 0xe0)
			lo = 0xa0;
		else if (p[0] == 0xed)
			hi = 0x9f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		if (p[0] == 0xf0)
			lo = 0x90;
		else if (p[0] == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

/* Well-formed, but a terminal would obey it or it reorders the text around it. */
static int utf8_dangerous(const unsigned char *p, size_t len)
{
	if (len == 2)
		return p[0] == 0xc2 && p[1] <= 0x9f;                   /* C1 controls */
	if (len == 3 && p[0] == 0xe2 && p[1] == 0x80)
		return p[2] >= 0xaa && p[2] <= 0xae;                   /* U+202A-202E */
	if (len == 3 && p[0] == 0xe2 && p[1] == 0x81)
		return p[2] >= 0xa6 && p[2] <= 0xa9;                   /* U+2066-2069 */
	return 0;
}

/* The code point of the well-formed sequence of len bytes at p. */
static wchar_t utf8_decode(const unsigned char *p, size_t len)
{
	static const unsigned char lead_mask[] = { 0, 0x7f, 0x1f, 0x0f, 0x07 };
	wchar_t wc = p[0] & lead_mask[len];

	for (size_t i = 1; i < len; i++)
		wc = (wc << 6) | (p[i] & 0x3f);
	return wc;
}

size_t textesc_next(const char *str, size_t len, unsigned flags, size_t col,
                    struct textesc_unit *u)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned char c = s[0];
	size_t n;

	u->wc = 0;
	u->len = 1;
	if (c == '\n' && (flags & TEXTESC_LINES))
		u->cols = 0;
	else if (c == '\t')
		u->cols = (int)(8 - col % 8);
	else if (c == 0x1b)
		u->cols = 2;
	else if (c < 0x20 || c == 0x7f)
		u->cols = 4;
	else if (c < 0x80) {
		u->cols = 1;
		u->wc = c;
	} else if ((n = utf8_len(s, len)) == 0)
		u->cols = 4;
	else if (utf8_dangerous(s, n)) {
		u->len = n;
		u->cols = 4 * (int)n;
	} else {
		u->len = n;
		u->cols = 1;
		if (!(flags & TEXTESC_ASCII)) {
			/* As wide as the terminal draws it (Hangul and CJK two columns,
			 * combining marks none); what the locale cannot measure, one. */
			int w = wcwidth(u->wc = utf8_decode(s, n));

			u->cols = w >= 0 ? w : 1;
		}
	}
	return u->len;
}

static void escape(struct sink *k, const unsigned char *s, size_t len, unsigned flags)
{
	size_t col = 0;         /* column in the current line, for tab stops */
	struct textesc_unit u;

	for (size_t i = 0; i < len; i += u.len) {
		unsigned char c = s[i];

		textesc_next((const char *)&s[i], len - i, flags, col, &u);
		if (c == '\n' && (flags & TEXTESC_LINES)) {
			put(k, "\n", 1);
			col = 0;
			continue;
		}
		if (c == '\t')
			put(k, "        ", (size_t)u.cols);
		else if (c == 0x1b)
			put(k, "\\e", 2);
		else if (u.wc)
			put(k, (const char *)&s[i], u.len);
		else if (c >= 0x80 && u.cols == 1)
			put(k, "?", 1);         /* valid, but TEXTESC_ASCII */
		else
			/* a control, an invalid byte alone, a dangerous character byte by byte */
			for (size_t j = 0; j < u.len; j++)
				put_hex(k, s[i + j]);
		col += (size_t)u.cols;
	}
}

size_t textesc(char *buf, size_t buflen, const char *s, size_t len, unsigned flags)
{
	struct sink k = { .buf = buf, .buflen = buflen };

	escape(&k, (const unsigned char *)s, len, flags);
	if (buflen)
		buf[k.used] = '\0';
	return k.need;
}

void textesc_fputs(FILE *out, const char *s, unsigned flags)
{
	struct sink k = { .out = out };

	escape(&k, (const unsigned char *)s, strlen(s), flags);
}

void textesc_trim_cut(char *s)
{
	size_t n = strlen(s), i = n, back = 0;
	unsigned char c;

	/* Back over continuation bytes (at most three) to the character's lead byte. */
	while (i > 0 && back < 3 && ((unsigned char)s[i - 1] & 0xc0) == 0x80) {
		i--;
		back++;
	}
	if (i == 0)
		return;
	c = (unsigned char)s[i - 1];
	if (c < 0xc0)
		return;         /* ASCII, or a run of continuation bytes: not a cut character */
	if (back + 1 < (size_t)((c >= 0xf0) ? 4 : (c >= 0xe0) ? 3 : 2))
		s[i - 1] = '\0';
}
