/* summary: 'tcplab demo [N]': instructor demo mode, live or replaying a saved capture. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "engine/lab.h"
#include "engine/paths.h"
#include "tui/tui.h"

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: tcplab demo [N] [--variant NAME] [--auto SECONDS] [--pcap FILE]\n"
	        "\n"
	        "Presents lab N (default 1) for a projector: a large ladder of the real segments,\n"
	        "revealed one at a time, each with a line saying what it means.\n"
	        "\n"
	        "  --variant NAME  the variant to run first (default: the lab's first)\n"
	        "  --auto S        advance on its own every S seconds (p pauses, + and - change it)\n"
	        "  --pcap FILE     replay a saved capture instead of running live (no capture\n"
	        "                  rights needed); r and v still run live where that is allowed\n"
	        "\n"
	        "Keys: Right/Left step, p play/pause, +/- speed, 0 restart, r re-run live,\n"
	        "v re-run live with the next variant, a ladder, s segments, ? help, q quit.\n");
}

int cmd_demo(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "variant", required_argument, NULL, 'v' },
		{ "auto", required_argument, NULL, 'a' },
		{ "pcap", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct tui_opts o = { .mode = TUI_DEMO };
	struct paths p;
	struct lab *labs = NULL, *lab = NULL;
	char why[512], err[1024] = "", *end;
	int c, status;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'v':
			o.variant = optarg;
			break;
		case 'a':
			o.auto_s = strtod(optarg, &end);
			if (*end || o.auto_s < 0.25 || o.auto_s > 600) {
				fprintf(stderr, "tcplab: --auto '%s' is not a number of seconds (0.25-600)\n",
				        optarg);
				return 2;
			}
			break;
		case 'w':
			o.path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind > 1) {
		usage(stderr);
		return 2;
	}
	status = cli_lab(optind < argc ? argv[optind] : "1", &p, &labs, &lab);
	if (status)
		return status;
	if (o.variant && !lab_variant_find(lab, o.variant)) {
		fprintf(stderr, "tcplab: lab %d has no variant '%s' ('tcplab list' names them)\n",
		        lab->number, o.variant);
		free(labs);
		return 2;
	}
	if (cli_tui_prepare(why, sizeof why) < 0)
		o.sandbox_error = why;
	o.build = p.build;
	o.labs = lab;
	o.nlab = 1;
	status = tui_main(&o, err, sizeof err) < 0;
	if (status)
		fprintf(stderr, "tcplab: %s\n", err);
	free(labs);
	return status;
}
