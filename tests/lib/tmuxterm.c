/* summary: drive a program in a private tmux server at a pinned size and read its screen (see tmuxterm.h). */
#include "tests/lib/tmuxterm.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/lib/tcplab_run.h"

struct term {
	char dir[64];
	char sock[128];
};

/* Run tmux with args; its stdout, NUL-terminated and malloc'ed. Fails the test if tmux
 * fails (unless may_fail). */
static char *tmux(struct term *t, bool may_fail, const char *const *args)
{
	const char *argv[48];
	size_t n = 0, cap = 8192, len = 0;
	int pfd[2], status;
	pid_t pid;
	char *out = malloc(cap);

	cr_assert_not_null(out);
	argv[n++] = "tmux";
	/* UTF-8 whatever the tests' own locale: a UTF-8 test's Hangul is kept as it is */
	argv[n++] = "-u";
	argv[n++] = "-S";
	argv[n++] = t->sock;
	argv[n++] = "-f";
	argv[n++] = "/dev/null";
	for (size_t i = 0; args[i]; i++) {
		cr_assert_lt(n, sizeof argv / sizeof argv[0] - 1);
		argv[n++] = args[i];
	}
	argv[n] = NULL;
	cr_assert_eq(pipe(pfd), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		execvp("tmux", (char *const *)argv);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		ssize_t got;
		if (len + 1 == cap) {
			cap *= 2;
			out = realloc(out, cap);
			cr_assert_not_null(out);
		}
		got = read(pfd[0], out + len, cap - len - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		len += (size_t)got;
	}
	out[len] = '\0';
	close(pfd[0]);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	if (!may_fail)
		cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "tmux %s failed (status %d)",
		          args[0], status);
	return out;
}

struct term *term_start(int cols, int rows, const char *const *env, const char *cmd)
{
	struct term *t = calloc(1, sizeof *t);
	char x[16], y[16], *shell, *o;
	const char *args[64];
	size_t n = 0, sl;
	bool lang = false;

	cr_assert_not_null(t);
	if (system("command -v tmux >/dev/null 2>&1") != 0)
		cr_skip_test("tmux is not installed (apt-get install tmux; 'make test' installs it)");
	snprintf(t->dir, sizeof t->dir, "/tmp/tcplab-tui-XXXXXX");
	cr_assert_not_null(mkdtemp(t->dir));
	snprintf(t->sock, sizeof t->sock, "%s/sock", t->dir);
	snprintf(x, sizeof x, "%d", cols);
	snprintf(y, sizeof y, "%d", rows);
	sl = strlen(cmd) + 4096;
	shell = malloc(sl);
	cr_assert_not_null(shell);
	/* The environment goes on the command line: tmux's own -e needs a newer tmux. The
	 * labs' language is the test's to give (LANGUAGE, --lang): a developer's Korean
	 * LANGUAGE must not turn every English screen Korean. */
	o = shell;
	o += sprintf(o, "cd '%s' && env -u LANGUAGE -u LC_MESSAGES TCPLAB_BUILD='%s' TCPLAB_ROOT='%s' XDG_STATE_HOME='%s' TERM=screen",
	             test_root(), test_build(), test_root(), t->dir);
	for (size_t i = 0; env && env[i]; i++) {
		cr_assert_lt((size_t)(o - shell) + strlen(env[i]) + 8, sl);
		o += sprintf(o, " '%s'", env[i]);
		lang |= !strncmp(env[i], "LANG=", 5) || !strncmp(env[i], "LC_ALL=", 7);
	}
	if (!lang)
		o += sprintf(o, " LANG=C LC_ALL=C");
	sprintf(o, " sh -c '%s'", cmd);
	args[n++] = "new-session";
	args[n++] = "-d";
	args[n++] = "-x";
	args[n++] = x;
	args[n++] = "-y";
	args[n++] = y;
	args[n++] = shell;
	args[n++] = ";";
	args[n++] = "set-option";
	args[n++] = "-g";
	args[n++] = "status";
	args[n++] = "off";
	args[n++] = ";";
	args[n++] = "set-option";
	args[n++] = "-g";
	args[n++] = "remain-on-exit";
	args[n++] = "on";
	args[n++] = ";";
	args[n++] = "set-window-option";
	args[n++] = "-g";
	args[n++] = "aggressive-resize";
	args[n++] = "off";
	args[n] = NULL;
	free(tmux(t, false, args));
	free(shell);
	return t;
}

void term_stop(struct term *t)
{
	const char *kill[] = { "kill-server", NULL };
	char path[160];

	if (!t)
		return;
	free(tmux(t, true, kill));
	unlink(t->sock);
	snprintf(path, sizeof path, "%s/tcplab", t->dir);
	/* XDG_STATE_HOME pointed here: progress the program kept. */
	snprintf(path, sizeof path, "rm -rf '%s'", t->dir);
	if (system(path) != 0) {
		/* a leftover temporary directory is not a test failure */
	}
	free(t);
}

void term_keys(struct term *t, const char *const *keys)
{
	const char *args[40] = { "send-keys", "-t", "0" };
	size_t n = 3;

	for (size_t i = 0; keys[i]; i++) {
		cr_assert_lt(n, sizeof args / sizeof args[0] - 1);
		args[n++] = keys[i];
	}
	args[n] = NULL;
	free(tmux(t, false, args));
}

void term_type(struct term *t, const char *text)
{
	const char *args[] = { "send-keys", "-t", "0", "-l", text, NULL };

	free(tmux(t, false, args));
}

char *term_screen(struct term *t, bool escapes)
{
	const char *plain[] = { "capture-pane", "-p", "-t", "0", NULL };
	const char *esc[] = { "capture-pane", "-p", "-e", "-t", "0", NULL };

	return tmux(t, false, escapes ? esc : plain);
}

