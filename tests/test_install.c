/* summary: 'make install' into a DESTDIR gives a tcplab that runs and grades labs with the source tree out of sight. */
#include <criterion/criterion.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/lab.h"
#include "tests/lib/tcplab_run.h"
#include "tests/lib/tmuxterm.h"

/*
 * Each test installs into a fresh staging folder (make install DESTDIR=STAGE) with the
 * Makefile's default PREFIX, then runs STAGE/usr/local/bin/tcplab. "Hidden" runs happen in
 * a mount namespace of their own where an empty tmpfs covers the source tree and the build
 * folder, with TCPLAB_ROOT and TCPLAB_BUILD unset: whatever tcplab finds there, it found
 * in the install.
 */
#define PREFIX "/usr/local"

/* 'make install' builds 'all' first: in the sanitizer pass (make test's BUILD=build/san
 * SAN=1) it must see the same flags, or a stale file would be rebuilt without them. */
#ifdef __SANITIZE_ADDRESS__
#define MAKE_SAN "SAN=1"
#else
#define MAKE_SAN "SAN="
#endif

static char stage[64];
static char root[PATH_MAX], build[PATH_MAX];

struct out {
	int status;             /* exit status, -1 when killed */
	char *out, *err;        /* malloc'ed, NUL-terminated */
};

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

static void rm_rf(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static char *slurp_fd(int fd)
{
	struct stat st;
	char *b;
	ssize_t n;

	cr_assert_eq(fstat(fd, &st), 0);
	b = malloc((size_t)st.st_size + 1);
	cr_assert_not_null(b);
	n = pread(fd, b, (size_t)st.st_size, 0);
	cr_assert_eq(n, st.st_size);
	b[n] = '\0';
	return b;
}

static void out_release(struct out *o)
{
	free(o->out);
	free(o->err);
}

/* The child of a hidden run: the tree and the build folder covered, their variables gone. */
static void hide_tree(void)
{
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("tcplab-hidden", root, "tmpfs", MS_RDONLY, NULL) < 0)
		_exit(125);
	/* The build folder is usually inside the tree, and covered with it. */
	if (access(build, F_OK) == 0 && mount("tcplab-hidden", build, "tmpfs", MS_RDONLY, NULL) < 0)
		_exit(125);
	unsetenv("TCPLAB_ROOT");
	unsetenv("TCPLAB_BUILD");
}

/* argv[0] is run as it is (a path) or from PATH; cwd is STAGE. */
static void run(struct out *o, bool hidden, const char *const *argv)
{
	int ofd = memfd_create("out", MFD_CLOEXEC), efd = memfd_create("err", MFD_CLOEXEC), st;
	pid_t pid;

	cr_assert(ofd >= 0 && efd >= 0, "memfd_create: %s", strerror(errno));
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		char state[128], lsan[160];

		/* An outer make's jobserver is not ours to use. */
		unsetenv("MAKEFLAGS");
		unsetenv("MFLAGS");
		unsetenv("MAKELEVEL");
		snprintf(state, sizeof(state), "%s/state", stage);
		setenv("XDG_STATE_HOME", state, 1);
		if (hidden) {
			hide_tree();
			/* A sanitizer build reads its suppressions from the tree: the copy. */
			if (getenv("LSAN_OPTIONS")) {
				snprintf(lsan, sizeof(lsan), "suppressions=%s/lsan.supp", stage);
				setenv("LSAN_OPTIONS", lsan, 1);
			}
		}
		dup2(ofd, 1);
		dup2(efd, 2);
		if (chdir(stage) == 0)
			execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	o->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	o->out = slurp_fd(ofd);
	o->err = slurp_fd(efd);
	close(ofd);
	close(efd);
	cr_assert_neq(o->status, 125, "cannot hide the source tree in a mount namespace");
	cr_assert_neq(o->status, 127, "cannot run '%s': %s", argv[0], o->err);
}

static void make(const char *target, const char *destdir)
{
	char b[PATH_MAX + 8], d[PATH_MAX + 8];
	struct out o;

	snprintf(b, sizeof(b), "BUILD=%s", build);
	snprintf(d, sizeof(d), "DESTDIR=%s", destdir);
	run(&o, false, (const char *const[]){ "make", "--no-print-directory", "-C", root, target,
	                                      b, d, MAKE_SAN, NULL });
	cr_assert_eq(o.status, 0, "make %s failed:\n%s\n%s", target, o.out, o.err);
	out_release(&o);
}

