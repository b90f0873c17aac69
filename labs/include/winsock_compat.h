/* summary: the Winsock names a student learned on Windows, mapped onto Linux's sockets. */
#ifndef TCPLAB_WINSOCK_COMPAT_H
#define TCPLAB_WINSOCK_COMPAT_H

/*
 * For students who learned sockets with Winsock: `#include "winsock_compat.h"` (or
 * <winsock2.h>, <ws2tcpip.h>, <winsock.h>, which include this) and the Winsock spellings
 * build on Linux, in C11 and C++17, with the grader's warning flags. docs/winsock.md is the
 * guide: every name here next to its POSIX twin, and what differs on the wire.
 *
 * The contract:
 *  - Every mapping is a thin rename or a few lines over the POSIX call, never a second
 *    implementation: closesocket() IS close(), ioctlsocket(FIONBIO) IS fcntl(O_NONBLOCK).
 *    Each makes the real system call, so tcplab's tracer (which watches system calls from
 *    outside the program) sees exactly what the POSIX spelling would have made.
 *  - WSAStartup() and WSACleanup() do nothing and succeed: Linux needs no start-up.
 *  - WSAGetLastError() reads errno and gives the Winsock code for it (ECONNRESET ->
 *    WSAECONNRESET 10054). An errno with no Winsock twin comes back unchanged: a number
 *    below 10000 is a Linux errno, and strerror() names it. EPIPE (a send on a connection
 *    the peer reset) has no twin and is given as WSAECONNRESET, what Windows says there;
 *    EINPROGRESS (a non-blocking connect() under way) is WSAEWOULDBLOCK, as on Windows.
 *  - select() ignores its first argument, as Windows' does: many Winsock programs pass 0,
 *    which on Linux would watch no socket at all. Linux is asked for FD_SETSIZE instead.
 *  - setsockopt() and getsockopt() take SO_RCVTIMEO and SO_SNDTIMEO as Winsock does, a
 *    4-byte DWORD of milliseconds, and give Linux the struct timeval it takes (Linux
 *    refuses 4 bytes with EINVAL). Still one setsockopt() or getsockopt() system call; a
 *    struct timeval and every other option pass through untouched. A blocking recv() whose
 *    timeout runs out fails with EAGAIN here, which WSAGetLastError() gives as
 *    WSAEWOULDBLOCK; Windows says WSAETIMEDOUT. Not mapped, on purpose: telling a timeout
 *    from a non-blocking socket's EAGAIN would take wrapping recv(), recvfrom(), send() and
 *    sendto() in macros (names C++ classes give their own methods, which the macro would
 *    break) and an fcntl() after each failure that the POSIX spelling never makes. Test
 *    for both, `e == WSAETIMEDOUT || e == WSAEWOULDBLOCK`: right on both systems, since a
 *    blocking Windows socket never says WSAEWOULDBLOCK.
 *  - accept(), getsockopt(), recvfrom(), getsockname() and getpeername() take an `int *`
 *    length, as Winsock declares them (Linux wants socklen_t *, which C++ refuses to
 *    convert to). The other calls need nothing: Linux's `const void *` optval takes
 *    Winsock's `(char *)&value`, and recv()/send() return what fits an int.
 *  - `#pragma comment(lib, "ws2_32.lib")` still draws gcc's "ignoring '#pragma comment'"
 *    warning: there is no library to link here, and silencing it would silence every other
 *    unknown pragma of the file too (g++ 12 would not obey anyway). Wrap the line in
 *    `#ifdef _MSC_VER` to keep one file for both systems.
 *  - Not here, on purpose: Windows' fd_set layout (fd_count, fd_array[]; use FD_ISSET),
 *    WSAAsyncSelect, overlapped I/O, WSAIoctl (SIO_KEEPALIVE_VALS is TCP_KEEPIDLE,
 *    TCP_KEEPINTVL and TCP_KEEPCNT here), <windows.h> and its Sleep() and threads.
 * This header includes the POSIX headers that declare what it maps; include it before any
 * other socket header of yours, or after: both work.
 */

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

/* Windows' integer types, as far as socket code uses them. */
typedef unsigned char BYTE;
typedef unsigned short WORD;
typedef unsigned int DWORD;             /* 32 bits on Windows, whatever long is */
typedef int BOOL;
typedef unsigned char u_char;
typedef unsigned short u_short;
typedef unsigned int u_int;
typedef unsigned long u_long;
#ifndef TRUE
#define TRUE 1
#endif
#ifndef FALSE
#define FALSE 0
#endif

/* A socket is a file descriptor here: an int, -1 when there is none. (On Windows it is an
 * unsigned handle, and INVALID_SOCKET is ~0; compare with INVALID_SOCKET, never < 0.) */
