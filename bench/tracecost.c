/* summary: 'make bench': what the syscall tracer costs a program per call, traced against untraced. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "engine/proc.h"
#include "engine/sandbox.h"
#include "engine/tracer.h"

/*
 * usage: tracecost [PAIRS [RUNS]]          (default 100000 pairs, best of 3 runs)
 *        tracecost --child sock|pipe PAIRS  (the program it runs)
 *
 * The child makes PAIRS one-byte send()+recv() pairs on a socketpair (two traced calls
 * each: a seccomp stop, a syscall-exit stop and a record each), or PAIRS write()+read()
 * pairs on a pipe (a seccomp stop each, resumed at once: not a socket), timed by its own
 * clock around the loop only, and prints nanoseconds per pair. The parent runs it through
 * proc_spawn() untraced and traced (as labrun.c runs lab programs), reading the records
 * as tcplab does, and prints the best run of each. It measures; it exits 0 unless it
 * cannot measure at all.
 */

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int child(const char *what, long pairs)
{
	int fd[2];
	char c = 'x';
	long long t0;

	if (!strcmp(what, "sock") ? socketpair(AF_UNIX, SOCK_STREAM, 0, fd) < 0 : pipe(fd) < 0) {
		perror("tracecost: socketpair/pipe");
		return 1;
	}
	t0 = now_ns();
	for (long i = 0; i < pairs; i++) {
		bool sock = what[0] == 's';

		if ((sock ? send(fd[0], &c, 1, 0) : write(fd[1], &c, 1)) != 1 ||
		    (sock ? recv(fd[1], &c, 1, 0) : read(fd[0], &c, 1)) != 1) {
			perror("tracecost: send/recv");
			return 1;
		}
	}
	printf("%.1f\n", (double)(now_ns() - t0) / (double)pairs);
	return 0;
}

/* One run of the child; its ns per pair, or a negative value. *events: records read. */
static double run_once(struct sandbox *sb, const char *self, const char *what, const char *n,
                       bool trace, long *events)
{
	const char *argv[] = { self, "--child", what, n, NULL };
	struct proc_spec spec = { .argv = argv, .host = HOST_CLIENT, .keep_fd = -1,
	                          .trace = trace };
	struct trace_event ev[256];
	char err[256], out[128];
	size_t outlen = 0;
	bool ended = false, eof = false;
	int status = -1;
	struct proc *p = proc_spawn(sb, &spec, err, sizeof(err));

	*events = 0;
	if (!p) {
		fprintf(stderr, "tracecost: %s\n", err);
		return -1;
	}
	while (!ended || !eof || !proc_trace_ended(p)) {
		struct pollfd fds[3];
		int k = 0;
		size_t got;

		if (proc_trace_fd(p) >= 0)
			fds[k++] = (struct pollfd){ proc_trace_fd(p), POLLIN, 0 };
		if (!eof)
			fds[k++] = (struct pollfd){ proc_output_fd(p), POLLIN, 0 };
		if (!ended)
			fds[k++] = (struct pollfd){ proc_exit_fd(p), POLLIN, 0 };
		if (k)
			(void)poll(fds, (nfds_t)k, -1);
		while ((got = proc_trace_take(p, ev, sizeof(ev) / sizeof(ev[0]))) > 0)
			*events += (long)got;
		if (!eof) {
			ssize_t r = read(proc_output_fd(p), out + outlen, sizeof(out) - 1 - outlen);

			if (r > 0)
				outlen += (size_t)r;
			else if (r == 0 || (errno != EAGAIN && errno != EINTR))
				eof = true;
		}
		if (!ended && proc_reap(p, &status) == 1)
			ended = true;
	}
	proc_free(p);
	out[outlen] = '\0';
	if (status != 0) {
		fprintf(stderr, "tracecost: the child failed: %s\n", out);
		return -1;
	}
	return atof(out);
}

int main(int argc, char **argv)
{
	static const char *const what[] = { "sock", "pipe" };
	char self[PATH_MAX], err[256], n[32];
	long pairs = 100000, runs = 3;
	struct sandbox *sb;
	ssize_t len;

	if (argc == 4 && !strcmp(argv[1], "--child"))
		return child(argv[2], atol(argv[3]));
	if (argc > 1)
		pairs = atol(argv[1]);
	if (argc > 2)
		runs = atol(argv[2]);
	if (pairs <= 0 || runs <= 0) {
		fprintf(stderr, "usage: tracecost [PAIRS [RUNS]]\n");
		return 2;
	}
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len <= 0) {
		perror("tracecost: /proc/self/exe");
		return 1;
	}
	self[len] = '\0';
	snprintf(n, sizeof(n), "%ld", pairs);
	if (tracer_probe(err, sizeof(err)) < 0) {
		printf("tracer cost: not measured: %s\n", err);
		return 0;
	}
	if (sandbox_prepare(err, sizeof(err)) < 0 ||
	    !(sb = sandbox_new(SANDBOX_LOOPBACK, err, sizeof(err)))) {
		printf("tracer cost: not measured: %s\n", err);
		return 0;
	}
	printf("tracer cost: %ld pairs per run, best of %ld runs (the child's own clock, loop only)\n",
	       pairs, runs);
	for (int w = 0; w < 2; w++) {
		double best[2] = { -1, -1 };
		long events = 0;

		for (int traced = 0; traced < 2; traced++) {
			for (long r = 0; r < runs; r++) {
				double ns = run_once(sb, self, what[w], n, traced, &events);

				if (ns < 0) {
					sandbox_free(sb);
					return 1;
				}
				if (best[traced] < 0 || ns < best[traced])
					best[traced] = ns;
			}
		}
		printf("  %-28s untraced %8.2f us   traced %8.2f us   +%.2f us per call (%ld records)\n",
		       w ? "pipe write()+read(), per pair" : "socket send()+recv(), per pair",
		       best[0] / 1000, best[1] / 1000, (best[1] - best[0]) / 2000, events);
	}
	sandbox_free(sb);
	return 0;
}
