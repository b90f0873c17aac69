// Lab 6 chat server in C++: epoll, non-blocking sockets, a std::string of output per
// client; EPOLLOUT is switched on (epoll_ctl MOD) only while a client has bytes waiting.
//
// usage: chat_server --addr ADDR --port PORT
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <iostream>
#include <map>
#include <string>

namespace {

struct Client {
	std::string in, out;
};

std::map<int, Client> clients;
int ep = -1;

void watch(int fd, bool want_out)
{
	epoll_event ev{};
	ev.events = EPOLLIN | (want_out ? EPOLLOUT : 0u);
	ev.data.fd = fd;
	epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
}

void drop(int fd)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
	close(fd);
	clients.erase(fd);
}

// Send what is waiting; false: the client has gone.
bool flush(int fd, Client &c)
{
	while (!c.out.empty()) {
		ssize_t w = send(fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return false;
		}
		c.out.erase(0, static_cast<size_t>(w));
	}
	watch(fd, !c.out.empty());
	return true;
}

void broadcast(int from, const std::string &line)
{
	std::map<int, Client>::iterator it = clients.begin();
	while (it != clients.end()) {
		int fd = it->first;
		Client &c = it->second;
		++it;
		if (fd == from)
			continue;
		bool was_empty = c.out.empty();
		c.out += line;
		if (c.out.size() > (1u << 20) || (was_empty && !flush(fd, c)))
			drop(fd);
	}
}

} // namespace

int main(int argc, char **argv)
{
	sockaddr_in sa{};
	sa.sin_family = AF_INET;
	for (int i = 1; i + 1 < argc; i++) {
		if (!std::strcmp(argv[i], "--addr"))
			inet_pton(AF_INET, argv[i + 1], &sa.sin_addr);
		if (!std::strcmp(argv[i], "--port"))
			sa.sin_port = htons(static_cast<uint16_t>(std::atoi(argv[i + 1])));
	}
	std::signal(SIGPIPE, SIG_IGN);
	int lfd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, reinterpret_cast<sockaddr *>(&sa), sizeof(sa)) < 0 || listen(lfd, 16) < 0) {
		std::perror("chat_server");
		return 1;
	}
	ep = epoll_create1(0);
	epoll_event lev{};
	lev.events = EPOLLIN;
	lev.data.fd = lfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev);
	int accepted = 0;
	while (accepted == 0 || !clients.empty()) {
		epoll_event evs[32];
		int n = epoll_wait(ep, evs, 32, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			std::perror("chat_server: epoll_wait");
			return 1;
		}
		for (int k = 0; k < n; k++) {
			int fd = evs[k].data.fd;
			if (fd == lfd) {
				int cfd = accept(lfd, nullptr, nullptr);
				if (cfd < 0)
					continue;
				fcntl(cfd, F_SETFL, fcntl(cfd, F_GETFL) | O_NONBLOCK);
				epoll_event ev{};
				ev.events = EPOLLIN;
				ev.data.fd = cfd;
				epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &ev);
				clients[cfd];
				accepted++;
				continue;
			}
			std::map<int, Client>::iterator it = clients.find(fd);
			if (it == clients.end())
				continue;       // dropped earlier in this round
			if ((evs[k].events & EPOLLOUT) && !flush(fd, it->second)) {
				drop(fd);
				continue;
			}
			if (!(evs[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
				continue;
			char buf[4096];
			ssize_t r = recv(fd, buf, sizeof(buf), 0);
			if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
				drop(fd);
				continue;
			}
			if (r < 0)
				continue;
			std::string &in = it->second.in;
			in.append(buf, static_cast<size_t>(r));
			std::string::size_type nl;
			while ((nl = in.find('\n')) != std::string::npos) {
				std::string line = in.substr(0, nl + 1);
				in.erase(0, nl + 1);
				broadcast(fd, line);
				if (clients.find(fd) == clients.end())
					break;
			}
		}
	}
	std::cout << "chat_server: everyone left after " << accepted << " clients" << std::endl;
	close(lfd);
	return 0;
}
