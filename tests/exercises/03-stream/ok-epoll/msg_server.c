/*
 * Lab 3 msg_server, event-driven with epoll.
 *
 * The listening socket and the current client are in one epoll set. The client socket is
 * non-blocking: when epoll says it is readable I read everything there is (until EAGAIN)
 * into a buffer, and then print every complete message the buffer holds. A partial message
 * stays in the buffer until more bytes arrive. recv() == 0 means the sender closed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_MESSAGE 1024
#define BUFSIZE 8192

struct client {
	int fd;
	char buf[BUFSIZE];
	size_t len;
};

/* print all whole messages in c->buf, keep the rest. -1 if a length is bogus */
static int drain_messages(struct client *c)
{
	size_t off = 0;

	while (c->len - off >= 4) {
		uint32_t be, n;
		memcpy(&be, c->buf + off, 4);
		n = ntohl(be);
		if (n > MAX_MESSAGE)
			return -1;
		if (c->len - off < 4 + n)
			break; /* rest of this message not here yet */
		printf("message of %u bytes: %.*s\n", n, (int)n, c->buf + off + 4);
		off += 4 + n;
	}
	memmove(c->buf, c->buf + off, c->len - off);
	c->len -= off;
	return 0;
}

/* read what is available. 1: keep going, 0: client finished (closed) */
static int on_readable(struct client *c)
{
	for (;;) {
		ssize_t n = recv(c->fd, c->buf + c->len, sizeof c->buf - c->len, 0);
		if (n > 0) {
			c->len += (size_t)n;
			if (drain_messages(c) < 0) {
				fprintf(stderr, "msg_server: bad length, dropping client\n");
				return 0;
			}
			continue;
		}
		if (n == 0) {
			if (c->len == 0)
				printf("end of stream\n");
			else
				fprintf(stderr, "msg_server: %zu bytes of an unfinished message\n", c->len);
			return 0;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 1; /* all read for now, back to epoll_wait */
		perror("recv");
		return 0;
	}
}

int main(int argc, char **argv)
{
	const char *addr = "0.0.0.0";
	int port = 8000, remaining = 3;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--addr")) addr = argv[i + 1];
		else if (!strcmp(argv[i], "--port")) port = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--connections")) remaining = atoi(argv[i + 1]);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	int lfd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	inet_pton(AF_INET, addr, &sa.sin_addr);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(lfd, 8) < 0) {
		perror("msg_server");
		return 1;
	}
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = lfd };
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);

	static struct client cl = { .fd = -1 };
	while (remaining > 0) {
		struct epoll_event got[4];
		int n = epoll_wait(ep, got, 4, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("epoll_wait");
			break;
		}
		for (int i = 0; i < n; i++) {
			if (got[i].data.fd == lfd) {
				if (cl.fd >= 0)
					continue; /* one client at a time; take the next one later */
				cl.fd = accept(lfd, NULL, NULL);
				if (cl.fd < 0)
					continue;
				fcntl(cl.fd, F_SETFL, fcntl(cl.fd, F_GETFL) | O_NONBLOCK);
				cl.len = 0;
				ev.events = EPOLLIN;
				ev.data.fd = cl.fd;
				epoll_ctl(ep, EPOLL_CTL_ADD, cl.fd, &ev);
				/* stop listening for new ones until this one is done */
				epoll_ctl(ep, EPOLL_CTL_DEL, lfd, NULL);
			} else if (got[i].data.fd == cl.fd) {
				if (!on_readable(&cl)) {
					epoll_ctl(ep, EPOLL_CTL_DEL, cl.fd, NULL);
					close(cl.fd);
					cl.fd = -1;
					remaining--;
					ev.events = EPOLLIN;
					ev.data.fd = lfd;
					epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
				}
			}
		}
	}
	close(ep);
	close(lfd);
	return 0;
}
