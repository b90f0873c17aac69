/* summary: run tcplab with a private /tmp and prove it left nothing behind (see isorun.h). */
#include "tests/lib/isorun.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/lib/tcplab_run.h"

static void host_devices(char *buf, size_t len)
{
	DIR *d = opendir("/sys/class/net");
	struct dirent *e;
	size_t used = 0;

	buf[0] = '\0';
	cr_assert_not_null(d);
	/* readdir order is stable for an unchanged directory: good enough to compare. */
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && used + strlen(e->d_name) + 2 < len)
			used += (size_t)snprintf(buf + used, len - used, "%s ", e->d_name);
	closedir(d);
}

/* mkdir -p: every level of an absolute path. */
static int mkdir_p(const char *path)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *q = buf + 1; ; q++) {
		if (*q == '/' || !*q) {
			char c = *q;

			*q = '\0';
			if (mkdir(buf, 0755) < 0 && errno != EEXIST)
				return -1;
			*q = c;
			if (!c)
				return 0;
		}
	}
}

#define NOBODY 65534
#define SUBID_LINE "nobody:100000:65536\n"

/* The files bound over /etc/subuid and /etc/subgid: dot names in the private /tmp, which
 * isorun_assert_clean() does not count as leftovers. */
static void subid_files(const struct isorun *r)
{
	static const char *const names[] = { ".subuid", ".subgid" };

	for (int i = 0; i < 2; i++) {
		char path[200];
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", r->tmp, names[i]);
		f = fopen(path, "w");
		cr_assert_not_null(f, "%s: %s", path, strerror(errno));
		fputs(SUBID_LINE, f);
		cr_assert_eq(fclose(f), 0);
		cr_assert_eq(chmod(path, 0644), 0);
	}
}

/* In the child, in its own mount namespace: nobody gets a range, then becomes nobody. */
static void become_user(void)
{
	if (mount("/tmp/.subuid", "/etc/subuid", NULL, MS_BIND, NULL) < 0 ||
	    mount("/tmp/.subgid", "/etc/subgid", NULL, MS_BIND, NULL) < 0)
		_exit(126);
	if (setgroups(0, NULL) < 0 || setgid(NOBODY) < 0 || setuid(NOBODY) < 0)
		_exit(126);
}

void isorun_start(struct isorun *r, const char *const *args)
{
	isorun_start_as(r, args, ISORUN_ROOT);
}

void isorun_start_as(struct isorun *r, const char *const *args, enum isorun_as as)
{
	char prog[1024], wrap[1024];
	const char *argv[34];
	int p[2];
	char orig[160];
	size_t n = 0;

	if (geteuid() != 0)
		cr_skip_test("needs root: a private /tmp for tcplab and every process's namespaces");
	memset(r, 0, sizeof(*r));
	r->out = -1;
	snprintf(prog, sizeof(prog), "%s/tcplab", test_build());
	if (access(prog, X_OK) != 0)
		cr_skip_test("'%s' is not built (run the tests through 'make test')", prog);
	if (as == ISORUN_USER && (access("/usr/bin/newuidmap", X_OK) != 0 ||
	                          access("/usr/bin/newgidmap", X_OK) != 0))
		cr_skip_test("grading as a normal user with a subordinate uid range needs newuidmap"
		             " and newgidmap ('make deps-test' installs the uidmap package)");
	if (as == ISORUN_USER && (access("/etc/subuid", F_OK) != 0 || access("/etc/subgid", F_OK) != 0))
		cr_skip_test("/etc/subuid or /etc/subgid is missing here: there is no file to stand"
		             " in for (the uidmap package makes both)");
	cr_assert_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	snprintf(r->tmp, sizeof(r->tmp), "/tmp/isorun-XXXXXX");
	cr_assert_not_null(mkdtemp(r->tmp));
	chmod(r->tmp, 01777);
	host_devices(r->devs, sizeof(r->devs));
	snprintf(wrap, sizeof(wrap), "%s/tests/progs/nsdeny", test_build());
	if (as >= ISORUN_CONTAINER && access(wrap, X_OK) != 0)
		cr_skip_test("'%s' is not built (make %s)", wrap, wrap);
	if (as >= ISORUN_CONTAINER)
		argv[n++] = wrap;
	if (as == ISORUN_CONTAINER_NO_RAW)
		argv[n++] = "--no-net-raw";
	argv[n++] = prog;
	for (size_t k = 0; args[k]; k++) {
		cr_assert_lt(n, 33);
		argv[n++] = args[k];
	}
	argv[n] = NULL;
	/*
	 * The checkout itself may live in /tmp (a CI clone): the real /tmp is bound at
	 * .orig inside the private one first, the tree and the build folder are bound back
	 * from there at their own paths, and .orig is then detached.
	 */
	for (int i = 0; i < 2; i++) {
		const char *path = i ? test_build() : test_root();

		if (!strncmp(path, "/tmp/", 5))
			snprintf(r->keep[i], sizeof(r->keep[i]), "%.*s", (int)strcspn(path + 5, "/"),
			         path + 5);
	}
	snprintf(orig, sizeof(orig), "%s/.orig", r->tmp);
	cr_assert_eq(mkdir(orig, 0700), 0);
	if (as == ISORUN_USER)
		subid_files(r);
	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	r->pid = fork();
	cr_assert_geq(r->pid, 0);
	if (r->pid == 0) {
		if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    mount("/tmp", orig, NULL, MS_BIND, NULL) < 0 ||
		    mount(r->tmp, "/tmp", NULL, MS_BIND | MS_REC, NULL) < 0)
			_exit(126);
		for (int i = 0; i < 2; i++) {
			const char *path = i ? test_build() : test_root();
			char src[1100];

			if (strncmp(path, "/tmp/", 5))
				continue;
			snprintf(src, sizeof(src), "/tmp/.orig/%s", path + 5);
			if (mkdir_p(path) < 0 || mount(src, path, NULL, MS_BIND | MS_REC, NULL) < 0)
				_exit(126);
		}
		if (umount2("/tmp/.orig", MNT_DETACH) < 0)
			_exit(126);
		if (as == ISORUN_USER)
			become_user();
		/* Progress tcplab records is its state, not a leftover: keep it apart. */
		setenv("XDG_STATE_HOME", "/tmp/.state", 1);
		dup2(p[1], 1);
		dup2(p[1], 2);
		if (chdir(test_root()) == 0)
			execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	r->out = p[0];
	r->cap = 65536;
	r->buf = calloc(1, r->cap);
	cr_assert_not_null(r->buf);
}

