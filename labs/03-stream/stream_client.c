/* summary: lab 3's sender: writes that do not line up with the reader's reads, four ways. */
/*
 * usage: stream_client --host ADDR --port PORT --mode burst|dribble|split|exercise
 *                      [--seed N --scenario K] [--print-plan]
 *
 *   burst     ten send(100) back to back, then close().
 *   dribble   one length-prefixed message (4-byte big-endian length, then the text), one
 *             byte per send(); TCP_NODELAY, and each byte waits until the previous one is
 *             acknowledged, so every byte travels in a segment of its own.
 *   split     one message whose 4-byte header is cut in two: 2 bytes, the ACK, a late
 *             pause of 50 ms, then the other 2 header bytes and the text in one send().
 *   exercise  three connections, one message stream each, in an order drawn from the seed
 *             (the scenarios of one grade never put the same stream in the same place):
 *             a message dribbled one byte per segment (5-15 ms apart), ten messages in one
 *             send(), and a message whose header is cut after 1, 2 or 3 bytes. The texts
 *             are words joined by '-' drawn from the seed, of varying lengths; scenario 1
 *             dribbles a longer message (30-60 bytes) and sends the batch's last message
 *             across two writes, cut at a seed-chosen byte (its header included).
 *             Without --seed: seed 0.
 *
 * In exercise mode the sender first announces the messages, for the lab's checks to
 * compare with what the reader printed ("tcplab-driver: dribble=TEXT dribble_len=N ...",
 * batch1..batch10, split, then say=); --print-plan prints those lines and exits.
 *
 * Message stream (the exercise's format): each message is a 4-byte length in network byte
 * order (big-endian), then that many bytes of text. The sender closes when it is done.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <errno.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "labs/lib/driver.h"
#include "labs/lib/peer.h"
#include "labs/lib/seed.h"

#define DRIBBLE_TEXT "one byte per segment"
#define SPLIT_TEXT "the header came in two pieces"
#define DRIBBLE_PACE_MS 10      /* a slow peer: each byte comes this long after the last ACK */
#define SPLIT_LATE_MS 50        /* the second half of the header is this late */

static void pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/*
 * Wait until the peer has acknowledged every byte written so far (SIOCOUTQ: bytes not yet
 * acknowledged, RFC 9293 section 3.4's SND.NXT - SND.UNA plus anything unsent). There is
 * no blocking call for "all acknowledged", so this checks every 100 us, for 2 s at most.
 * Returns 0, or -1 when the ACK never came (the reader reset or vanished).
 */
static int wait_acked(int fd)
{
	for (int i = 0; i < 20000; i++) {
		int outq = 0;
		struct tcp_info ti;
		socklen_t tl = sizeof(ti);

		if (ioctl(fd, SIOCOUTQ, &outq) < 0)
			return -1;
		if (outq == 0)
			return 0;
		if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &tl) == 0 &&
		    ti.tcpi_state != TCP_ESTABLISHED && ti.tcpi_state != TCP_CLOSE_WAIT)
			return -1;
		nanosleep(&(struct timespec){ 0, 100000L }, NULL);
	}
	return -1;
}

/* The message as it goes on the wire: 4-byte big-endian length, then the text. */
static size_t frame(char *out, size_t cap, const char *text)
{
	uint32_t len = (uint32_t)strlen(text), be = htonl(len);

	if (4 + (size_t)len > cap)
		return 0;
	memcpy(out, &be, 4);
	memcpy(out + 4, text, len);
	return 4 + (size_t)len;
}

static int send_logged(int fd, const char *buf, size_t len, const char *what)
{
	if (peer_send_all(fd, buf, len) < 0) {
		printf("stream_client: the reader is gone (%s); giving up on this connection\n",
		       what);
		return -1;
	}
	return 0;
}

static int do_burst(int fd)
{
	char chunk[100];

	memset(chunk, 'x', sizeof(chunk));
	printf("stream_client: ten send(100) calls, back to back\n");
	for (int i = 0; i < 10; i++)
		if (send_logged(fd, chunk, sizeof(chunk), "burst") < 0)
			return -1;
	printf("stream_client: sent 1000 bytes in ten calls\n");
	return 0;
}

