/* summary: lab programs run inside a sandbox host: spawn, merged output pipe, exit pidfd, deadline, group kill. */
#include "engine/proc.h"

#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <fcntl.h>
#include <poll.h>
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

#include "engine/tracer.h"
#include "util/errbuf.h"
#include "util/tr.h"

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
	/* Traced (spec->trace): the tracer process is our child and the program its. */
	pid_t tracer;           /* 0: not traced */
	int tracer_pidfd;
	int ev_fd;              /* the tracer's records; -1 once at end of file */
	char evpart[sizeof(struct trace_event)];
	size_t evpartlen;
	struct trace_event *pending;    /* read ahead by proc_reap(), not yet taken */
	size_t npending, takenpending, cappending;
	bool have_exit;         /* the program's own exit record came */
	struct trace_event exit_ev;
	struct jail_child jail; /* what the child applied; its cgroup is released once reaped */
};

/* What the child sends back through the CLOEXEC pipe when it cannot reach exec. */
enum child_stage { STAGE_SETNS = 1, STAGE_STDIO, STAGE_KEEPFD, STAGE_LIMITS, STAGE_JAIL,
                   STAGE_TRACE, STAGE_EXEC };
struct child_report {
	int stage;
	int err;
	int jail_stage, jail_detail;    /* STAGE_JAIL: jail_child_isolate()'s answer */
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

/* base (environ, or a jail's allowlist) plus extra, an extra entry replacing an inherited
 * one of the same name. Built before fork: the child may only make async-signal-safe calls. */
static char **env_build(char *const *base, const char *const *extra)
{
	size_t n = 0, x = 0, k = 0;
	char **env;

	while (base && base[n])
		n++;
	while (extra && extra[x])
		x++;
	env = calloc(n + x + 1, sizeof(*env));
	if (!env)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		bool replaced = false;
		for (size_t j = 0; j < x && !replaced; j++)
			replaced = same_name(base[i], extra[j]);
		if (!replaced)
			env[k++] = base[i];
	}
	for (size_t j = 0; j < x; j++)
		env[k++] = (char *)extra[j];
	env[k] = NULL;
	return env;
}

static void child_fail(int fd, int stage, int err, int jail_stage, int jail_detail)
{
	struct child_report r = { .stage = stage, .err = err, .jail_stage = jail_stage,
	                          .jail_detail = jail_detail };

	/* If this write fails the parent sees EOF and a 127 exit: nothing better to do. */
	(void)!write(fd, &r, sizeof(r));
	_exit(127);
}

/* Runs in the forked child: async-signal-safe calls only. */
static void child_run(const struct proc_spec *spec, int nsfd, int out_w, int report_w,
                      char **env, pid_t parent, const struct jail_child *cl, int ev_w)
{
	struct sigaction dfl;
	sigset_t none;
	int devnull, stage, detail;

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
	/* Traced: hand ourselves to the tracer (our parent) before anything else happens. */
	if (ev_w >= 0 && (close(ev_w) < 0 || tracer_child_attach() < 0))
		child_fail(report_w, STAGE_TRACE, errno, 0, -1);
	/* nsfd -1: the clone made a fresh, empty network namespace (a jail without sandbox). */
	if (nsfd >= 0 && setns(nsfd, CLONE_NEWNET) < 0)
		child_fail(report_w, STAGE_SETNS, errno, 0, -1);
	if (cl->on && (stage = jail_child_isolate(cl, &detail)) != JAIL_OK)
		child_fail(report_w, STAGE_JAIL, errno, stage, detail);
	devnull = open("/dev/null", O_RDONLY);
	if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out_w, 1) < 0 || dup2(out_w, 2) < 0)
		child_fail(report_w, STAGE_STDIO, errno, 0, -1);
	/* Every fd from 3 up closes at exec (the report pipe with them), except keep_fd. */
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
		for (int fd = 3; fd < 1024; fd++)
			if (fd != report_w)
				(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	if (spec->keep_fd >= 0 && fcntl(spec->keep_fd, F_SETFD, 0) < 0)
		child_fail(report_w, STAGE_KEEPFD, errno, 0, -1);
	if (jail_child_apply(cl) < 0)
		child_fail(report_w, STAGE_LIMITS, errno, 0, -1);
	/* The filter needs no_new_privs (the jail set it) or CAP_SYS_ADMIN; set it anyway. */
	if (ev_w >= 0 && (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || tracer_child_filter() < 0))
		child_fail(report_w, STAGE_TRACE, errno, 0, -1);
	execve(spec->argv[0], (char *const *)spec->argv, env);
	child_fail(report_w, STAGE_EXEC, errno, 0, -1);
}

