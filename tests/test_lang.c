/* summary: the labs' language: picked from --lang and the environment, English where a lab has no translation, every lab's Korean texts step for step the English ones, each lab's ko.po and po/ko.po complete, and the command line and the capture layer's errors in Korean. */
#include <criterion/criterion.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "capture/dfilter.h"
#include "capture/dissect.h"
#include "capture/expect.h"
#include "engine/lab.h"
#include "engine/lang.h"
#include "engine/lesson.h"
#include "tests/lib/tcplab_run.h"
#include "util/msgcat.h"
#include "util/tr.h"

static const char *root(void)
{
	const char *r = getenv("TCPLAB_ROOT");

	return r && *r ? r : ".";
}

/* Each test starts from an environment that names no language. */
static void clear_env(void)
{
	unsetenv("LANGUAGE");
	unsetenv("LC_ALL");
	unsetenv("LC_MESSAGES");
	unsetenv("LANG");
}

TestSuite(lang, .init = clear_env);

Test(lang, nothing_set_is_english)
{
	cr_assert_str_eq(lang_pick(NULL), "en");
}

Test(lang, the_language_part_of_lang_is_read_even_for_a_locale_not_generated)
{
	/* ko_KR.UTF-8 is not generated on most machines: only the name counts. */
	setenv("LANG", "ko_KR.UTF-8", 1);
	cr_assert_str_eq(lang_pick(NULL), "ko");
	setenv("LANG", "ko_KR", 1);
	cr_assert_str_eq(lang_pick(NULL), "ko");
	setenv("LANG", "ko", 1);
	cr_assert_str_eq(lang_pick(NULL), "ko");
	setenv("LANG", "ko_KR.eucKR@x", 1);
	cr_assert_str_eq(lang_pick(NULL), "ko");
}

Test(lang, c_posix_and_languages_without_labs_are_english)
{
	const char *const words[] = { "C", "POSIX", "C.UTF-8", "fr_FR.UTF-8", "kor", "k", "" };

	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		setenv("LANG", words[i], 1);
		cr_expect_str_eq(lang_pick(NULL), "en", "LANG=%s", words[i]);
	}
}

Test(lang, lc_all_beats_lc_messages_beats_lang)
{
	setenv("LANG", "en_US.UTF-8", 1);
	setenv("LC_MESSAGES", "ko_KR.UTF-8", 1);
	cr_assert_str_eq(lang_pick(NULL), "ko");
	setenv("LC_ALL", "en_GB.UTF-8", 1);
	cr_assert_str_eq(lang_pick(NULL), "en");
	/* The first variable that is set decides, even for a language without labs. */
	setenv("LC_ALL", "fr_FR.UTF-8", 1);
	cr_assert_str_eq(lang_pick(NULL), "en");
	/* An empty variable is as if unset. */
	setenv("LC_ALL", "", 1);
	cr_assert_str_eq(lang_pick(NULL), "ko");
}

Test(lang, language_beats_the_locale_and_its_first_known_entry_wins)
{
	setenv("LANG", "en_US.UTF-8", 1);
	setenv("LC_ALL", "en_US.UTF-8", 1);
	setenv("LANGUAGE", "ko", 1);
	cr_assert_str_eq(lang_pick(NULL), "ko");
	setenv("LANGUAGE", "fr:ko_KR:en", 1);
	cr_assert_str_eq(lang_pick(NULL), "ko");
	setenv("LANGUAGE", "en:ko", 1);
	cr_assert_str_eq(lang_pick(NULL), "en");
	/* A list with no language of the labs leaves the choice to the locale. */
	setenv("LANGUAGE", "fr:de::", 1);
	setenv("LC_ALL", "ko_KR.UTF-8", 1);
	cr_assert_str_eq(lang_pick(NULL), "ko");
}

Test(lang, the_option_beats_the_environment)
{
	setenv("LANGUAGE", "ko", 1);
	setenv("LANG", "ko_KR.UTF-8", 1);
	cr_assert_str_eq(lang_pick("en"), "en");
	clear_env();
	cr_assert_str_eq(lang_pick("ko"), "ko");
	cr_assert_str_eq(lang_pick("KO"), "ko");
}

Test(lang, every_listed_language_is_known)
{
	char list[64], *save = NULL;

	snprintf(list, sizeof list, "%s", lang_list());
	for (char *w = strtok_r(list, " ", &save); w; w = strtok_r(NULL, " ", &save))
		cr_expect_str_eq(lang_known(w), w);
	cr_expect_null(lang_known(NULL));
	cr_expect_null(lang_known("x"));
}

/* A folder with the files named (each holding "x"). */
static char *tmp_dir(const char *const *names, size_t n)
{
	char *dir = strdup("/tmp/tcplab-test-lang-XXXXXX"), path[256];

	cr_assert_not_null(mkdtemp(dir));
	for (size_t i = 0; i < n; i++) {
		FILE *f;

		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		cr_assert_not_null(f = fopen(path, "w"));
		fputs("x", f);
		fclose(f);
	}
	return dir;
}

static void tmp_dir_remove(char *dir, const char *const *names, size_t n)
{
	char path[256];

	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
	free(dir);
}

