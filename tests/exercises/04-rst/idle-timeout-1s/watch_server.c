/*
 * Lab 4 watch_server.
 * closed: recv 0. reset: ECONNRESET. vanished: if a client sends nothing for 1 second it
 * is gone (SO_RCVTIMEO, recv fails with EAGAIN). 1 s is well inside the 5 s we have.
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

/* Echo until the client goes away; returns how it went. */
static const char *serve(int fd)
{
	struct timeval tv = { 1, 0 };
	char buf[512];

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n == 0)
			return "closed";
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return "vanished"; /* silent for 1 s */
			if (errno == ECONNRESET)
				return "reset";
			return "closed";
		}
		for (ssize_t done = 0; done < n;) {
			ssize_t w = send(fd, buf + done, (size_t)(n - done), MSG_NOSIGNAL);

			if (w < 0)
				return errno == ECONNRESET ? "reset" : "closed";
			done += w;
		}
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
		printf("client %d: %s\n", i, serve(fd));
		close(fd);
	}
	close(lfd);
	return 0;
}
