/* summary: lab 2's request/response server: answer each length-prefixed request at once. */
/*
 * usage: rr_server --addr ADDR --port PORT [--mode reply|count [--busy MS]]
 *
 *   reply  (default) a request is a 4-digit ASCII length and then that many bytes of body
 *          ("0010request 01"); the server reads both and answers with one send() of the
 *          same shape, "0019reply to request 01", until the client closes.
 *   count  read until the client's FIN, counting bytes and recv() calls, then answer one
 *          line "received N bytes" and close.
 *   --busy MS  (count) be busy MS milliseconds after accept() before the first recv(): on
 *          purpose, so that only the server's kernel acknowledges what arrives meanwhile.
 *
 * The server never delays anything itself: every reply is one send() as soon as the whole
 * request is in. Whatever wait you see on the wire comes from the client's side of TCP.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "labs/lib/peer.h"

#define HEADER_LEN 4
#define BODY_MAX   1000

/* Answer requests until the client closes; returns the exit status. */
static int serve_requests(int fd)
{
	char header[HEADER_LEN + 1], body[BODY_MAX + 1], reply[HEADER_LEN + BODY_MAX + 32];
	int served = 0;

	for (;;) {
		ssize_t got = peer_recv_n(fd, header, HEADER_LEN);
		long len;
		char *end;
		int n;

		if (got == 0)
			break;
		if (got != HEADER_LEN) {
			fprintf(stderr, "rr_server: a header cut short (%zd of %d bytes)\n", got,
			        HEADER_LEN);
			return 1;
		}
		header[HEADER_LEN] = '\0';
		len = strtol(header, &end, 10);
		if (*end || len < 0 || len > BODY_MAX) {
			fprintf(stderr, "rr_server: bad header '%s' (4 digits, at most %d)\n", header,
			        BODY_MAX);
			return 1;
		}
		if (peer_recv_n(fd, body, (size_t)len) != len) {
			fprintf(stderr, "rr_server: a body cut short\n");
			return 1;
		}
		body[len] = '\0';
		n = snprintf(reply + HEADER_LEN, sizeof(reply) - HEADER_LEN, "reply to %s", body);
		snprintf(header, sizeof(header), "%04d", n);
		memcpy(reply, header, HEADER_LEN);
		if (peer_send_all(fd, reply, (size_t)(HEADER_LEN + n)) < 0)
			return 1;
		served++;
	}
	printf("rr_server: answered %d requests; the client closed\n", served);
	return 0;
}

/* Read until the client's FIN, then say how much came. */
static int count_bytes(int fd, int busy_ms)
{
	struct timespec busy = { busy_ms / 1000, (long)(busy_ms % 1000) * 1000000L };
	char buf[65536], line[64];
	long total = 0, reads = 0;
	ssize_t n;
	int len;

	if (busy_ms > 0) {
		printf("rr_server: busy for %d ms before reading\n", busy_ms);
		nanosleep(&busy, NULL);
	}
	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) {
		total += n;
		reads++;
	}
	if (n < 0) {
		perror("rr_server: recv");
		return 1;
	}
	printf("rr_server: received %ld bytes in %ld recv() calls\n", total, reads);
	len = snprintf(line, sizeof(line), "received %ld bytes\n", total);
	return peer_send_all(fd, line, (size_t)len) < 0;
}

int main(int argc, char **argv)
{
	const char *addr = peer_opt(argc, argv, "--addr", "0.0.0.0");
	int port = atoi(peer_opt(argc, argv, "--port", "8000"));
	const char *mode = peer_opt(argc, argv, "--mode", "reply");
	int busy_ms = atoi(peer_opt(argc, argv, "--busy", "0"));
	int lfd, fd, status;

	peer_init(argv[0]);
	if (strcmp(mode, "reply") && strcmp(mode, "count")) {
		fprintf(stderr, "rr_server: --mode must be reply or count, not '%s'\n", mode);
		return 2;
	}
	lfd = peer_listen(addr, port, 1);
	if (lfd < 0)
		return 1;
	fd = accept(lfd, NULL, NULL);
	if (fd < 0) {
		perror("rr_server: accept");
		return 1;
	}
	close(lfd);
	status = !strcmp(mode, "reply") ? serve_requests(fd) : count_bytes(fd, busy_ms);
	close(fd);
	return status;
}
