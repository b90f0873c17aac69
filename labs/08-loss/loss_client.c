/* summary: lab 8's sender: a few full segments in a row, then it waits for the receiver's count. */
/*
 * usage: loss_client --host ADDR --port PORT [--segments N] [--size BYTES]
 *
 * Connects (and prints how long connect() took: a lost SYN makes it a second longer),
 * turns Nagle off and sends N blocks of BYTES bytes, one send() each, back to back. With
 * the default 1448 bytes (what fits in one segment on this cable: 1500 minus 20 bytes of
 * IP, 20 of TCP and 12 of timestamps) each send() is one segment, so "the 3rd data
 * segment" of the lab's faults is the 3rd send(). Then it waits for the receiver's line
 * "got NNN bytes", prints it with the time since the first send(), and closes.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "labs/lib/peer.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	const char *host = peer_opt(argc, argv, "--host", "10.99.0.2");
	int port = atoi(peer_opt(argc, argv, "--port", "8080"));
	long segments = atol(peer_opt(argc, argv, "--segments", "10"));
	long size = atol(peer_opt(argc, argv, "--size", "1448"));
	static char block[1448], reply[128];
	double t0, t1;
	ssize_t n;
	size_t have = 0;
	int fd, one = 1;

	peer_init(argv[0]);
	if (segments < 1 || segments > 100 || size < 1 || size > (long)sizeof(block)) {
		fprintf(stderr, "loss_client: --segments must be 1..100 and --size 1..%zu\n",
		        sizeof(block));
		return 2;
	}
	memset(block, 'x', sizeof(block));
	t0 = now_s();
	fd = peer_connect(host, port);
	if (fd < 0)
		return 1;
	printf("loss_client: connect() took %.0f ms\n", (now_s() - t0) * 1000);
	/* Each send() leaves at once as its own segment: the segments are the lab's units. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	t1 = now_s();
	for (long i = 0; i < segments; i++)
		if (peer_send_all(fd, block, (size_t)size) < 0) {
			close(fd);
			return 1;
		}
	printf("loss_client: sent %ld segments of %ld bytes\n", segments, size);
	while (have < sizeof(reply) - 1 && !memchr(reply, '\n', have)) {
		n = recv(fd, reply + have, sizeof(reply) - 1 - have, 0);
		if (n <= 0) {
			fprintf(stderr, "loss_client: recv: %s\n", n ? strerror(errno) :
			        "the receiver closed without its count");
			close(fd);
			return 1;
		}
		have += (size_t)n;
	}
	reply[have] = '\0';
	reply[strcspn(reply, "\n")] = '\0';
	printf("loss_client: the receiver says \"%s\", %.0f ms after the first send()\n", reply,
	       (now_s() - t1) * 1000);
	close(fd);
	return 0;
}
