/* summary: Wireshark's TCP sequence analysis rules (tcp_analyze_sequence_number), per direction. */
#include "capture/expert.h"

#include <string.h>

#include "capture/dissect.h"
#include "util/tr.h"

const struct expert_label expert_labels[EXPERT_NLABELS] = {
	[EXPERT_I_RETRANSMISSION] = { "retransmission", "TCP Retransmission",
		N_("The sender sent bytes it had already sent, usually because no ACK came back in time.") },
	[EXPERT_I_FAST_RETRANSMISSION] = { "fast_retransmission", "TCP Fast Retransmission",
		N_("The sender resent the segment the receiver kept asking for with duplicate ACKs, without waiting for its timer.") },
	[EXPERT_I_SPURIOUS_RETRANSMISSION] = { "spurious_retransmission", "TCP Spurious Retransmission",
		N_("The sender resent bytes the receiver had already acknowledged, so the copy was not needed.") },
	[EXPERT_I_OUT_OF_ORDER] = { "out_of_order", "TCP Out-Of-Order",
		N_("This segment carries older bytes than one seen just before it, so it arrived out of order.") },
	[EXPERT_I_DUPLICATE_ACK] = { "duplicate_ack", "TCP Dup ACK",
		N_("The receiver repeated its last ACK: it got a segment but is still missing the bytes it asks for.") },
	[EXPERT_I_LOST_SEGMENT] = { "lost_segment", "TCP Previous segment not captured",
		N_("This segment starts after a gap: bytes before it were lost or not captured.") },
	[EXPERT_I_ACK_LOST_SEGMENT] = { "ack_lost_segment", "TCP ACKed unseen segment",
		N_("This ACK covers bytes that never appeared in the capture, so the capture missed them.") },
	[EXPERT_I_ZERO_WINDOW] = { "zero_window", "TCP ZeroWindow",
		N_("The receiver advertises a window of 0: its buffer is full and the sender must stop.") },
	[EXPERT_I_ZERO_WINDOW_PROBE] = { "zero_window_probe", "TCP ZeroWindowProbe",
		N_("The sender pushes one byte into a zero window to find out whether it has opened.") },
	[EXPERT_I_ZERO_WINDOW_PROBE_ACK] = { "zero_window_probe_ack", "TCP ZeroWindowProbeAck",
		N_("The receiver answers a zero-window probe: its window is still 0.") },
	[EXPERT_I_WINDOW_UPDATE] = { "window_update", "TCP Window Update",
		N_("An ACK with nothing new except a changed window: the receiver made room in its buffer.") },
	[EXPERT_I_WINDOW_FULL] = { "window_full", "TCP Window Full",
		N_("This segment fills the receiver's advertised window exactly: the sender must now wait for an ACK.") },
	[EXPERT_I_KEEP_ALIVE] = { "keep_alive", "TCP Keep-Alive",
		N_("A segment one byte behind the next sequence number, sent to check that the peer is still there.") },
	[EXPERT_I_KEEP_ALIVE_ACK] = { "keep_alive_ack", "TCP Keep-Alive ACK",
		N_("The peer's answer to a keep-alive: it repeats its last ACK, so it is still alive.") },
	[EXPERT_I_RST] = { "rst", "TCP Reset",
		N_("The sender aborts the connection at once; unread and unsent data are thrown away.") },
	[EXPERT_I_MALFORMED] = { "malformed", "Malformed Packet",
		N_("The packet is cut off or its headers contradict each other, so it cannot be decoded fully.") },
};

const char *expert_str(uint32_t analysis, char *buf, size_t len)
{
	size_t off = 0;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	for (int i = 0; i < EXPERT_NLABELS; i++) {
		if (!(analysis & EXPERT_BIT(i)))
			continue;
		size_t n = strlen(expert_labels[i].name);
		size_t need = n + (off ? 1 : 0);
		if (off + need >= len)
			break;  /* truncated at a label boundary rather than mid-word */
		if (off)
			buf[off++] = ',';
		memcpy(buf + off, expert_labels[i].name, n);
		off += n;
		buf[off] = '\0';
	}
	if (off == 0 && len >= 2) {
		buf[0] = '-';
		buf[1] = '\0';
	}
	return buf;
}

