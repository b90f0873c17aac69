/* summary: build a student's exercise, run it against the reference peer, score it (see grade.h). */
/* nftw() comes with _GNU_SOURCE, which the Makefile defines. */
#include "engine/grade.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ctype.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/proc.h"
#include "engine/progress.h"
#include "util/errbuf.h"
#include "util/textesc.h"
#include "util/tr.h"

#define BUILD_TIMEOUT_S 60
#define RUN_TRIES 3                     /* runs of a scenario when the machine stalls */
#define MAX_FILES 32                    /* files of a submission */
#define MAX_FILE_BYTES (1 << 20)        /* each */
#define WORK_BYTES (64ull << 20)        /* the grade's folder, when it can be a tmpfs */
#define MAX_STEPS (MAX_FILES + 1)       /* compile each file, then link */
#define JAIL_WORK "/work"               /* the work folder in the jail's view */
/* The tree's labs/include (winsock_compat.h and its <winsock2.h>, docs/winsock.md) in the
 * jail's view, on every build's include path: a path that says whose the headers are. */
#define JAIL_INCLUDE "/tcplab/include"

/* The project's own warning flags (Makefile's WARN): the student sees what we see. */
static const char *const cflags[] = {
	"-std=c11", "-D_GNU_SOURCE", "-O2", "-g", "-Wall", "-Wextra", "-Wshadow",
	"-Wstrict-prototypes", "-Wmissing-prototypes", "-Wformat=2", "-Wwrite-strings",
};
/* The same for C++, minus what only C has (-Wstrict-prototypes, -Wmissing-prototypes). */
static const char *const cxxflags[] = {
	"-std=c++17", "-D_GNU_SOURCE", "-O2", "-g", "-Wall", "-Wextra", "-Wshadow",
	"-Wformat=2", "-Wwrite-strings",
};

/* What a student's program may use: generous for an exercise, fatal to a fork bomb. */
static const struct proc_limits student_limits_template = {
	.cpu_s = 10,
	.mem_bytes = 512ull << 20,
	.nproc = 64,
	.nofile = 256,
	.fsize = 16ull << 20,
	.drop_user = true,
	.cwd = JAIL_WORK,
};

/* What the compiler may use: cc1plus on a template-heavy file needs a few hundred MiB;
 * '#include "/dev/zero"' would take everything. */
static const struct proc_limits compiler_limits_template = {
	.cpu_s = 20,
	.mem_bytes = 1ull << 30,
	.nproc = 32,
	.nofile = 256,
	.fsize = 64ull << 20,
	.drop_user = true,
	.cwd = JAIL_WORK,
};

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

enum lang { LANG_OTHER, LANG_C, LANG_CXX };

static enum lang lang_of(const char *name)
{
	const char *dot = strrchr(name, '.');

	if (!dot)
		return LANG_OTHER;
	if (!strcmp(dot, ".c"))
		return LANG_C;
	if (!strcmp(dot, ".cpp") || !strcmp(dot, ".cc") || !strcmp(dot, ".cxx"))
		return LANG_CXX;
	return LANG_OTHER;
}

/*
 * Does a C or C++ file define main() at file scope? A scan, not a parser: comments,
 * string and character literals and preprocessor lines are skipped, and "main" followed
 * by a parenthesised list and then '{' outside any brace counts. Enough to catch a starter
 * left next to the student's file.
 */
