/* summary: screen tests of the TUI: the real program in a terminal at a pinned size, driven by keys, against screen dumps. */
#include <criterion/criterion.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/sandbox.h"
#include "tests/lib/tcplab_run.h"
#include "tests/lib/tmuxterm.h"

/*
 * Dumps are in tests/data/tui/NAME.txt; regenerate them deliberately with
 * TCPLAB_UPDATE_GOLDEN=1 and read them before committing. Every test runs in LANG=C (ASCII
 * lines and arrows) unless it says otherwise, and with a fresh XDG_STATE_HOME (no progress).
 * The menu is shown over a tree holding lab 1 alone, so that labs being added elsewhere do
 * not change its dump.
 */

#define CAPTURE "tests/captures/client_close_first.pcap"
#define WAIT_MS 10000

static char cmd[2048];

static const char *tcplab(const char *args)
{
	struct stat st;
	char bin[1024];

	snprintf(bin, sizeof bin, "%s/tcplab", test_build());
	if (stat(bin, &st) < 0)
		cr_skip_test("'%s' is not built (run 'make')", bin);
	snprintf(cmd, sizeof cmd, "exec %s %s", bin, args);
	return cmd;
}

/* The real tree's absolute path (test_root() may be relative). */
static void abs_root(char *out, size_t len)
{
	char cwd[512];

	if (test_root()[0] == '/') {
		snprintf(out, len, "%s", test_root());
		return;
	}
	cr_assert_not_null(getcwd(cwd, sizeof cwd));
	snprintf(out, len, "%s/%s", cwd, test_root());
}

/* A root with labs/README.md and labs 1 and 2 (symlinks to the real ones), so that labs
 * being written elsewhere in the tree cannot break 'tcplab demo 2'. */
static char *two_lab_root(void)
{
	static char dir[128];
	char path[1024], target[1024], root[700];
	FILE *f;

	snprintf(dir, sizeof dir, "/tmp/tcplab-tui-root-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/labs", dir);
	cr_assert_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof path, "%s/labs/README.md", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("labs\n", f);
	fclose(f);
	abs_root(root, sizeof root);
	for (int i = 0; i < 2; i++) {
		const char *slug = i ? "02-nagle" : "01-handshake";
		snprintf(target, sizeof target, "%s/labs/%s", root, slug);
		snprintf(path, sizeof path, "%s/labs/%s", dir, slug);
		cr_assert_eq(symlink(target, path), 0);
	}
	return dir;
}

/* A root with labs/README.md and lab 1 only (a symlink to the real one). */
static char *one_lab_root(void)
{
	static char dir[128];
	char path[1024], target[1024];
	FILE *f;

	snprintf(dir, sizeof dir, "/tmp/tcplab-tui-root-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/labs", dir);
	cr_assert_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof path, "%s/labs/README.md", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("labs\n", f);
	fclose(f);
	if (test_root()[0] == '/')
		snprintf(target, sizeof target, "%s/labs/01-handshake", test_root());
	else {
		char cwd[512];
		cr_assert_not_null(getcwd(cwd, sizeof cwd));
		snprintf(target, sizeof target, "%s/%s/labs/01-handshake", cwd, test_root());
	}
	snprintf(path, sizeof path, "%s/labs/01-handshake", dir);
	cr_assert_eq(symlink(target, path), 0);
	return dir;
}

static void rm_rf(const char *dir)
{
	char c[256];
	snprintf(c, sizeof c, "rm -rf '%s'", dir);
	cr_assert_eq(system(c), 0);
}

Test(tui, menu_lists_the_labs_with_progress, .timeout = 30)
{
	char *root = one_lab_root(), env[256];
	const char *e[] = { env, NULL };
	struct term *t;
	char *s;

	snprintf(env, sizeof env, "TCPLAB_ROOT=%s", root);
	t = term_start(80, 24, e, tcplab(""));
	s = term_wait(t, "Enter open the lesson", WAIT_MS);
	term_expect(s, "menu_80x24");
	free(s);
	term_stop(t);
	rm_rf(root);
}

Test(tui, lesson_step_shows_text_and_step_count, .timeout = 30)
{
	char *root = one_lab_root(), env[256];
	const char *e[] = { env, NULL };
	const char *enter[] = { "Enter", NULL };
	struct term *t;
	char *s;

	snprintf(env, sizeof env, "TCPLAB_ROOT=%s", root);
	t = term_start(80, 24, e, tcplab(""));
	free(term_wait(t, "Enter open the lesson", WAIT_MS));
	term_keys(t, enter);
	s = term_wait(t, "step 1/", WAIT_MS);
	term_expect(s, "lesson_step1_80x24");
	free(s);
	term_stop(t);
	rm_rf(root);
}

