/*
 * Lab 3 msg_server -- my version.
 * Each message = 4 byte length (big endian) + text. recv() can give me any number of
 * bytes, so recv_all() keeps calling it until it has exactly what I asked for.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAXLEN 1024

/* returns 1 = got all len bytes, 0 = peer closed before the first byte,
 * -1 = error or peer closed in the middle */
static int recv_all(int fd, char *buf, size_t len)
{
	size_t have = 0;

	while (have < len) {
		ssize_t r = recv(fd, buf + have, len - have, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			perror("recv");
			return -1;
		}
		if (r == 0)
			return have == 0 ? 0 : -1;
		have += (size_t)r;
	}
	return 1;
}

static void handle(int c)
{
	char text[MAXLEN + 1];

	for (;;) {
		uint32_t netlen;
		int rc = recv_all(c, (char *)&netlen, 4);
		if (rc == 0) {
			printf("end of stream\n");
			return;
		}
		if (rc < 0) {
			fprintf(stderr, "msg_server: broken header\n");
			return;
		}
		uint32_t len = ntohl(netlen);
		if (len > MAXLEN) {
			fprintf(stderr, "msg_server: message too long (%u)\n", len);
			return;
		}
		if (len > 0 && recv_all(c, text, len) != 1) {
			fprintf(stderr, "msg_server: message cut off\n");
			return;
		}
		text[len] = '\0';
		printf("message of %u bytes: %s\n", len, text);
	}
}

int main(int argc, char **argv)
{
	const char *addr = "0.0.0.0";
	int port = 8000, nconn = 3;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--addr")) addr = argv[i + 1];
		else if (!strcmp(argv[i], "--port")) port = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--connections")) nconn = atoi(argv[i + 1]);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	int ls = socket(AF_INET, SOCK_STREAM, 0);
	int yes = 1;
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	inet_pton(AF_INET, addr, &sa.sin_addr);
	if (bind(ls, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(ls, 5) < 0) {
		perror("bind/listen");
		return 1;
	}
	for (int k = 0; k < nconn; k++) {
		int c = accept(ls, NULL, NULL);
		if (c < 0) {
			perror("accept");
			return 1;
		}
		handle(c);
		close(c);
	}
	close(ls);
	return 0;
}
