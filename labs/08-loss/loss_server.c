/* summary: lab 8's receiver: reads a known number of bytes, answers with the count, closes. */
/*
 * usage: loss_server --addr ADDR --port PORT [--bytes N] [--rcvbuf BYTES]
 *
 * Accepts one connection, reads until N bytes have come (the sender's segments, whatever
 * the wire did to them on the way), answers "got N bytes\n", waits for the sender to
 * close and closes too. A receiver's program never sees a loss: the kernel hands it the
 * bytes in order, once the retransmission has filled the gap.
 *
 * --rcvbuf sets SO_RCVBUF on the listener before listen(): a fixed buffer stops the
 * kernel from growing the window segment by segment, so every duplicate ACK repeats the
 * same window and Wireshark (and tcplab) call each one a "Dup ACK", not a "Window Update".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "labs/lib/peer.h"

int main(int argc, char **argv)
{
	const char *addr = peer_opt(argc, argv, "--addr", "0.0.0.0");
	int port = atoi(peer_opt(argc, argv, "--port", "8080"));
	long want = atol(peer_opt(argc, argv, "--bytes", "14480"));
	int rcvbuf = atoi(peer_opt(argc, argv, "--rcvbuf", "0"));
	static char buf[65536];
	char line[64];
	long total = 0;
	ssize_t n;
	int lfd, fd, len, one = 1;
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };

	peer_init(argv[0]);
	if (want < 1 || want > 10L * 1024 * 1024 || rcvbuf < 0) {
		fprintf(stderr, "loss_server: --bytes must be 1..10 MiB and --rcvbuf >= 0\n");
		return 2;
	}
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
		fprintf(stderr, "loss_server: '%s' is not an IPv4 address\n", addr);
		return 2;
	}
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0) {
		perror("loss_server: socket");
		return 1;
	}
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (rcvbuf && setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)) < 0) {
		perror("loss_server: setsockopt SO_RCVBUF");
		return 1;
	}
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(lfd, 1) < 0) {
		fprintf(stderr, "loss_server: bind/listen %s:%d: %s\n", addr, port, strerror(errno));
		return 1;
	}
	fd = accept(lfd, NULL, NULL);
	if (fd < 0) {
		perror("loss_server: accept");
		return 1;
	}
	close(lfd);
	while (total < want && (n = recv(fd, buf, sizeof(buf), 0)) > 0)
		total += n;
	printf("loss_server: received %ld bytes\n", total);
	len = snprintf(line, sizeof(line), "got %ld bytes\n", total);
	if (peer_send_all(fd, line, (size_t)len) < 0)
		return 1;
	while (recv(fd, buf, sizeof(buf), 0) > 0)
		;
	close(fd);
	return 0;
}
