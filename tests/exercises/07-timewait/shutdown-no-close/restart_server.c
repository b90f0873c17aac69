/*
 * Lab 7 restart_server: SO_REUSEADDR for the restart; echoes until the client is done,
 * then shuts the connection down.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *opt(int argc, char **argv, const char *name, const char *def)
{
	for (int i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], name))
			return argv[i + 1];
	return def;
}

static void serve(int fd)
{
	char buf[512];
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0)
		send(fd, buf, (size_t)n, 0);
}

int main(int argc, char **argv)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int lfd, one = 1;

	sin.sin_port = htons((unsigned short)atoi(opt(argc, argv, "--port", "8070")));
	inet_pton(AF_INET, opt(argc, argv, "--addr", "0.0.0.0"), &sin.sin_addr);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	(void)one;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		perror("bind");
		return 1;
	}
	if (listen(lfd, 16) < 0) {
		perror("listen");
		return 1;
	}
	for (;;) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0) {
			perror("accept");
			return 1;
		}
		serve(fd);
		/* Done with it: shutdown() sends the FIN, so it must be closed now. */
		shutdown(fd, SHUT_RDWR);
	}
}
