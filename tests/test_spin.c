/* summary: the busy-loop judge: what counts as spinning, from the events a program's tracer reports. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "engine/spin.h"

/* Events as the tracer reports them: thread, socket, what the thread had waited so far. */
static struct trace_event recv_ev(int tid, uint64_t sock, uint32_t waits, long long ret,
                                  int err, uint64_t t_ms)
{
	struct trace_event ev = { .call = TRACE_RECV, .pid = 10, .tid = tid, .fd = 3,
	                          .sock = sock, .waits = waits, .ret = ret, .err = err,
	                          .t_enter_ns = t_ms * 1000000, .t_exit_ns = t_ms * 1000000 + 50000 };

	snprintf(ev.name, sizeof(ev.name), "recvfrom");
	return ev;
}

static struct trace_event eagain(int tid, uint64_t sock, uint32_t waits, uint64_t t_ms)
{
	return recv_ev(tid, sock, waits, -1, EAGAIN, t_ms);
}

static enum spin_kind judge(const struct spin *s)
{
	double span;

	return spin_judge(s, &span);
}

Test(spin, a_correct_event_loop_asks_once_between_two_waits)
{
	struct spin s;

	spin_init(&s);
	/* 300 readiness rounds, 10 ms apart: recv() the data, recv() again = EAGAIN, poll(). */
	for (uint32_t w = 0; w < 300; w++) {
		struct trace_event got = recv_ev(1, 7, w, 10, 0, 10 * w);
		struct trace_event again = eagain(1, 7, w, 10 * w + 1);

		spin_note(&s, &got);
		spin_note(&s, &again);
	}
	cr_expect_eq(judge(&s), SPIN_NONE);
	cr_expect_eq(s.run_max, 1);
	cr_expect_eq(s.idle, 300);
	cr_expect_eq(s.idle_again, 300);
}

Test(spin, five_calls_in_a_row_on_one_socket_spin_however_slowly_they_came)
{
	struct spin s;

	/* 10 ms apart: a rate of 100 a second, what a spin gets on a loaded machine. */
	spin_init(&s);
	for (int i = 0; i < SPIN_RUN_CALLS - 1; i++) {
		struct trace_event ev = eagain(1, 7, 3, 10 * (uint64_t)i);

		spin_note(&s, &ev);
	}
	cr_expect_eq(judge(&s), SPIN_NONE, "%zu in a row", s.run_max);
	{
		struct trace_event ev = eagain(1, 7, 3, 100);

		spin_note(&s, &ev);
	}
	cr_expect_eq(judge(&s), SPIN_RUN);
	cr_expect_eq(s.run_max, SPIN_RUN_CALLS);
}

Test(spin, the_same_peek_again_and_again_is_a_run)
{
	struct spin s;

	spin_init(&s);
	for (int i = 0; i < 20; i++) {
		struct trace_event ev = recv_ev(1, 7, 1, 3, 0, (uint64_t)i);

		ev.flags = MSG_PEEK;
		spin_note(&s, &ev);
	}
	cr_expect_eq(judge(&s), SPIN_RUN);
	cr_expect_eq(s.run_max, 20);
	cr_expect_eq(s.idle_peek, 20);
}

Test(spin, a_wait_between_ends_the_run)
{
	struct spin s;

	spin_init(&s);
	for (int i = 0; i < 8; i++) {
		/* poll() (a wait that could block) after the fourth */
		struct trace_event ev = eagain(1, 7, i < 4 ? 5 : 6, (uint64_t)i);

		spin_note(&s, &ev);
	}
	cr_expect_eq(judge(&s), SPIN_NONE);
	cr_expect_eq(s.run_max, 4);
}

Test(spin, bytes_moved_end_the_runs_of_their_thread_only)
{
	struct spin s;
	struct trace_event ev;

	spin_init(&s);
	for (int i = 0; i < 8; i++) {
		if (i == 4) {
			/* thread 1 reads another socket's bytes: it got somewhere */
			ev = recv_ev(1, 8, 2, 100, 0, 4);
			spin_note(&s, &ev);
		}
		ev = eagain(1, 7, 2, (uint64_t)i);
		spin_note(&s, &ev);
	}
	cr_expect_eq(judge(&s), SPIN_NONE);
	cr_expect_eq(s.run_max, 4);

	spin_init(&s);
	for (int i = 0; i < 8; i++) {
		if (i == 4) {
			/* another thread's bytes end no run of thread 1's */
			ev = recv_ev(2, 8, 0, 100, 0, 4);
			spin_note(&s, &ev);
		}
		ev = eagain(1, 7, 2, (uint64_t)i);
		spin_note(&s, &ev);
	}
	cr_expect_eq(judge(&s), SPIN_RUN);
	cr_expect_eq(s.run_max, 8);
}

