/* summary: the ptrace + seccomp syscall tracer: typed socket-call events from outside the program (see tracer.h). */
#include "engine/tracer.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/futex.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/*
 * Everything below runs in a forked child of a process that may have threads (the TUI), so
 * it keeps to system calls and code of its own: no malloc, no stdio, no locale. Its state
 * is in one struct on the tracer's stack (tracer_serve()), sized for the jail's limits
 * (64 processes) with room to spare; a program that outgrows it is killed, never traced
 * partly.
 */

#if defined(__x86_64__)
#define TRACER_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define TRACER_ARCH AUDIT_ARCH_AARCH64
#else
#error "tcplab's tracer knows x86_64 and aarch64 system calls only"
#endif

#define MAX_TASKS 512
#define MAX_SOCKS 256
#define MAX_CLOSES 16           /* sockets one close_range() reports */
#define MAX_IOV 64              /* iovec entries read at once to size a call */
#define MAX_MMSG 8              /* mmsghdr entries read at once */
#define KERNEL_IOV_MAX 1024     /* UIO_MAXIOV: the most a call takes (writev, sendmmsg) */
#define STALL_NS 200000000ull   /* a timed wait this much later than asked is a stall */

/* ---- the seccomp filter -------------------------------------------------------------- */

/* What the filter stops on. A syscall number that does not exist on this architecture
 * is simply not listed (send and recv are sendto and recvfrom everywhere). */
static const int traced_calls[] = {
	SYS_socket, SYS_bind, SYS_listen, SYS_accept, SYS_accept4, SYS_connect,
	SYS_sendto, SYS_sendmsg, SYS_sendmmsg, SYS_recvfrom, SYS_recvmsg, SYS_recvmmsg,
	SYS_read, SYS_readv, SYS_preadv2, SYS_write, SYS_writev, SYS_pwritev2, SYS_sendfile,
	SYS_splice, SYS_shutdown, SYS_close, SYS_close_range, SYS_setsockopt, SYS_getsockopt,
	/* timed waits: a late wake-up is a stall of the machine, not of TCP */
	SYS_nanosleep, SYS_clock_nanosleep, SYS_poll, SYS_ppoll, SYS_select, SYS_pselect6,
	SYS_epoll_wait, SYS_epoll_pwait,
	SYS_dup3,
#ifdef SYS_dup2
	SYS_dup2,
#endif
	/* waits that are not on a socket, only counted (trace_event.waits): a worker that
	 * waits for its condition variable, a child or a signal between two tries is not
	 * spinning. futex() is stopped on for its wait operations only (futex_waits below). */
	SYS_wait4, SYS_waitid, SYS_rt_sigtimedwait, SYS_rt_sigsuspend,
#ifdef SYS_pause
	SYS_pause,
#endif
#ifdef SYS_epoll_pwait2
	SYS_epoll_pwait2,
#endif
#ifdef SYS_futex_waitv
	SYS_futex_waitv,
#endif
};

/* futex() operations that put the thread to sleep (FUTEX_LOCK_PI2 is 13 where the
 * headers predate it). An uncontended mutex makes no system call at all. */
static const unsigned futex_waits[] = {
	FUTEX_WAIT, FUTEX_WAIT_BITSET, FUTEX_LOCK_PI, FUTEX_WAIT_REQUEUE_PI, 13,
};

/* Calls that would move data with no system call per operation, or hold memory that no
 * mount's size and no address-space limit counts (a memfd is a file of no file system):
 * refused. */
static const int refused_calls[] = {
	SYS_io_uring_setup, SYS_io_setup, SYS_memfd_create,
#ifdef SYS_memfd_secret
	SYS_memfd_secret,
#endif
};

int tracer_child_filter(void)
{
	enum { NT = sizeof(traced_calls) / sizeof(traced_calls[0]),
	       NR = sizeof(refused_calls) / sizeof(refused_calls[0]),
	       NF = sizeof(futex_waits) / sizeof(futex_waits[0]) };
	struct sock_filter f[8 + 2 * (NT + NR) + NF + 5];
	struct sock_fprog prog;
	unsigned short n = 0;

	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	                                      offsetof(struct seccomp_data, arch));
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TRACER_ARCH, 1, 0);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	                                      offsetof(struct seccomp_data, nr));
#if defined(__x86_64__)
	/* x32 system calls share the architecture value and set this bit: refuse them. */
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
#endif
	/* futex: its operation, without the private and clock flags, picks a wait. */
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_futex, 0, NF + 4);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	                                      offsetof(struct seccomp_data, args[1]) +
	                                      (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ? 4 : 0));
	f[n++] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND | BPF_K, FUTEX_CMD_MASK);
	for (int i = 0; i < NF; i++)
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, futex_waits[i],
		                                      (unsigned char)(NF - i), 0);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE);
	for (int i = 0; i < NT; i++) {
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
		                                      (unsigned)traced_calls[i], 0, 1);
		f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE);
	}
	for (int i = 0; i < NR; i++) {
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
		                                      (unsigned)refused_calls[i], 0, 1);
		f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
	}
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	prog.len = n;
	prog.filter = f;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
}

int tracer_child_attach(void)
{
	if (ptrace(PTRACE_TRACEME, 0, 0, 0) < 0)
		return -1;
	/* The tracer sees this stop, sets its options and lets us go on. */
	return raise(SIGSTOP) == 0 ? 0 : -1;
}

/* ---- the tracer's state ---------------------------------------------------------------- */

struct task {
	pid_t tid, tgid;            /* 0: free slot */
	bool started;               /* its first stop (the attach SIGSTOP) has been served */
	bool announced;             /* a new process: its TRACE_FORK has been written */
	bool in_call;               /* between a seccomp stop and its syscall-exit stop */
	long nr;                    /* the call in progress */
	/* A reported call the kernel may restart: it ended in ERESTART*, which no program
	 * sees. Held until it is known whether the program gets EINTR or the same call again
	 * (see on_stop()). sig_caught: a caught signal came since, so the answer is in its
	 * handler's rt_sigreturn; the task runs under PTRACE_SYSCALL until then. */
	bool held, sig_caught;
	long held_nr, watch_nr;
	struct trace_event held_ev;
	bool report;                /* the call in progress is on a socket: report it */
	int nclose;                 /* close_range: sockets it closes */
	struct trace_event ev;      /* the call in progress */
	int close_fd[MAX_CLOSES];
	uint64_t close_ino[MAX_CLOSES];
	bool close_last[MAX_CLOSES];
	/* Its last poll()-like wait returned something ready (see empty_wake()). */
	bool woke;
	long long woke_ret;
	uint64_t woke_ns, woke_acts;
	char woke_name[16];
	uint32_t waits;             /* trace_event.waits */
};

