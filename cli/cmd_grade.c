/* summary: 'tcplab grade N': build the student's exercise, run it, print the grade. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/stopsig.h"
#include "cli/grade_format.h"
#include "engine/grade.h"
#include "engine/lab.h"
#include "engine/paths.h"
#include "engine/sandbox.h"

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: tcplab grade N [--src DIR] [--format FORMAT] [--output FILE] [--pcap FILE]\n"
	        "\n"
	        "Builds the C files of lab N's exercise (the lab's exercise folder, or DIR) with\n"
	        "the project's warning flags, runs the program in the lab's sandbox against the\n"
	        "reference peer, and grades what it printed, the socket calls it made and the\n"
	        "segments it put on the wire: one line per check, and the reason for each that\n"
	        "failed. Compiler errors are shown as the compiler printed them.\n"
	        "\n"
	        "  --src DIR        grade the .c files in DIR instead of the lab's exercise folder\n"
	        "  --format FORMAT  text (default), json, junit (GitHub Classroom, CI), tap, or\n"
	        "                   gradescope (an autograder results.json)\n"
	        "  --output FILE    write the report to FILE instead of standard output\n"
	        "  --pcap FILE      also save the capture of the run\n"
	        "\n"
	        "Your program runs without root, with limits on CPU time (10 s), memory (512 MiB),\n"
	        "processes, open files and output, and is killed when the run ends.\n"
	        "Exit status: 0 when every check passed, 1 otherwise, 2 for a usage error.\n");
}

/* The grading API in stopsig_drive()'s shape. */
static int grade_stepper(void *gr, char *err, size_t errlen)
{
	return grade_step(gr, err, errlen);
}

static int grade_fds(const void *gr, struct pollfd *fds, int max, int *timeout_ms)
{
	return grade_pollfds(gr, fds, max, timeout_ms);
}

/*
 * grade_run()'s loop, with SIGINT, SIGTERM and SIGHUP caught in the wait: on one, the
 * grading is cancelled (compiler or programs killed, namespaces and temporary folder gone)
 * and the function returns 1; stopsig_caught() says which signal.
 */
static int grade_loop(const struct lab *lab, const struct grade_opts *o,
                      struct grade_result **out, char *err, size_t errlen)
{
	struct grade *gr = grade_start(lab, o, err, errlen);
	int r;

	*out = NULL;
	if (!gr)
		return -1;
	r = stopsig_drive(gr, grade_stepper, grade_fds, err, errlen);
	if (r) {
		grade_cancel(gr);
		return r;
	}
	*out = grade_take(gr);
	return 0;
}

int cmd_grade(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "src", required_argument, NULL, 's' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "pcap", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct grade_opts o = { 0 };
	struct grade_result *g;
	struct paths p;
	struct lab *labs = NULL, *lab = NULL;
	const char *output = NULL;
	int c, status, format = GF_TEXT;
	char err[1024];
	FILE *out = stdout;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			o.src = optarg;
			break;
		case 'f':
			format = grade_format_parse(optarg);
			if (format < 0) {
				fprintf(stderr, "tcplab: '%s' is not a format (text, json, junit, tap,"
				        " gradescope)\n", optarg);
				return 2;
			}
			break;
		case 'o':
			output = optarg;
			break;
		case 'w':
			o.pcap_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		usage(stderr);
		return 2;
	}
	status = cli_lab(argv[optind], &p, &labs, &lab);
	if (status)
		return status;
	o.build = p.build;
	if (sandbox_prepare(err, sizeof(err)) < 0) {
		fprintf(stderr, "tcplab: %s\n", err);
		free(labs);
		return 1;
	}
	if (output && !(out = fopen(output, "w"))) {
		perror(output);
		free(labs);
		return 1;
	}
	if (stopsig_install() < 0) {
		fprintf(stderr, "tcplab: cannot set up signal handling: %s\n", strerror(errno));
		if (out != stdout)
			fclose(out);
		free(labs);
		return 1;
	}
	status = grade_loop(lab, &o, &g, err, sizeof(err));
	if (status) {
		if (status == 1)
			fprintf(stderr, "tcplab: grading stopped by %s: your program was killed and the"
			        " sandbox removed\n", stopsig_name(stopsig_caught()));
		else
			fprintf(stderr, "tcplab: cannot grade lab %d: %s\n", lab->number, err);
		if (out != stdout)
			fclose(out);
		free(labs);
		return status == 1 ? 128 + stopsig_caught() : 1;
	}
	grade_format_print(out, (enum grade_format)format, g);
	status = grade_passed(g) ? 0 : 1;
	if (out != stdout && fclose(out) != 0) {
		perror(output);
		status = 1;
	}
	if (g->run && g->run->pcap_error[0]) {
		fprintf(stderr, "tcplab: %s\n", g->run->pcap_error);
		status = 1;
	}
	grade_free(g);
	free(labs);
	return status;
}
