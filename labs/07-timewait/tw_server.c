/* summary: lab 7's server: closes first (TIME-WAIT), restarts its listener, shares a port, or leaks connections. */
/*
 * usage: tw_server --addr ADDR --port PORT --mode MODE [--reuseaddr] [--count N]
 *                  [--nofile N]
 *
 * Every connection is one line in and the same line back (an echo).
 *
 *   --mode close-first  serve one client and close first: the server holds TIME-WAIT.
 *   --mode restart      serve one client, close first, close the listener, then bind the
 *                       port again at once, as a restarted server would: once without
 *                       SO_REUSEADDR, once with it. With --reuseaddr the first listener had
 *                       SO_REUSEADDR too; a new socket that binds listens, and exits.
 *   --mode reuseport    try a second listener with SO_REUSEADDR alone (refused), then open
 *                       two listeners with SO_REUSEPORT and serve --count clients from both.
 *   --mode leak         never close an accepted socket. With --nofile N it lowers its own
 *                       open-file limit to N first, so accept() fails with EMFILE soon.
 *   --mode serve        serve clients for ever, closing each one (the lab kills it).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "labs/lib/peer.h"

static struct sockaddr_in where;

/* socket(), SO_REUSEADDR and SO_REUSEPORT as asked, bind(). The fd, or -1 with errno. */
static int bound_socket(int reuseaddr, int reuseport)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0), err;

	if (fd < 0)
		return -1;
	if (reuseaddr)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuseaddr, sizeof(reuseaddr));
	if (reuseport)
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &reuseport, sizeof(reuseport));
	if (bind(fd, (struct sockaddr *)&where, sizeof(where)) == 0)
		return fd;
	err = errno;
	close(fd);
	errno = err;
	return -1;
}

static int listener(int reuseaddr, int reuseport)
{
	int fd = bound_socket(reuseaddr, reuseport);

	if (fd < 0) {
		perror("tw_server: bind");
		return -1;
	}
	if (listen(fd, 16) < 0) {
		perror("tw_server: listen");
		close(fd);
		return -1;
	}
	return fd;
}

/* Read one line and send it back. The bytes echoed, 0 when the client closed first, -1. */
static ssize_t echo_line(int fd)
{
	char buf[256];
	size_t len = 0;

	while (len < sizeof(buf) && (len == 0 || buf[len - 1] != '\n')) {
		ssize_t n = recv(fd, buf + len, sizeof(buf) - len, 0);

		if (n <= 0)
			return n;
		len += (size_t)n;
	}
	return peer_send_all(fd, buf, len) < 0 ? -1 : (ssize_t)len;
}

/* Wait for the client's FIN (recv() returns 0), for a server that lets the client close. */
static void until_eof(int fd)
{
	char buf[256];

	while (recv(fd, buf, sizeof(buf), 0) > 0)
		;
}

static int close_first(int lfd)
{
	int fd = accept(lfd, NULL, NULL);

	if (fd < 0) {
		perror("tw_server: accept");
		return -1;
	}
	if (echo_line(fd) <= 0)
		fprintf(stderr, "tw_server: the client sent no line\n");
	close(fd);
	printf("echoed the line and closed first: this side holds TIME-WAIT now\n");
	return 0;
}

static int restart(int reuseaddr)
{
	int lfd = listener(reuseaddr, 0), fd;

	if (lfd < 0)
		return 1;
	printf("listening, SO_REUSEADDR %s\n", reuseaddr ? "on" : "off");
	fflush(stdout);
	if (close_first(lfd) < 0)
		return 1;
	close(lfd);
	printf("listener closed: the server is down, as if it had exited\n");
	for (int again = 0; again < 2; again++) {
		fd = bound_socket(again, 0);
		if (fd < 0) {
			printf("restart: old SO_REUSEADDR %s, new %s: bind() fails: %s\n",
			       reuseaddr ? "on" : "off", again ? "on" : "off",
			       errno == EADDRINUSE ? "EADDRINUSE" : strerror(errno));
			continue;
		}
		printf("restart: old SO_REUSEADDR %s, new %s: bind() works\n",
		       reuseaddr ? "on" : "off", again ? "on" : "off");
		fflush(stdout);
		if (listen(fd, 16) < 0) {
			perror("tw_server: listen");
			return 1;
		}
		printf("listening again at once\n");
		close(fd);
		return 0;
	}
	printf("the port stays taken until the TIME-WAIT ends, 60 s after the close\n");
	return 0;
}