typedef int SOCKET;
#define INVALID_SOCKET (-1)
#define SOCKET_ERROR (-1)

typedef struct sockaddr SOCKADDR, *PSOCKADDR, *LPSOCKADDR;
typedef struct sockaddr_in SOCKADDR_IN, *PSOCKADDR_IN, *LPSOCKADDR_IN;
typedef struct sockaddr_in6 SOCKADDR_IN6, *PSOCKADDR_IN6, *LPSOCKADDR_IN6;
typedef struct sockaddr_storage SOCKADDR_STORAGE, *PSOCKADDR_STORAGE;
typedef struct in_addr IN_ADDR, *PIN_ADDR;
typedef struct in6_addr IN6_ADDR, *PIN6_ADDR;
typedef struct hostent HOSTENT, *PHOSTENT, *LPHOSTENT;
typedef struct addrinfo ADDRINFOA, *PADDRINFOA, ADDRINFO, *LPADDRINFO;
typedef struct linger LINGER, *PLINGER;
typedef struct timeval TIMEVAL, *PTIMEVAL;
typedef struct pollfd WSAPOLLFD, *PWSAPOLLFD, *LPWSAPOLLFD;

/* shutdown()'s how: the same values as SHUT_RD, SHUT_WR, SHUT_RDWR. */
#define SD_RECEIVE SHUT_RD
#define SD_SEND SHUT_WR
#define SD_BOTH SHUT_RDWR

#define MAKEWORD(lo, hi) ((WORD)(((BYTE)(lo)) | ((WORD)((BYTE)(hi))) << 8))
#define LOBYTE(w) ((BYTE)((w) & 0xff))
#define HIBYTE(w) ((BYTE)(((w) >> 8) & 0xff))

#define ZeroMemory(p, n) ((void)memset((p), 0, (n)))
#define CopyMemory(d, s, n) ((void)memcpy((d), (s), (n)))

#define InetPtonA inet_pton
#define InetNtopA inet_ntop
#define InetPton inet_pton
#define InetNtop inet_ntop

/* Winsock's error codes (winsock2.h's values: WSABASEERR + the BSD errno). */
#define WSABASEERR 10000
#define WSAEINTR 10004
#define WSAEBADF 10009
#define WSAEACCES 10013
#define WSAEFAULT 10014
#define WSAEINVAL 10022
#define WSAEMFILE 10024
#define WSAEWOULDBLOCK 10035
#define WSAEINPROGRESS 10036
#define WSAEALREADY 10037
#define WSAENOTSOCK 10038
#define WSAEDESTADDRREQ 10039
#define WSAEMSGSIZE 10040
#define WSAEPROTOTYPE 10041
#define WSAENOPROTOOPT 10042
#define WSAEPROTONOSUPPORT 10043
#define WSAESOCKTNOSUPPORT 10044
#define WSAEOPNOTSUPP 10045
#define WSAEPFNOSUPPORT 10046
#define WSAEAFNOSUPPORT 10047
#define WSAEADDRINUSE 10048
#define WSAEADDRNOTAVAIL 10049
#define WSAENETDOWN 10050
#define WSAENETUNREACH 10051
#define WSAENETRESET 10052
#define WSAECONNABORTED 10053
#define WSAECONNRESET 10054
#define WSAENOBUFS 10055
#define WSAEISCONN 10056
#define WSAENOTCONN 10057
#define WSAESHUTDOWN 10058
#define WSAETOOMANYREFS 10059
#define WSAETIMEDOUT 10060
#define WSAECONNREFUSED 10061
#define WSAELOOP 10062
#define WSAENAMETOOLONG 10063
#define WSAEHOSTDOWN 10064
#define WSAEHOSTUNREACH 10065
#define WSAENOTEMPTY 10066
#define WSAEUSERS 10068
#define WSAEDQUOT 10069
#define WSAESTALE 10070
#define WSAEREMOTE 10071
#define WSASYSNOTREADY 10091
#define WSAVERNOTSUPPORTED 10092
#define WSANOTINITIALISED 10093
#define WSAEDISCON 10101

