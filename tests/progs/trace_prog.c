/* summary: a small program making known socket calls, run under the syscall tracer by tests/test_trace.c. */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/trace.h"

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

/*
 * socket bind listen socket connect accept send recv write read shutdown recv close x3.
 * raw: the same calls through syscall(), past libc, as a program that wants to hide them
 * would make them (the system calls libc itself uses for each: send() is sendto).
 */
static int mode_echo(int raw)
{
	struct sockaddr_in a;
	char buf[1000];
	int ls, c, s;

	if (!raw) {
		ls = listener(&a);
		c = socket(AF_INET, SOCK_STREAM, 0);
		CHECK(c >= 0);
		CHECK(connect(c, (struct sockaddr *)&a, sizeof a) == 0);
		s = accept(ls, NULL, NULL);
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
	socklen_t len = sizeof a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ls = (int)syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
	CHECK(ls >= 0);
	CHECK(syscall(SYS_bind, ls, &a, sizeof a) == 0);
	CHECK(syscall(SYS_listen, ls, 4) == 0);
	CHECK(getsockname(ls, (struct sockaddr *)&a, &len) == 0);
	c = (int)syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
	CHECK(c >= 0);
	CHECK(syscall(SYS_connect, c, &a, sizeof a) == 0);
	s = (int)syscall(SYS_accept, ls, NULL, NULL);
	CHECK(s >= 0);
	CHECK(syscall(SYS_sendto, c, "hello", 5, MSG_NOSIGNAL, NULL, 0) == 5);
	CHECK(syscall(SYS_recvfrom, s, buf, sizeof buf, 0, NULL, NULL) == 5);
	CHECK(syscall(SYS_write, s, buf, 5) == 5);
	CHECK(syscall(SYS_read, c, buf, sizeof buf) == 5);
	CHECK(syscall(SYS_shutdown, c, SHUT_WR) == 0);
	CHECK(syscall(SYS_recvfrom, s, buf, sizeof buf, 0, NULL, NULL) == 0);
	CHECK(syscall(SYS_close, s) == 0);
	CHECK(syscall(SYS_close, c) == 0);
	CHECK(syscall(SYS_close, ls) == 0);
	return 0;
}

/* A connected pair on 127.0.0.1: *c the client's end, *s the server's; the listener is
 * closed. socket bind listen socket connect accept close. */
static void pair(int *c, int *s)
{
	struct sockaddr_in a;
	int ls = listener(&a);

	*c = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(*c >= 0);
	CHECK(connect(*c, (struct sockaddr *)&a, sizeof a) == 0);
	*s = accept(ls, NULL, NULL);
	CHECK(*s >= 0);
	CHECK(close(ls) == 0);
}

/* stdio on a socket: the buffered text leaves in one write(), fclose() is close(). */
static int mode_fdopen(void)
{
	char buf[64];
	int c, s;

	pair(&c, &s);
	FILE *f = fdopen(c, "w");
	CHECK(f != NULL);
	CHECK(fprintf(f, "hello %d\n", 42) == 9);
	CHECK(fflush(f) == 0);
	CHECK(recv(s, buf, 9, MSG_WAITALL) == 9);
	CHECK(fclose(f) == 0);
	CHECK(close(s) == 0);
	return 0;
}

/* dup2() onto a socket's fd closes it: socket 3, socket 4, dup2(4, 3) releases the
 * first; dup2(3, 4) (both the second socket now) releases nothing; dup3 of /dev/null onto
 * 4 closes it while 3 still holds it; then close(3). */
static int mode_dup2(void)
{
	CHECK(socket(AF_INET, SOCK_STREAM, 0) == 3);
	CHECK(socket(AF_INET, SOCK_STREAM, 0) == 4);
	CHECK(dup2(4, 3) == 3);
	CHECK(dup2(3, 4) == 4);
	CHECK(dup3(0, 4, 0) == 4);
	CHECK(close(3) == 0);
	return 0;
}

/* Two fds for one socket: the first close leaves it open, the second releases it.
 * keep: no close, the exit closes both. */
static int mode_dup(int keep)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(s >= 0);
	int d = dup(s);
	CHECK(d >= 0);
	if (keep)
		return 0;
	CHECK(close(s) == 0);
	CHECK(close(d) == 0);
	return 0;
}