static int reuseport(int count)
{
	int a = listener(1, 0), b, lfd[2];
	int got[2] = { 0, 0 };

	if (a < 0)
		return 1;
	b = bound_socket(1, 0);
	if (b >= 0) {
		printf("a second listener bound with SO_REUSEADDR alone\n");
		close(b);
	} else {
		printf("second listener, SO_REUSEADDR alone: bind() fails: %s\n",
		       errno == EADDRINUSE ? "EADDRINUSE" : strerror(errno));
	}
	close(a);
	lfd[0] = listener(0, 1);
	lfd[1] = lfd[0] < 0 ? -1 : listener(0, 1);
	if (lfd[1] < 0)
		return 1;
	printf("two listeners on port %u, both with SO_REUSEPORT\n", ntohs(where.sin_port));
	fflush(stdout);
	for (int served = 0; served < count;) {
		struct pollfd p[2] = { { lfd[0], POLLIN, 0 }, { lfd[1], POLLIN, 0 } };

		if (poll(p, 2, -1) < 0) {
			perror("tw_server: poll");
			return 1;
		}
		for (int i = 0; i < 2; i++) {
			int fd;

			if (!(p[i].revents & POLLIN))
				continue;
			fd = accept(lfd[i], NULL, NULL);
			if (fd < 0) {
				perror("tw_server: accept");
				return 1;
			}
			echo_line(fd);
			until_eof(fd);
			close(fd);
			got[i]++;
			served++;
		}
	}
	printf("listener 1 accepted %d, listener 2 accepted %d of %d connections\n", got[0],
	       got[1], count);
	if (got[0] && got[1])
		printf("the kernel spread the connections over both listeners\n");
	return 0;
}

static int leak(int nofile)
{
	struct rlimit rl = { (rlim_t)nofile, (rlim_t)nofile };
	int lfd, n = 0;

	if (nofile > 0 && setrlimit(RLIMIT_NOFILE, &rl) < 0) {
		perror("tw_server: setrlimit");
		return 1;
	}
	lfd = listener(1, 0);
	if (lfd < 0)
		return 1;
	if (nofile > 0)
		printf("open-file limit lowered to %d\n", nofile);
	fflush(stdout);
	for (;;) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0) {
			printf("accept() fails: %s: %d connections were never closed\n",
			       errno == EMFILE ? "EMFILE (too many open files)" : strerror(errno), n);
			fflush(stdout);
			break;
		}
		n++;
		echo_line(fd);
		/* The bug: no close(fd). The client's FIN leaves the socket in CLOSE-WAIT. */
		printf("client %d served (fd %d), its socket never closed\n", n, fd);
		fflush(stdout);
	}
	pause();        /* the lab kills it once its client has given up */
	return 0;
}

static int serve(int reuseaddr)
{
	int lfd = listener(reuseaddr, 0);

	if (lfd < 0)
		return 1;
	printf("listening, SO_REUSEADDR %s\n", reuseaddr ? "on" : "off");
	fflush(stdout);
	for (;;) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0) {
			perror("tw_server: accept");
			return 1;
		}
		if (echo_line(fd) > 0)
			until_eof(fd);
		close(fd);
	}
}

int main(int argc, char **argv)
{
	const char *addr = peer_opt(argc, argv, "--addr", "0.0.0.0");
	const char *mode = peer_opt(argc, argv, "--mode", "close-first");
	int port = atoi(peer_opt(argc, argv, "--port", "8070"));
	int count = atoi(peer_opt(argc, argv, "--count", "16"));
	int nofile = atoi(peer_opt(argc, argv, "--nofile", "0"));
	int reuse = peer_flag(argc, argv, "--reuseaddr");
	int lfd, r;

	peer_init(argv[0]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	where.sin_family = AF_INET;
	where.sin_port = htons((uint16_t)port);
	if (port <= 0 || port > 65535 || inet_pton(AF_INET, addr, &where.sin_addr) != 1 ||
	    count < 1 || count > 60 || nofile < 0 || nofile > 1024) {
		fprintf(stderr, "tw_server: --addr must be IPv4, --port 1..65535, --count 1..60,"
		        " --nofile 0..1024\n");
		return 2;
	}
	if (!strcmp(mode, "close-first")) {
		lfd = listener(reuse, 0);
		if (lfd < 0)
			return 1;
		r = close_first(lfd);
		close(lfd);
		return r < 0;
	}
	if (!strcmp(mode, "restart"))
		return restart(reuse);
	if (!strcmp(mode, "reuseport"))
		return reuseport(count);
	if (!strcmp(mode, "leak"))
		return leak(nofile);
	if (!strcmp(mode, "serve"))
		return serve(reuse);
	fprintf(stderr, "tw_server: unknown --mode '%s' (close-first, restart, reuseport, leak,"
	        " serve)\n", mode);
	return 2;
}
