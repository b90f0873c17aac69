/* summary: tests of dfilter: Wireshark fields select what the same BPF, the golden TSVs (tshark's view) and tshark itself select. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <ctype.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/dfilter.h"
#include "capture/dissect.h"
#include "capture/expert.h"
#include "capture/pktindex.h"
#include "tests/lib/tcplab_run.h"

/*
 * Every count is over the real captures of tests/captures/, each segment filtered as the
 * TUI filters it: its frame's bytes plus what the index says of it (dfilter_seg). The
 * golden TSVs were written from tshark's output (tests/captures/tshark2tsv.py), so a count
 * against them is a count against Wireshark's reading even where tshark is not installed.
 */

static const char *const captures[] = {
	"client_close_first", "dup_ack", "half_close", "ipv6", "keepalive", "midstream",
	"port_reuse", "refused", "retransmission", "rst_unread", "server_close_first",
	"zero_window",
};
#define NCAP (sizeof captures / sizeof captures[0])

static struct pktindex *index_all(const char *name)
{
	char path[1024], err[512];
	struct pktindex *ix;
	int r;

	snprintf(path, sizeof path, "%s/tests/captures/%s.pcap", test_root(), name);
	ix = pktindex_open(path, err, sizeof err);
	cr_assert_not_null(ix, "%s: %s", path, err);
	while ((r = pktindex_step(ix, 1000, err, sizeof err)) > 0)
		;
	cr_assert_eq(r, 0, "%s: %s", path, err);
	return ix;
}

static size_t count_ix(struct pktindex *ix, const char *expr, enum dfilter_kind *kind)
{
	struct dfilter *f;
	char err[1024];
	size_t n = 0;

	cr_assert_eq(dfilter_compile(expr, pktindex_dlt(ix), 0, &f, err, sizeof err), 0,
	             "'%s' does not compile: %s", expr, err);
	if (kind)
		*kind = dfilter_kind(f);
	for (size_t i = 0; i < pktindex_count(ix); i++) {
		const struct pktindex_ent *e = pktindex_get(ix, i);
		struct dfilter_seg sg = { e->frame, e->conn, e->rel_seq, e->rel_ack, e->win,
		                          e->analysis };
		size_t cl;
		const uint8_t *p = pktindex_packet(ix, i, &cl);
		n += dfilter_match(f, p, cl, cl, &sg);
	}
	dfilter_free(f);
	return n;
}

static size_t count(const char *capture, const char *expr, enum dfilter_kind *kind)
{
	struct pktindex *ix = index_all(capture);
	size_t n = count_ix(ix, expr, kind);

	pktindex_free(ix);
	return n;
}

/* Rows of the golden TSV whose column col (0-based) passes ok(). */
static size_t tsv_count(const char *capture, int col, bool (*ok)(const char *v, const void *arg),
                        const void *arg)
{
	char path[1024], *text, *save = NULL;
	size_t n = 0;

	snprintf(path, sizeof path, "%s/tests/captures/%s.tsv", test_root(), capture);
	text = test_slurp(path);
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[16], *s2 = NULL;
		int nf = 0;
		if (line[0] == '#')
			continue;
		for (char *t = strtok_r(line, "\t", &s2); t && nf < 16; t = strtok_r(NULL, "\t", &s2))
			f[nf++] = t;
		cr_assert_eq(nf, 12, "%s: a line of %d fields", path, nf);
		n += ok(f[col], arg);
	}
	free(text);
	return n;
}

static bool has_char(const char *v, const void *arg) { return strchr(v, *(const char *)arg) != NULL; }
static bool len_pos(const char *v, const void *arg) { (void)arg; return isdigit((unsigned char)v[0]) && atoi(v) > 0; }
static bool has_label(const char *v, const void *arg)
{
	char copy[256], *save = NULL;

	snprintf(copy, sizeof copy, "%s", v);
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
		if (!strcmp(t, arg))
			return true;
	return false;
}

