/* summary: labs/include/winsock_compat.h: each Winsock name does what the POSIX call does, on real sockets. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Through the shim, as a student's '#include <winsock2.h>' reaches it. */
#include "labs/include/winsock2.h"

/* A listening TCP socket on 127.0.0.1 and its address, or the test is skipped saying why. */
static SOCKET listener(SOCKADDR_IN *addr)
{
	SOCKET s = socket(AF_INET, SOCK_STREAM, 0);
	socklen_t len = sizeof(*addr);

	cr_assert_neq(s, INVALID_SOCKET, "socket: %s", strerror(errno));
	ZeroMemory(addr, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s, (SOCKADDR *)addr, sizeof(*addr)) < 0 || listen(s, 4) < 0)
		cr_skip_test("no loopback to listen on here: %s", strerror(errno));
	cr_assert_eq(getsockname(s, (SOCKADDR *)addr, &len), 0);
	return s;
}

/* A connected pair over loopback: *client and *server. */
static void pair(SOCKET *client, SOCKET *server)
{
	SOCKADDR_IN addr;
	SOCKET l = listener(&addr);

	*client = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_neq(*client, INVALID_SOCKET);
	cr_assert_eq(connect(*client, (SOCKADDR *)&addr, sizeof(addr)), 0, "connect: %s",
	             strerror(errno));
	*server = accept(l, NULL, NULL);
	cr_assert_neq(*server, INVALID_SOCKET, "accept: %s", strerror(errno));
	close(l);
}

Test(winsock, the_socket_names_have_their_posix_values)
{
	SOCKADDR_IN in;
	struct sockaddr_in *posix = &in;

	cr_expect_eq(INVALID_SOCKET, -1);
	cr_expect_eq(SOCKET_ERROR, -1);
	cr_expect_eq(sizeof(SOCKET), sizeof(int));
	cr_expect_eq(SD_RECEIVE, SHUT_RD);
	cr_expect_eq(SD_SEND, SHUT_WR);
	cr_expect_eq(SD_BOTH, SHUT_RDWR);
	cr_expect_eq(sizeof(SOCKADDR), sizeof(struct sockaddr));
	cr_expect_eq(sizeof(SOCKADDR_STORAGE), sizeof(struct sockaddr_storage));
	cr_expect_eq(sizeof(WSAPOLLFD), sizeof(struct pollfd));
	cr_expect_eq(sizeof(LINGER), sizeof(struct linger));
	(void)posix;
}

Test(winsock, makeword_puts_the_major_version_in_the_low_byte)
{
	WORD w = MAKEWORD(2, 1);

	cr_expect_eq(w, 0x0102);
	cr_expect_eq(LOBYTE(w), 2);
	cr_expect_eq(HIBYTE(w), 1);
	cr_expect_eq(MAKEWORD(2, 2), 0x0202);
}

Test(winsock, wsastartup_succeeds_and_fills_the_version_asked)
{
	WSADATA wsa;

	memset(&wsa, 0xa5, sizeof(wsa));
	cr_expect_eq(WSAStartup(MAKEWORD(2, 2), &wsa), 0);
	cr_expect_eq(wsa.wVersion, MAKEWORD(2, 2));
	cr_expect_eq(wsa.wHighVersion, MAKEWORD(2, 2));
	cr_expect_neq(memchr(wsa.szDescription, '\0', sizeof(wsa.szDescription)), NULL);
	cr_expect_eq(WSACleanup(), 0);
}

Test(winsock, wsastartup_refuses_no_wsadata_with_wsaefault)
{
	cr_expect_eq(WSAStartup(MAKEWORD(2, 2), NULL), WSAEFAULT);
}

Test(winsock, zeromemory_clears_every_byte)
{
	unsigned char b[32];

	memset(b, 0xff, sizeof(b));
	ZeroMemory(b, sizeof(b));
	for (size_t i = 0; i < sizeof(b); i++)
		cr_expect_eq(b[i], 0, "byte %zu", i);
}

/* Winsock's codes as Microsoft's winsock2.h numbers them, next to their errno. */
struct code {
	int err, wsa, number;
	char name[24];
};

