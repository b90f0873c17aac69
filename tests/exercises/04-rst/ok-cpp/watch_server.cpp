// Lab 4 watch_server in C++.
// Client is a small RAII wrapper: it owns the accepted fd (closed in the destructor, also
// for a vanished client) and turns recv() results into an Ending.
// Vanished clients are found by keepalive: idle 1 s, probe every 1 s, 3 probes -> the kernel
// gives up ~4 s after the last segment and recv() fails with ETIMEDOUT.
#include <arpa/inet.h>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

enum class Ending { Closed, Reset, Vanished };

static const char *to_string(Ending e)
{
	switch (e) {
	case Ending::Closed: return "closed";
	case Ending::Reset: return "reset";
	case Ending::Vanished: return "vanished";
	}
	return "?";
}

class Client {
public:
	explicit Client(int fd) : fd_(fd)
	{
		set(SOL_SOCKET, SO_KEEPALIVE, 1);
		set(IPPROTO_TCP, TCP_KEEPIDLE, 1);
		set(IPPROTO_TCP, TCP_KEEPINTVL, 1);
		set(IPPROTO_TCP, TCP_KEEPCNT, 3);
	}
	~Client() { ::close(fd_); }
	Client(const Client &) = delete;
	Client &operator=(const Client &) = delete;

	// echo everything until the client is gone, then say how it went
	Ending run()
	{
		char buf[512];
		for (;;) {
			ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
			if (n == 0)
				return Ending::Closed;
			if (n < 0) {
				if (errno == EINTR)
					continue;
				return classify(errno);
			}
			ssize_t off = 0;
			while (off < n) {
				ssize_t w = ::send(fd_, buf + off, static_cast<size_t>(n - off), MSG_NOSIGNAL);
				if (w < 0)
					return classify(errno);
				off += w;
			}
		}
	}

private:
	static Ending classify(int err)
	{
		if (err == ECONNRESET || err == EPIPE)
			return Ending::Reset;
		if (err == ETIMEDOUT || err == EHOSTUNREACH)
			return Ending::Vanished;
		std::cerr << "watch_server: " << std::strerror(err) << "\n";
		return Ending::Closed;
	}
	void set(int level, int opt, int value)
	{
		if (::setsockopt(fd_, level, opt, &value, sizeof value) < 0)
			std::perror("watch_server: setsockopt");
	}
	int fd_;
};

int main(int argc, char **argv)
{
	std::string addr = "0.0.0.0";
	int port = 8000;
	for (int i = 1; i + 1 < argc; i += 2) {
		std::string k = argv[i];
		if (k == "--addr") addr = argv[i + 1];
		else if (k == "--port") port = std::stoi(argv[i + 1]);
	}
	int lfd = ::socket(AF_INET, SOCK_STREAM, 0), one = 1;
	::setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	sockaddr_in sa{};
	sa.sin_family = AF_INET;
	sa.sin_port = htons(static_cast<uint16_t>(port));
	::inet_pton(AF_INET, addr.c_str(), &sa.sin_addr);
	if (::bind(lfd, reinterpret_cast<sockaddr *>(&sa), sizeof sa) < 0 || ::listen(lfd, 3) < 0) {
		std::perror("watch_server");
		return 1;
	}
	for (int i = 1; i <= 3; i++) {
		int fd = ::accept(lfd, nullptr, nullptr);
		if (fd < 0) {
			std::perror("watch_server: accept");
			return 1;
		}
		Ending how;
		{
			Client c(fd);
			how = c.run();
		} // socket closed here, before we report
		std::cout << "client " << i << ": " << to_string(how) << std::endl;
	}
	::close(lfd);
	return 0;
}
