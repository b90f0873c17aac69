/*
 * Lab 3 msg_server: recv_all for the 4-byte length, then recv_all for the text.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_MESSAGE 1024

/* 1 all len bytes; 0 closed before any; -1 error or closed in the middle */
static int recv_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t got = 0;

	while (got < len) {
		ssize_t n = recv(fd, p + got, len - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return got ? -1 : 0;
		got += (size_t)n;
	}
	return 1;
}

static void serve(int fd)
{
	char text[MAX_MESSAGE];
	uint32_t len;
	int rc;

	/* the length is a 4-byte int, read it straight into len */
	while ((rc = recv_all(fd, &len, sizeof(len))) == 1) {
		if (len > MAX_MESSAGE) {
			fprintf(stderr, "msg_server: message too long: %u\n", len);
			return;
		}
		if (recv_all(fd, text, len) != 1)
			return;
		printf("message of %u bytes: %.*s\n", len, (int)len, text);
	}
	if (rc == 0)
		printf("end of stream\n");
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
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int one = 1, lfd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	inet_pton(AF_INET, addr, &sin.sin_addr);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(lfd, 4) < 0) {
		perror("msg_server: listen");
		return 1;
	}
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
