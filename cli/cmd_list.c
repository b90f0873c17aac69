/* summary: 'tcplab list': the numbered labs with their variants. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "engine/lab.h"
#include "engine/paths.h"
#include "engine/progress.h"

int cli_labs(struct paths *p, struct lab **labs, size_t *n)
{
	char err[1024];

	if (paths_find(p, err, sizeof(err)) < 0 || lab_load_all(p->root, labs, n, err, sizeof(err)) < 0) {
		fprintf(stderr, "tcplab: %s\n", err);
		return -1;
	}
	return 0;
}

int cli_lab(const char *word, struct paths *p, struct lab **labs, struct lab **lab)
{
	char *end;
	long number = strtol(word, &end, 10);
	size_t n;

	if (*end || number <= 0) {
		fprintf(stderr, _("tcplab: '%s' is not a lab number ('tcplab list' shows them)\n"), word);
		return 2;
	}
	if (cli_labs(p, labs, &n) < 0)
		return 1;
	for (size_t i = 0; i < n; i++) {
		if ((*labs)[i].number == number) {
			*lab = &(*labs)[i];
			return 0;
		}
	}
	fprintf(stderr, _("tcplab: there is no lab %ld ('tcplab list' shows them)\n"), number);
	free(*labs);
	*labs = NULL;
	return 2;
}

int cmd_list(int argc, char **argv)
{
	struct paths p;
	struct lab *labs;
	struct progress *prog;
	char err[512];
	size_t n;

	if (argc > 1) {
		bool help = !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h");

		fputs(_("usage: tcplab list\n\n"
		        "Lists the numbered labs, each with your progress (kept in\n"
		        "$XDG_STATE_HOME/tcplab/progress) and its variants ('tcplab run N --variant V').\n"
		        "Progress is the lab's state, then your last grade and your best one with the\n"
		        "attempt that got it: \"exercise tried, last 6/10, best 10/10 (attempt 3 of 5)\".\n"
		        "The state follows your last attempt, or your best where the tree's tcplab.conf\n"
		        "says \"keep = best\".\n"), help ? stdout : stderr);
		return help ? 0 : 2;
	}
	/* Fifty attempts for each of 64 labs: too big for a stack frame to be polite. */
	prog = calloc(1, sizeof(*prog));
	if (!prog) {
		fprintf(stderr, "tcplab: out of memory\n");
		return 1;
	}
	if (cli_labs(&p, &labs, &n) < 0) {
		free(prog);
		return 1;
	}
	if (progress_load(prog, err, sizeof(err)) < 0)
		fprintf(stderr, _("tcplab: note: %s (progress not shown)\n"), err);
	for (size_t i = 0; i < n; i++) {
		const struct progress_lab *pl = progress_get(prog, labs[i].number);
		char grades[120];

		progress_summary(pl, grades, sizeof(grades));
		printf("%s%2d  %s  [%s%s%s]\n    %s\n", i ? "\n" : "", labs[i].number,
		       lab_text(&labs[i], labs[i].title), _(progress_state_str(pl->state)),
		       grades[0] ? ", " : "", grades, lab_text(&labs[i], labs[i].summary));
		int width = 0;

		for (size_t j = 0; j < labs[i].nvariant; j++)
			if ((int)strlen(labs[i].variant[j].name) > width)
				width = (int)strlen(labs[i].variant[j].name);
		for (size_t j = 0; j < labs[i].nvariant; j++)
			printf("    --variant %-*s %s\n", width, labs[i].variant[j].name,
			       lab_text(&labs[i], labs[i].variant[j].summary));
	}
	free(labs);
	free(prog);
	return 0;
}