static void setup(void)
{
	char supp[PATH_MAX + 32], copy[160];
	struct out o;

	if (geteuid() != 0)
		cr_skip_test("needs root: the source tree is hidden in a mount namespace");
	cr_assert_not_null(realpath(test_root(), root), "TCPLAB_ROOT: %s", strerror(errno));
	cr_assert_not_null(realpath(test_build(), build), "TCPLAB_BUILD: %s", strerror(errno));
	snprintf(stage, sizeof(stage), "/tmp/tcplab-install-XXXXXX");
	cr_assert_not_null(mkdtemp(stage));
	make("install", stage);
	snprintf(supp, sizeof(supp), "%s/tests/lsan.supp", root);
	snprintf(copy, sizeof(copy), "%s/lsan.supp", stage);
	run(&o, false, (const char *const[]){ "cp", supp, copy, NULL });
	out_release(&o);
}

static void teardown(void)
{
	if (stage[0])
		rm_rf(stage);
}

TestSuite(install, .init = setup, .fini = teardown, .timeout = 240);

static void installed(char *path, size_t len, const char *rel)
{
	snprintf(path, len, "%s%s/%s", stage, PREFIX, rel);
}

/* Copy a submission of the tree into the stage, where a hidden run can read it. */
static void submission(const char *rel, const char *name)
{
	char src[PATH_MAX + 64], dst[160];
	struct out o;

	snprintf(src, sizeof(src), "%s/%s", root, rel);
	snprintf(dst, sizeof(dst), "%s/%s", stage, name);
	run(&o, false, (const char *const[]){ "cp", "-r", src, dst, NULL });
	cr_assert_eq(o.status, 0, "%s", o.err);
	out_release(&o);
}

/* The tree's labs, as the engine reads them: what the install must offer. */
static struct lab *tree_labs(size_t *n)
{
	struct lab *labs;
	char err[256];

	cr_assert_eq(lab_load_all(root, &labs, n, err, sizeof(err)), 0, "%s", err);
	cr_assert_gt(*n, 0);
	return labs;
}

Test(install, the_installed_program_lists_runs_and_grades_with_the_tree_out_of_sight)
{
	char prog[160], version[64], want[80], vfile[PATH_MAX + 8], *v, *line;
	size_t nlab, listed = 0;
	struct out o;

	free(tree_labs(&nlab));
	installed(prog, sizeof(prog), "bin/tcplab");
	snprintf(vfile, sizeof(vfile), "%s/VERSION", root);
	v = test_slurp(vfile);
	snprintf(version, sizeof(version), "%.*s", (int)strcspn(v, "\n"), v);
	free(v);
	submission("solutions/01-handshake", "solution");
	submission("tests/exercises/01-handshake/ok-winsock", "winsock");
	submission("tests/exercises/01-handshake/single-recv", "single-recv");

	/* The control: in a hidden run the tree is not there to be found. */
	run(&o, true, (const char *const[]){ "sh", "-c",
	    "test ! -e \"$0/labs/README.md\" && test ! -e \"$1/tcplab\" && echo hidden",
	    root, build, NULL });
	cr_assert_str_eq(o.out, "hidden\n", "the tree is still visible: %s", o.err);
	out_release(&o);

	run(&o, true, (const char *const[]){ prog, "--version", NULL });
	snprintf(want, sizeof(want), "tcplab %s\n", version);
	cr_expect_eq(o.status, 0);
	cr_expect_str_eq(o.out, want);
	out_release(&o);

	run(&o, true, (const char *const[]){ prog, "list", NULL });
	cr_assert_eq(o.status, 0, "tcplab list: %s", o.err);
	for (line = o.out; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		int lab;

		/* " 1  Title": a lab; its summary and variants are indented further, and a
		 * blank line is no lab (sscanf would skip it to the next). */
		listed += line[0] != '\n' && !(line[0] == ' ' && line[1] == ' ') &&
		          sscanf(line, "%d  ", &lab) == 1;
	}
	cr_expect_eq(listed, nlab, "%zu labs listed, %zu in the tree:\n%s", listed, nlab, o.out);
	out_release(&o);

	/* Lab 1 needs its lesson's data and its two programs: the install's. */
	run(&o, true, (const char *const[]){ prog, "run", "1", NULL });
	cr_expect_eq(o.status, 0, "tcplab run 1:\n%s\n%s", o.out, o.err);
	cr_expect(strstr(o.out, "checks passed"), "%s", o.out);
	out_release(&o);

	run(&o, true, (const char *const[]){ prog, "grade", "1", "--src", "solution", NULL });
	cr_expect_eq(o.status, 0, "grade of the solution:\n%s\n%s", o.out, o.err);
	cr_expect(strstr(o.out, "every check passed"), "%s", o.out);
	out_release(&o);

	/* <winsock2.h> is the install's labs/include. */
	run(&o, true, (const char *const[]){ prog, "grade", "1", "--src", "winsock", NULL });
	cr_expect_eq(o.status, 0, "grade of a Winsock client:\n%s\n%s", o.out, o.err);
	out_release(&o);

	/* A grade, not a stamp: a wrong program fails from the install too. */
	run(&o, true, (const char *const[]){ prog, "grade", "1", "--src", "single-recv", NULL });
	cr_expect_eq(o.status, 1, "grade of a single recv():\n%s\n%s", o.out, o.err);
	cr_expect(strstr(o.out, "FAIL") && strstr(o.out, "the client read the whole echo"), "%s",
	          o.out);
	out_release(&o);
}

