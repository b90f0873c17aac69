/* summary: grade a class: one forked grading per submission, reports and a summary outside it. */
#include "cli/grade_class.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/grade_format.h"
#include "cli/stopsig.h"
#include "engine/grade.h"
#include "util/safefile.h"
#include "util/textesc.h"
#include "tcplab_config.h"

/* Every report of one student: the format and the file name's suffix. */
static const struct {
	enum grade_format format;
	const char *suffix;
} reports[] = {
	{ GF_TEXT, ".txt" }, { GF_JSON, ".json" }, { GF_JUNIT, ".junit.xml" },
	{ GF_TAP, ".tap" }, { GF_GRADESCOPE, ".gradescope.json" },
};
#define NREPORTS (sizeof(reports) / sizeof(reports[0]))
#define STATE_SUFFIX ".state"
#define STATE_MAGIC "tcplab-class-state 1"
#define MAX_STUDENTS 5000

/* What the summary says of one student; NAME.state holds it between runs. */
struct row {
	char verdict[16];       /* pass, fail, inconclusive, build_failed, error */
	double score, max, seconds;
	uint64_t seed;
	char failing[2048];     /* the checks that did not pass, "; " between them */
	char error[600];        /* verdict error: why */
};

struct student {
	char *name;             /* the folder's name, as it is */
	char file[200];         /* grade_class_file_name() of it */
	char src[PATH_MAX];
	uint64_t key;
	bool kept;              /* unchanged since the last run: its row read from NAME.state */
	bool graded;            /* has a row */
	pid_t pid;              /* its grading, while one runs */
	int pidfd, errfd;
	struct row row;
};

struct klass {
	const struct lab *lab;
	const struct class_opts *o;
	char out[PATH_MAX];
	struct student *s;
	size_t n;
	uint64_t base_key;      /* tcplab, the lab, the seed: part of every student's key */
	bool tty;
	double t0;
	size_t ngraded_now, running;
};

/* ---- hashing: has a submission changed since its report was written? ---- */

/*
 * FNV-1a, 64 bits. This tells changed from unchanged files, against accidents, not an
 * adversary: a student who forged a collision would only keep the grade of what they
 * submitted before.
 */
#define FNV_OFFSET 0xcbf29ce484222325ull
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	for (const unsigned char *b = p; n--; b++)
		h = (h ^ *b) * 0x100000001b3ull;
	return h;
}

/* The whole of a regular file, or its name alone when it cannot be read (a FIFO is never
 * opened: O_NONBLOCK and the type check come first). */
static uint64_t hash_fd(uint64_t h, int fd)
{
	char buf[65536];
	struct stat st;
	ssize_t r;

	if (fd < 0)
		return fnv(h, "?", 1);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return fnv(h, "?", 1);
	}
	h = fnv(h, &st.st_size, sizeof(st.st_size));
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		h = fnv(h, buf, (size_t)r);
	close(fd);
	return h;
}

static uint64_t hash_file(uint64_t h, int dirfd, const char *name)
{
	return hash_fd(h, openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * What a grade reads of a folder, in name order: its entries that do not start with a dot,
 * each with its type (a symlink the grade refuses changes the key too) and, for regular
 * files, its size and bytes. recurse: subfolders' too (the lab's folder, not a submission).
 */
static uint64_t hash_dir(uint64_t h, const char *path, bool recurse)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;

	if (!d)
		return fnv(h, "-", 1);
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **more = realloc(names, (cap = cap ? 2 * cap : 32) * sizeof(*names));

			if (!more)
				break;
			names = more;
		}
		if (!(names[n] = strdup(e->d_name)))
			break;
		n++;
	}
	qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		struct stat st;

		h = fnv(h, names[i], strlen(names[i]) + 1);
		if (fstatat(dirfd(d), names[i], &st, AT_SYMLINK_NOFOLLOW) < 0)
			h = fnv(h, "?", 1);
		else if (S_ISREG(st.st_mode))
			h = hash_file(fnv(h, "f", 1), dirfd(d), names[i]);
		else if (S_ISDIR(st.st_mode) && recurse) {
			char sub[PATH_MAX];

			snprintf(sub, sizeof(sub), "%s/%s", path, names[i]);
			h = hash_dir(fnv(h, "d", 1), sub, true);
		} else {
			h = fnv(h, &st.st_mode, sizeof(st.st_mode));
		}
		free(names[i]);
	}
	free(names);
	closedir(d);
	return h;
}