/*
 * Every way to send besides send(): sendfile 1000 bytes of a file, sendmmsg 2 messages
 * (10 + 20 + 5 bytes), writev 3 iovecs (1 + 2 + 3), splice 7 bytes from a pipe; then the
 * other end takes all 1048 in one recv(MSG_WAITALL). The file and pipe I/O between them
 * is not on a socket.
 */
static int mode_vecio(void)
{
	static char data[1000], buf[2048];
	char path[] = "/tmp/trace_prog.XXXXXX";
	int c, s, p[2];

	pair(&c, &s);
	int f = mkstemp(path);
	CHECK(f >= 0);
	unlink(path);
	memset(data, 'f', sizeof data);
	CHECK(write(f, data, sizeof data) == (ssize_t)sizeof data);
	CHECK(lseek(f, 0, SEEK_SET) == 0);
	CHECK(sendfile(c, f, NULL, 1000) == 1000);

	struct iovec m0[2] = { { data, 10 }, { data, 20 } }, m1[1] = { { data, 5 } };
	struct mmsghdr mm[2];
	memset(mm, 0, sizeof mm);
	mm[0].msg_hdr.msg_iov = m0;
	mm[0].msg_hdr.msg_iovlen = 2;
	mm[1].msg_hdr.msg_iov = m1;
	mm[1].msg_hdr.msg_iovlen = 1;
	CHECK(sendmmsg(c, mm, 2, 0) == 2);

	struct iovec v[3] = { { data, 1 }, { data, 2 }, { data, 3 } };
	CHECK(writev(c, v, 3) == 6);

	CHECK(pipe(p) == 0);
	CHECK(write(p[1], "1234567", 7) == 7);
	CHECK(splice(p[0], NULL, c, NULL, 7, 0) == 7);
	CHECK(recv(s, buf, 1048, MSG_WAITALL) == 1048);
	CHECK(close(p[0]) == 0 && close(p[1]) == 0 && close(f) == 0);
	CHECK(close(c) == 0);
	CHECK(close(s) == 0);
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
	struct linger lg = { 1, 0 }, lg2 = { 0, 7 };
	int s = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(s >= 0);
	CHECK(setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0);
	CHECK(setsockopt(s, IPPROTO_TCP, TCP_CORK, &one, sizeof one) == 0);
	CHECK(setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg) == 0);
	CHECK(setsockopt(s, SOL_SOCKET, SO_LINGER, &lg2, sizeof lg2) == 0);
	CHECK(setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one) == 0);
	CHECK(setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0);
	CHECK(setsockopt(s, IPPROTO_TCP, 12345, &one, sizeof one) == -1 && errno == ENOPROTOOPT);
	return 0;   /* s is left open on purpose: the kernel closes it at exit */
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

/* close_range(): one that only marks close-on-exec closes nothing; then one that closes
 * a socket held twice (3 and 4) and another (5). */
static int mode_closerange(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(s == 3);
	CHECK(dup(s) == 4);
	CHECK(socket(AF_INET, SOCK_STREAM, 0) == 5);
	CHECK(close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == 0);
	CHECK(close_range(3, ~0U, 0) == 0);
	return 0;
}

/* Vectors longer than one read of the tracer's: writev of 100 one-byte iovecs, sendmmsg
 * of 20 messages of 3 one-byte iovecs; the other end takes all 160 bytes. */
static int mode_manyvec(void)
{
	static struct iovec v[100];
	static struct mmsghdr mm[20];
	char buf[256];
	int c, s;

	pair(&c, &s);
	for (int i = 0; i < 100; i++)
		v[i] = (struct iovec){ buf, 1 };
	CHECK(writev(c, v, 100) == 100);
	memset(mm, 0, sizeof mm);
	for (int i = 0; i < 20; i++) {
		mm[i].msg_hdr.msg_iov = v;
		mm[i].msg_hdr.msg_iovlen = 3;
	}
	CHECK(sendmmsg(c, mm, 20, 0) == 20);
	CHECK(recv(s, buf, 160, MSG_WAITALL) == 160);
	CHECK(close(c) == 0 && close(s) == 0);
	return 0;
}

/* N socket()+close() pairs as fast as it can, then exit. */
static int mode_pairs(int n)
{
	for (int j = 0; j < n; j++) {
		int s = socket(AF_INET, SOCK_STREAM, 0);
		CHECK(s >= 0);
		CHECK(close(s) == 0);
	}
	return 0;
}

