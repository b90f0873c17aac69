/* summary: 'tcplab run N': run a lab headless and print its ladder and checks. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/ladder.h"
#include "cli/stopsig.h"
#include "engine/lab.h"
#include "engine/labrun.h"
#include "engine/paths.h"
#include "engine/progress.h"
#include "engine/record.h"
#include "engine/sandbox.h"
#include "util/safefile.h"

static void usage(FILE *out)
{
	fputs(_("usage: tcplab run N [--variant NAME|all] [--pcap FILE] [--record FILE]\n"
	        "                    [--timeout SECONDS] [--headless]\n"
	        "\n"
	        "Runs lab N in private network namespaces: its server and client programs, a live\n"
	        "capture of the wire and a trace of every socket call. Prints the timeline as a\n"
	        "ladder (client calls | segments | server calls), with each host's kernel's view\n"
	        "of the lab's sockets in its column when it changes ('kernel: LISTEN 1,\n"
	        "TIME-WAIT 1', sampled as 'ss -tan' reads them), those sockets in full before\n"
	        "each act of the lab and at the end, then one line per check.\n"
	        "\n"
	        "  --variant NAME   which way to run it ('tcplab list' names them; default: the first;\n"
	        "                   'all' runs each in turn)\n"
	        "  --pcap FILE      also save the capture (pcap, nanosecond timestamps; with --variant\n"
	        "                   all, the variant's name is added before the extension); written\n"
	        "                   to a temporary file renamed over FILE at the end, never through\n"
	        "                   a symbolic link\n"
	        "  --record FILE    save the whole run as one pcapng file: the packets, both\n"
	        "                   programs' socket calls and output, the lab's cable cuts and\n"
	        "                   kills, the seed and the verdicts ('tcplab inspect FILE' shows\n"
	        "                   it as this command does; Wireshark shows its packets);\n"
	        "                   written as --pcap is, and named per variant as it is\n"
	        "  --timeout S      give up on the programs after S seconds (default 15)\n"
	        "  --headless       print text even on a terminal (the default until the TUI lands)\n"
	        "\n"
	        "Exit status: 0 when every check passed, 1 when one did not or the lab could not\n"
	        "run, 2 for a usage error (a refused --pcap or --record included).\n"), out);
}

/* "lab1.pcap" for variant "server-first" becomes "lab1-server-first.pcap". */
static void variant_path(const char *path, const char *variant, char *buf, size_t len)
{
	const char *dot = strrchr(path, '.');
	const char *slash = strrchr(path, '/');

	if (!dot || (slash && dot < slash))
		dot = path + strlen(path);
	snprintf(buf, len, "%.*s-%s%s", (int)(dot - path), path, variant, dot);
}

/*
 * labrun_run()'s loop, with SIGINT, SIGTERM and SIGHUP caught in the wait: on one, the run
 * is freed (programs killed, namespaces gone, the capture file closed with what it holds)
 * and the function returns 1 (stopsig_caught() says which signal).
 */
/* The labrun API in stopsig_drive()'s shape. */
static int run_step(void *run, char *err, size_t errlen)
{
	return labrun_step(run, err, errlen);
}

static int run_fds(const void *run, struct pollfd *fds, int max, int *timeout_ms)
{
	return labrun_pollfds(run, fds, max, timeout_ms);
}

/*
 * labrun_run()'s loop, with SIGINT, SIGTERM and SIGHUP caught in the wait: on one, the run
 * is freed (programs killed, namespaces gone, the capture file closed with what it holds)
 * and the function returns 1 (stopsig_caught() says which signal).
 */
#define RUN_TRIES 3

static int run_loop(const struct lab *lab, const struct lab_variant *v,
                    const struct labrun_opts *o, struct labrun **out, char *err, size_t errlen)
{
	*out = NULL;
	/* A run the machine stalled cannot judge its timings: run it again, a few times. */
	for (int attempt = 1;; attempt++) {
		struct labrun *run = labrun_start(lab, v, o, err, errlen);
		int r;

		if (!run)
			return -1;
		r = stopsig_drive(run, run_step, run_fds, err, errlen);
		if (r) {
			labrun_free(run);
			return r;
		}
		if (!run->disturbed || attempt == RUN_TRIES) {
			*out = run;
			return 0;
		}
		fprintf(stderr, _("tcplab: %s, so its timings cannot be judged: running it again"
		        " (attempt %d of %d)\n"), run->stall_why, attempt + 1, RUN_TRIES);
		labrun_free(run);
	}
}

/* Said once per command, not per variant: why this run is on the machine's own lo. */
static void tell_host_lo(const struct labrun *run, bool *told)
{
	if (!run->host_lo || *told)
		return;
	*told = true;
	printf(_("note: this machine (a container?) refuses to make network namespaces, so this"
	         " one-host lab runs on its own loopback instead: its programs use port %d, kept"
	         " free for this run, and only that port's packets are captured on 'lo' and"
	         " checked. Run 'tcplab doctor' to see how to give tcplab namespaces.\n\n"),
	       run->port);
}

