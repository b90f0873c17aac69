/* summary: every hostile file in tests/malformed/ gives its exact message through pcapin, dissect, capfile, 'inspect' and 'check', in bounded time and memory. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "capture/capfile.h"
#include "capture/dissect.h"
#include "capture/expect.h"
#include "capture/pcapio.h"
#include "capture/pktindex.h"
#include "engine/lesson.h"
#include "tests/lib/tcplab_run.h"

/*
 * tests/malformed/MANIFEST says, for each file, what must come of it (its header explains
 * the outcomes). One parameterized test per file, each in its own Criterion process, so a
 * crash names the file, and its peak memory is its own. The sanitized pass of 'make test'
 * runs all of this, 'tcplab' included, under ASan and UBSan.
 *
 * The TUI's own reader (pktindex, over a mapping) must agree with pcapin on every file
 * pcapin reads, and fail (with a reason) where pcapin fails midway. It is more lenient
 * about file headers (it reads a pcap of version 3, and a pcapng section without
 * interfaces as empty), so on files pcapin refuses it only has to stay whole.
 */

#define CORPUS "tests/malformed"
#define SPEC "labs/01-handshake/client-first.expect"
/* Peak resident memory allowed for one file, for this process and for the tcplab it runs
 * (ASan's shadow included): a record claiming 4 GB must not be believed. */
#define MAX_RSS_KB (256 * 1024)
#define MAX_SECONDS 10.0

struct mcase {
	char file[96];
	char outcome[16];
	long n;
	char msg[400];
};

static void free_cases(struct criterion_test_params *crp)
{
	cr_free(crp->params);
}

static char *manifest_path(void)
{
	static char p[1024];
	snprintf(p, sizeof p, "%s/%s/MANIFEST", test_root(), CORPUS);
	return p;
}

/* Parse one manifest line; 0 on success, -1 for comments and blanks, -2 when malformed. */
static int parse_line(char *line, struct mcase *c)
{
	line[strcspn(line, "\n")] = '\0';
	if (line[0] == '#' || line[0] == '\0')
		return -1;
	char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
	if (!t1 || !t2)
		return -2;
	*t1 = *t2 = '\0';
	memset(c, 0, sizeof *c);
	if (sscanf(t1 + 1, "%15s %ld", c->outcome, &c->n) != 2)
		return -2;
	snprintf(c->file, sizeof c->file, "%s", line);
	snprintf(c->msg, sizeof c->msg, "%s", t2 + 1);
	return 0;
}

ParameterizedTestParameters(malformed, every_file)
{
	FILE *f = fopen(manifest_path(), "r");
	char line[1024];
	size_t n = 0;
	struct mcase *cases;

	if (!f) {
		/* No manifest: one case that fails with the reason, rather than no test at all. */
		cases = cr_malloc(sizeof *cases);
		memset(cases, 0, sizeof *cases);
		snprintf(cases->file, sizeof cases->file, "MANIFEST (cannot open)");
		return cr_make_param_array(struct mcase, cases, 1, free_cases);
	}
	while (fgets(line, sizeof line, f))
		n++;
	cases = cr_malloc((n ? n : 1) * sizeof *cases);
	rewind(f);
	n = 0;
	while (fgets(line, sizeof line, f)) {
		struct mcase c;
		int r = parse_line(line, &c);
		if (r == -1)
			continue;
		if (r == -2)
			snprintf(c.outcome, sizeof c.outcome, "bad-line");
		cases[n++] = c;
	}
	fclose(f);
	return cr_make_param_array(struct mcase, cases, n, free_cases);
}

