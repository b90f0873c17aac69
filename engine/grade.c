/* summary: build a student's exercise, run it against the reference peer, score it (see grade.h). */
/* nftw() comes with _GNU_SOURCE, which the Makefile defines. */
#include "engine/grade.h"

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

/*
 * Run the compiler, its output (stdout and stderr, as it printed them) into log. 1 when it
 * built, 0 when it did not (the log says why), -1 when the compiler could not run.
 */
static int compile(const char *cc, char files[MAX_SOURCES][900], int nfile, const char *out,
                   char *log, size_t loglen, char *errbuf, size_t errlen)
{
	const char *argv[64];
	size_t argc = 0, used = 0;
	posix_spawn_file_actions_t fa;
	int pipefd[2], status, rc;
	double deadline = now_s() + BUILD_TIMEOUT_MS / 1000.0;
	pid_t pid;

	argv[argc++] = cc;
	for (size_t i = 0; i < sizeof(cflags) / sizeof(cflags[0]); i++)
		argv[argc++] = cflags[i];
	argv[argc++] = "-o";
	argv[argc++] = out;
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
	rc = posix_spawnp(&pid, cc, &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (rc) {
		close(pipefd[0]);
		errbuf_set(errbuf, errlen, "cannot run the C compiler '%s': %s (install gcc, or set"
		           " CC)", cc, strerror(rc));
		return -1;
	}
	log[0] = '\0';
	for (;;) {
		struct pollfd pfd = { pipefd[0], POLLIN, 0 };
		int left = (int)((deadline - now_s()) * 1000);
		char buf[4096];
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, left) == 0) {
			kill(pid, SIGKILL);
			snprintf(log + used, loglen - used, "\ntcplab: the compiler took more than %d s"
			         " and was stopped\n", BUILD_TIMEOUT_MS / 1000);
			break;
		}
		n = read(pipefd[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (used + 1 < loglen) {
			size_t take = (size_t)n < loglen - used - 1 ? (size_t)n : loglen - used - 1;

			memcpy(log + used, buf, take);
			used += take;
			log[used] = '\0';
		}
	}
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 1 : 0;
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

int grade_run(const struct lab *lab, const struct grade_opts *o, struct grade_result **out,
              char *errbuf, size_t errlen)
{
	const struct lab_variant *ex = &lab->exercise;
	char files[MAX_SOURCES][900], tmp[] = "/tmp/tcplab-grade-XXXXXX", bin[700], tracer[700];
	char work[700], from[700], why[256];
	struct proc_limits limits = student_limits_template;
	struct labrun_opts ro = { 0 };
	struct grade_result *g;
	const char *cc = o->cc ? o->cc : getenv("CC") && *getenv("CC") ? getenv("CC") : "cc";
	double t0 = now_s();
	int nfile, built, ret = -1;

	*out = NULL;
	if (!lab->has_exercise) {
		errbuf_set(errbuf, errlen, "lab %d has no exercise to grade", lab->number);
		return -1;
	}
	g = calloc(1, sizeof(*g));
	if (!g) {
		errbuf_set(errbuf, errlen, "out of memory");
		return -1;
	}
	g->lab = lab->number;
	snprintf(g->title, sizeof(g->title), "%s", lab->title);
	if (o->src)
		snprintf(g->src, sizeof(g->src), "%s", o->src);
	else
		snprintf(g->src, sizeof(g->src), "%s/%s", lab->dir, ex->source);
	nfile = sources(g->src, files, errbuf, errlen);
	if (nfile < 0)
		goto out;
	if (!mkdtemp(tmp)) {
		errbuf_set(errbuf, errlen, "cannot make a temporary folder in /tmp: %s",
		           strerror(errno));
		goto out;
	}
	/* The student's program may run as nobody: it must reach its files and the tracer. */
	chmod(tmp, 0755);
	snprintf(bin, sizeof(bin), "%s/%s", tmp, ex->binary);
	snprintf(tracer, sizeof(tracer), "%s/libtcplab-trace.so", tmp);
	snprintf(work, sizeof(work), "%s/work", tmp);
	snprintf(from, sizeof(from), "%s/libtcplab-trace.so", o->build);
	if (mkdir(work, 0777) < 0 || chmod(work, 0777) < 0 ||
	    copy_file(from, tracer, 0644, errbuf, errlen) < 0) {
		if (!errbuf[0])
			errbuf_set(errbuf, errlen, "cannot prepare '%s': %s", work, strerror(errno));
		goto out;
	}
	if (nfile == 0) {
		g->outcome = GRADE_BUILD_FAILED;
		snprintf(g->build_log, sizeof(g->build_log), "tcplab: no .c file in '%s'\n", g->src);
		ret = 0;
		goto out;
	}
	built = compile(cc, files, nfile, bin, g->build_log, sizeof(g->build_log), errbuf, errlen);
	if (built < 0)
		goto out;
	if (!built) {
		g->outcome = GRADE_BUILD_FAILED;
		ret = 0;
		goto out;
	}
	limits.cwd = work;
	ro.build = o->build;
	ro.pcap_path = o->pcap_path;
	ro.tracer = tracer;
	ro.student = bin;
	ro.student_limits = &limits;
	if (labrun_run(lab, ex, &ro, &g->run, errbuf, errlen) < 0)
		goto out;
	g->outcome = GRADE_RAN;
	if (score(g) < 0) {
		errbuf_set(errbuf, errlen, "out of memory");
		goto out;
	}
	if (progress_graded(lab->number, g->score, g->max, why, sizeof(why)) < 0)
		snprintf(g->note, sizeof(g->note), "your progress was not saved: %s", why);
	ret = 0;
out:
	g->seconds = now_s() - t0;
	if (tmp[strlen(tmp) - 1] != 'X')
		nftw(tmp, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	if (ret < 0) {
		grade_free(g);
		return -1;
	}
	*out = g;
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
