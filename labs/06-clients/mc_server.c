/* summary: lab 6's server, five ways: one client at a time, a thread each, a poll() loop, and two broadcasters. */
/*
 * usage: mc_server --addr ADDR --port PORT --mode MODE [--clients N]
 *
 *   serial      accept() one client, echo its lines until it leaves, then accept() the next:
 *               the others wait in the accept queue, their data in their receive buffers.
 *   threads     accept() in a loop, one thread per client, each echoing its own client.
 *   poll        one thread, one poll() over the listening socket and every client.
 *   broadcast-blocking  a poll() loop that sends each line to every other client with
 *               blocking send(): one client that does not read stalls the whole server.
 *   broadcast-buffered  the same, but non-blocking sockets and an output buffer per client:
 *               poll() asks POLLOUT only for clients with bytes waiting.
 *
 * It serves --clients N clients (default 3) and exits when the last of them has left. Each
 * accept() is printed with the fd it returned, so the ladder shows the listening socket
 * (always the same fd) apart from the connected ones (a new fd each).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "labs/lib/peer.h"

#define MAX_CLIENTS 8
#define OUT_MAX (4u << 20)      /* bytes a broadcast-buffered client may have waiting */

struct client {
	int fd;                 /* -1: the slot is free */
	int n;                  /* 1, 2, 3... in the order of accept() */
	char in[4096];          /* a line being read */
	size_t inlen;
	char *out;              /* broadcast-buffered: bytes not yet taken by send() */
	size_t outlen, outcap;
};

static int accept_one(int lfd, int n)
{
	int fd = accept(lfd, NULL, NULL);

	if (fd < 0)
		perror("mc_server: accept");
	else
		printf("mc_server: accept() on the listening socket (fd %d) gave fd %d to client %d\n",
		       lfd, fd, n);
	return fd;
}

/* Echo every line of one client until it leaves. */
static void echo_client(int fd, int n)
{
	char buf[4096];
	ssize_t r;

	while ((r = recv(fd, buf, sizeof(buf), 0)) > 0)
		if (peer_send_all(fd, buf, (size_t)r) < 0)
			break;
	printf("mc_server: client %d left (%s)\n", n, r == 0 ? "recv() returned 0" :
	       strerror(errno));
	close(fd);
}

static int serve_serial(int lfd, int clients)
{
	for (int n = 1; n <= clients; n++) {
		int fd = accept_one(lfd, n);

		if (fd < 0)
			return 1;
		echo_client(fd, n);
	}
	return 0;
}

struct job {
	int fd, n;
};

static void *client_thread(void *arg)
{
	struct job *j = arg;

	echo_client(j->fd, j->n);
	return NULL;
}

