/* summary: 'make bench': each TUI key's latency on a big capture, tcplab driven in tmux, timed by its own key log. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/*
 * usage: keylat TCPLAB CAPTURE [RUNS]
 *
 * Runs 'TCPLAB inspect CAPTURE' in a private tmux server at 80x24 with TCPLAB_KEYLOG set to
 * a FIFO (tui/tui.c writes one line per key: the ms from reading the key to the screen it
 * changed being drawn, and "ready" once the file is indexed). Then, RUNS rounds of the
 * steps below, each key sent on its own and the next one only once the TUI has logged the
 * previous (so no two keys are ever handled together): the wait is on the FIFO, no sleep.
 * Prints "keylat|NAME|BEST|MEDIAN|WORST|INSIDE" per timed key (ms from starting tmux's
 * send-keys to tcplab having drawn the screen the key changed, over the rounds; INSIDE the
 * median part from tcplab reading the key), or "keylat failed: why".
 *
 * So a key that waits while tcplab finishes a step of work (indexing, building a ladder)
 * counts that wait, and the tmux client's start (a few ms) is counted too; tmux painting
 * its own screen is not.
 */

#define TIMEOUT_MS 60000
#define MAX_RUNS 64

/* A step: keys sent untimed, the timed key, keys sent untimed after it. Each string is
 * a tmux send-keys word, or "=TEXT" for literal text (one key per character). */
struct step {
	const char *name;
	const char *before[6];
	const char *key;
	const char *after[4];
};

static const struct step steps[] = {
	{ "Down", { NULL }, "Down", { NULL } },
	{ "PgDn", { NULL }, "NPage", { NULL } },
	{ "End", { NULL }, "End", { NULL } },
	{ "Home", { NULL }, "Home", { NULL } },
	{ "Enter (detail)", { NULL }, "Enter", { "Tab", NULL } },
	{ "/ filter apply", { "/", "C-u", "=tcp.len>0", NULL }, "Enter", { NULL } },
	{ "/ filter clear", { "/", "C-u", NULL }, "Enter", { NULL } },
	{ "\\ search (match)", { "\\", "=R.", NULL }, "Enter", { NULL } },
	{ "\\ search (none)", { "\\", "=no such text", NULL }, "Enter", { "Home", NULL } },
	{ "a ladder", { NULL }, "a", { "q", NULL } },
	{ "s (from ladder)", { "a", NULL }, "s", { "q", "q", NULL } },
	{ "c (one conn)", { "a", NULL }, "c", { "q", NULL } },
	{ "f follow", { NULL }, "f", { "q", NULL } },
	{ "f follow (mid file)", { "NPage", "NPage", "=G", NULL }, "f", { "q", "Home", NULL } },
	{ "o conversations", { NULL }, "o", { "q", NULL } },
};
#define NSTEPS (sizeof steps / sizeof steps[0])

struct ctx {
	char dir[64], sock[128], fifo[128];
	int fd;
	char buf[4096];
	size_t len;
};

