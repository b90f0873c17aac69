/*
 * echo client lab 1
 * I made the socket non-blocking after connect so recv never gets stuck: if nothing is
 * there yet it returns EAGAIN and I just try again.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *host = "127.0.0.1", *msg = "hello";
	int port = 8000;
	for (int i = 1; i + 1 < argc; i++) {
		if (!strcmp(argv[i], "--host")) host = argv[++i];
		else if (!strcmp(argv[i], "--port")) port = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--message")) msg = argv[++i];
	}

	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	inet_pton(AF_INET, host, &sa.sin_addr);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		perror("connect");
		return 1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);

	char out[1024], in[1024];
	int len = snprintf(out, sizeof out, "%s\n", msg), off = 0, got = 0;
	while (off < len) {
		int n = send(fd, out + off, len - off, 0);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			continue;
		if (n < 0) { perror("send"); return 1; }
		off += n;
	}
	while (got == 0 || in[got - 1] != '\n') {
		int n = recv(fd, in + got, sizeof in - got, 0);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			continue; /* nothing yet, try again */
		if (n <= 0) { fprintf(stderr, "recv failed\n"); return 1; }
		got += n;
	}
	printf("echo: %.*s", got, in);
	close(fd);
	return 0;
}
