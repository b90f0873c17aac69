/* summary: lab 5 submission, Winsock style: ioctlsocket(FIONREAD) between jobs, WSAPoll() when idle. */
/*
 * usage: slow_server --addr ADDR --port PORT
 *
 * Written as taught with Winsock: WSAStartup(), SOCKET and INVALID_SOCKET, SOCKET_ERROR
 * and WSAGetLastError(), closesocket(), built through tcplab's <winsock2.h>
 * (labs/include/winsock_compat.h). Between two jobs, ioctlsocket(FIONREAD) says how many
 * bytes wait in the kernel, and one recv() takes them all into a queue that grows; with no
 * whole job queued it waits in WSAPoll(). do_job() is kept as the starter has it.
 */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

static void ErrorHandling(const char *msg)
{
	fprintf(stderr, "slow_server: %s (WSAGetLastError %d)\n", msg, WSAGetLastError());
	exit(1);
}

typedef struct {
	char *data;
	size_t len, cap;
} JobQueue;

/* Makes room for n more bytes. */
static void Reserve(JobQueue *q, size_t n)
{
	char *grown;
	size_t cap = q->cap ? q->cap : 65536;

	while (cap - q->len < n)
		cap *= 2;
	if (cap == q->cap)
		return;
	grown = realloc(q->data, cap);
	if (!grown)
		ErrorHandling("out of memory");
	q->data = grown;
	q->cap = cap;
}

/*
 * Takes everything waiting in the socket into q. 1: open; 0: the client closed. readable:
 * WSAPoll() has just said the socket is readable, so nothing waiting means the end of
 * the stream (recv() would return 0).
 */
static int TakeWaiting(SOCKET hClntSock, JobQueue *q, BOOL readable)
{
	u_long waiting = 0;
	int n;

	if (ioctlsocket(hClntSock, FIONREAD, &waiting) == SOCKET_ERROR)
		ErrorHandling("ioctlsocket(FIONREAD) failed");
	if (waiting == 0)
		return readable ? 0 : 1;
	Reserve(q, waiting);
	n = recv(hClntSock, q->data + q->len, (int)waiting, 0);
	if (n == SOCKET_ERROR)
		ErrorHandling("recv() failed");
	q->len += (size_t)n;
	return n > 0;
}

int main(int argc, char *argv[])
{
	WSADATA wsaData;
	SOCKET hServSock, hClntSock;
	SOCKADDR_IN servAdr;
	const char *addr = "0.0.0.0";
	int port = 8050, rcvBuf = RCVBUF, open = 1;
	BOOL reuse = TRUE;
	JobQueue q = { NULL, 0, 0 };
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
	if (WSAStartup(MAKEWORD(2, 2), &wsaData) != 0)
		ErrorHandling("WSAStartup() failed");
	hServSock = socket(PF_INET, SOCK_STREAM, 0);
	if (hServSock == INVALID_SOCKET)
		ErrorHandling("socket() failed");
	setsockopt(hServSock, SOL_SOCKET, SO_REUSEADDR, (const char *)&reuse, sizeof(reuse));
	/* Before listen(): the accepted socket inherits it, and the window scale with it. */
	if (setsockopt(hServSock, SOL_SOCKET, SO_RCVBUF, (const char *)&rcvBuf,
	               sizeof(rcvBuf)) == SOCKET_ERROR)
		ErrorHandling("setsockopt(SO_RCVBUF) failed");
	ZeroMemory(&servAdr, sizeof(servAdr));
	servAdr.sin_family = AF_INET;
	servAdr.sin_port = htons((u_short)port);
	if (InetPton(AF_INET, addr, &servAdr.sin_addr) != 1)
		ErrorHandling("not an IPv4 address");
	if (bind(hServSock, (SOCKADDR *)&servAdr, sizeof(servAdr)) == SOCKET_ERROR)
		ErrorHandling("bind() failed");
	if (listen(hServSock, 1) == SOCKET_ERROR)
		ErrorHandling("listen() failed");
	hClntSock = accept(hServSock, NULL, NULL);
	if (hClntSock == INVALID_SOCKET)
		ErrorHandling("accept() failed");
	closesocket(hServSock);

	for (;;) {
		char *line, *nl;

		if (open)
			open = TakeWaiting(hClntSock, &q, FALSE);
		line = q.data + head;
		nl = q.len > head ? memchr(line, '\n', q.len - head) : NULL;
		if (nl) {
			do_job(line, (size_t)(nl - line));
			jobs++;
			sscanf(line, "job %15s", last);
			head = (size_t)(nl + 1 - q.data);
			if (head > q.len / 2) {
				memmove(q.data, q.data + head, q.len - head);
				q.len -= head;
				head = 0;
			}
			continue;
		}
		if (!open)
			break;
		/* No whole job queued: wait for the socket, not in a loop. */
		{
			WSAPOLLFD pfd = { hClntSock, POLLIN, 0 };

			if (WSAPoll(&pfd, 1, -1) == SOCKET_ERROR) {
				if (WSAGetLastError() != WSAEINTR)
					ErrorHandling("WSAPoll() failed");
				continue;
			}
			open = TakeWaiting(hClntSock, &q, TRUE);
		}
	}
	printf("processed %ld jobs; last: job %s\n", jobs, last);
	free(q.data);
	closesocket(hClntSock);
	WSACleanup();
	return 0;
}
