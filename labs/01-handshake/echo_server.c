/* summary: lab 1's echo server: accept one client, echo what it sends, close when told. */
/*
 * usage: echo_server --addr ADDR --port PORT --close after-peer|first|reply-at-eof
 *                    [--echo lines --seed S --scenario N]
 *
 *   after-peer    echo each piece as it comes, until recv() returns 0 (the client's FIN),
 *                 then close(): the client closed first, so the client ends in TIME-WAIT.
 *   first         echo one line, then close() at once: the server sends the first FIN and
 *                 ends in TIME-WAIT itself.
 *   reply-at-eof  read until recv() returns 0, only then send the echo, then close(): the
 *                 reply travels after the client's FIN, which a half-close allows.
 *
 *   --echo lines  the exercise's server (with --close after-peer): it echoes complete lines
 *                 only, holding bytes until their '\n', and the seed and scenario decide how
 *                 each echo travels, so that only a client that reads until its whole line is
 *                 back passes every time:
 *                   scenario 0  each line in one send();
 *                   scenario 1  each line in 2-4 pieces cut at seed-chosen points, 5-30 ms
 *                               apart;
 *                   scenario 2  100-200 ms of silence, then the line in 2 pieces 5-30 ms
 *                               apart.
 *                 TCP_NODELAY is on, so each piece is its own segment. Before each echo
 *                 it announces "tcplab-driver: echo_len=N say=..." (N: the bytes of echo
 *                 the client is owed so far, the newline included; say: how this echo
 *                 travels). Bytes without their '\n' are never echoed: while they wait the
 *                 server says so ("your line has no newline yet"), and at the client's FIN
 *                 it announces "unterminated=N" and still counts the echo that line would
 *                 have had in echo_len, so that the grader's "read the whole echo" fails
 *                 with the reason beside it. At the client's FIN it closes, as after-peer;
 *                 a client's RST ends it with status 0 (the wire checks explain it).
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "labs/lib/driver.h"
#include "labs/lib/peer.h"

#define LINE_MAX_BYTES 4096

/* What a scenario does, in the words a student reads before any line was echoed. */
static const char *const scenario_words[] = {
	"each line echoed in one piece",
	"each line echoed in 2-4 pieces, 5-30 ms apart",
	"each line echoed 100-200 ms late, in 2 pieces",
};
static const char *const scenario_words_ko[] = {
	"각 줄을 한 번에 에코",
	"각 줄을 2-4조각으로 나눠 5-30 ms 간격으로 에코",
	"각 줄을 100-200 ms 늦게, 2조각으로 에코",
};
#define NSCENARIO (int)(sizeof(scenario_words) / sizeof(scenario_words[0]))
_Static_assert(sizeof(scenario_words_ko) == sizeof(scenario_words), "a Korean line each");

/* What the scenario did, in Korean: "에코가 150 ms 늦게, 2조각으로 왔습니다 (간격 12 ms)". */
static void say_ko(char *say, size_t size, long late, int k, const long *pause)
{
	int n = snprintf(say, size, "에코가 ");

	if (late)
		n += snprintf(say + n, size - (size_t)n, "%ld ms 늦게, ", late);
	if (k == 0) {
		snprintf(say + n, size - (size_t)n, "한 번에 왔습니다");
		return;
	}
	n += snprintf(say + n, size - (size_t)n, "%d조각으로 왔습니다 (간격 ", k + 1);
	for (int i = 0; i < k; i++)
		n += snprintf(say + n, size - (size_t)n, "%ld%s", pause[i], i + 1 < k ? ", " : " ms)");
}

/* k distinct cut points in 1..len-1, in order: the echo leaves in k + 1 pieces. */
static void draw_cuts(struct driver_rng *rng, size_t len, size_t *cut, int k)
{
	for (int i = 0; i < k; i++) {
		bool again;

		do {
			cut[i] = (size_t)driver_rand(rng, 1, (long)len - 1);
			again = false;
			for (int j = 0; j < i; j++)
				again |= cut[j] == cut[i];
		} while (again);
	}
	for (int i = 1; i < k; i++)
		for (int j = i; j > 0 && cut[j - 1] > cut[j]; j--) {
			size_t t = cut[j];

			cut[j] = cut[j - 1];
			cut[j - 1] = t;
		}
}

