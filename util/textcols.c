/* summary: text measured, fitted, cut and wrapped in terminal columns (see textcols.h). */
#include "util/textcols.h"

#include <string.h>

#include "util/textesc.h"

int textcols_width(const char *s, size_t len, unsigned flags)
{
	struct textesc_unit u;
	size_t col = 0;

	for (size_t i = 0; i < len; i += u.len) {
		textesc_next(s + i, len - i, flags, col, &u);
		col += (size_t)u.cols;
	}
	return (int)col;
}

size_t textcols_fit(const char *s, size_t len, unsigned flags, int w, int *cols)
{
	struct textesc_unit u;
	size_t i = 0;
	int col = 0;

	while (i < len) {
		textesc_next(s + i, len - i, flags, (size_t)col, &u);
		if (col + u.cols > w)
			break;
		col += u.cols;
		i += u.len;
	}
	if (cols)
		*cols = col;
	return i;
}

size_t textcols_cut(const char *s, size_t len, unsigned flags, int w, int ell)
{
	size_t lim, cut;

	if (w - ell <= 0)
		return 0;
	lim = textcols_fit(s, len, flags, w - ell, NULL);
	/* a blank right after what fits ends a whole word too */
	for (cut = lim; cut > 0 && s[cut] != ' '; cut--)
		;
	if (!cut)
		cut = lim;
	while (cut > 0 && s[cut - 1] == ' ')
		cut--;
	return cut;
}

size_t textcols_wrap(const char *s, int w, unsigned flags, const char **start, int *len,
                     size_t maxl)
{
	size_t n = 0;

	if (w < 8)
		w = 8;
	while (*s && n < maxl) {
		const char *nl = strchr(s, '\n');
		size_t l = nl ? (size_t)(nl - s) : strlen(s);

		if (textcols_width(s, l, flags) > w) {
			size_t fit = textcols_fit(s, l, flags, w, NULL), cut = fit, indent = 0;
			struct textesc_unit u;

			if (!fit)       /* never stuck: one unit, however wide */
				fit = cut = textesc_next(s, l, flags, 0, &u);
			while (s[indent] == ' ')
				indent++;
			/* the last blank after the indent keeps every word whole */
			while (cut > indent && s[cut] != ' ')
				cut--;
			if (s[cut] != ' ')
				cut = fit;
			start[n] = s;
			len[n++] = (int)cut;
			s += cut;
			while (*s == ' ')
				s++;
			continue;
		}
		start[n] = s;
		len[n++] = (int)l;
		s += l;
		if (*s == '\n')
			s++;
	}
	return n;
}

int textcols_label(const char *s)
{
	int cols = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		unsigned cp;

		if ((*p & 0xc0) == 0x80)
			continue;
		if ((*p & 0xf0) == 0xe0 && p[1] && p[2]) {
			cp = (unsigned)(*p & 0x0f) << 12 | (unsigned)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
			cols += (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
			        (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
			        (cp >= 0xff00 && cp <= 0xff60) ? 2 : 1;
		} else {
			cols++;
		}
	}
	return cols;
}
