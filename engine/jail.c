/* summary: the jail of an untrusted program: limits, a cgroup, an allowlisted root file system, no privileges (see jail.h). */
#include "engine/jail.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "util/errbuf.h"
#include "util/tr.h"

/* Kinds of jail_mount. */
enum { JM_DIR,          /* mkdir dst */
       JM_BIND,         /* bind src (a folder or a file) at dst, recursively */
       JM_LINK,         /* symlink dst -> link */
       JM_TMPFS,        /* a fresh tmpfs of size bytes at dst */
       JM_PROC,         /* the PID namespace's own /proc at dst */
       JM_HIDE };       /* an empty read-only tmpfs over dst, if dst exists */

/* Where the old root waits while the new one is built (inside the new root). */
#define OLDROOT "/oldroot"

/* What the toolchain and a program need of the host, nothing more (see jail.h). */
static const char *const top_dirs[] = { "/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin" };
static const char *const etc_files[] = {
	"ld.so.cache", "ld.so.conf", "ld.so.conf.d", "alternatives", "localtime",
	"nsswitch.conf", "passwd", "group", "hosts", "protocols", "services",
};
static const char *const dev_nodes[] = { "null", "zero", "full", "random", "urandom" };
static const char *const dev_links[][2] = {
	{ "fd", "/proc/self/fd" }, { "stdin", "/proc/self/fd/0" },
	{ "stdout", "/proc/self/fd/1" }, { "stderr", "/proc/self/fd/2" },
};

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

/* Does map (/proc/self/uid_map or gid_map) map id inside our user namespace? */
static bool mapped(const char *map, unsigned long id)
{
	FILE *f = fopen(map, "re");
	unsigned long in, out, n;
	bool yes = false;

	if (!f)
		return false;
	while (!yes && fscanf(f, "%lu %lu %lu", &in, &out, &n) == 3)
		yes = id >= in && id - in < n;
	fclose(f);
	return yes;
}

/*
 * The uid a jailed program becomes, or -1 for none (it stays tcplab's, without
 * capabilities): JAIL_UID where it is mapped (real root: everything is), else the highest
 * uid of tcplab's user namespace other than 0 (1..N of the subordinate range sandbox.c maps
 * through newuidmap; 65535 in a container), the one least likely to own anything. Needs
 * root in this namespace, to become it.
 */
static long own_uid(void)
{
	FILE *f;
	unsigned long in, out, n, best = 0;

	if (geteuid() != 0)
		return -1;
	if (mapped("/proc/self/uid_map", JAIL_UID) && mapped("/proc/self/gid_map", JAIL_UID))
		return JAIL_UID;
	f = fopen("/proc/self/uid_map", "re");
	if (!f)
		return -1;
	while (fscanf(f, "%lu %lu %lu", &in, &out, &n) == 3)
		if (n > 0 && in + n - 1 > best)
			best = in + n - 1;
	fclose(f);
	return best > 0 && best < 0x7fffffffUL && mapped("/proc/self/gid_map", best) ?
	       (long)best : -1;
}

uid_t jail_run_uid(void)
{
	long u = own_uid();

	return u >= 0 ? (uid_t)u : getuid();
}

static struct jail_mount *add(struct jail_child *cl, int kind, const char *src,
                              const char *dst)
{
	struct jail_mount *m;

	/* The tables above fit with room to spare: overflowing is a bug here. */
	if (cl->nmnt == JAIL_MAX_MOUNTS)
		return NULL;
	m = &cl->mnt[cl->nmnt++];
	memset(m, 0, sizeof(*m));
	m->kind = kind;
	if (src)
		snprintf(m->src, sizeof(m->src), OLDROOT "%s", src);
	snprintf(m->dst, sizeof(m->dst), "%s", dst);
	return m;
}