ParameterizedTestParameters(winsock, each_errno_reads_as_its_winsock_code)
{
	static struct code codes[] = {
		{ EINTR, WSAEINTR, 10004, "WSAEINTR" },
		{ EBADF, WSAEBADF, 10009, "WSAEBADF" },
		{ EACCES, WSAEACCES, 10013, "WSAEACCES" },
		{ EFAULT, WSAEFAULT, 10014, "WSAEFAULT" },
		{ EINVAL, WSAEINVAL, 10022, "WSAEINVAL" },
		{ EMFILE, WSAEMFILE, 10024, "WSAEMFILE" },
		{ EWOULDBLOCK, WSAEWOULDBLOCK, 10035, "WSAEWOULDBLOCK" },
		{ EAGAIN, WSAEWOULDBLOCK, 10035, "WSAEWOULDBLOCK" },
		/* Windows' non-blocking connect() says WSAEWOULDBLOCK where Linux says EINPROGRESS. */
		{ EINPROGRESS, WSAEWOULDBLOCK, 10035, "WSAEWOULDBLOCK" },
		{ EALREADY, WSAEALREADY, 10037, "WSAEALREADY" },
		{ ENOTSOCK, WSAENOTSOCK, 10038, "WSAENOTSOCK" },
		{ EMSGSIZE, WSAEMSGSIZE, 10040, "WSAEMSGSIZE" },
		{ ENOPROTOOPT, WSAENOPROTOOPT, 10042, "WSAENOPROTOOPT" },
		{ EOPNOTSUPP, WSAEOPNOTSUPP, 10045, "WSAEOPNOTSUPP" },
		{ EAFNOSUPPORT, WSAEAFNOSUPPORT, 10047, "WSAEAFNOSUPPORT" },
		{ EADDRINUSE, WSAEADDRINUSE, 10048, "WSAEADDRINUSE" },
		{ EADDRNOTAVAIL, WSAEADDRNOTAVAIL, 10049, "WSAEADDRNOTAVAIL" },
		{ ENETDOWN, WSAENETDOWN, 10050, "WSAENETDOWN" },
		{ ENETUNREACH, WSAENETUNREACH, 10051, "WSAENETUNREACH" },
		{ ENETRESET, WSAENETRESET, 10052, "WSAENETRESET" },
		{ ECONNABORTED, WSAECONNABORTED, 10053, "WSAECONNABORTED" },
		{ ECONNRESET, WSAECONNRESET, 10054, "WSAECONNRESET" },
		{ ENOBUFS, WSAENOBUFS, 10055, "WSAENOBUFS" },
		{ EISCONN, WSAEISCONN, 10056, "WSAEISCONN" },
		{ ENOTCONN, WSAENOTCONN, 10057, "WSAENOTCONN" },
		{ ESHUTDOWN, WSAESHUTDOWN, 10058, "WSAESHUTDOWN" },
		{ ETIMEDOUT, WSAETIMEDOUT, 10060, "WSAETIMEDOUT" },
		{ ECONNREFUSED, WSAECONNREFUSED, 10061, "WSAECONNREFUSED" },
		{ EHOSTDOWN, WSAEHOSTDOWN, 10064, "WSAEHOSTDOWN" },
		{ EHOSTUNREACH, WSAEHOSTUNREACH, 10065, "WSAEHOSTUNREACH" },
		/* Linux's own: no Winsock twin; what Windows reports for that send. */
		{ EPIPE, WSAECONNRESET, 10054, "WSAECONNRESET" },
	};

	return cr_make_param_array(struct code, codes, sizeof(codes) / sizeof(codes[0]));
}

ParameterizedTest(struct code *c, winsock, each_errno_reads_as_its_winsock_code)
{
	cr_expect_eq(c->wsa, c->number, "%s is %d, Windows says %d", c->name, c->wsa, c->number);
	errno = c->err;
	cr_expect_eq(WSAGetLastError(), c->number, "errno %d (%s): WSAGetLastError() = %d, want %s",
	             c->err, strerror(c->err), WSAGetLastError(), c->name);
}

Test(winsock, an_errno_without_a_winsock_twin_comes_back_unchanged)
{
	errno = ENOENT;
	cr_expect_eq(WSAGetLastError(), ENOENT);
	errno = 0;
	cr_expect_eq(WSAGetLastError(), 0);
}

