/* summary: lab 6's exercise driver: five chat clients join, talk, stop reading, and leave (FIN or RST). */
/*
 * usage: chat_clients --host ADDR --port PORT [--seed N --scenario K] [--print-plan]
 *
 * Plays five clients of a chat server, one program, one poll() loop, from a script drawn
 * from the seed:
 *   - clients 1, 2 and 3 join; each new client's first line is "NNN hello from client C"
 *     (but the first's: nobody is there to hear it, and it would race client 2's join);
 *   - a few short lines, each from a client chosen by the seed; some come in two parts,
 *     with another client's whole line between them (each round starts with one);
 *   - one of the three (the slow client, chosen by the seed; SO_RCVBUF 4096 before its
 *     connect()) stops reading while the two others send SLOW_LINES_MIN..MAX long lines
 *     (more than a hundred kilobytes for the slow client: more than its buffers hold);
 *     then it reads again and must get them all;
 *   - client 4 joins; one client leaves, with a FIN or a RST (the seed says which, and
 *     who); at once another line; client 5 joins; another client leaves the other way;
 *   - the rest leave one by one with a FIN, a line between each, until nobody is left.
 *
 * The driver sends a line only when the one before has reached every client that reads,
 * so what each client is owed is exact: every line sent while it was in the chat, but not
 * its own, in the order sent, once. A client that left with a FIN first shuts its sending
 * side only (shutdown SHUT_WR) and waits for the server's FIN: that is how it sees that
 * the server noticed it leave.
 *
 * A server that loses a line gets no more lines, and the rest is played with short waits,
 * so that the report always comes within about BUDGET_MS.
 *
 * At the end it prints four verdicts, one line each, which the lab's output checks read:
 *   "chat_clients: every line reached every client that was there" (or what was missing),
 *   "chat_clients: no client got a line it was not owed" (or the first such line),
 *   "chat_clients: the slow client stalled nobody" (or which line waited for it),
 *   "chat_clients: the server closed its side after each client that left with a FIN".
 * Before the first client connects it announces the plan ("tcplab-driver: slow=2
 * lines=213 ..." and a say= line); --print-plan prints those lines and exits. When
 * something went wrong, a last say= names the first thing, for the student to read.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "labs/lib/driver.h"
#include "labs/lib/peer.h"
#include "labs/lib/seed.h"

#define CLIENTS 5
#define MAX_STEPS 400
#define MAX_LINES 320
#define LINE_MAX_LEN 1000       /* with its newline; the task promises at most 1024 */
#define SLOW_LINES_MIN 160
#define SLOW_LINES_MAX 200
#define STALL_MS 2000           /* a line that has not reached the readers by then waited */
#define NOTICE_MS 2000          /* the server's FIN after a client's, at most this late */
#define BROKEN_MS 300           /* waits once the server has lost a line */
#define BUDGET_MS 9000          /* past this the server is taken as broken: the run ends in time */
#define SPLIT_GAP_MS 5          /* between the two parts of a split line: a pace, not a wait */

enum op { JOIN, SAY, SPLIT, PAUSE, RESUME, LEAVE_FIN, LEAVE_RST };

struct step {
	enum op op;
	int who;                /* 0..CLIENTS-1 */
	int len;                /* SAY: the line's length with its newline */
	int who2, len2;         /* SPLIT: who speaks while `who`'s line is half sent */
};

struct plan {
	struct step step[MAX_STEPS];
	int nstep, slow, nlines, nslow, leave1, leave2;
	bool rst_first;         /* the first leave is the RST, the second the FIN */
};

struct client {
	int fd;
	bool in, left, paused, eof;
	char rx[LINE_MAX_LEN + 2];
	size_t rxlen;
	int owed[MAX_LINES], nowed, got;
	char missing[160], extra[160], closed[160];
};

struct chat {
	struct plan *p;
	struct client c[CLIENTS];
	char *line[MAX_LINES];
	int nline, from[MAX_LINES];
	struct seed words;
	bool broken;            /* a line was lost: stop waiting the full time */
	char stall[200], notice[200];
	long deliveries;
};

