/* summary: lab 3's receiver: shows what each recv() returns, whatever the sends were. */
/*
 * usage: stream_server --addr ADDR --port PORT [--busy-ms MS] [--size N]
 *
 * Accepts one connection; if --busy-ms is given, is busy that long first (the lesson's
 * receiver that is doing something else while data arrives); then calls recv(fd, buf, N)
 * until it returns 0 and prints what each call returned. It does not parse messages: it
 * shows the raw stream, cut wherever recv() happened to cut it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "labs/lib/peer.h"

int main(int argc, char **argv)
{
	const char *addr = peer_opt(argc, argv, "--addr", "0.0.0.0");
	int port = atoi(peer_opt(argc, argv, "--port", "8000"));
	long busy_ms = atol(peer_opt(argc, argv, "--busy-ms", "0"));
	long size = atol(peer_opt(argc, argv, "--size", "1000"));
	char buf[65536];
	long calls = 0, total = 0;
	int lfd, fd;

	peer_init(argv[0]);
	if (size < 1 || size > (long)sizeof(buf) || busy_ms < 0 || busy_ms > 10000) {
		fprintf(stderr, "stream_server: --size must be 1..%zu and --busy-ms 0..10000\n",
		        sizeof(buf));
		return 2;
	}
	lfd = peer_listen(addr, port, 1);
	if (lfd < 0)
		return 1;
	fd = accept(lfd, NULL, NULL);
	if (fd < 0) {
		perror("stream_server: accept");
		return 1;
	}
	close(lfd);
	if (busy_ms) {
		/* On purpose: the data keeps arriving into the receive buffer meanwhile. */
		struct timespec ts = { busy_ms / 1000, (busy_ms % 1000) * 1000000L };

		printf("stream_server: busy for %ld ms before the first recv\n", busy_ms);
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
	for (;;) {
		ssize_t n = recv(fd, buf, (size_t)size, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			perror("stream_server: recv");
			break;
		}
		if (n == 0) {
			printf("stream_server: recv returned 0: the sender closed; %ld bytes in %ld"
			       " recv calls\n", total, calls);
			break;
		}
		calls++;
		total += n;
		printf("stream_server: recv(%ld) returned %zd byte%s\n", size, n, n == 1 ? "" : "s");
	}
	close(fd);
	return 0;
}