Test(tui, inspect_opens_on_the_syn_and_explains_it, .timeout = 30)
{
	struct term *t = term_start(80, 24, NULL, tcplab("inspect " CAPTURE));
	char *s = term_wait(t, "10 segments of 12 packets", WAIT_MS);

	cr_expect(strstr(s, "the receiver (client) can take 65,495 more bytes"));
	term_expect(s, "inspect_syn_80x24");
	free(s);
	term_stop(t);
}

Test(tui, detail_of_an_ack_says_what_it_acknowledges, .timeout = 30)
{
	struct term *t = term_start(80, 24, NULL, tcplab("inspect " CAPTURE));
	const char *down[] = { "j", "j", "j", "j", NULL };
	char *s;

	free(term_wait(t, "10 segments of 12 packets", WAIT_MS));
	term_keys(t, down);
	s = term_wait(t, "Frame 7 ", WAIT_MS);
	cr_expect(strstr(s, "this ACK acknowledges bytes 1-5"), "screen:\n%s", s);
	free(s);
	term_stop(t);
}

Test(tui, help_lists_every_key, .timeout = 30)
{
	struct term *t = term_start(80, 24, NULL, tcplab("inspect " CAPTURE));
	const char *help[] = { "?", NULL };
	char *s;

	free(term_wait(t, "10 segments of 12 packets", WAIT_MS));
	term_keys(t, help);
	s = term_wait(t, "help: keys", WAIT_MS);
	term_expect(s, "help_80x24");
	free(s);
	term_stop(t);
}

Test(tui, resize_lays_everything_out_again, .timeout = 30)
{
	struct term *t = term_start(80, 24, NULL, tcplab("inspect " CAPTURE));
	char *s;

	free(term_wait(t, "10 segments of 12 packets", WAIT_MS));
	term_resize(t, 100, 30);
	/* At 100 columns the title's right part ends at column 99. */
	s = term_wait(t, "                    10 segments of 12 packets", WAIT_MS);
	term_expect(s, "inspect_syn_100x30");
	free(s);
	term_resize(t, 80, 24);
	s = term_wait(t, "q back  Tab pane", WAIT_MS);
	free(s);
	s = term_wait(t, "10 segments of 12 packets", WAIT_MS);
	term_expect(s, "inspect_syn_80x24");
	free(s);
	term_stop(t);
}

/* Any SGR with a foreground or background colour: ESC [ ... 3x or 4x ... m */
static bool has_colour(const char *s)
{
	regex_t re;
	bool found;

	cr_assert_eq(regcomp(&re, "\033\\[([0-9]+;)*[34][0-7](;[0-9]+)*m", REG_EXTENDED), 0);
	found = regexec(&re, s, 0, NULL, 0) == 0;
	regfree(&re);
	return found;
}

Test(tui, no_color_means_no_colour_at_80x24, .timeout = 30)
{
	const char *nc[] = { "NO_COLOR=1", "TERM=screen-256color", NULL };
	const char *col[] = { "TERM=screen-256color", NULL };
	struct term *t = term_start(80, 24, nc, tcplab("inspect " CAPTURE));
	char *s, *esc;

	s = term_wait(t, "10 segments of 12 packets", WAIT_MS);
	esc = term_screen(t, true);
	cr_expect(!has_colour(esc), "NO_COLOR set, but the screen has colours:\n%s", esc);
	cr_expect(strstr(esc, "\033[7m") || strstr(esc, ";7m"), "the selection is not in reverse video");
	term_expect(s, "inspect_syn_80x24");
	free(s);
	free(esc);
	term_stop(t);

	/* The same screen without NO_COLOR has colours: the check above can fail. */
	t = term_start(80, 24, col, tcplab("inspect " CAPTURE));
	free(term_wait(t, "10 segments of 12 packets", WAIT_MS));
	esc = term_screen(t, true);
	cr_expect(has_colour(esc), "without NO_COLOR the screen should have colours");
	free(esc);
	term_stop(t);
}

Test(tui, utf8_locale_draws_box_glyphs, .timeout = 30)
{
	const char *e[] = { "LANG=C.UTF-8", "LC_ALL=C.UTF-8", NULL };
	struct term *t = term_start(80, 24, e, tcplab("inspect " CAPTURE));
	char *s = term_wait(t, "10 segments of 12 packets", WAIT_MS);

	cr_expect(strstr(s, "\u2500\u2500 detail"), "no UTF-8 line glyphs:\n%s", s);
	free(s);
	term_stop(t);
}

