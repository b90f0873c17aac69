/* summary: the jail an untrusted program (a student's, or the compiler building it) runs in: limits, an allowlisted file system, no privileges. */
#ifndef TCPLAB_ENGINE_JAIL_H
#define TCPLAB_ENGINE_JAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/types.h>

/*
 * Contract: the parent computes what the child will apply with jail_prepare() (it may
 * read /proc, create a cgroup and allocate); the forked child, which may only make
 * async-signal-safe calls, then calls jail_child_isolate() right after entering its
 * network namespace and jail_child_apply() last before exec. Once the program has ended
 * (reaped), jail_release() removes what jail_prepare() made (the cgroup). proc.c is the
 * only caller.
 *
 * Limits for an untrusted program: each 0 means "no limit". The process count is the
 * user's, as the kernel counts it (RLIMIT_NPROC), so it is set above what the user already
 * runs; where a cgroup can be had, memory and the process count also hold for the whole
 * program (every process it starts), see "Cgroups" below.
 *
 * Who it runs as (drop_user): a tcplab running as real root runs the program as
 * JAIL_UID/JAIL_UID with no supplementary groups: a uid with no passwd entry that owns no
 * file on the host, so the program can read only what is world-readable in its view and
 * write only its work folder (which the caller chowns to jail_run_uid()). A tcplab in a
 * user namespace of its own (not root) whose user has subordinate uids and gids
 * (/etc/subuid, /etc/subgid: sandbox_prepare() maps 1..N of them with newuidmap) runs it
 * as the highest of them, likewise. Without such a range there is no other user to
 * become: the program runs as the user who started tcplab, which it already is, with
 * every capability dropped (it is uid 0 of tcplab's user namespace, and must not keep the
 * power to undo its mounts); 'tcplab grade' then refuses unless --allow-same-uid.
 *
 * Isolation of a program with limits (Linux 5.12 or later):
 *  - PID namespace of its own, as its init: when it ends, or is killed, or tcplab dies,
 *    the kernel kills every process it started, even ones that left its group;
 *  - IPC and UTS namespaces of its own: SysV shared memory, semaphores and message queues
 *    and POSIX message queues die with it; its host name is "tcplab";
 *  - a mount namespace whose root is a fresh tmpfs (read-only once built) holding only an
 *    allowlist, every part read-only unless said otherwise:
 *      /usr /lib /lib64 /lib32 /bin /sbin (bind mounts, or the same symlinks on merged-usr),
 *      /etc/{ld.so.cache, ld.so.conf, ld.so.conf.d, alternatives, localtime, nsswitch.conf,
 *            passwd, group, hosts, protocols, services} (those that exist),
 *      /dev/{null, zero, full, random, urandom} (bind mounts), /dev/{fd, stdin, stdout,
 *            stderr} (symlinks into /proc/self/fd), /dev/shm (a small tmpfs, writable),
 *      /proc (its PID namespace's own; if the kernel refuses, as where /proc is masked in
 *            a container, the program does not run: JAIL_PROC),
 *      /tmp (a tmpfs of tmp_bytes, writable),
 *      the caller's binds (writable ones too), then every path of hide that exists in
 *      this view covered by an empty read-only tmpfs (in case the tcplab tree lies under
 *      /usr, as an installed copy would).
 *    No /home, /root, /run, /var, /sys, /srv, no tcplab tree, no other grade's folder.
 *  - no_new_privs: no set-uid program gives it privileges back.
 * Isolation that cannot be set up is an error, never a silent run without it.
 *
 * Its environment is an allowlist too (jail_env()): PATH=/usr/bin:/bin, HOME=cwd (or /),
 * TMPDIR=/tmp, TERM=dumb, and LANG and LC_ALL when tcplab has them; nothing else of
 * tcplab's environment (tokens, SSH agents, the instructor's paths) reaches it. proc.c
 * adds the spec's extra_env on top.
 *
 * The work folder that must outlive one program (the compiler writes the binary, the run
 * executes it) is the caller's: a host folder it binds in (see grade.c, which makes it a
 * size-limited tmpfs when it may mount, and guards it with proc_guard_start()); the jail
 * itself keeps nothing between two programs.
 *
 * Cgroups: as root (or in a delegated cgroup v2 subtree) jail_prepare() creates a cgroup
 * under the caller's own, for memory (mem_bytes, swap included where the kernel counts
 * it) and pids (nproc), v2 when its memory and pids controllers are available, else v1
 * (/sys/fs/cgroup/memory and /sys/fs/cgroup/pids); the child joins it before anything
 * else, and jail_release() removes it. Without one, the per-process rlimits are all there
 * is; report->limits says which applied.
 */