/* An instructor's own copy of the labs (TCPLAB_ROOT) with the installed programs: the labs'
 * data from the copy, the lab programs still from the install (the build tree is hidden). */
Test(install, an_installed_tcplab_runs_labs_from_tcplab_root_with_its_own_programs)
{
	char prog[160], labs[PATH_MAX + 8], mine[160], env[200];
	struct out o;

	installed(prog, sizeof(prog), "bin/tcplab");
	snprintf(labs, sizeof(labs), "%s/labs", root);
	snprintf(mine, sizeof(mine), "%s/mine", stage);
	cr_assert_eq(mkdir(mine, 0755), 0);
	snprintf(mine, sizeof(mine), "%s/mine/labs", stage);
	run(&o, false, (const char *const[]){ "cp", "-r", labs, mine, NULL });
	cr_assert_eq(o.status, 0, "%s", o.err);
	out_release(&o);
	snprintf(env, sizeof(env), "TCPLAB_ROOT=%s/mine", stage);
	run(&o, true, (const char *const[]){ "env", env, prog, "run", "1", NULL });
	cr_expect_eq(o.status, 0, "tcplab run 1 with TCPLAB_ROOT:\n%s\n%s", o.out, o.err);
	cr_expect(strstr(o.out, "checks passed"), "%s", o.out);
	out_release(&o);
}

Test(install, a_student_finds_the_starter_and_the_winsock_bridge_in_the_install)
{
	static const char *const files[] = {
		"share/tcplab/labs/README.md",
		"share/tcplab/labs/01-handshake/exercise/echo_client.c",
		"share/tcplab/labs/include/winsock_compat.h",
		"share/tcplab/labs/include/winsock2.h",
		"libexec/tcplab/labs/01-handshake/echo_server",
		"share/locale/ko/LC_MESSAGES/tcplab.mo",
		"share/man/man1/tcplab.1",
		"share/bash-completion/completions/tcplab",
		"share/doc/tcplab/student-guide.md",
		"share/doc/tcplab/README.md",
	};
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		installed(path, sizeof(path), files[i]);
		cr_expect_eq(access(path, R_OK), 0, "'%s' is not installed", files[i]);
	}
	installed(path, sizeof(path), "libexec/tcplab/labs/01-handshake/echo_server");
	cr_expect_eq(access(path, X_OK), 0, "the lab's program is not executable");
}

