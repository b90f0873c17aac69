/*
 * echo_client (lab 1) with poll(): wait until the socket is readable, read what is there,
 * repeat until the newline is in. A 5 second timeout so we never hang forever if the
 * server goes quiet.
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

#define TIMEOUT_MS 5000

static const char *arg(int argc, char **argv, const char *key, const char *dflt)
{
	for (int i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], key) == 0)
			return argv[i + 1];
	return dflt;
}

int main(int argc, char **argv)
{
	const char *host = arg(argc, argv, "--host", "127.0.0.1");
	int port = atoi(arg(argc, argv, "--port", "8000"));
	const char *msg = arg(argc, argv, "--message", "hi");
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	char buf[1024], line[1024];
	size_t used = 0;
	int fd, len;

	len = snprintf(line, sizeof line, "%s\n", msg);
	if (len < 0 || (size_t)len >= sizeof line)
		return 2;
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		return 2;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		perror("connect");
		return 1;
	}
	for (int off = 0; off < len;) {
		ssize_t n = send(fd, line + off, (size_t)(len - off), 0);
		if (n < 0) {
			perror("send");
			close(fd);
			return 1;
		}
		off += (int)n;
	}

	struct pollfd p = { .fd = fd, .events = POLLIN };
	while (!memchr(buf, '\n', used)) {
		int r = poll(&p, 1, TIMEOUT_MS);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			perror("poll");
			break;
		}
		if (r == 0) {
			fprintf(stderr, "timed out waiting for the echo\n");
			break;
		}
		ssize_t n = recv(fd, buf + used, sizeof buf - used, 0);
		if (n <= 0) {
			fprintf(stderr, "recv: %s\n", n == 0 ? "server closed" : strerror(errno));
			break;
		}
		used += (size_t)n;
		if (used == sizeof buf)
			break;
	}
	if (memchr(buf, '\n', used))
		printf("got back: %.*s", (int)used, buf);
	close(fd);
	return memchr(buf, '\n', used) ? 0 : 1;
}
