// summary: the course notes' echo client, as students first meet it: Winsock, blocking, C++ with iostream, built here through labs/include's <winsock2.h>.
//
// Sends one line, reads the echo until the whole line is back (a recv() may return part
// of it), prints it, and closes first: lab 1's client-first ladder, from the notes' code.
#include <winsock2.h>
#include <ws2tcpip.h>

#include <cstdlib>
#include <cstring>
#include <iostream>

#ifdef _MSC_VER
#pragma comment(lib, "ws2_32.lib")
#endif

#define BUFSIZE 512

static void err_quit(const char *msg)
{
	std::cerr << msg << " failed: error " << WSAGetLastError() << std::endl;
	std::exit(1);
}

int main(int argc, char *argv[])
{
	if (argc != 4) {
		std::cerr << "usage: " << argv[0] << " <IP> <port> <message>" << std::endl;
		return 1;
	}

	WSADATA wsa;
	if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0)
		return 1;

	SOCKET sock = socket(AF_INET, SOCK_STREAM, 0);
	if (sock == INVALID_SOCKET)
		err_quit("socket()");

	SOCKADDR_IN serveraddr;
	ZeroMemory(&serveraddr, sizeof(serveraddr));
	serveraddr.sin_family = AF_INET;
	inet_pton(AF_INET, argv[1], &serveraddr.sin_addr);
	serveraddr.sin_port = htons((u_short)std::atoi(argv[2]));
	if (connect(sock, (SOCKADDR *)&serveraddr, sizeof(serveraddr)) == SOCKET_ERROR)
		err_quit("connect()");

	char buf[BUFSIZE + 1];
	int len = (int)std::strlen(argv[3]);
	if (len > BUFSIZE - 1)
		len = BUFSIZE - 1;
	std::memcpy(buf, argv[3], len);
	buf[len++] = '\n';
	if (send(sock, buf, len, 0) == SOCKET_ERROR)
		err_quit("send()");
	std::cout << "[TCP client] sent " << len << " bytes" << std::endl;

	// TCP is a byte stream: keep reading until the whole line is back.
	int received = 0;
	while (received < len) {
		int retval = recv(sock, buf + received, len - received, 0);
		if (retval == SOCKET_ERROR)
			err_quit("recv()");
		if (retval == 0)
			break;
		received += retval;
	}
	buf[received] = '\0';
	std::cout << "[TCP client] received " << received << " bytes: " << buf << std::flush;

	closesocket(sock);
	WSACleanup();
	return 0;
}