/* A host path as it is: a symlink stays a symlink (merged /usr), a folder or file is bound. */
static void add_host(struct jail_child *cl, const char *path)
{
	struct stat st;
	struct jail_mount *m;
	ssize_t n;

	if (lstat(path, &st) < 0)
		return;         /* not on this system (/lib32): nothing to show */
	if (S_ISLNK(st.st_mode)) {
		m = add(cl, JM_LINK, NULL, path);
		if (!m)
			return;
		n = readlink(path, m->link, sizeof(m->link) - 1);
		if (n <= 0) {
			cl->nmnt--;
			return;
		}
		m->link[n] = '\0';
	} else if (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode) || S_ISCHR(st.st_mode)) {
		add(cl, JM_BIND, path, path);
	}
}

/* --- cgroups ------------------------------------------------------------------------ */

static int write_text(const char *dir, const char *file, const char *text)
{
	char path[JAIL_PATH + 64];
	int fd, rc = 0;
	size_t len = strlen(text);

	errbuf_set(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (write(fd, text, len) != (ssize_t)len)
		rc = -1;
	if (close(fd) < 0)
		rc = -1;
	return rc;
}

static bool read_text(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return false;
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
	return true;
}

/* Is key one of the comma-separated controllers of a v1 hierarchy ("cpu,cpuacct")? */
static bool has_ctl(const char *list, const char *key)
{
	size_t n = strlen(key);

	for (const char *p = list; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (!strncmp(p, key, n) && (p[n] == ',' || p[n] == '\0'))
			return true;
	return false;
}

/* The caller's cgroup in hierarchy key ("memory", "pids", or "" for v2) from
 * /proc/self/cgroup. */
static bool own_cgroup(const char *key, char *path, size_t len)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	char line[1024];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *ctl = strchr(line, ':'), *p;

		if (!ctl || !(p = strchr(ctl + 1, ':')))
			continue;
		*p++ = '\0';
		*ctl++ = '\0';
		p[strcspn(p, "\n")] = '\0';
		if (*key ? has_ctl(ctl, key) : !strcmp(line, "0") && !*ctl) {
			snprintf(path, len, "%s", p);
			found = true;
		}
	}
	fclose(f);
	return found;
}

/*
 * A tcplab SIGKILLed while its program ran leaves that program's cgroup behind (empty: the
 * program died with it). Such leftovers under parent are removed here, by the next run:
 * only ones older than a minute, because a cgroup is joined within moments of being made
 * and one with processes cannot be removed (EBUSY), so nothing in use is touched.
 */
static void cg_sweep(const char *parent)
{
	DIR *d = opendir(parent);
	struct dirent *de;
	time_t now = time(NULL);

	if (!d)
		return;
	while ((de = readdir(d))) {
		char path[JAIL_PATH + 300];
		struct stat st;

		if (strncmp(de->d_name, "tcplab-", 7) || strlen(de->d_name) != 13)
			continue;
		errbuf_set(path, sizeof(path), "%s/%s", parent, de->d_name);
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode) && now - st.st_mtime > 60)
			(void)rmdir(path);
	}
	closedir(d);
}

/* Makes a child cgroup under base/own named like tcplab-XXXXXX (name: that name, or the
 * one to use). 0 or -1 with why. */
static int cg_make(const char *base, const char *own, char *name, char *dir, size_t dirlen,
                   char *why, size_t whylen)
{
	char eb[128];

	errbuf_set(dir, dirlen, "%s%s", base, strcmp(own, "/") ? own : "");
	cg_sweep(dir);
	if (name[0])
		errbuf_set(dir, dirlen, "%s%s/%s", base, strcmp(own, "/") ? own : "", name);
	else
		errbuf_set(dir, dirlen, "%s%s/tcplab-XXXXXX", base, strcmp(own, "/") ? own : "");
	if (name[0] ? mkdir(dir, 0755) < 0 : !mkdtemp(dir)) {
		errbuf_set(why, whylen, _("cannot create a cgroup in '%s%s': %s"), base, own,
		         errbuf_strerror(errno, eb, sizeof(eb)));
		dir[0] = '\0';
		return -1;
	}
	if (!name[0])
		snprintf(name, 64, "%s", strrchr(dir, '/') + 1);
	return 0;
}