/* Two threads alive at once (a barrier), then each makes socket()+close() in turn: the
 * first, then the second, then the main thread. Prints "tids T1 T2" on stdout. */
static pthread_barrier_t both;
static int turn[2][2];      /* pipes: turn[i] says thread i may go */

static void *thread_main(void *arg)
{
	int i = (int)(long)arg;
	char c;

	pthread_barrier_wait(&both);
	CHECK(read(turn[i][0], &c, 1) == 1);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(s >= 0);
	CHECK(close(s) == 0);
	if (i == 0)
		CHECK(write(turn[1][1], "x", 1) == 1);
	return (void *)(long)gettid();
}

static int mode_threads(void)
{
	pthread_t t[2];
	void *tid[2];

	CHECK(pthread_barrier_init(&both, NULL, 3) == 0);
	CHECK(pipe(turn[0]) == 0 && pipe(turn[1]) == 0);
	for (long i = 0; i < 2; i++)
		CHECK(pthread_create(&t[i], NULL, thread_main, (void *)i) == 0);
	pthread_barrier_wait(&both);
	CHECK(write(turn[0][1], "x", 1) == 1);
	for (int i = 0; i < 2; i++)
		CHECK(pthread_join(t[i], &tid[i]) == 0);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(s >= 0);
	CHECK(close(s) == 0);
	printf("tids %ld %ld\n", (long)tid[0], (long)tid[1]);
	return 0;
}

static void *sleeper_main(void *arg)
{
	struct timespec ts = { 0, 5000000 };

	(void)arg;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	return (void *)(long)syscall(SYS_gettid);
}

/*
 * Sleeps, as lab 5's checks see them: a thread's nanosleep of 5 ms, then in the main
 * thread usleep(2000), a clock_nanosleep until 3 ms from now (TIMER_ABSTIME), a 100 us
 * sleep (too short to report) and a poll() of 5 ms that woke on time (not a sleep).
 */
static int mode_sleeps(void)
{
	pthread_t t;
	void *tid;
	struct timespec until, tiny = { 0, 100000 };

	CHECK(pthread_create(&t, NULL, sleeper_main, NULL) == 0);
	CHECK(pthread_join(t, &tid) == 0);
	CHECK(usleep(2000) == 0);
	CHECK(clock_gettime(CLOCK_MONOTONIC, &until) == 0);
	until.tv_nsec += 3000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	CHECK(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) == 0);
	CHECK(nanosleep(&tiny, NULL) == 0);
	CHECK(poll(NULL, 0, 5) == 0);
	printf("tid %ld\n", (long)tid);
	return 0;
}

/*
 * poll() wake-ups: N times poll() for POLLOUT on a connected socket with room in its
 * buffer, doing nothing after (a spin inside poll(): N - 1 wake-ups that nothing
 * followed, the last one is followed by the send below); then M rounds of poll() for
 * POLLIN each followed by the recv() of what woke it (no empty wake-up); then one
 * select() that finds the peer's byte and whose wake the close of the loop's socket
 * follows.
 */
static int mode_wakes(int n, int m)
{
	struct sockaddr_in a;
	int ls = listener(&a);
	int c = socket(AF_INET, SOCK_STREAM, 0), s;
	struct pollfd p;
	char b;

	CHECK(c >= 0);
	CHECK(connect(c, (struct sockaddr *)&a, sizeof a) == 0);
	CHECK((s = accept(ls, NULL, NULL)) >= 0);
	p.fd = c;
	p.events = POLLOUT;
	for (int i = 0; i < n; i++)
		CHECK(poll(&p, 1, -1) == 1 && (p.revents & POLLOUT));
	p.events = POLLIN;
	for (int i = 0; i < m; i++) {
		CHECK(send(s, "x", 1, 0) == 1);
		CHECK(poll(&p, 1, 1000) == 1 && (p.revents & POLLIN));
		CHECK(recv(c, &b, 1, 0) == 1);
	}
	CHECK(close(s) == 0);
	CHECK(close(c) == 0);
	CHECK(close(ls) == 0);
	return 0;
}