/* tcplab itself (a rebuilt grader may grade differently), the lab's folder and programs,
 * the lab number and the class seed. */
static uint64_t base_key(const struct lab *lab, const struct class_opts *o)
{
	char progs[PATH_MAX];
	const char *slash = strrchr(lab->dir, '/');
	uint64_t h = fnv(FNV_OFFSET, STATE_MAGIC, sizeof(STATE_MAGIC));

	h = fnv(h, TCPLAB_VERSION, sizeof(TCPLAB_VERSION));
	h = hash_fd(h, open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
	h = hash_dir(h, lab->dir, true);
	snprintf(progs, sizeof(progs), "%s/labs/%s", o->build, slash ? slash + 1 : lab->dir);
	h = hash_dir(h, progs, false);
	h = fnv(h, &lab->number, sizeof(lab->number));
	return fnv(h, &o->seed, sizeof(o->seed));
}

/* ---- names ---- */

void grade_class_file_name(const char *name, char *buf, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t used = 0, i;
	bool cut = false;

	for (i = 0; name[i]; i++) {
		unsigned char c = (unsigned char)name[i];
		bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		             c == '-' || c == '_' || (c == '.' && i > 0);

		if (used + (plain ? 1 : 3) > len - 20) {
			cut = true;
			break;
		}
		if (plain) {
			buf[used++] = (char)c;
		} else {
			buf[used++] = '%';
			buf[used++] = hex[c >> 4];
			buf[used++] = hex[c & 15];
		}
	}
	buf[used] = '\0';
	if (cut)
		snprintf(buf + used, len - used, "~%016" PRIx64,
		         fnv(FNV_OFFSET, name, strlen(name)));
}

/* ---- the state file: the key and the row ---- */

static void row_write(FILE *f, uint64_t key, const struct row *r)
{
	fprintf(f, STATE_MAGIC "\ntcplab " TCPLAB_VERSION "\nkey %016" PRIx64 "\nverdict %s\nscore %.17g\nmax %.17g\n"
	        "seed %" PRIu64 "\nseconds %.3f\nfailing %s\n", key, r->verdict, r->score, r->max,
	        r->seed, r->seconds, r->failing);
}

/* 0 and the row when path is a state file tcplab wrote (never through a link), -1 otherwise. */
static int row_read(const char *path, uint64_t *key, struct row *r)
{
	char line[sizeof(r->failing) + 16];
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC), fields = 0;
	FILE *f;
	struct stat st;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !(f = fdopen(fd, "r"))) {
		close(fd);
		return -1;
	}
	memset(r, 0, sizeof(*r));
	if (!fgets(line, sizeof(line), f) || strcmp(line, STATE_MAGIC "\n")) {
		fclose(f);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *v = strchr(line, ' ');

		line[strcspn(line, "\n")] = '\0';
		if (!v)
			continue;
		*v++ = '\0';
		if (!strcmp(line, "key"))
			fields += sscanf(v, "%" SCNx64, key) == 1;
		else if (!strcmp(line, "verdict"))
			fields += snprintf(r->verdict, sizeof(r->verdict), "%s", v) > 0;
		else if (!strcmp(line, "score"))
			fields += sscanf(v, "%lf", &r->score) == 1;
		else if (!strcmp(line, "max"))
			fields += sscanf(v, "%lf", &r->max) == 1;
		else if (!strcmp(line, "seed"))
			fields += sscanf(v, "%" SCNu64, &r->seed) == 1;
		else if (!strcmp(line, "seconds"))
			fields += sscanf(v, "%lf", &r->seconds) == 1;
		else if (!strcmp(line, "failing"))
			fields += snprintf(r->failing, sizeof(r->failing), "%s", v) >= 0;
	}
	fclose(f);
	return fields == 7 ? 0 : -1;
}