/* Every option that --help or a command's --help names, as the page writes it (\-\-x). */
static void expect_options_in_page(const char *help, const char *page, const char *cmd)
{
	for (const char *p = help; (p = strstr(p, "--")); ) {
		char opt[64], roff[128], *o = roff;
		size_t n = 2 + strspn(p + 2, "abcdefghijklmnopqrstuvwxyz-");

		snprintf(opt, sizeof(opt), "%.*s", (int)n, p);
		p += n;
		if (n <= 2)
			continue;
		for (const char *c = opt; *c; c++) {
			if (*c == '-')
				*o++ = '\\';
			*o++ = *c;
		}
		*o = '\0';
		cr_expect(strstr(page, roff), "'%s' of 'tcplab %s--help' is not in tcplab(1)", opt, cmd);
	}
}

Test(install, the_man_page_is_clean_roff_and_names_every_option_of_every_help)
{
	static const char *const cmds[] = {
		"list", "lesson", "run", "grade", "inspect", "check", "doctor", "demo", "autograder",
	};
	char page_path[PATH_MAX], prog[160], cmd[32];
	char *page;
	struct out o;

	installed(page_path, sizeof(page_path), "share/man/man1/tcplab.1");
	installed(prog, sizeof(prog), "bin/tcplab");
	page = test_slurp(page_path);
	cr_expect_null(strchr(page, '@'), "a placeholder was not filled in:\n%s", strchr(page, '@'));

	/* groff's every warning (-ww) on the man macros; no output (-z). */
	run(&o, false, (const char *const[]){ "groff", "-ww", "-z", "-man", page_path, NULL });
	if (o.status == 127)
		cr_skip_test("groff is not installed (make deps-test installs it)");
	cr_expect_eq(o.status, 0);
	cr_expect_str_empty(o.err, "groff warns about tcplab(1):\n%s", o.err);
	out_release(&o);

	run(&o, false, (const char *const[]){ prog, "--help", NULL });
	expect_options_in_page(o.out, page, "");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		char section[64];

		snprintf(section, sizeof(section), ".SS tcplab %s", cmds[i]);
		cr_expect(strstr(page, section), "tcplab(1) has no section for '%s'", cmds[i]);
		out_release(&o);
		run(&o, false, (const char *const[]){ prog, cmds[i], "--help", NULL });
		snprintf(cmd, sizeof(cmd), "%s ", cmds[i]);
		expect_options_in_page(o.out, page, cmd);
	}
	out_release(&o);
	free(page);
}

Test(install, uninstall_removes_every_file_install_wrote_and_keeps_the_instructors)
{
	char conf[PATH_MAX], want[PATH_MAX + 8], ours[128];
	struct out o;
	FILE *f;

	/* The AppArmor profile for the installed binary was staged with it (issue 13 item 6). */
	{
		char profile[PATH_MAX + 32], *text;

		snprintf(profile, sizeof(profile), "%s/etc/apparmor.d/tcplab", stage);
		text = test_slurp(profile);
		cr_expect(text && strstr(text, "userns,"), "no AppArmor profile staged at %s",
		          profile);
		free(text);
	}
	/* The instructor's setting, put in the install by hand (instructor-guide.md). */
	installed(conf, sizeof(conf), "share/tcplab/tcplab.conf");
	cr_assert_not_null(f = fopen(conf, "w"));
	fputs("keep = best\n", f);
	cr_assert_eq(fclose(f), 0);
	make("uninstall", stage);
	run(&o, false, (const char *const[]){ "find", stage, "!", "-type", "d", "!", "-name",
	                                      "lsan.supp", NULL });
	cr_expect_eq(o.status, 0);
	snprintf(want, sizeof(want), "%s\n", conf);
	cr_expect_str_eq(o.out, want, "left after 'make uninstall':\n%s", o.out);
	out_release(&o);
	/* tcplab's own folders it emptied are gone, the one holding tcplab.conf kept; shared
	 * ones (bin, man1) stay, as on a real system where they were there before. */
	snprintf(ours, sizeof(ours), "%s/*tcplab*", stage);
	run(&o, false, (const char *const[]){ "find", stage, "-type", "d", "-empty", "-path", ours,
	                                      NULL });
	cr_expect_str_empty(o.out, "empty folders of tcplab's left:\n%s", o.out);
	out_release(&o);
}