/*
 * Runs of calls that returned nothing: on a connected socket with nothing to read, three
 * recv(MSG_DONTWAIT) (EAGAIN), a poll() with timeout 0 (it never blocks), two more, a
 * poll() that waits its 5 ms, one more, a 1 ms sleep, one more: seven EAGAINs, the first
 * five with no wait between them (trace_event.waits). Then one after each of: a futex
 * wait of 1 ms (a condition variable's), a read of a pipe, a waitpid(WNOHANG), a read of
 * a regular file, a futex wake, a waitpid() for a child: thirteen, the four in the middle
 * after something that could not block.
 */
static int mode_idleruns(void)
{
	struct sockaddr_in a;
	int ls = listener(&a);
	int c = socket(AF_INET, SOCK_STREAM, 0), s, pfd[2], word = 0;
	struct pollfd p;
	struct timespec ms = { 0, 1000000 };
	char b, buf[64];
	static const int after[] = { 0, 0, 0, 'z', 0, 0, 'p', 0, 's', 0, 'f', 0, 'r', 0,
	                             'n', 0, 'F', 0, 'k', 0, 'w', 0 };

	CHECK(c >= 0);
	CHECK(pipe(pfd) == 0);
	CHECK(connect(c, (struct sockaddr *)&a, sizeof a) == 0);
	CHECK((s = accept(ls, NULL, NULL)) >= 0);
	p.fd = c;
	p.events = POLLIN;
	for (size_t i = 0; i < sizeof(after) / sizeof(after[0]); i++) {
		if (after[i] == 'z') {
			CHECK(poll(&p, 1, 0) == 0);
		} else if (after[i] == 'p') {
			CHECK(poll(&p, 1, 5) == 0);
		} else if (after[i] == 's') {
			CHECK(nanosleep(&ms, NULL) == 0);
		} else if (after[i] == 'f') {
			CHECK(syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, &ms, NULL, 0) < 0 &&
			      errno == ETIMEDOUT);
		} else if (after[i] == 'r') {
			CHECK(write(pfd[1], "x", 1) == 1 && read(pfd[0], &b, 1) == 1);
		} else if (after[i] == 'n') {
			CHECK(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD);
		} else if (after[i] == 'F') {
			int f = open("/proc/self/stat", O_RDONLY);

			CHECK(f >= 0 && read(f, buf, sizeof(buf)) > 0 && close(f) == 0);
		} else if (after[i] == 'k') {
			CHECK(syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0) == 0);
		} else if (after[i] == 'w') {
			pid_t kid = fork();

			if (kid == 0)
				_exit(0);
			CHECK(kid > 0 && waitpid(kid, NULL, 0) == kid);
		} else {
			CHECK(recv(c, &b, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN);
		}
	}
	CHECK(close(pfd[0]) == 0 && close(pfd[1]) == 0);
	CHECK(close(s) == 0);
	CHECK(close(c) == 0);
	CHECK(close(ls) == 0);
	return 0;
}

/*
 * Tries to add events: a record that looks like the tracer's, written into every fd it
 * has and every fd number up to 1024. Its own real calls around it: socket(), the write
 * on that socket (it is not connected: EPIPE), close().
 */
static int mode_forge(void)
{
	struct trace_event ev;

	signal(SIGPIPE, SIG_IGN);
	memset(&ev, 0, sizeof ev);
	ev.call = TRACE_SEND;
	snprintf(ev.name, sizeof ev.name, "forged");
	ev.pid = ev.tid = getpid();
	ev.fd = 99;
	ev.arg = ev.ret = 1234;
	int s = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(s >= 0);
	for (int fd = 0; fd <= 1024; fd++)
		(void)!write(fd, &ev, sizeof ev);
	CHECK(close(s) == 0);
	return 0;
}

/* io_uring and Linux AIO would move data with no system call per operation: refused. */
static int mode_iouring(void)
{
	char params[120];
	unsigned long ctx = 0;

	memset(params, 0, sizeof params);
	CHECK(syscall(SYS_io_uring_setup, 8, params) == -1 && errno == ENOSYS);
	CHECK(syscall(SYS_io_setup, 8, &ctx) == -1 && errno == ENOSYS);
	return 0;
}

/* Forks N children that wait forever and exits at once, before the tracer may have seen
 * them start: they must end with it all the same. */
static int mode_spray(int n)
{
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();
		CHECK(pid >= 0);
		if (pid == 0)
			for (;;)
				pause();
	}
	return 0;
}

