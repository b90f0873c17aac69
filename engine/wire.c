/* summary: a userspace cable between the two hosts that drops, delays and reorders chosen segments. */
#include "engine/wire.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "engine/sandbox.h"
#include "util/errbuf.h"
#include "util/tr.h"

#define QUEUE_LEN 4096          /* frames in flight per direction; lab traffic is far less */
#define FRAME_MAX 9216
#define HOLD_MAX_NS UINT64_C(1000000000)   /* a held segment whose partner never comes */
#define NOTE_MAX 200
/* The cable's rate: 100 Mbit/s, 80 ns a byte, so a full frame takes 121 us to cross. */
#define NS_PER_BYTE 80u

struct frame {
	uint64_t due_ns;        /* CLOCK_MONOTONIC */
	size_t len;
	unsigned char *data;
};

struct direction {
	int in, out;                    /* packet sockets: read from in, write to out */
	unsigned syns, datas;           /* counted as they reach the wire */
	uint32_t isn;                   /* for relative seqs in notes */
	bool isn_known;
	uint64_t delay_ns;
	struct frame q[QUEUE_LEN];      /* FIFO: constant delay keeps due times in order */
	size_t head, count;
	uint64_t free_ns;               /* when the cable is free for the next frame */
	uint64_t ideal_free_ns;         /* when it would be, had no frame left late */
	struct frame held;              /* a reordered segment waiting for its partner */
	unsigned held_n, held_until;
	uint64_t held_since;
};

struct wire {
	struct wire_plan plan;
	struct direction d[2];          /* [HOST_CLIENT]: what the client sends */
	int stop[2];                    /* pipe: a byte (or EOF) stops the thread */
	int notes[2];                   /* pipe: "T_NS TEXT\n" lines */
	pthread_t thread;
	bool started;
	char rbuf[4096];                /* the reader's unparsed note bytes */
	size_t rlen;
	uint64_t late_ns;               /* wire_late_ns(); written by the thread, atomically */
	bool fault_late;                /* TCPLAB_FAULT=wire-late (docs/security.md) */
};

static const char *const who_name[2] = { "client", "server" };

/* --- the fault language ----------------------------------------------------------- */

static int parse_from(const char *word, bool both_ok, int *from)
{
	if (!strcmp(word, "client"))
		*from = HOST_CLIENT;
	else if (!strcmp(word, "server"))
		*from = HOST_SERVER;
	else if (both_ok && !strcmp(word, "both"))
		*from = WIRE_BOTH;
	else
		return -1;
	return 0;
}

