/* summary: 'tcplab check FILE SPEC [--conn N]': match a capture's connections against an expected-sequence file; 'tcplab check RECORD': judge a saved run again. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "capture/capfile.h"
#include "capture/expect.h"
#include "capture/flow.h"
#include "cli/cli.h"
#include "engine/lab.h"
#include "engine/lang.h"
#include "engine/labrun.h"
#include "engine/paths.h"
#include "engine/record.h"
#include "util/textcols.h"

/*
 * The whole capture goes through dissect -> flow once; the segments of each connection are
 * kept (without payload) because the matcher needs them all at once. A connection keeps at
 * most MAX_SEGS segments: past that its checks are judged on what was kept and marked
 * incomplete, so a huge capture cannot exhaust memory nor yield a wrong FAIL.
 */
#define MAX_SEGS (1u << 20)
#define WRAP 78
#define INDENT 6

static int usage(bool help)
{
	fputs(_("usage: tcplab check FILE SPEC [--conn N] [--lang LANG]\n"
	      "       tcplab check RECORD [--lang LANG]\n"
	      "\n"
	      "Matches every TCP connection of the pcap/pcapng FILE (or only connection N, numbered\n"
	      "as 'tcplab inspect --stats' numbers them) against the expected-sequence file SPEC\n"
	      "(docs/expect-format.md) and prints one line per check: PASS, FAIL or inconclusive,\n"
	      "with the reason under every check that did not pass.\n"
	      "\n"
	      "A connection whose capture lost segments (an ACK for data that was never captured)\n"
	      "cannot be judged: its failing checks are reported as inconclusive.\n"
	      "\n"
	      "RECORD, a run saved by 'tcplab run N --record RECORD', is judged again from\n"
	      "what it holds, as the run was judged: its variant's expected sequence and its\n"
	      "call, output and wire checks, on its packets, socket calls, output and\n"
	      "variables. Each verdict is printed, and said when it differs from the one the\n"
	      "run gave (exit status 1); the run's checks of its programs and capture, which\n"
	      "need the live run, are printed as recorded.\n"
	      "\n"
	      "Exit status: 0 if every check of every matched connection passed, 1 otherwise or on\n"
	      "an unreadable file, 2 on a usage error.\n"), help ? stdout : stderr);
	fputs(_(CLI_LANG_HELP), help ? stdout : stderr);
	return help ? 0 : 2;
}

/* Print text word-wrapped at WRAP columns, every line indented by INDENT spaces. Columns,
 * not bytes: a Hangul syllable is three bytes and two columns (textcols_label()). */
static void print_wrapped(const char *text)
{
	const char *s = text;
	while (*s) {
		int room = WRAP - INDENT, col = 0;
		size_t n = 0, cut = 0;

		while (s[n]) {
			char ch[5];
			size_t k = 1;
			int w;

			while (k < 4 && ((unsigned char)s[n + k] & 0xc0) == 0x80)
				k++;
			memcpy(ch, s + n, k);
			ch[k] = '\0';
			w = textcols_label(ch);
			if (col + w > room)
				break;
			/* Never between a number and its unit: "+0.812 ms" stays on one line. */
			if (s[n] == ' ' && strncmp(s + n + 1, "ms", 2))
				cut = n;
			col += w;
			n += k;
		}
		if (s[n] == ' ' && strncmp(s + n + 1, "ms", 2))
			cut = n;        /* a blank right after a full line breaks there */
		if (s[n] && cut)
			n = cut;
		printf("%*s%.*s\n", INDENT, "", (int)n, s);
		s += n;
		while (*s == ' ')
			s++;
	}
}

