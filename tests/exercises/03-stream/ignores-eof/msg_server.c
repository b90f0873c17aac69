/* summary: lab 3 wrong answer: recv_all() treats recv() returning 0 as "nothing yet" and spins. */
/*
 * usage: msg_server --addr ADDR --port PORT [--connections N]
 *
 * Serves N connections (default 3) one after the other. On each, reads messages -- a
 * 4-byte big-endian length, then that many bytes of text (at most MAX_MESSAGE) -- and
 * prints each as "message of LEN bytes: TEXT". When recv() returns 0 where a message would
 * start, prints "end of stream" and closes; 0 in the middle of one is a truncated message.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_MESSAGE 1024

/*
 * recv() until exactly len bytes are in buf. TCP is a byte stream: one recv() returns
 * whatever has arrived, from 1 byte up to what was asked, however the sender wrote it.
 * Returns len, or the bytes received before the peer closed (recv returned 0), or -1.
 */
static ssize_t recv_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t got = 0;

	while (got < len) {
		ssize_t n = recv(fd, p + got, len - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		got += (size_t)n;       /* WRONG: 0 means the peer closed, not "try again" */
	}
	return (ssize_t)got;
}

/* 1: a message was read into text (*len bytes); 0: clean end of stream; -1: error. */
static int read_message(int fd, char *text, uint32_t *len)
{
	uint32_t be;
	ssize_t n = recv_all(fd, &be, sizeof(be));

	if (n == 0)
		return 0;
	if (n != (ssize_t)sizeof(be)) {
		fprintf(stderr, "msg_server: the stream ended inside a header (%zd of 4 bytes)\n", n);
		return -1;
	}
	*len = ntohl(be);
	if (*len > MAX_MESSAGE) {
		fprintf(stderr, "msg_server: a message of %u bytes is over the limit\n", *len);
		return -1;
	}
	n = recv_all(fd, text, *len);
	if (n != (ssize_t)*len) {
		fprintf(stderr, "msg_server: the stream ended inside a message (%zd of %u bytes)\n",
		        n, *len);
		return -1;
	}
	return 1;
}

static void serve(int fd)
{
	char text[MAX_MESSAGE];
	uint32_t len;
	int rc;

	while ((rc = read_message(fd, text, &len)) == 1)
		printf("message of %u bytes: %.*s\n", len, (int)len, text);
	if (rc == 0)
		printf("end of stream\n");
}

/* The listening socket on addr:port (IPv4), or -1. */
static int listen_on(const char *addr, int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int one = 1, fd;

	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
		fprintf(stderr, "msg_server: '%s' is not an IPv4 address\n", addr);
		return -1;
	}
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(fd, 4) < 0) {
		perror("msg_server: listen");
		return -1;
	}
	return fd;
}

static const char *opt(int argc, char **argv, const char *name, const char *def)
{
	for (int i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], name))
			return argv[i + 1];
	return def;
}

int main(int argc, char **argv)
{
	const char *addr = opt(argc, argv, "--addr", "0.0.0.0");
	int port = atoi(opt(argc, argv, "--port", "8000"));
	int conns = atoi(opt(argc, argv, "--connections", "3"));
	int lfd;

	/* Line by line even into a pipe, so each message shows when it is read. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	lfd = listen_on(addr, port);
	if (lfd < 0)
		return 1;
	for (int i = 0; i < conns; i++) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0) {
			perror("msg_server: accept");
			return 1;
		}
		serve(fd);
		close(fd);
	}
	close(lfd);
	return 0;
}