static int serve_threads(int lfd, int clients)
{
	pthread_t tid[MAX_CLIENTS];
	struct job job[MAX_CLIENTS];
	int started = 0;

	for (int n = 1; n <= clients; n++) {
		job[n - 1].fd = accept_one(lfd, n);
		job[n - 1].n = n;
		if (job[n - 1].fd < 0)
			break;
		if (pthread_create(&tid[n - 1], NULL, client_thread, &job[n - 1]) != 0) {
			fprintf(stderr, "mc_server: cannot start a thread for client %d\n", n);
			close(job[n - 1].fd);
			break;
		}
		started++;
	}
	for (int i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	return started == clients ? 0 : 1;
}

static void drop(struct client *c)
{
	printf("mc_server: client %d left\n", c->n);
	close(c->fd);
	c->fd = -1;
	free(c->out);
	c->out = NULL;
	c->outlen = c->outcap = 0;
}

/* Queue bytes for c (broadcast-buffered); false when it has more waiting than OUT_MAX. */
static bool queue_out(struct client *c, const char *p, size_t len)
{
	if (c->outlen + len > OUT_MAX)
		return false;
	if (c->outlen + len > c->outcap) {
		size_t cap = c->outcap ? c->outcap : 8192;
		char *q;

		while (cap < c->outlen + len)
			cap *= 2;
		q = realloc(c->out, cap);
		if (!q)
			return false;
		c->out = q;
		c->outcap = cap;
	}
	memcpy(c->out + c->outlen, p, len);
	c->outlen += len;
	return true;
}

/* Send what c has waiting, as much as its socket takes now. false: it is gone. */
static bool flush_out(struct client *c)
{
	while (c->outlen) {
		ssize_t w = send(c->fd, c->out, c->outlen, MSG_NOSIGNAL);

		if (w < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK;
		memmove(c->out, c->out + w, c->outlen - (size_t)w);
		c->outlen -= (size_t)w;
	}
	return true;
}

/* A whole line from client `from`, to every other client (or back to it: mode poll). */
static void deliver(struct client *cl, int from, const char *line, size_t len, int mode)
{
	if (mode == 'p') {
		if (peer_send_all(cl[from].fd, line, len) < 0)
			drop(&cl[from]);
		return;
	}
	for (int i = 0; i < MAX_CLIENTS; i++) {
		if (i == from || cl[i].fd < 0)
			continue;
		if (mode == 'b') {
			/* Blocking: waits here while client i does not read. */
			if (peer_send_all(cl[i].fd, line, len) < 0)
				drop(&cl[i]);
		} else {
			/* Buffered: append; send at once only when nothing was waiting (else
			 * poll() says POLLOUT when the socket takes more). */
			bool idle = cl[i].outlen == 0;

			if (!queue_out(&cl[i], line, len) || (idle && !flush_out(&cl[i])))
				drop(&cl[i]);
		}
	}
}

/* Read what client i sent; pass on each whole line. false: it left. */
static bool read_client(struct client *cl, int i, int mode)
{
	struct client *c = &cl[i];
	ssize_t r = recv(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen, 0);
	char *nl;

	if (r <= 0)
		return r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
	c->inlen += (size_t)r;
	while ((nl = memchr(c->in, '\n', c->inlen))) {
		size_t len = (size_t)(nl - c->in) + 1;
		char line[sizeof(c->in)];

		memcpy(line, c->in, len);
		memmove(c->in, c->in + len, c->inlen - len);
		c->inlen -= len;
		deliver(cl, i, line, len, mode);
		if (c->fd < 0)
			return true;    /* dropped while echoing: already counted */
	}
	if (c->inlen == sizeof(c->in))
		c->inlen = 0;   /* a line longer than the buffer: dropped, not a deadlock */
	return true;
}

static int serve_poll(int lfd, int clients, int mode)
{
	struct client cl[MAX_CLIENTS];
	int accepted = 0, left = 0;

	for (int i = 0; i < MAX_CLIENTS; i++)
		cl[i] = (struct client){ .fd = -1 };
	while (left < clients) {
		struct pollfd pfd[MAX_CLIENTS + 1];
		int slot[MAX_CLIENTS + 1], np = 0;

		if (accepted < clients) {
			pfd[np] = (struct pollfd){ .fd = lfd, .events = POLLIN };
			slot[np++] = -1;
		}
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
			perror("mc_server: poll");
			return 1;
		}
		for (int k = 0; k < np; k++) {
			struct client *c;

			if (!pfd[k].revents)
				continue;
			if (slot[k] < 0) {
				int fd = accept_one(lfd, accepted + 1), i = 0;

				if (fd < 0)
					return 1;
				while (cl[i].fd >= 0)
					i++;
				cl[i] = (struct client){ .fd = fd, .n = ++accepted };
				if (mode == 'u')
					fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
				continue;
			}
			c = &cl[slot[k]];
			if (c->fd != pfd[k].fd)
				continue;       /* dropped earlier in this round */
			if ((pfd[k].revents & POLLOUT) && !flush_out(c)) {
				drop(c);
				continue;
			}
			if ((pfd[k].revents & (POLLIN | POLLHUP | POLLERR)) &&
			    !read_client(cl, slot[k], mode))
				drop(c);
		}
		/* Those that left, including any dropped while a line was sent to them. */
		left = accepted;
		for (int i = 0; i < MAX_CLIENTS; i++)
			left -= cl[i].fd >= 0;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *addr = peer_opt(argc, argv, "--addr", "0.0.0.0");
	const char *mode = peer_opt(argc, argv, "--mode", "serial");
	int port = atoi(peer_opt(argc, argv, "--port", "8060"));
	int clients = atoi(peer_opt(argc, argv, "--clients", "3"));
	int lfd, rc;

	peer_init(argv[0]);
	if (clients < 1 || clients > MAX_CLIENTS) {
		fprintf(stderr, "mc_server: --clients must be 1..%d\n", MAX_CLIENTS);
		return 2;
	}
	/* A send() to a client that has gone raises SIGPIPE, which would end the whole
	 * server for one client: ignore it, and let send() fail with EPIPE instead. */
	signal(SIGPIPE, SIG_IGN);
	lfd = peer_listen(addr, port, 16);
	if (lfd < 0)
		return 1;
	printf("mc_server: listening socket fd %d, backlog 16, mode %s\n", lfd, mode);
	if (!strcmp(mode, "serial"))
		rc = serve_serial(lfd, clients);
	else if (!strcmp(mode, "threads"))
		rc = serve_threads(lfd, clients);
	else if (!strcmp(mode, "poll"))
		rc = serve_poll(lfd, clients, 'p');
	else if (!strcmp(mode, "broadcast-blocking"))
		rc = serve_poll(lfd, clients, 'b');
	else if (!strcmp(mode, "broadcast-buffered"))
		rc = serve_poll(lfd, clients, 'u');
	else {
		fprintf(stderr, "mc_server: unknown --mode '%s' (serial, threads, poll,"
		        " broadcast-blocking, broadcast-buffered)\n", mode);
		return 2;
	}
	printf("mc_server: all %d clients have left\n", clients);
	close(lfd);
	return rc;
}