/* One read; false at EOF. */
static bool read_some(struct isorun *r)
{
	ssize_t n;

	if (r->len + 4096 + 1 > r->cap) {
		/* Keep at most 4 MiB: a flood is cut, not a reason for the test to run out. */
		if (r->cap >= (4u << 20)) {
			memmove(r->buf, r->buf + r->len / 2, r->len - r->len / 2 + 1);
			r->len -= r->len / 2;
		} else {
			r->cap *= 2;
			r->buf = realloc(r->buf, r->cap);
			cr_assert_not_null(r->buf);
		}
	}
	do
		n = read(r->out, r->buf + r->len, r->cap - r->len - 1);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return false;
	r->len += (size_t)n;
	r->buf[r->len] = '\0';
	return true;
}

bool isorun_read_lines(struct isorun *r, size_t n)
{
	for (;;) {
		size_t lines = 0;

		for (const char *c = r->buf; (c = strchr(c, '\n')); c++)
			lines++;
		if (lines >= n)
			return true;
		if (!read_some(r))
			return false;
	}
}

int isorun_finish(struct isorun *r)
{
	int st;

	while (read_some(r))
		;
	if (!r->waited) {
		cr_assert_eq(waitpid(r->pid, &st, 0), r->pid);
		r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		r->waited = true;
	}
	return r->status;
}

static bool link_is(const char *path, unsigned long ino)
{
	char target[64];
	unsigned long got;
	ssize_t n = readlink(path, target, sizeof(target) - 1);

	if (n <= 0)
		return false;
	target[n] = '\0';
	return sscanf(target, "net:[%lu]", &got) == 1 && got == ino;
}

/* Is pid this process or one of its descendants (its ppid chain reaches us)? */
static bool ours(pid_t pid)
{
	pid_t me = getpid();

	for (int depth = 0; pid > 1 && depth < 64; depth++) {
		char path[64], buf[512], *rp;
		int ppid = 0;
		FILE *f;

		if (pid == me)
			return true;
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
		f = fopen(path, "r");
		if (!f)
			return false;
		rp = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
		fclose(f);
		if (!rp || sscanf(rp + 1, " %*c %d", &ppid) != 1)
			return false;
		pid = ppid;
	}
	return false;
}