/* The summary row of a grade: its verdict as progress.h judges one. */
static void row_of(const struct grade_result *g, struct row *r)
{
	bool failed = false, unsure = false;
	size_t used = 0;

	memset(r, 0, sizeof(*r));
	r->score = g->score;
	r->max = g->outcome == GRADE_RAN ? g->max : 1;
	r->seed = g->seed;
	r->seconds = g->seconds;
	if (g->outcome != GRADE_RAN) {
		snprintf(r->verdict, sizeof(r->verdict), "build_failed");
		snprintf(r->failing, sizeof(r->failing), "build");
		return;
	}
	for (size_t i = 0; i < g->ncheck; i++) {
		const struct grade_check *c = &g->check[i];

		if (c->max <= 0 || c->verdict == EXPECT_PASS)
			continue;       /* tcplab's own capture check scores nothing */
		failed |= c->verdict == EXPECT_FAIL;
		unsure |= c->verdict == EXPECT_INCONCLUSIVE;
		if (used < sizeof(r->failing))
			used += (size_t)snprintf(r->failing + used, sizeof(r->failing) - used, "%s%s",
			                         used ? "; " : "", c->name);
	}
	snprintf(r->verdict, sizeof(r->verdict), "%s", grade_passed(g) ? "pass" :
	         !failed && unsure ? "inconclusive" : "fail");
}

/* ---- one grading, in a child process ---- */

static int target(char *buf, size_t len, const struct klass *k, const struct student *s,
                  const char *suffix)
{
	return snprintf(buf, len, "%s/%s%s", k->out, s->file, suffix) < (int)len ? 0 : -1;
}

/* Write one file of the out folder whole, never through a link (safefile.h). */
static int write_safe(const char *path, void (*fill)(FILE *, const void *), const void *arg,
                      char *err, size_t errlen)
{
	struct safefile sf;
	FILE *f;
	int bad;

	if (safefile_open(&sf, path, err, errlen) < 0)
		return -1;
	f = fdopen(sf.fd, "w");
	if (!f) {
		snprintf(err, errlen, _("cannot write '%s': %s"), path, strerror(errno));
		close(sf.fd);
		safefile_abort(&sf);
		return -1;
	}
	fill(f, arg);
	bad = fflush(f) != 0 || ferror(f);
	if (bad) {
		snprintf(err, errlen, _("cannot write '%s': %s"), path, strerror(errno));
		safefile_abort(&sf);
	} else if (safefile_commit(&sf, err, errlen) < 0) {
		bad = 1;
	}
	if (fclose(f) != 0 && !bad) {
		snprintf(err, errlen, _("cannot write '%s': %s"), path, strerror(errno));
		bad = 1;
	}
	return bad ? -1 : 0;
}

struct report_arg {
	enum grade_format format;
	const struct grade_result *g;
};

static void fill_report(FILE *f, const void *arg)
{
	const struct report_arg *a = arg;

	grade_format_print(f, a->format, a->g);
}

struct state_arg {
	uint64_t key;
	const struct row *row;
};

static void fill_state(FILE *f, const void *arg)
{
	const struct state_arg *a = arg;

	row_write(f, a->key, a->row);
}

/*
 * The child: grade, write the reports, the state last (a grading stopped half way leaves
 * no state, so the next run grades it again). Exits 0, 128 + a stop signal, or 3 with the
 * reason on errfd. The parent's death sends SIGTERM, which stops it as a Ctrl-C would.
 */
static void child(const struct klass *k, const struct student *s, pid_t parent)
{
	struct grade_opts go = {
		.build = k->o->build, .src = s->src, .seed = k->o->seed, .no_progress = true,
	};
	struct grade_result *g;
	struct row row;
	char err[1024], path[PATH_MAX];
	int r;

	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
		_exit(3);
	r = cli_grade_loop(k->lab, &go, &g, err, sizeof(err));
	if (r == 1)
		_exit(128 + stopsig_caught());
	if (r < 0)
		goto fail;
	for (size_t i = 0; i < NREPORTS; i++) {
		struct report_arg a = { reports[i].format, g };

		if (target(path, sizeof(path), k, s, reports[i].suffix) < 0 ||
		    write_safe(path, fill_report, &a, err, sizeof(err)) < 0)
			goto fail;
	}
	row_of(g, &row);
	if (target(path, sizeof(path), k, s, STATE_SUFFIX) < 0 ||
	    write_safe(path, fill_state, &(struct state_arg){ s->key, &row }, err,
	               sizeof(err)) < 0)
		goto fail;
	_exit(0);
fail:
	if (write(s->errfd, err, strlen(err)) < 0)
		_exit(4);
	_exit(3);
}

/* ---- the class ---- */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Verdict "error": prefix and why (cut to fit), not kept in a state file. */
static void set_error(struct student *s, const char *prefix, const char *why)
{
	memset(&s->row, 0, sizeof(s->row));
	snprintf(s->row.verdict, sizeof(s->row.verdict), "error");
	if (snprintf(s->row.error, sizeof(s->row.error), "%s%s", prefix, why) >=
	    (int)sizeof(s->row.error))
		s->row.error[sizeof(s->row.error) - 2] = '~';
	s->graded = true;
}