/*
 * fork(), or for a program with limits a fork into new PID and mount namespaces. The raw
 * clone (no stack: fork semantics) skips glibc's atfork handlers, which the child does
 * not need: it only makes async-signal-safe calls before exec.
 */
static pid_t spawn_fork(bool isolated, bool new_net)
{
	if (!isolated)
		return fork();
	return (pid_t)syscall(SYS_clone, jail_clone_flags() | (new_net ? CLONE_NEWNET : 0) |
	                      SIGCHLD, NULL, NULL, NULL, NULL);
}

/*
 * The tracer process (spec->trace): it clones the program, serves its stops, and ends
 * once the program and everything it started have gone (tracer.h). Its own signals stay
 * out of the way: a Ctrl-C is tcplab's to act on, and tcplab's death is the tracer's.
 */
static void tracer_run(const struct proc_spec *spec, int nsfd, int out_w, int report_w,
                       char **env, pid_t parent, const struct jail_child *cl, int ev_w)
{
	struct child_report r = { .stage = STAGE_TRACE };
	pid_t me = getpid(), pid;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	(void)setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 });
	/* Not dumpable: a process of the same uid cannot open the tracer's fds through /proc
	 * (its record pipe above all), whatever /proc it sees. */
	(void)prctl(PR_SET_DUMPABLE, 0);
	pid = spawn_fork(cl->on, nsfd < 0);
	if (pid == 0)
		child_run(spec, nsfd, out_w, report_w, env, me, cl, ev_w);
	if (pid < 0) {
		r.err = errno;
		(void)!write(report_w, &r, sizeof(r));
		_exit(127);
	}
	/* Only the record pipe stays: the program's output and report pipes, namespaces and
	 * whatever tcplab had open are not the tracer's to hold. */
	if (dup2(ev_w, 3) != 3)
		_exit(127);
	(void)close_range(4, ~0U, 0);
	tracer_serve(pid, 3);
}

/* Reads the tracer's first record, which names the program. */
static int read_hello(struct proc *p)
{
	struct trace_event ev;
	size_t have = 0;

	while (have < sizeof(ev)) {
		ssize_t n = read(p->ev_fd, (char *)&ev + have, sizeof(ev) - have);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		have += (size_t)n;
	}
	if (ev.call != TRACE_OTHER || strcmp(ev.name, "tracer") || ev.pid <= 0)
		return -1;
	p->pid = ev.pid;
	return 0;
}