static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ' || p[-1] == '+') && (p[n] == '\0' || p[n] == ' ' ||
		    p[n] == '\n'))
			return true;
	return false;
}

/*
 * The whole program's memory cap: a quarter above the per-process RLIMIT_AS. At exactly the
 * same figure the group reached its cap first (the tracer, page tables, socket buffers and
 * the program's own text count in it), and the kernel then reclaimed the program's text
 * pages over and over instead of failing its malloc(): a memory hog crawled to the deadline
 * ("an endless loop?") instead of running out of memory, the more so on a busy machine.
 * With the room, one process meets its own limit and fails at once; several together still
 * stop at the group's.
 */
static unsigned long long cg_mem_bytes(const struct proc_limits *l)
{
	return l->mem_bytes + l->mem_bytes / 4;
}

/* A cgroup v2 for the program, if the caller's cgroup can have children with memory and
 * pids. 0, or -1 with why. */
static int cg2(struct jail_child *cl, const struct proc_limits *l, char *why, size_t whylen)
{
	static const char *const mounts[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };
	char own[JAIL_PATH], dir[JAIL_PATH + 32], buf[512], name[64] = "", num[32];
	const char *base = NULL;

	if (!own_cgroup("", own, sizeof(own))) {
		errbuf_set(why, whylen, _("no cgroup v2 in /proc/self/cgroup"));
		return -1;
	}
	for (size_t i = 0; i < sizeof(mounts) / sizeof(mounts[0]) && !base; i++) {
		errbuf_set(dir, sizeof(dir), "%s%s/cgroup.controllers", mounts[i],
		         strcmp(own, "/") ? own : "");
		if (read_text(dir, buf, sizeof(buf)) && has_word(buf, "memory") &&
		    has_word(buf, "pids"))
			base = mounts[i];
	}
	if (!base) {
		errbuf_set(why, whylen, _("the cgroup v2 hierarchy has no memory and pids controllers here"));
		return -1;
	}
	errbuf_set(dir, sizeof(dir), "%s%s", base, strcmp(own, "/") ? own : "");
	errbuf_set(buf, sizeof(buf), "%s/cgroup.subtree_control", dir);
	if (!read_text(buf, buf, sizeof(buf)) || !has_word(buf, "memory") || !has_word(buf, "pids"))
		(void)write_text(dir, "cgroup.subtree_control", "+memory +pids");
	if (cg_make(base, own, name, cl->cg_dir[0], sizeof(cl->cg_dir[0]), why, whylen) < 0)
		return -1;
	snprintf(num, sizeof(num), "%llu", cg_mem_bytes(l));
	if ((l->mem_bytes && write_text(cl->cg_dir[0], "memory.max", num) < 0) ||
	    (l->nproc && (snprintf(num, sizeof(num), "%ld", l->nproc),
	                  write_text(cl->cg_dir[0], "pids.max", num) < 0))) {
		errbuf_set(why, whylen, _("cannot set the limits of cgroup '%s' (are memory and pids"
		         " enabled in its parent's cgroup.subtree_control?)"), cl->cg_dir[0]);
		return -1;
	}
	(void)write_text(cl->cg_dir[0], "memory.swap.max", "0");
	errbuf_set(buf, sizeof(buf), "%s/cgroup.procs", cl->cg_dir[0]);
	cl->cg_fd[0] = open(buf, O_WRONLY | O_CLOEXEC);
	if (cl->cg_fd[0] < 0) {
		errbuf_set(why, whylen, _("cannot open '%s': %s"), buf, strerror(errno));
		return -1;
	}
	return 0;
}

