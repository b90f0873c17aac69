/* summary: safefile: reports land whole or not at all, never through a symbolic link. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/safefile.h"

static char dir[64];

static void fresh_dir(void)
{
	strcpy(dir, "/tmp/tcplab-safefile-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void remove_dir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_expect_eq(system(cmd), 0);
}

TestSuite(safefile, .init = fresh_dir, .fini = remove_dir);

static const char *at(const char *name)
{
	static char path[4][256];
	static int i;
	char *p = path[i++ % 4];

	snprintf(p, sizeof(path[0]), "%s/%s", dir, name);
	return p;
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s", path);
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

static char *slurp(const char *path)
{
	static char buf[256];
	FILE *f = fopen(path, "r");
	size_t n;

	cr_assert_not_null(f, "%s", path);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* How many names the folder holds, "." and ".." aside. */
static int entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	cr_assert_not_null(d);
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

static void write_all(int fd, const char *text)
{
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
}

Test(safefile, a_new_file_appears_only_at_commit_with_mode_0644)
{
	struct safefile sf;
	char err[512];
	struct stat st;

	umask(022);
	cr_assert_eq(safefile_open(&sf, at("grade.json"), err, sizeof(err)), 0, "%s", err);
	write_all(sf.fd, "{}\n");
	cr_expect_eq(access(at("grade.json"), F_OK), -1, "visible before the commit");
	cr_assert_eq(safefile_commit(&sf, err, sizeof(err)), 0, "%s", err);
	close(sf.fd);
	cr_expect_str_eq(slurp(at("grade.json")), "{}\n");
	cr_assert_eq(stat(at("grade.json"), &st), 0);
	cr_expect_eq(st.st_mode & 0777, 0644, "mode %o", st.st_mode & 0777);
	cr_expect_eq(entries(dir), 1, "a temporary file was left");
}

Test(safefile, rename_replaces_the_old_file_whole)
{
	struct safefile sf;
	char err[512];
	FILE *reader;
	char old[16] = "";

	put(at("grade.json"), "old\n");
	reader = fopen(at("grade.json"), "r");
	cr_assert_not_null(reader);
	cr_assert_eq(safefile_open(&sf, at("grade.json"), err, sizeof(err)), 0, "%s", err);
	write_all(sf.fd, "new, and longer\n");
	cr_expect_str_eq(slurp(at("grade.json")), "old\n", "the old file changed before commit");
	cr_assert_eq(safefile_commit(&sf, err, sizeof(err)), 0, "%s", err);
	close(sf.fd);
	cr_expect_str_eq(slurp(at("grade.json")), "new, and longer\n");
	/* A reader that had the old file open still reads the old file, whole. */
	cr_assert_not_null(fgets(old, sizeof(old), reader));
	cr_expect_str_eq(old, "old\n");
	fclose(reader);
	cr_expect_eq(entries(dir), 1);
}

