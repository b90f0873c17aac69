/*
 * Lab 1 echo client.
 * First I check that the server is up (connect and close, retry a few times), then make
 * the real connection for the echo.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_in server;

static int open_conn(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&server, sizeof server) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* make sure the server is listening before we talk to it */
static int server_is_up(void)
{
	for (int tries = 0; tries < 5; tries++) {
		int fd = open_conn();
		if (fd >= 0) {
			close(fd);
			return 1;
		}
		nanosleep(&(struct timespec){ 0, 200 * 1000 * 1000 }, NULL);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *host = "127.0.0.1", *msg = "hello";
	int port = 8000;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--host")) host = argv[i + 1];
		else if (!strcmp(argv[i], "--port")) port = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--message")) msg = argv[i + 1];
	}
	server.sin_family = AF_INET;
	server.sin_port = htons(port);
	inet_pton(AF_INET, host, &server.sin_addr);

	if (!server_is_up()) {
		fprintf(stderr, "server %s:%d is not up\n", host, port);
		return 1;
	}
	int fd = open_conn();
	if (fd < 0) {
		perror("connect");
		return 1;
	}
	char line[1024], echo[1024];
	int len = snprintf(line, sizeof line, "%s\n", msg), got = 0;
	for (int off = 0; off < len;) {
		int n = send(fd, line + off, len - off, 0);
		if (n < 0) { perror("send"); return 1; }
		off += n;
	}
	while (got < len) {
		int n = recv(fd, echo + got, len - got, 0);
		if (n < 0 && errno == EINTR) continue;
		if (n <= 0) { fprintf(stderr, "no echo\n"); return 1; }
		got += n;
	}
	printf("echo: %.*s", got, echo);
	close(fd);
	return 0;
}
