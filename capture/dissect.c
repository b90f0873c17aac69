/* summary: decode one captured packet (link layer, IPv4/IPv6, TCP) into a tcp_segment, through a bounded cursor. */
#include "capture/dissect.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "capture/cursor.h"
#include "util/tr.h"

/* Link types as pcap files (LINKTYPE_*) and libpcap (DLT_*) number them; both accepted. */
enum {
	LT_NULL = 0,
	LT_EN10MB = 1,
	LT_RAW_A = 12,          /* DLT_RAW on most systems */
	LT_RAW_B = 14,          /* DLT_RAW on some BSDs */
	LT_RAW_FILE = 101,      /* LINKTYPE_RAW in files */
	LT_LOOP = 108,
	LT_LINUX_SLL = 113,
	LT_IPV4 = 228,
	LT_IPV6 = 229,
	LT_LINUX_SLL2 = 276,
};

enum {
	ETH_IPV4 = 0x0800,
	ETH_IPV6 = 0x86dd,
	ETH_VLAN = 0x8100,      /* 802.1Q */
	ETH_QINQ = 0x88a8,      /* 802.1ad */
	ETH_QINQ_OLD = 0x9100,  /* pre-standard stacked tag, still seen */
};

#define MAX_VLAN_TAGS 4
#define MAX_IPV6_EXT 8

struct dctx {
	struct tcp_segment *seg;
	char *errbuf;
	size_t errlen;
};

/*
 * The reason, in the student's language: each caller passes _("...") so xgettext finds it
 * and the compiler checks its arguments (tr() is format_arg). _() is evaluated only on
 * the way out of a malformed packet, never for a well-formed one. Each reason is one whole
 * sentence, never pieces glued with %s: Korean puts the verb last and wants the particle
 * after the option's name, which a fragment cannot know.
 */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int fail(struct dctx *d, const char *fmt, ...)
{
	if (d->errbuf && d->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(d->errbuf, d->errlen, fmt, ap);
		va_end(ap);
	}
	return DISSECT_MALFORMED;
}

/* Big-endian loads for fields a length check has already covered. */
static inline uint16_t be16(const uint8_t *q)
{
	return (uint16_t)((unsigned)q[0] << 8 | q[1]);
}

