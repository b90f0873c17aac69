/* summary: hostile submissions are graded with a verdict that names what they did, in bounded time, and leave nothing behind. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/lib/isorun.h"
#include "tests/lib/privdrop.h"
#include "tests/lib/tcplab_run.h"

/* A variable every grade here runs under: no report may show it (the jail's environment
 * is an allowlist). */
#define SECRET_ENV "TCPLAB_HOSTILE_TOKEN"
#define SECRET_VALUE "ghp_tcplabHostileToken0123456789"

/*
 * Each tests/hostile/NAME/echo_client.c is graded as lab 1's client. want: what the
 * report must say (every '|'-separated part); lab 1's exercise runs 3 scenarios, each with
 * a 5 s deadline and about 2 s to set up its namespaces, so every grade must end well
 * within max_s (3 x 7 s and a margin) however the program behaves. A program that hangs or
 * never connects uses each scenario's whole deadline: the grade cannot stop early yet.
 */
#define MAX_S 25
struct hostile {
	char name[32];
	char want[400];
	double max_s;
	char want_user[400];    /* as a normal user, where it differs */
};

static struct hostile *hostile_cases(size_t *n)
{
	static struct hostile cases[] = {
		{ "cpu-loop", "FAIL         the programs ran to completion|was still running at the"
		  " run's deadline and was killed; it had used|(an endless loop?)", MAX_S, "" },
		{ "fork-bomb", "could not fork: it had reached its process limit", MAX_S, "" },
		{ "memory-hog", "ran out of memory (its limit is 512 MiB", MAX_S, "" },
		{ "output-flood", "the client printed more than 1 MiB and was killed", MAX_S, "" },
		{ "never-connects", "was still running at the run's deadline|(was it waiting for"
		  " something that never came?)", MAX_S, "" },
		{ "recv-forever", "was still running at the run's deadline|(was it waiting for"
		  " something that never came?)", MAX_S, "" },
		{ "escape-network", "10.0.0.1: Network is unreachable; 8.8.8.8: Network is"
		  " unreachable", MAX_S, "" },
		{ "write-outside", "/pwned: Read-only file system; /usr/pwned: Read-only file system;"
		  " /etc/pwned: Read-only file system; /tmp/pwned: WRITTEN; in-cwd: WRITTEN", MAX_S, "" },
		{ "closes-stdout", "the client printed nothing", MAX_S, "" },
		{ "segfault", "the client was killed by signal 11 (Segmentation fault)", MAX_S, "" },
		{ "paints-the-screen", "\\e[2J\\e[H\\e[32mscore: 10/10 - every check passed"
		  "\\e[0m\\xc2\\x9b1A\\x07", MAX_S, "" },
		{ "ignores-sigterm", "was still running at the run's deadline and was killed", MAX_S, "" },
		{ "snoop", "uid 2147483000 caps 0000000000000000; solution No such file or directory;"
		  " expect No such file or directory; lab-client No such file or directory", MAX_S,
		  /* the last of the 65536 ids tcplab maps from the subordinate range */
		  "uid 65536 caps 0000000000000000; solution No such file or directory;"
		  " expect No such file or directory; lab-client No such file or directory" },
		{ "env-snoop", "hostile: env-snoop: tokens: 0 found; rest: PATH=/usr/bin:/bin;"
		  " HOME=/work; TMPDIR=/tmp; TERM=dumb; MALLOC_ARENA_MAX=2;", MAX_S, "" },
		{ "look-around", "host tcplab; /run absent; /root absent; /home absent; /var absent;"
		  " /sys absent; /etc/shadow absent;", MAX_S, "" },
		/* 256 MiB is above the namespace's shmmax: not one segment is made. */
		{ "ipc-hog", "hostile: ipc-hog: shm 0 of 8; mq made", MAX_S, "" },
		{ "disk-fill", "hostile: disk-fill: stopped within 64 MiB (No space left on device)",
		  MAX_S, "" },
		{ "memfd-hog", "hostile: memfd-hog: stopped at 0 MiB (Function not implemented)",
		  MAX_S, "" },
		{ "shm-hog", "hostile: shm-hog: held 16 MiB (No space left on device)", MAX_S, "" },
		{ "many-processes-memory", "hostile: many-processes-memory: held to 640 MiB together",
		  MAX_S, "" },
		{ "include-dev-zero", "build failed|cc1: out of memory|tcplab: the compiler ran out"
		  " of memory (its limit is 1024 MiB)", 30, "" },
	};

