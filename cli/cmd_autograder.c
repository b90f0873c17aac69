/* summary: 'tcplab autograder gradescope|github N': a Gradescope autograder zip, or a GitHub Actions workflow, for lab N. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "engine/lab.h"
#include "engine/paths.h"
#include "util/errbuf.h"
#include "util/safefile.h"
#include "util/zipwrite.h"

static void usage(FILE *out)
{
	fprintf(out,
	        _("usage: tcplab autograder gradescope N [--output FILE.zip]\n"
	        "       tcplab autograder github N [--output DIR]\n"
	        "\n"
	        "Writes an autograder for lab N that Gradescope takes as it is (Configure\n"
	        "Autograder, Ubuntu base image, upload the zip). It holds:\n"
	        "  setup.sh        run once when Gradescope builds its image: installs make and\n"
	        "                  a C compiler with apt-get, then builds tcplab/ with its\n"
	        "                  Makefile, which installs libpcap, ncursesw, uidmap and g++\n"
	        "  run_autograder  run for each submission: tcplab grade N --src\n"
	        "                  /autograder/submission --format gradescope --output\n"
	        "                  /autograder/results/results.json; a submission uploaded as one\n"
	        "                  folder is graded in that folder; when tcplab cannot grade at\n"
	        "                  all (not built, no namespaces in the container) results.json\n"
	        "                  still says so, score 0, with tcplab's message\n"
	        "  README.md       for the instructor: uploading, what students see, testing\n"
	        "  tcplab/         this tree's sources: Makefile, VERSION, mk, util, capture,\n"
	        "                  engine, cli, tui, labs, po, docs and completion (no tests, no\n"
	        "                  solutions, no build output, no dot files or symbolic links)\n"
	        "The scripts take AUTOGRADER_ROOT (default /autograder) and TCPLAB (the program to\n"
	        "run) from the environment, to be tried outside Gradescope.\n"
	        "\n"
	        "  --output FILE   where the zip goes (default tcplab-labN-gradescope.zip); written\n"
	        "                  whole or not at all, never through a symbolic link\n"
	        "\n"
	        "github writes, for GitHub Classroom or any repository on GitHub, into DIR\n"
	        "(default tcplab-labN-github; made if missing, or a template repository's clone):\n"
	        "  .github/workflows/tcplab.yml  on every push, on ubuntu-latest: builds and\n"
	        "                  installs tcplab from .tcplab/, grades the repository's top-level\n"
	        "                  sources as root (tcplab grade N --src), and publishes a JUnit\n"
	        "                  check per lab check, a job summary in Markdown (the score,\n"
	        "                  each check, the reasons, the run's ladder), the reports as an\n"
	        "                  artifact, and the points to GitHub Classroom's autograding\n"
	        "                  reporter; the job fails unless every check passed\n"
	        "  .tcplab/        this tree's sources, as in the zip above\n"
	        "  the lab's exercise starters, where DIR has no file of that name\n"
	        "  --output DIR    the folder (default tcplab-labN-github)\n"
	        "Exit status: 0 when written, 1 when it could not be, 2 for a usage error.\n"));
}

/* What of the tree 'make all' and 'make install' need: the build, the man page, the
 * completion, the guides. */
static const char *const tree_parts[] = {
	"Makefile", "VERSION", "README.md", "mk", "util", "capture", "engine", "cli", "tui", "labs",
	"po", "docs", "completion",
	"tcplab.conf",          /* the instructor's settings (keep = best), when there is one */
};

#define FILE_MAX (16u << 20)    /* no source file of the tree comes near */

/* Where the files go: a zip (Gradescope) or a folder (GitHub). The tree goes under base. */
struct zipjob {
	struct zipwrite z;
	const char *dir;        /* the folder written into, or NULL for the zip */
	const char *base;       /* "tcplab" in the zip, ".tcplab" in a repository */
	const char *templates;  /* mk/gradescope or mk/github */
	char err[1024];
};

/* mkdir -p of name's folders under dir (dir itself exists). */
static int make_parents(struct zipjob *job, const char *path)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *q = buf + strlen(job->dir) + 1; (q = strchr(q, '/')); q++) {
		*q = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST) {
			errbuf_set(job->err, sizeof(job->err), _("cannot make the folder '%s': %s"), buf,
			           strerror(errno));
			return -1;
		}
		*q = '/';
	}
	return 0;
}

