/* summary: a segment's every header field and option in plain words, and its payload in hex and ASCII. */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "capture/dissect.h"
#include "capture/expert.h"
#include "tui/tui.h"

/* What each flag asks of the receiver (RFC 9293 section 3.1; ECE/CWR RFC 3168). */
static const struct {
	uint16_t bit;
	const char *name, *meaning;
} flag_words[] = {
	{ TCP_SYN, "SYN", N_("synchronize: opens the connection, seq is the sender's first number") },
	{ TCP_ACK, "ACK", N_("the ack field is valid") },
	{ TCP_PSH, "PSH", N_("push: hand the data to the application now") },
	{ TCP_FIN, "FIN", N_("finish: the sender will send no more data") },
	{ TCP_RST, "RST", N_("reset: the connection is aborted at once") },
	{ TCP_URG, "URG", N_("the urgent pointer is valid") },
	{ TCP_ECE, "ECE", N_("ECN echo: congestion was seen (or ECN offered, on a SYN)") },
	{ TCP_CWR, "CWR", N_("congestion window reduced") },
	{ TCP_AE,  "AE",  N_("accurate ECN") },
};

static const char *who(enum flow_dir d)
{
	return d == FLOW_C2S ? _("client") : _("server");
}

static const char *other(enum flow_dir d)
{
	return d == FLOW_C2S ? _("server") : _("client");
}

/* 65483 -> "65,483" */
static const char *commas(int64_t v, char *buf, size_t len)
{
	char t[32];
	int n = snprintf(t, sizeof t, "%lld", (long long)(v < 0 ? -v : v)), o = 0;

	if (v < 0 && (size_t)o < len - 1)
		buf[o++] = '-';
	for (int i = 0; i < n && (size_t)o < len - 1; i++) {
		if (i && (n - i) % 3 == 0 && (size_t)o < len - 2)
			buf[o++] = ',';
		buf[o++] = t[i];
	}
	buf[o] = '\0';
	return buf;
}

/* A RST|ACK that acknowledges only the peer's SYN and carries no data, from a side that
 * never sent a SYN of its own (seq 0): the answer to a refused connection. */
static bool rst_answers_syn(const struct flow_seg *fs)
{
	const struct tcp_segment *g = &fs->seg;

	return (g->flags & (TCP_RST | TCP_ACK)) == (TCP_RST | TCP_ACK) && !(g->flags & TCP_SYN) &&
	       fs->rel_ack == 1 && fs->rel_seq <= 1 && !g->len && g->seq == 0;
}

#define LINE(r, ...) do { snprintf(b, sizeof b, __VA_ARGS__); line(ctx, r, b); } while (0)

