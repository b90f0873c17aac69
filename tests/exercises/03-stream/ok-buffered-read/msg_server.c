/*
 * Lab 3: message server with a small buffered reader.
 *
 * I read() as much as the kernel has (up to the buffer size) into rbuf and then cut
 * messages out of it. Whatever is left over after a message (the start of the next one,
 * or 9 more messages in the batch test) stays in the buffer for next time. Only when
 * there isn't a whole message in the buffer do I call read() again.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_MESSAGE 1024
#define RBUF (4 * (4 + MAX_MESSAGE))

struct reader {
	int fd;
	char buf[RBUF];
	size_t start, end; /* unread bytes are buf[start..end) */
};

/* make sure at least n unread bytes are in the buffer. 1 ok, 0 EOF, -1 error */
static int fill(struct reader *r, size_t n)
{
	while (r->end - r->start < n) {
		if (r->start > 0) { /* slide what's left to the front */
			memmove(r->buf, r->buf + r->start, r->end - r->start);
			r->end -= r->start;
			r->start = 0;
		}
		ssize_t got = read(r->fd, r->buf + r->end, sizeof r->buf - r->end);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -1;
		if (got == 0)
			return 0;
		r->end += (size_t)got;
	}
	return 1;
}

static void serve(int fd)
{
	static struct reader r;

	r.fd = fd;
	r.start = r.end = 0;
	for (;;) {
		int st = fill(&r, 4);
		if (st == 0 && r.end == r.start) {
			printf("end of stream\n");
			return;
		}
		if (st <= 0) {
			fprintf(stderr, "msg_server: stream ended in a header\n");
			return;
		}
		uint32_t be;
		memcpy(&be, r.buf + r.start, 4);
		uint32_t len = ntohl(be);
		if (len > MAX_MESSAGE) {
			fprintf(stderr, "msg_server: bad length %u\n", len);
			return;
		}
		if (fill(&r, 4 + len) <= 0) {
			fprintf(stderr, "msg_server: stream ended in a message\n");
			return;
		}
		printf("message of %u bytes: %.*s\n", len, (int)len, r.buf + r.start + 4);
		r.start += 4 + len;
	}
}

int main(int argc, char *argv[])
{
	char *addr = "0.0.0.0";
	int port = 8000, n = 3;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--addr") == 0) addr = argv[i + 1];
		if (strcmp(argv[i], "--port") == 0) port = atoi(argv[i + 1]);
		if (strcmp(argv[i], "--connections") == 0) n = atoi(argv[i + 1]);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	int on = 1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	struct sockaddr_in me = {0};
	me.sin_family = AF_INET;
	me.sin_port = htons(port);
	me.sin_addr.s_addr = inet_addr(addr);
	if (bind(s, (struct sockaddr *)&me, sizeof me) == -1) { perror("bind"); return 1; }
	if (listen(s, 10) == -1) { perror("listen"); return 1; }
	while (n-- > 0) {
		int c = accept(s, NULL, NULL);
		if (c == -1) { perror("accept"); return 1; }
		serve(c);
		close(c);
	}
	close(s);
	return 0;
}