static bool netns_held(unsigned long ino, bool only_ours)
{
	static const char *const subdirs[] = { "fd", "task" };
	DIR *procd = opendir("/proc");
	struct dirent *p;
	bool found = false;

	cr_assert_not_null(procd);
	while (!found && (p = readdir(procd))) {
		char path[512];

		if (p->d_name[0] < '0' || p->d_name[0] > '9')
			continue;
		/* Namespace numbers are reused: another test's namespace may carry the number of
		 * one of ours that is long gone. Only our own processes can hold ours. */
		if (only_ours && !ours((pid_t)atoi(p->d_name)))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/ns/net", p->d_name);
		found = link_is(path, ino);
		for (size_t i = 0; i < 2 && !found; i++) {
			DIR *d;
			struct dirent *e;

			snprintf(path, sizeof(path), "/proc/%s/%s", p->d_name, subdirs[i]);
			if (!(d = opendir(path)))
				continue;
			while (!found && (e = readdir(d))) {
				char sub[800];

				if (e->d_name[0] == '.')
					continue;
				snprintf(sub, sizeof(sub), "%s/%s%s", path, e->d_name, i ? "/ns/net" : "");
				found = link_is(sub, ino);
			}
			closedir(d);
		}
	}
	closedir(procd);
	return found;
}

bool isorun_netns_in_use(unsigned long ino)
{
	return netns_held(ino, false);
}

/* Our children now: with the subreaper bit, every orphan of the run is one of them. */
static int children(pid_t *pids, int max)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	cr_assert_not_null(d);
	while ((e = readdir(d)) && n < max) {
		char path[300], stat[512], *rp;
		int fd, ppid;
		ssize_t len;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		if ((fd = open(path, O_RDONLY)) < 0)
			continue;
		len = read(fd, stat, sizeof(stat) - 1);
		close(fd);
		if (len <= 0)
			continue;
		stat[len] = '\0';
		rp = strrchr(stat, ')');
		if (rp && sscanf(rp + 1, " %*c %d", &ppid) == 1 && ppid == getpid())
			pids[n++] = atoi(e->d_name);
	}
	closedir(d);
	return n;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void isorun_assert_clean(struct isorun *r, int grace_ms)
{
	long long until = now_ms() + grace_ms;
	pid_t pids[64];
	int n;
	DIR *d;
	struct dirent *e;
	char devs[4096];

	isorun_finish(r);
	/* Whatever is left must end by itself within the grace (killed by the kernel, or a
	 * guard finishing its cleaning): wait on each through a pidfd, then judge. */
	while ((n = children(pids, 64)) > 0) {
		int pfd = (int)syscall(SYS_pidfd_open, pids[0], 0);
		long long left = until - now_ms();
		char path[64], cmd[256] = "";
		int fd;

		if (pfd >= 0) {
			struct pollfd p = { pfd, POLLIN, 0 };

			if (left > 0 && poll(&p, 1, (int)left) == 1) {
				close(pfd);
				waitpid(pids[0], NULL, 0);
				continue;
			}
			close(pfd);
		}
		snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pids[0]);
		if ((fd = open(path, O_RDONLY)) >= 0) {
			ssize_t k = read(fd, cmd, sizeof(cmd) - 1);

			cmd[k > 0 ? k : 0] = '\0';
			close(fd);
		}
		if (pfd < 0) {       /* gone already, not yet reaped */
			waitpid(pids[0], NULL, 0);
			continue;
		}
		kill(pids[0], SIGKILL);
		waitpid(pids[0], NULL, 0);
		cr_assert_fail("process %d ('%s') outlived tcplab by more than %d ms", (int)pids[0],
		               cmd, grace_ms);
	}
	d = opendir(r->tmp);
	cr_assert_not_null(d);
	while ((e = readdir(d)))
		cr_expect(e->d_name[0] == '.' || !strcmp(e->d_name, r->keep[0]) ||
		          !strcmp(e->d_name, r->keep[1]), "left in /tmp: '%s'", e->d_name);
	closedir(d);
	for (const char *c = r->buf; (c = strstr(c, "net:[")); c++) {
		unsigned long ino = strtoul(c + 5, NULL, 10);

		cr_expect_not(netns_held(ino, true), "network namespace %lu outlived the run", ino);
	}
	host_devices(devs, sizeof(devs));
	cr_expect_str_eq(devs, r->devs, "the host's network devices changed");
}

void isorun_release(struct isorun *r)
{
	char cmd[300];

	if (r->out >= 0)
		close(r->out);
	r->out = -1;
	if (r->pid > 0 && !r->waited) {
		kill(r->pid, SIGKILL);
		waitpid(r->pid, NULL, 0);
	}
	free(r->buf);
	r->buf = NULL;
	if (r->tmp[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", r->tmp);
		(void)!system(cmd);
	}
}