struct proc *proc_spawn(struct sandbox *sb, const struct proc_spec *spec,
                        char *errbuf, size_t errlen)
{
	const char *name = spec->argv && spec->argv[0] ? spec->argv[0] : "";
	int out[2] = { -1, -1 }, rep[2] = { -1, -1 }, ev[2] = { -1, -1 };
	struct child_report r;
	struct proc *p = NULL;
	char **env = NULL;
	pid_t parent = getpid(), pid;
	ssize_t n;

	if (!*name || (spec->keep_fd >= 0 && spec->keep_fd <= 2) || (!sb && !spec->limits)) {
		errbuf_set(errbuf, errlen, _("cannot run '%s': %s"), name,
		        !*name ? "no program given" : spec->keep_fd >= 0 && spec->keep_fd <= 2 ?
		        "keep_fd must be above 2" : "no sandbox and no limits (a jail) given");
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		errbuf_set(errbuf, errlen, _("cannot run '%s': out of memory"), name);
		return NULL;
	}
	p->out_fd = p->pidfd = p->tracer_pidfd = p->ev_fd = -1;
	p->jail.cg_fd[0] = p->jail.cg_fd[1] = -1;
	if (jail_prepare(spec->limits, &p->jail, errbuf, errlen) < 0)
		goto fail;
	env = env_build(p->jail.on ? jail_env(&p->jail) : environ, spec->extra_env);
	if (!env) {
		errbuf_set(errbuf, errlen, _("cannot run '%s': out of memory"), name);
		goto fail;
	}
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(rep, O_CLOEXEC) < 0 ||
	    (spec->trace && pipe2(ev, O_CLOEXEC) < 0)) {
		errbuf_set(errbuf, errlen, _("cannot run '%s': cannot create a pipe: %s"), name, strerror(errno));
		goto fail;
	}
	/* Room for a burst of calls before the program has to wait for tcplab to read. */
	if (spec->trace)
		(void)fcntl(ev[0], F_SETPIPE_SZ, 1 << 20);
	if (spec->limits) {
		p->limited = true;
		p->lim = *spec->limits;
		p->lim.cwd = NULL;
		p->lim.hide = NULL;
		p->lim.binds = NULL;
		p->lim.report = NULL;
	}
	pid = spec->trace ? fork() : spawn_fork(p->jail.on, !sb);
	if (pid < 0) {
		errbuf_set(errbuf, errlen, _("cannot run '%s': fork: %s"), name, strerror(errno));
		goto fail;
	}
	if (pid == 0 && spec->trace)
		tracer_run(spec, sb ? sandbox_netns_fd(sb, spec->host) : -1, out[1], rep[1], env,
		           parent, &p->jail, ev[1]);
	if (pid == 0)
		child_run(spec, sb ? sandbox_netns_fd(sb, spec->host) : -1, out[1], rep[1], env, parent,
		          &p->jail, -1);
	p->pid = pid;
	if (spec->trace) {
		p->tracer = pid;
		p->ev_fd = ev[0];
		ev[0] = -1;
		close(ev[1]);
		ev[1] = -1;
	}
	close(out[1]);
	close(rep[1]);
	out[1] = rep[1] = -1;
	free(env);
	env = NULL;
	if (p->tracer && read_hello(p) < 0) {
		errbuf_set(errbuf, errlen, _("cannot run '%s': the syscall tracer did not start"), name);
		kill(p->tracer, SIGKILL);
		while (waitpid(p->tracer, NULL, 0) < 0 && errno == EINTR)
			;
		goto fail;
	}
	/* EOF: exec succeeded (the CLOEXEC write end closed). Data: the child's failure. */
	do
		n = read(rep[0], &r, sizeof(r));
	while (n < 0 && errno == EINTR);
	close(rep[0]);
	rep[0] = -1;
	if (n != 0) {
		while (waitpid(p->tracer ? p->tracer : pid, NULL, 0) < 0 && errno == EINTR)
			;
		if (n == (ssize_t)sizeof(r) && r.stage == STAGE_SETNS)
			errbuf_set(errbuf, errlen, _("cannot run '%s': cannot enter the %s's network namespace: %s"),
			        name, spec->host == HOST_SERVER ? "server" : "client", strerror(r.err));
		else if (n == (ssize_t)sizeof(r) && r.stage == STAGE_LIMITS)
			errbuf_set(errbuf, errlen, _("cannot run '%s': cannot apply its limits: %s"), name,
			        strerror(r.err));
		else if (n == (ssize_t)sizeof(r) && r.stage == STAGE_JAIL) {
			char why[400];

			jail_failure(&p->jail, r.jail_stage, r.jail_detail, r.err, why, sizeof(why));
			errbuf_set(errbuf, errlen, _("cannot run '%s': %s"), name, why);
		}
		else if (n == (ssize_t)sizeof(r) && r.stage == STAGE_KEEPFD)
			errbuf_set(errbuf, errlen, _("cannot run '%s': cannot pass fd %d: %s"), name,
			        spec->keep_fd, strerror(r.err));
		else if (n == (ssize_t)sizeof(r) && r.stage == STAGE_TRACE)
			errbuf_set(errbuf, errlen, _("cannot trace '%s': %s (ptrace and seccomp are needed:"
			        " run 'tcplab doctor')"), name, strerror(r.err));
		else if (n == (ssize_t)sizeof(r))
			errbuf_set(errbuf, errlen, _("cannot run '%s': %s"), name, strerror(r.err));
		else
			errbuf_set(errbuf, errlen, _("cannot run '%s': the child died before exec"), name);
		goto fail;
	}
	p->pidfd = (int)syscall(SYS_pidfd_open, p->tracer ? p->tracer : pid, 0);
	if (p->pidfd < 0) {
		errbuf_set(errbuf, errlen, _("cannot watch '%s': pidfd_open: %s (Linux 5.3 or later needed)"),
		        name, strerror(errno));
		kill(-p->pid, SIGKILL);
		if (p->tracer)
			kill(p->tracer, SIGKILL);
		while (waitpid(p->tracer ? p->tracer : pid, NULL, 0) < 0 && errno == EINTR)
			;
		goto fail;
	}
	p->out_fd = out[0];
	out[0] = -1;
	(void)fcntl(p->out_fd, F_SETFL, fcntl(p->out_fd, F_GETFL) | O_NONBLOCK);
	if (p->ev_fd >= 0)
		(void)fcntl(p->ev_fd, F_SETFL, fcntl(p->ev_fd, F_GETFL) | O_NONBLOCK);
	p->deadline_ms = spec->timeout_s > 0 ? now_ms() + (long long)(spec->timeout_s * 1000.0) : -1;
	return p;
