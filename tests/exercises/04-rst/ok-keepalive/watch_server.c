/*
 * Lab 4 watch_server.
 * closed  = recv() returns 0 (FIN)
 * reset   = recv() fails with ECONNRESET (RST)
 * vanished = nothing ever comes. Keepalive finds it: after 1 s of silence the kernel
 *            probes every 1 s, and after 2 unanswered probes recv() fails with ETIMEDOUT.
 *            That is 1 + 2*1 = 3 s after the last segment, inside the 5 s limit.
 * A client that is just quiet still answers the probes (its kernel does), so it is never
 * called vanished.
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

static void enable_keepalive(int fd)
{
	int yes = 1, idle = 1, interval = 1, count = 2;

	if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &yes, sizeof(yes)) < 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle)) < 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof(interval)) < 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof(count)) < 0)
		perror("watch_server: keepalive");
}

/* Echo until the client goes away; returns how it went. */
static const char *serve(int fd)
{
	char buf[512];

	enable_keepalive(fd);
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n == 0)
			return "closed";
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ECONNRESET)
				return "reset";
			if (errno == ETIMEDOUT || errno == EHOSTUNREACH)
				return "vanished"; /* keepalive gave up */
			perror("watch_server: recv");
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