static int parse_uint(const char *word, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	if (!*word || *word == '-' || *word == '+')
		return -1;
	errno = 0;
	v = strtoul(word, &end, 10);
	if (errno || *end || v < 1 || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

int wire_plan_add(struct wire_plan *plan, const char *text, char *errbuf, size_t errlen)
{
	char copy[160], *word[3 + WIRE_MAX_ORDINALS], *save = NULL;
	size_t nw = 0;
	struct wire_fault f;

	memset(&f, 0, sizeof(f));
	if (plan->n == WIRE_MAX_FAULTS) {
		errbuf_set(errbuf, errlen, _("more than %d faults"), WIRE_MAX_FAULTS);
		return -1;
	}
	if (strlen(text) >= sizeof(copy)) {
		errbuf_set(errbuf, errlen, _("fault line too long"));
		return -1;
	}
	strcpy(copy, text);
	for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (nw == sizeof(word) / sizeof(word[0])) {
			errbuf_set(errbuf, errlen, _("too many words in fault '%s' (at most %d segment "
			           "numbers)"), text, WIRE_MAX_ORDINALS);
			return -1;
		}
		word[nw++] = w;
	}
	if (nw >= 1 && !strcmp(word[0], "delay")) {
		f.kind = WIRE_DELAY;
		if (nw != 3 || parse_from(word[1], true, &f.from) < 0 ||
		    parse_uint(word[2], 2000, &f.ms) < 0) {
			errbuf_set(errbuf, errlen, _("fault '%s' must read 'delay client|server|both MS' "
			           "(MS from 1 to 2000)"), text);
			return -1;
		}
	} else if (nw >= 1 && (!strcmp(word[0], "drop") || !strcmp(word[0], "reorder"))) {
		bool drop = !strcmp(word[0], "drop");

		f.kind = drop ? WIRE_DROP : WIRE_REORDER;
		if (nw < 4 || parse_from(word[1], false, &f.from) < 0 ||
		    (strcmp(word[2], "syn") && strcmp(word[2], "data")) ||
		    (!drop && (nw != 5 || strcmp(word[2], "data")))) {
			errbuf_set(errbuf, errlen, drop ?
			           "fault '%s' must read 'drop client|server syn|data N [N...]'" :
			           "fault '%s' must read 'reorder client|server data N M'", text);
			return -1;
		}
		f.what = !strcmp(word[2], "syn") ? WIRE_SYN : WIRE_DATA;
		for (size_t i = 3; i < nw; i++)
			if (parse_uint(word[i], 100000, &f.n[f.nn++]) < 0) {
				errbuf_set(errbuf, errlen, _("fault '%s': '%s' is not a segment number "
				           "(1 for the first)"), text, word[i]);
				return -1;
			}
		if (!drop && f.n[0] >= f.n[1]) {
			errbuf_set(errbuf, errlen, _("fault '%s': the held segment must come before the "
			           "one it waits for (reorder client data 5 6)"), text);
			return -1;
		}
	} else {
		errbuf_set(errbuf, errlen, _("unknown fault '%s' (use drop, delay or reorder)"), text);
		return -1;
	}
	plan->f[plan->n++] = f;
	return 0;
}

/* --- the thread ------------------------------------------------------------------- */

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

__attribute__((format(printf, 2, 3)))
static void note(struct wire *w, const char *fmt, ...)
{
	char text[NOTE_MAX], line[NOTE_MAX + 32];
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	n = snprintf(line, sizeof(line), "%llu tcplab wire: %s\n", (unsigned long long)real_ns(),
	             text);
	/* A full pipe loses the note, never the frame: the notes are for the student's eyes. */
	if (n > 0)
		(void)!write(w->notes[1], line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/* What a frame is, as far as the faults care. */
struct seginfo {
	bool tcp, syn;
	uint32_t seq;
	size_t len;             /* TCP payload */
};

static struct seginfo classify(const unsigned char *p, size_t n)
{
	struct seginfo s = { 0 };
	size_t ihl, doff, tot;

	if (n < 14 + 20 || p[12] != 0x08 || p[13] != 0x00)
		return s;
	p += 14;
	n -= 14;
	ihl = (size_t)(p[0] & 0x0f) * 4;
	tot = (size_t)p[2] << 8 | p[3];
	if ((p[0] >> 4) != 4 || ihl < 20 || p[9] != 6 || tot > n || tot < ihl + 20)
		return s;
	doff = (size_t)(p[ihl + 12] >> 4) * 4;
	if (doff < 20 || ihl + doff > tot)
		return s;
	s.tcp = true;
	s.syn = (p[ihl + 13] & 0x02) != 0;
	s.seq = (uint32_t)p[ihl + 4] << 24 | (uint32_t)p[ihl + 5] << 16 |
	        (uint32_t)p[ihl + 6] << 8 | p[ihl + 7];
	s.len = tot - ihl - doff;
	return s;
}

static bool listed(const struct wire_fault *f, unsigned n)
{
	for (size_t i = 0; i < f->nn; i++)
		if (f->n[i] == n)
			return true;
	return false;
}

static void enqueue(struct direction *d, const unsigned char *data, size_t len, uint64_t due)
{
	struct frame *fr;

	if (d->count == QUEUE_LEN)
		return;         /* cannot happen with lab traffic; a real cable drops too */
	fr = &d->q[(d->head + d->count) % QUEUE_LEN];
	fr->data = malloc(len);
	if (!fr->data)
		return;
	memcpy(fr->data, data, len);
	fr->len = len;
	fr->due_ns = due;
	d->count++;
}

static void release_held(struct direction *d, uint64_t due)
{
	if (!d->held.data)
		return;
	enqueue(d, d->held.data, d->held.len, due);
	free(d->held.data);
	d->held.data = NULL;
}

/* One frame read from direction h's sender: count it, apply the faults, queue it. */
static void on_frame(struct wire *w, int h, const unsigned char *p, size_t n)
{
	struct direction *d = &w->d[h];
	struct seginfo s = classify(p, n);
	uint64_t due = mono_ns() + d->delay_ns;
	unsigned ord = 0;
	enum wire_what what = WIRE_DATA;
	const char *who = who_name[h];

	if (s.tcp && s.syn) {
		d->isn = s.seq;
		d->isn_known = true;
		ord = ++d->syns;
		what = WIRE_SYN;
	} else if (s.tcp && s.len > 0) {
		ord = ++d->datas;
	}
	for (size_t i = 0; ord && i < w->plan.n; i++) {
		const struct wire_fault *f = &w->plan.f[i];
		uint32_t rel = d->isn_known ? s.seq - d->isn : s.seq;

		if (f->from != h || f->what != what)
			continue;
		if (f->kind == WIRE_DROP && listed(f, ord)) {
			if (what == WIRE_SYN)
				note(w, "drops the %s's SYN number %u", who, ord);
			else
				note(w, "drops the %s's data segment %u (seq %u, %zu bytes)", who, ord,
				     rel, s.len);
			return;
		}
		if (f->kind == WIRE_REORDER && f->n[0] == ord && !d->held.data) {
			d->held.data = malloc(n);
			if (!d->held.data)
				break;
			memcpy(d->held.data, p, n);
			d->held.len = n;
			d->held_n = ord;
			d->held_until = f->n[1];
			d->held_since = mono_ns();
			note(w, "holds the %s's data segment %u (seq %u, %zu bytes) until segment %u "
			     "has passed", who, ord, rel, s.len, f->n[1]);
			return;
		}
		if (f->kind == WIRE_REORDER && f->n[1] == ord && d->held.data &&
		    d->held_until == ord) {
			enqueue(d, p, n, due);
			release_held(d, due);
			note(w, "lets the %s's data segment %u through after segment %u", who,
			     d->held_n, ord);
			return;
		}
	}
	enqueue(d, p, n, due);
}

static void drain_in(struct wire *w, int h)
{
	static __thread unsigned char buf[FRAME_MAX];

	for (;;) {
		ssize_t n = recv(w->d[h].in, buf, sizeof(buf), MSG_DONTWAIT);

		if (n <= 0)
			return;
		on_frame(w, h, buf, (size_t)n);
	}
}

/*
 * Sends what is due; returns the ns until the next due frame, or -1 when none waits.
 * One frame at a time, each taking its length at the cable's rate: frames leave at least
 * that far apart, as on a real cable, even when the machine held this thread up and
 * several are due at once. Sent in a bunch, they would reach the receiver in one batch and
 * be acknowledged in one ACK: three duplicate ACKs would become one.
 */
static int64_t flush_out(struct wire *w, int h)
{
	struct direction *d = &w->d[h];
	uint64_t now = mono_ns();

	/* Fault injection for tests: the machine holds this thread up 6 ms whenever the
	 * server's frames are due, as a loaded machine may. */
	if (w->fault_late && h == HOST_SERVER && d->count && d->q[d->head].due_ns <= now) {
		struct timespec ts = { 0, 6000000 };

		nanosleep(&ts, NULL);
		now = mono_ns();
	}
	if (d->held.data && now - d->held_since > HOLD_MAX_NS) {
		note(w, "lets the %s's data segment %u through: segment %u never came", who_name[h],
		     d->held_n, d->held_until);
		release_held(d, now);
	}
	while (d->count) {
		struct frame *fr = &d->q[d->head];
		/* When it would leave had the machine never held this thread up. */
		uint64_t want = fr->due_ns > d->ideal_free_ns ? fr->due_ns : d->ideal_free_ns;

		if (fr->due_ns > now)
			return (int64_t)(fr->due_ns - now);
		if (d->free_ns > now)
			return (int64_t)(d->free_ns - now);
		/* How late the machine let this thread send what was due. */
		if (now - want > __atomic_load_n(&w->late_ns, __ATOMIC_RELAXED))
			__atomic_store_n(&w->late_ns, now - want, __ATOMIC_RELAXED);
		/* A cut cable (the far end down) refuses the frame: it is lost, as on a cable. */
		(void)!send(d->out, fr->data, fr->len, MSG_DONTWAIT);
		d->free_ns = now + (uint64_t)fr->len * NS_PER_BYTE;
		d->ideal_free_ns = want + (uint64_t)fr->len * NS_PER_BYTE;
		free(fr->data);
		fr->data = NULL;
		d->head = (d->head + 1) % QUEUE_LEN;
		d->count--;
	}
	if (d->held.data)
		return (int64_t)(d->held_since + HOLD_MAX_NS - now);
	return -1;
}

static void *wire_main(void *arg)
{
	struct wire *w = arg;

	for (size_t i = 0; i < w->plan.n; i++) {
		const struct wire_fault *f = &w->plan.f[i];

		if (f->kind == WIRE_DELAY)
			note(w, "delays every frame %s by %u ms", f->from == WIRE_BOTH ?
			     "both ways" : f->from == HOST_CLIENT ? "from the client" :
			     "from the server", f->ms);
	}
	for (;;) {
		struct pollfd fds[3] = {
			{ w->d[HOST_CLIENT].in, POLLIN, 0 },
			{ w->d[HOST_SERVER].in, POLLIN, 0 },
			{ w->stop[0], POLLIN, 0 },
		};
		int64_t next = -1;
		struct timespec ts, *timeout = NULL;

		for (int h = 0; h < 2; h++) {
			int64_t t = flush_out(w, h);

			if (t >= 0 && (next < 0 || t < next))
				next = t;
		}
		/* To the nanosecond: frames leave as far apart as they came, as on a cable (a
		 * millisecond timer would deliver them in bunches, which the receiver then
		 * acknowledges in bunches). */
		if (next >= 0) {
			ts.tv_sec = (time_t)(next / 1000000000);
			ts.tv_nsec = (long)(next % 1000000000);
			timeout = &ts;
		}
		if (ppoll(fds, 3, timeout, NULL) < 0 && errno != EINTR)
			break;
		if (fds[2].revents)
			break;
		for (int h = 0; h < 2; h++)
			if (fds[h].revents & POLLIN)
				drain_in(w, h);
	}
	return NULL;
}

/* --- life cycle -------------------------------------------------------------------- */

struct wire *wire_start(int client_end, int server_end, const struct wire_plan *plan,
                        char *errbuf, size_t errlen)
{
	struct wire *w = calloc(1, sizeof(*w));
	int rc;

	if (!w) {
		close(client_end);
		close(server_end);
		errbuf_set(errbuf, errlen, _("cannot start the wire: out of memory"));
		return NULL;
	}
	w->plan = *plan;
	w->d[HOST_CLIENT].in = client_end;
	w->d[HOST_CLIENT].out = server_end;
	w->d[HOST_SERVER].in = server_end;
	w->d[HOST_SERVER].out = client_end;
	w->stop[0] = w->stop[1] = w->notes[0] = w->notes[1] = -1;
	w->fault_late = getenv("TCPLAB_FAULT") && strstr(getenv("TCPLAB_FAULT"), "wire-late");
	for (size_t i = 0; i < plan->n; i++)
		if (plan->f[i].kind == WIRE_DELAY)
			for (int h = 0; h < 2; h++)
				if (plan->f[i].from == h || plan->f[i].from == WIRE_BOTH)
					w->d[h].delay_ns = (uint64_t)plan->f[i].ms * 1000000u;
	if (pipe2(w->stop, O_CLOEXEC) < 0 || pipe2(w->notes, O_CLOEXEC | O_NONBLOCK) < 0) {
		errbuf_set(errbuf, errlen, _("cannot start the wire: pipe: %s"), strerror(errno));
		goto fail;
	}
	rc = pthread_create(&w->thread, NULL, wire_main, w);
	if (rc) {
		errbuf_set(errbuf, errlen, _("cannot start the wire's thread: %s"), strerror(rc));
		goto fail;
	}
	w->started = true;
	return w;
fail:
	wire_free(w);
	return NULL;
}

void wire_free(struct wire *w)
{
	if (!w)
		return;
	if (w->started) {
		(void)!write(w->stop[1], "x", 1);
		pthread_join(w->thread, NULL);
	}
	for (int h = 0; h < 2; h++) {
		struct direction *d = &w->d[h];

		while (d->count) {
			free(d->q[d->head].data);
			d->head = (d->head + 1) % QUEUE_LEN;
			d->count--;
		}
		free(d->held.data);
		if (d->in >= 0)
			close(d->in);
	}
	for (int i = 0; i < 2; i++) {
		if (w->stop[i] >= 0)
			close(w->stop[i]);
		if (w->notes[i] >= 0)
			close(w->notes[i]);
	}
	free(w);
}

uint64_t wire_late_ns(const struct wire *w)
{
	return w ? __atomic_load_n(&w->late_ns, __ATOMIC_RELAXED) : 0;
}

int wire_notes_fd(const struct wire *w)
{
	return w->notes[0];
}

int wire_note_next(struct wire *w, uint64_t *t_ns, char *text, size_t len)
{
	for (;;) {
		char *nl = memchr(w->rbuf, '\n', w->rlen);
		ssize_t n;

		if (nl) {
			size_t linelen = (size_t)(nl - w->rbuf);
			char *sp;

			*nl = '\0';
			*t_ns = strtoull(w->rbuf, &sp, 10);
			snprintf(text, len, "%s", *sp == ' ' ? sp + 1 : sp);
			memmove(w->rbuf, nl + 1, w->rlen - linelen - 1);
			w->rlen -= linelen + 1;
			return 1;
		}
		if (w->rlen == sizeof(w->rbuf))
			w->rlen = 0;    /* no note is this long: resynchronise */
		n = read(w->notes[0], w->rbuf + w->rlen, sizeof(w->rbuf) - w->rlen);
		if (n <= 0)
			return 0;
		w->rlen += (size_t)n;
	}
}