/* Sequence space comparisons modulo 2^32 (RFC 9293 section 3.4). */
static inline bool seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static inline bool seq_gt(uint32_t a, uint32_t b) { return (int32_t)(a - b) > 0; }
static inline bool seq_le(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }

#define B(i) EXPERT_BIT(EXPERT_I_##i)

/*
 * The rules are checked in Wireshark's order and with its short-cuts (a zero-window probe
 * or a keep-alive ACK skips the rest), because a student comparing the two tools must see
 * the same labels. fwd->valid stands in for Wireshark's "nextseq != 0" test.
 */
uint32_t expert_analyze(struct expert_dir *fwd, struct expert_dir *rev, const struct expert_in *in)
{
	uint32_t a = 0;
	const uint32_t seq = in->seq, ack = in->ack, len = in->len;
	const uint16_t fl = in->flags;
	const bool sfr = (fl & (TCP_SYN | TCP_FIN | TCP_RST)) != 0;
	const int64_t win = in->window;

	if (fl & TCP_RST)
		a |= B(RST);

	/* Zero-window probe: exactly one byte at the next expected seq into a closed window. */
	if (len == 1 && fwd->valid && seq == fwd->nextseq && rev->valid && rev->window == 0) {
		a |= B(ZERO_WINDOW_PROBE);
		goto acks;
	}

	/* Zero window: the sender of this segment has no room left (RFC 9293 section 3.8.6). */
	if (win == 0 && !sfr)
		a |= B(ZERO_WINDOW);

	/* A hole before this segment: something in between was not captured. */
	if (fwd->valid && seq_gt(seq, fwd->nextseq) && !(fl & TCP_RST))
		a |= B(LOST_SEGMENT);

	/* Keep-alive: 0 or 1 byte starting one before the next seq (RFC 9293 section 3.8.4). */
	if (len <= 1 && fwd->valid && seq == fwd->nextseq - 1 && !sfr)
		a |= B(KEEP_ALIVE);

	/* Window update: nothing new but the window. */
	if (len == 0 && win != 0 && fwd->valid && win != fwd->window && seq == fwd->nextseq &&
	    ack == fwd->lastack && !sfr)
		a |= B(WINDOW_UPDATE);

	/* Window full: the data reaches the right edge of the peer's advertised window. */
	if (len > 0 && in->scaling_known && rev->valid && !sfr &&
	    (int64_t)(uint32_t)(seq + len) == (int64_t)(uint32_t)(rev->lastack + (uint32_t)rev->window))
		a |= B(WINDOW_FULL);

	if (len == 0 && win != 0 && fwd->valid && win == fwd->window && seq == fwd->nextseq &&
	    ack == fwd->lastack && (rev->lastflags & B(KEEP_ALIVE)) && !sfr) {
		a |= B(KEEP_ALIVE_ACK);
		goto acks;
	}

	if (len == 0 && win == 0 && fwd->valid && fwd->window == 0 && seq == fwd->nextseq &&
	    ack == fwd->lastack && (rev->lastflags & B(ZERO_WINDOW_PROBE)) && !sfr) {
		a |= B(ZERO_WINDOW_PROBE_ACK);
		goto acks;
	}

	/* Duplicate ACK: same seq, ack and window as before and no data. */
	if (len == 0 && win != 0 && fwd->valid && win == fwd->window && seq == fwd->nextseq &&
	    ack == fwd->lastack && !sfr) {
		fwd->dupacks++;
		a |= B(DUPLICATE_ACK);
	}

acks:
	if (!fwd->valid || ack != fwd->lastack) {
		fwd->lastnondupack = in->frame;
		fwd->dupacks = 0;
	}

	/* The ACK covers bytes the other direction never showed. */
	if (rev->valid && (fl & TCP_ACK) && seq_gt(ack, rev->maxseqtobeacked)) {
		a |= B(ACK_LOST_SEGMENT);
		rev->maxseqtobeacked = rev->nextseq;
	}

	if ((len > 0 || (fl & (TCP_SYN | TCP_FIN))) && !(a & B(ZERO_WINDOW_PROBE))) {
		bool not_advanced = fwd->valid && seq_lt(seq, fwd->nextseq);

		if (a & B(KEEP_ALIVE))
			goto classified;
		/* One byte behind but carrying more: new data after a probe, not a resend. */
		if (len > 1 && fwd->valid && fwd->nextseq - 1 == seq)
			not_advanced = false;

		/* Fast retransmission: resends what >= 2 dup ACKs asked for, within 20 ms. */
		if (not_advanced && rev->valid && rev->dupacks >= 2 && rev->lastack == seq &&
		    in->ts_ns - rev->lastack_ns < 20000000u) {
			/* Wireshark shows both fields on it; so do we, so filters agree. */
			a |= B(FAST_RETRANSMISSION) | B(RETRANSMISSION);
			goto classified;
		}

		/* Out of order: older bytes shortly (less than one RTT) after newer ones. */
		uint64_t thres = in->first_rtt_ns ? in->first_rtt_ns : 3000000u;
		if (not_advanced && in->ts_ns - fwd->nextseq_ns < thres && fwd->nextseq != seq + len) {
			a |= B(OUT_OF_ORDER);
			goto classified;
		}

		/* Spurious: every byte of it had already been acknowledged. */
		if (len > 0 && rev->valid && rev->lastack && seq_le(seq + len, rev->lastack)) {
			a |= B(SPURIOUS_RETRANSMISSION);
			goto classified;
		}

		if (not_advanced)
			a |= B(RETRANSMISSION);
	}
classified:;

	uint32_t nextseq = seq + len;
	if (fl & (TCP_SYN | TCP_FIN))
		nextseq++;
	bool zwp = (a & B(ZERO_WINDOW_PROBE)) != 0;
	if ((!fwd->valid || seq_gt(nextseq, fwd->nextseq)) && !zwp) {
		fwd->nextseq = nextseq;
		fwd->nextseq_frame = in->frame;
		fwd->nextseq_ns = in->ts_ns;
	}
	/* Highest contiguous seq: advances only when this segment continues it. */
	if ((!fwd->valid || seq == fwd->maxseqtobeacked) && !zwp)
		fwd->maxseqtobeacked = fwd->nextseq;

	fwd->valid = true;
	fwd->window = win;
	fwd->lastack = ack;
	fwd->lastack_ns = in->ts_ns;
	fwd->lastseq = seq;
	fwd->lastseg_ns = in->ts_ns;
	fwd->lastflags = a;
	return a;
}

