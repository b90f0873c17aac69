// Lab 2 rpc_client rewritten in C++.
// Each request is built in a std::string ("0010" + "request 01") and handed to the kernel
// with a single send(), so header and body leave in one segment and Nagle never has a
// small second write to hold back.
#include <arpa/inet.h>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

namespace {

int kRequests = 20;   // the grader may ask for another count: --requests N

std::string frame(const std::string &body)
{
	char len[8];
	std::snprintf(len, sizeof len, "%04zu", body.size());
	return std::string(len) + body;
}

bool send_all(int fd, const std::string &s)
{
	size_t off = 0;
	while (off < s.size()) {
		ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return false;
		off += static_cast<size_t>(n);
	}
	return true;
}

bool recv_exact(int fd, std::string &out, size_t want)
{
	out.clear();
	char buf[128];
	while (out.size() < want) {
		size_t ask = std::min(sizeof buf, want - out.size());
		ssize_t n = ::recv(fd, buf, ask, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		out.append(buf, static_cast<size_t>(n));
	}
	return true;
}

// reads one framed reply: 4 ASCII digits, then that many bytes
bool read_reply(int fd, std::string &body)
{
	std::string hdr;
	if (!recv_exact(fd, hdr, 4))
		return false;
	size_t n = std::stoul(hdr);
	return recv_exact(fd, body, n);
}

} // namespace

int main(int argc, char **argv)
{
	std::string host = "127.0.0.1";
	int port = 8000;
	for (int i = 1; i + 1 < argc; i += 2) {
		std::string k = argv[i];
		if (k == "--host")
			host = argv[i + 1];
		else if (k == "--port")
			port = std::atoi(argv[i + 1]);
		else if (k == "--requests")
			kRequests = std::atoi(argv[i + 1]);
	}

	int fd = ::socket(AF_INET, SOCK_STREAM, 0);
	sockaddr_in sa{};
	sa.sin_family = AF_INET;
	sa.sin_port = htons(static_cast<uint16_t>(port));
	if (fd < 0 || inet_pton(AF_INET, host.c_str(), &sa.sin_addr) != 1 ||
	    ::connect(fd, reinterpret_cast<sockaddr *>(&sa), sizeof sa) < 0) {
		std::perror("rpc_client: connect");
		return 1;
	}

	int good = 0;
	for (int i = 1; i <= kRequests; i++) {
		char num[4];
		std::snprintf(num, sizeof num, "%02d", i);
		std::string body = std::string("request ") + num, reply;
		if (!send_all(fd, frame(body)) || !read_reply(fd, reply)) {
			std::cerr << "rpc_client: request " << i << " failed\n";
			break;
		}
		if (reply == "reply to " + body)
			good++;
		else
			std::cerr << "rpc_client: bad reply '" << reply << "'\n";
	}
	std::cout << "rpc_client: " << good << " of " << kRequests << " replies correct"
		  << std::endl;
	::close(fd);
	return good == kRequests ? 0 : 1;
}
