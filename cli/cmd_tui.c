/* summary: 'tcplab' with no arguments: the curses TUI's lab menu (text usage when not on a terminal). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "engine/lab.h"
#include "engine/lang.h"
#include "engine/paths.h"
#include "engine/sandbox.h"
#include "tui/tui.h"

int cli_tui_prepare(char *why, size_t len)
{
	/* Before curses or anything else could start a thread: without root this moves the
	 * process into a user namespace (sandbox.h). A failure only disables live runs. */
	int rc = sandbox_prepare(why, len);

	if (rc == 0)
		return 0;
	if (rc != -EPERM || !sandbox_can_here())
		return -1;
	/* Refused, as in a default container: one-host labs still run, on our own lo, and
	 * the others say why not when started (engine/labrun.h). */
	snprintf(why, len, _("namespaces are refused here (a container?): only one-host labs run,"
	         " on this machine's own loopback; 'tcplab doctor' says more"));
	return 1;
}

int cli_theme(const char *word, int *theme)
{
	int th = word ? tui_theme_parse(word) : -1;

	if (th < 0) {
		fprintf(stderr, _("tcplab: --theme '%s' is not a theme (default, high-contrast or light)\n"),
		        word ? word : "");
		return 2;
	}
	*theme = th;
	return 0;
}

int cli_lang(const char *word, const char **lang)
{
	/* Only a language's code: a locale name is for LANG, not for the option. */
	const char *l = word && !word[strcspn(word, "_.@:")] ? lang_known(word) : NULL;

	if (!l) {
		fprintf(stderr, _("tcplab: --lang '%s' is not a language of tcplab (en or ko)\n"),
		        word ? word : "");
		return 2;
	}
	*lang = l;
	cli_tr_init(l);
	return 0;
}

void cli_tr_init(const char *lang)
{
	struct paths p;
	char err[600];

	if (paths_find(&p, err, sizeof err) == 0)
		tr_init(p.locale, p.build, lang);
	else
		tr_release();   /* English; the command says what is wrong with the tree */
}

static void usage(FILE *out)
{
	fputs(_("usage: tcplab [--theme NAME] [--lang LANG]\n"
	        "\n"
	        "On a terminal, the lab menu of the TUI: lessons, live runs, ladders, grading.\n"
	        "\n"), out);
	fputs(_(CLI_THEME_HELP), out);
	fputs(_(CLI_LANG_HELP), out);
}

/* argv[0] is the program or "tcplab": the words after it are options only. */
int cmd_tui(int argc, char **argv)
{
	struct tui_opts o = { .mode = TUI_MENU };
	const char *lang = NULL;
	struct paths p;
	struct lab *labs = NULL;
	size_t n;
	char why[512], err[1024] = "";
	int rc_prep;
	int rc, theme;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--theme")) {
			if ((rc = cli_theme(i + 1 < argc ? argv[++i] : NULL, &theme)))
				return rc;
			o.theme = (enum tui_theme)theme;
		} else if (!strncmp(argv[i], "--theme=", 8)) {
			if ((rc = cli_theme(argv[i] + 8, &theme)))
				return rc;
			o.theme = (enum tui_theme)theme;
		} else if (!strcmp(argv[i], "--lang") || !strncmp(argv[i], "--lang=", 7)) {
			const char *w = argv[i][6] == '=' ? argv[i] + 7 : i + 1 < argc ? argv[++i] : NULL;
			if ((rc = cli_lang(w, &lang)))
				return rc;
		} else {
			fprintf(stderr, _("tcplab: unknown option '%s'\n"), argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (cli_labs(&p, &labs, &n) < 0)
		return 1;
	rc_prep = cli_tui_prepare(why, sizeof why);
	if (rc_prep < 0)
		o.sandbox_error = why;
	else if (rc_prep > 0)
		o.sandbox_note = why;
	o.build = p.build;
	o.locale = p.locale;
	o.lang = lang_pick(lang);
	o.labs = labs;
	o.nlab = n;
	rc = tui_main(&o, err, sizeof err);
	free(labs);
	if (rc < 0) {
		fprintf(stderr, "tcplab: %s\n", err);
		return 1;
	}
	return 0;
}