/* Wireshark filter, BPF written by hand: each pair selects the same segments everywhere. */
static const char *const same[][2] = {
	{ "tcp.flags.syn == 1", "tcp[13] & 2 != 0 or ip6[53] & 2 != 0" },
	{ "tcp.flags.syn==1 && tcp.flags.ack==0", "tcp[13] & 0x12 == 2 or ip6[53] & 0x12 == 2" },
	{ "tcp.flags.fin == 1", "tcp[13] & 1 != 0 or ip6[53] & 1 != 0" },
	{ "tcp.flags.reset == 1", "tcp[13] & 4 != 0 or ip6[53] & 4 != 0" },
	{ "tcp.flags.push", "tcp[13] & 8 != 0 or ip6[53] & 8 != 0" },
	{ "tcp.flags.ack == 0", "tcp[13] & 16 == 0 or ip6[53] & 16 == 0" },
	{ "tcp.flags == 0x012", "tcp[13] == 0x12 or ip6[53] == 0x12" },
	{ "tcp.port == 8000", "tcp port 8000" },
	{ "tcp.srcport == 8000", "tcp src port 8000" },
	{ "tcp.dstport eq 8000", "tcp dst port 8000" },
	{ "tcp.port != 8000", "not tcp port 8000" },
	{ "tcp.srcport > 1024", "tcp[0:2] > 1024 or ip6[40:2] > 1024" },
	{ "tcp.port in {8000 9}", "tcp port 8000 or tcp port 9" },
	{ "tcp.port in {9, 8000}", "tcp port 8000 or tcp port 9" },
	{ "ip.addr == 127.0.0.1", "ip host 127.0.0.1" },
	{ "ip.src == 127.0.0.0/8", "ip src net 127.0.0.0/8" },
	{ "ip.dst != 10.0.0.1", "not ip dst host 10.0.0.1" },
	{ "ipv6.addr == ::1", "ip6 host ::1" },
	{ "tcp.len > 0", "ip[2:2] - ((ip[0] & 0xf) << 2) - ((tcp[12] & 0xf0) >> 2) > 0 or "
	                 "ip6[4:2] - ((ip6[52] & 0xf0) >> 2) > 0" },
	{ "tcp.len >= 5 and tcp.len <= 5", "ip[2:2] - ((ip[0] & 0xf) << 2) - "
	  "((tcp[12] & 0xf0) >> 2) == 5 or ip6[4:2] - ((ip6[52] & 0xf0) >> 2) == 5" },
	{ "tcp.window_size_value < 1000", "tcp[14:2] < 1000 or ip6[54:2] < 1000" },
	{ "!(tcp.flags.push == 1) && tcp.port == 8000", "not (tcp[13] & 8 != 0 or ip6[53] & 8 != 0) and tcp port 8000" },
	{ "not tcp.flags.ack == 1 or tcp.flags.fin == 1", "not (tcp[13] & 16 != 0 or "
	  "ip6[53] & 16 != 0) or tcp[13] & 1 != 0 or ip6[53] & 1 != 0" },
	/* "and" before "or": syn, or (fin and not ack) */
	{ "tcp.flags.syn == 1 || tcp.flags.fin == 1 && tcp.flags.ack == 0",
	  "tcp[13] & 2 != 0 or ip6[53] & 2 != 0 or tcp[13] & 0x11 == 1 or ip6[53] & 0x11 == 1" },
};

Test(dfilter, wireshark_fields_select_what_the_same_bpf_selects)
{
	size_t nonzero = 0;

	for (size_t c = 0; c < NCAP; c++) {
		struct pktindex *ix = index_all(captures[c]);
		for (size_t k = 0; k < sizeof same / sizeof same[0]; k++) {
			enum dfilter_kind kw, kb;
			size_t a = count_ix(ix, same[k][0], &kw), b = count_ix(ix, same[k][1], &kb);
			cr_expect_eq(kw, DFILTER_WIRESHARK, "'%s' was not read as Wireshark's", same[k][0]);
			cr_expect_eq(kb, DFILTER_BPF, "'%s' was not read as BPF", same[k][1]);
			cr_expect_eq(a, b, "%s: '%s' selects %zu segments, '%s' %zu", captures[c],
			             same[k][0], a, same[k][1], b);
			nonzero += a > 0 && a < pktindex_count(ix);
		}
		pktindex_free(ix);
	}
	/* Most pairs select some segments and not all: equal counts are not 0 = 0 alone. */
	cr_expect_gt(nonzero, NCAP * 6, "only %zu filters selected some but not all", nonzero);
}

