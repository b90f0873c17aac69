/*
 * Lab 6 chat server with select(): non-blocking sockets, an output buffer per client,
 * FD_SET for writing only when a client has bytes waiting.
 *
 * usage: chat_server --addr ADDR --port PORT
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CLIENTS 32

struct client {
	int fd;
	char in[1024];
	size_t inlen;
	char *out;
	size_t outlen;
};

static struct client cl[MAX_CLIENTS];

static void drop(int i)
{
	close(cl[i].fd);
	free(cl[i].out);
	memset(&cl[i], 0, sizeof(cl[i]));
	cl[i].fd = -1;
}

static int flush_client(int i)
{
	while (cl[i].outlen) {
		ssize_t w = send(cl[i].fd, cl[i].out, cl[i].outlen, MSG_NOSIGNAL);

		if (w < 0)
			return errno == EAGAIN ? 0 : -1;
		memmove(cl[i].out, cl[i].out + w, cl[i].outlen - (size_t)w);
		cl[i].outlen -= (size_t)w;
	}
	return 0;
}

static void broadcast(int from, const char *line, size_t len)
{
	for (int i = 0; i < MAX_CLIENTS; i++) {
		char *p;

		if (i == from || cl[i].fd < 0)
			continue;
		p = realloc(cl[i].out, cl[i].outlen + len);
		if (!p) {
			drop(i);
			continue;
		}
		cl[i].out = p;
		memcpy(cl[i].out + cl[i].outlen, line, len);
		cl[i].outlen += len;
		if (cl[i].outlen == len && flush_client(i) < 0)
			drop(i);
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int one = 1, lfd, accepted = 0, present = 0;

	for (int i = 1; i + 1 < argc; i++) {
		if (!strcmp(argv[i], "--addr"))
			inet_pton(AF_INET, argv[i + 1], &sa.sin_addr);
		if (!strcmp(argv[i], "--port"))
			sa.sin_port = htons((uint16_t)atoi(argv[i + 1]));
	}
	signal(SIGPIPE, SIG_IGN);
	for (int i = 0; i < MAX_CLIENTS; i++)
		cl[i].fd = -1;
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 16) < 0) {
		perror("chat_server");
		return 1;
	}
	while (accepted == 0 || present > 0) {
		fd_set rd, wr;
		int nfds;

		FD_ZERO(&rd);
		FD_ZERO(&wr);
		FD_SET(lfd, &rd);
		for (int i = 0; i < MAX_CLIENTS; i++) {
			if (cl[i].fd < 0)
				continue;
			FD_SET(cl[i].fd, &rd);
			if (cl[i].outlen)
				FD_SET(cl[i].fd, &wr);
		}
		/* nfds: the number of sockets we watch, plus one. */
		nfds = lfd + present + 1;
		if (select(nfds, &rd, &wr, NULL, NULL) < 0) {
			if (errno == EINTR)
				continue;
			perror("chat_server: select");
			return 1;
		}
		if (FD_ISSET(lfd, &rd)) {
			int fd = accept(lfd, NULL, NULL), j = 0;

			while (fd >= 0 && j < MAX_CLIENTS && cl[j].fd >= 0)
				j++;
			if (fd >= 0 && j < MAX_CLIENTS) {
				fcntl(fd, F_SETFL, O_NONBLOCK);
				cl[j].fd = fd;
				accepted++;
			} else if (fd >= 0) {
				close(fd);
			}
		}
		for (int i = 0; i < MAX_CLIENTS; i++) {
			ssize_t r;
			char *nl;

			if (cl[i].fd < 0)
				continue;
			if (FD_ISSET(cl[i].fd, &wr) && flush_client(i) < 0) {
				drop(i);
				continue;
			}
			if (!FD_ISSET(cl[i].fd, &rd))
				continue;
			r = recv(cl[i].fd, cl[i].in + cl[i].inlen, sizeof(cl[i].in) - cl[i].inlen, 0);
			if (r == 0 || (r < 0 && errno != EAGAIN)) {
				drop(i);
				continue;
			}
			if (r < 0)
				continue;
			cl[i].inlen += (size_t)r;
			while ((nl = memchr(cl[i].in, '\n', cl[i].inlen))) {
				size_t len = (size_t)(nl - cl[i].in) + 1;

				broadcast(i, cl[i].in, len);
				memmove(cl[i].in, cl[i].in + len, cl[i].inlen - len);
				cl[i].inlen -= len;
			}
		}
		present = 0;
		for (int i = 0; i < MAX_CLIENTS; i++)
			present += cl[i].fd >= 0;
	}
	close(lfd);
	return 0;
}
