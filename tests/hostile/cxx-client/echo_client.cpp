// summary: a correct lab 1 echo client in C++17: tcplab grades C++ submissions too.
#include <arpa/inet.h>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

static std::string opt(int argc, char **argv, const std::string &name, const char *def)
{
	for (int i = 1; i + 1 < argc; i++)
		if (name == argv[i])
			return argv[i + 1];
	return def;
}

int main(int argc, char **argv)
{
	std::string host = opt(argc, argv, "--host", "127.0.0.1");
	int port = std::atoi(opt(argc, argv, "--port", "8000").c_str());
	std::string line = opt(argc, argv, "--message", "hello, tcplab") + "\n";
	std::string echo;
	sockaddr_in addr{};
	size_t sent = 0;
	char buf[1024];

	addr.sin_family = AF_INET;
	addr.sin_port = htons(static_cast<uint16_t>(port));
	if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
		std::fprintf(stderr, "echo_client: bad --host\n");
		return 2;
	}
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) < 0) {
		std::perror("echo_client: connect");
		return 1;
	}
	// send() may take only part of the line, recv() may return the echo in pieces.
	while (sent < line.size()) {
		ssize_t n = send(fd, line.data() + sent, line.size() - sent, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			std::perror("echo_client: send");
			return 1;
		}
		sent += static_cast<size_t>(n);
	}
	while (echo.size() < line.size()) {
		ssize_t n = recv(fd, buf, std::min(sizeof(buf), line.size() - echo.size()), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			std::fprintf(stderr, "echo_client: the server closed before the whole echo came\n");
			return 1;
		}
		echo.append(buf, static_cast<size_t>(n));
	}
	std::printf("echo: %s", echo.c_str());
	// Closing first sends the first FIN: this client holds TIME-WAIT.
	close(fd);
	return 0;
}