/* One file, into the zip or as DIR/name (whole or not at all, never through a link). */
static int emit(struct zipjob *job, const char *name, const char *buf, size_t len,
                int executable)
{
	char path[PATH_MAX];
	struct safefile sf;
	ssize_t n;

	if (!job->dir)
		return zipwrite_add(&job->z, name, buf, len, executable, job->err, sizeof(job->err));
	if (snprintf(path, sizeof(path), "%s/%s", job->dir, name) >= (int)sizeof(path)) {
		errbuf_set(job->err, sizeof(job->err), _("cannot write '%s/%s': path too long"),
		           job->dir, name);
		return -1;
	}
	if (make_parents(job, path) < 0 ||
	    safefile_open(&sf, path, job->err, sizeof(job->err)) < 0)
		return -1;
	for (size_t done = 0; done < len; done += (size_t)n) {
		n = write(sf.fd, buf + done, len - done);
		if (n <= 0) {
			errbuf_set(job->err, sizeof(job->err), _("cannot write '%s': %s"), path,
			           n < 0 ? strerror(errno) : "no space");
			close(sf.fd);
			safefile_abort(&sf);
			return -1;
		}
	}
	if ((executable && fchmod(sf.fd, 0755) < 0) ||
	    safefile_commit(&sf, job->err, sizeof(job->err)) < 0) {
		if (!job->err[0])
			errbuf_set(job->err, sizeof(job->err), _("cannot write '%s': %s"), path,
			           strerror(errno));
		close(sf.fd);
		safefile_abort(&sf);
		return -1;
	}
	close(sf.fd);
	return 0;
}

/* A whole file into memory: malloc'ed, or NULL with the reason in job->err. */
static char *slurp(const char *path, size_t *len, struct zipjob *job)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	struct stat st;

	if (!f) {
		errbuf_set(job->err, sizeof(job->err), _("cannot read '%s': %s"), path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) < 0 || st.st_size > FILE_MAX) {
		errbuf_set(job->err, sizeof(job->err), _("cannot read '%s': larger than 16 MiB"), path);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		errbuf_set(job->err, sizeof(job->err), _("cannot read '%s': out of memory"), path);
		goto out;
	}
	*len = fread(buf, 1, (size_t)st.st_size, f);
	if (ferror(f) || *len != (size_t)st.st_size) {
		errbuf_set(job->err, sizeof(job->err), _("cannot read '%s': it changed or failed while"
		         " read"), path);
		free(buf);
		buf = NULL;
		goto out;
	}
	buf[*len] = '\0';
out:
	fclose(f);
	return buf;
}

/* ROOT/rel out as BASE/rel, folders walked; dot names, links, build/ left out. */
static int add_tree(struct zipjob *job, const char *root, const char *rel, int depth)
{
	char path[PATH_MAX], name[PATH_MAX];
	struct stat st;
	int r = -1;

	if (snprintf(path, sizeof(path), "%s/%s", root, rel) >= (int)sizeof(path) ||
	    snprintf(name, sizeof(name), "%s/%s", job->base, rel) >= (int)sizeof(name)) {
		errbuf_set(job->err, sizeof(job->err), _("cannot add '%s/%s': path too long"), root, rel);
		return -1;
	}
	if (lstat(path, &st) < 0) {
		if (errno == ENOENT && depth == 0)
			return 0;       /* an optional part, such as tcplab.conf */
		errbuf_set(job->err, sizeof(job->err), _("cannot read '%s': %s"), path, strerror(errno));
		return -1;
	}
	if (S_ISREG(st.st_mode)) {
		size_t len;
		char *buf = slurp(path, &len, job);

		if (!buf)
			return -1;
		r = emit(job, name, buf, len, (st.st_mode & 0111) != 0);
		free(buf);
		return r;
	}
	if (!S_ISDIR(st.st_mode))
		return 0;       /* links, sockets, FIFOs: nothing the build needs */
	if (depth > 8) {
		errbuf_set(job->err, sizeof(job->err), _("cannot add '%s': folders nested too deep"), path);
		return -1;
	}
	{
		struct dirent **ents;
		int n = scandir(path, &ents, NULL, alphasort);    /* sorted: the same zip each time */

		if (n < 0) {
			errbuf_set(job->err, sizeof(job->err), _("cannot list '%s': %s"), path, strerror(errno));
			return -1;
		}
		r = 0;
		for (int i = 0; i < n; i++) {
			char sub[PATH_MAX];
			const char *d = ents[i]->d_name;

			if (!r && d[0] != '.' && strcmp(d, "build") != 0) {
				if (snprintf(sub, sizeof(sub), "%s/%s", rel, d) >= (int)sizeof(sub)) {
					errbuf_set(job->err, sizeof(job->err), _("cannot add '%s/%s': path too long"),
					         path, d);
					r = -1;
				} else {
					r = add_tree(job, root, sub, depth + 1);
				}
			}
			free(ents[i]);
		}
		free(ents);
	}
	return r;
}

