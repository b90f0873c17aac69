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
#include <linux/capability.h>
#include <sys/mount.h>
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
	bool limited;           /* spawned with limits: isolated, counted when killed */
	struct proc_limits lim; /* the numbers only (pointers cleared) */
	struct rusage ru;
	long group_peak;
};

/* What the child sends back through the CLOEXEC pipe when it cannot reach exec. */
enum child_stage { STAGE_SETNS = 1, STAGE_STDIO, STAGE_KEEPFD, STAGE_LIMITS, STAGE_ISOLATE,
                   STAGE_HIDE, STAGE_EXEC };
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
	bool drop;              /* become nobody (real root) */
	bool drop_caps;         /* stay who we are, without capabilities (user namespace) */
	const char *cwd;
	const char *const *hide;
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
	cl->drop_caps = l->drop_user && !cl->drop && geteuid() == 0;
	/* nobody runs next to nothing of its own; a student runs a desktop's worth. */
	cl->nproc.rlim_cur = cl->nproc.rlim_max = !l->nproc ? RLIM_INFINITY :
	                                          (rlim_t)(l->nproc + (cl->drop ? 0 : user_processes()));
	cl->cwd = l->cwd;
	cl->hide = l->hide;
}

/*
 * In the child, in its fresh mount namespace: everything read-only, the hidden paths
 * covered, its own /proc, cwd writable. Async-signal-safe calls only. On failure returns
 * the stage and leaves errno.
 */
static int isolate(const struct child_limits *cl)
{
	struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID };
	struct mount_attr rw = { .attr_clr = MOUNT_ATTR_RDONLY };

	/* Nothing done here may reach tcplab's namespace (or the host's, through shared
	 * propagation). */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return STAGE_ISOLATE;
	if (cl->cwd && mount(cl->cwd, cl->cwd, NULL, MS_BIND, NULL) < 0)
		return STAGE_ISOLATE;
	if (mount_setattr(AT_FDCWD, "/", AT_RECURSIVE, &ro, sizeof(ro)) < 0)
		return STAGE_ISOLATE;
	if (cl->cwd && mount_setattr(AT_FDCWD, cl->cwd, 0, &rw, sizeof(rw)) < 0)
		return STAGE_ISOLATE;
	for (size_t i = 0; cl->hide && cl->hide[i]; i++) {
		if (mount("tcplab-hidden", cl->hide[i], "tmpfs",
		          MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=0555") < 0 &&
		    errno != ENOENT)
			return STAGE_HIDE;
	}
	/* Its own processes only. Best effort: a kernel that refuses leaves the old /proc,
	 * read-only, which shows other processes but lets it change nothing. */
	(void)mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	return 0;
}

/* uid 0 of a user namespace keeps its capabilities across exec unless told otherwise. */
static int drop_capabilities(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	/* SECBIT_NOROOT (1<<0), _LOCKED (1<<1), NO_SETUID_FIXUP (1<<2), _LOCKED (1<<3). */
	if (prctl(PR_SET_SECUREBITS, 0xfUL, 0, 0, 0) < 0)
		return -1;
	for (int cap = 0; cap < 64; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno == EINVAL)
			break;
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	memset(data, 0, sizeof(data));
	return (int)syscall(SYS_capset, &hdr, data);
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
	if (cl->drop_caps && drop_capabilities() < 0)
		return -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return 0;
}

/* Runs in the forked child: async-signal-safe calls only. */
static void child_run(const struct proc_spec *spec, int nsfd, int out_w, int report_w,
                      char **env, pid_t parent, const struct child_limits *cl)
{
	struct sigaction dfl;
	sigset_t none;
	int devnull, stage;

	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	for (int sig = 1; sig < NSIG; sig++)
		(void)sigaction(sig, &dfl, NULL);   /* fails harmlessly for SIGKILL, SIGSTOP, RT gaps */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* In a PID namespace of its own the parent is not visible (getppid() is 0). */
	if (!cl->on && getppid() != parent)   /* the parent died before PDEATHSIG was armed */
		_exit(127);
	if (setns(nsfd, CLONE_NEWNET) < 0)
		child_fail(report_w, STAGE_SETNS, errno);
	if (cl->on && (stage = isolate(cl)) != 0)
		child_fail(report_w, stage, errno);
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

/*
 * fork(), or for a program with limits a fork into new PID and mount namespaces. The raw
 * clone (no stack: fork semantics) skips glibc's atfork handlers, which the child does
 * not need: it only makes async-signal-safe calls before exec.
 */
static pid_t spawn_fork(bool isolated)
{
	if (!isolated)
		return fork();
	return (pid_t)syscall(SYS_clone, (unsigned long)(CLONE_NEWPID | CLONE_NEWNS | SIGCHLD),
	                      NULL, NULL, NULL, NULL);
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
	if (spec->limits) {
		p->limited = true;
		p->lim = *spec->limits;
		p->lim.cwd = NULL;
		p->lim.hide = NULL;
	}
	pid = spawn_fork(cl.on);
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
		else if (n == (ssize_t)sizeof(r) && r.stage == STAGE_ISOLATE)
			errbuf_set(errbuf, errlen, "cannot run '%s': cannot give it a read-only view of"
			        " the file system: %s (Linux 5.12 or later needed; run 'tcplab doctor')",
			        name, strerror(r.err));
		else if (n == (ssize_t)sizeof(r) && r.stage == STAGE_HIDE)
			errbuf_set(errbuf, errlen, "cannot run '%s': cannot hide the reference solutions"
			        " from it: %s", name, strerror(r.err));
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

/* Processes in the PID namespace whose init is pid (a program with limits), or in its
 * process group otherwise. */
static long group_size(pid_t pid, bool by_pidns)
{
	char path[300], want[64] = "", got[64];
	DIR *d;
	struct dirent *de;
	long n = 0;
	ssize_t len;

	if (by_pidns) {
		snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)pid);
		len = readlink(path, want, sizeof(want) - 1);
		if (len <= 0)
			return 0;
		want[len] = '\0';
	}
	d = opendir("/proc");
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		if (by_pidns) {
			snprintf(path, sizeof(path), "/proc/%s/ns/pid", de->d_name);
			len = readlink(path, got, sizeof(got) - 1);
			if (len > 0) {
				got[len] = '\0';
				n += !strcmp(got, want);
			}
		} else {
			char stat[512], *rp;
			int fd, pgrp;

			snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				continue;
			len = read(fd, stat, sizeof(stat) - 1);
			close(fd);
			if (len <= 0)
				continue;
			stat[len] = '\0';
			rp = strrchr(stat, ')');
			if (rp && sscanf(rp + 1, " %*c %*d %d", &pgrp) == 1 && pgrp == pid)
				n++;
		}
	}
	closedir(d);
	return n;
}