/* Cgroups v1: one in the memory hierarchy, one in pids, of the same name. */
static int cg1(struct jail_child *cl, const struct proc_limits *l, char *why, size_t whylen)
{
	static const char *const ctl[2] = { "memory", "pids" };
	char own[JAIL_PATH], base[64], name[64] = "", num[32], path[JAIL_PATH + 32];

	for (int i = 0; i < 2; i++) {
		snprintf(base, sizeof(base), "/sys/fs/cgroup/%s", ctl[i]);
		errbuf_set(path, sizeof(path), "%s/cgroup.procs", base);
		if (access(path, F_OK) < 0 || !own_cgroup(ctl[i], own, sizeof(own))) {
			errbuf_set(why, whylen, _("no cgroup v1 %s controller at '%s'"), ctl[i], base);
			return -1;
		}
		if (cg_make(base, own, name, cl->cg_dir[i], sizeof(cl->cg_dir[i]), why, whylen) < 0)
			return -1;
		errbuf_set(path, sizeof(path), "%s/cgroup.procs", cl->cg_dir[i]);
		cl->cg_fd[i] = open(path, O_WRONLY | O_CLOEXEC);
		if (cl->cg_fd[i] < 0) {
			errbuf_set(why, whylen, _("cannot open '%s': %s"), path, strerror(errno));
			return -1;
		}
	}
	snprintf(num, sizeof(num), "%llu", cg_mem_bytes(l));
	if (l->mem_bytes && write_text(cl->cg_dir[0], "memory.limit_in_bytes", num) < 0) {
		errbuf_set(why, whylen, _("cannot set memory.limit_in_bytes in '%s': %s"), cl->cg_dir[0],
		         strerror(errno));
		return -1;
	}
	/* Without swap accounting the file is missing: swap then is what the host allows. */
	(void)write_text(cl->cg_dir[0], "memory.memsw.limit_in_bytes", num);
	snprintf(num, sizeof(num), "%ld", l->nproc);
	if (l->nproc && write_text(cl->cg_dir[1], "pids.max", num) < 0) {
		errbuf_set(why, whylen, _("cannot set pids.max in '%s': %s"), cl->cg_dir[1], strerror(errno));
		return -1;
	}
	return 0;
}

static void cg_release(struct jail_child *cl)
{
	for (int i = 0; i < 2; i++) {
		if (cl->cg_fd[i] >= 0)
			close(cl->cg_fd[i]);
		cl->cg_fd[i] = -1;
		/* Every process of it is gone (its PID namespace died with its init), so the
		 * cgroup is empty and rmdir removes it. */
		if (cl->cg_dir[i][0])
			(void)rmdir(cl->cg_dir[i]);
		cl->cg_dir[i][0] = '\0';
	}
}

static void cgroup_prepare(struct jail_child *cl, const struct proc_limits *l,
                           struct jail_report *r)
{
	char why2[200] = "", why1[200] = "";

	if (!l->mem_bytes && !l->nproc)
		return;
	if (cg2(cl, l, why2, sizeof(why2)) == 0) {
		r->cgroup = true;
		errbuf_set(r->limits, sizeof(r->limits), _("memory %llu MiB a process, %llu MiB and"
		         " %ld processes for the whole program (cgroup v2)"), l->mem_bytes >> 20,
		         cg_mem_bytes(l) >> 20, l->nproc);
		return;
	}
	cg_release(cl);
	if (cg1(cl, l, why1, sizeof(why1)) == 0) {
		r->cgroup = true;
		errbuf_set(r->limits, sizeof(r->limits), _("memory %llu MiB a process, %llu MiB and"
		         " %ld processes for the whole program (cgroup v1)"), l->mem_bytes >> 20,
		         cg_mem_bytes(l) >> 20, l->nproc);
		return;
	}
	cg_release(cl);
	/* One reason: v1's where this machine has v1 controllers, else v2's. */
	errbuf_set(r->limits, sizeof(r->limits), _("memory %llu MiB per process and %ld processes"
	         " (rlimits only: %s)"), l->mem_bytes >> 20, l->nproc,
	         access("/sys/fs/cgroup/memory/cgroup.procs", F_OK) == 0 ? why1 : why2);
}

