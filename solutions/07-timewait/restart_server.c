/* summary: lab 7's exercise, solved: SO_REUSEADDR before bind(), every accepted socket closed. */
/*
 * usage: restart_server --addr ADDR --port PORT
 *
 * YOUR TASK. Clients come one after another. Each sends one line ("hello ... 3\n"),
 * expects it back unchanged, then closes its side (shutdown SHUT_WR) and waits for the
 * server to close too. In the middle of the run the administrator kills the server
 * (SIGKILL) while a client is still connected, and starts it again at once; more clients
 * come after that. Make this server
 *
 *   - bind its port again at the first try when it is restarted at once: the old
 *     server's connection is still in TIME-WAIT (60 s) on that port, so a plain bind()
 *     fails with EADDRINUSE. Do not retry for a minute: set the option that allows it,
 *     before bind();
 *   - close every socket it accepts once the client has closed: a socket the client has
 *     closed but the server has not stays in CLOSE-WAIT until the process exits, one per
 *     client, until the process runs out of file descriptors;
 *   - serve every client, before and after the restart.
 *
 * The reference solution: SO_REUSEADDR on the listening socket before bind() (its
 * accepted sockets, and so their TIME-WAITs, inherit it, and on Linux the old and the new
 * socket must both have it), and close() once recv() returns 0.
 *
 * Build: cc -std=c11 -Wall -Wextra -o restart_server restart_server.c ; grade: tcplab grade 7
 */
#include <arpa/inet.h>
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

/* Echo what comes until the client closes its side. */
static void serve(int fd)
{
	char buf[512];
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0)
		if (send(fd, buf, (size_t)n, 0) != n)
			break;
	/* The client has closed (or the connection failed): without this close() the
	 * socket stays in CLOSE-WAIT for as long as the process lives. */
	close(fd);
}

int main(int argc, char **argv)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int lfd;

	sin.sin_port = htons((unsigned short)atoi(opt(argc, argv, "--port", "8070")));
	if (inet_pton(AF_INET, opt(argc, argv, "--addr", "0.0.0.0"), &sin.sin_addr) != 1) {
		fprintf(stderr, "restart_server: --addr must be an IPv4 address\n");
		return 2;
	}
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0) {
		perror("restart_server: socket");
		return 1;
	}
	/* Before bind(): the restart binds beside the old server's TIME-WAIT. */
	if (setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &(int){ 1 }, sizeof(int)) < 0) {
		perror("restart_server: setsockopt SO_REUSEADDR");
		return 1;
	}
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		perror("restart_server: bind");
		return 1;
	}
	if (listen(lfd, 16) < 0) {
		perror("restart_server: listen");
		return 1;
	}
	printf("listening on port %d\n", ntohs(sin.sin_port));
	fflush(stdout);
	for (;;) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0) {
			perror("restart_server: accept");
			return 1;
		}
		serve(fd);
	}
}
