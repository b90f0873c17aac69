/* summary: tcplab's own messages in the student's language: a GNU gettext .mo catalog, read without the C library's locale. */
#ifndef TCPLAB_ENGINE_MSGCAT_H
#define TCPLAB_ENGINE_MSGCAT_H

#include <stddef.h>

/*
 * Contract: po/LANG.po is compiled by msgfmt into BUILD/locale/LANG/LC_MESSAGES/tcplab.mo
 * (the Makefile); msgcat_new() reads such a file whole and msgcat_get() looks a message
 * up in it. The catalog is read here rather than through gettext(3) because glibc's
 * gettext() translates only when LC_MESSAGES names an installed locale other than "C" and
 * then follows LANGUAGE: the student's language (engine/lang.h: --lang, LANGUAGE, LC_*,
 * LANG, whether or not ko_KR.UTF-8 is generated) would need a locale the machine may not
 * have and LANGUAGE set in the environment every lab program and compiler inherits.
 *
 * The file is untrusted input: every offset and length is checked against its size, each
 * string must end in NUL, and the messages must be sorted (msgfmt sorts them), or
 * msgcat_new() refuses the file. Strings returned point into the catalog and live until
 * msgcat_free(). A message the catalog lacks, or has with an empty translation, comes back
 * as the msgid itself: English is the fallback, never a blank.
 */

struct msgcat;

/* The catalog at path, or NULL with the reason in errbuf. */
struct msgcat *msgcat_new(const char *path, char *errbuf, size_t errlen);
void msgcat_free(struct msgcat *c);

/* The translation of msgid, or msgid itself; c may be NULL (no catalog: English). */
const char *msgcat_get(const struct msgcat *c, const char *msgid);

/* The number of messages (the header, msgid "", included) and the i-th pair, for checks. */
size_t msgcat_count(const struct msgcat *c);
void msgcat_pair(const struct msgcat *c, size_t i, const char **msgid, const char **msgstr);

/* DIR/LANG/LC_MESSAGES/tcplab.mo, where DIR is the locale folder paths_find() names: the
 * build directory's locale/ where the Makefile puts LANG's catalog, or an install's
 * LOCALEDIR. 0, or -1 (errbuf) when the path does not fit in out. */
int msgcat_path(const char *dir, const char *lang, char *out, size_t len, char *errbuf,
                size_t errlen);

#endif