Test(winsock, wsasetlasterror_sets_the_errno_of_the_code)
{
	WSASetLastError(WSAECONNRESET);
	cr_expect_eq(errno, ECONNRESET);
	WSASetLastError(WSAEWOULDBLOCK);
	cr_expect(errno == EWOULDBLOCK || errno == EAGAIN);
	cr_expect_eq(WSAGetLastError(), WSAEWOULDBLOCK);
	WSASetLastError(WSAEINPROGRESS);
	cr_expect_eq(errno, EINPROGRESS);
	WSASetLastError(0);
	cr_expect_eq(errno, 0);
}

/* A port bound but not listening answers a SYN with RST: connect() is refused, at once. */
Test(winsock, a_refused_connect_reads_as_wsaeconnrefused, .timeout = 10)
{
	SOCKADDR_IN addr;
	socklen_t len = sizeof(addr);
	SOCKET closed = socket(AF_INET, SOCK_STREAM, 0), s = socket(AF_INET, SOCK_STREAM, 0);

	cr_assert(closed != INVALID_SOCKET && s != INVALID_SOCKET);
	ZeroMemory(&addr, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(closed, (SOCKADDR *)&addr, sizeof(addr)) < 0)
		cr_skip_test("no loopback to bind here: %s", strerror(errno));
	cr_assert_eq(getsockname(closed, (SOCKADDR *)&addr, &len), 0);
	cr_assert_eq(connect(s, (SOCKADDR *)&addr, sizeof(addr)), SOCKET_ERROR);
	cr_expect_eq(WSAGetLastError(), WSAECONNREFUSED, "connect: %s -> %d", strerror(errno),
	             WSAGetLastError());
	cr_expect_eq(WSAGetLastError(), 10061);
	closesocket(s);
	closesocket(closed);
}

Test(winsock, ioctlsocket_fionbio_makes_an_empty_recv_fail_with_wsaewouldblock, .timeout = 10)
{
	SOCKET c, s;
	u_long on = 1, off = 0;
	char b[8];

	pair(&c, &s);
	cr_assert_eq(fcntl(s, F_GETFL) & O_NONBLOCK, 0);
	cr_assert_eq(ioctlsocket(s, FIONBIO, &on), 0);
	cr_expect_neq(fcntl(s, F_GETFL) & O_NONBLOCK, 0);
	cr_expect_eq(recv(s, b, sizeof(b), 0), SOCKET_ERROR);
	cr_expect_eq(WSAGetLastError(), WSAEWOULDBLOCK, "recv: %s -> %d", strerror(errno),
	             WSAGetLastError());
	cr_expect_eq(WSAGetLastError(), 10035);
	cr_assert_eq(ioctlsocket(s, FIONBIO, &off), 0);
	cr_expect_eq(fcntl(s, F_GETFL) & O_NONBLOCK, 0, "FIONBIO 0 leaves O_NONBLOCK set");
	closesocket(c);
	closesocket(s);
}

/* Windows' non-blocking connect() fails with WSAEWOULDBLOCK; Linux's with EINPROGRESS. */
Test(winsock, a_nonblocking_connect_under_way_reads_as_wsaewouldblock, .timeout = 10)
{
	SOCKADDR_IN addr;
	SOCKET l = listener(&addr), s = socket(AF_INET, SOCK_STREAM, 0);
	u_long on = 1;
	int r;

	cr_assert_eq(ioctlsocket(s, FIONBIO, &on), 0);
	r = connect(s, (SOCKADDR *)&addr, sizeof(addr));
	if (r == 0)
		cr_skip_test("loopback connected at once: nothing was under way to report");
	cr_expect_eq(errno, EINPROGRESS, "connect: %s", strerror(errno));
	cr_expect_eq(WSAGetLastError(), WSAEWOULDBLOCK);
	closesocket(s);
	closesocket(l);
}

Test(winsock, ioctlsocket_fionread_counts_the_bytes_waiting, .timeout = 10)
{
	SOCKET c, s;
	u_long n = 0;
	struct pollfd p;

	pair(&c, &s);
	cr_assert_eq(send(c, "hello", 5, 0), 5);
	p = (struct pollfd){ .fd = s, .events = POLLIN };
	cr_assert_eq(poll(&p, 1, 5000), 1);
	cr_expect_eq(ioctlsocket(s, FIONREAD, &n), 0);
	cr_expect_eq(n, 5);
	closesocket(c);
	closesocket(s);
}

