/* summary: display filters: tcpdump's BPF, or Wireshark's common fields translated to BPF and tcplab's own analysis. */
#ifndef TCPLAB_CAPTURE_DFILTER_H
#define TCPLAB_CAPTURE_DFILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Contract: dfilter_compile() takes what a user typed in a filter prompt and decides what
 * it is: a Wireshark display filter over the fields below, else a BPF expression
 * (tcpdump's syntax, compiled by libpcap as it is). Neither: -1, and errbuf says what
 * failed in both readings and what is accepted.
 *
 * A Wireshark filter is translated, leaf by leaf, into BPF wherever the frame's bytes
 * decide (flags, ports, addresses, lengths, header fields: dfilter_translation() shows the
 * BPF, which tcpdump would accept too) and into tcplab's own per-segment facts where only
 * the analysis of the whole connection knows (tcp.stream, relative tcp.seq/ack, the
 * scaled window, Wireshark's expert labels tcp.analysis.*: capture/expert.h). The result
 * is a predicate over one segment: its frame's bytes (the BPF parts run on them with
 * pcap_offline_filter) plus the facts of struct dfilter_seg. Every largest subtree that
 * is BPF alone is one BPF program, so a filter without analysis fields is one program.
 *
 * Fields (Wireshark's names and meanings, with the differences said):
 *   tcp, ip, ipv6                            the protocol is present
 *   tcp.flags.fin|syn|reset|push|ack|urg|ece|cwr|ae (also rst, psh, ns)
 *                                            == 1 / == 0; alone it means == 1 (Wireshark
 *                                            alone tests that the field exists, which
 *                                            every TCP segment passes: no one means that)
 *   tcp.flags                                the 9 flag bits as a number (== 0x012)
 *   tcp.port, tcp.srcport, tcp.dstport       any comparison
 *   ip.addr, ip.src, ip.dst, ipv6.addr, ipv6.src, ipv6.dst
 *                                            == / != an address or a network (a.b.c.d/n)
 *   tcp.len, tcp.hdr_len, tcp.window_size_value, tcp.urgent_pointer, tcp.seq_raw,
 *   tcp.ack_raw                              any comparison, from the header bytes
 *   tcp.stream                               the connection's index (0, 1, ... in order of
 *                                            first appearance, as Wireshark numbers them)
 *   tcp.seq, tcp.ack                         relative numbers, as Wireshark shows them
 *   tcp.window_size                          the scaled window
 *   frame.number                             the frame's number in its capture
 *   tcp.analysis.flags                       any expert label but RST
 *   tcp.analysis.NAME                        one label: NAME as in expert.h (retransmission,
 *                                            duplicate_ack, zero_window, window_update,
 *                                            keep_alive, lost_segment, ...), alone only
 * Comparisons: == != > < >= <= (and eq ne gt lt ge le); combined with && || ! and
 * parentheses, or and or not; "and" binds tighter than "or"; FIELD in {V1, V2, ...}.
 * Numbers are decimal or 0x hex.
 *
 * IPv6: libpcap's tcp[] reads IPv4 only, so each header-byte leaf has an IPv6 twin reading
 * ip6[40 + offset] when the TCP header follows the IPv6 header directly (ip6[6] == 6).
 */

enum dfilter_kind { DFILTER_BPF, DFILTER_WIRESHARK };

/* dfilter_compile() flags */
enum {
	DFILTER_NO_BPF = 1 << 0,        /* Wireshark syntax only: no user text reaches libpcap
	                                   (which would resolve host names: fuzzing) */
};

/* What only the analysis of the connection knows about a segment. */
struct dfilter_seg {
	uint32_t frame;         /* frame.number */
	uint32_t stream;        /* tcp.stream: the connection id, UINT32_MAX for none */
	uint32_t rel_seq, rel_ack;
	int64_t win;            /* tcp.window_size: scaled */
	uint32_t analysis;      /* EXPERT_* bits */
};

struct dfilter;

/*
 * Compile expr for frames of link type dlt (a DLT_ value). 0 and *out set, or -1 with
 * errbuf. An empty (or blank) expr is refused: "no filter" is the caller's to represent.
 */
int dfilter_compile(const char *expr, int dlt, unsigned flags, struct dfilter **out,
                    char *errbuf, size_t errlen);
void dfilter_free(struct dfilter *f);

enum dfilter_kind dfilter_kind(const struct dfilter *f);
/* The expression as typed (leading and trailing blanks cut). */
const char *dfilter_expr(const struct dfilter *f);
/* What it was read as: "BPF: tcp[tcpflags] & tcp-syn != 0 ..." for a Wireshark filter
 * (analysis parts named as tcplab's: "analysis(retransmission)", "stream == 0"), "" for BPF
 * typed as BPF. */
const char *dfilter_translation(const struct dfilter *f);

/* Does the segment pass? pkt/caplen/wirelen: its frame as captured; seg: its facts. */
bool dfilter_match(const struct dfilter *f, const uint8_t *pkt, size_t caplen,
                   size_t wirelen, const struct dfilter_seg *seg);

/* One line naming what is accepted, for messages and help. */
const char *dfilter_accepted(void);

#endif
