/* summary: lab programs run inside a sandbox host: spawn, merged output pipe, exit pidfd, deadline, group kill. */
#include "engine/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/errbuf.h"

extern char **environ;

struct proc {
	pid_t pid;              /* also the process group id */
	int out_fd;             /* read end of the merged stdout/stderr pipe */
	int pidfd;
	long long deadline_ms;  /* CLOCK_MONOTONIC; -1 none */
	bool reaped;
	bool timed_out;
	int status;
};

/* What the child sends back through the CLOEXEC pipe when it cannot reach exec. */
enum child_stage { STAGE_SETNS = 1, STAGE_STDIO, STAGE_KEEPFD, STAGE_EXEC };
struct child_report {
	int stage;
	int err;
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool same_name(const char *a, const char *b)
{
	while (*a && *a != '=' && *a == *b) {
		a++;
		b++;
	}
	return (*a == '=' || !*a) && (*b == '=' || !*b);
}

/* environ plus extra, an extra entry replacing an inherited one of the same name. Built
 * before fork: the child may only make async-signal-safe calls. */
static char **env_build(const char *const *extra)
{
	size_t n = 0, x = 0, k = 0;
	char **env;

	while (environ && environ[n])
		n++;
	while (extra && extra[x])
		x++;
	env = calloc(n + x + 1, sizeof(*env));
	if (!env)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		bool replaced = false;
		for (size_t j = 0; j < x && !replaced; j++)
			replaced = same_name(environ[i], extra[j]);
		if (!replaced)
			env[k++] = environ[i];
	}
	for (size_t j = 0; j < x; j++)
		env[k++] = (char *)extra[j];
	env[k] = NULL;
	return env;
}

static void child_fail(int fd, int stage, int err)
{
	struct child_report r = { .stage = stage, .err = err };

	/* If this write fails the parent sees EOF and a 127 exit: nothing better to do. */
	(void)!write(fd, &r, sizeof(r));
	_exit(127);
}

/* Runs in the forked child: async-signal-safe calls only. */
static void child_run(const struct proc_spec *spec, int nsfd, int out_w, int report_w,
                      char **env, pid_t parent)
{
	struct sigaction dfl;
	sigset_t none;
	int devnull;

	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	for (int sig = 1; sig < NSIG; sig++)
		(void)sigaction(sig, &dfl, NULL);   /* fails harmlessly for SIGKILL, SIGSTOP, RT gaps */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)   /* the parent died before PDEATHSIG was armed */
		_exit(127);
	if (setns(nsfd, CLONE_NEWNET) < 0)
		child_fail(report_w, STAGE_SETNS, errno);
	devnull = open("/dev/null", O_RDONLY);
	if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out_w, 1) < 0 || dup2(out_w, 2) < 0)
		child_fail(report_w, STAGE_STDIO, errno);
	/* Every fd from 3 up closes at exec (the report pipe with them), except keep_fd. */
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
		for (int fd = 3; fd < 1024; fd++)
			if (fd != report_w)
				(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	if (spec->keep_fd >= 0 && fcntl(spec->keep_fd, F_SETFD, 0) < 0)
		child_fail(report_w, STAGE_KEEPFD, errno);
	execve(spec->argv[0], (char *const *)spec->argv, env);
	child_fail(report_w, STAGE_EXEC, errno);
}

