/* summary: lab 4's client: sends a request or pings, and reports how the server went away. */
/*
 * usage: rst_client --host ADDR --port PORT --mode MODE
 *
 *   observe       send a 100-byte request in one send() and wait in recv(): 0 is the
 *                 server's FIN; -1 with ECONNRESET is its RST, and then one more send()
 *                 shows EPIPE (MSG_NOSIGNAL, or SIGPIPE would kill this program).
 *   keepalive     SO_KEEPALIVE with idle 1 s, interval 1 s, 3 probes; two pings, then
 *                 "pull the cable now" and an idle recv(): ETIMEDOUT when the probes go
 *                 unanswered.
 *   user-timeout  TCP_USER_TIMEOUT 2000 ms; a ping every 0.5 s; after the pull a ping is
 *                 never acknowledged and recv() fails with ETIMEDOUT.
 *   heartbeat     a ping every 0.5 s; no pong for 1.5 s means the server is gone: the
 *                 client aborts (SO_LINGER {1, 0}), since a FIN to a dead peer would be
 *                 retransmitted for minutes.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "labs/lib/peer.h"

#define REQUEST_LEN 100
#define PING_MS 500          /* the heartbeat's period: part of the lesson, not a wait */
#define DEAD_MS 1500         /* no pong for this long: the server is gone */
#define PINGS_BEFORE_CUT 2

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void pause_ms(long long ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000 };

	while (ms > 0 && nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int observe(int fd)
{
	char req[REQUEST_LEN], buf[512];
	ssize_t n;

	memset(req, 'x', sizeof(req));
	if (peer_send_all(fd, req, sizeof(req)) < 0)
		return 1;
	printf("rst_client: sent a %d-byte request; waiting in recv()\n", REQUEST_LEN);
	n = recv(fd, buf, sizeof(buf), 0);
	if (n == 0) {
		printf("rst_client: recv returned 0: the server closed (FIN)\n");
		close(fd);
		return 0;
	}
	if (n > 0) {
		fprintf(stderr, "rst_client: unexpected %zd bytes from the server\n", n);
		return 1;
	}
	printf("rst_client: recv failed: %s\n", strerror(errno));
	if (send(fd, req, sizeof(req), MSG_NOSIGNAL) < 0)
		printf("rst_client: the next send failed: %s\n", strerror(errno));
	else
		printf("rst_client: the next send succeeded\n");
	close(fd);
	return 0;
}

/* One ping and its pong. 0, or -1 with errno from the failing call. */
static int ping(int fd)
{
	char pong[5];
	ssize_t n;

	if (send(fd, "ping\n", 5, MSG_NOSIGNAL) < 0)
		return -1;
	n = peer_recv_n(fd, pong, sizeof(pong));
	if (n == (ssize_t)sizeof(pong))
		return 0;
	if (n >= 0)
		errno = ECONNRESET;     /* closed early: not expected in this lab */
	return -1;
}

static int heartbeat(int fd, long long cut)
{
	long long last_pong = cut, next_ping = cut + PING_MS;
	char buf[64];

	for (;;) {
		long long now = now_ms();
		struct pollfd p = { fd, POLLIN, 0 };
		long long wait = next_ping - now;

		if (now - last_pong >= DEAD_MS) {
			struct linger lg = { .l_onoff = 1, .l_linger = 0 };

			printf("rst_client: no pong for %lld ms: the server is gone; aborting\n",
			       now - last_pong);
			setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
			close(fd);
			return 0;
		}
		if (last_pong + DEAD_MS - now < wait)
			wait = last_pong + DEAD_MS - now;
		if (wait <= 0) {
			if (now >= next_ping) {
				if (send(fd, "ping\n", 5, MSG_NOSIGNAL) < 0) {
					printf("rst_client: send failed: %s\n", strerror(errno));
					return 1;
				}
				next_ping += PING_MS;
			}
			continue;
		}
		if (poll(&p, 1, (int)wait) > 0) {
			ssize_t n = recv(fd, buf, sizeof(buf), 0);

			if (n <= 0) {
				printf("rst_client: recv returned %zd: %s\n", n, n ? strerror(errno) : "");
				return 1;
			}
			last_pong = now_ms();
		}
	}
}

int main(int argc, char **argv)
{
	const char *host = peer_opt(argc, argv, "--host", "127.0.0.1");
	int port = atoi(peer_opt(argc, argv, "--port", "8000"));
	const char *mode = peer_opt(argc, argv, "--mode", "observe");
	int one = 1, idle = 1, intvl = 1, cnt = 3;
	unsigned int user_timeout = 2000;
	long long cut;
	char buf[64];
	int fd;

	peer_init(argv[0]);
	if (strcmp(mode, "observe") && strcmp(mode, "keepalive") && strcmp(mode, "user-timeout") &&
	    strcmp(mode, "heartbeat")) {
		fprintf(stderr, "rst_client: --mode must be observe, keepalive, user-timeout or"
		        " heartbeat, not '%s'\n", mode);
		return 2;
	}
	fd = peer_connect(host, port);
	if (fd < 0)
		return 1;
	if (!strcmp(mode, "observe"))
		return observe(fd);

	if (!strcmp(mode, "keepalive")) {
		setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
		setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
		setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
		setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
	} else if (!strcmp(mode, "user-timeout")) {
		setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout, sizeof(user_timeout));
	}
	for (int i = 0; i < PINGS_BEFORE_CUT; i++) {
		if (i)
			pause_ms(PING_MS);
		if (ping(fd) < 0) {
			printf("rst_client: ping failed before the pull: %s\n", strerror(errno));
			return 1;
		}
	}
	cut = now_ms();
	printf("rst_client: pull the cable now\n");
	if (!strcmp(mode, "heartbeat"))
		return heartbeat(fd, cut);
	if (!strcmp(mode, "user-timeout")) {
		pause_ms(PING_MS);
		if (send(fd, "ping\n", 5, MSG_NOSIGNAL) < 0) {
			printf("rst_client: send failed: %s\n", strerror(errno));
			return 1;
		}
	}
	if (recv(fd, buf, sizeof(buf), 0) < 0)
		printf("rst_client: recv failed after %lld ms: %s\n", now_ms() - cut, strerror(errno));
	else
		printf("rst_client: recv returned without an error\n");
	close(fd);
	return 0;
}