static int cmp_student(const void *a, const void *b)
{
	return strcmp(((const struct student *)a)->name, ((const struct student *)b)->name);
}

/* The submissions: subfolders, not dot folders (.git), not links to elsewhere. */
static int list_students(struct klass *k, char *err, size_t errlen)
{
	DIR *d = opendir(k->o->dir);
	struct dirent *e;
	size_t cap = 0;

	if (!d) {
		snprintf(err, errlen, _("cannot read the class folder '%s': %s"), k->o->dir,
		         strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		struct stat st;
		struct student *s;

		if (e->d_name[0] == '.' || fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(st.st_mode))
			continue;
		if (k->n == MAX_STUDENTS) {
			snprintf(err, errlen, _("the class folder '%s' has more than %d submissions"),
			         k->o->dir, MAX_STUDENTS);
			closedir(d);
			return -1;
		}
		if (k->n == cap) {
			struct student *more = realloc(k->s, (cap = cap ? 2 * cap : 64) * sizeof(*more));

			if (!more)
				goto oom;
			k->s = more;
		}
		s = &k->s[k->n];
		memset(s, 0, sizeof(*s));
		s->pidfd = s->errfd = -1;
		if (!(s->name = strdup(e->d_name)))
			goto oom;
		k->n++;
		snprintf(s->src, sizeof(s->src), "%s/%s", k->o->dir, e->d_name);
		grade_class_file_name(e->d_name, s->file, sizeof(s->file));
	}
	closedir(d);
	if (k->n)
		qsort(k->s, k->n, sizeof(*k->s), cmp_student);
	return 0;
oom:
	closedir(d);
	snprintf(err, errlen, _("out of memory"));
	return -1;
}

/* Every report of the student is there (one deleted by hand is written again). */
static bool reports_present(const struct klass *k, const struct student *s)
{
	char path[PATH_MAX];
	struct stat st;

	for (size_t i = 0; i < NREPORTS; i++)
		if (target(path, sizeof(path), k, s, reports[i].suffix) < 0 || lstat(path, &st) < 0 ||
		    !S_ISREG(st.st_mode))
			return false;
	return true;
}

/* Kept from the last run when its state matches and its reports are there, or refused before grading when one of
 * its report names is a link or a folder (no time spent on a grade that cannot be kept). */
static void prepare(struct klass *k, struct student *s)
{
	char path[PATH_MAX], err[1024];
	uint64_t key;
	struct row r;

	s->key = hash_dir(k->base_key, s->src, false);
	if (target(path, sizeof(path), k, s, STATE_SUFFIX) == 0 && row_read(path, &key, &r) == 0 &&
	    key == s->key && reports_present(k, s)) {
		s->row = r;
		s->kept = s->graded = true;
		return;
	}
	for (size_t i = 0; i <= NREPORTS; i++) {
		if (target(path, sizeof(path), k, s, i < NREPORTS ? reports[i].suffix :
		           STATE_SUFFIX) < 0) {
			set_error(s, "", "the report's name is too long");
			return;
		}
		if (safefile_check(path, err, sizeof(err)) < 0) {
			set_error(s, "", err);
			return;
		}
	}
}

static int start(struct klass *k, struct student *s, char *err, size_t errlen)
{
	int p[2];
	pid_t parent = getpid();

	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0) {
		snprintf(err, errlen, _("cannot start a grading: pipe: %s"), strerror(errno));
		return -1;
	}
	fflush(NULL);           /* the child _exits, but must not inherit pending output */
	s->errfd = p[1];
	s->pid = fork();
	if (s->pid < 0) {
		snprintf(err, errlen, _("cannot start a grading: fork: %s"), strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (s->pid == 0) {
		close(p[0]);
		for (size_t i = 0; i < k->n; i++)
			if (k->s[i].pidfd >= 0)
				close(k->s[i].pidfd);
		child(k, s, parent);
	}
	close(p[1]);
	s->errfd = p[0];
	s->pidfd = (int)syscall(SYS_pidfd_open, s->pid, 0);
	if (s->pidfd < 0) {
		snprintf(err, errlen, _("cannot watch a grading: pidfd_open: %s (Linux 5.3 or later"
		         " needed)"), strerror(errno));
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
		close(s->errfd);
		s->pid = 0;
		return -1;
	}
	k->running++;
	return 0;
}

/* A grading ended: its row from the state it wrote, or why there is none. */
static void reap(struct klass *k, struct student *s)
{
	char why[1024], path[PATH_MAX];
	ssize_t n = read(s->errfd, why, sizeof(why) - 1);
	uint64_t key;
	int st = 0;

	why[n > 0 ? n : 0] = '\0';
	while (waitpid(s->pid, &st, 0) < 0 && errno == EINTR)
		;
	close(s->pidfd);
	close(s->errfd);
	s->pidfd = s->errfd = -1;
	s->pid = 0;
	k->running--;
	k->ngraded_now++;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		if (target(path, sizeof(path), k, s, STATE_SUFFIX) == 0 &&
		    row_read(path, &key, &s->row) == 0) {
			s->graded = true;
			return;
		}
		set_error(s, "", "its grading wrote no summary");
	} else if (WIFEXITED(st) && why[0]) {
		set_error(s, "", why);
	} else if (WIFSIGNALED(st)) {
		snprintf(path, sizeof(path), "%d", WTERMSIG(st));
		set_error(s, "its grading was killed by signal ", path);
	} else {
		snprintf(path, sizeof(path), "%d", WEXITSTATUS(st));
		set_error(s, "its grading ended with status ", path);
	}
}

struct counts {
	size_t done, pass, fail, unsure, error;
};

static struct counts count(const struct klass *k)
{
	struct counts c = { 0 };

	for (size_t i = 0; i < k->n; i++) {
		const char *v = k->s[i].row.verdict;

		if (!k->s[i].graded)
			continue;
		c.done++;
		if (!strcmp(v, "pass"))
			c.pass++;
		else if (!strcmp(v, "inconclusive"))
			c.unsure++;
		else if (!strcmp(v, "error"))
			c.error++;
		else
			c.fail++;       /* fail, build_failed */
	}
	return c;
}

/* "graded 12/40: 9 passing, 2 failing, 1 inconclusive, about 1 min 20 s left" */
static void progress_line(const struct klass *k, FILE *out)
{
	struct counts c = count(k);
	size_t todo = k->n - c.done;

	fprintf(out, _("graded %zu/%zu: %zu passing, %zu failing, %zu inconclusive"), c.done, k->n,
	        c.pass, c.fail, c.unsure);
	if (c.error)
		fprintf(out, _(", %zu not graded"), c.error);
	if (todo && k->ngraded_now) {
		double left = (now_s() - k->t0) / (double)k->ngraded_now * (double)todo;

		if (left >= 60)
			fprintf(out, _(", about %d min %02d s left"), (int)left / 60, (int)left % 60);
		else
			fprintf(out, _(", about %d s left"), (int)left + 1);
	} else if (todo) {
		fprintf(out, _(", estimating the time left"));
	}
}

/* On a terminal, one line rewritten in place; in a pipe or a log, a line per grade. */
static void report_progress(const struct klass *k, const struct student *s)
{
	if (k->tty) {
		fputs("\r\033[K", stdout);
		progress_line(k, stdout);
		fflush(stdout);
		return;
	}
	if (!s)
		return;
	textesc_fputs(stdout, s->name, 0);
	if (!strcmp(s->row.verdict, "error")) {
		fputs(_(": not graded: "), stdout);
		textesc_fputs(stdout, s->row.error, 0);
	} else {
		printf(_(": %s %g/%g in %.1f s"), s->row.verdict, s->row.score, s->row.max,
		       s->row.seconds);
	}
	fputs(" (", stdout);
	progress_line(k, stdout);
	fputs(")\n", stdout);
	fflush(stdout);
}

/* SIGINT, SIGTERM or SIGHUP: every grading told to stop (they cancel as a single grade
 * does), and waited for, so nothing of theirs is left when tcplab exits. */
static void stop_all(struct klass *k)
{
	for (size_t i = 0; i < k->n; i++)
		if (k->s[i].pid > 0)
			kill(k->s[i].pid, SIGTERM);
	for (size_t i = 0; i < k->n; i++) {
		struct student *s = &k->s[i];

		if (s->pid <= 0)
			continue;
		while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR)
			;
		close(s->pidfd);
		close(s->errfd);
		s->pid = 0;
	}
}