Test(safefile, a_symbolic_link_target_is_refused_and_its_file_untouched)
{
	struct safefile sf;
	char err[512], want[512];

	put(at("bashrc"), "precious\n");
	cr_assert_eq(symlink(at("bashrc"), at("grade.json")), 0);
	cr_expect_eq(safefile_open(&sf, at("grade.json"), err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "'%s' is a symbolic link: tcplab does not write through links"
	         " (remove it, or give another name)", at("grade.json"));
	cr_expect_str_eq(err, want);
	cr_expect_eq(safefile_check(at("grade.json"), err, sizeof(err)), -1);
	cr_expect_str_eq(slurp(at("bashrc")), "precious\n");
	cr_expect_eq(entries(dir), 2, "a temporary file was left");
	/* A dangling link is refused too: it would create its target. */
	cr_assert_eq(symlink(at("nowhere"), at("dangling")), 0);
	cr_expect_eq(safefile_open(&sf, at("dangling"), err, sizeof(err)), -1);
	cr_expect_eq(access(at("nowhere"), F_OK), -1);
}

Test(safefile, a_link_planted_after_open_is_replaced_not_followed)
{
	struct safefile sf;
	char err[512];
	struct stat st;

	put(at("bashrc"), "precious\n");
	cr_assert_eq(safefile_open(&sf, at("grade.json"), err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(symlink(at("bashrc"), at("grade.json")), 0);
	write_all(sf.fd, "report\n");
	cr_assert_eq(safefile_commit(&sf, err, sizeof(err)), 0, "%s", err);
	close(sf.fd);
	cr_expect_str_eq(slurp(at("bashrc")), "precious\n");
	cr_assert_eq(lstat(at("grade.json"), &st), 0);
	cr_expect(S_ISREG(st.st_mode), "the link is still there");
}

Test(safefile, abort_leaves_no_temporary_file_and_the_old_file_alone)
{
	struct safefile sf;
	char err[512];

	put(at("grade.json"), "old\n");
	cr_assert_eq(safefile_open(&sf, at("grade.json"), err, sizeof(err)), 0, "%s", err);
	write_all(sf.fd, "half a rep");
	cr_expect_eq(entries(dir), 2, "the temporary file is beside the target");
	close(sf.fd);
	safefile_abort(&sf);
	safefile_abort(&sf);    /* twice is harmless: every error path may call it */
	cr_expect_eq(entries(dir), 1);
	cr_expect_str_eq(slurp(at("grade.json")), "old\n");
}

Test(safefile, a_failed_rename_removes_the_temporary_file)
{
	struct safefile sf;
	char err[512];

	cr_assert_eq(mkdir(at("sub"), 0755), 0);
	cr_assert_eq(safefile_open(&sf, at("sub/grade.json"), err, sizeof(err)), 0, "%s", err);
	/* The target became a non-empty folder: rename() cannot replace it. */
	cr_assert_eq(mkdir(at("sub/grade.json"), 0755), 0);
	put(at("sub/grade.json/x"), "x");
	cr_expect_eq(safefile_commit(&sf, err, sizeof(err)), -1);
	cr_expect(strstr(err, "cannot replace '"), "%s", err);
	close(sf.fd);
	cr_expect_eq(entries(at("sub")), 1, "a temporary file was left");
}

Test(safefile, a_folder_or_a_missing_folder_is_refused_with_the_name)
{
	struct safefile sf;
	char err[512], want[512];

	cr_expect_eq(safefile_open(&sf, dir, err, sizeof(err)), -1);
	cr_expect(strstr(err, "it is a folder"), "%s", err);
	cr_expect_eq(safefile_open(&sf, at("no/such/grade.json"), err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "cannot create '%s': no such file or directory",
	         at("no/such/grade.json"));
	cr_expect_str_eq(err, want);
	cr_expect_eq(entries(dir), 0);
}

Test(safefile, a_device_is_written_in_place)
{
	struct safefile sf;
	char err[512];
	struct stat st;

	cr_assert_eq(safefile_open(&sf, "/dev/null", err, sizeof(err)), 0, "%s", err);
	write_all(sf.fd, "nothing\n");
	cr_expect_eq(safefile_commit(&sf, err, sizeof(err)), 0, "%s", err);
	close(sf.fd);
	cr_assert_eq(stat("/dev/null", &st), 0);
	cr_expect(S_ISCHR(st.st_mode), "/dev/null was replaced");
}

Test(safefile, a_report_inside_the_submission_folder_is_refused)
{
	char err[1024], want[1024], sub[300], path[400];

	cr_assert_eq(mkdir(at("alice"), 0755), 0);
	cr_assert_eq(mkdir(at("alice/src"), 0755), 0);
	snprintf(sub, sizeof(sub), "%s", at("alice"));
	snprintf(path, sizeof(path), "%s/grade.json", sub);
	cr_expect_eq(safefile_outside(path, sub, "the submission folder", err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "'%s' is inside the submission folder '%s': write reports"
	         " elsewhere", path, sub);
	cr_expect_str_eq(err, want);
	/* Deeper, through "..", and through a link to the folder: all inside. */
	cr_expect_eq(safefile_outside(at("alice/src/g.json"), sub, "x", err, sizeof(err)), -1);
	cr_expect_eq(safefile_outside(at("alice/src/../g.json"), sub, "x", err, sizeof(err)), -1);
	cr_assert_eq(symlink(sub, at("link")), 0);
	cr_expect_eq(safefile_outside(at("link/g.json"), sub, "x", err, sizeof(err)), -1);
	cr_expect_eq(safefile_outside(path, at("link"), "x", err, sizeof(err)), -1);
	/* Beside it, or in a folder whose name starts the same, is outside. */
	cr_expect_eq(safefile_outside(at("alice.json"), sub, "x", err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(mkdir(at("alice2"), 0755), 0);
	cr_expect_eq(safefile_outside(at("alice2/g.json"), sub, "x", err, sizeof(err)), 0, "%s",
	             err);
	cr_expect_eq(safefile_outside(at("alice/../g.json"), sub, "x", err, sizeof(err)), 0, "%s",
	             err);
}