Test(lang, a_translation_is_found_beside_the_english_file_and_english_is_the_fallback)
{
	const char *const names[] = { "lesson.txt", "lesson.ko.txt", "narration.txt", "notes" ,
	                              "notes.ko" };
	char *dir = tmp_dir(names, 5), path[512], want[512], err[256];

	cr_assert_eq(lang_path(dir, "lesson.txt", "ko", path, sizeof path, err, sizeof err), 1);
	snprintf(want, sizeof want, "%s/lesson.ko.txt", dir);
	cr_assert_str_eq(path, want);
	/* No narration.ko.txt: the English one, never nothing. */
	cr_assert_eq(lang_path(dir, "narration.txt", "ko", path, sizeof path, err, sizeof err), 0);
	snprintf(want, sizeof want, "%s/narration.txt", dir);
	cr_assert_str_eq(path, want);
	/* English, or no language: the file as named, even with a translation beside it. */
	cr_assert_eq(lang_path(dir, "lesson.txt", "en", path, sizeof path, err, sizeof err), 0);
	snprintf(want, sizeof want, "%s/lesson.txt", dir);
	cr_assert_str_eq(path, want);
	cr_assert_eq(lang_path(dir, "lesson.txt", NULL, path, sizeof path, err, sizeof err), 0);
	cr_assert_str_eq(path, want);
	/* A name without an extension takes the code at its end. */
	cr_assert_eq(lang_path(dir, "notes", "ko", path, sizeof path, err, sizeof err), 1);
	snprintf(want, sizeof want, "%s/notes.ko", dir);
	cr_assert_str_eq(path, want);
	tmp_dir_remove(dir, names, 5);
}

Test(lang, a_path_too_long_is_an_error_not_a_cut_name)
{
	char path[16], err[256] = "";

	cr_assert_eq(lang_path("/a/very/long/folder", "lesson.txt", "ko", path, sizeof path, err,
	                       sizeof err), -1);
	cr_assert(strstr(err, "too long"), "%s", err);
}

/* ---- the shipped labs' Korean texts ---- */

/* True when s holds a Hangul syllable (U+AC00..U+D7A3: EA B0 80 .. ED 9E A3 in UTF-8). */
static bool has_hangul(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((p[0] == 0xea && p[1] >= 0xb0) || p[0] == 0xeb || p[0] == 0xec ||
		    (p[0] == 0xed && p[1] && p[1] < 0x9f))
			return true;
	return false;
}

static void lesson_same_steps(const struct lab *lab)
{
	struct lesson en, ko;
	char path[1200], err[1024];

	snprintf(path, sizeof path, "%s/%s", lab->dir, lab->lesson);
	cr_assert_eq(lesson_load(path, &en, err, sizeof err), 0, "%s", err);
	cr_assert_eq(lang_path(lab->dir, lab->lesson, "ko", path, sizeof path, err, sizeof err), 1,
	             "lab %d has no Korean lesson beside '%s' (write %s.ko%s)", lab->number,
	             lab->lesson, "lesson", ".txt");
	cr_assert_eq(lesson_load(path, &ko, err, sizeof err), 0, "%s", err);
	cr_assert_eq(ko.nstep, en.nstep, "%s: %zu steps, the English lesson has %zu", path,
	             ko.nstep, en.nstep);
	for (size_t s = 0; s < en.nstep; s++) {
		cr_expect_str_eq(ko.step[s].run, en.step[s].run, "%s: step %zu ('%s') runs '%s', the "
		                 "English step '%s' runs '%s'", path, s + 1, ko.step[s].title,
		                 ko.step[s].run, en.step[s].title, en.step[s].run);
		cr_expect_str_eq(ko.step[s].show, en.step[s].show, "%s: step %zu ('%s') shows '%s', "
		                 "the English step '%s' shows '%s'", path, s + 1, ko.step[s].title,
		                 ko.step[s].show, en.step[s].title, en.step[s].show);
		cr_expect(has_hangul(ko.step[s].text), "%s: step %zu ('%s') has no Korean text",
		          path, s + 1, ko.step[s].title);
	}
	lesson_release(&en);
	lesson_release(&ko);
}

/*
 * A narration file as its rules: for each 'say' line, the segment lines after it, trimmed
 * (comments and blank lines dropped), joined with '\n'; says[] gets each rule's text.
 * The TUI parses narrations (tui/narrate.c); structure is all this test compares.
 */
#define MAX_RULES 64
struct rules {
	size_t n;
	char body[MAX_RULES][2048];
	char say[MAX_RULES][512];
};

static void read_rules(const char *path, struct rules *r)
{
	FILE *f = fopen(path, "r");
	char line[1024];

	cr_assert_not_null(f, "cannot read '%s'", path);
	memset(r, 0, sizeof *r);
	while (fgets(line, sizeof line, f)) {
		char *p = line, *e;

		while (*p == ' ' || *p == '\t')
			p++;
		e = p + strlen(p);
		while (e > p && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' '))
			*--e = '\0';
		if (!*p || *p == '#')
			continue;
		if (!strncmp(p, "say ", 4)) {
			cr_assert_lt(r->n, MAX_RULES, "%s: more than %d rules", path, MAX_RULES);
			snprintf(r->say[r->n++], sizeof r->say[0], "%s", p + 4);
			continue;
		}
		cr_assert_gt(r->n, 0, "%s: a segment line before the first 'say'", path);
		strncat(r->body[r->n - 1], p, sizeof r->body[0] - strlen(r->body[r->n - 1]) - 2);
		strcat(r->body[r->n - 1], "\n");
	}
	fclose(f);
}