void explain_segment(const struct flow_seg *fs, uint64_t t0,
                     void (*line)(void *ctx, enum tui_role r, const char *text), void *ctx)
{
	const struct tcp_segment *g = &fs->seg;
	char b[512], a1[48], a2[48], fl[16], n1[32];
	uint32_t isn = g->seq - fs->rel_seq;

	/* ms since the run (or capture) began: the time the list and the ladder show */
	LINE(R_HEAD, _("Frame %u at %.3f ms: %s -> %s"), g->frame,
	     (double)(g->ts_ns - t0) / 1e6, who(fs->dir), other(fs->dir));
	LINE(R_NORMAL, _("  from %s:%u to %s:%u"), dissect_addr_str(g, true, a1, sizeof a1), g->sport,
	     dissect_addr_str(g, false, a2, sizeof a2), g->dport);
	if (g->family == AF_INET)
		LINE(R_NORMAL, "  IPv4: TTL %u, ID %u%s%s", g->ip_ttl, g->ip_id,
		     g->ip_df ? _(", DF (do not fragment)") : "", g->ip_fragment ? ", a FRAGMENT" : "");
	else
		LINE(R_NORMAL, _("  IPv6: hop limit %u"), g->ip_ttl);

	LINE(R_HEAD, "Flags %s", dissect_flags_str(g->flags, fl, sizeof fl));
	for (size_t i = 0; i < sizeof flag_words / sizeof flag_words[0]; i++)
		if (g->flags & flag_words[i].bit)
			LINE(R_NORMAL, "  %-4s %s", flag_words[i].name, _(flag_words[i].meaning));

	if (rst_answers_syn(fs)) {
		/* The sender had no connection, so no ISN: "seq - ISN" would be noise. */
		LINE(R_HEAD, _("Sequence number: absolute %u (no ISN: there was no connection)"), g->seq);
		LINE(R_NORMAL, _("  a RST answering a SYN: nothing took the connection, so the RST "
		     "carries seq 0 and acknowledges the SYN (RFC 9293 section 3.10.7.1)"));
	} else {
		LINE(R_HEAD, _("Sequence number %u (absolute %u; ISN %u)"), fs->rel_seq, g->seq, isn);
	}
	if (g->flags & TCP_SYN)
		LINE(R_NORMAL, _("  the SYN itself counts as one number: the first data byte will be 1"));
	if (g->len)
		LINE(R_NORMAL, _("  carries bytes %u-%u of the %s's stream (%u bytes)"), fs->rel_seq,
		     fs->rel_seq + g->len - 1, who(fs->dir), g->len);
	else if (!(g->flags & (TCP_SYN | TCP_FIN | TCP_RST)))
		LINE(R_NORMAL, _("  no data: this segment only acknowledges or updates the window"));
	if (g->flags & TCP_FIN)
		LINE(R_NORMAL, _("  the FIN takes number %u: the %s has sent everything it will"),
		     fs->rel_seq + g->len, who(fs->dir));

	if (g->flags & TCP_ACK) {
		LINE(R_HEAD, _("Acknowledgment number %u (absolute %u)"), fs->rel_ack, g->ack);
		if (fs->rel_ack <= 1)
			LINE(R_NORMAL, _("  this ACK acknowledges the %s's SYN (number 0); no data yet"),
			     other(fs->dir));
		else
			LINE(R_NORMAL, _("  this ACK acknowledges bytes 1-%u: the %s expects byte %u next"),
			     fs->rel_ack - 1, who(fs->dir), fs->rel_ack);
	} else {
		LINE(R_HEAD, _("Acknowledgment: none (no ACK flag; the field %u is ignored)"), g->ack);
	}

	if (g->flags & TCP_RST)
		/* RFC 9293 section 3.10.7: a RST is judged by its sequence number alone; the
		 * connection is gone, so its window describes no buffer. */
		LINE(R_HEAD, _("Window field %u: means nothing on a RST (the connection is gone)"),
		     g->win);
	else
		LINE(R_HEAD, _("Window %s bytes (field %u%s)"), commas(fs->win_scaled, n1, sizeof n1),
		     g->win, g->flags & TCP_SYN ? _(", never scaled on a SYN") :
		     fs->win_scaled != g->win ? _(", scaled") : "");
	if (!(g->flags & TCP_RST) && fs->win_scaled == 0)
		LINE(R_NORMAL, _("  zero window: the %s's receive buffer is full; the %s must wait"),
		     who(fs->dir), other(fs->dir));
	else if (!(g->flags & TCP_RST))
		LINE(R_NORMAL, _("  the receiver (%s) can take %s more bytes"), who(fs->dir),
		     commas(fs->win_scaled, n1, sizeof n1));

	LINE(R_HEAD, _("Header %u bytes (20 fixed + %u of options), checksum 0x%04x, urgent %u"),
	     g->hdrlen, g->hdrlen > 20 ? g->hdrlen - 20u : 0u, g->cksum, g->urp);
	const struct tcp_opts *o = &g->opt;
	if (o->present & TCPOPT_HAS_MSS)
		LINE(R_NORMAL, _("  MSS %u: the largest segment payload the %s wants to receive"), o->mss,
		     who(fs->dir));
	if (o->present & TCPOPT_HAS_WSCALE)
		LINE(R_NORMAL, _("  window scale %u: multiply the %s's later windows by %u"), o->wscale,
		     who(fs->dir), 1u << (o->wscale > 14 ? 14 : o->wscale));
	if (o->present & TCPOPT_HAS_SACKOK)
		LINE(R_NORMAL, _("  SACK permitted: the %s can report blocks received out of order"),
		     who(fs->dir));
	if (o->present & TCPOPT_HAS_TS)
		LINE(R_NORMAL, _("  timestamps val %u ecr %u: for RTT measurement and PAWS (RFC 7323)"),
		     o->tsval, o->tsecr);
	for (unsigned i = 0; i < o->nsack; i++)
		LINE(R_NORMAL, _("  SACK block %u-%u: received beyond a gap (relative %u-%u)"),
		     o->sack[i][0], o->sack[i][1], o->sack[i][0] - (g->ack - fs->rel_ack),
		     o->sack[i][1] - (g->ack - fs->rel_ack));
	if (o->nnop)
		LINE(R_NORMAL, _("  %u NOP padding byte(s)"), o->nnop);
	for (unsigned i = 0; i < o->nunknown; i++)
		LINE(R_NORMAL, _("  unknown option kind %u"), o->unknown_kind[i]);

	for (int i = 0; i < EXPERT_NLABELS; i++)
		if (fs->analysis & EXPERT_BIT(i)) {
			LINE(R_EXPERT, "[%s] %s", expert_labels[i].wireshark, expert_labels[i].name);
			LINE(R_NORMAL, "  %s", _(expert_labels[i].explain));
		}

	if (!g->len)
		return;
	LINE(R_HEAD, _("Payload %u bytes%s"), g->len,
	     g->caplen_payload < g->len ? _(" (not all of it was captured)") : "");
	for (uint32_t off = 0; off < g->caplen_payload && g->payload; off += 16) {
		int n = snprintf(b, sizeof b, "  %04x  ", off);
		for (uint32_t k = 0; k < 16; k++)
			n += snprintf(b + n, sizeof b - (size_t)n, off + k < g->caplen_payload ? "%02x " : "   ",
			              off + k < g->caplen_payload ? g->payload[off + k] : 0);
		n += snprintf(b + n, sizeof b - (size_t)n, " ");
		for (uint32_t k = 0; k < 16 && off + k < g->caplen_payload; k++) {
			uint8_t c = g->payload[off + k];
			b[n++] = c >= ' ' && c < 127 ? (char)c : '.';
		}
		b[n] = '\0';
		line(ctx, fs->dir == FLOW_C2S ? R_C2S : R_S2C, b);
	}
}