Test(tui, invalid_filter_shows_libpcaps_message, .timeout = 30)
{
	struct term *t = term_start(80, 24, NULL, tcplab("inspect " CAPTURE));
	const char *slash[] = { "/", NULL };
	const char *enter[] = { "Enter", NULL };
	const char *clear[] = { "/", "C-u", NULL };
	char *s, *esc;

	free(term_wait(t, "10 segments of 12 packets", WAIT_MS));
	term_keys(t, slash);
	term_type(t, "tcp port");
	free(term_wait(t, "filter (BPF): tcp port", WAIT_MS));
	term_keys(t, enter);
	s = term_wait(t, "filter 'tcp port': ", WAIT_MS);
	cr_expect(strstr(s, "syntax error"), "libpcap's message is missing:\n%s", s);
	esc = term_screen(t, true);
	cr_expect(strstr(esc, "\033[1m") || has_colour(esc));
	free(esc);
	free(s);
	term_keys(t, clear);
	term_type(t, "tcp[13] & 2 != 0");
	term_keys(t, enter);
	s = term_wait(t, "2 shown", WAIT_MS);
	cr_expect(strstr(s, "     3 ") && strstr(s, "     4 ") && !strstr(s, "     5 "),
	          "the filter should keep frames 3 and 4 only:\n%s", s);
	free(s);
	term_stop(t);
}

Test(tui, demo_steps_forward_and_back, .timeout = 30)
{
	struct term *t = term_start(80, 24, NULL, tcplab("demo 1 --pcap " CAPTURE));
	const char *fwd[] = { "Right", "Right", "Right", NULL };
	const char *back[] = { "Left", NULL };
	char *s;

	free(term_wait(t, "replay  1/10", WAIT_MS));
	term_keys(t, fwd);
	s = term_wait(t, "replay  4/10", WAIT_MS);
	term_expect(s, "demo_step4_80x24");
	free(s);
	term_keys(t, back);
	s = term_wait(t, "replay  3/10", WAIT_MS);
	term_expect(s, "demo_step3_80x24");
	free(s);
	term_stop(t);
}

Test(tui, demo_auto_advances_on_its_own, .timeout = 30)
{
	struct term *t = term_start(80, 24, NULL, tcplab("demo 1 --auto 0.25 --pcap " CAPTURE));
	char *s = term_wait(t, "replay  10/10  playing", WAIT_MS);

	free(s);
	term_stop(t);
}

/* The wire's rows of a ladder dump, times cut off, runs of blanks and dashes squeezed. */
static char *wire_rows(const char *screen)
{
	char *out = calloc(1, strlen(screen) + 1), *o = out;
	const char *l = screen;

	cr_assert_not_null(out);
	while (*l) {
		const char *e = strchr(l, '\n');
		size_t n = e ? (size_t)(e - l) : strlen(l);
		char line[512];

		snprintf(line, sizeof line, "%.*s", (int)n, l);
		if (strstr(line, "---") && (strstr(line, "->") || strstr(line, "<-"))) {
			char *p = line;
			while (*p == ' ' || (*p >= '0' && *p <= '9') || *p == '.')
				p++;
			for (char last = 0; *p; p++) {
				if ((*p == ' ' || *p == '-') && last == *p)
					continue;
				*o++ = last = *p;
			}
			*o++ = '\n';
		}
		l = e ? e + 1 : l + n;
	}
	return out;
}

