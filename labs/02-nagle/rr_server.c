/* summary: lab 2's request/response server: answer each length-prefixed request at once. */
/*
 * usage: rr_server --addr ADDR --port PORT [--mode reply|count [--busy MS]]
 *                  [--seed S --scenario N [--requests N]]
 *
 *   reply  (default) a request is a 4-digit ASCII length and then that many bytes of body
 *          ("0010request 01"); the server reads both and answers with one send() of the
 *          same shape, "0019reply to request 01", until the client closes.
 *   count  read until the client's FIN, counting bytes and recv() calls, then answer one
 *          line "received N bytes" and close.
 *   --busy MS  (count) be busy MS milliseconds after accept() before the first recv(): on
 *          purpose, so that only the server's kernel acknowledges what arrives meanwhile.
 *
 * The server program never delays anything itself: every reply is one send() as soon as
 * the whole request is in. The 40 ms wait on the wire is two TCP rules meeting, as the
 * lesson says: the client's Nagle holds the body back until the header is acknowledged,
 * and this server's kernel delays that ACK (delayed ACK), hoping to send it with a reply
 * this program cannot write before it has the body. The timer that runs out is the
 * server's kernel's; the fixes are on the client (the exercise).
 *
 * In the exercise (reply, with --seed and --scenario) the server is a driver: the seed and
 * scenario decide how replies travel, so that only a client that reads each whole reply
 * passes every time:
 *   scenario 0  each reply in one send(), as above;
 *   scenario 1  each reply in 2 send() calls 1-3 ms apart, cut at a seed-chosen byte, with
 *               TCP_NODELAY so that they are 2 segments (and Nagle does not hold the second
 *               piece for the client's delayed ACK: the wait would be the server's doing).
 * It announces "tcplab-driver: answered=N reply_bytes=B say=..." at the start and after each
 * reply: the requests answered so far, and the reply bytes the client is owed: the replies
 * to the --requests N requests the run asks of it ("request 01" to "request NN"), or what
 * was sent when that is more. Owed, not only sent: a client that closes early with replies
 * unread resets the connection, the server stops, and "the client read every reply" must
 * still fail for it.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "labs/lib/driver.h"
#include "labs/lib/peer.h"

#define HEADER_LEN 4
#define BODY_MAX   1000

/* How the exercise's scenarios send a reply, in the words a student reads. */
static const char *const scenario_words[] = {
	"each reply in one segment",
	"each reply in 2 segments, 1-3 ms apart",
};
static const char *const scenario_words_ko[] = {
	"응답마다 세그먼트 하나로",
	"응답마다 세그먼트 2개로, 1-3 ms 간격",
};
#define NSCENARIO (int)(sizeof(scenario_words) / sizeof(scenario_words[0]))
_Static_assert(sizeof(scenario_words_ko) == sizeof(scenario_words), "a Korean line each");

/* One reply, shaped by the scenario (-1: no driver, one send()). */
static int send_reply(int fd, const char *reply, size_t len, struct driver_rng *rng,
                      int scenario)
{
	size_t cut;

	if (scenario != 1 || len < 2)
		return peer_send_all(fd, reply, len) < 0 ? -1 : 0;
	cut = (size_t)driver_rand(rng, 1, (long)len - 1);
	if (peer_send_all(fd, reply, cut) < 0)
		return -1;
	driver_pause_ms(driver_rand(rng, 1, 3));
	return peer_send_all(fd, reply + cut, len - cut) < 0 ? -1 : 0;
}

/*
 * The client aborted the connection (a close() with unread replies draws RST): the client's
 * doing, which the grader's wire checks explain; the server did its part.
 */
static int client_reset(int served)
{
	printf("rr_server: answered %d requests; the client reset the connection\n", served);
	return 0;
}

/* The bytes of the replies to requests 1..n as the lab's clients write them. */
static long replies_owed(int n)
{
	long bytes = 0;

	for (int i = 1; i <= n; i++)
		bytes += HEADER_LEN + snprintf(NULL, 0, "reply to request %02d", i);
	return bytes;
}