static const char *const vocab[] = {
	"hello", "window", "ack", "segment", "buffer", "poll", "thread", "socket", "lunch",
	"today", "who", "is", "here", "ok", "see", "you", "later", "the", "server", "lag",
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void add(struct plan *p, enum op op, int who, int len)
{
	if (p->nstep < MAX_STEPS)
		p->step[p->nstep++] = (struct step){ op, who, len, 0, 0 };
	if (op == SAY || op == JOIN)
		p->nlines++;
}

/* A member other than `not` (or any member when not < 0), at random. */
static int pick(struct seed *s, const bool *in, int not)
{
	int cand[CLIENTS], n = 0;

	for (int i = 0; i < CLIENTS; i++)
		if (in[i] && i != not)
			cand[n++] = i;
	return n ? cand[seed_range(s, 0, n - 1)] : -1;
}

/*
 * A few short lines. About one in four is a SPLIT: its sender sends the first part, and
 * before the rest another client sends a whole line, which must come out first and
 * whole: a server must collect each client's line until its newline, apart from the
 * others'. The first line of a round is always one.
 */
static void chat_round(struct plan *p, struct seed *s, const bool *in, int lo, int hi)
{
	for (long n = seed_range(s, lo, hi), k = 0; k < n; k++) {
		int who = pick(s, in, -1), len = (int)seed_range(s, 24, 120);

		if ((k == 0 || seed_range(s, 0, 3) == 0) && p->nstep < MAX_STEPS) {
			p->step[p->nstep++] = (struct step){ SPLIT, who, len, pick(s, in, who),
			                                     (int)seed_range(s, 12, 120) };
			p->nlines += 2;
		} else {
			add(p, SAY, who, len);
		}
	}
}

static void make_plan(struct plan *p, uint64_t seed, int scenario)
{
	struct seed s;
	bool in[CLIENTS] = { false };
	int last;

	memset(p, 0, sizeof(*p));
	seed_init(&s, seed, scenario, "chat");
	for (int i = 0; i < 3; i++) {
		add(p, JOIN, i, 0);
		in[i] = true;
	}
	chat_round(p, &s, in, 4, 8);
	p->slow = (int)seed_range(&s, 0, 2);
	add(p, PAUSE, p->slow, 0);
	p->nslow = (int)seed_range(&s, SLOW_LINES_MIN, SLOW_LINES_MAX);
	for (int n = 0; n < p->nslow; n++)
		add(p, SAY, pick(&s, in, p->slow), (int)seed_range(&s, 400, LINE_MAX_LEN));
	add(p, RESUME, p->slow, 0);
	add(p, JOIN, 3, 0);
	in[3] = true;
	chat_round(p, &s, in, 3, 6);
	p->rst_first = seed_range(&s, 0, 1);
	p->leave1 = pick(&s, in, -1);
	add(p, p->rst_first ? LEAVE_RST : LEAVE_FIN, p->leave1, 0);
	in[p->leave1] = false;
	/* At once a line: the server may try to send it to the one that just left. */
	add(p, SAY, pick(&s, in, -1), (int)seed_range(&s, 12, 120));
	add(p, JOIN, 4, 0);
	in[4] = true;
	chat_round(p, &s, in, 3, 6);
	p->leave2 = pick(&s, in, -1);
	add(p, p->rst_first ? LEAVE_FIN : LEAVE_RST, p->leave2, 0);
	in[p->leave2] = false;
	add(p, SAY, pick(&s, in, -1), (int)seed_range(&s, 12, 120));
	chat_round(p, &s, in, 2, 4);
	while ((last = pick(&s, in, -1)) >= 0) {
		add(p, LEAVE_FIN, last, 0);
		in[last] = false;
		if (pick(&s, in, -1) >= 0)
			add(p, SAY, pick(&s, in, -1), (int)seed_range(&s, 12, 120));
	}
}

static void announce(const struct plan *p)
{
	printf("tcplab-driver: clients=%d slow=%d lines=%d left_rst=%d left_fin=%d\n", CLIENTS,
	       p->slow + 1, p->nlines, (p->rst_first ? p->leave1 : p->leave2) + 1,
	       (p->rst_first ? p->leave2 : p->leave1) + 1);
	if (driver_korean())
		printf("tcplab-driver: say=%d번 클라이언트가 긴 줄 %d개 동안 읽지 않음; %d번은 %s,"
		       " %d번은 %s 보내고 떠남\n", p->slow + 1,
		       p->nslow, p->leave1 + 1, p->rst_first ? "RST" : "FIN", p->leave2 + 1,
		       p->rst_first ? "FIN" : "RST");
	else
		printf("tcplab-driver: say=client %d stops reading while %d long lines go by;"
		       " client %d leaves with a %s, client %d with a %s\n", p->slow + 1,
		       p->nslow, p->leave1 + 1,
		       p->rst_first ? "RST" : "FIN", p->leave2 + 1, p->rst_first ? "FIN" : "RST");
	fflush(stdout);
}

/* Line n's text: its number (so that every line differs), then words, then '\n'. */
static char *make_line(struct chat *ch, int len)
{
	char *l = malloc((size_t)len + 1);
	int at;

	if (!l)
		exit(1);
	at = snprintf(l, (size_t)len + 1, "%03d ", ch->nline + 1);
	while (at < len - 1) {
		const char *w = vocab[seed_range(&ch->words, 0, sizeof(vocab) / sizeof(vocab[0]) - 1)];
		int n = (int)strlen(w);

		if (at + n + 1 > len - 1)
			n = len - 1 - at - 1;
		if (n <= 0)
			break;
		memcpy(l + at, w, (size_t)n);
		at += n;
		l[at++] = ' ';
	}
	at = at > len - 1 ? len - 1 : at;
	while (at < len - 1)
		l[at++] = '.';
	l[len - 1] = '\n';
	l[len] = '\0';
	return l;
}

/* "client N WHAT 'the line's start'TAIL", once: the first problem of its kind says it. */
static void note(char *buf, size_t len, int who, const char *what, const char *text,
                 const char *tail)
{
	char snip[48];
	size_t n = strcspn(text, "\n");

	if (buf[0])
		return;         /* the first one says it */
	snprintf(snip, sizeof(snip), "%.*s%s", (int)(n < 40 ? n : 40), text, n > 40 ? "..." : "");
	snprintf(buf, len, "client %d %s '%s'%s", who + 1, what, snip, tail);
}

/* One whole line arrived at client i: the next it is owed, a later one, or none. */
static void got_line(struct chat *ch, int i, const char *text, size_t len)
{
	struct client *c = &ch->c[i];

	for (int j = c->got; j < c->nowed; j++) {
		const char *want = ch->line[c->owed[j]];

		if (strlen(want) == len && !memcmp(want, text, len)) {
			if (j > c->got)
				note(c->missing, sizeof(c->missing), i, "never got",
				     ch->line[c->owed[c->got]], "");
			ch->deliveries += j == c->got;
			c->got = j + 1;
			return;
		}
	}
	note(c->extra, sizeof(c->extra), i, "got a line it was not owed:", text, "");
}

static void take(struct chat *ch, int i)
{
	struct client *c = &ch->c[i];

	for (;;) {
		ssize_t r = recv(c->fd, c->rx + c->rxlen, sizeof(c->rx) - c->rxlen, MSG_DONTWAIT);
		char *nl;

		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
			c->eof = true;
			if (!c->left && !c->closed[0])
				snprintf(c->closed, sizeof(c->closed), "the server %s client %d's"
				         " connection while it was still in the chat",
				         r == 0 ? "closed" : "reset", i + 1);
			return;
		}
		if (r < 0)
			return;
		c->rxlen += (size_t)r;
		while ((nl = memchr(c->rx, '\n', c->rxlen))) {
			size_t n = (size_t)(nl - c->rx) + 1;

			got_line(ch, i, c->rx, n);
			memmove(c->rx, c->rx + n, c->rxlen - n);
			c->rxlen -= n;
		}
		if (c->rxlen == sizeof(c->rx)) {
			note(c->extra, sizeof(c->extra), i, "got a line longer than any sent:", c->rx,
			     "");
			c->rxlen = 0;
		}
	}
}

