/*
 * echo client, lab 1.
 * Sends the message and reads back exactly as many bytes as we sent (the server echoes
 * everything), looping because recv can return less.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *host = "127.0.0.1", *message = "hello";
	int port = 8000;

	for (int i = 1; i + 1 < argc; i++) {
		if (strcmp(argv[i], "--host") == 0) host = argv[i + 1];
		else if (strcmp(argv[i], "--port") == 0) port = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--message") == 0) message = argv[i + 1];
	}
	size_t len = strlen(message);

	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(port) };
	inet_pton(AF_INET, host, &addr.sin_addr);
	if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
		perror("connect");
		return 1;
	}

	size_t sent = 0;
	while (sent < len) {
		ssize_t n = send(fd, message + sent, len - sent, 0);
		if (n < 0) { perror("send"); return 1; }
		sent += n;
	}

	char buf[1024];
	size_t got = 0;
	while (got < len && got < sizeof buf) {
		ssize_t n = recv(fd, buf + got, len - got, 0);
		if (n < 0 && errno == EINTR) continue;
		if (n <= 0) { fprintf(stderr, "echo cut short\n"); return 1; }
		got += n;
	}
	printf("echo: %.*s\n", (int)got, buf);
	close(fd);
	return 0;
}
