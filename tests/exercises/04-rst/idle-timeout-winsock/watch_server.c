/*
 * Lab 4 watch_server, Winsock style, with the Windows habit for a receive timeout: a DWORD
 * of milliseconds in SO_RCVTIMEO (1000 ms), and a client silent that long called vanished.
 * On Windows recv() then fails with WSAETIMEDOUT; tcplab's <winsock2.h> turns the DWORD into
 * Linux's struct timeval, where the same recv() fails with WSAEWOULDBLOCK, so both count.
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

/* Echo until the client is gone; say how it went. */
static const char *ServeClient(SOCKET hClntSock)
{
	char buf[BUF_SIZE];
	DWORD timeout = 1000;   /* milliseconds, as Winsock takes it */
	int strLen, sent, n, err;

	if (setsockopt(hClntSock, SOL_SOCKET, SO_RCVTIMEO, (const char *)&timeout,
	               sizeof(timeout)) == SOCKET_ERROR)
		fprintf(stderr, "watch_server: SO_RCVTIMEO: error %d\n", WSAGetLastError());
	for (;;) {
		strLen = recv(hClntSock, buf, BUF_SIZE, 0);
		if (strLen == 0)
			return "closed";
		if (strLen == SOCKET_ERROR) {
			err = WSAGetLastError();
			if (err == WSAETIMEDOUT || err == WSAEWOULDBLOCK)
				return "vanished";      /* silent for 1 s */
			if (err == WSAECONNRESET)
				return "reset";
			return "closed";
		}
		for (sent = 0; sent < strLen; sent += n) {
			n = send(hClntSock, buf + sent, strLen - sent, MSG_NOSIGNAL);
			if (n == SOCKET_ERROR)
				return WSAGetLastError() == WSAECONNRESET ? "reset" : "closed";
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
	SOCKADDR_IN servAdr;
	int i;
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

		hClntSock = accept(hServSock, NULL, NULL);
		if (hClntSock == INVALID_SOCKET)
			ErrorHandling("accept() error");
		fate = ServeClient(hClntSock);
		closesocket(hClntSock);
		printf("client %d: %s\n", i, fate);
	}
	closesocket(hServSock);
	WSACleanup();
	return 0;
}
