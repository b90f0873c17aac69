/* Wrong answer: sends the message and closes at once, never reading the echo. */
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
	int fd;

	if (argc < 5)
		return 2;
	inet_pton(AF_INET, argv[2], &addr.sin_addr);
	addr.sin_port = htons((uint16_t)atoi(argv[4]));
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return 1;
	send(fd, msg, strlen(msg), 0);
	close(fd);
	return 0;
}
