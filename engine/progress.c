/* summary: read and update the student's progress file (see progress.h). */
#include "engine/progress.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/grade.h"
#include "engine/paths.h"
#include "util/errbuf.h"
#include "util/tr.h"

static const char *const state_words[] = {
	[PROGRESS_NONE] = "none",
	[PROGRESS_DEMO] = "demo",
	[PROGRESS_TRIED] = "tried",
	[PROGRESS_PASSED] = "passed",
};

static const char *const state_text[] = {
	[PROGRESS_NONE] = N_("not started"),
	[PROGRESS_DEMO] = N_("demo run"),
	[PROGRESS_TRIED] = N_("exercise tried"),
	[PROGRESS_PASSED] = N_("exercise passed"),
};

static const char *const verdict_words[] = {
	[PROGRESS_FAIL] = "fail",
	[PROGRESS_PASS] = "pass",
	[PROGRESS_INCONCLUSIVE] = "inconclusive",
};

static const char *const keep_words[] = {
	[PROGRESS_KEEP_LAST] = "last",
	[PROGRESS_KEEP_BEST] = "best",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *progress_state_str(enum progress_state s)
{
	return (size_t)s < COUNT(state_text) ? state_text[s] : "?";
}

const char *progress_verdict_str(enum progress_verdict v)
{
	return (size_t)v < COUNT(verdict_words) ? verdict_words[v] : "?";
}

/* Index of word in a table of words, or -1. */
static int word_index(const char *const *words, size_t n, const char *word)
{
	for (size_t i = 0; i < n; i++)
		if (words[i] && !strcmp(word, words[i]))
			return (int)i;
	return -1;
}

/* $XDG_STATE_HOME/tcplab, or ~/.local/state/tcplab; created when create is set. */
static int state_dir(char *buf, size_t len, int create, char *errbuf, size_t errlen)
{
	const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char why[128];

	if (xdg && xdg[0] == '/')
		snprintf(buf, len, "%s/tcplab", xdg);
	else if (home && *home)
		snprintf(buf, len, "%s/.local/state/tcplab", home);
	else {
		errbuf_set(errbuf, errlen, _("cannot keep progress: neither XDG_STATE_HOME nor HOME"
		           " is set"));
		return -1;
	}
	if (!create)
		return 0;
	/* mkdir -p: each level of the path, ignoring the ones that exist. */
	for (char *p = buf + 1; ; p++) {
		if (*p == '/' || !*p) {
			char c = *p;

			*p = '\0';
			if (mkdir(buf, 0700) < 0 && errno != EEXIST) {
				errbuf_set(errbuf, errlen, _("cannot create '%s': %s"), buf,
				           errbuf_strerror(errno, why, sizeof(why)));
				*p = c;
				return -1;
			}
			*p = c;
			if (!c)
				break;
		}
	}
	return 0;
}

int progress_keep_load(const char *root, enum progress_keep *keep, char *errbuf, size_t errlen)
{
	struct paths p;
	char path[700], line[256], why[128];
	FILE *f;
	int lineno = 0, rc = 0;

	*keep = PROGRESS_KEEP_LAST;
	if (!root) {
		/* No tree found: no instructor's choice to honour, and that is no error here. */
		if (paths_find(&p, why, sizeof(why)) < 0)
			return 0;
		root = p.root;
	}
	snprintf(path, sizeof(path), "%s/tcplab.conf", root);
	f = fopen(path, "r");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		errbuf_set(errbuf, errlen, _("cannot read '%s': %s"), path,
		           errbuf_strerror(errno, why, sizeof(why)));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char key[32], value[32], *hash = strchr(line, '#');
		int k;

		lineno++;
		if (hash)
			*hash = '\0';
		if (sscanf(line, " %31[a-z_] = %31s", key, value) != 2 || strcmp(key, "keep"))
			continue;       /* blank, or another reader's key */
		k = word_index(keep_words, COUNT(keep_words), value);
		if (k < 0) {
			errbuf_set(errbuf, errlen, _("%s line %d: keep is '%s'; it must be 'last' or"
			           " 'best'"), path, lineno, value);
			rc = -1;
			break;
		}
		*keep = (enum progress_keep)k;
	}
	fclose(f);
	return rc;
}

/* A lab's state by the policy, from its attempts; a lab without any keeps its own. */
static enum progress_state state_of(const struct progress_lab *l, enum progress_keep keep)
{
	if (!l->nattempt)
		return l->state;
	if (keep == PROGRESS_KEEP_BEST)
		return l->max > 0 && l->best >= l->max ? PROGRESS_PASSED : PROGRESS_TRIED;
	return l->attempt[l->nattempt - 1].verdict == PROGRESS_PASS ? PROGRESS_PASSED :
	       PROGRESS_TRIED;
}

static void add_attempt(struct progress_lab *l, const struct progress_attempt *a)
{
	if (l->nattempt == PROGRESS_MAX_ATTEMPTS) {
		memmove(&l->attempt[0], &l->attempt[1], sizeof(l->attempt[0]) * (l->nattempt - 1));
		l->nattempt--;
	}
	l->attempt[l->nattempt++] = *a;
	if (a->number > l->attempts)
		l->attempts = a->number;
}