/*
 * Exits while its last child has not run yet, so that the tracer sees the exit before the
 * child's first stop. On one CPU: the program at SCHED_FIFO 2, a hog child spinning at
 * SCHED_FIFO 1, and the last child at SCHED_OTHER (SCHED_RESET_ON_FORK), which cannot run
 * while the hog spins. The hog ends when the tracer kills what the program left; only then
 * could the last child run. Exits 77 when it has fewer than 2 CPUs, or the system refuses
 * the affinity or SCHED_FIFO.
 */
static int mode_race(void)
{
	struct sched_param hi = { .sched_priority = 2 }, lo = { .sched_priority = 1 };
	cpu_set_t cpu0;
	int ready[2];
	char c;

	/* The first CPU it may use; the tracer needs another. */
	CHECK(sched_getaffinity(0, sizeof cpu0, &cpu0) == 0);
	int first = 0;
	while (first < CPU_SETSIZE && !CPU_ISSET(first, &cpu0))
		first++;
	if (CPU_COUNT(&cpu0) < 2)
		return 77;
	CPU_ZERO(&cpu0);
	CPU_SET(first, &cpu0);
	if (sched_setaffinity(0, sizeof cpu0, &cpu0) < 0 ||
	    sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &hi) < 0)
		return 77;
	CHECK(pipe(ready) == 0);
	pid_t hog = fork();
	CHECK(hog >= 0);
	if (hog == 0) {
		if (sched_setscheduler(0, SCHED_FIFO, &lo) < 0)
			_exit(77);
		CHECK(write(ready[1], "x", 1) == 1);
		for (;;)
			;
	}
	CHECK(close(ready[1]) == 0);
	if (read(ready[0], &c, 1) != 1)
		return 77;      /* the hog could not take SCHED_FIFO */
	pid_t last = fork();
	CHECK(last >= 0);
	if (last == 0)
		for (;;)
			pause();
	return 0;
}

/* Burns N ms of CPU (its own CPU clock), then exits 0. */
static int mode_burn(int ms)
{
	struct timespec ts;

	do
		CHECK(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) == 0);
	while (ts.tv_sec * 1000 + ts.tv_nsec / 1000000 < ms);
	return 0;
}

/*
 * Leaves a daemon behind: a child forks a grandchild and exits; the grandchild starts a
 * session of its own, says it is ready, and waits forever. The program prints
 * "orphan PID" and exits 0.
 */
static int mode_orphan(void)
{
	int ready[2];
	pid_t gc;

	CHECK(pipe(ready) == 0);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		gc = fork();
		CHECK(gc >= 0);
		if (gc == 0) {
			CHECK(setsid() > 0);
			gc = getpid();
			CHECK(write(ready[1], &gc, sizeof gc) == (ssize_t)sizeof gc);
			for (;;)
				pause();
		}
		_exit(0);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(read(ready[0], &gc, sizeof gc) == (ssize_t)sizeof gc);
	printf("orphan %d\n", (int)gc);
	return 0;
}

/* tid is asleep in system call nr (/proc/self/task/TID/syscall) with no signal pending
 * for it or its process. */
static int asleep_in(pid_t tid, long nr)
{
	char path[64], buf[2048], *p;
	long got = -1;
	int fd;
	ssize_t n;

	snprintf(path, sizeof path, "/proc/self/task/%d/syscall", (int)tid);
	fd = open(path, O_RDONLY);
	CHECK(fd >= 0);
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	CHECK(n > 0);
	buf[n] = '\0';
	if (sscanf(buf, "%ld", &got) != 1 || got != nr)
		return 0;
	snprintf(path, sizeof path, "/proc/self/task/%d/status", (int)tid);
	fd = open(path, O_RDONLY);
	CHECK(fd >= 0);
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	CHECK(n > 0);
	buf[n] = '\0';
	for (const char *f = "SigPnd:"; f; f = f[1] == 'i' ? "ShdPnd:" : NULL) {
		p = strstr(buf, f);
		CHECK(p != NULL);
		if (strtoull(p + 7, NULL, 16) != 0)
			return 0;
	}
	return 1;
}

static pid_t sig_main;
static int sig_no, sig_fd;
static volatile sig_atomic_t sig_caught;

static void on_signal(int sig)
{
	(void)sig;
	sig_caught = 1;
}

/* Once the main thread sleeps in recv(), a signal to it; once it has taken the signal and
 * sleeps in recv() again, the byte it waits for. */
