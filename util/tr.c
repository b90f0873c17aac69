/* summary: the process's catalog of tcplab's own words, and the labs' catalogs beside it (see tr.h). */
#include "util/tr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/msgcat.h"

/*
 * The catalogs of the process: written by tr_init(), tr_release() and tr_in()'s first
 * read of a prefix, read by every _(). Globals because gettext's _() is one, and texts are
 * translated far from any context struct (a key table, a check's explanation). cat NULL:
 * English. Each extra catalog is cached under its prefix, a NULL cat when it is missing
 * (asked once, not at every draw).
 */
#define TR_MAX_EXTRA 64
static struct msgcat *cat;
static char cat_lang[8] = "en";
static char cat_dir[1024];
static struct extra {
	char prefix[128];
	struct msgcat *cat;
} extra[TR_MAX_EXTRA];
static size_t nextra;

void tr_init(const char *locale_dir, const char *labs_dir, const char *lang)
{
	char path[1024], err[256];

	tr_release();
	/* English is the msgids; a language without a built catalog stays English too
	 * (a tree built before the catalog, a missing msgfmt). */
	if (!locale_dir || !labs_dir || !lang || !*lang || !strcmp(lang, "en") ||
	    strlen(lang) >= sizeof cat_lang || strlen(labs_dir) >= sizeof cat_dir ||
	    msgcat_path(locale_dir, lang, path, sizeof path, err, sizeof err) < 0)
		return;
	cat = msgcat_new(path, err, sizeof err);
	if (!cat)
		return;
	strcpy(cat_lang, lang);
	strcpy(cat_dir, labs_dir);
}

void tr_release(void)
{
	msgcat_free(cat);
	cat = NULL;
	for (size_t i = 0; i < nextra; i++)
		msgcat_free(extra[i].cat);
	nextra = 0;
	strcpy(cat_lang, "en");
	cat_dir[0] = '\0';
}

const char *tr_lang(void)
{
	return cat_lang;
}

const char *tr(const char *msgid)
{
	return msgcat_get(cat, msgid);
}

const char *tr_in(const char *prefix, const char *msgid)
{
	char path[1400], err[256];
	size_t i;

	if (!cat || !prefix || strlen(prefix) >= sizeof extra[0].prefix)
		return msgid;
	for (i = 0; i < nextra; i++)
		if (!strcmp(extra[i].prefix, prefix))
			return msgcat_get(extra[i].cat, msgid);
	if (nextra == TR_MAX_EXTRA)
		return msgid;
	strcpy(extra[nextra].prefix, prefix);
	snprintf(path, sizeof path, "%s/%s/%s.mo", cat_dir, prefix, cat_lang);
	extra[nextra].cat = msgcat_new(path, err, sizeof err);
	return msgcat_get(extra[nextra++].cat, msgid);
}