static struct progress_lab *find(struct progress *p, int lab)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->lab[i].lab == lab)
			return &p->lab[i];
	return NULL;
}

/* One line of the file into p; a damaged one is skipped. */
static void parse_line(struct progress *p, const char *line)
{
	char word[16];
	long long when;
	unsigned long long seed;
	int lab, n;

	if (!strncmp(line, "attempt ", 8)) {
		struct progress_attempt a = { 0 };
		struct progress_lab *l;
		int v;

		if (sscanf(line, "attempt %d %d %lf %lf %15s %llu %lld", &lab, &a.number, &a.score,
		           &a.max, word, &seed, &when) != 7 || a.number <= 0 || a.max <= 0 ||
		    (v = word_index(verdict_words, COUNT(verdict_words), word)) < 0 ||
		    !(l = find(p, lab)))
			return;
		a.verdict = (enum progress_verdict)v;
		a.seed = (uint64_t)seed;
		a.when = when;
		add_attempt(l, &a);
		return;
	}
	if (p->n == PROGRESS_MAX_LABS)
		return;
	struct progress_lab *e = &p->lab[p->n];
	int s;

	memset(e, 0, sizeof(*e));
	n = sscanf(line, "%d %15s %lf %lf %lld %d %d", &e->lab, word, &e->best, &e->max, &when,
	           &e->best_attempt, &e->attempts);
	if ((n != 5 && n != 7) || e->lab <= 0 || find(p, e->lab))
		return;
	s = word_index(state_words, COUNT(state_words), word);
	if (s < 0)
		return;
	e->state = (enum progress_state)s;
	e->when = when;
	p->n++;
}

/* The file into p, and the state of each lab by keep. */
static int load(struct progress *p, enum progress_keep keep, char *errbuf, size_t errlen)
{
	char dir[900], path[1000], line[256], why[128];
	FILE *f;

	memset(p, 0, sizeof(*p));
	p->keep = keep;
	if (state_dir(dir, sizeof(dir), 0, errbuf, errlen) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/progress", dir);
	f = fopen(path, "r");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		errbuf_set(errbuf, errlen, _("cannot read '%s': %s"), path,
		           errbuf_strerror(errno, why, sizeof(why)));
		return -1;
	}
	while (fgets(line, sizeof(line), f))
		if (line[0] != '#')
			parse_line(p, line);
	fclose(f);
	for (size_t i = 0; i < p->n; i++)
		p->lab[i].state = state_of(&p->lab[i], keep);
	return 0;
}

int progress_load(struct progress *p, char *errbuf, size_t errlen)
{
	enum progress_keep keep;

	if (progress_keep_load(NULL, &keep, errbuf, errlen) < 0) {
		memset(p, 0, sizeof(*p));
		return -1;
	}
	return load(p, keep, errbuf, errlen);
}

const struct progress_lab *progress_get(const struct progress *p, int lab)
{
	static const struct progress_lab none;

	for (size_t i = 0; i < p->n; i++)
		if (p->lab[i].lab == lab)
			return &p->lab[i];
	return &none;
}

const struct progress_attempt *progress_last(const struct progress_lab *l)
{
	return l->nattempt ? &l->attempt[l->nattempt - 1] : NULL;
}

void progress_summary(const struct progress_lab *l, char *buf, size_t len)
{
	const struct progress_attempt *last = progress_last(l);
	int n = 0;

	if (!len)
		return;
	buf[0] = '\0';
	if (l->max <= 0)
		return;
	if (last)
		n = snprintf(buf, len, _("last %g/%g, "), last->score, last->max);
	if (n < 0 || (size_t)n >= len)
		return;
	if (l->best_attempt > 0)
		snprintf(buf + n, len - (size_t)n, _("best %g/%g (attempt %d of %d)"), l->best, l->max,
		         l->best_attempt, l->attempts);
	else
		snprintf(buf + n, len - (size_t)n, _("best %g/%g"), l->best, l->max);
}

/* Write every entry to a temporary file in dir (the state folder, made), then rename it
 * over the old one. */
