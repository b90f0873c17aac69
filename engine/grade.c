/* summary: build a student's exercise, run it against the reference peer, score it (see grade.h). */
/* nftw() comes with _GNU_SOURCE, which the Makefile defines. */
#include "engine/grade.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/proc.h"
#include "engine/progress.h"
#include "util/errbuf.h"

#define BUILD_TIMEOUT_MS 60000
#define MAX_SOURCES 32

/* The project's own warning flags (Makefile's WARN): the student sees what we see. */
static const char *const cflags[] = {
	"-std=c11", "-D_GNU_SOURCE", "-O2", "-g", "-Wall", "-Wextra", "-Wshadow",
	"-Wstrict-prototypes", "-Wmissing-prototypes", "-Wformat=2", "-Wwrite-strings",
};

/* What a student's program may use: generous for an exercise, fatal to a fork bomb. */
static const struct proc_limits student_limits_template = {
	.cpu_s = 10,
	.mem_bytes = 512ull << 20,
	.nproc = 64,
	.nofile = 256,
	.fsize = 16ull << 20,
	.drop_user = true,
};

extern char **environ;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* The .c files of dir, sorted; their count, or -1 (errbuf). */
static int sources(const char *dir, char files[MAX_SOURCES][900], char *errbuf, size_t errlen)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;
	char why[128];

	if (!d) {
		errbuf_set(errbuf, errlen, "cannot read the exercise folder '%s': %s", dir,
		           errbuf_strerror(errno, why, sizeof(why)));
		return -1;
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len < 3 || strcmp(de->d_name + len - 2, ".c") || de->d_name[0] == '.')
			continue;
		if (n == MAX_SOURCES) {
			closedir(d);
			errbuf_set(errbuf, errlen, "more than %d .c files in '%s'", MAX_SOURCES, dir);
			return -1;
		}
		snprintf(files[n++], sizeof(files[0]), "%s/%s", dir, de->d_name);
	}
	closedir(d);
	qsort(files, (size_t)n, sizeof(files[0]), (int (*)(const void *, const void *))strcmp);
	return n;
}

static int copy_file(const char *from, const char *to, mode_t mode, char *errbuf, size_t errlen)
{
	int in = open(from, O_RDONLY | O_CLOEXEC), out = -1;
	char buf[65536];
	ssize_t n = 0;

	if (in >= 0)
		out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	while (out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			n = -1;
	if (in < 0 || out < 0 || n < 0) {
		errbuf_set(errbuf, errlen, "cannot copy '%s' to '%s': %s", from, to, strerror(errno));
		n = -1;
	}
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out) < 0)
		n = -1;
	return n < 0 ? -1 : 0;
}

/* The run's checks become the grade: one point each, the capture's own check excepted. */
static int score(struct grade_result *g)
{
	const struct labrun *run = g->run;

	g->check = calloc(run->ncheck ? run->ncheck : 1, sizeof(*g->check));
	if (!g->check)
		return -1;
	for (size_t i = 0; i < run->ncheck; i++) {
		const struct labrun_check *k = &run->check[i];
		struct grade_check *c = &g->check[g->ncheck++];

		snprintf(c->name, sizeof(c->name), "%s", k->name);
		c->verdict = k->r.verdict;
		snprintf(c->explain, sizeof(c->explain), "%s", k->r.explain);
		/* Whether the capture kept up is tcplab's business, not the student's. */
		c->max = strcmp(k->name, "the capture is complete") ? 1 : 0;
		c->score = c->verdict == EXPECT_PASS ? c->max : 0;
		g->score += c->score;
		g->max += c->max;
	}
	return 0;
}

/*
 * A grading in progress. The compiler runs as a child whose output comes through a pipe and
 * whose exit is seen on a pidfd, so a caller's poll() loop can wait for both; then the run
 * goes through labrun's incremental API. The temporary folder (the student's binary, the
 * tracer copy, the program's working folder) lives until the grading ends or is cancelled.
 */
enum grade_phase { PH_BUILD, PH_RUN, PH_DONE };

struct grade {
	const struct lab *lab;
	enum grade_phase phase;
	struct grade_result *g;
	char tmp[32], bin[700], tracer[700], work[700];
	struct proc_limits limits;
	const char *hide[3];            /* the tree and the build folder, hidden from the program */
	char root[512], buildp[512];
	struct proc_guard guard;        /* removes tmp even if tcplab is SIGKILLed (proc.h) */
	struct labrun_opts ro;
	double t0, deadline;
	/* the compiler */
	pid_t pid;
	int out_fd, pid_fd;
	bool killed;
	size_t used;
};

