/*
 * Lab 3 msg_server.
 * If recv gives back fewer bytes than I asked for, the sender has nothing more to send,
 * so I treat that as the end of the stream.
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

static void serve(int fd)
{
	char text[MAX_MESSAGE];

	for (;;) {
		uint32_t be, len;
		ssize_t n = recv(fd, &be, 4, 0);

		if (n < 4) { /* 0 = closed, less than 4 = sender stopped */
			printf("end of stream\n");
			return;
		}
		len = ntohl(be);
		if (len > MAX_MESSAGE)
			return;
		n = recv(fd, text, len, 0);
		if (n < (ssize_t)len) {
			printf("end of stream\n");
			return;
		}
		printf("message of %u bytes: %.*s\n", len, (int)len, text);
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