void explain_brief(const struct flow_seg *fs, char *buf, size_t len)
{
	const struct tcp_segment *g = &fs->seg;
	const char *w = who(fs->dir), *o = other(fs->dir);
	char lab[96] = "";

	for (int i = 0; i < EXPERT_NLABELS; i++)
		if (fs->analysis & EXPERT_BIT(i)) {
			snprintf(lab, sizeof lab, " Wireshark: %s.", expert_labels[i].wireshark);
			break;
		}
	if ((g->flags & (TCP_SYN | TCP_ACK)) == TCP_SYN)
		snprintf(buf, len, _("The %s asks to connect: SYN, its numbers start here (seq 0).%s"), w, lab);
	else if (g->flags & TCP_SYN)
		snprintf(buf, len, _("The %s agrees: SYN-ACK, its own numbers start here, and it got the "
		         "%s's SYN.%s"), w, o, lab);
	else if (g->flags & TCP_RST)
		snprintf(buf, len, _("The %s resets the connection: RST, everything stops now.%s"), w, lab);
	else if (g->flags & TCP_FIN)
		snprintf(buf, len, _("The %s closes its direction: FIN after byte %u%s.%s"), w,
		         fs->rel_seq + g->len - 1,
		         g->len ? _(", with data") : "", lab);
	else if (g->len && fs->rel_ack > 1)
		snprintf(buf, len, _("The %s sends bytes %u-%u (%u bytes); it acknowledges the %s's up "
		         "to %u.%s"), w, fs->rel_seq, fs->rel_seq + g->len - 1, g->len, o,
		         fs->rel_ack - 1, lab);
	else if (g->len)
		snprintf(buf, len, _("The %s sends bytes %u-%u (%u bytes).%s"), w, fs->rel_seq,
		         fs->rel_seq + g->len - 1, g->len, lab);
	else if (fs->win_scaled == 0)
		snprintf(buf, len, _("The %s says its window is zero: stop sending.%s"), w, lab);
	else if (fs->rel_ack <= 1)
		snprintf(buf, len, _("The %s acknowledges the %s's SYN: the connection is open.%s"), w, o, lab);
	else
		snprintf(buf, len, _("The %s acknowledges the %s's bytes up to %u.%s"), w, o,
		         fs->rel_ack - 1, lab);
}
