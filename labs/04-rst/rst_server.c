/* summary: lab 4's server: reads a request, then goes away in the way the lesson needs. */
/*
 * usage: rst_server --addr ADDR --port PORT --mode MODE
 *
 * The client sends one request of 100 bytes in one send(), so it arrives in one segment:
 * once recv() has returned its first bytes, all 100 are in the receive buffer. What the
 * server does next decides what its kernel puts on the wire:
 *
 *   orderly       read all 100 bytes, close(): FIN (RFC 9293 section 3.6).
 *   close-unread  read 10 bytes, close() with 90 still unread: RST (RFC 9293 section 3.6:
 *                 closing with data pending is an abort, and Linux does it).
 *   kill-unread   read 10 bytes, say "ready to be killed" and wait; the lab SIGKILLs it.
 *                 The kernel closes the socket with 90 bytes unread: RST.
 *   kill-read     read all 100 bytes, say "ready to be killed" and wait; the kernel closes
 *                 a socket with nothing unread normally: FIN.
 *   linger        read all 100 bytes, SO_LINGER {1, 0}, close(): RST, no TIME-WAIT.
 *   echo          answer each message with "pong", and report how long an idle recv()
 *                 waits after the cable is pulled (SO_RCVTIMEO of 5 s ends the demo; without
 *                 it the recv() would block forever).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "labs/lib/peer.h"

#define REQUEST_LEN 100
#define IDLE_LIMIT_S 5

static int echo(int fd)
{
	struct timeval tv = { .tv_sec = IDLE_LIMIT_S };
	char buf[512];

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			printf("rst_server: recv() still waiting after %d s: nothing told this side"
			       " that the cable is gone\n", IDLE_LIMIT_S);
			return 0;
		}
		if (n < 0) {
			perror("rst_server: recv");
			return 1;
		}
		if (n == 0) {
			printf("rst_server: the client closed (recv returned 0)\n");
			return 0;
		}
		if (peer_send_all(fd, "pong\n", 5) < 0)
			return 1;
	}
}

int main(int argc, char **argv)
{
	const char *addr = peer_opt(argc, argv, "--addr", "0.0.0.0");
	int port = atoi(peer_opt(argc, argv, "--port", "8000"));
	const char *mode = peer_opt(argc, argv, "--mode", "orderly");
	static const char *const modes[] = { "orderly", "close-unread", "kill-unread",
	                                     "kill-read", "linger", "echo" };
	int unread_mode = !strcmp(mode, "close-unread") || !strcmp(mode, "kill-unread");
	char buf[REQUEST_LEN];
	size_t want, i;
	ssize_t got;
	int lfd, fd;

	peer_init(argv[0]);
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]) && strcmp(mode, modes[i]); i++)
		;
	if (i == sizeof(modes) / sizeof(modes[0])) {
		fprintf(stderr, "rst_server: --mode must be orderly, close-unread, kill-unread,"
		        " kill-read, linger or echo, not '%s'\n", mode);
		return 2;
	}
	lfd = peer_listen(addr, port, 1);
	if (lfd < 0)
		return 1;
	fd = accept(lfd, NULL, NULL);
	if (fd < 0) {
		perror("rst_server: accept");
		return 1;
	}
	/* The listener stays open to the end, so the connection's close() is the first. */
	if (!strcmp(mode, "echo")) {
		int ret = echo(fd);

		close(fd);
		close(lfd);
		return ret;
	}

	want = unread_mode ? 10 : REQUEST_LEN;
	got = peer_recv_n(fd, buf, want);
	if (got != (ssize_t)want) {
		fprintf(stderr, "rst_server: the request ended after %zd bytes\n", got);
		return 1;
	}
	printf("rst_server: read %zu of the %d bytes; %zu left unread in the receive buffer\n",
	       want, REQUEST_LEN, REQUEST_LEN - want);
	if (!strncmp(mode, "kill-", 5)) {
		printf("rst_server: ready to be killed\n");
		for (;;)
			pause();
	}
	if (!strcmp(mode, "linger")) {
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };

		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		printf("rst_server: SO_LINGER {1, 0}, then close(): abort the connection\n");
	}
	close(fd);
	close(lfd);
	return 0;
}
