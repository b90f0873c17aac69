/* Wrong answer: reads the echo, then waits for the server to close first. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	const char *msg = "hello, tcplab\n";
	char buf[256];
	size_t got = 0;
	ssize_t n;
	int fd;

	if (argc < 5)
		return 2;
	inet_pton(AF_INET, argv[2], &addr.sin_addr);
	addr.sin_port = htons((uint16_t)atoi(argv[4]));
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return 1;
	send(fd, msg, strlen(msg), 0);
	while (got < strlen(msg) && (n = recv(fd, buf + got, sizeof(buf) - got, 0)) > 0)
		got += (size_t)n;
	printf("echo: %.*s", (int)got, buf);
	fflush(stdout);
	/* The server waits for our FIN, we wait for its FIN: nobody closes. */
	while (recv(fd, buf, sizeof(buf), 0) > 0)
		;
	close(fd);
	return 0;
}
