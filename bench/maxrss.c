/* summary: run a command and report its wall time and peak resident memory (for 'make bench'). */

/*
 * Usage: maxrss -o REPORT -- COMMAND [ARG...]
 *
 * Forks, execs COMMAND (searching PATH), waits with wait4() and writes one line to REPORT:
 *   wall_s=S maxrss_kib=K status=X
 * wall_s is CLOCK_MONOTONIC from just before fork to just after wait4: it includes exec and
 * the dynamic loader, as any user's wall time would. maxrss_kib is the child's ru_maxrss
 * (Linux: the peak RSS, VmHWM, in KiB). status is the exit status, or 128+signal.
 * The report goes to a file so COMMAND's own stdout and stderr stay untouched.
 * Exits with COMMAND's status (127 when it cannot be run).
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc < 5 || strcmp(argv[1], "-o") != 0 || strcmp(argv[3], "--") != 0) {
		fprintf(stderr, "usage: maxrss -o REPORT -- COMMAND [ARG...]\n");
		return 2;
	}
	const char *report = argv[2];
	char **cmd = argv + 4;

	FILE *out = fopen(report, "w");
	if (!out) {
		fprintf(stderr, "maxrss: cannot create '%s': %s\n", report, strerror(errno));
		return 127;
	}

	double t0 = now_s();
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "maxrss: cannot fork: %s\n", strerror(errno));
		fclose(out);
		return 127;
	}
	if (pid == 0) {
		fclose(out);
		execvp(cmd[0], cmd);
		fprintf(stderr, "maxrss: cannot run '%s': %s\n", cmd[0], strerror(errno));
		_exit(127);
	}

	int wstatus;
	struct rusage ru;
	pid_t w;
	while ((w = wait4(pid, &wstatus, 0, &ru)) < 0 && errno == EINTR)
		;
	double wall = now_s() - t0;
	if (w < 0) {
		fprintf(stderr, "maxrss: cannot wait for '%s': %s\n", cmd[0], strerror(errno));
		fclose(out);
		return 127;
	}
	int status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
	fprintf(out, "wall_s=%.6f maxrss_kib=%ld status=%d\n", wall, ru.ru_maxrss, status);
	if (fclose(out) != 0) {
		fprintf(stderr, "maxrss: cannot write '%s': %s\n", report, strerror(errno));
		return 127;
	}
	return status;
}