static bool defines_main(const char *t, size_t n)
{
	int depth = 0;
	bool line_start = true;

	for (size_t i = 0; i < n; i++) {
		char c = t[i];

		if (c == '/' && i + 1 < n && t[i + 1] == '*') {
			for (i += 2; i + 1 < n && !(t[i] == '*' && t[i + 1] == '/'); i++)
				;
			i++;
			continue;
		}
		if ((c == '/' && i + 1 < n && t[i + 1] == '/') || (c == '#' && line_start)) {
			for (; i < n && t[i] != '\n'; i++)
				if (t[i] == '\\' && i + 1 < n)
					i++;
			line_start = true;
			continue;
		}
		if (c == '"' || c == '\'') {
			for (i++; i < n && t[i] != c; i++)
				if (t[i] == '\\')
					i++;
			line_start = false;
			continue;
		}
		if (c == '\n') {
			line_start = true;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r')
			continue;
		line_start = false;
		if (c == '{')
			depth++;
		else if (c == '}' && depth > 0)
			depth--;
		else if (depth == 0 && i + 4 <= n && !memcmp(t + i, "main", 4) &&
		         (i == 0 || !(isalnum((unsigned char)t[i - 1]) || t[i - 1] == '_'))) {
			size_t j = i + 4;
			int paren = 0;

			while (j < n && isspace((unsigned char)t[j]))
				j++;
			if (j >= n || t[j] != '(')
				continue;
			for (; j < n; j++) {
				paren += t[j] == '(';
				if (t[j] == ')' && --paren == 0)
					break;
			}
			for (j++; j < n && isspace((unsigned char)t[j]); j++)
				;
			if (j < n && t[j] == '{')
				return true;
		}
	}
	return false;
}

/*
 * The submission's files, copied into work: regular files only, named by the student
 * (no dot files, no subfolders: those are left out, a .git or a build folder being
 * common), at most MAX_FILES of at most MAX_FILE_BYTES. A symlink, device, FIFO or socket
 * is refused with its name: the copy must never read what the student cannot. The names
 * go to files[] (sorted); the count, or -1 with why (the student's to fix) or errbuf
 * (tcplab's failure, *fatal set).
 */
static int submission_copy(const char *dir, const char *work, char files[MAX_FILES][256],
                           char *why, size_t whylen, bool *fatal, char *errbuf, size_t errlen)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), wfd = -1, n = 0, rc = -1;
	DIR *d;
	struct dirent *de;
	char eb[128];

	*fatal = false;
	if (dfd < 0 || !(d = fdopendir(dfd))) {
		errbuf_set(why, whylen, _("tcplab: cannot read the submission folder '%s': %s\n"), dir,
		           errbuf_strerror(errno, eb, sizeof(eb)));
		if (dfd >= 0)
			close(dfd);
		return -1;
	}
	while ((de = readdir(d))) {
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			continue;
		if (!S_ISREG(st.st_mode)) {
			errbuf_set(why, whylen, _("tcplab: '%s' is a %s: submit the file itself\n"),
			           de->d_name, S_ISLNK(st.st_mode) ? _("symlink") : S_ISFIFO(st.st_mode) ?
			           _("FIFO") : S_ISSOCK(st.st_mode) ? _("socket") : _("device"));
			goto out;
		}
		if (de->d_name[0] == '-' || strlen(de->d_name) >= sizeof(files[0])) {
			errbuf_set(why, whylen, _("tcplab: '%s': a file name must not start with '-' or"
			           " be longer than %zu characters: rename it\n"), de->d_name,
			           sizeof(files[0]) - 1);
			goto out;
		}
		if (n == MAX_FILES) {
			errbuf_set(why, whylen, _("tcplab: more than %d files in '%s': submit only your"
			           " sources and headers\n"), MAX_FILES, dir);
			goto out;
		}
		snprintf(files[n++], sizeof(files[0]), "%s", de->d_name);
	}
	qsort(files, (size_t)n, sizeof(files[0]), (int (*)(const void *, const void *))strcmp);
	wfd = open(work, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (wfd < 0) {
		*fatal = true;
		errbuf_set(errbuf, errlen, _("cannot open the work folder '%s': %s"), work,
		           errbuf_strerror(errno, eb, sizeof(eb)));
		goto out;
	}
	for (int i = 0; i < n; i++) {
		/* O_NOFOLLOW and a second look: a file swapped for a symlink since the scan is
		 * refused, not followed. */
		int in = openat(dfd, files[i], O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC), out;
		struct stat st;
		char buf[65536];
		ssize_t got = 0;
		size_t total = 0;

		if (in < 0 || fstat(in, &st) < 0 || !S_ISREG(st.st_mode)) {
			errbuf_set(why, whylen, _("tcplab: cannot read '%s': %s\n"), files[i],
			           in < 0 ? errbuf_strerror(errno, eb, sizeof(eb)) : "not a regular file");
			if (in >= 0)
				close(in);
			goto out;
		}
		out = openat(wfd, files[i], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		while (out >= 0 && total <= MAX_FILE_BYTES && (got = read(in, buf, sizeof(buf))) > 0) {
			total += (size_t)got;
			if (total <= MAX_FILE_BYTES && write(out, buf, (size_t)got) != got)
				got = -1;
		}
		close(in);
		if (out < 0 || got < 0 || close(out) < 0) {
			*fatal = true;
			errbuf_set(errbuf, errlen, _("cannot copy '%s/%s' to '%s': %s"), dir, files[i], work,
			           errbuf_strerror(errno, eb, sizeof(eb)));
			goto out;
		}
		if (total > MAX_FILE_BYTES) {
			errbuf_set(why, whylen, _("tcplab: '%s' is larger than %d KiB: submit only your"
			           " sources and headers\n"), files[i], MAX_FILE_BYTES >> 10);
			goto out;
		}
	}
	rc = n;
out:
	if (wfd >= 0)
		close(wfd);
	closedir(d);
	return rc;
}

/* The first two copied sources that define main(), if two do. */
static bool two_mains(const char *work, char files[MAX_FILES][256], int n, int *a, int *b)
{
	char *text = malloc(MAX_FILE_BYTES);
	int found = 0;
	bool two = false;

	if (!text)
		return false;   /* the linker will say it instead */
	for (int i = 0; i < n; i++) {
		char path[1024];
		FILE *f;
		size_t len;

		if (lang_of(files[i]) == LANG_OTHER)
			continue;
		snprintf(path, sizeof(path), "%s/%s", work, files[i]);
		f = fopen(path, "re");
		if (!f)
			continue;
		len = fread(text, 1, MAX_FILE_BYTES, f);
		fclose(f);
		if (!defines_main(text, len))
			continue;
		if (found++ == 0)
			*a = i;
		else {
			*b = i;
			two = true;
			break;
		}
	}
	free(text);
	return two;
}

/* A compiler's path as the jail sees it: as given if it has a '/', else found in the
 * jail's PATH (/usr/bin:/bin). 0, or -1 with errbuf. */
static int find_compiler(const char *name, const char *what, const char *var, char *out,
                         size_t len, char *errbuf, size_t errlen)
{
	static const char *const dirs[] = { "/usr/bin", "/bin" };

	if (strchr(name, '/')) {
		snprintf(out, len, "%s", name);
		if (access(out, X_OK) == 0)
			return 0;
	} else {
		for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
			snprintf(out, len, "%s/%s", dirs[i], name);
			if (access(out, X_OK) == 0)
				return 0;
		}
	}
	errbuf_set(errbuf, errlen, _("cannot find the %s '%s' in /usr/bin or /bin, where the jail"
	           " it runs in can see it (install %s, or set %s to a compiler under /usr)"), what,
	           name, !strcmp(var, "CC") ? "gcc" : "g++", var);
	return -1;
}

