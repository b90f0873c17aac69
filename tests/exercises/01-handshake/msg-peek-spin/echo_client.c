/*
 * Lab 1 echo client.
 * I don't want to take bytes out of the socket until the whole line is there, so I
 * look at it with MSG_PEEK until the '\n' shows up, then read it for real in one recv.
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
	const char *host = "127.0.0.1", *msg = "hello";
	int port = 8000;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--host")) host = argv[i + 1];
		else if (!strcmp(argv[i], "--port")) port = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--message")) msg = argv[i + 1];
	}
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	inet_pton(AF_INET, host, &sa.sin_addr);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		perror("connect");
		return 1;
	}
	char line[1024];
	int len = snprintf(line, sizeof line, "%s\n", msg);
	for (int off = 0; off < len;) {
		int n = send(fd, line + off, len - off, 0);
		if (n < 0) { perror("send"); return 1; }
		off += n;
	}

	char buf[1024];
	ssize_t n;
	for (;;) {
		n = recv(fd, buf, sizeof buf, MSG_PEEK);
		if (n <= 0) {
			fprintf(stderr, "server went away\n");
			return 1;
		}
		if (memchr(buf, '\n', (size_t)n))
			break; /* whole line is waiting in the socket */
	}
	n = recv(fd, buf, (size_t)n, 0);
	printf("echo: %.*s", (int)n, buf);
	close(fd);
	return 0;
}