/* errno and its Winsock code, one row each; the first row with a code is its errno. */
static const struct winsock_errno_row {
	int err, wsa;
} winsock_errno_rows[] = {
	{ EINTR, WSAEINTR }, { EBADF, WSAEBADF }, { EACCES, WSAEACCES },
	{ EFAULT, WSAEFAULT }, { EINVAL, WSAEINVAL }, { EMFILE, WSAEMFILE },
	{ EWOULDBLOCK, WSAEWOULDBLOCK }, { EAGAIN, WSAEWOULDBLOCK },
	/* A non-blocking connect() under way: Linux says EINPROGRESS, Windows WSAEWOULDBLOCK
	 * (its WSAEINPROGRESS means a blocking Winsock 1.1 call, something else). The second
	 * row only turns WSAEINPROGRESS back into EINPROGRESS. */
	{ EINPROGRESS, WSAEWOULDBLOCK }, { EINPROGRESS, WSAEINPROGRESS },
	{ EALREADY, WSAEALREADY },
	{ ENOTSOCK, WSAENOTSOCK }, { EDESTADDRREQ, WSAEDESTADDRREQ },
	{ EMSGSIZE, WSAEMSGSIZE }, { EPROTOTYPE, WSAEPROTOTYPE },
	{ ENOPROTOOPT, WSAENOPROTOOPT }, { EPROTONOSUPPORT, WSAEPROTONOSUPPORT },
	{ ESOCKTNOSUPPORT, WSAESOCKTNOSUPPORT }, { EOPNOTSUPP, WSAEOPNOTSUPP },
	{ EPFNOSUPPORT, WSAEPFNOSUPPORT }, { EAFNOSUPPORT, WSAEAFNOSUPPORT },
	{ EADDRINUSE, WSAEADDRINUSE }, { EADDRNOTAVAIL, WSAEADDRNOTAVAIL },
	{ ENETDOWN, WSAENETDOWN }, { ENETUNREACH, WSAENETUNREACH },
	{ ENETRESET, WSAENETRESET }, { ECONNABORTED, WSAECONNABORTED },
	{ ECONNRESET, WSAECONNRESET }, { ENOBUFS, WSAENOBUFS }, { EISCONN, WSAEISCONN },
	{ ENOTCONN, WSAENOTCONN }, { ESHUTDOWN, WSAESHUTDOWN },
	{ ETOOMANYREFS, WSAETOOMANYREFS }, { ETIMEDOUT, WSAETIMEDOUT },
	{ ECONNREFUSED, WSAECONNREFUSED }, { ELOOP, WSAELOOP },
	{ ENAMETOOLONG, WSAENAMETOOLONG }, { EHOSTDOWN, WSAEHOSTDOWN },
	{ EHOSTUNREACH, WSAEHOSTUNREACH }, { ENOTEMPTY, WSAENOTEMPTY },
	{ EUSERS, WSAEUSERS }, { EDQUOT, WSAEDQUOT }, { ESTALE, WSAESTALE },
	{ EREMOTE, WSAEREMOTE },
	/* Linux's own: a send on a connection the peer reset (after the first ECONNRESET). */
	{ EPIPE, WSAECONNRESET },
};

/* The Winsock code for errno value err; err itself when it has none; 0 for 0. */
static inline int winsock_from_errno(int err)
{
	for (size_t i = 0; i < sizeof(winsock_errno_rows) / sizeof(winsock_errno_rows[0]); i++)
		if (winsock_errno_rows[i].err == err)
			return winsock_errno_rows[i].wsa;
	return err;
}

/* The errno value for Winsock code wsa; wsa itself when it has none. */
static inline int winsock_to_errno(int wsa)
{
	for (size_t i = 0; i < sizeof(winsock_errno_rows) / sizeof(winsock_errno_rows[0]); i++)
		if (winsock_errno_rows[i].wsa == wsa)
			return winsock_errno_rows[i].err;
	return wsa;
}

static inline int WSAGetLastError(void)
{
	return winsock_from_errno(errno);
}

static inline void WSASetLastError(int wsa)
{
	errno = winsock_to_errno(wsa);
}

#define WSADESCRIPTION_LEN 256
#define WSASYS_STATUS_LEN 128

typedef struct WSAData {
	WORD wVersion;
	WORD wHighVersion;
	char szDescription[WSADESCRIPTION_LEN + 1];
	char szSystemStatus[WSASYS_STATUS_LEN + 1];
	unsigned short iMaxSockets;
	unsigned short iMaxUdpDg;
	char *lpVendorInfo;
} WSADATA, *LPWSADATA;

/* Nothing to start on Linux: fills *data as Windows would for the version asked, and
 * succeeds. (Windows refuses a NULL data with WSAEFAULT; so does this.) */
static inline int WSAStartup(WORD version, LPWSADATA data)
{
	if (!data)
		return WSAEFAULT;
	memset(data, 0, sizeof(*data));
	data->wVersion = version;
	data->wHighVersion = MAKEWORD(2, 2);
	memcpy(data->szDescription, "tcplab winsock_compat.h", sizeof("tcplab winsock_compat.h"));
	memcpy(data->szSystemStatus, "Running", sizeof("Running"));
	return 0;
}

static inline int WSACleanup(void)
{
	return 0;
}

/* close(): the FIN (or the RST, with unread data or SO_LINGER {1, 0}) is the kernel's,
 * exactly as after close(). */