/* Kills the group and reaps the leader. The leader, zombie or alive, still holds the group
 * id until it is reaped, so the id cannot have been reused by then. */
static void kill_and_reap(struct proc *p)
{
	if (p->limited) {
		long n = group_size(p->pid, true);

		if (n > p->group_peak)
			p->group_peak = n;
	}
	kill(-p->pid, SIGKILL);
	while (wait4(p->pid, &p->status, 0, &p->ru) < 0) {
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

double proc_cpu_s(const struct proc *p)
{
	return (double)p->ru.ru_utime.tv_sec + (double)p->ru.ru_utime.tv_usec / 1e6 +
	       (double)p->ru.ru_stime.tv_sec + (double)p->ru.ru_stime.tv_usec / 1e6;
}

unsigned long long proc_maxrss(const struct proc *p)
{
	return (unsigned long long)p->ru.ru_maxrss * 1024;
}

long proc_group_peak(const struct proc *p)
{
	return p->group_peak;
}

bool proc_hit_nproc(const struct proc *p)
{
	/* nobody's other processes count against the same limit: allow a few. */
	return p->limited && p->lim.nproc > 0 && p->group_peak >= p->lim.nproc * 9 / 10;
}

void proc_describe(const struct proc *p, char *buf, size_t len)
{
	int st = p->status, sig = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
	double cpu = proc_cpu_s(p);
	char how[160];
	bool failed = sig || (WIFEXITED(st) && WEXITSTATUS(st) != 0);

	if (sig)
		snprintf(how, sizeof(how), "was killed by signal %d (%s)", sig, strsignal(sig));
	else
		snprintf(how, sizeof(how), "exited with status %d", WEXITSTATUS(st));
	if (p->limited && p->lim.cpu_s > 0 && (sig == SIGXCPU || (sig == SIGKILL &&
	    cpu >= p->lim.cpu_s - 0.05)))
		snprintf(buf, len, "%s after using %.1f s of CPU (its limit)", how, cpu);
	else if (proc_hit_nproc(p))
		snprintf(buf, len, "could not fork: it reached its process limit (%ld processes) and"
		         " %s", p->lim.nproc, how);
	else if (p->limited && p->lim.mem_bytes && failed &&
	         proc_maxrss(p) >= p->lim.mem_bytes / 4 * 3)
		snprintf(buf, len, "ran out of memory (its limit is %llu MiB; it used %llu MiB) and %s",
		         p->lim.mem_bytes >> 20, proc_maxrss(p) >> 20, how);
	else
		snprintf(buf, len, "%s", how);
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

int proc_guard_start(struct proc_guard *g, const char *dir, char *errbuf, size_t errlen)
{
	const char *argv[] = { "rm", "-rf", "--", dir, NULL };
	int fds[2];
	pid_t pid;

	g->pid = 0;
	g->fd = -1;
	if (pipe2(fds, O_CLOEXEC) < 0) {
		errbuf_set(errbuf, errlen, "cannot guard '%s': pipe: %s", dir, strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		/* Async-signal-safe calls only: the parent may have threads. */
		pid_t group = 0, got;
		ssize_t n;

		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		signal(SIGQUIT, SIG_IGN);
		if (dup2(fds[0], 3) != 3 || close_range(4, ~0U, 0) < 0)
			_exit(1);
		while ((n = read(3, &got, sizeof(got))) != 0) {
			if (n == (ssize_t)sizeof(got))
				group = got;
			else if (n < 0 && errno != EINTR)
				break;
		}
		if (group > 0)
			kill(-group, SIGKILL);
		execve("/bin/rm", (char *const *)argv, (char *const[]){ NULL });
		_exit(1);
	}
	close(fds[0]);
	if (pid < 0) {
		close(fds[1]);
		errbuf_set(errbuf, errlen, "cannot guard '%s': fork: %s", dir, strerror(errno));
		return -1;
	}
	g->pid = pid;
	g->fd = fds[1];
	return 0;
}

void proc_guard_group(struct proc_guard *g, pid_t pgid)
{
	/* A pipe write of a pid is atomic; the guard keeps the last one. */
	if (g->fd >= 0)
		(void)!write(g->fd, &pgid, sizeof(pgid));
}

void proc_guard_end(struct proc_guard *g)
{
	if (g->pid <= 0)
		return;
	if (g->fd >= 0)
		close(g->fd);
	g->fd = -1;
	if (g->pid > 0)
		while (waitpid(g->pid, NULL, 0) < 0 && errno == EINTR)
			;
	g->pid = 0;
}
