// Lab 3 msg_server in C++.
// A Connection owns the fd and a std::vector<char> of bytes received but not used yet.
// need(n) receives until the vector holds n bytes; take(n) removes them from the front.
#include <arpa/inet.h>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

class Connection {
public:
	explicit Connection(int fd) : fd_(fd) {}
	~Connection() { ::close(fd_); }
	Connection(const Connection &) = delete;
	Connection &operator=(const Connection &) = delete;

	// true when n bytes are buffered; false when the peer closed (or an error) first
	bool need(size_t n)
	{
		char chunk[2048];
		while (buf_.size() < n) {
			ssize_t r = ::recv(fd_, chunk, sizeof chunk, 0);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				return false;
			buf_.insert(buf_.end(), chunk, chunk + r);
		}
		return true;
	}
	std::string take(size_t n)
	{
		std::string s(buf_.begin(), buf_.begin() + static_cast<long>(n));
		buf_.erase(buf_.begin(), buf_.begin() + static_cast<long>(n));
		return s;
	}
	bool empty() const { return buf_.empty(); }

private:
	int fd_;
	std::vector<char> buf_;
};

static void serve(int fd)
{
	Connection c(fd);
	for (;;) {
		if (!c.need(4)) {
			if (c.empty())
				std::cout << "end of stream" << std::endl;
			else
				std::cerr << "msg_server: header cut off\n";
			return;
		}
		std::string h = c.take(4);
		uint32_t be;
		std::memcpy(&be, h.data(), 4);
		uint32_t len = ntohl(be);
		if (len > 1024 || !c.need(len)) {
			std::cerr << "msg_server: bad or cut-off message\n";
			return;
		}
		std::cout << "message of " << len << " bytes: " << c.take(len) << std::endl;
	}
}

int main(int argc, char **argv)
{
	std::string addr = "0.0.0.0";
	int port = 8000, conns = 3;
	for (int i = 1; i + 1 < argc; i += 2) {
		std::string k = argv[i];
		if (k == "--addr") addr = argv[i + 1];
		else if (k == "--port") port = std::stoi(argv[i + 1]);
		else if (k == "--connections") conns = std::stoi(argv[i + 1]);
	}
	int lfd = ::socket(AF_INET, SOCK_STREAM, 0), one = 1;
	::setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	sockaddr_in sa{};
	sa.sin_family = AF_INET;
	sa.sin_port = htons(static_cast<uint16_t>(port));
	::inet_pton(AF_INET, addr.c_str(), &sa.sin_addr);
	if (::bind(lfd, reinterpret_cast<sockaddr *>(&sa), sizeof sa) < 0 || ::listen(lfd, 5) < 0) {
		std::perror("msg_server");
		return 1;
	}
	for (int i = 0; i < conns; i++) {
		int fd = ::accept(lfd, nullptr, nullptr);
		if (fd < 0) {
			std::perror("accept");
			return 1;
		}
		serve(fd);
	}
	::close(lfd);
	return 0;
}