/*
 * Echo one line (len bytes, the newline included) as the scenario says. Before the first
 * byte leaves, announce what the client is then owed (owed) and how the echo travels, so
 * that the words are there even when the client is gone before the last piece.
 */
static int echo_line(int fd, const char *line, size_t len, struct driver_rng *rng, int scenario,
                     long owed)
{
	size_t cut[4], from = 0;
	long pause[4], late = 0;
	char say[128];
	int k = 0, n;

	if (scenario == 1)
		k = (int)driver_rand(rng, 1, 3);
	else if (scenario == 2) {
		late = driver_rand(rng, 100, 200);
		k = 1;
	}
	if ((size_t)k > len - 1)
		k = (int)len - 1;       /* a line of one byte cannot be cut */
	draw_cuts(rng, len, cut, k);
	for (int i = 0; i < k; i++)
		pause[i] = driver_rand(rng, 5, 30);
	cut[k] = len;

	if (driver_korean())
		say_ko(say, sizeof(say), late, k, pause);
	else {
		n = snprintf(say, sizeof(say), "the echo came");
		if (late)
			n += snprintf(say + n, sizeof(say) - (size_t)n, " %ld ms late,", late);
		if (k == 0)
			snprintf(say + n, sizeof(say) - (size_t)n, " in one piece");
		else
			n += snprintf(say + n, sizeof(say) - (size_t)n, " in %d pieces, ", k + 1);
		for (int i = 0; i < k; i++)
			n += snprintf(say + n, sizeof(say) - (size_t)n, "%ld%s", pause[i],
			              i + 2 < k ? ", " : i + 1 < k ? " and " : " ms apart");
	}
	driver_announce("echo_len=%ld say=%s", owed, say);

	if (late)
		driver_pause_ms(late);
	for (int i = 0; i <= k; i++) {
		if (i > 0)
			driver_pause_ms(pause[i - 1]);
		/* A blocking send() of a few bytes queues them all or fails. */
		if (send(fd, line + from, cut[i] - from, MSG_NOSIGNAL) != (ssize_t)(cut[i] - from))
			return -1;
		from = cut[i];
	}
	return 0;
}

/*
 * A send() or recv() failed. When the client aborted the connection (its close() with
 * unread data, or data that reached its closed socket, draws RST), that is the client's
 * doing and the grader's wire checks say so; the server did its part and exits 0.
 */
static int gone(int err)
{
	if (err == ECONNRESET || err == EPIPE) {
		printf("echo_server: the client reset the connection (%s); nothing more to echo\n",
		       strerror(err));
		return 0;
	}
	fprintf(stderr, "echo_server: %s\n", strerror(err));
	return 1;
}

/* The exercise: echo whole lines, each shaped by the scenario, until the client's FIN. */
static int echo_lines(int fd, struct driver_rng *rng, int scenario)
{
	char buf[LINE_MAX_BYTES];
	size_t held = 0;
	long owed = 0;

	/* Each piece its own segment: Nagle would hold piece 2 until piece 1 is acknowledged. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
	driver_announce("echo_len=0 say=%s", driver_korean() ? scenario_words_ko[scenario] :
	                scenario_words[scenario]);
	for (;;) {
		ssize_t n = recv(fd, buf + held, sizeof(buf) - held, 0);
		char *nl;

		if (n < 0)
			return gone(errno);
		if (n == 0) {
			printf("echo_server: the client closed its side (recv returned 0)\n");
			if (held) {
				printf("echo_server: %zu bytes came without a newline: not echoed\n", held);
				if (driver_korean())
					driver_announce("unterminated=%zu echo_len=%ld say=마지막 %zu바이트에"
					                " 줄바꿈이 없음: 서버는 완전한 줄만 에코하므로 에코하지"
					                " 않았습니다", held, owed + (long)held + 1, held);
				else
					driver_announce("unterminated=%zu echo_len=%ld say=your last %zu bytes"
					                " had no newline: the server echoes whole lines only, so"
					                " it never echoed them", held, owed + (long)held + 1,
					                held);
			}
			return 0;
		}
		held += (size_t)n;
		while ((nl = memchr(buf, '\n', held))) {
			size_t len = (size_t)(nl - buf) + 1;

			printf("echo_server: a line of %zu bytes, echoing it\n", len);
			owed += (long)len;
			if (echo_line(fd, buf, len, rng, scenario, owed) < 0)
				return gone(errno);
			memmove(buf, buf + len, held - len);
			held -= len;
		}
		if (held == sizeof(buf)) {
			fprintf(stderr, "echo_server: %zu bytes without a newline\n", held);
			return 1;
		}
		/* Said now, in case the client waits for an echo that cannot come and the run
		 * ends by its timeout; replaced as soon as the newline arrives. */
		if (held && driver_korean())
			/* at most 127 bytes: a say= value longer than that is dropped (engine/lab.h) */
			driver_announce("echo_len=%ld say=줄에 아직 줄바꿈이 없음 (%zu바이트): 서버는"
			                " 완전한 줄만 에코하고 나머지를 기다립니다",
			                owed + (long)held + 1, held);
		else if (held)
			driver_announce("echo_len=%ld say=your line has no newline yet (%zu bytes):"
			                " the server echoes whole lines only, and waits for the rest",
			                owed + (long)held + 1, held);
	}
}

