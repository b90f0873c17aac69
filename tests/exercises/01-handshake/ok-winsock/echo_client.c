/*
 * Lab 1 echo client, written the way I learned it on Windows (Winsock 2.2).
 * On Linux the only change is the header: winsock2.h here is tcplab's bridge.
 * usage: echo_client --host ADDR --port PORT --message TEXT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <winsock2.h>
#include <ws2tcpip.h>

#ifdef _MSC_VER
#pragma comment(lib, "ws2_32.lib")
#endif

#define BUF_SIZE 1024

static void ErrorHandling(const char *message)
{
	fprintf(stderr, "%s (error %d)\n", message, WSAGetLastError());
	exit(1);
}

static const char *GetOption(int argc, char *argv[], const char *name, const char *def)
{
	int i;

	for (i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return argv[i + 1];
	return def;
}

int main(int argc, char *argv[])
{
	WSADATA wsaData;
	SOCKET hSocket;
	SOCKADDR_IN servAdr;
	char message[BUF_SIZE], echo[BUF_SIZE];
	int strLen, sendLen = 0, recvLen = 0, n;

	if (WSAStartup(MAKEWORD(2, 2), &wsaData) != 0)
		ErrorHandling("WSAStartup() error!");

	strLen = snprintf(message, sizeof(message), "%s\n",
	                  GetOption(argc, argv, "--message", "hello, tcplab"));
	if (strLen < 0 || strLen >= (int)sizeof(message))
		ErrorHandling("message too long");

	hSocket = socket(PF_INET, SOCK_STREAM, 0);
	if (hSocket == INVALID_SOCKET)
		ErrorHandling("socket() error");

	ZeroMemory(&servAdr, sizeof(servAdr));
	servAdr.sin_family = AF_INET;
	if (InetPton(AF_INET, GetOption(argc, argv, "--host", "127.0.0.1"),
	             &servAdr.sin_addr) != 1)
		ErrorHandling("bad --host");
	servAdr.sin_port = htons((u_short)atoi(GetOption(argc, argv, "--port", "8000")));

	if (connect(hSocket, (SOCKADDR *)&servAdr, sizeof(servAdr)) == SOCKET_ERROR)
		ErrorHandling("connect() error!");

	/* send() may take only part of the message: send the rest */
	while (sendLen < strLen) {
		n = send(hSocket, message + sendLen, strLen - sendLen, 0);
		if (n == SOCKET_ERROR) {
			if (WSAGetLastError() == WSAEINTR)
				continue;
			ErrorHandling("send() error!");
		}
		sendLen += n;
	}

	/* TCP has no message boundaries: recv() until every byte I sent is back */
	while (recvLen < strLen) {
		n = recv(hSocket, echo + recvLen, strLen - recvLen, 0);
		if (n == SOCKET_ERROR) {
			if (WSAGetLastError() == WSAEINTR)
				continue;
			ErrorHandling("recv() error!");
		}
		if (n == 0)
			ErrorHandling("the server closed before the whole echo came back");
		recvLen += n;
	}
	echo[recvLen] = '\0';
	printf("Message from server: %s", echo);

	/* I close first, so my side sends the first FIN and holds TIME-WAIT */
	closesocket(hSocket);
	WSACleanup();
	return 0;
}
