/*
 * Lab 6 exercise, reference solution: a chat server with one poll() loop.
 *
 * Every socket is non-blocking. Each client has an input buffer (a line may come in
 * pieces) and an output buffer: a line for a client is appended to its output buffer, and
 * sent from there as its socket takes it. poll() asks POLLOUT only for clients with bytes
 * waiting, so a client that does not read costs the others nothing: its bytes wait in
 * this program's memory (up to OUT_MAX; past that the client is dropped), not in a send()
 * that blocks the loop.
 *
 * A client leaves when recv() returns 0 (its FIN), fails (ECONNRESET: its RST), or when a
 * send() to it fails (EPIPE, ECONNRESET): then its socket is closed at once, and it is
 * never sent to again. SIGPIPE is ignored, so a send() to a client that has gone fails
 * instead of killing the server. When the last client has left, the server exits.
 *
 * usage: chat_server --addr ADDR --port PORT
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CLIENTS 64
#define LINE_MAX_LEN 1024
#define OUT_MAX (1u << 20)

struct client {
	int fd;                         /* -1: a free slot */
	int n;                          /* its number, in the order of accept() */
	char in[LINE_MAX_LEN];
	size_t inlen;
	char *out;
	size_t outlen, outcap;
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

static void drop(struct client *c, const char *why)
{
	printf("chat_server: client %d left (%s)\n", c->n, why);
	close(c->fd);
	free(c->out);
	*c = (struct client){ .fd = -1 };
}

/* Send what is waiting for c, as much as its socket takes now. false: it has gone. */
static bool flush_out(struct client *c)
{
	while (c->outlen) {
		ssize_t w = send(c->fd, c->out, c->outlen, MSG_NOSIGNAL);

		if (w < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
		memmove(c->out, c->out + w, c->outlen - (size_t)w);
		c->outlen -= (size_t)w;
	}
	return true;
}

/* Append a line to c's output; send at once only when nothing was waiting before. */
static bool queue_line(struct client *c, const char *line, size_t len)
{
	bool idle = c->outlen == 0;

	if (c->outlen + len > OUT_MAX)
		return false;
	if (c->outlen + len > c->outcap) {
		size_t cap = c->outcap ? c->outcap * 2 : 16384;
		char *p;

		while (cap < c->outlen + len)
			cap *= 2;
		p = realloc(c->out, cap);
		if (!p)
			return false;
		c->out = p;
		c->outcap = cap;
	}
	memcpy(c->out + c->outlen, line, len);
	c->outlen += len;
	return idle ? flush_out(c) : true;     /* otherwise POLLOUT will say when */
}

static void broadcast(struct client *cl, int from, const char *line, size_t len)
{
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (i != from && cl[i].fd >= 0 && !queue_line(&cl[i], line, len))
			drop(&cl[i], "could not send to it");
}

/* Read from client i; pass on each whole line. false: it left. */
static bool read_client(struct client *cl, int i)
{
	struct client *c = &cl[i];
	ssize_t r = recv(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen, 0);
	char *nl;

	if (r == 0) {
		drop(c, "closed");
		return false;
	}
	if (r < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return true;
		perror("chat_server: recv");
		exit(1);
	}
	c->inlen += (size_t)r;
	while ((nl = memchr(c->in, '\n', c->inlen))) {
		size_t len = (size_t)(nl - c->in) + 1;

		broadcast(cl, i, c->in, len);
		memmove(c->in, c->in + len, c->inlen - len);
		c->inlen -= len;
	}
	if (c->inlen == sizeof(c->in)) {
		drop(c, "a line longer than 1024 bytes");
		return false;
	}
	return true;
}

int main(int argc, char **argv)
{
	const char *addr = opt(argc, argv, "--addr", "0.0.0.0");
	int port = atoi(opt(argc, argv, "--port", "8060"));
	static struct client cl[MAX_CLIENTS];
	int lfd, accepted = 0, present = 0;

	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
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
		for (int i = 0; i < MAX_CLIENTS; i++) {
			if (cl[i].fd < 0)
				continue;
			pfd[np] = (struct pollfd){ .fd = cl[i].fd, .events = POLLIN };
			if (cl[i].outlen)
				pfd[np].events |= POLLOUT;
			slot[np++] = i;
		}
		if (poll(pfd, (nfds_t)np, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("chat_server: poll");
			return 1;
		}
		for (int k = 0; k < np; k++) {
			int i = slot[k];

			if (!pfd[k].revents)
				continue;
			if (i < 0) {
				int fd = accept(lfd, NULL, NULL), j = 0;

				if (fd < 0)
					continue;
				while (j < MAX_CLIENTS && cl[j].fd >= 0)
					j++;
				if (j == MAX_CLIENTS) {
					close(fd);
					continue;
				}
				fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
				cl[j] = (struct client){ .fd = fd, .n = ++accepted };
				printf("chat_server: client %d joined\n", accepted);
				continue;
			}
			if (cl[i].fd != pfd[k].fd)
				continue;       /* dropped earlier in this round; the slot may be new */
			if ((pfd[k].revents & POLLOUT) && !flush_out(&cl[i])) {
				drop(&cl[i], "could not send to it");
				continue;
			}
			if (pfd[k].revents & (POLLIN | POLLHUP | POLLERR))
				read_client(cl, i);
		}
		present = 0;
		for (int i = 0; i < MAX_CLIENTS; i++)
			present += cl[i].fd >= 0;
	}
	printf("chat_server: everyone left after %d clients\n", accepted);
	close(lfd);
	return 0;
}