struct proc *proc_spawn(struct sandbox *sb, const struct proc_spec *spec,
                        char *errbuf, size_t errlen)
{
	const char *name = spec->argv && spec->argv[0] ? spec->argv[0] : "";
	int out[2] = { -1, -1 }, rep[2] = { -1, -1 };
	struct child_report r;
	struct proc *p = NULL;
	char **env = NULL;
	pid_t parent = getpid(), pid;
	ssize_t n;

	if (!*name || (spec->keep_fd >= 0 && spec->keep_fd <= 2)) {
		errbuf_set(errbuf, errlen, "cannot run '%s': %s", name,
		        *name ? "keep_fd must be above 2" : "no program given");
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	env = env_build(spec->extra_env);
	if (!p || !env) {
		errbuf_set(errbuf, errlen, "cannot run '%s': out of memory", name);
		goto fail;
	}
	p->out_fd = p->pidfd = -1;
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(rep, O_CLOEXEC) < 0) {
		errbuf_set(errbuf, errlen, "cannot run '%s': cannot create a pipe: %s", name, strerror(errno));
		goto fail;
	}
	pid = fork();
	if (pid < 0) {
		errbuf_set(errbuf, errlen, "cannot run '%s': fork: %s", name, strerror(errno));
		goto fail;
	}
	if (pid == 0)
		child_run(spec, sandbox_netns_fd(sb, spec->host), out[1], rep[1], env, parent);
	p->pid = pid;
	close(out[1]);
	close(rep[1]);
	out[1] = rep[1] = -1;
	free(env);
	env = NULL;
	/* EOF: exec succeeded (the CLOEXEC write end closed). Data: the child's failure. */
	do
		n = read(rep[0], &r, sizeof(r));
	while (n < 0 && errno == EINTR);
	close(rep[0]);
	rep[0] = -1;
	if (n != 0) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		if (n == (ssize_t)sizeof(r) && r.stage == STAGE_SETNS)
			errbuf_set(errbuf, errlen, "cannot run '%s': cannot enter the %s's network namespace: %s",
			        name, spec->host == HOST_SERVER ? "server" : "client", strerror(r.err));
		else if (n == (ssize_t)sizeof(r) && r.stage == STAGE_KEEPFD)
			errbuf_set(errbuf, errlen, "cannot run '%s': cannot pass fd %d: %s", name,
			        spec->keep_fd, strerror(r.err));
		else if (n == (ssize_t)sizeof(r))
			errbuf_set(errbuf, errlen, "cannot run '%s': %s", name, strerror(r.err));
		else
			errbuf_set(errbuf, errlen, "cannot run '%s': the child died before exec", name);
		goto fail;
	}
	p->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (p->pidfd < 0) {
		errbuf_set(errbuf, errlen, "cannot watch '%s': pidfd_open: %s (Linux 5.3 or later needed)",
		        name, strerror(errno));
		kill(-pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		goto fail;
	}
	p->out_fd = out[0];
	out[0] = -1;
	(void)fcntl(p->out_fd, F_SETFL, fcntl(p->out_fd, F_GETFL) | O_NONBLOCK);
	p->deadline_ms = spec->timeout_s > 0 ? now_ms() + (long long)(spec->timeout_s * 1000.0) : -1;
	return p;
fail:
	for (int i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (rep[i] >= 0)
			close(rep[i]);
	}
	if (p && p->pidfd >= 0)
		close(p->pidfd);
	free(env);
	free(p);
	return NULL;
}

pid_t proc_pid(const struct proc *p)
{
	return p->pid;
}

int proc_output_fd(const struct proc *p)
{
	return p->out_fd;
}

int proc_exit_fd(const struct proc *p)
{
	return p->pidfd;
}

int proc_deadline_ms(const struct proc *p)
{
	long long left;

	if (p->deadline_ms < 0 || p->reaped)
		return -1;
	left = p->deadline_ms - now_ms();
	if (left < 0)
		return 0;
	return left > 1000000000 ? 1000000000 : (int)left;
}

bool proc_timed_out(const struct proc *p)
{
	return p->timed_out;
}

/* Kills the group and reaps the leader. The leader, zombie or alive, still holds the group
 * id until it is reaped, so the id cannot have been reused by then. */
static void kill_and_reap(struct proc *p)
{
	kill(-p->pid, SIGKILL);
	while (waitpid(p->pid, &p->status, 0) < 0) {
		if (errno != EINTR) {
			/* Someone else reaped it (a waitpid(-1) elsewhere): the status is lost. */
			p->status = 0;
			break;
		}
	}
	p->reaped = true;
}

int proc_reap(struct proc *p, int *status)
{
	siginfo_t si;

	if (!p->reaped) {
		memset(&si, 0, sizeof(si));
		/* WNOWAIT: look without reaping, so the group can be killed before its id is freed. */
		if (waitid(P_PID, (id_t)p->pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == 0) {
			if (p->deadline_ms < 0 || now_ms() < p->deadline_ms)
				return 0;
			p->timed_out = true;
		}
		kill_and_reap(p);
	}
	if (status)
		*status = p->status;
	return 1;
}

void proc_kill(struct proc *p)
{
	if (!p->reaped)
		kill_and_reap(p);
}

void proc_free(struct proc *p)
{
	if (!p)
		return;
	proc_kill(p);
	if (p->out_fd >= 0)
		close(p->out_fd);
	if (p->pidfd >= 0)
		close(p->pidfd);
	free(p);
}
