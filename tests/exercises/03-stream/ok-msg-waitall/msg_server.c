/*
 * msg_server (lab 3).
 * Instead of writing my own loop around recv() for the fixed-size parts, I use
 * MSG_WAITALL: recv() then only returns when it has all the bytes I asked for, or when
 * the peer closed / an error / a signal happened. I still loop in case it comes back short
 * (signal), so it is a recv_all that usually needs just one call.
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

#define MAX_MESSAGE 1024

static ssize_t read_exact(int fd, void *dst, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = recv(fd, (char *)dst + got, n - got, MSG_WAITALL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break; /* peer closed */
		got += (size_t)r;
	}
	return (ssize_t)got;
}

static void serve(int fd)
{
	unsigned char hdr[4];
	char text[MAX_MESSAGE];

	for (;;) {
		ssize_t r = read_exact(fd, hdr, 4);
		if (r == 0) {
			puts("end of stream");
			break;
		}
		if (r != 4) {
			fprintf(stderr, "msg_server: connection ended inside a header\n");
			break;
		}
		uint32_t len = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 |
			       (uint32_t)hdr[2] << 8 | hdr[3];
		if (len > MAX_MESSAGE) {
			fprintf(stderr, "msg_server: length %u too big\n", len);
			break;
		}
		if (read_exact(fd, text, len) != (ssize_t)len) {
			fprintf(stderr, "msg_server: message shorter than its header said\n");
			break;
		}
		printf("message of %u bytes: %.*s\n", len, (int)len, text);
	}
}

int main(int argc, char **argv)
{
	const char *addr = "0.0.0.0";
	int port = 8000, conns = 3;

	for (int i = 1; i + 1 < argc; i++) {
		if (!strcmp(argv[i], "--addr")) addr = argv[++i];
		else if (!strcmp(argv[i], "--port")) port = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--connections")) conns = atoi(argv[++i]);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
		fprintf(stderr, "msg_server: bad address %s\n", addr);
		return 1;
	}
	int lfd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(lfd, (struct sockaddr *)&sin, sizeof sin) || listen(lfd, 8)) {
		perror("msg_server");
		return 1;
	}
	while (conns-- > 0) {
		int fd = accept(lfd, NULL, NULL);
		if (fd < 0) {
			perror("accept");
			return 1;
		}
		serve(fd);
		close(fd);
	}
	close(lfd);
	return 0;
}
