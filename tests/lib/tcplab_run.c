/* summary: run the built tcplab from a test and collect its output (see tcplab_run.h). */
#include "tests/lib/tcplab_run.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);

	return v && *v ? v : dflt;
}

const char *test_build(void)
{
	return env_or("TCPLAB_BUILD", "build");
}

const char *test_root(void)
{
	return env_or("TCPLAB_ROOT", ".");
}

static char *slurp_fd(int fd)
{
	size_t cap = 4096, n = 0;
	char *b = malloc(cap);

	cr_assert_not_null(b);
	lseek(fd, 0, SEEK_SET);
	for (;;) {
		ssize_t got;

		if (n + 1 == cap) {
			cap *= 2;
			b = realloc(b, cap);
			cr_assert_not_null(b);
		}
		got = read(fd, b + n, cap - n - 1);
		cr_assert_geq(got, 0);
		if (got == 0)
			break;
		n += (size_t)got;
	}
	b[n] = '\0';
	return b;
}

static void copy_fd(int fd, char *buf, size_t size, const char *what)
{
	char *all = slurp_fd(fd);
	size_t n = strlen(all);

	cr_assert_lt(n, size, "tcplab printed %zu bytes on %s, more than the test keeps", n, what);
	memcpy(buf, all, n + 1);
	free(all);
}

char *test_slurp(const char *path)
{
	int fd = open(path, O_RDONLY);
	char *b;

	cr_assert_geq(fd, 0, "cannot open '%s'", path);
	b = slurp_fd(fd);
	close(fd);
	return b;
}

void tcplab_run(struct tcplab_result *r, const char *const *args)
{
	tcplab_run_env(r, NULL, args);
}

void tcplab_run_env(struct tcplab_result *r, const char *const *env, const char *const *args)
{
	struct tcplab_job j;

	tcplab_start(&j, env, args);
	tcplab_finish(&j, r);
}

void tcplab_start(struct tcplab_job *j, const char *const *env, const char *const *args)
{
	char prog[1024], o[] = "/tmp/tcplab-test-out-XXXXXX", e[] = "/tmp/tcplab-test-err-XXXXXX";
	char *argv[32];
	size_t n = 0;
	pid_t pid;

	snprintf(prog, sizeof(prog), "%s/tcplab", test_build());
	if (access(prog, X_OK) != 0)
		cr_skip_test("'%s' is not built (run the tests through 'make test')", prog);
	j->out_fd = mkstemp(o);
	j->err_fd = mkstemp(e);
	cr_assert(j->out_fd >= 0 && j->err_fd >= 0, "cannot make temporary files in /tmp");
	unlink(o);
	unlink(e);
	argv[n++] = prog;
	for (; args[n - 1]; n++) {
		cr_assert_lt(n, 31, "too many arguments");
		argv[n] = (char *)args[n - 1];
	}
	argv[n] = NULL;
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		dup2(j->out_fd, 1);
		dup2(j->err_fd, 2);
		/* English unless the test names a language: a developer's LANG=ko_KR.UTF-8 must
		 * not turn the messages every other test reads into Korean. */
		unsetenv("LANGUAGE");
		unsetenv("LC_ALL");
		unsetenv("LC_MESSAGES");
		setenv("LANG", "C", 1);
		for (size_t i = 0; env && env[i]; i++)
			putenv((char *)env[i]);
		if (chdir(test_root()) == 0)
			execv(prog, argv);
		_exit(127);
	}
	j->pid = pid;
}

void tcplab_finish(struct tcplab_job *j, struct tcplab_result *r)
{
	int st;

	cr_assert_eq(waitpid(j->pid, &st, 0), j->pid);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	copy_fd(j->out_fd, r->out, sizeof(r->out), "stdout");
	copy_fd(j->err_fd, r->err, sizeof(r->err), "stderr");
	close(j->out_fd);
	close(j->err_fd);
}
