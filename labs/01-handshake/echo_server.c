/* summary: lab 1's echo server: accept one client, echo what it sends, close when told. */
/*
 * usage: echo_server --addr ADDR --port PORT --close after-peer|first|reply-at-eof
 *
 *   after-peer    echo each piece as it comes, until recv() returns 0 (the client's FIN),
 *                 then close(): the client closed first, so the client ends in TIME-WAIT.
 *   first         echo one line, then close() at once: the server sends the first FIN and
 *                 ends in TIME-WAIT itself.
 *   reply-at-eof  read until recv() returns 0, only then send the echo, then close(): the
 *                 reply travels after the client's FIN, which a half-close allows.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "labs/lib/peer.h"

int main(int argc, char **argv)
{
	const char *addr = peer_opt(argc, argv, "--addr", "0.0.0.0");
	int port = atoi(peer_opt(argc, argv, "--port", "8000"));
	const char *mode = peer_opt(argc, argv, "--close", "after-peer");
	bool at_eof = !strcmp(mode, "reply-at-eof");
	char buf[4096];
	size_t held = 0;
	int lfd, fd;

	peer_init(argv[0]);
	if (strcmp(mode, "after-peer") && strcmp(mode, "first") && !at_eof) {
		fprintf(stderr, "echo_server: --close must be after-peer, first or reply-at-eof,"
		        " not '%s'\n", mode);
		return 2;
	}
	lfd = peer_listen(addr, port, 1);
	if (lfd < 0)
		return 1;
	fd = accept(lfd, NULL, NULL);
	if (fd < 0) {
		perror("echo_server: accept");
		return 1;
	}
	close(lfd);

	for (;;) {
		ssize_t n = recv(fd, buf + held, sizeof(buf) - held, 0);

		if (n < 0) {
			perror("echo_server: recv");
			break;
		}
		if (n == 0) {
			printf("echo_server: the client closed its side (recv returned 0)\n");
			if (held) {
				printf("echo_server: now sending the %zu bytes back\n", held);
				peer_send_all(fd, buf, held);
			}
			break;
		}
		if (at_eof) {
			printf("echo_server: received %zd bytes, holding them until the client's FIN\n",
			       n);
			held += (size_t)n;
			if (held == sizeof(buf)) {
				fprintf(stderr, "echo_server: more than %zu bytes before the FIN\n", held);
				break;
			}
			continue;
		}
		printf("echo_server: received %zd bytes, echoing them\n", n);
		if (peer_send_all(fd, buf, (size_t)n) < 0)
			break;
		if (!strcmp(mode, "first") && memchr(buf, '\n', (size_t)n)) {
			printf("echo_server: closing first\n");
			break;
		}
	}
	close(fd);
	return 0;
}
