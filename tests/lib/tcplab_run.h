/* summary: test helper: run the built tcplab program and collect what it printed. */
#ifndef TCPLAB_TESTS_LIB_TCPLAB_RUN_H
#define TCPLAB_TESTS_LIB_TCPLAB_RUN_H

/*
 * For Criterion tests. Paths come from the environment tests/run.sh sets: TCPLAB_BUILD
 * (default "build") and TCPLAB_ROOT (default "."). tcplab_run() skips the calling test with
 * the reason when the program is not built, runs it with the test's environment in
 * TCPLAB_ROOT, and keeps stdout and stderr in temporary files (no pipe can fill and stall
 * it). Use a Criterion .timeout on the test: the wait itself is unbounded.
 */
struct tcplab_result {
	int status;             /* exit status, or -1 when it did not exit normally */
	/* NUL-terminated; more output fails the test. Lab 5's ladder of 1 MB through a small
	 * window (some 860 segments and their calls) prints ~110 KiB. */
	char out[256 * 1024];
	char err[16 * 1024];
};

const char *test_build(void);
const char *test_root(void);

/* args: the words after "tcplab", NULL-terminated (at most 30). */
void tcplab_run(struct tcplab_result *r, const char *const *args);
/* The same with env ("LANG=ko_KR.UTF-8", NULL-terminated; may be NULL) set in the
 * program's environment. tcplab_run() gives it LANG=C and no LANGUAGE, LC_ALL nor
 * LC_MESSAGES: English, whatever the developer's locale. */
void tcplab_run_env(struct tcplab_result *r, const char *const *env, const char *const *args);

/* The same in two halves, so that several runs can go at once: tcplab_start() starts
 * the program and returns; tcplab_finish() waits for it and fills r. Each started job must
 * be finished, in any order. */
struct tcplab_job {
	int pid, out_fd, err_fd;
};
void tcplab_start(struct tcplab_job *j, const char *const *env, const char *const *args);
void tcplab_finish(struct tcplab_job *j, struct tcplab_result *r);

/* The whole file, NUL-terminated, malloc'ed; fails the test when unreadable. */
char *test_slurp(const char *path);

#endif
