/* summary: lab 5's exercise driver: a steady stream of small jobs, faster than they can be done. */
/*
 * usage: job_client --host ADDR --port PORT [--seed N --scenario K] [--print-plan]
 *
 * Sends JOBS lines of text, one every PACE_MS, each "job NNNN WORDS\n" (at most 200
 * bytes), with TCP_NODELAY so that each job travels in a segment of its own, then closes.
 * The number of jobs (300-450) and the words come from the seed. A receiver that spends
 * 5 ms on each job before it reads the next falls behind: the jobs
 * pile up in its receive buffer and its window closes. The pace is kept by sleeping after
 * each job, never by catching up, so a late driver never sends a burst.
 *
 * It first announces what a receiver owes: "tcplab-driver: jobs=N bytes=B last=NNNN";
 * --print-plan prints that line and exits.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "labs/lib/driver.h"
#include "labs/lib/peer.h"

#define MAX_JOBS 450
#define LINE_MAX_LEN 200
#define PACE_MS 1               /* five jobs arrive while one is done */

static const char *const words[] = {
	"resize", "thumbnail", "invoice", "ledger", "archive", "index", "checksum", "report",
	"backup", "encode", "parse", "render", "upload", "verify", "compress", "sign",
};

/* One job's line, from the driver's stream: "job 0007 parse ledger sign\n". */
static size_t job_line(struct driver_rng *r, int n, char *line, size_t cap)
{
	size_t len = (size_t)snprintf(line, cap, "job %04d", n);
	long nwords = driver_rand(r, 8, 24);

	for (long w = 0; w < nwords; w++) {
		const char *word = words[driver_rand(r, 0, sizeof(words) / sizeof(words[0]) - 1)];

		if (len + strlen(word) + 2 >= cap)
			break;
		len += (size_t)snprintf(line + len, cap - len, " %s", word);
	}
	line[len++] = '\n';
	return len;
}

int main(int argc, char **argv)
{
	const char *host = peer_opt(argc, argv, "--host", "127.0.0.1");
	int port = atoi(peer_opt(argc, argv, "--port", "8050"));
	int scenario = atoi(peer_opt(argc, argv, "--scenario", "0"));
	struct driver_rng plan, lines;
	static char text[MAX_JOBS * LINE_MAX_LEN];
	size_t off[MAX_JOBS + 1];
	int jobs, one = 1, fd;

	peer_init(argv[0]);
	driver_rng_init(&plan, peer_opt(argc, argv, "--seed", ""), scenario);
	jobs = (int)driver_rand(&plan, 300, MAX_JOBS);
	lines = plan;
	off[0] = 0;
	for (int i = 0; i < jobs; i++)
		off[i + 1] = off[i] + job_line(&lines, i + 1, text + off[i], LINE_MAX_LEN);
	driver_announce("jobs=%d bytes=%zu last=%04d", jobs, off[jobs], jobs);
	if (driver_korean())
		driver_announce("say=작업 %d개, 각각 최대 %d바이트, %d ms마다 하나씩", jobs,
		                LINE_MAX_LEN, PACE_MS);
	else
		driver_announce("say=%d jobs of up to %d bytes, one every %d ms", jobs, LINE_MAX_LEN,
		                PACE_MS);
	if (peer_flag(argc, argv, "--print-plan"))
		return 0;
	fd = peer_connect(host, port);
	if (fd < 0)
		return 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	for (int i = 0; i < jobs; i++) {
		if (peer_send_all(fd, text + off[i], off[i + 1] - off[i]) < 0) {
			/* The receiver went away: its doing, reported by the checks, not ours. */
			fprintf(stderr, "job_client: the receiver went away after %d jobs\n", i);
			close(fd);
			return 0;
		}
		driver_pause_ms(PACE_MS);
	}
	printf("job_client: sent %d jobs, %zu bytes; closing\n", jobs, off[jobs]);
	close(fd);
	return 0;
}
