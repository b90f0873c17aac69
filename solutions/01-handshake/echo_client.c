/*
 * Lab 1 reference solution: an echo client that reads the whole echo, however the server
 * splits or delays it, and closes first.
 *
 * usage: echo_client --host ADDR --port PORT [--message TEXT]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *opt(int argc, char **argv, const char *name, const char *def)
{
	for (int i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], name))
			return argv[i + 1];
	return def;
}

int main(int argc, char **argv)
{
	const char *host = opt(argc, argv, "--host", "127.0.0.1");
	int port = atoi(opt(argc, argv, "--port", "8000"));
	const char *message = opt(argc, argv, "--message", "hello, tcplab");
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	char line[1024], echo[1024];
	size_t len, sent = 0, got = 0;
	int fd;

	len = (size_t)snprintf(line, sizeof(line), "%s\n", message);
	if (len >= sizeof(line) || inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
		fprintf(stderr, "echo_client: bad --message or --host\n");
		return 2;
	}
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		perror("echo_client: connect");
		return 1;
	}
	/* send() may take only part of the buffer: loop until all of it is gone. */
	while (sent < len) {
		ssize_t n = send(fd, line + sent, len - sent, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			perror("echo_client: send");
			return 1;
		}
		sent += (size_t)n;
	}
	/* recv() returns what has arrived so far: loop until the whole echo is here. */
	while (got < len) {
		ssize_t n = recv(fd, echo + got, len - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "echo_client: the server closed before the whole echo came\n");
			return 1;
		}
		got += (size_t)n;
	}
	printf("echo: %.*s", (int)got, echo);
	/* Closing first sends the first FIN: this client will hold TIME-WAIT. */
	close(fd);
	return 0;
}