/* Every client that reads has every line it is owed. */
static bool all_delivered(const struct chat *ch)
{
	for (int i = 0; i < CLIENTS; i++) {
		const struct client *c = &ch->c[i];

		if (c->in && !c->paused && !c->eof && c->got < c->nowed)
			return false;
	}
	return true;
}

/* Read until cond holds or ms pass; true when it held. */
static bool pump(struct chat *ch, bool (*cond)(const struct chat *, int), int arg, double ms)
{
	double end = now_ms() + ms;

	while (!cond(ch, arg)) {
		struct pollfd p[CLIENTS];
		int who[CLIENTS], np = 0, wait = (int)(end - now_ms());

		if (wait <= 0)
			return false;
		for (int i = 0; i < CLIENTS; i++) {
			struct client *c = &ch->c[i];

			if (c->fd >= 0 && !c->paused && !c->eof) {
				p[np] = (struct pollfd){ .fd = c->fd, .events = POLLIN };
				who[np++] = i;
			}
		}
		if (poll(p, (nfds_t)np, wait) < 0 && errno != EINTR)
			return false;
		for (int k = 0; k < np; k++)
			if (p[k].revents)
				take(ch, who[k]);
	}
	return true;
}

static bool delivered(const struct chat *ch, int unused)
{
	(void)unused;
	return all_delivered(ch);
}

