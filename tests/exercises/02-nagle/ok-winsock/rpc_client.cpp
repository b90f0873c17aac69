// Lab 2 rpc_client in C++, Winsock style (as in my Windows network programming class).
// The fix for the 40 ms stall, Nagle left on: each request framed in one std::string and
// sent with one send(), so it is one segment and never waits behind the header's delayed ACK.
// usage: rpc_client --host ADDR --port PORT [--requests N]
#include <winsock2.h>
#include <ws2tcpip.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#pragma comment(lib, "ws2_32.lib")

class WinsockClient {
public:
	WinsockClient() : sock_(INVALID_SOCKET) {}
	~WinsockClient()
	{
		if (sock_ != INVALID_SOCKET)
			closesocket(sock_);
	}

	bool Connect(const std::string &host, int port)
	{
		sock_ = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
		if (sock_ == INVALID_SOCKET)
			return Fail("socket");
		SOCKADDR_IN addr;
		ZeroMemory(&addr, sizeof(addr));
		addr.sin_family = AF_INET;
		addr.sin_port = htons((u_short)port);
		if (InetPton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
			std::cerr << "rpc_client: bad address " << host << "\n";
			return false;
		}
		if (connect(sock_, (SOCKADDR *)&addr, sizeof(addr)) == SOCKET_ERROR)
			return Fail("connect");
		return true;
	}

	bool SendAll(const std::string &data)
	{
		size_t sent = 0;
		while (sent < data.size()) {
			int n = send(sock_, data.data() + sent, (int)(data.size() - sent), 0);
			if (n == SOCKET_ERROR) {
				if (WSAGetLastError() == WSAEINTR)
					continue;
				return Fail("send");
			}
			sent += (size_t)n;
		}
		return true;
	}

	// recv() returns what has arrived: keep going until len bytes are in
	bool RecvAll(std::string &out, size_t len)
	{
		char buf[256];
		out.clear();
		while (out.size() < len) {
			size_t want = len - out.size();
			int n = recv(sock_, buf, (int)(want < sizeof(buf) ? want : sizeof(buf)), 0);
			if (n == SOCKET_ERROR) {
				if (WSAGetLastError() == WSAEINTR)
					continue;
				return Fail("recv");
			}
			if (n == 0) {
				std::cerr << "rpc_client: server closed\n";
				return false;
			}
			out.append(buf, (size_t)n);
		}
		return true;
	}

private:
	bool Fail(const char *what)
	{
		std::cerr << "rpc_client: " << what << " failed, WSAGetLastError() = "
		          << WSAGetLastError() << "\n";
		return false;
	}
	SOCKET sock_;
};

static std::string Frame(const std::string &body)
{
	char header[8];
	std::snprintf(header, sizeof(header), "%04d", (int)body.size());
	return header + body;
}

int main(int argc, char *argv[])
{
	std::string host = "127.0.0.1";
	int port = 8000, requests = 20, good = 0;
	for (int i = 1; i + 1 < argc; i += 2) {
		std::string k = argv[i];
		if (k == "--host")
			host = argv[i + 1];
		else if (k == "--port")
			port = std::atoi(argv[i + 1]);
		else if (k == "--requests")
			requests = std::atoi(argv[i + 1]);
	}
	if (requests < 1 || requests > 99) {
		std::cerr << "rpc_client: --requests must be 1 to 99\n";
		return 2;
	}

	WSADATA wsaData;
	if (WSAStartup(MAKEWORD(2, 2), &wsaData) != 0) {
		std::cerr << "WSAStartup failed\n";
		return 1;
	}
	{
		WinsockClient client;
		if (!client.Connect(host, port)) {
			WSACleanup();
			return 1;
		}
		for (int i = 1; i <= requests; i++) {
			char body[32];
			std::snprintf(body, sizeof(body), "request %02d", i);
			std::string want = Frame(std::string("reply to ") + body), reply;
			// header and body in one buffer, one send(): Nagle has nothing to hold back
			if (!client.SendAll(Frame(body)))
				break;
			if (!client.RecvAll(reply, want.size()))
				break;
			if (reply != want) {
				std::cerr << "rpc_client: reply " << i << " is not '" << want << "'\n";
				break;
			}
			good++;
		}
		std::cout << "rpc_client: " << good << " of " << requests << " replies correct"
		          << std::endl;
	} // closesocket() in the destructor
	WSACleanup();
	return good == requests ? 0 : 1;
}