/* Match one connection and print its verdicts; true when every check passed. */
static bool check_conn(const struct expect_spec *spec, const struct flow_conn *fc,
                       const struct capfile_conn *cs, bool read_error, struct expect_result *res)
{
	char cl[96], sv[96];
	bool lost = fc->analysis_count[EXPERT_I_ACK_LOST_SEGMENT] > 0;
	bool incomplete = read_error || cs->truncated || lost;

	flow_endpoint_str(fc, FLOW_C2S, cl, sizeof cl);
	flow_endpoint_str(fc, FLOW_S2C, sv, sizeof sv);
	printf(_("connection %lu: %s > %s, %zu segments\n"), (unsigned long)fc->id, cl, sv, cs->nseg);
	if (lost)
		printf(_("      note: the capture missed segments of this connection (an ACK for data "
		       "it never saw)\n"));
	if (cs->truncated)
		printf(_("      note: only the first %u segments were checked\n"), MAX_SEGS);
	if (expect_match(spec, fc, cs->seg, cs->nseg, incomplete, res) < 0) {
		printf(_("      cannot match: out of memory\n"));
		return false;
	}
	bool all = true;
	for (size_t i = 0; i < expect_ncheck(spec); i++) {
		printf("%s  %s\n", _(expect_verdict_str(res[i].verdict)), expect_check_name(spec, i));
		if (res[i].verdict != EXPECT_PASS) {
			all = false;
			print_wrapped(res[i].explain);
		}
	}
	return all;
}

/* The recorded check of that name, or NULL. */
static const struct labrun_check *recorded(const struct labrun *run, const char *name)
{
	for (size_t i = 0; i < run->ncheck; i++)
		if (!strcmp(run->check[i].name, name))
			return &run->check[i];
	return NULL;
}

/*
 * A run record judged again (labrun_rejudge()) against the lab and variant it names, found
 * in this tree. Exit status 0 when every check passed and every verdict judged again is
 * the one the run gave; 1 otherwise.
 */
static int check_record(const char *file)
{
	struct record *rec = NULL;
	struct labrun_check *again = NULL;
	struct lab *labs = NULL;
	const struct lab *lab = NULL;
	const struct lab_variant *v;
	struct paths p;
	size_t nlabs, nagain = 0, differ = 0;
	char err[1024];
	bool all = true;
	int status = 1;

	if (record_read(file, &rec, err, sizeof err) < 0) {
		fprintf(stderr, "tcplab: %s\n", err);
		return 1;
	}
	if (rec->kind != RECORD_RUN) {
		fprintf(stderr, _("tcplab: '%s' is a grade's record: its checks sum up several runs, so"
		        " it cannot be judged again ('tcplab inspect' shows it)\n"), file);
		goto out;
	}
	if (cli_labs(&p, &labs, &nlabs) < 0)
		goto out;
	for (size_t i = 0; i < nlabs && !lab; i++)
		if (!strcmp(labs[i].slug, rec->lab_slug))
			lab = &labs[i];
	v = lab ? lab_variant_find(lab, rec->variant) : NULL;
	if (!v) {
		fprintf(stderr, _("tcplab: '%s' is a run of lab '%s', variant '%s', which this tree does"
		        " not have ('tcplab list' shows what it has)\n"), file, rec->lab_slug,
		        rec->variant);
		goto out;
	}
	if (labrun_rejudge(rec->run, rec->ft, lab, v, &again, &nagain, err, sizeof err) < 0) {
		fprintf(stderr, _("tcplab: cannot judge '%s' again: %s\n"), file, err);
		goto out;
	}
	printf(_("run of lab %d (%s), variant %s, seed %llu: %zu checks judged again from the"
	       " record\n"), lab->number, lab->slug, v->name, (unsigned long long)rec->run->seed,
	       nagain);
	for (size_t i = 0; i < nagain; i++) {
		const struct labrun_check *was = recorded(rec->run, again[i].name);

		all &= again[i].r.verdict == EXPECT_PASS;
		printf("%s  %s", _(expect_verdict_str(again[i].r.verdict)), again[i].name);
		if (!was || was->r.verdict != again[i].r.verdict) {
			differ++;
			printf(_("  (the run said %s)"), was ? _(expect_verdict_str(was->r.verdict)) :
			       _("nothing: it had no such check"));
		}
		printf("\n");
		if (again[i].r.verdict != EXPECT_PASS)
			print_wrapped(again[i].r.explain);
	}
	printf(_("as recorded (they need the live programs):\n"));
	for (size_t i = 0; i < rec->run->ncheck; i++) {
		const struct labrun_check *k = &rec->run->check[i];
		bool judged = false;

		for (size_t j = 0; j < nagain && !judged; j++)
			judged = !strcmp(again[j].name, k->name);
		if (judged)
			continue;
		all &= k->r.verdict == EXPECT_PASS;
		printf("%s  %s\n", _(expect_verdict_str(k->r.verdict)), k->name);
		if (k->r.verdict != EXPECT_PASS)
			print_wrapped(k->r.explain);
	}
	if (differ)
		printf(_("%zu of %zu verdicts differ from the run's\n"), differ, nagain);
	else
		printf(_("every verdict judged again is the run's\n"));
	status = all && !differ ? 0 : 1;
out:
	free(again);
	free(labs);
	record_free(rec);
	return status;
}