static int tmux(const struct ctx *c, const char *const *args)
{
	const char *argv[24];
	size_t n = 0;
	int status;
	pid_t pid;

	argv[n++] = "tmux";
	argv[n++] = "-S";
	argv[n++] = c->sock;
	argv[n++] = "-f";
	argv[n++] = "/dev/null";
	for (size_t i = 0; args[i] && n < sizeof argv / sizeof argv[0] - 1; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0)
			dup2(null, 1);
		execvp("tmux", (char *const *)argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		return -1;
	return 0;
}

/* The next line of the key log, waiting at most TIMEOUT_MS; NULL on timeout. */
static const char *next_line(struct ctx *c)
{
	static char line[512];

	for (;;) {
		char *nl = memchr(c->buf, '\n', c->len);
		if (nl) {
			size_t l = (size_t)(nl - c->buf);
			snprintf(line, sizeof line, "%.*s", (int)l, c->buf);
			memmove(c->buf, nl + 1, c->len - l - 1);
			c->len -= l + 1;
			return line;
		}
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		int r = poll(&p, 1, TIMEOUT_MS);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || c->len == sizeof c->buf)
			return NULL;
		ssize_t got = read(c->fd, c->buf + c->len, sizeof c->buf - c->len);
		if (got <= 0)
			return NULL;
		c->len += (size_t)got;
	}
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Send one key and wait for its log line: the ms from sending it (tmux's send-keys
 * started) to the screen drawn, or -1; *inside: the part from tcplab reading it. */
static double press(struct ctx *c, const char *word, bool literal, double *inside)
{
	const char *send[] = { "send-keys", "-t", "0", literal ? "-l" : word, literal ? word : NULL,
	                       NULL };
	const char *l;
	double ms, rd, drawn, sent = now_s();

	if (tmux(c, send) < 0)
		return -1;
	while ((l = next_line(c)) && strncmp(l, "key ", 4))
		;
	if (!l || sscanf(l, "key %*d %*s %lf %lf %lf", &ms, &rd, &drawn) != 3)
		return -1;
	if (inside)
		*inside = ms;
	return (drawn - sent) * 1e3;
}

static int keys(struct ctx *c, const char *const *words)
{
	for (size_t i = 0; i < 6 && words[i]; i++) {
		if (words[i][0] == '=' && words[i][1]) {
			for (const char *p = words[i] + 1; *p; p++) {
				char one[2] = { *p, '\0' };
				if (press(c, one, true, NULL) < 0)
					return -1;
			}
		} else if (press(c, words[i], false, NULL) < 0) {
			return -1;
		}
	}
	return 0;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	struct ctx c = { .fd = -1 };
	int runs = argc > 3 ? atoi(argv[3]) : 5, rc = 1;
	static double ms[NSTEPS][MAX_RUNS], in[NSTEPS][MAX_RUNS];
	char cmd[4096];
	const char *l;

	if (argc < 3) {
		fprintf(stderr, "usage: keylat TCPLAB CAPTURE [RUNS]\n");
		return 2;
	}
	if (runs < 1)
		runs = 1;
	if (runs > MAX_RUNS)
		runs = MAX_RUNS;
	snprintf(c.dir, sizeof c.dir, "/tmp/tcplab-keylat-XXXXXX");
	if (!mkdtemp(c.dir)) {
		printf("keylat failed: cannot make a temporary folder\n");
		return 1;
	}
	snprintf(c.sock, sizeof c.sock, "%s/tmux", c.dir);
	snprintf(c.fifo, sizeof c.fifo, "%s/keys", c.dir);
	/* Opened read-write: never an end of file, whoever comes and goes. */
	if (mkfifo(c.fifo, 0600) < 0 || (c.fd = open(c.fifo, O_RDWR | O_CLOEXEC)) < 0) {
		printf("keylat failed: cannot make the FIFO '%s'\n", c.fifo);
		goto out;
	}
	snprintf(cmd, sizeof cmd, "TCPLAB_KEYLOG='%s' LANG=C exec '%s' inspect '%s'", c.fifo,
	         argv[1], argv[2]);
	{
		const char *start[] = { "new-session", "-d", "-x", "80", "-y", "24", cmd, NULL };
		const char *opt[] = { "set-option", "-g", "status", "off", NULL };
		if (tmux(&c, start) < 0) {
			printf("keylat failed: tmux cannot start (is it installed?)\n");
			goto out;
		}
		tmux(&c, opt);
	}
	while ((l = next_line(&c)) && strcmp(l, "ready"))
		;
	if (!l) {
		printf("keylat failed: the TUI never said it was ready (no TCPLAB_KEYLOG support?)\n");
		goto out;
	}
	for (int r = 0; r < runs; r++) {
		for (size_t s = 0; s < NSTEPS; s++) {
			if (keys(&c, steps[s].before) < 0 ||
			    (ms[s][r] = press(&c, steps[s].key, false, &in[s][r])) < 0 ||
			    keys(&c, steps[s].after) < 0) {
				printf("keylat failed: no answer to '%s' within %d s\n", steps[s].name,
				       TIMEOUT_MS / 1000);
				goto out;
			}
		}
	}
	for (size_t s = 0; s < NSTEPS; s++) {
		qsort(ms[s], (size_t)runs, sizeof ms[s][0], cmp);
		qsort(in[s], (size_t)runs, sizeof in[s][0], cmp);
		printf("keylat|%s|%.1f|%.1f|%.1f|%.1f\n", steps[s].name, ms[s][0], ms[s][runs / 2],
		       ms[s][runs - 1], in[s][runs / 2]);
	}
	rc = 0;
out:
	{
		const char *kill[] = { "kill-server", NULL };
		tmux(&c, kill);
	}
	if (c.fd >= 0)
		close(c.fd);
	unlink(c.fifo);
	unlink(c.sock);
	rmdir(c.dir);
	return rc;
}
