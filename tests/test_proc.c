/* summary: tests for engine/proc: output and status, exec failures, deadlines that kill the whole group, parent death, namespace, fds and environment. */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/proc.h"
#include "engine/sandbox.h"

static struct sandbox *sb;

static void setup(void)
{
	char err[256];

	if (geteuid() != 0)
		return;   /* each test skips with the reason */
	sb = sandbox_new(SANDBOX_TWO_HOSTS, err, sizeof(err));
	cr_assert_not_null(sb, "sandbox_new: %s", err);
}

static void teardown(void)
{
	sandbox_free(sb);
	sb = NULL;
}

static void need_sandbox(void)
{
	if (!sb)
		cr_skip_test("in-process sandboxes need root (Criterion workers may have threads, "
		             "which rules out a user namespace)");
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct proc *spawn(const char *const *argv, enum sandbox_host h, double timeout_s)
{
	struct proc_spec spec = { .argv = argv, .host = h, .keep_fd = -1, .timeout_s = timeout_s };
	char err[256];
	struct proc *p = proc_spawn(sb, &spec, err, sizeof(err));

	cr_assert_not_null(p, "proc_spawn: %s", err);
	return p;
}

/* Reads the program's output until EOF or the deadline, as the lab loop would: poll. */
static size_t read_output(struct proc *p, char *buf, size_t cap, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	size_t len = 0;

	for (;;) {
		struct pollfd pfd = { .fd = proc_output_fd(p), .events = POLLIN };
		long long left = deadline - now_ms();
		ssize_t n;

		cr_assert_gt(left, 0, "no EOF on the output within %d ms (got '%.*s')", timeout_ms,
		             (int)len, buf);
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		n = read(pfd.fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EAGAIN)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	return len;
}

/* Polls the exit pidfd (and the deadline) until proc_reap() reports the end. */
static int wait_end(struct proc *p, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	int status;

	while (proc_reap(p, &status) == 0) {
		struct pollfd pfd = { .fd = proc_exit_fd(p), .events = POLLIN };
		int wait = (int)(deadline - now_ms()), d = proc_deadline_ms(p);

		cr_assert_gt(wait, 0, "the program did not end within %d ms", timeout_ms);
		if (d >= 0 && d < wait)
			wait = d;
		(void)poll(&pfd, 1, wait);
	}
	return status;
}

TestSuite(proc, .init = setup, .fini = teardown);

Test(proc, output_is_merged_and_exit_status_is_reported, .timeout = 10)
{
	const char *argv[] = { "/bin/sh", "-c", "echo hi; echo err >&2; exit 3", NULL };
	char out[256];
	struct proc *p;
	int status;

	need_sandbox();
	p = spawn(argv, HOST_CLIENT, 5);
	cr_assert_gt(proc_pid(p), 0);
	read_output(p, out, sizeof(out), 5000);
	cr_assert_str_eq(out, "hi\nerr\n");
	status = wait_end(p, 5000);
	cr_assert(WIFEXITED(status), "status %#x", status);
	cr_assert_eq(WEXITSTATUS(status), 3);
	cr_assert_not(proc_timed_out(p));
	cr_assert_eq(proc_reap(p, &status), 1, "reaping again must repeat the result");
	cr_assert_eq(WEXITSTATUS(status), 3);
	proc_free(p);
}

Test(proc, a_missing_program_is_an_error_not_exit_127, .timeout = 10)
{
	const char *argv[] = { "/nonexistent/lab-program", NULL };
	struct proc_spec spec = { .argv = argv, .host = HOST_SERVER, .keep_fd = -1 };
	char err[256] = "";

	need_sandbox();
	cr_assert_null(proc_spawn(sb, &spec, err, sizeof(err)));
	cr_assert_str_eq(err, "cannot run '/nonexistent/lab-program': No such file or directory");
}

Test(proc, a_non_executable_file_is_an_error, .timeout = 10)
{
	char dir[] = "/tmp/tcplab-proc-XXXXXX", path[64], want[128];
	const char *argv[] = { path, NULL };
	struct proc_spec spec = { .argv = argv, .host = HOST_CLIENT, .keep_fd = -1 };
	char err[256] = "";
	int fd;

	need_sandbox();
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/data", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);   /* no x bit: even root gets EACCES */
	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_null(proc_spawn(sb, &spec, err, sizeof(err)));
	snprintf(want, sizeof(want), "cannot run '%s': Permission denied", path);
	unlink(path);
	rmdir(dir);
	cr_assert_str_eq(err, want);
}

Test(proc, the_deadline_kills_the_whole_process_group, .timeout = 15)
{
	/* The shell starts a grandchild and reports its pid; both must die at the deadline. */
	const char *argv[] = { "/bin/sh", "-c", "sleep 100 & echo $!; wait", NULL };
	char out[64] = "";
	struct pollfd gp;
	struct proc *p;
	long long start;
	int status, gfd;
	pid_t grandchild = 0;
	size_t len = 0;

	need_sandbox();
	start = now_ms();
	p = spawn(argv, HOST_CLIENT, 0.5);
	/* Only the first line: the output pipe stays open until the grandchild dies. */
	while (!strchr(out, '\n') || len == 0) {
		struct pollfd pfd = { .fd = proc_output_fd(p), .events = POLLIN };
		ssize_t n;
		cr_assert_eq(poll(&pfd, 1, 3000), 1, "the shell printed nothing");
		n = read(pfd.fd, out + len, sizeof(out) - 1 - len);
		cr_assert_gt(n, 0);
		len += (size_t)n;
		out[len] = '\0';
	}
	grandchild = (pid_t)atoi(out);
	cr_assert_gt(grandchild, 0, "output: %s", out);
	gfd = (int)syscall(SYS_pidfd_open, grandchild, 0);
	cr_assert_geq(gfd, 0, "pidfd_open(%d): %s", grandchild, strerror(errno));
	cr_assert_eq(getpgid(grandchild), proc_pid(p), "the grandchild is not in the group");

	status = wait_end(p, 5000);
	cr_assert(proc_timed_out(p));
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "status %#x", status);
	cr_assert_geq(now_ms() - start, 450, "killed before its deadline");
	gp = (struct pollfd){ .fd = gfd, .events = POLLIN };
	cr_assert_eq(poll(&gp, 1, 3000), 1, "the grandchild survived the group kill");
	close(gfd);
	proc_free(p);
}

Test(proc, proc_kill_ends_a_running_program, .timeout = 10)
{
	const char *argv[] = { "/bin/sleep", "100", NULL };
	struct proc *p;
	int status;

	need_sandbox();
	p = spawn(argv, HOST_CLIENT, 0);
	cr_assert_eq(proc_deadline_ms(p), -1);
	cr_assert_eq(proc_reap(p, &status), 0, "sleep 100 already ended");
	proc_kill(p);
	cr_assert_eq(proc_reap(p, &status), 1);
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "status %#x", status);
	cr_assert_not(proc_timed_out(p));
	proc_free(p);
}