/* As much of src as fits in dst, NUL-terminated. */
static void copy_text(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);

	if (!len)
		return;
	if (n >= len)
		n = len - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static int verdict_rank(enum expect_verdict v)
{
	return v == EXPECT_FAIL ? 2 : v == EXPECT_INCONCLUSIVE ? 1 : 0;
}

/* The check called name in run, or NULL. */
static const struct labrun_check *run_check(const struct labrun *run, size_t i, const char *name)
{
	if (i < run->ncheck && !strcmp(run->check[i].name, name))
		return &run->check[i];
	for (size_t k = 0; k < run->ncheck; k++)
		if (!strcmp(run->check[k].name, name))
			return &run->check[k];
	return NULL;
}

/*
 * Every scenario's checks become one grade: a check's verdict is its worst over the
 * scenarios, explained by the first run that earned it; g->run becomes the run of the
 * first failing check (the one worth looking at), the others are freed.
 */
/* Whether the exercise's check called name is an "answer" line. */
static bool answer_check(const struct lab_variant *ex, const char *name)
{
	for (size_t i = 0; i < ex->ncheck; i++)
		if (ex->check[i].kind == LABCHECK_ANSWER && !strcmp(ex->check[i].name, name))
			return true;
	return false;
}

static int score(struct grade_result *g, struct labrun **runs, int nrun, int planned)
{
	const struct labrun *run = runs[0];
	int show = -1, showfail = -1;

	g->check = calloc(run->ncheck ? run->ncheck : 1, sizeof(*g->check));
	if (!g->check)
		return -1;
	for (size_t i = 0; i < run->ncheck; i++) {
		const struct labrun_check *k = &run->check[i];
		struct grade_check *c = &g->check[g->ncheck++];
		int worst = 0, rank = verdict_rank(k->r.verdict);
		const char *say;
		size_t used;

		for (int s = 1; s < nrun; s++) {
			const struct labrun_check *o = run_check(runs[s], i, run->check[i].name);

			if (o && verdict_rank(o->r.verdict) > rank) {
				worst = s;
				rank = verdict_rank(o->r.verdict);
				k = o;
			}
		}
		snprintf(c->name, sizeof(c->name), "%s", k->name);
		c->verdict = k->r.verdict;
		say = lab_vars_get(&runs[worst]->vars, "say");
		used = 0;
		/* Name the scenario whenever the lab has several, even when the grade stopped
		 * after the first: what the driver did is half of the explanation. */
		if (planned > 1 && c->verdict != EXPECT_PASS) {
			int n = snprintf(c->explain, sizeof(c->explain), _("scenario %d of %d%s%.120s%s: "),
			                 worst + 1, planned, say ? " (" : "", say ? say : "", say ? ")" : "");

			used = n > 0 && (size_t)n < sizeof(c->explain) ? (size_t)n : 0;
		}
		copy_text(c->explain + used, sizeof(c->explain) - used, k->r.explain);
		textesc_trim_cut(c->explain);
		if (c->verdict == EXPECT_FAIL && showfail < 0)
			showfail = worst;
		if (c->verdict != EXPECT_PASS && show < 0)
			show = worst;
		/* Whether the capture kept up is tcplab's business, not the student's; so, in an
		 * answers exercise, is how the lab's own programs ran: only answers score. */
		c->max = strcmp(k->name, "the capture is complete") ? 1 : 0;
		if (runs[0]->lab->exercise.answers && !answer_check(&runs[0]->lab->exercise, k->name))
			c->max = 0;
		c->score = c->verdict == EXPECT_PASS ? c->max : 0;
		g->score += c->score;
		g->max += c->max;
	}
	show = showfail >= 0 ? showfail : show >= 0 ? show : 0;
	g->run = runs[show];
	g->run_scenario = show + 1;
	for (int s = 0; s < nrun; s++) {
		if (s != show)
			labrun_free(runs[s]);
		runs[s] = NULL;
	}
	return 0;
}

