/* summary: lab 6's exercise: a chat server (this starter lets one slow client stall everyone). */
/*
 * usage: chat_server --addr ADDR --port PORT
 *
 * YOUR TASK. Clients connect, and each line one of them sends (text ending in '\n', at most
 * 1024 bytes with it) goes, unchanged, to every OTHER client connected at the time: not
 * back to its sender, and not to anyone who joins later. Clients join and leave at any
 * time: a client leaves with a FIN (recv() returns 0) or with a RST (recv() or send() fails
 * with ECONNRESET, or send() with EPIPE); close its socket at once and never send to it
 * again. After the first client, when nobody is connected any more, exit.
 *
 * One client may stop reading for a while. The lines for it must wait somewhere, and not
 * in a send() that blocks the whole server: keep a buffer of bytes waiting for each client
 * in your program (up to 1 MiB), make the sockets non-blocking (O_NONBLOCK), send what the
 * socket takes, and ask poll() for POLLOUT only for clients that have bytes waiting
 * (asking it for everyone makes poll() return at once, forever: a busy loop). Threads are
 * fine too, if no thread that serves one client ever waits for another.
 *
 * This starter is one poll() loop that reads well, but passes lines on with a blocking
 * send(): when one client stops reading, its socket's send buffer fills, send() waits, and
 * every other client waits with it. Watch 'tcplab run 6 --variant slow-blocking' and
 * 'slow-buffered' first: they are the two servers, side by side.
 *
 * A send() to a client that has gone raises SIGPIPE, which kills the process unless it is
 * ignored (signal(SIGPIPE, SIG_IGN)) or send() is given MSG_NOSIGNAL.
 *
 * Build: cc -std=c11 -Wall -Wextra -o chat_server chat_server.c ; grade: tcplab grade 6
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CLIENTS 64
#define LINE_MAX_LEN 1024

struct client {
	int fd;                         /* -1: a free slot */
	char in[LINE_MAX_LEN];          /* the start of a line that has not ended yet */
	size_t inlen;
};

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
		fprintf(stderr, "chat_server: '%s' is not an IPv4 address\n", addr);
		return -1;
	}
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0) {
		perror("chat_server: socket");
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0) {
		perror("chat_server: bind/listen");
		close(fd);
		return -1;
	}
	return fd;
}

static void drop(struct client *c)
{
	close(c->fd);
	c->fd = -1;
	c->inlen = 0;
}

/* send() until all of it is gone. This is what stalls: it waits for a slow client. */
static int send_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t w = send(fd, p, len, MSG_NOSIGNAL);

		if (w < 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static void broadcast(struct client *cl, int from, const char *line, size_t len)
{
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (i != from && cl[i].fd >= 0 && send_all(cl[i].fd, line, len) < 0)
			drop(&cl[i]);
}

static void read_client(struct client *cl, int i)
{
	struct client *c = &cl[i];
	ssize_t r = recv(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen, 0);
	char *nl;

	if (r <= 0) {                   /* 0: a FIN; -1: a RST (ECONNRESET) or worse */
		drop(c);
		return;
	}
	c->inlen += (size_t)r;
	while ((nl = memchr(c->in, '\n', c->inlen))) {
		size_t len = (size_t)(nl - c->in) + 1;

		broadcast(cl, i, c->in, len);
		memmove(c->in, c->in + len, c->inlen - len);
		c->inlen -= len;
	}
	if (c->inlen == sizeof(c->in))
		drop(c);                /* a line longer than the task allows */
}

int main(int argc, char **argv)
{
	const char *addr = opt(argc, argv, "--addr", "0.0.0.0");
	int port = atoi(opt(argc, argv, "--port", "8060"));
	static struct client cl[MAX_CLIENTS];
	int lfd, accepted = 0, present = 0;

	lfd = listen_on(addr, port);
	if (lfd < 0)
		return 1;
	for (int i = 0; i < MAX_CLIENTS; i++)
		cl[i].fd = -1;
	while (accepted == 0 || present > 0) {
		struct pollfd pfd[MAX_CLIENTS + 1];
		int slot[MAX_CLIENTS + 1], np = 0;

		pfd[np] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		slot[np++] = -1;
		for (int i = 0; i < MAX_CLIENTS; i++)
			if (cl[i].fd >= 0) {
				pfd[np] = (struct pollfd){ .fd = cl[i].fd, .events = POLLIN };
				slot[np++] = i;
			}
		if (poll(pfd, (nfds_t)np, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("chat_server: poll");
			return 1;
		}
		for (int k = 0; k < np; k++) {
			if (!pfd[k].revents)
				continue;
			if (slot[k] < 0) {
				int fd = accept(lfd, NULL, NULL), j = 0;

				while (fd >= 0 && j < MAX_CLIENTS && cl[j].fd >= 0)
					j++;
				if (fd >= 0 && j < MAX_CLIENTS) {
					cl[j] = (struct client){ .fd = fd };
					accepted++;
				} else if (fd >= 0) {
					close(fd);
				}
			} else if (cl[slot[k]].fd == pfd[k].fd) {
				read_client(cl, slot[k]);
			}
		}
		present = 0;
		for (int i = 0; i < MAX_CLIENTS; i++)
			present += cl[i].fd >= 0;
	}
	printf("chat_server: everyone left after %d clients\n", accepted);
	close(lfd);
	return 0;
}
