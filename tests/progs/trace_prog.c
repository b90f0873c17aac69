/* summary: a small program making known socket calls, run under libtcplab-trace.so by tests/test_trace.c. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * usage: trace_prog MODE [N [M]]
 * Each mode makes a fixed sequence of calls (tests/test_trace.c asserts the trace of each)
 * and exits 0 when every call did what it should, otherwise 1 with a message on stderr.
 * Everything is on 127.0.0.1 with kernel-chosen ports.
 */

#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "trace_prog: %s:%d: %s failed (%s)\n", __FILE__, __LINE__, #cond, \
	        strerror(errno)); exit(1); } } while (0)

static int listener(struct sockaddr_in *a)
{
	socklen_t len = sizeof *a;
	int s = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(s >= 0);
	memset(a, 0, sizeof *a);
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(bind(s, (struct sockaddr *)a, sizeof *a) == 0);
	CHECK(listen(s, 4) == 0);
	CHECK(getsockname(s, (struct sockaddr *)a, &len) == 0);
	return s;
}

/* socket bind listen socket connect accept send recv write read shutdown recv close x3 */
static int mode_echo(void)
{
	struct sockaddr_in a;
	char buf[1000];
	int ls = listener(&a);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(c >= 0);
	CHECK(connect(c, (struct sockaddr *)&a, sizeof a) == 0);
	int s = accept(ls, NULL, NULL);
	CHECK(s >= 0);
	CHECK(send(c, "hello", 5, MSG_NOSIGNAL) == 5);
	CHECK(recv(s, buf, sizeof buf, 0) == 5);
	CHECK(write(s, buf, 5) == 5);
	CHECK(read(c, buf, sizeof buf) == 5);
	CHECK(shutdown(c, SHUT_WR) == 0);
	CHECK(recv(s, buf, sizeof buf, 0) == 0);
	CHECK(close(s) == 0);
	CHECK(close(c) == 0);
	CHECK(close(ls) == 0);
	return 0;
}

/* A bound socket that does not listen refuses connections. */
static int mode_refused(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof a;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int b = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(b >= 0);
	CHECK(bind(b, (struct sockaddr *)&a, sizeof a) == 0);
	CHECK(getsockname(b, (struct sockaddr *)&a, &len) == 0);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(c >= 0);
	CHECK(connect(c, (struct sockaddr *)&a, sizeof a) == -1 && errno == ECONNREFUSED);
	CHECK(close(c) == 0);
	CHECK(close(b) == 0);
	return 0;
}

/* Closes every fd it can, by every means, then makes one traced call. */
static int mode_closeall(void)
{
	const char *tfd = getenv("TCPLAB_TRACE_FD");
	for (int fd = 3; fd < 1024; fd++)
		close(fd);
	close_range(3, ~0u, 0);
	closefrom(3);
	if (tfd)   /* take the tracer's own fd number for something else */
		CHECK(dup2(2, atoi(tfd)) == atoi(tfd));
	int s = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(s >= 0);
	CHECK(close(s) == 0);
	return 0;
}

/* I/O on a pipe and a file, which must not be traced, between two traced calls. */
static int mode_files(void)
{
	int p[2];
	char buf[16];
	char path[] = "/tmp/trace_prog.XXXXXX";
	int s = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(s >= 0);
	CHECK(pipe(p) == 0);
	CHECK(write(p[1], "x", 1) == 1);
	CHECK(read(p[0], buf, sizeof buf) == 1);
	struct iovec iov = { buf, 1 };
	CHECK(writev(p[1], &iov, 1) == 1);
	CHECK(readv(p[0], &iov, 1) == 1);
	int f = mkstemp(path);
	CHECK(f >= 0);
	unlink(path);
	CHECK(write(f, "abc", 3) == 3);
	CHECK(lseek(f, 0, SEEK_SET) == 0);
	CHECK(read(f, buf, sizeof buf) == 3);
	CHECK(close(f) == 0);
	CHECK(close(p[0]) == 0 && close(p[1]) == 0);
	CHECK(close(s) == 0);
	return 0;
}

static int mode_sockopt(void)
{
	int one = 1;
	struct linger lg = { 1, 0 };
	int s = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(s >= 0);
	CHECK(setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0);
	CHECK(setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg) == 0);
	CHECK(setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0);
	CHECK(setsockopt(s, IPPROTO_TCP, 12345, &one, sizeof one) == -1 && errno == ENOPROTOOPT);
	return 0;   /* s is left open on purpose: exit closes it untraced */
}

/* N children each make M socket()+close() pairs as fast as they can. */
static int mode_fork(int n, int m)
{
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();
		CHECK(pid >= 0);
		if (pid == 0) {
			for (int j = 0; j < m; j++) {
				int s = socket(AF_INET, SOCK_STREAM, 0);
				CHECK(s >= 0);
				CHECK(close(s) == 0);
			}
			exit(0);
		}
	}
	for (int i = 0; i < n; i++) {
		int st;
		CHECK(wait(&st) > 0);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	return 0;
}

/* N socket()+close() pairs, then "x" on stdout, then waits for a byte on stdin: the test
 * fills the trace pipe meanwhile, to see events dropped and never waited for. */
static int mode_burst(int n)
{
	char c;
	for (int j = 0; j < n; j++) {
		int s = socket(AF_INET, SOCK_STREAM, 0);
		CHECK(s >= 0);
		CHECK(close(s) == 0);
	}
	CHECK(write(1, "x", 1) == 1);
	CHECK(read(0, &c, 1) == 1);
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	int n = argc > 2 ? atoi(argv[2]) : 0;
	int m = argc > 3 ? atoi(argv[3]) : 0;
	if (strcmp(mode, "echo") == 0)
		return mode_echo();
	if (strcmp(mode, "refused") == 0)
		return mode_refused();
	if (strcmp(mode, "closeall") == 0)
		return mode_closeall();
	if (strcmp(mode, "files") == 0)
		return mode_files();
	if (strcmp(mode, "sockopt") == 0)
		return mode_sockopt();
	if (strcmp(mode, "fork") == 0)
		return mode_fork(n, m);
	if (strcmp(mode, "burst") == 0)
		return mode_burst(n);
	if (strcmp(mode, "exit") == 0)
		exit(n);
	fprintf(stderr, "usage: trace_prog echo|refused|closeall|files|sockopt|fork N M|burst N|exit N\n");
	return 2;
}
