/* summary: count a program's calls that returned nothing and judge whether it spun (see spin.h). */
#include "engine/spin.h"

#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

void spin_init(struct spin *s)
{
	memset(s, 0, sizeof(*s));
}

/* The thread got somewhere: bytes moved, a connection accepted or made. */
static bool moved(const struct trace_event *ev)
{
	return ((ev->call == TRACE_SEND || ev->call == TRACE_RECV) && ev->ret > 0) ||
	       (ev->call == TRACE_ACCEPT && ev->ret >= 0) ||
	       (ev->call == TRACE_CONNECT && ev->ret == 0);
}

/* A run is per socket, so that one pass of EAGAINs over many clients is no run. */
static void note_run(struct spin *s, const struct trace_event *ev)
{
	struct spin_run *r = NULL;

	for (size_t i = 0; i < SPIN_RUNS && !r; i++)
		if (!s->run[i].tid || (s->run[i].tid == ev->tid && s->run[i].sock == ev->sock))
			r = &s->run[i];
	if (!r)
		return;         /* more sockets than followed: the rate still judges them */
	if (!r->tid || r->waits != ev->waits) {
		r->tid = ev->tid;
		r->sock = ev->sock;
		r->waits = ev->waits;
		r->n = 0;
	}
	if (++r->n > s->run_max)
		s->run_max = r->n;
}

void spin_note(struct spin *s, const struct trace_event *ev)
{
	bool wake = trace_event_empty_wake(ev), idle = trace_event_idle(ev);

	if (ev->call == TRACE_OTHER || ev->unfinished)
		return;
	if (trace_event_sleep(ev))
		s->slept_tid = ev->tid;
	if (idle)
		note_run(s, ev);
	else if (moved(ev))
		for (size_t i = 0; i < SPIN_RUNS; i++)
			if (s->run[i].tid == ev->tid)
				s->run[i].n = 0;
	if (!wake && !idle)
		return;
	if (s->slept_tid && s->slept_tid == ev->tid) {
		s->slept_tid = 0;
		return;
	}
	if (!s->idle++)
		s->first_idle_ns = ev->t_enter_ns;
	s->last_idle_ns = ev->t_exit_ns;
	if (wake)
		s->idle_wake++;
	else if (ev->err)
		s->idle_again++;
	else if (ev->flags & MSG_PEEK)
		s->idle_peek++;
	else
		s->idle_zero++;
}

enum spin_kind spin_judge(const struct spin *s, double *span)
{
	double rate;

	*span = s->last_idle_ns > s->first_idle_ns ?
	        (double)(s->last_idle_ns - s->first_idle_ns) / 1e9 : 0;
	rate = *span > 0 ? (double)s->idle / *span : 0;
	if (s->idle >= SPIN_IDLE_CALLS && rate >= SPIN_IDLE_RATE)
		return s->idle_wake * 2 > s->idle ? SPIN_IN_POLL : SPIN_RATE;
	if (s->run_max >= SPIN_RUN_CALLS)
		return SPIN_RUN;
	return SPIN_NONE;
}
