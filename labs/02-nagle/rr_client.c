/* summary: lab 2's client: requests written as header then body (write-write-read), or a burst. */
/*
 * usage: rr_client --host ADDR --port PORT [--requests N] [--nodelay] [--burst N]
 *
 *   default    N requests (20), each written as two send() calls, the 4-byte header and
 *              then the body, and then the reply is read before the next request: the
 *              classic write-write-read that Nagle's algorithm and delayed ACKs punish.
 *   --nodelay  the same, with TCP_NODELAY set right after connect(), before any write.
 *   --burst N  instead, N send() calls of 1 byte each, back to back, then shutdown(SHUT_WR)
 *              and read the server's "received N bytes" (run the server with --mode count).
 *
 * Each round trip is timed on the client's clock and printed, and so is the median.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "labs/lib/peer.h"

#define HEADER_LEN   4
#define MAX_REQUESTS 1000

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* One request, two writes, one reply; returns 0 when the reply is the expected one. */
static int round_trip(int fd, int i)
{
	char header[HEADER_LEN + 1], body[64], reply[128], want[128];
	int blen = snprintf(body, sizeof(body), "request %02d", i);
	int wlen = snprintf(want, sizeof(want), "%04d" "reply to %s", blen + 9, body);

	snprintf(header, sizeof(header), "%04d", blen);
	/* Two small writes: the header, then the body. */
	if (peer_send_all(fd, header, HEADER_LEN) < 0 || peer_send_all(fd, body, (size_t)blen) < 0)
		return -1;
	if (peer_recv_n(fd, reply, (size_t)wlen) != wlen || memcmp(reply, want, (size_t)wlen)) {
		fprintf(stderr, "rr_client: reply %d is not '%s'\n", i, want);
		return -1;
	}
	return 0;
}

static int requests(int fd, int n)
{
	double ms[MAX_REQUESTS];
	int good = 0;

	for (int i = 1; i <= n; i++) {
		double t0 = now_ms();

		if (round_trip(fd, i) < 0)
			break;
		ms[good++] = now_ms() - t0;
		printf("rr_client: request %02d answered in %.3f ms\n", i, ms[good - 1]);
	}
	qsort(ms, (size_t)good, sizeof(ms[0]), cmp_double);
	printf("rr_client: %d of %d replies correct; median round trip %.3f ms\n", good, n,
	       good ? ms[good / 2] : 0.0);
	return good == n ? 0 : 1;
}

static int burst(int fd, int n)
{
	char reply[64] = "";
	ssize_t got;

	for (int i = 0; i < n; i++)
		if (peer_send_all(fd, "x", 1) < 0)
			return 1;
	shutdown(fd, SHUT_WR);
	printf("rr_client: %d send() calls of 1 byte each, back to back\n", n);
	got = peer_recv_n(fd, reply, sizeof(reply) - 1);
	if (got <= 0)
		return 1;
	reply[got] = '\0';
	printf("rr_client: the server says: %s", reply);
	return 0;
}

int main(int argc, char **argv)
{
	const char *host = peer_opt(argc, argv, "--host", "127.0.0.1");
	int port = atoi(peer_opt(argc, argv, "--port", "8000"));
	int n = atoi(peer_opt(argc, argv, "--requests", "20"));
	int nburst = atoi(peer_opt(argc, argv, "--burst", "0"));
	bool nodelay = false;
	int fd, one = 1, status;

	peer_init(argv[0]);
	for (int i = 1; i < argc; i++)
		nodelay |= !strcmp(argv[i], "--nodelay");
	if (n < 1 || n > MAX_REQUESTS || nburst < 0 || nburst > 1000000) {
		fprintf(stderr, "rr_client: --requests must be 1..%d, --burst 0..1000000\n",
		        MAX_REQUESTS);
		return 2;
	}
	fd = peer_connect(host, port);
	if (fd < 0)
		return 1;
	if (nodelay && setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0) {
		perror("rr_client: setsockopt TCP_NODELAY");
		return 1;
	}
	status = nburst ? burst(fd, nburst) : requests(fd, n);
	close(fd);
	return status;
}
