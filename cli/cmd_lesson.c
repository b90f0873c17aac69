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
	char path[800], err[1024], *end;
	size_t n;
	long number;

	if (argc != 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		bool help = argc == 2;

		fprintf(help ? stdout : stderr, "usage: tcplab lesson N\n\n"
		        "Prints lab N's lesson, step by step; a step that runs the lab names the\n"
		        "'tcplab run' command that shows it.\n");
		return help ? 0 : 2;
	}
	number = strtol(argv[1], &end, 10);
	if (*end || number <= 0) {
		fprintf(stderr, "tcplab: '%s' is not a lab number ('tcplab list' shows them)\n", argv[1]);
		return 2;
	}
	if (cli_labs(&p, &labs, &n) < 0)
		return 1;
	for (size_t i = 0; i < n; i++)
		if (labs[i].number == number)
			lab = &labs[i];
	if (!lab) {
		fprintf(stderr, "tcplab: there is no lab %ld ('tcplab list' shows them)\n", number);
		free(labs);
		return 2;
	}
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