/*
 * A grading in progress. The compiler runs in the jail (jail.h) as a proc whose output
 * comes through a pipe and whose exit is seen on a pidfd, so a caller's poll() loop can
 * wait for both; then the run goes through labrun's incremental API.
 *
 * The grade's folder tmp (a size-limited tmpfs when tcplab may mount one, a plain folder
 * otherwise) holds work/, the submission's copy where the compiler writes the binary and
 * the program runs: it must outlive the compiler for the run, so it is a host folder bound
 * into each jail (read-only at its own path, so the binary has the same path for labrun
 * and the jail; work/ writable at /work), and it is
 * guarded: gone when the grading ends, is cancelled, or tcplab is SIGKILLed (proc.h).
 */
enum grade_phase { PH_BUILD, PH_RUN, PH_DONE };

struct grade {
	const struct lab *lab;
	enum grade_phase phase;
	struct grade_result *g;
	char tmp[32], bin[700], work[700];
	bool tmp_mounted;               /* tmp is a tmpfs of ours: unmount before removing */
	bool no_progress;               /* grade_opts.no_progress */
	struct proc_limits limits, cc_limits;
	struct jail_report run_report, cc_report;
	struct jail_bind binds[4];      /* tmp, work, the tree's include folder; NULL-ended */
	const char *hide[3];            /* the tree and the build folder, hidden from the program */
	char root[512], buildp[512], include[512];
	struct proc_guard guard;        /* removes tmp even if tcplab is SIGKILLed (proc.h) */
	struct labrun_opts ro;
	struct lab_vars answers;        /* an answers exercise's answers.txt, as answer_KEY */
	double t0, deadline;
	/* the runs, one per scenario */
	int nscen, scen;
	int tries;                      /* runs of this scenario disturbed by a stall so far */
	struct labrun *runs[8];
	/* the build: steps run one after the other, each a proc in the jail */
	char ccpath[512], cxxpath[512], out[600];
	char files[MAX_FILES][256], objs[MAX_FILES][32];
	const char *argv[MAX_STEPS][MAX_FILES + 24];
	int nstep, step;
	struct proc *cc;
	bool out_open;
	size_t used;
};

