/* summary: when a segment's bytes were the kernel's to send: TCP's delay told from a program the machine held up. */
#include <criterion/criterion.h>
#include <string.h>

#include "engine/ready.h"

#define MS 1000000ull

/* A data segment of dir: stream bytes [off, off + len), captured at t_us microseconds. */
static struct flow_seg data(enum flow_dir dir, uint32_t off, uint32_t len, uint64_t t_us)
{
	struct flow_seg s;

	memset(&s, 0, sizeof(s));
	s.dir = dir;
	s.rel_seq = off + 1;
	s.seg.len = len;
	s.seg.ts_ns = t_us * 1000;
	s.seg.flags = 0x18;
	return s;
}

/* The request of lab 2's write-write-read client: a 4-byte header, then a 10-byte body. */
static const struct ready_call two_sends[] = {
	{ 4, 0 * MS, 0 * MS + 30000 },
	{ 14, 1 * MS, 1 * MS + 30000 },
};

Test(ready, a_segment_held_by_nagle_counts_from_its_call)
{
	struct flow_seg s[] = { data(FLOW_C2S, 0, 4, 20), data(FLOW_C2S, 4, 10, 41000) };

	ready_assign(two_sends, 2, s, 2, FLOW_C2S);
	cr_expect_eq(s[0].ready_ns, s[0].seg.ts_ns, "the header left inside its send()");
	cr_expect_eq(s[1].ready_ns, 1 * MS, "the body left 40 ms after its send() returned:"
	             " TCP's delay counts from the call's entry, not from %llu",
	             (unsigned long long)s[1].ready_ns);
}

Test(ready, a_segment_sent_inside_a_call_the_machine_held_up_is_not_late)
{
	/* The tracer stamped the entry at 0; the program got a CPU to run the call 35 ms
	 * later, the segment left then, and the call returned. */
	static const struct ready_call slow[] = { { 14, 0, 35 * MS + 20000 } };
	struct flow_seg s[] = { data(FLOW_C2S, 0, 14, 35000) };

	ready_assign(slow, 1, s, 1, FLOW_C2S);
	cr_expect_eq(s[0].ready_ns, s[0].seg.ts_ns, "ready at %llu, wanted the segment's own"
	             " time", (unsigned long long)s[0].ready_ns);
}

Test(ready, the_later_segments_of_one_long_call_left_when_tcp_let_them)
{
	/* One blocking send() of 30000 bytes that waited 2 s for a zero window to open. */
	static const struct ready_call big[] = { { 30000, 5 * MS, 2100 * MS } };
	struct flow_seg s[] = { data(FLOW_C2S, 0, 1448, 5010), data(FLOW_C2S, 1448, 1448, 5020),
	                        data(FLOW_C2S, 2896, 1448, 2005000) };

	ready_assign(big, 1, s, 3, FLOW_C2S);
	cr_expect_eq(s[0].ready_ns, s[0].seg.ts_ns);
	cr_expect_eq(s[1].ready_ns, 5 * MS, "the call's second segment counts from its entry");
	cr_expect_eq(s[2].ready_ns, 5 * MS, "the segment after the zero window counts from the"
	             " call's entry");
}

Test(ready, a_segment_that_began_in_an_earlier_call_counts_from_the_last_call)
{
	/* Nagle held the header; the body's send() found the ACK had come and both left as
	 * one segment, inside that send(): TCP held the header, so from the entry. */
	struct flow_seg s[] = { data(FLOW_C2S, 0, 14, 1010) };

	ready_assign(two_sends, 2, s, 1, FLOW_C2S);
	cr_expect_eq(s[0].ready_ns, 1 * MS);
}

Test(ready, nothing_is_set_from_a_call_after_the_segment_or_on_the_other_side)
{
	struct flow_seg s[] = { data(FLOW_C2S, 0, 4, 500), data(FLOW_S2C, 0, 4, 1010),
	                        data(FLOW_C2S, 14, 4, 3000) };
	static const struct ready_call late[] = { { 4, 1 * MS, 1 * MS + 100 } };
	static const struct ready_call unknown_exit[] = { { 14, 1 * MS, 0 } };
	struct flow_seg u[] = { data(FLOW_C2S, 0, 14, 1010) };

	ready_assign(late, 1, s, 3, FLOW_C2S);
	cr_expect_eq(s[0].ready_ns, 0, "a call that began after the segment left");
	cr_expect_eq(s[1].ready_ns, 0, "the other direction");
	cr_expect_eq(s[2].ready_ns, 0, "bytes no traced call handed over");
	ready_assign(unknown_exit, 1, u, 1, FLOW_C2S);
	cr_expect_eq(u[0].ready_ns, 1 * MS, "a call whose end is unknown counts from its entry");
}