static void narration_same_rules(const struct lab *lab)
{
	static struct rules en, ko;
	char path[1200], err[1024];

	snprintf(path, sizeof path, "%s/narration.txt", lab->dir);
	if (access(path, F_OK) != 0)
		return;         /* no narration: the generated one, in any language */
	read_rules(path, &en);
	cr_assert_eq(lang_path(lab->dir, "narration.txt", "ko", path, sizeof path, err,
	                       sizeof err), 1, "lab %d has no narration.ko.txt", lab->number);
	read_rules(path, &ko);
	cr_assert_eq(ko.n, en.n, "%s: %zu rules, the English narration has %zu", path, ko.n, en.n);
	for (size_t i = 0; i < en.n; i++) {
		size_t len = strlen(ko.say[i]);

		cr_expect_str_eq(ko.body[i], en.body[i], "%s: rule %zu ('%s') matches other segments "
		                 "than the English rule %zu", path, i + 1, ko.say[i], i + 1);
		/* As the demo's parser takes it: the text in quotes, under 400 bytes. */
		cr_expect(len >= 2 && ko.say[i][0] == '"' && ko.say[i][len - 1] == '"' &&
		          len - 2 < 400, "%s: rule %zu: 'say' needs its text in double quotes, at "
		          "most 399 bytes (%zu)", path, i + 1, len);
		cr_expect(has_hangul(ko.say[i]), "%s: rule %zu has no Korean text", path, i + 1);
	}
}

Test(lang, every_lab_has_its_korean_lesson_and_narration_step_for_step)
{
	struct lab *labs;
	size_t n;
	char err[1024];

	cr_assert_eq(lab_load_all(root(), &labs, &n, err, sizeof(err)), 0, "%s", err);
	cr_assert_geq(n, 4);
	for (size_t i = 0; i < n; i++) {
		lesson_same_steps(&labs[i]);
		narration_same_rules(&labs[i]);
	}
	free(labs);
}

/* ---- tcplab's own words: po/ko.po against the texts marked in the sources ---- */

/* Whether every program named is on PATH. */
static bool have_tools(const char *const *tools, size_t n, const char **missing)
{
	char cmd[128];

	for (size_t i = 0; i < n; i++) {
		snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tools[i]);
		if (system(cmd) != 0) {
			*missing = tools[i];
			return false;
		}
	}
	return true;
}