/* A template of ROOT/mk/PLATFORM/ with @LAB@ and @TITLE@ filled in, out as name. */
static int add_template(struct zipjob *job, const char *root, const char *file,
                        const char *name, const struct lab *lab, int executable)
{
	char path[PATH_MAX], num[16];
	size_t len, cap, used = 0;
	char *tpl, *text;
	const char *p;
	int r;

	snprintf(path, sizeof(path), "%s/%s/%s", root, job->templates, file);
	tpl = slurp(path, &len, job);
	if (!tpl)
		return -1;
	snprintf(num, sizeof(num), "%d", lab->number);
	cap = len + 1;
	for (p = tpl; (p = strchr(p, '@')); p++)
		cap += strlen(lab->title) + sizeof(num);
	text = malloc(cap);
	if (!text) {
		free(tpl);
		errbuf_set(job->err, sizeof(job->err), _("cannot fill in '%s': out of memory"), path);
		return -1;
	}
	for (p = tpl; *p;) {
		const char *with = !strncmp(p, "@LAB@", 5) ? num : !strncmp(p, "@TITLE@", 7) ?
		                   lab->title : NULL;

		if (with) {
			memcpy(text + used, with, strlen(with));
			used += strlen(with);
			p += with == num ? 5 : 7;
		} else {
			text[used++] = *p++;
		}
	}
	r = emit(job, name, text, used, executable);
	free(text);
	free(tpl);
	return r;
}

static int write_gradescope(const struct paths *p, const struct lab *lab, FILE *out,
                            char *err, size_t errlen)
{
	struct zipjob job;
	int r = -1;

	zipwrite_init(&job.z, out);
	job.dir = NULL;
	job.base = "tcplab";
	job.templates = "mk/gradescope";
	job.err[0] = '\0';
	/* The two files Gradescope looks for at the zip's root, first. */
	if (add_template(&job, p->root, "setup.sh", "setup.sh", lab, 1) < 0 ||
	    add_template(&job, p->root, "run_autograder", "run_autograder", lab, 1) < 0 ||
	    add_template(&job, p->root, "README.md", "README.md", lab, 0) < 0)
		goto out;
	for (size_t i = 0; i < sizeof(tree_parts) / sizeof(tree_parts[0]); i++)
		if (add_tree(&job, p->root, tree_parts[i], 0) < 0)
			goto out;
	r = zipwrite_finish(&job.z, job.err, sizeof(job.err));
out:
	if (r < 0)
		snprintf(err, errlen, "%s", job.err);
	zipwrite_release(&job.z);
	return r;
}

/*
 * What both generators take: -o PATH (output is left NULL without it) and the lab's
 * number, from a source tree, since both ship tcplab's sources (what says how). 0, or the
 * exit status to return; *labs is the caller's to free once 0.
 */
static int generator_args(int argc, char **argv, const char *what, struct paths *p,
                          struct lab **labs, struct lab **lab, const char **output)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, status;

	*output = NULL;
	optind = 1;
	while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		if (c == 'o') {
			*output = optarg;
		} else if (c == 'h') {
			usage(stdout);
			return -1;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		usage(stderr);
		return 2;
	}
	status = cli_lab(argv[optind], p, labs, lab);
	if (status)
		return status;
	if (p->installed) {
		/* An install holds the labs, not the sources these ship. */
		fprintf(stderr, _("tcplab: %s, which an installed tcplab does not have: run it from a"
		        " source tree ('build/tcplab autograder ...', or set TCPLAB_ROOT to the"
		        " tree)\n"), what);
		free(*labs);
		return 1;
	}
	return 0;
}

static int make_gradescope(int argc, char **argv)
{
	struct paths p;
	struct lab *labs = NULL, *lab = NULL;
	struct safefile sf;
	const char *output = NULL;
	char outbuf[64], err[1024];
	FILE *out;
	int status;

	status = generator_args(argc, argv, "the autograder zip holds tcplab's sources", &p,
	                        &labs, &lab, &output);
	if (status)
		return status < 0 ? 0 : status;
	if (!output) {
		snprintf(outbuf, sizeof(outbuf), "tcplab-lab%d-gradescope.zip", lab->number);
		output = outbuf;
	}
	if (safefile_open(&sf, output, err, sizeof(err)) < 0) {
		fprintf(stderr, "tcplab: %s\n", err);
		free(labs);
		return 2;
	}
	out = fdopen(sf.fd, "wb");
	if (!out) {
		fprintf(stderr, _("tcplab: cannot write '%s': %s\n"), output, strerror(errno));
		close(sf.fd);
		safefile_abort(&sf);
		free(labs);
		return 1;
	}
	status = write_gradescope(&p, lab, out, err, sizeof(err));
	if (status == 0 && fflush(out) != 0) {
		snprintf(err, sizeof(err), _("cannot write '%s': %s"), output, strerror(errno));
		status = -1;
	}
	if (status == 0)
		status = safefile_commit(&sf, err, sizeof(err));
	else
		safefile_abort(&sf);
	fclose(out);
	if (status < 0) {
		fprintf(stderr, _("tcplab: cannot make the Gradescope autograder: %s\n"), err);
		free(labs);
		return 1;
	}
	printf(_("wrote '%s': the Gradescope autograder for lab %d (upload it under Configure"
	       " Autograder, Ubuntu base image; its README.md says what students see)\n"), output,
	       lab->number);
	free(labs);
	return 0;
}

