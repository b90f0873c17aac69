// summary: the course notes' echo server, as students first meet it: Winsock, blocking, C++ with iostream, built here through labs/include's <winsock2.h>.
//
// The lab 1 variant "course-notes" runs this file unchanged from how the notes write it
// (apart from taking the address and port on the command line), so a student sees their
// own course's code on the ladder: one client, echo until it closes, then close.
#include <winsock2.h>
#include <ws2tcpip.h>

#include <cstdlib>
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
	if (argc != 3) {
		std::cerr << "usage: " << argv[0] << " <IP> <port>" << std::endl;
		return 1;
	}

	WSADATA wsa;
	if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0)
		return 1;

	SOCKET listen_sock = socket(AF_INET, SOCK_STREAM, 0);
	if (listen_sock == INVALID_SOCKET)
		err_quit("socket()");

	SOCKADDR_IN serveraddr;
	ZeroMemory(&serveraddr, sizeof(serveraddr));
	serveraddr.sin_family = AF_INET;
	inet_pton(AF_INET, argv[1], &serveraddr.sin_addr);
	serveraddr.sin_port = htons((u_short)std::atoi(argv[2]));
	if (bind(listen_sock, (SOCKADDR *)&serveraddr, sizeof(serveraddr)) == SOCKET_ERROR)
		err_quit("bind()");
	if (listen(listen_sock, SOMAXCONN) == SOCKET_ERROR)
		err_quit("listen()");
	std::cout << "[TCP server] listening on port " << argv[2] << std::endl;

	SOCKADDR_IN clientaddr;
	int addrlen = sizeof(clientaddr);
	SOCKET client_sock = accept(listen_sock, (SOCKADDR *)&clientaddr, &addrlen);
	if (client_sock == INVALID_SOCKET)
		err_quit("accept()");
	char addr[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &clientaddr.sin_addr, addr, sizeof(addr));
	std::cout << "[TCP server] client connected: IP=" << addr
	          << ", port=" << ntohs(clientaddr.sin_port) << std::endl;

	// Echo whatever comes, until the client closes its side (recv() returns 0).
	char buf[BUFSIZE + 1];
	for (;;) {
		int retval = recv(client_sock, buf, BUFSIZE, 0);
		if (retval == SOCKET_ERROR)
			err_quit("recv()");
		if (retval == 0)
			break;
		buf[retval] = '\0';
		std::cout << "[TCP/" << addr << "] " << buf << std::flush;
		if (send(client_sock, buf, retval, 0) == SOCKET_ERROR)
			err_quit("send()");
	}

	closesocket(client_sock);
	std::cout << "[TCP server] client closed: IP=" << addr << std::endl;
	closesocket(listen_sock);
	WSACleanup();
	return 0;
}