/* Run cmd (a shell line) with its stderr to out's file; the exit status, -1 if not run. */
static int run_logged(const char *cmd, const char *log)
{
	char line[4096];
	int st;

	snprintf(line, sizeof line, "%s 2>'%s' >&2", cmd, log);
	st = system(line);
	return st >= 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char *slurp(const char *path)
{
	static char buf[8192];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;

	if (f)
		fclose(f);
	buf[n] = '\0';
	return buf;
}

/* The gettext tools the catalog's tests run, or a skip saying which is missing. */
static void need_gettext(void)
{
	static const char *const tools[] = { "xgettext", "msgfmt", "msgcmp" };
	const char *missing = NULL;

	if (!have_tools(tools, sizeof tools / sizeof tools[0], &missing))
		cr_skip_test("%s is not installed (GNU gettext: 'make deps-test' installs it): "
		             "the catalog cannot be checked", missing);
}

/* A temporary folder with TMP/tcplab.pot extracted from the sources by mk/po.sh. */
static char *extract(void)
{
	char *dir = strdup("/tmp/tcplab-test-po-XXXXXX"), cmd[1024], log[300];

	cr_assert_not_null(mkdtemp(dir));
	snprintf(cmd, sizeof cmd, "sh '%s/mk/po.sh' pot '%s/tcplab.pot'", root(), dir);
	snprintf(log, sizeof log, "%s/xgettext.log", dir);
	cr_assert_eq(run_logged(cmd, log), 0, "%s failed:\n%s", cmd, slurp(log));
	return dir;
}

static void remove_dir(char *dir)
{
	char cmd[512];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	cr_expect_eq(system(cmd), 0);
	free(dir);
}

/* msgcmp names a text by its line in the template, which the test removes: append the
 * msgid lines named in out to it. */
static void named(const char *dir, char *out, size_t len)
{
	char pot[512], line[512], msgid[1024], *list = strdup(out);
	const char *p = list;
	FILE *f;

	snprintf(pot, sizeof pot, "%s/tcplab.pot:", dir);
	cr_assert_not_null(list);
	while ((p = strstr(p, pot))) {
		long want = strtol(p + strlen(pot), NULL, 10), n = 0;

		p += strlen(pot);
		pot[strlen(pot) - 1] = '\0';
		f = fopen(pot, "r");
		strcat(pot, ":");
		/* the text is the msgid (and its continued lines) at or before that line */
		msgid[0] = '\0';
		while (f && fgets(line, sizeof line, f) && ++n <= want + 1) {
			size_t m = strlen(msgid);

			if (!strncmp(line, "msgid ", 6))
				snprintf(msgid, sizeof msgid, "%s", line);
			else if (line[0] == '"' && m && strncmp(msgid, "msgstr", 6))
				snprintf(msgid + m, sizeof msgid - m, "%s", line);
			else if (!strncmp(line, "msgstr", 6) && n >= want)
				break;
		}
		{
			size_t o = strlen(out);

			snprintf(out + o, len - o, "%s", msgid);
		}
		if (f)
			fclose(f);
	}
	free(list);
}

/* msgcmp: every msgid of the template has a translated (not fuzzy, not empty) msgstr. */
static int compare(const char *dir, const char *po, char *out, size_t len)
{
	char cmd[1024], log[300];
	int st;

	snprintf(cmd, sizeof cmd, "msgcmp -N '%s' '%s/tcplab.pot'", po, dir);
	snprintf(log, sizeof log, "%s/msgcmp.log", dir);
	st = run_logged(cmd, log);
	snprintf(out, len, "%s", slurp(log));
	named(dir, out, len);
	return st;
}

Test(lang, every_text_of_the_sources_has_its_korean_translation_and_the_catalog_compiles)
{
	char *dir, po[512], cmd[1024], log[300], out[8192];

	need_gettext();
	dir = extract();
	snprintf(po, sizeof po, "%s/po/ko.po", root());
	snprintf(cmd, sizeof cmd, "msgfmt --check -o '%s/ko.mo' '%s'", dir, po);
	snprintf(log, sizeof log, "%s/msgfmt.log", dir);
	cr_expect_eq(run_logged(cmd, log), 0, "%s failed:\n%s", cmd, slurp(log));
	cr_expect_eq(compare(dir, po, out, sizeof out), 0,
	             "po/ko.po lacks Korean for texts of the sources (translate them: 'make po', "
	             "then fill the empty msgstr, docs/tui.md):\n%s", out);
	remove_dir(dir);
}

Test(lang, a_new_english_text_without_its_translation_fails_the_check)
{
	char *dir = NULL, po[512], pot[512], out[8192];
	FILE *f;

	need_gettext();
	dir = extract();
	/* what a new _("...") in a screen adds to the template */
	snprintf(pot, sizeof pot, "%s/tcplab.pot", dir);
	cr_assert_not_null(f = fopen(pot, "a"));
	fputs("\n#: tui/screen_new.c\nmsgid \"x new hint\"\nmsgstr \"\"\n", f);
	fclose(f);
	snprintf(po, sizeof po, "%s/po/ko.po", root());
	cr_expect_neq(compare(dir, po, out, sizeof out), 0, "msgcmp passed a text po/ko.po lacks");
	cr_expect(strstr(out, "x new hint"), "msgcmp does not name the text it lacks:\n%s", out);
	remove_dir(dir);
}

/* The hint bar (draw_hints) splits at two blanks and keeps items whose key is q or ?: a
 * translation must keep each item's key first, in the same order, in as many items. */

/*
 * Whether a one-line text is a hint bar: its first item is a key and what it does ("q back",
 * "Left/Right step"). Titles ("compare  lab %d: %s") and indented lines ("  (cut here)")
 * have two blanks too, but their first item is one word, a "%s", a "filter:" or nothing.
 */
static bool is_bar(const char *id)
{
	size_t item = strstr(id, "  ") ? (size_t)(strstr(id, "  ") - id) : strlen(id);
	size_t key = strcspn(id, " ");

	if (!strcmp(id, "q back"))
		return true;
	if (!strstr(id, "  ") || strchr(id, '\n') || id[0] == ' ' || key >= item)
		return false;
	return !memchr(id, '%', key) && id[key - 1] != ':';
}

static size_t bar_keys(const char *s, char keys[][32], size_t max)
{
	size_t n = 0;

	while (*s && n < max) {
		size_t w = strcspn(s, " "), item = strstr(s, "  ") ? (size_t)(strstr(s, "  ") - s)
		                                                   : strlen(s);

		snprintf(keys[n++], 32, "%.*s", (int)(w < item ? w : item), s);
		s += item;
		while (*s == ' ')
			s++;
	}
	return n;
}

Test(lang, korean_hint_bars_keep_their_keys_first_and_their_items_apart)
{
	char *dir, mo[600], cmd[1200], err[256], log[600];
	struct msgcat *c;
	size_t bars = 0;

	need_gettext();
	dir = extract();
	snprintf(mo, sizeof mo, "%s/ko.mo", dir);
	snprintf(cmd, sizeof cmd, "msgfmt -o '%s' '%s/po/ko.po'", mo, root());
	snprintf(log, sizeof log, "%s/msgfmt.log", dir);
	cr_assert_eq(run_logged(cmd, log), 0, "%s failed:\n%s", cmd, slurp(log));
	cr_assert_not_null(c = msgcat_new(mo, err, sizeof err), "%s", err);
	for (size_t i = 0; i < msgcat_count(c); i++) {
		const char *id, *str;
		char ke[24][32], kk[24][32];
		size_t ne, nk;

		msgcat_pair(c, i, &id, &str);
		/* A bar is one line; the command line's help texts are many. */
		if (!is_bar(id))
			continue;
		bars++;
		ne = bar_keys(id, ke, 24);
		nk = bar_keys(str, kk, 24);
		cr_expect_eq(nk, ne, "'%s' has %zu items, its Korean '%s' %zu", id, ne, str, nk);
		for (size_t k = 0; k < ne && k < nk; k++)
			cr_expect_str_eq(kk[k], ke[k], "item %zu of '%s' is '%s' in Korean '%s'", k + 1,
			                 id, kk[k], str);
	}
	cr_expect_gt(bars, 20, "only %zu hint bars in the catalog", bars);
	msgcat_free(c);
	remove_dir(dir);
}

/* ---- each lab's short texts: labs/NN-name/ko.po ---- */

/* A catalog compiled by msgfmt --check from po into dir/mo; NULL (and a failed expect)
 * when it does not compile. */
static struct msgcat *compile(const char *dir, const char *po, const char *mo)
{
	char cmd[1600], log[600], out[700], err[256];
	struct msgcat *c;

	snprintf(out, sizeof out, "%s/%s", dir, mo);
	snprintf(cmd, sizeof cmd, "msgfmt --check -o '%s' '%s'", out, po);
	snprintf(log, sizeof log, "%s/msgfmt.log", dir);
	if (run_logged(cmd, log) != 0) {
		cr_expect_fail("%s failed:\n%s", cmd, slurp(log));
		return NULL;
	}
	c = msgcat_new(out, err, sizeof err);
	cr_expect_not_null(c, "%s: %s", out, err);
	return c;
}

/* One text of the lab: lacking when neither the lab's catalog nor tcplab's has it. */
static size_t need(const char *text, const struct msgcat *lab, const struct msgcat *own,
                   const char *what, const char *slug, char *missing, size_t len)
{
	size_t o = strlen(missing);

	if (!*text || msgcat_get(lab, text) != text || msgcat_get(own, text) != text)
		return 0;
	snprintf(missing + o, len - o, "  labs/%s: %s \"%s\"\n", slug, what, text);
	return 1;
}

static size_t need_variant(const struct lab *l, const struct lab_variant *v,
                           const struct msgcat *lab, const struct msgcat *own, char *missing,
                           size_t len)
{
	struct expect_spec *spec;
	char path[1200], err[1024];
	size_t n = need(v->summary, lab, own, "summary of variant", l->slug, missing, len);

	for (size_t k = 0; k < v->ncheck; k++)
		n += need(v->check[k].name, lab, own, "check (lab.conf)", l->slug, missing, len);
	if (!v->expect[0])
		return n;
	snprintf(path, sizeof path, "%s/%s", l->dir, v->expect);
	if (expect_load(path, &spec, err, sizeof err) < 0) {
		cr_expect_fail("%s", err);
		return n;
	}
	for (size_t k = 0; k < expect_ncheck(spec); k++)
		n += need(expect_check_name(spec, k), lab, own, "check", l->slug, missing, len);
	expect_free(spec);
	return n;
}

/* Every short text of lab l that has no Korean, listed in missing; how many. */
static size_t lab_untranslated(const struct lab *l, const struct msgcat *lab,
                               const struct msgcat *own, char *missing, size_t len)
{
	size_t n = need(l->title, lab, own, "title", l->slug, missing, len) +
	           need(l->summary, lab, own, "summary", l->slug, missing, len);

	for (size_t v = 0; v < l->nvariant; v++)
		n += need_variant(l, &l->variant[v], lab, own, missing, len);
	if (l->has_exercise)
		n += need_variant(l, &l->exercise, lab, own, missing, len);
	return n;
}

Test(lang, every_text_of_every_lab_has_korean_and_every_ko_po_compiles)
{
	static char missing[65536];
	struct msgcat *own, *lab;
	struct lab *labs;
	size_t n, lacking = 0;
	char *dir, po[1200], err[1024];

	need_gettext();
	/* Everything that can stop the test before the temporary folder exists. */
	cr_assert_eq(lab_load_all(root(), &labs, &n, err, sizeof(err)), 0, "%s", err);
	cr_assert_geq(n, 5);
	dir = extract();
	snprintf(po, sizeof po, "%s/po/ko.po", root());
	own = compile(dir, po, "tcplab.mo");
	missing[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		snprintf(po, sizeof po, "%s/ko.po", labs[i].dir);
		if (access(po, R_OK) != 0) {
			cr_expect_fail("lab %d has no ko.po: its title, summaries and check names have "
			               "no Korean (write '%s': 'sh mk/po.sh labpot %s OUT' lists its "
			               "texts)", labs[i].number, po, labs[i].dir);
			continue;
		}
		lab = compile(dir, po, "lab.mo");
		lacking += lab_untranslated(&labs[i], lab, own, missing, sizeof missing);
		msgcat_free(lab);
	}
	cr_expect_eq(lacking, 0, "%zu texts of the labs have no Korean (add them to the lab's "
	             "ko.po, msgid the exact English):\n%s", lacking, missing);
	msgcat_free(own);
	free(labs);
	remove_dir(dir);
}

Test(lang, a_lab_text_without_its_korean_is_named_by_the_check)
{
	static char missing[65536];
	struct lab *labs;
	size_t n;
	char err[1024];

	/* Lab 1 against no catalog at all: each of its texts is named, none is skipped. */
	cr_assert_eq(lab_load_all(root(), &labs, &n, err, sizeof(err)), 0, "%s", err);
	missing[0] = '\0';
	cr_expect_gt(lab_untranslated(&labs[0], NULL, NULL, missing, sizeof missing), 10);
	cr_expect(strstr(missing, "title \"Three-way handshake and four-way close\""), "%s",
	          missing);
	cr_expect(strstr(missing, "check \"one handshake: SYN, SYN-ACK, ACK\""), "%s", missing);
	cr_expect(strstr(missing, "check (lab.conf) \"the client connects once\""), "%s", missing);
	cr_expect(strstr(missing, "check \"no RST in the connection\""), "an assertion's default "
	          "name:\n%s", missing);
	free(labs);
}

static const char *build_dir(void)
{
	const char *b = getenv("TCPLAB_BUILD");

	return b && *b ? b : "build";
}

/* Where the build put tcplab's own catalogs (paths.h: BUILD/locale). */
static const char *locale_dir(void)
{
	static char dir[1024];

	snprintf(dir, sizeof dir, "%s/locale", build_dir());
	return dir;
}

/* tcplab's own Korean catalog as 'make' builds it, or a skip saying it is not built. */
static void need_korean_catalog(void)
{
	char mo[1200];

	snprintf(mo, sizeof mo, "%s/ko/LC_MESSAGES/tcplab.mo", locale_dir());
	if (access(mo, R_OK) != 0)
		cr_skip_test("'%s' is not built (run 'make')", mo);
}

/* The loader: lab_text() reads BUILD/labs/SLUG/ko.mo once tcplab's catalog is Korean. */
Test(lang, lab_text_is_korean_from_the_built_catalog_and_english_otherwise, .fini = tr_release)
{
	struct lab *labs;
	size_t n;
	char err[1024], mo[1200];
	const char *t, *other = "a text no catalog has";

	snprintf(mo, sizeof mo, "%s/labs/01-handshake/ko.mo", build_dir());
	if (access(mo, R_OK) != 0)
		cr_skip_test("'%s' is not built (run 'make')", mo);
	cr_assert_eq(lab_load_all(root(), &labs, &n, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(lab_text(&labs[0], labs[0].title), labs[0].title, "no catalog: English");
	tr_init(locale_dir(), build_dir(), "ko");
	cr_assert_str_eq(tr_lang(), "ko");
	t = lab_text(&labs[0], labs[0].title);
	cr_expect(has_hangul(t), "lab 1's title in Korean: '%s'", t);
	t = lab_text(&labs[1], labs[1].variant[0].summary);
	cr_expect(has_hangul(t), "lab 2's first variant in Korean: '%s'", t);
	t = lab_text(&labs[0], "no RST in the connection");
	cr_expect(has_hangul(t), "an assertion's default name, from tcplab's catalog: '%s'", t);
	cr_expect_eq(lab_text(&labs[0], other), other, "a text no catalog has is the English");
	cr_expect_eq(lab_text(NULL, other), other);
	tr_init(locale_dir(), build_dir(), "en");
	cr_expect_str_eq(lab_text(&labs[0], labs[0].title), labs[0].title, "English again");
	free(labs);
}

/* util/msgcat.c reads no system-dependent strings: a <PRIu32> text would stay English. */
Test(lang, no_translated_text_uses_an_inttypes_directive)
{
	char *dir, pot[600];

	need_gettext();
	dir = extract();
	snprintf(pot, sizeof pot, "%s/tcplab.pot", dir);
	{
		FILE *f = fopen(pot, "r");
		char line[4096];
		int ln = 0;

		cr_assert_not_null(f);
		while (fgets(line, sizeof line, f)) {
			ln++;
			cr_expect_null(strstr(line, "<PRI"), "tcplab.pot:%d: %s  a PRIu32/PRIu64 inside "
			               "_(): write %%u or %%llu with a cast, or the text is never "
			               "translated", ln, line);
		}
		fclose(f);
	}
	remove_dir(dir);
}

/* ---- the command line in Korean ---- */

Test(lang, the_command_line_speaks_korean_for_lang_ko_and_english_for_c, .timeout = 30)
{
	static struct tcplab_result r;
	static const char *const ko[] = { "LANG=ko_KR.UTF-8", NULL };

	tcplab_run_env(&r, ko, (const char *const[]){ "--help", NULL });
	cr_expect_eq(r.status, 0);
	cr_expect(strstr(r.out, "사용법: tcplab COMMAND [ARGS]"), "%s", r.out);
	cr_expect(strstr(r.out, "  grade       랩의 과제(exercise)를 빌드, 실행, 채점\n"), "%s",
	          r.out);
	tcplab_run(&r, (const char *const[]){ "--help", NULL });
	cr_expect(strstr(r.out, "usage: tcplab COMMAND [ARGS]"), "LANG=C: English\n%s", r.out);
	/* --lang beats the environment, both ways, and a lab's texts follow it. */
	tcplab_run(&r, (const char *const[]){ "lesson", "--lang", "ko", "1", NULL });
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect(strstr(r.out, "랩 1: 3-way 핸드셰이크"), "%.400s", r.out);
	cr_expect(strstr(r.out, "1/8단계: "), "%.400s", r.out);
	tcplab_run_env(&r, ko, (const char *const[]){ "lesson", "--lang", "en", "1", NULL });
	cr_expect(strstr(r.out, "lab 1: Three-way handshake"), "%.400s", r.out);
	/* An error, and a command's own --help. */
	tcplab_run_env(&r, ko, (const char *const[]){ "frobnicate", NULL });
	cr_expect_eq(r.status, 2);
	cr_expect(strstr(r.err, "tcplab: 'frobnicate'은(는) tcplab 명령이 아닙니다"), "%s", r.err);
	tcplab_run_env(&r, ko, (const char *const[]){ "doctor", "--help", NULL });
	cr_expect(strstr(r.out, "사용법: tcplab doctor\n어디에서 실행 중인지"), "%s", r.out);
	tcplab_run_env(&r, ko, (const char *const[]){ "list", NULL });
	cr_expect(strstr(r.out, " 4  RST 대 케이블 뽑기  ["), "%.600s", r.out);
	tcplab_run(&r, (const char *const[]){ "list", NULL });
	cr_expect(strstr(r.out, " 4  RST vs cable pull  ["), "%.600s", r.out);
}

/* Sentences of tcplab's own that a Korean report must not show in English. */
static const char *const english_report[] = {
	"grading lab", "source: ", "attempt: ", "seed: ", "score: ", "  PASS ", "  FAIL ",
	"scenario 1 of", "on the wire", "the connection was aborted", "the client called",
	"no client recv call matched", "unread data", "the message goes out",
	"the client read the whole echo", "(detail: expected", "the echo came",
};

Test(lang, a_failed_grade_reports_and_explains_in_korean_with_lang_ko, .timeout = 120)
{
	static struct tcplab_result r;
	const char *src = "tests/exercises/01-handshake/hard-coded-output";
	const char *line, *end;
	size_t explained = 0;

	tcplab_run(&r, (const char *const[]){ "grade", "1", "--src", src, "--lang", "ko",
	                                      "--allow-same-uid", NULL });
	if (r.status != 1 && strstr(r.err, "cannot grade lab"))
		cr_skip_test("this machine cannot grade: %s", r.err);
	cr_assert_eq(r.status, 1, "a wrong submission must fail (status %d):\n%s\n%s", r.status,
	             r.out, r.err);
	cr_expect(strstr(r.out, "랩 1 채점: "), "%.600s", r.out);
	cr_expect(strstr(r.out, "  실패 "), "%.2000s", r.out);
	cr_expect(strstr(r.out, "점수: "), "%.2000s", r.out);
	for (size_t i = 0; i < sizeof english_report / sizeof english_report[0]; i++)
		cr_expect_null(strstr(r.out, english_report[i]), "'%s' left in English:\n%s",
		               english_report[i], r.out);
	/* Every line under a failed check (the explanation, indented) is Korean. */
	for (line = r.out; *line; line = *end ? end + 1 : end) {
		end = strchr(line, '\n');
		if (!end)
			end = line + strlen(line);
		if (strncmp(line, "               ", 15))
			continue;
		explained++;
		char *one = strndup(line, (size_t)(end - line));

		cr_assert_not_null(one);
		cr_expect(has_hangul(one), "an explanation not in Korean: %s", one);
		free(one);
	}
	cr_expect_gt(explained, 0, "no explanation under the failed checks:\n%s", r.out);
}

Test(lang, grade_and_check_help_are_korean_with_lang_ko_before_or_after_help, .timeout = 30)
{
	static struct tcplab_result r;
	static const char *const cmds[] = { "grade", "check" };

	for (size_t i = 0; i < 2; i++) {
		tcplab_run(&r, (const char *const[]){ cmds[i], "--help", "--lang", "ko", NULL });
		cr_expect_eq(r.status, 0, "%s: %s", cmds[i], r.err);
		cr_expect(!strncmp(r.out, "사용법: tcplab ", strlen("사용법: tcplab ")), "%s:\n%.400s",
		          cmds[i], r.out);
		cr_expect(strstr(r.out, "종료 상태: "), "%s:\n%s", cmds[i], r.out);
		cr_expect_null(strstr(r.out, "Exit status"), "%s:\n%s", cmds[i], r.out);
		tcplab_run(&r, (const char *const[]){ cmds[i], "--lang", "ko", "--help", NULL });
		cr_expect(!strncmp(r.out, "사용법: tcplab ", strlen("사용법: tcplab ")), "%s:\n%.400s",
		          cmds[i], r.out);
		tcplab_run(&r, (const char *const[]){ cmds[i], "--help", NULL });
		cr_expect(!strncmp(r.out, "usage: tcplab ", strlen("usage: tcplab ")),
		          "%s, LANG=C:\n%.400s", cmds[i], r.out);
	}
}

/* ---- the capture layer's errors in Korean ---- */

/*
 * A capture file tcplab cannot read, through the command line: the sentence is Korean and
 * libpcap's own words stay inside it as libpcap gives them. LANG=C keeps the English the
 * other tests (test_pcapio, test_malformed) hold the library to.
 */
Test(lang, a_capture_file_error_is_korean_for_lang_ko_and_english_for_c, .timeout = 30)
{
	static struct tcplab_result r;
	static const char *const ko[] = { "LANG=ko_KR.UTF-8", NULL };
	const char *garbage = "tests/malformed/random_garbage_4k.bin";
	const char *cut = "tests/malformed/pcapng_packet_cut.pcapng";
	const char *header = "tests/malformed/file_header_cut_at_10_bytes.pcap";

	tcplab_run_env(&r, ko, (const char *const[]){ "inspect", "--tsv", garbage, NULL });
	cr_expect_eq(r.status, 1, "%s", r.err);
	cr_expect(strstr(r.err, "'tests/malformed/random_garbage_4k.bin'은(는) pcap 또는 pcapng "
	                 "파일이 아닙니다 (unknown file format)"), "%s", r.err);
	tcplab_run(&r, (const char *const[]){ "inspect", "--tsv", garbage, NULL });
	cr_expect(strstr(r.err, "'tests/malformed/random_garbage_4k.bin' is not a pcap or pcapng "
	                 "file (unknown file format)"), "LANG=C: English\n%s", r.err);

	/* A record cut short: read after some packets, the error is the reader's. */
	tcplab_run_env(&r, ko, (const char *const[]){ "inspect", "--tsv", cut, NULL });
	cr_expect_eq(r.status, 1, "%s", r.err);
	cr_expect(strstr(r.err, "을(를) 읽을 수 없습니다: 파일이 패킷 레코드(record) 중간에서 "
	                 "끝납니다 (truncated pcapng dump file; "), "%s", r.err);

	/* 'check' with --lang: the option, not the environment, picks Korean. */
	tcplab_run(&r, (const char *const[]){ "check", header, "labs/01-handshake/client-first.expect",
	                                      "--lang", "ko", NULL });
	cr_expect_eq(r.status, 1, "%s", r.err);
	cr_expect(strstr(r.err, "'tests/malformed/file_header_cut_at_10_bytes.pcap'이(가) 잘렸습니다: "
	                 "파일 헤더가 끝까지 없습니다 (truncated dump file; "), "%s", r.err);
	cr_expect_null(strstr(r.err, "is cut short"), "%s", r.err);
}

/*
 * No command takes a display filter (the TUI's '/' prompt and a lesson's 'show:' do), so
 * the filter's errors are read here through the built catalog, as the TUI loads it.
 */
Test(lang, a_display_filter_error_is_korean_with_the_korean_catalog, .fini = tr_release)
{
	static const struct { const char *expr; const char *ko; const char *en; } bad[] = {
		{ "tcp.port == 99999", "'tcp.port'을(를) 99999와(과) 비교합니다: 포트(port)는 0-65535입니다",
		  "'tcp.port' compares with 99999: ports are 0-65535" },
		{ "tcp.flags.syn == 1 &&", "끝에 필드(field)가 빠졌습니다", "a field is missing at the end" },
		{ "(tcp.port == 80", "16번째 열에 ')'가 없습니다", "missing ')' at column 16" },
		{ "ip.src == 10.0.0.300", "'10.0.0.300'은(는) IPv4 주소가 아닙니다",
		  "'10.0.0.300' is not an IPv4 address" },
	};
	char err[1024];
	struct dfilter *f;

	need_korean_catalog();
	for (int lang = 0; lang < 2; lang++) {
		tr_init(locale_dir(), build_dir(), lang ? "ko" : "en");
		for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
			const char *want = lang ? bad[i].ko : bad[i].en;

			cr_assert_lt(dfilter_compile(bad[i].expr, DLT_RAW, DFILTER_NO_BPF, &f, err,
			                             sizeof err), 0, "%s", bad[i].expr);
			cr_expect(!strncmp(err, want, strlen(want)), "%s: '%s' expected, got '%s'",
			          bad[i].expr, want, err);
		}
	}
	/* A misspelt Wireshark field also tried as BPF: libpcap's reason stays libpcap's. */
	cr_assert_lt(dfilter_compile("tcp.prot == 80", DLT_RAW, 0, &f, err, sizeof err), 0);
	cr_expect(strstr(err, "'tcp.prot'은(는) tcplab이 아는 필드(field)가 아닙니다 (BPF로 읽으면: "),
	          "%s", err);
	cr_expect(strstr(err, "); 쓸 수 있는 필터: tcpdump의 BPF"), "%s", err);
}

/*
 * A damaged packet's reason reaches the student in the TUI's detail pane and in a run's
 * notes; no command prints it, so it is read here from dissect_packet() through the built
 * catalog, as the TUI loads it. One reason from each layer that phrases it differently:
 * a cut header, a bad option (a whole sentence, its name inside), the link layer.
 */
Test(lang, a_malformed_packet_reason_is_korean_with_the_korean_catalog_and_english_without,
     .fini = tr_release)
{
	/* IPv4 (total length 40 or 44) then TCP 1000 -> 8000, SYN; ip[3] and tcp[12] set below. */
	static const uint8_t syn[44] = {
		0x45, 0x00, 0x00, 0x28, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00,
		10, 0, 0, 1, 10, 0, 0, 2,
		0x03, 0xe8, 0x1f, 0x40, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0,
		2, 3, 0, 0,             /* MSS with length 3 where RFC 9293 says 4 */
	};
	uint8_t cut[30], mss[44];
	const struct { int dlt; const uint8_t *pkt; size_t len; const char *ko, *en; } bad[] = {
		{ DLT_RAW, cut, sizeof cut, "tcp 헤더가 잘렸습니다 (10/20바이트 캡처됨)",
		  "truncated tcp header (10 of 20 bytes captured)" },
		{ DLT_RAW, mss, sizeof mss,
		  "tcp 옵션(option) 2 (mss)의 길이는 4바이트여야 합니다 (길이 3)",
		  "tcp option 2 (mss) should be 4 bytes (length 3)" },
		{ 147, syn, sizeof syn, "지원하지 않는 링크 타입(link type) 147",
		  "unsupported link type 147" },
	};
	char err[256];
	struct tcp_segment seg = { 0 };

	memcpy(cut, syn, sizeof cut);
	memcpy(mss, syn, sizeof mss);
	mss[3] = sizeof mss;
	mss[32] = 0x60;
	need_korean_catalog();
	for (int lang = 0; lang < 2; lang++) {
		tr_init(locale_dir(), build_dir(), lang ? "ko" : "en");
		for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
			const char *want = lang ? bad[i].ko : bad[i].en;

			cr_assert_eq(dissect_packet(bad[i].dlt, bad[i].pkt, bad[i].len, &seg, err,
			                            sizeof err), DISSECT_MALFORMED, "%s", bad[i].en);
			cr_expect_str_eq(err, want, "%s catalog: '%s' expected, got '%s'",
			                 lang ? "Korean" : "no", want, err);
		}
	}
}
