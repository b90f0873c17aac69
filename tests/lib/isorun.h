/* summary: test helper: run tcplab with a private /tmp, read its output live, kill it, and prove it left nothing behind. */
#ifndef TCPLAB_TESTS_LIB_ISORUN_H
#define TCPLAB_TESTS_LIB_ISORUN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * For Criterion tests that need root (they skip otherwise). isorun_start() makes the
 * calling test process a child subreaper (every orphan of the run becomes its child, so
 * "nothing left" can be proved by waiting, not guessed), makes a fresh folder, and starts
 * TCPLAB_BUILD/tcplab in TCPLAB_ROOT with that folder bind-mounted over /tmp in a mount
 * namespace of its own: whatever tcplab or a student's program leaves in /tmp lands
 * there and nowhere else, so tests running at the same time cannot be confused with ours.
 * stdout and stderr come merged through a pipe.
 *
 * isorun_assert_clean() fails the test when, once tcplab has ended: a process it started
 * is still alive after grace_ms (processes killed by the kernel are waited for through
 * pidfds, never a sleep), the private /tmp holds anything, one of the network namespaces
 * named by "net:[N]" in the output is still held by a process of the run (this test process
 * or a descendant: namespace numbers are reused by other tests' namespaces), or the
 * host's network devices changed.
 */
struct isorun {
	pid_t pid;
	int out;                /* read end, blocking */
	char tmp[128];          /* the private /tmp */
	char keep[2][128];      /* names in it that are the tree's own mount points, not leftovers */
	char *buf;              /* everything read so far, NUL-terminated */
	size_t len, cap;
	int status;             /* once waited */
	bool waited;
	char devs[4096];        /* the host's devices at the start */
};

/*
 * Who tcplab runs as. ISORUN_USER: as nobody (uid/gid 65534, no capabilities), the way a
 * normal-user instructor grades, with /etc/subuid and /etc/subgid replaced in tcplab's own
 * mount namespace (never on the host) by files that grant nobody 100000:65536, so the
 * subordinate-uid sandbox is what runs, on any machine with newuidmap. The tree, the build
 * and every path given in args must be readable by others. It skips the test, with the
 * reason, where newuidmap or /etc/subuid is missing.
 * ISORUN_CONTAINER: as root in a default Docker container, through TCPLAB_BUILD/tests/
 * progs/nsdeny (no CAP_SYS_ADMIN or CAP_NET_ADMIN; seccomp refuses unshare, setns and
 * clone with CLONE_NEW*); skips the test, with the reason, when nsdeny is not built.
 * ISORUN_CONTAINER_NO_RAW: the same without CAP_NET_RAW (nsdeny --no-net-raw).
 */
enum isorun_as { ISORUN_ROOT, ISORUN_USER, ISORUN_CONTAINER, ISORUN_CONTAINER_NO_RAW };

void isorun_start(struct isorun *r, const char *const *args);
void isorun_start_as(struct isorun *r, const char *const *args, enum isorun_as as);
/* Read until the output holds n newlines (or EOF): false at EOF before that. */
bool isorun_read_lines(struct isorun *r, size_t n);
/* Read to EOF, then wait; the exit status (128 + signal when killed). */
int isorun_finish(struct isorun *r);
void isorun_assert_clean(struct isorun *r, int grace_ms);
void isorun_release(struct isorun *r);

/* Does any process, thread or open fd on the system refer to network namespace ino? */
bool isorun_netns_in_use(unsigned long ino);

#endif
