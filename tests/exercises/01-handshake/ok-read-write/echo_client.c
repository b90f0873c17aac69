// echo client (lab 1) -- plain read()/write() on the socket fd, like a file
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void die(const char *what)
{
	perror(what);
	exit(EXIT_FAILURE);
}

// write() can be short, so loop
static void write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR) continue;
			die("write");
		}
		p += w;
		n -= (size_t)w;
	}
}

int main(int argc, char **argv)
{
	const char *host = NULL, *text = NULL;
	int port = -1;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--host")) host = argv[i + 1];
		else if (!strcmp(argv[i], "--port")) port = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--message")) text = argv[i + 1];
	}
	if (!host || port <= 0 || !text) {
		fprintf(stderr, "usage: echo_client --host ADDR --port PORT --message TEXT\n");
		return 2;
	}

	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0) die("socket");
	struct sockaddr_in sa = { 0 };
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = inet_addr(host);
	if (connect(s, (struct sockaddr *)&sa, sizeof sa) < 0) die("connect");

	write_all(s, text, strlen(text));
	write_all(s, "\n", 1);

	// read one byte at a time until newline: slow but can't overshoot the line
	char line[4096];
	size_t len = 0;
	for (;;) {
		char ch;
		ssize_t r = read(s, &ch, 1);
		if (r < 0) {
			if (errno == EINTR) continue;
			die("read");
		}
		if (r == 0) {
			fprintf(stderr, "connection closed early\n");
			return 1;
		}
		if (len < sizeof line - 1)
			line[len++] = ch;
		if (ch == '\n')
			break;
	}
	line[len] = 0;
	fputs(line, stdout);

	close(s);
	return 0;
}