/* One message, one byte per send(), pace_ms after each byte's ACK (pace[i] if given). */
static int dribble(int fd, const char *text, const int *pace, int pace_ms)
{
	char msg[4 + 128];
	size_t n = frame(msg, sizeof(msg), text);
	int one = 1;

	/* Without NODELAY, Nagle would hold each byte until the last one is acknowledged. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	printf("stream_client: dribbling a %zu-byte message, one byte per segment\n", n);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			pause_ms(pace ? pace[i] : pace_ms);
		if (send_logged(fd, msg + i, 1, "dribble") < 0 || wait_acked(fd) < 0) {
			printf("stream_client: byte %zu was never acknowledged\n", i + 1);
			return -1;
		}
	}
	printf("stream_client: dribbled %zu bytes in %zu send calls\n", n, n);
	return 0;
}

/* Bytes buf[0..cut), their ACK, a pause, then the rest: two segments, the second late. */
static int two_writes(int fd, const char *buf, size_t n, size_t cut, const char *what)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (send_logged(fd, buf, cut, what) < 0 || wait_acked(fd) < 0)
		return -1;
	pause_ms(SPLIT_LATE_MS);
	if (send_logged(fd, buf + cut, n - cut, what) < 0)
		return -1;
	printf("stream_client: sent %zu bytes, then %zu bytes %d ms later\n", cut, n - cut,
	       SPLIT_LATE_MS);
	return 0;
}

static int do_dribble(int fd)
{
	return dribble(fd, DRIBBLE_TEXT, NULL, DRIBBLE_PACE_MS);
}

static int do_split(int fd)
{
	char msg[64];
	size_t n = frame(msg, sizeof(msg), SPLIT_TEXT);

	printf("stream_client: a %zu-byte message, its header cut after 2 bytes\n", n);
	return two_writes(fd, msg, n, 2, "split");
}

static int one_connection(const char *host, int port, int (*fn)(int))
{
	int fd = peer_connect(host, port), rc;

	if (fd < 0)
		return -1;
	rc = fn(fd);
	close(fd);
	return rc;
}

/* --- the exercise: three streams as the seed says ----------------------------------- */

enum stream { DRIBBLE, BATCH, SPLIT };

#define BATCH_N 10
#define TEXT_MAX 64             /* longest text: the dribble of scenario 1 */
#define ANNOUNCE_MAX 190        /* the lab reads lines of up to 199 characters */

struct plan {
	enum stream order[3];
	char dribble[TEXT_MAX + 1];
	int pace[4 + TEXT_MAX];         /* ms before each dribbled byte */
	char batch[BATCH_N][TEXT_MAX + 1];
	size_t batch_cut;               /* 0: one write; else bytes in the first of two */
	char split[TEXT_MAX + 1];
	size_t split_cut;               /* header bytes in the first write: 1, 2 or 3 */
};

static void make_plan(struct plan *p, uint64_t seed, int scenario)
{
	static const enum stream orders[6][3] = {
		{ DRIBBLE, BATCH, SPLIT }, { DRIBBLE, SPLIT, BATCH }, { BATCH, DRIBBLE, SPLIT },
		{ BATCH, SPLIT, DRIBBLE }, { SPLIT, DRIBBLE, BATCH }, { SPLIT, BATCH, DRIBBLE },
	};
	bool more = scenario % 2 == 1;  /* scenario 1: longer dribble, batch end in two writes */
	struct seed grade, r;
	size_t total = 0;
	int order, step;

	memset(p, 0, sizeof(*p));
	/* One order per grade, rotated per scenario: the scenarios' orders differ at every
	 * place, so each stream comes after another one in some scenario (a reader that
	 * survives only its first connection fails every stream's check). */
	seed_init(&grade, seed, -1, "order");
	order = (int)seed_range(&grade, 0, 5);
	step = (int)seed_range(&grade, 1, 2);
	for (int i = 0; i < 3; i++)
		p->order[i] = orders[order][(i + step * scenario) % 3];
	seed_init(&r, seed, scenario, "streams");
	seed_text(&r, p->dribble, sizeof(p->dribble), more ? 30 : 8, more ? 60 : 24, '-');
	for (size_t i = 0; i < sizeof(p->pace) / sizeof(p->pace[0]); i++)
		p->pace[i] = (int)seed_range(&r, 5, 15);
	for (int i = 0; i < BATCH_N; i++) {
		total += 4 + seed_text(&r, p->batch[i], sizeof(p->batch[i]), 3, more ? 30 : 20,
		                       '-');
	}
	/* Cut anywhere in the last message, its header included: a reader that trusts one
	 * recv() for a header fails as surely as one that trusts it for a message. */
	if (more)
		p->batch_cut = total - 4 - strlen(p->batch[BATCH_N - 1]) +
		               (size_t)seed_range(&r, 1, 3 + (long)strlen(p->batch[BATCH_N - 1]));
	seed_text(&r, p->split, sizeof(p->split), 10, more ? 50 : 36, '-');
	p->split_cut = (size_t)seed_range(&r, 1, 3);
}

/* Append " key=value" to line; print the line first when it would grow too long. */
static void announce_add(char *line, size_t *used, const char *key, const char *value)
{
	size_t add = 1 + strlen(key) + 1 + strlen(value);

	if (*used + add > ANNOUNCE_MAX) {
		printf("%s\n", line);
		*used = (size_t)sprintf(line, "%s", "tcplab-driver:");
	}
	*used += (size_t)sprintf(line + *used, " %s=%s", key, value);
}

