/* summary: parse a lab's lesson.txt into steps (see lesson.h). */
#include "engine/lesson.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/dfilter.h"
#include "util/tr.h"

void lesson_release(struct lesson *l)
{
	for (size_t i = 0; i < l->nstep; i++) {
		free(l->step[i].title);
		free(l->step[i].text);
	}
	free(l->step);
	l->step = NULL;
	l->nstep = 0;
}

/* Drop trailing blank lines from a step's text. */
static void trim_text(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
}

static int append(char **text, const char *line, size_t len)
{
	size_t have = *text ? strlen(*text) : 0;
	char *p;

	if (!have && !len)
		return 0;       /* leading blank lines */
	p = realloc(*text, have + len + 2);
	if (!p)
		return -1;
	memcpy(p + have, line, len);
	p[have + len] = '\n';
	p[have + len + 1] = '\0';
	*text = p;
	return 0;
}

/* "show: FILTER": checked as the TUI will compile it, for a run's segments (raw IP).
 * Wireshark's fields only: BPF would have libpcap resolve any host name a lesson holds
 * (and the fuzzer feeds it anything). */
static int parse_show(struct lesson_step *cur, const char *v, size_t vn, const char *name,
                      int lineno, char *errbuf, size_t errlen)
{
	struct dfilter *df;
	char why[512];

	while (vn && *v == ' ')
		v++, vn--;
	while (vn && v[vn - 1] == ' ')
		vn--;
	if (!vn) {
		snprintf(errbuf, errlen, _("%s:%d: 'show:' needs a display filter"), name, lineno);
		return -1;
	}
	if (vn >= sizeof(cur->show)) {
		snprintf(errbuf, errlen, _("%s:%d: 'show:' filter longer than %zu characters"), name,
		         lineno, sizeof(cur->show) - 1);
		return -1;
	}
	memcpy(cur->show, v, vn);
	cur->show[vn] = '\0';
	if (dfilter_compile(cur->show, DLT_RAW, DFILTER_NO_BPF, &df, why, sizeof(why)) < 0) {
		snprintf(errbuf, errlen, _("%s:%d: 'show:' filter '%s': %s"), name, lineno, cur->show,
		         why);
		return -1;
	}
	dfilter_free(df);
	return 0;
}

int lesson_parse(const char *text, size_t len, const char *name, struct lesson *out,
                 char *errbuf, size_t errlen)
{
	const char *p = text, *end = text + len;
	struct lesson_step *cur = NULL;
	int lineno = 0;

	memset(out, 0, sizeof(*out));
	if (len > LESSON_MAX_BYTES) {
		snprintf(errbuf, errlen, _("%s: longer than %d bytes"), name, LESSON_MAX_BYTES);
		return -1;
	}
	out->step = calloc(LESSON_MAX_STEPS, sizeof(*out->step));
	if (!out->step)
		goto oom;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		lineno++;
		if (memchr(p, '\0', n)) {
			/* A C string would silently cut the title or text at it. */
			snprintf(errbuf, errlen, _("%s:%d: NUL byte in the line (is this a text file?)"),
			         name, lineno);
			goto fail;
		}
		if (n >= 3 && !strncmp(p, "## ", 3)) {
			if (out->nstep == LESSON_MAX_STEPS) {
				snprintf(errbuf, errlen, _("%s:%d: more than %d steps"), name, lineno,
				         LESSON_MAX_STEPS);
				goto fail;
			}
			cur = &out->step[out->nstep++];
			cur->title = strndup(p + 3, n - 3);
			if (!cur->title)
				goto oom;
		} else if (!cur) {
			if (n && p[0] != '#') {
				snprintf(errbuf, errlen, _("%s:%d: text before the first '## ' step"), name,
				         lineno);
				goto fail;
			}
		} else if (n >= 4 && !strncmp(p, "run:", 4)) {
			const char *v = p + 4;
			size_t vn = n - 4;

			while (vn && *v == ' ')
				v++, vn--;
			if (vn >= sizeof(cur->run)) {
				snprintf(errbuf, errlen, _("%s:%d: 'run:' variant name longer than %zu characters"),
				         name, lineno, sizeof(cur->run) - 1);
				goto fail;
			}
			if (!vn || memchr(v, ' ', vn)) {
				snprintf(errbuf, errlen, _("%s:%d: 'run:' needs one variant name"), name, lineno);
				goto fail;
			}
			memcpy(cur->run, v, vn);
			cur->run[vn] = '\0';
		} else if (n >= 5 && !strncmp(p, "show:", 5)) {
			if (parse_show(cur, p + 5, n - 5, name, lineno, errbuf, errlen) < 0)
				goto fail;
		} else if (append(&cur->text, p, n) < 0) {
			goto oom;
		}
		p += n + 1;
	}
	if (!out->nstep) {
		snprintf(errbuf, errlen, _("%s: no steps (a step starts with '## ')"), name);
		goto fail;
	}
	for (size_t i = 0, runs = 0; i < out->nstep; i++) {
		runs += out->step[i].run[0] != '\0';
		if (out->step[i].show[0] && !runs) {
			snprintf(errbuf, errlen, _("%s: step %zu ('%s'): 'show:' needs a 'run:' in the step "
			         "or an earlier one"), name, i + 1, out->step[i].title);
			goto fail;
		}
	}
	for (size_t i = 0; i < out->nstep; i++) {
		if (!out->step[i].text && !(out->step[i].text = strdup("")))
			goto oom;
		trim_text(out->step[i].text);
	}
	return 0;
oom:
	snprintf(errbuf, errlen, _("%s: out of memory"), name);
fail:
	lesson_release(out);
	return -1;
}

int lesson_load(const char *path, struct lesson *out, char *errbuf, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!f) {
		snprintf(errbuf, errlen, _("cannot read '%s': %s"), path, strerror(errno));
		return -1;
	}
	buf = malloc(LESSON_MAX_BYTES + 1);
	if (!buf) {
		fclose(f);
		snprintf(errbuf, errlen, _("out of memory"));
		return -1;
	}
	n = fread(buf, 1, LESSON_MAX_BYTES + 1, f);
	fclose(f);
	ret = lesson_parse(buf, n, path, out, errbuf, errlen);
	free(buf);
	return ret;
}
