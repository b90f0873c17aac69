/* summary: write a zip archive of stored (uncompressed) entries, with Unix file modes. */
#ifndef TCPLAB_UTIL_ZIPWRITE_H
#define TCPLAB_UTIL_ZIPWRITE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Contract: zipwrite_init() starts an archive on an open stream the caller owns;
 * zipwrite_add() appends one file (its whole contents in memory) as a local header and the
 * bytes, stored, with their CRC-32; zipwrite_finish() writes the central directory and the
 * end record (APPNOTE.TXT sections 4.3.7, 4.3.12, 4.3.16). zipwrite_release() frees the
 * entry list whether or not the archive was finished; it never closes the stream.
 *
 * Names are relative, '/'-separated, without "." or ".." components, a leading '/' or a
 * backslash: an archive that would unpack outside its folder is refused at add, not
 * written. Every entry carries a fixed date (1980-01-01), so the same files make the same
 * bytes, and the Unix mode in its external attributes (0644 or 0755: unzip and Gradescope
 * keep the execute bit). No ZIP64: at most 65535 entries and 4 GiB in all, else -1.
 * Errors: -1 with the reason in errbuf.
 */
struct zipwrite_entry;

struct zipwrite {
	FILE *out;
	uint64_t offset;                /* bytes written so far */
	struct zipwrite_entry *entry;
	size_t n, cap;
};

void zipwrite_init(struct zipwrite *z, FILE *out);
int zipwrite_add(struct zipwrite *z, const char *name, const void *data, size_t len,
                 int executable, char *errbuf, size_t errlen);
int zipwrite_finish(struct zipwrite *z, char *errbuf, size_t errlen);
void zipwrite_release(struct zipwrite *z);

/* CRC-32 as zip, gzip and PNG use it (polynomial 0xEDB88320, reflected). */
uint32_t zipwrite_crc32(const void *data, size_t len);

#endif