fail:
	for (int i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (rep[i] >= 0)
			close(rep[i]);
		if (ev[i] >= 0)
			close(ev[i]);
	}
	if (p && p->pidfd >= 0)
		close(p->pidfd);
	if (p && p->ev_fd >= 0)
		close(p->ev_fd);
	if (p)
		jail_release(&p->jail);
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
/* Take complete records out of buf; the program's own exit is kept aside too. */
static int take_records(struct proc *p, const char *buf, size_t n)
{
	while (n) {
		size_t want = sizeof(struct trace_event) - p->evpartlen, k = n < want ? n : want;
		struct trace_event *ev;

		memcpy(p->evpart + p->evpartlen, buf, k);
		p->evpartlen += k;
		buf += k;
		n -= k;
		if (p->evpartlen < sizeof(struct trace_event))
			break;
		p->evpartlen = 0;
		if (p->npending == p->cappending) {
			size_t cap = p->cappending ? 2 * p->cappending : 64;
			struct trace_event *grown = realloc(p->pending, cap * sizeof(*grown));

			if (!grown)
				return -1;
			p->pending = grown;
			p->cappending = cap;
		}
		ev = &p->pending[p->npending++];
		memcpy(ev, p->evpart, sizeof(*ev));
		ev->name[sizeof(ev->name) - 1] = '\0';
		if (ev->call == TRACE_EXIT && ev->pid == p->pid) {
			p->have_exit = true;
			p->exit_ev = *ev;
		}
	}
	return 0;
}

/* Read what the tracer wrote. block: until end of file (the tracer has exited). */
static void read_records(struct proc *p, bool block)
{
	char buf[65536];

	while (p->ev_fd >= 0) {
		ssize_t n = read(p->ev_fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN && block) {
			struct pollfd pf = { p->ev_fd, POLLIN, 0 };

			(void)poll(&pf, 1, 1000);
			continue;
		}
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0 || take_records(p, buf, (size_t)n) < 0) {
			close(p->ev_fd);
			p->ev_fd = -1;
			return;
		}
		if (!block)
			return;
	}
}

int proc_trace_fd(const struct proc *p)
{
	return p->ev_fd;
}

size_t proc_trace_take(struct proc *p, struct trace_event *ev, size_t max)
{
	size_t n = 0;

	if (p->takenpending == p->npending) {
		p->takenpending = p->npending = 0;
		read_records(p, false);
	}
	while (n < max && p->takenpending < p->npending)
		ev[n++] = p->pending[p->takenpending++];
	return n;
}

bool proc_trace_ended(const struct proc *p)
{
	return p->ev_fd < 0 && p->takenpending == p->npending;
}

/*
 * Traced: the program (and all it started) killed through the tracer, which reports how
 * it ended and exits; a tracer that does not within 2 s is killed too (its tracees die
 * with it). Its records are read meanwhile: a tracer waiting for room in a full pipe
 * (a program that made calls faster than they were read) could otherwise not write the
 * exit, nor end.
 */