Test(tui, ladder_of_lab1_live_shows_calls_and_segments, .timeout = 60)
{
	struct sandbox_caps caps;
	const char *keys1[] = { "Enter", NULL };
	const char *next[] = { "Right", NULL };
	const char *ladder[] = { "a", NULL };
	char *root, env[256], *s, *rows;
	const char *e[] = { env, NULL };
	struct term *t;

	sandbox_probe(&caps);
	if (!caps.netns || !caps.veth || !caps.capture)
		cr_skip_test("lab runs are not possible here: %s%s%s", caps.netns_why, caps.veth_why,
		             caps.capture_why);
	root = one_lab_root();
	snprintf(env, sizeof env, "TCPLAB_ROOT=%s", root);
	t = term_start(120, 60, e, tcplab(""));
	free(term_wait(t, "Enter open the lesson", WAIT_MS));
	term_keys(t, keys1);
	free(term_wait(t, "step 1/", WAIT_MS));
	term_keys(t, next);
	s = term_wait(t, "checks passed", 30000);
	cr_expect(strstr(s, "step 2/"));
	free(s);
	term_keys(t, ladder);
	s = term_wait(t, "ladder  lab 1 client-first", WAIT_MS);
	cr_expect(strstr(s, "connect(3, 10.99.0.2:8000) ..."), "connect's entry:\n%s", s);
	cr_expect(strstr(s, "connect() = 0 blocked "), "connect's return:\n%s", s);
	cr_expect(strstr(s, "accept() = 4 blocked "), "accept's return:\n%s", s);
	rows = wire_rows(s);
	term_expect(rows, "lab1_ladder_wire");
	free(rows);
	free(s);

	/* The checks, and Enter on the handshake's jumps to the segment it points at. */
	const char *checks[] = { "q", "c", NULL };
	const char *third[] = { "j", "j", "Enter", NULL };
	term_keys(t, checks);
	s = term_wait(t, "Enter the segment it points at", WAIT_MS);
	cr_expect(strstr(s, " PASS         three-way handshake"), "checks:\n%s", s);
	free(s);
	term_keys(t, third);
	s = term_wait(t, "SYN  synchronize", WAIT_MS);
	cr_expect(strstr(s, "client -> server"), "the handshake check points at the SYN:\n%s", s);
	free(s);
	term_stop(t);
	rm_rf(root);
}

/* Leaving restores the terminal: same stty settings, alternate screen off. */
static void left_cleanly(const char *how, int sig)
{
	char dir[] = "/tmp/tcplab-tui-tty-XXXXXX", c[4096], a[256], b[256], pidf[256];
	const char *q[] = { "q", NULL };
	struct term *t;
	char *s, *before, *after, *alt;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(a, sizeof a, "%s/after", dir);
	snprintf(b, sizeof b, "%s/before", dir);
	snprintf(pidf, sizeof pidf, "%s/pid", dir);
	tcplab("inspect " CAPTURE);
	snprintf(c, sizeof c, "stty -g > %s; sh -c \"echo \\$\\$ > %s; %s\"; stty -g > %s; "
	         "echo LEFT-%s; read x", b, pidf, cmd, a, how);
	t = term_start(80, 24, NULL, c);
	free(term_wait(t, "10 segments of 12 packets", WAIT_MS));
	alt = term_query(t, "#{alternate_on}");
	cr_expect_str_eq(alt, "1", "the TUI should use the alternate screen");
	free(alt);
	if (sig) {
		char *p = test_slurp(pidf);
		cr_assert_eq(kill((pid_t)atoi(p), sig), 0);
		free(p);
	} else {
		term_keys(t, q);
	}
	snprintf(c, sizeof c, "LEFT-%s", how);
	s = term_wait(t, c, WAIT_MS);
	cr_expect(!strstr(s, "segments of 12 packets"), "the TUI's screen is still shown:\n%s", s);
	free(s);
	before = test_slurp(b);
	after = test_slurp(a);
	cr_expect_str_eq(after, before, "terminal modes changed after leaving by %s", how);
	alt = term_query(t, "#{alternate_on}");
	cr_expect_str_eq(alt, "0", "still on the alternate screen after leaving by %s", how);
	free(alt);
	free(before);
	free(after);
	term_stop(t);
	rm_rf(dir);
}

Test(tui, q_restores_the_terminal, .timeout = 30) { left_cleanly("q", 0); }
Test(tui, sigterm_restores_the_terminal, .timeout = 30) { left_cleanly("term", SIGTERM); }
Test(tui, sighup_restores_the_terminal, .timeout = 30) { left_cleanly("hup", SIGHUP); }
Test(tui, a_crash_restores_the_terminal, .timeout = 30) { left_cleanly("segv", SIGSEGV); }

/* ---- grading, narration, a failing check, an unprivileged user ---- */

static void need_lab_runs(void)
{
	struct sandbox_caps caps;

	sandbox_probe(&caps);
	if (!caps.netns || !caps.veth || !caps.capture)
		cr_skip_test("lab runs are not possible here: %s%s%s", caps.netns_why, caps.veth_why,
		             caps.capture_why);
}

/* The lines of a screen that start with a verdict or the score (times vary, these do not). */
static char *verdict_rows(const char *screen)
{
	char *out = calloc(1, strlen(screen) + 1), *o = out;
	const char *l = screen;

	cr_assert_not_null(out);
	while (*l) {
		const char *e = strchr(l, '\n');
		size_t n = e ? (size_t)(e - l) : strlen(l);

		if (!strncmp(l, " PASS ", 6) || !strncmp(l, " FAIL ", 6) ||
		    !strncmp(l, " inconclusive ", 14) || !strncmp(l, " score: ", 8)) {
			memcpy(o, l, n);
			o += n;
			*o++ = '\n';
		}
		l = e ? e + 1 : l + n;
	}
	return out;
}

