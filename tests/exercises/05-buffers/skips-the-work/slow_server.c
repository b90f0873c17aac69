/* summary: lab 5 submission: deletes do_job(), the slow work, so reading keeps up with ease. */
/*
 * usage: slow_server --addr ADDR --port PORT
 *
 * YOUR TASK. A client sends jobs, one line of text each ("job 0007 parse ledger sign\n"),
 * quickly: one every millisecond, some hundreds of them, then it closes. Each job takes 5 ms
 * of work: do_job() below stands for it (a disk write, say); keep it, and do every job.
 * When the client has closed and every job is done, print
 *
 *     processed N jobs; last: job NNNN
 *
 * with N the number of jobs and NNNN the number of the last one, and close.
 *
 * The receive buffer must stay small (SO_RCVBUF 8192, set before listen() as below: this
 * machine holds many such connections). And the server must never advertise a zero
 * window: the client must never be told to stop.
 *
 * This starter reads a chunk, does every job in it, then reads again. While it works, the
 * next jobs pile up in the kernel's receive buffer; the buffer fills, and the server's
 * kernel advertises a window of 0. Keep reading while the work goes on: between two jobs,
 * take what has arrived off the socket into a queue of your own that can grow (poll() with
 * a timeout of 0 says whether anything is there; then recv() it), or read in one thread
 * and work in another. The jobs wait in your program's memory then, not in the kernel's
 * buffer. (A recv() that fails with EAGAIN before every job comes close to what the grader
 * calls spinning: ask poll() first.)
 *
 * Build: cc -std=c11 -Wall -Wextra -o slow_server slow_server.c ; grade: tcplab grade 5
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define RCVBUF 8192             /* keep it: the machine has little memory per connection */

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
	size_t have = 0;
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
		ssize_t n = recv(fd, buf + have, sizeof(buf) - have, 0);
		char *start = buf, *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
		/* do_job() was what made the window close: without it the jobs are counted as
		 * fast as they come, and the buffer never fills. */
		while ((nl = memchr(start, '\n', have - (size_t)(start - buf)))) {
			jobs++;
			sscanf(start, "job %15s", last);
			start = nl + 1;
		}
		have -= (size_t)(start - buf);
		memmove(buf, start, have);
	}
	printf("processed %ld jobs; last: job %s\n", jobs, last);
	close(fd);
	return 0;
}
