/* summary: lab 4's exercise driver: three clients in turn, one closes, one resets, one vanishes. */
/*
 * usage: three_clients --host ADDR --port PORT [--seed N --scenario K] [--print-plan]
 *
 * Each client connects, sends one line, reads its echo, then goes away in one of three ways:
 *   closes:   stays silent for a while (0-2.5 s), then close(): a FIN;
 *   resets:   stays silent for a while, then SO_LINGER {1, 0} and close(): a RST;
 *   vanishes: prints "client N vanishes now" (the lab pulls the cable) and sends nothing at
 *             all for VANISH_HOLD_MS, longer than the 5 s the server has to notice. Then it
 *             drops its socket without a segment (TCP repair mode) while the cable is still
 *             out and, when another client is still to come, prints "the cable goes back
 *             in" (the lab plugs it back in) and waits until the server's host answers.
 *
 * Which client does which is drawn from the seed, and so is how long the closing and the
 * resetting client stay silent: a server cannot be right by knowing the order, and one
 * that calls a silent client "vanished" after a second is caught by a client that waits
 * longer (one of the two always waits 1.5 s or more). The scenarios of one grade get orders
 * that differ for every client, so an order written into a server matches at most one.
 * Without --seed: the classic order (closes, resets, vanishes) at once, for hand runs.
 *
 * Before the first client connects the driver announces what it will do, for the lab's
 * checks: "tcplab-driver: fate1=closed fate2=vanished fate3=reset closed=1 reset=3
 * vanished=2 idle1=1.8 idle2=0.0 idle3=0.4" (idleN: seconds of silence before it closes
 * or resets), then "tcplab-driver: say=..." (the scenario in words). --print-plan prints
 * those lines and exits (the tests check the orders over many seeds with it).
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "labs/lib/driver.h"
#include "labs/lib/peer.h"
#include "labs/lib/seed.h"

#define CLIENTS 3
#define VANISH_HOLD_MS 6000     /* the server has 5 s from the pull to notice */
#define ECHO_WAIT_S 10          /* a server stuck elsewhere: give up, so the run can end */
#define IDLE_MAX_MS 2500
#define IDLE_LONG_MS 1500       /* one silent client waits at least this: past a 1 s guess */
#define CABLE_WAIT_MS 5000      /* how long to wait for the server's host after the restore */

enum fate { CLOSES, RESETS, VANISHES };

static const char *const fate_word[] = { "closed", "reset", "vanished" };

struct plan {
	enum fate fate[CLIENTS];        /* client i+1's */
	int idle_ms[CLIENTS];           /* silence after the echo; 0 for the vanishing one */
};

/*
 * The plan of one scenario. The order is the same draw for every scenario of a grade,
 * rotated by a seed-chosen step (1 or 2) per scenario: two scenarios' orders then differ
 * for every client (with three clients, scenarios 0, 1 and 2 are pairwise different).
 */
static void make_plan(struct plan *p, uint64_t seed, int scenario, bool seeded)
{
	static const enum fate orders[6][CLIENTS] = {
		{ CLOSES, RESETS, VANISHES }, { CLOSES, VANISHES, RESETS },
		{ RESETS, CLOSES, VANISHES }, { RESETS, VANISHES, CLOSES },
		{ VANISHES, CLOSES, RESETS }, { VANISHES, RESETS, CLOSES },
	};
	struct seed grade, run;
	int order, step, silent[2], ns = 0;

	memset(p, 0, sizeof(*p));
	if (!seeded) {
		memcpy(p->fate, orders[0], sizeof(p->fate));
		return;
	}
	seed_init(&grade, seed, -1, "fates");
	order = (int)seed_range(&grade, 0, 5);
	step = (int)seed_range(&grade, 1, 2);
	for (int i = 0; i < CLIENTS; i++)
		p->fate[i] = orders[order][(i + step * scenario) % CLIENTS];
	seed_init(&run, seed, scenario, "idle");
	for (int i = 0; i < CLIENTS; i++)
		if (p->fate[i] != VANISHES)
			silent[ns++] = i;
	for (int k = 0; k < ns; k++)
		p->idle_ms[silent[k]] = (int)seed_range(&run, 0, IDLE_MAX_MS / 100) * 100;
	p->idle_ms[silent[seed_range(&run, 0, ns - 1)]] =
		(int)seed_range(&run, IDLE_LONG_MS / 100, IDLE_MAX_MS / 100) * 100;
}