char *term_wait(struct term *t, const char *needle, int timeout_ms)
{
	char *prev = NULL, *cur;
	int waited = 0;

	for (;;) {
		cur = term_screen(t, false);
		if (strstr(cur, needle) && prev && !strcmp(prev, cur)) {
			free(prev);
			return cur;
		}
		free(prev);
		prev = cur;
		if (waited >= timeout_ms)
			break;
		/* Re-read the screen: tmux offers no signal for "the program drew". */
		poll(NULL, 0, 20);
		waited += 20;
	}
	cr_assert_fail("the screen never showed '%s' within %d ms; it shows:\n%s", needle, timeout_ms, prev);
	return prev;
}

char *term_query(struct term *t, const char *format)
{
	const char *args[] = { "display-message", "-p", "-t", "0", format, NULL };
	char *s = tmux(t, false, args);
	size_t n = strlen(s);

	while (n && s[n - 1] == '\n')
		s[--n] = '\0';
	return s;
}

void term_resize(struct term *t, int cols, int rows)
{
	char x[16], y[16];
	const char *args[] = { "resize-window", "-t", "0", "-x", x, "-y", y, NULL };

	snprintf(x, sizeof x, "%d", cols);
	snprintf(y, sizeof y, "%d", rows);
	free(tmux(t, false, args));
}

void term_expect(const char *screen, const char *name)
{
	char path[1024], actual[1024];
	const char *update = getenv("TCPLAB_UPDATE_GOLDEN");
	FILE *f;

	snprintf(path, sizeof path, "%s/tests/data/tui/%s.txt", test_root(), name);
	if (update && !strcmp(update, "1")) {
		f = fopen(path, "w");
		cr_assert_not_null(f, "cannot write '%s'", path);
		fputs(screen, f);
		cr_assert_eq(fclose(f), 0);
		return;
	}
	char *want = test_slurp(path);
	if (strcmp(want, screen)) {
		snprintf(actual, sizeof actual, "%s/tests/%s.actual.txt", test_build(), name);
		f = fopen(actual, "w");
		if (f) {
			fputs(screen, f);
			fclose(f);
		}
		cr_assert_fail("screen differs from %s (actual in %s):\n%s", path, actual, screen);
	}
	free(want);
}

struct sgr {
	int fg, bg;
	bool bold, dim, reverse, underline;
};

static void sgr_apply(struct sgr *st, const int *p, size_t n)
{
	if (!n) {
		*st = (struct sgr){ TERM_DEFAULT_COLOUR, TERM_DEFAULT_COLOUR, false, false, false, false };
		return;
	}
	for (size_t i = 0; i < n; i++) {
		int v = p[i];
		if (v == 0)
			*st = (struct sgr){ TERM_DEFAULT_COLOUR, TERM_DEFAULT_COLOUR, false, false, false,
			                    false };
		else if (v == 1)
			st->bold = true;
		else if (v == 2)
			st->dim = true;
		else if (v == 4)
			st->underline = true;
		else if (v == 7)
			st->reverse = true;
		else if (v == 22)
			st->bold = st->dim = false;
		else if (v == 24)
			st->underline = false;
		else if (v == 27)
			st->reverse = false;
		else if (v >= 30 && v <= 37)
			st->fg = v - 30;
		else if (v == 39)
			st->fg = TERM_DEFAULT_COLOUR;
		else if (v >= 40 && v <= 47)
			st->bg = v - 40;
		else if (v == 49)
			st->bg = TERM_DEFAULT_COLOUR;
		else if (v >= 90 && v <= 97)
			st->fg = v - 90 + 8;
		else if (v >= 100 && v <= 107)
			st->bg = v - 100 + 8;
		else if ((v == 38 || v == 48) && i + 2 < n && p[i + 1] == 5) {
			int c = p[i + 2] >= 0 && p[i + 2] < 256 ? p[i + 2] : TERM_DEFAULT_COLOUR;
			if (v == 38)
				st->fg = c;
			else
				st->bg = c;
			i += 2;
		} else if ((v == 38 || v == 48) && i + 4 < n && p[i + 1] == 2) {
			i += 4;         /* direct colour: tmux does not send it to a 256-colour TERM */
		}
	}
}

void term_attrs_of(const char *s, struct term_attrs *a)
{
	struct sgr st = { TERM_DEFAULT_COLOUR, TERM_DEFAULT_COLOUR, false, false, false, false };

	memset(a, 0, sizeof *a);
	while (*s) {
		if (s[0] == '\033' && s[1] == '[') {
			int p[32];
			size_t n = 0;
			const char *q = s + 2;
			p[0] = 0;
			while (*q && ((*q >= '0' && *q <= '9') || *q == ';')) {
				if (*q == ';') {
					if (n < 31)
						n++;
					p[n] = 0;
				} else {
					p[n] = p[n] * 10 + (*q - '0');
				}
				q++;
			}
			if (*q == 'm')
				sgr_apply(&st, p, q > s + 2 ? n + 1 : 0);
			s = *q ? q + 1 : q;
			continue;
		}
		unsigned char c = (unsigned char)*s++;
		if (c == '\n' || (c & 0xc0) == 0x80)
			continue;       /* a line's end, or the rest of a UTF-8 character */
		a->bg[st.reverse ? st.fg : st.bg]++;
		if (c == ' ')
			continue;
		a->chars++;
		a->fg[st.reverse ? st.bg : st.fg]++;
		a->bold += st.bold;
		a->dim += st.dim;
		a->reverse += st.reverse;
		a->underline += st.underline;
	}
}