Test(dfilter, flags_and_lengths_count_as_tshark_saw_them)
{
	static const struct { const char *expr; char flag; } fl[] = {
		{ "tcp.flags.syn == 1", 'S' }, { "tcp.flags.fin == 1", 'F' },
		{ "tcp.flags.reset == 1", 'R' }, { "tcp.flags.push == 1", 'P' },
		{ "tcp.flags.ack == 1", '.' },
	};

	for (size_t c = 0; c < NCAP; c++) {
		for (size_t k = 0; k < sizeof fl / sizeof fl[0]; k++) {
			size_t got = count(captures[c], fl[k].expr, NULL);
			size_t want = tsv_count(captures[c], 6, has_char, &fl[k].flag);
			cr_expect_eq(got, want, "%s: '%s' selects %zu, tshark saw %zu", captures[c],
			             fl[k].expr, got, want);
		}
		size_t got = count(captures[c], "tcp.len > 0", NULL);
		size_t want = tsv_count(captures[c], 9, len_pos, NULL);
		cr_expect_eq(got, want, "%s: 'tcp.len > 0' selects %zu, tshark saw %zu", captures[c],
		             got, want);
	}
	/* The IPv6 capture is where libpcap's tcp[] alone would select nothing. */
	cr_expect_gt(count("ipv6", "tcp.flags.syn == 1", NULL), 0);
}

Test(dfilter, analysis_fields_select_the_labels_tshark_gave)
{
	size_t seen = 0;

	for (size_t c = 0; c < NCAP; c++) {
		for (int l = 0; l <= EXPERT_I_KEEP_ALIVE_ACK; l++) {
			char expr[128];
			snprintf(expr, sizeof expr, "tcp.analysis.%s", expert_labels[l].name);
			size_t got = count(captures[c], expr, NULL);
			size_t want = tsv_count(captures[c], 11, has_label, expert_labels[l].name);
			cr_expect_eq(got, want, "%s: '%s' selects %zu, tshark saw %zu", captures[c], expr,
			             got, want);
			seen += got > 0;
		}
	}
	/* retransmission, duplicate_ack, out_of_order, window_update, zero_window, keep_alive... */
	cr_expect_geq(seen, 8, "the captures should show several labels, saw %zu", seen);
	cr_expect_eq(count("zero_window", "tcp.analysis.flags", NULL), 8);
	cr_expect_eq(count("retransmission", "tcp.analysis.retransmission && tcp.port == 8000", NULL), 2);
	cr_expect_eq(count("retransmission", "!tcp.analysis.retransmission", NULL), 10);
}

Test(dfilter, tcp_stream_is_the_connection_index)
{
	struct pktindex *ix = index_all("port_reuse");
	size_t total = 0;

	cr_assert_gt(flow_count(pktindex_flows(ix)), 1, "port_reuse should hold several connections");
	for (size_t s = 0; s < flow_count(pktindex_flows(ix)); s++) {
		char expr[64];
		size_t want = 0;
		snprintf(expr, sizeof expr, "tcp.stream == %zu", s);
		for (size_t i = 0; i < pktindex_count(ix); i++)
			want += pktindex_get(ix, i)->conn == s;
		size_t got = count_ix(ix, expr, NULL);
		cr_expect_eq(got, want, "'%s' selects %zu, the connection has %zu", expr, got, want);
		cr_expect_gt(got, 0);
		total += got;
	}
	cr_expect_eq(total, pktindex_count(ix));
	cr_expect_eq(count_ix(ix, "tcp.stream == 1 && tcp.flags.syn == 1", NULL), 2);
	pktindex_free(ix);
}

Test(dfilter, the_translation_is_shown)
{
	struct dfilter *f;
	char err[1024];

	cr_assert_eq(dfilter_compile("tcp.flags.syn==1", DLT_EN10MB, 0, &f, err, sizeof err), 0, "%s", err);
	cr_expect_str_eq(dfilter_expr(f), "tcp.flags.syn==1");
	cr_expect(strstr(dfilter_translation(f), "BPF: ") == dfilter_translation(f));
	cr_expect(strstr(dfilter_translation(f), "tcp[tcpflags] & tcp-syn != 0"), "%s",
	          dfilter_translation(f));
	dfilter_free(f);

	cr_assert_eq(dfilter_compile(" tcp.port == 8000 && tcp.analysis.retransmission ", DLT_RAW, 0,
	                             &f, err, sizeof err), 0, "%s", err);
	cr_expect_str_eq(dfilter_expr(f), "tcp.port == 8000 && tcp.analysis.retransmission");
	cr_expect_str_eq(dfilter_translation(f),
	                 "BPF and tcplab's analysis: tcp port 8000 and analysis(retransmission)");
	dfilter_free(f);

	cr_assert_eq(dfilter_compile("tcp port 8000", DLT_RAW, 0, &f, err, sizeof err), 0, "%s", err);
	cr_expect_eq(dfilter_kind(f), DFILTER_BPF);
	cr_expect_str_eq(dfilter_translation(f), "");
	dfilter_free(f);
}

