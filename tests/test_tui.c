/* summary: screen tests of the TUI: the real program in a terminal at a pinned size, driven by keys, against screen dumps. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <locale.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/sandbox.h"
#include "tests/lib/tcplab_run.h"
#include "capture/pcapio.h"
#include "tests/lib/tmuxterm.h"
#include "util/textcols.h"

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

/* A root with labs/README.md and the labs named (symlinks to the real ones), so that labs
 * being written elsewhere in the tree cannot break the screens under test. */
static char *lab_root(const char *const *slugs)
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
	for (size_t i = 0; slugs[i]; i++) {
		snprintf(target, sizeof target, "%s/labs/%s", root, slugs[i]);
		snprintf(path, sizeof path, "%s/labs/%s", dir, slugs[i]);
		cr_assert_eq(symlink(target, path), 0);
	}
	return dir;
}

/* Labs 1 and 2 ('tcplab demo 2' and its comparison). */
static char *two_lab_root(void)
{
	return lab_root((const char *const[]){ "01-handshake", "02-nagle", NULL });
}

/* Lab 1 alone: the menu's dump does not change as labs are added. */
static char *one_lab_root(void)
{
	return lab_root((const char *const[]){ "01-handshake", NULL });
}

static void rm_rf(const char *dir)
{
	char c[256];
	snprintf(c, sizeof c, "rm -rf '%s'", dir);
	cr_assert_eq(system(c), 0);
}

/* Five attempts at lab 1, the third the best and the last a 6/10: the menu shows both. */
Test(tui, menu_shows_the_last_and_the_best_grade, .timeout = 30)
{
	char *root = one_lab_root(), env[256], xdg[256], state[] = "/tmp/tcplab-tui-state-XXXXXX";
	char path[300];
	const char *e[] = { env, xdg, NULL };
	struct term *t;
	FILE *f;
	char *s;

	cr_assert_not_null(mkdtemp(state));
	snprintf(path, sizeof path, "%s/tcplab", state);
	cr_assert_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof path, "%s/tcplab/progress", state);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("1 tried 10 10 1000 3 5\n"
	      "attempt 1 1 4 10 fail 11 600\nattempt 1 2 8 10 fail 12 700\n"
	      "attempt 1 3 10 10 pass 13 800\nattempt 1 4 9 10 fail 14 900\n"
	      "attempt 1 5 6 10 fail 15 1000\n", f);
	cr_assert_eq(fclose(f), 0);
	snprintf(env, sizeof env, "TCPLAB_ROOT=%s", root);
	snprintf(xdg, sizeof xdg, "XDG_STATE_HOME=%s", state);
	t = term_start(80, 24, e, tcplab(""));
	s = term_wait(t, "Enter open the lesson", WAIT_MS);
	term_expect(s, "menu_grades_80x24");
	free(s);
	term_stop(t);
	rm_rf(state);
	rm_rf(root);
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

/* Issue 12: the menu opens a capture file ('i', a path) in the inspect screens. */
Test(tui, menu_opens_a_capture_file_in_the_inspect_screens, .timeout = 30)
{
	char *root = one_lab_root(), env[256], *s;
	const char *e[] = { env, NULL };
	const char *open[] = { "i", NULL };
	const char *enter[] = { "Enter", NULL };
	const char *back[] = { "q", NULL };
	char path[1024];
	struct term *t;

	snprintf(env, sizeof env, "TCPLAB_ROOT=%s", root);
	abs_root(path, sizeof path - 64);
	strcat(path, "/" CAPTURE);
	t = term_start(80, 24, e, tcplab(""));
	free(term_wait(t, "Enter open the lesson", WAIT_MS));
	term_keys(t, open);
	free(term_wait(t, "open a capture (pcap or pcapng file):", WAIT_MS));
	term_type(t, path);
	term_keys(t, enter);
	s = term_wait(t, "10 segments of 12 packets", WAIT_MS);
	term_expect(s, "menu_open_capture_80x24");
	free(s);
	/* q goes back to the menu, not out of tcplab */
	term_keys(t, back);
	free(term_wait(t, "Enter open the lesson", WAIT_MS));
	term_stop(t);
	rm_rf(root);
}

/* A path that is no capture says why and keeps the menu; so does a missing one. */
Test(tui, menu_says_why_a_capture_cannot_open_and_stays, .timeout = 30)
{
	char *root = one_lab_root(), env[256], *s;
	const char *e[] = { env, NULL };
	const char *open[] = { "i", NULL };
	const char *enter[] = { "Enter", NULL };
	const char *clear[] = { "C-u", NULL };
	struct term *t;

	snprintf(env, sizeof env, "TCPLAB_ROOT=%s", root);
	t = term_start(80, 24, e, tcplab(""));
	free(term_wait(t, "Enter open the lesson", WAIT_MS));
	term_keys(t, open);
	free(term_wait(t, "open a capture", WAIT_MS));
	term_type(t, "/nonexistent/x.pcap");
	term_keys(t, enter);
	s = term_wait(t, "cannot open '/nonexistent/x.pcap'", WAIT_MS);
	term_expect(s, "menu_open_missing_80x24");
	free(s);
	/* the path typed is kept, to fix; a file that is not a capture */
	term_keys(t, open);
	free(term_wait(t, "/nonexistent/x.pcap", WAIT_MS));
	term_keys(t, clear);
	term_type(t, "labs/README.md");
	term_keys(t, enter);
	s = term_wait(t, "is not a pcap or pcapng file", WAIT_MS);
	cr_expect(strstr(s, "tcplab: labs") && strstr(s, "Three-way handshake"),
	          "the menu stays:\n%s", s);
	free(s);
	term_stop(t);
	rm_rf(root);
}

/* Issue 11: Korean typed in a prompt. A capture saved under a Korean name opens from the
 * menu's path prompt, a path longer than the row scrolls, and Backspace takes back a whole
 * Hangul syllable (three bytes). */
Test(tui, a_korean_path_is_typed_and_corrected_in_the_open_prompt, .timeout = 30)
{
	char *root = one_lab_root(), env[256], path[1024], from[1024], cp[2200], *s;
	const char *e[] = { "LANG=C.UTF-8", "LC_ALL=C.UTF-8", env, NULL };
	const char *open[] = { "i", NULL };
	const char *enter[] = { "Enter", NULL };
	const char *bs[] = { "BSpace", NULL };
	struct term *t;

	snprintf(env, sizeof env, "TCPLAB_ROOT=%s", root);
	abs_root(from, sizeof from - 64);
	strcat(from, "/" CAPTURE);
	snprintf(path, sizeof path, "%s/과제 캡처.pcap", root);
	snprintf(cp, sizeof cp, "cp '%s' '%s'", from, path);
	cr_assert_eq(system(cp), 0, "%s", cp);
	t = term_start(80, 24, e, tcplab(""));
	free(term_wait(t, "Enter open the lesson", WAIT_MS));
	term_keys(t, open);
	free(term_wait(t, "open a capture (pcap or pcapng file):", WAIT_MS));
	/* a typo of one syllable, seen, then taken back whole */
	term_type(t, path);
	term_type(t, "가");
	s = term_wait(t, "캡처.pcap가", WAIT_MS);
	/* 80 columns hold no more: the row shows the end, where the typing is */
	cr_expect(strstr(s, "open a capture (pcap or pcapng file): <"), "%s", s);
	free(s);
	term_keys(t, bs);
	term_keys(t, enter);
	s = term_wait(t, "10 segments of 12 packets", WAIT_MS);
	cr_expect(strstr(s, "10 segments of 12 packets"), "the capture did not open:\n%s", s);
	free(s);
	term_stop(t);
	rm_rf(root);
}

/* 'd' on the menu: the selected lab's demo, as 'tcplab demo N'; q back to the menu. */
Test(tui, menu_d_opens_the_labs_demo, .timeout = 60)
{
	char *root = two_lab_root(), env[256], *s;
	const char *e[] = { env, NULL };
	const char *down_demo[] = { "Down", "d", NULL };
	const char *back[] = { "q", NULL };
	struct term *t;

	snprintf(env, sizeof env, "TCPLAB_ROOT=%s", root);
	t = term_start(80, 24, e, tcplab(""));
	free(term_wait(t, "Enter open the lesson", WAIT_MS));
	term_keys(t, down_demo);
	/* live (or why it cannot run here): the title names the lab either way */
	s = term_wait(t, "demo  lab 2", WAIT_MS);
	cr_expect(strstr(s, "C compare") && strstr(s, "q quit") == NULL,
	          "the demo's hints, q going back:\n%s", s);
	free(s);
	term_keys(t, back);
	s = term_wait(t, "Enter open the lesson", WAIT_MS);
	cr_expect(strstr(s, "d demo") && strstr(s, "C compare") && strstr(s, "i open pcap"),
	          "the menu's hints name the keys:\n%s", s);
	free(s);
	term_stop(t);
	rm_rf(root);
}

/* 'C' on the menu: the demo's comparison of the lab's first two variants, side by side. */
Test(tui, menu_C_compares_the_labs_first_two_variants, .timeout = 60)
{
	char *root = two_lab_root(), env[256], *s;
	const char *e[] = { env, NULL };
	const char *down_cmp[] = { "Down", "C", NULL };
	const char *back[] = { "q", NULL };
	struct term *t;

	snprintf(env, sizeof env, "TCPLAB_ROOT=%s", root);
	t = term_start(80, 24, e, tcplab(""));
	free(term_wait(t, "Enter open the lesson", WAIT_MS));
	term_keys(t, down_cmp);
	s = term_wait(t, "compare  lab 2", WAIT_MS);
	cr_expect(strstr(s, "nagle") && strstr(s, "nodelay"), "both variants named:\n%s", s);
	free(s);
	term_keys(t, back);
	free(term_wait(t, "Enter open the lesson", WAIT_MS));
	term_stop(t);
	rm_rf(root);
}

/* The menu's help lists d, C and i from the one key table. */
Test(tui, menu_help_lists_demo_compare_and_open, .timeout = 30)
{
	char *root = one_lab_root(), env[256], *s;
	const char *e[] = { env, NULL };
	const char *help[] = { "?", NULL };
	struct term *t;

	snprintf(env, sizeof env, "TCPLAB_ROOT=%s", root);
	t = term_start(80, 24, e, tcplab(""));
	free(term_wait(t, "Enter open the lesson", WAIT_MS));
	term_keys(t, help);
	s = term_wait(t, "help: keys on the", WAIT_MS);
	cr_expect(strstr(s, "the selected lab's demo") &&
	          strstr(s, "two of its variants side by side") &&
	          strstr(s, "open a capture file"), "%s", s);
	free(s);
	term_stop(t);
	rm_rf(root);
}

