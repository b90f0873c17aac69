/* summary: 'tcplab inspect': a capture's TCP segments as TSV, or its connections as a summary. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "capture/dissect.h"
#include "capture/expert.h"
#include "capture/flow.h"
#include "capture/pcapio.h"
#include "capture/pktindex.h"
#include "cli/cli.h"
#include "cli/ladder.h"
#include "engine/labrun.h"
#include "engine/record.h"
#include "tui/tui.h"

/*
 * Streaming: one packet at a time through dissect -> flow -> expert, so memory grows with
 * connections, never with packets. The TSV line is built in a stack buffer with the small
 * appenders below and written with one fwrite (stdout has a 1 MiB buffer); --stats prints
 * nothing per packet.
 */

enum mode { MODE_TUI, MODE_TSV, MODE_STATS, MODE_INDEX, MODE_LADDER };

static void usage(FILE *out)
{
	fputs(_(
	"usage: tcplab inspect [--tsv | --stats | --ladder | --index-only | --theme NAME]\n"
	"                      FILE\n"
	"\n"
	"Read a pcap or pcapng file (\"-\" for standard input) and show its TCP traffic.\n"
	"A run record ('tcplab run N --record FILE', 'tcplab grade N --record FILE') is\n"
	"shown as 'tcplab run' showed the run: the ladder of both programs' socket\n"
	"calls, their output and the segments, then the checks; --tsv and --stats show\n"
	"its packets; on a terminal it opens in the TUI as the run did, on its ladder.\n"
	"On a terminal, without --tsv or --stats, it opens in the TUI: the segment list,\n"
	"every field of the selected segment in plain words, the ladder ('a'), the\n"
	"stream ('f') and a display filter ('/': BPF or Wireshark's fields); '?' lists\n"
	"the keys.\n"
	"\n"
	"  --tsv    one line per TCP segment (the default), tab-separated: frame number,\n"
	"           seconds since the first packet, source address and port, destination\n"
	"           address and port, flags (tcpdump's S . P F R), relative seq and ack\n"
	"           (ack '-' without the ACK flag), payload length, window as Wireshark\n"
	"           calculates it (scaled), and Wireshark's analysis labels or '-'\n"
	"  --stats  one line per connection (packets and bytes each way, how it began and\n"
	"           ended, each side's final state, analysis counts), then capture totals\n"
	"  --ladder a run record's ladder and checks (the default for a record when\n"
	"           not on a terminal)\n"
	"  --index-only  build the TUI's index of the file and say how long the first\n"
	"           screen and the whole file took (for 'make bench')\n"
	), out);
	fputs(_(CLI_THEME_HELP), out);
	fputs(_("  --help   this text\n"
	        "\n"
	        "Non-TCP packets are skipped; a damaged TCP packet is listed as 'malformed'.\n"), out);
}

/* A line of output. 2 KiB holds the longest --stats line (two IPv6 endpoints, 20-digit
 * counters, every analysis label with a 20-digit count: about 1,100 bytes); the appenders
 * cut there rather than overflow. Callers set n = 0 rather than zero-fill b. */
struct line {
	char b[2048];
	size_t n;
};

/* Output buffer for the listing: lines are copied in and written 64 KiB at a time. */
struct outbuf {
	FILE *f;
	size_t n;
	bool err;
	char b[1 << 16];
};

static void ob_flush(struct outbuf *o)
{
	if (o->n && fwrite(o->b, 1, o->n, o->f) != o->n)
		o->err = true;
	o->n = 0;
}

static void ob_line(struct outbuf *o, const struct line *l)
{
	if (sizeof o->b - o->n < l->n)
		ob_flush(o);
	memcpy(o->b + o->n, l->b, l->n);
	o->n += l->n;
}

static void put_s(struct line *l, const char *s)
{
	size_t k = strlen(s);
	if (k > sizeof l->b - 1 - l->n)
		k = sizeof l->b - 1 - l->n;
	memcpy(l->b + l->n, s, k);
	l->n += k;
}

static void put_c(struct line *l, char c)
{
	if (l->n < sizeof l->b - 1)
		l->b[l->n++] = c;
}