/* Answer requests until the client closes; returns the exit status. */
static int serve_requests(int fd, struct driver_rng *rng, int scenario, int requests)
{
	char header[HEADER_LEN + 1], body[BODY_MAX + 1], reply[HEADER_LEN + BODY_MAX + 32];
	long sent = 0, owed = replies_owed(requests);
	int served = 0;

	if (scenario == 1)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
	if (scenario >= 0)
		driver_announce("answered=0 reply_bytes=%ld say=%s", owed,
		                (driver_korean() ? scenario_words_ko : scenario_words)[scenario]);

	for (;;) {
		ssize_t got = peer_recv_n(fd, header, HEADER_LEN);
		long len;
		char *end;
		int n;

		if (got == 0)
			break;
		if (got < 0 && errno == ECONNRESET)
			return client_reset(served);
		if (got != HEADER_LEN) {
			fprintf(stderr, "rr_server: a header cut short (%zd of %d bytes)\n", got,
			        HEADER_LEN);
			return 1;
		}
		header[HEADER_LEN] = '\0';
		len = strtol(header, &end, 10);
		if (*end || len < 0 || len > BODY_MAX) {
			fprintf(stderr, "rr_server: bad header '%s' (4 digits, at most %d)\n", header,
			        BODY_MAX);
			return 1;
		}
		if (peer_recv_n(fd, body, (size_t)len) != len) {
			fprintf(stderr, "rr_server: a body cut short\n");
			return 1;
		}
		body[len] = '\0';
		n = snprintf(reply + HEADER_LEN, sizeof(reply) - HEADER_LEN, "reply to %s", body);
		snprintf(header, sizeof(header), "%04d", n);
		memcpy(reply, header, HEADER_LEN);
		if (send_reply(fd, reply, (size_t)(HEADER_LEN + n), rng, scenario) < 0)
			return errno == ECONNRESET || errno == EPIPE ? client_reset(served) : 1;
		served++;
		sent += HEADER_LEN + n;
		if (scenario >= 0)
			driver_announce("answered=%d reply_bytes=%ld say=%s", served,
			                sent > owed ? sent : owed,
			                (driver_korean() ? scenario_words_ko : scenario_words)[scenario]);
	}
	printf("rr_server: answered %d requests; the client closed\n", served);
	return 0;
}

/* Read until the client's FIN, then say how much came. */
static int count_bytes(int fd, int busy_ms)
{
	struct timespec busy = { busy_ms / 1000, (long)(busy_ms % 1000) * 1000000L };
	char buf[65536], line[64];
	long total = 0, reads = 0;
	ssize_t n;
	int len;

	if (busy_ms > 0) {
		printf("rr_server: busy for %d ms before reading\n", busy_ms);
		nanosleep(&busy, NULL);
	}
	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) {
		total += n;
		reads++;
	}
	if (n < 0) {
		perror("rr_server: recv");
		return 1;
	}
	printf("rr_server: received %ld bytes in %ld recv() calls\n", total, reads);
	len = snprintf(line, sizeof(line), "received %ld bytes\n", total);
	return peer_send_all(fd, line, (size_t)len) < 0;
}

int main(int argc, char **argv)
{
	const char *addr = peer_opt(argc, argv, "--addr", "0.0.0.0");
	int port = atoi(peer_opt(argc, argv, "--port", "8000"));
	const char *mode = peer_opt(argc, argv, "--mode", "reply");
	int busy_ms = atoi(peer_opt(argc, argv, "--busy", "0"));
	const char *seed = peer_opt(argc, argv, "--seed", NULL);
	int scenario = seed ? atoi(peer_opt(argc, argv, "--scenario", "0")) : -1;
	int requests = atoi(peer_opt(argc, argv, "--requests", "0"));
	struct driver_rng rng;
	int lfd, fd, status;

	peer_init(argv[0]);
	if (strcmp(mode, "reply") && strcmp(mode, "count")) {
		fprintf(stderr, "rr_server: --mode must be reply or count, not '%s'\n", mode);
		return 2;
	}
	if ((seed && (scenario < 0 || scenario >= NSCENARIO)) || requests < 0 || requests > 99) {
		fprintf(stderr, "rr_server: --scenario must be 0 to %d, --requests 0 to 99\n",
		        NSCENARIO - 1);
		return 2;
	}
	driver_rng_init(&rng, seed, scenario);
	lfd = peer_listen(addr, port, 1);
	if (lfd < 0)
		return 1;
	fd = accept(lfd, NULL, NULL);
	if (fd < 0) {
		perror("rr_server: accept");
		return 1;
	}
	close(lfd);
	status = !strcmp(mode, "reply") ? serve_requests(fd, &rng, scenario, requests) : count_bytes(fd, busy_ms);
	close(fd);
	return status;
}