Test(winsock, ioctlsocket_refuses_other_commands_and_no_argument)
{
	SOCKET s = socket(AF_INET, SOCK_STREAM, 0);
	u_long v = 1;

	cr_assert_neq(s, INVALID_SOCKET);
	cr_expect_eq(ioctlsocket(s, FIOASYNC, &v), SOCKET_ERROR);
	cr_expect_eq(WSAGetLastError(), WSAEINVAL);
	cr_expect_eq(ioctlsocket(s, FIONBIO, NULL), SOCKET_ERROR);
	cr_expect_eq(WSAGetLastError(), WSAEFAULT);
	closesocket(s);
}

/* closesocket() is close(): the descriptor is gone and the peer reads the FIN. */
Test(winsock, closesocket_closes_the_descriptor_and_sends_a_fin, .timeout = 10)
{
	SOCKET c, s;
	char b[8];

	pair(&c, &s);
	cr_assert_eq(closesocket(c), 0);
	cr_expect_eq(fcntl(c, F_GETFD), -1);
	cr_expect_eq(WSAGetLastError(), WSAEBADF);
	cr_expect_eq(recv(s, b, sizeof(b), 0), 0, "the peer did not read an end of stream");
	cr_expect_eq(closesocket(c), SOCKET_ERROR);
	closesocket(s);
}

/* Windows ignores select()'s first argument, and Winsock programs often pass 0. */
Test(winsock, select_watches_the_sets_whatever_its_first_argument, .timeout = 10)
{
	SOCKET c, s;
	fd_set rd;
	TIMEVAL tv = { 5, 0 };

	pair(&c, &s);
	cr_assert_eq(send(c, "x", 1, 0), 1);
	FD_ZERO(&rd);
	FD_SET(s, &rd);
	cr_expect_eq(select(0, &rd, NULL, NULL, &tv), 1);
	cr_expect(FD_ISSET(s, &rd));
	closesocket(c);
	closesocket(s);
}

Test(winsock, wsapoll_is_poll, .timeout = 10)
{
	SOCKET c, s;
	WSAPOLLFD p = { .fd = 0 };

	pair(&c, &s);
	cr_assert_eq(send(c, "x", 1, 0), 1);
	p.fd = s;
	p.events = POLLRDNORM;
	cr_expect_eq(WSAPoll(&p, 1, 5000), 1);
	cr_expect_neq(p.revents & POLLRDNORM, 0);
	closesocket(c);
	closesocket(s);
}