int main(int argc, char **argv)
{
	const char *addr = peer_opt(argc, argv, "--addr", "0.0.0.0");
	int port = atoi(peer_opt(argc, argv, "--port", "8000"));
	const char *mode = peer_opt(argc, argv, "--close", "after-peer");
	const char *echo = peer_opt(argc, argv, "--echo", "as-received");
	int scenario = atoi(peer_opt(argc, argv, "--scenario", "0"));
	bool at_eof = !strcmp(mode, "reply-at-eof");
	bool lines = !strcmp(echo, "lines");
	struct driver_rng rng;
	char buf[4096];
	size_t held = 0;
	int lfd, fd;

	peer_init(argv[0]);
	if (strcmp(mode, "after-peer") && strcmp(mode, "first") && !at_eof) {
		fprintf(stderr, "echo_server: --close must be after-peer, first or reply-at-eof,"
		        " not '%s'\n", mode);
		return 2;
	}
	if ((!lines && strcmp(echo, "as-received")) || (lines && strcmp(mode, "after-peer")) ||
	    scenario < 0 || scenario >= NSCENARIO) {
		fprintf(stderr, "echo_server: --echo must be as-received or lines (lines with --close"
		        " after-peer), and --scenario 0 to %d\n", NSCENARIO - 1);
		return 2;
	}
	driver_rng_init(&rng, peer_opt(argc, argv, "--seed", NULL), scenario);
	lfd = peer_listen(addr, port, 1);
	if (lfd < 0)
		return 1;
	fd = accept(lfd, NULL, NULL);
	if (fd < 0) {
		perror("echo_server: accept");
		return 1;
	}
	close(lfd);
	if (lines) {
		int status = echo_lines(fd, &rng, scenario);

		close(fd);
		return status;
	}

	for (;;) {
		ssize_t n = recv(fd, buf + held, sizeof(buf) - held, 0);

		if (n < 0) {
			perror("echo_server: recv");
			break;
		}
		if (n == 0) {
			printf("echo_server: the client closed its side (recv returned 0)\n");
			if (held) {
				printf("echo_server: now sending the %zu bytes back\n", held);
				peer_send_all(fd, buf, held);
			}
			break;
		}
		if (at_eof) {
			printf("echo_server: received %zd bytes, holding them until the client's FIN\n",
			       n);
			held += (size_t)n;
			if (held == sizeof(buf)) {
				fprintf(stderr, "echo_server: more than %zu bytes before the FIN\n", held);
				break;
			}
			continue;
		}
		printf("echo_server: received %zd bytes, echoing them\n", n);
		if (peer_send_all(fd, buf, (size_t)n) < 0)
			break;
		if (!strcmp(mode, "first") && memchr(buf, '\n', (size_t)n)) {
			printf("echo_server: closing first\n");
			break;
		}
	}
	close(fd);
	return 0;
}
