/* summary: the TUI's own words (key help, hints, titles) in the student's language, from tcplab's catalog. */
#include <string.h>

#include "engine/lang.h"
#include "engine/msgcat.h"
#include "tui/tui.h"

/*
 * The one catalog of the run, like draw.c's glyphs: written by tr_init() and
 * tr_release() from tui_main() only, read by every draw through _(). A global because
 * gettext's _() is one, and the key table's texts are translated where they are drawn,
 * far from any struct tui. NULL: English.
 */
static struct msgcat *cat;

void tr_init(const char *dir, const char *lang)
{
	char path[1024], err[256];

	tr_release();
	/* English is the msgids; a language without a built catalog stays English too
	 * (a tree built before the catalog, a missing msgfmt). */
	if (!dir || !lang || !lang_known(lang) || !strcmp(lang, LANG_DEFAULT) ||
	    msgcat_path(dir, lang, path, sizeof path, err, sizeof err) < 0)
		return;
	cat = msgcat_new(path, err, sizeof err);
}

void tr_release(void)
{
	msgcat_free(cat);
	cat = NULL;
}

const char *tr(const char *msgid)
{
	return msgcat_get(cat, msgid);
}