Test(proc, programs_die_with_the_process_that_spawned_them, .timeout = 15)
{
	int info[2];
	pid_t mid, prog = 0;
	int pfd;
	siginfo_t si;
	struct pollfd wp;

	need_sandbox();
	/* Orphans come to us, so the killed program can be reaped and its signal read. */
	cr_assert_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	cr_assert_eq(pipe(info), 0);
	mid = fork();
	cr_assert_geq(mid, 0);
	if (mid == 0) {
		const char *argv[] = { "/bin/sleep", "100", NULL };
		struct proc_spec spec = { .argv = argv, .host = HOST_SERVER, .keep_fd = -1 };
		char err[256];
		struct proc *p = proc_spawn(sb, &spec, err, sizeof(err));
		pid_t pid = p ? proc_pid(p) : 0;

		(void)!write(info[1], &pid, sizeof(pid));
		for (;;)
			pause();   /* until SIGKILL: this process plays a crashed tcplab */
	}
	close(info[1]);
	cr_assert_eq(read(info[0], &prog, sizeof(prog)), (ssize_t)sizeof(prog));
	close(info[0]);
	cr_assert_gt(prog, 0, "the middle process could not spawn");
	pfd = (int)syscall(SYS_pidfd_open, prog, 0);
	cr_assert_geq(pfd, 0, "pidfd_open: %s", strerror(errno));
	cr_assert_eq(kill(mid, SIGKILL), 0);
	cr_assert_eq(waitpid(mid, NULL, 0), mid);
	wp = (struct pollfd){ .fd = pfd, .events = POLLIN };
	cr_assert_eq(poll(&wp, 1, 3000), 1, "the lab program outlived its parent");
	memset(&si, 0, sizeof(si));
	cr_assert_eq(waitid(P_PID, (id_t)prog, &si, WEXITED), 0, "%s", strerror(errno));
	cr_assert_eq(si.si_code, CLD_KILLED);
	cr_assert_eq(si.si_status, SIGKILL);
	close(pfd);
}

