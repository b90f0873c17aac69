// summary: every name of winsock_compat.h used as a C++17 Winsock program would use it.
// tests/test_winsock.c compiles this with the grader's C++ flags and -Werror; it is never
// run. Standard headers come both before and after <winsock2.h>: its macros (select,
// accept, ...) must not break either order.
#include <string>
#include <vector>
#include <winsock2.h>
#include <ws2tcpip.h>
#include <winsock.h>
#include "winsock_compat.h"
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <thread>

int main()
{
	WSADATA wsa;
	if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0)
		return 1;
	SOCKET s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
	if (s == INVALID_SOCKET)
		return 1;
	SOCKADDR_IN a;
	ZeroMemory(&a, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(8000);
	InetPton(AF_INET, "127.0.0.1", &a.sin_addr);
	char text[INET_ADDRSTRLEN];
	InetNtop(AF_INET, &a.sin_addr, text, sizeof(text));
	BOOL on = TRUE;
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, (char *)&on, sizeof(on));
	int v = 0, vlen = sizeof(v);
	getsockopt(s, SOL_SOCKET, SO_ERROR, (char *)&v, &vlen);
	DWORD timeout = 3000;
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, (const char *)&timeout, sizeof(timeout));
	int tlen = sizeof(timeout);
	getsockopt(s, SOL_SOCKET, SO_SNDTIMEO, (char *)&timeout, &tlen);
	::setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, (const char *)&timeout, sizeof(timeout));
	LINGER lg = { 1, 0 };
	setsockopt(s, SOL_SOCKET, SO_LINGER, (const char *)&lg, sizeof(lg));
	u_long nb = 1;
	ioctlsocket(s, FIONBIO, &nb);
	if (connect(s, (SOCKADDR *)&a, sizeof(a)) == SOCKET_ERROR &&
	    WSAGetLastError() != WSAEWOULDBLOCK && WSAGetLastError() != WSAEINPROGRESS)
		std::cerr << "connect: " << WSAGetLastError() << "\n";
	fd_set rd;
	FD_ZERO(&rd);
	FD_SET(s, &rd);
	TIMEVAL tv = { 0, 0 };
	select(0, &rd, nullptr, nullptr, &tv);
	WSAPOLLFD pfd = {};
	pfd.fd = s;
	pfd.events = POLLRDNORM;
	WSAPoll(&pfd, 1, 0);
	SOCKADDR_STORAGE from;
	int flen = sizeof(from);
	char buf[16];
	recvfrom(s, buf, sizeof(buf), 0, (SOCKADDR *)&from, &flen);
	::getsockname(s, (SOCKADDR *)&from, &flen);
	getpeername(s, (PSOCKADDR)&from, &flen);
	SOCKET c = accept(s, (SOCKADDR *)&from, &flen);
	c = ::accept(s, nullptr, nullptr);
	int n = recv(s, buf, (int)sizeof(buf), 0);
	n = send(s, buf, n > 0 ? n : 0, 0);
	shutdown(s, SD_SEND);
	WSASetLastError(WSAECONNRESET);
	std::vector<std::string> names = { wsa.szDescription, text };
	std::sort(names.begin(), names.end());
	std::printf("%d %d %d %d\n", (int)names.size(), n, LOBYTE(wsa.wVersion), HIBYTE(wsa.wVersion));
	closesocket(c);
	closesocket(s);
	return WSACleanup();
}
