/* summary: pick the labs' language from --lang or the environment, and find a lab's text in it (see lang.h). */
#include "engine/lang.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "util/errbuf.h"

/* The languages the labs may be written in; English is every lab's own. */
static const char *const langs[] = { "en", "ko" };

const char *lang_list(void)
{
	return "en ko";
}

/* The language of the first n bytes of w (a locale name or a LANGUAGE entry). */
static const char *known_n(const char *w, size_t n)
{
	size_t k = strcspn(w, "_.@:");

	if (k > n)
		k = n;
	for (size_t i = 0; i < sizeof langs / sizeof langs[0]; i++)
		if (k == strlen(langs[i]) && !strncasecmp(w, langs[i], k))
			return langs[i];
	return NULL;
}

const char *lang_known(const char *word)
{
	return word ? known_n(word, strlen(word)) : NULL;
}

const char *lang_pick(const char *opt)
{
	static const char *const locale_vars[] = { "LC_ALL", "LC_MESSAGES", "LANG" };
	const char *v, *l;

	if ((l = lang_known(opt)))
		return l;
	if ((v = getenv("LANGUAGE"))) {
		while (*v) {
			size_t n = strcspn(v, ":");

			if (n && (l = known_n(v, n)))
				return l;
			v += n + (v[n] == ':');
		}
	}
	for (size_t i = 0; i < sizeof locale_vars / sizeof locale_vars[0]; i++) {
		if ((v = getenv(locale_vars[i])) && *v) {
			l = lang_known(v);
			return l ? l : LANG_DEFAULT;
		}
	}
	return LANG_DEFAULT;
}

int lang_path(const char *dir, const char *name, const char *lang, char *out, size_t len,
              char *errbuf, size_t errlen)
{
	const char *base = strrchr(name, '/'), *dot;
	int n;

	base = base ? base + 1 : name;
	dot = strrchr(base, '.');
	if (lang && strcmp(lang, LANG_DEFAULT)) {
		size_t stem = dot && dot != base ? (size_t)(dot - name) : strlen(name);

		n = snprintf(out, len, "%s/%.*s.%s%s", dir, (int)stem, name, lang, name + stem);
		if (n >= 0 && (size_t)n < len && access(out, R_OK) == 0)
			return 1;
	}
	n = snprintf(out, len, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= len) {
		errbuf_set(errbuf, errlen, "path of '%s' in '%s' is too long", name, dir);
		return -1;
	}
	return 0;
}