/* 0 when all ran, 1 when stopped by a signal, -1 with err when a grading cannot start. */
static int run_all(struct klass *k, char *err, size_t errlen)
{
	size_t next = 0;

	report_progress(k, NULL);
	for (;;) {
		struct pollfd fds[256];
		struct student *who[256];
		int nfds = 0;

		while (k->running < (size_t)k->o->jobs && next < k->n && !stopsig_caught()) {
			struct student *s = &k->s[next++];

			if (s->graded)
				continue;
			if (start(k, s, err, errlen) < 0) {
				stop_all(k);
				return -1;
			}
		}
		if (!k->running)
			return stopsig_caught() ? 1 : 0;
		for (size_t i = 0; i < k->n && nfds < 256; i++) {
			if (k->s[i].pid <= 0)
				continue;
			fds[nfds] = (struct pollfd){ .fd = k->s[i].pidfd, .events = POLLIN };
			who[nfds++] = &k->s[i];
		}
		if (stopsig_poll(fds, (nfds_t)nfds, k->tty ? 1000 : -1) < 0) {
			if (errno == EINTR && stopsig_caught()) {
				stop_all(k);
				return 1;
			}
			continue;
		}
		for (int i = 0; i < nfds; i++) {
			if (!fds[i].revents)
				continue;
			reap(k, who[i]);
			report_progress(k, who[i]);
		}
		if (k->tty)
			report_progress(k, NULL);
	}
}

