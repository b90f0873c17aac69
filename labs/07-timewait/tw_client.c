/* summary: lab 7's client: one line per connection, N connections one after another. */
/*
 * usage: tw_client --host ADDR --port PORT [--count N] [--close first|last]
 *                  [--wait-ms MS]
 *
 * Each connection sends "hello N", reads the echo and then, with --close last (the
 * default), waits for the server's FIN before it closes (the server closes first and
 * holds TIME-WAIT); with --close first it closes as soon as the echo is in (the client
 * holds TIME-WAIT). A connect() refused while a server restarts is tried again, 10, 20,
 * 40 ... ms later, for about 2.5 s, as a real client retries. With --wait-ms, an echo that has not
 * come within MS ms ends the run: the client says so and gives up.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "labs/lib/peer.h"

int main(int argc, char **argv)
{
	const char *host = peer_opt(argc, argv, "--host", "127.0.0.1");
	int port = atoi(peer_opt(argc, argv, "--port", "8070"));
	int count = atoi(peer_opt(argc, argv, "--count", "1"));
	const char *close_mode = peer_opt(argc, argv, "--close", "last");
	long wait_ms = atol(peer_opt(argc, argv, "--wait-ms", "0"));
	int first = !strcmp(close_mode, "first");

	peer_init(argv[0]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (count < 1 || count > 60 || wait_ms < 0 || (!first && strcmp(close_mode, "last"))) {
		fprintf(stderr, "tw_client: --count 1..60, --close first|last, --wait-ms >= 0\n");
		return 2;
	}
	for (int i = 1; i <= count; i++) {
		char line[64], echo[64], rest[64];
		int len = snprintf(line, sizeof(line), "hello %d\n", i);
		int fd = peer_connect_retry(host, port, 1280);
		ssize_t got;

		if (fd < 0) {
			perror("tw_client: connect");
			return 1;
		}
		if (wait_ms) {
			struct timeval tv = { wait_ms / 1000, (wait_ms % 1000) * 1000 };

			setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		}
		if (peer_send_all(fd, line, (size_t)len) < 0)
			return 1;
		got = peer_recv_n(fd, echo, (size_t)len);
		if (got != len) {
			printf("client %d: no echo within %ld ms: the server no longer accepts;"
			       " giving up\n", i, wait_ms);
			close(fd);
			return 0;
		}
		if (!first)
			while (recv(fd, rest, sizeof(rest), 0) > 0)
				;
		close(fd);
		printf("client %d: echoed, %s\n", i, first ? "closed first" :
		       "the server closed first");
	}
	printf("all %d clients done\n", count);
	return 0;
}
