/* summary: lab programs run inside a sandbox host: spawn, merged output pipe, exit pidfd, deadline, group kill. */
#ifndef TCPLAB_ENGINE_PROC_H
#define TCPLAB_ENGINE_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "engine/jail.h"
#include "engine/sandbox.h"
#include "engine/trace.h"

/*
 * Contract: proc_spawn() forks; the child enters the host's network namespace, becomes the
 * leader of a new process group, gets PR_SET_PDEATHSIG SIGKILL, default signal dispositions
 * and an empty signal mask (so an ignored SIGPIPE in tcplab does not leak into a lab), stdin
 * from /dev/null, stdout and stderr merged into one pipe, every other fd closed except
 * keep_fd, and execs argv[0] (a path: no PATH search) with the environment plus extra_env.
 * proc_spawn() returns once the exec has happened; a failure before or at exec comes back
 * as an error ("cannot run 'x': No such file or directory"), never as a silent exit 127.
 *
 * PR_SET_PDEATHSIG fires when the THREAD that called proc_spawn() ends, not the process:
 * spawn from a thread that outlives the lab programs (the main thread).
 *
 * Waiting: poll proc_output_fd() (nonblocking; EOF once every holder of the pipe, the
 * program's children included, is gone) and proc_exit_fd() (a pidfd, readable when the
 * program exits), with at most proc_deadline_ms() as poll timeout, then call proc_reap().
 * When the program exits, or its deadline passes, proc_reap() SIGKILLs whatever is left of
 * its process group, so nothing a lab started outlives it.
 *
 * Not thread-safe per struct proc. Reaping is by pid: do not install a SIGCHLD handler that
 * reaps every child (waitpid(-1)).
 */
struct proc_spec {
	const char *const *argv;        /* argv[0] is a path */
	enum sandbox_host host;
	const char *const *extra_env;   /* "NAME=value", NULL-terminated, may be NULL; replaces
	                                 * an inherited variable of the same name */
	int keep_fd;                    /* kept open across exec at the same number, > 2; -1 none */
	double timeout_s;               /* wall-clock limit from the spawn; <= 0 none */
	const struct proc_limits *limits;   /* NULL: none */
	bool trace;                     /* trace its socket calls (tracer.h): proc_trace_take() */
};

struct proc;

/* sb NULL: a program with limits only (spec->host unused), cloned into a fresh network
 * namespace of its own with nothing in it but a loopback that is down (the compiler). */
struct proc *proc_spawn(struct sandbox *sb, const struct proc_spec *spec,
                        char *errbuf, size_t errlen);
pid_t proc_pid(const struct proc *p);
int proc_output_fd(const struct proc *p);   /* nonblocking, CLOEXEC; owned by the proc */
int proc_exit_fd(const struct proc *p);     /* pidfd; owned by the proc */
/* Milliseconds until the deadline (0 once passed), or -1 without a deadline: a poll timeout. */
int proc_deadline_ms(const struct proc *p);

/*
 * A traced program's socket calls, in the order they returned, as struct trace_event
 * (trace.h). Poll proc_trace_fd() (-1 once the tracer's records have all been read, or
 * when not traced) and take what came with proc_trace_take(), which never blocks and
 * returns 0 when nothing is waiting. The last event is the program's own TRACE_EXIT;
 * proc_trace_ended() says every record has been taken. The tracer process is the
 * program's parent: proc_exit_fd() and proc_reap() watch it, so a program has ended only
 * once everything it started has gone and its last records are written.
 */
int proc_trace_fd(const struct proc *p);
size_t proc_trace_take(struct proc *p, struct trace_event *ev, size_t max);
bool proc_trace_ended(const struct proc *p);
/* Nonblocking: 1 when the program has ended (*status as from waitpid, may be NULL), 0 while
 * it runs. Past the deadline it kills the group first and returns 1. Repeatable. */
int proc_reap(struct proc *p, int *status);
bool proc_timed_out(const struct proc *p);  /* ended because proc_reap() hit the deadline */
void proc_kill(struct proc *p);             /* SIGKILL to the whole group, then reap */

/* Once ended (proc_reap() returned 1): CPU seconds it used (user + system), its largest
 * resident size in bytes, and, for a program with limits, how many processes it had at
 * its largest when tcplab killed it (0 when it ended on its own). */
double proc_cpu_s(const struct proc *p);
unsigned long long proc_maxrss(const struct proc *p);
long proc_group_peak(const struct proc *p);
/* It had (nearly) as many processes as its limit allows when it was killed: its forks
 * were failing. */
bool proc_hit_nproc(const struct proc *p);

/*
 * How an ended program ended, in words, without its name, naming the limit it hit when
 * one explains it: "was killed by signal 24 (CPU time limit exceeded) after using 10.0 s
 * of CPU (its limit)", "ran out of memory (its limit is 512 MiB) and was killed by signal
 * 11 (Segmentation fault)", "could not fork: it reached its process limit (64)",
 * "exited with status 3". Heuristic where the kernel does not say: memory is named when
 * the program used at least 3/4 of its limit and then failed.
 */
void proc_describe(const struct proc *p, char *buf, size_t len);
void proc_free(struct proc *p);             /* kills if still running, closes fds */

/*
 * A guard for a temporary folder that must not outlive tcplab, even a SIGKILLed one: a
 * process forked before anything is written there waits for EOF on a pipe only tcplab
 * holds (CLOEXEC: no program inherits it), then SIGKILLs the process group it was told
 * about, if any (a compiler that would go on writing), and removes the folder (rm -rf).
 * EOF comes when proc_guard_end() closes the pipe or the kernel closes it for a dead
 * tcplab, however it died. The guard ignores SIGINT, SIGTERM, SIGHUP and SIGQUIT, so a
 * Ctrl-C to the terminal's process group cannot stop it before it has cleaned. It holds
 * no other descriptor of tcplab's (no namespace, socket or pipe).
 */
struct proc_guard {
	pid_t pid;      /* 0: not started */
	int fd;
};
int proc_guard_start(struct proc_guard *g, const char *dir, char *errbuf, size_t errlen);
void proc_guard_group(struct proc_guard *g, pid_t pgid);   /* kill this group too */
void proc_guard_end(struct proc_guard *g);     /* the folder is gone when it returns */

#endif