/* ---- the summary ---- */

/* A CSV field (RFC 4180): quoted when it holds a comma, quote, CR or LF, quotes doubled. A
 * student's name that a spreadsheet would take for a formula (= + - @ first) gets a
 * leading apostrophe, as OWASP advises against CSV injection. */
static void csv_field(FILE *f, const char *s, bool guard)
{
	bool quote = strpbrk(s, ",\"\r\n") != NULL || (s[0] == ' ');

	if (guard && strchr("=+-@\t\r", s[0]) && s[0])
		quote = true;
	if (quote)
		fputc('"', f);
	if (guard && strchr("=+-@\t\r", s[0]) && s[0])
		fputc('\'', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	if (quote)
		fputc('"', f);
}

static void fill_csv(FILE *f, const void *arg)
{
	const struct klass *k = arg;

	fputs("student,score,max,verdict,failing_checks,seed,seconds,report\r\n", f);
	for (size_t i = 0; i < k->n; i++) {
		const struct student *s = &k->s[i];
		const struct row *r = &s->row;
		bool err = !strcmp(r->verdict, "error");

		csv_field(f, s->name, true);
		if (err)
			fprintf(f, ",,,error,");
		else
			fprintf(f, ",%g,%g,%s,", r->score, r->max, r->verdict);
		csv_field(f, err ? r->error : r->failing, false);
		if (r->seed)
			fprintf(f, ",%" PRIu64, r->seed);
		else
			fputc(',', f);
		if (err)
			fputs(",,", f);
		else
			fprintf(f, ",%.3f,", r->seconds);
		if (!err)
			csv_field(f, s->file, false);
		fputs("\r\n", f);
	}
}

static void fill_json(FILE *f, const void *arg)
{
	const struct klass *k = arg;

	fprintf(f, "{\"tcplab\": \"" TCPLAB_VERSION "\", \"lab\": %d, \"seed\": ", k->lab->number);
	if (k->o->seed)
		fprintf(f, "\"%" PRIu64 "\"", k->o->seed);
	else
		fputs("null", f);
	fputs(", \"students\": [", f);
	for (size_t i = 0; i < k->n; i++) {
		const struct student *s = &k->s[i];
		const struct row *r = &s->row;
		bool err = !strcmp(r->verdict, "error");

		fprintf(f, "%s\n  {\"student\": ", i ? "," : "");
		grade_format_json_str(f, s->name);
		fprintf(f, ", \"verdict\": \"%s\"", r->verdict);
		if (err) {
			fputs(", \"error\": ", f);
			grade_format_json_str(f, r->error);
			fputc('}', f);
			continue;
		}
		fprintf(f, ", \"score\": %g, \"max_score\": %g, \"failing_checks\": [", r->score,
		        r->max);
		for (const char *p = r->failing; *p;) {
			const char *end = strstr(p, "; ");
			char name[sizeof(r->failing)];
			size_t len = end ? (size_t)(end - p) : strlen(p);

			snprintf(name, sizeof(name), "%.*s", (int)len, p);
			fputs(p == r->failing ? "" : ", ", f);
			grade_format_json_str(f, name);
			p += len + (end ? 2 : 0);
		}
		fprintf(f, "], \"seed\": \"%" PRIu64 "\", \"seconds\": %.3f, \"report\": ", r->seed,
		        r->seconds);
		grade_format_json_str(f, s->file);
		fputc('}', f);
	}
	fprintf(f, "%s]}\n", k->n ? "\n" : "");
}

/* Scores as bars, then the checks that failed most often. */
static void print_end(const struct klass *k)
{
	struct bin {
		double score, max;
		size_t n;
	} bins[64];
	struct count {
		char name[160];
		size_t n;
	} checks[64];
	size_t nbin = 0, ncheck = 0, nbuild = 0, nerror = 0, widest = 1;

	for (size_t i = 0; i < k->n; i++) {
		const struct row *r = &k->s[i].row;
		size_t b;

		if (!strcmp(r->verdict, "error")) {
			nerror++;
			continue;
		}
		if (!strcmp(r->verdict, "build_failed")) {
			nbuild++;
			continue;
		}
		for (b = 0; b < nbin && (bins[b].score != r->score || bins[b].max != r->max); b++)
			;
		if (b == nbin && nbin < 64)
			bins[nbin++] = (struct bin){ r->score, r->max, 0 };
		if (b < nbin && ++bins[b].n > widest)
			widest = bins[b].n;
		for (const char *p = r->failing; *p;) {
			const char *end = strstr(p, "; ");
			size_t len = end ? (size_t)(end - p) : strlen(p), c;
			char name[160];

			snprintf(name, sizeof(name), "%.*s", (int)len, p);
			for (c = 0; c < ncheck && strcmp(checks[c].name, name); c++)
				;
			if (c == ncheck && ncheck < 64) {
				snprintf(checks[ncheck].name, sizeof(checks[0].name), "%s", name);
				checks[ncheck++].n = 0;
			}
			if (c < ncheck)
				checks[c].n++;
			p += len + (end ? 2 : 0);
		}
	}
	/* Highest score first; few bins, so a plain insertion sort. */
	for (size_t i = 1; i < nbin; i++)
		for (size_t j = i; j > 0 && bins[j].score / bins[j].max > bins[j - 1].score /
		     bins[j - 1].max; j--) {
			struct bin t = bins[j];

			bins[j] = bins[j - 1];
			bins[j - 1] = t;
		}
	printf(_("\nscores:\n"));
	for (size_t i = 0; i < nbin; i++) {
		char label[32];

		snprintf(label, sizeof(label), "%g/%g", bins[i].score, bins[i].max);
		printf("  %-14s %4zu  ", label, bins[i].n);
		for (size_t j = 0; j < (bins[i].n * 40 + widest - 1) / widest; j++)
			fputc('#', stdout);
		fputc('\n', stdout);
	}
	if (nbuild)
		printf("  %-14s %4zu\n", _("build failed"), nbuild);
	if (nerror)
		printf("  %-14s %4zu\n", _("not graded"), nerror);
	if (!ncheck)
		return;
	for (size_t i = 1; i < ncheck; i++)
		for (size_t j = i; j > 0 && checks[j].n > checks[j - 1].n; j--) {
			struct count t = checks[j];

			checks[j] = checks[j - 1];
			checks[j - 1] = t;
		}
	printf(_("\nchecks failed most often:\n"));
	for (size_t i = 0; i < ncheck && i < 5; i++)
		printf("  %4zu  %s\n", checks[i].n, checks[i].name);
}

/* The out folder: made if missing (its parent must exist), never inside the class. */
static int make_out(struct klass *k, char *err, size_t errlen)
{
	char probe[PATH_MAX];
	struct stat st;

	if (snprintf(k->out, sizeof(k->out), "%s", k->o->out) >= (int)sizeof(k->out) ||
	    snprintf(probe, sizeof(probe), "%s/summary.csv", k->out) >= (int)sizeof(probe)) {
		snprintf(err, errlen, _("the out folder's name is too long"));
		return -1;
	}
	if (mkdir(k->out, 0755) < 0 && errno != EEXIST) {
		if (snprintf(err, errlen, _("cannot make the out folder '%s': %s (its parent must"
		             " exist)"), k->out, strerror(errno)) >= (int)errlen)
			err[errlen - 2] = '~';
		return -1;
	}
	if (stat(k->out, &st) < 0 || !S_ISDIR(st.st_mode)) {
		if (snprintf(err, errlen, _("'%s' is not a folder: name another with --out"), k->out) >=
		    (int)errlen)
			err[errlen - 2] = '~';
		return -1;
	}
	if (safefile_outside(probe, k->o->dir, _("the class folder"), err, errlen) < 0)
		return -1;
	if (safefile_check(probe, err, errlen) < 0)
		return -1;
	if (snprintf(probe, sizeof(probe), "%s/summary.json", k->out) >= (int)sizeof(probe))
		return -1;      /* cannot be: summary.csv fitted */
	return safefile_check(probe, err, errlen);
}

int grade_class(const struct lab *lab, const struct class_opts *o)
{
	struct klass k = { .lab = lab, .o = o, .tty = isatty(STDOUT_FILENO) };
	char err[1024], path[PATH_MAX], dir[PATH_MAX * 4 + 1], outdir[PATH_MAX * 4 + 1];
	struct counts c;
	size_t kept = 0;
	int status = 0, r;

	if (make_out(&k, err, sizeof(err)) < 0 || list_students(&k, err, sizeof(err)) < 0) {
		fprintf(stderr, "tcplab: %s\n", err);
		status = 2;
		goto out;
	}
	if (!k.n) {
		fprintf(stderr, _("tcplab: the class folder '%s' has no submission (one subfolder per"
		        " student)\n"), o->dir);
		status = 2;
		goto out;
	}
	k.base_key = base_key(lab, o);
	for (size_t i = 0; i < k.n; i++) {
		prepare(&k, &k.s[i]);
		kept += k.s[i].kept;
	}
	textesc(dir, sizeof(dir), o->dir, strlen(o->dir), 0);
	textesc(outdir, sizeof(outdir), k.out, strlen(k.out), 0);
	printf(_("grading lab %d for %zu submissions in '%s', %d at a time; reports in '%s'\n"),
	       lab->number, k.n, dir, o->jobs, outdir);
	if (kept)
		printf(_("%zu unchanged since their last grade: their reports are kept\n"), kept);
	if (o->seed)
		printf(_("seed %llu for every submission\n"), (unsigned long long)o->seed);
	fflush(stdout);
	k.t0 = now_s();
	r = run_all(&k, err, sizeof(err));
	if (k.tty)
		fputc('\n', stdout);
	if (r == 1) {
		c = count(&k);
		fprintf(stderr, _("tcplab: grading stopped by %s: %zu of %zu graded, the gradings under"
		        " way were stopped and their sandboxes removed; run the same command again to"
		        " grade the rest\n"), stopsig_name(stopsig_caught()), c.done, k.n);
		status = 128 + stopsig_caught();
		goto out;
	}
	if (r < 0) {
		fprintf(stderr, "tcplab: %s\n", err);
		status = 1;
		goto out;
	}
	if (snprintf(path, sizeof(path), "%s/summary.csv", k.out) >= (int)sizeof(path))
		return 1;       /* cannot be: make_out() checked the longer name */
	if (write_safe(path, fill_csv, &k, err, sizeof(err)) < 0) {
		fprintf(stderr, "tcplab: %s\n", err);
		status = 1;
	}
	if (snprintf(path, sizeof(path), "%s/summary.json", k.out) >= (int)sizeof(path))
		return 1;
	if (write_safe(path, fill_json, &k, err, sizeof(err)) < 0) {
		fprintf(stderr, "tcplab: %s\n", err);
		status = 1;
	}
	print_end(&k);
	c = count(&k);
	if (c.error) {
		fprintf(stderr, _("tcplab: %zu submissions could not be graded (verdict 'error' in the"
		        " summary); the next run tries them again\n"), c.error);
		for (size_t i = 0; i < k.n; i++) {
			if (strcmp(k.s[i].row.verdict, "error"))
				continue;
			fputs("  ", stderr);
			textesc_fputs(stderr, k.s[i].name, 0);
			fputs(": ", stderr);
			textesc_fputs(stderr, k.s[i].row.error, 0);
			fputc('\n', stderr);
		}
		status = 1;
	}
	textesc(outdir, sizeof(outdir), k.out, strlen(k.out), 0);
	printf(_("\n%zu graded in %.0f s: %zu passing, %zu failing, %zu inconclusive; summary in"
	       " '%s/summary.csv'\n"), c.done - c.error, now_s() - k.t0, c.pass, c.fail, c.unsure,
	       outdir);
out:
	for (size_t i = 0; i < k.n; i++)
		free(k.s[i].name);
	free(k.s);
	return status;
}
