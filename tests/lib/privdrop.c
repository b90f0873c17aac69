/* summary: test helper: run a program as the unprivileged user nobody (uid/gid 65534) and collect its output and status. */
#include "tests/lib/privdrop.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NOBODY 65534
#define OUTPUT_MAX (64 * 1024)

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Child: 'stage' tells the parent which step failed. */
struct report { int stage; int err; };
enum { ST_DROP = 1, ST_STDIO, ST_EXEC };

static void fail(int fd, int stage)
{
	struct report r = { stage, errno };

	(void)!write(fd, &r, sizeof(r));
	_exit(127);
}

int privdrop_run(const char *const *argv, const char *const *env, int timeout_ms,
                 struct privdrop_result *res, char *why, size_t whylen)
{
	static const char *const empty[] = { NULL };
	int out[2], rep[2], exe;
	long long deadline = now_ms() + timeout_ms;
	struct report r;
	size_t cap = OUTPUT_MAX;
	pid_t pid;
	ssize_t n;

	memset(res, 0, sizeof(*res));
	if (geteuid() != 0) {
		snprintf(why, whylen, "dropping to uid %d needs root", NOBODY);
		return -EPERM;
	}
	exe = open(argv[0], O_PATH | O_CLOEXEC);
	if (exe < 0) {
		snprintf(why, whylen, "cannot open '%s': %s", argv[0], strerror(errno));
		return -errno;
	}
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(rep, O_CLOEXEC) < 0) {
		snprintf(why, whylen, "pipe: %s", strerror(errno));
		close(exe);
		return -EIO;
	}
	pid = fork();
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (setgroups(0, NULL) < 0 || setgid(NOBODY) < 0 || setuid(NOBODY) < 0 ||
		    chdir("/") < 0)
			fail(rep[1], ST_DROP);
		if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out[1], 1) < 0 || dup2(out[1], 2) < 0)
			fail(rep[1], ST_STDIO);
		syscall(SYS_execveat, exe, "", (char *const *)argv, (char *const *)(env ? env : empty),
		        AT_EMPTY_PATH);
		fail(rep[1], ST_EXEC);
	}
	close(exe);
	close(out[1]);
	close(rep[1]);
	if (pid < 0) {
		snprintf(why, whylen, "fork: %s", strerror(errno));
		close(out[0]);
		close(rep[0]);
		return -EIO;
	}
	n = read(rep[0], &r, sizeof(r));
	close(rep[0]);
	if (n != 0) {
		waitpid(pid, NULL, 0);
		close(out[0]);
		if (n == (ssize_t)sizeof(r) && r.stage == ST_EXEC && r.err == EACCES)
			snprintf(why, whylen, "'%s' is not executable by uid %d", argv[0], NOBODY);
		else
			snprintf(why, whylen, "cannot run '%s' as uid %d (step %d): %s", argv[0], NOBODY,
			         n == (ssize_t)sizeof(r) ? r.stage : 0,
			         n == (ssize_t)sizeof(r) ? strerror(r.err) : "child died");
		return -EPERM;
	}
	res->output = malloc(cap + 1);
	if (!res->output) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		close(out[0]);
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	for (;;) {
		struct pollfd pfd = { .fd = out[0], .events = POLLIN };
		long long left = deadline - now_ms();
		char sink[4096];

		if (left <= 0) {
			res->timed_out = true;
			break;
		}
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		if (res->len < cap)
			n = read(out[0], res->output + res->len, cap - res->len);
		else
			n = read(out[0], sink, sizeof(sink));
		if (n <= 0)
			break;
		if (res->len < cap)
			res->len += (size_t)n;
	}
	close(out[0]);
	res->output[res->len] = '\0';
	if (res->timed_out)
		kill(pid, SIGKILL);
	while (waitpid(pid, &res->status, 0) < 0 && errno == EINTR)
		;
	return 0;
}