static void put_u(struct line *l, uint64_t v)
{
	char t[24];
	int i = 0;
	do {
		t[i++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (i)
		put_c(l, t[--i]);
}

static void put_i(struct line *l, int64_t v)
{
	if (v < 0) {
		put_c(l, '-');
		put_u(l, (uint64_t)0 - (uint64_t)v);
	} else {
		put_u(l, (uint64_t)v);
	}
}

/* Seconds with 6 decimals, rounded to the microsecond as tshark rounds. */
static void put_time(struct line *l, uint64_t ts, uint64_t first)
{
	uint64_t d = ts >= first ? ts - first : first - ts;
	uint64_t us = (d + 500) / 1000;
	if (ts < first && us)
		put_c(l, '-');
	put_u(l, us / 1000000);
	put_c(l, '.');
	char frac[7];
	uint64_t f = us % 1000000;
	for (int i = 5; i >= 0; i--) {
		frac[i] = (char)('0' + f % 10);
		f /= 10;
	}
	frac[6] = '\0';
	put_s(l, frac);
}

static void put_endpoints(struct line *l, const struct tcp_segment *s, bool ports)
{
	char a[64];
	bool have = s->family == AF_INET || s->family == AF_INET6;
	put_s(l, have ? dissect_addr_str(s, true, a, sizeof a) : "-");
	put_c(l, '\t');
	if (ports)
		put_u(l, s->sport);
	else
		put_c(l, '-');
	put_c(l, '\t');
	put_s(l, have ? dissect_addr_str(s, false, a, sizeof a) : "-");
	put_c(l, '\t');
	if (ports)
		put_u(l, s->dport);
	else
		put_c(l, '-');
	put_c(l, '\t');
}

static void tsv_segment(struct outbuf *out, const struct tcp_segment *s, const struct flow_info *fi,
                        uint64_t first)
{
	struct line l;
	l.n = 0;
	char buf[256];

	put_u(&l, s->frame);
	put_c(&l, '\t');
	put_time(&l, s->ts_ns, first);
	put_c(&l, '\t');
	put_endpoints(&l, s, true);
	put_s(&l, dissect_flags_str(s->flags, buf, sizeof buf));
	put_c(&l, '\t');
	put_u(&l, fi->rel_seq);
	put_c(&l, '\t');
	if (s->flags & TCP_ACK)
		put_u(&l, fi->rel_ack);
	else
		put_c(&l, '-');
	put_c(&l, '\t');
	put_u(&l, s->len);
	put_c(&l, '\t');
	put_i(&l, fi->win_scaled);
	put_c(&l, '\t');
	put_s(&l, expert_str(fi->analysis, buf, sizeof buf));
	put_c(&l, '\n');
	ob_line(out, &l);
}

/* A damaged packet: where it came from when known, '-' for the rest. */
static void tsv_malformed(struct outbuf *out, const struct tcp_segment *s, uint64_t first)
{
	struct line l;
	l.n = 0;

	put_u(&l, s->frame);
	put_c(&l, '\t');
	put_time(&l, s->ts_ns, first);
	put_c(&l, '\t');
	put_endpoints(&l, s, s->family && (s->sport || s->dport));
	put_s(&l, "-\t-\t-\t-\t-\t");
	put_s(&l, expert_labels[EXPERT_I_MALFORMED].name);
	put_c(&l, '\n');
	ob_line(out, &l);
}

static const char *role(int dir)
{
	return dir == FLOW_C2S ? "client" : "server";
}

/* One side of a connection as flow_endpoint_str() writes it; IPv4 without printf. */
static void put_endpoint(struct line *l, const struct flow_conn *c, enum flow_dir side)
{
	const struct flow_side *sd = &c->side[side];
	if (c->family != AF_INET) {
		char b[80];
		put_s(l, flow_endpoint_str(c, side, b, sizeof b));
		return;
	}
	for (int i = 0; i < 4; i++) {
		put_u(l, sd->addr[i]);
		put_c(l, i < 3 ? '.' : ':');
	}
	put_u(l, sd->port);
}

/*
 * One connection's line, built with the appenders above and written with one fwrite:
 * on a capture of 30,000 connections fprintf and flow_endpoint_str's snprintf were 6% of
 * 'inspect --stats'. The text is the same, byte for byte, as the fprintf it replaced.
 */
static void stats_conn(FILE *out, const struct flow_conn *c)
{
	struct line line, *l = &line;
	const struct flow_side *a = &c->side[FLOW_C2S], *b = &c->side[FLOW_S2C];

	l->n = 0;
	put_s(l, "conn ");
	put_u(l, c->id);
	put_s(l, "  ");
	put_endpoint(l, c, FLOW_C2S);
	put_s(l, " -> ");
	put_endpoint(l, c, FLOW_S2C);
	put_s(l, "  client ");
	put_u(l, a->packets);
	put_s(l, " pkts ");
	put_u(l, a->bytes);
	put_s(l, " bytes, server ");
	put_u(l, b->packets);
	put_s(l, " pkts ");
	put_u(l, b->bytes);
	put_s(l, " bytes  began ");
	put_s(l, c->saw_syn ? "handshake" : "mid-stream");
	put_s(l, "  ended ");
	if (c->first_fin >= 0) {
		put_s(l, "FIN from ");
		put_s(l, role(c->first_fin));
		put_s(l, " first");
		if (c->first_rst >= 0) {
			put_s(l, ", then RST from ");
			put_s(l, role(c->first_rst));
		}
	} else if (c->first_rst >= 0) {
		put_s(l, "RST from ");
		put_s(l, role(c->first_rst));
	} else {
		put_s(l, "still open");
	}
	put_s(l, "  client ");
	put_s(l, flow_state_name(a->state));
	put_s(l, ", server ");
	put_s(l, flow_state_name(b->state));
	put_s(l, "  analysis ");
	bool any = false;
	for (int i = 0; i < EXPERT_NLABELS; i++) {
		uint64_t n = c->analysis_count[i] + (i == EXPERT_I_MALFORMED ? c->malformed : 0);
		if (!n)
			continue;
		if (any)
			put_c(l, ',');
		put_s(l, expert_labels[i].name);
		put_c(l, '=');
		put_u(l, n);
		any = true;
	}
	put_s(l, any ? "\n" : "-\n");
	fwrite(l->b, 1, l->n, out);
}

static int inspect_tui(const char *path, int theme)
{
	struct tui_opts o = { .mode = TUI_INSPECT, .path = path, .theme = (enum tui_theme)theme };
	char err[1024] = "";

	if (tui_main(&o, err, sizeof err) < 0) {
		fprintf(stderr, "tcplab: %s\n", err);
		return 1;
	}
	return 0;
}

/* A run record, shown as the run was: its header, the ladder, the checks. */
static int show_record(const char *path)
{
	struct record *rec;
	char err[1024];
	const struct labrun *run;

	if (record_read(path, &rec, err, sizeof err) < 0) {
		fprintf(stderr, "tcplab: %s\n", err);
		return 1;
	}
	run = rec->run;
	/* Two whole sentences, not "grade"/"run" glued in: a translation words each its own way. */
	printf(rec->kind == RECORD_GRADE
	       ? _("grade of lab %d: %s\nvariant %s, seed %llu, scenario %d\n\n")
	       : _("run of lab %d: %s\nvariant %s, seed %llu, scenario %d\n\n"),
	       rec->lab_number, rec->lab_title, rec->variant, (unsigned long long)run->seed,
	       run->scenario);
	ladder_print(stdout, run);
	ladder_print_kernel(stdout, run);
	ladder_print_checks(stdout, run);
	if (rec->kind == RECORD_GRADE)
		printf(_("score %g of %g\n"), rec->score, rec->max);
	record_free(rec);
	if (fflush(stdout) != 0) {
		fprintf(stderr, _("tcplab: cannot write the ladder to standard output\n"));
		return 1;
	}
	return 0;
}

static double secs(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* What the TUI does before its first screen, then the rest of the file, timed. */
static int index_only(const char *path)
{
	char err[512];
	double t0 = secs(), t1;
	struct pktindex *ix = pktindex_open(path, err, sizeof err);
	int r;

	if (!ix) {
		fprintf(stderr, "tcplab: %s\n", err);
		return 1;
	}
	r = pktindex_step(ix, 2000, err, sizeof err);
	t1 = secs();
	while (r > 0)
		r = pktindex_step(ix, 50000, err, sizeof err);
	if (r < 0) {
		fprintf(stderr, "tcplab: %s: %s\n", path, err);
		pktindex_free(ix);
		return 1;
	}
	/* English always: bench/run.sh reads 'first screen N s' from this line. */
	printf("indexed %zu segments of %u packets: first screen %.3f s, whole file %.3f s, "
	       "%zu bytes a segment%s%s\n", pktindex_count(ix), pktindex_frames(ix), t1 - t0,
	       secs() - t0, sizeof(struct pktindex_ent), pktindex_error(ix)[0] ? "; " : "",
	       pktindex_error(ix));
	pktindex_free(ix);
	return 0;
}

int cmd_inspect(int argc, char **argv)
{
	enum mode mode = MODE_TUI;
	const char *path = NULL;
	int rc = 1, theme = TUI_THEME_DEFAULT;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--tsv")) {
			mode = MODE_TSV;
		} else if (!strcmp(argv[i], "--stats")) {
			mode = MODE_STATS;
		} else if (!strcmp(argv[i], "--index-only")) {
			mode = MODE_INDEX;
		} else if (!strcmp(argv[i], "--ladder")) {
			mode = MODE_LADDER;
		} else if (!strcmp(argv[i], "--theme")) {
			if ((rc = cli_theme(i + 1 < argc ? argv[++i] : NULL, &theme)))
				return rc;
			rc = 1;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, _("tcplab: inspect: unknown option '%s'\n"), argv[i]);
			usage(stderr);
			return 2;
		} else if (path) {
			fprintf(stderr, _("tcplab: inspect: one file at a time ('%s' and '%s')\n"), path,
			        argv[i]);
			usage(stderr);
			return 2;
		} else {
			path = argv[i];
		}
	}
	if (!path) {
		fprintf(stderr, _("tcplab: inspect: no capture file given\n"));
		usage(stderr);
		return 2;
	}

	if (mode == MODE_INDEX)
		return index_only(path);
	if (mode == MODE_LADDER)
		return show_record(path);
	if (mode == MODE_TUI) {
		if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) && strcmp(path, "-"))
			return inspect_tui(path, theme);
		/* A record is shown as its run was; any other file as segments. */
		if (strcmp(path, "-") && record_probe(path))
			return show_record(path);
		mode = MODE_TSV;
	}

	char err[256];
	struct pcapin *in = pcapin_open(path, err, sizeof err);
	if (!in) {
		fprintf(stderr, "tcplab: %s: %s\n", path, err);
		return 1;
	}
	struct flow_table *ft = flow_new();
	struct outbuf *ob = malloc(sizeof *ob);
	if (!ft || !ob) {
		fprintf(stderr, _("tcplab: %s: out of memory\n"), path);
		flow_free(ft);
		free(ob);
		pcapin_free(in);
		return 1;
	}
	ob->f = stdout;
	ob->n = 0;
	ob->err = false;
	if (mode == MODE_TSV)
		fputs("# no\ttime\tsrc\tsport\tdst\tdport\tflags\tseq\tack\tlen\twin\tanalysis\n", stdout);

	int dlt = pcapin_dlt(in);
	uint64_t npkt = 0, ntcp = 0, nother = 0, nbad = 0, first = 0;
	const uint8_t *pkt;
	size_t caplen, wirelen;
	uint64_t ts;
	int r;
	struct tcp_segment seg;
	struct flow_info fi;

	while ((r = pcapin_next(in, &pkt, &caplen, &wirelen, &ts)) == 1) {
		if (npkt++ == 0)
			first = ts;
		seg.frame = (uint32_t)npkt;
		seg.ts_ns = ts;
		int d = dissect_packet(dlt, pkt, caplen, &seg, NULL, 0);
		if (d == DISSECT_NOT_TCP) {
			nother++;
			continue;
		}
		if (d == DISSECT_MALFORMED) {
			nbad++;
			flow_malformed(ft, &seg);
			if (mode == MODE_TSV)
				tsv_malformed(ob, &seg, first);
			continue;
		}
		ntcp++;
		if (flow_track(ft, &seg, &fi) < 0) {
			fprintf(stderr, _("tcplab: %s: out of memory at frame %llu\n"), path,
			        (unsigned long long)npkt);
			goto out;
		}
		if (mode == MODE_TSV)
			tsv_segment(ob, &seg, &fi, first);
	}
	ob_flush(ob);
	if (mode == MODE_STATS) {
		for (size_t i = 0; i < flow_count(ft); i++)
			stats_conn(stdout, flow_get(ft, i));
		printf("total  %llu packets, %llu TCP segments, %llu non-TCP, %llu malformed, "
		       "%zu connections\n", (unsigned long long)npkt, (unsigned long long)ntcp,
		       (unsigned long long)nother, (unsigned long long)nbad, flow_count(ft));
	}
	if (r < 0) {
		fflush(stdout);
		fprintf(stderr, "tcplab: %s: %s\n", path, pcapin_error(in));
		goto out;
	}
	rc = 0;
out:
	ob_flush(ob);
	if ((fflush(stdout) != 0 || ob->err) && rc == 0) {
		fprintf(stderr, _("tcplab: cannot write the listing to standard output\n"));
		rc = 1;
	}
	free(ob);
	flow_free(ft);
	pcapin_free(in);
	return rc;
}