	*n = sizeof(cases) / sizeof(cases[0]);
	return cases;
}

ParameterizedTestParameters(hostile, each_is_graded_with_a_clear_verdict_and_leaves_nothing)
{
	size_t n;
	struct hostile *cases = hostile_cases(&n);

	return cr_make_param_array(struct hostile, cases, n);
}

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

/* A submission folder outside /tmp (isorun gives tcplab a /tmp of its own), readable by
 * the normal user some grades run as. */
static void sub_make(char *dir, size_t len)
{
	snprintf(dir, len, "/var/tmp/tcplab-hostile-XXXXXX");
	cr_assert_not_null(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
	cr_assert_eq(chmod(dir, 0755), 0);
}

static const char *who(enum isorun_as as)
{
	return as == ISORUN_USER ? "as nobody" : "as root";
}

static void sub_write(const char *dir, const char *name, const char *text, mode_t mode)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
	cr_assert_eq(chmod(path, mode), 0);
}

static void sub_copy(const char *dir, const char *name, const char *from)
{
	char *text = test_slurp(from);

	cr_assert_not_null(text, "cannot read '%s'", from);
	sub_write(dir, name, text, 0644);
	free(text);
}

static void sub_remove(const char *dir)
{
	nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Grades src as lab 1 with the secret in tcplab's environment; the exit status. */
static int grade_src(struct isorun *r, const char *src, enum isorun_as as)
{
	cr_assert_eq(setenv(SECRET_ENV, SECRET_VALUE, 1), 0);
	isorun_start_as(r, (const char *[]){ "grade", "1", "--src", src, NULL }, as);
	return isorun_finish(r);
}

/* Every '|'-separated part of want is in the report, forbid (if any) is not. */
static void expect_report(const struct isorun *r, const char *what, const char *want,
                          const char *forbid)
{
	char buf[600], *part, *save;

	snprintf(buf, sizeof(buf), "%s", want);
	for (part = strtok_r(buf, "|", &save); part; part = strtok_r(NULL, "|", &save))
		cr_expect(strstr(r->buf, part), "%s: the report does not say '%s':\n%s", what, part,
		          r->buf);
	cr_expect_null(strstr(r->buf, SECRET_VALUE), "%s: the report shows tcplab's"
	               " environment:\n%s", what, r->buf);
	if (forbid)
		cr_expect_null(strstr(r->buf, forbid), "%s: the report shows '%s':\n%s", what,
		               forbid, r->buf);
}

/*
 * Grades one case as root or as a normal user (isorun.h: nobody with a subordinate range).
 * The verdicts are the same; only the uid the program runs as differs, which snoop shows.
 */
static void grade_hostile(const struct hostile *h, enum isorun_as as)
{
	char src[700], want[400], *part, *save, tmp[64] = "";
	struct isorun r;
	double t0, took;
	int status;

	/* The grade compiles a copy of the submission's own files: hostile.h goes next to
	 * echo_client.c, and snoop, which gets none of tcplab's environment, is told where
	 * the tree is. */
	sub_make(tmp, sizeof(tmp));
	snprintf(src, sizeof(src), "%s/tests/hostile/%s/echo_client.c", test_root(), h->name);
	sub_copy(tmp, "echo_client.c", src);
	snprintf(src, sizeof(src), "%s/tests/hostile/hostile.h", test_root());
	sub_copy(tmp, "hostile.h", src);
	if (!strcmp(h->name, "snoop")) {
		char paths[2200];

		snprintf(paths, sizeof(paths), "#define SNOOP_ROOT \"%s\"\n#define SNOOP_BUILD \"%s\"\n",
		         test_root(), test_build());
		sub_write(tmp, "snoop_paths.h", paths, 0644);
	}
	snprintf(src, sizeof(src), "%s", tmp);
	t0 = now_s();
	status = grade_src(&r, src, as);
	took = now_s() - t0;
	sub_remove(tmp);
	cr_expect_eq(status, 1, "%s: exit %d (a failed grade is 1)\n%s", h->name, status, r.buf);
	cr_expect_null(strstr(r.buf, SECRET_VALUE), "%s: the report shows tcplab's environment:"
	               "\n%s", h->name, r.buf);
	cr_expect(strstr(r.buf, "grading lab 1"), "%s: no report\n%s", h->name, r.buf);
	snprintf(want, sizeof(want), "%s", as == ISORUN_USER && h->want_user[0] ? h->want_user :
	         h->want);
	/* Where no cgroup could be had (a user without a delegated one), only per-process limits
	 * hold: several processes together may pass the whole program's cap, and the report
	 * must say that only rlimits applied. */
	if (!strcmp(h->name, "many-processes-memory") && strstr(r.buf, "(rlimits only: "))
		snprintf(want, sizeof(want), "many-processes-memory: the children held |"
		         "limits: memory 512 MiB per process and 64 processes (rlimits only: ");
	for (part = strtok_r(want, "|", &save); part; part = strtok_r(NULL, "|", &save))
		cr_expect(strstr(r.buf, part), "%s%s: the report does not say '%s':\n%s", h->name,
		          as == ISORUN_USER ? " (as nobody)" : "", part, r.buf);
	/* Whatever a submission prints, the report cannot drive the terminal it is shown on. */
	cr_expect_null(strchr(r.buf, '\x1b'), "%s: a raw ESC in the report:\n%s", h->name, r.buf);
	cr_expect_lt(took, h->max_s, "%s: grading took %.1f s", h->name, took);
	cr_log_info("%s: %.1f s", h->name, took);
	isorun_assert_clean(&r, 2000);
	if (!strcmp(h->name, "ipc-hog")) {
		/* Created in the program's IPC namespace, they died with it; in ours (the host's,
		 * where they would persist without one) nothing was made. */
		for (int i = 0; i < 8; i++)
			cr_expect(shmget(0x7c1ab000 + i, 0, 0) < 0 && errno == ENOENT,
			          "SysV shared memory 0x%x outlived the grade", 0x7c1ab000 + i);
		cr_expect(mq_open("/tcplab-hostile-mq", O_RDONLY) == (mqd_t)-1 && errno == ENOENT,
		          "the POSIX message queue outlived the grade");
	}
	if (!strcmp(h->name, "write-outside")) {
		char home[600];

		snprintf(home, sizeof(home), "%s/tcplab-hostile-pwned", getenv("HOME") ? getenv("HOME") :
		         "/root");
		cr_expect_neq(access(home, F_OK), 0, "the program wrote '%s'", home);
		snprintf(home, sizeof(home), "%s/tcplab-hostile-pwned", test_root());
		cr_expect_neq(access(home, F_OK), 0, "the program wrote '%s'", home);
	}
	isorun_release(&r);
}

ParameterizedTest(struct hostile *h, hostile, each_is_graded_with_a_clear_verdict_and_leaves_nothing,
                  .timeout = 60)
{
	grade_hostile(h, ISORUN_ROOT);
}

/* The same cases, graded by a normal user with a subordinate uid range: the sandbox a
 * non-root instructor gets must hold exactly as root's does. */
ParameterizedTestParameters(hostile, as_a_normal_user_each_is_graded_the_same_and_leaves_nothing)
{
	size_t n;
	struct hostile *cases = hostile_cases(&n);

	return cr_make_param_array(struct hostile, cases, n);
}

ParameterizedTest(struct hostile *h, hostile,
                  as_a_normal_user_each_is_graded_the_same_and_leaves_nothing, .timeout = 60)
{
	grade_hostile(h, ISORUN_USER);
}

/* The namespace check is only worth something if it sees a namespace while it lives. */
Test(hostile, the_namespace_scan_sees_a_live_namespace, .timeout = 10)
{
	char self[64];
	unsigned long ino;
	ssize_t n = readlink("/proc/self/ns/net", self, sizeof(self) - 1);

	if (geteuid() != 0)
		cr_skip_test("needs root to see every process's namespaces");
	cr_assert_gt(n, 0);
	self[n] = '\0';
	cr_assert_eq(sscanf(self, "net:[%lu]", &ino), 1);
	cr_expect(isorun_netns_in_use(ino));
}

/* A file only the grading user may read (root, or nobody: an instructor's own key), with a
 * content no report may show. */
static void plant_secret(char *dir, size_t dirlen, char *path, size_t len, enum isorun_as as)
{
	sub_make(dir, dirlen);
	cr_assert_eq(chmod(dir, 0700), 0);
	sub_write(dir, "secret", "tcplab_secret_3f9a2c_do_not_print\n", 0600);
	snprintf(path, len, "%s/secret", dir);
	if (as == ISORUN_USER)
		cr_assert(chown(dir, 65534, 65534) == 0 && chown(path, 65534, 65534) == 0);
}

/*
 * The compiler reads what the submission names: an absolute #include, an .incbin, the
 * reference solution (by its path, or climbing out of the include folder the jail shows). It runs in the jail (an allowlisted root, as an unprivileged uid),
 * where none of those exist: the build fails with the compiler's "not found" and the report
 * holds none of their text.
 */
struct reach {
	char name[32];
	char text[200];         /* the submission, with %s for the path it reaches */
	char want[120];
	enum isorun_as as;
};

ParameterizedTestParameters(hostile, the_compiler_cannot_read_what_the_grader_can)
{
	static struct reach cases[] = {
		{ "include-secret", "#include \"%s\"\nint main(void) { return 0; }\n",
		  "build failed|No such file or directory", ISORUN_ROOT },
		{ "incbin-secret", "__asm__(\".incbin \\\"%s\\\"\");\nint main(void) { return 0; }\n",
		  "build failed|file not found", ISORUN_ROOT },
		{ "include-shadow", "#include \"/etc/shadow\"\nint main(void) { return 0; }\n"
		  "/* %s */\n", "build failed|/etc/shadow: No such file or directory",
		  ISORUN_ROOT },
		{ "include-solution", "#include \"%s\"\n", "build failed|No such file or directory",
		  ISORUN_ROOT },
		/* The Winsock bridge is the one folder of the tree in the jail (labs/include at
		 * /tcplab/include): climbing out of it reaches nothing of the tree. */
		{ "include-solution-via-bridge", "#include \"/tcplab/include/../../solutions/"
		  "01-handshake/echo_client.c\"\n/* %s */\n", "build failed|No such file or directory",
		  ISORUN_ROOT },
	};
	enum { N = sizeof(cases) / sizeof(cases[0]) };
	static struct reach both[2 * N];

	/* Each as root, then each as a normal user. */
	for (size_t i = 0; i < 2 * N; i++) {
		both[i] = cases[i % N];
		both[i].as = i < N ? ISORUN_ROOT : ISORUN_USER;
	}
	return cr_make_param_array(struct reach, both, 2 * N);
}

ParameterizedTest(struct reach *c, hostile, the_compiler_cannot_read_what_the_grader_can,
                  .timeout = 60)
{
	char secdir[64], secret[128], sub[64], target[800], text[1200];
	struct isorun r;
	int status;

	plant_secret(secdir, sizeof(secdir), secret, sizeof(secret), c->as);
	if (!strncmp(c->name, "include-solution", 16))
		snprintf(target, sizeof(target), "%s/solutions/01-handshake/echo_client.c",
		         test_root());
	else
		snprintf(target, sizeof(target), "%s", secret);
	/* The grading user can read it (root, or nobody its owner; the tree is readable by all). */
	cr_assert_eq(access(target, R_OK), 0, "the grader itself must be able to read '%s'",
	             target);
	sub_make(sub, sizeof(sub));
	{
		/* c->text's "%s" replaced by hand: a format from data is a warning here. */
		const char *at = strstr(c->text, "%s");

		cr_assert_not_null(at);
		snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - c->text), c->text, target, at + 2);
	}
	sub_write(sub, "echo_client.c", text, 0644);
	status = grade_src(&r, sub, c->as);
	sub_remove(sub);
	sub_remove(secdir);
	cr_expect_eq(status, 1, "%s %s: exit %d\n%s", c->name, who(c->as), status, r.buf);
	expect_report(&r, c->name, c->want, "tcplab_secret_3f9a2c");
	/* The solution's own words, had the compiler quoted it. */
	expect_report(&r, c->name, "grading lab 1", "Lab 1 reference solution");
	isorun_assert_clean(&r, 2000);
	isorun_release(&r);
}