static ino_t ns_ino_of_fd(int fd)
{
	struct stat st;

	cr_assert_eq(fstat(fd, &st), 0);
	return st.st_ino;
}

Test(proc, programs_run_in_their_host_namespace, .timeout = 10)
{
	const char *argv[] = { "/bin/sleep", "100", NULL };
	enum sandbox_host hosts[] = { HOST_SERVER, HOST_CLIENT };

	need_sandbox();
	for (int i = 0; i < 2; i++) {
		struct proc *p = spawn(argv, hosts[i], 0);
		char path[64];
		struct stat st;

		snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)proc_pid(p));
		cr_assert_eq(stat(path, &st), 0);
		cr_assert_eq(st.st_ino, ns_ino_of_fd(sandbox_netns_fd(sb, hosts[i])),
		             "the %s program is in the wrong namespace",
		             hosts[i] == HOST_SERVER ? "server" : "client");
		proc_free(p);
	}
}

Test(proc, only_stdio_and_keep_fd_survive_and_extra_env_is_set, .timeout = 10)
{
	/* The shell lists its own fds, writes to the kept one and prints the variables. */
	const char *argv[] = { "/bin/sh", "-c",
		"i=0; while [ $i -lt 256 ]; do [ -e /proc/$$/fd/$i ] && printf '%s ' $i; i=$((i+1)); done;"
		"echo;"
		"echo kept >/proc/$$/fd/$KEEP; echo \"$TCPLAB_X $HOME\"", NULL };
	char keepvar[32], out[512], got[64];
	const char *env[] = { keepvar, "TCPLAB_X=yes", "HOME=/lab", NULL };
	int leak[2], keep[2];
	struct proc_spec spec = { .argv = argv, .host = HOST_CLIENT, .extra_env = env };
	struct proc *p;
	char err[256], want[64];
	ssize_t n;

	need_sandbox();
	setenv("HOME", "/root-home", 1);
	cr_assert_eq(pipe(leak), 0);     /* not CLOEXEC: proc_spawn must close it anyway */
	cr_assert_eq(pipe2(keep, O_CLOEXEC), 0);
	spec.keep_fd = keep[1];
	snprintf(keepvar, sizeof(keepvar), "KEEP=%d", keep[1]);
	p = proc_spawn(sb, &spec, err, sizeof(err));
	cr_assert_not_null(p, "%s", err);
	close(keep[1]);
	read_output(p, out, sizeof(out), 5000);
	snprintf(want, sizeof(want), "0 1 2 %d \nyes /lab\n", keep[1]);
	cr_assert_str_eq(out, want, "got '%s', want '%s' (the unkept fds were %d %d)", out, want,
	                 leak[0], leak[1]);
	n = read(keep[0], got, sizeof(got) - 1);
	cr_assert_eq(n, 5);
	got[n] = '\0';
	cr_assert_str_eq(got, "kept\n");
	cr_assert_eq(WEXITSTATUS(wait_end(p, 5000)), 0);
	proc_free(p);
	close(keep[0]);
	close(leak[0]);
	close(leak[1]);
}

