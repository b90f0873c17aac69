/* summary: 'tcplab grade N': build the student's exercise, run it, print the grade. */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/stopsig.h"
#include "cli/grade_class.h"
#include "cli/grade_format.h"
#include "engine/grade.h"
#include "engine/jail.h"
#include "engine/lab.h"
#include "engine/paths.h"
#include "engine/record.h"
#include "engine/sandbox.h"
#include "util/safefile.h"

static void usage(FILE *out)
{
	fputs(_("usage: tcplab grade N [--src DIR] [--format FORMAT] [--output FILE] [--pcap FILE]\n"
	        "                      [--record FILE] [--seed N] [--allow-same-uid] [--lang LANG]\n"
	        "       tcplab grade N --class DIR [--out DIR] [-j N] [--seed N] [--allow-same-uid]\n"
	        "\n"
	        "Builds the sources of lab N's exercise (the lab's exercise folder, or DIR) with\n"
	        "the project's warning flags, runs the program in the lab's sandbox against the\n"
	        "reference peer, and grades what it printed, the socket calls it made and the\n"
	        "segments it put on the wire: one line per check, and the reason for each that\n"
	        "failed. Compiler errors are shown as the compiler printed them. Each grade of a\n"
	        "program that built is an attempt in your progress: the report says which one,\n"
	        "and 'tcplab list' shows your last grade and your best.\n"
	        "\n"
	        "DIR's regular files (at most 32, 1 MiB each; no symlinks; subfolders and dot\n"
	        "files left out) are copied and built in a jail: .c as C11 with $CC (cc),\n"
	        ".cpp/.cc/.cxx as C++17 with $CXX (g++), linked with $CXX when any C++ is there.\n"
	        "An exercise of answers (lab 8) builds nothing: DIR's answers.txt holds your\n"
	        "predictions, and the grade runs the lab's own programs and judges each\n"
	        "answer against their capture.\n"
	        "\n"
	        "  --src DIR        grade the sources in DIR instead of the lab's exercise folder\n"
	        "  --format FORMAT  text (default), json, junit (CI), tap, gradescope (an\n"
	        "                   autograder results.json), classroom (GitHub Classroom's\n"
	        "                   autograding reporter), or markdown (a GitHub job summary:\n"
	        "                   the checks, their reasons and the run's ladder)\n"
	        "  --output FILE    write the report to FILE instead of standard output; give\n"
	        "                   several, each after its --format, for several reports of\n"
	        "                   the one grade (--format junit --output r.xml --format\n"
	        "                   markdown --output r.md); a --format left without one goes\n"
	        "                   to standard output\n"
	        "  --pcap FILE      also save the capture of the run\n"
	        "  --record FILE    save the grade as one pcapng file: the run the report\n"
	        "                   names (its packets, socket calls, output, the lab's cuts\n"
	        "                   and kills), the seed and every check with its score;\n"
	        "                   'tcplab inspect FILE' shows it, Wireshark its packets\n"
	        "  --seed N         replay the grade whose report printed this seed: the lab's\n"
	        "                   drivers (how the echo is split, which client resets...) do\n"
	        "                   exactly what they did then; without it, a fresh seed\n"
	        "  --allow-same-uid when not root and no subordinate uid range is granted in\n"
	        "                   /etc/subuid and /etc/subgid, compile and run the submission\n"
	        "                   as yourself (a student grading their own work); otherwise\n"
	        "                   tcplab refuses and says what to add\n"
	        "\n"
	        "A class: --class DIR grades every subfolder of DIR (dot folders and symbolic\n"
	        "links left out) as one student's submission, named by the folder, each exactly\n"
	        "as --src would, in a sandbox of its own, not counted in your progress.\n"
	        "  --class DIR      one subfolder per student\n"
	        "  --out DIR        where the reports go (default grades-labN; made if missing,\n"
	        "                   refused inside the class): per student NAME.txt, NAME.json,\n"
	        "                   NAME.junit.xml, NAME.tap, NAME.gradescope.json and NAME.state,\n"
	        "                   then summary.csv and summary.json (student, score, max,\n"
	        "                   verdict, failing checks, seed, seconds, report); NAME is the\n"
	        "                   folder's name with bytes other than letters, digits, '-',\n"
	        "                   '_' and an inner '.' written %XX\n"
	        "  -j, --jobs N     grade N at a time (default: the number of CPUs)\n"
	        "  --seed N         every student gets seed N, so all meet the same scenarios;\n"
	        "                   without it each gets a fresh seed, kept in the summary\n"
	        "A rerun grades only the submissions whose files, or tcplab, the lab or the seed,\n"
	        "changed since NAME.state was written. A build failure, crash or timeout is a\n"
	        "row with its verdict; a submission that could not be graded at all is verdict\n"
	        "'error' and is tried again next time. A terminal shows one progress line\n"
	        "(graded, passing, failing, inconclusive, time left); a pipe gets a line per\n"
	        "student. The end prints a histogram of scores and the checks failed most.\n"
	        "Ctrl-C stops every grading cleanly; rerun to continue.\n"
	        "\n"
	        "FILE is written whole or not at all (a temporary file beside it, renamed over it\n"
	        "at the end) and never through a symbolic link; a FILE inside DIR is refused, so a\n"
	        "submission cannot plant a link where its report will be written.\n"
	        "\n"
	        "Your program and the compiler run without root, without network (the compiler)\n"
	        "or with only the lab's (the program), in a file system of their own (/usr, a few\n"
	        "/etc files, /tmp, and the work folder /work), with limits on CPU time (10 s),\n"
	        "memory (512 MiB), processes, open files and output, and are killed when done.\n"
	        "Its socket calls are traced from outside it (ptrace), and the lab's programs\n"
	        "vary what they do with the seed, over several scenarios per grade.\n"
	        "Exit status: 0 when every check passed, 1 otherwise, 2 for a usage error\n"
	        "(a refused --output, --pcap or --record included). With --class: 0 when every\n"
	        "submission has a grade (pass or not), 1 when one could not be graded, 128 + the\n"
	        "signal when stopped.\n"
	        "\n"), out);
	/* The text report's language: the JSON, JUnit, TAP and Gradescope formats keep their
	 * English keys and check names; their explanations follow it (docs/tui.md). */
	fputs(_(CLI_LANG_HELP), out);
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
 * grade_run()'s loop (cli.h), with SIGINT, SIGTERM and SIGHUP caught in the wait: on one, the
 * grading is cancelled (compiler or programs killed, namespaces and temporary folder gone)
 * and the function returns 1; stopsig_caught() says which signal.
 */
int cli_grade_loop(const struct lab *lab, const struct grade_opts *o,
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

/*
 * --output, --pcap and --record name files tcplab will write, often next to the submissions: refused
 * when they lie inside the graded folder or are symbolic links, before anything runs.
 */
static int check_targets(const char *src, const char *const *targets, size_t n)
{
	char err[1024];

	for (size_t i = 0; i < n; i++) {
		if (!targets[i])
			continue;
		for (size_t j = 0; j < i; j++)
			if (targets[j] && !strcmp(targets[i], targets[j])) {
				fprintf(stderr, _("tcplab: '%s' is named twice as a file to write: give each"
				        " report, capture and record a file of its own\n"), targets[i]);
				return -1;
			}
		if ((src && safefile_outside(targets[i], src, _("the submission folder"), err,
		                             sizeof(err)) < 0) ||
		    safefile_check(targets[i], err, sizeof(err)) < 0) {
			fprintf(stderr, "tcplab: %s\n", err);
			return -1;
		}
	}
	return 0;
}

/* The report, written where it goes: standard output, or FILE's temporary renamed in place. */
static int write_report(FILE *out, struct safefile *sf, const char *output,
                        enum grade_format format, const struct grade_result *g)
{
	char err[1024];
	int bad;

	grade_format_print(out, format, g);
	if (out == stdout)
		return fflush(out) == 0 ? 0 : -1;
	bad = fflush(out) != 0 || ferror(out);
	if (bad) {
		perror(output);
		safefile_abort(sf);
	} else if (safefile_commit(sf, err, sizeof(err)) < 0) {
		fprintf(stderr, "tcplab: %s\n", err);
		bad = 1;
	}
	if (fclose(out) != 0 && !bad) {
		perror(output);
		bad = 1;
	}
	return bad ? -1 : 0;
}

/*
 * One report: a format and where it goes. Each --output takes the --format given before
 * it, or, when none is waiting, the next one given (so '--output F --format json' reads as
 * it always did); a --format no --output took goes to standard output.
 */
#define MAX_REPORTS 8
struct report {
	int format;             /* -1: waiting for the --format after its --output */
	const char *path;       /* NULL: standard output */
	struct safefile sf;
	FILE *out;
};

/* Open every report's file before grading: a refused name costs no grade. */
static int open_reports(struct report *rep, size_t n)
{
	char err[1024];

	for (size_t i = 0; i < n; i++) {
		rep[i].out = stdout;
		if (!rep[i].path)
			continue;
		if (safefile_open(&rep[i].sf, rep[i].path, err, sizeof(err)) < 0) {
			fprintf(stderr, "tcplab: %s\n", err);
			rep[i].out = NULL;
		} else if (!(rep[i].out = fdopen(rep[i].sf.fd, "w"))) {
			perror(rep[i].path);
			close(rep[i].sf.fd);
			safefile_abort(&rep[i].sf);
		}
		if (!rep[i].out) {
			while (i--)
				if (rep[i].path) {
					fclose(rep[i].out);
					safefile_abort(&rep[i].sf);
				}
			return -1;
		}
	}
	return 0;
}

/* Stopped or failed: no report, and no temporary file left beside its name. */
static void abort_reports(struct report *rep, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (rep[i].path) {
			fclose(rep[i].out);
			safefile_abort(&rep[i].sf);
		}
}

int cmd_grade(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "src", required_argument, NULL, 's' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "pcap", required_argument, NULL, 'w' },
		{ "record", required_argument, NULL, 'r' },
		{ "seed", required_argument, NULL, 'S' },
		{ "allow-same-uid", no_argument, NULL, 'u' },
		{ "class", required_argument, NULL, 'C' },
		{ "out", required_argument, NULL, 'O' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "lang", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct grade_opts o = { 0 };
	struct grade_result *g;
	struct paths p;
	struct lab *labs = NULL, *lab = NULL;
	struct report rep[MAX_REPORTS + 1];
	size_t nrep = 0;
	int pending = -1;       /* a --format no --output has taken yet */
	const char *targets[MAX_REPORTS + 2];
	const char *record = NULL, *class_dir = NULL, *class_out = NULL;
	long jobs = sysconf(_SC_NPROCESSORS_ONLN);
	bool single_only = false, class_only = false;
	char outbuf[32];
	int c, status, format, rc;
	bool same_uid_ok = false, help = false;
	uid_t me = getuid();
	char err[1024];

	optind = 1;
	while ((c = getopt_long(argc, argv, "hj:", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			o.src = optarg;
			break;
		case 'f':
			format = grade_format_parse(optarg);
			if (format < 0) {
				fprintf(stderr, _("tcplab: '%s' is not a format (text, json, junit, tap,"
				        " gradescope, classroom, markdown)\n"), optarg);
				return 2;
			}
			if (nrep && rep[nrep - 1].format < 0)
				rep[nrep - 1].format = format;
			else if (pending >= 0) {
				fprintf(stderr, _("tcplab: --format %s follows another --format with no"
				        " --output between: give each report its --output FILE\n"), optarg);
				return 2;
			} else
				pending = format;
			break;
		case 'o':
			if (nrep == MAX_REPORTS) {
				fprintf(stderr, _("tcplab: at most %d --output files\n"), MAX_REPORTS);
				return 2;
			}
			rep[nrep++] = (struct report){ .format = pending, .path = optarg };
			pending = -1;
			break;
		case 'w':
			o.pcap_path = optarg;
			break;
		case 'r':
			record = optarg;
			o.keep_frames = true;
			break;
		case 'S': {
			char *end;

			errno = 0;
			o.seed = strtoull(optarg, &end, 10);
			if (errno || *end || !o.seed || optarg[0] == '-') {
				fprintf(stderr, _("tcplab: '%s' is not a seed (a number from a grade report)\n"),
				        optarg);
				return 2;
			}
			break;
		}
		case 'u':
			same_uid_ok = true;
			break;
		case 'L': {
			const char *lang;
			int st = cli_lang(optarg, &lang);

			if (st)
				return st;
			break;
		}
		case 'C':
			class_dir = optarg;
			break;
		case 'O':
			class_out = optarg;
			class_only = true;
			break;
		case 'j': {
			char *end;

			errno = 0;
			jobs = strtol(optarg, &end, 10);
			class_only = true;
			if (errno || *end || jobs < 1 || jobs > 64) {
				fprintf(stderr, _("tcplab: '%s' is not a number of jobs (1 to 64)\n"), optarg);
				return 2;
			}
			break;
		}
		case 'h':
			help = true;    /* after every option: a --lang after --help still counts */
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (help) {
		usage(stdout);
		return 0;
	}
	if (optind + 1 != argc) {
		usage(stderr);
		return 2;
	}
	for (size_t i = 0; i < nrep; i++)
		if (rep[i].format < 0)
			rep[i].format = GF_TEXT;
	single_only = o.src || nrep || o.pcap_path || record || pending >= 0;
	/* Standard output gets a report unless every --format went to a file. */
	if (pending >= 0 || !nrep)
		rep[nrep++] = (struct report){ .format = pending >= 0 ? pending : GF_TEXT };
	for (size_t i = 0; i < nrep; i++)
		targets[i] = rep[i].path;
	targets[nrep] = o.pcap_path;
	targets[nrep + 1] = record;
	if (class_dir && single_only) {
		fprintf(stderr, _("tcplab: --class grades a whole class into --out: --src, --format,"
		        " --output, --pcap and --record are for one submission\n"));
		return 2;
	}
	if (!class_dir && class_only) {
		fprintf(stderr, _("tcplab: --out and -j go with --class DIR\n"));
		return 2;
	}
	if (check_targets(o.src, targets, nrep + 2) < 0)
		return 2;
	status = cli_lab(argv[optind], &p, &labs, &lab);
	if (status)
		return status;
	o.build = p.build;
	if ((rc = sandbox_prepare(err, sizeof(err))) < 0) {
		/* Refused (a default container): no fallback for grading, the jail needs
		 * namespaces (docs/security.md, "Containers without namespaces"). */
		if (rc == -EPERM)
			fprintf(stderr, _("tcplab: cannot grade here: %s. The student's program runs in"
			        " a jail built from PID, mount and network namespaces, which this machine"
			        " or container refuses: grade where namespaces can be made\n"), err);
		else
			fprintf(stderr, "tcplab: %s\n", err);
		free(labs);
		return 1;
	}
	/* Not root and no subordinate uid: the submission would run as this user, able to read
	 * what they can in the jail's view. Fine for a student's own work, not for a class. */
	if (jail_run_uid() == getuid() && !same_uid_ok) {
		struct passwd *pw = getpwuid(me);
		const char *name = pw ? pw->pw_name : "USER";

		fprintf(stderr, _("tcplab: cannot grade as '%s' with a uid of its own for the"
		        " submission: /etc/subuid and /etc/subgid grant '%s' no range, or newuidmap"
		        " is missing.\n"
		        "  to fix, as root: add the line '%s:100000:65536' to both /etc/subuid and"
		        " /etc/subgid (a range no other user has), and install newuidmap (package"
		        " uidmap: 'make deps');\n"
		        "  or grade as root;\n"
		        "  or pass --allow-same-uid to grade your own work as yourself.\n"),
		        name, name, name);
		free(labs);
		return 1;
	}
	/*
	 * Stop signals are held from here, before the report's temporary file exists: one that
	 * comes now is taken at the first wait, which cancels the grading and removes the file.
	 */
	if (stopsig_install() < 0) {
		fprintf(stderr, _("tcplab: cannot set up signal handling: %s\n"), strerror(errno));
		free(labs);
		return 1;
	}
	if (class_dir) {
		struct class_opts co = {
			.dir = class_dir, .out = class_out, .build = p.build,
			.jobs = jobs < 1 ? 1 : (int)jobs, .seed = o.seed,
		};

		if (!co.out) {
			snprintf(outbuf, sizeof(outbuf), "grades-lab%d", lab->number);
			co.out = outbuf;
		}
		status = grade_class(lab, &co);
		free(labs);
		return status;
	}
	if (open_reports(rep, nrep) < 0) {
		free(labs);
		return 1;
	}
	status = cli_grade_loop(lab, &o, &g, err, sizeof(err));
	if (status) {
		abort_reports(rep, nrep);
		if (status == 1)
			fprintf(stderr, _("tcplab: grading stopped by %s: your program was killed and the"
			        " sandbox removed\n"), stopsig_name(stopsig_caught()));
		else
			fprintf(stderr, _("tcplab: cannot grade lab %d: %s\n"), lab->number, err);
		free(labs);
		return status == 1 ? 128 + stopsig_caught() : 1;
	}
	status = grade_passed(g) ? 0 : 1;
	for (size_t i = 0; i < nrep; i++)
		if (write_report(rep[i].out, &rep[i].sf, rep[i].path, (enum grade_format)rep[i].format,
		                 g) < 0)
			status = 1;
	if (g->run && g->run->pcap_error[0]) {
		fprintf(stderr, "tcplab: %s\n", g->run->pcap_error);
		status = 1;
	}
	/* After the report: a full disk loses the record, not the grade. */
	if (record && record_write_grade(record, g, err, sizeof(err)) < 0) {
		fprintf(stderr, _("tcplab: cannot save the grade record: %s\n"), err);
		status = 1;
	}
	grade_free(g);
	free(labs);
	return status;
}