/* The tests below run twice: as root, then as a normal user with a subordinate range. */
static const enum isorun_as both_users[] = { ISORUN_ROOT, ISORUN_USER };

Test(hostile, a_symlinked_source_is_refused_by_name, .timeout = 120)
{
	for (size_t u = 0; u < 2; u++) {
		char secdir[64], secret[128], sub[64], link[128];
		struct isorun r;
		int status;

		plant_secret(secdir, sizeof(secdir), secret, sizeof(secret), both_users[u]);
		sub_make(sub, sizeof(sub));
		snprintf(link, sizeof(link), "%s/echo_client.c", sub);
		cr_assert_eq(symlink(secret, link), 0);
		status = grade_src(&r, sub, both_users[u]);
		sub_remove(sub);
		sub_remove(secdir);
		cr_expect_eq(status, 1, "%s: exit %d\n%s", who(both_users[u]), status, r.buf);
		expect_report(&r, who(both_users[u]), "build failed|tcplab: 'echo_client.c' is a"
		              " symlink: submit the file itself", "tcplab_secret_3f9a2c");
		isorun_assert_clean(&r, 2000);
		isorun_release(&r);
	}
}

/* '#include "/dev/stdin"' reads the compiler's stdin, which is /dev/null, never the
 * grader's: what waits on tcplab's stdin is still there afterwards. */