static void kill_and_reap_traced(struct proc *p)
{
	struct pollfd pf[2] = { { p->pidfd, POLLIN, 0 }, { -1, POLLIN, 0 } };
	long long give_up = now_ms() + 2000;
	int st;

	if (poll(pf, 1, 0) == 0) {
		kill(-p->pid, SIGKILL);
		kill(p->pid, SIGKILL);
		for (;;) {
			long long left = give_up - now_ms();

			if (left <= 0) {
				kill(p->tracer, SIGKILL);
				break;
			}
			pf[1].fd = p->ev_fd;
			if (poll(pf, p->ev_fd >= 0 ? 2 : 1, (int)left) < 0) {
				if (errno == EINTR)
					continue;
				kill(p->tracer, SIGKILL);
				break;
			}
			if (pf[0].revents)
				break;
			if (p->ev_fd >= 0 && pf[1].revents)
				read_records(p, false);
		}
	}
	while (waitpid(p->tracer, &st, 0) < 0 && errno == EINTR)
		;
	read_records(p, true);
	if (p->have_exit) {
		p->status = (int)p->exit_ev.arg;
		p->ru.ru_utime.tv_sec = (time_t)(p->exit_ev.cpu_ns / 1000000000u);
		p->ru.ru_utime.tv_usec = (suseconds_t)(p->exit_ev.cpu_ns % 1000000000u / 1000u);
		p->ru.ru_maxrss = (long)(p->exit_ev.maxrss / 1024u);
		if ((long)p->exit_ev.tasks_peak > p->group_peak)
			p->group_peak = (long)p->exit_ev.tasks_peak;
	} else {
		p->status = SIGKILL;    /* as a wait status: killed by SIGKILL */
	}
	p->reaped = true;
	/* The tracer has gone, and every process it traced with it: the cgroup can go. */
	jail_release(&p->jail);
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
	if (p->tracer) {
		kill_and_reap_traced(p);
		return;
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
	/* Its init reaped, its PID namespace is empty: the cgroup can go. */
	jail_release(&p->jail);
}

int proc_reap(struct proc *p, int *status)
{
	siginfo_t si;

	if (!p->reaped) {
		memset(&si, 0, sizeof(si));
		/* WNOWAIT: look without reaping, so the group can be killed before its id is freed. */
		if (waitid(P_PID, (id_t)(p->tracer ? p->tracer : p->pid), &si,
		           WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == 0) {
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
		snprintf(how, sizeof(how), _("was killed by signal %d (%s)"), sig, strsignal(sig));
	else
		snprintf(how, sizeof(how), _("exited with status %d"), WEXITSTATUS(st));
	if (p->limited && p->lim.cpu_s > 0 && (sig == SIGXCPU || (sig == SIGKILL &&
	    cpu >= p->lim.cpu_s - 0.05)))
		snprintf(buf, len, _("%s after using %.1f s of CPU (its limit)"), how, cpu);
	else if (proc_hit_nproc(p))
		snprintf(buf, len, _("could not fork: it reached its process limit (%ld processes) and"
		         " %s"), p->lim.nproc, how);
	else if (p->limited && p->lim.mem_bytes && failed &&
	         proc_maxrss(p) >= p->lim.mem_bytes / 4 * 3)
		snprintf(buf, len, _("ran out of memory (its limit is %llu MiB; it used %llu MiB) and %s"),
		         p->lim.mem_bytes >> 20, proc_maxrss(p) >> 20, how);
	else
		snprintf(buf, len, "%s", how);
}

void proc_free(struct proc *p)
{
	if (!p)
		return;
	proc_kill(p);
	if (p->ev_fd >= 0)
		close(p->ev_fd);
	free(p->pending);
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
		errbuf_set(errbuf, errlen, _("cannot guard '%s': pipe: %s"), dir, strerror(errno));
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
		/* The folder may be a tmpfs of the grade's (grade.c): rm cannot remove a mount
		 * point. EINVAL when it is a plain folder. */
		(void)umount2(dir, MNT_DETACH);
		execve("/bin/rm", (char *const *)argv, (char *const[]){ NULL });
		_exit(1);
	}
	close(fds[0]);
	if (pid < 0) {
		close(fds[1]);
		errbuf_set(errbuf, errlen, _("cannot guard '%s': fork: %s"), dir, strerror(errno));
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