Test(install, bash_completion_offers_commands_lab_numbers_and_variants)
{
	char script[PATH_MAX], prog[160], cmd[4 * PATH_MAX], want[1024];
	size_t nlab, used = 0;
	struct lab *labs = tree_labs(&nlab);
	struct out o;

	/* What it must say: every lab's number, then lab 1's variants and "all". */
	want[0] = '\0';
	used += (size_t)snprintf(want, sizeof(want), "grade\n");
	for (size_t i = 0; i < nlab; i++)
		used += (size_t)snprintf(want + used, sizeof(want) - used, "%s%d", i ? " " : "",
		                         labs[i].number);
	used += (size_t)snprintf(want + used, sizeof(want) - used, "\n");
	for (size_t i = 0; i < labs[0].nvariant; i++)
		used += (size_t)snprintf(want + used, sizeof(want) - used, "%s ",
		                         labs[0].variant[i].name);
	snprintf(want + used, sizeof(want) - used, "all\n--format\njson junit\n");
	cr_assert_eq(labs[0].number, 1);
	free(labs);

	installed(script, sizeof(script), "share/bash-completion/completions/tcplab");
	installed(prog, sizeof(prog), "bin/tcplab");
	snprintf(cmd, sizeof(cmd),
	         "source '%s' || exit 3\n"
	         "t() { COMP_WORDS=(\"$@\"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); _tcplab;"
	         " echo \"${COMPREPLY[*]}\"; }\n"
	         "t '%s' gr; t '%s' run ''; t '%s' run 1 --variant ''; t '%s' grade 2 --for;"
	         " t '%s' grade 2 --format j\n",
	         script, prog, prog, prog, prog, prog);
	run(&o, true, (const char *const[]){ "bash", "--norc", "-c", cmd, NULL });
	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_expect_str_eq(o.out, want);
	out_release(&o);
}

/* Does this process's mount table hold a mount of ours (it must not: each is made in a
 * namespace of its own)? */
static bool host_has_hidden_mount(void)
{
	char *m = test_slurp("/proc/self/mountinfo");
	bool found = strstr(m, " tcplab-hidden ") != NULL;

	free(m);
	return found;
}

/* The TUI's own words come from the install's catalog (LOCALEDIR), the build tree's being
 * out of sight: the menu's hints in Korean. */
Test(install, the_installed_tui_speaks_korean_from_the_installed_catalog)
{
	static const char *const env[] = { "LANG=C.UTF-8", "LC_ALL=C.UTF-8", NULL };
	char script[160], cmd[256], prog[160], *s;
	struct term *t;
	FILE *f;

	installed(prog, sizeof(prog), "bin/tcplab");
	/* A script, not a command line: tmuxterm quotes the command in '...'. It covers the
	 * tree and the build folder in its own mount namespace (unshare -m), as run() does,
	 * proves it, and runs the installed program with no TCPLAB_ROOT or TCPLAB_BUILD. */
	snprintf(script, sizeof(script), "%s/hidden-tui.sh", stage);
	cr_assert_not_null(f = fopen(script, "w"));
	fprintf(f, "mount -t tmpfs -o ro tcplab-hidden '%s' || exit 125\n"
	        "[ ! -e '%s' ] || mount -t tmpfs -o ro tcplab-hidden '%s' || exit 125\n"
	        "[ ! -e '%s/labs/README.md' ] || exit 125\n"
	        "[ -z \"$LSAN_OPTIONS\" ] || export LSAN_OPTIONS='suppressions=%s/lsan.supp'\n"
	        "exec env -u TCPLAB_ROOT -u TCPLAB_BUILD XDG_STATE_HOME='%s/state' '%s' --lang ko\n",
	        root, build, build, root, stage, stage, prog);
	cr_assert_eq(fclose(f), 0);
	snprintf(cmd, sizeof(cmd), "exec unshare -m --propagation private sh %s", script);
	t = term_start(80, 24, env, cmd);
	s = term_wait(t, "Enter \xeb\xa0\x88\xec\x8a\xa8 \xec\x97\xb4\xea\xb8\xb0", 15000);
	cr_expect(strstr(s, "q \xec\xa2\x85\xeb\xa3\x8c"), "%s", s);
	free(s);
	term_keys(t, (const char *[]){ "q", NULL });
	term_stop(t);
	cr_expect(!host_has_hidden_mount(), "a mount of the test's reached the host's table");
}