static void stdin_stays_unread(enum isorun_as as)
{
	static const char marker[] = "tcplab-stdin-marker-7d1e";
	char src[700], got[64] = "";
	struct isorun r;
	int p[2], saved, status;
	ssize_t n;

	cr_assert_eq(pipe(p), 0);
	cr_assert_eq(write(p[1], marker, sizeof(marker) - 1), (ssize_t)sizeof(marker) - 1);
	saved = dup(0);
	cr_assert_eq(dup2(p[0], 0), 0);
	snprintf(src, sizeof(src), "%s/tests/hostile/include-dev-stdin", test_root());
	status = grade_src(&r, src, as);
	cr_assert_eq(dup2(saved, 0), 0);
	close(saved);
	close(p[1]);
	n = read(p[0], got, sizeof(got) - 1);
	close(p[0]);
	cr_expect_eq(status, 1, "%s: exit %d\n%s", who(as), status, r.buf);
	expect_report(&r, "dev-stdin", "grading lab 1|the client exited with status 1", marker);
	cr_expect_eq(n, (ssize_t)sizeof(marker) - 1, "%s: the grader's stdin was read: %zd bytes"
	             " left", who(as), n);
	isorun_assert_clean(&r, 2000);
	isorun_release(&r);
}

Test(hostile, the_compiler_does_not_read_the_graders_stdin, .timeout = 120)
{
	stdin_stays_unread(ISORUN_ROOT);
	stdin_stays_unread(ISORUN_USER);
}

