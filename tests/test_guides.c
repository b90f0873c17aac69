/* summary: the Winsock guides: the Korean one keeps the English one's rows, and every lesson links its lab's section. */
#include <criterion/criterion.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/lab.h"
#include "engine/lang.h"
#include "tests/lib/tcplab_run.h"

/* The guide's text with every run of white space inside a code span made one space, so a
 * span wrapped differently in the translation still matches. */
static char *guide(const char *name)
{
	char path[1024], *text, *out, *o;
	bool in_code = false;

	snprintf(path, sizeof(path), "%s/docs/%s", test_root(), name);
	text = test_slurp(path);
	cr_assert_not_null(text, "cannot read '%s'", path);
	out = o = malloc(strlen(text) + 1);
	cr_assert_not_null(out);
	for (const char *p = text; *p; p++) {
		if (*p == '`')
			in_code = !in_code;
		if (in_code && isspace((unsigned char)*p)) {
			while (isspace((unsigned char)p[1]))
				p++;
			*o++ = ' ';
			continue;
		}
		*o++ = *p;
	}
	*o = '\0';
	free(text);
	return out;
}

static int table_rows(const char *text)
{
	int n = 0;

	for (const char *l = text; l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		n += *l == '|';
	return n;
}

Test(guides, the_korean_winsock_guide_matches_the_english_one)
{
	char *en = guide("winsock.md"), *ko = guide("winsock.ko.md");
	int spans = 0, numbers = 0;

	cr_expect_eq(table_rows(ko), table_rows(en), "table rows: %d in Korean, %d in English",
	             table_rows(ko), table_rows(en));
	/* Every code span: the names a student types are never translated. */
	for (const char *p = en; (p = strchr(p, '`')); ) {
		const char *end = strchr(p + 1, '`');
		char span[400];

		cr_assert_not_null(end);
		snprintf(span, sizeof(span), "%.*s", (int)(end - p + 1), p);
		cr_expect(strstr(ko, span), "the Korean guide lacks %s", span);
		spans++;
		p = end + 1;
	}
	/* Every number of three digits or more: error codes, errno values, timers. */
	for (const char *p = en; *p; p++) {
		char num[16];
		size_t n = 0;

		if (!isdigit((unsigned char)*p) || (p > en && isdigit((unsigned char)p[-1])))
			continue;
		while (isdigit((unsigned char)p[n]) && n < sizeof(num) - 1)
			n++;
		if (n < 3)
			continue;
		snprintf(num, sizeof(num), "%.*s", (int)n, p);
		cr_expect(strstr(ko, num), "the Korean guide lacks the number %s", num);
		numbers++;
	}
	cr_expect_gt(spans, 100);
	cr_expect_gt(numbers, 50);
	/* And it is Korean: the guide's own words are not left in English. */
	cr_expect(strstr(ko, "호환 헤더") && strstr(ko, "지연 확인응답(delayed ACK"), "not Korean");
	free(en);
	free(ko);
}


/*
 * The anchors a guide's headings get on GitHub: lowercase, a space becomes '-', ASCII
 * punctuation is dropped, letters stay. Which non-ASCII characters GitHub drops depends on
 * Unicode classes this test does not carry, so a heading may hold Hangul syllables and no
 * other non-ASCII character: anything else fails here rather than give a lesson a link
 * that the guide's anchor on GitHub does not match.
 */
#define MAX_ANCHORS 128
struct anchors {
	size_t n;
	char id[MAX_ANCHORS][256];
};

static bool hangul_syllable(const unsigned char *p)
{
	unsigned cp;

	if ((p[0] & 0xf0) != 0xe0 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
		return false;
	cp = (p[0] & 0x0fu) << 12 | (p[1] & 0x3fu) << 6 | (p[2] & 0x3fu);
	return cp >= 0xac00 && cp <= 0xd7a3;
}

static bool anchors_have(const struct anchors *a, const char *id)
{
	for (size_t i = 0; i < a->n; i++)
		if (!strcmp(a->id[i], id))
			return true;
	return false;
}

static void heading_anchor(const char *name, const char *line, size_t len, struct anchors *a)
{
	char id[200];
	size_t o = 0;
	const unsigned char *p = (const unsigned char *)line, *end = p + len;

	while (p < end && *p == '#')
		p++;
	while (p < end && *p == ' ')
		p++;
	for (; p < end && o + 4 < sizeof id; p++) {
		if (*p >= 0x80) {
			cr_assert(end - p >= 3 && hangul_syllable(p), "%s: heading '%.*s' has a "
			          "character other than ASCII and Hangul: its GitHub anchor is unsure",
			          name, (int)len, line);
			memcpy(id + o, p, 3);
			o += 3;
			p += 2;
		} else if (isalnum(*p) || *p == '-' || *p == '_') {
			id[o++] = (char)tolower(*p);
		} else if (*p == ' ') {
			id[o++] = '-';
		}
	}
	id[o] = '\0';
	cr_assert_lt(a->n, MAX_ANCHORS, "%s: more than %d headings", name, MAX_ANCHORS);
	/* GitHub numbers a repeated anchor: the second "x" is "x-1". */
	if (anchors_have(a, id)) {
		for (int k = 1;; k++) {
			snprintf(a->id[a->n], sizeof a->id[0], "%s-%d", id, k);
			if (!anchors_have(a, a->id[a->n]))
				break;
		}
	} else {
		snprintf(a->id[a->n], sizeof a->id[0], "%s", id);
	}
	a->n++;
}

/* Every heading's anchor in docs/NAME, outside fenced code. */
static char *guide_anchors(const char *name, struct anchors *a)
{
	char path[1024], *text;
	bool fenced = false;

	snprintf(path, sizeof(path), "%s/docs/%s", test_root(), name);
	text = test_slurp(path);
	cr_assert_not_null(text, "cannot read '%s'", path);
	a->n = 0;
	for (const char *l = text; *l; ) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);

		if (!strncmp(l, "```", 3))
			fenced = !fenced;
		else if (!fenced && *l == '#')
			heading_anchor(name, l, len, a);
		l += len + (nl != NULL);
	}
	return text;
}

