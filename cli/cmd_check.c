/* summary: 'tcplab check FILE SPEC [--conn N]': match the connections of a capture against an expected-sequence file. */
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

/*
 * The whole capture goes through dissect -> flow once; the segments of each connection are
 * kept (without payload) because the matcher needs them all at once. A connection keeps at
 * most MAX_SEGS segments: past that its checks are judged on what was kept and marked
 * incomplete, so a huge capture cannot exhaust memory nor yield a wrong FAIL.
 */
#define MAX_SEGS (1u << 20)
#define WRAP 78
#define INDENT 6

static const char usage_text[] =
	"usage: tcplab check FILE SPEC [--conn N]\n"
	"\n"
	"Matches every TCP connection of the pcap/pcapng FILE (or only connection N, numbered\n"
	"as 'tcplab inspect --stats' numbers them) against the expected-sequence file SPEC\n"
	"(docs/expect-format.md) and prints one line per check: PASS, FAIL or inconclusive,\n"
	"with the reason under every check that did not pass.\n"
	"\n"
	"A connection whose capture lost segments (an ACK for data that was never captured)\n"
	"cannot be judged: its failing checks are reported as inconclusive.\n"
	"\n"
	"Exit status: 0 if every check of every matched connection passed, 1 otherwise or on\n"
	"an unreadable file, 2 on a usage error.\n";

static int usage(bool help)
{
	fputs(usage_text, help ? stdout : stderr);
	return help ? 0 : 2;
}

/* Print text word-wrapped at WRAP columns, every line indented by INDENT spaces. */
static void print_wrapped(const char *text)
{
	const char *s = text;
	while (*s) {
		size_t room = WRAP - INDENT, n = strlen(s);
		if (n > room) {
			size_t cut = room;
			/* Never between a number and its unit: "+0.812 ms" stays on one line. */
			while (cut > 0 && (s[cut] != ' ' || !strncmp(s + cut + 1, "ms", 2)))
				cut--;
			n = cut ? cut : room;
		}
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
	printf("connection %" PRIu32 ": %s > %s, %zu segments\n", fc->id, cl, sv, cs->nseg);
	if (lost)
		printf("      note: the capture missed segments of this connection (an ACK for data "
		       "it never saw)\n");
	if (cs->truncated)
		printf("      note: only the first %u segments were checked\n", MAX_SEGS);
	if (expect_match(spec, fc, cs->seg, cs->nseg, incomplete, res) < 0) {
		printf("      cannot match: out of memory\n");
		return false;
	}
	bool all = true;
	for (size_t i = 0; i < expect_ncheck(spec); i++) {
		printf("%s  %s\n", expect_verdict_str(res[i].verdict), expect_check_name(spec, i));
		if (res[i].verdict != EXPECT_PASS) {
			all = false;
			print_wrapped(res[i].explain);
		}
	}
	return all;
}

int cmd_check(int argc, char **argv)
{
	const char *file = NULL, *specpath = NULL;
	long only = -1;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return usage(true);
		if (!strcmp(argv[i], "--conn")) {
			char *end;
			if (++i == argc) {
				fprintf(stderr, "tcplab: check: --conn needs a connection number\n");
				return usage(false);
			}
			errno = 0;
			only = strtol(argv[i], &end, 10);
			if (errno || end == argv[i] || *end || only < 0 || only > UINT32_MAX) {
				fprintf(stderr, "tcplab: check: '%s' is not a connection number\n", argv[i]);
				return usage(false);
			}
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "tcplab: check: unknown option '%s'\n", argv[i]);
			return usage(false);
		} else if (!file) {
			file = argv[i];
		} else if (!specpath) {
			specpath = argv[i];
		} else {
			fprintf(stderr, "tcplab: check: too many arguments ('%s')\n", argv[i]);
			return usage(false);
		}
	}
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
		fprintf(stderr, "tcplab: %s: %s (checking the %" PRIu32 " packets before it)\n", file,
		        cap.read_error, cap.frames);
	}
	size_t nconn = flow_count(cap.ft);
	if (nconn == 0) {
		fprintf(stderr, "tcplab: %s: no TCP connection in the capture\n", file);
		goto out;
	}
	if (only >= 0 && (size_t)only >= nconn) {
		fprintf(stderr, "tcplab: %s: no connection %ld (the capture has %zu, numbered from 0)\n",
		        file, only, nconn);
		goto out;
	}
	res = calloc(expect_ncheck(spec), sizeof *res);
	if (!res) {
		fprintf(stderr, "tcplab: out of memory\n");
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
