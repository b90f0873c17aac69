/* summary: lab 6's clients: three at once against one server, or two fast ones and a slow one. */
/*
 * usage: mc_clients --host ADDR --port PORT --mode three|slow
 *
 * One program, three connections, so that the lab shows them on one ladder.
 *
 * three: client 1 connects, says "hello from client 1" and reads its echo. Then clients 2
 *   and 3 connect and say hello while client 1 stays connected. Client 1 leaves as soon as
 *   both have their echo, or after HOLD_MS at the latest: a server that serves one client
 *   at a time answers them only then. Each echo is reported with when it came: "client 2:
 *   echo while client 1 was still connected (after 3 ms)" or "... echo only after client 1
 *   left (after 1004 ms)".
 *
 * slow: clients 1 and 2 are fast, client 3 is slow: its receive buffer is small
 *   (SO_RCVBUF 4096, before connect()) and it reads nothing for SLOW_PAUSE_MS. Once the
 *   server has all three (client 3's hello reaches both others), clients 1 and 2 each send
 *   LINES lines of about LINE_LEN bytes, to be passed on to the two others, and read what
 *   the server passes on to them. When both fast clients have every line of the other, the
 *   program says whether that happened while the slow client was still not reading. Then
 *   the slow client reads everything, and all three close.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "labs/lib/peer.h"

#define HOLD_MS 1000            /* client 1 stays at most this long */
#define WAIT_MS 8000            /* a server stuck elsewhere: give up, so the run can end */
#define SLOW_PAUSE_MS 1500      /* the slow client reads nothing for this long */
#define LINES 60                /* lines each fast client sends */
#define LINE_LEN 800

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int connect_client(const char *host, int port, int n, int rcvbuf)
{
	int fd;

	if (!rcvbuf) {
		fd = peer_connect(host, port);
	} else {
		/* The slow client's buffer is set before connect(): the window is chosen then. */
		struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST |
		                          AI_NUMERICSERV }, *ai;
		char service[16];

		snprintf(service, sizeof(service), "%d", port);
		if (getaddrinfo(host, service, &hints, &ai) != 0) {
			fprintf(stderr, "mc_clients: '%s' is not an IP address\n", host);
			return -1;
		}
		fd = socket(ai->ai_family, SOCK_STREAM, 0);
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
			perror("mc_clients: connect");
			close(fd);
			fd = -1;
		}
		freeaddrinfo(ai);
	}
	if (fd >= 0)
		printf("mc_clients: client %d connected (fd %d)\n", n, fd);
	return fd;
}

static int say_hello(int fd, int n)
{
	char line[64];
	int len = snprintf(line, sizeof(line), "hello from client %d\n", n);

	return peer_send_all(fd, line, (size_t)len) < 0 ? -1 : len;
}

/* Read up to and including a newline, waiting at most until deadline. */
static bool read_line(int fd, double deadline)
{
	char c;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int wait = (int)(deadline - now_ms());

		if (wait <= 0 || poll(&p, 1, wait) <= 0)
			return false;
		if (recv(fd, &c, 1, 0) != 1)
			return false;
		if (c == '\n')
			return true;
	}
}

static int run_three(const char *host, int port)
{
	int fd[3];
	bool echoed[3] = { false }, one_left = false;
	double start, t0 = now_ms();

	fd[0] = connect_client(host, port, 1, 0);
	if (fd[0] < 0 || say_hello(fd[0], 1) < 0 || !read_line(fd[0], t0 + WAIT_MS)) {
		fprintf(stderr, "mc_clients: client 1 got no echo\n");
		return 1;
	}
	printf("mc_clients: client 1: echo after %.0f ms\n", now_ms() - t0);
	for (int i = 1; i < 3; i++) {
		fd[i] = connect_client(host, port, i + 1, 0);
		if (fd[i] < 0 || say_hello(fd[i], i + 1) < 0)
			return 1;
	}
	start = now_ms();
	while (!echoed[1] || !echoed[2]) {
		struct pollfd p[2];
		int np = 0, who[2];
		double deadline = one_left ? start + WAIT_MS : start + HOLD_MS;
		int wait = (int)(deadline - now_ms());

		for (int i = 1; i < 3; i++)
			if (!echoed[i]) {
				p[np] = (struct pollfd){ .fd = fd[i], .events = POLLIN };
				who[np++] = i;
			}
		if (wait < 0)
			wait = 0;
		if (poll(p, (nfds_t)np, wait) == 0) {
			if (one_left) {
				fprintf(stderr, "mc_clients: no echo after %d ms\n", WAIT_MS);
				return 1;
			}
			printf("mc_clients: client 1 leaves after %.0f ms\n", now_ms() - start);
			close(fd[0]);
			one_left = true;
			continue;
		}
		for (int k = 0; k < np; k++) {
			int i = who[k];

			if (!p[k].revents)
				continue;
			if (!read_line(fd[i], now_ms() + WAIT_MS))
				return 1;
			echoed[i] = true;
			printf("mc_clients: client %d: echo %s (after %.0f ms)\n", i + 1,
			       one_left ? "only after client 1 left" :
			       "while client 1 was still connected", now_ms() - start);
			if (one_left) {
				/* The next one may be waiting for this one to leave. */
				close(fd[i]);
				fd[i] = -1;
			}
		}
	}
	if (!one_left) {
		printf("mc_clients: client 1 leaves after %.0f ms\n", now_ms() - start);
		close(fd[0]);
	}
	for (int i = 1; i < 3; i++)
		if (fd[i] >= 0)
			close(fd[i]);
	return 0;
}