/* What the reader must print, as variables of the run; one line holds at most ~190 chars. */
static void announce(const struct plan *p)
{
	static const char *const name[] = { "dribble", "batch", "split-header" };
	char line[ANNOUNCE_MAX + 16], key[16], num[24];
	size_t used = (size_t)sprintf(line, "%s", "tcplab-driver:");

	announce_add(line, &used, "dribble", p->dribble);
	snprintf(num, sizeof(num), "%zu", strlen(p->dribble));
	announce_add(line, &used, "dribble_len", num);
	announce_add(line, &used, "split", p->split);
	snprintf(num, sizeof(num), "%zu", strlen(p->split));
	announce_add(line, &used, "split_len", num);
	for (int i = 0; i < BATCH_N; i++) {
		snprintf(key, sizeof(key), "batch%d", i + 1);
		announce_add(line, &used, key, p->batch[i]);
		snprintf(key, sizeof(key), "batch%d_len", i + 1);
		snprintf(num, sizeof(num), "%zu", strlen(p->batch[i]));
		announce_add(line, &used, key, num);
	}
	printf("%s\n", line);
	if (driver_korean())
		printf("tcplab-driver: say=%s, %s, %s; 헤더를 %zu바이트 뒤에서 자름%s\n",
		       name[p->order[0]], name[p->order[1]], name[p->order[2]], p->split_cut,
		       p->batch_cut ? "; batch의 마지막 메시지는 write 두 번으로" : "");
	else
		printf("tcplab-driver: say=%s, %s, %s; the header cut after %zu byte%s%s\n",
		       name[p->order[0]], name[p->order[1]], name[p->order[2]], p->split_cut,
		       p->split_cut == 1 ? "" : "s",
		       p->batch_cut ? "; the batch's last message in two writes" : "");
}

static int ex_dribble(int fd, const struct plan *p)
{
	return dribble(fd, p->dribble, p->pace, 0);
}

static int ex_batch(int fd, const struct plan *p)
{
	char buf[BATCH_N * (4 + TEXT_MAX)];
	size_t n = 0;

	for (int i = 0; i < BATCH_N; i++)
		n += frame(buf + n, sizeof(buf) - n, p->batch[i]);
	if (!p->batch_cut) {
		printf("stream_client: ten messages, %zu bytes, in one send call\n", n);
		return send_logged(fd, buf, n, "batch");
	}
	printf("stream_client: ten messages, %zu bytes, the last one cut across two send"
	       " calls\n", n);
	return two_writes(fd, buf, n, p->batch_cut, "batch");
}

static int ex_split(int fd, const struct plan *p)
{
	char msg[4 + TEXT_MAX];
	size_t n = frame(msg, sizeof(msg), p->split);

	printf("stream_client: a %zu-byte message, its header cut after %zu byte%s\n", n,
	       p->split_cut, p->split_cut == 1 ? "" : "s");
	return two_writes(fd, msg, n, p->split_cut, "split");
}

static void exercise(const char *host, int port, const struct plan *p)
{
	static int (*const run[])(int, const struct plan *) = { ex_dribble, ex_batch, ex_split };

	/* Each stream on its own connection, so one broken stream spoils only itself; a
	 * reader that resets a stream fails the grader's checks, and the sender goes on. */
	for (int i = 0; i < 3; i++) {
		int fd = peer_connect(host, port);

		if (fd < 0)
			continue;
		run[p->order[i]](fd, p);
		close(fd);
	}
}

int main(int argc, char **argv)
{
	const char *host = peer_opt(argc, argv, "--host", "127.0.0.1");
	int port = atoi(peer_opt(argc, argv, "--port", "8000"));
	const char *mode = peer_opt(argc, argv, "--mode", "burst");
	int rc = 0;

	peer_init(argv[0]);
	if (!strcmp(mode, "burst")) {
		rc = one_connection(host, port, do_burst);
	} else if (!strcmp(mode, "dribble")) {
		rc = one_connection(host, port, do_dribble);
	} else if (!strcmp(mode, "split")) {
		rc = one_connection(host, port, do_split);
	} else if (!strcmp(mode, "exercise")) {
		struct plan p;
		uint64_t seed;
		int scenario, seeded;

		seed_opts(argc, argv, &seed, &scenario, &seeded);
		make_plan(&p, seed, scenario);
		announce(&p);
		if (!peer_flag(argc, argv, "--print-plan"))
			exercise(host, port, &p);
	} else {
		fprintf(stderr, "stream_client: --mode must be burst, dribble, split or exercise,"
		        " not '%s'\n", mode);
		return 2;
	}
	return rc ? 1 : 0;
}
