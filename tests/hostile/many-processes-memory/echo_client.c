/* summary: hostile submission: two children each take 340 MiB (under the per-process limit), 680 MiB together if nothing counts them as one. */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hostile.h"   /* test_hostile copies it next to this file */

#define KIDS 2
#define KID_MIB 340
#define CAP_MIB 640     /* the whole program's cap where a cgroup holds (docs/security.md) */

/* What of a process is in memory, from /proc/PID/statm (pages): 0 once it is gone. */
static long resident_of(const char *pid)
{
	char path[64];
	FILE *f;
	long size = 0, res = 0;

	snprintf(path, sizeof(path), "/proc/%s/statm", pid);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%ld %ld", &size, &res) != 2)
			res = 0;
		fclose(f);
	}
	return res * (sysconf(_SC_PAGESIZE) / 1024) / 1024;
}

static long resident_mib(void)
{
	return resident_of("self");
}

int main(void)
{
	int p[2], said = 0, dead = 0;
	long held = 0;
	pid_t kids[KIDS];

	hostile_hello("many-processes-memory");
	if (pipe(p) < 0)
		return 1;
	for (int i = 0; i < KIDS; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			size_t len = (size_t)KID_MIB << 20;
			/* Populated for writing at once, faster than touching page by page. But
			 * MAP_POPULATE is best effort: where a cgroup's cap stops it, it stops
			 * silently. So what is resident is counted, and what is missing is touched
			 * (through a volatile pointer, which no compiler drops): that is where a
			 * cap kills. */
			volatile char *m = mmap(NULL, len, PROT_READ | PROT_WRITE,
			                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

			if (m != MAP_FAILED && resident_mib() < KID_MIB)
				for (size_t o = 0; o < len; o += 4096)
					m[o] = 1;
			(void)!write(p[1], m != MAP_FAILED && resident_mib() >= KID_MIB ? "y" : "n", 1);
			pause();
			_exit(0);
		}
	}
	close(p[1]);
	/* Every child either says whether it holds its share, or dies (a cgroup's OOM kill):
	 * count both, however long the machine takes. */
	while (said + dead < KIDS) {
		struct pollfd pfd = { p[0], POLLIN, 0 };
		char c;

		if (poll(&pfd, 1, 100) == 1 && read(p[0], &c, 1) == 1)
			said++;
		while (waitpid(-1, NULL, WNOHANG) > 0)
			dead++;
	}
	/* A child that said yes may have been killed since, for another's sake: what counts
	 * is what the living hold now, all at once. */
	for (int i = 0; i < KIDS; i++) {
		char pid[16];

		snprintf(pid, sizeof(pid), "%d", (int)kids[i]);
		held += kids[i] > 0 ? resident_of(pid) : 0;
	}
	if (held <= CAP_MIB)
		printf("hostile: many-processes-memory: held to %d MiB together\n", CAP_MIB);
	else
		printf("hostile: many-processes-memory: the children held %ld MiB together\n", held);
	fflush(stdout);
	for (int i = 0; i < KIDS; i++)
		if (kids[i] > 0)
			kill(kids[i], SIGKILL);
	while (wait(NULL) > 0)
		;
	return 1;
}