Test(hostile, a_cxx_submission_passes_lab_1, .timeout = 60)
{
	char src[700];
	struct isorun r;
	int status;

	snprintf(src, sizeof(src), "%s/tests/hostile/cxx-client", test_root());
	status = grade_src(&r, src, ISORUN_ROOT);
	cr_expect_eq(status, 0, "exit %d\n%s", status, r.buf);
	expect_report(&r, "c++", "every check passed", NULL);
	isorun_assert_clean(&r, 2000);
	isorun_release(&r);
}

Test(hostile, the_starter_next_to_the_students_file_is_named, .timeout = 60)
{
	char sub[64], from[800];
	struct isorun r;
	int status;

	sub_make(sub, sizeof(sub));
	snprintf(from, sizeof(from), "%s/labs/01-handshake/exercise/echo_client.c", test_root());
	sub_copy(sub, "echo_client.c", from);
	snprintf(from, sizeof(from), "%s/solutions/01-handshake/echo_client.c", test_root());
	sub_copy(sub, "my_client.c", from);
	status = grade_src(&r, sub, ISORUN_ROOT);
	sub_remove(sub);
	cr_expect_eq(status, 1, "exit %d\n%s", status, r.buf);
	expect_report(&r, "two mains", "build failed|tcplab: two files define main():"
	              " echo_client.c and my_client.c; remove the starter", NULL);
	isorun_assert_clean(&r, 2000);
	isorun_release(&r);
}

/* Does /etc/subuid grant nobody (65534) a range? Then the refusal cannot be seen here. */
static bool nobody_has_subuids(void)
{
	FILE *f = fopen("/etc/subuid", "r");
	char line[256];
	bool yes = false;

	while (f && !yes && fgets(line, sizeof(line), f))
		yes = !strncmp(line, "nobody:", 7) || !strncmp(line, "65534:", 6);
	if (f)
		fclose(f);
	return yes;
}