Test(proc, an_ignored_sigpipe_does_not_leak_into_the_program, .timeout = 10)
{
	const char *argv[] = { "/bin/sh", "-c", "kill -PIPE $$; echo survived", NULL };
	struct proc *p;
	int status;

	need_sandbox();
	signal(SIGPIPE, SIG_IGN);
	p = spawn(argv, HOST_CLIENT, 5);
	status = wait_end(p, 5000);
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE,
	          "status %#x: SIGPIPE was still ignored in the program", status);
	proc_free(p);
}

/* proc_spawn(NULL, ...) with limits: the compiler's case (engine/grade.c). */
static struct proc *spawn_jailed(const char *const *argv, const struct proc_limits *l,
                                 const char *const *extra)
{
	struct proc_spec spec = { .argv = argv, .keep_fd = -1, .timeout_s = 10, .limits = l,
	                          .extra_env = extra };
	char err[512];
	struct proc *p = proc_spawn(NULL, &spec, err, sizeof(err));

	cr_assert_not_null(p, "proc_spawn: %s", err);
	return p;
}

Test(proc, a_jail_without_a_sandbox_has_an_empty_network_and_an_allowlisted_environment,
     .timeout = 20)
{
	static const char *const argv[] = { "/bin/sh", "-c",
		"env | sort; echo; echo net $(tail -n +3 /proc/net/dev | cut -d: -f1); ls /", NULL };
	static const char *const extra[] = { "TCPLAB_EXTRA=kept", NULL };
	struct proc_limits l = { .cpu_s = 5, .drop_user = true };
	struct jail_report rep;
	char out[8192];
	struct proc *p;
	int status;

	need_sandbox();
	l.report = &rep;
	cr_assert_eq(setenv("TCPLAB_TEST_TOKEN", "must-not-leak", 1), 0);
	p = spawn_jailed(argv, &l, extra);
	read_output(p, out, sizeof(out), 10000);
	status = wait_end(p, 10000);
	proc_free(p);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d: %s", status, out);
	cr_expect(strstr(out, "HOME=/\n") && strstr(out, "PATH=/usr/bin:/bin\n") &&
	          strstr(out, "TERM=dumb\n") && strstr(out, "TMPDIR=/tmp\n"), "%s", out);
	cr_expect(strstr(out, "TCPLAB_EXTRA=kept\n"), "extra_env is added: %s", out);
	cr_expect_null(strstr(out, "must-not-leak"), "tcplab's environment leaked: %s", out);
	/* A fresh network namespace: a loopback, nothing else. */
	cr_expect(strstr(out, "\nnet lo\n"), "%s", out);
	/* The root is the allowlist: none of the host's private places. */
	for (const char *const *no = (const char *const[]){ "home", "root", "run", "var", "sys",
	                                                    "srv", "mnt", "opt", NULL }; *no; no++) {
		char line[16];

		snprintf(line, sizeof(line), "\n%s\n", *no);
		cr_expect_null(strstr(out, line), "/%s is in the jail: %s", *no, out);
	}
	cr_expect(strstr(out, "\nusr\n") && strstr(out, "\ntmp\n") && strstr(out, "\nproc\n"),
	          "%s", out);
}

Test(proc, a_jails_missing_bind_is_an_error_that_names_it, .timeout = 10)
{
	static const char *const argv[] = { "/bin/true", NULL };
	const struct jail_bind binds[] = { { "/nonexistent-tcplab", "/work", true }, { NULL, NULL, false } };
	struct proc_limits l = { .cpu_s = 5, .binds = binds };
	struct proc_spec spec = { .argv = argv, .keep_fd = -1, .limits = &l };
	char err[512] = "";

	need_sandbox();
	cr_assert_null(proc_spawn(NULL, &spec, err, sizeof(err)));
	cr_expect(strstr(err, "'/nonexistent-tcplab'"), "%s", err);
}