static bool saw_fin(const struct chat *ch, int i)
{
	return ch->c[i].eof;
}

/* Send line text from client who; every member but who is owed it. */
static void send_bytes(struct chat *ch, int who, const char *text, size_t len);

/* Line text from client who: every member but who is owed it, in this order. */
static void owe(struct chat *ch, int who, char *text)
{
	if (ch->nline == MAX_LINES) {
		free(text);
		return;
	}
	ch->line[ch->nline] = text;
	ch->from[ch->nline] = who;
	for (int i = 0; i < CLIENTS; i++)
		if (i != who && ch->c[i].in && ch->c[i].nowed < MAX_LINES)
			ch->c[i].owed[ch->c[i].nowed++] = ch->nline;
	ch->nline++;
}

static void say(struct chat *ch, int who, char *text)
{
	owe(ch, who, text);
	send_bytes(ch, who, text, strlen(text));
}

static void send_bytes(struct chat *ch, int who, const char *text, size_t len)
{
	struct client *c = &ch->c[who];
	size_t off = 0;
	double end = now_ms() + STALL_MS;

	/* The driver's sockets are non-blocking: a server that does not read must not stall
	 * the driver, which has other clients to read for. */
	while (off < len && now_ms() < end) {
		ssize_t w = send(c->fd, text + off, len - off, MSG_NOSIGNAL);
		struct pollfd pw = { .fd = c->fd, .events = POLLOUT };

		if (w > 0) {
			off += (size_t)w;
			continue;
		}
		if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			break;
		pump(ch, delivered, 0, 0);
		poll(&pw, 1, 10);
	}
}

static void wait_delivered(struct chat *ch, int from, int slow)
{
	if (pump(ch, delivered, 0, ch->broken ? BROKEN_MS : STALL_MS))
		return;
	if (slow >= 0 && ch->c[slow].paused) {
		if (!ch->stall[0])
			snprintf(ch->stall, sizeof(ch->stall), "chat_clients: while client %d was not"
			         " reading, line %d of client %d did not reach the others in %d ms:"
			         " the slow client stalled them", slow + 1, ch->nline, from + 1,
			         STALL_MS);
		return;         /* the slow phase ends now: see run() */
	}
	ch->broken = true;
	for (int i = 0; i < CLIENTS; i++) {
		struct client *c = &ch->c[i];

		if (c->in && !c->paused && !c->eof && c->got < c->nowed)
			note(c->missing, sizeof(c->missing), i, "never got",
			     ch->line[c->owed[c->got]], "");
	}
}

