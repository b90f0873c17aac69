/* summary: lab 3 wrong answer: one recv() per message; skips what is not a whole message. */
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
 * 1: a message was read into text (*len bytes); 0: clean end of stream; -1: error.
 * WRONG: one recv() per message. What is not a whole message is skipped as "garbage", and
 * whatever follows the first message in the buffer is thrown away.
 */
static int read_message(int fd, char *text, uint32_t *len)
{
	char buf[4 + MAX_MESSAGE];
	uint32_t be;

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n <= 0)
			return n == 0 ? 0 : -1;
		if (n < 4) {
			fprintf(stderr, "msg_server: a short read of %zd bytes, skipped\n", n);
			continue;
		}
		memcpy(&be, buf, 4);
		*len = ntohl(be);
		if (*len > MAX_MESSAGE || *len > (size_t)n - 4) {
			fprintf(stderr, "msg_server: an incomplete message, skipped\n");
			continue;
		}
		memcpy(text, buf + 4, *len);
		return 1;
	}
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