struct sock_info {
	uint64_t ino;               /* 0: free */
	int domain, type;
	struct trace_addr local, peer;
};

struct tracer {
	pid_t program;
	int evfd;
	bool program_gone;
	int fault_status;               /* a fault the program could not be delivered (below) */
	struct trace_event exit_ev; /* the program's own exit, written last */
	int ntasks, peak;
	struct task task[MAX_TASKS];
	struct sock_info sock[MAX_SOCKS];
	unsigned next_sock;
	uint64_t acts;                  /* calls the filter stopped on, waits apart */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void copy_name(char dst[16], const char *src)
{
	size_t n = strlen(src);

	if (n > 15)
		n = 15;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Decimal of v into buf (at least 21 bytes); returns the length. */
static size_t fmt_ulong(char *buf, unsigned long v)
{
	char tmp[24];
	size_t i = sizeof(tmp), n;

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	n = sizeof(tmp) - i;
	memcpy(buf, tmp + i, n);
	buf[n] = '\0';
	return n;
}

/* "/proc/A/B" or "/proc/A/B/C" into buf. */
static void proc_path(char *buf, unsigned long a, const char *b, long c)
{
	size_t n = 6;

	memcpy(buf, "/proc/", 6);
	n += fmt_ulong(buf + n, a);
	buf[n++] = '/';
	memcpy(buf + n, b, strlen(b) + 1);
	n += strlen(b);
	if (c >= 0) {
		buf[n++] = '/';
		fmt_ulong(buf + n, (unsigned long)c);
	}
}

static void write_all(struct tracer *t, const struct trace_event *ev)
{
	const char *p = (const char *)ev;
	size_t left = sizeof(*ev);

	while (left) {
		ssize_t n = write(t->evfd, p, left);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;     /* tcplab is gone: PDEATHSIG ends us shortly */
		p += n;
		left -= (size_t)n;
	}
}

static struct task *task_find(struct tracer *t, pid_t tid)
{
	for (int i = 0; i < MAX_TASKS; i++)
		if (t->task[i].tid == tid)
			return &t->task[i];
	return NULL;
}

/* The value of one "Key:" line of /proc/TID/status into buf; false when unreadable. */
static bool status_line(pid_t tid, const char *key, char *buf, size_t len)
{
	char path[64], all[2048], *p;
	ssize_t n;
	int fd;

	proc_path(path, (unsigned long)tid, "status", -1);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, all, sizeof(all) - 1);
	close(fd);
	if (n <= 0)
		return false;
	all[n] = '\0';
	/* At the start of a line: "Tgid:" must not be found inside "NStgid:". */
	for (p = all; p && strncmp(p, key, strlen(key)); p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		;
	if (!p)
		return false;
	p += strlen(key);
	while (*p == ' ' || *p == '\t')
		p++;
	for (n = 0; p[n] && p[n] != '\n' && (size_t)n + 1 < len; n++)
		buf[n] = p[n];
	buf[n] = '\0';
	return true;
}

/* A number from /proc/TID/status ("Tgid:", "PPid:"), 0 when it cannot be read. */
static pid_t read_status(pid_t tid, const char *field)
{
	char val[32];
	long v = 0;

	if (!status_line(tid, field, val, sizeof(val)))
		return 0;
	for (const char *p = val; *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (*p - '0');
	return (pid_t)v;
}

static struct task *task_add(struct tracer *t, pid_t tid)
{
	struct task *k = task_find(t, 0);

	if (!k)
		return NULL;
	memset(k, 0, sizeof(*k));
	k->tid = tid;
	k->tgid = read_status(tid, "Tgid:");
	if (!k->tgid)
		k->tgid = tid;
	if (++t->ntasks > t->peak)
		t->peak = t->ntasks;
	return k;
}

static void task_remove(struct tracer *t, struct task *k)
{
	k->tid = 0;
	t->ntasks--;
}

/* What /proc says fd of task tid is ("socket:[123]", "pipe:[45]", a path), NUL-ended in
 * link[len]; false for a bad fd. */
static bool fd_link(pid_t tid, long fd, char *link, size_t len)
{
	char path[64];
	ssize_t n;

	if (fd < 0 || fd > 1 << 20)
		return false;
	proc_path(path, (unsigned long)tid, "fd", fd);
	n = readlink(path, link, len - 1);
	if (n < 0)
		return false;
	link[n] = '\0';
	return true;
}

/* The socket inode behind a program's fd, 0 when the fd is not a socket. */
static uint64_t fd_socket(pid_t tid, long fd)
{
	char link[64];
	uint64_t ino = 0;

	if (!fd_link(tid, fd, link, sizeof(link)) || strncmp(link, "socket:[", 8))
		return 0;
	for (char *p = link + 8; *p >= '0' && *p <= '9'; p++)
		ino = ino * 10 + (uint64_t)(*p - '0');
	return ino;
}

/* Whether a read() of fd, not a socket, can block: a pipe, an eventfd, signalfd or timerfd,
 * a terminal. A regular file never makes a reader wait. */
static bool fd_can_block(pid_t tid, long fd)
{
	char link[64];

	return fd_link(tid, fd, link, sizeof(link)) &&
	       (!strncmp(link, "pipe:[", 6) || !strncmp(link, "anon_inode:", 11) ||
	        !strncmp(link, "/dev/pts/", 9) || !strncmp(link, "/dev/tty", 8));
}

/* Calls fn(arg, fd, ino) for every socket fd of process pid. */
static void each_socket_fd(pid_t pid, void (*fn)(void *, int, uint64_t), void *arg)
{
	char path[64], buf[4096];
	int dfd;
	long n;

	proc_path(path, (unsigned long)pid, "fd", -1);
	dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return;
	while ((n = syscall(SYS_getdents64, dfd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			struct {
				uint64_t ino;
				int64_t off;
				unsigned short reclen;
				unsigned char type;
				char name[];
			} *d = (void *)(buf + off);
			long fd = 0;
			uint64_t ino;

			off += d->reclen;
			if (d->name[0] < '0' || d->name[0] > '9')
				continue;
			for (const char *p = d->name; *p >= '0' && *p <= '9'; p++)
				fd = fd * 10 + (*p - '0');
			ino = fd_socket(pid, fd);
			if (ino)
				fn(arg, (int)fd, ino);
		}
	}
	close(dfd);
}

struct count_arg {
	uint64_t ino;
	int n;
};

static void count_one(void *arg, int fd, uint64_t ino)
{
	struct count_arg *c = arg;

	(void)fd;
	c->n += ino == c->ino;
}

/* How many fds, in every traced process, refer to socket ino. */
static int socket_refs(struct tracer *t, uint64_t ino)
{
	struct count_arg c = { ino, 0 };

	for (int i = 0; i < MAX_TASKS; i++) {
		const struct task *k = &t->task[i];

		/* One fd table per process: count it through its leader's entry, or through
		 * this thread when the leader is not traced any more. */
		if (!k->tid || (k->tid != k->tgid && task_find(t, k->tgid)))
			continue;
		each_socket_fd(k->tgid, count_one, &c);
	}
	return c.n;
}

/*
 * For sockets closed together in this order (one close_range(), a process's exit),
 * whether each close releases its socket: it is the last fd of that socket in the list,
 * and no fd outside the list holds it.
 */
static void closes_last(struct tracer *t, const uint64_t *ino, bool *last, int n)
{
	for (int i = 0; i < n; i++) {
		int in_list = 0;
		bool later = false;

		for (int j = 0; j < n; j++) {
			if (ino[j] != ino[i])
				continue;
			in_list++;
			later |= j > i;
		}
		last[i] = !later && socket_refs(t, ino[i]) <= in_list;
	}
}

static void addr_from(struct trace_addr *a, const void *sa, size_t len)
{
	const struct sockaddr *s = sa;

	memset(a, 0, sizeof(*a));
	if (len < sizeof(s->sa_family))
		return;
	if (s->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = sa;

		a->family = AF_INET;
		a->port = ntohs(in->sin_port);
		memcpy(a->addr, &in->sin_addr, 4);
	} else if (s->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = sa;

		a->family = AF_INET6;
		a->port = ntohs(in6->sin6_port);
		memcpy(a->addr, &in6->sin6_addr, 16);
	} else if (s->sa_family == AF_UNIX) {
		a->family = AF_UNIX;
	}
}

/* Read len bytes of the program's memory; false on a bad pointer (never a crash). */
static bool peek(pid_t tid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { buf, len }, remote = { (void *)(uintptr_t)addr, len };

	if (!addr || !len)
		return false;
	return process_vm_readv(tid, &local, 1, &remote, 1, 0) == (ssize_t)len;
}

static void peek_addr(pid_t tid, uint64_t ptr, uint64_t len, struct trace_addr *a)
{
	struct sockaddr_storage ss;

	memset(a, 0, sizeof(*a));
	if (!ptr || !len)
		return;
	if (len > sizeof(ss))
		len = sizeof(ss);
	if (peek(tid, ptr, &ss, (size_t)len))
		addr_from(a, &ss, (size_t)len);
}

/* Sum of the lengths of an iovec array in the program's memory, -1 when unreadable. */
static long long peek_iov_sum(pid_t tid, uint64_t iov, uint64_t cnt)
{
	struct iovec v[MAX_IOV];
	long long sum = 0;

	/* More than the kernel takes fails with EINVAL: whatever it says is not summed. */
	if (cnt > KERNEL_IOV_MAX)
		cnt = KERNEL_IOV_MAX;
	for (uint64_t done = 0; done < cnt;) {
		uint64_t k = cnt - done < MAX_IOV ? cnt - done : MAX_IOV;

		if (!peek(tid, iov + done * sizeof(v[0]), v, (size_t)k * sizeof(v[0])))
			return -1;
		for (uint64_t i = 0; i < k; i++)
			sum += (long long)v[i].iov_len;
		done += k;
	}
	return sum;
}

static long long peek_msghdr(pid_t tid, uint64_t ptr, struct trace_addr *name)
{
	struct msghdr m;

	if (!peek(tid, ptr, &m, sizeof(m)))
		return -1;
	if (name)
		peek_addr(tid, (uint64_t)(uintptr_t)m.msg_name, m.msg_namelen, name);
	return peek_iov_sum(tid, (uint64_t)(uintptr_t)m.msg_iov, m.msg_iovlen);
}

static long long peek_mmsg(pid_t tid, uint64_t ptr, uint64_t vlen)
{
	struct mmsghdr m[MAX_MMSG];
	long long sum = 0;

	/* The kernel handles at most UIO_MAXIOV messages of a longer vector. */
	if (vlen > KERNEL_IOV_MAX)
		vlen = KERNEL_IOV_MAX;
	if (!vlen)
		return -1;
	for (uint64_t done = 0; done < vlen;) {
		uint64_t k = vlen - done < MAX_MMSG ? vlen - done : MAX_MMSG;

		if (!peek(tid, ptr + done * sizeof(m[0]), m, (size_t)k * sizeof(m[0])))
			return done ? sum : -1;
		for (uint64_t i = 0; i < k; i++) {
			long long s = peek_iov_sum(tid, (uint64_t)(uintptr_t)m[i].msg_hdr.msg_iov,
			                           m[i].msg_hdr.msg_iovlen);
			if (s > 0)
				sum += s;
		}
		done += k;
	}
	return sum;
}

/* ---- sockets as the kernel sees them --------------------------------------------------- */

static struct sock_info *sock_find(struct tracer *t, uint64_t ino)
{
	for (int i = 0; i < MAX_SOCKS; i++)
		if (t->sock[i].ino == ino)
			return &t->sock[i];
	return NULL;
}

/* Look at the program's socket through a duplicate of its fd: domain, type, addresses. */
static struct sock_info *sock_refresh(struct tracer *t, pid_t tgid, int fd, uint64_t ino)
{
	struct sock_info *s = sock_find(t, ino);
	struct sockaddr_storage ss;
	socklen_t len;
	int pidfd, mine, v;

	if (!s) {
		s = &t->sock[t->next_sock++ % MAX_SOCKS];
		memset(s, 0, sizeof(*s));
		s->ino = ino;
	}
	pidfd = (int)syscall(SYS_pidfd_open, tgid, 0);
	if (pidfd < 0)
		return s;
	mine = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	close(pidfd);
	if (mine < 0)
		return s;
	len = sizeof(v);
	if (getsockopt(mine, SOL_SOCKET, SO_DOMAIN, &v, &len) == 0)
		s->domain = v;
	len = sizeof(v);
	if (getsockopt(mine, SOL_SOCKET, SO_TYPE, &v, &len) == 0)
		s->type = v;
	len = sizeof(ss);
	if (getsockname(mine, (struct sockaddr *)&ss, &len) == 0)
		addr_from(&s->local, &ss, len);
	len = sizeof(ss);
	if (getpeername(mine, (struct sockaddr *)&ss, &len) == 0)
		addr_from(&s->peer, &ss, len);
	close(mine);
	return s;
}

/* What the tracer knows of a socket, into an event of a call on it (s may be NULL). */
static void ev_from_sock(struct trace_event *ev, const struct sock_info *s)
{
	if (!s)
		return;
	ev->domain = s->domain;
	ev->type = s->type;
	ev->local = s->local;
	ev->peer = s->peer;
}

static void fill_sock(struct tracer *t, struct trace_event *ev, pid_t tgid, bool refresh)
{
	struct sock_info *s;

	if (!ev->sock)
		return;
	s = refresh ? NULL : sock_find(t, ev->sock);
	/* A non-blocking connect() learns its peer later: look again until it has one. */
	if (!s || (!s->peer.family && (ev->call == TRACE_SEND || ev->call == TRACE_RECV)))
		s = sock_refresh(t, tgid, ev->fd, ev->sock);
	ev_from_sock(ev, s);
}

/* ---- one call -------------------------------------------------------------------------- */

#ifdef SYS_dup2
#define IS_DUP2(nr) ((nr) == SYS_dup2)
#else
#define IS_DUP2(nr) 0           /* aarch64 has dup3 only */
#endif

struct close_arg {
	struct task *k;
	unsigned long lo, hi;
};

static void close_one(void *arg, int fd, uint64_t ino)
{
	struct close_arg *c = arg;

	if ((unsigned long)fd < c->lo || (unsigned long)fd > c->hi || c->k->nclose == MAX_CLOSES)
		return;
	c->k->close_fd[c->k->nclose] = fd;
	c->k->close_ino[c->k->nclose++] = ino;
}

/* A wait the filter stops on only to count it (trace_event.waits), with nothing to report:
 * a futex() wait (the filter picks those), a child's end, a signal. Not with WNOHANG: that
 * one returns at once. */
static bool is_counted_wait(long nr, const uint64_t *a)
{
	if (nr == SYS_wait4)
		return !(a[2] & WNOHANG);
	if (nr == SYS_waitid)
		return !(a[3] & WNOHANG);
	return nr == SYS_futex || nr == SYS_rt_sigtimedwait || nr == SYS_rt_sigsuspend ||
#ifdef SYS_pause
	       nr == SYS_pause ||
#endif
#ifdef SYS_epoll_pwait2
	       nr == SYS_epoll_pwait2 ||
#endif
#ifdef SYS_futex_waitv
	       nr == SYS_futex_waitv ||
#endif
	       false;
}

/* The waits that return when a file descriptor is ready (sleeps are not). */
static bool is_ready_wait(long nr)
{
	return nr == SYS_poll || nr == SYS_ppoll || nr == SYS_select || nr == SYS_pselect6 ||
	       nr == SYS_epoll_wait || nr == SYS_epoll_pwait;
}

/*
 * A wait that returned something ready, after which the program made no call the filter
 * stops on (no send, no recv, no accept, no read or write of any file, no sleep) before it
 * waited again: a wake-up that nothing followed. A loop that asks poll() for POLLOUT on a
 * socket with room in its buffer, or for an event it then ignores, does nothing else: poll()
 * returns at once, every time, and the program spins inside poll() alone. Reported as a
 * TRACE_WAIT with arg2 = 1 (trace_event_empty_wake()), from the wake-up to the next wait.
 * Any process of the program counts as doing something, so a thread or child that serves
 * what another's poll() found is not taken for a spin.
 */
static void empty_wake(struct tracer *t, const struct task *k)
{
	struct trace_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.call = TRACE_WAIT;
	copy_name(ev.name, k->woke_name);
	ev.pid = k->tgid;
	ev.tid = k->tid;
	ev.fd = -1;
	ev.arg = -1;
	ev.arg2 = 1;
	ev.ret = k->woke_ret;
	ev.t_enter_ns = k->woke_ns;
	ev.t_exit_ns = now_ns();
	ev.waits = k->waits;
	write_all(t, &ev);
}

/* A timed wait: note its timeout (ms in ev->arg); false for an untimed or unreadable one,
 * which the tracer lets run without watching its end. */
static bool wait_enter(pid_t tid, long nr, const uint64_t *a, struct trace_event *ev)
{
	struct timespec ts;
	struct timeval tv;
	long long ms = -1;
	const char *name;

	if (nr == SYS_poll || nr == SYS_epoll_wait || nr == SYS_epoll_pwait) {
		name = nr == SYS_poll ? "poll" : "epoll_wait";
		ms = (int)(nr == SYS_poll ? a[2] : a[3]);
	} else if (nr == SYS_ppoll || nr == SYS_pselect6 || nr == SYS_nanosleep) {
		uint64_t p = nr == SYS_ppoll ? a[2] : nr == SYS_pselect6 ? a[4] : a[0];

		name = nr == SYS_ppoll ? "ppoll" : nr == SYS_pselect6 ? "pselect" : "nanosleep";
		if (peek(tid, p, &ts, sizeof(ts)))
			ms = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	} else if (nr == SYS_clock_nanosleep) {
		name = "clock_nanosleep";
		if (!(a[1] & 1) && peek(tid, a[2], &ts, sizeof(ts)))   /* not TIMER_ABSTIME */
			ms = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
		else if (a[1] & 1)
			ms = -2;        /* until a time: a sleep all the same, its length unknown */
	} else if (nr == SYS_select) {
		name = "select";
		if (peek(tid, a[4], &tv, sizeof(tv)))
			ms = (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
	} else {
		return false;
	}
	ev->call = TRACE_WAIT;
	ev->fd = -1;
	copy_name(ev->name, name);
	ev->arg = ms < 0 ? -1 : ms;
	/* A poll()-like wait is watched to its end even untimed: what it returned tells a
	 * wake-up that nothing followed (empty_wake()). */
	return ms >= 0 || ms == -2 || is_ready_wait(nr);
}


/*
 * A seccomp stop: the call is about to run. Decide whether it is on a socket, note its
 * arguments, and say whether its exit must be seen (true) or the program can go on.
 */
static bool call_enter(struct tracer *t, struct task *k, const struct __ptrace_syscall_info *si)
{
	struct trace_event *ev = &k->ev;
	const uint64_t *a = (const uint64_t *)si->seccomp.args;
	long nr = (long)si->seccomp.nr;
	pid_t tid = k->tid;

	if (is_counted_wait(nr, a)) {
		k->waits++;
		return false;
	}
	memset(ev, 0, sizeof(*ev));
	k->nclose = 0;
	k->nr = nr;
	if (is_ready_wait(nr)) {
		if (k->woke && k->woke_acts == t->acts)
			empty_wake(t, k);
		k->woke = false;
	} else {
		t->acts++;
	}
	ev->pid = k->tgid;
	ev->tid = tid;
	ev->fd = (int)a[0];
	ev->arg = -1;
	ev->t_enter_ns = now_ns();
	ev->waits = k->waits;
	if (nr == SYS_socket) {
		ev->call = TRACE_SOCKET;
		copy_name(ev->name, "socket");
		ev->fd = -1;
		ev->domain = (int)a[0];
		ev->type = (int)a[1];
		ev->protocol = (int)a[2];
		ev->flags = (uint32_t)a[1] & (SOCK_NONBLOCK | SOCK_CLOEXEC);
		ev->arg = (long long)a[2];
		return true;
	}
	if (nr == SYS_sendfile || nr == SYS_splice) {
		/* sendfile(out, in, ...), splice(in, off, out, off, len, flags): the socket side
		 * decides whether it is a send or a receive. */
		int out = (int)(nr == SYS_sendfile ? a[0] : a[2]);
		int in = (int)(nr == SYS_sendfile ? a[1] : a[0]);

		copy_name(ev->name, nr == SYS_sendfile ? "sendfile" : "splice");
		ev->arg = (long long)(nr == SYS_sendfile ? a[3] : a[4]);
		if ((ev->sock = fd_socket(tid, out))) {
			ev->call = TRACE_SEND;
			ev->fd = out;
		} else if ((ev->sock = fd_socket(tid, in))) {
			ev->call = TRACE_RECV;
			ev->fd = in;
		} else {
			return false;
		}
		fill_sock(t, ev, k->tgid, false);
		return true;
	}
	if (nr == SYS_dup3 || IS_DUP2(nr)) {
		/* dup2(old, new) closes what new was: a socket's close when it held one. Not when
		 * both are the one fd or the same socket: then nothing is released. */
		int newfd = (int)a[1];

		ev->sock = fd_socket(tid, newfd);
		if (!ev->sock || (int)a[0] == newfd || fd_socket(tid, (long)(int)a[0]) == ev->sock)
			return false;
		ev->call = TRACE_CLOSE;
		copy_name(ev->name, nr == SYS_dup3 ? "dup3" : "dup2");
		ev->fd = newfd;
		ev->last = socket_refs(t, ev->sock) <= 1;
		fill_sock(t, ev, k->tgid, false);
		return true;
	}
	if (nr == SYS_close_range) {
		struct close_arg c = { k, (unsigned long)a[0], (unsigned long)a[1] };

		/* CLOSE_RANGE_CLOEXEC only marks the fds close-on-exec: nothing closes. */
		if (a[2] & CLOSE_RANGE_CLOEXEC)
			return false;
		ev->call = TRACE_CLOSE;
		copy_name(ev->name, "close_range");
		each_socket_fd(k->tgid, close_one, &c);
		closes_last(t, k->close_ino, k->close_last, k->nclose);
		return k->nclose > 0;
	}
	if (wait_enter(tid, nr, a, ev)) {
		/* poll(..., 0) never blocks: a loop of it and recv() is still one run. */
		if (ev->arg != 0)
			ev->waits = ++k->waits;
		return true;
	}
	ev->sock = fd_socket(tid, (long)(int)a[0]);
	if (!ev->sock) {
		/* Not a socket: read/write/close of a file, or a bad fd. A read of a pipe or an
		 * eventfd is how many programs wait for work: a wait between two tries. */
		if ((nr == SYS_read || nr == SYS_readv || nr == SYS_preadv2) &&
		    fd_can_block(tid, (long)(int)a[0]))
			k->waits++;
		return false;
	}
	switch (nr) {
	case SYS_bind:
	case SYS_connect:
		ev->call = nr == SYS_bind ? TRACE_BIND : TRACE_CONNECT;
		copy_name(ev->name, nr == SYS_bind ? "bind" : "connect");
		peek_addr(tid, a[1], a[2], &ev->addr);
		break;
	case SYS_listen:
		ev->call = TRACE_LISTEN;
		copy_name(ev->name, "listen");
		ev->arg = (long long)(int)a[1];
		break;
	case SYS_accept:
	case SYS_accept4:
		ev->call = TRACE_ACCEPT;
		copy_name(ev->name, nr == SYS_accept ? "accept" : "accept4");
		ev->listen_sock = ev->sock;
		ev->flags = nr == SYS_accept4 ? (uint32_t)a[3] : 0;
		break;
	case SYS_sendto:
	case SYS_recvfrom:
		ev->call = nr == SYS_sendto ? TRACE_SEND : TRACE_RECV;
		copy_name(ev->name, nr == SYS_sendto ? "sendto" : "recvfrom");
		ev->arg = (long long)a[2];
		ev->flags = (uint32_t)a[3];
		if (nr == SYS_sendto)
			peek_addr(tid, a[4], a[5], &ev->addr);
		break;
	case SYS_sendmsg:
	case SYS_recvmsg:
		ev->call = nr == SYS_sendmsg ? TRACE_SEND : TRACE_RECV;
		copy_name(ev->name, nr == SYS_sendmsg ? "sendmsg" : "recvmsg");
		ev->arg = peek_msghdr(tid, a[1], nr == SYS_sendmsg ? &ev->addr : NULL);
		ev->flags = (uint32_t)a[2];
		break;
	case SYS_sendmmsg:
	case SYS_recvmmsg:
		ev->call = nr == SYS_sendmmsg ? TRACE_SEND : TRACE_RECV;
		copy_name(ev->name, nr == SYS_sendmmsg ? "sendmmsg" : "recvmmsg");
		ev->arg = peek_mmsg(tid, a[1], a[2]);
		ev->arg2 = (long long)(unsigned)a[2];
		ev->flags = (uint32_t)a[3];
		break;
	case SYS_read:
	case SYS_write:
		ev->call = nr == SYS_write ? TRACE_SEND : TRACE_RECV;
		copy_name(ev->name, nr == SYS_write ? "write" : "read");
		ev->arg = (long long)a[2];
		break;
	case SYS_readv:
	case SYS_writev:
	case SYS_preadv2:
	case SYS_pwritev2:
		ev->call = nr == SYS_writev || nr == SYS_pwritev2 ? TRACE_SEND : TRACE_RECV;
		copy_name(ev->name, nr == SYS_readv ? "readv" : nr == SYS_writev ? "writev" :
		          nr == SYS_preadv2 ? "preadv2" : "pwritev2");
		ev->arg = peek_iov_sum(tid, a[1], a[2]);
		break;
	case SYS_shutdown:
		ev->call = TRACE_SHUTDOWN;
		copy_name(ev->name, "shutdown");
		ev->arg = (long long)(int)a[1];
		break;
	case SYS_close:
		ev->call = TRACE_CLOSE;
		copy_name(ev->name, "close");
		ev->last = socket_refs(t, ev->sock) <= 1;
		break;
	case SYS_setsockopt:
	case SYS_getsockopt: {
		int v[2] = { 0, 0 };
		uint64_t len = a[4];

		ev->call = nr == SYS_setsockopt ? TRACE_SETSOCKOPT : TRACE_GETSOCKOPT;
		copy_name(ev->name, nr == SYS_setsockopt ? "setsockopt" : "getsockopt");
		ev->level = (int)a[1];
		ev->opt = (int)a[2];
		if (nr == SYS_setsockopt && len >= sizeof(int) &&
		    peek(tid, a[3], v, len >= sizeof(v) ? sizeof(v) : sizeof(int))) {
			ev->arg = v[0];
			ev->arg2 = len >= sizeof(v) ? v[1] : 0;
		}
		break;
	}
	default:
		return false;
	}
	fill_sock(t, ev, k->tgid, false);
	return true;
}

/* The syscall-exit stop: the result, then the event(s). */
static void call_exit(struct tracer *t, struct task *k, const struct __ptrace_syscall_info *si)
{
	struct trace_event *ev = &k->ev;
	long long rv = si->exit.rval;

	ev->t_exit_ns = now_ns();
	if (si->exit.is_error) {
		ev->ret = -1;
		ev->err = (int)-rv;
		/* ERESTARTSYS and its kin (512 to 516): a signal interrupted the call. The
		 * program gets EINTR, or the kernel runs the call again as if nothing happened
		 * (an ignored signal, SA_RESTART): held until on_stop() knows which. */
		if (ev->err >= 512 && ev->err <= 516) {
			ev->err = EINTR;
			/* An interrupted timed wait says nothing of a stall: dropped below. */
			if (ev->call != TRACE_CLOSE && ev->call != TRACE_WAIT) {
				k->held = true;
				k->sig_caught = false;
				k->held_nr = k->nr;
				k->held_ev = *ev;
				return;
			}
		}
	} else {
		ev->ret = rv;
	}
	switch (ev->call) {
	case TRACE_WAIT:
		if (is_ready_wait(k->nr) && ev->ret > 0) {
			k->woke = true;
			k->woke_ret = ev->ret;
			k->woke_ns = ev->t_exit_ns;
			k->woke_acts = t->acts;
			copy_name(k->woke_name, ev->name);
		}
		/* A sleep of 1 ms or more that ran (to its end, or until a signal cut it
		 * short) says the program slept: a lab may check that slow work took place
		 * (lab 5: 5 ms per job). Shorter ones are not reported: a loop of them would
		 * flood the pipe, and no lab's work is that short. Any other wait says
		 * something only when it ran its full time and woke late. */
		if (trace_event_sleep(ev) && (ev->ret == 0 || ev->err == EINTR) && ev->arg != 0 &&
		    ev->t_exit_ns - ev->t_enter_ns >= 1000000u)
			break;
		if (ev->ret != 0 || ev->arg < 0 || ev->t_exit_ns - ev->t_enter_ns <
		    (uint64_t)ev->arg * 1000000u + STALL_NS)
			return;
		break;
	case TRACE_SOCKET:
		if (ev->ret >= 0) {
			ev->fd = (int)ev->ret;
			ev->sock = fd_socket(k->tid, ev->ret);
			fill_sock(t, ev, k->tgid, true);
			ev->fd = -1;
		}
		break;
	case TRACE_ACCEPT:
		if (ev->ret >= 0) {
			int lfd = ev->fd;

			ev->fd = (int)ev->ret;
			ev->sock = fd_socket(k->tid, ev->ret);
			fill_sock(t, ev, k->tgid, true);
			ev->fd = lfd;
		}
		break;
	case TRACE_BIND:
	case TRACE_CONNECT:
	case TRACE_LISTEN:
		/* The local address is known now (connect: also a failed non-blocking one). */
		fill_sock(t, ev, k->tgid, true);
		break;
	case TRACE_CLOSE:
		if (k->nclose) {
			for (int i = 0; i < k->nclose; i++) {
				struct sock_info *s = sock_find(t, k->close_ino[i]);

				ev->fd = k->close_fd[i];
				ev->sock = k->close_ino[i];
				ev->last = k->close_last[i];
				ev_from_sock(ev, s);
				write_all(t, ev);
			}
			return;
		}
		break;
	default:
		break;
	}
	write_all(t, ev);
}

/* ---- the program's end ------------------------------------------------------------------ */

/* The sockets a process still holds as it ends, in fd order. */
struct exit_list {
	int n;
	int fd[MAX_SOCKS];
	uint64_t ino[MAX_SOCKS];
	bool last[MAX_SOCKS];
};

static void exit_one(void *arg, int fd, uint64_t ino)
{
	struct exit_list *x = arg;

	if (x->n == MAX_SOCKS)
		return;
	x->fd[x->n] = fd;
	x->ino[x->n++] = ino;
}

/* Sockets still open when a process ends: the kernel closes them for the program. */
static void exit_closes(struct tracer *t, const struct task *k)
{
	struct exit_list x;

	x.n = 0;
	each_socket_fd(k->tgid, exit_one, &x);
	closes_last(t, x.ino, x.last, x.n);
	for (int i = 0; i < x.n; i++) {
		struct sock_info *s = sock_find(t, x.ino[i]);
		struct trace_event ev;

		memset(&ev, 0, sizeof(ev));
		ev.call = TRACE_CLOSE;
		copy_name(ev.name, "exit");
		ev.pid = k->tgid;
		ev.tid = k->tid;
		ev.fd = x.fd[i];
		ev.sock = x.ino[i];
		ev.arg = -1;
		ev.last = x.last[i];
		ev.t_enter_ns = ev.t_exit_ns = now_ns();
		ev_from_sock(&ev, s);
		write_all(t, &ev);
	}
}

static void kill_the_rest(struct tracer *t)
{
	for (int i = 0; i < MAX_TASKS; i++)
		if (t->task[i].tid)
			kill(t->task[i].tid, SIGKILL);
}

/*
 * A process ended. The program's own exit is held back and written last (tracer_serve()),
 * once whatever it left behind has been killed and its end reported: the contract says
 * the program's TRACE_EXIT is the last record.
 */
static void process_exited(struct tracer *t, pid_t pid, int status, const struct rusage *ru)
{
	struct trace_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.call = TRACE_EXIT;
	copy_name(ev.name, "exit");
	ev.pid = ev.tid = pid;
	ev.fd = -1;
	ev.arg = status;
	ev.t_enter_ns = ev.t_exit_ns = now_ns();
	if (pid == t->program && t->fault_status && WIFSIGNALED(status))
		ev.arg = t->fault_status;       /* killed by the fault's signal, as a wait status */
	if (pid == t->program) {
		ev.cpu_ns = (uint64_t)ru->ru_utime.tv_sec * 1000000000u +
		            (uint64_t)ru->ru_utime.tv_usec * 1000u +
		            (uint64_t)ru->ru_stime.tv_sec * 1000000000u +
		            (uint64_t)ru->ru_stime.tv_usec * 1000u;
		ev.maxrss = (uint64_t)ru->ru_maxrss * 1024u;
		ev.tasks_peak = (uint32_t)t->peak;
		t->program_gone = true;
		t->exit_ev = ev;
		/* Whatever it left behind ends with it. */
		kill_the_rest(t);
		return;
	}
	write_all(t, &ev);
}

/* ---- the loop ------------------------------------------------------------------------ */

static bool is_fault(int sig)
{
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL || sig == SIGSYS;
}


/* Is tid the init (pid 1) of its own PID namespace? The last number of NSpid. */
static bool is_pidns_init(pid_t tid)
{
	char ns[128];
	const char *last;

	if (!status_line(tid, "NSpid:", ns, sizeof(ns)))
		return false;
	last = strrchr(ns, '\t') ? strrchr(ns, '\t') + 1 : strrchr(ns, ' ') ? strrchr(ns, ' ') + 1 : ns;
	return !strcmp(last, "1");
}

/* A new process (not a thread): its TRACE_FORK, once, before any call of its own. */
static void announce_fork(struct tracer *t, struct task *c, pid_t parent)
{
	struct trace_event ev;

	if (c->announced || c->tid != c->tgid)
		return;
	c->announced = true;
	memset(&ev, 0, sizeof(ev));
	ev.call = TRACE_FORK;
	copy_name(ev.name, "fork");
	ev.pid = ev.tid = c->tid;
	ev.fd = -1;
	ev.arg = parent;
	ev.t_enter_ns = ev.t_exit_ns = now_ns();
	write_all(t, &ev);
}

static void resume(struct task *k, int sig)
{
	ptrace(k->in_call || k->sig_caught ? PTRACE_SYSCALL : PTRACE_CONT, k->tid, 0, (long)sig);
}

/* The held call ended in EINTR for the program after all: its event, as it was. */
static void flush_held(struct tracer *t, struct task *k)
{
	if (!k->held)
		return;
	k->held = k->sig_caught = false;
	write_all(t, &k->held_ev);
}

/* Signal sig has a handler in tid's process (SigCgt in /proc/TID/status). */
static bool sig_is_caught(pid_t tid, int sig)
{
	char hex[32];
	uint64_t mask = 0;

	if (!status_line(tid, "SigCgt:", hex, sizeof(hex)))
		return true;    /* cannot tell: watch for a handler's return */
	for (const char *p = hex; (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'); p++)
		mask = mask << 4 | (uint64_t)(*p <= '9' ? *p - '0' : *p - 'a' + 10);
	return sig >= 1 && sig <= 64 && (mask >> (sig - 1) & 1);
}

static void on_stop(struct tracer *t, pid_t tid, int status)
{
	struct task *k = task_find(t, tid);
	int sig = WSTOPSIG(status), event = (unsigned)status >> 16;
	struct __ptrace_syscall_info si;

	if (!k || !k->started) {
		/* A new child or thread, auto-attached, in its first stop. It may come before its
		 * parent's fork event: then it is announced here, before it can make a call. Once
		 * the program has ended, nothing new may run: kill_the_rest() did not know it. */
		if (!k)
			k = task_add(t, tid);
		if (!k || t->program_gone) {
			kill(tid, SIGKILL);
			if (k)
				ptrace(PTRACE_CONT, tid, 0, 0);
			return;
		}
		k->started = true;
		announce_fork(t, k, read_status(tid, "PPid:"));
		ptrace(PTRACE_CONT, tid, 0, 0);
		return;
	}
	if (sig == SIGTRAP && event == PTRACE_EVENT_SECCOMP) {
		bool got, restarted, reported;

		memset(&si, 0, sizeof(si));
		got = ptrace(PTRACE_GET_SYSCALL_INFO, tid, sizeof(si), &si) > 0 &&
		      si.op == PTRACE_SYSCALL_INFO_SECCOMP;
		/* The held call again, with no handler run in between: the kernel restarted it,
		 * and the program sees one call that began when the first did. */
		restarted = got && k->held && !k->sig_caught && (long)si.seccomp.nr == k->held_nr;
		if (k->held && !k->sig_caught && !restarted)
			flush_held(t, k);
		reported = got && call_enter(t, k, &si);
		if (restarted && reported) {
			k->ev.t_enter_ns = k->held_ev.t_enter_ns;
			k->held = false;
		} else if (restarted || reported) {
			/* A handler's own socket call: what it interrupted is taken as ended. */
			flush_held(t, k);
		}
		k->in_call = reported;
		resume(k, 0);
		return;
	}
	if (sig == (SIGTRAP | 0x80)) {
		memset(&si, 0, sizeof(si));
		if (ptrace(PTRACE_GET_SYSCALL_INFO, tid, sizeof(si), &si) <= 0)
			si.op = PTRACE_SYSCALL_INFO_NONE;
		if (k->in_call && si.op == PTRACE_SYSCALL_INFO_EXIT) {
			call_exit(t, k, &si);
			k->in_call = false;
		} else if (si.op == PTRACE_SYSCALL_INFO_ENTRY) {
			/* The entry stop of the traced call (a kernel that reports both), or any
			 * call while a handler runs (sig_caught). */
			k->watch_nr = (long)si.entry.nr;
		} else if (si.op == PTRACE_SYSCALL_INFO_EXIT && k->sig_caught &&
		           k->watch_nr == SYS_rt_sigreturn) {
			/* The handler returned: the register it restored is -EINTR when the program
			 * gets EINTR, anything else when the kernel restarts the call. */
			if (si.exit.rval == -EINTR)
				flush_held(t, k);
			else
				k->sig_caught = false;
		} else {
			k->in_call = false;
		}
		resume(k, 0);
		return;
	}
	if (sig == SIGTRAP && event) {
		if (event == PTRACE_EVENT_EXEC) {
			struct trace_event ev;

			memset(&ev, 0, sizeof(ev));
			ev.call = TRACE_START;
			copy_name(ev.name, "start");
			ev.pid = k->tgid;
			ev.tid = tid;
			ev.fd = -1;
			ev.arg = -1;
			ev.t_enter_ns = ev.t_exit_ns = now_ns();
			write_all(t, &ev);
		} else if (event == PTRACE_EVENT_FORK || event == PTRACE_EVENT_VFORK ||
		           event == PTRACE_EVENT_CLONE) {
			/* Into the table now, not at its first stop: if the program ends before
			 * that stop comes, kill_the_rest() must know this task too. */
			unsigned long child = 0;
			struct task *c;

			ptrace(PTRACE_GETEVENTMSG, tid, 0, &child);
			c = child ? task_find(t, (pid_t)child) : NULL;
			if (child && !c)
				c = task_add(t, (pid_t)child);
			if (!c && child)
				kill((pid_t)child, SIGKILL);
			else if (c)
				announce_fork(t, c, k->tgid);
		} else if (event == PTRACE_EVENT_EXIT) {
			flush_held(t, k);
			/* Killed inside a traced call (a recv() that waited for bytes that never
			 * came): no exit stop will come, so it is reported as it stands. */
			if (k->in_call && (k->ev.call == TRACE_RECV || k->ev.call == TRACE_SEND ||
			                   k->ev.call == TRACE_ACCEPT || k->ev.call == TRACE_CONNECT)) {
				struct trace_event ev = k->ev;

				ev.unfinished = true;
				ev.ret = -1;
				ev.err = 0;
				ev.t_exit_ns = now_ns();
				k->in_call = false;
				write_all(t, &ev);
			}
			if (k->tid == k->tgid)
				exit_closes(t, k);
		}
		resume(k, 0);
		return;
	}
	/*
	 * A fault (SIGSEGV, SIGBUS...) of the program's first process when it is the init of
	 * its PID namespace (a jailed student's program): re-injected by a tracer, the signal
	 * is no longer forced, init ignores it, and the faulting instruction runs again
	 * forever. Unless it handles the signal, end it as the fault would have, and report
	 * the fault's signal as its end.
	 */
	if (tid == t->program && is_fault(sig) && !sig_is_caught(tid, sig) && is_pidns_init(tid)) {
		t->fault_status = sig;
		kill(tid, SIGKILL);
		resume(k, 0);
		return;
	}
	/* A signal that interrupted a held call: when it has a handler, whether the call runs
	 * again is known when the handler returns. */
	if (k->held && !k->sig_caught && sig_is_caught(tid, sig))
		k->sig_caught = true;
	/* A signal on its way to the program: deliver it. Without PTRACE_SEIZE a group-stop
	 * looks like a stop signal too, but has no siginfo: let it go on rather than stop. */
	if ((sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU)) {
		siginfo_t info;

		if (ptrace(PTRACE_GETSIGINFO, tid, 0, &info) < 0) {
			resume(k, 0);
			return;
		}
	}
	resume(k, sig);
}

void tracer_serve(pid_t program, int evfd)
{
	struct tracer t;
	struct trace_event hello;
	int status;

	memset(&t, 0, sizeof(t));
	t.program = program;
	t.evfd = evfd;
	memset(&hello, 0, sizeof(hello));
	hello.call = TRACE_OTHER;
	copy_name(hello.name, "tracer");
	hello.pid = hello.tid = program;
	hello.fd = -1;
	hello.t_enter_ns = hello.t_exit_ns = now_ns();
	write_all(&t, &hello);

	/* The program's first stop: tracer_child_attach()'s SIGSTOP. */
	while (waitpid(program, &status, __WALL) < 0)
		if (errno != EINTR)
			_exit(1);
	if (WIFSTOPPED(status)) {
		struct task *k = task_add(&t, program);

		if (k)
			k->started = true;
		ptrace(PTRACE_SETOPTIONS, program, 0,
		       PTRACE_O_EXITKILL | PTRACE_O_TRACESECCOMP | PTRACE_O_TRACESYSGOOD |
		       PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE |
		       PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT);
		ptrace(PTRACE_CONT, program, 0, 0);
	} else {
		struct rusage ru;

		memset(&ru, 0, sizeof(ru));
		process_exited(&t, program, status, &ru);
		write_all(&t, &t.exit_ev);
		_exit(0);
	}
	for (;;) {
		struct rusage ru;
		pid_t pid = wait4(-1, &status, __WALL, &ru);
		struct task *k;

		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break;          /* ECHILD: nothing traced is left */
		}
		if (WIFSTOPPED(status)) {
			on_stop(&t, pid, status);
			continue;
		}
		k = task_find(&t, pid);
		if (k)
			flush_held(&t, k);
		if (k && (k->tid == k->tgid || pid == program))
			process_exited(&t, pid, status, &ru);
		if (k)
			task_remove(&t, k);
	}
	if (!t.program_gone) {
		struct rusage ru;

		memset(&ru, 0, sizeof(ru));
		process_exited(&t, program, -1, &ru);
	}
	write_all(&t, &t.exit_ev);
	_exit(0);
}

int tracer_probe(char *why, size_t len)
{
	pid_t pid = fork();
	int status, stage = 0;

	if (pid < 0) {
		snprintf(why, len, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		if (tracer_child_attach() < 0)
			_exit(10);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || tracer_child_filter() < 0)
			_exit(11);
		(void)close(-1);        /* a traced call: the tracer must see it */
		_exit(0);
	}
	/* Attach stop, the close's seccomp stop, its exit stop, then the exit. */
	while (waitpid(pid, &status, __WALL) == pid) {
		if (!WIFSTOPPED(status))
			break;
		if (stage == 0)
			ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_EXITKILL | PTRACE_O_TRACESECCOMP |
			       PTRACE_O_TRACESYSGOOD);
		if (WSTOPSIG(status) == SIGTRAP && (unsigned)status >> 16 == PTRACE_EVENT_SECCOMP)
			stage = 2;
		else if (!stage)
			stage = 1;
		ptrace(PTRACE_CONT, pid, 0, 0);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && stage == 2)
		return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 10)
		snprintf(why, len, "ptrace(PTRACE_TRACEME) is refused (a seccomp profile or Yama"
		         " ptrace_scope 3?)");
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 11)
		snprintf(why, len, "a seccomp filter cannot be installed (kernel without"
		         " CONFIG_SECCOMP_FILTER?)");
	else
		snprintf(why, len, "the traced call was not seen");
	return -1;
}
