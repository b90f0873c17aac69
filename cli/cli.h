/* summary: the tcplab subcommands; each parses its own arguments and returns an exit status. */
#ifndef TCPLAB_CLI_CLI_H
#define TCPLAB_CLI_CLI_H

#include <stddef.h>

#include "util/tr.h"

/*
 * Contract: cmd_NAME(argc, argv) gets argv[0] == "NAME" and returns the process exit
 * status (0 success, 1 failure or failed checks, 2 usage error). Errors go to stderr as
 * "tcplab: what failed: why (what to do)". Only main() exits.
 */
int cmd_list(int argc, char **argv);
int cmd_lesson(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_grade(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_doctor(int argc, char **argv);
int cmd_tui(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_autograder(int argc, char **argv);

/* The word after --theme ("default", "high-contrast", "light"): 0 and *theme, or 2 after
 * printing what is accepted. */
int cli_theme(const char *word, int *theme);
#define CLI_THEME_HELP N_( \
	"  --theme NAME    colours: default, high-contrast (white on black) or light (black\n" \
	"                  on white), for projectors; T cycles them; NO_COLOR turns colour off\n")

/* The word after --lang ("en", "ko"): 0 and *lang (engine/lang.h's string), or 2 after
 * printing what is accepted. Without --lang, lang_pick(NULL) reads the environment. */
int cli_lang(const char *word, const char **lang);
/* Load lang's catalog of tcplab's own words for the rest of the run (util/tr.h): main()
 * with the environment's language, cli_lang() with the option's. */
void cli_tr_init(const char *lang);
#define CLI_LANG_HELP N_( \
	"  --lang LANG     the language of the lessons, the narration and tcplab's messages: en\n" \
	"                  or ko (Korean); by default LANGUAGE, LC_ALL, LC_MESSAGES or LANG\n" \
	"                  (ko_KR.UTF-8: ko); what is not yet translated is shown in English\n")

/* Enter the lab sandbox's namespaces before curses starts (see sandbox_prepare()); -1 with
 * the reason when live runs will not work here (the TUI still opens), 1 with a note when
 * namespaces are refused but one-host labs run on the machine's own lo (labrun.h). */
int cli_tui_prepare(char *why, size_t len);

struct paths;
struct lab;

/* Find the tree and read every lab, or print why not; *labs is malloc'ed. 0 or -1. */
int cli_labs(struct paths *p, struct lab **labs, size_t *n);

/*
 * The lab numbered by the argument word: *lab points into *labs, which the caller frees.
 * Returns 0, or the exit status after printing why (2 for a bad number, 1 otherwise).
 */
int cli_lab(const char *word, struct paths *p, struct lab **labs, struct lab **lab);

/*
 * One grading, driven to its end in stopsig_poll() (cli/stopsig.h): 0 and *out (a result
 * to grade_free()), -1 with err, or 1 when a stop signal came (the grading is then
 * cancelled: programs killed, sandbox and temporary folder gone). 'tcplab grade' and each
 * submission of 'tcplab grade --class' go through it, so both give the same verdicts.
 */
struct grade_opts;
struct grade_result;
int cli_grade_loop(const struct lab *lab, const struct grade_opts *o,
                   struct grade_result **out, char *err, size_t errlen);

#endif
