/*
 * Lab 7 restart_server, Winsock style: WSAStartup, SOCKET, INVALID_SOCKET/SOCKET_ERROR,
 * closesocket(). SO_REUSEADDR before bind() so the restart binds while the old connection
 * is in TIME-WAIT (on Windows SO_REUSEADDR means something else and SO_EXCLUSIVEADDRUSE is
 * the usual advice; tcplab runs on Linux, where this is the fix).
 * usage: restart_server --addr ADDR --port PORT
 */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUF_SIZE 512

static void ErrorHandling(const char *msg)
{
	fprintf(stderr, "restart_server: %s (error %d)\n", msg, WSAGetLastError());
	exit(1);
}

int main(int argc, char *argv[])
{
	WSADATA wsaData;
	SOCKET hServSock, hClntSock;
	SOCKADDR_IN servAdr;
	char message[BUF_SIZE];
	const char *addr = "0.0.0.0";
	int port = 8070, strLen, i;
	BOOL opt = TRUE;

	for (i = 1; i + 1 < argc; i++) {
		if (!strcmp(argv[i], "--addr"))
			addr = argv[i + 1];
		if (!strcmp(argv[i], "--port"))
			port = atoi(argv[i + 1]);
	}
	if (WSAStartup(MAKEWORD(2, 2), &wsaData) != 0)
		ErrorHandling("WSAStartup() error!");
	hServSock = socket(PF_INET, SOCK_STREAM, 0);
	if (hServSock == INVALID_SOCKET)
		ErrorHandling("socket() error");
	if (setsockopt(hServSock, SOL_SOCKET, SO_REUSEADDR, (const char *)&opt, sizeof(opt)) ==
	    SOCKET_ERROR)
		ErrorHandling("setsockopt() error");
	memset(&servAdr, 0, sizeof(servAdr));
	servAdr.sin_family = AF_INET;
	inet_pton(AF_INET, addr, &servAdr.sin_addr);
	servAdr.sin_port = htons((u_short)port);
	if (bind(hServSock, (SOCKADDR *)&servAdr, sizeof(servAdr)) == SOCKET_ERROR)
		ErrorHandling("bind() error");
	if (listen(hServSock, 5) == SOCKET_ERROR)
		ErrorHandling("listen() error");
	for (;;) {
		hClntSock = accept(hServSock, NULL, NULL);
		if (hClntSock == INVALID_SOCKET)
			ErrorHandling("accept() error");
		while ((strLen = recv(hClntSock, message, BUF_SIZE, 0)) > 0)
			send(hClntSock, message, strLen, 0);
		closesocket(hClntSock);
	}
	closesocket(hServSock);
	WSACleanup();
	return 0;
}
