/* summary: socket helpers shared by the lab programs (see peer.h). */
#include "labs/lib/peer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char *prog = "lab";

void peer_init(const char *argv0)
{
	const char *slash = strrchr(argv0, '/');

	prog = slash ? slash + 1 : argv0;
	/* Line by line even into a pipe, so each line reaches the timeline when it happens. */
	setvbuf(stdout, NULL, _IOLBF, 0);
}

static void fail(const char *what, const char *addr, int port)
{
	fprintf(stderr, "%s: %s %s:%d: %s\n", prog, what, addr, port, strerror(errno));
}

/* Fill a sockaddr for an IPv4 or IPv6 literal; returns its length, 0 if not a literal. */
static socklen_t make_addr(const char *addr, int port, struct sockaddr_storage *ss)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		return sizeof(*in4);
	}
	if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		return sizeof(*in6);
	}
	return 0;
}

int peer_listen(const char *addr, int port, int backlog)
{
	struct sockaddr_storage ss;
	socklen_t len = make_addr(addr, port, &ss);
	int one = 1, fd;

	if (!len) {
		fprintf(stderr, "%s: '%s' is not an IP address\n", prog, addr);
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (fd < 0) {
		fail("socket for", addr, port);
		return -1;
	}
	/* Without it a rerun within 60 s fails while the last run's socket is in TIME-WAIT. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
		fail("bind", addr, port);
		close(fd);
		return -1;
	}
	if (listen(fd, backlog) < 0) {
		fail("listen on", addr, port);
		close(fd);
		return -1;
	}
	return fd;
}

static int connect_type(const char *host, int port, int type)
{
	struct sockaddr_storage ss;
	socklen_t len = make_addr(host, port, &ss);
	int fd;

	if (!len) {
		fprintf(stderr, "%s: '%s' is not an IP address\n", prog, host);
		return -1;
	}
	fd = socket(ss.ss_family, type, 0);
	if (fd < 0) {
		fail("socket for", host, port);
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&ss, len) < 0) {
		fail("connect to", host, port);
		close(fd);
		return -1;
	}
	return fd;
}

int peer_connect(const char *host, int port)
{
	return connect_type(host, port, SOCK_STREAM);
}

int peer_connect_retry(const char *host, int port, long max_ms)
{
	struct sockaddr_storage ss;
	socklen_t len = make_addr(host, port, &ss);

	if (!len) {
		errno = EINVAL;
		return -1;
	}
	/* 10, 20, 40 ... ms apart: a few attempts, not a flood of refused SYNs. */
	for (long waited = 0, step = 10;; waited += step, step *= 2) {
		struct timespec ts = { step / 1000, (step % 1000) * 1000000L };
		int fd = socket(ss.ss_family, SOCK_STREAM, 0), err;

		if (fd < 0)
			return -1;
		if (connect(fd, (struct sockaddr *)&ss, len) == 0)
			return fd;
		err = errno;
		close(fd);
		errno = err;
		if (err != ECONNREFUSED || waited >= max_ms)
			return -1;
		nanosleep(&ts, NULL);
	}
}

int peer_connect_udp(const char *host, int port)
{
	return connect_type(host, port, SOCK_DGRAM);
}

ssize_t peer_send_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	size_t done = 0;

	while (done < len) {
		ssize_t n = send(fd, p + done, len - done, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "%s: send: %s\n", prog, strerror(errno));
			return -1;
		}
		done += (size_t)n;
	}
	return (ssize_t)done;
}

ssize_t peer_recv_n(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t done = 0;

	while (done < len) {
		ssize_t n = recv(fd, p + done, len - done, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "%s: recv: %s\n", prog, strerror(errno));
			return -1;
		}
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

const char *peer_opt(int argc, char **argv, const char *name, const char *def)
{
	for (int i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], name))
			return argv[i + 1];
	return def;
}

bool peer_flag(int argc, char **argv, const char *name)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], name))
			return true;
	return false;
}
