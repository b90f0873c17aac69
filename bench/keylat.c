/* summary: 'make bench': each TUI key's latency on a big capture, tcplab on a pseudo-terminal, timed by its own key log. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/*
 * usage: keylat TCPLAB CAPTURE [RUNS]
 *
 * Runs 'TCPLAB inspect CAPTURE' on a pseudo-terminal of its own (forkpty, 80x24,
 * TERM=xterm) with TCPLAB_KEYLOG set to a FIFO: tui/tui.c writes one line per key, with
 * the moment the screen that key changed was drawn, and "ready" once the file is indexed.
 * Then RUNS rounds of the steps below, each key written to the terminal on its own and the
 * next one only once the TUI has logged the previous (no two keys are ever handled
 * together): the wait is on the FIFO, no sleep. Everything tcplab writes to the terminal
 * is read and dropped, as a terminal would take it.
 *
 * Prints "keylat|NAME|BEST|MEDIAN|WORST|INSIDE" per timed key: ms from the key's bytes
 * written to the terminal to tcplab having drawn the screen it changed, over the rounds;
 * INSIDE the median part from tcplab reading the key. So a key that waits while tcplab
 * finishes a step of work (indexing, a filter, a ladder) counts that wait; no terminal
 * emulator's painting is counted (an earlier version drove tmux, whose client start-up
 * under load was most of the figure). Or "keylat failed: why".
 */

#define TIMEOUT_MS 60000
#define MAX_RUNS 64

/* A step: keys sent untimed, the timed key, keys sent untimed after it. Each string is a
 * key name of keyname() below, or "=TEXT" for literal text (one key per character). */
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
	char dir[64], fifo[128];
	int fd;                 /* the key log FIFO */
	int pty;                /* the terminal's master side */
	pid_t pid;
	char buf[4096];
	size_t len;
};

/* The bytes an xterm sends for a key (ncurses turns keypad transmit mode on: SS3 arrows). */
static const char *keybytes(const char *name)
{
	static const struct { const char *name, *bytes; } keys[] = {
		{ "Down", "\033OB" }, { "Up", "\033OA" }, { "NPage", "\033[6~" },
		{ "PPage", "\033[5~" }, { "Home", "\033OH" }, { "End", "\033OF" },
		{ "Enter", "\r" }, { "Tab", "\t" }, { "C-u", "\025" },
	};

	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (!strcmp(keys[i].name, name))
			return keys[i].bytes;
	return name;            /* a character: "a", "q", "/", "\\" */
}

/* Read and drop what tcplab wrote to its terminal: it must never block on a full pty. */
static void drain(struct ctx *c)
{
	char junk[65536];

	while (read(c->pty, junk, sizeof junk) > 0)
		;
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
		struct pollfd p[2] = { { .fd = c->fd, .events = POLLIN },
		                       { .fd = c->pty, .events = POLLIN } };
		int r = poll(p, 2, TIMEOUT_MS);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || c->len == sizeof c->buf || (p[1].revents & (POLLHUP | POLLERR)))
			return NULL;
		if (p[1].revents & POLLIN)
			drain(c);
		if (!(p[0].revents & POLLIN))
			continue;
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

/* Write one key and wait for its log line: the ms from writing it to the screen drawn,
 * or -1; *inside: the part from tcplab reading it. */
static double press(struct ctx *c, const char *bytes, double *inside)
{
	const char *l;
	double ms, rd, drawn, sent = now_s();
	size_t n = strlen(bytes);

	if (write(c->pty, bytes, n) != (ssize_t)n)
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
				if (press(c, one, NULL) < 0)
					return -1;
			}
		} else if (press(c, keybytes(words[i]), NULL) < 0) {
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
	struct ctx c = { .fd = -1, .pty = -1 };
	int runs = argc > 3 ? atoi(argv[3]) : 5, rc = 1;
	static double ms[NSTEPS][MAX_RUNS], in[NSTEPS][MAX_RUNS];
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
	snprintf(c.fifo, sizeof c.fifo, "%s/keys", c.dir);
	/* Opened read-write: never an end of file, whoever comes and goes. */
	if (mkfifo(c.fifo, 0600) < 0 || (c.fd = open(c.fifo, O_RDWR | O_CLOEXEC)) < 0) {
		printf("keylat failed: cannot make the FIFO '%s'\n", c.fifo);
		goto out;
	}
	{
		struct winsize ws = { .ws_row = 24, .ws_col = 80 };
		c.pid = forkpty(&c.pty, NULL, NULL, &ws);
		if (c.pid < 0) {
			printf("keylat failed: no pseudo-terminal (%s)\n", strerror(errno));
			goto out;
		}
		if (c.pid == 0) {
			setenv("TCPLAB_KEYLOG", c.fifo, 1);
			setenv("TERM", "xterm", 1);
			setenv("LANG", "C", 1);
			unsetenv("LC_ALL");
			execl(argv[1], argv[1], "inspect", argv[2], (char *)NULL);
			_exit(127);
		}
		fcntl(c.pty, F_SETFL, fcntl(c.pty, F_GETFL) | O_NONBLOCK);
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
			    (ms[s][r] = press(&c, keybytes(steps[s].key), &in[s][r])) < 0 ||
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
	if (c.pid > 0) {
		kill(c.pid, SIGTERM);
		while (waitpid(c.pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (c.pty >= 0)
		close(c.pty);
	if (c.fd >= 0)
		close(c.fd);
	unlink(c.fifo);
	rmdir(c.dir);
	return rc;
}
