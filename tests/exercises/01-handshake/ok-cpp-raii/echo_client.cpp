// Lab 1 echo client, in C++. The Socket class closes the fd in its destructor, so every
// return path closes the connection (and we close before the server does).
#include <arpa/inet.h>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

class Socket {
public:
	Socket() : fd_(::socket(AF_INET, SOCK_STREAM, 0))
	{
		if (fd_ < 0)
			throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
	}
	~Socket() { if (fd_ >= 0) ::close(fd_); }
	Socket(const Socket &) = delete;
	Socket &operator=(const Socket &) = delete;

	void connect(const std::string &host, int port)
	{
		sockaddr_in sa{};
		sa.sin_family = AF_INET;
		sa.sin_port = htons(static_cast<uint16_t>(port));
		if (inet_pton(AF_INET, host.c_str(), &sa.sin_addr) != 1)
			throw std::runtime_error("bad host " + host);
		if (::connect(fd_, reinterpret_cast<sockaddr *>(&sa), sizeof sa) < 0)
			throw std::runtime_error(std::string("connect: ") + std::strerror(errno));
	}

	void send_all(const std::string &data)
	{
		size_t done = 0;
		while (done < data.size()) {
			ssize_t n = ::send(fd_, data.data() + done, data.size() - done, 0);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				throw std::runtime_error(std::string("send: ") + std::strerror(errno));
			done += static_cast<size_t>(n);
		}
	}

	// reads until '\n' (included); the line may come in any number of pieces
	std::string read_line()
	{
		std::string line;
		char buf[256];
		while (line.empty() || line.back() != '\n') {
			ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				throw std::runtime_error(std::string("recv: ") + std::strerror(errno));
			if (n == 0)
				throw std::runtime_error("server closed before the echo was complete");
			line.append(buf, static_cast<size_t>(n));
		}
		return line;
	}

private:
	int fd_;
};

int main(int argc, char **argv)
{
	std::string host = "127.0.0.1", message = "hello";
	int port = 8000;

	for (int i = 1; i + 1 < argc; i += 2) {
		std::string k = argv[i];
		if (k == "--host") host = argv[i + 1];
		else if (k == "--port") port = std::stoi(argv[i + 1]);
		else if (k == "--message") message = argv[i + 1];
	}
	try {
		Socket s;
		s.connect(host, port);
		s.send_all(message + "\n");
		std::cout << "echo: " << s.read_line() << std::flush;
	} catch (const std::exception &e) {
		std::cerr << "echo_client: " << e.what() << "\n";
		return 1;
	}
	return 0;
}
