/* summary: lab 5 submission: takes what one recv() returns for one job. */
/*
 * usage: slow_server --addr ADDR --port PORT
 *
 * Each job is one line, and the client sends one line every millisecond, one segment
 * each: so each recv() is taken to return one job. It does the job, counts it, and
 * reads again.
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

#define RCVBUF 8192             /* keep it: the machine has little memory per connection */
#define WORK_MS 5               /* what one job takes; keep it */

/* One job's work. Keep it as it is: the exercise is to read while it runs. */
static void do_job(const char *line, size_t len)
{
	struct timespec ts = { 0, WORK_MS * 1000000L };

	(void)line;
	(void)len;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* The listening socket on addr:port (IPv4) with the small receive buffer, or -1. */
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
	/* Before listen(): the accepted socket inherits it. */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(fd, 1) < 0) {
		perror("slow_server: bind/listen");
		close(fd);
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	const char *addr = "0.0.0.0";
	int port = 8050, lfd, fd;
	char buf[4096], last[16] = "none";
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
		ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		/* One segment, one line, one job: the client sends them one at a time. */
		do_job(buf, (size_t)n);
		jobs++;
		sscanf(buf, "job %15s", last);
	}
	printf("processed %ld jobs; last: job %s\n", jobs, last);
	close(fd);
	return 0;
}