/* The anchor after a '#' as a link ends it: at white space or ASCII punctuation other than
 * '-' and '_'. A Korean particle written onto the anchor becomes part of it, and fails. */
static size_t anchor_len(const char *s)
{
	size_t n = 0;

	while (s[n] && ((unsigned char)s[n] >= 0x80 || isalnum((unsigned char)s[n]) ||
	                s[n] == '-' || s[n] == '_'))
		n++;
	return n;
}

/* What the guide in each language is, and how it names a lab's section. */
static const struct guide_lang {
	const char *lang;       /* for lang_path(): NULL is the English lesson */
	const char *guide;      /* docs/NAME */
	const char *other;      /* the other language's guide, which this lesson must not cite */
	const char *section[2]; /* the anchor of lab N's section: [0] N [1] */
} guide_langs[] = {
	{ NULL, "winsock.md", "docs/winsock.ko.md", { "lab-", "-on-windows" } },
	{ "ko", "winsock.ko.md", "docs/winsock.md", { "실습-", "-windows에서" } },
};

Test(guides, links_inside_each_guide_name_its_own_headings)
{
	for (size_t g = 0; g < sizeof guide_langs / sizeof guide_langs[0]; g++) {
		static struct anchors a;
		char *text = guide_anchors(guide_langs[g].guide, &a);
		int links = 0;

		for (const char *p = text; (p = strstr(p, "](#")); p++) {
			size_t n = anchor_len(p + 3);
			char id[256];

			cr_expect_eq(p[3 + n], ')', "%s: a link '%.40s' does not end its anchor with ')'",
			             guide_langs[g].guide, p);
			snprintf(id, sizeof id, "%.*s", (int)n, p + 3);
			cr_expect(anchors_have(&a, id), "%s: a link to '#%s', which no heading makes",
			          guide_langs[g].guide, id);
			links++;
		}
		cr_expect_gt(links, 8, "%s: %d links to its own sections", guide_langs[g].guide, links);
		free(text);
	}
}

Test(guides, every_lab_has_its_section_and_its_lessons_cite_the_guide)
{
	struct lab *labs;
	size_t n;
	char err[1024];

	cr_assert_eq(lab_load_all(test_root(), &labs, &n, err, sizeof(err)), 0, "%s", err);
	cr_assert_geq(n, 8);
	for (size_t g = 0; g < sizeof guide_langs / sizeof guide_langs[0]; g++) {
		const struct guide_lang *gl = &guide_langs[g];
		static struct anchors a;
		char cite[64];

		free(guide_anchors(gl->guide, &a));
		snprintf(cite, sizeof cite, "docs/%s#", gl->guide);
		for (size_t i = 0; i < n; i++) {
			char path[1200], own[256], *text;
			int cites = 0;
			bool cites_own = false;

			snprintf(own, sizeof own, "%s%d%s", gl->section[0], labs[i].number,
			         gl->section[1]);
			cr_expect(anchors_have(&a, own), "docs/%s has no section for lab %d (a heading "
			          "whose anchor is '%s')", gl->guide, labs[i].number, own);
			if (gl->lang)
				cr_assert_eq(lang_path(labs[i].dir, labs[i].lesson, gl->lang, path,
				                       sizeof path, err, sizeof err), 1,
				             "lab %d has no '%s' lesson", labs[i].number, gl->lang);
			else
				snprintf(path, sizeof path, "%s/%s", labs[i].dir, labs[i].lesson);
			text = test_slurp(path);
			cr_assert_not_null(text, "cannot read '%s'", path);
			cr_expect_null(strstr(text, gl->other), "%s cites %s, the other language's guide",
			               path, gl->other);
			for (const char *p = text; (p = strstr(p, cite)); p++) {
				size_t len = anchor_len(p + strlen(cite));
				char id[256];

				snprintf(id, sizeof id, "%.*s", (int)len, p + strlen(cite));
				cr_expect(anchors_have(&a, id), "%s cites docs/%s#%s, which the guide has "
				          "no heading for", path, gl->guide, id);
				cites_own |= !strcmp(id, own);
				cites++;
			}
			/* A citation without its anchor sends the student to the top of a long page. */
			snprintf(cite, sizeof cite, "docs/%s", gl->guide);
			for (const char *p = text; (p = strstr(p, cite)); p++)
				cr_expect_eq(p[strlen(cite)], '#', "%s cites %s without an anchor", path,
				             cite);
			snprintf(cite, sizeof cite, "docs/%s#", gl->guide);
			cr_expect(cites_own, "%s does not cite its lab's section, docs/%s#%s (%d citations "
			          "in all)", path, gl->guide, own, cites);
			free(text);
		}
	}
	free(labs);
}
