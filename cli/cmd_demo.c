/* summary: 'tcplab demo [N]': instructor demo mode, live or replaying a saved capture, one run or two side by side. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "engine/lab.h"
#include "engine/lang.h"
#include "engine/paths.h"
#include "tui/tui.h"

static void usage(FILE *out)
{
	fputs(_("usage: tcplab demo [N] [--variant NAME] [--auto SECONDS] [--pcap FILE] [--calls]\n"
	        "                 [--theme NAME] [--lang LANG]\n"
	        "       tcplab demo [N] --compare V1,V2 [--pcap FILE1 --pcap FILE2] [--auto SECONDS]\n"
	        "       tcplab demo [N] --pcap FILE1 --pcap FILE2\n"
	        "\n"
	        "Presents lab N (default 1) for a projector: a large ladder of the real segments,\n"
	        "revealed one at a time, each with a line saying what it means.\n"
	        "\n"
	        "  --variant NAME  the variant to run first (default: the lab's first)\n"
	        "  --auto S        advance on its own every S seconds (p pauses, + and - change it)\n"
	        "  --pcap FILE     replay a saved capture or run record ('tcplab run N --record')\n"
	        "                  instead of running live (no capture rights needed); r and v\n"
	        "                  still run live where that is allowed\n"
	        "  --calls         show the programs' socket calls beside the segments (what each\n"
	        "                  recv() returned), as the ladder does; a live run and a run\n"
	        "                  record have them, a capture file has none (S shows or hides\n"
	        "                  them)\n"
	        "  --compare V1,V2 two ladders side by side, V1 left and V2 right, each with its\n"
	        "                  measures (median round trip, delayed ACKs, segments, time,\n"
	        "                  checks): both variants run live, one after the other; with two\n"
	        "                  --pcap the captures are replayed instead, named V1 and V2\n"), out);
	fputs(_(CLI_THEME_HELP), out);
	fputs(_(CLI_LANG_HELP), out);
	fputs(_("\n"
	        "Keys: Right/Left step, p play/pause, +/- speed, 0 restart, S calls, r re-run live,\n"
	        "v re-run live with the next variant, C compare the previous run (or the next\n"
	        "variant) side by side with this one, a ladder, s segments, ? help, q quit.\n"
	        "In the comparison, Tab picks what steps: both sides, the left or the right;\n"
	        "A aligns the runs by time (the default: each side shows what its run had sent\n"
	        "by the same ms since it began) or by segment (segment N beside segment N).\n"), out);
}

int cmd_demo(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "variant", required_argument, NULL, 'v' },
		{ "auto", required_argument, NULL, 'a' },
		{ "pcap", required_argument, NULL, 'w' },
		{ "compare", required_argument, NULL, 'c' },
		{ "theme", required_argument, NULL, 't' },
		{ "calls", no_argument, NULL, 'k' },
		{ "lang", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct tui_opts o = { .mode = TUI_DEMO };
	struct paths p;
	struct lab *labs = NULL, *lab = NULL;
	char why[512], err[1024] = "", *end, pair[80];
	int rc_prep;
	const char *pcap[3] = { NULL, NULL, NULL }, *lang = NULL;
	int c, status, npcap = 0;

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
			if (npcap == 2) {
				fprintf(stderr, "tcplab: at most two --pcap files (one for each side)\n");
				return 2;
			}
			pcap[npcap++] = optarg;
			break;
		case 't': {
			int th, rc;
			if ((rc = cli_theme(optarg, &th)))
				return rc;
			o.theme = (enum tui_theme)th;
			break;
		}
		case 'c': {
			char *comma;
			snprintf(pair, sizeof pair, "%s", optarg);
			comma = strchr(pair, ',');
			if (!comma || comma == pair || !comma[1] || strchr(comma + 1, ',')) {
				fprintf(stderr, "tcplab: --compare '%s' is not two variants 'V1,V2' "
				        "(e.g. --compare nagle,nodelay)\n", optarg);
				return 2;
			}
			*comma = '\0';
			o.compare[0] = pair;
			o.compare[1] = comma + 1;
			break;
		}
		case 'k':
			o.calls = true;
			break;
		case 'l': {
			int rc;
			if ((rc = cli_lang(optarg, &lang)))
				return rc;
			break;
		}
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
	if (o.compare[0] && o.variant) {
		fprintf(stderr, "tcplab: give either --variant or --compare, not both\n");
		return 2;
	}
	if (o.compare[0] && npcap == 1) {
		fprintf(stderr, "tcplab: --compare with --pcap needs two captures, one for each "
		        "variant (--pcap FILE1 --pcap FILE2)\n");
		return 2;
	}
	if (npcap == 2 && o.variant) {
		fprintf(stderr, "tcplab: two --pcap files are compared; name them with --compare "
		        "V1,V2, not --variant\n");
		return 2;
	}
	o.lang = lang_pick(lang);
	o.path = pcap[0];
	o.path2 = pcap[1];
	status = cli_lab(optind < argc ? argv[optind] : "1", &p, &labs, &lab);
	if (status)
		return status;
	for (int k = 0; k < 3; k++) {
		const char *v = k < 2 ? o.compare[k] : o.variant;
		if (v && !lab_variant_find(lab, v)) {
			fprintf(stderr, "tcplab: lab %d has no variant '%s' ('tcplab list' names them)\n",
			        lab->number, v);
			free(labs);
			return 2;
		}
	}
	rc_prep = cli_tui_prepare(why, sizeof why);
	if (rc_prep < 0)
		o.sandbox_error = why;
	else if (rc_prep > 0)
		o.sandbox_note = why;
	o.build = p.build;
	o.locale = p.locale;
	o.labs = lab;
	o.nlab = 1;
	status = tui_main(&o, err, sizeof err) < 0;
	if (status)
		fprintf(stderr, "tcplab: %s\n", err);
	free(labs);
	return status;
}
