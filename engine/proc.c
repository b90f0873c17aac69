/* summary: lab programs run inside a sandbox host: spawn, merged output pipe, exit pidfd, deadline, group kill. */
#include "engine/proc.h"

#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
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
enum child_stage { STAGE_SETNS = 1, STAGE_STDIO, STAGE_KEEPFD, STAGE_LIMITS, STAGE_EXEC };
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

/* Processes the calling user runs now, counted in /proc (before fork: not signal-safe). */
static long user_processes(void)
{
	uid_t uid = getuid();
	long n = 0;
	DIR *d = opendir("/proc");
	struct dirent *de;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char path[300];
		struct stat st;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s", de->d_name);
		if (stat(path, &st) == 0 && st.st_uid == uid)
			n++;
	}
	closedir(d);
	return n;
}

/* Is this process root of the initial user namespace (so "nobody" exists to become)? */
static bool real_root(void)
{
	char map[128] = "";
	FILE *f;

	if (geteuid() != 0)
		return false;
	f = fopen("/proc/self/uid_map", "r");
	if (!f)
		return false;
	if (!fgets(map, sizeof(map), f))
		map[0] = '\0';
	fclose(f);
	return strtoul(map, NULL, 10) == 0 && strstr(map, "4294967295");
}

/* What the child applies before exec; computed in the parent. */
struct child_limits {
	bool on;
	struct rlimit cpu, as, nproc, nofile, fsize;
	bool drop;
	const char *cwd;
};

static void limits_prepare(const struct proc_limits *l, struct child_limits *cl)
{
	memset(cl, 0, sizeof(*cl));
	if (!l)
		return;
	cl->on = true;
	cl->cpu.rlim_cur = cl->cpu.rlim_max = l->cpu_s > 0 ? (rlim_t)(l->cpu_s + 0.999) :
	                                      RLIM_INFINITY;
	cl->as.rlim_cur = cl->as.rlim_max = l->mem_bytes ? l->mem_bytes : RLIM_INFINITY;
	cl->nofile.rlim_cur = cl->nofile.rlim_max = l->nofile ? (rlim_t)l->nofile : RLIM_INFINITY;
	cl->fsize.rlim_cur = cl->fsize.rlim_max = l->fsize ? l->fsize : RLIM_INFINITY;
	cl->drop = l->drop_user && real_root();
	/* nobody runs next to nothing of its own; a student runs a desktop's worth. */
	cl->nproc.rlim_cur = cl->nproc.rlim_max = !l->nproc ? RLIM_INFINITY :
	                                          (rlim_t)(l->nproc + (cl->drop ? 0 : user_processes()));
	cl->cwd = l->cwd;
}

/* In the child: async-signal-safe calls only. */
static int limits_apply(const struct child_limits *cl)
{
	if (!cl->on)
		return 0;
	if (cl->cwd && chdir(cl->cwd) < 0)
		return -1;
	if (setrlimit(RLIMIT_CPU, &cl->cpu) < 0 || setrlimit(RLIMIT_AS, &cl->as) < 0 ||
	    setrlimit(RLIMIT_NOFILE, &cl->nofile) < 0 || setrlimit(RLIMIT_FSIZE, &cl->fsize) < 0 ||
	    setrlimit(RLIMIT_NPROC, &cl->nproc) < 0 || setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 }) < 0)
		return -1;
	if (cl->drop && (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0))
		return -1;
	return 0;
}

/* Runs in the forked child: async-signal-safe calls only. */
static void child_run(const struct proc_spec *spec, int nsfd, int out_w, int report_w,
                      char **env, pid_t parent, const struct child_limits *cl)
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
	if (limits_apply(cl) < 0)
		child_fail(report_w, STAGE_LIMITS, errno);
	execve(spec->argv[0], (char *const *)spec->argv, env);
	child_fail(report_w, STAGE_EXEC, errno);
}

struct proc *proc_spawn(struct sandbox *sb, const struct proc_spec *spec,
                        char *errbuf, size_t errlen)
{
	const char *name = spec->argv && spec->argv[0] ? spec->argv[0] : "";
	int out[2] = { -1, -1 }, rep[2] = { -1, -1 };
	struct child_report r;
	struct child_limits cl;
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
	limits_prepare(spec->limits, &cl);
	pid = fork();
	if (pid < 0) {
		errbuf_set(errbuf, errlen, "cannot run '%s': fork: %s", name, strerror(errno));
		goto fail;
	}
	if (pid == 0)
		child_run(spec, sandbox_netns_fd(sb, spec->host), out[1], rep[1], env, parent, &cl);
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
		else if (n == (ssize_t)sizeof(r) && r.stage == STAGE_LIMITS)
			errbuf_set(errbuf, errlen, "cannot run '%s': cannot apply its limits: %s", name,
			        strerror(r.err));
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
