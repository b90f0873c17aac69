/* summary: tcplab's entry point: dispatch to a subcommand from a table. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "engine/lang.h"
#include "tcplab_config.h"

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "list",    cmd_list,    N_("list the numbered labs") },
	{ "lesson",  cmd_lesson,  N_("print a lab's lesson, step by step") },
	{ "run",     cmd_run,     N_("run a lab and check the wire against its lesson") },
	{ "grade",   cmd_grade,   N_("build, run and grade your exercise for a lab") },
	{ "inspect", cmd_inspect, N_("list the TCP segments or connections of a pcap/pcapng file") },
	{ "check",   cmd_check,   N_("match a capture against an expected-sequence file") },
	{ "doctor",  cmd_doctor,  N_("say what this system allows and how to fix what it does not") },
	{ "demo",    cmd_demo,    N_("instructor demo: a lab's segments revealed one at a time") },
	{ "autograder", cmd_autograder,
	  N_("make a lab's autograder zip for Gradescope (for instructors)") },
};

static void usage(FILE *out)
{
	fputs(_("usage: tcplab COMMAND [ARGS]\n\n"
	        "Learn TCP by watching the real kernel: each lab runs real programs in private\n"
	        "network namespaces and shows their socket calls and the wire on one timeline.\n\n"),
	      out);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s  %s\n", commands[i].name, _(commands[i].help));
	fputs(_("\nWithout a command, on a terminal: the TUI's lab menu (tcplab [--theme NAME]\n"
	        "[--lang LANG]).\n"), out);
	fputs(_(CLI_THEME_HELP), out);
	fputs(_(CLI_LANG_HELP), out);
	fputs(_("  --version       print tcplab's version\n"), out);
	fputs(_("\n'tcplab COMMAND --help' describes each command. Start with 'tcplab run 1'.\n"),
	      out);
}

int main(int argc, char **argv)
{
	/* tcplab's own words in the environment's language; a --lang option reloads them
	 * (cli_lang()). */
	cli_tr_init(lang_pick(NULL));
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
	fprintf(stderr, _("tcplab: '%s' is not a tcplab command\n"), argv[1]);
	usage(stderr);
	return 2;
}
