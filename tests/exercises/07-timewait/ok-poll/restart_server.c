/*
 * Lab 7 restart_server with poll(): every client at once, one pollfd each. SO_REUSEADDR
 * on the listener for the restart; a client whose recv() returns 0 (or fails) is closed
 * and its slot freed. The server closes right after the echo if the client already closed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CLIENTS 32

int main(int argc, char **argv)
{
	struct sockaddr_in addr;
	struct pollfd fds[MAX_CLIENTS + 1];
	int nfds = 1, on = 1, port = 8070;
	const char *host = "0.0.0.0";

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--addr"))
			host = argv[i + 1];
		else if (!strcmp(argv[i], "--port"))
			port = atoi(argv[i + 1]);
	}
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_port = htons(port);
	inet_pton(AF_INET, host, &addr.sin_addr);
	fds[0].fd = socket(AF_INET, SOCK_STREAM, 0);
	fds[0].events = POLLIN;
	if (setsockopt(fds[0].fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
	    bind(fds[0].fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(fds[0].fd, SOMAXCONN) < 0) {
		perror("listener");
		return 1;
	}
	for (;;) {
		if (poll(fds, nfds, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("poll");
			return 1;
		}
		for (int i = nfds - 1; i >= 1; i--) {
			char buf[1024];
			ssize_t n;

			if (!fds[i].revents)
				continue;
			n = recv(fds[i].fd, buf, sizeof(buf), 0);
			if (n > 0) {
				send(fds[i].fd, buf, n, MSG_NOSIGNAL);
				continue;
			}
			close(fds[i].fd);
			fds[i] = fds[--nfds];
		}
		if (fds[0].revents & POLLIN) {
			int c = accept(fds[0].fd, NULL, NULL);

			if (c < 0)
				continue;
			if (nfds > MAX_CLIENTS) {
				close(c);
				continue;
			}
			fds[nfds].fd = c;
			fds[nfds].events = POLLIN;
			fds[nfds].revents = 0;
			nfds++;
		}
	}
}
