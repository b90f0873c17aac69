/* summary: lab 5 submission, correct: recv(MSG_DONTWAIT) until EAGAIN between jobs. */
/*
 * usage: slow_server --addr ADDR --port PORT
 *
 * Reads every job line the client sends, does each (5 ms of work), and prints
 * "processed N jobs; last: job NNNN" once the client has closed. The receive buffer stays
 * at SO_RCVBUF 8192; the server's window never closes because, between two jobs, it takes
 * everything that has arrived off the socket (poll() with a timeout of 0, then recv()) into
 * a queue in its own memory, which grows as needed. With nothing queued it waits in poll().
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RCVBUF 8192
#define WORK_MS 5

static void do_job(const char *line, size_t len)
{
	struct timespec ts = { 0, WORK_MS * 1000000L };

	(void)line;
	(void)len;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int listen_small(const char *addr, int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int one = 1, rcvbuf = RCVBUF, fd;

	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
		fprintf(stderr, "slow_server: '%s' is not an IPv4 address\n", addr);
		return -1;
	}
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0) {
		perror("slow_server: socket");
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(fd, 1) < 0) {
		perror("slow_server: bind/listen");
		close(fd);
		return -1;
	}
	return fd;
}

/* A queue of bytes in the program's memory: jobs wait here, not in the kernel. */
struct queue {
	char *data;
	size_t len, cap;
};

/*
 * Everything the socket holds now, appended to q. 1: more may come; 0: the peer closed;
 * -1: an error. Never blocks: recv() with MSG_DONTWAIT until it fails with EAGAIN, once
 * before every job; the job's own wait in between is what makes it no spin.
 */
static int drain(int fd, struct queue *q)
{
	for (;;) {
		ssize_t n;

		if (q->cap - q->len < 4096) {
			size_t cap = q->cap ? q->cap * 2 : 65536;
			char *grown = realloc(q->data, cap);

			if (!grown) {
				perror("slow_server: realloc");
				return -1;
			}
			q->data = grown;
			q->cap = cap;
		}
		/* Until EAGAIN: that is how it knows the socket is empty. */
		n = recv(fd, q->data + q->len, q->cap - q->len, MSG_DONTWAIT);
		if (n > 0) {
			q->len += (size_t)n;
			continue;
		}
		if (n == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 1;
		perror("slow_server: recv");
		return -1;
	}
}

int main(int argc, char **argv)
{
	const char *addr = "0.0.0.0";
	int port = 8050, lfd, fd, state = 1;     /* drain(): 1 open, 0 closed, -1 error */
	struct queue q = { 0 };
	size_t head = 0;
	char last[16] = "none";
	long jobs = 0;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--addr"))
			addr = argv[i + 1];
		else if (!strcmp(argv[i], "--port"))
			port = atoi(argv[i + 1]);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	lfd = listen_small(addr, port);
	if (lfd < 0)
		return 1;
	fd = accept(lfd, NULL, NULL);
	if (fd < 0) {
		perror("slow_server: accept");
		return 1;
	}
	close(lfd);
	for (;;) {
		char *line, *nl;

		/* Before each job: whatever has arrived leaves the kernel's buffer. */
		if (state == 1)
			state = drain(fd, &q);
		if (state < 0)
			break;
		line = q.data + head;
		nl = memchr(line, '\n', q.len - head);
		if (nl) {
			do_job(line, (size_t)(nl - line));
			jobs++;
			sscanf(line, "job %15s", last);
			head = (size_t)(nl + 1 - q.data);
			/* Keep the queue from creeping: move the rest down once most is done. */
			if (head > q.len / 2) {
				memmove(q.data, q.data + head, q.len - head);
				q.len -= head;
				head = 0;
			}
			continue;
		}
		if (state == 0)
			break;          /* the client closed and every whole job is done */
		{
			struct pollfd p = { .fd = fd, .events = POLLIN };

			if (poll(&p, 1, -1) < 0 && errno != EINTR) {
				perror("slow_server: poll");
				break;
			}
		}
	}
	printf("processed %ld jobs; last: job %s\n", jobs, last);
	free(q.data);
	close(fd);
	return 0;
}
