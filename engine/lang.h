/* summary: which language a student reads the labs in, and which file of a lab holds that language. */
#ifndef TCPLAB_ENGINE_LANG_H
#define TCPLAB_ENGINE_LANG_H

#include <stddef.h>

/*
 * A lab's texts are written in English (lesson.txt, narration.txt) and may have a
 * translation beside each, named with the language's code before the extension
 * (lesson.ko.txt, narration.ko.txt). The language is chosen once, in lang_pick(), and
 * every loader asks lang_path() for the file: a text without a translation is read in
 * English, never left blank. Languages are ISO 639-1 codes from a table in lang.c
 * ("en", "ko"); the strings returned point into it and live as long as the program.
 */

#define LANG_DEFAULT "en"

/* The language a word names: "ko", "KO", "ko_KR.UTF-8" and "ko@x" all name "ko" (the part
 * before '_', '.', '@'). NULL when tcplab has no such language (or for "C", "POSIX"). */
const char *lang_known(const char *word);

/* A space-separated list of the languages, for messages and --help: "en ko". */
const char *lang_list(void);

/*
 * The language to use: opt (a --lang word) when it names a known language; otherwise the
 * environment, as gettext reads it: the first known entry of LANGUAGE (a ':' list),
 * then the first of LC_ALL, LC_MESSAGES, LANG that is set and not empty (only that one:
 * LC_ALL=fr_FR.UTF-8 with LANG=ko_KR.UTF-8 is French, hence English here). The locale
 * need not exist on the machine: only the name is read. LANG_DEFAULT otherwise.
 */
const char *lang_pick(const char *opt);

/*
 * The file of a lab to read for lang: DIR/NAME with ".LANG" before NAME's extension
 * (lesson.txt -> lesson.ko.txt) when lang is not English and that file is readable;
 * else DIR/NAME. Returns 1 for the translation, 0 for the English file, -1 (errbuf) when
 * the path does not fit in out.
 */
int lang_path(const char *dir, const char *name, const char *lang, char *out, size_t len,
              char *errbuf, size_t errlen);

#endif