/* Winsock declares these lengths int *; C would only warn, C++ would refuse. */
Test(winsock, the_address_calls_take_an_int_length, .timeout = 10)
{
	SOCKADDR_IN addr, peer;
	SOCKET l = listener(&addr), c = socket(AF_INET, SOCK_STREAM, 0), s;
	int len = sizeof(peer), v = -1, vlen = sizeof(v);

	cr_assert_eq(connect(c, (SOCKADDR *)&addr, sizeof(addr)), 0);
	s = accept(l, (SOCKADDR *)&peer, &len);
	cr_assert_neq(s, INVALID_SOCKET);
	cr_expect_eq(len, (int)sizeof(peer));
	cr_expect_eq(peer.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
	len = sizeof(peer);
	cr_expect_eq(getpeername(s, (SOCKADDR *)&peer, &len), 0);
	cr_expect_eq(getsockname(s, (SOCKADDR *)&peer, &len), 0);
	cr_expect_eq(peer.sin_port, addr.sin_port);
	cr_expect_eq(getsockopt(s, SOL_SOCKET, SO_ERROR, (char *)&v, &vlen), 0);
	cr_expect_eq(v, 0);
	cr_expect_eq(vlen, (int)sizeof(v));
	closesocket(c);
	closesocket(s);
	closesocket(l);
}

/* Milliseconds on the monotonic clock. */
static long long now_ms(void)
{
	struct timespec t;

	cr_assert_eq(clock_gettime(CLOCK_MONOTONIC, &t), 0);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* A recv() on s with nothing coming: how long it blocked, in ms; its result in *r. */
static long long blocked_recv_ms(SOCKET s, int *r)
{
	char b[8];
	long long t0 = now_ms();

	*r = (int)recv(s, b, sizeof(b), 0);
	return now_ms() - t0;
}

/* The kernel keeps a timeout in clock ticks and reads it back as a timeval of whole ticks:
 * where a tick is 1/300 s, 200 ms reads {0, 199999}. The values below are whole ticks at
 * 100, 250, 300 and 1000 Hz, so each reads back within a few microseconds. */
static bool tv_near(struct timeval tv, long sec, long usec)
{
	long long d = ((long long)tv.tv_sec - sec) * 1000000 + (tv.tv_usec - usec);

	return d >= -10 && d <= 10;
}

/*
 * Winsock's receive timeout is a DWORD of milliseconds; Linux's a struct timeval, and it
 * refuses 4 bytes with EINVAL. Through the header the Windows habit works: the recv()
 * gives up after the time asked, not before, and not never. (Windows' WSAGetLastError()
 * says WSAETIMEDOUT there; here it is WSAEWOULDBLOCK, as winsock_compat.h says why.)
 */
Test(winsock, a_dword_rcvtimeo_in_milliseconds_times_out_a_blocking_recv, .timeout = 20)
{
	SOCKET c, s;
	DWORD timeout = 200;
	long long ms;
	int r, e;

	pair(&c, &s);
	cr_assert_eq(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, (const char *)&timeout,
	                        sizeof(timeout)), 0,
	             "a DWORD SO_RCVTIMEO was refused: %s (WSAGetLastError() %d)", strerror(errno),
	             WSAGetLastError());
	ms = blocked_recv_ms(s, &r);
	e = WSAGetLastError();
	cr_expect_eq(r, SOCKET_ERROR, "recv() returned %d with nothing sent", r);
	cr_expect_eq(e, WSAEWOULDBLOCK, "recv: %s -> %d", strerror(errno), e);
	cr_expect(e == WSAETIMEDOUT || e == WSAEWOULDBLOCK, "the guide's test for a timeout fails");
	cr_expect_geq(ms, 200, "recv() gave up after %lld ms, before the 200 ms asked", ms);
	cr_expect_lt(ms, 5000, "recv() took %lld ms to time out after 200 ms", ms);
	closesocket(c);
	closesocket(s);
}

/* SO_SNDTIMEO is the same DWORD on Windows: it reaches the kernel as the same timeval. */
Test(winsock, a_dword_timeout_reaches_the_kernel_as_its_timeval, .timeout = 10)
{
	SOCKET s = socket(AF_INET, SOCK_STREAM, 0);
	DWORD rcv = 200, snd = 1500, never = 0;
	struct timeval tv;
	socklen_t len = sizeof(tv);

	cr_assert_neq(s, INVALID_SOCKET);
	cr_assert_eq(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, (const char *)&rcv, sizeof(rcv)), 0);
	cr_assert_eq(setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, (const char *)&snd, sizeof(snd)), 0);
	cr_assert_eq(getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, &len), 0);
	cr_expect_eq(len, sizeof(tv));
	cr_expect(tv_near(tv, 0, 200000), "SO_RCVTIMEO is {%ld, %ld}",
	          (long)tv.tv_sec, (long)tv.tv_usec);
	cr_assert_eq(getsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, &len), 0);
	cr_expect(tv_near(tv, 1, 500000),
	          "SO_SNDTIMEO is {%ld, %ld}", (long)tv.tv_sec, (long)tv.tv_usec);
	/* 0 is "never time out" on both systems. */
	cr_assert_eq(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, (const char *)&never, sizeof(never)), 0);
	cr_assert_eq(getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, &len), 0);
	cr_expect(tv.tv_sec == 0 && tv.tv_usec == 0, "SO_RCVTIMEO 0 is {%ld, %ld}",
	          (long)tv.tv_sec, (long)tv.tv_usec);
	closesocket(s);
}