/* --- preparing ---------------------------------------------------------------------- */

static void env_prepare(struct jail_child *cl, const char *home)
{
	static const char *const keep[] = { "LANG", "LC_ALL" };
	size_t used = 0, n = 0;
	char entry[300];

	/* MALLOC_ARENA_MAX: glibc reserves 64 MiB of address space for each thread's malloc
	 * arena, so under RLIMIT_AS a server with eight threads that malloc() could not start
	 * a ninth (pthread_create: EAGAIN), with no memory actually used. Two arenas serve
	 * any exercise; the address-space limit then counts what threads really take. */
	for (size_t i = 0; i < 5 + sizeof(keep) / sizeof(keep[0]); i++) {
		const char *v;
		int len;

		if (i == 0)
			len = snprintf(entry, sizeof(entry), "PATH=/usr/bin:/bin");
		else if (i == 1)
			len = snprintf(entry, sizeof(entry), "HOME=%s", home);
		else if (i == 2)
			len = snprintf(entry, sizeof(entry), "TMPDIR=/tmp");
		else if (i == 3)
			len = snprintf(entry, sizeof(entry), "TERM=dumb");
		else if (i == 4)
			len = snprintf(entry, sizeof(entry), "MALLOC_ARENA_MAX=2");
		else if ((v = getenv(keep[i - 5])) && strlen(v) < 64)
			len = snprintf(entry, sizeof(entry), "%s=%s", keep[i - 5], v);
		else
			continue;
		if (len < 0 || used + (size_t)len + 1 > sizeof(cl->envbuf) ||
		    n + 1 >= sizeof(cl->env) / sizeof(cl->env[0]))
			break;
		memcpy(cl->envbuf + used, entry, (size_t)len + 1);
		cl->env[n++] = cl->envbuf + used;
		used += (size_t)len + 1;
	}
	cl->env[n] = NULL;
}

char *const *jail_env(const struct jail_child *cl)
{
	return cl->env;
}

/* want, or for 0 ("no limit") tcplab's own; never above tcplab's hard limit, which only
 * CAP_SYS_RESOURCE could raise (a container may not have it). */
static void rlimit_set(struct rlimit *rl, int resource, rlim_t want)
{
	struct rlimit cur = { RLIM_INFINITY, RLIM_INFINITY };

	(void)getrlimit(resource, &cur);
	if (!want || (cur.rlim_max != RLIM_INFINITY && want > cur.rlim_max))
		want = cur.rlim_max;
	rl->rlim_cur = rl->rlim_max = want;
}

