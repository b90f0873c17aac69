/* summary: lab 1's echo client: connect, send one line, read the echo, close in one of three ways. */
/*
 * usage: echo_client --host ADDR --port PORT [--message TEXT] --close first|after-peer|half
 *
 *   first       read the whole echo, then close(): the client sends the first FIN.
 *   after-peer  read the echo, wait for the server's FIN (recv returns 0), then close().
 *   half        shutdown(SHUT_WR) right after sending (a half-close: "I am done sending"),
 *               keep reading until the server's FIN, then close().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "labs/lib/peer.h"

/* recv() until the peer's FIN; returns the number of bytes that came first, -1 on error. */
static ssize_t drain_until_fin(int fd)
{
	char buf[4096];
	ssize_t n, total = 0;

	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0)
		total += n;
	if (n < 0) {
		perror("echo_client: recv");
		return -1;
	}
	printf("echo_client: the server closed its side (recv returned 0)\n");
	return total;
}

int main(int argc, char **argv)
{
	const char *host = peer_opt(argc, argv, "--host", "127.0.0.1");
	int port = atoi(peer_opt(argc, argv, "--port", "8000"));
	const char *msg = peer_opt(argc, argv, "--message", "hello, tcplab");
	const char *mode = peer_opt(argc, argv, "--close", "first");
	char line[1024], echo[1024];
	size_t len;
	ssize_t got;
	int fd;

	peer_init(argv[0]);
	if (strcmp(mode, "first") && strcmp(mode, "after-peer") && strcmp(mode, "half")) {
		fprintf(stderr, "echo_client: --close must be first, after-peer or half, not '%s'\n",
		        mode);
		return 2;
	}
	len = (size_t)snprintf(line, sizeof(line), "%s\n", msg);
	if (len >= sizeof(line)) {
		fprintf(stderr, "echo_client: --message is longer than %zu bytes\n", sizeof(line) - 2);
		return 2;
	}

	fd = peer_connect(host, port);
	if (fd < 0)
		return 1;
	if (peer_send_all(fd, line, len) < 0)
		return 1;
	if (!strcmp(mode, "half"))
		shutdown(fd, SHUT_WR);

	/* The echo may arrive in several pieces: read until all of it is here. */
	got = peer_recv_n(fd, echo, len);
	if (got < 0)
		return 1;
	printf("echo_client: echo of %zd bytes: %.*s", got, (int)got, echo);
	if (got != (ssize_t)len || memcmp(echo, line, len)) {
		fprintf(stderr, "echo_client: the echo differs from what was sent\n");
		return 1;
	}
	if (strcmp(mode, "first") && drain_until_fin(fd) < 0)
		return 1;
	close(fd);
	return 0;
}
