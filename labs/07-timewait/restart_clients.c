/* summary: lab 7's exercise driver: clients keep coming while the server is killed and restarted. */
/*
 * usage: restart_clients --host ADDR --port PORT [--seed N --scenario K] [--print-plan]
 *
 * Clients one after another, each one line ("hello WORD N") that must come back as it
 * was, then the client's FIN (shutdown SHUT_WR), then it waits for the server's FIN: a
 * server that never closes a connection leaves it in CLOSE-WAIT, and the client gives up
 * waiting after CLOSE_WAIT_MS. In the middle one client stays connected after its echo
 * and a second one connects and sends nothing (the sentinel); the driver prints "restart
 * the server now" and the lab kills the server and starts it again at once
 * (restart-server). The sentinel's end (a FIN from the dying server's kernel, or a RST
 * from its closed listener) tells the driver that the old server is gone; the clients
 * after it connect to the new one, trying again for up to 3 s while nothing listens yet
 * (10, 20, 40 ... ms apart). The dying server's kernel releases its descriptors last
 * first, so its listener can still take a connection after the sentinel has ended, and
 * then reset it: the first client after the restart tries again after a reset that comes
 * before its echo (up to 3 times).
 *
 * Seeded (docs/lab-format.md): how many clients come before and after the restart, and
 * the words they send. It announces "tcplab-driver: clients=N before=B after=A", then
 * "say=...", and at the end "served=S" (clients whose line came back whole) and
 * "closed=C" (clients the server closed). --print-plan prints the plan and exits.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
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

#define ECHO_WAIT_MS 2000       /* a line's echo; a server that never answers is given up */
#define CLOSE_WAIT_MS 500       /* the server's FIN after the client's */
#define SENTINEL_WAIT_MS 5000   /* the old server's end, after "restart the server now" */
#define REFUSED_RETRY_MS 3000   /* a new server's listen() after its start */

struct plan {
	int before, after;
	char word[64];
};

static void make_plan(struct plan *p, uint64_t seed, int scenario, bool seeded)
{
	struct seed s;

	if (!seeded) {
		*p = (struct plan){ 2, 2, "hello" };
		return;
	}
	seed_init(&s, seed, scenario, "restart");
	p->before = (int)seed_range(&s, 2, 4);
	p->after = (int)seed_range(&s, 2, 4);
	seed_text(&s, p->word, sizeof(p->word), 5, 16, '-');
}

/* Wait up to ms for the peer's FIN (0) or RST (-1); 1 when neither came in time. */
static int wait_end(int fd, int ms)
{
	char buf[256];

	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t n;

		if (poll(&p, 1, ms) <= 0)
			return 1;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n == 0)
			return 0;
		if (n < 0)
			return -1;
	}
}

/* Send one line and read it back whole within ECHO_WAIT_MS: 1 when it came back, 0 when
 * the connection ended (FIN or RST) before one byte of it, -1 otherwise. */
static int exchange(int fd, const char *line)
{
	size_t len = strlen(line), got = 0;
	char buf[128];

	if (peer_send_all(fd, line, len) < 0)
		return 0;
	while (got < len) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t n;

		if (poll(&p, 1, ECHO_WAIT_MS) <= 0)
			return -1;
		n = recv(fd, buf + got, sizeof(buf) - got, 0);
		if (n <= 0)
			return got ? -1 : 0;
		got += (size_t)n;
	}
	return got == len && !memcmp(buf, line, len) ? 1 : -1;
}

int main(int argc, char **argv)
{
	const char *host = peer_opt(argc, argv, "--host", "127.0.0.1");
	int port = atoi(peer_opt(argc, argv, "--port", "8070"));
	uint64_t seed;
	int scenario, seeded, n, served = 0, closed = 0, held = -1, sentinel, ok;
	bool gone = false;
	struct plan p;

	peer_init(argv[0]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	seed_opts(argc, argv, &seed, &scenario, &seeded);
	make_plan(&p, seed, scenario, seeded);
	n = p.before + 1 + p.after;
	driver_announce("clients=%d before=%d after=%d", n, p.before, p.after);
	if (driver_korean())
		driver_announce("say=클라이언트 %d개, 서버가 재시작하는 동안 열어 둔 클라이언트 하나,"
		                " 그다음 %d개 더", p.before, p.after);
	else
		driver_announce("say=%d clients, then one held open while the server restarts, then"
		                " %d more", p.before, p.after);
	if (peer_flag(argc, argv, "--print-plan"))
		return 0;
	if (inet_pton(AF_INET, host, &(struct in_addr){ 0 }) != 1) {
		fprintf(stderr, "restart_clients: '%s' is not an IPv4 address\n", host);
		return 2;
	}
	for (int i = 1; i <= n; i++) {
		char line[128];
		int fd, end;

		snprintf(line, sizeof(line), "hello %s %d\n", p.word, i);
		if (gone) {
			printf("client %d: not served: the server did not come back\n", i);
			continue;
		}
		fd = peer_connect_retry(host, port, REFUSED_RETRY_MS);
		ok = fd < 0 ? 0 : exchange(fd, line);
		/* The old server's kernel closes its descriptors last first: its listener may
		 * take one more connection after the sentinel's end, and reset it. The first
		 * client after the restart tries again, as a client does after a reset. */
		for (int again = 0; i == p.before + 2 && ok == 0 && again < 3; again++) {
			printf("client %d: reset before its echo, as the old server died: trying"
			       " again\n", i);
			close(fd);
			fd = peer_connect_retry(host, port, REFUSED_RETRY_MS);
			ok = fd < 0 ? 0 : exchange(fd, line);
		}
		if (fd < 0) {
			printf("client %d: cannot connect: %s%s\n", i, strerror(errno),
			       errno == ECONNREFUSED ? " for 3 s: nothing listens on the port" : "");
			gone = true;
			continue;
		}
		if (ok != 1) {
			printf("client %d: its line did not come back whole\n", i);
			close(fd);
			continue;
		}
		served++;
		if (i == p.before + 1) {
			/* Held open through the restart, and a sentinel that only the old
			 * server's end can close. */
			held = fd;
			sentinel = peer_connect_retry(host, port, REFUSED_RETRY_MS);
			printf("client %d: echoed and still connected: restart the server now\n", i);
			fflush(stdout);
			if (sentinel >= 0) {
				if (wait_end(sentinel, SENTINEL_WAIT_MS) == 1)
					printf("the old server did not end within %d s\n",
					       SENTINEL_WAIT_MS / 1000);
				close(sentinel);
			}
			end = wait_end(held, CLOSE_WAIT_MS);
			closed += end == 0;
			close(held);
			printf("client %d: the old server's end closed it\n", i);
			continue;
		}
		shutdown(fd, SHUT_WR);
		end = wait_end(fd, CLOSE_WAIT_MS);
		if (end == 0) {
			closed++;
			printf("client %d: echoed and closed\n", i);
		} else {
			printf("client %d: echoed, but the server %s\n", i, end < 0 ?
			       "reset the connection" : "never closed it (0.5 s after the client's FIN)");
		}
		close(fd);
	}
	driver_announce("served=%d closed=%d", served, closed);
	printf("served %d of %d clients; all clients done\n", served, n);
	return 0;
}
