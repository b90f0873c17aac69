/* Lab 1: echo client. Connect, send the line, get the echo, close. */
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
		if (!strcmp(argv[i], "--port")) port = atoi(argv[i + 1]);
		if (!strcmp(argv[i], "--message")) msg = argv[i + 1];
	}

	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	inet_pton(AF_INET, host, &a.sin_addr);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		perror("connect");
		return 1;
	}

	char line[1024];
	int len = snprintf(line, sizeof line, "%s\n", msg);
	if (send(fd, line, len, 0) != len) {
		perror("send");
		return 1;
	}

	/* the echo is small (one line), it comes back in one recv */
	char buf[1024];
	ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
	if (n < 0) {
		perror("recv");
		return 1;
	}
	buf[n] = '\0';
	printf("echo: %s", buf);

	close(fd);
	return 0;
}