Test(tui, demo_narrates_the_nagle_stall_from_the_labs_data, .timeout = 30)
{
	char *root = two_lab_root(), env[256];
	const char *e[] = { env, NULL };
	const char *fwd[] = { "Right", "Right", "Right", "Right", "Right", "Right", "Right",
	                      "Right", "Right", "Right", "Right", NULL };
	const char *back[] = { "Left", NULL };
	struct term *t;
	char *s;

	snprintf(env, sizeof env, "TCPLAB_ROOT=%s", root);
	t = term_start(80, 24, e, tcplab("demo 2 --pcap tests/data/tui/lab2_nagle.pcap"));
	free(term_wait(t, "replay  1/107", WAIT_MS));
	term_keys(t, fwd);
	/* Segment 12: the body, after the header's ACK came ~40 ms late. */
	s = term_wait(t, "replay  12/107", WAIT_MS);
	cr_expect(strstr(s, "The body waits: Nagle holds it until the header is ACKed; the server"
	                 " delays\n  that ACK ~40 ms."), "the lab's narration of the stall:\n%s", s);
	term_expect(s, "demo_lab2_stall_80x24");
	free(s);
	term_keys(t, back);
	s = term_wait(t, "replay  11/107", WAIT_MS);
	cr_expect(strstr(s, "the server's delayed-ACK timer fires"), "the delayed ACK:\n%s", s);
	free(s);
	/* A segment no rule matches keeps the generated sentence. */
	term_keys(t, back);
	s = term_wait(t, "replay  10/107", WAIT_MS);
	cr_expect(strstr(s, "A request's 4-byte header leaves at once"), "%s", s);
	free(s);
	term_keys(t, back);
	s = term_wait(t, "replay  9/107", WAIT_MS);
	cr_expect(strstr(s, "The client acknowledges the server's bytes up to 23."), "%s", s);
	free(s);
	term_stop(t);
	rm_rf(root);
}

Test(tui, grade_screen_passes_the_reference_solution, .timeout = 90)
{
	char *root, env[256], src[900], abs[700], *s, *rows;
	const char *e[] = { env, src, NULL };
	const char *grade[] = { "e", NULL };
	const char *third[] = { "j", "j", "Enter", NULL };
	const char *back[] = { "q", "q", NULL };
	struct term *t;

	need_lab_runs();
	root = one_lab_root();
	abs_root(abs, sizeof abs);
	snprintf(env, sizeof env, "TCPLAB_ROOT=%s", root);
	snprintf(src, sizeof src, "TCPLAB_GRADE_SRC=%s/solutions/01-handshake", abs);
	t = term_start(80, 24, e, tcplab(""));
	free(term_wait(t, "Enter open the lesson", WAIT_MS));
	term_keys(t, grade);
	s = term_wait(t, "every check passed", 60000);
	cr_expect(strstr(s, "source: ") && strstr(s, "/solutions/01-handshake"), "%s", s);
	rows = verdict_rows(s);
	term_expect(rows, "grade_lab1_solution");
	free(rows);
	free(s);
	/* Enter on the handshake's check opens the segment it points at: the SYN. */
	term_keys(t, third);
	s = term_wait(t, "SYN  synchronize", WAIT_MS);
	cr_expect(strstr(s, "client -> server"), "%s", s);
	free(s);
	/* The grade is recorded: the menu says so. */
	term_keys(t, back);
	s = term_wait(t, "exercise passed", WAIT_MS);
	free(s);
	term_stop(t);
	rm_rf(root);
}

