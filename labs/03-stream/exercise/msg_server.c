/* summary: lab 3's exercise: a length-prefixed message reader (this starter trusts one recv). */
/*
 * usage: msg_server --addr ADDR --port PORT [--connections N]
 *
 * YOUR TASK. Messages come over TCP as a 4-byte length in network byte order (big-endian),
 * then that many bytes of text (at most MAX_MESSAGE). Print each one as
 *
 *     message of LEN bytes: TEXT
 *
 * and when recv() returns 0 where a message would start, print "end of stream" and close.
 *
 * This starter assumes that one recv() returns exactly one whole message. TCP promises no
 * such thing: it carries a stream of bytes, and recv() returns whatever has arrived -- one
 * byte of a dribbling sender, half a header, or ten messages at once. The grader's sender
 * does all three, one connection each. Write recv_all(fd, buf, len), which calls recv()
 * until len bytes are in (or the peer closed: recv() returned 0, or an error), and read
 * each message with it: first the 4-byte header, then exactly LEN bytes of text.
 *
 * Build: cc -std=c11 -Wall -Wextra -o msg_server msg_server.c ; grade: tcplab grade 3
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
 * WRONG: one recv() is not one message. Replace this with a recv_all()-based reader.
 */
static int read_message(int fd, char *text, uint32_t *len)
{
	char buf[4 + MAX_MESSAGE];
	uint32_t be;
	ssize_t n = recv(fd, buf, sizeof(buf), 0);

	if (n == 0)
		return 0;
	if (n < 0)
		return -1;
	if (n < 4) {
		fprintf(stderr, "msg_server: recv returned %zd bytes, not a whole header;"
		        " dropping this peer\n", n);
		return -1;
	}
	memcpy(&be, buf, 4);
	*len = ntohl(be);
	if (*len > MAX_MESSAGE || (size_t)n != 4 + (size_t)*len) {
		fprintf(stderr, "msg_server: recv returned %zd bytes, not one whole message;"
		        " dropping this peer\n", n);
		return -1;
	}
	memcpy(text, buf + 4, *len);
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
