/* summary: 'tcplab lesson N': print a lab's lesson, step by step, for reading without the TUI. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "engine/lab.h"
#include "engine/lang.h"
#include "engine/lesson.h"
#include "engine/paths.h"

static void usage(FILE *out)
{
	fputs(_("usage: tcplab lesson N [--lang LANG]\n\n"
	        "Prints lab N's lesson, step by step; a step that runs the lab names the\n"
	        "'tcplab run' command that shows it.\n\n"), out);
	fputs(_(CLI_LANG_HELP), out);
}

int cmd_lesson(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "lang", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct paths p;
	struct lab *labs, *lab = NULL;
	struct lesson les;
	const char *lang = NULL;
	char path[800], err[1024];
	int c, status;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			if ((status = cli_lang(optarg, &lang)))
				return status;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 1) {
		usage(stderr);
		return 2;
	}
	status = cli_lab(argv[optind], &p, &labs, &lab);
	if (status)
		return status;
	/* The student's language, or English where the lab has no translation. */
	if (lang_path(lab->dir, lab->lesson, lang_pick(lang), path, sizeof(path), err,
	              sizeof(err)) < 0 || lesson_load(path, &les, err, sizeof(err)) < 0) {
		fprintf(stderr, "tcplab: %s\n", err);
		free(labs);
		return 1;
	}
	printf(_("lab %d: %s\n"), lab->number, lab_text(lab, lab->title));
	for (size_t i = 0; i < les.nstep; i++) {
		printf(_("\nstep %zu/%zu: %s\n\n%s\n"), i + 1, les.nstep, les.step[i].title,
		       les.step[i].text);
		if (les.step[i].run[0])
			printf(_("\n  (see it: tcplab run %d --variant %s)\n"), lab->number,
			       les.step[i].run);
	}
	lesson_release(&les);
	free(labs);
	return 0;
}
