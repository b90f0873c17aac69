/*
 * Lab 4 watch_server, keepalive version (1 s idle, 1 s interval, 3 probes).
 * When a client vanished its connection is already dead in the kernel (keepalive gave up),
 * so there is nothing to close; I only close the ones that closed or reset.
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

/* Echo until the client goes away; returns how it went. */
static const char *serve(int fd)
{
	int on = 1, idle = 1, intvl = 1, cnt = 3;
	char buf[512];

	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n == 0)
			return "closed";
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ECONNRESET)
			return "reset";
		if (n < 0)
			return "vanished";
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
		const char *how = serve(fd);

		printf("client %d: %s\n", i, how);
		if (strcmp(how, "vanished") != 0)
			close(fd); /* a vanished socket is dead already */
	}
	close(lfd);
	return 0;
}