/* A step longer than the screen: its hidden lines are marked above and below, as lists are. */
Test(tui, lesson_text_longer_than_its_area_marks_what_is_hidden, .timeout = 30)
{
	char *root = lab_root((const char *const[]){ NULL }), env[256], cp[2048], path[700];
	const char *e[] = { env, NULL };
	const char *enter[] = { "Enter", NULL }, *down[] = { "Down", NULL };
	struct term *t;
	char *s;
	FILE *f;

	snprintf(cp, sizeof cp, "cp -r '%s/labs/01-handshake' '%s/labs/'", test_root(), root);
	cr_assert_eq(system(cp), 0);
	snprintf(path, sizeof path, "%s/labs/01-handshake/lesson.txt", root);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("## A long step\n", f);
	for (int i = 1; i <= 30; i++)
		fprintf(f, "Paragraph %d of the long step.\n\n", i);
	fclose(f);
	snprintf(env, sizeof env, "TCPLAB_ROOT=%s", root);
	t = term_start(80, 24, e, tcplab(""));
	free(term_wait(t, "Enter open the lesson", WAIT_MS));
	term_keys(t, enter);
	/* 20 rows for 59 lines (paragraphs and the blanks between): 19 shown, 40 below */
	s = term_wait(t, "40 more", WAIT_MS);
	cr_expect(strstr(s, "Paragraph 10 of") && !strstr(s, "Paragraph 11 of"), "%s", s);
	cr_expect(!strstr(s, "^ "), "nothing is hidden above yet:\n%s", s);
	free(s);
	term_keys(t, down);
	s = term_wait(t, "39 more", WAIT_MS);
	cr_expect(strstr(s, "^ 1 more"), "the line scrolled away is marked above:\n%s", s);
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

/* A refused connection's RST: its window means nothing and it never had an ISN. */
Test(tui, a_refused_rst_shows_no_window_and_no_isn, .timeout = 30)
{
	struct term *t = term_start(80, 24, NULL, tcplab("inspect tests/captures/refused.pcap"));
	const char *down[] = { "j", NULL }, *ladder[] = { "a", NULL };
	char *s;

	free(term_wait(t, "2 segments of 2 packets", WAIT_MS));
	term_keys(t, down);
	s = term_wait(t, "Frame 2 ", WAIT_MS);
	cr_expect_null(strstr(s, "receive buffer is full"), "a RST explained as a full buffer:\n%s", s);
	cr_expect_null(strstr(s, "4294967295"), "an ISN the RST never had:\n%s", s);
	cr_expect(strstr(s, "means nothing on a RST"), "%s", s);
	cr_expect(strstr(s, "a RST answering a SYN"), "%s", s);
	free(s);
	term_keys(t, ladder);
	s = term_wait(t, "R. ack 1", WAIT_MS);
	cr_expect_null(strstr(s, "win 0"), "a RST's window on the ladder:\n%s", s);
	free(s);
	term_stop(t);
}

/* Frame 8 of the capture, 0.177 ms after the first packet, on the list, the detail and
 * the ladder alike. */
Test(tui, one_segment_reads_the_same_time_on_every_screen, .timeout = 30)
{
	struct term *t = term_start(80, 24, NULL, tcplab("inspect " CAPTURE));
	const char *down[] = { "j", "j", "j", "j", "j", NULL }, *ladder[] = { "a", NULL };
	char *s;

	free(term_wait(t, "10 segments of 12 packets", WAIT_MS));
	term_keys(t, down);
	s = term_wait(t, "Frame 8 ", WAIT_MS);
	cr_expect(strstr(s, "time: ms since the first packet"), "the screen says what times count from:\n%s", s);
	cr_expect(strstr(s, "      8      0.177  8000>49090 P. "), "the list:\n%s", s);
	cr_expect(strstr(s, "Frame 8 at 0.177 ms: server -> client"), "the detail:\n%s", s);
	free(s);
	term_keys(t, ladder);
	s = term_wait(t, "P. 1:6(5) ack 6", WAIT_MS);
	cr_expect(strstr(s, "time: ms since the first packet"), "the screen says what times count from:\n%s", s);
	cr_expect(strstr(s, "   0.177 "), "the ladder:\n%s", s);
	free(s);
	term_stop(t);
}

/* Two connections of one capture: labelled apart, and c shows one at a time. */
Test(tui, a_file_ladder_separates_connections_and_c_picks_one, .timeout = 30)
{
	struct term *t = term_start(80, 24, NULL, tcplab("inspect tests/captures/port_reuse.pcap"));
	const char *ladder[] = { "a", NULL }, *c[] = { "c", NULL };
	char *s;

	free(term_wait(t, "segments of", WAIT_MS));
	term_keys(t, ladder);
	s = term_wait(t, "all 2 connections", WAIT_MS);
	cr_expect(strstr(s, " connection 2: 127.0.0.1:40000 -> 127.0.0.1:8000 "), "%s", s);
	cr_expect(strstr(s, "c next connection"), "the hint offers c:\n%s", s);
	free(s);
	term_keys(t, c);
	s = term_wait(t, "connection 1 of 2", WAIT_MS);
	cr_expect_null(strstr(s, "connection 2:"), "connection 1 alone:\n%s", s);
	cr_expect(strstr(s, "R. 4 ack 4"), "its RST:\n%s", s);
	free(s);
	term_keys(t, c);
	free(term_wait(t, "connection 2 of 2", WAIT_MS));
	term_keys(t, c);
	free(term_wait(t, "all 2 connections", WAIT_MS));
	term_stop(t);
}

/*
 * Conversations (o): nine real connections merged into one capture (tests/test_conv.c says
 * how). Each row's figures are tshark's ('tshark -q -z conv,tcp': packets each way, start,
 * duration; payload bytes summed from tcp.len), the start in ms since the first TCP segment
 * as every screen counts (tshark's Relative Start less 6.164 ms).
 */
#define CONVS "tests/data/tui/conversations.pcap"

Test(tui, conversations_list_each_connection_as_tshark_counts_it, .timeout = 30)
{
	struct term *t = term_start(80, 24, NULL, tcplab("inspect " CONVS));
	const char *o[] = { "o", NULL }, *down[] = { "j", "j", "j", "j", NULL };
	char *s;

	free(term_wait(t, "78 segments of 80 packets", WAIT_MS));
	term_keys(t, o);
	s = term_wait(t, "conversations  9 connections", WAIT_MS);
	/* a FIN close, a half-close, a refused SYN, an open one with a retransmission */
	cr_expect(strstr(s, "\n0 127.0.0.1:49090 127.0.0.1:8000    6      5    4      5     0.000   0.257 FIN\n"),
	          "%s", s);
	cr_expect(strstr(s, "\n1 127.0.0.1:41226 127.0.0.1:8000    5      7    3     16  7629.624   0.128 half\n"),
	          "%s", s);
	cr_expect(strstr(s, "\n3 127.0.0.1:48966 127.0.0.1:8001    1      0    1      0 15918.971   0.134 RST\n"),
	          "%s", s);
	cr_expect(strstr(s, "\n4 127.0.0.1:49202 127.0.0.1:8000    7   5144    5      0 26107.598  87.816 open\n"),
	          "%s", s);
	cr_expect(strstr(s, "\n8 [::1]:54982     [::1]:8000        6      5    4      5 44164.151   0.291 FIN\n"),
	          "%s", s);
	term_expect(s, "conversations_80x24");
	free(s);
	term_keys(t, down);
	s = term_wait(t, "tcp.stream == 4: 127.0.0.1:49202 -> 127.0.0.1:8000", WAIT_MS);
	cr_expect(strstr(s, "open: no FIN and no RST"), "%s", s);
	cr_expect(strstr(s, "expert labels: retransmission 1,"), "%s", s);
	free(s);
	term_stop(t);
}

/* Enter opens that one connection's ladder; leaving it, the ladder shows every one again. */
Test(tui, enter_on_a_conversation_opens_its_ladder, .timeout = 30)
{
	struct term *t = term_start(80, 24, NULL, tcplab("inspect " CONVS));
	const char *a[] = { "a", NULL }, *o[] = { "o", NULL }, *q[] = { "q", NULL },
	           *down[] = { "j", "j", "j", "j", "j", "j", NULL }, *enter[] = { "Enter", NULL },
	           *seg[] = { "s", NULL };
	char *s;

	free(term_wait(t, "78 segments of 80 packets", WAIT_MS));
	term_keys(t, a);
	free(term_wait(t, "all 9 connections", WAIT_MS));
	term_keys(t, o);
	free(term_wait(t, "conversations  9 connections", WAIT_MS));
	term_keys(t, down);
	free(term_wait(t, "tcp.stream == 6: 127.0.0.1:40000", WAIT_MS));
	term_keys(t, enter);
	s = term_wait(t, "ladder  connection 7 of 9", WAIT_MS);
	cr_expect(strstr(s, "R. 4 ack 4"), "the first 40000's RST:\n%s", s);
	cr_expect_null(strstr(s, "F. "), "no other connection's FIN:\n%s", s);
	cr_expect_null(strstr(s, "connection 8:"), "no other connection:\n%s", s);
	free(s);
	term_keys(t, q);
	free(term_wait(t, "conversations  9 connections", WAIT_MS));
	term_keys(t, q);
	s = term_wait(t, "all 9 connections", WAIT_MS);
	cr_expect(strstr(s, "connection 2: 127.0.0.1:41226 -> 127.0.0.1:8000"), "%s", s);
	free(s);
	/* s: the segment list of that connection, through the display filter */
	term_keys(t, o);
	free(term_wait(t, "conversations  9 connections", WAIT_MS));
	term_keys(t, down);
	free(term_wait(t, "tcp.stream == 6: 127.0.0.1:40000", WAIT_MS));
	term_keys(t, seg);
	s = term_wait(t, "filtered: tcp.stream == 6, 8 of 78", WAIT_MS);
	cr_expect(strstr(s, "Frame 53 at 40378.755 ms: client -> server"), "its SYN:\n%s", s);
	free(s);
	term_stop(t);
}

/* The header's ACK comes ~40 ms late: a row says so, at 80x24. */
Test(tui, the_nagle_stall_is_a_gap_row_on_the_ladder, .timeout = 30)
{
	struct term *t = term_start(80, 24, NULL, tcplab("inspect tests/data/tui/lab2_nagle.pcap"));
	const char *ladder[] = { "a", NULL };
	char *s;

	free(term_wait(t, "107 segments", WAIT_MS));
	term_keys(t, ladder);
	s = term_wait(t, "... 41.6 ms ...", WAIT_MS);
	cr_expect(strstr(s, "  42.043 "), "the late ACK after it:\n%s", s);
	free(s);
	term_stop(t);
}

/* The issue's case: '?' showed the same keys on every screen. It shows the keys of the
 * screen it was pressed on, the title naming it; '?' again every key, with its screens. */
Test(tui, help_shows_the_keys_of_its_screen_and_again_every_key, .timeout = 30)
{
	struct term *t = term_start(80, 24, NULL, tcplab("inspect " CAPTURE));
	char *s;

	free(term_wait(t, "10 segments of 12 packets", WAIT_MS));
	term_keys(t, (const char *[]){ "?", NULL });
	s = term_wait(t, "help: keys on the segments screen", WAIT_MS);
	cr_expect(strstr(s, "follow the stream"), "%s", s);
	cr_expect(!strstr(s, "pause / play") && !strstr(s, "grade"), "the demo's keys:\n%s", s);
	term_expect(s, "help_segments_80x24");
	free(s);
	term_keys(t, (const char *[]){ "?", NULL });
	s = term_wait(t, "help: every key", WAIT_MS);
	cr_expect(strstr(s, "? keys on the segments screen"), "the way back:\n%s", s);
	term_expect(s, "help_every_key_80x24");
	free(s);
	/* the end of the table scrolls into view */
	term_keys(t, (const char *[]){ "End", NULL });
	s = term_wait(t, "quit at once", WAIT_MS);
	cr_expect(strstr(s, "compare two runs side by side"), "%s", s);
	free(s);
	term_keys(t, (const char *[]){ "?", NULL });
	free(term_wait(t, "help: keys on the segments screen", WAIT_MS));
	term_keys(t, (const char *[]){ "q", NULL });
	free(term_wait(t, "10 segments of 12 packets", WAIT_MS));
	term_stop(t);
}

Test(tui, help_in_a_lesson_lists_the_lessons_keys, .timeout = 30)
{
	char *root = one_lab_root(), env[256], *s;
	const char *e[] = { env, NULL };
	struct term *t;

	snprintf(env, sizeof env, "TCPLAB_ROOT=%s", root);
	t = term_start(80, 24, e, tcplab(""));
	free(term_wait(t, "Enter open the lesson", WAIT_MS));
	term_keys(t, (const char *[]){ "Enter", NULL });
	free(term_wait(t, "step 1/", WAIT_MS));
	term_keys(t, (const char *[]){ "?", NULL });
	s = term_wait(t, "help: keys on the lesson screen", WAIT_MS);
	cr_expect(strstr(s, "run the step live again") && strstr(s, "grade your exercise"), "%s", s);
	cr_expect(!strstr(s, "follow the stream") && !strstr(s, "pause / play"), "%s", s);
	term_expect(s, "help_lesson_80x24");
	free(s);
	term_stop(t);
	rm_rf(root);
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

/* ---- issue 12: lists scroll, titles and hints keep what matters, prose is cut at a word ---- */

static void need_lab_runs(void);

/* The first line of screen holding a and, after it, b; NULL if none. */
static const char *line_with(const char *screen, const char *a, const char *b)
{
	for (const char *p = screen; p && *p;) {
		const char *nl = strchr(p, '\n'), *end = nl ? nl : p + strlen(p);
		const char *x = strstr(p, a);

		if (x && x < end) {
			const char *y = strstr(x + strlen(a), b);
			if (y && y + strlen(b) <= end)
				return x;
		}
		p = nl ? nl + 1 : NULL;
	}
	return NULL;
}


/* Row k of a screen (malloc'ed, "" past the end). */
static char *screen_row(const char *screen, int k)
{
	const char *l = screen;
	size_t n;
	char *out;

	for (; k > 0 && l; k--) {
		l = strchr(l, '\n');
		l = l ? l + 1 : NULL;
	}
	if (!l)
		l = "";
	n = strcspn(l, "\n");
	out = calloc(1, n + 1);
	cr_assert_not_null(out);
	memcpy(out, l, n);
	return out;
}

/* A root whose labs are the real labs 1 to 4 (symlinks). */
static char *four_lab_root(void)
{
	static const char *const slug[] = { "01-handshake", "02-nagle", "03-stream", "04-rst" };
	static char dir[128];
	char path[1024], target[1024], root[700];

	snprintf(dir, sizeof dir, "/tmp/tcplab-tui-root-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	abs_root(root, sizeof root);
	snprintf(path, sizeof path, "mkdir -p '%s/labs' && : > '%s/labs/README.md'", dir, dir);
	cr_assert_eq(system(path), 0);
	for (int i = 0; i < 4; i++) {
		snprintf(target, sizeof target, "%s/labs/%s", root, slug[i]);
		snprintf(path, sizeof path, "%s/labs/%s", dir, slug[i]);
		cr_assert_eq(symlink(target, path), 0);
	}
	return dir;
}

/* 20 made-up labs, the last with 12 variants whose summaries need two rows each: more than
 * 80x24 holds, so the list scrolls and the variants are cut short. */
static char *many_lab_root(void)
{
	static char dir[128];
	char path[1024];
	FILE *f;

	snprintf(dir, sizeof dir, "/tmp/tcplab-tui-many-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	for (int n = 1; n <= 20; n++) {
		snprintf(path, sizeof path, "mkdir -p '%s/labs/%02d-lab' && : > '%s/labs/README.md'",
		         dir, n, dir);
		cr_assert_eq(system(path), 0);
		snprintf(path, sizeof path, "%s/labs/%02d-lab/lab.conf", dir, n);
		f = fopen(path, "w");
		cr_assert_not_null(f);
		fprintf(f, "number = %d\ntitle = made-up lab number %d\nsummary = lab %d's summary\n"
		        "topology = two-hosts\nlesson = lesson.txt\n", n, n, n);
		for (int v = 1; v <= (n == 20 ? 12 : 1); v++)
			fprintf(f, "[variant v%d]\nsummary = variant %d of lab %d, whose summary goes on "
			        "and on until it needs a second row at eighty columns\n"
			        "server = echo_server\nclient = echo_client\nexpect = x.expect\n",
			        v, v, n);
		fclose(f);
	}
	return dir;
}

/* The lab menu at 80x24 over the labs of root, ready for keys. */
static struct term *menu_over(const char *root)
{
	char env[256];
	const char *e[] = { env, NULL };
	struct term *t;

	snprintf(env, sizeof env, "TCPLAB_ROOT=%s", root);
	t = term_start(80, 24, e, tcplab(""));
	free(term_wait(t, "Enter open the lesson", WAIT_MS));
	return t;
}

Test(tui, menu_shows_all_of_lab_4s_variants, .timeout = 30)
{
	char *root = four_lab_root(), *s;
	struct term *t = menu_over(root);

	term_keys(t, (const char *[]){ "j", "j", "j", NULL });
	s = term_wait(t, "FIN is a close, RST an abort", WAIT_MS);
	/* the last of its eight variants, and every summary whole (wrapped, not cut) */
	cr_expect(strstr(s, "variant cable-heartbeat"), "%s", s);
	cr_expect(strstr(s, "notices in 1.5 s"), "%s", s);
	term_expect(s, "menu_lab4_80x24");
	free(s);
	term_stop(t);
	rm_rf(root);
}

Test(tui, menu_scrolls_with_marks_and_cuts_variants_with_an_ellipsis, .timeout = 30)
{
	char *root = many_lab_root(), env[256], *s, *row;
	const char *e[] = { env, NULL };
	struct term *t;

	snprintf(env, sizeof env, "TCPLAB_ROOT=%s", root);
	t = term_start(80, 24, e, tcplab(""));
	s = term_wait(t, "Enter open the lesson", WAIT_MS);
	cr_expect(strstr(s, " more \n") || strstr(s, " more -"), "a mark under the list:\n%s", s);
	free(s);
	term_keys(t, (const char *[]){ "End", NULL });
	/* lab 20 selected is lab 20 shown, with what is above it counted */
	s = term_wait(t, "made-up lab number 20", WAIT_MS);
	row = screen_row(s, 1);
	cr_expect(strstr(row, "^ ") && strstr(row, " more"), "a mark over the list: '%s'", row);
	free(row);
	term_expect(s, "menu_many_labs_80x24");
	free(s);
	term_keys(t, (const char *[]){ "Home", NULL });
	s = term_wait(t, "lab 1's summary", WAIT_MS);
	cr_expect(strstr(s, "made-up lab number 1 "), "%s", s);
	free(s);
	term_stop(t);
	rm_rf(root);
}

Test(tui, segment_list_marks_the_rows_above_and_below, .timeout = 30)
{
	struct term *t = term_start(80, 24, NULL, tcplab("inspect " CAPTURE));
	char *s;

	s = term_wait(t, "10 segments of 12 packets", WAIT_MS);
	cr_expect(strstr(s, "v 2 more"), "%s", s);
	cr_expect(!strstr(s, "^ "), "%s", s);
	free(s);
	term_keys(t, (const char *[]){ "End", NULL });
	s = term_wait(t, "^ 2 more", WAIT_MS);
	cr_expect(!strstr(s, "v 2 more"), "%s", s);
	free(s);
	term_stop(t);
}

/* A long filter and the demo's state: the left part gives way, with an ellipsis. */
Test(tui, title_shortens_its_left_part_to_keep_the_right_readable, .timeout = 30)
{
	struct term *t = term_start(80, 24, NULL, tcplab("demo 1 --pcap " CAPTURE));
	char *s, *row, *r;

	free(term_wait(t, "replay  1/10", WAIT_MS));
	term_keys(t, (const char *[]){ "/", NULL });
	term_type(t, "tcp.flags.fin == 1 || tcp.flags.syn == 1");
	term_keys(t, (const char *[]){ "Enter", NULL });
	s = term_wait(t, "replay  1/4  paused", WAIT_MS);
	row = screen_row(s, 0);
	r = strstr(row, "replay  1/4  paused");
	cr_assert(r, "'%s'", row);
	cr_expect(r > row && r[-1] == ' ', "a blank before the right part: '%s'", row);
	while (r > row && r[-1] == ' ')
		r--;
	cr_expect(r - row > 3 && !strncmp(r - 3, "...", 3), "an ellipsis ends the left: '%s'", row);
	cr_expect(!strncmp(row, "demo  lab 1  filtered: tcp.flags.fin == 1", 41), "'%s'", row);
	free(row);
	free(s);
	term_stop(t);
}

Test(tui, hints_keep_q_and_help_at_80_columns, .timeout = 120)
{
	char *root, *s, *row;
	struct term *t;

	need_lab_runs();
	root = one_lab_root();
	t = menu_over(root);
	/* the lesson's run step has the longest hints: about 100 columns of them */
	term_keys(t, (const char *[]){ "Enter", "Right", NULL });
	s = term_wait(t, "checks passed", 60000);
	row = screen_row(s, 23);
	cr_expect(strstr(row, "? help") && strstr(row, "q back"), "'%s'", row);
	cr_expect(!strncmp(row, "Left/Right step  r run again", 28), "the first hints stay: '%s'", row);
	free(row);
	free(s);
	term_stop(t);
	rm_rf(root);
}

/* Lab 2's nagle run has 15 checks, 8 of them at 80x24: the selection takes the list along. */
Test(tui, checks_screen_scrolls_to_the_selected_check, .timeout = 120)
{
	char *root, *s, *row;
	struct term *t;

	need_lab_runs();
	root = two_lab_root();
	t = menu_over(root);
	term_keys(t, (const char *[]){ "j", "Enter", "Right", NULL });
	/* judged: verdicts aside (a busy machine may make one inconclusive), 15 checks to list */
	free(term_wait(t, " of 15 checks passed", 60000));
	term_keys(t, (const char *[]){ "c", NULL });
	s = term_wait(t, "Enter the segment it points at", WAIT_MS);
	row = screen_row(s, 22);
	cr_expect(strstr(row, "v ") && strstr(row, " more"), "a mark under the list: '%s'", row);
	free(row);
	/* a check name too long for a row wraps at a word, it is not cut */
	cr_expect(strstr(s, "the new connection's ACKs are immediate\n              (quickack)"),
	          "%s", s);
	free(s);
	/* the twelfth check: off the screen before it scrolled */
	term_keys(t, (const char *[]){ "j", "j", "j", "j", "j", "j", "j", "j", "j", "j", "j", NULL });
	s = term_wait(t, "the client leaves Nagle on (no TCP_NODELAY)", WAIT_MS);
	row = screen_row(s, 1);
	cr_expect(strstr(row, "^ ") && strstr(row, " more"), "a mark over the list: '%s'", row);
	free(row);
	free(s);
	term_keys(t, (const char *[]){ "End", NULL });
	s = term_wait(t, "and no more than one delayed ACK", WAIT_MS);
	cr_expect(!strstr(s, "three-way handshake"), "%s", s);
	free(s);
	term_stop(t);
	rm_rf(root);
}

/* Lab 4's key line: the engine's note that the cable is cut, whole on its row and under. */
Test(tui, ladder_shows_the_cable_note_whole, .timeout = 90)
{
	const char *note = "tcplab: the cable is cut (silently: no FIN, no RST)";
	char *root, *s, *p;
	struct term *t;

	need_lab_runs();
	root = four_lab_root();
	t = menu_over(root);
	term_keys(t, (const char *[]){ "j", "j", "j", "Enter", NULL });
	free(term_wait(t, "step 1/", WAIT_MS));
	term_keys(t, (const char *[]){ "Right", "Right", "Right", "Right", "Right", "Right", NULL });
	free(term_wait(t, "run cable-keepalive: done", 60000));
	term_keys(t, (const char *[]){ "a", "F3", NULL });
	term_type(t, "the cable is cut");
	term_keys(t, (const char *[]){ "Enter", NULL });
	s = term_wait(t, note, WAIT_MS);
	p = strstr(s, note);
	cr_expect(p && strstr(p + 1, note), "the row and the line under the ladder:\n%s", s);
	free(s);
	term_stop(t);
	rm_rf(root);
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

/*
 * Wide characters: a lab in Korean, in a UTF-8 locale. The lesson's paragraph is long enough
 * to wrap at 80 and at 120 columns, and the title to be cut at 80.
 */
#define KO_TITLE "3-way 핸드셰이크와 4-way 종료: 연결을 열고 닫는 TCP 세그먼트 그리고 TIME-WAIT 상태"
#define KO_PARA "연결 설정(3-way handshake): 클라이언트가 SYN을 보냅니다. 서버의 커널이 " \
	"SYN-ACK으로 답하고, 클라이언트의 커널이 ACK을 보내면 connect()가 0을 반환합니다. " \
	"서버의 accept()는 핸드셰이크가 이미 끝난 뒤에 반환됩니다: 핸드셰이크를 한 것은 " \
	"accept()가 아니라 커널입니다. 순서 번호는 상대값으로 보입니다: SYN의 seq는 0입니다."

static const char *const utf8_env_keys[] = { "LANG=C.UTF-8", "LC_ALL=C.UTF-8" };

/* Lab 1 copied into a temporary root with the lesson text given and a Korean title. */
static char *lesson_lab_root(const char *lesson)
{
	char *root = lab_root((const char *const[]){ NULL }), c[2048], path[700];
	FILE *f;

	snprintf(c, sizeof c, "cp -r '%s/labs/01-handshake' '%s/labs/' && sed -i "
	         "'s/^title .*/title    = " KO_TITLE "/; s/^summary .*/summary  = SYN, SYN-ACK, "
	         "ACK으로 열고 FIN으로 닫습니다; 먼저 닫는 쪽이 TIME-WAIT 상태를 가집니다/' "
	         "'%s/labs/01-handshake/lab.conf'", test_root(), root, root);
	cr_assert_eq(system(c), 0, "%s", c);
	snprintf(path, sizeof path, "%s/labs/01-handshake/lesson.txt", root);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(lesson, f);
	cr_assert_eq(fclose(f), 0);
	return root;
}

/* The columns of a screen's row as the terminal drew it (Hangul two). */
static int row_cols(const char *row)
{
	return textcols_width(row, strlen(row), 0);
}

/* The Korean lesson at cols x rows: every word whole, every row within the screen, each
 * line broken where the next word would not have fitted, against its dump. */
static void korean_lesson(int cols, int rows, const char *menu_dump, const char *dump)
{
	char *root = lesson_lab_root("## 3-way handshake: 연결 설정\n" KO_PARA "\n"), env[256];
	const char *e[] = { env, utf8_env_keys[0], utf8_env_keys[1], NULL };
	const char *enter[] = { "Enter", NULL };
	char para[] = KO_PARA, *save = NULL, *s;
	int y;
	struct term *t;

	cr_assert_not_null(setlocale(LC_ALL, "C.UTF-8"), "no C.UTF-8 locale to measure with");
	snprintf(env, sizeof env, "TCPLAB_ROOT=%s", root);
	t = term_start(cols, rows, e, tcplab(""));
	s = term_wait(t, "Enter open the lesson", WAIT_MS);
	cr_expect(strstr(s, "핸드셰이크와"), "the lab's Korean title on the menu:\n%s", s);
	if (menu_dump)
		term_expect(s, menu_dump);
	free(s);
	term_keys(t, enter);
	s = term_wait(t, "step 1/1", WAIT_MS);
	cr_expect(!strstr(s, "??"), "Korean shown as '?':\n%s", s);
	cr_expect(strstr(s, "3-way handshake: 연결 설정"), "the step's title:\n%s", s);
	for (char *w = strtok_r(para, " ", &save); w; w = strtok_r(NULL, " ", &save))
		cr_expect(strstr(s, w), "the word '%s' is not shown whole:\n%s", w, s);
	for (y = 0; y < rows; y++) {
		char *row = screen_row(s, y), *next = screen_row(s, y + 1);
		size_t first = next[0] ? strcspn(next + 1, " ") : 0;   /* "" past the last row */

		cr_expect_leq(row_cols(row), cols, "row %d is wider than the screen:\n%s", y, s);
		/* a row of the paragraph followed by another: the next one's first word would
		 * not have fitted in the cols - 2 the lesson wraps to */
		if (y >= 2 && row[0] == ' ' && next[0] == ' ' && next[1] && next[1] != ' ')
			cr_expect_gt(row_cols(row + 1) + 1 + textcols_width(next + 1, first, 0), cols - 2,
			             "row %d was broken before '%.*s' would have filled it:\n%s", y,
			             (int)first, next + 1, s);
		free(row);
		free(next);
	}
	term_expect(s, dump);
	free(s);
	term_stop(t);
	rm_rf(root);
}

Test(tui, korean_lesson_wraps_in_columns_and_its_title_is_cut_at_80x24, .timeout = 30)
{
	korean_lesson(80, 24, "menu_korean_80x24", "lesson_korean_80x24");
}

Test(tui, korean_lesson_wraps_in_columns_at_120x40, .timeout = 30)
{
	korean_lesson(120, 40, NULL, "lesson_korean_120x40");
}

/* --lang ko: lab 1's lesson in Korean, in a UTF-8 locale whatever LANG's language. */
Test(tui, lang_ko_shows_lab1_lesson_step_1_in_korean_at_80x24, .timeout = 30)
{
	const char *e[] = { utf8_env_keys[0], utf8_env_keys[1], NULL };
	const char *enter[] = { "Enter", NULL };
	struct term *t;
	char *s;

	cr_assert_not_null(setlocale(LC_ALL, "C.UTF-8"), "no C.UTF-8 locale to measure with");
	t = term_start(80, 24, e, tcplab("--lang ko"));
	free(term_wait(t, "Enter 레슨 열기", WAIT_MS));     /* the menu's hints, po/ko.po */
	term_keys(t, enter);
	s = term_wait(t, "1/8단계", WAIT_MS);
	cr_expect(strstr(s, "무엇을 보게 되는가"), "step 1's Korean title:\n%s", s);
	cr_expect(strstr(s, "네트워크 네임스페이스(network namespace)"), "step 1's Korean text:\n%s",
	          s);
	cr_expect(!strstr(s, "What you will see"), "the English lesson:\n%s", s);
	cr_expect(!strstr(s, "??"), "Korean shown as '?':\n%s", s);
	for (int y = 0; y < 24; y++) {
		char *row = screen_row(s, y);
		cr_expect_leq(row_cols(row), 80, "row %d is wider than the screen:\n%s", y, s);
		free(row);
	}
	term_expect(s, "lesson_lang_ko_80x24");
	free(s);
	term_stop(t);
}

/* LANGUAGE=ko, lab 1 without lesson.ko.txt: its English lesson, not a blank or an error;
 * and --lang en beats LANGUAGE for a lab that has one. */
Test(tui, lang_ko_falls_back_to_the_english_lesson_of_a_lab_without_one, .timeout = 30)
{
	char *root = lab_root((const char *const[]){ NULL }), c[1024], env[256], *s;
	const char *e[] = { env, "LANGUAGE=ko", utf8_env_keys[0], utf8_env_keys[1], NULL };
	const char *enter[] = { "Enter", NULL };
	struct term *t;

	snprintf(c, sizeof c, "cp -r '%s/labs/01-handshake' '%s/labs/' && rm "
	         "'%s/labs/01-handshake/lesson.ko.txt'", test_root(), root, root);
	cr_assert_eq(system(c), 0, "%s", c);
	snprintf(env, sizeof env, "TCPLAB_ROOT=%s", root);
	t = term_start(80, 24, e, tcplab(""));
	free(term_wait(t, "Enter 레슨 열기", WAIT_MS));     /* tcplab's own words: Korean */
	term_keys(t, enter);
	s = term_wait(t, "1/8단계", WAIT_MS);
	cr_expect(strstr(s, "What you will see"), "the English lesson:\n%s", s);
	cr_expect(!strstr(s, "cannot read"), "an error in place of the lesson:\n%s", s);
	free(s);
	term_stop(t);
	rm_rf(root);

	t = term_start(80, 24, (const char *const[]){ "LANGUAGE=ko", utf8_env_keys[0],
	                                               utf8_env_keys[1], NULL },
	               tcplab("--lang en"));
	free(term_wait(t, "Enter open the lesson", WAIT_MS));
	term_keys(t, enter);
	s = term_wait(t, "step 1/8", WAIT_MS);
	cr_expect(strstr(s, "What you will see"), "--lang en beats LANGUAGE=ko:\n%s", s);
	free(s);
	term_stop(t);
}

/* No row of the screen is wider than its cols columns, none shows Korean as '?'. */
static void expect_fits(const char *s, int cols, int rows)
{
	cr_expect(!strstr(s, "??"), "Korean shown as '?':\n%s", s);
	for (int y = 0; y < rows; y++) {
		char *row = screen_row(s, y);
		cr_expect_leq(row_cols(row), cols, "row %d is wider than the screen:\n%s", y, s);
		free(row);
	}
}

/* --lang ko: tcplab's own words (po/ko.po) too: the menu's hints, the help screen of the
 * menu and of every key, the lesson's hints; the keys stay as they are. */
Test(tui, lang_ko_shows_the_help_screen_and_hint_bars_in_korean_at_80x24, .timeout = 30)
{
	const char *e[] = { utf8_env_keys[0], utf8_env_keys[1], NULL };
	struct term *t;
	char *s, *row;

	cr_assert_not_null(setlocale(LC_ALL, "C.UTF-8"), "no C.UTF-8 locale to measure with");
	t = term_start(80, 24, e, tcplab("--lang ko"));
	s = term_wait(t, "Enter 레슨 열기", WAIT_MS);
	row = screen_row(s, 23);
	cr_expect_str_eq(row, "Enter 레슨 열기  d 데모  C 비교  i pcap 열기  e 채점  ? 도움말  q 종료",
	                 "the menu's hints:\n%s", s);
	free(row);
	row = screen_row(s, 0);
	cr_expect(strstr(row, "tcplab: 실습(labs)") && strstr(row, "Enter 열기  ? 도움말  q 종료"),
	          "the menu's title: '%s'", row);
	free(row);
	free(s);
	term_keys(t, (const char *[]){ "?", NULL });
	s = term_wait(t, "도움말: menu 화면의 키", WAIT_MS);
	expect_fits(s, 80, 24);
	term_expect(s, "help_menu_lang_ko_80x24");
	free(s);
	term_keys(t, (const char *[]){ "?", NULL });
	s = term_wait(t, "도움말: 모든 키와 그 키가 쓰이는 화면", WAIT_MS);
	cr_expect(strstr(s, " Up k        위로 스크롤 (Tab: 실행 창의 행)"), "every key:\n%s", s);
	cr_expect(strstr(s, "? menu 화면의 키  Up/Down 스크롤  q 뒤로"), "its hints:\n%s", s);
	expect_fits(s, 80, 24);
	free(s);
	term_keys(t, (const char *[]){ "q", "Enter", NULL });
	s = term_wait(t, "1/8단계", WAIT_MS);
	row = screen_row(s, 23);
	cr_expect_str_eq(row, "Left/Right 또는 Space: 단계  Up/Down 스크롤  e 과제 채점  ? 도움말  "
	                 "q 뒤로", "the lesson's hints:\n%s", s);
	free(row);
	free(s);
	term_stop(t);
}

/* The chrome's language is the labs': LANGUAGE=ko switches it too, --lang en beats it; in a
 * locale that is not UTF-8 it stays English, which can be drawn, not a row of '?'. */
Test(tui, the_chromes_language_is_the_labs_and_english_without_utf8, .timeout = 30)
{
	const char *menu_en = "Enter open the lesson  d demo  C compare  i open pcap  e grade  ? "
	                      "help  q quit";
	struct term *t;
	char *s, *row;

	t = term_start(80, 24, (const char *const[]){ "LANGUAGE=ko", utf8_env_keys[0],
	                                               utf8_env_keys[1], NULL }, tcplab(""));
	free(term_wait(t, "Enter 레슨 열기", WAIT_MS));
	term_stop(t);

	t = term_start(80, 24, (const char *const[]){ "LANGUAGE=ko", utf8_env_keys[0],
	                                               utf8_env_keys[1], NULL }, tcplab("--lang en"));
	s = term_wait(t, "Enter open the lesson", WAIT_MS);
	row = screen_row(s, 23);
	cr_expect_str_eq(row, menu_en, "--lang en beats LANGUAGE=ko:\n%s", s);
	free(row);
	free(s);
	term_stop(t);

	t = term_start(80, 24, NULL, tcplab("--lang ko"));     /* LANG=C */
	s = term_wait(t, "Enter open the lesson", WAIT_MS);
	row = screen_row(s, 23);
	cr_expect_str_eq(row, menu_en, "English hints in LANG=C:\n%s", s);
	free(row);
	free(s);
	term_stop(t);
}

/* The lesson's run step has the longest hints, longer in Korean: those that do not fit go,
 * from the last, but "? 도움말" and "q 뒤로" stay (draw_hints keeps q and ? items). */
Test(tui, korean_hints_keep_q_and_help_at_80_columns, .timeout = 60)
{
	char *root, *s, *row, env[256];
	const char *e[] = { env, utf8_env_keys[0], utf8_env_keys[1], NULL };
	struct term *t;

	need_lab_runs();
	root = one_lab_root();
	snprintf(env, sizeof env, "TCPLAB_ROOT=%s", root);
	t = term_start(80, 24, e, tcplab("--lang ko"));
	free(term_wait(t, "Enter 레슨 열기", WAIT_MS));
	term_keys(t, (const char *[]){ "Enter", "Right", NULL });
	s = term_wait(t, "개 통과", 30000);
	row = screen_row(s, 23);
	cr_expect(strstr(row, "? 도움말  q 뒤로"), "'%s'", row);
	cr_expect(!strncmp(row, "Left/Right 단계  r 다시 실행", strlen("Left/Right 단계  r 다시 실행")),
	          "the first hints stay: '%s'", row);
	cr_expect(!strstr(row, "e 채점"), "a hint that does not fit is shown: '%s'", row);
	cr_expect_leq(row_cols(row), 80, "'%s'", row);
	free(row);
	free(s);
	/* The run's checks: verdicts, the lab's check names (labs/01-handshake/ko.po) and the
	 * engine's (po/ko.po) in Korean, every row within the screen. */
	term_keys(t, (const char *[]){ "c", NULL });
	s = term_wait(t, "검사(checks)", WAIT_MS);
	cr_expect(strstr(s, " 통과"), "a Korean verdict:\n%s", s);
	cr_expect(strstr(s, "3-way 핸드셰이크: SYN, SYN-ACK, ACK"), "the lab's check name:\n%s", s);
	cr_expect(strstr(s, "캡처가 완전하다"), "the engine's check name:\n%s", s);
	cr_expect(!strstr(s, "PASS") && !strstr(s, "three-way handshake"), "English left:\n%s", s);
	for (int y = 0; y < 24; y++) {
		row = screen_row(s, y);
		cr_expect_leq(row_cols(row), 80, "row %d is wider than the screen:\n%s", y, s);
		free(row);
	}
	free(s);
	term_stop(t);
	rm_rf(root);
}

/* A lesson with a byte that is no UTF-8 and a syllable cut short: escaped, the rest whole. */
Test(tui, invalid_utf8_shows_escaped_beside_korean, .timeout = 30)
{
	char *root = lesson_lab_root("## Bytes\nvalid 연결, invalid \xff\xfe and a cut \xea\xb2 end\n");
	char env[256], *s;
	const char *e[] = { env, utf8_env_keys[0], utf8_env_keys[1], NULL };
	const char *c[] = { env, NULL };
	const char *enter[] = { "Enter", NULL };
	struct term *t;

	snprintf(env, sizeof env, "TCPLAB_ROOT=%s", root);
	t = term_start(80, 24, e, tcplab(""));
	free(term_wait(t, "Enter open the lesson", WAIT_MS));
	term_keys(t, enter);
	s = term_wait(t, "step 1/1", WAIT_MS);
	cr_expect(strstr(s, " valid 연결, invalid \\xff\\xfe and a cut \\xea\\xb2 end"),
	          "invalid bytes escaped, the valid text as it is:\n%s", s);
	free(s);
	term_stop(t);

	/* the same in LANG=C: a character is one '?', an invalid byte still its escape */
	t = term_start(80, 24, c, tcplab(""));
	free(term_wait(t, "Enter open the lesson", WAIT_MS));
	term_keys(t, enter);
	s = term_wait(t, "step 1/1", WAIT_MS);
	cr_expect(strstr(s, " valid ??, invalid \\xff\\xfe and a cut \\xea\\xb2 end"),
	          "LANG=C: one '?' a character, escapes as in UTF-8:\n%s", s);
	free(s);
	term_stop(t);
	rm_rf(root);
}

static uint16_t csum(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* A capture of one segment, 10.0.0.1:40000 > 10.0.0.2:8000 P., carrying payload. */
static void write_one_segment(const char *path, const char *payload)
{
	uint8_t pkt[256] = { 0 }, *ip = pkt + 14, *tcp = ip + 20, pseudo[12];
	size_t plen = strlen(payload), iplen = 20 + 20 + plen;
	char err[256];
	struct pcapout *out = pcapout_open(path, 1, err, sizeof err);
	uint32_t sum = 0;
	uint16_t c;

	cr_assert_not_null(out, "%s", err);
	cr_assert_lt(14 + iplen, sizeof pkt);
	memcpy(pkt, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00", 14);
	memcpy(ip, "\x45\0\0\0\0\x01\x40\0\x40\x06\0\0\x0a\0\0\x01\x0a\0\0\x02", 20);
	ip[2] = (uint8_t)(iplen >> 8);
	ip[3] = (uint8_t)iplen;
	c = csum(0, ip, 20);
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	memcpy(tcp, "\x9c\x40\x1f\x40\0\0\x10\0\0\0\x20\0\x50\x18\xff\xff\0\0\0\0", 20);
	memcpy(tcp + 20, payload, plen);
	memcpy(pseudo, ip + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = 6;
	pseudo[10] = (uint8_t)((20 + plen) >> 8);
	pseudo[11] = (uint8_t)(20 + plen);
	for (size_t i = 0; i < 12; i += 2)
		sum += (uint32_t)(pseudo[i] << 8 | pseudo[i + 1]);
	c = csum(sum, tcp, 20 + plen);
	tcp[16] = (uint8_t)(c >> 8);
	tcp[17] = (uint8_t)c;
	cr_assert_eq(pcapout_write(out, pkt, 14 + iplen, 14 + iplen, 1000000000ull), 0);
	cr_assert_eq(pcapout_close(out, err, sizeof err), 0, "%s", err);
}

/* A student's bytes in the followed stream: Korean as text, a byte that is no UTF-8 as its
 * escape; in LANG=C, as before, a dot for every byte that is not printable ASCII. */
Test(tui, followed_stream_shows_utf8_text_and_escapes_invalid_bytes, .timeout = 30)
{
	char path[] = "/tmp/tcplab-tui-utf8-XXXXXX.pcap", c[1200], *s;
	const char *e[] = { utf8_env_keys[0], utf8_env_keys[1], NULL };
	const char *follow[] = { "f", NULL };
	struct term *t;
	int fd = mkstemps(path, 5);

	cr_assert_geq(fd, 0);
	close(fd);
	write_one_segment(path, "안녕하세요 TCP\nbad \xff\xfe bytes\n");
	snprintf(c, sizeof c, "inspect %s", path);
	t = term_start(80, 24, e, tcplab(c));
	free(term_wait(t, "1 segments", WAIT_MS));
	term_keys(t, follow);
	s = term_wait(t, "follow stream", WAIT_MS);
	cr_expect(strstr(s, "c> 안녕하세요 TCP\n"), "the Korean line:\n%s", s);
	cr_expect(strstr(s, "c> bad \\xff\\xfe bytes\n"), "the invalid bytes escaped:\n%s", s);
	free(s);
	term_stop(t);

	t = term_start(80, 24, NULL, tcplab(c));
	free(term_wait(t, "1 segments", WAIT_MS));
	term_keys(t, follow);
	s = term_wait(t, "follow stream", WAIT_MS);
	cr_expect(strstr(s, "c> ............... TCP\n") && strstr(s, "c> bad .. bytes\n"),
	          "LANG=C: a dot a byte, as Wireshark's ASCII view:\n%s", s);
	free(s);
	term_stop(t);
	unlink(path);
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
	free(term_wait(t, "filter (BPF or Wireshark): tcp port", WAIT_MS));
	term_keys(t, enter);
	s = term_wait(t, "filter 'tcp port': ", WAIT_MS);
	cr_expect(strstr(s, "syntax error"), "libpcap's message is missing:\n%s", s);
	/* ... and what is accepted, wrapped over the bottom rows rather than cut at 80 */
	cr_expect(strstr(s, "tcpdump's BPF") && strstr(s, "tcp.flags.syn") &&
	          strstr(s, "tcp.analysis.*"), "the message does not say what is accepted:\n%s", s);
	esc = term_screen(t, true);
	cr_expect(strstr(esc, "\033[1m") || has_colour(esc));
	free(esc);
	free(s);
	term_keys(t, clear);
	term_type(t, "tcp[13] & 2 != 0");
	term_keys(t, enter);
	s = term_wait(t, "filtered: tcp[13] & 2 != 0, 2 of 10", WAIT_MS);
	cr_expect(strstr(s, "     3 ") && strstr(s, "     4 ") && !strstr(s, "     5 "),
	          "the filter should keep frames 3 and 4 only:\n%s", s);
	free(s);
	term_stop(t);
}

/* What Wireshark users type works, and the status says what it became. */
Test(tui, wireshark_filter_is_translated_applied_and_shown, .timeout = 30)
{
	struct term *t = term_start(80, 24, NULL, tcplab("inspect " CAPTURE));
	const char *slash[] = { "/", NULL };
	const char *enter[] = { "Enter", NULL };
	char *s;

	free(term_wait(t, "10 segments of 12 packets", WAIT_MS));
	term_keys(t, slash);
	term_type(t, "tcp.flags.syn==1");
	term_keys(t, enter);
	s = term_wait(t, "filtered: tcp.flags.syn==1, 2 of 10", WAIT_MS);
	cr_expect(strstr(s, "filter: tcp.flags.syn==1  (BPF: "), "no translation shown:\n%s", s);
	cr_expect(strstr(s, "     3 ") && strstr(s, "     4 ") && !strstr(s, "     5 "),
	          "the filter should keep frames 3 and 4 only:\n%s", s);
	free(s);
	/* An analysis field: the label, not the bytes, decides. */
	term_keys(t, slash);
	term_keys(t, (const char *[]){ "C-u", NULL });
	term_type(t, "tcp.port==8000 && !tcp.analysis.flags && tcp.len>0");
	term_keys(t, enter);
	s = term_wait(t, "filtered: tcp.port==8000 && !tcp.analysis.flags && tcp.len>0, 2 of 10",
	              WAIT_MS);
	cr_expect(strstr(s, "(BPF and tcplab's") && strstr(s, "tcp port 8000 and not analysis(any)") &&
	          strstr(s, "0xf0) >> 2) > 0))"), "the translation is not shown whole:\n%s", s);
	free(s);
	term_stop(t);
}

/* Set on the segment list, the filter stays on in the ladder: its title says so. */
Test(tui, every_filtered_screen_says_so_in_its_title, .timeout = 30)
{
	const char *filter[] = { "/", NULL };
	const char *enter[] = { "Enter", NULL };
	const char *ladder[] = { "a", NULL };
	struct term *t = term_start(80, 24, NULL, tcplab("inspect " CAPTURE));
	char *s;

	free(term_wait(t, "10 segments of 12 packets", WAIT_MS));
	term_keys(t, filter);
	term_type(t, "tcp.len > 0");
	term_keys(t, enter);
	free(term_wait(t, "segments  filtered: tcp.len > 0, 2 of 10", WAIT_MS));
	term_keys(t, ladder);
	s = term_wait(t, "ladder  filtered: tcp.len > 0, 2 of 10", WAIT_MS);
	free(s);
	term_stop(t);

	/* The demo, and the segment list opened from it. */
	t = term_start(80, 24, NULL, tcplab("demo 1 --pcap " CAPTURE));
	free(term_wait(t, "replay  1/10", WAIT_MS));
	term_keys(t, filter);
	term_type(t, "tcp.flags.fin == 1");
	term_keys(t, enter);
	s = term_wait(t, "filtered: tcp.flags.fin == 1, 2 of 10", WAIT_MS);
	cr_expect(strstr(s, "replay  1/2"), "%s", s);
	free(s);
	term_keys(t, (const char *[]){ "s", NULL });
	free(term_wait(t, "segments  filtered: tcp.flags.fin == 1, 2 of 10", WAIT_MS));
	term_stop(t);
}

Test(tui, filter_prompt_recalls_earlier_filters_with_up_and_down, .timeout = 30)
{
	struct term *t = term_start(80, 24, NULL, tcplab("inspect " CAPTURE));
	const char *fresh[] = { "/", "C-u", NULL };
	const char *enter[] = { "Enter", NULL };
	const char *up[] = { "Up", NULL };
	const char *down[] = { "Down", NULL };
	char *s;

	free(term_wait(t, "10 segments of 12 packets", WAIT_MS));
	term_keys(t, fresh);
	term_type(t, "tcp.port == 8000");
	term_keys(t, enter);
	free(term_wait(t, "filtered: tcp.port == 8000, 10 of 10", WAIT_MS));
	term_keys(t, fresh);
	term_type(t, "tcp.len > 0");
	term_keys(t, enter);
	free(term_wait(t, "filtered: tcp.len > 0, 2 of 10", WAIT_MS));
	term_keys(t, fresh);
	term_type(t, "tcp.fl");
	term_keys(t, up);
	free(term_wait(t, "filter (BPF or Wireshark): tcp.len > 0", WAIT_MS));
	term_keys(t, up);
	free(term_wait(t, "filter (BPF or Wireshark): tcp.port == 8000", WAIT_MS));
	term_keys(t, up);       /* the oldest stays */
	free(term_wait(t, "filter (BPF or Wireshark): tcp.port == 8000", WAIT_MS));
	term_keys(t, down);
	free(term_wait(t, "filter (BPF or Wireshark): tcp.len > 0", WAIT_MS));
	term_keys(t, down);     /* back to what was being typed */
	s = term_wait(t, "filter (BPF or Wireshark): tcp.fl", WAIT_MS);
	cr_expect(!strstr(s, "tcp.len > 0\n") || strstr(s, "filtered: tcp.len > 0"), "%s", s);
	free(s);
	term_keys(t, up);
	term_keys(t, up);
	term_keys(t, enter);
	free(term_wait(t, "filtered: tcp.port == 8000, 10 of 10", WAIT_MS));
	term_stop(t);
}

/* Issue 12: a live demo started at 0/107 with an empty ladder (its first step cut to the
 * nothing there was at its first draw); its first step is the first segment once there is
 * one. */
Test(tui, live_demo_shows_the_first_segment_once_there_is_one, .timeout = 90)
{
	char *root, env[256], *s, *title;
	const char *e[] = { env, NULL };
	struct term *t;

	need_lab_runs();
	root = two_lab_root();
	snprintf(env, sizeof env, "TCPLAB_ROOT=%s", root);
	t = term_start(80, 24, e, tcplab("demo 2"));
	s = term_wait(t, "checks passed", 60000);
	title = screen_row(s, 0);
	cr_expect(strstr(title, "nagle  1/107"), "the first step, not 0/107:\n%s", s);
	cr_expect(strstr(s, "- S 0 -"), "the SYN on the ladder:\n%s", s);
	free(title);
	free(s);
	term_stop(t);
	rm_rf(root);
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

Test(tui, ladder_of_lab1_live_shows_calls_and_segments, .timeout = 120)
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
	s = term_wait(t, "checks passed", 60000);
	cr_expect(strstr(s, "step 2/"));
	/* the pane says what its times count from: on the run line, where there is room */
	cr_expect(strstr(s, " time: ms since the run began "), "%s", s);
	free(s);
	/* at 80x24 the run line has no room: the pane's header says it, over "wire" */
	term_resize(t, 80, 24);
	free(term_wait(t, "  ms since the run began", WAIT_MS));
	term_resize(t, 120, 60);
	free(term_wait(t, " time: ms since the run began ", WAIT_MS));
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

/* --lang ko: the demo narrates the Nagle stall from lab 2's narration.ko.txt; a segment no
 * rule matches keeps the generated (English) sentence. */
Test(tui, demo_narrates_the_nagle_stall_in_korean_with_lang_ko, .timeout = 30)
{
	const char *e[] = { utf8_env_keys[0], utf8_env_keys[1], NULL };
	const char *back[] = { "Left", NULL };
	struct term *t;
	char *s;

	t = term_start(80, 24, e, tcplab("demo 2 --lang ko --pcap tests/data/tui/lab2_nagle.pcap"));
	free(term_wait(t, "replay  1/107", WAIT_MS));
	for (int i = 1; i < 12; i++)
		term_keys(t, (const char *[]){ "Right", NULL });
	s = term_wait(t, "replay  12/107", WAIT_MS);
	cr_expect(strstr(s, "본문이 기다린다: Nagle은 헤더가 ACK될 때까지"),
	          "lab 2's Korean narration of the stall:\n%s", s);
	cr_expect(!strstr(s, "The body waits"), "the English narration:\n%s", s);
	free(s);
	term_keys(t, back);
	s = term_wait(t, "replay  11/107", WAIT_MS);
	cr_expect(strstr(s, "지연 ACK(delayed ACK) 타이머가"), "the delayed ACK:\n%s", s);
	free(s);
	term_keys(t, back);
	term_keys(t, back);
	s = term_wait(t, "replay  9/107", WAIT_MS);
	/* a segment the lab's narration does not cover: tcplab's own sentence, in Korean too */
	cr_expect(strstr(s, "클라이언트가 서버의 바이트를 23까지 확인응답합니다."), "%s", s);
	cr_expect(!strstr(s, "The client acknowledges"), "%s", s);
	free(s);
	term_stop(t);
}

/* Step the demo from segment 'from' to segment 'to' of 'total' and return the screen. */
static char *demo_step(struct term *t, int from, int to, int total)
{
	char want[64];

	for (int i = from; i != to; i += to > from ? 1 : -1)
		term_keys(t, (const char *[]){ to > from ? "Right" : "Left", NULL });
	snprintf(want, sizeof want, "replay  %d/%d", to, total);
	return term_wait(t, want, WAIT_MS);
}

/* Step the replay from one segment to the next and check what the narration says there. */
struct narr_step {
	int from, to, total;
	const char *says;
};

static void demo_narrates(struct term *t, const struct narr_step *st)
{
	for (; st->says; st++) {
		char *s = demo_step(t, st->from, st->to, st->total);

		cr_expect(strstr(s, st->says), "segment %d should say '%s':\n%s", st->to, st->says, s);
		free(s);
	}
}

/* The demo of one lab (slug) replaying a capture (args), from its first step (first), told
 * as steps says. */
static void demo_replay_narrates(const char *slug, const char *args, const char *first,
                                 const struct narr_step *steps)
{
	char *root = lab_root((const char *const[]){ slug, NULL }), env[256];
	const char *e[] = { env, NULL };
	struct term *t;

	snprintf(env, sizeof env, "TCPLAB_ROOT=%s", root);
	t = term_start(80, 24, e, tcplab(args));
	free(term_wait(t, first, WAIT_MS));
	demo_narrates(t, steps);
	term_stop(t);
	rm_rf(root);
}

/* Lab 3's dribble (a real 'tcplab run 3 --variant dribble --pcap' capture): the narration
 * follows the message byte by byte and says when the 4-byte length is whole. */
Test(tui, demo_narrates_lab3s_dribble_byte_by_byte, .timeout = 30)
{
	char *root = lab_root((const char *const[]){ "03-stream", NULL }), env[256], *s;
	const char *e[] = { env, NULL };
	struct term *t;

	snprintf(env, sizeof env, "TCPLAB_ROOT=%s", root);
	t = term_start(80, 24, e, tcplab("demo 3 --pcap tests/data/tui/lab3_dribble.pcap"));
	free(term_wait(t, "replay  1/54", WAIT_MS));
	s = demo_step(t, 1, 4, 54);
	cr_expect(strstr(s, "The dribble starts: byte 1 of the 4-byte length"), "%s", s);
	free(s);
	s = demo_step(t, 4, 10, 54);
	cr_expect(strstr(s, "Byte 4: only now is the 4-byte length whole"), "%s", s);
	term_expect(s, "demo_lab3_dribble_80x24");
	free(s);
	/* The ACK between two bytes, and a byte in the middle of the text. */
	demo_narrates(t, (const struct narr_step[]){
		{ 10, 11, 54, "The sender waits for this ACK" },
		{ 11, 12, 54, "The next byte, 10 ms after the last one's ACK" },
		{ 12, 53, 54, "The reader's recv() returned 0, the FIN" },
		{ 0, 0, 0, NULL },
	});
	term_stop(t);
	rm_rf(root);
}

/* Lab 4's keepalive (a real 'tcplab run 4 --variant cable-keepalive --pcap' capture): the
 * cut, the three probes, then the RST the kernel gives up with. */
Test(tui, demo_narrates_lab4s_keepalive_probes, .timeout = 30)
{
	demo_replay_narrates("04-rst", "demo 4 --pcap tests/data/tui/lab4_keepalive.pcap",
	                     "replay  1/14", (const struct narr_step[]){
		{ 1, 10, 14, "prints 'pull the cable now'" },
		{ 10, 11, 14, "(TCP_KEEPIDLE 1): a keepalive probe" },
		{ 11, 13, 14, "Probe 3 (TCP_KEEPCNT 3), unanswered." },
		{ 13, 14, 14, "The kernel gives up: a RST nobody receives" },
		{ 0, 0, 0, NULL },
	});
}

/* Lab 4's close-unread: the RST is the same segment for three variants, and the narration
 * says so rather than guess which one it saw. */
Test(tui, demo_says_lab4s_three_aborts_look_alike, .timeout = 30)
{
	demo_replay_narrates("04-rst", "demo 4 --pcap tests/data/tui/lab4_close_unread.pcap",
	                     "replay  1/6", (const struct narr_step[]){
		{ 1, 5, 6, "ACKs all 100 bytes at once, read or not" },
		{ 5, 6, 6, "RST, from the server's kernel: close() with 90 bytes unread" },
		{ 6, 6, 6, "SO_LINGER {1,0} all look just so" },
		{ 0, 0, 0, NULL },
	});
}

Test(tui, grade_screen_passes_the_reference_solution, .timeout = 90)
{
	char *root, env[256], src[900], abs[700], *s, *rows;
	const char *e[] = { env, src, NULL };
	const char *grade[] = { "e", NULL };
	const char *third[] = { "j", "j", "j", "j", "Enter", NULL };
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
	/* Enter on the handshake's check (the fifth) opens the segment it points at: the SYN. */
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

/* The rows of a screen that start with a verdict (not the score). */
static char *check_rows(const char *screen)
{
	char *rows = verdict_rows(screen), *sc = strstr(rows, " score: ");

	if (sc) {
		char *e = strchr(sc, '\n');
		memmove(sc, e + 1, strlen(e + 1) + 1);
	}
	return rows;
}

static int count_rows(const char *rows, const char *prefix)
{
	int n = 0;

	for (const char *l = rows; *l; l = strchr(l, '\n') + 1)
		n += !strncmp(l, prefix, strlen(prefix)) &&
		     !(strstr(l, "(not scored)") && strstr(l, "(not scored)") < strchr(l, '\n'));
	return n;
}

/* The issue's "score 6/9" beside "7 of 10 passed": a grade counts each check's worst
 * verdict over the scenarios and leaves tcplab's own capture check unscored, while the
 * screens opened from it counted one run's checks, all of them. Now the segments, ladder and
 * checks opened from a grade say the grade's score and which scenario's run they show, the
 * checks screen lists the grade's verdicts, and the PASS rows add up to the score. */
Test(tui, screens_opened_from_a_grade_count_what_the_grade_counts, .timeout = 90)
{
	char *root, env[256], src[900], abs[700], *s, *grade_rows, *rows, want[64];
	const char *e[] = { env, src, NULL };
	double score = -1, max = -1;
	struct term *t;

	need_lab_runs();
	root = one_lab_root();
	abs_root(abs, sizeof abs);
	snprintf(env, sizeof env, "TCPLAB_ROOT=%s", root);
	/* Reads the echo with one recv(): fails the scenarios whose echo comes in pieces. */
	snprintf(src, sizeof src, "TCPLAB_GRADE_SRC=%s/tests/exercises/01-handshake/single-recv", abs);
	t = term_start(140, 70, e, tcplab(""));
	free(term_wait(t, "Enter open the lesson", WAIT_MS));
	term_keys(t, (const char *[]){ "e", NULL });
	s = term_wait(t, " score: ", 60000);
	cr_assert_eq(sscanf(strstr(s, " score: "), " score: %lf/%lf", &score, &max), 2, "%s", s);
	cr_expect(strstr(s, "the capture is complete (not scored)"), "%s", s);
	grade_rows = check_rows(s);
	cr_expect_eq(count_rows(grade_rows, " PASS "), (int)score, "%g passed:\n%s", score, grade_rows);
	cr_expect_eq(count_rows(grade_rows, " PASS ") + count_rows(grade_rows, " FAIL ") +
	             count_rows(grade_rows, " inconclusive "), (int)max, "%s", grade_rows);
	free(s);
	snprintf(want, sizeof want, "score %g/%g, scenario ", score, max);
	term_keys(t, (const char *[]){ "s", NULL });
	s = term_wait(t, want, WAIT_MS);
	cr_expect(strstr(s, "segments") < strstr(s, want), "%s", s);
	free(s);
	term_keys(t, (const char *[]){ "q", "a", NULL });
	free(term_wait(t, "ladder  ", WAIT_MS));
	s = term_wait(t, want, WAIT_MS);
	free(s);
	term_keys(t, (const char *[]){ "q", "c", NULL });
	s = term_wait(t, "checks  ", WAIT_MS);
	free(s);
	s = term_wait(t, want, WAIT_MS);
	rows = check_rows(s);
	cr_expect_str_eq(rows, grade_rows, "the checks screen lists the grade's verdicts");
	free(rows);
	free(s);
	free(grade_rows);
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

/* gcc quotes in UTF-8 ('‘;’ token'): the build log shows its quotes, not '?'. */
Test(tui, build_log_shows_gccs_quotes_in_utf8, .timeout = 60)
{
	char dir[] = "/tmp/tcplab-tui-quotes-XXXXXX", path[128], env[256], src[256], *s;
	char *root;
	const char *e[] = { env, src, "LANG=C.UTF-8", "LC_ALL=C.UTF-8", NULL };
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
	cr_expect(strstr(s, "\u2018;\u2019"), "gcc's quotes around ';':\n%s", s);
	cr_expect(!strstr(s, "?;?"), "quotes shown as '?':\n%s", s);
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

Test(tui, checks_screen_shows_a_fail_with_the_reason, .timeout = 120)
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
	free(term_wait(t, "checks passed", 60000));
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

Test(tui, runs_a_lab_live_as_an_unprivileged_user, .timeout = 120)
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
	s = term_wait(t, "checks passed", 60000);
	cr_expect(strstr(s, "11 of 11 checks passed"), "as nobody:\n%s", s);
	free(s);
	term_stop(t);
	snprintf(c, sizeof c, "%s/tcplab/progress", state);
	s = test_slurp(c);
	cr_expect(strstr(s, "1 demo"), "progress written by nobody: '%s'", s);
	free(s);
	rm_rf(state);
	rm_rf(root);
}

/* ---- the demo's call columns and notes ---- */

/* Lab 3's split header, live with --calls: each recv() beside the segments, in its host's
 * column, with what it returned; S hides and shows them. */
Test(tui, demo_shows_the_programs_calls_beside_the_segments, .timeout = 90)
{
	char *root, env[256], *s, *seg;
	const char *calls;
	const char *e[] = { env, NULL };
	const char *to6[] = { "0", "Right", "Right", "Right", "Right", "Right", NULL };
	struct term *t;

	need_lab_runs();
	root = lab_root((const char *const[]){ "03-stream", NULL });
	snprintf(env, sizeof env, "TCPLAB_ROOT=%s", root);
	t = term_start(100, 30, e, tcplab("demo 3 --calls --variant split-header"));
	/* the demo says how the live run went */
	free(term_wait(t, "checks passed", 60000));
	/* segment 6, the header's second part (P. 3:34(31)); the calls made by then beside it.
	 * What each recv() returned depends on when the server ran (a busy machine may let
	 * both parts arrive first), so the test asks for the calls, not for their counts. */
	term_keys(t, to6);
	s = term_wait(t, "split-header  6/", WAIT_MS);
	seg = strstr(s, "- P. 3:34(31) ack 1 -");
	calls = line_with(s, "| recvfrom(", ") = ");
	cr_expect(seg, "segment 6 is the rest of the header:\n%s", s);
	cr_expect(calls, "the server's recv(), in its column, with what it returned:\n%s", s);
	cr_expect(strstr(s, "  sendto(3, 2, MSG_NOSIGNAL)"), "the client's send, at the left:\n%s", s);
	cr_expect(strstr(s, "Half a header") || strstr(s, "rest of the header") || strstr(s, "31"),
	          "the narration stays:\n%s", s);
	free(s);
	/* S: segments only, as without --calls */
	term_keys(t, (const char *[]){ "S", NULL });
	s = term_wait(t, "calls hidden", WAIT_MS);
	cr_expect(!strstr(s, "recvfrom("), "no calls:\n%s", s);
	cr_expect(strstr(s, "- P. 3:34(31) ack 1 -"), "%s", s);
	free(s);
	term_keys(t, (const char *[]){ "S", "G", NULL });
	/* the end: what followed the last segment shows too, the programs' exits */
	s = term_wait(t, "exit(0)", WAIT_MS);
	cr_expect(line_with(s, "| recvfrom(", ") = 0"), "the reader sees the FIN:\n%s", s);
	free(s);
	term_stop(t);
	rm_rf(root);
}

/* A capture has no calls: the demo says so rather than show two empty columns. */
Test(tui, demo_says_a_capture_has_no_calls, .timeout = 30)
{
	char *root = lab_root((const char *const[]){ "03-stream", NULL }), env[256], *s;
	const char *e[] = { env, NULL };
	struct term *t;

	snprintf(env, sizeof env, "TCPLAB_ROOT=%s", root);
	t = term_start(80, 24, e, tcplab("demo 3 --calls --pcap tests/data/tui/lab3_dribble.pcap"));
	s = term_wait(t, "replay  1/54", WAIT_MS);
	cr_expect(strstr(s, "no calls in a capture file"), "%s", s);
	/* the segments' ladder as without calls, the whole width */
	cr_expect(strstr(s, "   0.00  |--------------------------- S 0 ----"), "%s", s);
	free(s);
	term_stop(t);
	/* S on a replay says the same */
	t = term_start(80, 24, e, tcplab("demo 3 --pcap tests/data/tui/lab3_dribble.pcap"));
	s = term_wait(t, "replay  1/54", WAIT_MS);
	cr_expect(!strstr(s, "no calls"), "%s", s);
	free(s);
	term_keys(t, (const char *[]){ "S", NULL });
	s = term_wait(t, "no calls in a capture file: r runs the lab live", WAIT_MS);
	free(s);
	term_stop(t);
	rm_rf(root);
}

/* Lab 4's kill, live: tcplab's SIGKILL is a row of the demo, before the RST it causes. */
Test(tui, demo_shows_a_kill_as_a_row_before_the_rst, .timeout = 90)
{
	char *root, env[256], *s, *kill, *rst;
	const char *e[] = { env, NULL };
	struct term *t;

	need_lab_runs();
	root = lab_root((const char *const[]){ "04-rst", NULL });
	snprintf(env, sizeof env, "TCPLAB_ROOT=%s", root);
	t = term_start(80, 24, e, tcplab("demo 4 --variant kill-unread"));
	free(term_wait(t, "checks passed", 60000));
	term_keys(t, (const char *[]){ "G", NULL });
	s = term_wait(t, "R. 1 ack 101", WAIT_MS);
	kill = strstr(s, "tcplab: SIGKILL to the server");
	rst = strstr(s, "R. 1 ack 101");
	cr_expect(kill && kill < rst, "the kill, then the RST:\n%s", s);
	free(s);
	term_stop(t);
	rm_rf(root);
}

/* ---- the demo's side-by-side comparison ---- */

#define CMP_ARGS "demo 2 --compare nagle,nodelay --pcap tests/data/tui/lab2_nagle.pcap " \
                 "--pcap tests/data/tui/lab2_nodelay.pcap"

#define RIGHT11 "Right", "Right", "Right", "Right", "Right", "Right", "Right", "Right", \
                "Right", "Right", "Right"

/* The comparison of lab 2 from two saved captures, aligned by time (the default), the left
 * side stepping alone to its segment 12: Nagle's body, 42.07 ms into its run. */
static struct term *compare_at_12(int cols, int rows, const char *const *env)
{
	const char *fwd[] = { "Tab", RIGHT11, NULL };
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
	s = term_wait(t, "12/107 |", WAIT_MS);
	/* By time: when Nagle's body leaves, 42 ms in, TCP_NODELAY's run has long finished. */
	cr_expect(strstr(s, "by time 42.07 ms  step left"), "the title says the time:\n%s", s);
	cr_expect(strstr(s, "|  nodelay (replay)               88/88"), "nodelay is done:\n%s", s);
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

/* By time, both stepping: each step goes to the next segment of either run, and each side
 * shows what its run had sent by then (the times at 140 columns say so). */
Test(tui, compare_by_time_steps_to_the_next_segment_of_either_side, .timeout = 30)
{
	char *root = two_lab_root(), env[256], *s;
	const char *e[] = { env, NULL };
	const char *fwd[] = { RIGHT11, NULL };
	struct term *t;

	snprintf(env, sizeof env, "TCPLAB_ROOT=%s", root);
	t = term_start(140, 40, e, tcplab(CMP_ARGS));
	s = term_wait(t, "1/88", WAIT_MS);
	/* the start: both SYNs, at 0 ms since each run began */
	cr_expect(strstr(s, "by time 0.00 ms  step both"), "%s", s);
	cr_expect(strstr(s, " 1/107 |"), "%s", s);
	free(s);
	term_keys(t, fwd);
	/* Eleven steps: 0.22 ms, nagle's 6th segment (0.22) and nodelay's 7th (0.22); the 12
	 * segments of both runs up to there, in time order, one step each (two at 0.07 and
	 * 0.10 ms). Not 12 of each, as by segment. */
	s = term_wait(t, "by time 0.22 ms", WAIT_MS);
	cr_expect(strstr(s, " 6/107 |") && strstr(s, " 7/88"), "%s", s);
	cr_expect(strstr(s, "   0.22  |------------------- P. 5:15(10) ack 1 ---"), "%s", s);
	cr_expect(strstr(s, "|   0.22  |<---------------------- . ack 15 ---"), "%s", s);
	free(s);
	/* The next segment of either: nagle's ACK at 0.23 ms; nodelay's next is at 0.28. */
	term_keys(t, (const char *[]){ "Right", NULL });
	s = term_wait(t, "by time 0.23 ms", WAIT_MS);
	cr_expect(strstr(s, " 7/107 |") && strstr(s, " 7/88"), "%s", s);
	free(s);
	term_keys(t, (const char *[]){ "Right", NULL });
	s = term_wait(t, "by time 0.28 ms", WAIT_MS);
	cr_expect(strstr(s, " 7/107 |") && strstr(s, " 8/88"), "%s", s);
	free(s);
	term_keys(t, (const char *[]){ "Left", "Left", NULL });
	s = term_wait(t, "by time 0.22 ms", WAIT_MS);
	cr_expect(strstr(s, " 6/107 |") && strstr(s, " 7/88"), "%s", s);
	free(s);
	/* End: the last segment of either run, nagle's at 847 ms: both complete. */
	term_keys(t, (const char *[]){ "G", NULL });
	s = term_wait(t, "88/88", WAIT_MS);
	cr_expect(strstr(s, "107/107 |"), "%s", s);
	free(s);
	term_keys(t, (const char *[]){ "0", NULL });
	s = term_wait(t, "by time 0.00 ms", WAIT_MS);
	cr_expect(strstr(s, " 1/107 |") && strstr(s, " 1/88"), "%s", s);
	free(s);
	term_stop(t);
	rm_rf(root);
}

/* 'A' aligns by segment: each side counts its own, and Tab steps one side alone. */
Test(tui, compare_steps_both_together_or_each_alone, .timeout = 30)
{
	char *root = two_lab_root(), env[256], *s;
	const char *e[] = { env, NULL };
	const char *by_seg[] = { "A", RIGHT11, NULL };
	const char *left_back[] = { "Tab", "Left", "Left", NULL };
	const char *right_fwd[] = { "Tab", "Right", NULL };
	const char *both_back[] = { "Tab", "Left", NULL };
	const char *restart[] = { "0", NULL };
	const char *last[] = { "G", NULL };
	struct term *t;

	snprintf(env, sizeof env, "TCPLAB_ROOT=%s", root);
	t = term_start(80, 24, e, tcplab(CMP_ARGS));
	free(term_wait(t, "1/88", WAIT_MS));
	term_keys(t, by_seg);
	s = term_wait(t, "12/88", WAIT_MS);
	cr_expect(strstr(s, "by segment  step both") && strstr(s, "12/107 |"), "%s", s);
	/* segment 12 of each: nagle's stall shown, nodelay past it */
	term_expect(s, "compare_lab2_by_segment_80x24");
	free(s);
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

/* 'A' back to time goes on from the newest segment shown: segment 12 of each, by segment,
 * is nagle's body at 42.07 ms, by when nodelay had finished. */
Test(tui, compare_align_key_switches_to_time_from_the_newest_segment, .timeout = 30)
{
	char *root = two_lab_root(), env[256], *s;
	const char *e[] = { env, NULL };
	const char *keys[] = { "A", RIGHT11, NULL };
	struct term *t;

	snprintf(env, sizeof env, "TCPLAB_ROOT=%s", root);
	t = term_start(80, 24, e, tcplab(CMP_ARGS));
	free(term_wait(t, "1/88", WAIT_MS));
	term_keys(t, keys);
	free(term_wait(t, "12/88", WAIT_MS));
	term_keys(t, (const char *[]){ "A", NULL });
	s = term_wait(t, "by time 42.07 ms  step both", WAIT_MS);
	cr_expect(strstr(s, "12/107 |") && strstr(s, "88/88"), "%s", s);
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
	s = term_wait(t, "12/107 |", WAIT_MS);
	cr_expect(strstr(s, "median round trip 43.8 ms  19 delayed ACKs  107 segments in"), "%s", s);
	/* the segment in the ladder's one notation; the 40 ms stall before it, a gap row */
	cr_expect(strstr(s, "  42.07  |------------------ P. 19:29(10) ack 24 ---"), "%s", s);
	cr_expect(strstr(s, "|                     ... 41.6 ms ...                     |"), "%s", s);
	/* by 42.07 ms, nodelay's close: its last segment at 2.06 ms */
	cr_expect(strstr(s, "|   2.06  |----------------------- . ack 462 ---"), "%s", s);
	term_expect(s, "compare_lab2_140x40");
	free(s);
	/* Resizing to 80x24 lays it out again, compact. */
	term_resize(t, 80, 24);
	s = term_wait(t, "RTT 43.8ms", WAIT_MS);
	free(s);
	s = term_wait(t, "12/107 |", WAIT_MS);
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
	s = term_wait(t, "- F. ", WAIT_MS);
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
	cr_expect(strstr(r.out, "A aligns the runs by time"), "%s", r.out);
	cr_expect(strstr(r.out, "--calls"), "%s", r.out);
}

/* '/' in the comparison filters both sides; the title says so, with each side's count. */
Test(tui, compare_says_both_sides_are_filtered, .timeout = 30)
{
	char *root = two_lab_root(), env[256], *s;
	const char *e[] = { env, NULL };
	struct term *t;

	snprintf(env, sizeof env, "TCPLAB_ROOT=%s", root);
	t = term_start(80, 24, e, tcplab(CMP_ARGS));
	free(term_wait(t, "1/88", WAIT_MS));
	term_keys(t, (const char *[]){ "/", NULL });
	term_type(t, "tcp.flags.syn==1");
	term_keys(t, (const char *[]){ "Enter", NULL });
	s = term_wait(t, "compare  filtered: tcp.flags.syn==1, 2 of 107 | 2 of 88", WAIT_MS);
	cr_expect(strstr(s, "step both"), "the title still says what steps:\n%s", s);
	cr_expect(strstr(s, "1/2"), "each side steps through its 2 segments:\n%s", s);
	free(s);
	term_stop(t);
	rm_rf(root);
}

/* ---- themes for a projector ---- */

/* Visible characters drawn in blue or yellow (normal or bright): what projectors lose. */
static unsigned blue_or_yellow(const struct term_attrs *a)
{
	return a->fg[3] + a->fg[4] + a->fg[11] + a->fg[12];
}

/* The screens a projector shows most, in one theme: a segment list with its detail, the
 * ladder, an error on the status line, the help. */
static void check_theme_screens(const char *theme, int want_bg)
{
	const char *e[] = { "TERM=screen-256color", NULL };
	char args[256];
	struct term *t;
	struct term_attrs a;
	char *esc;
	static const char *const keys[][3] = {
		{ NULL }, { "a", NULL }, { "/", "x.y", NULL }, { "?", NULL },
	};
	static const char *const wait_for[] = {
		"10 segments of 12 packets", "client", "filter 'x.y'", "help: keys",
	};

	snprintf(args, sizeof args, "inspect --theme %s " CAPTURE, theme);
	t = term_start(80, 24, e, tcplab(args));
	for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
		if (keys[k][0]) {
			term_keys(t, (const char *[]){ keys[k][0], NULL });
			if (keys[k][1]) {
				term_type(t, keys[k][1]);
				term_keys(t, (const char *[]){ "Enter", NULL });
			}
		}
		free(term_wait(t, wait_for[k], WAIT_MS));
		esc = term_screen(t, true);
		term_attrs_of(esc, &a);
		cr_expect_eq(blue_or_yellow(&a), 0, "--theme %s, screen %zu: %u characters in blue or "
		             "yellow:\n%s", theme, k, blue_or_yellow(&a), esc);
		/* The theme paints its own background: no character is left to the terminal's. */
		cr_expect_eq(a.fg[TERM_DEFAULT_COLOUR], 0, "--theme %s, screen %zu: %u characters in "
		             "the terminal's own colour", theme, k, a.fg[TERM_DEFAULT_COLOUR]);
		cr_expect_gt(a.bg[want_bg], a.chars / 2, "--theme %s, screen %zu: the background is "
		             "not mostly colour %d", theme, k, want_bg);
		free(esc);
	}
	term_stop(t);

	/* The demo, what a projector shows most, four segments in. */
	snprintf(args, sizeof args, "demo 1 --theme %s --pcap " CAPTURE, theme);
	t = term_start(80, 24, e, tcplab(args));
	free(term_wait(t, "replay  1/10", WAIT_MS));
	term_keys(t, (const char *[]){ "Right", "Right", "Right", NULL });
	free(term_wait(t, "replay  4/10", WAIT_MS));
	esc = term_screen(t, true);
	term_attrs_of(esc, &a);
	cr_expect_eq(blue_or_yellow(&a), 0, "--theme %s, the demo: %u characters in blue or "
	             "yellow:\n%s", theme, blue_or_yellow(&a), esc);
	cr_expect_eq(a.fg[TERM_DEFAULT_COLOUR], 0, "--theme %s, the demo: %u characters in the "
	             "terminal's own colour", theme, a.fg[TERM_DEFAULT_COLOUR]);
	cr_expect_gt(a.bg[want_bg], a.chars / 2);
	free(esc);
	term_stop(t);
}

Test(tui, high_contrast_theme_is_white_on_black_without_blue_or_yellow, .timeout = 60)
{
	check_theme_screens("high-contrast", 0);
}

Test(tui, light_theme_is_black_on_white_without_blue_or_yellow, .timeout = 60)
{
	check_theme_screens("light", 7);
}

/* The default theme does use blue and yellow (hints, headings): the checks above can fail.
 * T cycles the themes, as --theme names them. */
Test(tui, theme_key_cycles_default_high_contrast_light, .timeout = 30)
{
	const char *e[] = { "TERM=screen-256color", NULL };
	struct term *t = term_start(80, 24, e, tcplab("inspect " CAPTURE));
	struct term_attrs a;
	char *esc;

	free(term_wait(t, "10 segments of 12 packets", WAIT_MS));
	esc = term_screen(t, true);
	term_attrs_of(esc, &a);
	cr_expect_gt(blue_or_yellow(&a), 0, "the default theme should draw hints in blue:\n%s", esc);
	free(esc);
	term_keys(t, (const char *[]){ "T", NULL });
	free(term_wait(t, "theme: high-contrast", WAIT_MS));
	esc = term_screen(t, true);
	term_attrs_of(esc, &a);
	cr_expect_eq(blue_or_yellow(&a), 0, "%s", esc);
	cr_expect_gt(a.bg[0], a.chars / 2);
	free(esc);
	term_keys(t, (const char *[]){ "T", NULL });
	free(term_wait(t, "theme: light", WAIT_MS));
	esc = term_screen(t, true);
	term_attrs_of(esc, &a);
	cr_expect_eq(blue_or_yellow(&a), 0, "%s", esc);
	cr_expect_gt(a.bg[7], a.chars / 2);
	free(esc);
	term_keys(t, (const char *[]){ "T", NULL });
	free(term_wait(t, "theme: default", WAIT_MS));
	term_stop(t);
}

/* NO_COLOR wins over any theme: no colour at all, and bold where dim was. */
Test(tui, no_color_overrides_the_theme_and_never_dims, .timeout = 30)
{
	const char *e[] = { "NO_COLOR=1", "TERM=screen-256color", NULL };
	struct term *t = term_start(80, 24, e, tcplab("inspect --theme light " CAPTURE));
	struct term_attrs a;
	char *esc;

	free(term_wait(t, "10 segments of 12 packets", WAIT_MS));
	esc = term_screen(t, true);
	term_attrs_of(esc, &a);
	cr_expect(!has_colour(esc), "NO_COLOR set, but the screen has colours:\n%s", esc);
	cr_expect_eq(a.dim, 0, "%u characters are dim under NO_COLOR:\n%s", a.dim, esc);
	cr_expect_gt(a.bold, 0);
	cr_expect_gt(a.reverse, 0, "the title and selection should be in reverse video");
	free(esc);
	term_keys(t, (const char *[]){ "T", NULL });
	free(term_wait(t, "no colours to change", WAIT_MS));
	esc = term_screen(t, true);
	cr_expect(!has_colour(esc), "T brought colours in under NO_COLOR:\n%s", esc);
	free(esc);
	term_stop(t);
}

Test(tui, theme_option_is_checked, .timeout = 30)
{
	struct tcplab_result r;
	const char *bad[] = { "inspect", "--theme", "blue", CAPTURE, NULL };
	const char *help[] = { "demo", "--help", NULL };

	tcplab_run(&r, bad);
	cr_expect_eq(r.status, 2);
	cr_expect(strstr(r.err, "--theme 'blue' is not a theme (default, high-contrast or light)"),
	          "%s", r.err);
	tcplab_run(&r, help);
	cr_expect(strstr(r.out, "--theme NAME") && strstr(r.out, "high-contrast"), "%s", r.out);
}

/* ---- search within a view: '/' is the display filter, so \ (or F3) asks, n and N repeat ---- */

Test(tui, search_selects_the_next_match_and_n_N_step_through_them, .timeout = 30)
{
	struct term *t = term_start(80, 24, NULL, tcplab("inspect " CAPTURE));
	const char *ask[] = { "\\", NULL };
	const char *enter[] = { "Enter", NULL };
	char *s;

	free(term_wait(t, "10 segments of 12 packets", WAIT_MS));
	term_keys(t, ask);
	term_type(t, "p.");                     /* ignoring case */
	free(term_wait(t, "search: p.", WAIT_MS));
	term_keys(t, enter);
	free(term_wait(t, " Frame 6 at 0.140 ms", WAIT_MS));
	term_keys(t, (const char *[]){ "n", NULL });
	free(term_wait(t, " Frame 8 at 0.177 ms", WAIT_MS));
	term_keys(t, (const char *[]){ "n", NULL });
	s = term_wait(t, " Frame 6 at 0.140 ms", WAIT_MS);
	cr_expect(strstr(s, "search: p.  (from the top again)"), "%s", s);
	free(s);
	term_keys(t, (const char *[]){ "N", NULL });
	s = term_wait(t, " Frame 8 at 0.177 ms", WAIT_MS);
	cr_expect(strstr(s, "(from the bottom again)"), "%s", s);
	free(s);
	/* Esc leaves the prompt and n still looks for the last search. */
	term_keys(t, ask);
	term_type(t, "qqq");
	free(term_wait(t, "search: qqq", WAIT_MS));
	term_keys(t, (const char *[]){ "Escape", "n", NULL });
	s = term_wait(t, " Frame 6 at 0.140 ms", WAIT_MS);
	cr_expect(strstr(s, "search: p."), "%s", s);
	free(s);
	term_keys(t, (const char *[]){ "n", NULL });
	free(term_wait(t, " Frame 8 at 0.177 ms", WAIT_MS));
	/* Text that is not there: said, and the selection stays. */
	term_keys(t, ask);
	term_type(t, "zzz");
	term_keys(t, enter);
	s = term_wait(t, "'zzz' is not in this view", WAIT_MS);
	cr_expect(strstr(s, " Frame 8 at 0.177 ms"), "%s", s);
	free(s);
	term_stop(t);
}

Test(tui, search_works_in_the_ladder_and_the_followed_stream, .timeout = 30)
{
	const char *nc[] = { "NO_COLOR=1", NULL };
	struct term *t = term_start(80, 24, nc, tcplab("inspect " CAPTURE));
	const char *enter[] = { "Enter", NULL };
	char *s;

	free(term_wait(t, "10 segments of 12 packets", WAIT_MS));
	term_keys(t, (const char *[]){ "a", "F3", NULL });
	term_type(t, "F.");
	term_keys(t, enter);
	free(term_wait(t, "The client closes its direction: FIN after byte 5.", WAIT_MS));
	term_keys(t, (const char *[]){ "n", NULL });
	s = term_wait(t, "search: F.", WAIT_MS);
	cr_expect(!strstr(s, "The client closes its direction"), "n should move to the server's "
	          "FIN:\n%s", s);
	free(s);
	term_keys(t, (const char *[]){ "q", "f", NULL });
	free(term_wait(t, "follow stream: connection 0", WAIT_MS));
	term_keys(t, (const char *[]){ "\\", NULL });
	term_type(t, "hello");
	term_keys(t, enter);
	free(term_wait(t, "search: hello", WAIT_MS));
	/* The line found is marked (reverse video without colour): the server's, after the
	 * client's at the top. */
	s = term_screen(t, true);
	cr_expect(strstr(s, "\033[7m<s hello") && !strstr(s, "\033[7mc> hello"), "%s", s);
	free(s);
	term_keys(t, (const char *[]){ "\\", NULL });
	term_type(t, "goodbye");
	term_keys(t, enter);
	free(term_wait(t, "'goodbye' is not in this view", WAIT_MS));
	term_stop(t);
}

/* The issue's case: a filter set on a run's segment list stays on in the lesson's pane and
 * the ladder; both say so. */
Test(tui, a_filter_set_on_segments_is_said_in_the_lesson_and_ladder, .timeout = 90)
{
	char *root, env[256], *s;
	const char *e[] = { env, NULL };
	struct term *t;

	need_lab_runs();
	root = one_lab_root();
	snprintf(env, sizeof env, "TCPLAB_ROOT=%s", root);
	t = term_start(80, 24, e, tcplab(""));
	free(term_wait(t, "Enter open the lesson", WAIT_MS));
	term_keys(t, (const char *[]){ "Enter", "Right", NULL });
	free(term_wait(t, "checks passed", 60000));
	term_keys(t, (const char *[]){ "s", "/", NULL });
	term_type(t, "tcp.flags.syn==1");
	term_keys(t, (const char *[]){ "Enter", NULL });
	free(term_wait(t, "segments  filtered: tcp.flags.syn==1, 2 of ", WAIT_MS));
	term_keys(t, (const char *[]){ "q", NULL });
	s = term_wait(t, "run client-first: filtered: tcp.flags.syn==1, 2 of ", WAIT_MS);
	free(s);
	term_keys(t, (const char *[]){ "a", NULL });
	free(term_wait(t, "ladder  lab 1 client-first  filtered: tcp.flags.syn==1, 2 of ", WAIT_MS));
	term_stop(t);
	rm_rf(root);
}

/* ---- issue 12: a grade started during a lesson's run, lesson anchors, compare's q, help ---- */

/* The processes whose parent is pid, as "PID STATE" lines ("" when none). */
static void children_of(const char *pid, char *out, size_t len)
{
	struct dirent *d;
	DIR *dp = opendir("/proc");
	size_t used = 0;

	cr_assert_not_null(dp);
	out[0] = '\0';
	while ((d = readdir(dp))) {
		char path[300], buf[1024], *rp, state;
		long ppid;
		FILE *f;
		size_t n;

		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/stat", d->d_name);
		if (!(f = fopen(path, "r")))
			continue;       /* gone meanwhile */
		n = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
		buf[n] = '\0';
		/* "pid (comm) state ppid ...": comm may hold anything, so from the last ')' */
		if (!(rp = strrchr(buf, ')')) || sscanf(rp + 1, " %c %ld", &state, &ppid) != 2)
			continue;
		if (ppid == atol(pid) && used < len)
			used += (size_t)snprintf(out + used, len - used, "%s %c\n", d->d_name, state);
	}
	closedir(dp);
}

/* How many of pid's descriptors hold a network namespace (a lab's sandbox). */
static int netns_fds(const char *pid)
{
	char dir[64], path[600], link[128];
	struct dirent *d;
	DIR *dp;
	int n = 0;

	snprintf(dir, sizeof dir, "/proc/%s/fd", pid);
	dp = opendir(dir);
	cr_assert_not_null(dp, "cannot read %s", dir);
	while ((d = readdir(dp))) {
		ssize_t k;
		snprintf(path, sizeof path, "%s/%s", dir, d->d_name);
		k = readlink(path, link, sizeof link - 1);
		if (k > 0) {
			link[k] = '\0';
			n += !strncmp(link, "net:[", 5);
		}
	}
	closedir(dp);
	return n;
}

/* The issue's case: 'e' at once after a step's live run starts. The run is stopped before
 * the grade starts (no program of it left, not even a zombie; its namespaces gone), and
 * back in the lesson the pane says it was stopped, never "running live". */
Test(tui, grade_right_after_a_run_starts_stops_the_run_cleanly, .timeout = 120)
{
	char dir[] = "/tmp/tcplab-tui-broken-XXXXXX", path[128], env[256], src[256], kids[4096];
	char *root, *s, *pid;
	const char *e[] = { env, src, NULL };
	struct term *t;
	FILE *f;

	need_lab_runs();
	root = one_lab_root();
	/* A build that fails at once: the grade is over quickly, and runs nothing itself. */
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/echo_client.c", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("int main(void) { return missing(; }\n", f);
	fclose(f);
	snprintf(env, sizeof env, "TCPLAB_ROOT=%s", root);
	snprintf(src, sizeof src, "TCPLAB_GRADE_SRC=%s", dir);
	t = term_start(80, 24, e, tcplab(""));
	pid = term_query(t, "#{pane_pid}");
	free(term_wait(t, "Enter open the lesson", WAIT_MS));
	term_keys(t, (const char *[]){ "Enter", NULL });
	free(term_wait(t, "step 1/", WAIT_MS));
	/* One send: the run starts on Right, and 'e' comes before the loop serves it. */
	term_keys(t, (const char *[]){ "Right", "e", NULL });
	free(term_wait(t, "the build failed; the compiler said:", 30000));
	children_of(pid, kids, sizeof kids);
	cr_expect_str_eq(kids, "", "the run's processes are left while grading:\n%s", kids);
	cr_expect_eq(netns_fds(pid), 0, "the run's namespaces are still held while grading");
	term_keys(t, (const char *[]){ "q", NULL });
	s = term_wait(t, "step 2/", WAIT_MS);
	cr_expect(!strstr(s, "running live"), "the pane still says the run goes on:\n%s", s);
	cr_expect(strstr(s, "run client-first: stopped"), "the pane does not say it stopped:\n%s", s);
	cr_expect(strstr(s, "r runs it again"), "%s", s);
	free(s);
	children_of(pid, kids, sizeof kids);
	cr_expect_str_eq(kids, "", "processes left after the grade:\n%s", kids);
	/* And r runs it again, to the end. */
	term_keys(t, (const char *[]){ "r", NULL });
	free(term_wait(t, "checks passed", 60000));
	free(pid);
	term_stop(t);
	rm_rf(dir);
	rm_rf(root);
}

/* The issue's case: 'q' in a comparison opened from the command line quit the program,
 * though the hint says "back". It goes back to the lab's demo (the right side shown, the
 * left as the run before it), from which C compares the two again and q quits. */
Test(tui, q_in_a_comparison_opened_first_goes_back_to_the_demo, .timeout = 30)
{
	char *root = two_lab_root(), env[256], c[2200], *s;
	const char *e[] = { env, NULL };
	struct term *t;

	snprintf(env, sizeof env, "TCPLAB_ROOT=%s", root);
	/* not exec'ed: the shell says when the program has left */
	snprintf(c, sizeof c, "%s; echo TCPLAB-LEFT; read x", tcplab(CMP_ARGS) + strlen("exec "));
	t = term_start(80, 24, e, c);
	free(term_wait(t, "1/88", WAIT_MS));
	term_keys(t, (const char *[]){ "q", NULL });
	s = term_wait(t, "demo  lab 2", WAIT_MS);
	cr_expect(!strstr(s, "TCPLAB-LEFT"), "q quit the program:\n%s", s);
	cr_expect(strstr(s, "replay  1/88"), "the demo shows the right side:\n%s", s);
	cr_expect(strstr(s, "before: capture: 107 segments"), "the left is the run before:\n%s", s);
	free(s);
	term_keys(t, (const char *[]){ "C", NULL });
	s = term_wait(t, "compare  lab 2", WAIT_MS);
	cr_expect(strstr(s, "lab2_nagle.pcap") && strstr(s, "lab2_nodelay.pcap"), "%s", s);
	cr_expect(strstr(s, "1/107 |") && strstr(s, "1/88"), "the same two sides:\n%s", s);
	free(s);
	term_keys(t, (const char *[]){ "q", NULL });
	free(term_wait(t, "replay  1/88", WAIT_MS));
	term_keys(t, (const char *[]){ "q", NULL });
	free(term_wait(t, "TCPLAB-LEFT", WAIT_MS));
	term_stop(t);
	rm_rf(root);
}

/* The first segment row of the lesson's run pane (the line under "run NAME:"), or "". */
static void first_pane_segment(const char *screen, char *out, size_t len)
{
	const char *l = strstr(screen, "-- run ");

	out[0] = '\0';
	while (l && (l = strchr(l, '\n'))) {
		const char *e = strchr(++l, '\n');
		size_t n = e ? (size_t)(e - l) : strlen(l);
		char line[512];

		snprintf(line, sizeof line, "%.*s", (int)n, l);
		if (strstr(line, "-->") || strstr(line, "<--")) {
			snprintf(out, len, "%s", line);
			return;
		}
	}
}

/* The issue's case: step 2 of lab 2 says "look at request 2" while the pane followed the
 * run to request 20. Its "show:" line puts the pane on request 2's header, and the step
 * after it, which runs nothing, keeps showing the run (at its end: no "show:" there). */
Test(tui, a_lesson_step_shows_the_part_of_the_run_it_talks_about, .timeout = 90)
{
	char *root, env[256], *s, *rows, first[512];
	const char *e[] = { env, NULL };
	struct term *t;

	need_lab_runs();
	root = two_lab_root();
	snprintf(env, sizeof env, "TCPLAB_ROOT=%s", root);
	t = term_start(80, 24, e, tcplab(""));
	free(term_wait(t, "Enter open the lesson", WAIT_MS));
	term_keys(t, (const char *[]){ "Down", "Enter", NULL });
	free(term_wait(t, "lab 2: ", WAIT_MS));
	term_keys(t, (const char *[]){ "Right", NULL });
	s = term_wait(t, "checks passed", 60000);
	cr_expect(strstr(s, "Look at request 2 on the ladder"), "%s", s);
	/* request 2: its header first, then the delayed ACK; not the run's end */
	first_pane_segment(s, first, sizeof first);
	cr_expect(strstr(first, "P. 15:19(4) ack 24"), "request 2's header is not first:\n%s", s);
	cr_expect(strstr(s, " ack 19 "), "request 2's delayed ACK is not in view:\n%s", s);
	rows = wire_rows(s);
	cr_expect(!strstr(rows, "F."), "the pane shows the run's end:\n%s", s);
	free(rows);
	free(s);
	/* the next step runs nothing: the same run stays in view, at its end */
	term_keys(t, (const char *[]){ "Right", NULL });
	s = term_wait(t, "step 3/", WAIT_MS);
	cr_expect(strstr(s, "run nagle: done: "), "the pane is gone:\n%s", s);
	/* at its end: the programs' exits, then only the kernel's last samples (rows of
	 * their own since issue 10), not request 2 */
	rows = wire_rows(s);
	cr_expect(strstr(s, "exit(0)") && !strstr(rows, "P. 15:19(4) ack 24"),
	          "the pane does not follow the end:\n%s", s);
	free(rows);
	free(s);
	/* step 4 is about request 1: its "show:" puts the pane there, on the same run */
	term_keys(t, (const char *[]){ "Right", NULL });
	s = term_wait(t, "step 4/", WAIT_MS);
	cr_expect(strstr(s, "run nagle: done: "), "%s", s);
	first_pane_segment(s, first, sizeof first);
	cr_expect(strstr(first, "P. 1:5(4) ack 1"), "request 1's header is not first:\n%s", s);
	free(s);
	term_stop(t);
	rm_rf(root);
}

/* A real lab 1 run saved with 'tcplab run 1 --record': dir/run.pcapng (dir malloc'ed). */
static char *record_lab1(void)
{
	char *dir = strdup("/tmp/tcplab-tui-record-XXXXXX"), path[512];
	struct tcplab_result *r = malloc(sizeof *r);

	cr_assert_not_null(dir);
	cr_assert_not_null(r);
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/run.pcapng", dir);
	tcplab_run(r, (const char *[]){ "run", "1", "--record", path, NULL });
	cr_assert_eq(r->status, 0, "tcplab run 1 --record: %s%s", r->out, r->err);
	cr_assert(strstr(r->out, "run record saved to"), "%s", r->out);
	free(r);
	return dir;
}

/* Issue 12: a saved run opens as its run, calls included: the ladder holds the programs'
 * calls beside the segments, and 'c' lists the checks with the verdicts the run gave. */
Test(tui, inspect_opens_a_run_record_on_its_ladder_with_calls_and_checks, .timeout = 120)
{
	char *dir, *s, *title, *rows, args[600], said[64];
	struct tcplab_result *r = malloc(sizeof *r);
	struct term *t;
	const char *p;
	int pass = -1, total = -1;

	need_lab_runs();
	cr_assert_not_null(r);
	dir = record_lab1();
	/* what the run said, read back from the record as text (stdout is no terminal): a busy
	 * machine may make a verdict inconclusive, so the screens are held to this, not to 8 */
	snprintf(args, sizeof args, "%s/run.pcapng", dir);
	tcplab_run(r, (const char *[]){ "inspect", args, NULL });
	cr_assert_eq(r->status, 0, "%s", r->err);
	p = strstr(r->out, " checks passed\n");
	while (p && p > r->out && p[-1] != '\n')
		p--;
	cr_assert(p && sscanf(p, "%d of %d checks passed", &pass, &total) == 2,
	          "the text ladder's count of checks:\n%s", r->out);
	snprintf(said, sizeof said, "%d of %d checks passed", pass, total);

	snprintf(args, sizeof args, "inspect %s/run.pcapng", dir);
	t = term_start(80, 24, NULL, tcplab(args));
	/* the last row drawn (the hints), so that the title and the rows are there too */
	s = term_wait(t, "c checks  s segments", WAIT_MS);
	title = screen_row(s, 0);
	cr_expect(!strncmp(title, "ladder  lab 1 client-first", 26), "the ladder first: '%s'", title);
	cr_expect(strstr(title, said), "the run's count, '%s': '%s'", said, title);
	cr_expect(line_with(s, "connect(3, ", ""), "the client's connect() row:\n%s", s);
	cr_expect(line_with(s, "listen(3, 1) = 0", ""), "the server's listen() row:\n%s", s);
	cr_expect(line_with(s, "- S 0 -", ""), "the SYN beside the calls:\n%s", s);
	free(title);
	free(s);
	term_keys(t, (const char *[]){ "c", NULL });
	s = term_wait(t, "Enter the segment it points at", WAIT_MS);
	rows = check_rows(s);
	/* Lab 1's run has more checks than 24 rows hold: those below are counted by the
	 * screen's "v N more", and the PASS rows shown and those add up to the run's. */
	{
		const char *m = strstr(s, " more\n");
		int more = 0, shown = count_rows(rows, " PASS ");

		while (m && m > s && m[-1] >= '0' && m[-1] <= '9')
			m--;
		if (m && m > s + 1 && !strncmp(m - 2, "v ", 2))
			more = atoi(m);
		cr_expect(shown <= pass && shown + more >= pass && shown + more <= total,
		          "the run's verdicts (%s), %d shown, %d more:\n%s", said, shown, more, s);
	}
	cr_expect(strstr(rows, "three-way handshake: SYN, SYN-ACK, ACK\n"), "%s", rows);
	free(rows);
	free(s);
	/* the same structures under the other screens: segments and conversations */
	term_keys(t, (const char *[]){ "q", "s", NULL });
	s = term_wait(t, "Frame 1 at ", WAIT_MS);
	cr_expect(!strncmp(s, "segments ", 9), "%s", s);
	free(s);
	term_keys(t, (const char *[]){ "q", "o", NULL });
	s = term_wait(t, "Enter ladder  s segments", WAIT_MS);
	cr_expect(!strncmp(s, "conversations  1 connection", 27), "%s", s);
	cr_expect(line_with(s, "10.99.0.1:", "FIN"), "%s", s);
	free(s);
	term_stop(t);
	free(r);
	snprintf(args, sizeof args, "%s/run.pcapng", dir);
	unlink(args);
	rmdir(dir);
	free(dir);
}

/* Issue 12: 'demo --pcap' on a run record replays its calls too ('S'), where a plain
 * capture says it has none. */
Test(tui, demo_replays_a_run_record_with_its_calls, .timeout = 120)
{
	char *dir, *s, args[600];
	struct term *t;

	need_lab_runs();
	dir = record_lab1();
	snprintf(args, sizeof args, "demo 1 --pcap %s/run.pcapng", dir);
	t = term_start(80, 24, NULL, tcplab(args));
	s = term_wait(t, "client-first  1/10", WAIT_MS);
	cr_expect(!strstr(s, "connect(3,"), "no calls before S:\n%s", s);
	free(s);
	term_keys(t, (const char *[]){ "S", NULL });
	s = term_wait(t, "the programs' calls shown beside the segments", WAIT_MS);
	cr_expect(!strstr(s, "no calls in a capture file"), "%s", s);
	free(s);
	term_keys(t, (const char *[]){ "Right", "Right", "Right", NULL });
	/* the rows, not the title: curses may be caught between the two */
	s = term_wait(t, "connect() = 0", WAIT_MS);
	cr_expect(line_with(s, "connect(3,", ""), "the client's connect() before the SYN:\n%s", s);
	cr_expect(line_with(s, "|----------- S 0 ----------->|", ""), "%s", s);
	free(s);
	term_stop(t);
	snprintf(args, sizeof args, "%s/run.pcapng", dir);
	unlink(args);
	rmdir(dir);
	free(dir);
}

/* A saved grade counts as the grade did: its score in the title, not the run's checks. */
Test(tui, inspect_shows_a_grade_records_score, .timeout = 120)
{
	char *dir = strdup("/tmp/tcplab-tui-grade-XXXXXX"), path[512], want[128], *s, *title;
	struct tcplab_result *r = malloc(sizeof *r);
	struct term *t;
	const char *p;
	double score = -1, max = -1;

	need_lab_runs();
	cr_assert_not_null(dir);
	cr_assert_not_null(r);
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/grade.pcapng", dir);
	tcplab_run(r, (const char *[]){ "grade", "1", "--record", path, NULL });
	p = strstr(r->out, "score: ");
	cr_assert(p && sscanf(p, "score: %lf/%lf", &score, &max) == 2, "%s%s", r->out, r->err);
	snprintf(want, sizeof want, "score %g/%g, the run: ", score, max);
	snprintf(path, sizeof path, "inspect %s/grade.pcapng", dir);
	t = term_start(80, 24, NULL, tcplab(path));
	s = term_wait(t, want, WAIT_MS);
	title = screen_row(s, 0);
	cr_expect(!strncmp(title, "ladder  lab 1 exercise", 22), "'%s'", title);
	free(title);
	free(s);
	term_stop(t);
	snprintf(path, sizeof path, "%s/grade.pcapng", dir);
	unlink(path);
	rmdir(dir);
	free(dir);
	free(r);
}

/* ---- issue 10, lab 7: the kernel's view on the ladder, and K's table of one sample ---- */

/* A lab 7 timewait run recorded now, on this kernel, opened at 80x24: the server's column
 * has the kernel's rows, TIME-WAIT with its timer, and K lists the sample's sockets at the
 * selected row's time as ss does, from "not sampled yet" at the first row on. */
Test(tui, lab7_timewait_shows_the_kernels_rows_and_k_lists_the_sockets, .timeout = 120)
{
	char dir[] = "/tmp/tcplab-tui-kview-XXXXXX", path[600], args[700], *s;
	struct tcplab_result *r = malloc(sizeof *r);
	struct term *t;

	need_lab_runs();
	cr_assert_not_null(r);
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/tw.pcapng", dir);
	tcplab_run(r, (const char *[]){ "run", "7", "--variant", "timewait", "--record", path,
	                                NULL });
	cr_assert_eq(r->status, 0, "tcplab run 7 --record: %s%s", r->out, r->err);
	snprintf(args, sizeof args, "inspect %s", path);
	t = term_start(80, 24, NULL, tcplab(args));
	/* (where the server's first sample falls among the first rows is the machine's) */
	free(term_wait(t, "K kernel", WAIT_MS));
	term_keys(t, (const char *[]){ "G", NULL });
	s = term_wait(t, "kernel: TIME-WAIT 1 (", WAIT_MS);
	cr_expect(line_with(s, "kernel: TIME-WAIT 1 (", " s left)"), "its timer:\n%s", s);
	free(s);
	term_keys(t, (const char *[]){ "K", NULL });
	s = term_wait(t, "as ss -tan -o lists them", WAIT_MS);
	cr_expect(line_with(s, "State", "Recv-Q Send-Q Local"), "the columns:\n%s", s);
	cr_expect(line_with(s, "server 10.99.0.2, sampled at ", "ms: 1 socket"), "%s", s);
	cr_expect(line_with(s, "TIME-WAIT ", "10.99.0.2:8070    10.99.0.1:"), "%s", s);
	cr_expect(line_with(s, "10.99.0.1:", "timewait 5"), "the timer, 50-60 s left:\n%s", s);
	free(s);
	/* the first row is before any sample; K again hides the table */
	term_keys(t, (const char *[]){ "g", NULL });
	s = term_wait(t, "not sampled yet at this time", WAIT_MS);
	cr_expect(line_with(s, "client 10.99.0.1: not sampled yet", ""), "%s", s);
	free(s);
	term_keys(t, (const char *[]){ "K", "G", NULL });
	s = term_wait(t, "(K: every socket, as ss -tan -o lists them)", WAIT_MS);
	cr_expect_null(strstr(s, "as ss -tan -o lists them ---"), "the table is hidden:\n%s", s);
	free(s);
	term_stop(t);
	unlink(path);
	rmdir(dir);
	free(r);
}

/* The saved record (tests/data/record/lab7-timewait.pcapng) at its end with K, at 80x24
 * without colour: the kernel's rows in the server's column apart from its calls, and the
 * table under them. */
Test(tui, a_saved_lab7_record_shows_time_wait_and_its_table_at_80x24, .timeout = 30)
{
	const char *env[] = { "NO_COLOR=1", NULL };
	struct term *t = term_start(80, 24, env,
	                            tcplab("inspect tests/data/record/lab7-timewait.pcapng"));
	char *s;

	free(term_wait(t, "K kernel", WAIT_MS));
	term_keys(t, (const char *[]){ "G", "K", NULL });
	s = term_wait(t, "timewait 59.8 s", WAIT_MS);
	term_expect(s, "kview_lab7_timewait_80x24");
	free(s);
	/* the ladder's help names the key */
	term_keys(t, (const char *[]){ "?", NULL });
	s = term_wait(t, "help: keys on the ladder screen", WAIT_MS);
	cr_expect(line_with(s, " K ", "kernel's sockets at the selected row"), "%s", s);
	free(s);
	term_stop(t);
}

/* A run without samples (a record written before there were any) has no kernel rows and
 * no K in its hints, and K says why; so does a capture file's ladder. */
Test(tui, a_run_without_kernel_samples_shows_none_and_k_says_why, .timeout = 30)
{
	struct term *t = term_start(80, 24, NULL,
	                            tcplab("inspect tests/data/record/lab1-half-close.pcapng"));
	char *s;

	s = term_wait(t, "c checks  s segments", WAIT_MS);
	cr_expect_null(strstr(s, "kernel:"), "no kernel rows:\n%s", s);
	cr_expect_null(strstr(s, "K kernel"), "no K in the hints:\n%s", s);
	free(s);
	term_keys(t, (const char *[]){ "G", "K", NULL });
	s = term_wait(t, "this run has no samples of the kernel's sockets", WAIT_MS);
	cr_expect_null(strstr(s, "kernel:"), "no kernel rows at the end:\n%s", s);
	cr_expect_null(strstr(s, "ss -tan -o"), "no table:\n%s", s);
	free(s);
	term_stop(t);

	t = term_start(80, 24, NULL, tcplab("inspect " CAPTURE));
	free(term_wait(t, "segments of", WAIT_MS));
	term_keys(t, (const char *[]){ "a", NULL });
	free(term_wait(t, "Enter segment detail", WAIT_MS));
	term_keys(t, (const char *[]){ "K", NULL });
	free(term_wait(t, "a capture file holds only the wire", WAIT_MS));
	term_stop(t);
}

/* Lab 7's leak recorded now: at the lab's kill, a dozen sockets on each side. K's table at
 * 80x24 keeps the server's part (its CLOSE-WAITs piled up) beside the client's
 * FIN-WAIT-2s, each cut with a count, rather than the client's filling it. */
Test(tui, lab7_leak_k_table_keeps_both_hosts_close_wait_in_view, .timeout = 120)
{
	char dir[] = "/tmp/tcplab-tui-kleak-XXXXXX", path[600], args[700], *s;
	struct tcplab_result *r = malloc(sizeof *r);
	struct term *t;

	need_lab_runs();
	cr_assert_not_null(r);
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/leak.pcapng", dir);
	tcplab_run(r, (const char *[]){ "run", "7", "--variant", "leak", "--record", path, NULL });
	cr_assert_eq(r->status, 0, "tcplab run 7 --variant leak --record: %s%s", r->out, r->err);
	snprintf(args, sizeof args, "inspect %s", path);
	t = term_start(80, 24, NULL, tcplab(args));
	free(term_wait(t, "K kernel", WAIT_MS));
	/* the lab's kill: its act's sample was taken just before it */
	term_keys(t, (const char *[]){ "\\", "SIGKILL to the server", "Enter", "K", NULL });
	s = term_wait(t, "as ss -tan -o lists them", WAIT_MS);
	cr_expect(line_with(s, "client 10.99.0.1, sampled at ", " sockets"), "%s", s);
	cr_expect(line_with(s, "  FIN-WAIT-2 ", "10.99.0.2:8070"), "the client's:\n%s", s);
	cr_expect(line_with(s, "server 10.99.0.2, sampled at ", " sockets"), "%s", s);
	cr_expect(line_with(s, "  CLOSE-WAIT ", "10.99.0.1:"), "the server's:\n%s", s);
	cr_expect(line_with(s, "  ... ", " more"), "what does not fit is counted:\n%s", s);
	free(s);
	term_stop(t);
	unlink(path);
	rmdir(dir);
	free(r);
}