static void remove_tmp(struct grade *gr)
{
	if (gr->tmp[0] && gr->tmp[strlen(gr->tmp) - 1] != 'X') {
		if (gr->tmp_mounted)
			(void)umount2(gr->tmp, MNT_DETACH);
		nftw(gr->tmp, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	}
	gr->tmp[0] = '\0';
	proc_guard_end(&gr->guard);
}

static void log_append(struct grade *gr, const char *text)
{
	struct grade_result *g = gr->g;
	size_t n = strlen(text), room = sizeof(g->build_log) - gr->used - 1;

	if (n > room)
		n = room;
	memcpy(g->build_log + gr->used, text, n);
	gr->used += n;
	g->build_log[gr->used] = '\0';
}

/* Start build step gr->step in the jail, its output (stdout and stderr, as it printed
 * them) into a pipe. */
static int compile_start(struct grade *gr, char *errbuf, size_t errlen)
{
	struct proc_spec spec = {
		.argv = gr->argv[gr->step],
		.keep_fd = -1,
		.timeout_s = gr->deadline - now_s(),
		.limits = &gr->cc_limits,
	};
	char why[600];

	if (spec.timeout_s <= 0)
		spec.timeout_s = 0.001;
	gr->cc = proc_spawn(NULL, &spec, why, sizeof(why));
	if (!gr->cc) {
		errbuf_set(errbuf, errlen, _("cannot run the compiler: %s"), why);
		return -1;
	}
	gr->out_open = true;
	return 0;
}

/* Read what the compiler printed so far. true once its output has ended. */
static bool compile_read(struct grade *gr)
{
	for (;;) {
		char buf[4096];
		ssize_t n = read(proc_output_fd(gr->cc), buf, sizeof(buf) - 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return false;
		if (n <= 0)
			return true;
		buf[n] = '\0';
		/* A NUL in the output (a binary file included) would cut the log short. */
		for (ssize_t i = 0; i < n; i++)
			if (!buf[i])
				buf[i] = '?';
		log_append(gr, buf);
	}
}

/* Every attempt counts, a failed build too: progress records it (progress.h). */
static void finish(struct grade *gr)
{
	char why[256];

	gr->phase = PH_DONE;
	gr->g->seconds = now_s() - gr->t0;
	if (!gr->no_progress && progress_graded(gr->g, why, sizeof(why)) < 0)
		snprintf(gr->g->note, sizeof(gr->g->note), _("your progress was not saved: %s"), why);
	remove_tmp(gr);
}

/* The submission's fault: a build failure whose log says why. */
static void refuse(struct grade *gr, const char *why)
{
	gr->g->outcome = GRADE_BUILD_FAILED;
	gr->used = 0;
	gr->g->build_log[0] = '\0';
	log_append(gr, why);
	finish(gr);
}

/* The build's steps: one compiler call for C alone (as a student would type it); with
 * C++, each file to an object, then g++ links. */
static int plan_build(struct grade *gr, const struct grade_opts *o, int nfile, char *why,
                      size_t whylen, char *errbuf, size_t errlen)
{
	const char *cc = o->cc ? o->cc : getenv("CC") && *getenv("CC") ? getenv("CC") : "cc";
	const char *cxx = getenv("CXX") && *getenv("CXX") ? getenv("CXX") : "g++";
	int nc = 0, ncxx = 0, a = 0, b = 0;
	size_t k;

	for (int i = 0; i < nfile; i++) {
		nc += lang_of(gr->files[i]) == LANG_C;
		ncxx += lang_of(gr->files[i]) == LANG_CXX;
	}
	if (nc + ncxx == 0) {
		errbuf_set(why, whylen, _("tcplab: no .c, .cpp or .cc file in '%s'\n"), gr->g->src);
		return 1;
	}
	if (two_mains(gr->work, gr->files, nfile, &a, &b)) {
		errbuf_set(why, whylen, _("tcplab: two files define main(): %s and %s; remove the"
		           " starter\n"), gr->files[a], gr->files[b]);
		return 1;
	}
	if (find_compiler(cc, _("C compiler"), "CC", gr->ccpath, sizeof(gr->ccpath), errbuf,
	                  errlen) < 0 ||
	    (ncxx && find_compiler(cxx, _("C++ compiler"), "CXX", gr->cxxpath, sizeof(gr->cxxpath),
	                           errbuf, errlen) < 0))
		return -1;
	snprintf(gr->out, sizeof(gr->out), JAIL_WORK "/%s", gr->lab->exercise.binary);
	if (!ncxx) {
		k = 0;
		gr->argv[0][k++] = gr->ccpath;
		for (size_t i = 0; i < sizeof(cflags) / sizeof(cflags[0]); i++)
			gr->argv[0][k++] = cflags[i];
		if (gr->include[0])
			gr->argv[0][k++] = "-I" JAIL_INCLUDE;
		gr->argv[0][k++] = "-o";
		gr->argv[0][k++] = gr->out;
		for (int i = 0; i < nfile; i++)
			if (lang_of(gr->files[i]) == LANG_C)
				gr->argv[0][k++] = gr->files[i];
		gr->argv[0][k] = NULL;
		gr->nstep = 1;
		return 0;
	}
	for (int i = 0; i < nfile; i++) {
		enum lang l = lang_of(gr->files[i]);
		const char *const *fl = l == LANG_C ? cflags : cxxflags;
		size_t nfl = l == LANG_C ? sizeof(cflags) / sizeof(cflags[0]) :
		             sizeof(cxxflags) / sizeof(cxxflags[0]);
		const char **av = gr->argv[gr->nstep];

		if (l == LANG_OTHER)
			continue;
		k = 0;
		av[k++] = l == LANG_C ? gr->ccpath : gr->cxxpath;
		for (size_t j = 0; j < nfl; j++)
			av[k++] = fl[j];
		if (gr->include[0])
			av[k++] = "-I" JAIL_INCLUDE;
		snprintf(gr->objs[gr->nstep], sizeof(gr->objs[0]), ".tcplab-%d.o", gr->nstep);
		av[k++] = "-c";
		av[k++] = gr->files[i];
		av[k++] = "-o";
		av[k++] = gr->objs[gr->nstep];
		av[k] = NULL;
		gr->nstep++;
	}
	k = 0;
	gr->argv[gr->nstep][k++] = gr->cxxpath;
	gr->argv[gr->nstep][k++] = "-o";
	gr->argv[gr->nstep][k++] = gr->out;
	for (int i = 0; i < gr->nstep; i++)
		gr->argv[gr->nstep][k++] = gr->objs[i];
	gr->argv[gr->nstep][k] = NULL;
	gr->nstep++;
	return 0;
}

/*
 * An answers exercise (lab.h): the student's answers.txt, copied into work by
 * submission_copy(), read as "KEY = VALUE" lines ('#' starts a comment) into answer_KEY
 * variables. A line that is not one is skipped: its "answer" check then says the key has no
 * answer. false, with why, when there is no answers.txt.
 */
static bool answers_read(struct grade *gr, char *why, size_t whylen)
{
	char path[800], line[256];
	FILE *f;

	gr->answers.n = 0;
	snprintf(path, sizeof(path), "%s/answers.txt", gr->work);
	f = fopen(path, "re");
	if (!f) {
		errbuf_set(why, whylen, _("no answers.txt in '%s': copy the starter from the lab's"
		           " exercise folder and fill it in"), gr->g->src);
		return false;
	}
	while (fgets(line, sizeof(line), f)) {
		char *eq, *k, *v, name[40];
		size_t n;

		line[strcspn(line, "#\r\n")] = '\0';
		eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = '\0';
		for (k = line; *k == ' ' || *k == '\t'; k++)
			;
		for (n = strlen(k); n && (k[n - 1] == ' ' || k[n - 1] == '\t'); n--)
			k[n - 1] = '\0';
		for (v = eq + 1; *v == ' ' || *v == '\t'; v++)
			;
		for (n = strlen(v); n && (v[n - 1] == ' ' || v[n - 1] == '\t'); n--)
			v[n - 1] = '\0';
		if (!*k || strlen(k) > 16 || k[strspn(k, "abcdefghijklmnopqrstuvwxyz0123456789_")])
			continue;
		snprintf(name, sizeof(name), "answer_%s", k);
		(void)lab_vars_set(&gr->answers, name, v);      /* too many or too long: unanswered */
	}
	fclose(f);
	return true;
}

static int start_scenario(struct grade *gr, char *errbuf, size_t errlen);

/* The tree's labs/include, shown read-only at JAIL_INCLUDE and put on the include path,
 * so '#include <winsock2.h>' builds a Winsock-style submission. A tree without the folder
 * builds as before. Only these headers are shown: the rest of the tree stays hidden. */
static void include_folder(struct grade *gr, const struct lab *lab)
{
	char labdir[512];
	struct stat st;

	gr->include[0] = '\0';
	if (!realpath(lab->dir, labdir) || !strrchr(labdir, '/'))
		return;
	*strrchr(labdir, '/') = '\0';            /* ROOT/labs */
	if (snprintf(gr->include, sizeof(gr->include), "%s/include", labdir) >=
	    (int)sizeof(gr->include) || stat(gr->include, &st) < 0 || !S_ISDIR(st.st_mode)) {
		gr->include[0] = '\0';
		return;
	}
	gr->binds[2] = (struct jail_bind){ gr->include, JAIL_INCLUDE, false };
}

/* The grade's folder: a size-limited tmpfs where tcplab may mount (as root), so the
 * program cannot fill the host's /tmp; a plain folder otherwise, each file limited by
 * RLIMIT_FSIZE. 0, or -1 with errbuf. */
static int make_tmp(struct grade *gr, char *errbuf, size_t errlen)
{
	char opts[64];
	uid_t uid = jail_run_uid();

	snprintf(gr->tmp, sizeof(gr->tmp), "/tmp/tcplab-grade-XXXXXX");
	if (!mkdtemp(gr->tmp)) {
		errbuf_set(errbuf, errlen, _("cannot make a temporary folder in /tmp: %s"),
		           strerror(errno));
		gr->tmp[0] = '\0';
		return -1;
	}
	if (proc_guard_start(&gr->guard, gr->tmp, errbuf, errlen) < 0) {
		rmdir(gr->tmp);
		gr->tmp[0] = '\0';
		return -1;
	}
	snprintf(opts, sizeof(opts), "size=%llu,mode=0755", WORK_BYTES);
	gr->tmp_mounted = mount("tcplab-grade", gr->tmp, "tmpfs", MS_NOSUID | MS_NODEV, opts) == 0;
	/* The program reaches its files as JAIL_UID. */
	chmod(gr->tmp, 0755);
	snprintf(gr->bin, sizeof(gr->bin), "%s/work/%s", gr->tmp, gr->lab->exercise.binary);
	snprintf(gr->work, sizeof(gr->work), "%s/work", gr->tmp);
	if (mkdir(gr->work, 0700) < 0 || (uid != geteuid() && chown(gr->work, uid, uid) < 0)) {
		errbuf_set(errbuf, errlen, _("cannot prepare '%s': %s"), gr->work, strerror(errno));
		return -1;
	}
	return 0;
}

struct grade *grade_start(const struct lab *lab, const struct grade_opts *o, char *errbuf,
                          size_t errlen)
{
	const struct lab_variant *ex = &lab->exercise;
	struct grade *gr;
	struct grade_result *g;
	char why[600] = "";
	bool fatal;
	int nfile, r;

	if (!lab->has_exercise) {
		errbuf_set(errbuf, errlen, _("lab %d has no exercise to grade"), lab->number);
		return NULL;
	}
	gr = calloc(1, sizeof(*gr));
	g = calloc(1, sizeof(*g));
	if (!gr || !g) {
		free(gr);
		free(g);
		errbuf_set(errbuf, errlen, _("out of memory"));
		return NULL;
	}
	gr->lab = lab;
	gr->no_progress = o->no_progress;
	gr->g = g;
	gr->t0 = now_s();
	gr->limits = student_limits_template;
	gr->cc_limits = compiler_limits_template;
	g->lab = lab->number;
	snprintf(g->title, sizeof(g->title), "%s", lab->title);
	snprintf(g->slug, sizeof(g->slug), "%s", lab->slug);
	if (o->src)
		snprintf(g->src, sizeof(g->src), "%s", o->src);
	else
		snprintf(g->src, sizeof(g->src), "%s/%s", lab->dir, ex->source);
	if (make_tmp(gr, errbuf, errlen) < 0)
		goto fail;
	gr->binds[0] = (struct jail_bind){ gr->tmp, gr->tmp, false };
	gr->binds[1] = (struct jail_bind){ gr->work, JAIL_WORK, true };
	/* The tree (reference solutions, tests, the labs' expected results) and the built lab
	 * programs are not in the jail's allowlist; hidden too in case they lie under /usr. */
	if (realpath(lab->dir, gr->root) && strrchr(gr->root, '/')) {
		*strrchr(gr->root, '/') = '\0';        /* ROOT/labs */
		if (strrchr(gr->root, '/') && strrchr(gr->root, '/') != gr->root) {
			*strrchr(gr->root, '/') = '\0';    /* ROOT */
			gr->hide[0] = gr->root;
		}
	}
	if (realpath(o->build, gr->buildp))
		gr->hide[gr->hide[0] ? 1 : 0] = gr->buildp;
	include_folder(gr, lab);
	gr->limits.hide = gr->cc_limits.hide = gr->hide;
	gr->limits.binds = gr->cc_limits.binds = gr->binds;
	gr->limits.report = &gr->run_report;
	gr->cc_limits.report = &gr->cc_report;
	gr->ro.build = o->build;
	gr->ro.pcap_path = o->pcap_path;
	gr->ro.keep_frames = o->keep_frames;
	gr->ro.student = gr->bin;
	gr->ro.student_limits = &gr->limits;
	/* One seed for every scenario of the grade: printed, and replayed by --seed. */
	g->seed = o->seed;
	while (!g->seed && getrandom(&g->seed, sizeof(g->seed), 0) != (ssize_t)sizeof(g->seed))
		g->seed = (uint64_t)time(NULL) * 2654435761u;
	g->seed &= (1ull << 53) - 1;    /* exact in JSON numbers */
	if (!g->seed)
		g->seed = 1;
	gr->ro.seed = g->seed;
	gr->nscen = ex->scenarios > 1 ? ex->scenarios : 1;
	g->scenarios = gr->nscen;
	nfile = submission_copy(g->src, gr->work, gr->files, why, sizeof(why), &fatal, errbuf,
	                        errlen);
	if (nfile < 0 && fatal)
		goto fail;
	if (ex->answers) {
		/* Nothing to build: the lab's own programs run, and the answers are judged
		 * against their capture. Without answers every answer check says so. */
		if (nfile < 0 || !answers_read(gr, why, sizeof(why)))
			snprintf(g->note, sizeof(g->note), "%s", why);
		gr->ro.student = NULL;
		gr->ro.extra = &gr->answers;
		if (start_scenario(gr, errbuf, errlen) < 0)
			goto fail;
		gr->phase = PH_RUN;
		return gr;
	}
	r = nfile < 0 ? 1 : plan_build(gr, o, nfile, why, sizeof(why), errbuf, errlen);
	if (r < 0)
		goto fail;
	if (r > 0) {
		refuse(gr, why);
		return gr;
	}
	gr->deadline = now_s() + BUILD_TIMEOUT_S;
	if (compile_start(gr, errbuf, errlen) < 0)
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
	if (!gr->cc) {
		*timeout_ms = 0;
		return 0;
	}
	if (gr->out_open && n < max)
		fds[n++] = (struct pollfd){ .fd = proc_output_fd(gr->cc), .events = POLLIN };
	if (n < max)
		fds[n++] = (struct pollfd){ .fd = proc_exit_fd(gr->cc), .events = POLLIN };
	*timeout_ms = proc_deadline_ms(gr->cc);
	return n;
}

/* The next scenario's run; g->run shows it while it runs. */
static int start_scenario(struct grade *gr, char *errbuf, size_t errlen)
{
	gr->ro.scenario = gr->scen;
	gr->runs[gr->scen] = labrun_start(gr->lab, &gr->lab->exercise, &gr->ro, errbuf, errlen);
	gr->g->run = gr->runs[gr->scen];
	return gr->g->run ? 0 : -1;
}

/* The compiler's part of a step: 1 still building, 0 moved on, -1 failed. */
static int build_step(struct grade *gr, char *errbuf, size_t errlen)
{
	struct grade_result *g = gr->g;
	char how[300], line[400];
	int status;

	/* Read while it runs; once it has ended (or its deadline killed it) every writer of
	 * the pipe is gone with its PID namespace, so the rest is read to EOF. */
	if (gr->out_open && !compile_read(gr) && proc_reap(gr->cc, NULL) == 0)
		return 1;
	if (gr->out_open)
		(void)compile_read(gr);
	gr->out_open = false;
	if (proc_reap(gr->cc, &status) == 0)
		return 1;
	if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		if (proc_timed_out(gr->cc))
			snprintf(line, sizeof(line), _("\ntcplab: the compiler took more than %d s and"
			         " was stopped\n"), BUILD_TIMEOUT_S);
		else {
			proc_describe(gr->cc, how, sizeof(how));
			line[0] = '\0';
			if (strncmp(how, "exited with status", 18))
				snprintf(line, sizeof(line), _("\ntcplab: the compiler %s\n"), how);
			/* cc1 says "out of memory allocating N bytes": say which limit, and the
			 * likely cause. */
			else if (strstr(g->build_log, "out of memory") ||
			         strstr(g->build_log, "memory exhausted"))
				snprintf(line, sizeof(line), _("\ntcplab: the compiler ran out of memory"
				         " (its limit is %llu MiB): does the code include a device or a"
				         " huge file?\n"), gr->cc_limits.mem_bytes >> 20);
		}
		log_append(gr, line);
		proc_free(gr->cc);
		gr->cc = NULL;
		g->outcome = GRADE_BUILD_FAILED;
		finish(gr);
		return 0;
	}
	proc_free(gr->cc);
	gr->cc = NULL;
	if (++gr->step < gr->nstep)
		return compile_start(gr, errbuf, errlen) < 0 ? -1 : 1;
	if (start_scenario(gr, errbuf, errlen) < 0)
		return -1;
	gr->phase = PH_RUN;
	return 0;
}

int grade_step(struct grade *gr, char *errbuf, size_t errlen)
{
	struct grade_result *g = gr->g;
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
	/* A stall of the machine is nobody's verdict: the same scenario again, up to
	 * RUN_TRIES runs, before an inconclusive timing is reported. */
	if (g->run->disturbed && ++gr->tries < RUN_TRIES) {
		labrun_free(g->run);
		gr->runs[gr->scen] = g->run = NULL;
		return start_scenario(gr, errbuf, errlen) < 0 ? -1 : 1;
	}
	gr->tries = 0;
	/* A program still running at a scenario's deadline would only wait out the others
	 * too: the grade stops there, and says which scenarios it did not run. */
	if (g->run->timed_out && gr->scen + 1 < gr->nscen) {
		if (gr->scen + 2 == gr->nscen)
			snprintf(g->note, sizeof(g->note), _("scenario %d was not run: your program was"
			         " still running at the end of scenario %d"), gr->nscen, gr->scen + 1);
		else
			snprintf(g->note, sizeof(g->note), _("scenarios %d to %d were not run: your"
			         " program was still running at the end of scenario %d"), gr->scen + 2,
			         gr->nscen, gr->scen + 1);
		gr->nscen = g->scenarios = gr->scen + 1;
	}
	if (++gr->scen < gr->nscen)
		return start_scenario(gr, errbuf, errlen) < 0 ? -1 : 1;
	g->outcome = GRADE_RAN;
	g->run = NULL;
	if (score(g, gr->runs, gr->nscen, gr->lab->exercise.scenarios) < 0) {
		errbuf_set(errbuf, errlen, _("out of memory"));
		return -1;
	}
	/* The instructor should know when the whole-program limits were not there, whatever
	 * else the note says. */
	if (!gr->run_report.cgroup && gr->run_report.limits[0]) {
		size_t used = strlen(g->note);
		char lim[sizeof(g->note)];

		snprintf(lim, sizeof(lim), _("limits: %s"), gr->run_report.limits);
		snprintf(g->note + used, sizeof(g->note) - used, "%s%s", used ? "; " : "", lim);
	}
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
	for (int s = 0; s < gr->nscen && s < 8; s++)
		if (gr->runs[s] && (!gr->g || gr->runs[s] != gr->g->run))
			labrun_free(gr->runs[s]);
	proc_free(gr->cc);
	gr->cc = NULL;
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
			errbuf_set(errbuf, errlen, _("poll failed: %s"), strerror(errno));
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