/* tcplab grade 1 as nobody, with the solution (or src); the exit status, output in res. */
static int grade_as_nobody(const char *src, bool allow_same_uid, struct privdrop_result *res)
{
	char prog[700], build[700], root[700], state[64], xdg[100], why[256];
	int rc;

	snprintf(prog, sizeof(prog), "%s/tcplab", test_build());
	snprintf(build, sizeof(build), "TCPLAB_BUILD=%s", test_build());
	snprintf(root, sizeof(root), "TCPLAB_ROOT=%s", test_root());
	snprintf(state, sizeof(state), "/var/tmp/tcplab-state-XXXXXX");
	cr_assert_not_null(mkdtemp(state));
	cr_assert_eq(chmod(state, 0777), 0);
	snprintf(xdg, sizeof(xdg), "XDG_STATE_HOME=%s", state);
	rc = privdrop_run((const char *[]){ prog, "grade", "1", "--src", src,
	                                    allow_same_uid ? "--allow-same-uid" : NULL, NULL },
	                  (const char *[]){ build, root, xdg, "PATH=/usr/bin:/bin", NULL }, 45000,
	                  res, why, sizeof(why));
	sub_remove(state);
	if (rc < 0)
		cr_skip_test("cannot run as nobody here: %s", why);
	if (!strstr(res->output, "grading lab 1") && !strstr(res->output, "cannot grade as"))
		cr_skip_test("nobody cannot grade from this tree here:\n%s", res->output);
	cr_expect(!res->timed_out);
	return WIFEXITED(res->status) ? WEXITSTATUS(res->status) : 128;
}

/* Not root and no subordinate uid: the submission would run as the grader's own user.
 * 'tcplab grade' refuses and says exactly what to add, unless --allow-same-uid. */
Test(hostile, a_user_without_subordinate_uids_is_refused_unless_allow_same_uid, .timeout = 90)
{
	char src[700];
	struct privdrop_result res;
	int status;

	if (geteuid() != 0)
		cr_skip_test("dropping to nobody needs root");
	if (nobody_has_subuids())
		cr_skip_test("/etc/subuid grants nobody a range here: nothing to refuse");
	snprintf(src, sizeof(src), "%s/solutions/01-handshake", test_root());
	status = grade_as_nobody(src, false, &res);
	cr_expect_eq(status, 1, "status %d\n%s", status, res.output);
	cr_expect(strstr(res.output, "tcplab: cannot grade as 'nobody' with a uid of its own"),
	          "%s", res.output);
	cr_expect(strstr(res.output, "add the line 'nobody:100000:65536' to both /etc/subuid and"
	                 " /etc/subgid"), "%s", res.output);
	cr_expect(strstr(res.output, "--allow-same-uid"), "%s", res.output);
	cr_expect_null(strstr(res.output, "grading lab 1"), "it graded anyway:\n%s", res.output);
	free(res.output);
	status = grade_as_nobody(src, true, &res);
	cr_expect_eq(status, 0, "status %d\n%s", status, res.output);
	cr_expect(strstr(res.output, "every check passed"), "%s", res.output);
	free(res.output);
}

/*
 * Evidence a program cannot forge holds for a normal user's grade too: the corpus's
 * forged trace lines and driver announcements, raw syscall()s and hard-coded output get,
 * as nobody, the verdict and the failing checks their corpus expect file names (which
 * tests/test_grade.c checks as root).
 */
struct evidence {
	char lab[4];
	char dir[48];
};

