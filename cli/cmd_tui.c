/* summary: 'tcplab' with no arguments: the curses TUI's lab menu (text usage when not on a terminal). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli/cli.h"
#include "engine/lab.h"
#include "engine/paths.h"
#include "engine/sandbox.h"
#include "tui/tui.h"

int cli_tui_prepare(char *why, size_t len)
{
	/* Before curses or anything else could start a thread: without root this moves the
	 * process into a user namespace (sandbox.h). A failure only disables live runs. */
	return sandbox_prepare(why, len);
}

int cmd_tui(int argc, char **argv)
{
	struct tui_opts o = { .mode = TUI_MENU };
	struct paths p;
	struct lab *labs = NULL;
	size_t n;
	char why[512], err[1024] = "";
	int rc;

	(void)argc;
	(void)argv;
	if (cli_labs(&p, &labs, &n) < 0)
		return 1;
	if (cli_tui_prepare(why, sizeof why) < 0)
		o.sandbox_error = why;
	o.build = p.build;
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
