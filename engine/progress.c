/* summary: read and update the student's progress file (see progress.h). */
#include "engine/progress.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/errbuf.h"

static const char *const state_words[] = {
	[PROGRESS_NONE] = "none",
	[PROGRESS_DEMO] = "demo",
	[PROGRESS_TRIED] = "tried",
	[PROGRESS_PASSED] = "passed",
};

static const char *const state_text[] = {
	[PROGRESS_NONE] = "not started",
	[PROGRESS_DEMO] = "demo run",
	[PROGRESS_TRIED] = "exercise tried",
	[PROGRESS_PASSED] = "exercise passed",
};

const char *progress_state_str(enum progress_state s)
{
	return (size_t)s < sizeof(state_text) / sizeof(state_text[0]) ? state_text[s] : "?";
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
		errbuf_set(errbuf, errlen, "cannot keep progress: neither XDG_STATE_HOME nor HOME"
		           " is set");
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
				errbuf_set(errbuf, errlen, "cannot create '%s': %s", buf,
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

int progress_load(struct progress *p, char *errbuf, size_t errlen)
{
	char dir[900], path[1000], line[256], why[128];
	FILE *f;

	memset(p, 0, sizeof(*p));
	if (state_dir(dir, sizeof(dir), 0, errbuf, errlen) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/progress", dir);
	f = fopen(path, "r");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		errbuf_set(errbuf, errlen, "cannot read '%s': %s", path,
		           errbuf_strerror(errno, why, sizeof(why)));
		return -1;
	}
	while (fgets(line, sizeof(line), f) && p->n < PROGRESS_MAX_LABS) {
		struct progress_lab e = { 0 };
		char word[16];
		long long when;
		size_t s;

		if (sscanf(line, "%d %15s %lf %lf %lld", &e.lab, word, &e.best, &e.max, &when) != 5 ||
		    e.lab <= 0)
			continue;       /* a damaged line loses that lab's entry, not the file */
		for (s = 0; s < sizeof(state_words) / sizeof(state_words[0]); s++)
			if (!strcmp(word, state_words[s]))
				break;
		if (s == sizeof(state_words) / sizeof(state_words[0]))
			continue;
		e.state = (enum progress_state)s;
		e.when = when;
		p->lab[p->n++] = e;
	}
	fclose(f);
	return 0;
}

struct progress_lab progress_get(const struct progress *p, int lab)
{
	struct progress_lab none = { .lab = lab };

	for (size_t i = 0; i < p->n; i++)
		if (p->lab[i].lab == lab)
			return p->lab[i];
	return none;
}

/* Write every entry to a temporary file, then rename it over the old one. */
static int save(const struct progress *p, char *errbuf, size_t errlen)
{
	char dir[900], path[1000], tmp[1100], why[128];
	FILE *f;
	int fd;

	if (state_dir(dir, sizeof(dir), 1, errbuf, errlen) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/progress", dir);
	snprintf(tmp, sizeof(tmp), "%s/.progress-XXXXXX", dir);
	fd = mkstemp(tmp);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		errbuf_set(errbuf, errlen, "cannot write in '%s': %s", dir,
		           errbuf_strerror(errno, why, sizeof(why)));
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		return -1;
	}
	fprintf(f, "# tcplab progress: lab state best max when\n");
	for (size_t i = 0; i < p->n; i++)
		fprintf(f, "%d %s %g %g %lld\n", p->lab[i].lab, state_words[p->lab[i].state],
		        p->lab[i].best, p->lab[i].max, (long long)p->lab[i].when);
	if (fflush(f) || fsync(fileno(f)) || ferror(f)) {
		errbuf_set(errbuf, errlen, "cannot write '%s': %s", tmp,
		           errbuf_strerror(errno, why, sizeof(why)));
		fclose(f);
		unlink(tmp);
		return -1;
	}
	fclose(f);
	if (rename(tmp, path) < 0) {
		errbuf_set(errbuf, errlen, "cannot replace '%s': %s", path,
		           errbuf_strerror(errno, why, sizeof(why)));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* Load, let fn change the lab's entry, save. */
static int update(int lab, void (*fn)(struct progress_lab *e, double a, double b), double a,
                  double b, char *errbuf, size_t errlen)
{
	struct progress p;
	struct progress_lab *e = NULL;

	if (progress_load(&p, errbuf, errlen) < 0)
		return -1;
	for (size_t i = 0; i < p.n; i++)
		if (p.lab[i].lab == lab)
			e = &p.lab[i];
	if (!e) {
		if (p.n == PROGRESS_MAX_LABS) {
			errbuf_set(errbuf, errlen, "progress file holds %d labs already",
			           PROGRESS_MAX_LABS);
			return -1;
		}
		e = &p.lab[p.n++];
		memset(e, 0, sizeof(*e));
		e->lab = lab;
	}
	fn(e, a, b);
	e->when = (int64_t)time(NULL);
	return save(&p, errbuf, errlen);
}

static void mark_demo(struct progress_lab *e, double a, double b)
{
	(void)a;
	(void)b;
	if (e->state == PROGRESS_NONE)
		e->state = PROGRESS_DEMO;
}

static void mark_grade(struct progress_lab *e, double score, double max)
{
	if (e->max == 0 || score / max > e->best / e->max) {
		e->best = score;
		e->max = max;
	}
	if (max > 0 && score >= max)
		e->state = PROGRESS_PASSED;
	else if (e->state != PROGRESS_PASSED)
		e->state = PROGRESS_TRIED;
}

int progress_demo_ran(int lab, char *errbuf, size_t errlen)
{
	return update(lab, mark_demo, 0, 0, errbuf, errlen);
}

int progress_graded(int lab, double score, double max, char *errbuf, size_t errlen)
{
	return update(lab, mark_grade, score, max, errbuf, errlen);
}