/* "tcplab-driver: fate1=... closed=N reset=N vanished=N idle1=S ...", then say=. */
static void announce(const struct plan *p)
{
	static const char *const verb[] = { "closes", "resets", "vanishes" };
	static const char *const verb_ko[] = { "닫음", "리셋", "사라짐" };
	int who[3] = { 0, 0, 0 };

	printf("tcplab-driver:");
	for (int i = 0; i < CLIENTS; i++) {
		printf(" fate%d=%s", i + 1, fate_word[p->fate[i]]);
		who[p->fate[i]] = i + 1;
	}
	for (int f = 0; f < 3; f++)
		printf(" %s=%d", fate_word[f], who[f]);
	for (int i = 0; i < CLIENTS; i++)
		printf(" idle%d=%.1f", i + 1, p->idle_ms[i] / 1000.0);
	/* The lab reads lines of up to 199 characters: say= gets a line of its own. */
	printf("\ntcplab-driver: say=");
	for (int i = 0; i < CLIENTS; i++) {
		if (driver_korean()) {
			/* "클라이언트 1: 2.0초 뒤 닫음": three fit in say='s 127 bytes */
			printf("%s클라이언트 %d: ", i ? ", " : "", i + 1);
			if (p->fate[i] != VANISHES)
				printf(p->idle_ms[i] ? "%.1f초 뒤 " : "바로 ", p->idle_ms[i] / 1000.0);
			printf("%s", verb_ko[p->fate[i]]);
			continue;
		}
		printf("%sclient %d %s", i ? ", " : "", i + 1, verb[p->fate[i]]);
		if (p->fate[i] != VANISHES)
			printf(p->idle_ms[i] ? " after %.1f s" : " at once",
			       p->idle_ms[i] / 1000.0);
	}
	printf("\n");
}

static void pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Connect, send "hello from client N\n", read the echo up to its newline. fd, or -1. */
static int hello(const char *host, int port, int n)
{
	struct timeval tv = { .tv_sec = ECHO_WAIT_S };
	char line[64], echo[64];
	size_t len, got = 0;
	int fd;

	len = (size_t)snprintf(line, sizeof(line), "hello from client %d\n", n);
	fd = peer_connect(host, port);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (peer_send_all(fd, line, len) < 0)
		goto fail;
	while (got < len) {
		ssize_t r = recv(fd, echo + got, len - got, 0);

		if (r <= 0) {
			fprintf(stderr, "three_clients: client %d: no echo (%s)\n", n,
			        r ? strerror(errno) : "the server closed");
			goto fail;
		}
		got += (size_t)r;
	}
	if (memcmp(echo, line, len)) {
		fprintf(stderr, "three_clients: client %d: the echo differs from the line\n", n);
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

/* RST instead of FIN, whatever is in the buffers (RFC 9293 section 3.6, abort). */
static void abort_close(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

/*
 * Drop the vanished client's socket without a word: a host whose cable was pulled sends
 * nothing, ever. In TCP repair mode (Linux, CAP_NET_ADMIN: the lab's driver has it in its
 * namespace) close() frees the socket and sends nothing. Without the capability, an abort:
 * its RST is lost on the cut cable, but the capture on the client's side shows it.
 */
static void vanish_close(int fd)
{
	int one = 1;

	if (setsockopt(fd, IPPROTO_TCP, TCP_REPAIR, &one, sizeof(one)) == 0)
		close(fd);
	else
		abort_close(fd);
}

/*
 * After the restore: wait until the server's host answers again, so that the next SYN is
 * not lost on a cable that is still coming up (a lost SYN is resent only after 1 s, and
 * the capture would show it). A UDP datagram to the lab's port, where nothing listens,
 * draws an ICMP port unreachable once the path is back: the connected socket then fails
 * with ECONNREFUSED. Neither is TCP, so the lab's capture and checks do not see them.
 */
static void wait_cable(const char *host, int port)
{
	int fd = peer_connect_udp(host, port);

	for (int waited = 0; fd >= 0 && waited < CABLE_WAIT_MS; waited += 50) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		char c;

		(void)send(fd, "?", 1, 0);
		if (poll(&pfd, 1, 50) > 0 && recv(fd, &c, 1, MSG_DONTWAIT) < 0 &&
		    errno == ECONNREFUSED)
			break;
	}
	if (fd >= 0)
		close(fd);
}

int main(int argc, char **argv)
{
	const char *host = peer_opt(argc, argv, "--host", "127.0.0.1");
	int port = atoi(peer_opt(argc, argv, "--port", "8000"));
	struct plan p;
	uint64_t seed;
	int scenario, seeded;

	peer_init(argv[0]);
	seed_opts(argc, argv, &seed, &scenario, &seeded);
	make_plan(&p, seed, scenario, seeded);
	announce(&p);
	if (peer_flag(argc, argv, "--print-plan"))
		return 0;
	for (int i = 0; i < CLIENTS; i++) {
		int n = i + 1, fd = hello(host, port, n);

		if (fd < 0)
			return 1;
		switch (p.fate[i]) {
		case CLOSES:
		case RESETS:
			/* Silent but alive: its kernel still answers keepalive probes. */
			pause_ms(p.idle_ms[i]);
			if (p.fate[i] == CLOSES) {
				printf("three_clients: client %d closes (FIN)\n", n);
				close(fd);
			} else {
				printf("three_clients: client %d resets (SO_LINGER {1, 0}, then close:"
				       " RST)\n", n);
				abort_close(fd);
			}
			break;
		case VANISHES:
			printf("three_clients: client %d vanishes now\n", n);
			pause_ms(VANISH_HOLD_MS);
			vanish_close(fd);
			if (i + 1 < CLIENTS) {
				printf("three_clients: client %d stays gone; the cable goes back in for"
				       " the next client\n", n);
				wait_cable(host, port);
			}
			break;
		}
	}
	return 0;
}
