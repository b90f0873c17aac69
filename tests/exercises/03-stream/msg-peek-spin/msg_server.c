/*
 * Lab 3 msg_server.
 * My idea: don't take anything out of the socket until a whole message is there. I peek
 * (MSG_PEEK) at the header to learn the length, then keep peeking until 4+len bytes are
 * waiting, and only then recv() the whole message in one call.
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
	char buf[4 + MAX_MESSAGE];

	for (;;) {
		uint32_t be, len;
		ssize_t n = recv(fd, buf, 4, MSG_PEEK);

		if (n == 0) {
			printf("end of stream\n");
			return;
		}
		if (n < 0) {
			perror("recv");
			return;
		}
		if (n < 4)
			continue; /* header not all here yet, look again */
		memcpy(&be, buf, 4);
		len = ntohl(be);
		if (len > MAX_MESSAGE)
			return;
		/* wait until the whole message is in the socket */
		do {
			n = recv(fd, buf, 4 + len, MSG_PEEK);
		} while (n > 0 && (size_t)n < 4 + len);
		if (n <= 0)
			return;
		recv(fd, buf, 4 + len, 0); /* now it is all there, take it */
		printf("message of %u bytes: %.*s\n", len, (int)len, buf + 4);
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
