/* summary: lab 5's sender: 1 MB into a receiver that does not read, blocking or not. */
/*
 * usage: buf_client --host ADDR --port PORT [--bytes N] [--sndbuf BYTES]
 *                   [--mode blocking|nonblocking]
 *
 *   blocking     one send() of all N bytes. On a blocking socket Linux does not return a
 *                short count: send() waits until every byte is in the send buffer, however
 *                long the receiver takes to make room. The client prints how long it took.
 *   nonblocking  O_NONBLOCK: send() takes what fits and returns that count (a short
 *                count), then fails with EAGAIN while the buffer is full; the client waits
 *                in poll() for POLLOUT ("there is room again") and sends the rest.
 *
 * With --sndbuf it sets SO_SNDBUF before connect() and prints what getsockopt() reads back.
 * Then it closes: its FIN follows the last byte.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
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

/* socket, SO_SNDBUF (before connect, like the server's SO_RCVBUF before listen), connect. */
static int connect_sndbuf(const char *host, int port, int sndbuf)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd;

	if (inet_pton(AF_INET, host, &sin.sin_addr) != 1) {
		fprintf(stderr, "buf_client: '%s' is not an IPv4 address\n", host);
		return -1;
	}
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0) {
		perror("buf_client: socket");
		return -1;
	}
	if (sndbuf && setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)) < 0) {
		perror("buf_client: setsockopt SO_SNDBUF");
		close(fd);
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		fprintf(stderr, "buf_client: connect %s:%d: %s\n", host, port, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int send_blocking(int fd, const char *buf, size_t len)
{
	double t0 = now_s();
	ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

	if (n < 0) {
		perror("buf_client: send");
		return -1;
	}
	/* Never a short count here, as the lesson shows; a program should still loop. */
	printf("buf_client: send(%zu) returned %zd after %.3f s\n", len, n, now_s() - t0);
	return 0;
}

static int send_nonblocking(int fd, const char *buf, size_t len)
{
	size_t off = 0;
	long sends = 0, shorts = 0, eagains = 0, polls = 0;
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		perror("buf_client: fcntl O_NONBLOCK");
		return -1;
	}
	while (off < len) {
		ssize_t n = send(fd, buf + off, len - off, MSG_NOSIGNAL);
		struct pollfd p = { .fd = fd, .events = POLLOUT };

		sends++;
		if (n > 0) {
			if ((size_t)n < len - off && !shorts++)
				printf("buf_client: send(%zu) returned %zd: a short count\n", len - off,
				       n);
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			perror("buf_client: send");
			return -1;
		}
		if (n < 0 && errno != EINTR && !eagains++)
			printf("buf_client: send(%zu) failed with EAGAIN: the send buffer is full;"
			       " waiting in poll() for POLLOUT\n", len - off);
		/* POLLOUT: the send buffer has room again (the peer ACKed some of it). */
		if (poll(&p, 1, -1) < 0 && errno != EINTR) {
			perror("buf_client: poll");
			return -1;
		}
		polls++;
	}
	printf("buf_client: sent %zu bytes in %ld send calls: %ld short counts, %ld EAGAIN,"
	       " %ld polls\n", len, sends, shorts, eagains, polls);
	return 0;
}

int main(int argc, char **argv)
{
	const char *host = peer_opt(argc, argv, "--host", "127.0.0.1");
	int port = atoi(peer_opt(argc, argv, "--port", "8050"));
	long bytes = atol(peer_opt(argc, argv, "--bytes", "1048576"));
	int sndbuf = atoi(peer_opt(argc, argv, "--sndbuf", "0"));
	const char *mode = peer_opt(argc, argv, "--mode", "blocking");
	int fd, got, rc;
	socklen_t len = sizeof(got);
	char *buf;

	peer_init(argv[0]);
	if (bytes < 1 || bytes > 64L * 1024 * 1024 || sndbuf < 0 ||
	    (strcmp(mode, "blocking") && strcmp(mode, "nonblocking"))) {
		fprintf(stderr, "buf_client: --bytes must be 1..64 MiB, --sndbuf >= 0 and --mode"
		        " blocking or nonblocking\n");
		return 2;
	}
	buf = malloc((size_t)bytes);
	if (!buf) {
		perror("buf_client: malloc");
		return 1;
	}
	memset(buf, 'x', (size_t)bytes);
	fd = connect_sndbuf(host, port, sndbuf);
	if (fd < 0) {
		free(buf);
		return 1;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &got, &len) == 0) {
		if (sndbuf)
			printf("buf_client: SO_SNDBUF set to %d, getsockopt reads back %d\n", sndbuf,
			       got);
		else
			printf("buf_client: SO_SNDBUF left alone, getsockopt reads %d\n", got);
	}
	if (!strcmp(mode, "blocking"))
		rc = send_blocking(fd, buf, (size_t)bytes);
	else
		rc = send_nonblocking(fd, buf, (size_t)bytes);
	close(fd);
	free(buf);
	return rc < 0;
}
