/* summary: test helper: run a program as the unprivileged user nobody (uid/gid 65534) and collect its output and status. */
#ifndef TCPLAB_TESTS_LIB_PRIVDROP_H
#define TCPLAB_TESTS_LIB_PRIVDROP_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Contract: privdrop_run() forks; the child drops to uid/gid 65534 with no supplementary
 * groups, chdir("/"), stdin /dev/null, stdout+stderr merged into a pipe, and execs argv[0]
 * with exactly env (NULL: empty). The program file is opened before the drop and executed
 * by fd, so its directory need not be searchable by nobody, but the file itself must be
 * executable by others. Needs root. Waits with poll() up to timeout_ms, then SIGKILLs.
 *
 * Returns 0 when the program ran (res filled; free res->output with free()), or a negative
 * errno when it could not be run as nobody at all, with the reason in why: the caller
 * skips its test with that reason.
 */
struct privdrop_result {
	int status;        /* as from waitpid */
	bool timed_out;
	char *output;      /* NUL-terminated, at most 64 KiB kept */
	size_t len;
};

int privdrop_run(const char *const *argv, const char *const *env, int timeout_ms,
                 struct privdrop_result *res, char *why, size_t whylen);

#endif