/* getsockopt() with a DWORD reads the milliseconds back, as Winsock's does. */
Test(winsock, getsockopt_reads_a_timeout_back_in_milliseconds_into_a_dword, .timeout = 10)
{
	SOCKET s = socket(AF_INET, SOCK_STREAM, 0);
	DWORD rcv = 200, snd = 1500, v = 0xdeadbeef;
	int len = sizeof(v);
	struct timeval tv = { 2, 500000 };

	cr_assert_neq(s, INVALID_SOCKET);
	cr_assert_eq(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, (const char *)&rcv, sizeof(rcv)), 0);
	cr_assert_eq(setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, (const char *)&snd, sizeof(snd)), 0);
	cr_assert_eq(getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, (char *)&v, &len), 0,
	             "getsockopt: %s", strerror(errno));
	cr_expect_eq(v, 200);
	cr_expect_eq(len, (int)sizeof(DWORD));
	v = 0xdeadbeef;
	cr_assert_eq(getsockopt(s, SOL_SOCKET, SO_SNDTIMEO, (char *)&v, &len), 0);
	cr_expect_eq(v, 1500);
	/* Set the POSIX way, read the Winsock way. */
	cr_assert_eq(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	cr_assert_eq(getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, (char *)&v, &len), 0);
	cr_expect_eq(v, 2500);
	closesocket(s);
}

/* A POSIX caller of the header sees POSIX: its timeval in, its timeval out, its EAGAIN. */
Test(winsock, a_struct_timeval_timeout_passes_through_unchanged, .timeout = 20)
{
	SOCKET c, s;
	struct timeval tv = { 0, 300000 }, back = { 9, 9 };
	socklen_t len = sizeof(back);
	long long ms;
	int r;

	pair(&c, &s);
	cr_assert_eq(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0, "setsockopt: %s",
	             strerror(errno));
	cr_assert_eq(getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &back, &len), 0);
	cr_expect_eq(len, sizeof(back));
	cr_expect(tv_near(back, 0, 300000), "read back {%ld, %ld}",
	          (long)back.tv_sec, (long)back.tv_usec);
	ms = blocked_recv_ms(s, &r);
	cr_expect_eq(r, -1);
	cr_expect(errno == EAGAIN || errno == EWOULDBLOCK, "recv: %s", strerror(errno));
	cr_expect_geq(ms, 300, "recv() gave up after %lld ms, before the 300 ms asked", ms);
	cr_expect_lt(ms, 5000, "recv() took %lld ms to time out after 300 ms", ms);
	/* Any other 4-byte option is an int, untouched. */
	r = 4096;
	cr_assert_eq(setsockopt(s, SOL_SOCKET, SO_RCVBUF, (const char *)&r, sizeof(r)), 0);
	r = 0;
	len = sizeof(r);
	cr_assert_eq(getsockopt(s, SOL_SOCKET, SO_RCVBUF, &r, &len), 0);
	cr_expect_eq(r, 8192, "SO_RCVBUF 4096 reads back %d (Linux doubles it)", r);
	closesocket(c);
	closesocket(s);
}

/*
 * The C++ side: tests/data/winsock/every_name.cpp, every name used as a Winsock C++
 * program would, compiled as the grader compiles C++ (engine/grade.c's cxxflags, and its
 * include path) with -Werror: a warning the header causes would be the student's to read.
 */
Test(winsock, the_headers_build_as_cxx17_with_the_graders_flags_and_no_warning,
     .timeout = 120)
{
	const char *root = getenv("TCPLAB_ROOT") && *getenv("TCPLAB_ROOT") ?
	                   getenv("TCPLAB_ROOT") : ".";
	const char *cxx = getenv("CXX") && *getenv("CXX") ? getenv("CXX") : "g++";
	char inc[600], src[600];
	int st;
	pid_t pid;

	snprintf(inc, sizeof(inc), "-I%s/labs/include", root);
	snprintf(src, sizeof(src), "%s/tests/data/winsock/every_name.cpp", root);
	if (access(src, R_OK) < 0)
		cr_assert_fail("cannot read '%s': %s (set TCPLAB_ROOT)", src, strerror(errno));
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		execlp(cxx, cxx, "-std=c++17", "-D_GNU_SOURCE", "-O2", "-Wall", "-Wextra",
		       "-Wshadow", "-Wformat=2", "-Wwrite-strings", "-Werror", inc, "-fsyntax-only",
		       src, (char *)NULL);
		_exit(127);
	}
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
		cr_skip_test("no C++ compiler '%s' to run here", cxx);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	          "%s did not build every_name.cpp cleanly (its errors are above)", cxx);
}
