/*
 * Lab 6 chat server, Winsock style, as the course taught it: select() with 0 as its first
 * argument (Windows ignores it), ioctlsocket(FIONBIO) for non-blocking sockets, an output
 * buffer per client, FD_SET for writing only when a client has bytes waiting,
 * WSAGetLastError() == WSAEWOULDBLOCK when a socket is full, closesocket().
 *
 * usage: chat_server --addr ADDR --port PORT
 */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CLIENTS 32

struct client {
	SOCKET fd;
	char in[1024];
	size_t inlen;
	char *out;
	size_t outlen;
};

static struct client cl[MAX_CLIENTS];

static void drop(int i)
{
	closesocket(cl[i].fd);
	free(cl[i].out);
	ZeroMemory(&cl[i], sizeof(cl[i]));
	cl[i].fd = INVALID_SOCKET;
}

static int flush_client(int i)
{
	while (cl[i].outlen) {
		int w = send(cl[i].fd, cl[i].out, (int)cl[i].outlen, 0);

		if (w == SOCKET_ERROR)
			return WSAGetLastError() == WSAEWOULDBLOCK ? 0 : -1;
		memmove(cl[i].out, cl[i].out + w, cl[i].outlen - (size_t)w);
		cl[i].outlen -= (size_t)w;
	}
	return 0;
}

static void broadcast(int from, const char *line, size_t len)
{
	for (int i = 0; i < MAX_CLIENTS; i++) {
		char *p;

		if (i == from || cl[i].fd == INVALID_SOCKET)
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
	WSADATA wsa;
	SOCKADDR_IN sa;
	SOCKET lfd;
	BOOL one = TRUE;
	int accepted = 0, present = 0;

	ZeroMemory(&sa, sizeof(sa));
	sa.sin_family = AF_INET;
	if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0)
		return 1;

	for (int i = 1; i + 1 < argc; i++) {
		if (!strcmp(argv[i], "--addr"))
			InetPton(AF_INET, argv[i + 1], &sa.sin_addr);
		if (!strcmp(argv[i], "--port"))
			sa.sin_port = htons((uint16_t)atoi(argv[i + 1]));
	}
#ifndef _WIN32
	/* Windows has no SIGPIPE; Linux raises it on a send() to a client that reset, and
	 * it would kill the server (docs/winsock.md). */
	signal(SIGPIPE, SIG_IGN);
#endif
	for (int i = 0; i < MAX_CLIENTS; i++)
		cl[i].fd = INVALID_SOCKET;
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, (const char *)&one, sizeof(one));
	if (bind(lfd, (SOCKADDR *)&sa, sizeof(sa)) == SOCKET_ERROR ||
	    listen(lfd, 16) == SOCKET_ERROR) {
		fprintf(stderr, "chat_server: bind/listen: error %d\n", WSAGetLastError());
		return 1;
	}
	while (accepted == 0 || present > 0) {
		fd_set rd, wr;

		FD_ZERO(&rd);
		FD_ZERO(&wr);
		FD_SET(lfd, &rd);
		for (int i = 0; i < MAX_CLIENTS; i++) {
			if (cl[i].fd == INVALID_SOCKET)
				continue;
			FD_SET(cl[i].fd, &rd);
			if (cl[i].outlen)
				FD_SET(cl[i].fd, &wr);
		}
		if (select(0, &rd, &wr, NULL, NULL) == SOCKET_ERROR) {
			fprintf(stderr, "chat_server: select: error %d\n", WSAGetLastError());
			return 1;
		}
		if (FD_ISSET(lfd, &rd)) {
			SOCKET fd = accept(lfd, NULL, NULL);
			int j = 0;
			u_long nonblocking = 1;

			while (fd != INVALID_SOCKET && j < MAX_CLIENTS && cl[j].fd != INVALID_SOCKET)
				j++;
			if (fd != INVALID_SOCKET && j < MAX_CLIENTS) {
				ioctlsocket(fd, FIONBIO, &nonblocking);
				cl[j].fd = fd;
				accepted++;
			} else if (fd != INVALID_SOCKET) {
				closesocket(fd);
			}
		}
		for (int i = 0; i < MAX_CLIENTS; i++) {
			int r;
			char *nl;

			if (cl[i].fd == INVALID_SOCKET)
				continue;
			if (FD_ISSET(cl[i].fd, &wr) && flush_client(i) < 0) {
				drop(i);
				continue;
			}
			if (!FD_ISSET(cl[i].fd, &rd))
				continue;
			r = recv(cl[i].fd, cl[i].in + cl[i].inlen, (int)(sizeof(cl[i].in) - cl[i].inlen), 0);
			if (r == 0 || (r == SOCKET_ERROR && WSAGetLastError() != WSAEWOULDBLOCK)) {
				drop(i);        /* 0: it closed; WSAECONNRESET: it reset */
				continue;
			}
			if (r == SOCKET_ERROR)
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
			present += cl[i].fd != INVALID_SOCKET;
	}
	closesocket(lfd);
	WSACleanup();
	return 0;
}