static int join(struct chat *ch, const char *host, int port, int i, bool slow)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
	                          .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV }, *ai;
	struct client *c = &ch->c[i];
	char service[16], *hello;
	int one = 1, small = 4096;

	snprintf(service, sizeof(service), "%d", port);
	if (getaddrinfo(host, service, &hints, &ai) != 0) {
		fprintf(stderr, "chat_clients: '%s' is not an IP address\n", host);
		return -1;
	}
	c->fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (slow)       /* before connect(): the window it offers is chosen from it */
		setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(c->fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		fprintf(stderr, "chat_clients: client %d cannot connect: %s\n", i + 1,
		        strerror(errno));
		freeaddrinfo(ai);
		close(c->fd);
		c->fd = -1;
		return -1;
	}
	freeaddrinfo(ai);
	fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
	printf("chat_clients: client %d joins%s\n", i + 1, slow ? " (SO_RCVBUF 4096)" : "");
	c->in = true;
	for (int k = 0; k < CLIENTS; k++)
		if (k != i && ch->c[k].in)
			break;
		else if (k == CLIENTS - 1)
			return 0;       /* the first: its hello would race the next one's join */
	c->in = false;
	hello = malloc(64);
	if (!hello)
		exit(1);
	snprintf(hello, 64, "%03d hello from client %d\n", ch->nline + 1, i + 1);
	/* Its hello goes to those already there; it is in the chat for the lines after. */
	say(ch, i, hello);
	wait_delivered(ch, i, -1);
	c->in = true;
	return 0;
}

static void leave(struct chat *ch, int i, bool rst)
{
	struct client *c = &ch->c[i];

	c->in = false;
	c->left = true;
	if (rst) {
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };

		printf("chat_clients: client %d leaves with a RST\n", i + 1);
		setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	} else {
		double t0 = now_ms();

		printf("chat_clients: client %d leaves with a FIN\n", i + 1);
		shutdown(c->fd, SHUT_WR);
		if (!c->eof && !pump(ch, saw_fin, i, ch->broken ? BROKEN_MS : NOTICE_MS) &&
		    !ch->notice[0])
			snprintf(ch->notice, sizeof(ch->notice), "chat_clients: client %d left with a"
			         " FIN, and the server did not close its side within %d ms: it did"
			         " not notice", i + 1, ch->broken ? BROKEN_MS : NOTICE_MS);
		else if (c->eof)
			printf("chat_clients: the server closed its side %.1f ms after client %d's"
			       " FIN\n", now_ms() - t0, i + 1);
	}
	close(c->fd);
	c->fd = -1;
}

