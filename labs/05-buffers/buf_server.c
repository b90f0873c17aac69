/* summary: lab 5's receiver: a small receive buffer, and a program too busy to read it. */
/*
 * usage: buf_server --addr ADDR --port PORT [--rcvbuf BYTES] [--busy-ms MS]
 *                   [--read-size BYTES]
 *
 * Sets SO_RCVBUF on the listening socket before listen() (the accepted socket inherits it,
 * and the window scale is chosen from it during the handshake, so it must be set first),
 * prints what getsockopt() reads back, accepts one connection and, with --busy-ms, does
 * not read for that long: the sender's bytes pile up in the receive buffer until the
 * window is 0. Then it reads until the sender closes and prints how much came.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "labs/lib/peer.h"

static void pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (ms > 0 && nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int main(int argc, char **argv)
{
	const char *addr = peer_opt(argc, argv, "--addr", "0.0.0.0");
	int port = atoi(peer_opt(argc, argv, "--port", "8050"));
	int rcvbuf = atoi(peer_opt(argc, argv, "--rcvbuf", "0"));
	long busy_ms = atol(peer_opt(argc, argv, "--busy-ms", "0"));
	long size = atol(peer_opt(argc, argv, "--read-size", "65536"));
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	static char buf[65536];
	long long total = 0, calls = 0;
	int one = 1, lfd, fd, got;
	socklen_t len = sizeof(got);

	peer_init(argv[0]);
	if (rcvbuf < 0 || busy_ms < 0 || busy_ms > 10000 || size < 1 || size > (long)sizeof(buf)) {
		fprintf(stderr, "buf_server: --rcvbuf must be >= 0, --busy-ms 0..10000 and"
		        " --read-size 1..%zu\n", sizeof(buf));
		return 2;
	}
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
		fprintf(stderr, "buf_server: '%s' is not an IPv4 address\n", addr);
		return 2;
	}
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0) {
		perror("buf_server: socket");
		return 1;
	}
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* Before listen(): the SYN-ACK announces a window (and its scale) from this size. */
	if (rcvbuf && setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)) < 0) {
		perror("buf_server: setsockopt SO_RCVBUF");
		return 1;
	}
	if (getsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &got, &len) < 0) {
		perror("buf_server: getsockopt SO_RCVBUF");
		return 1;
	}
	if (rcvbuf)
		printf("buf_server: SO_RCVBUF set to %d, getsockopt reads back %d\n", rcvbuf, got);
	else
		printf("buf_server: SO_RCVBUF left alone, getsockopt reads %d\n", got);
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(lfd, 1) < 0) {
		perror("buf_server: bind/listen");
		return 1;
	}
	fd = accept(lfd, NULL, NULL);
	if (fd < 0) {
		perror("buf_server: accept");
		return 1;
	}
	close(lfd);
	if (busy_ms) {
		/* On purpose: the kernel keeps taking bytes into the buffer until it is full,
		 * then advertises a zero window; the sender's send() can do nothing but wait. */
		printf("buf_server: busy for %ld ms, not reading\n", busy_ms);
		pause_ms(busy_ms);
		printf("buf_server: reading now\n");
	}
	for (;;) {
		ssize_t n = recv(fd, buf, (size_t)size, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			perror("buf_server: recv");
			break;
		}
		if (n == 0)
			break;
		calls++;
		total += n;
	}
	printf("buf_server: received %lld bytes in %lld recv calls; the sender closed\n", total,
	       calls);
	close(fd);
	return 0;
}