/* MESSAGE with {} replaced by path. */
static void expand(char *out, size_t len, const char *msg, const char *path)
{
	const char *at = strstr(msg, "{}");
	if (at)
		snprintf(out, len, "%.*s%s%s", (int)(at - msg), msg, path, at + 2);
	else
		snprintf(out, len, "%s", msg);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* pcapin and dissect, one packet at a time: counts, and the first dissector message. */
static void check_reader(const struct mcase *c, const char *path, const char *want)
{
	char err[512] = "", why[256], first_why[256] = "";
	struct pcapin *in = pcapin_open(path, err, sizeof err);

	if (!strcmp(c->outcome, "open")) {
		cr_assert_null(in, "%s: opened, but it should be refused with \"%s\"", c->file, want);
		cr_assert_str_eq(err, want, "%s: wrong message", c->file);
		return;
	}
	cr_assert_not_null(in, "%s: refused (\"%s\")", c->file, err);
	int dlt = pcapin_dlt(in), r;
	long n = 0, ntcp = 0, nother = 0, nbad = 0;
	const uint8_t *pkt;
	size_t caplen, wirelen;
	uint64_t ts;

	while ((r = pcapin_next(in, &pkt, &caplen, &wirelen, &ts)) == 1) {
		struct tcp_segment seg = { .frame = (uint32_t)++n };
		cr_assert_leq(caplen, wirelen, "%s: frame %ld: caplen over wirelen", c->file, n);
		cr_assert_leq(caplen, 262144, "%s: frame %ld: caplen over 262144", c->file, n);
		int d = dissect_packet(dlt, pkt, caplen, &seg, why, sizeof why);
		if (d == DISSECT_TCP) {
			ntcp++;
		} else if (d == DISSECT_NOT_TCP) {
			nother++;
		} else {
			cr_assert_eq(d, DISSECT_MALFORMED);
			cr_assert_neq(why[0], '\0', "%s: frame %ld malformed without a reason", c->file, n);
			if (!nbad++)
				snprintf(first_why, sizeof first_why, "%s", why);
			else
				cr_assert_str_eq(why, first_why, "%s: frame %ld says otherwise", c->file, n);
		}
	}
	if (!strcmp(c->outcome, "read")) {
		cr_assert_eq(r, -1, "%s: read to its end, but it should fail with \"%s\"", c->file, want);
		cr_assert_str_eq(pcapin_error(in), want, "%s: wrong message", c->file);
		cr_assert_eq(n, c->n, "%s: %ld packets before the error, not %ld", c->file, n, c->n);
		cr_assert_eq(pcapin_next(in, &pkt, &caplen, &wirelen, &ts), -1, "the error sticks");
	} else {
		cr_assert_eq(r, 0, "%s: failed: %s", c->file, pcapin_error(in));
		cr_assert_str_eq(pcapin_error(in), "");
		cr_assert_eq(n, c->n, "%s: %ld packets, not %ld", c->file, n, c->n);
		if (!strcmp(c->outcome, "malformed")) {
			cr_assert_eq(nbad, n, "%s: %ld of %ld packets malformed", c->file, nbad, n);
			cr_assert_str_eq(first_why, want, "%s: wrong message", c->file);
		} else if (!strcmp(c->outcome, "tcp")) {
			cr_assert_eq(ntcp, n, "%s: %ld of %ld packets TCP (%s)", c->file, ntcp, n, first_why);
		} else {
			cr_assert_str_eq(c->outcome, "not-tcp", "%s: unknown outcome", c->file);
			cr_assert_eq(nother, n, "%s: %ld of %ld packets non-TCP (%s)", c->file, nother, n,
			             first_why);
		}
	}
	pcapin_free(in);
}

/* The path 'tcplab check' and the lab engine take. */
static void check_capfile(const struct mcase *c, const char *path, const char *want)
{
	struct capfile cf;
	char err[512] = "";
	int r = capfile_load(path, -1, 1000, &cf, err, sizeof err);

	if (!strcmp(c->outcome, "open")) {
		cr_assert_eq(r, -1);
		cr_assert_str_eq(err, want, "%s: capfile says otherwise", c->file);
	} else {
		cr_assert_eq(r, 0, "%s: %s", c->file, err);
		cr_assert_eq(cf.frames, (uint32_t)c->n, "%s: capfile read %u frames", c->file, cf.frames);
		cr_assert_str_eq(cf.read_error, !strcmp(c->outcome, "read") ? want : "");
		if (!strcmp(c->outcome, "malformed"))
			cr_assert_eq(cf.malformed, (uint64_t)c->n);
		if (!strcmp(c->outcome, "tcp"))
			cr_assert_geq(flow_count(cf.ft), 1);
		else if (strcmp(c->outcome, "read") != 0)
			cr_assert_eq(flow_count(cf.ft), 0, "%s: a connection out of no TCP", c->file);
	}
	capfile_release(&cf);
}

/* The TUI's mapped reader: same frames, same verdicts, and its re-decoding agrees. */
static void check_pktindex(const struct mcase *c, const char *path, const char *want)
{
	char err[512] = "";
	struct pktindex *ix = pktindex_open(path, err, sizeof err);
	int r;

	if (!ix) {
		cr_assert_neq(err[0], '\0', "%s: pktindex refused without a reason", c->file);
		cr_assert_str_eq(c->outcome, "open", "%s: pktindex refuses what pcapin reads: %s",
		                 c->file, err);
		return;
	}
	while ((r = pktindex_step(ix, 64, err, sizeof err)) == 1)
		;
	cr_assert_eq(r, 0, "%s: pktindex: %s", c->file, err);
	size_t n = pktindex_count(ix), nbad = 0;
	for (size_t i = 0; i < n; i++) {
		const struct pktindex_ent *e = pktindex_get(ix, i);
		struct flow_seg fs;
		char why[256] = "";
		int d = pktindex_segment(ix, i, &fs, why, sizeof why);
		if (e->malformed) {
			nbad++;
			cr_assert_lt(d, 0, "%s: frame %u indexed as malformed but decodes", c->file,
			             e->frame);
			if (!strcmp(c->outcome, "malformed"))
				cr_assert_str_eq(why, want, "%s: pktindex's reason", c->file);
		} else {
			cr_assert_eq(d, 0, "%s: frame %u indexed but does not decode: %s", c->file,
			             e->frame, why);
		}
	}
	if (!strcmp(c->outcome, "read")) {
		cr_assert_eq(pktindex_frames(ix), (uint32_t)c->n, "%s: pktindex read %u frames",
		             c->file, pktindex_frames(ix));
		cr_assert_neq(pktindex_error(ix)[0], '\0', "%s: pktindex saw no damage", c->file);
	} else if (strcmp(c->outcome, "open") != 0) {
		cr_assert_eq(pktindex_frames(ix), (uint32_t)c->n, "%s: pktindex read %u frames",
		             c->file, pktindex_frames(ix));
		cr_assert_str_eq(pktindex_error(ix), "", "%s: pktindex", c->file);
		bool none = !strcmp(c->outcome, "not-tcp");
		cr_assert_eq(n, none ? 0 : (size_t)c->n, "%s: pktindex indexed %zu", c->file, n);
		cr_assert_eq(nbad, !strcmp(c->outcome, "malformed") ? n : 0, "%s", c->file);
	}
	pktindex_free(ix);
}

static size_t count_lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void check_inspect(const struct mcase *c, const char *rel, const char *want)
{
	struct tcplab_result r;
	char exp[1024];
	const char *tsv[] = { "inspect", "--tsv", rel, NULL };
	const char *stats[] = { "inspect", "--stats", rel, NULL };
	bool fails = !strcmp(c->outcome, "open") || !strcmp(c->outcome, "read");

	tcplab_run(&r, stats);
	cr_assert_eq(r.status, fails ? 1 : 0, "%s: inspect --stats exited %d: %s", c->file,
	             r.status, r.err);
	if (fails) {
		snprintf(exp, sizeof exp, "tcplab: %s: %s\n", rel, want);
		cr_assert_str_eq(r.err, exp, "%s: inspect's message", c->file);
	} else {
		cr_assert_str_eq(r.err, "", "%s: inspect said %s", c->file, r.err);
	}
	if (strcmp(c->outcome, "open") != 0) {
		long tcp = !strcmp(c->outcome, "tcp") ? c->n : 0;
		long bad = !strcmp(c->outcome, "malformed") ? c->n : 0;
		long other = !strcmp(c->outcome, "not-tcp") ? c->n : 0;
		if (!fails) {
			snprintf(exp, sizeof exp, "total  %ld packets, %ld TCP segments, %ld non-TCP, "
			         "%ld malformed, %d connections\n", c->n, tcp, other, bad, tcp ? 1 : 0);
			cr_assert(strstr(r.out, exp), "%s: stats lack \"%s\":\n%s", c->file, exp, r.out);
		}
	}

	if (c->n > 1000)
		return;         /* the listing would pass what tcplab_run keeps; --stats counted it */
	tcplab_run(&r, tsv);
	cr_assert_eq(r.status, fails ? 1 : 0, "%s: inspect --tsv exited %d", c->file, r.status);
	if (!strcmp(c->outcome, "open")) {
		cr_assert_str_eq(r.out, "");
		return;
	}
	size_t lines = count_lines(r.out);
	if (!strcmp(c->outcome, "malformed")) {
		cr_assert_eq(lines, (size_t)c->n + 1, "%s: listing:\n%s", c->file, r.out);
		const char *p = strchr(r.out, '\n') + 1;
		for (long i = 0; i < c->n; i++) {
			const char *e = strchr(p, '\n');
			cr_assert(e - p > 10 && !strncmp(e - 10, "\tmalformed", 10),
			          "%s: line %ld is not marked malformed: %.*s", c->file, i + 2, (int)(e - p), p);
			p = e + 1;
		}
	} else if (!strcmp(c->outcome, "tcp")) {
		cr_assert_eq(lines, (size_t)c->n + 1, "%s: listing:\n%s", c->file, r.out);
		cr_assert_null(strstr(r.out, "malformed"), "%s: listing:\n%s", c->file, r.out);
	} else if (!strcmp(c->outcome, "not-tcp") || !strcmp(c->outcome, "read")) {
		cr_assert_leq(lines, (size_t)c->n + 1, "%s: listing:\n%s", c->file, r.out);
	}
}

static void check_check(const struct mcase *c, const char *rel, const char *want)
{
	struct tcplab_result r;
	char exp[1024], nocon[256];
	const char *args[] = { "check", rel, SPEC, NULL };

	tcplab_run(&r, args);
	snprintf(nocon, sizeof nocon, "tcplab: %s: no TCP connection in the capture\n", rel);
	if (!strcmp(c->outcome, "open")) {
		cr_assert_eq(r.status, 1, "%s: check exited %d", c->file, r.status);
		snprintf(exp, sizeof exp, "tcplab: %s\n", want);
		cr_assert_str_eq(r.err, exp, "%s: check's message", c->file);
	} else if (!strcmp(c->outcome, "read")) {
		cr_assert_eq(r.status, 1, "%s: check exited %d", c->file, r.status);
		snprintf(exp, sizeof exp, "tcplab: %s: %s (checking the %ld packets before it)\n", rel,
		         want, c->n);
		cr_assert(!strncmp(r.err, exp, strlen(exp)), "%s: check said:\n%s\nnot:\n%s", c->file,
		          r.err, exp);
	} else if (!strcmp(c->outcome, "tcp")) {
		/* One segment is not lab 1's exchange: the verdicts fail, but nothing breaks. */
		cr_assert(r.status == 0 || r.status == 1, "%s: check exited %d", c->file, r.status);
		cr_assert(!strncmp(r.out, "connection 0: ", 14), "%s: check printed:\n%s", c->file,
		          r.out);
		cr_assert_str_eq(r.err, "");
	} else {
		cr_assert_eq(r.status, 1, "%s: check exited %d", c->file, r.status);
		cr_assert_str_eq(r.err, nocon, "%s: check's message", c->file);
	}
}

static void check_text(const struct mcase *c, const char *path, const char *want)
{
	char err[512] = "";

	if (!strcmp(c->outcome, "spec")) {
		struct expect_spec *spec = NULL;
		cr_assert_lt(expect_load(path, &spec, err, sizeof err), 0, "%s: accepted", c->file);
		cr_assert_null(spec);
		cr_assert_str_eq(err, want, "%s: wrong message", c->file);
		return;
	}
	struct lesson l;
	int r = lesson_load(path, &l, err, sizeof err);
	if (!strcmp(c->outcome, "lesson")) {
		cr_assert_lt(r, 0, "%s: accepted", c->file);
		cr_assert_str_eq(err, want, "%s: wrong message", c->file);
	} else {
		cr_assert_str_eq(c->outcome, "lesson-ok", "%s: unknown outcome", c->file);
		cr_assert_eq(r, 0, "%s: refused: %s", c->file, err);
		cr_assert_eq(l.nstep, (size_t)c->n);
	}
	lesson_release(&l);
}

ParameterizedTest(struct mcase *c, malformed, every_file, .timeout = 60)
{
	char path[1024], rel[256], want[1024], want_rel[1024];
	struct rusage ru;

	cr_assert_str_neq(c->outcome, "", "%s", c->file);
	cr_assert_str_neq(c->outcome, "bad-line", "MANIFEST: line for '%s' is not FILE<TAB>OUTCOME N<TAB>MESSAGE",
	                  c->file);
	snprintf(rel, sizeof rel, "%s/%s", CORPUS, c->file);
	snprintf(path, sizeof path, "%s/%s", test_root(), rel);
	expand(want, sizeof want, c->msg, path);
	expand(want_rel, sizeof want_rel, c->msg, rel);

	double t0 = now();
	if (!strcmp(c->outcome, "spec") || !strncmp(c->outcome, "lesson", 6)) {
		check_text(c, path, want);
	} else {
		check_reader(c, path, want);
		check_capfile(c, path, want);
		check_pktindex(c, path, want);
	}
	double t = now() - t0;
	cr_assert_lt(t, MAX_SECONDS, "%s: took %.1f s in-process", c->file, t);
	getrusage(RUSAGE_SELF, &ru);
	cr_assert_lt(ru.ru_maxrss, MAX_RSS_KB, "%s: %ld KiB resident", c->file, ru.ru_maxrss);

	if (!strcmp(c->outcome, "spec") || !strncmp(c->outcome, "lesson", 6))
		return;
	t0 = now();
	check_inspect(c, rel, want_rel);
	check_check(c, rel, want_rel);
	t = now() - t0;
	cr_assert_lt(t, 4 * MAX_SECONDS, "%s: tcplab took %.1f s", c->file, t);
	getrusage(RUSAGE_CHILDREN, &ru);
	cr_assert_lt(ru.ru_maxrss, MAX_RSS_KB, "%s: tcplab used %ld KiB resident", c->file,
	             ru.ru_maxrss);
}

/* Every corpus file is specified, and every specified file exists: none escapes the test. */
Test(malformed, manifest_and_directory_agree)
{
	char dirpath[1024], line[1024];
	snprintf(dirpath, sizeof dirpath, "%s/%s", test_root(), CORPUS);
	FILE *f = fopen(manifest_path(), "r");
	cr_assert_not_null(f, "cannot open %s", manifest_path());
	char *listed = calloc(1, 1);
	size_t listed_len = 0, nlisted = 0;
	while (fgets(line, sizeof line, f)) {
		struct mcase c;
		if (parse_line(line, &c) != 0)
			continue;
		char p[1200];
		snprintf(p, sizeof p, "%s/%s", dirpath, c.file);
		FILE *g = fopen(p, "rb");
		cr_assert_not_null(g, "MANIFEST lists '%s', which is not in %s", c.file, CORPUS);
		fclose(g);
		size_t k = strlen(c.file);
		listed = realloc(listed, listed_len + k + 3);
		cr_assert_not_null(listed);
		listed[listed_len] = '/';
		memcpy(listed + listed_len + 1, c.file, k);
		listed_len += k + 1;
		listed[listed_len++] = '/';
		listed[listed_len] = '\0';
		nlisted++;
	}
	fclose(f);
	cr_assert_geq(nlisted, 60, "the corpus shrank to %zu files", nlisted);

	DIR *d = opendir(dirpath);
	cr_assert_not_null(d);
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || !strcmp(e->d_name, "MANIFEST") ||
		    !strcmp(e->d_name, "make-corpus.py"))
			continue;
		char key[300];
		snprintf(key, sizeof key, "/%s/", e->d_name);
		cr_assert(strstr(listed, key), "%s/%s is not in MANIFEST: say what it must produce",
		          CORPUS, e->d_name);
	}
	closedir(d);
	free(listed);
}