static void remove_tmp(struct grade *gr)
{
	if (gr->tmp[0] && gr->tmp[strlen(gr->tmp) - 1] != 'X')
		nftw(gr->tmp, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	gr->tmp[0] = '\0';
	proc_guard_end(&gr->guard);
}

/* Kill and reap the compiler if it still runs; close its descriptors. */
static int compiler_end(struct grade *gr, bool kill_it)
{
	int status = 0;

	if (gr->out_fd >= 0)
		close(gr->out_fd);
	gr->out_fd = -1;
	if (gr->pid > 0) {
		if (kill_it)
			kill(gr->pid, SIGKILL);
		while (waitpid(gr->pid, &status, 0) < 0 && errno == EINTR)
			;
		gr->pid = 0;
	}
	if (gr->pid_fd >= 0)
		close(gr->pid_fd);
	gr->pid_fd = -1;
	return status;
}

/* Start the compiler, its output (stdout and stderr, as it printed them) into a pipe. */
static int compile_start(struct grade *gr, const char *cc, char files[MAX_SOURCES][900],
                         int nfile, char *errbuf, size_t errlen)
{
	const char *argv[64];
	size_t argc = 0;
	posix_spawn_file_actions_t fa;
	int pipefd[2], rc;

	argv[argc++] = cc;
	for (size_t i = 0; i < sizeof(cflags) / sizeof(cflags[0]); i++)
		argv[argc++] = cflags[i];
	argv[argc++] = "-o";
	argv[argc++] = gr->bin;
	for (int i = 0; i < nfile; i++)
		argv[argc++] = files[i];
	argv[argc] = NULL;
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		errbuf_set(errbuf, errlen, "cannot make a pipe: %s", strerror(errno));
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
	/* Its own process group, which the guard kills should tcplab die mid-build. */
	posix_spawnattr_t at;

	posix_spawnattr_init(&at);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
	posix_spawnattr_setpgroup(&at, 0);
	/* Its temporary files (cc*.s, cc*.o) go into our folder, which the guard removes. */
	size_t nenv = 0, k = 0;
	char tmpdir[64], **env;

	while (environ[nenv])
		nenv++;
	env = calloc(nenv + 2, sizeof(*env));
	snprintf(tmpdir, sizeof(tmpdir), "TMPDIR=%s", gr->tmp);
	for (size_t i = 0; env && i < nenv; i++)
		if (strncmp(environ[i], "TMPDIR=", 7))
			env[k++] = environ[i];
	if (env)
		env[k] = tmpdir;
	rc = posix_spawnp(&gr->pid, cc, &fa, &at, (char *const *)argv, env ? env : environ);
	free(env);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	if (!rc)
		proc_guard_group(&gr->guard, gr->pid);
	close(pipefd[1]);
	if (rc) {
		close(pipefd[0]);
		gr->pid = 0;
		errbuf_set(errbuf, errlen, "cannot run the C compiler '%s': %s (install gcc, or set"
		           " CC)", cc, strerror(rc));
		return -1;
	}
	gr->out_fd = pipefd[0];
	fcntl(gr->out_fd, F_SETFL, fcntl(gr->out_fd, F_GETFL) | O_NONBLOCK);
	/* Without a pidfd (kernels before 5.3) the exit is reaped once the output ends. */
	gr->pid_fd = (int)syscall(SYS_pidfd_open, gr->pid, 0);
	gr->deadline = now_s() + BUILD_TIMEOUT_MS / 1000.0;
	gr->g->build_log[0] = '\0';
	return 0;
}

/* Read what the compiler printed so far. true once its output has ended. */
static bool compile_read(struct grade *gr)
{
	struct grade_result *g = gr->g;
	size_t loglen = sizeof(g->build_log);

	for (;;) {
		char buf[4096];
		ssize_t n = read(gr->out_fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return false;
		if (n <= 0)
			return true;
		if (gr->used + 1 < loglen) {
			size_t take = (size_t)n < loglen - gr->used - 1 ? (size_t)n : loglen - gr->used - 1;

			memcpy(g->build_log + gr->used, buf, take);
			gr->used += take;
			g->build_log[gr->used] = '\0';
		}
	}
}

static void finish(struct grade *gr)
{
	gr->phase = PH_DONE;
	gr->g->seconds = now_s() - gr->t0;
	remove_tmp(gr);
}

struct grade *grade_start(const struct lab *lab, const struct grade_opts *o, char *errbuf,
                          size_t errlen)
{
	const struct lab_variant *ex = &lab->exercise;
	char files[MAX_SOURCES][900], from[700];
	const char *cc = o->cc ? o->cc : getenv("CC") && *getenv("CC") ? getenv("CC") : "cc";
	struct grade *gr;
	struct grade_result *g;
	int nfile;

	if (!lab->has_exercise) {
		errbuf_set(errbuf, errlen, "lab %d has no exercise to grade", lab->number);
		return NULL;
	}
	gr = calloc(1, sizeof(*gr));
	g = calloc(1, sizeof(*g));
	if (!gr || !g) {
		free(gr);
		free(g);
		errbuf_set(errbuf, errlen, "out of memory");
		return NULL;
	}
	gr->lab = lab;
	gr->g = g;
	gr->t0 = now_s();
	gr->out_fd = gr->pid_fd = -1;
	gr->limits = student_limits_template;
	g->lab = lab->number;
	snprintf(g->title, sizeof(g->title), "%s", lab->title);
	if (o->src)
		snprintf(g->src, sizeof(g->src), "%s", o->src);
	else
		snprintf(g->src, sizeof(g->src), "%s/%s", lab->dir, ex->source);
	nfile = sources(g->src, files, errbuf, errlen);
	if (nfile < 0)
		goto fail;
	snprintf(gr->tmp, sizeof(gr->tmp), "/tmp/tcplab-grade-XXXXXX");
	if (!mkdtemp(gr->tmp)) {
		errbuf_set(errbuf, errlen, "cannot make a temporary folder in /tmp: %s",
		           strerror(errno));
		gr->tmp[0] = '\0';
		goto fail;
	}
	if (proc_guard_start(&gr->guard, gr->tmp, errbuf, errlen) < 0) {
		rmdir(gr->tmp);
		gr->tmp[0] = '\0';
		goto fail;
	}
	/* The student's program may run as nobody: it must reach its files and the tracer. */
	chmod(gr->tmp, 0755);
	snprintf(gr->bin, sizeof(gr->bin), "%s/%s", gr->tmp, ex->binary);
	snprintf(gr->tracer, sizeof(gr->tracer), "%s/libtcplab-trace.so", gr->tmp);
	snprintf(gr->work, sizeof(gr->work), "%s/work", gr->tmp);
	snprintf(from, sizeof(from), "%s/libtcplab-trace.so", o->build);
	if (mkdir(gr->work, 0777) < 0 || chmod(gr->work, 0777) < 0 ||
	    copy_file(from, gr->tracer, 0644, errbuf, errlen) < 0) {
		if (!errbuf[0])
			errbuf_set(errbuf, errlen, "cannot prepare '%s': %s", gr->work, strerror(errno));
		goto fail;
	}
	gr->limits.cwd = gr->work;
	/* The tree (reference solutions, tests, the labs' expected results) and the built lab
	 * programs (a working client is one exec away) are out of the program's sight. */
	if (realpath(lab->dir, gr->root) && strrchr(gr->root, '/')) {
		*strrchr(gr->root, '/') = '\0';        /* ROOT/labs */
		if (strrchr(gr->root, '/') && strrchr(gr->root, '/') != gr->root) {
			*strrchr(gr->root, '/') = '\0';    /* ROOT */
			gr->hide[0] = gr->root;
		}
	}
	if (realpath(o->build, gr->buildp))
		gr->hide[gr->hide[0] ? 1 : 0] = gr->buildp;
	gr->limits.hide = gr->hide;
	gr->ro.build = o->build;
	gr->ro.pcap_path = o->pcap_path;
	gr->ro.tracer = gr->tracer;
	gr->ro.student = gr->bin;
	gr->ro.student_limits = &gr->limits;
	if (nfile == 0) {
		g->outcome = GRADE_BUILD_FAILED;
		snprintf(g->build_log, sizeof(g->build_log), "tcplab: no .c file in '%s'\n", g->src);
		finish(gr);
		return gr;
	}
	if (compile_start(gr, cc, files, nfile, errbuf, errlen) < 0)
		goto fail;
	gr->phase = PH_BUILD;
	return gr;
fail:
	grade_cancel(gr);
	return NULL;
}

int grade_pollfds(const struct grade *gr, struct pollfd *fds, int max, int *timeout_ms)
{
	int n = 0;

	*timeout_ms = -1;
	if (gr->phase == PH_RUN)
		return labrun_pollfds(gr->g->run, fds, max, timeout_ms);
	if (gr->phase != PH_BUILD)
		return 0;
	if (gr->out_fd >= 0 && n < max)
		fds[n++] = (struct pollfd){ .fd = gr->out_fd, .events = POLLIN };
	else if (gr->pid_fd >= 0 && n < max)
		fds[n++] = (struct pollfd){ .fd = gr->pid_fd, .events = POLLIN };
	if (gr->out_fd < 0 && gr->pid_fd < 0)
		*timeout_ms = 0;
	else {
		double left = (gr->deadline - now_s()) * 1000;
		*timeout_ms = left > 0 ? (int)left + 1 : 0;
	}
	return n;
}

/* The compiler's part of a step: 1 still building, 0 moved on, -1 failed. */
static int build_step(struct grade *gr, char *errbuf, size_t errlen)
{
	struct grade_result *g = gr->g;
	int status;

	if (gr->out_fd >= 0) {
		if (now_s() >= gr->deadline) {
			snprintf(g->build_log + gr->used, sizeof(g->build_log) - gr->used,
			         "\ntcplab: the compiler took more than %d s and was stopped\n",
			         BUILD_TIMEOUT_MS / 1000);
			gr->killed = true;
		} else if (!compile_read(gr)) {
			return 1;
		}
		close(gr->out_fd);
		gr->out_fd = -1;
	}
	/* Output ended: wait for the exit on the pidfd rather than in waitpid(). */
	if (!gr->killed && gr->pid_fd >= 0) {
		struct pollfd p = { .fd = gr->pid_fd, .events = POLLIN };

		if (poll(&p, 1, 0) == 0 && now_s() < gr->deadline)
			return 1;
	}
	status = compiler_end(gr, gr->killed);
	if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		g->outcome = GRADE_BUILD_FAILED;
		finish(gr);
		return 0;
	}
	g->run = labrun_start(gr->lab, &gr->lab->exercise, &gr->ro, errbuf, errlen);
	if (!g->run)
		return -1;
	gr->phase = PH_RUN;
	return 0;
}

int grade_step(struct grade *gr, char *errbuf, size_t errlen)
{
	struct grade_result *g = gr->g;
	char why[256];
	int r;

	if (gr->phase == PH_BUILD) {
		r = build_step(gr, errbuf, errlen);
		if (r != 0)
			return r;
	}
	if (gr->phase == PH_DONE)
		return 0;
	r = labrun_step(g->run, errbuf, errlen);
	if (r != 0)
		return r;
	g->outcome = GRADE_RAN;
	if (score(g) < 0) {
		errbuf_set(errbuf, errlen, "out of memory");
		return -1;
	}
	if (progress_graded(gr->lab->number, g->score, g->max, why, sizeof(why)) < 0)
		snprintf(g->note, sizeof(g->note), "your progress was not saved: %s", why);
	finish(gr);
	return 0;
}

bool grade_building(const struct grade *gr)
{
	return gr->phase == PH_BUILD;
}

const struct grade_result *grade_current(const struct grade *gr)
{
	return gr->g;
}

struct grade_result *grade_take(struct grade *gr)
{
	struct grade_result *g = gr->g;

	assert(gr->phase == PH_DONE);
	gr->g = NULL;
	grade_cancel(gr);
	return g;
}

void grade_cancel(struct grade *gr)
{
	if (!gr)
		return;
	compiler_end(gr, true);
	grade_free(gr->g);
	remove_tmp(gr);
	free(gr);
}

int grade_run(const struct lab *lab, const struct grade_opts *o, struct grade_result **out,
              char *errbuf, size_t errlen)
{
	struct grade *gr = grade_start(lab, o, errbuf, errlen);
	int r;

	*out = NULL;
	if (!gr)
		return -1;
	while ((r = grade_step(gr, errbuf, errlen)) == 1) {
		struct pollfd fds[GRADE_MAX_FDS];
		int timeout, n = grade_pollfds(gr, fds, GRADE_MAX_FDS, &timeout);

		if (poll(fds, (nfds_t)n, timeout) < 0 && errno != EINTR) {
			errbuf_set(errbuf, errlen, "poll failed: %s", strerror(errno));
			r = -1;
			break;
		}
	}
	if (r < 0) {
		grade_cancel(gr);
		return -1;
	}
	*out = grade_take(gr);
	return 0;
}

void grade_free(struct grade_result *g)
{
	if (!g)
		return;
	labrun_free(g->run);
	free(g->check);
	free(g);
}

bool grade_passed(const struct grade_result *g)
{
	if (g->outcome != GRADE_RAN || g->max == 0)
		return false;
	for (size_t i = 0; i < g->ncheck; i++)
		if (g->check[i].max > 0 && g->check[i].verdict != EXPECT_PASS)
			return false;
	return true;
}