static inline int closesocket(SOCKET s)
{
	return close(s);
}

/* FIONBIO: non-blocking on (*argp != 0) or off, through fcntl(O_NONBLOCK). FIONREAD: the
 * bytes waiting to be read. Anything else fails with EINVAL (WSAEINVAL). */
static inline int ioctlsocket(SOCKET s, long cmd, u_long *argp)
{
	int flags, n;

	if (!argp) {
		errno = EFAULT;
		return SOCKET_ERROR;
	}
	if (cmd == (long)FIONBIO) {
		flags = fcntl(s, F_GETFL);
		if (flags < 0)
			return SOCKET_ERROR;
		flags = *argp ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
		return fcntl(s, F_SETFL, flags) < 0 ? SOCKET_ERROR : 0;
	}
	if (cmd == (long)FIONREAD) {
		if (ioctl(s, FIONREAD, &n) < 0)
			return SOCKET_ERROR;
		*argp = (u_long)n;
		return 0;
	}
	errno = EINVAL;
	return SOCKET_ERROR;
}

static inline int WSAPoll(WSAPOLLFD *fds, u_long nfds, int timeout_ms)
{
	return poll(fds, (nfds_t)nfds, timeout_ms);
}

/* select()'s first argument, which Windows ignores: evaluated, then ignored here too. */
static inline int winsock_select_nfds(int ignored)
{
	(void)ignored;
	return FD_SETSIZE;
}
#define select(nfds, r, w, e, t) select(winsock_select_nfds(nfds), (r), (w), (e), (t))

/* SO_RCVTIMEO or SO_SNDTIMEO given as Winsock gives it: a DWORD of milliseconds, 4 bytes,
 * which Linux would refuse with EINVAL (it takes a struct timeval, 16 bytes, and no
 * timeval is 4). A NULL value is left for the kernel to refuse. */
static inline int winsock_is_dword_timeout(int level, int name, const void *val,
                                           socklen_t len)
{
	return level == SOL_SOCKET && (name == SO_RCVTIMEO || name == SO_SNDTIMEO) && val &&
	       len == sizeof(DWORD);
}

/* setsockopt(), with a Winsock DWORD timeout turned into the struct timeval Linux takes
 * (0 is "never" on both); the one setsockopt() the kernel sees, and the tracer with it,
 * carries that timeval. Every other option passes through untouched. */
static inline int winsock_setsockopt(SOCKET s, int level, int name, const void *val,
                                     socklen_t len)
{
	struct timeval tv;
	DWORD ms;

	if (!winsock_is_dword_timeout(level, name, val, len))
		return setsockopt(s, level, name, val, len);
	memcpy(&ms, val, sizeof(ms));   /* a char buffer need not be aligned for a DWORD */
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	return setsockopt(s, level, name, &tv, sizeof(tv));
}

/* getsockopt(), with a 4-byte buffer for SO_RCVTIMEO or SO_SNDTIMEO filled as Winsock
 * fills it: the timeout in milliseconds. The kernel keeps timeouts in clock ticks, so a
 * value reads back rounded to the nearest millisecond of the tick it became (200 reads
 * 200; an odd value may read a few ms more where a tick is 4 or 10 ms). */
static inline int winsock_getsockopt(SOCKET s, int level, int name, void *val,
                                     socklen_t *len)
{
	struct timeval tv;
	socklen_t tvlen = sizeof(tv);
	unsigned long long ms;
	DWORD dw;

	if (!len || !winsock_is_dword_timeout(level, name, val, *len))
		return getsockopt(s, level, name, val, len);
	if (getsockopt(s, level, name, &tv, &tvlen) < 0)
		return SOCKET_ERROR;
	ms = (unsigned long long)tv.tv_sec * 1000 + ((unsigned long long)tv.tv_usec + 500) / 1000;
	dw = ms > 0xffffffffULL ? 0xffffffffU : (DWORD)ms;
	memcpy(val, &dw, sizeof(dw));
	*len = sizeof(dw);
	return 0;
}

/* Winsock's int * lengths; socklen_t is an unsigned int of the same size. */
#define accept(s, addr, len) accept((s), (addr), (socklen_t *)(len))
#define setsockopt(s, level, name, val, len) \
	winsock_setsockopt((s), (level), (name), (val), (socklen_t)(len))
#define getsockopt(s, level, name, val, len) \
	winsock_getsockopt((s), (level), (name), (val), (socklen_t *)(len))
#define recvfrom(s, buf, n, flags, addr, len) \
	recvfrom((s), (buf), (n), (flags), (addr), (socklen_t *)(len))
#define getsockname(s, addr, len) getsockname((s), (addr), (socklen_t *)(len))
#define getpeername(s, addr, len) getpeername((s), (addr), (socklen_t *)(len))

#endif
