/* summary: read a GNU gettext .mo catalog with every offset checked, and look messages up in it (see msgcat.h). */
#include "util/msgcat.h"

#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/errbuf.h"

/* A catalog of tcplab's messages is a few kilobytes; anything this big is not one. */
#define MSGCAT_MAX (4u << 20)
#define MO_MAGIC 0x950412deu

struct msgcat {
	unsigned char *data;
	size_t size;
	size_t n;
	const char **id, **str;         /* n each, in the file's order (sorted by msgid) */
};

/* The 32-bit word at off, in the file's byte order (swap: the other one). */
static uint32_t word(const struct msgcat *c, size_t off, int swap)
{
	const unsigned char *p = c->data + off;

	return swap ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
	            : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* String i of the table at tab: its length and offset, both inside the file, NUL after. */
static const char *string(const struct msgcat *c, size_t tab, size_t i, int swap)
{
	size_t e = tab + 8 * i, len, off;

	if (tab > c->size || c->size - tab < 8 * (i + 1))
		return NULL;
	len = word(c, e, swap);
	off = word(c, e + 4, swap);
	if (off > c->size || c->size - off <= len || c->data[off + len] != '\0')
		return NULL;
	return (const char *)c->data + off;
}

static int parse(struct msgcat *c, const char *path, char *errbuf, size_t errlen)
{
	int swap;
	size_t ids, strs;

	if (c->size < 20) {
		errbuf_set(errbuf, errlen, "'%s' is too short for a .mo catalog", path);
		return -1;
	}
	swap = word(c, 0, 0) != MO_MAGIC;
	if (word(c, 0, swap) != MO_MAGIC || word(c, 4, swap) >> 16 > 1) {
		errbuf_set(errbuf, errlen, "'%s' is not a .mo catalog (rebuild it with msgfmt)", path);
		return -1;
	}
	c->n = word(c, 8, swap);
	ids = word(c, 12, swap);
	strs = word(c, 16, swap);
	if (c->n > c->size / 16) {
		errbuf_set(errbuf, errlen, "'%s' counts more messages than it holds", path);
		return -1;
	}
	c->id = calloc(c->n ? c->n : 1, sizeof *c->id);
	c->str = calloc(c->n ? c->n : 1, sizeof *c->str);
	if (!c->id || !c->str) {
		errbuf_set(errbuf, errlen, "out of memory reading '%s'", path);
		return -1;
	}
	for (size_t i = 0; i < c->n; i++) {
		c->id[i] = string(c, ids, i, swap);
		c->str[i] = string(c, strs, i, swap);
		if (!c->id[i] || !c->str[i]) {
			errbuf_set(errbuf, errlen, "message %zu of '%s' lies outside the file", i, path);
			return -1;
		}
		/* the lookup is a binary search: the order msgfmt writes is required */
		if (i && strcmp(c->id[i - 1], c->id[i]) >= 0) {
			errbuf_set(errbuf, errlen, "the messages of '%s' are not sorted", path);
			return -1;
		}
	}
	return 0;
}

struct msgcat *msgcat_new(const char *path, char *errbuf, size_t errlen)
{
	char eb[64];
	struct msgcat *c = calloc(1, sizeof *c);
	FILE *f = fopen(path, "rb");
	long end;

	if (!c || !f) {
		errbuf_set(errbuf, errlen, "cannot read '%s': %s", path,
		           errbuf_strerror(c ? errno : ENOMEM, eb, sizeof eb));
		goto fail;
	}
	if (fseek(f, 0, SEEK_END) < 0 || (end = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0 ||
	    (unsigned long)end > MSGCAT_MAX) {
		errbuf_set(errbuf, errlen, "'%s' is not a .mo catalog of at most %u bytes", path,
		           MSGCAT_MAX);
		goto fail;
	}
	c->size = (size_t)end;
	c->data = malloc(c->size ? c->size : 1);
	if (!c->data || fread(c->data, 1, c->size, f) != c->size) {
		errbuf_set(errbuf, errlen, "cannot read '%s' whole", path);
		goto fail;
	}
	fclose(f);
	f = NULL;
	if (parse(c, path, errbuf, errlen) < 0)
		goto fail;
	return c;
fail:
	if (f)
		fclose(f);
	msgcat_free(c);
	return NULL;
}

void msgcat_free(struct msgcat *c)
{
	if (!c)
		return;
	free(c->id);
	free(c->str);
	free(c->data);
	free(c);
}

const char *msgcat_get(const struct msgcat *c, const char *msgid)
{
	size_t lo = 0, hi = c ? c->n : 0;

	if (!msgid || !*msgid)
		return msgid;   /* "" is the catalog's header, not a message */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int d = strcmp(msgid, c->id[mid]);

		if (!d)
			return c->str[mid][0] ? c->str[mid] : msgid;
		if (d < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return msgid;
}

size_t msgcat_count(const struct msgcat *c)
{
	return c ? c->n : 0;
}

void msgcat_pair(const struct msgcat *c, size_t i, const char **msgid, const char **msgstr)
{
	assert(i < c->n);
	*msgid = c->id[i];
	*msgstr = c->str[i];
}

int msgcat_path(const char *dir, const char *lang, char *out, size_t len, char *errbuf,
                size_t errlen)
{
	int n = snprintf(out, len, "%s/%s/LC_MESSAGES/tcplab.mo", dir, lang);

	if (n < 0 || (size_t)n >= len) {
		errbuf_set(errbuf, errlen, "path of the '%s' catalog in '%s' is too long", lang, dir);
		return -1;
	}
	return 0;
}
