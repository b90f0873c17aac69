/* Wrong answer: reads the echo, then aborts the connection with SO_LINGER {1, 0}. */
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
	struct linger abort_now = { 1, 0 };
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
	/* "To avoid TIME-WAIT": the connection ends with RST instead of FIN. */
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_now, sizeof(abort_now));
	close(fd);
	return 0;
}