Test(dfilter, bpf_is_taken_as_it_always_was)
{
	cr_expect_eq(count("client_close_first", "tcp[13] & 2 != 0", NULL), 2);
	cr_expect_eq(count("client_close_first", "tcp src port 8000 and tcp[13] & 8 != 0", NULL), 1);
	cr_expect_eq(count("client_close_first", "tcp.srcport == 8000 && tcp.flags.push == 1", NULL), 1);
}

/* Arrays, not pointers: Criterion hands parameters to another process. */
struct bad { char expr[200]; char says[40]; };

static const struct bad bads[] = {
	{ "tcp.prot == 80", "'tcp.prot' is not a field" },
	{ "tcp port", "syntax error" },
	{ "tcp.port ==", "value is missing" },
	{ "(tcp.port == 80", "missing ')'" },
	{ "tcp.port == 80)", "unbalanced ')'" },
	{ "tcp.flags.syn == 2", "0 or 1" },
	{ "ip.addr == 300.1.1.1", "not an IPv4 address" },
	{ "ip.addr > 10.0.0.1", "== or !=" },
	{ "tcp.analysis.retransmission == 1", "takes no value" },
	{ "tcp.port > 65535", "never match" },
	{ "tcp.port == 70000", "0-65535" },
	{ "tcp.len == x", "not a number" },
	{ "tcp.port in {}", "needs values" },
	{ "tcp.port in {80,, 81}", "needs values" },
	{ "tcp.port == 80 tcp.port == 81", "was not expected" },
	{ "", "empty" },
	{ "((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((tcp.port == 1))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))", "nested too deeply" },
};

ParameterizedTestParameters(dfilter, neither_reading_says_both_and_what_is_accepted)
{
	return cr_make_param_array(struct bad, (struct bad *)bads, sizeof bads / sizeof bads[0]);
}

ParameterizedTest(struct bad *b, dfilter, neither_reading_says_both_and_what_is_accepted)
{
	struct dfilter *f = (struct dfilter *)1;
	char err[1024] = "";

	cr_assert_eq(dfilter_compile(b->expr, DLT_EN10MB, 0, &f, err, sizeof err), -1,
	             "'%s' compiled", b->expr);
	cr_expect_null(f);
	cr_expect(strstr(err, b->says), "'%s': the message lacks '%s': %s", b->expr, b->says, err);
	cr_expect(islower((unsigned char)err[0]) || err[0] == '\'', "'%s': %s", b->expr, err);
	if (b->expr[0]) {
		cr_expect(strstr(err, "BPF"), "'%s': the message does not name BPF: %s", b->expr, err);
		cr_expect(strstr(err, "tcp.port") && strstr(err, "tcp.analysis"),
		          "'%s': the message does not list the fields: %s", b->expr, err);
	}
}

Test(dfilter, nothing_reaches_libpcap_as_typed_when_told_so)
{
	struct dfilter *f;
	char err[1024];

	cr_expect_eq(dfilter_compile("tcp port 80", DLT_EN10MB, DFILTER_NO_BPF, &f, err, sizeof err), -1);
	cr_expect_eq(dfilter_compile("tcp.port == 80", DLT_EN10MB, DFILTER_NO_BPF, &f, err, sizeof err), 0);
	dfilter_free(f);
}

/*
 * tshark itself, where it is installed: one pass per capture counts every filter at once
 * (-z io,stat with one column per filter). Each filter is given to tshark as "tcp && (F)":
 * tcplab filters TCP segments, tshark every frame. Where Wireshark knows more than tcplab,
 * the tshark side says so: tcplab has no label for "port numbers reused", which Wireshark
 * counts in tcp.analysis.flags.
 */
