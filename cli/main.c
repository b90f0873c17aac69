/* summary: tcplab's entry point: dispatch to a subcommand from a table. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "tcplab_config.h"

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "list",    cmd_list,    "list the numbered labs" },
	{ "lesson",  cmd_lesson,  "print a lab's lesson, step by step" },
	{ "run",     cmd_run,     "run a lab and check the wire against its lesson" },
	{ "grade",   cmd_grade,   "build, run and grade your exercise for a lab" },
	{ "inspect", cmd_inspect, "list the TCP segments or connections of a pcap/pcapng file" },
	{ "check",   cmd_check,   "match a capture against an expected-sequence file" },
	{ "doctor",  cmd_doctor,  "say what this system allows and how to fix what it does not" },
	{ "demo",    cmd_demo,    "instructor demo: a lab's segments revealed one at a time" },
	{ "autograder", cmd_autograder,
	  "make a lab's autograder zip for Gradescope (for instructors)" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: tcplab COMMAND [ARGS]\n\n"
	        "Learn TCP by watching the real kernel: each lab runs real programs in private\n"
	        "network namespaces and shows their socket calls and the wire on one timeline.\n\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s  %s\n", commands[i].name, commands[i].help);
	fprintf(out, "\nWithout a command, on a terminal: the TUI's lab menu (tcplab [--theme NAME]\n"
	        "[--lang LANG]).\n"
	        CLI_THEME_HELP
	        CLI_LANG_HELP
	        "  --version       print tcplab's version\n"
	        "\n'tcplab COMMAND --help' describes each command. Start with 'tcplab run 1'.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		/* On a terminal, the TUI's lab menu; in a pipe or script, the usage. */
		if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO))
			return cmd_tui(argc, argv);
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("tcplab %s\n", TCPLAB_VERSION);
		return 0;
	}
	if (!strncmp(argv[1], "--theme", 7) || !strncmp(argv[1], "--lang", 6))
		return cmd_tui(argc, argv);     /* the lab menu, in a theme or a language */
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "tcplab: '%s' is not a tcplab command\n", argv[1]);
	usage(stderr);
	return 2;
}
