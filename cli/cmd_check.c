/* summary: 'tcplab check FILE SPEC [--conn N]': match the connections of a capture against an expected-sequence file. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "capture/dissect.h"
#include "capture/expect.h"
#include "capture/flow.h"
#include "capture/pcapio.h"
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

struct conn_segs {
	struct flow_seg *v;
	size_t n, cap;
	bool truncated;
};

struct capture {
	struct conn_segs *c;
	size_t nconn;
	bool read_error;
	struct flow_table *ft;
};

static int usage(bool help)
{
	fputs(usage_text, help ? stdout : stderr);
	return help ? 0 : 2;
}

static int keep(struct capture *cap, const struct tcp_segment *seg, const struct flow_info *fi)
{
	uint32_t id = fi->conn->id;
	if (id >= cap->nconn) {
		size_t n = (size_t)id + 1;
		struct conn_segs *c = realloc(cap->c, n * sizeof *c);
		if (!c)
			return -1;
		memset(c + cap->nconn, 0, (n - cap->nconn) * sizeof *c);
		cap->c = c;
		cap->nconn = n;
	}
	struct conn_segs *cs = &cap->c[id];
	if (cs->n == MAX_SEGS) {
		cs->truncated = true;
		return 0;
	}
	if (cs->n == cs->cap) {
		size_t ncap = cs->cap ? cs->cap * 2 : 64;
		struct flow_seg *v = realloc(cs->v, ncap * sizeof *v);
		if (!v)
			return -1;
		cs->v = v;
		cs->cap = ncap;
	}
	struct flow_seg *fs = &cs->v[cs->n++];
	fs->seg = *seg;
	fs->seg.payload = NULL;         /* points into libpcap's buffer, gone after the next read */
	fs->dir = fi->dir;
	fs->conn_id = id;
	fs->rel_seq = fi->rel_seq;
	fs->rel_ack = fi->rel_ack;
	fs->win_scaled = fi->win_scaled;
	fs->analysis = fi->analysis;
	return 0;
}

/* Read the whole capture; -1 if it cannot be read at all (message printed). */
static int read_capture(const char *path, long only, struct capture *cap)
{
	char err[512];
	struct pcapin *in = pcapin_open(path, err, sizeof err);
	if (!in) {
		fprintf(stderr, "tcplab: %s\n", err);
		return -1;
	}
	cap->ft = flow_new();
	if (!cap->ft) {
		fprintf(stderr, "tcplab: %s: out of memory\n", path);
		pcapin_free(in);
		return -1;
	}
	int dlt = pcapin_dlt(in), rc;
	const uint8_t *pkt;
	size_t caplen, wirelen;
	uint64_t ts;
	uint32_t frame = 0;
	while ((rc = pcapin_next(in, &pkt, &caplen, &wirelen, &ts)) == 1) {
		struct tcp_segment seg;
		struct flow_info fi;
		frame++;
		if (dissect_packet(dlt, pkt, caplen, &seg, err, sizeof err) != DISSECT_TCP)
			continue;
		seg.frame = frame;
		seg.ts_ns = ts;
		if (flow_track(cap->ft, &seg, &fi) < 0 ||
		    ((only < 0 || fi.conn->id == (uint32_t)only) && keep(cap, &seg, &fi) < 0)) {
			fprintf(stderr, "tcplab: %s: out of memory at packet %" PRIu32 "\n", path, frame);
			pcapin_free(in);
			return -1;
		}
	}
	if (rc < 0) {
		/* Judge what was read, but nothing in it can fail for sure. */
		fprintf(stderr, "tcplab: %s: %s (checking the %" PRIu32 " packets before it)\n", path,
		        pcapin_error(in), frame);
		cap->read_error = true;
	}
	pcapin_free(in);
	return 0;
}

static void endpoint_str(const struct flow_conn *c, int side, char *buf, size_t len)
{
	struct tcp_segment tmp;
	char a[64];

	memset(&tmp, 0, sizeof tmp);
	tmp.family = c->family;
	memcpy(tmp.src, c->side[side].addr, sizeof tmp.src);
	dissect_addr_str(&tmp, true, a, sizeof a);
	snprintf(buf, len, c->family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, c->side[side].port);
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
                       const struct conn_segs *cs, bool read_error, struct expect_result *res)
{
	char cl[96], sv[96];
	bool lost = fc->analysis_count[EXPERT_I_ACK_LOST_SEGMENT] > 0;
	bool incomplete = read_error || cs->truncated || lost;

	endpoint_str(fc, FLOW_C2S, cl, sizeof cl);
	endpoint_str(fc, FLOW_S2C, sv, sizeof sv);
	printf("connection %" PRIu32 ": %s > %s, %zu segments\n", fc->id, cl, sv, cs->n);
	if (lost)
		printf("      note: the capture missed segments of this connection (an ACK for data "
		       "it never saw)\n");
	if (cs->truncated)
		printf("      note: only the first %u segments were checked\n", MAX_SEGS);
	if (expect_match(spec, fc, cs->v, cs->n, incomplete, res) < 0) {
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
	struct capture cap = { 0 };
	struct expect_result *res = NULL;
	int status = 1;

	if (expect_load(specpath, &spec, err, sizeof err) < 0) {
		fprintf(stderr, "tcplab: %s\n", err);
		return 1;
	}
	if (read_capture(file, only, &cap) < 0)
		goto out;
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
		static const struct conn_segs none;
		const struct flow_conn *fc = flow_get(cap.ft, i);
		const struct conn_segs *cs = fc->id < cap.nconn ? &cap.c[fc->id] : &none;
		if (only < 0 && i > 0)
			printf("\n");
		all &= check_conn(spec, fc, cs, cap.read_error, res);
	}
	status = all ? 0 : 1;
out:
	free(res);
	for (size_t i = 0; i < cap.nconn; i++)
		free(cap.c[i].v);
	free(cap.c);
	if (cap.ft)
		flow_free(cap.ft);
	expect_free(spec);
	return status;
}