static int run_one(const struct lab *lab, const struct lab_variant *v, struct labrun_opts *o,
                   const char *record, bool *told)
{
	struct labrun *run;
	char err[1024];
	int status, r;

	printf(_("lab %d: %s\nvariant %s: %s\n\n"), lab->number, lab_text(lab, lab->title), v->name,
	       lab_text(lab, v->summary));
	fflush(stdout);
	r = run_loop(lab, v, o, &run, err, sizeof(err));
	if (r == 1) {
		fprintf(stderr, _("tcplab: stopped by %s: the lab's programs were killed and its"
		        " namespaces removed"), stopsig_name(stopsig_caught()));
		if (o->pcap_path)
			fprintf(stderr, _("; the capture so far is in %s"), o->pcap_path);
		fprintf(stderr, "\n");
		return 128 + stopsig_caught();
	}
	if (r < 0) {
		fprintf(stderr, _("tcplab: lab %d (%s) could not run: %s\n"), lab->number, v->name, err);
		return 1;
	}
	tell_host_lo(run, told);
	ladder_print(stdout, run);
	ladder_print_kernel(stdout, run);
	ladder_print_checks(stdout, run);
	status = labrun_passed(run) ? 0 : 1;
	if (progress_demo_ran(lab->number, err, sizeof(err)) < 0)
		fprintf(stderr, _("tcplab: note: %s (your progress was not saved)\n"), err);
	if (run->pcap_error[0]) {
		fprintf(stderr, "tcplab: %s\n", run->pcap_error);
		status = 1;
	} else if (o->pcap_path) {
		printf("capture saved to %s\n", o->pcap_path);
	}
	if (record) {
		/* Like the capture: a full disk loses the file, not the verdicts shown above. */
		if (record_write_run(record, run, err, sizeof(err)) < 0) {
			fprintf(stderr, _("tcplab: cannot save the run record: %s\n"), err);
			status = 1;
		} else {
			printf("run record saved to %s\n", record);
		}
	}
	labrun_free(run);
	return status;
}

int cmd_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "variant", required_argument, NULL, 'v' },
		{ "pcap", required_argument, NULL, 'w' },
		{ "record", required_argument, NULL, 'r' },
		{ "timeout", required_argument, NULL, 't' },
		{ "headless", no_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct labrun_opts o = { 0 };
	const char *variant = NULL, *record = NULL;
	struct paths p;
	struct lab *labs = NULL, *lab = NULL;
	int c, status;
	bool told = false;     /* the run on the machine's own lo was explained */
	bool refused = false;  /* namespaces refused and the lab needs two hosts */
	char *end;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'v':
			variant = optarg;
			break;
		case 'w':
			o.pcap_path = optarg;
			break;
		case 'r':
			record = optarg;
			o.keep_frames = true;
			break;
		case 't':
			o.timeout_s = strtod(optarg, &end);
			if (*end || o.timeout_s <= 0 || o.timeout_s > 3600) {
				fprintf(stderr, _("tcplab: --timeout '%s' is not a number of seconds (1-3600)\n"),
				        optarg);
				return 2;
			}
			break;
		case 'H':
			break;  /* the only mode there is until the TUI lands */
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
	for (int i = 0; i < 2; i++) {
		const char *target = i ? record : o.pcap_path;
		char err[1024];

		/* Refused before the lab runs, not after: a link is never written through. */
		if (target && safefile_check(target, err, sizeof(err)) < 0) {
			fprintf(stderr, "tcplab: %s\n", err);
			return 2;
		}
	}
	if (record && o.pcap_path && !strcmp(record, o.pcap_path)) {
		fprintf(stderr, "tcplab: --pcap and --record name the same file '%s': the record"
		        " holds the packets too, so --record alone is enough\n", record);
		return 2;
	}
	status = cli_lab(argv[optind], &p, &labs, &lab);
	if (status)
		return status;
	o.build = p.build;
	/* Before anything could start a thread: without root this enters a user namespace. */
	{
		char err[512];

		/* Refused (EPERM, a container): the run says what it can do instead (labrun.h). */
		int rc = sandbox_prepare(err, sizeof(err));

		if (rc < 0 && (rc != -EPERM || !sandbox_can_here())) {
			fprintf(stderr, "tcplab: %s\n", err);
			free(labs);
			return 1;
		}
		/* Then a two-host lab cannot run at all: its first variant says why, once. */
		refused = rc == -EPERM && lab->topology == SANDBOX_TWO_HOSTS;
	}
	if (stopsig_install() < 0) {
		perror("tcplab: cannot catch SIGINT");
		free(labs);
		return 1;
	}
	if (variant && !strcmp(variant, "all")) {
		const char *pcap = o.pcap_path;
		char path[1024], rpath[1024];

		for (size_t i = 0; i < lab->nvariant; i++) {
			if (pcap) {
				variant_path(pcap, lab->variant[i].name, path, sizeof(path));
				o.pcap_path = path;
			}
			if (record)
				variant_path(record, lab->variant[i].name, rpath, sizeof(rpath));
			if (i)
				printf("\n");
			status |= run_one(lab, &lab->variant[i], &o, record ? rpath : NULL, &told);
			if (stopsig_caught()) {
				status = 128 + stopsig_caught();
				break;
			}
			if (refused)
				break;
		}
	} else {
		const struct lab_variant *v = lab_variant_find(lab, variant);

		if (!v) {
			fprintf(stderr, _("tcplab: lab %d has no variant '%s'; it has:"), lab->number,
			        variant);
			for (size_t i = 0; i < lab->nvariant; i++)
				fprintf(stderr, " %s", lab->variant[i].name);
			fprintf(stderr, "\n");
			free(labs);
			return 2;
		}
		status = run_one(lab, v, &o, record, &told);
	}
	free(labs);
	return status;
}