int cmd_check(int argc, char **argv)
{
	const char *file = NULL, *specpath = NULL;
	long only = -1;
	bool help = false;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			help = true;    /* after every option: a --lang after --help still counts */
		} else if (!strcmp(argv[i], "--lang") || !strncmp(argv[i], "--lang=", 7)) {
			const char *word = argv[i] + 6, *lang;
			int st;

			if (*word == '=')
				word++;
			else if (++i == argc) {
				fprintf(stderr, _("tcplab: check: --lang needs a language (%s)\n"),
				        lang_list());
				return usage(false);
			} else
				word = argv[i];
			st = cli_lang(word, &lang);
			if (st)
				return st;
		} else if (!strcmp(argv[i], "--conn")) {
			char *end;
			if (++i == argc) {
				fprintf(stderr, _("tcplab: check: --conn needs a connection number\n"));
				return usage(false);
			}
			errno = 0;
			only = strtol(argv[i], &end, 10);
			if (errno || end == argv[i] || *end || only < 0 || only > UINT32_MAX) {
				fprintf(stderr, _("tcplab: check: '%s' is not a connection number\n"), argv[i]);
				return usage(false);
			}
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, _("tcplab: check: unknown option '%s'\n"), argv[i]);
			return usage(false);
		} else if (!file) {
			file = argv[i];
		} else if (!specpath) {
			specpath = argv[i];
		} else {
			fprintf(stderr, _("tcplab: check: too many arguments ('%s')\n"), argv[i]);
			return usage(false);
		}
	}
	if (help)
		return usage(true);
	if (file && !specpath && only < 0 && strcmp(file, "-") && record_probe(file))
		return check_record(file);
	if (!file || !specpath)
		return usage(false);

	char err[512];
	struct expect_spec *spec = NULL;
	struct capfile cap = { 0 };
	struct expect_result *res = NULL;
	int status = 1;

	if (expect_load(specpath, &spec, err, sizeof err) < 0) {
		fprintf(stderr, "tcplab: %s\n", err);
		return 1;
	}
	if (capfile_load(file, only, MAX_SEGS, &cap, err, sizeof err) < 0) {
		fprintf(stderr, "tcplab: %s\n", err);
		goto out;
	}
	if (cap.read_error[0]) {
		/* Judge what was read, but nothing in it can fail for sure. */
		fprintf(stderr, _("tcplab: %s: %s (checking the %lu packets before it)\n"), file,
		        cap.read_error, (unsigned long)cap.frames);
	}
	size_t nconn = flow_count(cap.ft);
	if (nconn == 0) {
		fprintf(stderr, _("tcplab: %s: no TCP connection in the capture\n"), file);
		goto out;
	}
	if (only >= 0 && (size_t)only >= nconn) {
		fprintf(stderr, _("tcplab: %s: no connection %ld (the capture has %zu, numbered from 0)\n"),
		        file, only, nconn);
		goto out;
	}
	res = calloc(expect_ncheck(spec), sizeof *res);
	if (!res) {
		fprintf(stderr, _("tcplab: out of memory\n"));
		goto out;
	}
	bool all = true;
	for (size_t i = 0; i < nconn; i++) {
		if (only >= 0 && i != (size_t)only)
			continue;
		const struct flow_conn *fc = flow_get(cap.ft, i);
		if (only < 0 && i > 0)
			printf("\n");
		all &= check_conn(spec, fc, capfile_conn(&cap, fc->id), cap.read_error[0], res);
	}
	status = all ? 0 : 1;
out:
	free(res);
	capfile_release(&cap);
	expect_free(spec);
	return status;
}