/* Bytes a client still has to send, and lines it has received. */
struct flow {
	char *out;
	size_t outlen, sent;
	int lines;
};

static void fill_lines(struct flow *f, int n)
{
	size_t cap = (size_t)LINES * (LINE_LEN + 64);

	f->out = malloc(cap);
	if (!f->out)
		exit(1);
	for (int l = 1; l <= LINES; l++) {
		int len = snprintf(f->out + f->outlen, cap - f->outlen, "client %d line %02d ", n, l);

		f->outlen += (size_t)len;
		/* The rest of the line: filler, so that the slow client's buffers fill. */
		memset(f->out + f->outlen, 'a' + (l % 26), LINE_LEN - (size_t)len - 1);
		f->outlen += LINE_LEN - (size_t)len - 1;
		f->out[f->outlen++] = '\n';
	}
}

/* Read what has arrived, count the newlines. false: the server closed or failed. */
static bool drain(int fd, struct flow *f)
{
	char buf[16384];
	ssize_t r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

	if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
		return false;
	for (ssize_t i = 0; i < r; i++)
		f->lines += buf[i] == '\n';
	return true;
}

static int run_slow(const char *host, int port)
{
	struct flow f[3] = { { 0 } };
	int fd[3];
	double start, fast_done = 0, slow_from;
	bool slow_reading = false;

	for (int i = 0; i < 3; i++) {
		fd[i] = connect_client(host, port, i + 1, i == 2 ? 4096 : 0);
		if (fd[i] < 0)
			return 1;
	}
	/* Client 3's hello reaching both others: the server has all three. */
	if (say_hello(fd[2], 3) < 0 || !read_line(fd[0], now_ms() + WAIT_MS) ||
	    !read_line(fd[1], now_ms() + WAIT_MS)) {
		fprintf(stderr, "mc_clients: client 3's hello did not reach clients 1 and 2\n");
		return 1;
	}
	fill_lines(&f[0], 1);
	fill_lines(&f[1], 2);
	for (int i = 0; i < 2; i++)
		fcntl(fd[i], F_SETFL, fcntl(fd[i], F_GETFL) | O_NONBLOCK);
	start = now_ms();
	slow_from = start + SLOW_PAUSE_MS;
	printf("mc_clients: clients 1 and 2 send %d lines of %d bytes each; client 3 reads"
	       " nothing for %d ms\n", LINES, LINE_LEN, SLOW_PAUSE_MS);
	/* Until every client has every line meant for it: a client that closed while lines
	 * were still on their way to it would answer them with RST. Client 3 can finish
	 * before the fast ones when the machine is loaded. */
	while (f[2].lines < 2 * LINES || f[0].lines < LINES || f[1].lines < LINES) {
		struct pollfd p[3];
		double t = now_ms(), until = slow_reading ? start + WAIT_MS : slow_from;
		int wait = until > t ? (int)(until - t) : 0;

		if (t > start + WAIT_MS) {
			fprintf(stderr, "mc_clients: the lines did not all arrive in %d ms (clients"
			        " got %d, %d and %d)\n", WAIT_MS, f[0].lines, f[1].lines, f[2].lines);
			return 1;
		}
		for (int i = 0; i < 3; i++) {
			p[i] = (struct pollfd){ .fd = fd[i], .events = POLLIN };
			if (i < 2 && f[i].sent < f[i].outlen)
				p[i].events |= POLLOUT;
			if (i == 2 && !slow_reading)
				p[i].fd = -1;
		}
		poll(p, 3, fast_done ? wait : (wait < 1000 ? wait : 1000));
		if (!slow_reading && now_ms() >= slow_from) {
			slow_reading = true;
			printf("mc_clients: client 3 reads again at +%.0f ms\n", now_ms() - start);
		}
		for (int i = 0; i < 3; i++) {
			if ((p[i].revents & POLLOUT)) {
				ssize_t w = send(fd[i], f[i].out + f[i].sent, f[i].outlen - f[i].sent,
				                 MSG_NOSIGNAL);

				if (w > 0)
					f[i].sent += (size_t)w;
			}
			if ((p[i].revents & (POLLIN | POLLHUP | POLLERR)) && !drain(fd[i], &f[i])) {
				fprintf(stderr, "mc_clients: client %d: the server closed or failed\n",
				        i + 1);
				return 1;
			}
		}
		if (!fast_done && f[0].lines >= LINES && f[1].lines >= LINES) {
			fast_done = now_ms();
			printf("mc_clients: clients 1 and 2 have all %d lines of each other at +%.0f"
			       " ms, %s\n", LINES, fast_done - start, slow_reading ?
			       "only after the slow client read again" :
			       "while the slow client was still not reading");
		}
	}
	printf("mc_clients: client 3 has all %d lines at +%.0f ms\n", 2 * LINES, now_ms() - start);
	for (int i = 0; i < 3; i++) {
		close(fd[i]);
		free(f[i].out);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *host = peer_opt(argc, argv, "--host", "127.0.0.1");
	const char *mode = peer_opt(argc, argv, "--mode", "three");
	int port = atoi(peer_opt(argc, argv, "--port", "8060"));

	peer_init(argv[0]);
	if (!strcmp(mode, "three"))
		return run_three(host, port);
	if (!strcmp(mode, "slow"))
		return run_slow(host, port);
	fprintf(stderr, "mc_clients: unknown --mode '%s' (three, slow)\n", mode);
	return 2;
}
