/*
 * Lab 3 msg_server.
 * recv_all loops until it has len bytes or the connection closes, and returns how many it
 * got. Whatever we got, we print it.
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

static size_t recv_all(int fd, char *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = recv(fd, buf + got, len - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return got;
}

static void serve(int fd)
{
	char text[MAX_MESSAGE];

	for (;;) {
		uint32_t be = 0, len;
		size_t n = recv_all(fd, (char *)&be, 4);

		if (n == 0) {
			printf("end of stream\n");
			return;
		}
		len = ntohl(be);
		if (len > MAX_MESSAGE)
			len = MAX_MESSAGE;
		n = recv_all(fd, text, len);
		/* print what arrived (if the sender stopped early it's just shorter) */
		printf("message of %u bytes: %.*s\n", len, (int)n, text);
		if (n < len)
			return;
	}
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
