/*
 * Lab 1 echo client.
 * The server sends back exactly what we sent, so we know how many bytes to expect:
 * strlen(message) + 1 for the newline. MSG_WAITALL makes recv() wait for all of them
 * (it can still return early on a signal or if the server closes, so I check).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *host = "127.0.0.1";
	const char *message = "hello";
	unsigned short port = 8000;

	for (int i = 1; i < argc; i++) {
		if (i + 1 < argc && !strcmp(argv[i], "--host"))
			host = argv[++i];
		else if (i + 1 < argc && !strcmp(argv[i], "--port"))
			port = (unsigned short)strtoul(argv[++i], NULL, 10);
		else if (i + 1 < argc && !strcmp(argv[i], "--message"))
			message = argv[++i];
	}

	size_t len = strlen(message) + 1;
	char *req = malloc(len + 1);
	char *echo = malloc(len + 1);
	if (!req || !echo)
		return 1;
	memcpy(req, message, len - 1);
	req[len - 1] = '\n';

	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in srv = { .sin_family = AF_INET, .sin_port = htons(port) };
	inet_pton(AF_INET, host, &srv.sin_addr);
	if (fd < 0 || connect(fd, (struct sockaddr *)&srv, sizeof(srv)) < 0) {
		perror("connect");
		return 1;
	}

	size_t off = 0;
	while (off < len) {
		ssize_t n = send(fd, req + off, len - off, 0);
		if (n < 0) {
			perror("send");
			return 1;
		}
		off += (size_t)n;
	}

	off = 0;
	while (off < len) {
		ssize_t n = recv(fd, echo + off, len - off, MSG_WAITALL);
		if (n <= 0) {
			fprintf(stderr, "recv: short echo (%zu of %zu bytes)\n", off, len);
			return 1;
		}
		off += (size_t)n; /* normally the first call gets everything */
	}
	echo[len] = '\0';
	printf("echo: %s", echo);

	close(fd);
	free(req);
	free(echo);
	return 0;
}