#define JAIL_UID 2147483000u     /* the program's uid and gid under a real-root tcplab */

/* A host folder shown in the jail: src (host path) at dst (jail path). */
struct jail_bind {
	const char *src, *dst;
	bool writable;
};

/* What jail_prepare() could apply, in words, for the grade's report. */
struct jail_report {
	bool cgroup;            /* memory and process count hold for the whole program */
	char limits[240];       /* "memory 512 MiB and 64 processes for the whole program
	                         * (cgroup v1)", or why only per-process rlimits applied */
};

struct proc_limits {
	double cpu_s;                   /* RLIMIT_CPU, seconds of CPU */
	unsigned long long mem_bytes;   /* RLIMIT_AS; the cgroup's memory limit */
	long nproc;                     /* processes beyond those the user already has; the
	                                 * cgroup's pids.max */
	long nofile;                    /* RLIMIT_NOFILE */
	unsigned long long fsize;       /* RLIMIT_FSIZE: the largest file it may write */
	bool drop_user;
	const char *cwd;                /* working directory in the jail's view (a bind's dst);
	                                 * NULL: / */
	const struct jail_bind *binds;  /* ended by src == NULL; may be NULL */
	const char *const *hide;        /* paths covered in its view; NULL-terminated, may be
	                                 * NULL; a path that is not in the view is skipped */
	unsigned long long tmp_bytes;   /* size of its /tmp; 0: 64 MiB */
	struct jail_report *report;     /* filled by jail_prepare(); may be NULL */
};

#define JAIL_PATH 512
#define JAIL_MAX_MOUNTS 48

/* One step of building the jail's root; computed in the parent. */
struct jail_mount {
	char src[JAIL_PATH];    /* under /oldroot */
	char dst[JAIL_PATH];
	char link[JAIL_PATH];   /* JM_LINK's target */
	int kind;
	bool writable;
	unsigned long long size;   /* JM_TMPFS */
};

/* What the child applies before exec; computed in the parent by jail_prepare(). */
struct jail_child {
	bool on;
	struct rlimit cpu, as, nproc, nofile, fsize;
	bool drop;              /* become uid (and gid) uid */
	long uid;               /* JAIL_UID (real root), a subordinate uid, or -1 */
	bool drop_caps;         /* stay who we are, without capabilities (user namespace) */
	char cwd[JAIL_PATH];
	struct jail_mount mnt[JAIL_MAX_MOUNTS];
	int nmnt;
	int cg_fd[2];           /* cgroup.procs of its cgroups (memory, pids; v2: one); -1 */
	char cg_dir[2][JAIL_PATH];
	char envbuf[1024];
	char *env[8];
};

/* Where the child failed: jail_failure() turns it into words. */
enum jail_stage { JAIL_OK = 0, JAIL_CGROUP, JAIL_ISOLATE, JAIL_MOUNT, JAIL_PROC, JAIL_HIDE,
                  JAIL_LIMITS };

/*
 * l may be NULL: no jail (cl->on is false). Not async-signal-safe: call before fork.
 * 0, or -1 with errbuf (a bind whose source is missing, a path too long).
 */
int jail_prepare(const struct proc_limits *l, struct jail_child *cl, char *errbuf,
                 size_t errlen);
/* Closes and removes what jail_prepare() made. Repeatable; call once the program and
 * everything it started are gone. */
void jail_release(struct jail_child *cl);

/* The environment a jailed program starts from (see above), owned by cl. */
char *const *jail_env(const struct jail_child *cl);

/* Namespaces the child of a jailed program is cloned into (CLONE_NEW* flags). */
unsigned long jail_clone_flags(void);

/* The uid a jailed program with drop_user runs as: JAIL_UID under a real-root tcplab, the
 * highest subordinate uid in a mapped user namespace, tcplab's own uid otherwise (then it
 * has no uid of its own). */
uid_t jail_run_uid(void);

/*
 * In the child, in its fresh namespaces: JAIL_OK, or the stage that failed with errno
 * set and *detail the index of the mount that failed (-1 for none). Async-signal-safe.
 */
int jail_child_isolate(const struct jail_child *cl, int *detail);
/* In the child, last before exec: limits, user, capabilities, no_new_privs. 0 or -1
 * (errno). Async-signal-safe. */
int jail_child_apply(const struct jail_child *cl);

/* The message for a child's failure at stage (detail and err as the child reported). */
void jail_failure(const struct jail_child *cl, int stage, int detail, int err, char *buf,
                  size_t len);

#endif
