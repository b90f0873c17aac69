/* summary: lab 4's exercise driver: three clients in turn, one closes, one resets, one vanishes. */
/*
 * usage: three_clients --host ADDR --port PORT
 *
 * Each client connects, sends one line, reads its echo, then goes away:
 *   client 1 closes: close(), a FIN;
 *   client 2 resets: SO_LINGER {1, 0} and close(), a RST;
 *   client 3 vanishes: it prints "client 3 vanishes now" (the lab pulls the cable) and
 *   then sends nothing at all. It gives up after 8 s, longer than the 5 s the server has
 *   to notice, so that the run ends even when the server never does.
 * The vanishing client comes last because a pulled cable cuts every connection on it. Each
 * client waits for its echo before leaving, so the server has taken that connection
 * before it closes, resets or vanishes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "labs/lib/peer.h"

#define VANISHED_WAIT_S 8

/* Connect, send "hello from client N\n", read the echo up to its newline. fd, or -1. */
static int hello(const char *host, int port, int n)
{
	char line[64], echo[64];
	size_t len, got = 0;
	int fd;

	len = (size_t)snprintf(line, sizeof(line), "hello from client %d\n", n);
	fd = peer_connect(host, port);
	if (fd < 0)
		return -1;
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

int main(int argc, char **argv)
{
	const char *host = peer_opt(argc, argv, "--host", "127.0.0.1");
	int port = atoi(peer_opt(argc, argv, "--port", "8000"));
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct timeval tv = { .tv_sec = VANISHED_WAIT_S };
	char buf[64];
	int fd;

	peer_init(argv[0]);
	fd = hello(host, port, 1);
	if (fd < 0)
		return 1;
	printf("three_clients: client 1 closes (FIN)\n");
	close(fd);

	fd = hello(host, port, 2);
	if (fd < 0)
		return 1;
	printf("three_clients: client 2 resets (SO_LINGER {1, 0}, then close: RST)\n");
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);

	fd = hello(host, port, 3);
	if (fd < 0)
		return 1;
	printf("three_clients: client 3 vanishes now\n");
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (recv(fd, buf, sizeof(buf), 0) < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		printf("three_clients: client 3 gave up after %d s\n", VANISHED_WAIT_S);
	/* No close(): the process ends as a vanished host would, its socket left to the kernel. */
	return 0;
}