Test(spin, one_pass_of_eagain_over_many_sockets_is_no_run)
{
	struct spin s;

	/* A broadcast to 20 clients whose buffers are full: one EAGAIN each, then poll(). */
	spin_init(&s);
	for (uint64_t sock = 100; sock < 120; sock++) {
		struct trace_event ev = eagain(1, sock, 9, sock - 100);

		ev.call = TRACE_SEND;
		spin_note(&s, &ev);
	}
	cr_expect_eq(judge(&s), SPIN_NONE);
	cr_expect_eq(s.run_max, 1);
}

Test(spin, many_idle_calls_fast_are_a_spin_even_with_waits_between)
{
	struct spin s;

	/* poll(..., 1) between the calls, 150 of them in 0.15 s: 1000 a second. */
	spin_init(&s);
	for (uint32_t i = 0; i < 150; i++) {
		struct trace_event ev = eagain(1, 7, i, i);

		spin_note(&s, &ev);
	}
	cr_expect_eq(judge(&s), SPIN_RATE);
	/* the same at 100 a second is an event loop */
	spin_init(&s);
	for (uint32_t i = 0; i < 150; i++) {
		struct trace_event ev = eagain(1, 7, i, 10 * (uint64_t)i);

		spin_note(&s, &ev);
	}
	cr_expect_eq(judge(&s), SPIN_NONE);
}

Test(spin, poll_wake_ups_that_nothing_followed_are_a_spin_inside_poll)
{
	struct spin s;

	spin_init(&s);
	for (uint32_t i = 0; i < 150; i++) {
		struct trace_event ev = { .call = TRACE_WAIT, .tid = 1, .fd = -1, .arg = -1,
		                          .arg2 = 1, .ret = 1, .waits = i,
		                          .t_enter_ns = (uint64_t)i * 1000000,
		                          .t_exit_ns = (uint64_t)i * 1000000 + 1000 };

		snprintf(ev.name, sizeof(ev.name), "poll");
		spin_note(&s, &ev);
	}
	cr_expect_eq(judge(&s), SPIN_IN_POLL);
	cr_expect_eq(s.idle_wake, 150);
	cr_expect_eq(s.run_max, 0, "a wake-up is on no socket");
}

Test(spin, an_idle_call_after_its_thread_slept_is_pacing)
{
	struct spin s;

	/* drain with MSG_DONTWAIT, then a 1 ms job: 300 a second, each after a sleep */
	spin_init(&s);
	for (uint32_t i = 0; i < 300; i++) {
		struct trace_event zz = { .call = TRACE_WAIT, .tid = 1, .fd = -1, .arg = 1,
		                          .waits = i + 1, .t_enter_ns = (uint64_t)i * 3300000,
		                          .t_exit_ns = (uint64_t)i * 3300000 + 1100000 };
		struct trace_event ev = eagain(1, 7, i + 1, 0);

		snprintf(zz.name, sizeof(zz.name), "nanosleep");
		ev.t_enter_ns = zz.t_exit_ns + 1000;
		ev.t_exit_ns = ev.t_enter_ns + 1000;
		spin_note(&s, &zz);
		spin_note(&s, &ev);
	}
	cr_expect_eq(judge(&s), SPIN_NONE);
	cr_expect_eq(s.idle, 0);
	/* another thread's sleep excuses no one */
	spin_init(&s);
	for (uint32_t i = 0; i < 300; i++) {
		struct trace_event zz = { .call = TRACE_WAIT, .tid = 2, .fd = -1, .arg = 1,
		                          .waits = i + 1, .t_enter_ns = (uint64_t)i * 1000000,
		                          .t_exit_ns = (uint64_t)i * 1000000 + 1000 };
		struct trace_event ev = eagain(1, 7, i, (uint64_t)i);

		snprintf(zz.name, sizeof(zz.name), "nanosleep");
		spin_note(&s, &zz);
		spin_note(&s, &ev);
	}
	cr_expect_eq(judge(&s), SPIN_RATE);
}

Test(spin, calls_the_program_died_in_or_the_tracer_does_not_know_count_for_nothing)
{
	struct spin s;

	spin_init(&s);
	for (int i = 0; i < 20; i++) {
		struct trace_event ev = eagain(1, 7, 0, (uint64_t)i);

		ev.unfinished = i % 2;
		if (i % 2 == 0)
			ev.call = TRACE_OTHER;
		spin_note(&s, &ev);
	}
	cr_expect_eq(judge(&s), SPIN_NONE);
	cr_expect_eq(s.idle, 0);
}
