/* summary: the demo's narration from the lab's data: "say" rules whose segment lines (expect format) end at the newest segment. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/expect.h"
#include "tui/tui.h"
#include "util/errbuf.h"

/*
 * A rule is 'say "TEXT"' followed by segment lines in the expect format
 * (docs/expect-format.md); it applies to a segment when its lines match the connection's
 * segments ending at that one. Each rule becomes a one-section spec "check, ..., its lines"
 * matched against the connection's segments up to the newest: the spec must end at the
 * last segment it is given, which is exactly "ends at the newest". The expect parser and
 * matcher are reused as they are, so rules say what checks say, with the same words.
 * Blank lines in front of each rule's spec keep the parser's line numbers the file's.
 */

#define NARR_MAX_RULES 64
#define NARR_MAX_TEXT 400

struct narr_rule {
	char text[NARR_MAX_TEXT];
	struct expect_spec *spec;
};

struct narration {
	size_t n;
	struct narr_rule rule[NARR_MAX_RULES];
};

void narration_free(struct narration *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++)
		expect_free(n->rule[i].spec);
	free(n);
}

/* Parse the rule whose say line is line say_line (1-based) and whose lines are body. */
static int add_rule(struct narration *n, const char *name, int say_line, const char *text,
                    const char *body, size_t blen, char *errbuf, size_t errlen)
{
	struct narr_rule *r;
	size_t pad = say_line > 2 ? (size_t)say_line - 2 : 0, len = pad + 32 + blen;
	char *spec = malloc(len);
	int rc;

	if (n->n == NARR_MAX_RULES) {
		errbuf_set(errbuf, errlen, _("%s:%d: more than %d 'say' rules"), name, say_line,
		           NARR_MAX_RULES);
		free(spec);
		return -1;
	}
	if (!spec) {
		errbuf_set(errbuf, errlen, _("out of memory"));
		return -1;
	}
	memset(spec, '\n', pad);
	snprintf(spec + pad, len - pad, "check \"say\"\n...\n%.*s", (int)blen, body);
	r = &n->rule[n->n];
	snprintf(r->text, sizeof r->text, "%s", text);
	rc = expect_parse(spec, strlen(spec), name, &r->spec, errbuf, errlen);
	free(spec);
	if (rc < 0)
		return -1;
	n->n++;
	return 0;
}

struct narration *narration_parse(const char *text, size_t len, const char *name,
                                  char *errbuf, size_t errlen)
{
	struct narration *n = calloc(1, sizeof *n);
	const char *p = text, *end = text + len, *body = NULL;
	char say[NARR_MAX_TEXT] = "";
	int line = 0, say_line = 0;

	if (!n) {
		errbuf_set(errbuf, errlen, _("out of memory"));
		return NULL;
	}
	for (;;) {
		const char *e = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
		const char *le = e ? e : end;
		bool at_end = p >= end;

		line++;
		if (at_end || (le - p >= 4 && !strncmp(p, "say ", 4))) {
			if (say_line && add_rule(n, name, say_line, say, body, (size_t)(p - body), errbuf,
			                         errlen) < 0)
				goto fail;
			if (at_end)
				break;
			const char *q = p + 4, *qe;
			while (q < le && *q == ' ')
				q++;
			qe = le;
			while (qe > q && (qe[-1] == ' ' || qe[-1] == '\r'))
				qe--;
			if (qe - q < 2 || *q != '"' || qe[-1] != '"' ||
			    (size_t)(qe - q - 2) >= sizeof say) {
				errbuf_set(errbuf, errlen, _("%s:%d: 'say' needs its text in double quotes, at"
				           " most %d characters"), name, line, NARR_MAX_TEXT - 1);
				goto fail;
			}
			snprintf(say, sizeof say, "%.*s", (int)(qe - q - 2), q + 1);
			say_line = line;
			body = e ? e + 1 : end;
		} else if (!say_line) {
			const char *q = p;
			while (q < le && (*q == ' ' || *q == '\t' || *q == '\r'))
				q++;
			if (q < le && *q != '#') {
				errbuf_set(errbuf, errlen, _("%s:%d: segment lines need a 'say \"...\"' line"
				           " before them"), name, line);
				goto fail;
			}
		}
		p = e ? e + 1 : end;
	}
	return n;
fail:
	narration_free(n);
	return NULL;
}

struct narration *narration_load(const char *path, char *errbuf, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t len;
	struct narration *n;

	errbuf_set(errbuf, errlen, "%s", "");
	if (!f)
		return NULL;            /* no narration: the generated one is used */
	buf = malloc(1 << 20);
	if (!buf) {
		fclose(f);
		errbuf_set(errbuf, errlen, _("out of memory"));
		return NULL;
	}
	len = fread(buf, 1, (1 << 20) - 1, f);
	fclose(f);
	n = narration_parse(buf, len, path, errbuf, errlen);
	free(buf);
	return n;
}

const char *narration_find(const struct narration *n, const struct flow_seg *segs, size_t nseg)
{
	struct expect_result res;

	if (!n || !nseg)
		return NULL;
	for (size_t i = 0; i < n->n; i++)
		if (expect_match(n->rule[i].spec, NULL, segs, nseg, false, &res) == 0 &&
		    res.verdict == EXPECT_PASS)
			return n->rule[i].text;
	return NULL;
}

/* Rules are matched over the connection's segments so far; past this many the generated
 * sentence is used (a replay of a huge capture stays instant). */
#define NARR_MAX_SEGS 20000

const char *narration_at(const struct narration *n, const struct tui_src *s, size_t i,
                         struct narration_cache *c)
{
	struct flow_seg fs;
	const char *said = NULL;
	size_t k = 0;

	if (c->for_i == i)
		return c->text;
	if (src_seg(s, i, &fs, NULL, 0) < 0) {
		snprintf(c->text, sizeof c->text, _("A packet that cannot be decoded."));
		c->for_i = i;
		return c->text;
	}
	if (n && i < NARR_MAX_SEGS) {
		if (c->cap < i + 1) {
			struct flow_seg *ns = realloc(c->segs, (i + 1) * sizeof *ns);
			if (ns) {
				c->segs = ns;
				c->cap = i + 1;
			}
		}
		if (c->cap >= i + 1) {
			for (size_t j = 0; j <= i; j++) {
				struct tui_row r;
				src_row(s, j, &r);
				if (r.conn == fs.conn_id && !r.malformed &&
				    src_seg(s, j, &c->segs[k], NULL, 0) == 0)
					k++;
			}
			said = narration_find(n, c->segs, k);
		}
	}
	if (said)
		snprintf(c->text, sizeof c->text, "%s", said);
	else
		explain_brief(&fs, c->text, sizeof c->text);
	c->for_i = i;
	return c->text;
}

void narration_cache_release(struct narration_cache *c)
{
	free(c->segs);
	c->segs = NULL;
	c->cap = 0;
	c->for_i = SIZE_MAX;
}
