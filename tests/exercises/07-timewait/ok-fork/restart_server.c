/*
 * Lab 7 restart_server, fork() per client: the child echoes and closes, the parent closes
 * its copy of the accepted socket at once (else the connection never really closes) and
 * reaps children with SIGCHLD ignored. SO_REUSEADDR before bind() for the restart.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void echo_until_eof(int fd)
{
	char buf[512];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(fd, buf, (size_t)n) != n)
			break;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sin;
	int lfd, yes = 1;
	const char *addr = "0.0.0.0", *port = "8070";

	for (int i = 1; i < argc - 1; i++) {
		if (strcmp(argv[i], "--addr") == 0)
			addr = argv[++i];
		else if (strcmp(argv[i], "--port") == 0)
			port = argv[++i];
	}
	signal(SIGCHLD, SIG_IGN);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)atoi(port));
	sin.sin_addr.s_addr = inet_addr(addr);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		perror("bind");
		exit(1);
	}
	listen(lfd, 10);
	while (1) {
		int cfd = accept(lfd, NULL, NULL);
		pid_t pid;

		if (cfd == -1)
			continue;
		pid = fork();
		if (pid == 0) {
			close(lfd);
			echo_until_eof(cfd);
			close(cfd);
			_exit(0);
		}
		close(cfd);     /* the child has its own copy */
	}
}
