/*
 * Lab 1, a correct client that makes every socket call through syscall(): no libc socket
 * wrapper at all. A tracer inside libc would see nothing; the grader must see it all.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
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
	struct sockaddr_in sa = { .sin_family = AF_INET };
	const char *msg = opt(argc, argv, "--message", "hello, tcplab");
	char line[512], echo[512];
	size_t len, got = 0;
	long fd;

	sa.sin_port = htons((unsigned short)atoi(opt(argc, argv, "--port", "8000")));
	if (inet_pton(AF_INET, opt(argc, argv, "--host", "127.0.0.1"), &sa.sin_addr) != 1)
		return 2;
	len = (size_t)snprintf(line, sizeof(line), "%s\n", msg);
	fd = syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || syscall(SYS_connect, fd, &sa, sizeof(sa)) < 0) {
		perror("echo_client: connect");
		return 1;
	}
	for (size_t sent = 0; sent < len;) {
		long n = syscall(SYS_sendto, fd, line + sent, len - sent, 0, NULL, 0);

		if (n <= 0)
			return 1;
		sent += (size_t)n;
	}
	/* The echo may come in pieces: read until its newline is here. */
	while (got < len && !memchr(echo, '\n', got)) {
		long n = syscall(SYS_recvfrom, fd, echo + got, sizeof(echo) - got, 0, NULL, NULL);

		if (n <= 0) {
			fprintf(stderr, "echo_client: the server closed before the whole echo came\n");
			return 1;
		}
		got += (size_t)n;
	}
	printf("echo: %.*s", (int)got, echo);
	syscall(SYS_close, fd);
	return 0;
}