int jail_prepare(const struct proc_limits *l, struct jail_child *cl, char *errbuf,
                 size_t errlen)
{
	struct jail_report scratch, *r = l && l->report ? l->report : &scratch;
	char path[JAIL_PATH];
	struct jail_mount *m;

	memset(cl, 0, sizeof(*cl));
	cl->cg_fd[0] = cl->cg_fd[1] = -1;
	if (!l)
		return 0;
	memset(r, 0, sizeof(*r));
	cl->on = true;
	rlimit_set(&cl->cpu, RLIMIT_CPU, l->cpu_s > 0 ? (rlim_t)(l->cpu_s + 0.999) : 0);
	rlimit_set(&cl->as, RLIMIT_AS, l->mem_bytes);
	rlimit_set(&cl->nofile, RLIMIT_NOFILE, (rlim_t)l->nofile);
	rlimit_set(&cl->fsize, RLIMIT_FSIZE, l->fsize);
	cl->uid = own_uid();
	cl->drop = l->drop_user && cl->uid >= 0;
	cl->drop_caps = l->drop_user && !cl->drop && geteuid() == 0;
	cgroup_prepare(cl, l, r);
	/* JAIL_UID runs next to nothing of its own; a student runs a desktop's worth. With a
	 * pids cgroup counting this program exactly, RLIMIT_NPROC (per uid, so shared by every
	 * grade running at once as JAIL_UID) is only a backstop: a fork bomb graded next door
	 * must not starve this compiler. */
	rlimit_set(&cl->nproc, RLIMIT_NPROC, !l->nproc ? 0 :
	           (rlim_t)(l->nproc + (cl->drop ? 0 : user_processes()) + (r->cgroup ? 1024 : 0)));
	snprintf(cl->cwd, sizeof(cl->cwd), "%s", l->cwd ? l->cwd : "/");
	env_prepare(cl, cl->cwd);

	for (size_t i = 0; i < sizeof(top_dirs) / sizeof(top_dirs[0]); i++)
		add_host(cl, top_dirs[i]);
	add(cl, JM_DIR, NULL, "/etc");
	for (size_t i = 0; i < sizeof(etc_files) / sizeof(etc_files[0]); i++) {
		snprintf(path, sizeof(path), "/etc/%s", etc_files[i]);
		add_host(cl, path);
	}
	add(cl, JM_DIR, NULL, "/dev");
	for (size_t i = 0; i < sizeof(dev_nodes) / sizeof(dev_nodes[0]); i++) {
		snprintf(path, sizeof(path), "/dev/%s", dev_nodes[i]);
		add_host(cl, path);
	}
	for (size_t i = 0; i < sizeof(dev_links) / sizeof(dev_links[0]); i++) {
		snprintf(path, sizeof(path), "/dev/%s", dev_links[i][0]);
		m = add(cl, JM_LINK, NULL, path);
		snprintf(m->link, sizeof(m->link), "%s", dev_links[i][1]);
	}
	/* shm_open() needs /dev/shm; a fresh one dies with the program. */
	m = add(cl, JM_TMPFS, NULL, "/dev/shm");
	m->size = 16ull << 20;
	m->writable = true;
	add(cl, JM_PROC, NULL, "/proc");
	m = add(cl, JM_TMPFS, NULL, "/tmp");
	m->size = l->tmp_bytes ? l->tmp_bytes : 64ull << 20;
	m->writable = true;
	for (size_t i = 0; l->binds && l->binds[i].src; i++) {
		const struct jail_bind *b = &l->binds[i];
		char eb[128];

		if (strlen(b->src) + sizeof(OLDROOT) > JAIL_PATH || strlen(b->dst) >= JAIL_PATH ||
		    b->dst[0] != '/' || b->src[0] != '/') {
			errbuf_set(errbuf, errlen, _("cannot show '%s' in the jail: not an absolute path"
			           " shorter than %d"), b->src, JAIL_PATH - (int)sizeof(OLDROOT));
			return -1;
		}
		if (access(b->src, F_OK) < 0) {
			errbuf_set(errbuf, errlen, _("cannot show '%s' in the jail: %s"), b->src,
			           errbuf_strerror(errno, eb, sizeof(eb)));
			return -1;
		}
		m = add(cl, JM_BIND, b->src, b->dst);
		if (!m)
			break;
		m->writable = b->writable;
	}
	for (size_t i = 0; l->hide && l->hide[i]; i++)
		add(cl, JM_HIDE, NULL, l->hide[i]);
	if (cl->nmnt == JAIL_MAX_MOUNTS) {
		errbuf_set(errbuf, errlen, _("cannot build the jail: more than %d mounts"),
		           JAIL_MAX_MOUNTS);
		return -1;
	}
	return 0;
}

void jail_release(struct jail_child *cl)
{
	cg_release(cl);
}

unsigned long jail_clone_flags(void)
{
	return CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS;
}

/* --- in the child: async-signal-safe calls only --------------------------------------- */

/* mkdir -p of an absolute path, with a copy on the stack (no allocation). */
static int mkpath(const char *path, mode_t mode)
{
	char buf[JAIL_PATH];
	size_t n = strlen(path);

	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, path, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -1;
		buf[i] = i == n ? '\0' : '/';
	}
	return 0;
}