static int save(const struct progress *p, const char *dir, char *errbuf, size_t errlen)
{
	char path[1000], tmp[1100], why[128];
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "%s/progress", dir);
	snprintf(tmp, sizeof(tmp), "%s/.progress-XXXXXX", dir);
	fd = mkstemp(tmp);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		errbuf_set(errbuf, errlen, _("cannot write in '%s': %s"), dir,
		           errbuf_strerror(errno, why, sizeof(why)));
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		return -1;
	}
	fprintf(f, "# tcplab progress: lab state best max when best_attempt attempts\n"
	        "# attempt lab number score max verdict seed when\n");
	for (size_t i = 0; i < p->n; i++) {
		const struct progress_lab *l = &p->lab[i];

		fprintf(f, "%d %s %g %g %lld %d %d\n", l->lab, state_words[l->state], l->best, l->max,
		        (long long)l->when, l->best_attempt, l->attempts);
		for (size_t j = 0; j < l->nattempt; j++) {
			const struct progress_attempt *a = &l->attempt[j];

			fprintf(f, "attempt %d %d %g %g %s %llu %lld\n", l->lab, a->number, a->score,
			        a->max, verdict_words[a->verdict], (unsigned long long)a->seed,
			        (long long)a->when);
		}
	}
	if (fflush(f) || fsync(fileno(f)) || ferror(f)) {
		errbuf_set(errbuf, errlen, _("cannot write '%s': %s"), tmp,
		           errbuf_strerror(errno, why, sizeof(why)));
		fclose(f);
		unlink(tmp);
		return -1;
	}
	fclose(f);
	if (rename(tmp, path) < 0) {
		errbuf_set(errbuf, errlen, _("cannot replace '%s': %s"), path,
		           errbuf_strerror(errno, why, sizeof(why)));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/*
 * Load, let fn change the lab's entry, save. A tcplab.conf that cannot be read must not
 * cost the student their progress: the state is then written by the default policy, and
 * 'tcplab list' names the file's problem.
 */
static int update(int lab, void (*fn)(struct progress_lab *e, void *arg), void *arg,
                  char *errbuf, size_t errlen)
{
	struct progress *p = malloc(sizeof(*p));
	struct progress_lab *e;
	enum progress_keep keep;
	char ignored[256], dir[900], lock[1000];
	int rc = -1, lfd = -1;

	if (!p) {
		errbuf_set(errbuf, errlen, _("cannot keep progress: out of memory"));
		return -1;
	}
	/* Two grades at once (two terminals, a class graded with -j) each read, change and
	 * write the whole file: without the lock the second rename would drop the first's
	 * attempt. A lock that cannot be had is no reason to lose the attempt: go on. */
	if (state_dir(dir, sizeof(dir), 1, errbuf, errlen) < 0)
		goto out;
	snprintf(lock, sizeof(lock), "%s/.progress.lock", dir);
	lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lfd >= 0)
		while (flock(lfd, LOCK_EX) < 0 && errno == EINTR)
			;
	progress_keep_load(NULL, &keep, ignored, sizeof(ignored));
	if (load(p, keep, errbuf, errlen) < 0)
		goto out;
	e = find(p, lab);
	if (!e) {
		if (p->n == PROGRESS_MAX_LABS) {
			errbuf_set(errbuf, errlen, _("progress file holds %d labs already"),
			           PROGRESS_MAX_LABS);
			goto out;
		}
		e = &p->lab[p->n++];
		memset(e, 0, sizeof(*e));
		e->lab = lab;
	}
	fn(e, arg);
	e->when = (int64_t)time(NULL);
	e->state = state_of(e, keep);
	rc = save(p, dir, errbuf, errlen);
out:
	if (lfd >= 0)
		close(lfd);     /* and the lock with it */
	free(p);
	return rc;
}

static void mark_demo(struct progress_lab *e, void *arg)
{
	(void)arg;
	if (e->state == PROGRESS_NONE)
		e->state = PROGRESS_DEMO;
}

static void mark_attempt(struct progress_lab *e, void *arg)
{
	struct progress_attempt *a = arg;

	a->number = e->attempts + 1;
	a->when = (int64_t)time(NULL);
	add_attempt(e, a);
	/* Ties keep the earlier attempt: the first time the student got there. */
	if (e->max == 0 || (a->max > 0 && a->score / a->max > e->best / e->max)) {
		e->best = a->score;
		e->max = a->max;
		e->best_attempt = a->number;
	}
}

int progress_demo_ran(int lab, char *errbuf, size_t errlen)
{
	return update(lab, mark_demo, NULL, errbuf, errlen);
}

int progress_record(int lab, struct progress_attempt *a, char *errbuf, size_t errlen)
{
	return update(lab, mark_attempt, a, errbuf, errlen);
}

int progress_graded(struct grade_result *g, char *errbuf, size_t errlen)
{
	struct progress_attempt a = {
		.score = g->score,
		.max = g->outcome == GRADE_RAN ? g->max : 1,
		.seed = g->seed,
	};
	bool failed = g->outcome != GRADE_RAN, unsure = false;

	for (size_t i = 0; i < g->ncheck && !failed; i++) {
		if (g->check[i].max <= 0)
			continue;       /* tcplab's own capture check scores nothing */
		failed = g->check[i].verdict == EXPECT_FAIL;
		unsure |= g->check[i].verdict == EXPECT_INCONCLUSIVE;
	}
	a.verdict = grade_passed(g) ? PROGRESS_PASS :
	            !failed && unsure ? PROGRESS_INCONCLUSIVE : PROGRESS_FAIL;
	if (progress_record(g->lab, &a, errbuf, errlen) < 0)
		return -1;
	g->attempt = a.number;
	return 0;
}
