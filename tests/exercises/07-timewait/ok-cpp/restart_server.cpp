// Lab 7 restart_server in C++: a small RAII Socket closes every descriptor it owns in its
// destructor, so no accepted connection can be left in CLOSE-WAIT by an early return.
// SO_REUSEADDR before bind() for the restart.
#include <arpa/inet.h>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

class Socket {
public:
	explicit Socket(int fd) : fd_(fd) {}
	~Socket() { if (fd_ >= 0) ::close(fd_); }
	Socket(const Socket &) = delete;
	Socket &operator=(const Socket &) = delete;
	int fd() const { return fd_; }
private:
	int fd_;
};

static std::string arg(int argc, char **argv, const std::string &name, const std::string &def)
{
	for (int i = 1; i + 1 < argc; i++)
		if (name == argv[i])
			return argv[i + 1];
	return def;
}

static void serve(const Socket &client)
{
	char buf[512];
	ssize_t n;

	while ((n = recv(client.fd(), buf, sizeof buf, 0)) > 0)
		if (send(client.fd(), buf, static_cast<size_t>(n), MSG_NOSIGNAL) != n)
			return;
}

int main(int argc, char **argv)
{
	Socket listener(socket(AF_INET, SOCK_STREAM, 0));
	sockaddr_in sin{};
	int one = 1;

	sin.sin_family = AF_INET;
	sin.sin_port = htons(static_cast<uint16_t>(std::stoi(arg(argc, argv, "--port", "8070"))));
	inet_pton(AF_INET, arg(argc, argv, "--addr", "0.0.0.0").c_str(), &sin.sin_addr);
	if (setsockopt(listener.fd(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(listener.fd(), reinterpret_cast<sockaddr *>(&sin), sizeof sin) < 0 ||
	    listen(listener.fd(), 16) < 0) {
		std::perror("restart_server");
		return 1;
	}
	for (;;) {
		Socket client(accept(listener.fd(), nullptr, nullptr));

		if (client.fd() < 0) {
			std::perror("accept");
			return 1;
		}
		serve(client);
	}
}
