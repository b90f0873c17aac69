/*
 * Lab 6 chat server, built from the course's iterative echo server: accept a client, pass
 * its lines on to everyone accepted before it, and when it leaves, accept the next.
 *
 * usage: chat_server --addr ADDR --port PORT
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CLIENTS 64

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int one = 1, lfd, others[MAX_CLIENTS], nothers = 0;

	for (int i = 1; i + 1 < argc; i++) {
		if (!strcmp(argv[i], "--addr"))
			inet_pton(AF_INET, argv[i + 1], &sa.sin_addr);
		if (!strcmp(argv[i], "--port"))
			sa.sin_port = htons((uint16_t)atoi(argv[i + 1]));
	}
	signal(SIGPIPE, SIG_IGN);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 16) < 0) {
		perror("chat_server");
		return 1;
	}
	for (;;) {
		char buf[1024];
		ssize_t r;
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0)
			continue;
		if (nothers < MAX_CLIENTS)
			others[nothers++] = fd; /* FIXME: remove it again when it leaves */
		while ((r = recv(fd, buf, sizeof(buf), 0)) > 0)
			for (int i = 0; i < nothers; i++)
				if (others[i] != fd)
					send(others[i], buf, (size_t)r, MSG_NOSIGNAL);
		close(fd);
	}
}
