/*
 * Lab 3 msg_server using readv().
 *
 * I keep an array of iovecs for "what I still need" and call readv() until it is all
 * filled in, moving the iovecs forward by however many bytes came. The header goes in
 * one iovec; the body in another once I know its length. readv() can return short just
 * like recv(), so it is the same loop as recv_all, only with iovecs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define MAX_MESSAGE 1024

/* fill every iovec completely. returns total bytes read (less than wanted = EOF), -1 err */
static ssize_t readv_full(int fd, struct iovec *iov, int cnt)
{
	ssize_t total = 0;

	while (cnt > 0) {
		ssize_t n = readv(fd, iov, cnt);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return total;
		total += n;
		/* skip the iovecs that are now full, shrink the one that is partly full */
		while (cnt > 0 && (size_t)n >= iov->iov_len) {
			n -= (ssize_t)iov->iov_len;
			iov++;
			cnt--;
		}
		if (cnt > 0) {
			iov->iov_base = (char *)iov->iov_base + n;
			iov->iov_len -= (size_t)n;
		}
	}
	return total;
}

static void serve(int fd)
{
	char text[MAX_MESSAGE];
	uint32_t be;

	for (;;) {
		struct iovec h = { .iov_base = &be, .iov_len = 4 };
		ssize_t n = readv_full(fd, &h, 1);
		if (n == 0) {
			printf("end of stream\n");
			return;
		}
		if (n != 4) {
			fprintf(stderr, "msg_server: short header\n");
			return;
		}
		uint32_t len = ntohl(be);
		if (len > MAX_MESSAGE) {
			fprintf(stderr, "msg_server: message of %u bytes is too big\n", len);
			return;
		}
		struct iovec b = { .iov_base = text, .iov_len = len };
		if (readv_full(fd, &b, 1) != (ssize_t)len) {
			fprintf(stderr, "msg_server: truncated message\n");
			return;
		}
		printf("message of %u bytes: %.*s\n", len, (int)len, text);
	}
}

static const char *opt(int argc, char **argv, const char *name, const char *def)
{
	for (int i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], name))
			return argv[i + 1];
	return def;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int one = 1, lfd, conns = atoi(opt(argc, argv, "--connections", "3"));

	sin.sin_port = htons((uint16_t)atoi(opt(argc, argv, "--port", "8000")));
	inet_pton(AF_INET, opt(argc, argv, "--addr", "0.0.0.0"), &sin.sin_addr);
	setvbuf(stdout, NULL, _IOLBF, 0);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(lfd, (struct sockaddr *)&sin, sizeof sin) < 0 || listen(lfd, 4) < 0) {
		perror("msg_server");
		return 1;
	}
	for (int i = 0; i < conns; i++) {
		int fd = accept(lfd, NULL, NULL);
		if (fd < 0) {
			perror("accept");
			return 1;
		}
		serve(fd);
		close(fd);
	}
	close(lfd);
	return 0;
}
