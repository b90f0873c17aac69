/* summary: tcplab's own words in the student's language: one catalog for the process, _() to translate, N_() to mark. */
#ifndef TCPLAB_UTIL_TR_H
#define TCPLAB_UTIL_TR_H

/*
 * Every message tcplab itself writes for a student (the CLI's help and errors, the grade
 * report, the checks' explanations, the TUI's chrome) is English in the source, marked
 * with _("...") where it is used or N_("...") where it is written into a table and
 * translated later with _(). xgettext gathers both (mk/po.sh, 'make po') into
 * po/tcplab.pot; po/LANG.po holds the translations, compiled by the build into
 * BUILD/locale/LANG/LC_MESSAGES/tcplab.mo (util/msgcat.h).
 *
 * The catalog is one per process, like gettext's: tr_init() is called from main() (the
 * language of the environment, engine/lang.h) and again where an option names another
 * language (cli_lang(), tui_main()); everything else only reads it through _(). Not
 * thread-safe to change while read: set it before starting work. Without a catalog (never
 * loaded, English, a tree built without msgfmt, a catalog that fails to read) _(s) is s:
 * English is the fallback, never a blank. Test programs load none, so the engine and
 * capture speak English in their tests unless a test loads one.
 *
 * Machine-readable output (JSON keys, CSV headers, TAP and JUnit structure, verdict
 * tokens such as PASS/FAIL in those formats) is never translated; only text a person reads.
 */

/* Load LANG's catalog from LOCALE_DIR (LOCALE_DIR/LANG/LC_MESSAGES/tcplab.mo: paths.h's
 * locale, msgcat_path()), and find the labs' catalogs under LABS_DIR (paths.h's build: the
 * build folder, or an install's lab programs folder); "en", NULL or a missing catalog leave
 * English. Replaces any catalog loaded before. */
void tr_init(const char *locale_dir, const char *labs_dir, const char *lang);
void tr_release(void);

/* The language the loaded catalog is for ("ko"), or "en" when none is loaded. */
const char *tr_lang(void);

const char *tr(const char *msgid) __attribute__((format_arg(1)));

/*
 * msgid in another catalog of the loaded language: LABS_DIR/PREFIX/LANG.mo (LABS_DIR as
 * given to tr_init()), e.g. a lab's own texts in "labs/01-handshake" (engine/lab.h: lab_text()).
 * Read once and kept until tr_release(); msgid itself when there is no such catalog or
 * it lacks the text. English loads nothing.
 */
const char *tr_in(const char *prefix, const char *msgid) __attribute__((format_arg(2)));
#define _(s) tr(s)
#define N_(s) (s)

#endif