ParameterizedTestParameters(hostile, as_a_normal_user_evidence_attacks_get_their_corpus_verdict)
{
	static struct evidence cases[] = {
		{ "1", "01-handshake/forges-evidence" },
		{ "1", "01-handshake/ok-raw-syscalls" },
		{ "1", "01-handshake/hard-coded-output" },
		{ "4", "04-rst/hard-coded-order" },
	};

	return cr_make_param_array(struct evidence, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct evidence *e, hostile,
                  as_a_normal_user_evidence_attacks_get_their_corpus_verdict, .timeout = 90)
{
	char src[700], path[800], *expect, *line, *save, want[300];
	struct isorun r;
	bool pass;
	int status;

	snprintf(src, sizeof(src), "%s/tests/exercises/%s", test_root(), e->dir);
	snprintf(path, sizeof(path), "%s/expect", src);
	expect = test_slurp(path);
	cr_assert_not_null(expect, "cannot read '%s'", path);
	pass = strstr(expect, "verdict: pass") != NULL;
	isorun_start_as(&r, (const char *[]){ "grade", e->lab, "--src", src, "--seed", "11", NULL },
	                ISORUN_USER);
	status = isorun_finish(&r);
	cr_expect_eq(status, pass ? 0 : 1, "%s as nobody: exit %d\n%s", e->dir, status, r.buf);
	for (line = strtok_r(expect, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "check: ", 7))
			continue;
		snprintf(want, sizeof(want), "FAIL         %s", line + 7);
		cr_expect(strstr(r.buf, want), "%s as nobody: the report does not say '%s':\n%s",
		          e->dir, want, r.buf);
	}
	free(expect);
	isorun_assert_clean(&r, 2000);
	isorun_release(&r);
}

/*
 * The grader itself stays bounded whatever the program floods it with: a lab 3 server that
 * opens connections to itself (92,578 once kept a grade busy 477 s), or pumps data
 * through one (10 GB once grew tcplab to 1.6 GB). Each gets a FAIL naming the cap, the
 * grade ends within the lab's deadline and a few seconds, and tcplab stays under 256 MiB.
 */
struct flood {
	char name[32];
	enum isorun_as as;
};

ParameterizedTestParameters(hostile, floods_end_in_time_and_memory_with_the_cap_named)
{
	static struct flood cases[] = {
		{ "flood-connections", ISORUN_ROOT }, { "flood-data", ISORUN_ROOT },
		{ "flood-connections", ISORUN_USER }, { "flood-data", ISORUN_USER },
	};

	return cr_make_param_array(struct flood, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct flood *f, hostile, floods_end_in_time_and_memory_with_the_cap_named,
                  .timeout = 120)
{
	char src[700], from[700];
	struct isorun r;
	struct rusage ru;
	double t0;

	if (geteuid() != 0)
		cr_skip_test("grading in a jail needs root here");
	sub_make(src, sizeof(src));
	snprintf(from, sizeof(from), "%s/tests/hostile/%s/msg_server.c", test_root(), f->name);
	sub_copy(src, "msg_server.c", from);
	t0 = now_s();
	isorun_start_as(&r, (const char *[]){ "grade", "3", "--src", src, "--seed", "7", NULL },
	                f->as);
	cr_expect_eq(isorun_finish(&r), 1, "%s", r.buf);
	/* Lab 3's deadline is 10 s a scenario, and the grade stops after the first; the rest is
	 * the build and the judging, which a busy machine slows (unbounded, this took 477 s). */
	cr_expect_lt(now_s() - t0, 10 + 20, "%s took %.1f s", f->name, now_s() - t0);
	/* Which cap a flood hits first depends on how fast the machine lets it go: the traced
	 * calls (50,000), the connections (64) or the segments (200,000). On a busy machine
	 * the data flood may reach none in lab 3's 10 s: then the deadline ends it. */
	{
		static const char *const caps[] = {
			"socket calls; this lab keeps 50000",
			"connections to port 8003; this lab allows 64",
			"segments crossed the wire; this lab keeps 200000",
		};
		bool capped = false;

		for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
			capped |= strstr(r.buf, caps[i]) != NULL;
		if (capped) {
			expect_report(&r, f->name, "FAIL         the server's calls agree with the"
			              " wire, within the lab's limits", NULL);
		} else {
			cr_expect_str_eq(f->name, "flood-data", "%s named no cap:\n%s", f->name, r.buf);
			cr_log_info("%s: the machine was too slow for the flood to reach a cap in 10 s;"
			            " the deadline ended it", f->name);
			expect_report(&r, f->name, "FAIL         the programs ran to completion|was still"
			              " running at the run's deadline and was killed", NULL);
		}
	}
	cr_assert_eq(getrusage(RUSAGE_CHILDREN, &ru), 0);
	cr_expect_lt(ru.ru_maxrss, 256 * 1024, "%s: tcplab grew to %ld KiB", f->name, ru.ru_maxrss);
	isorun_assert_clean(&r, 3000);
	isorun_release(&r);
	sub_remove(src);
}