Test(tui, grade_screen_shows_the_compilers_output, .timeout = 60)
{
	char dir[] = "/tmp/tcplab-tui-broken-XXXXXX", path[128], env[256], src[256], *s, *p;
	char *root;
	const char *e[] = { env, src, NULL };
	const char *grade[] = { "e", NULL };
	struct term *t;
	FILE *f;

	need_lab_runs();
	root = one_lab_root();
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/echo_client.c", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("int main(void)\n{\n\treturn missing_function(;\n}\n", f);
	fclose(f);
	snprintf(env, sizeof env, "TCPLAB_ROOT=%s", root);
	snprintf(src, sizeof src, "TCPLAB_GRADE_SRC=%s", dir);
	t = term_start(80, 24, e, tcplab(""));
	free(term_wait(t, "Enter open the lesson", WAIT_MS));
	term_keys(t, grade);
	s = term_wait(t, "the build failed; the compiler said:", 30000);
	cr_expect(strstr(s, "echo_client.c:3:"), "the compiler's own words:\n%s", s);
	cr_expect(strstr(s, "error: expected expression"), "%s", s);
	/* The folder's random name, made stable for the dump. */
	while ((p = strstr(s, dir)))
		memcpy(p, "/tmp/tcplab-tui-broken-DIRDIR", strlen(dir));
	term_expect(s, "grade_build_failed_80x24");
	free(s);
	term_stop(t);
	rm_rf(dir);
	rm_rf(root);
}

/* A lab 1 whose only variant runs the server-first programs against client-first.expect. */
static char *fake_lab1_root(void)
{
	static char dir[128];
	char path[2048], root[700];
	FILE *f;

	snprintf(dir, sizeof dir, "/tmp/tcplab-tui-fake-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	abs_root(root, sizeof root);
	snprintf(path, sizeof path, "mkdir -p '%s/labs/01-handshake' && : > '%s/labs/README.md' && "
	         "cp '%s/labs/01-handshake/client-first.expect' '%s/labs/01-handshake/'",
	         dir, dir, root, dir);
	cr_assert_eq(system(path), 0, "%s", path);
	snprintf(path, sizeof path, "%s/labs/01-handshake/lab.conf", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("number = 1\ntitle = the wrong closer\ntopology = two-hosts\nlesson = lesson.txt\n"
	      "[variant v]\nserver = echo_server --addr {server} --port {port} --close first\n"
	      "client = echo_client --host {server} --port {port} --close after-peer\n"
	      "expect = client-first.expect\n", f);
	fclose(f);
	snprintf(path, sizeof path, "%s/labs/01-handshake/lesson.txt", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("## Who closes first\nrun: v\nThe server closes first here.\n", f);
	fclose(f);
	return dir;
}

Test(tui, checks_screen_shows_a_fail_with_the_reason, .timeout = 60)
{
	char *root, env[256], *s, *rows;
	const char *e[] = { env, NULL };
	const char *open[] = { "Enter", NULL };
	const char *checks[] = { "c", NULL };
	struct term *t;

	need_lab_runs();
	root = fake_lab1_root();
	snprintf(env, sizeof env, "TCPLAB_ROOT=%s", root);
	t = term_start(100, 40, e, tcplab(""));
	free(term_wait(t, "Enter open the lesson", WAIT_MS));
	term_keys(t, open);
	free(term_wait(t, "checks passed", 30000));
	term_keys(t, checks);
	s = term_wait(t, "Enter the segment it points at", WAIT_MS);
	cr_expect(strstr(s, "the server closed first"), "the reason:\n%s", s);
	rows = verdict_rows(s);
	term_expect(rows, "checks_fail_lab1");
	free(rows);
	free(s);
	term_stop(t);
	rm_rf(root);
}

Test(tui, runs_a_lab_live_as_an_unprivileged_user, .timeout = 60)
{
	char *root, env[256], state[] = "/tmp/tcplab-tui-nobody-XXXXXX", xdg[256], c[2048];
	char *s;
	const char *e[] = { env, xdg, NULL };
	const char *keys1[] = { "Enter", NULL };
	const char *next[] = { "Right", NULL };
	struct sandbox_caps caps;
	struct term *t;

	if (geteuid() != 0)
		cr_skip_test("runs as the user it is (not root): the other tests already are unprivileged");
	if (system("command -v setpriv >/dev/null 2>&1") != 0)
		cr_skip_test("setpriv (util-linux) is not installed: cannot drop to nobody in the terminal");
	sandbox_probe(&caps);
	if (!caps.userns)
		cr_skip_test("an unprivileged user cannot make namespaces here: %s", caps.userns_why);
	root = one_lab_root();
	cr_assert_eq(chmod(root, 0755), 0);        /* mkdtemp made it 0700 */
	cr_assert_not_null(mkdtemp(state));
	cr_assert_eq(chmod(state, 0777), 0);
	snprintf(env, sizeof env, "TCPLAB_ROOT=%s", root);
	snprintf(xdg, sizeof xdg, "XDG_STATE_HOME=%s", state);
	/* The TUI as uid/gid 65534 in the terminal tmux gives it. */
	snprintf(c, sizeof c, "setpriv --reuid=65534 --regid=65534 --clear-groups %s", tcplab("") + 5);
	t = term_start(80, 24, e, c);
	free(term_wait(t, "Enter open the lesson", WAIT_MS));
	term_keys(t, keys1);
	free(term_wait(t, "step 1/", WAIT_MS));
	term_keys(t, next);
	s = term_wait(t, "checks passed", 30000);
	cr_expect(strstr(s, "8 of 8 checks passed"), "as nobody:\n%s", s);
	free(s);
	term_stop(t);
	snprintf(c, sizeof c, "%s/tcplab/progress", state);
	s = test_slurp(c);
	cr_expect(strstr(s, "1 demo"), "progress written by nobody: '%s'", s);
	free(s);
	rm_rf(state);
	rm_rf(root);
}

/* ---- the demo's side-by-side comparison ---- */

#define CMP_ARGS "demo 2 --compare nagle,nodelay --pcap tests/data/tui/lab2_nagle.pcap " \
                 "--pcap tests/data/tui/lab2_nodelay.pcap"

/* The comparison of lab 2 from two saved captures, stepped to segment 12 on both sides. */
static struct term *compare_at_12(int cols, int rows, const char *const *env)
{
	const char *fwd[] = { "Right", "Right", "Right", "Right", "Right", "Right", "Right",
	                      "Right", "Right", "Right", "Right", NULL };
	struct term *t = term_start(cols, rows, env, tcplab(CMP_ARGS));

	free(term_wait(t, "1/88", WAIT_MS));
	term_keys(t, fwd);
	return t;
}

Test(tui, compare_shows_nagle_and_nodelay_side_by_side_at_80x24, .timeout = 30)
{
	char *root = two_lab_root(), env[256], *s, *esc;
	const char *e[] = { env, "NO_COLOR=1", "TERM=screen-256color", NULL };
	struct term *t;

	snprintf(env, sizeof env, "TCPLAB_ROOT=%s", root);
	t = compare_at_12(80, 24, e);
	s = term_wait(t, "12/88", WAIT_MS);
	/* Each side's measures: the stall is in the numbers, not only in the ladder. */
	cr_expect(strstr(s, "nagle (replay)") && strstr(s, "nodelay (replay)"), "%s", s);
	cr_expect(strstr(s, "RTT 43.8ms  19 delayed ACKs  107 segs |"), "nagle's measures:\n%s", s);
	cr_expect(strstr(s, "| RTT 0.059ms  0 delayed ACKs  88 segs"), "nodelay's measures:\n%s", s);
	/* Each side narrated from the lab's data: Nagle holds the body, NODELAY does not. */
	cr_expect(strstr(s, "The body waits: Nagle holds it until"), "%s", s);
	esc = term_screen(t, true);
	cr_expect(!has_colour(esc), "NO_COLOR set, but the screen has colours:\n%s", esc);
	free(esc);
	term_expect(s, "compare_lab2_80x24");
	free(s);
	term_stop(t);
	rm_rf(root);
}

Test(tui, compare_steps_both_together_or_each_alone, .timeout = 30)
{
	char *root = two_lab_root(), env[256], *s;
	const char *e[] = { env, NULL };
	const char *left_back[] = { "Tab", "Left", "Left", NULL };
	const char *right_fwd[] = { "Tab", "Right", NULL };
	const char *both_back[] = { "Tab", "Left", NULL };
	const char *restart[] = { "0", NULL };
	const char *last[] = { "G", NULL };
	struct term *t;

	snprintf(env, sizeof env, "TCPLAB_ROOT=%s", root);
	t = compare_at_12(80, 24, e);
	free(term_wait(t, "12/107 |", WAIT_MS));
	/* Tab: the left side alone steps back; the right stays where it was. */
	term_keys(t, left_back);
	s = term_wait(t, "step left", WAIT_MS);
	free(s);
	s = term_wait(t, "10/107 |", WAIT_MS);
	cr_expect(strstr(s, "12/88"), "the right side moved with the left:\n%s", s);
	cr_expect(strstr(s, " A request's 4-byte header leaves at"), "left's narration:\n%s", s);
	free(s);
	/* Tab again: the right side alone steps forward. */
	term_keys(t, right_fwd);
	s = term_wait(t, "13/88", WAIT_MS);
	cr_expect(strstr(s, "step right") && strstr(s, "10/107 |"), "%s", s);
	free(s);
	/* Tab again: both, one step back each. */
	term_keys(t, both_back);
	s = term_wait(t, "12/88", WAIT_MS);
	cr_expect(strstr(s, "step both") && strstr(s, " 9/107 |"), "%s", s);
	free(s);
	term_keys(t, last);
	s = term_wait(t, "88/88", WAIT_MS);
	cr_expect(strstr(s, "107/107 |"), "%s", s);
	free(s);
	term_keys(t, restart);
	s = term_wait(t, "1/88", WAIT_MS);
	cr_expect(strstr(s, " 1/107 |"), "%s", s);
	free(s);
	term_stop(t);
	rm_rf(root);
}

Test(tui, compare_at_140x40_shows_times_addresses_and_full_labels, .timeout = 30)
{
	char *root = two_lab_root(), env[256], *s;
	const char *e[] = { env, NULL };
	struct term *t;

	snprintf(env, sizeof env, "TCPLAB_ROOT=%s", root);
	t = compare_at_12(140, 40, e);
	s = term_wait(t, "12/88", WAIT_MS);
	cr_expect(strstr(s, "median round trip 43.8 ms  19 delayed ACKs  107 segments in"), "%s", s);
	cr_expect(strstr(s, "  42.07  |---------------- P. seq 19 len 10 ack 24"), "%s", s);
	term_expect(s, "compare_lab2_140x40");
	free(s);
	/* Resizing to 80x24 lays it out again, compact. */
	term_resize(t, 80, 24);
	s = term_wait(t, "RTT 43.8ms", WAIT_MS);
	free(s);
	s = term_wait(t, "12/88", WAIT_MS);
	term_expect(s, "compare_lab2_80x24");
	free(s);
	term_stop(t);
	rm_rf(root);
}

Test(tui, compare_key_opens_it_from_the_demo, .timeout = 60)
{
	char *root = two_lab_root(), env[256], *s;
	const char *e[] = { env, NULL };
	const char *cmp[] = { "C", NULL };
	const char *back[] = { "q", NULL };
	struct term *t;

	snprintf(env, sizeof env, "TCPLAB_ROOT=%s", root);
	t = term_start(80, 24, e, tcplab("demo 2 --pcap tests/data/tui/lab2_nagle.pcap"));
	free(term_wait(t, "replay  1/107", WAIT_MS));
	term_keys(t, cmp);
	/* Left: the replay; right: the next variant, run live (or why it cannot run here). */
	s = term_wait(t, "compare  lab 2", WAIT_MS);
	cr_expect(strstr(s, "lab2_nagle.pcap") && strstr(s, "nodelay"), "%s", s);
	free(s);
	term_keys(t, back);
	s = term_wait(t, "replay  1/107", WAIT_MS);
	cr_expect(strstr(s, "C compare"), "the demo lists the key:\n%s", s);
	free(s);
	term_stop(t);
	rm_rf(root);
}

Test(tui, compare_runs_both_variants_live_one_after_the_other, .timeout = 90)
{
	char *root, env[256], *s;
	const char *e[] = { env, NULL };
	const char *last[] = { "G", NULL };
	struct term *t;

	need_lab_runs();
	root = two_lab_root();
	snprintf(env, sizeof env, "TCPLAB_ROOT=%s", root);
	t = term_start(120, 30, e, tcplab("demo 2 --compare nagle,nodelay"));
	/* The right side waits for the left's run: one lab run at a time. */
	s = term_wait(t, "waits for the other side's run", WAIT_MS);
	free(s);
	s = term_wait(t, "0 delayed ACKs", 60000);
	cr_expect(strstr(s, "> nagle ") && strstr(s, "> nodelay "), "%s", s);
	cr_expect(strstr(s, "19 delayed ACKs"), "nagle's stalls:\n%s", s);
	free(s);
	term_keys(t, last);
	s = term_wait(t, "F. seq", WAIT_MS);
	free(s);
	term_stop(t);
	rm_rf(root);
}

Test(tui, demo_compare_options_are_checked, .timeout = 30)
{
	static const struct {
		const char *args[10];
		const char *says;
	} bad[] = {
		{ { "demo", "2", "--compare", "nagle", NULL }, "is not two variants" },
		{ { "demo", "2", "--compare", "nagle,bogus", NULL }, "no variant 'bogus'" },
		{ { "demo", "2", "--compare", "nagle,nodelay", "--variant", "nagle", NULL },
		  "either --variant or --compare" },
		{ { "demo", "2", "--compare", "nagle,nodelay", "--pcap", "x.pcap", NULL },
		  "needs two captures" },
		{ { "demo", "2", "--pcap", "a", "--pcap", "b", "--pcap", "c" }, "at most two" },
	};
	struct tcplab_result r;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		tcplab_run(&r, bad[i].args);
		cr_expect_eq(r.status, 2, "%s: status %d", bad[i].args[3], r.status);
		cr_expect(strstr(r.err, bad[i].says), "%s: stderr '%s'", bad[i].says, r.err);
	}
	const char *help[] = { "demo", "--help", NULL };
	tcplab_run(&r, help);
	cr_expect(strstr(r.out, "--compare V1,V2"), "%s", r.out);
}
