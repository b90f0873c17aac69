/* echo client lab 1: send the message; the server echoes it so print it */
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

	for (int i = 1; i + 1 < argc; i++) {
		if (!strcmp(argv[i], "--host")) host = argv[i + 1];
		if (!strcmp(argv[i], "--port")) port = atoi(argv[i + 1]);
		if (!strcmp(argv[i], "--message")) msg = argv[i + 1];
	}
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	inet_pton(AF_INET, host, &sa.sin_addr);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		perror("connect");
		return 1;
	}
	char line[600];
	int n = snprintf(line, sizeof line, "%s\n", msg);
	send(fd, line, n, 0);
	/* it's an echo server, so what comes back is what we sent */
	printf("echo: %s", line);
	close(fd);
	return 0;
}
