/*
 * Lab 4 watch_server, Winsock style: select() with 0 as its first argument (Windows
 * ignores it; so does tcplab's <winsock2.h>), WSAGetLastError() to tell a reset from a
 * vanished client, closesocket().
 *
 * Vanished clients: on Windows I would use WSAIoctl(SIO_KEEPALIVE_VALS); on Linux the same
 * is SO_KEEPALIVE plus TCP_KEEPIDLE / TCP_KEEPINTVL / TCP_KEEPCNT (1 s, 1 s, 3 probes), so
 * the kernel gives up about 4 s after the pull and recv() fails with WSAETIMEDOUT.
 * usage: watch_server --addr ADDR --port PORT
 */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUF_SIZE 512
#define CLIENTS 3

static void ErrorHandling(const char *msg)
{
	fprintf(stderr, "watch_server: %s (error %d)\n", msg, WSAGetLastError());
	exit(1);
}

static void SetKeepAlive(SOCKET sock)
{
	BOOL on = TRUE;
	int idle = 1, interval = 1, count = 3;

	if (setsockopt(sock, SOL_SOCKET, SO_KEEPALIVE, (const char *)&on, sizeof(on)) ==
	        SOCKET_ERROR ||
	    setsockopt(sock, IPPROTO_TCP, TCP_KEEPIDLE, (const char *)&idle, sizeof(idle)) ==
	        SOCKET_ERROR ||
	    setsockopt(sock, IPPROTO_TCP, TCP_KEEPINTVL, (const char *)&interval,
	               sizeof(interval)) == SOCKET_ERROR ||
	    setsockopt(sock, IPPROTO_TCP, TCP_KEEPCNT, (const char *)&count, sizeof(count)) ==
	        SOCKET_ERROR)
		fprintf(stderr, "watch_server: keepalive: error %d\n", WSAGetLastError());
}

/* What a failed recv()/send() means for this client. */
static const char *ErrorToFate(int err)
{
	switch (err) {
	case WSAECONNRESET:
	case WSAECONNABORTED:
		return "reset";
	case WSAETIMEDOUT:      /* Linux: keepalive probes unanswered */
	case WSAENETRESET:      /* what Windows' recv() says for a keepalive failure */
	case WSAEHOSTUNREACH:
		return "vanished";
	default:
		fprintf(stderr, "watch_server: unexpected error %d\n", err);
		return "reset";
	}
}

/* Echo until the client is gone; say how it went. */
static const char *ServeClient(SOCKET hClntSock)
{
	char buf[BUF_SIZE];
	fd_set reads, cpyReads;
	TIMEVAL timeout;
	int strLen, sent, n, fdNum;

	FD_ZERO(&reads);
	FD_SET(hClntSock, &reads);
	for (;;) {
		cpyReads = reads;
		timeout.tv_sec = 1;
		timeout.tv_usec = 0;
		fdNum = select(0, &cpyReads, 0, 0, &timeout);
		if (fdNum == SOCKET_ERROR) {
			if (WSAGetLastError() == WSAEINTR)
				continue;
			ErrorHandling("select() error");
		}
		if (fdNum == 0)
			continue;       /* silent is not vanished: keepalive will tell */
		strLen = recv(hClntSock, buf, BUF_SIZE, 0);
		if (strLen == 0)
			return "closed";
		if (strLen == SOCKET_ERROR) {
			if (WSAGetLastError() == WSAEINTR)
				continue;
			return ErrorToFate(WSAGetLastError());
		}
		for (sent = 0; sent < strLen; sent += n) {
			n = send(hClntSock, buf + sent, strLen - sent, MSG_NOSIGNAL);
			if (n == SOCKET_ERROR)
				return ErrorToFate(WSAGetLastError());
		}
	}
}

static const char *GetOpt(int argc, char *argv[], const char *name, const char *def)
{
	int i;

	for (i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], name))
			return argv[i + 1];
	return def;
}

int main(int argc, char *argv[])
{
	WSADATA wsaData;
	SOCKET hServSock, hClntSock;
	SOCKADDR_IN servAdr, clntAdr;
	int adrSz, i;
	BOOL reuse = TRUE;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (WSAStartup(MAKEWORD(2, 2), &wsaData) != 0)
		ErrorHandling("WSAStartup() error!");
	hServSock = socket(PF_INET, SOCK_STREAM, 0);
	if (hServSock == INVALID_SOCKET)
		ErrorHandling("socket() error");
	setsockopt(hServSock, SOL_SOCKET, SO_REUSEADDR, (const char *)&reuse, sizeof(reuse));
	ZeroMemory(&servAdr, sizeof(servAdr));
	servAdr.sin_family = AF_INET;
	if (InetPton(AF_INET, GetOpt(argc, argv, "--addr", "0.0.0.0"), &servAdr.sin_addr) != 1)
		ErrorHandling("bad --addr");
	servAdr.sin_port = htons((u_short)atoi(GetOpt(argc, argv, "--port", "8000")));
	if (bind(hServSock, (SOCKADDR *)&servAdr, sizeof(servAdr)) == SOCKET_ERROR)
		ErrorHandling("bind() error");
	if (listen(hServSock, CLIENTS) == SOCKET_ERROR)
		ErrorHandling("listen() error");

	for (i = 1; i <= CLIENTS; i++) {
		const char *fate;

		adrSz = sizeof(clntAdr);
		hClntSock = accept(hServSock, (SOCKADDR *)&clntAdr, &adrSz);
		if (hClntSock == INVALID_SOCKET)
			ErrorHandling("accept() error");
		SetKeepAlive(hClntSock);
		fate = ServeClient(hClntSock);
		closesocket(hClntSock);
		printf("client %d: %s\n", i, fate);
	}
	closesocket(hServSock);
	WSACleanup();
	return 0;
}