static void *signaller(void *arg)
{
	(void)arg;
	while (!asleep_in(sig_main, SYS_recvfrom))
		sched_yield();
	CHECK(syscall(SYS_tgkill, getpid(), sig_main, sig_no) == 0);
	while (!asleep_in(sig_main, SYS_recvfrom))
		sched_yield();
	CHECK(send(sig_fd, "x", 1, 0) == 1);
	return NULL;
}

/*
 * A signal while recv() sleeps: ign, SIGCHLD with its default action (ignored); restart,
 * SIGUSR1 caught with SA_RESTART; intr, SIGUSR1 caught without it. The kernel restarts the
 * recv() for the first two, so the program sees one call; the third returns EINTR and the
 * program calls recv() again.
 */
static int mode_signal(const char *how)
{
	struct sigaction sa;
	pthread_t t;
	char buf[16];
	int c, s, intr = 0;
	ssize_t n;

	pair(&c, &s);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sa.sa_flags = strcmp(how, "restart") == 0 ? SA_RESTART : 0;
	sig_no = strcmp(how, "ign") == 0 ? SIGCHLD : SIGUSR1;
	if (sig_no == SIGUSR1)
		CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
	sig_main = gettid();
	sig_fd = c;
	CHECK(pthread_create(&t, NULL, signaller, NULL) == 0);
	while ((n = recv(s, buf, sizeof buf, 0)) < 0 && errno == EINTR)
		intr++;
	CHECK(n == 1);
	CHECK(intr == (strcmp(how, "intr") == 0));
	CHECK(sig_caught == (sig_no == SIGUSR1));
	CHECK(pthread_join(t, NULL) == 0);
	CHECK(close(c) == 0 && close(s) == 0);
	return 0;
}

/* A connected pair, "ready" on stdout, then a recv() that never returns. */
static int mode_block(void)
{
	char buf[16];
	int c, s;

	pair(&c, &s);
	printf("ready\n");
	fflush(stdout);
	(void)recv(s, buf, sizeof buf, 0);
	return 1;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	int n = argc > 2 ? atoi(argv[2]) : 0;
	int m = argc > 3 ? atoi(argv[3]) : 0;
	if (strcmp(mode, "echo") == 0)
		return mode_echo(argc > 2 && strcmp(argv[2], "raw") == 0);
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
	if (strcmp(mode, "fdopen") == 0)
		return mode_fdopen();
	if (strcmp(mode, "dup") == 0)
		return mode_dup(argc > 2 && strcmp(argv[2], "keep") == 0);
	if (strcmp(mode, "vecio") == 0)
		return mode_vecio();
	if (strcmp(mode, "dup2") == 0)
		return mode_dup2();
	if (strcmp(mode, "manyvec") == 0)
		return mode_manyvec();
	if (strcmp(mode, "closerange") == 0)
		return mode_closerange();
	if (strcmp(mode, "pairs") == 0)
		return mode_pairs(n);
	if (strcmp(mode, "threads") == 0)
		return mode_threads();
	if (strcmp(mode, "sleeps") == 0)
		return mode_sleeps();
	if (strcmp(mode, "forge") == 0)
		return mode_forge();
	if (strcmp(mode, "wakes") == 0)
		return mode_wakes(n, argc > 3 ? atoi(argv[3]) : 0);
	if (strcmp(mode, "idleruns") == 0)
		return mode_idleruns();
	if (strcmp(mode, "iouring") == 0)
		return mode_iouring();
	if (strcmp(mode, "spray") == 0)
		return mode_spray(n);
	if (strcmp(mode, "race") == 0)
		return mode_race();
	if (strcmp(mode, "burn") == 0)
		return mode_burn(n);
	if (strcmp(mode, "orphan") == 0)
		return mode_orphan();
	if (strcmp(mode, "signal") == 0 && argc > 2)
		return mode_signal(argv[2]);
	if (strcmp(mode, "block") == 0)
		return mode_block();
	fprintf(stderr, "usage: trace_prog echo [raw]|refused|closeall|files|sockopt|fork N M|"
	        "burst N|exit N|fdopen|dup [keep]|dup2|closerange|vecio|manyvec|pairs N|threads|forge|iouring|spray N|race|"
	        "burn MS|orphan|signal ign|restart|intr|block\n");
	return 2;
}