static void run(struct chat *ch, const char *host, int port)
{
	const struct plan *p = ch->p;
	double end = now_ms() + BUDGET_MS;

	for (int k = 0; k < p->nstep; k++) {
		const struct step *st = &p->step[k];
		struct client *c = &ch->c[st->who];

		/* A server that has lost a line gets no more lines: the leaves are still played
		 * (to see whether it notices them), with short waits, so that the report comes
		 * well before the lab's timeout. */
		if (now_ms() > end)
			ch->broken = true;
		if (ch->broken && (st->op == SAY || st->op == SPLIT))
			continue;
		switch (st->op) {
		case JOIN:
			if (join(ch, host, port, st->who, st->who == p->slow) < 0)
				ch->broken = true;
			break;
		case SAY:
			if (c->fd < 0)
				break;
			say(ch, st->who, make_line(ch, st->len));
			wait_delivered(ch, st->who, p->slow);
			if (ch->stall[0] && ch->c[p->slow].paused) {
				/* Stalled: let the slow client read, and skip to the end of the phase. */
				while (k + 1 < p->nstep && p->step[k + 1].op == SAY)
					k++;
			}
			break;
		case SPLIT: {
			char *first = make_line(ch, st->len), *other;
			size_t cut = strlen(first) / 2;

			if (c->fd < 0 || ch->c[st->who2].fd < 0) {
				free(first);
				break;
			}
			/* Half of a line, a pause, another client's whole line, the rest. */
			send_bytes(ch, st->who, first, cut);
			driver_pause_ms(SPLIT_GAP_MS);
			other = make_line(ch, st->len2);
			say(ch, st->who2, other);
			wait_delivered(ch, st->who2, -1);
			owe(ch, st->who, first);
			send_bytes(ch, st->who, first + cut, strlen(first) - cut);
			wait_delivered(ch, st->who, -1);
			break;
		}
		case PAUSE:
			c->paused = true;
			printf("chat_clients: client %d stops reading\n", st->who + 1);
			break;
		case RESUME:
			c->paused = false;
			printf("chat_clients: client %d reads again\n", st->who + 1);
			/* All it is owed, however long the server kept it: up to 5 s. */
			if (!pump(ch, delivered, 0, ch->broken ? BROKEN_MS : 5000) && !c->missing[0])
				note(c->missing, sizeof(c->missing), st->who, "never got",
				     ch->line[c->owed[c->got]], " (the slow client, after it read again)");
			break;
		case LEAVE_FIN:
		case LEAVE_RST:
			if (c->fd < 0)
				break;
			/* It leaves having read all it was owed (it always reads before it goes). */
			pump(ch, delivered, 0, ch->broken ? BROKEN_MS : STALL_MS);
			leave(ch, st->who, st->op == LEAVE_RST);
			break;
		}
	}
}

static void report(struct chat *ch)
{
	const char *missing = NULL, *extra = NULL, *closed = NULL;

	for (int i = 0; i < CLIENTS; i++) {
		struct client *c = &ch->c[i];

		if (!missing && c->missing[0])
			missing = c->missing;
		if (!extra && c->extra[0])
			extra = c->extra;
		if (!closed && c->closed[0])
			closed = c->closed;
	}
	if (!missing && closed)
		missing = closed;
	if (missing)
		printf("chat_clients: %s\n", missing);
	else
		printf("chat_clients: every line reached every client that was there (%ld"
		       " deliveries)\n", ch->deliveries);
	if (extra)
		printf("chat_clients: %s\n", extra);
	else
		printf("chat_clients: no client got a line it was not owed\n");
	printf("%s\n", ch->stall[0] ? ch->stall : "chat_clients: the slow client stalled nobody");
	printf("%s\n", ch->notice[0] ? ch->notice : "chat_clients: the server closed its side"
	       " after each client that left with a FIN");
	/* The student reads say= beside a failing check: the first thing that went wrong. */
	{
		const char *first = missing ? missing : extra ? extra : ch->stall[0] ?
		                    ch->stall + 14 : ch->notice[0] ? ch->notice + 14 : NULL;

		if (first)
			printf(driver_korean() ? "tcplab-driver: say=%d번 클라이언트가 느렸음; %.150s\n" :
			       "tcplab-driver: say=client %d was slow; %.150s\n", ch->p->slow + 1, first);
	}
}

int main(int argc, char **argv)
{
	const char *host = peer_opt(argc, argv, "--host", "127.0.0.1");
	int port = atoi(peer_opt(argc, argv, "--port", "8060"));
	static struct plan plan;
	static struct chat ch;
	uint64_t seed;
	int scenario, seeded;

	peer_init(argv[0]);
	seed_opts(argc, argv, &seed, &scenario, &seeded);
	make_plan(&plan, seed, scenario);
	announce(&plan);
	if (peer_flag(argc, argv, "--print-plan"))
		return 0;
	ch.p = &plan;
	seed_init(&ch.words, seed, scenario, "words");
	for (int i = 0; i < CLIENTS; i++)
		ch.c[i].fd = -1;
	run(&ch, host, port);
	report(&ch);
	for (int i = 0; i < CLIENTS; i++)
		if (ch.c[i].fd >= 0)
			close(ch.c[i].fd);
	for (int i = 0; i < ch.nline; i++)
		free(ch.line[i]);
	return 0;
}
