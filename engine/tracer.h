/* summary: the syscall tracer: a program's socket calls seen from outside it, with ptrace and a seccomp filter. */
#ifndef TCPLAB_ENGINE_TRACER_H
#define TCPLAB_ENGINE_TRACER_H

#include <stddef.h>
#include <sys/types.h>

#include "engine/trace.h"

/*
 * How a program is traced (as strace --seccomp-bpf does). proc.c forks a tracer process,
 * which clones the program; the program asks to be traced (tracer_child_attach()) and
 * stops, the tracer sets its options, and the program installs a seccomp filter
 * (tracer_child_filter()) last before exec. From then on the kernel stops the program on
 * every call the filter names (socket calls, and read/write/close because they may be on
 * a socket), and only on those; the tracer reads the call's arguments and result from
 * the kernel (PTRACE_GET_SYSCALL_INFO, process_vm_readv, the program's fd table in /proc,
 * the socket itself through pidfd_getfd) and writes one struct trace_event per call into
 * a pipe, in the order the calls returned. Nothing the program does can write into that
 * pipe, skip a stop, or fake an event: raw syscall(), static binaries, calls inside libc
 * (fclose() of an fdopen()ed socket), threads and children (traced automatically from
 * their first instruction) are all seen. A call that a signal interrupts is reported as
 * the program saw it: one event when the kernel runs it again (an ignored signal, a
 * handler with SA_RESTART), -1 EINTR when the program gets EINTR. io_uring and Linux AIO, which would move data
 * without a system call per operation, are refused with ENOSYS; another architecture's
 * system calls (x32, int 0x80) kill the program.
 *
 * The tracer also owns the program's end: when the program's first process exits, it
 * reports its exit (wait status, CPU time and largest resident size of the whole tree,
 * most tasks alive at once), SIGKILLs every process the program left behind, waits for
 * them, and exits itself. PTRACE_O_EXITKILL kills every traced process if the tracer
 * dies, and the tracer dies with tcplab (PR_SET_PDEATHSIG), so nothing outlives a run.
 *
 * Records: the first is a TRACE_OTHER event named "tracer" whose pid is the program's
 * pid; then one event per call, in the order the calls returned; the program's own
 * TRACE_EXIT is the last, written once everything it left behind has been killed and
 * reported (its times are those of its exit, so it can be older than the record before
 * it). A new process's TRACE_FORK comes before any call it makes. The pipe is never
 * dropped from: when tcplab reads slowly, the traced program waits.
 *
 * Functions marked child run in a forked child of a possibly threaded process and are
 * async-signal-safe, as is all of tracer_serve().
 */

/* child: PTRACE_TRACEME, then stop until the tracer has set its options. 0, or -1. */
int tracer_child_attach(void);
/* child, last before execve: the seccomp filter. Needs no_new_privs or CAP_SYS_ADMIN.
 * 0, or -1 with errno. */
int tracer_child_filter(void);

/* Can this system trace a program (ptrace and seccomp filters allowed)? 0, or -1 with
 * why. Forks a child; safe from a threaded process. For 'tcplab doctor'. */
int tracer_probe(char *why, size_t len);

/* The tracer process: serves the stops of program (its child, stopped in
 * tracer_child_attach()) and every task it creates, writing records into evfd. Never
 * returns. */
void tracer_serve(pid_t program, int evfd) __attribute__((noreturn));

#endif