/* The parent folder of path exists, and path itself as an empty file or folder (to bind
 * onto), like the source. */
static int mount_point(const char *src, const char *dst)
{
	struct stat st;
	char parent[JAIL_PATH];
	const char *slash = strrchr(dst, '/');
	int fd;

	if (stat(src, &st) < 0)
		return -1;
	if (S_ISDIR(st.st_mode))
		return mkpath(dst, 0755);
	if (slash && slash != dst) {
		size_t n = (size_t)(slash - dst);

		memcpy(parent, dst, n);
		parent[n] = '\0';
		if (mkpath(parent, 0755) < 0)
			return -1;
	}
	fd = open(dst, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int one_mount(const struct jail_mount *m)
{
	struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID };
	struct mount_attr rw = { .attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
	                         .attr_clr = MOUNT_ATTR_RDONLY };
	char opts[64], num[24];
	unsigned long long v;
	int i = 0;

	switch (m->kind) {
	case JM_DIR:
		return mkpath(m->dst, 0755);
	case JM_LINK:
		return symlink(m->link, m->dst);
	case JM_BIND:
		if (mount_point(m->src, m->dst) < 0 || mount(m->src, m->dst, NULL, MS_BIND | MS_REC,
		                                              NULL) < 0)
			return -1;
		return mount_setattr(AT_FDCWD, m->dst, AT_RECURSIVE, m->writable ? &rw : &ro,
		                     sizeof(ro));
	case JM_TMPFS:
		/* "size=N,mode=1777" without snprintf (not async-signal-safe). */
		v = m->size;
		do
			num[i++] = (char)('0' + v % 10);
		while ((v /= 10) && i < (int)sizeof(num));
		memcpy(opts, "size=", 5);
		for (int k = 0; k < i; k++)
			opts[5 + k] = num[i - 1 - k];
		memcpy(opts + 5 + i, ",mode=1777", sizeof(",mode=1777"));
		if (mkpath(m->dst, 0755) < 0)
			return -1;
		return mount("tcplab-tmp", m->dst, "tmpfs", MS_NOSUID | MS_NODEV, opts);
	case JM_PROC:
		if (mkpath(m->dst, 0555) < 0)
			return -1;
		return mount("proc", m->dst, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	case JM_HIDE:
		if (mount("tcplab-hidden", m->dst, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV |
		          MS_NOEXEC, "size=4k,mode=0555") < 0 && errno != ENOENT && errno != ENOTDIR)
			return -1;
		return 0;
	}
	return -1;
}

/*
 * The new root is a tmpfs mounted over /tmp and pivoted into, with the old root parked at
 * /oldroot: once the tmpfs has moved to /, the host's /tmp shows again under /oldroot/tmp,
 * so binds from there work. Everything is copied in from /oldroot, which is then detached.
 */
/*
 * SysV shared memory lives in the IPC namespace, not in any process: a segment touched and
 * detached holds its pages until the namespace dies, counted by no address-space limit and
 * by a cgroup only where there is one. The namespace's own limits cap it at what the
 * private /dev/shm may hold (16 MiB: shmmax and shmall, in pages of 4 KiB). Best effort:
 * a kernel that refuses leaves the cgroup as the only bound.
 */
static void ipc_limits(void)
{
	static const struct { const char *path, *value; } lim[] = {
		{ "/proc/sys/kernel/shmmax", "16777216" },
		{ "/proc/sys/kernel/shmall", "4096" },
		{ "/proc/sys/kernel/shmmni", "64" },
	};

	for (size_t i = 0; i < sizeof(lim) / sizeof(lim[0]); i++) {
		int fd = open(lim[i].path, O_WRONLY | O_CLOEXEC);

		if (fd >= 0) {
			(void)!write(fd, lim[i].value, strlen(lim[i].value));
			close(fd);
		}
	}
}

int jail_child_isolate(const struct jail_child *cl, int *detail)
{
	struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY };
	static const char one = '0';

	*detail = -1;
	/* Join the cgroups first: every process of the program is born inside them. */
	for (int i = 0; i < 2; i++)
		if (cl->cg_fd[i] >= 0 && write(cl->cg_fd[i], &one, 1) != 1)
			return JAIL_CGROUP;
	/* Still with the host's /proc, which shows this process's own (new) IPC namespace. */
	ipc_limits();
	/* Nothing done here may reach tcplab's namespace (or the host's, through shared
	 * propagation). */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return JAIL_ISOLATE;
	if (mount("tcplab-root", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755") < 0 ||
	    mkdir("/tmp" OLDROOT, 0700) < 0 || syscall(SYS_pivot_root, "/tmp", "/tmp" OLDROOT) < 0 ||
	    chdir("/") < 0)
		return JAIL_ISOLATE;
	for (int i = 0; i < cl->nmnt; i++) {
		if (one_mount(&cl->mnt[i]) < 0) {
			*detail = i;
			return cl->mnt[i].kind == JM_PROC ? JAIL_PROC :
			       cl->mnt[i].kind == JM_HIDE ? JAIL_HIDE : JAIL_MOUNT;
		}
	}
	if (umount2(OLDROOT, MNT_DETACH) < 0 || rmdir(OLDROOT) < 0 ||
	    mount_setattr(AT_FDCWD, "/", 0, &ro, sizeof(ro)) < 0)
		return JAIL_ISOLATE;
	(void)sethostname("tcplab", 6);
	return JAIL_OK;
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

int jail_child_apply(const struct jail_child *cl)
{
	if (!cl->on)
		return 0;
	if (chdir(cl->cwd) < 0)
		return -1;
	if (setrlimit(RLIMIT_CPU, &cl->cpu) < 0 || setrlimit(RLIMIT_AS, &cl->as) < 0 ||
	    setrlimit(RLIMIT_NOFILE, &cl->nofile) < 0 || setrlimit(RLIMIT_FSIZE, &cl->fsize) < 0 ||
	    setrlimit(RLIMIT_NPROC, &cl->nproc) < 0 || setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 }) < 0)
		return -1;
	if (cl->drop && (setgroups(0, NULL) < 0 || setgid((gid_t)cl->uid) < 0 ||
	                 setuid((uid_t)cl->uid) < 0))
		return -1;
	if (cl->drop_caps && drop_capabilities() < 0)
		return -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return 0;
}

void jail_failure(const struct jail_child *cl, int stage, int detail, int err, char *buf,
                  size_t len)
{
	const struct jail_mount *m = detail >= 0 && detail < cl->nmnt ? &cl->mnt[detail] : NULL;
	const char *what = m ? m->dst : "/";
	char eb[128];

	errbuf_strerror(err, eb, sizeof(eb));
	switch (stage) {
	case JAIL_CGROUP:
		snprintf(buf, len, _("cannot join its cgroup '%s': %s"), cl->cg_dir[0], eb);
		break;
	case JAIL_PROC:
		snprintf(buf, len, _("cannot mount a /proc of its own: %s (is /proc masked, as in an"
		         " unprivileged container? grade on the host or in a container that may"
		         " mount proc; run 'tcplab doctor')"), eb);
		break;
	case JAIL_HIDE:
		snprintf(buf, len, _("cannot hide '%s' from it: %s"), what, eb);
		break;
	case JAIL_MOUNT:
		snprintf(buf, len, _("cannot show it '%s': %s"), what, eb);
		break;
	case JAIL_LIMITS:
		snprintf(buf, len, _("cannot apply its limits: %s"), eb);
		break;
	default:
		snprintf(buf, len, _("cannot give it a root file system of its own: %s (Linux 5.12 or"
		         " later needed; run 'tcplab doctor')"), eb);
		break;
	}
}