static const char *const vs_tshark[][2] = {
	{ "tcp.flags.syn == 1", NULL }, { "tcp.flags.fin==1 && tcp.flags.ack==1", NULL },
	{ "tcp.flags.reset == 1 || tcp.flags.syn == 1 && tcp.flags.ack == 1", NULL },
	{ "tcp.flags.push == 0", NULL }, { "tcp.flags == 0x018", NULL },
	{ "tcp.port == 8000", NULL }, { "tcp.srcport > 40000", NULL },
	{ "tcp.dstport >= 8000 and tcp.dstport <= 9000", NULL }, { "ip.addr == 127.0.0.1", NULL },
	{ "ip.src == 127.0.0.0/8 and not ip.dst == 127.0.0.2", NULL },
	{ "ipv6.addr == ::1", NULL }, { "tcp.len > 0", NULL }, { "tcp.len <= 5", NULL },
	{ "tcp.window_size_value < 1000", NULL }, { "tcp.hdr_len > 20", NULL },
	{ "tcp.stream == 1", NULL }, { "tcp.seq > 1", NULL }, { "tcp.ack == 1", NULL },
	{ "tcp.window_size < 65535", NULL },
	{ "tcp.analysis.retransmission", NULL }, { "tcp.analysis.duplicate_ack", NULL },
	{ "tcp.analysis.out_of_order", NULL }, { "tcp.analysis.zero_window", NULL },
	{ "tcp.analysis.keep_alive", NULL }, { "tcp.analysis.keep_alive_ack", NULL },
	{ "tcp.analysis.window_update", NULL }, { "tcp.analysis.window_full", NULL },
	{ "tcp.analysis.lost_segment", NULL },
	{ "tcp.analysis.flags", "tcp.analysis.flags && !tcp.analysis.reused_ports" },
	{ "!tcp.analysis.flags", "!tcp.analysis.flags || tcp.analysis.reused_ports" },
	{ "tcp.port == 8000 && !tcp.analysis.duplicate_ack || tcp.flags.fin == 1", NULL },
};
#define NVS (sizeof vs_tshark / sizeof vs_tshark[0])

Test(dfilter, counts_agree_with_tshark, .timeout = 120)
{
	if (system("command -v tshark >/dev/null 2>&1") != 0)
		cr_skip_test("tshark is not installed: the golden TSVs (written from tshark) stand in "
		             "for it in the other tests");
	for (size_t c = 0; c < NCAP; c++) {
		char cmd[8192], line[1024];
		size_t o, want[NVS], nwant = 0;
		FILE *p;

		o = (size_t)snprintf(cmd, sizeof cmd, "tshark -r '%s/tests/captures/%s.pcap' -q -z "
		                     "'io,stat,0", test_root(), captures[c]);
		for (size_t k = 0; k < NVS; k++)
			o += (size_t)snprintf(cmd + o, sizeof cmd - o, ",tcp && (%s)",
			                      vs_tshark[k][1] ? vs_tshark[k][1] : vs_tshark[k][0]);
		snprintf(cmd + o, sizeof cmd - o, "' 2>/dev/null");
		cr_assert_lt(strlen(cmd), sizeof cmd - 1);
		p = popen(cmd, "r");
		cr_assert_not_null(p);
		/* The one row of the whole capture: "| 0.000 <> 0.001 | F | B | F | B | ..." */
		while (fgets(line, sizeof line, p)) {
			char *save = NULL, *t;
			int col = 0;
			if (!strstr(line, "<>"))
				continue;
			for (t = strtok_r(line, "|", &save); t; t = strtok_r(NULL, "|", &save), col++)
				if (col >= 1 && col % 2 == 1 && nwant < NVS)
					want[nwant++] = (size_t)strtoul(t, NULL, 10);
		}
		cr_assert_eq(pclose(p), 0, "tshark failed: %s", cmd);
		cr_assert_eq(nwant, NVS, "%s: tshark's table has %zu columns, not %zu", captures[c],
		             nwant, NVS);
		struct pktindex *ix = index_all(captures[c]);
		for (size_t k = 0; k < NVS; k++) {
			size_t got = count_ix(ix, vs_tshark[k][0], NULL);
			cr_expect_eq(got, want[k], "%s: '%s' selects %zu, tshark %zu", captures[c],
			             vs_tshark[k][0], got, want[k]);
		}
		pktindex_free(ix);
	}
}
