/* summary: 'tcplab lesson N': print a lab's lesson, step by step, for reading without the TUI. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "engine/lab.h"
#include "engine/lesson.h"
#include "engine/paths.h"

int cmd_lesson(int argc, char **argv)
{
	struct paths p;
	struct lab *labs, *lab = NULL;
	struct lesson les;
	char path[800], err[1024];
	int status;

	if (argc != 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		bool help = argc == 2;

		fprintf(help ? stdout : stderr, "usage: tcplab lesson N\n\n"
		        "Prints lab N's lesson, step by step; a step that runs the lab names the\n"
		        "'tcplab run' command that shows it.\n");
		return help ? 0 : 2;
	}
	status = cli_lab(argv[1], &p, &labs, &lab);
	if (status)
		return status;
	snprintf(path, sizeof(path), "%s/%s", lab->dir, lab->lesson);
	if (lesson_load(path, &les, err, sizeof(err)) < 0) {
		fprintf(stderr, "tcplab: %s\n", err);
		free(labs);
		return 1;
	}
	printf("lab %d: %s\n", lab->number, lab->title);
	for (size_t i = 0; i < les.nstep; i++) {
		printf("\nstep %zu/%zu: %s\n\n%s\n", i + 1, les.nstep, les.step[i].title,
		       les.step[i].text);
		if (les.step[i].run[0])
			printf("\n  (see it: tcplab run %d --variant %s)\n", lab->number, les.step[i].run);
	}
	lesson_release(&les);
	free(labs);
	return 0;
}
