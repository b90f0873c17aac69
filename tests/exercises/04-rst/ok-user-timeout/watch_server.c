/*
 * watch_server, lab 4.
 * Two options on every client socket:
 *  - keepalive probes after 1 s of idle, one per second, so there is always something
 *    in flight to a silent client (probes carry no data, so a live client that just
 *    hasn't said anything answers them from its kernel and nothing changes for it);
 *  - TCP_USER_TIMEOUT 3000 ms: if what we sent (echo or probe) stays unacknowledged for
 *    3 s, the kernel gives up and recv() fails with ETIMEDOUT. Pulled cable -> vanished
 *    about 1 + 3 = 4 s later at worst.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
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

static int watch(int fd)
{
	int on = 1, idle = 1, intvl = 1;
	unsigned int timeout_ms = 3000;

	if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on))
		return -1;
	if (setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle))
		return -1;
	if (setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl))
		return -1;
	return setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &timeout_ms, sizeof timeout_ms);
}

/* Echo until the client goes away; returns how it went. */
static const char *serve(int fd)
{
	char buf[512];

	if (watch(fd) < 0)
		perror("watch_server: setsockopt");
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n > 0) {
			for (ssize_t done = 0; done < n;) {
				ssize_t w = send(fd, buf + done, (size_t)(n - done), MSG_NOSIGNAL);
				if (w < 0)
					break; /* the recv() below will say why */
				done += w;
			}
			continue;
		}
		if (n == 0)
			return "closed";
		switch (errno) {
		case EINTR:
			continue;
		case ECONNRESET:
		case EPIPE:
			return "reset";
		case ETIMEDOUT:
			return "vanished";
		default:
			fprintf(stderr, "watch_server: recv: %s\n", strerror(errno));
			return "vanished";
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