/* The lab's exercise starters into DIR, each only where DIR has no file of its name: a
 * fresh folder becomes a whole template repository, an existing one keeps its own. */
static int add_starters(struct zipjob *job, const struct lab *lab)
{
	char path[PATH_MAX], name[PATH_MAX];
	struct dirent **ents;
	struct stat st;
	int n, r = 0;

	snprintf(path, sizeof(path), "%s/exercise", lab->dir);
	n = scandir(path, &ents, NULL, alphasort);
	if (n < 0)
		return 0;       /* a lab without a starter */
	for (int i = 0; i < n; i++) {
		const char *d = ents[i]->d_name;
		char src[PATH_MAX + 300];

		snprintf(src, sizeof(src), "%s/%s", path, d);
		snprintf(name, sizeof(name), "%s/%s", job->dir, d);
		if (!r && d[0] != '.' && lstat(src, &st) == 0 && S_ISREG(st.st_mode) &&
		    lstat(name, &st) < 0 && errno == ENOENT) {
			size_t len;
			char *buf = slurp(src, &len, job);

			r = buf ? emit(job, d, buf, len, 0) : -1;
			free(buf);
		}
		free(ents[i]);
	}
	free(ents);
	return r;
}

/*
 * DIR/.github/workflows/tcplab.yml, tcplab's sources in DIR/.tcplab/ (the workflow builds
 * and installs them: no network besides Ubuntu's packages), and the lab's starters.
 */
static int make_github(int argc, char **argv)
{
	struct paths p;
	struct lab *labs = NULL, *lab = NULL;
	struct zipjob job;
	const char *dir = NULL;
	char dirbuf[64];
	struct stat st;
	int status;

	status = generator_args(argc, argv, "the workflow installs tcplab from its sources", &p,
	                        &labs, &lab, &dir);
	if (status)
		return status < 0 ? 0 : status;
	if (!dir) {
		snprintf(dirbuf, sizeof(dirbuf), "tcplab-lab%d-github", lab->number);
		dir = dirbuf;
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, _("tcplab: cannot make the folder '%s': %s\n"), dir, strerror(errno));
		free(labs);
		return 1;
	}
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, _("tcplab: '%s' is not a folder (a symbolic link is refused: name the"
		        " folder itself)\n"), dir);
		free(labs);
		return 2;
	}
	job.dir = dir;
	job.base = ".tcplab";
	job.templates = "mk/github";
	job.err[0] = '\0';
	status = add_template(&job, p.root, "tcplab.yml", ".github/workflows/tcplab.yml", lab, 0);
	for (size_t i = 0; !status && i < sizeof(tree_parts) / sizeof(tree_parts[0]); i++)
		status = add_tree(&job, p.root, tree_parts[i], 0);
	if (!status)
		status = add_starters(&job, lab);
	if (status < 0) {
		fprintf(stderr, _("tcplab: cannot make the GitHub workflow: %s\n"), job.err);
		free(labs);
		return 1;
	}
	printf(_("wrote '%s/.github/workflows/tcplab.yml' and tcplab's sources in '%s/.tcplab':"
	       " commit both to the assignment's template repository (lab %d)\n"), dir, dir,
	       lab->number);
	free(labs);
	return 0;
}

/* One entry per platform. */
static const struct platform {
	const char *name;
	int (*make)(int argc, char **argv);
} platforms[] = {
	{ "gradescope", make_gradescope },
	{ "github", make_github },
};

int cmd_autograder(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (size_t i = 0; i < sizeof(platforms) / sizeof(platforms[0]); i++)
		if (!strcmp(argv[1], platforms[i].name))
			return platforms[i].make(argc - 1, argv + 1);
	fprintf(stderr, _("tcplab: '%s' is not an autograder platform (gradescope, github)\n"), argv[1]);
	return 2;
}
