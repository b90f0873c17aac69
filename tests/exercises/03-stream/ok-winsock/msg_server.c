/*
 * Lab 3 msg_server, Winsock style: accept() with an int address length, recv() in a
 * RecvN() loop that checks SOCKET_ERROR and WSAGetLastError(), closesocket().
 * usage: msg_server --addr ADDR --port PORT [--connections N]
 */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MESSAGE 1024

static void ErrorHandling(const char *msg)
{
	fprintf(stderr, "msg_server: %s (WSAGetLastError %d)\n", msg, WSAGetLastError());
	exit(1);
}

/* recv() until len bytes are in. Returns len, fewer if the peer closed, SOCKET_ERROR. */
static int RecvN(SOCKET sock, char *buf, int len)
{
	int recvCnt = 0, n;

	while (recvCnt < len) {
		n = recv(sock, buf + recvCnt, len - recvCnt, 0);
		if (n == SOCKET_ERROR) {
			if (WSAGetLastError() == WSAEINTR)
				continue;
			return SOCKET_ERROR;
		}
		if (n == 0)
			break;
		recvCnt += n;
	}
	return recvCnt;
}

static void ServeClient(SOCKET hClntSock)
{
	char text[MAX_MESSAGE];
	uint32_t netLen;   /* not u_long: that is 4 bytes on Windows but 8 on Linux */
	u_long len;
	int n;

	for (;;) {
		n = RecvN(hClntSock, (char *)&netLen, 4);
		if (n == 0) {
			printf("end of stream\n");
			return;
		}
		if (n != 4) {
			fprintf(stderr, "msg_server: stream ended inside a header (%d of 4 bytes,"
			        " error %d)\n", n, n == SOCKET_ERROR ? WSAGetLastError() : 0);
			return;
		}
		len = ntohl(netLen);
		if (len > MAX_MESSAGE) {
			fprintf(stderr, "msg_server: message of %lu bytes is too long\n", len);
			return;
		}
		n = RecvN(hClntSock, text, (int)len);
		if (n != (int)len) {
			fprintf(stderr, "msg_server: stream ended inside a message (%d of %lu bytes)\n",
			        n, len);
			return;
		}
		printf("message of %lu bytes: %.*s\n", len, (int)len, text);
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
	int clntAdrSz, i, conns;
	BOOL reuse = TRUE;

	conns = atoi(GetOpt(argc, argv, "--connections", "3"));
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (WSAStartup(MAKEWORD(2, 2), &wsaData) != 0)
		ErrorHandling("WSAStartup() error!");

	hServSock = socket(PF_INET, SOCK_STREAM, 0);
	if (hServSock == INVALID_SOCKET)
		ErrorHandling("socket() error");
	setsockopt(hServSock, SOL_SOCKET, SO_REUSEADDR, (const char *)&reuse, sizeof(reuse));

	memset(&servAdr, 0, sizeof(servAdr));
	servAdr.sin_family = AF_INET;
	servAdr.sin_addr.s_addr = inet_addr(GetOpt(argc, argv, "--addr", "0.0.0.0"));
	servAdr.sin_port = htons((u_short)atoi(GetOpt(argc, argv, "--port", "8000")));

	if (bind(hServSock, (SOCKADDR *)&servAdr, sizeof(servAdr)) == SOCKET_ERROR)
		ErrorHandling("bind() error");
	if (listen(hServSock, 5) == SOCKET_ERROR)
		ErrorHandling("listen() error");

	for (i = 0; i < conns; i++) {
		clntAdrSz = sizeof(clntAdr);
		hClntSock = accept(hServSock, (SOCKADDR *)&clntAdr, &clntAdrSz);
		if (hClntSock == INVALID_SOCKET)
			ErrorHandling("accept() error");
		ServeClient(hClntSock);
		closesocket(hClntSock);
	}
	closesocket(hServSock);
	WSACleanup();
	return 0;
}
