/* summary: write a zip archive of stored (uncompressed) entries (see zipwrite.h). */
#include "util/zipwrite.h"

#include <stdlib.h>
#include <string.h>

#include "util/errbuf.h"
#include "util/tr.h"

struct zipwrite_entry {
	char *name;
	uint32_t crc, size, offset;
	int executable;
};

#define ZIP_VERSION   20                /* 2.0: what stored entries and folders need */
#define ZIP_MADE_UNIX (3 << 8)          /* "version made by": host 3 is Unix, so the
                                         * external attributes' high half is st_mode */
#define ZIP_DOS_DATE  ((0 << 9) | (1 << 5) | 1)   /* 1980-01-01, the format's first day */

void zipwrite_init(struct zipwrite *z, FILE *out)
{
	memset(z, 0, sizeof(*z));
	z->out = out;
}

uint32_t zipwrite_crc32(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint32_t crc = 0xffffffffu;

	for (size_t i = 0; i < len; i++) {
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1u));
	}
	return ~crc;
}

static void put16(unsigned char *b, unsigned v)
{
	b[0] = (unsigned char)v;
	b[1] = (unsigned char)(v >> 8);
}

static void put32(unsigned char *b, uint32_t v)
{
	put16(b, v & 0xffff);
	put16(b + 2, v >> 16);
}

/* A name that unpacks inside the archive's folder: relative, no "." or "..", no '\'. */
static int name_ok(const char *name)
{
	const char *p = name;

	if (!*name || *name == '/' || strchr(name, '\\') || strlen(name) > 0xffff)
		return 0;
	while (*p) {
		size_t n = strcspn(p, "/");

		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		p += n;
		if (*p == '/' && !*++p)
			return 0;       /* a trailing '/' names a folder: only files are added */
	}
	return 1;
}

static int emit(struct zipwrite *z, const void *b, size_t len, char *errbuf, size_t errlen)
{
	if (len && fwrite(b, 1, len, z->out) != len) {
		errbuf_set(errbuf, errlen, _("cannot write the zip archive: the write failed"));
		return -1;
	}
	z->offset += len;
	return 0;
}

int zipwrite_add(struct zipwrite *z, const char *name, const void *data, size_t len,
                 int executable, char *errbuf, size_t errlen)
{
	unsigned char h[30];
	size_t nlen = strlen(name);
	struct zipwrite_entry *e;

	if (!name_ok(name)) {
		errbuf_set(errbuf, errlen, _("cannot add '%s' to the zip archive: not a plain relative"
		           " path"), name);
		return -1;
	}
	if (z->n >= 0xffff || (uint64_t)len + z->offset + 30 + nlen > 0xffffffffu) {
		errbuf_set(errbuf, errlen, _("cannot add '%s' to the zip archive: more than 65535"
		           " files or 4 GiB (no ZIP64)"), name);
		return -1;
	}
	if (z->n == z->cap) {
		size_t cap = z->cap ? z->cap * 2 : 64;
		struct zipwrite_entry *grown = realloc(z->entry, cap * sizeof(*grown));

		if (!grown) {
			errbuf_set(errbuf, errlen, _("cannot add '%s' to the zip archive: out of memory"),
			           name);
			return -1;
		}
		z->entry = grown;
		z->cap = cap;
	}
	e = &z->entry[z->n];
	e->name = strdup(name);
	if (!e->name) {
		errbuf_set(errbuf, errlen, _("cannot add '%s' to the zip archive: out of memory"), name);
		return -1;
	}
	e->crc = zipwrite_crc32(data, len);
	e->size = (uint32_t)len;
	e->offset = (uint32_t)z->offset;
	e->executable = executable;
	z->n++;
	/* Local file header (APPNOTE 4.3.7): method 0, stored; sizes known, no data descriptor. */
	memset(h, 0, sizeof(h));
	put32(h, 0x04034b50);
	put16(h + 4, ZIP_VERSION);
	put16(h + 12, ZIP_DOS_DATE);
	put32(h + 14, e->crc);
	put32(h + 18, e->size);
	put32(h + 22, e->size);
	put16(h + 26, (unsigned)nlen);
	if (emit(z, h, sizeof(h), errbuf, errlen) < 0 || emit(z, name, nlen, errbuf, errlen) < 0 ||
	    emit(z, data, len, errbuf, errlen) < 0)
		return -1;
	return 0;
}

int zipwrite_finish(struct zipwrite *z, char *errbuf, size_t errlen)
{
	uint64_t start = z->offset;
	unsigned char h[46], end[22];

	for (size_t i = 0; i < z->n; i++) {
		const struct zipwrite_entry *e = &z->entry[i];
		uint32_t mode = 0100000u | (e->executable ? 0755u : 0644u);   /* S_IFREG | perms */

		/* Central directory header (APPNOTE 4.3.12). */
		memset(h, 0, sizeof(h));
		put32(h, 0x02014b50);
		put16(h + 4, ZIP_MADE_UNIX | ZIP_VERSION);
		put16(h + 6, ZIP_VERSION);
		put16(h + 14, ZIP_DOS_DATE);
		put32(h + 16, e->crc);
		put32(h + 20, e->size);
		put32(h + 24, e->size);
		put16(h + 28, (unsigned)strlen(e->name));
		put32(h + 38, mode << 16);
		put32(h + 42, e->offset);
		if (emit(z, h, sizeof(h), errbuf, errlen) < 0 ||
		    emit(z, e->name, strlen(e->name), errbuf, errlen) < 0)
			return -1;
	}
	if (z->offset > 0xffffffffu) {
		errbuf_set(errbuf, errlen, _("cannot finish the zip archive: more than 4 GiB (no ZIP64)"));
		return -1;
	}
	/* End of central directory record (APPNOTE 4.3.16). */
	memset(end, 0, sizeof(end));
	put32(end, 0x06054b50);
	put16(end + 8, (unsigned)z->n);
	put16(end + 10, (unsigned)z->n);
	put32(end + 12, (uint32_t)(z->offset - start));
	put32(end + 16, (uint32_t)start);
	return emit(z, end, sizeof(end), errbuf, errlen);
}

void zipwrite_release(struct zipwrite *z)
{
	for (size_t i = 0; i < z->n; i++)
		free(z->entry[i].name);
	free(z->entry);
	z->entry = NULL;
	z->n = z->cap = 0;
}