static inline uint32_t be32(const uint8_t *q)
{
	return (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
}

/* ---- TCP (RFC 9293 section 3.1) ---- */

/* Options, RFC 9293 section 3.2: EOL and NOP are one byte, every other kind is kind,
 * length (counting both), data. A length below 2 or past the header is malformed. */
static int tcp_options(struct dctx *d, struct cursor *oc)
{
	struct tcp_opts *o = &d->seg->opt;

	/* Fast path for the block Linux puts on nearly every segment after the handshake:
	 * NOP, NOP, timestamps (RFC 7323 appendix A's layout), decoded in one step. The loop
	 * below would record exactly the same (two NOPs, then kind 8 of length 10); any other
	 * start, or what follows these 12 bytes (SACK blocks), is left to it. */
	if (cursor_remaining(oc) >= 12) {
		const uint8_t *q = oc->p + oc->off;
		if (q[0] == 1 && q[1] == 1 && q[2] == 8 && q[3] == 10) {
			o->nnop = 2;
			o->tsval = be32(q + 4);
			o->tsecr = be32(q + 8);
			o->present |= TCPOPT_HAS_TS;
			cursor_skip(oc, 12);
		}
	}
	while (cursor_remaining(oc) > 0) {
		unsigned kind = cursor_u8(oc);
		if (kind == 0) {            /* EOL: what follows is padding */
			o->present |= TCPOPT_HAS_EOL;
			return DISSECT_TCP;
		}
		if (kind == 1) {
			if (o->nnop < UINT8_MAX)
				o->nnop++;
			continue;
		}
		if (cursor_remaining(oc) < 1)
			return fail(d, _("tcp option %u has no length byte before the end of the header"),
			            kind);
		unsigned len = cursor_u8(oc);
		if (len < 2)
			return fail(d, _("tcp option %u has a length below 2 (length %u)"), kind, len);
		if (len - 2 > cursor_remaining(oc))
			return fail(d, _("tcp option %u (length %u) runs past the end of the tcp header "
			                 "(%zu bytes left)"), kind, len, cursor_remaining(oc) + 2);
		struct cursor body = cursor_sub(oc, len - 2, NULL);

		switch (kind) {
		case 2:                     /* MSS, RFC 9293 section 3.2 */
			if (len != 4)
				return fail(d, _("tcp option %u (mss) should be 4 bytes (length %u)"), kind, len);
			o->mss = cursor_u16be(&body);
			o->present |= TCPOPT_HAS_MSS;
			break;
		case 3:                     /* window scale, RFC 7323 section 2.2 */
			if (len != 3)
				return fail(d, _("tcp option %u (wscale) should be 3 bytes (length %u)"),
				            kind, len);
			o->wscale = cursor_u8(&body);
			o->present |= TCPOPT_HAS_WSCALE;
			break;
		case 4:                     /* SACK permitted, RFC 2018 section 2 */
			if (len != 2)
				return fail(d, _("tcp option %u (sackOK) should be 2 bytes (length %u)"),
				            kind, len);
			o->present |= TCPOPT_HAS_SACKOK;
			break;
		case 5: {                   /* SACK, RFC 2018 section 3: 2 + 8n bytes */
			unsigned n = (len - 2) / 8;
			if ((len - 2) % 8 != 0 || n == 0 || n > TCPOPT_MAX_SACK)
				return fail(d, _("tcp option %u (sack) is not 2 + 8n bytes with n of 1 to 4 "
				                 "(length %u)"), kind, len);
			for (unsigned i = 0; i < n; i++) {
				o->sack[i][0] = cursor_u32be(&body);
				o->sack[i][1] = cursor_u32be(&body);
			}
			o->nsack = (uint8_t)n;
			o->present |= TCPOPT_HAS_SACK;
			break;
		}
		case 8:                     /* timestamps, RFC 7323 section 3.2 */
			if (len != 10)
				return fail(d, _("tcp option %u (timestamps) should be 10 bytes (length %u)"),
				            kind, len);
			o->tsval = cursor_u32be(&body);
			o->tsecr = cursor_u32be(&body);
			o->present |= TCPOPT_HAS_TS;
			break;
		default:
			/* Kept, not judged: nunknown counts recorded kinds, never past the array. */
			if (o->nunknown < TCPOPT_MAX_UNKNOWN)
				o->unknown_kind[o->nunknown++] = (uint8_t)kind;
			o->present |= TCPOPT_HAS_UNKNOWN;
			break;
		}
		/* Every read above was bounded by body, which holds exactly len - 2 bytes. */
	}
	return DISSECT_TCP;
}

/* c covers the captured part of the IP payload; l4len is what the IP header claims. */
static int dissect_tcp(struct dctx *d, struct cursor *c, uint32_t l4len)
{
	struct tcp_segment *s = d->seg;
	size_t have = cursor_remaining(c);

	if (have < 4 || l4len < 4) {
		if (l4len < 20)
			return fail(d, _("ip payload of %u bytes is too short for a tcp header"), l4len);
		return fail(d, _("truncated tcp header (%zu of 20 bytes captured)"), have);
	}
	s->sport = cursor_u16be(c);
	s->dport = cursor_u16be(c);
	if (l4len < 20)
		return fail(d, _("ip payload of %u bytes is too short for a tcp header"), l4len);
	if (have < 20)
		return fail(d, _("truncated tcp header (%zu of 20 bytes captured)"), have);

	/* have >= 20 was checked: the 16 bytes after the ports are all there. */
	const uint8_t *h = c->p + c->off;
	s->seq = be32(h);
	s->ack = be32(h + 4);
	uint8_t offx = h[8];
	uint8_t fl = h[9];
	s->win = be16(h + 10);
	s->cksum = be16(h + 12);
	s->urp = be16(h + 14);
	cursor_skip(c, 16);
	s->flags = (uint16_t)((offx & 0x01u) << 8 | fl);

	unsigned doff = offx >> 4;
	unsigned hdrlen = doff * 4;
	s->hdrlen = (uint8_t)hdrlen;
	if (doff < 5)
		return fail(d, _("tcp data offset %u is below 5 (20 bytes)"), doff);
	if (hdrlen > l4len)
		return fail(d, _("tcp data offset %u (%u bytes) is past the end of the segment "
		                 "(%u bytes)"), doff, hdrlen, l4len);
	if (hdrlen > have)
		return fail(d, _("truncated tcp options (%zu of %u header bytes captured)"), have,
		            hdrlen);

	struct cursor oc = cursor_sub(c, hdrlen - 20, NULL);

	/* Payload before options: a bad option must still leave the payload described. */
	s->len = l4len - hdrlen;
	size_t cap = cursor_remaining(c);
	s->caplen_payload = (uint32_t)(cap < s->len ? cap : s->len);
	s->payload = s->caplen_payload ? cursor_ptr(c) : NULL;

	return tcp_options(d, &oc);
}

/* ---- IP ---- */

static int dissect_ipv4(struct dctx *d, struct cursor *c)
{
	struct tcp_segment *s = d->seg;
	size_t have = cursor_remaining(c);

	if (have < 1)
		return fail(d, _("truncated ipv4 header (0 of 20 bytes captured)"));
	uint8_t vihl = cursor_u8(c);
	if (vihl >> 4 != 4)
		return fail(d, _("ip version %u where ipv4 was expected"), vihl >> 4);
	unsigned ihl = (vihl & 0x0fu) * 4;
	if (ihl < 20)
		return fail(d, _("ipv4 header length %u is below 20"), ihl);
	if (ihl > have)
		return fail(d, _("truncated ipv4 header (%zu of %u bytes captured)"), have, ihl);

	/* ihl >= 20 bytes are there (checked above): the fixed header is read in place.
	 * h[0] is the version byte already taken. */
	const uint8_t *h = c->p + c->off - 1;
	unsigned total = be16(h + 2);           /* h[1] is DSCP/ECN */
	s->ip_id = be16(h + 4);
	unsigned frag = be16(h + 6);
	s->ip_ttl = h[8];
	unsigned proto = h[9];
	memcpy(s->src, h + 12, 4);              /* h[10..11]: header checksum */
	memcpy(s->dst, h + 16, 4);
	cursor_skip(c, ihl - 1);                /* the rest, options included: not needed here */
	s->family = AF_INET;
	s->ip_df = (frag & 0x4000) != 0;
	bool mf = (frag & 0x2000) != 0;
	unsigned fragoff = frag & 0x1fff;
	s->ip_fragment = mf || fragoff != 0;

	/* Total length 0 is what a TSO send looks like when captured on the way out: the
	 * kernel fills it in later. tcpdump takes the captured length then; so do we. */
	uint32_t l4len;
	if (total == 0)
		l4len = (uint32_t)cursor_remaining(c);
	else if (total < ihl)
		return fail(d, _("ipv4 total length %u is below its header length %u"), total, ihl);
	else
		l4len = total - ihl;

	if (proto != IPPROTO_TCP)
		return DISSECT_NOT_TCP;
	if (fragoff != 0)
		return DISSECT_NOT_TCP;         /* only the first fragment holds a TCP header */

	/* Bound the payload by the IP length (drops Ethernet padding). */
	struct cursor l4 = cursor_sub(c, l4len, NULL);
	return dissect_tcp(d, &l4, l4len);
}

static int dissect_ipv6(struct dctx *d, struct cursor *c)
{
	struct tcp_segment *s = d->seg;
	size_t have = cursor_remaining(c);

	if (have < 40)
		return fail(d, _("truncated ipv6 header (%zu of 40 bytes captured)"), have);
	uint32_t vtcfl = cursor_u32be(c);
	if (vtcfl >> 28 != 6)
		return fail(d, _("ip version %u where ipv6 was expected"), (unsigned)(vtcfl >> 28));
	uint32_t plen = cursor_u16be(c);
	unsigned next = cursor_u8(c);
	s->ip_ttl = cursor_u8(c);
	cursor_bytes(c, s->src, 16);
	cursor_bytes(c, s->dst, 16);
	s->family = AF_INET6;

	/* Payload length 0: a jumbogram (RFC 2675) or a GSO/BIG TCP packet captured before
	 * the kernel split it. Either way the real length is not here; use what was captured. */
	if (plen == 0)
		plen = (uint32_t)cursor_remaining(c);
	struct cursor pl = cursor_sub(c, plen, NULL);
	uint32_t left = plen;               /* bytes of IP payload the header claims remain */

	for (int n = 0;; n++) {
		unsigned hlen;
		switch (next) {
		case IPPROTO_TCP: {
			return dissect_tcp(d, &pl, left);
		}
		case 0:     /* hop-by-hop */
		case 43:    /* routing */
		case 60:    /* destination options */
		case 135:   /* mobility */
		case 51:    /* AH, RFC 4302: length in 4-byte units minus 2 */
		case 44:    /* fragment, RFC 8200 section 4.5: always 8 bytes */
			break;
		default:
			return DISSECT_NOT_TCP;
		}
		if (n >= MAX_IPV6_EXT)
			return fail(d, _("more than %d ipv6 extension headers"), MAX_IPV6_EXT);
		if (cursor_remaining(&pl) < 2 || left < 2)
			return fail(d, _("truncated ipv6 extension header %u"), next);
		unsigned cur = next;
		next = cursor_u8(&pl);
		unsigned elen = cursor_u8(&pl);
		if (cur == 44)
			hlen = 8;
		else if (cur == 51)
			hlen = (elen + 2) * 4;
		else
			hlen = (elen + 1) * 8;
		if (hlen > left)
			return fail(d, _("ipv6 extension header %u (%u bytes) runs past the payload "
			                 "length"), cur, hlen);
		if (hlen - 2 > cursor_remaining(&pl))
			return fail(d, _("truncated ipv6 extension header %u (%zu of %u bytes captured)"),
			            cur, cursor_remaining(&pl) + 2, hlen);
		if (cur == 44) {
			unsigned offfl = cursor_u16be(&pl);
			cursor_skip(&pl, 4);    /* identification */
			s->ip_fragment = true;
			if ((offfl >> 3) != 0)
				return DISSECT_NOT_TCP;
		} else {
			cursor_skip(&pl, hlen - 2);
		}
		left -= hlen;
	}
}

static int dissect_ethertype(struct dctx *d, struct cursor *c, unsigned type)
{
	for (int tags = 0; type == ETH_VLAN || type == ETH_QINQ || type == ETH_QINQ_OLD; tags++) {
		if (tags >= MAX_VLAN_TAGS)
			return fail(d, _("more than %d stacked vlan tags"), MAX_VLAN_TAGS);
		if (cursor_remaining(c) < 4)
			return fail(d, _("truncated vlan tag"));
		cursor_skip(c, 2);          /* PCP, DEI, VID */
		type = cursor_u16be(c);
	}
	if (type == ETH_IPV4)
		return dissect_ipv4(d, c);
	if (type == ETH_IPV6)
		return dissect_ipv6(d, c);
	return DISSECT_NOT_TCP;
}

/* Raw IP: the version nibble decides. */
static int dissect_raw(struct dctx *d, struct cursor *c)
{
	if (cursor_remaining(c) < 1)
		return fail(d, _("truncated ip header (0 bytes captured)"));
	unsigned v = c->p[c->off] >> 4;
	if (v == 4)
		return dissect_ipv4(d, c);
	if (v == 6)
		return dissect_ipv6(d, c);
	return fail(d, _("ip version %u in a raw ip capture"), v);
}

/* BSD loopback: a 4-byte address family, host order of the capturing machine for
 * DLT_NULL and network order for DLT_LOOP; both orders are tried since a file may come
 * from either kind of machine. IPv6 is 24 (NetBSD, OpenBSD, and Npcap's loopback adapter on
 * Windows), 28 (FreeBSD), 30 (macOS), 23 (Windows' own AF_INET6, which some Windows tools
 * write). */
static int dissect_null(struct dctx *d, struct cursor *c)
{
	if (cursor_remaining(c) < 4)
		return fail(d, _("truncated loopback header (%zu of 4 bytes captured)"),
		            cursor_remaining(c));
	struct cursor peek = *c;
	uint32_t le = cursor_u32le(&peek);
	uint32_t be = cursor_u32be(c);
	uint32_t fam = be < 0x10000 ? be : le;
	switch (fam) {
	case 2:
		return dissect_ipv4(d, c);
	case 23:
	case 24:
	case 28:
	case 30:
		return dissect_ipv6(d, c);
	default:
		return DISSECT_NOT_TCP;
	}
}


int dissect_packet(int dlt, const uint8_t *pkt, size_t caplen, struct tcp_segment *seg,
                   char *errbuf, size_t errlen)
{
	struct dctx d = { seg, errbuf, errlen };
	uint64_t ts = seg->ts_ns;
	uint32_t frame = seg->frame;
	struct cursor c;

	/* A copy of a zero segment rather than memset: GCC turns a 152-byte memset into
	 * 'rep stos', whose start-up cost was most of dissect_packet's time; the copy is
	 * nine vector stores. */
	static const struct tcp_segment zero_seg;
	*seg = zero_seg;
	seg->ts_ns = ts;
	seg->frame = frame;
	if (errbuf && errlen)
		errbuf[0] = '\0';
	cursor_init(&c, pkt, caplen);

	switch (dlt) {
	case LT_EN10MB:
		if (cursor_remaining(&c) < 14)
			return fail(&d, _("truncated ethernet header (%zu of 14 bytes captured)"), caplen);
		cursor_skip(&c, 12);
		return dissect_ethertype(&d, &c, cursor_u16be(&c));
	case LT_LINUX_SLL:
		/* packet type, ARPHRD type, address length, 8 address bytes, protocol */
		if (cursor_remaining(&c) < 16)
			return fail(&d, _("truncated linux cooked header (%zu of 16 bytes captured)"),
			            caplen);
		cursor_skip(&c, 14);
		return dissect_ethertype(&d, &c, cursor_u16be(&c));
	case LT_LINUX_SLL2: {
		/* protocol, reserved, ifindex, ARPHRD type, packet type, address length, address */
		if (cursor_remaining(&c) < 20)
			return fail(&d, _("truncated linux cooked v2 header (%zu of 20 bytes captured)"),
			            caplen);
		unsigned proto = cursor_u16be(&c);
		cursor_skip(&c, 18);
		return dissect_ethertype(&d, &c, proto);
	}
	case LT_NULL:
	case LT_LOOP:
		return dissect_null(&d, &c);
	case LT_RAW_A:
	case LT_RAW_B:
	case LT_RAW_FILE:
		return dissect_raw(&d, &c);
	case LT_IPV4:
		return dissect_ipv4(&d, &c);
	case LT_IPV6:
		return dissect_ipv6(&d, &c);
	default: {
		const char *name = pcap_datalink_val_to_name(dlt);
		if (name)
			return fail(&d, _("unsupported link type %d (%s)"), dlt, name);
		return fail(&d, _("unsupported link type %d"), dlt);
	}
	}
}

/* tcpdump's tcp_flag_values, in its order; "none" when no flag is set, as tcpdump prints. */
static const struct {
	uint16_t bit;
	char ch;
} flag_chars[] = {
	{ TCP_FIN, 'F' }, { TCP_SYN, 'S' }, { TCP_RST, 'R' }, { TCP_PSH, 'P' },
	{ TCP_ACK, '.' }, { TCP_URG, 'U' }, { TCP_ECE, 'E' }, { TCP_CWR, 'W' },
	{ TCP_AE, 'e' },
};

const char *dissect_flags_str(uint16_t flags, char *buf, size_t len)
{
	size_t n = 0;

	if (len == 0)
		return buf;
	for (size_t i = 0; i < sizeof flag_chars / sizeof flag_chars[0]; i++)
		if ((flags & flag_chars[i].bit) && n + 1 < len)
			buf[n++] = flag_chars[i].ch;
	buf[n] = '\0';
	if (n == 0)
		snprintf(buf, len, "none");
	return buf;
}

const char *dissect_addr_str(const struct tcp_segment *seg, bool src, char *buf, size_t len)
{
	const uint8_t *a = src ? seg->src : seg->dst;

	if (len == 0)
		return buf;
	if (seg->family != AF_INET && seg->family != AF_INET6) {
		snprintf(buf, len, "?");
		return buf;
	}
	if (!inet_ntop(seg->family, a, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}
