/* summary: bounded read cursor over untrusted bytes: every read is checked, none goes past the end. */
#ifndef TCPLAB_CAPTURE_CURSOR_H
#define TCPLAB_CAPTURE_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Contract (tcpdump's GET_BE_U_2 / ND_TCHECK in spirit): a cursor covers p[0..len). Reads
 * advance off; a read that would pass len returns 0, does not move, and sets bad, which
 * stays set (sticky), so a parser may do a run of reads and check bad once afterwards.
 * Invariant: off <= len at all times. Nothing here ever dereferences p + len or beyond.
 *
 * A sub-cursor covers a bounded slice of its parent (a header, an option list): reading
 * past the slice marks the sub-cursor bad, never the parent, and never reads what lies
 * after the slice even if the parent has it.
 */
struct cursor {
	const uint8_t *p;
	size_t len;
	size_t off;
	bool bad;
};

static inline void cursor_init(struct cursor *c, const uint8_t *p, size_t len)
{
	c->p = p;
	c->len = p ? len : 0;
	c->off = 0;
	c->bad = false;
}

static inline size_t cursor_remaining(const struct cursor *c)
{
	return c->len - c->off;
}

/* True when n more bytes are available; otherwise marks the cursor bad. */
static inline bool cursor_need(struct cursor *c, size_t n)
{
	if (n > cursor_remaining(c)) {
		c->bad = true;
		return false;
	}
	return true;
}

static inline uint8_t cursor_u8(struct cursor *c)
{
	if (!cursor_need(c, 1))
		return 0;
	return c->p[c->off++];
}

static inline uint16_t cursor_u16be(struct cursor *c)
{
	if (!cursor_need(c, 2))
		return 0;
	const uint8_t *q = c->p + c->off;
	c->off += 2;
	return (uint16_t)((unsigned)q[0] << 8 | q[1]);
}

/* Little-endian read, for the few host-order fields captures carry (DLT_NULL family). */
static inline uint32_t cursor_u32le(struct cursor *c)
{
	if (!cursor_need(c, 4))
		return 0;
	const uint8_t *q = c->p + c->off;
	c->off += 4;
	return (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 | (uint32_t)q[3] << 24;
}

static inline uint32_t cursor_u32be(struct cursor *c)
{
	if (!cursor_need(c, 4))
		return 0;
	const uint8_t *q = c->p + c->off;
	c->off += 4;
	return (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | (uint32_t)q[3];
}

/* Skip n bytes; past the end it does not move and marks the cursor bad. */
static inline bool cursor_skip(struct cursor *c, size_t n)
{
	if (!cursor_need(c, n))
		return false;
	c->off += n;
	return true;
}

/* Copy n bytes into out; on shortage out is zeroed and the cursor marked bad. */
static inline bool cursor_bytes(struct cursor *c, void *out, size_t n)
{
	uint8_t *o = out;
	if (!cursor_need(c, n)) {
		for (size_t i = 0; i < n; i++)
			o[i] = 0;
		return false;
	}
	for (size_t i = 0; i < n; i++)
		o[i] = c->p[c->off + i];
	c->off += n;
	return true;
}

/* Where the cursor stands; NULL when nothing is left (so nobody can read from it). */
static inline const uint8_t *cursor_ptr(const struct cursor *c)
{
	return cursor_remaining(c) ? c->p + c->off : NULL;
}

/*
 * Sub-cursor over the next n bytes of c, or over what is left if fewer remain (*short_out,
 * when given, tells which). The parent is advanced past the slice it handed out.
 */
static inline struct cursor cursor_sub(struct cursor *c, size_t n, bool *short_out)
{
	struct cursor s;
	size_t have = cursor_remaining(c);
	bool shortfall = n > have;
	if (shortfall)
		n = have;
	cursor_init(&s, c->p ? c->p + c->off : NULL, n);
	c->off += n;
	if (short_out)
		*short_out = shortfall;
	return s;
}

#endif