bool expert_delack_feed(struct expert_delack *d, int dir, uint16_t flags, uint32_t rel_seq,
                        uint32_t len, uint32_t rel_ack, uint32_t analysis, uint64_t ts_ns)
{
	int o = 1 - dir;
	bool delayed = false;

	if (dir < 0 || dir > 1)
		return false;
	if (len && !(analysis & (EXPERT_BIT(EXPERT_I_RETRANSMISSION) |
	                         EXPERT_BIT(EXPERT_I_FAST_RETRANSMISSION) |
	                         EXPERT_BIT(EXPERT_I_SPURIOUS_RETRANSMISSION)))) {
		d->data_ns[dir] = ts_ns;
		if (rel_seq + len > d->data_end[dir])
			d->data_end[dir] = rel_seq + len;
	}
	if (!(flags & TCP_ACK))
		return false;
	/* new data acknowledged: the ack moves, and the peer had data not yet acknowledged */
	if (!len && !(flags & (TCP_SYN | TCP_FIN | TCP_RST)) && rel_ack > d->acked[dir] &&
	    d->acked[dir] < d->data_end[o] && d->data_ns[o] &&
	    ts_ns >= d->data_ns[o] + EXPERT_DELACK_MIN_NS &&
	    ts_ns <= d->data_ns[o] + EXPERT_DELACK_MAX_NS)
		delayed = true;
	if (rel_ack > d->acked[dir])
		d->acked[dir] = rel_ack;
	return delayed;
}
